// Every collective of the MPI communicator, run by P real processes under mpirun: each rank
// checks what it receives against values it computes itself, for the four element types, with
// uneven parts and parts of zero elements. Sums are of small integers, exact in every type, so
// the order in which MPI adds them does not matter.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "engine/src/communicator.h"
#include "engine/src/device.h"
#include "engine/src/launch.h"
#include "engine/src/mpi_communicator.h"
#include "mmgraph/errors.h"

namespace mmgraph {
namespace {

using detail::CommType;
using detail::MpiCommunicator;

// Long enough for four processes sharing two cores; a test that hangs fails through it.
constexpr double kTimeoutSeconds = 60.0;

template <typename T>
constexpr CommType comm_type() {
  if constexpr (std::is_same_v<T, float>) return CommType::kFloat32;
  if constexpr (std::is_same_v<T, double>) return CommType::kFloat64;
  if constexpr (std::is_same_v<T, int32_t>) return CommType::kInt32;
  return CommType::kInt64;
}

// Element i of rank r's data.
template <typename T>
T value(int r, int64_t i) {
  return static_cast<T>((r + 1) * 1000 + i);
}

// The sum over every rank of value(r, i).
template <typename T>
T value_sum(int p, int64_t i) {
  T sum = 0;
  for (int r = 0; r < p; ++r) sum += value<T>(r, i);
  return sum;
}

// Elements rank r sends to rank q in all_to_all_v (zero for some pairs).
int64_t pair_count(int r, int q) { return (r + 2 * q) % 3; }

// Element j of what rank r sends to rank q.
template <typename T>
T pair_value(int r, int q, int64_t j) {
  return static_cast<T>(r * 100 + q * 10 + j);
}

// Rank q's part of all_gather_v: uneven, zero for q = 1 and q = 4.
int64_t part_count(int q) { return q % 3 == 1 ? 0 : q + 2; }

template <typename T>
class MpiCollectives : public ::testing::Test {};
using ElementTypes = ::testing::Types<float, double, int32_t, int64_t>;
TYPED_TEST_SUITE(MpiCollectives, ElementTypes);

TYPED_TEST(MpiCollectives, AllReduceSum) {
  using T = TypeParam;
  MpiCommunicator comm(kTimeoutSeconds);
  const int r = comm.rank();
  std::vector<T> data(7);
  for (int64_t i = 0; i < 7; ++i) data[i] = value<T>(r, i);
  comm.all_reduce_sum(data.data(), 7, comm_type<T>());
  for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(data[i], value_sum<T>(comm.size(), i)) << "element " << i;
  comm.all_reduce_sum(data.data(), 0, comm_type<T>());  // nothing to add, on every rank
}

TYPED_TEST(MpiCollectives, AllGatherAndInPlace) {
  using T = TypeParam;
  MpiCommunicator comm(kTimeoutSeconds);
  const int r = comm.rank();
  const int p = comm.size();
  const int64_t n = 5;
  std::vector<T> send(n);
  for (int64_t i = 0; i < n; ++i) send[i] = value<T>(r, i);
  std::vector<T> recv(p * n, T(-1));
  comm.all_gather(send.data(), n, recv.data(), comm_type<T>());
  for (int q = 0; q < p; ++q)
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(recv[q * n + i], value<T>(q, i)) << "rank " << q << " element " << i;

  std::vector<T> in_place(p * n, T(-1));
  std::copy(send.begin(), send.end(), in_place.begin() + r * n);
  comm.all_gather(in_place.data() + r * n, n, in_place.data(), comm_type<T>());
  EXPECT_EQ(in_place, recv) << "this rank's part already in recv";
}

TYPED_TEST(MpiCollectives, AllGatherVWithEmptyParts) {
  using T = TypeParam;
  MpiCommunicator comm(kTimeoutSeconds);
  const int r = comm.rank();
  const int p = comm.size();
  std::vector<int64_t> counts(p);
  for (int q = 0; q < p; ++q) counts[q] = part_count(q);
  std::vector<T> send(part_count(r));
  for (int64_t i = 0; i < part_count(r); ++i) send[i] = value<T>(r, i);
  std::vector<T> expected;
  for (int q = 0; q < p; ++q)
    for (int64_t i = 0; i < part_count(q); ++i) expected.push_back(value<T>(q, i));
  std::vector<T> recv(expected.size(), T(-1));
  comm.all_gather_v(send.data(), recv.data(), counts, comm_type<T>());
  EXPECT_EQ(recv, expected);
}

TYPED_TEST(MpiCollectives, ReduceScatterSum) {
  using T = TypeParam;
  MpiCommunicator comm(kTimeoutSeconds);
  const int r = comm.rank();
  const int p = comm.size();
  const int64_t n = 3;
  std::vector<T> send(p * n);
  for (int64_t i = 0; i < p * n; ++i) send[i] = value<T>(r, i);
  std::vector<T> recv(n, T(-1));
  comm.reduce_scatter_sum(send.data(), recv.data(), n, comm_type<T>());
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(recv[i], value_sum<T>(p, r * n + i)) << "element " << i;
}

TYPED_TEST(MpiCollectives, AllToAllVWithEmptyPairs) {
  using T = TypeParam;
  MpiCommunicator comm(kTimeoutSeconds);
  const int r = comm.rank();
  const int p = comm.size();
  std::vector<int64_t> send_counts(p);
  std::vector<int64_t> recv_counts(p);
  std::vector<T> send;
  std::vector<T> expected;
  for (int q = 0; q < p; ++q) {
    send_counts[q] = pair_count(r, q);
    recv_counts[q] = pair_count(q, r);
    for (int64_t j = 0; j < send_counts[q]; ++j) send.push_back(pair_value<T>(r, q, j));
    for (int64_t j = 0; j < recv_counts[q]; ++j) expected.push_back(pair_value<T>(q, r, j));
  }
  std::vector<T> recv(expected.size() + 1, T(-1));
  comm.all_to_all_v(send.data(), send_counts, recv.data(), recv_counts, comm_type<T>());
  EXPECT_EQ(std::vector<T>(recv.begin(), recv.end() - 1), expected);
  EXPECT_EQ(recv.back(), T(-1)) << "nothing past the received elements";
}

TYPED_TEST(MpiCollectives, BroadcastFromTheLastRank) {
  using T = TypeParam;
  MpiCommunicator comm(kTimeoutSeconds);
  const int root = comm.size() - 1;
  std::vector<T> data(6);
  for (int64_t i = 0; i < 6; ++i) data[i] = value<T>(comm.rank(), i);
  comm.broadcast(data.data(), 6, root, comm_type<T>());
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(data[i], value<T>(root, i)) << "element " << i;
}

// Counts above the per-call limit (lowered to 4 here, INT_MAX in a run): the all-reduce is cut
// into calls, the all-gather and broadcast move one derived datatype (with and without a rest),
// and the collectives that cannot do either refuse, on every rank alike.
TYPED_TEST(MpiCollectives, CountsAboveThePerCallLimit) {
  using T = TypeParam;
  MpiCommunicator comm(kTimeoutSeconds, 4);
  const int r = comm.rank();
  const int p = comm.size();
  for (const int64_t n : {int64_t{10}, int64_t{8}}) {
    std::vector<T> data(n);
    for (int64_t i = 0; i < n; ++i) data[i] = value<T>(r, i);
    std::vector<T> sums = data;
    comm.all_reduce_sum(sums.data(), n, comm_type<T>());
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(sums[i], value_sum<T>(p, i)) << n << " elements, element " << i;

    std::vector<T> gathered(p * n, T(-1));
    comm.all_gather(data.data(), n, gathered.data(), comm_type<T>());
    for (int q = 0; q < p; ++q)
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(gathered[q * n + i], value<T>(q, i)) << n << " elements";

    std::vector<T> broadcast = data;
    comm.broadcast(broadcast.data(), n, 0, comm_type<T>());
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(broadcast[i], value<T>(0, i)) << n << " elements";
  }
  std::vector<T> big(p * 5);
  std::vector<T> out(5 * p);
  EXPECT_THROW(comm.reduce_scatter_sum(big.data(), out.data(), 5, comm_type<T>()), Error);
  EXPECT_THROW(comm.all_gather_v(big.data(), out.data(), std::vector<int64_t>(p, 5), comm_type<T>()), Error);
  EXPECT_THROW(comm.all_to_all_v(big.data(), std::vector<int64_t>(p, 5), out.data(), std::vector<int64_t>(p, 5),
                                 comm_type<T>()),
               Error);
}

TEST(MpiCommunicator, BarrierWaitsForTheLastRank) {
  MpiCommunicator comm(kTimeoutSeconds);
  // The communicator's MPI_Comm_dup has just joined every rank, so their clocks start together.
  const auto late = std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  if (comm.rank() == 0) std::this_thread::sleep_for(late);
  comm.barrier();
  EXPECT_GE(std::chrono::steady_clock::now() - start, late / 2)
      << "rank " << comm.rank() << " left the barrier before rank 0 reached it";
}

TEST(MpiCommunicator, IsWhatTheLaunchGivesOnTheCpu) {
  const detail::LaunchInfo launch = detail::detect_launch();
  ASSERT_GT(launch.size, 1) << "run this program under mpirun with several processes";
  EXPECT_EQ(launch.launcher, "openmpi");
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  std::unique_ptr<detail::Communicator> comm = detail::make_communicator(*dev, launch, kTimeoutSeconds);
  EXPECT_NE(dynamic_cast<MpiCommunicator*>(comm.get()), nullptr);
  EXPECT_EQ(comm->rank(), launch.rank);
  EXPECT_EQ(comm->size(), launch.size);
  EXPECT_EQ(detail::rank_prefix(launch),
            "rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.size) + ": ");
}

}  // namespace
}  // namespace mmgraph
