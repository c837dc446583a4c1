// End to end: a short LightGCN run on synthetic data gives the same losses and
// metrics on the CPU and the GPU (same initial parameters, same batches).
#include <gtest/gtest.h>

#include <cmath>

#include "gpu/gpu_test_util.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"

namespace mmgraph {
namespace {

TEST(TrainGpu, MatchesCpuRun) {
  MMGRAPH_REQUIRE_GPU();
  SyntheticOptions s;
  s.users = 1500;
  s.items = 900;
  s.interactions = 40000;
  const Dataset data = make_synthetic_dataset(s);
  TrainConfig c;
  c.embedding_size = 32;
  c.n_layers = 2;
  c.learning_rate = 0.005;
  c.train_batch_size = 1024;
  c.epochs = 4;
  c.eval_step = 2;
  c.topk = {10, 20};
  TrainOptions opt;
  opt.progress = false;
  c.device = "cpu";
  const TrainResult cpu = train(data, c, opt);
  for (bool det : {false, true}) {
    c.device = "cuda";
    c.deterministic = det;
    const TrainResult gpu = train(data, c, opt);
    ASSERT_EQ(gpu.history.size(), cpu.history.size());
    // Float reordering only: losses agree to ~1e-4 relative after 4 epochs of Adam.
    for (size_t e = 0; e < cpu.history.size(); ++e)
      EXPECT_NEAR(gpu.history[e].loss, cpu.history[e].loss, 1e-3 * cpu.history[e].loss) << "epoch " << e + 1;
    EXPECT_NEAR(gpu.test.get("Recall@20"), cpu.test.get("Recall@20"), 0.01);
    EXPECT_NEAR(gpu.test.get("NDCG@20"), cpu.test.get("NDCG@20"), 0.01);
    EXPECT_NE(gpu.device.find("cuda:0"), std::string::npos);
  }
}

TEST(TrainGpu, DeterministicModeRepeatsBitForBit) {
  MMGRAPH_REQUIRE_GPU();
  SyntheticOptions s;
  s.users = 500;
  s.items = 300;
  s.interactions = 10000;
  const Dataset data = make_synthetic_dataset(s);
  TrainConfig c;
  c.device = "cuda";
  c.deterministic = true;  // n_layers = 3: power-law item rows span several SpMM chunks
  c.embedding_size = 16;
  c.epochs = 2;
  TrainOptions opt;
  opt.progress = false;
  const TrainResult a = train(data, c, opt), b = train(data, c, opt);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t e = 0; e < a.history.size(); ++e) EXPECT_EQ(a.history[e].loss, b.history[e].loss) << "epoch " << e + 1;
  EXPECT_TRUE(testing::bit_identical(a.user_rep, b.user_rep, "user representations"));
  EXPECT_TRUE(testing::bit_identical(a.item_rep, b.item_rep, "item representations"));
  for (const auto& [name, value] : a.test.items()) EXPECT_EQ(value, b.test.get(name)) << name;
}

}  // namespace
}  // namespace mmgraph
