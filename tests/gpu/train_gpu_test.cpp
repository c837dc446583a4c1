// End to end: short runs on synthetic data give the same losses and
// metrics on the CPU and the GPU (same initial parameters, same batches), for every model.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engine/src/model.h"
#include "gpu/gpu_test_util.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"
#include "support/model_configs.h"

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
    // The same computation summed in another order: float32 results differ by a few ulp
    // (~1e-7 relative) per step, and 128 Adam steps (32 batches x 4 epochs) carry the
    // differences on (Adam divides by sqrt(v), so a gradient entry near zero can step by a
    // different amount). Each epoch's mean loss is held to 1e-3 relative. Recall@20 and
    // NDCG@20 are held to 0.01 absolute: reordering may swap two items of nearly equal
    // score at the top-20 boundary, and over the ~920 test users 0.01 is the metric of
    // about 9 users changing entirely.
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

// Every model of the registry (its shipped config at test sizes) with every objective: the
// CUDA device against the CPU device on the same batches (same sampler rule), 48 steps of
// Adam (16 batches x 3 epochs). The same computation summed in another order (float32,
// a few ulp per step, carried on by Adam): each epoch's mean loss is held to 1e-3 relative
// plus 1e-5 absolute (a loss near zero), and test Recall@20 to 0.01 absolute, which over
// the ~540 test users is the recall of about 5 users changing entirely (items of nearly
// equal score swapped at the top-20 boundary).
class TrainGpuModels : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(TrainGpuModels, MatchesCpuRun) {
  MMGRAPH_REQUIRE_GPU();
  const auto [model, loss] = GetParam();
  SyntheticOptions s;
  s.users = 900;
  s.items = 500;
  s.interactions = 20000;
  const Dataset data = make_synthetic_dataset(s);
  TrainConfig c = testing::shipped_config(model);
  c.loss = loss;
  c.embedding_size = 32;
  c.n_layers = 2;
  c.learning_rate = 0.005;
  c.train_batch_size = 1024;
  c.epochs = 3;
  c.eval_step = 3;
  c.topk = {10, 20};
  c.knn_k = 5;
  c.dropout = 0.3;
  c.mm_bpr_weight = 0.1;
  c.cl_weight = 0.05;
  c.deterministic = true;
  TrainOptions opt;
  opt.progress = false;
  c.device = "cpu";
  const TrainResult cpu = train(data, c, opt);
  c.device = "cuda";
  const TrainResult gpu = train(data, c, opt);
  ASSERT_EQ(gpu.history.size(), cpu.history.size());
  for (size_t e = 0; e < cpu.history.size(); ++e)
    EXPECT_NEAR(gpu.history[e].loss, cpu.history[e].loss, 1e-3 * std::fabs(cpu.history[e].loss) + 1e-5)
        << model << " epoch " << e + 1;
  EXPECT_NEAR(gpu.test.get("Recall@20"), cpu.test.get("Recall@20"), 0.01) << model;
  const TrainResult again = train(data, c, opt);
  EXPECT_TRUE(testing::bit_identical(again.item_rep, gpu.item_rep, model + " item representations"));
}

std::vector<std::pair<std::string, std::string>> every_model_and_objective() {
  std::vector<std::pair<std::string, std::string>> cases;
  for (const std::string& model : detail::model_names())
    for (const std::string& loss : testing::objectives()) cases.emplace_back(model, loss);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllModels, TrainGpuModels, ::testing::ValuesIn(every_model_and_objective()),
                         [](const ::testing::TestParamInfo<std::pair<std::string, std::string>>& p) {
                           return p.param.first + "_" + p.param.second;
                         });

}  // namespace
}  // namespace mmgraph
