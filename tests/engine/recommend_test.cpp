// recommend_topk against a brute force (every candidate scored in float64 and
// fully sorted), with representations of small integers so that the SGEMM's
// float scores are exact and ties are frequent; cold users and bad arguments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <utility>

#include "mmgraph/errors.h"
#include "mmgraph/recommend.h"
#include "support/random_inputs.h"
#include "support/splits.h"

namespace mmgraph {
namespace {

using testing::csr_from;

struct Expected {
  std::vector<int32_t> items;
  std::vector<double> scores;
  bool cold = false;
};

// Written from the header's contract: warm users rank every non-excluded item by
// (dot product desc, id asc); cold users rank the items that occur in training by
// (training count desc, id asc), without their excluded items.
Expected brute_force(const std::vector<std::set<int32_t>>& train, const std::vector<std::set<int32_t>>& valid,
                     const std::vector<float>& user_rep, const std::vector<float>& item_rep, int d, int32_t n_items,
                     int32_t user, const RecommendOptions& o) {
  Expected e;
  e.cold = train[user].empty();
  std::vector<double> count(n_items, 0.0);
  for (const auto& row : train)
    for (int32_t i : row) count[i] += 1;
  std::vector<std::pair<double, int32_t>> cand;
  for (int32_t i = 0; i < n_items; ++i) {
    if (o.exclude_train && train[user].count(i)) continue;
    if (o.exclude_valid && valid[user].count(i)) continue;
    if (e.cold) {
      if (count[i] > 0) cand.push_back({count[i], i});
      continue;
    }
    double s = 0;
    for (int c = 0; c < d; ++c) s += static_cast<double>(user_rep[user * d + c]) * item_rep[i * d + c];
    cand.push_back({s, i});
  }
  std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  for (int s = 0; s < o.k; ++s) {
    e.items.push_back(s < static_cast<int>(cand.size()) ? cand[s].second : -1);
    e.scores.push_back(s < static_cast<int>(cand.size()) ? cand[s].first : std::nan(""));
  }
  return e;
}

void expect_matches(const TopK& got, const std::vector<std::set<int32_t>>& train,
                    const std::vector<std::set<int32_t>>& valid, const std::vector<float>& user_rep,
                    const std::vector<float>& item_rep, int d, int32_t n_items, const std::vector<int32_t>& users,
                    const RecommendOptions& o) {
  ASSERT_EQ(got.k, o.k);
  ASSERT_EQ(got.users, users);
  ASSERT_EQ(got.items.size(), users.size() * o.k);
  ASSERT_EQ(got.scores.size(), users.size() * o.k);
  ASSERT_EQ(got.cold.size(), users.size());
  for (size_t p = 0; p < users.size(); ++p) {
    const Expected e = brute_force(train, valid, user_rep, item_rep, d, n_items, users[p], o);
    SCOPED_TRACE("position " + std::to_string(p) + ", user " + std::to_string(users[p]));
    EXPECT_EQ(got.cold[p], e.cold ? 1 : 0);
    for (int s = 0; s < o.k; ++s) {
      ASSERT_EQ(got.items[p * o.k + s], e.items[s]) << "slot " << s;
      if (e.items[s] < 0)
        EXPECT_TRUE(std::isnan(got.scores[p * o.k + s])) << "slot " << s;
      else  // integer products and sums below 2^24: the float GEMM is exact
        EXPECT_EQ(static_cast<double>(got.scores[p * o.k + s]), e.scores[s]) << "slot " << s;
    }
  }
}

TEST(Recommend, MatchesBruteForceOnRandomData) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int32_t n_users = 45, n_items = 67;
  const int d = 5;
  testing::SplitSets sets(n_users);
  for (int32_t u = 0; u < n_users; ++u) {
    if (u % 9 == 4) continue;  // cold: no interaction at all
    if (u % 11 == 7) {         // every item in training
      for (int32_t i = 0; i < n_items; ++i) sets.train[u].insert(i);
      continue;
    }
    sets.draw(u, static_cast<int>(rng() % 20), n_items, rng);
    if (u % 13 == 2) sets.train[u].clear();  // cold, with validation and test items
  }
  const Dataset data = sets.dataset(n_items);
  const auto &train = sets.train, &valid = sets.valid;
  const std::vector<float> user_rep = testing::coarse_values(n_users * d, rng);
  const std::vector<float> item_rep = testing::coarse_values(n_items * d, rng);

  // Every user once in shuffled order, then a few repeats.
  std::vector<int32_t> users(n_users);
  for (int32_t u = 0; u < n_users; ++u) users[u] = u;
  std::shuffle(users.begin(), users.end(), rng);
  users.insert(users.end(), {users[0], 7, 7});

