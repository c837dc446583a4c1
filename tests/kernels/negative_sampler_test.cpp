// Multi-negative sampling: candidates are never training items, are a pure
// function of (seed, epoch, position, t) whatever the chunking, come from a key
// stream distinct from the triple sampler's, and are roughly uniform.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/negative_sampler.h"
#include "mmgraph/errors.h"
#include "support/interactions.h"

namespace mmgraph {
namespace {

using testing::Interactions;
using testing::make_interactions;

// The users of positions [0, n) of `epoch`, as the triple sampler draws them.
std::vector<int32_t> epoch_users(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch,
                                 std::vector<int32_t>* neg = nullptr) {
  const int64_t n = in.n_pairs;
  std::vector<int32_t> u(n), p(n), g(n);
  kernels::sample_bpr_triples_cpu(in, seed, epoch, 0, n, u.data(), p.data(), g.data());
  if (neg) *neg = g;
  return u;
}

TEST(NegativeSampler, CandidatesAreNeverTrainingItems) {
  const Interactions x = make_interactions();
  const auto in = x.inputs();
  const auto users = epoch_users(in, 11, 2);
  const int64_t n = in.n_pairs;
  const int t_count = 7;
  std::vector<int32_t> cand(n * t_count, -1);
  kernels::sample_negatives_cpu(in, 11, 2, 0, n, users.data(), t_count, cand.data());
  for (int64_t r = 0; r < n; ++r) {
    const auto first = x.col.begin() + x.row_ptr[users[r]], last = x.col.begin() + x.row_ptr[users[r] + 1];
    for (int t = 0; t < t_count; ++t) {
      const int32_t c = cand[r * t_count + t];
      ASSERT_GE(c, 0);
      ASSERT_LT(c, x.items);
      ASSERT_FALSE(std::binary_search(first, last, c)) << "candidate " << c << " is a training item of " << users[r];
      if (users[r] == 3) {
        ASSERT_EQ(c, 17);
      }
    }
  }
}

TEST(NegativeSampler, PureFunctionOfPositionWhateverTheChunking) {
  const Interactions x = make_interactions();
  const auto in = x.inputs();
  const auto users = epoch_users(in, 9, 1);
  const int64_t n = in.n_pairs;
  const int t_count = 5;
  std::vector<int32_t> whole(n * t_count), chunked(n * t_count), again(n * t_count);
  kernels::sample_negatives_cpu(in, 9, 1, 0, n, users.data(), t_count, whole.data());
  const int64_t cuts[] = {0, 17, 100, n};
  for (int c = 0; c < 3; ++c)
    kernels::sample_negatives_cpu(in, 9, 1, cuts[c], cuts[c + 1] - cuts[c], users.data() + cuts[c], t_count,
                                  chunked.data() + cuts[c] * t_count);
  EXPECT_EQ(whole, chunked);
  kernels::sample_negatives_cpu(in, 9, 1, 0, n, users.data(), t_count, again.data());
  EXPECT_EQ(whole, again);
  kernels::sample_negatives_cpu(in, 9, 2, 0, n, users.data(), t_count, again.data());
  EXPECT_NE(whole, again) << "another epoch must draw other candidates";
  kernels::sample_negatives_cpu(in, 10, 1, 0, n, users.data(), t_count, again.data());
  EXPECT_NE(whole, again) << "another seed must draw other candidates";
  // Fewer candidates per example: the first ones are the same draws.
  std::vector<int32_t> two(n * 2);
  kernels::sample_negatives_cpu(in, 9, 1, 0, n, users.data(), 2, two.data());
  for (int64_t r = 0; r < n; ++r) {
    ASSERT_EQ(two[r * 2], whole[r * t_count]);
    ASSERT_EQ(two[r * 2 + 1], whole[r * t_count + 1]);
  }
}

TEST(NegativeSampler, StreamsDifferFromTheTripleSamplerAndAcrossCandidates) {
  // One user who has seen item 0 only, 100000 items: two independent streams
  // agree on a position with probability 1e-5.
  const std::vector<int64_t> row_ptr = {0, 1};
  const std::vector<int32_t> col = {0};
  const std::vector<int32_t> pair_user(2000, 0), pair_item(2000, 0);
  const kernels::SamplerInputs in{2000, pair_user.data(), pair_item.data(), row_ptr.data(), col.data(), 100000};
  std::vector<int32_t> neg;
  const auto users = epoch_users(in, 4, 0, &neg);
  std::vector<int32_t> cand(2000 * 2);
  kernels::sample_negatives_cpu(in, 4, 0, 0, 2000, users.data(), 2, cand.data());
  int same_as_triple = 0, same_across_t = 0;
  for (int64_t r = 0; r < 2000; ++r) {
    same_as_triple += cand[r * 2] == neg[r];
    same_across_t += cand[r * 2] == cand[r * 2 + 1];
  }
  EXPECT_LE(same_as_triple, 3);
  EXPECT_LE(same_across_t, 3);
}

TEST(NegativeSampler, CandidatesAreRoughlyUniform) {
  // One user who has seen item 0 only; 4000 positions x 10 candidates over items 1..9.
  const std::vector<int64_t> row_ptr = {0, 1};
  const std::vector<int32_t> col = {0};
  const std::vector<int32_t> pair_user(1, 0), users(4000, 0);
  const kernels::SamplerInputs in{1, pair_user.data(), col.data(), row_ptr.data(), col.data(), 10};
  std::vector<int32_t> cand(4000 * 10);
  kernels::sample_negatives_cpu(in, 5, 3, 0, 4000, users.data(), 10, cand.data());
  std::vector<int> counts(10, 0);
  for (int32_t c : cand) ++counts[c];
  EXPECT_EQ(counts[0], 0);
  for (int i = 1; i < 10; ++i) EXPECT_NEAR(counts[i], 40000.0 / 9, 5 * std::sqrt(40000.0 / 9)) << "item " << i;
}

TEST(NegativeSampler, NothingToDrawAndBadArguments) {
  const Interactions x = make_interactions();
  auto in = x.inputs();
  kernels::sample_negatives_cpu(in, 1, 0, 0, 0, nullptr, 4, nullptr);  // count = 0
  const std::vector<int32_t> users = {0};
  kernels::sample_negatives_cpu(in, 1, 0, 0, 1, users.data(), 0, nullptr);  // no candidates
  std::vector<int32_t> cand(4);
  EXPECT_THROW(kernels::sample_negatives_cpu(in, 1, 0, 0, 1, users.data(), -1, cand.data()), Error);
  in.n_items = 0;
  EXPECT_THROW(kernels::sample_negatives_cpu(in, 1, 0, 0, 1, users.data(), 4, cand.data()), Error);
}

}  // namespace
}  // namespace mmgraph
