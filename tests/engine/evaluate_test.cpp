// Full-ranking evaluation against a brute-force evaluator written from the
// metric definitions (full sort in float64), a hand-worked case, and the one
// evaluation loop on every device (the CUDA case skips without a GPU).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <map>
#include <set>

#include "engine/src/evaluate.h"
#include "mmgraph/trainer.h"
#include "support/random_inputs.h"
#include "support/splits.h"

namespace mmgraph {
namespace {

using testing::csr_from;

TEST(Evaluate, HandWorkedCaseMasksTrainAndValid) {
  // 1-d representations: score(u, i) = u * i. Items 0..4 with values 5,4,3,2,1.
  Dataset data;
  data.n_users = 2;
  data.n_items = 5;
  data.train = csr_from({{0}, {1}});
  data.valid = csr_from({{1}, {}});
  data.test = csr_from({{3}, {0}});
  const std::vector<float> users = {1.0f, 1.0f};
  const std::vector<float> items = {5, 4, 3, 2, 1};
  // Valid: user 0 ranks (train 0 masked) 1,2,3 -> item 1 at rank 0: Recall@1 = 1.
  // User 1 has no valid item and is not counted.
  MetricTable v = evaluate_cpu(data, Split::kValid, users.data(), items.data(), 1, {1, 2});
  EXPECT_DOUBLE_EQ(v.get("Recall@1"), 1.0);
  EXPECT_DOUBLE_EQ(v.get("Hit@2"), 1.0);
  // Test: user 0 masks 0 (train) and 1 (valid): ranking 2,3,4 -> item 3 at rank 1.
  // User 1 masks 1: ranking 0,2,3 -> item 0 at rank 0.
  MetricTable t = evaluate_cpu(data, Split::kTest, users.data(), items.data(), 1, {1, 2});
  EXPECT_DOUBLE_EQ(t.get("Recall@1"), 0.5);
  EXPECT_DOUBLE_EQ(t.get("Recall@2"), 1.0);
  EXPECT_DOUBLE_EQ(t.get("Precision@2"), 0.5);
  EXPECT_NEAR(t.get("NDCG@2"), (1.0 / std::log2(3.0) + 1.0) / 2, 1e-12);
  EXPECT_NEAR(t.get("MAP@2"), (0.5 + 1.0) / 2, 1e-12);
}

TEST(Evaluate, MatchesBruteForceOnRandomData) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int32_t n_users = 53, n_items = 71;
  const int d = 6;
  testing::SplitSets sets(n_users);
  for (int32_t u = 0; u < n_users; ++u) sets.draw(u, static_cast<int>(rng() % 12), n_items, rng);
  const Dataset data = sets.dataset(n_items);
  const auto &train = sets.train, &valid = sets.valid, &test = sets.test;
  // Coarse values produce ties in the scores.
  const std::vector<float> users = testing::coarse_values(n_users * d, rng);
  const std::vector<float> items = testing::coarse_values(n_items * d, rng);
  const std::vector<int> ks = {1, 5, 20, 100};