  for (int k : {1, 7, 20, n_items + 3})
    for (int64_t block : {int64_t{1}, int64_t{6}, int64_t{4096}})
      for (bool exclude_train : {true, false})
        for (bool exclude_valid : {false, true}) {
          RecommendOptions o;
          o.k = k;
          o.user_block = block;
          o.exclude_train = exclude_train;
          o.exclude_valid = exclude_valid;
          o.device = "cpu";  // the GPU's path is compared with this one in tests/gpu/recommend_gpu_test.cpp
          SCOPED_TRACE("k " + std::to_string(k) + ", block " + std::to_string(block) + ", exclude_train " +
                       std::to_string(exclude_train) + ", exclude_valid " + std::to_string(exclude_valid));
          const TopK got = recommend_topk(data, user_rep.data(), item_rep.data(), d, users, o);
          expect_matches(got, train, valid, user_rep, item_rep, d, n_items, users, o);
          if (HasFatalFailure()) return;
        }
}

TEST(Recommend, HandWorkedCaseWithColdUser) {
  // 1-d representations: score(u, i) = u * i with item values 1, 3, 3, 2.
  // Training counts: item 0 twice, item 1 once, items 2 and 3 never.
  Dataset data;
  data.n_users = 3;
  data.n_items = 4;
  data.train = csr_from({{0, 1}, {0}, {}});
  data.valid = csr_from({{2}, {}, {0}});
  data.test = csr_from({{}, {}, {}});
  const std::vector<float> users = {1.0f, -1.0f, 5.0f};
  const std::vector<float> items = {1, 3, 3, 2};
  RecommendOptions o;
  o.k = 3;
  const TopK r = recommend_topk(data, users.data(), items.data(), 1, {2, 0, 1}, o);
  // User 2 is cold: items in training by count (0: 2, 1: 1); 2 and 3 never trained -> -1.
  EXPECT_EQ(r.cold, (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(r.items, (std::vector<int32_t>{0, 1, -1, /*user 0*/ 2, 3, -1, /*user 1*/ 3, 1, 2}));
  EXPECT_EQ(r.scores[0], 2.0f);
  EXPECT_EQ(r.scores[1], 1.0f);
  EXPECT_TRUE(std::isnan(r.scores[2]));
  EXPECT_EQ(r.scores[3], 3.0f);
  EXPECT_EQ(r.scores[4], 2.0f);
  EXPECT_TRUE(std::isnan(r.scores[5]));
  EXPECT_EQ(r.scores[6], -2.0f);
  EXPECT_EQ(r.scores[7], -3.0f);
  // Excluding validation items: user 2 loses item 0, user 0 loses item 2.
  o.exclude_valid = true;
  const TopK v = recommend_topk(data, users.data(), items.data(), 1, {2, 0}, o);
  EXPECT_EQ(v.items, (std::vector<int32_t>{1, -1, -1, /*user 0*/ 3, -1, -1}));
  // Without training exclusion user 0's ties (items 1 and 2, score 3) rank by id.
  o.exclude_valid = false;
  o.exclude_train = false;
  const TopK t = recommend_topk(data, users.data(), items.data(), 1, {0}, o);
  EXPECT_EQ(t.items, (std::vector<int32_t>{1, 2, 3}));
}

TEST(Recommend, EmptyUserListAndNoItems) {
  Dataset data;
  data.n_users = 2;
  data.n_items = 0;
  data.train = csr_from({{}, {}});
  const std::vector<float> users = {1.0f, 2.0f};
  const TopK none = recommend_topk(data, users.data(), nullptr, 1, {});
  EXPECT_EQ(none.k, 20);
  EXPECT_TRUE(none.items.empty() && none.scores.empty() && none.cold.empty());
  RecommendOptions o;
  o.k = 2;
  const TopK r = recommend_topk(data, users.data(), nullptr, 1, {1}, o);
  EXPECT_EQ(r.items, (std::vector<int32_t>{-1, -1}));
  EXPECT_EQ(r.cold, (std::vector<uint8_t>{1}));
}

TEST(Recommend, BadArgumentsAreInputErrors) {
  Dataset data;
  data.n_users = 2;
  data.n_items = 2;
  data.train = csr_from({{0}, {1}});
  const std::vector<float> rep = {1.0f, 2.0f};
  auto message = [&](const std::vector<int32_t>& users, const RecommendOptions& o, int dim = 1) -> std::string {
    try {
      recommend_topk(data, rep.data(), rep.data(), dim, users, o);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message({0, 1, 2}, {}), "recommend:user 2: user id 2 outside [0, 2)");
  EXPECT_EQ(message({-1}, {}), "recommend:user 0: user id -1 outside [0, 2)");
  RecommendOptions o;
  o.k = 0;
  EXPECT_EQ(message({0}, o), "recommend:k: must be >= 1, got 0");
  EXPECT_EQ(message({0}, {}, 0), "recommend:dim: must be >= 1, got 0");
  o.k = 1;
  o.user_block = 0;
  EXPECT_EQ(message({0}, o), "recommend:user_block: must be >= 1, got 0");
  o.user_block = 1;
  for (const char* device : {"gpu", "cuda:", "cuda:x", "cuda:99999999999", "CPU"}) {
    o.device = device;
    EXPECT_EQ(message({0}, o), "--device:" + std::string(device) + ": must be auto, cpu, cuda or cuda:N");
  }
  o.device = "cuda:7";  // well formed; no such device here (or no CUDA backend in this build)
  EXPECT_NE(message({0}, o), "no error");
}

}  // namespace
}  // namespace mmgraph
