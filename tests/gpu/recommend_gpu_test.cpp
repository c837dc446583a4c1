// recommend_topk on the GPU (cuBLAS scores + the evaluator's fused top-K) against
// the CPU path, which tests/engine/recommend_test.cpp checks against a brute force:
// with small-integer representations both GEMMs are exact, so items (ties by
// lower id included) and scores must be identical; with random floats the scores
// agree to float rounding and the items wherever the ranking is not a near-tie.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gpu/gpu_test_util.h"
#include "mmgraph/errors.h"
#include "mmgraph/recommend.h"
#include "support/random_inputs.h"
#include "support/splits.h"

namespace mmgraph {
namespace {

struct Case {
  Dataset data;
  std::vector<float> user_rep, item_rep;
  std::vector<int32_t> users;
  int d = 0;
};

// Power-law-ish user activity, cold users (no training items, some with validation
// items), a user with every item in training, and repeated users in the request.
Case make_case(std::mt19937_64& rng, int32_t n_users, int32_t n_items, int d, bool coarse) {
  Case c;
  c.d = d;
  testing::SplitSets sets(n_users);
  for (int32_t u = 0; u < n_users; ++u) {
    if (u % 17 == 3) continue;
    if (u == 5) {
      for (int32_t i = 0; i < n_items; ++i) sets.train[u].insert(i);
      continue;
    }
    const double x = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    sets.draw(u, 1 + static_cast<int>(40.0 * x * x * x), n_items, rng);
    if (u % 23 == 9) sets.train[u].clear();
  }
  c.data = sets.dataset(n_items);
  if (coarse) {
    c.user_rep = testing::coarse_values(static_cast<size_t>(n_users) * d, rng);
    c.item_rep = testing::coarse_values(static_cast<size_t>(n_items) * d, rng);
  } else {
    std::normal_distribution<float> g(0.0f, 1.0f);
    c.user_rep.resize(static_cast<size_t>(n_users) * d);
    c.item_rep.resize(static_cast<size_t>(n_items) * d);
    for (auto& v : c.user_rep) v = g(rng);
    for (auto& v : c.item_rep) v = g(rng);
  }
  for (int32_t u = 0; u < n_users; ++u) c.users.push_back(u);
  std::shuffle(c.users.begin(), c.users.end(), rng);
  c.users.insert(c.users.end(), {c.users[0], 5, 5});
  return c;
}

TopK run(const Case& c, RecommendOptions o, const char* device) {
  o.device = device;
  return recommend_topk(c.data, c.user_rep.data(), c.item_rep.data(), c.d, c.users, o);
}

TEST(RecommendGpu, IdenticalToCpuWithExactScores) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const Case c = make_case(rng, 301, 1037, 13, true);
  for (int k : {1, 20, 100})
    for (int64_t block : {int64_t{1}, int64_t{64}, int64_t{4096}})
      for (bool exclude_valid : {false, true}) {
        SCOPED_TRACE("k " + std::to_string(k) + ", block " + std::to_string(block) + ", exclude_valid " +
                     std::to_string(exclude_valid));
        RecommendOptions o;
        o.k = k;
        o.user_block = block;
        o.exclude_valid = exclude_valid;
        const TopK cpu = run(c, o, "cpu"), gpu = run(c, o, "cuda");
        EXPECT_EQ(gpu.items, cpu.items);
        EXPECT_EQ(gpu.cold, cpu.cold);
        EXPECT_TRUE(testing::bit_identical(gpu.scores, cpu.scores, "scores"));  // NaN pads at the same places
      }
}

TEST(RecommendGpu, MatchesCpuWithFloatScores) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const Case c = make_case(rng, 517, 2999, 64, false);
  RecommendOptions o;
  o.k = 50;
  o.user_block = 100;
  const TopK cpu = run(c, o, "cpu"), gpu = run(c, o, "cuda");
  ASSERT_EQ(gpu.items.size(), cpu.items.size());
  // Scores of 64-term dot products of N(0, 1) values (|s| ~ 8): cuBLAS and OpenBLAS sum in
  // different orders, ~64 * 2^-24 * sum |terms| apart at most; 1e-4 absolute covers it.
  size_t swapped = 0;
  for (size_t e = 0; e < cpu.items.size(); ++e) {
    ASSERT_EQ(std::isnan(gpu.scores[e]), std::isnan(cpu.scores[e])) << "slot " << e;
    if (std::isnan(cpu.scores[e])) continue;
    EXPECT_NEAR(gpu.scores[e], cpu.scores[e], 1e-4) << "slot " << e;
    if (gpu.items[e] != cpu.items[e]) ++swapped;  // allowed only within a near-tie (the score check above)
  }
  EXPECT_LE(swapped, cpu.items.size() / 100) << "near-ties cannot explain this many different items";
  EXPECT_EQ(gpu.cold, cpu.cold);
}

TEST(RecommendGpu, KAboveTheGpuLimitIsAnInputErrorOnCudaAndRanksOnTheCpuUnderAuto) {
  MMGRAPH_REQUIRE_GPU();
  std::mt19937_64 rng(7);
  const Case c = make_case(rng, 20, 300, 4, true);
  RecommendOptions o;
  o.k = 101;
  EXPECT_THROW(run(c, o, "cuda"), InputError);
  const TopK cpu = run(c, o, "cpu"), automatic = run(c, o, "auto");
  EXPECT_EQ(automatic.items, cpu.items);
  EXPECT_TRUE(testing::bit_identical(automatic.scores, cpu.scores, "scores"));
}

}  // namespace
}  // namespace mmgraph
