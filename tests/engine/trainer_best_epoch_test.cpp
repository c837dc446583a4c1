// The reported test metrics come from the epoch of the best validation metric, on data
// where validation and test peak at different epochs.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mmgraph/trainer.h"
#include "support/model_configs.h"
#include "support/splits.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

constexpr int32_t kUsers = 400, kItems = 120, kHalf = kItems / 2;

// Two clusters: user u and items [c * 60, c * 60 + 60) with c = u % 2; every user has 10
// training items of its own cluster and 3 of the other. Users 0..199 hold one validation
// item of their own cluster (ranked higher as training separates the clusters, until it
// levels off), users 200..399 one test item of the other cluster (ranked lower from the
// first epoch on, though the 3 training items of that cluster keep it off zero):
// validation peaks after several epochs, test at the first. No user has both a validation
// and a test item, so masking validation items at test time or not gives the same test
// metrics.
Dataset opposed_peaks() {
  std::mt19937_64 rng(21);
  testing::SplitSets s(kUsers);
  for (int32_t u = 0; u < kUsers; ++u) {
    const int32_t own = (u % 2) * kHalf, other = kHalf - own;
    s.train[u].insert(own + (u / 2) % kHalf);  // every item has a training interaction: none is cold
    while (s.train[u].size() < 10) s.train[u].insert(own + static_cast<int32_t>(rng() % kHalf));
    for (int k = 0; k < 3; ++k) s.train[u].insert(other + static_cast<int32_t>(rng() % kHalf));
    if (u < kUsers / 2) {
      int32_t i = own + static_cast<int32_t>(rng() % kHalf);
      while (s.train[u].count(i)) i = own + static_cast<int32_t>(rng() % kHalf);
      s.valid[u].insert(i);
    } else {
      int32_t i = other + static_cast<int32_t>(rng() % kHalf);
      while (s.train[u].count(i)) i = other + static_cast<int32_t>(rng() % kHalf);
      s.test[u].insert(i);
    }
  }
  return s.dataset(kItems);
}

// The first epoch (1-based) of a curve's maximum: each later epoch must be strictly above to replace it.
int first_argmax(const std::vector<double>& curve) {
  size_t best = 0;
  for (size_t e = 1; e < curve.size(); ++e)
    if (curve[e] > curve[best]) best = e;
  return static_cast<int>(best) + 1;
}

std::string to_string(const std::vector<double>& curve) {
  std::ostringstream os;
  for (double v : curve) os << ' ' << v;
  return os.str();
}

TEST(TrainerBestEpoch, TestMetricsComeFromTheValidationPeak) {
  const Dataset data = opposed_peaks();
  // Training reads only the training split, so the same run on the data with validation
  // and test swapped evaluates, at every epoch, what the first run's test metrics would be.
  Dataset swapped = data;
  std::swap(swapped.valid, swapped.test);

  TrainConfig c = testing::shipped_config("bprmf");
  c.device = "cpu";
  c.embedding_size = 16;
  c.learning_rate = 0.01;
  c.train_batch_size = 256;
  c.epochs = 12;
  c.eval_step = 1;
  c.stopping_step = c.epochs;
  c.topk = {10, 20};
  c.valid_metric = "Recall@20";
  testing::TempDir dir;
  const std::string log_path = (dir.path() / "log.jsonl").string();
  TrainOptions opt;
  opt.progress = false;
  const TrainResult per_epoch_test = train(swapped, c, opt);
  opt.log_path = log_path;
  const TrainResult r = train(data, c, opt);

  ASSERT_EQ(r.history.size(), static_cast<size_t>(c.epochs));
  ASSERT_EQ(per_epoch_test.history.size(), r.history.size());
  std::vector<double> valid, test;
  for (size_t e = 0; e < r.history.size(); ++e) {
    ASSERT_EQ(per_epoch_test.history[e].loss, r.history[e].loss) << "epoch " << e + 1 << ": not the same training";
    ASSERT_TRUE(r.history[e].evaluated && per_epoch_test.history[e].evaluated);
    valid.push_back(r.history[e].valid.get(c.valid_metric));
    test.push_back(per_epoch_test.history[e].valid.get(c.valid_metric));
  }
  const int valid_peak = first_argmax(valid), test_peak = first_argmax(test);
  SCOPED_TRACE("validation" + to_string(valid) + "\ntest" + to_string(test));
  // The data does what it is for: the peaks differ, the test metric at the validation peak
  // is below the test peak, and no other epoch has the validation peak's test metrics (so
  // matching them below identifies the epoch).
  ASSERT_NE(valid_peak, test_peak);
  ASSERT_LT(test[valid_peak - 1], test[test_peak - 1]);
  const MetricTable& at_peak = per_epoch_test.history[valid_peak - 1].valid;
  for (size_t e = 0; e < r.history.size(); ++e) {
    if (static_cast<int>(e) + 1 != valid_peak) {
      ASSERT_NE(per_epoch_test.history[e].valid.items(), at_peak.items()) << "epoch " << e + 1;
    }
  }

  EXPECT_EQ(r.best_epoch, valid_peak);
  EXPECT_EQ(r.best_valid.get(c.valid_metric), valid[valid_peak - 1]);
  ASSERT_EQ(r.test.items().size(), at_peak.items().size());
  for (const auto& [name, value] : at_peak.items()) EXPECT_DOUBLE_EQ(r.test.get(name), value) << name;
  // The returned representations are the validation peak's, and give the reported metrics.
  const MetricTable again =
      evaluate_cpu(data, Split::kTest, r.user_rep.data(), r.item_rep.data(), r.dim, c.topk);
  for (const auto& [name, value] : again.items()) EXPECT_DOUBLE_EQ(r.test.get(name), value) << name;

  // The log: the last epoch line with test metrics (written at each new validation best) is
  // the validation peak's, and the closing line reports the same epoch and test metrics.
  std::ifstream in(log_path);
  std::string line;
  nlohmann::json last_with_test, closing;
  while (std::getline(in, line)) {
    closing = nlohmann::json::parse(line);
    if (closing.contains("epoch") && closing.contains("test")) last_with_test = closing;
  }
  ASSERT_TRUE(last_with_test.contains("test"));
  ASSERT_TRUE(closing.contains("test"));
  EXPECT_EQ(last_with_test["epoch"].get<int>(), valid_peak);
  EXPECT_EQ(closing["best_epoch"].get<int>(), valid_peak);
  for (const auto& [name, value] : at_peak.items()) {
    EXPECT_DOUBLE_EQ(last_with_test["test"][name].get<double>(), value) << name;
    EXPECT_DOUBLE_EQ(closing["test"][name].get<double>(), value) << name;
  }
}

}  // namespace
}  // namespace mmgraph
