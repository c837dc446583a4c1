// FREEDOM's degree-sensitive pruning: exact size, a subset of the training
// edges, determinism, inclusion frequencies that follow 1/sqrt(d_u d_i), ties by
// the lower edge index, the shared key rule against std::log, and the pruned
// adjacency against a float64 construction.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <utility>
#include <vector>

#include "kernels/edge_prune.h"
#include "kernels/edge_prune_rule.h"
#include "support/random_inputs.h"
#include "support/tied_prune_keys.h"

namespace mmgraph {
namespace {

// user 0: items {0, 1, 2}; user 1: {0}; user 2: {0, 3}. Item 0 has degree 3.
const std::vector<int64_t> kRowPtr = {0, 3, 4, 6};
const std::vector<int32_t> kCol = {0, 1, 2, 0, 0, 3};

std::set<std::pair<int32_t, int32_t>> edges_of(const kernels::PrunedEdges& p) {
  std::set<std::pair<int32_t, int32_t>> e;
  for (size_t u = 0; u + 1 < p.row_ptr.size(); ++u)
    for (int64_t k = p.row_ptr[u]; k < p.row_ptr[u + 1]; ++k) e.insert({static_cast<int32_t>(u), p.col[k]});
  return e;
}

TEST(EdgePrune, KeepsExactlyNKeepTrainingEdgesSortedPerUser) {
  const std::set<std::pair<int32_t, int32_t>> all = edges_of({kRowPtr, kCol});
  for (int64_t keep = 0; keep <= 7; ++keep) {
    const auto p = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), keep, 7, 1);
    ASSERT_EQ(p.row_ptr.size(), kRowPtr.size());
    EXPECT_EQ(static_cast<int64_t>(p.col.size()), std::min<int64_t>(keep, 6));
    for (const auto& e : edges_of(p)) EXPECT_TRUE(all.count(e));
    for (size_t u = 0; u + 1 < p.row_ptr.size(); ++u)
      for (int64_t k = p.row_ptr[u] + 1; k < p.row_ptr[u + 1]; ++k) EXPECT_LT(p.col[k - 1], p.col[k]);
  }
}

TEST(EdgePrune, PureFunctionOfSeedAndEpoch) {
  const auto a = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 3, 11, 5);
  const auto b = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 3, 11, 5);
  EXPECT_EQ(a.col, b.col);
  EXPECT_EQ(a.row_ptr, b.row_ptr);
  int differ = 0;
  for (uint64_t epoch = 0; epoch < 20; ++epoch) {
    const auto c = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 3, 11, epoch);
    differ += edges_of(c) != edges_of(a);
  }
  EXPECT_GT(differ, 5);  // other epochs draw other samples
}

TEST(EdgePrune, SingleDrawFollowsInverseSqrtDegreeWeights) {
  // With n_keep = 1 the kept edge is e with probability w_e / sum w, w = 1/sqrt(d_u d_i).
  // Degrees: user (3, 1, 2), item (3, 1, 1, 1).
  const double w[6] = {1 / std::sqrt(9.0), 1 / std::sqrt(3.0), 1 / std::sqrt(3.0),
                       1 / std::sqrt(3.0), 1 / std::sqrt(6.0), 1 / std::sqrt(2.0)};
  double total = 0;
  for (double x : w) total += x;
  const int trials = 10000;
  std::vector<int> hits(6, 0);
  for (int t = 0; t < trials; ++t) {
    const auto p = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 1, 3, static_cast<uint64_t>(t));
    ASSERT_EQ(p.col.size(), 1u);
    int32_t user = 0;
    while (p.row_ptr[user + 1] == 0) ++user;
    for (int64_t k = kRowPtr[user]; k < kRowPtr[user + 1]; ++k)
      if (kCol[k] == p.col[0]) ++hits[k];
  }
  for (int e = 0; e < 6; ++e) {
    const double expected = trials * w[e] / total;
    // 5 standard deviations of a binomial count: fails by chance with p < 1e-5.
    EXPECT_NEAR(hits[e], expected, 5 * std::sqrt(expected)) << "edge " << e;
  }
}

// Distance in units in the last place between two finite doubles of the same sign.
int64_t ulps_apart(double a, double b) {
  int64_t ia = 0, ib = 0;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  return ia > ib ? ia - ib : ib - ia;
}

