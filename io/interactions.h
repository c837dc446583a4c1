#pragma once
// Building blocks shared by the interaction readers: id remapping, the
// interactions as parallel arrays, iterative k-core filtering and the splits
// (the CSR construction is public: interactions_from_pairs in mmgraph/dataset.h).
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "mmgraph/dataset.h"

namespace mmgraph::io {

// Original string ids -> dense ids in order of first appearance. The names are
// kept once, end to end in one buffer, and found through an open-addressing
// table of ids: about the name's bytes + 24 bytes per id.
class IdMap {
 public:
  int32_t add(std::string_view original);
  int32_t size() const { return static_cast<int32_t>(ends_.size()); }
  std::string_view name(int32_t id) const;
  // The names of every id, in id order.
  std::vector<std::string> names() const;
  // The names of the given ids, in that order.
  std::vector<std::string> names(const std::vector<int32_t>& ids) const;

 private:
  void grow_table();

  std::string bytes_;           // every name, end to end
  std::vector<int64_t> ends_;   // name i is bytes_[ends_[i - 1], ends_[i])
  std::vector<int32_t> table_;  // ids by hash of their name, -1 where free; a power of two long
};

// The interactions of a file in file order, one entry per line, as parallel
// arrays (dense ids from IdMap).
struct InteractionColumns {
  std::vector<int32_t> user, item;
  std::vector<double> timestamp;  // only when the time split needs it, else empty
  std::vector<int8_t> label;      // split label 0 train, 1 valid, 2 test; only when the file has one
  size_t size() const { return user.size(); }
};

// Keeps interactions whose user and item both have >= k interactions, repeated
// until stable; then renumbers users and items densely (first appearance order
// among the kept interactions). Returns the id before renumbering of each new
// user and item id (all ids, unchanged, when k <= 1).
struct KeptIds {
  std::vector<int32_t> users, items;
};
KeptIds kcore_filter(InteractionColumns& rows, int k, int32_t n_users, int32_t n_items);

// How many of a user's n distinct items go to train, valid and test: n_valid =
// round(n * valid_ratio), n_test = round(n * (1 - train_ratio - valid_ratio)),
// reduced so that at least one item stays in training; train gets the rest.
struct SplitCounts {
  int64_t train = 0, valid = 0, test = 0;
};
SplitCounts split_counts(int64_t n, const LoadOptions& options);

// The seeded shuffle of user u's distinct items (ascending by item) that the
// "random" split applies before it cuts them by split_counts.
template <typename It>
void shuffle_user_items(It first, It last, int32_t u, uint64_t seed) {
  std::mt19937_64 rng(seed ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(u + 1)));
  for (auto i = static_cast<size_t>(last - first); i > 1; --i)
    std::swap(first[i - 1], first[std::uniform_int_distribution<size_t>(0, i - 1)(rng)]);
}

// Per-user split of unsplit interactions into a Dataset (see LoadOptions),
// over each user's distinct items:
// "random": shuffled by shuffle_user_items, then cut by split_counts: the first
//   to train, the next to valid, the last to test.
// "time": ordered by their earliest timestamp (ties by item id); the newest go
//   to test, the next newest to valid, the oldest to train, with the same counts.
// rows.timestamp must be filled for "time". The rows are consumed: beyond the
// Dataset it holds 4 bytes per row (12 with timestamps) once they are freed.
Dataset split_per_user(InteractionColumns rows, int32_t n_users, int32_t n_items, const LoadOptions& options,
                       const std::string& source);

// Dataset from rows that carry labels 0/1/2.
Dataset split_by_label(InteractionColumns rows, int32_t n_users, int32_t n_items);

}  // namespace mmgraph::io