  for (Split split : {Split::kValid, Split::kTest}) {
    const auto& truth = split == Split::kValid ? valid : test;
    std::map<std::string, double> sum;
    int counted = 0;
    for (int32_t u = 0; u < n_users; ++u) {
      if (truth[u].empty()) continue;
      ++counted;
      std::vector<std::pair<double, int32_t>> ranked;
      for (int32_t i = 0; i < n_items; ++i) {
        if (train[u].count(i) || (split == Split::kTest && valid[u].count(i))) continue;
        double s = 0;
        for (int j = 0; j < d; ++j) s += static_cast<double>(users[u * d + j]) * items[i * d + j];
        ranked.push_back({-s, i});  // ascending: best score first, then lower id
      }
      std::sort(ranked.begin(), ranked.end());
      for (int k : ks) {
        double hits = 0, dcg = 0, idcg = 0, ap = 0;
        for (int r = 0; r < k; ++r) {
          if (r < static_cast<int>(truth[u].size())) idcg += 1 / std::log2(r + 2.0);
          if (r < static_cast<int>(ranked.size()) && truth[u].count(ranked[r].second)) {
            hits += 1;
            dcg += 1 / std::log2(r + 2.0);
            ap += hits / (r + 1);
          }
        }
        const double n_truth = static_cast<double>(truth[u].size());
        sum["Recall@" + std::to_string(k)] += hits / n_truth;
        sum["NDCG@" + std::to_string(k)] += dcg / idcg;
        sum["Precision@" + std::to_string(k)] += hits / k;
        sum["Hit@" + std::to_string(k)] += hits > 0;
        sum["MAP@" + std::to_string(k)] += ap / std::min<double>(n_truth, k);
      }
    }
    ASSERT_GT(counted, 10);
    for (int64_t block : {1, 7, 4096}) {
      const MetricTable got = evaluate_cpu(data, split, users.data(), items.data(), d, ks, block);
      ASSERT_EQ(got.items().size(), sum.size());
      for (const auto& [name, total] : sum) EXPECT_NEAR(got.get(name), total / counted, 1e-12) << name << " block " << block;
    }
  }
}

// The loop on a device against evaluate_cpu: the CPU device gives its bits (one code path); a GPU
// sums the same per-user values in another order. The cold metrics equal an evaluation whose
// held-out items are the cold ones alone.
class EvaluateOnDevice : public ::testing::TestWithParam<std::string> {};

TEST_P(EvaluateOnDevice, MatchesEvaluateCpuWithColdItems) {
  if (GetParam() == "cuda" && detail::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const std::unique_ptr<detail::Device> dev = detail::select_device(GetParam(), true);
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int32_t n_users = 61, n_items = 83;
  const int d = 5;
  testing::SplitSets sets(n_users);
  for (int32_t u = 0; u < n_users; ++u) sets.draw(u, static_cast<int>(rng() % 12), n_items, rng);
  // Items 0 and 1 never occur in training: held out, they are cold.
  for (auto& t : sets.train) t.erase(0), t.erase(1);
  for (int32_t u = 0; u < n_users; u += 3) (u % 2 ? sets.valid : sets.test)[u].insert(u % 4 ? 0 : 1);
  const Dataset data = sets.dataset(n_items);
  const std::vector<float> users = testing::coarse_values(n_users * d, rng);
  const std::vector<float> items = testing::coarse_values(n_items * d, rng);
  const auto dev_users = detail::Buffer<float>::from_host(*dev, users, "users");
  const auto dev_items = detail::Buffer<float>::from_host(*dev, items, "items");
  const std::vector<int> ks = {1, 5, 20};
  const double tol = dev->is_cuda() ? 1e-12 : 0.0;
  for (const Split split : {Split::kValid, Split::kTest}) {
    for (const int64_t block : {1, 7, 4096}) {
      SCOPED_TRACE("block " + std::to_string(block));
      const detail::EvalSplit views = detail::make_eval_split(*dev, data, split, true);
      ASSERT_GE(views.cold, 0);
      const detail::EvalResult got =
          detail::evaluate(*dev, views, dev_users.data(), dev_items.data(), d, n_items, ks, block);
      const MetricTable all = evaluate_cpu(data, split, users.data(), items.data(), d, ks, block);
      Dataset cold_only = data;
      (split == Split::kValid ? cold_only.valid : cold_only.test) =
          detail::cold_items_of(data, split == Split::kValid ? data.valid : data.test);
      const MetricTable cold = evaluate_cpu(cold_only, split, users.data(), items.data(), d, ks, block);
      ASSERT_EQ(got.all.items().size(), all.items().size());
      for (const auto& [name, value] : all.items()) EXPECT_NEAR(got.all.get(name), value, tol) << name;
      ASSERT_EQ(got.cold.items().size(), cold.items().size());
      for (const auto& [name, value] : cold.items()) EXPECT_NEAR(got.cold.get(name), value, 1e-12) << "cold " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Devices, EvaluateOnDevice, ::testing::Values("cpu", "cuda"));

}  // namespace
}  // namespace mmgraph