TEST(EdgePruneRule, LogAgreesWithStdLogOnPhiloxUniforms) {
  // Where prune_log and glibc's log differ on a uniform (r + 1) / 2^32 (8e-4 of all
  // 2^32), libquadmath's logq shows prune_log's to be the correctly rounded one;
  // both are within 1 ulp. Here: a stride through all r, both ends, and random
  // doubles in (0, 1] and above 1.
  int64_t differ = 0, total = 0;
  auto check = [&](double x) {
    const double a = kernels::prune_log(x), b = std::log(x);
    ASSERT_LE(ulps_apart(a, b), 1) << "x = " << x;
    differ += a != b;
    ++total;
  };
  for (uint64_t r = 0; r < (uint64_t{1} << 32); r += 4093) check((static_cast<double>(r) + 1.0) / 4294967296.0);
  for (uint64_t r = (uint64_t{1} << 32) - 4096; r < (uint64_t{1} << 32); ++r)
    check((static_cast<double>(r) + 1.0) / 4294967296.0);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int t = 0; t < 100000; ++t) {
    check(1.0 - unit(rng));
    check(std::exp(700.0 * unit(rng)));
  }
  EXPECT_LT(differ, total / 200) << differ << " of " << total << " differ by one ulp";  // 8e-4 expected
  EXPECT_EQ(kernels::prune_log(1.0), 0.0);
  EXPECT_FALSE(std::signbit(kernels::prune_log(1.0)));
  EXPECT_EQ(kernels::prune_log(0.5), -0x1.62e42fefa39efp-1);  // -log 2 rounded
  EXPECT_EQ(kernels::prune_log(0x1p-32), -0x1.62e42fefa39efp+4);  // -32 log 2 rounded
}

TEST(EdgePruneRule, KeyIsLogUniformTimesSqrtOfDegrees) {
  for (int64_t k = 0; k < 1000; ++k) {
    const int64_t du = 1 + k % 7, di = 1 + (k * 13) % 101;
    const double key = kernels::prune_key(42, 3, k, du, di);
    ASSERT_LE(key, 0.0);
    const kernels::Philox4 r = kernels::philox4x32_10(
        kernels::Philox4{{static_cast<uint32_t>(k), 0u, 3u, 0x70727565u}}, 42u, 0x65646765u);
    const double u = (static_cast<double>(r.v[0]) + 1.0) / 4294967296.0;
    const double ref = std::log(u) * std::sqrt(static_cast<double>(du * di));
    EXPECT_NEAR(key, ref, 4e-16 * std::fabs(ref)) << "edge " << k;
  }
}

// The kept edge set with keys from std::log (what the CPU pruning computed before
// the key rule was shared with the GPU): the 1-ulp differences of the two logs
// must not move an edge across the selection boundary on ordinary graphs.
std::set<std::pair<int32_t, int32_t>> kept_with_std_log(const kernels::CsrHost& g, int32_t n_items, int64_t keep,
                                                        uint64_t seed, uint64_t epoch) {
  const int64_t nnz = static_cast<int64_t>(g.col.size());
  std::vector<int64_t> item_degree(static_cast<size_t>(n_items), 0);
  for (int32_t i : g.col) ++item_degree[static_cast<size_t>(i)];
  std::vector<double> key(static_cast<size_t>(nnz));
  std::vector<int32_t> user(static_cast<size_t>(nnz));
  for (int64_t u = 0; u < g.n_rows; ++u)
    for (int64_t k = g.row_ptr[u]; k < g.row_ptr[u + 1]; ++k) {
      const kernels::Philox4 r = kernels::philox4x32_10(
          kernels::Philox4{{kernels::lo32(static_cast<uint64_t>(k)), kernels::hi32(static_cast<uint64_t>(k)),
                            kernels::lo32(epoch), 0x70727565u}},
          kernels::lo32(seed), kernels::hi32(seed) ^ 0x65646765u);
      const double uniform = (static_cast<double>(r.v[0]) + 1.0) / 4294967296.0;
      key[static_cast<size_t>(k)] =
          std::log(uniform) *
          std::sqrt(static_cast<double>(g.row_ptr[u + 1] - g.row_ptr[u]) *
                    static_cast<double>(item_degree[static_cast<size_t>(g.col[static_cast<size_t>(k)])]));
      user[static_cast<size_t>(k)] = static_cast<int32_t>(u);
    }
  std::vector<int64_t> order(static_cast<size_t>(nnz));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return key[static_cast<size_t>(a)] > key[static_cast<size_t>(b)]; });
  std::set<std::pair<int32_t, int32_t>> kept;
  for (int64_t j = 0; j < keep; ++j) {
    const auto k = static_cast<size_t>(order[static_cast<size_t>(j)]);
    kept.insert({user[k], g.col[k]});
  }
  return kept;
}

