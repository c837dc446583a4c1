// The sharded code path in one process, over the single-process communicator, trains like the
// single-process path, bit for bit, for each model that runs over several processes
// (tests/support/sharded_path.h; runs over real processes are in tests/distributed/).
#include <gtest/gtest.h>

#include "support/sharded_path.h"

namespace mmgraph {
namespace {

TEST(ShardedPath, OneBlockTrainsLikeOneProcess) {
  const std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  for (const char* model : {"lightgcn", "bprmf", "vbpr", "freedom", "lattice", "mgcn", "mmgraph"})
    testing::expect_sharded_path_equals_single(*dev, model, [](detail::Device& d) {
      return std::make_unique<detail::SingleProcessCommunicator>(d);
    });
}

}  // namespace
}  // namespace mmgraph
