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

TEST(Evaluate, HandWorkedCaseUnderBothTestMasks) {
  // 1-d representations: score(u, i) = u * i. Items 0..4 with values 5,4,3,2,1.
  // User 0 has a validation and a test item (the two splits share users).
  Dataset data;
  data.n_users = 2;
  data.n_items = 5;
  data.train = csr_from({{0}, {1}});
  data.valid = csr_from({{1}, {}});
  data.test = csr_from({{3}, {0}});
  const std::vector<float> users = {1.0f, 1.0f};
  const std::vector<float> items = {5, 4, 3, 2, 1};
  // Valid: user 0 ranks (train 0 masked) 1,2,3 -> item 1 at rank 0: Recall@1 = 1.
  // User 1 has no valid item and is not counted. The test rule does not apply.
  for (const bool masks_valid : {false, true}) {
    MetricTable v = evaluate_cpu(data, Split::kValid, users.data(), items.data(), 1, {1, 2}, 4096, masks_valid);
    EXPECT_DOUBLE_EQ(v.get("Recall@1"), 1.0);
    EXPECT_DOUBLE_EQ(v.get("Hit@2"), 1.0);
  }
  // Test, MMRec's rule (the default): user 0 masks 0 (train) only: ranking 1,2,3 -> item 3 at
  // rank 2, outside the top 2. User 1 masks 1: ranking 0,2,3 -> item 0 at rank 0.
  MetricTable mmrec = evaluate_cpu(data, Split::kTest, users.data(), items.data(), 1, {1, 2, 3});
  EXPECT_DOUBLE_EQ(mmrec.get("Recall@1"), 0.5);
  EXPECT_DOUBLE_EQ(mmrec.get("Recall@2"), 0.5);
  EXPECT_DOUBLE_EQ(mmrec.get("Recall@3"), 1.0);
  EXPECT_NEAR(mmrec.get("NDCG@3"), (0.5 + 1.0) / 2, 1e-12);
  // Test with test_masks_valid: user 0 also masks 1 (valid): ranking 2,3,4 -> item 3 at rank 1.
  MetricTable t = evaluate_cpu(data, Split::kTest, users.data(), items.data(), 1, {1, 2}, 4096, true);
  EXPECT_DOUBLE_EQ(t.get("Recall@1"), 0.5);
  EXPECT_DOUBLE_EQ(t.get("Recall@2"), 1.0);
  EXPECT_DOUBLE_EQ(t.get("Precision@2"), 0.5);
  EXPECT_NEAR(t.get("NDCG@2"), (1.0 / std::log2(3.0) + 1.0) / 2, 1e-12);
  EXPECT_NEAR(t.get("MAP@2"), (0.5 + 1.0) / 2, 1e-12);
}