TEST(EdgePrune, KeptEdgesSameAsWithStdLogKeys) {
  for (uint64_t seed : {1u, 2u}) {
    const int32_t users = 3000, items = 1700;
    const auto g = testing::random_csr(users, items, 9, seed, 7, items);
    const auto nnz = static_cast<int64_t>(g.col.size());
    for (uint64_t epoch = 0; epoch < 4; ++epoch)
      for (double fraction : {0.1, 0.5, 0.9}) {
        const auto keep = static_cast<int64_t>(static_cast<double>(nnz) * fraction);
        const auto p =
            kernels::degree_sensitive_prune_cpu(users, items, g.row_ptr.data(), g.col.data(), keep, seed, epoch);
        ASSERT_EQ(edges_of(p), kept_with_std_log(g, items, keep, seed, epoch))
            << "seed " << seed << " epoch " << epoch << " keep " << keep;
      }
  }
}

TEST(EdgePrune, TiedKeysKeepTheLowerEdgeIndex) {
  // All degrees 1 (user u has item u alone), so two edges whose Philox uniforms
  // collide have equal keys; n_keep puts the selection boundary between them.
  const testing::TiedPruneKeys t = testing::find_tied_prune_keys(99);
  ASSERT_LT(t.first, t.second);
  const auto p = kernels::degree_sensitive_prune_cpu(t.n, t.n, t.row_ptr.data(), t.col.data(), t.n_keep, t.seed,
                                                     t.epoch);
  const auto kept = edges_of(p);
  EXPECT_EQ(static_cast<int64_t>(kept.size()), t.n_keep);
  EXPECT_TRUE(kept.count({static_cast<int32_t>(t.first), static_cast<int32_t>(t.first)}));
  EXPECT_FALSE(kept.count({static_cast<int32_t>(t.second), static_cast<int32_t>(t.second)}));
}

TEST(EdgePrune, PrunedAdjacencyIsTheNormalisedGraphOfTheKeptEdges) {
  const int32_t users = 301, items = 157;
  const auto g = testing::random_csr(users, items, 7, 17, 4, items);
  const auto nnz = static_cast<int64_t>(g.col.size());
  for (int64_t keep : {int64_t{0}, int64_t{1}, nnz / 2, nnz, nnz + 3}) {
    SCOPED_TRACE("keep " + std::to_string(keep));
    const auto kept = kernels::degree_sensitive_prune_cpu(users, items, g.row_ptr.data(), g.col.data(), keep, 5, 2);
    const auto a = kernels::pruned_adjacency_cpu(users, items, g.row_ptr.data(), g.col.data(), keep, 5, 2);
    const int64_t n_kept = std::min(keep, nnz);
    ASSERT_EQ(a.n_rows, users + items);
    ASSERT_EQ(a.row_ptr.size(), static_cast<size_t>(users + items + 1));
    ASSERT_EQ(static_cast<int64_t>(a.col.size()), 2 * n_kept);
    // Float64 reference: degrees of the kept graph, value 1 / sqrt(d_u d_i) rounded to float.
    std::vector<int64_t> deg(static_cast<size_t>(users + items), 0);
    for (int32_t u = 0; u < users; ++u)
      for (int64_t k = kept.row_ptr[u]; k < kept.row_ptr[u + 1]; ++k) {
        ++deg[static_cast<size_t>(u)];
        ++deg[static_cast<size_t>(users + kept.col[static_cast<size_t>(k)])];
      }
    std::set<std::pair<int32_t, int32_t>> from_rows;
    for (int64_t r = 0; r < a.n_rows; ++r) {
      ASSERT_EQ(a.row_ptr[r + 1] - a.row_ptr[r], deg[static_cast<size_t>(r)]) << "row " << r;
      for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
        const int32_t c = a.col[static_cast<size_t>(k)];
        if (k > a.row_ptr[r]) {
          EXPECT_LT(a.col[static_cast<size_t>(k) - 1], c);
        }
        ASSERT_EQ(c >= users, r < users) << "row " << r << " column " << c;
        const int64_t u = r < users ? r : c, i = r < users ? c : r;
        if (r < users) from_rows.insert({static_cast<int32_t>(u), static_cast<int32_t>(i - users)});
        const double ref = 1.0 / std::sqrt(static_cast<double>(deg[static_cast<size_t>(u)]) *
                                           static_cast<double>(deg[static_cast<size_t>(i)]));
        // Two roundings of the double product (1 ulp each, ~1e-16) before the
        // float rounding: the float is the reference rounded, or its neighbour.
        EXPECT_NEAR(a.val[static_cast<size_t>(k)], ref, 1.2e-7 * ref) << "row " << r << " column " << c;
      }
    }
    EXPECT_EQ(from_rows, edges_of(kept));
  }
}

}  // namespace
}  // namespace mmgraph
