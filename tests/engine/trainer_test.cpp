// End-to-end training on the CPU backend with the synthetic data set.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"
#include "support/model_configs.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

Dataset small_synthetic() {
  SyntheticOptions s;
  s.users = 400;
  s.items = 250;
  s.interactions = 9000;
  s.seed = 3;
  return make_synthetic_dataset(s);
}

using testing::quick_config;

TEST(Trainer, LearnsFarBetterThanRandomRanking) {
  const Dataset data = small_synthetic();
  TrainOptions opt;
  opt.progress = false;
  const TrainResult r = train(data, quick_config(), opt);
  // A random ranking of ~230 unmasked items finds a held-out item in the top 20
  // with probability ~20/230; the latent-factor signal must be found.
  EXPECT_GT(r.test.get("Recall@20"), 3 * 20.0 / 230.0);
  EXPECT_GT(r.best_epoch, 0);
  EXPECT_EQ(r.user_rep.size(), static_cast<size_t>(data.n_users) * 16);
  EXPECT_EQ(r.item_rep.size(), static_cast<size_t>(data.n_items) * 16);
  // The loss goes down.
  EXPECT_LT(r.history.back().loss, r.history.front().loss);
  // The returned representations reproduce the reported test metrics.
  const MetricTable again = evaluate_cpu(data, Split::kTest, r.user_rep.data(), r.item_rep.data(), 16, {10, 20});
  EXPECT_DOUBLE_EQ(again.get("Recall@20"), r.test.get("Recall@20"));
}

// MGCN computes its fuser only at the rows the objective reads (the batch's users, positives,
// negatives and, for WARP, the sampled candidates): every objective must still learn.
TEST(Trainer, MgcnLearnsWithEveryObjective) {
  SyntheticOptions s;
  s.users = 400;
  s.items = 250;
  s.interactions = 9000;
  s.image_dim = 16;
  s.text_dim = 8;
  s.seed = 3;
  const Dataset data = make_synthetic_dataset(s);
  TrainOptions opt;
  opt.progress = false;
  for (const char* loss : {"bpr", "bce", "mse", "warp"}) {
    SCOPED_TRACE(loss);
    TrainConfig c = quick_config();
    c.model = "mgcn";
    c.loss = loss;
    c.knn_k = 5;
    c.cl_weight = 0.01;
    const TrainResult r = train(data, c, opt);
    EXPECT_GT(r.test.get("Recall@20"), 2 * 20.0 / 230.0);
    EXPECT_LT(r.history.back().loss, r.history.front().loss);
  }
}

TEST(Trainer, RunsAreReproducibleAndIndependentOfThreadCount) {
  const Dataset data = small_synthetic();
  TrainOptions opt;
  opt.progress = false;
  TrainConfig c = quick_config();
  c.epochs = 3;
  c.threads = 1;
  const TrainResult a = train(data, c, opt);
  c.threads = 2;
  const TrainResult b = train(data, c, opt);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t e = 0; e < a.history.size(); ++e) EXPECT_EQ(a.history[e].loss, b.history[e].loss) << "epoch " << e + 1;
  EXPECT_EQ(a.user_rep, b.user_rep);
  c.seed = 7;
  const TrainResult other = train(data, c, opt);
  EXPECT_NE(other.history[0].loss, a.history[0].loss);
}

TEST(Trainer, EarlyStoppingAndJsonlLog) {
  const Dataset data = small_synthetic();
  testing::TempDir dir;
  TrainOptions opt;
  opt.progress = false;
  opt.log_path = (dir.path() / "log.jsonl").string();
  TrainConfig c = quick_config();
  c.learning_rate = 1e-7;  // no progress: stops after stopping_step evaluations without gain
  c.epochs = 50;
  c.eval_step = 1;
  c.stopping_step = 2;
  const TrainResult r = train(data, c, opt);
  EXPECT_LT(r.epochs_run, 50);
  std::ifstream in(opt.log_path);
  std::string line;
  int epochs = 0;
  nlohmann::json last;
  while (std::getline(in, line)) {
    last = nlohmann::json::parse(line);
    if (last.contains("epoch")) {
      ++epochs;
      EXPECT_TRUE(last.contains("loss"));
      EXPECT_TRUE(last["valid"].contains("Recall@20"));
    }
  }
  EXPECT_EQ(epochs, r.epochs_run);
  EXPECT_EQ(last["best_epoch"].get<int>(), r.best_epoch);
  EXPECT_DOUBLE_EQ(last["test"]["Recall@20"].get<double>(), r.test.get("Recall@20"));
}

// epoch_steps bounds each epoch to its first steps, says so in the log, and changes nothing when it
// is at least an epoch's count.
TEST(Trainer, EpochStepsTrainsTheFirstStepsOfEachEpoch) {
  const Dataset data = small_synthetic();
  testing::TempDir dir;
  TrainOptions opt;
  opt.progress = false;
  TrainConfig c = quick_config();
  c.epochs = 2;
  c.eval_step = 1;
  const int64_t full = (data.train.nnz() + c.train_batch_size - 1) / c.train_batch_size;
  ASSERT_GT(full, 3);
  const TrainResult all = train(data, c, opt);
  c.epoch_steps = full;
  EXPECT_EQ(train(data, c, opt).user_rep, all.user_rep);
  c.epoch_steps = 3;
  opt.log_path = (dir.path() / "log.jsonl").string();
  const TrainResult bounded = train(data, c, opt);
  EXPECT_NE(bounded.user_rep, all.user_rep);
  EXPECT_EQ(bounded.epochs_run, 2);
  std::ifstream in(opt.log_path);
  std::string line;
  int epochs = 0;
  while (std::getline(in, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (!j.contains("epoch")) continue;
    ++epochs;
    EXPECT_EQ(j["steps"].get<int64_t>(), 3);
    EXPECT_EQ(j["epoch_steps_full"].get<int64_t>(), full);
  }
  EXPECT_EQ(epochs, 2);
}

TEST(Trainer, BprModelHasNoPropagation) {
  const Dataset data = small_synthetic();
  TrainOptions opt;
  opt.progress = false;
  TrainConfig c = quick_config();
  c.model = "bprmf";
  c.epochs = 4;
  const TrainResult r = train(data, c, opt);
  EXPECT_GT(r.test.get("Recall@20"), 2 * 20.0 / 230.0);
}

TEST(Trainer, RejectsBadDeviceAndEmptyTraining) {
  const Dataset data = small_synthetic();
  TrainOptions opt;
  opt.progress = false;
  TrainConfig c = quick_config();
  c.device = "cuda:7";
  EXPECT_THROW(train(data, c, opt), InputError);
  c.device = "cpu";
  Dataset empty = data;
  empty.train.col.clear();
  empty.train.row_ptr.assign(empty.train.row_ptr.size(), 0);
  EXPECT_THROW(train(empty, c, opt), InputError);
}

}  // namespace
}  // namespace mmgraph
