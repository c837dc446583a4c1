// The batch's distinct rows against a std::set / std::map reference on random
// batches (heavy repeats, negatives that are also positives, WARP-style extra
// items, an empty batch), and both layouts (packed, padded) on a hand-made example.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "kernels/batch_rows.h"
#include "mmgraph/errors.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

TEST(BatchRows, LayoutOnAHandMadeBatch) {
  // users 3, 1, 3; pos 0, 2, 0; neg 2, 5, 4; extra 5, 1: item 2 is a positive and a negative.
  const std::vector<int32_t> users = {3, 1, 3}, pos = {0, 2, 0}, neg = {2, 5, 4}, extra = {5, 1};
  std::vector<int32_t> rows(3 * 3 + 2, -1), counts(2 * 3, -1);
  const auto s = kernels::batch_rows_cpu({3, users.data(), pos.data(), neg.data(), 2, extra.data(), 10}, rows.data(),
                                         counts.data());
  EXPECT_EQ(s.users, 2);
  EXPECT_EQ(s.pos_items, 2);
  EXPECT_EQ(s.other_items, 3);
  rows.resize(static_cast<size_t>(s.total()));
  EXPECT_EQ(rows, (std::vector<int32_t>{1, 3, 10, 12, 11, 14, 15}));
  counts.resize(4);
  EXPECT_EQ(counts, (std::vector<int32_t>{1, 2, 2, 1}));
}

TEST(BatchRows, PaddedLayoutOnAHandMadeBatch) {
  // The batch above with 4 users and 6 items: each part at its room (3 users, 3 positives,
  // min(3 + 2, 6) others), -1 and count 0 after; with 4 items the others' room is 4.
  const std::vector<int32_t> users = {3, 1, 3}, pos = {0, 2, 0}, neg = {2, 5, 4}, extra = {5, 1};
  const kernels::BatchRowsInput in{3, users.data(), pos.data(), neg.data(), 2, extra.data(), 10, 4, 6};
  std::vector<int32_t> rows(3 * 3 + 2, 7), counts(2 * 3, 7);
  kernels::batch_rows_padded_cpu(in, rows.data(), counts.data());
  EXPECT_EQ(rows, (std::vector<int32_t>{1, 3, -1, 10, 12, -1, 11, 14, 15, -1, -1}));
  EXPECT_EQ(counts, (std::vector<int32_t>{1, 2, 0, 2, 1, 0}));
  const auto s = kernels::padded_batch_row_sizes(in);
  EXPECT_EQ(s.users, 3);
  EXPECT_EQ(s.pos_items, 3);
  EXPECT_EQ(s.other_items, 5);
  EXPECT_EQ(kernels::padded_batch_row_sizes({3, nullptr, nullptr, nullptr, 2, nullptr, 10, 2, 4}).total(), 2 + 3 + 4);
  // Ids at or above the bounds do not fit the rooms.
  EXPECT_THROW(kernels::batch_rows_padded_cpu({3, users.data(), pos.data(), neg.data(), 2, extra.data(), 10, 3, 6},
                                              rows.data(), counts.data()),
               Error);
  EXPECT_THROW(kernels::batch_rows_padded_cpu({3, users.data(), pos.data(), neg.data(), 2, extra.data(), 10, 4, 5},
                                              rows.data(), counts.data()),
               Error);
}

TEST(BatchRows, MatchesASetReference) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t b = trial == 0 ? 0 : static_cast<int64_t>(1 + rng() % 300);
    const int64_t n_extra = trial % 3 == 0 ? 0 : static_cast<int64_t>(rng() % 200);
    const int32_t n_users = 1 + static_cast<int32_t>(rng() % 50), n_items = 1 + static_cast<int32_t>(rng() % 80);
    std::vector<int32_t> users, pos, neg, extra;
    for (int64_t i = 0; i < b; ++i) {
      users.push_back(static_cast<int32_t>(rng() % n_users));
      pos.push_back(static_cast<int32_t>(rng() % n_items));
      neg.push_back(static_cast<int32_t>(rng() % n_items));
    }
    for (int64_t i = 0; i < n_extra; ++i) extra.push_back(static_cast<int32_t>(rng() % n_items));
    std::map<int32_t, int32_t> user_count, pos_count;
    for (int32_t u : users) ++user_count[u];
    for (int32_t i : pos) ++pos_count[i];
    std::set<int32_t> others(neg.begin(), neg.end());
    others.insert(extra.begin(), extra.end());
    std::vector<int32_t> want_rows, want_counts;
    for (auto [u, c] : user_count) {
      want_rows.push_back(u);
      want_counts.push_back(c);
    }
    for (auto [i, c] : pos_count) {
      want_rows.push_back(n_users + i);
      want_counts.push_back(c);
    }
    for (int32_t i : others)
      if (!pos_count.count(i)) want_rows.push_back(n_users + i);

    std::vector<int32_t> rows(static_cast<size_t>(3 * b + n_extra)), counts(static_cast<size_t>(2 * b));
    const auto s = kernels::batch_rows_cpu({b, users.data(), pos.data(), neg.data(), n_extra, extra.data(), n_users},
                                           rows.data(), counts.data());
    EXPECT_EQ(s.users, static_cast<int64_t>(user_count.size()));
    EXPECT_EQ(s.pos_items, static_cast<int64_t>(pos_count.size()));
    rows.resize(static_cast<size_t>(s.total()));
    counts.resize(static_cast<size_t>(s.users + s.pos_items));
    EXPECT_EQ(rows, want_rows);
    EXPECT_EQ(counts, want_counts);

    // Padded: the same parts, each filled to its room (the rooms bind often here) with -1 and count 0.
    const kernels::BatchRowsInput in{b, users.data(), pos.data(), neg.data(), n_extra, extra.data(), n_users,
                                     n_users, n_items};
    const auto room = kernels::padded_batch_row_sizes(in);
    EXPECT_EQ(room.users, std::min<int64_t>(b, n_users));
    EXPECT_EQ(room.pos_items, std::min<int64_t>(b, n_items));
    EXPECT_EQ(room.other_items, std::min<int64_t>(b + n_extra, n_items));
    std::vector<int32_t> want_padded, want_padded_counts;
    const auto pad = [](std::vector<int32_t>& v, int64_t room_end, int32_t fill) {
      v.resize(static_cast<size_t>(room_end), fill);
    };
    want_padded.assign(want_rows.begin(), want_rows.begin() + s.users);
    pad(want_padded, room.users, -1);
    want_padded.insert(want_padded.end(), want_rows.begin() + s.users, want_rows.begin() + s.users + s.pos_items);
    pad(want_padded, room.users + room.pos_items, -1);
    want_padded.insert(want_padded.end(), want_rows.begin() + s.users + s.pos_items, want_rows.end());
    pad(want_padded, room.total(), -1);
    want_padded_counts.assign(want_counts.begin(), want_counts.begin() + s.users);
    pad(want_padded_counts, room.users, 0);
    want_padded_counts.insert(want_padded_counts.end(), want_counts.begin() + s.users, want_counts.end());
    pad(want_padded_counts, room.users + room.pos_items, 0);
    std::vector<int32_t> padded(static_cast<size_t>(room.total()), 7),
        padded_counts(static_cast<size_t>(room.users + room.pos_items), 7);
    kernels::batch_rows_padded_cpu(in, padded.data(), padded_counts.data());
    EXPECT_EQ(padded, want_padded);
    EXPECT_EQ(padded_counts, want_padded_counts);
  }
}

}  // namespace
}  // namespace mmgraph
