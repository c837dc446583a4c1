// The single-process communicator: rank 0 of 1, and each collective means what it means for
// one process (a gather or all-to-all of one part is that part, a sum over one process is the
// values themselves), on device buffers; sizes that do not describe one process are refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/src/communicator.h"
#include "engine/src/device.h"
#include "engine/src/resources.h"
#include "mmgraph/errors.h"

namespace mmgraph {
namespace {

const std::vector<float> kValues = {1.5f, -2.25f, 0.0f, 3.0e-8f, -7.0f};

TEST(SingleProcessCommunicator, IsRankZeroOfOneInTheResources) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const detail::Resources resources(*dev);
  EXPECT_EQ(&resources.device(), dev.get());
  EXPECT_EQ(resources.comm().rank(), 0);
  EXPECT_EQ(resources.comm().size(), 1);
}

TEST(SingleProcessCommunicator, CollectivesOfOneProcess) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  detail::SingleProcessCommunicator comm(*dev);
  const auto n = static_cast<int64_t>(kValues.size());
  auto send = detail::Buffer<float>::from_host(*dev, kValues, "send");
  const std::vector<float> poison(kValues.size(), -99.0f);

  comm.all_reduce_sum(send.data(), n);
  EXPECT_EQ(send.to_host(), kValues) << "all-reduce over one process leaves the values";

  auto recv = detail::Buffer<float>::from_host(*dev, poison, "recv");
  comm.all_gather(send.data(), n, recv.data());
  EXPECT_EQ(recv.to_host(), kValues) << "all-gather of one part is that part";

  recv.upload(poison);
  comm.all_gather_v(send.data(), recv.data(), {n});
  EXPECT_EQ(recv.to_host(), kValues);

  recv.upload(poison);
  comm.reduce_scatter_sum(send.data(), recv.data(), n, detail::CommType::kFloat32);
  EXPECT_EQ(recv.to_host(), kValues) << "reduce-scatter over one process is a copy";

  recv.upload(poison);
  comm.all_to_all_v(send.data(), {3}, recv.data(), {3});
  const std::vector<float> got = recv.to_host();
  EXPECT_EQ(std::vector<float>(got.begin(), got.begin() + 3), std::vector<float>(kValues.begin(), kValues.begin() + 3));
  EXPECT_EQ(got[3], -99.0f) << "all-to-all writes the received count only";

  comm.broadcast(send.data(), n, 0, detail::CommType::kFloat32);
  EXPECT_EQ(send.to_host(), kValues);
  comm.barrier();

  const std::vector<double> sums = {0.1, 1e300, -3.0};
  auto d = detail::Buffer<double>::from_host(*dev, sums, "sums");
  comm.all_reduce_sum(d.data(), 3);
  EXPECT_EQ(d.to_host(), sums);

  const std::vector<int64_t> ids = {7, 1LL << 40};
  auto ids_send = detail::Buffer<int64_t>::from_host(*dev, ids, "ids");
  auto ids_recv = detail::Buffer<int64_t>::from_host(*dev, {0, 0}, "ids");
  comm.all_gather(ids_send.data(), 2, ids_recv.data(), detail::CommType::kInt64);
  EXPECT_EQ(ids_recv.to_host(), ids) << "8-byte elements move whole";
}

TEST(SingleProcessCommunicator, RefusesSizesOfAnotherProcessCount) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  detail::SingleProcessCommunicator comm(*dev);
  auto a = detail::Buffer<float>::from_host(*dev, kValues, "a");
  auto b = detail::Buffer<float>::from_host(*dev, kValues, "b");
  EXPECT_THROW(comm.all_gather_v(a.data(), b.data(), {2, 3}), Error);
  EXPECT_THROW(comm.all_to_all_v(a.data(), {2}, b.data(), {3}), Error);
  EXPECT_THROW(comm.broadcast(a.data(), 5, 1, detail::CommType::kFloat32), Error);
  EXPECT_THROW(comm.all_reduce_sum(a.data(), -1), Error);
}

}  // namespace
}  // namespace mmgraph