// The metrics from their definitions: for every user with items in truth, the candidates
// (is_candidate) minus the user's masked items, fully sorted by the float64 score (ties: lower
// id first), averaged over those users.
using Sets = std::vector<std::set<int32_t>>;
MetricTable brute_force(const Sets& truth, const Sets& train, const Sets* valid_masked,
                        const std::vector<char>& is_candidate, const std::vector<float>& users,
                        const std::vector<float>& items, int d, const std::vector<int>& ks) {
  std::map<std::string, double> sum;
  int counted = 0;
  for (size_t u = 0; u < truth.size(); ++u) {
    if (truth[u].empty()) continue;
    ++counted;
    std::vector<std::pair<double, int32_t>> ranked;
    for (int32_t i = 0; i < static_cast<int32_t>(is_candidate.size()); ++i) {
      if (!is_candidate[i] || train[u].count(i) || (valid_masked && (*valid_masked)[u].count(i))) continue;
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
  MetricTable table;
  for (const auto& [name, total] : sum) table.set(name, total / counted);
  return table;
}

void expect_tables_near(const MetricTable& got, const MetricTable& want, double tol, const std::string& what) {
  ASSERT_FALSE(want.items().empty()) << what;
  ASSERT_EQ(got.items().size(), want.items().size()) << what;
  for (const auto& [name, value] : want.items()) EXPECT_NEAR(got.get(name), value, tol) << what << " " << name;
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
  // Validation and test users overlap, so the two test rules rank differently.
  int both = 0;
  for (int32_t u = 0; u < n_users; ++u) both += !sets.valid[u].empty() && !sets.test[u].empty();
  ASSERT_GT(both, 5);
  // Coarse values produce ties in the scores.
  const std::vector<float> users = testing::coarse_values(n_users * d, rng);
  const std::vector<float> items = testing::coarse_values(n_items * d, rng);
  const std::vector<int> ks = {1, 5, 20, 100};
  const std::vector<char> every_item(n_items, 1);
  for (const auto& [split, masks_valid] : {std::pair{Split::kValid, false}, std::pair{Split::kTest, false},
                                           std::pair{Split::kTest, true}}) {
    SCOPED_TRACE(std::string(split == Split::kValid ? "valid" : "test") + (masks_valid ? ", masking valid" : ""));
    const MetricTable want = brute_force(split == Split::kValid ? sets.valid : sets.test, sets.train,
                                         masks_valid ? &sets.valid : nullptr, every_item, users, items, d, ks);
    for (int64_t block : {1, 7, 4096})
      expect_tables_near(evaluate_cpu(data, split, users.data(), items.data(), d, ks, block, masks_valid), want,
                         1e-12, "block " + std::to_string(block));
  }
}

// The loop on a device against the definitions, with cold items (held out, never in training)
// and never-consumed catalogue items (in no split): every held-out item, the warm ones and the
// cold ones among every item, and the cold ones ranked among the items without training
// interactions only. Sums of per-user values in another order than the brute force's: 1e-12.
class EvaluateOnDevice : public ::testing::TestWithParam<std::string> {};

TEST_P(EvaluateOnDevice, MatchesBruteForceWithColdItems) {
  if (GetParam() == "cuda" && detail::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const std::unique_ptr<detail::Device> dev = detail::select_device(GetParam(), true);
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int32_t n_users = 61, n_items = 83;
  const int d = 5;
  testing::SplitSets sets(n_users);
  for (int32_t u = 0; u < n_users; ++u) sets.draw(u, static_cast<int>(rng() % 12), n_items, rng);
  // Items 0 and 1 never occur in training: held out, they are cold. Items 2, 40 and 82 occur in
  // no split: catalogue items nobody consumed, candidates of the new-item protocol.
  for (Sets* split : {&sets.train, &sets.valid, &sets.test})
    for (auto& t : *split) t.erase(2), t.erase(40), t.erase(82);
  for (auto& t : sets.train) t.erase(0), t.erase(1);
  for (int32_t u = 0; u < n_users; u += 3) (u % 2 ? sets.valid : sets.test)[u].insert(u % 4 ? 0 : 1);
  sets.test[1].insert(0);  // user 1 has a cold validation item (1) and a cold test item (0)
  const Dataset data = sets.dataset(n_items);
  const std::vector<float> users = testing::coarse_values(n_users * d, rng);
  const std::vector<float> items = testing::coarse_values(n_items * d, rng);
  const auto dev_users = detail::Buffer<float>::from_host(*dev, users, "users");
  const auto dev_items = detail::Buffer<float>::from_host(*dev, items, "items");
  std::vector<char> every_item(n_items, 1), without_training(n_items, 1);
  for (const auto& t : sets.train)
    for (int32_t i : t) without_training[i] = 0;
  ASSERT_TRUE(without_training[0] && without_training[2] && without_training[82]);
  const std::vector<int> ks = {1, 5, 20};
  for (const auto& [split, masks_valid] : {std::pair{Split::kValid, false}, std::pair{Split::kTest, false},
                                           std::pair{Split::kTest, true}}) {
    SCOPED_TRACE(std::string(split == Split::kValid ? "valid" : "test") + (masks_valid ? ", masking valid" : ""));
    const Sets& held_out = split == Split::kValid ? sets.valid : sets.test;
    Sets warm(n_users), cold(n_users);
    for (int32_t u = 0; u < n_users; ++u)
      for (int32_t i : held_out[u]) (without_training[i] ? cold : warm)[u].insert(i);
    const Sets* masked = masks_valid ? &sets.valid : nullptr;
    const MetricTable want_all = brute_force(held_out, sets.train, masked, every_item, users, items, d, ks);
    const MetricTable want_warm = brute_force(warm, sets.train, masked, every_item, users, items, d, ks);
    const MetricTable want_cold = brute_force(cold, sets.train, masked, every_item, users, items, d, ks);
    const MetricTable want_among = brute_force(cold, sets.train, masked, without_training, users, items, d, ks);
    for (const int64_t block : {1, 7, 4096}) {
      SCOPED_TRACE("block " + std::to_string(block));
      const detail::EvalSplit views = detail::make_eval_split(*dev, data, split, true, masks_valid);
      ASSERT_GE(views.cold, 0);
      const detail::EvalResult got =
          detail::evaluate(*dev, views, dev_users.data(), dev_items.data(), d, n_items, ks, block);
      expect_tables_near(got.all, want_all, 1e-12, "all");
      expect_tables_near(got.warm, want_warm, 1e-12, "warm");
      expect_tables_near(got.cold, want_cold, 1e-12, "cold");
      expect_tables_near(got.cold_among_cold, want_among, 1e-12, "cold among cold");
    }
  }
  // Ranked among 7 or so candidates instead of 83, the cold items rank higher.
  const detail::EvalResult test =
      detail::evaluate(*dev, detail::make_eval_split(*dev, data, Split::kTest, true, false), dev_users.data(),
                       dev_items.data(), d, n_items, ks, 4096);
  EXPECT_GE(test.cold_among_cold.get("Recall@5"), test.cold.get("Recall@5"));
}

INSTANTIATE_TEST_SUITE_P(Devices, EvaluateOnDevice, ::testing::Values("cpu", "cuda"));

}  // namespace
}  // namespace mmgraph
