// On one GPU, the sharded code path over the NCCL communicator for real (P = 1: every collective
// of the halo exchange and the batch gathers goes through NCCL) trains like the single-process
// path on the GPU, bit for bit (deterministic), for each model that runs over several processes.
#include <gtest/gtest.h>

#include "engine/src/launch.h"
#include "engine/src/nccl_communicator.h"
#include "gpu_test_util.h"
#include "support/sharded_path.h"

namespace mmgraph {
namespace {

TEST(ShardedPathGpu, OneBlockOverNcclTrainsLikeOneProcess) {
  MMGRAPH_REQUIRE_GPU();
  const std::unique_ptr<detail::Device> dev = detail::make_cuda_device(0, true);
  for (const char* model : {"lightgcn", "bprmf", "vbpr", "freedom", "lattice", "mgcn", "mmgraph"})
    testing::expect_sharded_path_equals_single(*dev, model, [](detail::Device&) {
      return std::make_unique<detail::NcclCommunicator>(detail::LaunchInfo{});
    });
}

}  // namespace
}  // namespace mmgraph
