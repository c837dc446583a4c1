// The NCCL communicator for real at P = 1 (one process, one GPU): every collective on device
// buffers gives what the single-process communicator gives on the same inputs, for the four
// element types; outputs are poisoned first, so an element NCCL did not write fails.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/src/communicator.h"
#include "engine/src/device.h"
#include "engine/src/launch.h"
#include "engine/src/nccl_communicator.h"
#include "gpu_test_util.h"

namespace mmgraph {
namespace {

using detail::Buffer;
using detail::CommType;

template <typename T>
constexpr CommType comm_type() {
  if constexpr (std::is_same_v<T, float>) return CommType::kFloat32;
  if constexpr (std::is_same_v<T, double>) return CommType::kFloat64;
  if constexpr (std::is_same_v<T, int32_t>) return CommType::kInt32;
  return CommType::kInt64;
}

// Runs `collective(comm, in, out)` through both communicators on copies of `input`, with `out`
// poisoned to -7, and compares what each leaves in `in` and `out`.
template <typename T, typename Collective>
void expect_same(detail::Device& dev, detail::Communicator& nccl, detail::Communicator& single,
                 const std::vector<T>& input, size_t out_size, Collective collective, const char* what) {
  std::vector<std::vector<T>> results;
  for (detail::Communicator* comm : {&nccl, &single}) {
    auto in = Buffer<T>::from_host(dev, input, "in");
    auto out = Buffer<T>::from_host(dev, std::vector<T>(out_size, T(-7)), "out");
    collective(*comm, in.data(), out.data());
    std::vector<T> both = in.to_host();
    const std::vector<T> written = out.to_host();
    both.insert(both.end(), written.begin(), written.end());
    results.push_back(both);
  }
  EXPECT_EQ(results[0], results[1]) << what;
}

template <typename T>
class NcclCommunicatorGpu : public ::testing::Test {};
using ElementTypes = ::testing::Types<float, double, int32_t, int64_t>;
TYPED_TEST_SUITE(NcclCommunicatorGpu, ElementTypes);

TYPED_TEST(NcclCommunicatorGpu, EveryCollectiveAsTheSingleProcessOne) {
  using T = TypeParam;
  MMGRAPH_REQUIRE_GPU();
  std::unique_ptr<detail::Device> dev = detail::make_cuda_device(0, true);
  const detail::LaunchInfo one_process;
  detail::NcclCommunicator nccl(one_process, 60.0);
  detail::SingleProcessCommunicator single(*dev);
  EXPECT_EQ(nccl.rank(), 0);
  EXPECT_EQ(nccl.size(), 1);
  const CommType type = comm_type<T>();
  std::vector<T> input(1000);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<T>(static_cast<int64_t>(i * 37 % 101) - 50);
  const int64_t n = static_cast<int64_t>(input.size());
  expect_same<T>(*dev, nccl, single, input, 0,
                 [&](detail::Communicator& c, T* in, T*) { c.all_reduce_sum(in, n, type); }, "all_reduce_sum");
  expect_same<T>(*dev, nccl, single, input, input.size() + 1,
                 [&](detail::Communicator& c, T* in, T* out) { c.all_gather(in, n, out, type); }, "all_gather");
  expect_same<T>(*dev, nccl, single, input, input.size() + 1,
                 [&](detail::Communicator& c, T* in, T* out) { c.all_gather_v(in, out, {n - 1}, type); },
                 "all_gather_v");
  expect_same<T>(*dev, nccl, single, input, 0,
                 [&](detail::Communicator& c, T* in, T*) { c.all_gather_v(in, in, {n}, type); },
                 "all_gather_v in place");
  expect_same<T>(*dev, nccl, single, input, input.size(),
                 [&](detail::Communicator& c, T* in, T* out) { c.reduce_scatter_sum(in, out, n, type); },
                 "reduce_scatter_sum");
  expect_same<T>(*dev, nccl, single, input, 10,
                 [&](detail::Communicator& c, T* in, T* out) { c.all_to_all_v(in, {7}, out, {7}, type); },
                 "all_to_all_v");
  expect_same<T>(*dev, nccl, single, input, 4,
                 [&](detail::Communicator& c, T* in, T* out) { c.all_to_all_v(in, {0}, out, {0}, type); },
                 "all_to_all_v of nothing");
  expect_same<T>(*dev, nccl, single, input, 0,
                 [&](detail::Communicator& c, T* in, T*) { c.broadcast(in, n, 0, type); }, "broadcast");
  nccl.barrier();
}

}  // namespace
}  // namespace mmgraph
