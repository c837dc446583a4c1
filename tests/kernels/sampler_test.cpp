// Philox known answers, the Feistel permutation, and the BPR triple sampler.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "kernels/philox.h"
#include "kernels/sampler.h"
#include "support/interactions.h"

namespace mmgraph {
namespace {

using kernels::Philox4;

TEST(Philox, KnownAnswerVectors) {
  // Random123's kat_vectors for philox4x32-10.
  auto r = kernels::philox4x32_10(Philox4{{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(r.v[0], 0x6627e8d5u);
  EXPECT_EQ(r.v[1], 0xe169c58du);
  EXPECT_EQ(r.v[2], 0xbc57ac4cu);
  EXPECT_EQ(r.v[3], 0x9b00dbd8u);
  r = kernels::philox4x32_10(Philox4{{~0u, ~0u, ~0u, ~0u}}, ~0u, ~0u);
  EXPECT_EQ(r.v[0], 0x408f276du);
  EXPECT_EQ(r.v[3], 0x6d5451fdu);
  r = kernels::philox4x32_10(Philox4{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(r.v[0], 0xd16cfe09u);
  EXPECT_EQ(r.v[1], 0x94fdccebu);
  EXPECT_EQ(r.v[2], 0x5001e420u);
  EXPECT_EQ(r.v[3], 0x24126ea1u);
}

TEST(Feistel, IsABijectionForAwkwardSizes) {
  for (uint64_t n : {1ull, 2ull, 3ull, 5ull, 64ull, 1000ull, 4097ull, 119674ull}) {
    const auto perm = kernels::make_feistel_permutation(42, 7, n);
    std::vector<char> seen(n, 0);
    for (uint64_t j = 0; j < n; ++j) {
      const uint64_t k = perm(j);
      ASSERT_LT(k, n);
      ASSERT_FALSE(seen[k]) << "n " << n << " index " << k << " twice";
      seen[k] = 1;
    }
  }
  // Different epochs give different orders.
  const auto a = kernels::make_feistel_permutation(42, 1, 1000), b = kernels::make_feistel_permutation(42, 2, 1000);
  int same = 0;
  for (uint64_t j = 0; j < 1000; ++j) same += a(j) == b(j);
  EXPECT_LT(same, 20);
}

using testing::Interactions;
using testing::make_interactions;

TEST(Sampler, EpochVisitsEveryPairOnceWithValidNegatives) {
  const Interactions x = make_interactions();
  const auto in = x.inputs();
  const int64_t n = in.n_pairs;
  std::vector<int32_t> u(n), p(n), g(n);
  kernels::sample_bpr_triples_cpu(in, 2024, 3, 0, n, u.data(), p.data(), g.data());
  std::multiset<std::pair<int32_t, int32_t>> pairs, expect;
  for (int64_t k = 0; k < n; ++k) {
    pairs.insert({u[k], p[k]});
    expect.insert({x.pair_user[k], x.col[k]});
    const auto first = x.col.begin() + x.row_ptr[u[k]], last = x.col.begin() + x.row_ptr[u[k] + 1];
    ASSERT_FALSE(std::binary_search(first, last, g[k])) << "negative " << g[k] << " is a training item of user " << u[k];
    ASSERT_GE(g[k], 0);
    ASSERT_LT(g[k], x.items);
    if (u[k] == 3) {
      ASSERT_EQ(g[k], 17);
    }
  }
  EXPECT_EQ(pairs, expect);
}

TEST(Sampler, BatchIsAPureFunctionOfSeedEpochAndPosition) {
  const Interactions x = make_interactions();
  const auto in = x.inputs();
  const int64_t n = in.n_pairs;
  std::vector<int32_t> u(n), p(n), g(n), u2(n), p2(n), g2(n);
  kernels::sample_bpr_triples_cpu(in, 9, 1, 0, n, u.data(), p.data(), g.data());
  // The same positions drawn in three uneven chunks give the same triples.
  const int64_t cuts[] = {0, 17, 100, n};
  for (int c = 0; c < 3; ++c)
    kernels::sample_bpr_triples_cpu(in, 9, 1, cuts[c], cuts[c + 1] - cuts[c], u2.data() + cuts[c], p2.data() + cuts[c],
                                    g2.data() + cuts[c]);
  EXPECT_EQ(u, u2);
  EXPECT_EQ(p, p2);
  EXPECT_EQ(g, g2);
  kernels::sample_bpr_triples_cpu(in, 9, 2, 0, n, u2.data(), p2.data(), g2.data());
  EXPECT_NE(u, u2) << "epoch 2 must shuffle differently";
  kernels::sample_bpr_triples_cpu(in, 10, 1, 0, n, u2.data(), p2.data(), g2.data());
  EXPECT_NE(g, g2) << "another seed must draw other negatives";
}

TEST(Sampler, NegativesAreRoughlyUniform) {
  // One user who has seen item 0 only; 40000 draws over items 1..9.
  const std::vector<int64_t> row_ptr = {0, 1};
  const std::vector<int32_t> col = {0};
  std::vector<int32_t> pair_user(1, 0);
  std::vector<int> counts(10, 0);
  for (uint64_t epoch = 0; epoch < 40000; ++epoch) {
    const kernels::SamplerInputs in{1, pair_user.data(), col.data(), row_ptr.data(), col.data(), 10};
    int32_t u, p, g;
    kernels::sample_bpr_triples_cpu(in, 5, epoch, 0, 1, &u, &p, &g);
    ++counts[g];
  }
  EXPECT_EQ(counts[0], 0);
  for (int i = 1; i < 10; ++i) EXPECT_NEAR(counts[i], 40000.0 / 9, 5 * std::sqrt(40000.0 / 9)) << "item " << i;
}

TEST(Sampler, PoolRestrictsNegativesToItsItems) {
  // Pool {2, 5, 7, 9}; the user has seen 0 and 5: negatives are 2, 7 or 9, about equally often,
  // and a user who has seen the whole pool but one item walks to that item.
  const std::vector<int32_t> pool = {2, 5, 7, 9};
  const std::vector<int64_t> row_ptr = {0, 2, 5};
  const std::vector<int32_t> col = {0, 5, 2, 5, 9};
  std::vector<int32_t> pair_user = {0, 1};
  std::vector<int> counts(10, 0);
  for (uint64_t epoch = 0; epoch < 6000; ++epoch) {
    const kernels::SamplerInputs in{2, pair_user.data(), col.data(), row_ptr.data(), col.data(), 4, pool.data()};
    int32_t u[2], p[2], g[2];
    kernels::sample_bpr_triples_cpu(in, 5, epoch, 0, 2, u, p, g);
    for (int j = 0; j < 2; ++j) {
      if (u[j] == 0) ++counts[g[j]];
      else EXPECT_EQ(g[j], 7) << "user 1 has seen every pool item but 7";
    }
  }
  for (int i : {0, 1, 3, 4, 5, 6, 8}) EXPECT_EQ(counts[i], 0) << "item " << i;
  for (int i : {2, 7, 9}) EXPECT_NEAR(counts[i], 2000.0, 5 * std::sqrt(2000.0)) << "item " << i;
}

}  // namespace
}  // namespace mmgraph
