#pragma once
// Building blocks shared by the interaction readers: id remapping, iterative
// k-core filtering and the per-user split (the CSR construction is public:
// interactions_from_pairs in mmgraph/dataset.h).
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mmgraph/dataset.h"

namespace mmgraph::io {

// Original string ids -> dense ids in order of first appearance.
class IdMap {
 public:
  int32_t add(std::string_view original);
  int32_t size() const { return static_cast<int32_t>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::unordered_map<std::string, int32_t> index_;
  std::vector<std::string> names_;
};

struct Interaction {
  int32_t user;
  int32_t item;
  double timestamp;  // 0 when the source has none
  int label;         // split label (0 train, 1 valid, 2 test) or -1 when unsplit
};

// Keeps interactions whose user and item both have >= k interactions, repeated
// until stable; then renumbers users and items densely (first appearance order
// among the kept interactions) and filters the id names to match.
void kcore_filter(std::vector<Interaction>& rows, int k, std::vector<std::string>& user_names,
                  std::vector<std::string>& item_names);

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

// Per-user split of unsplit interactions into a Dataset (see LoadOptions):
// "random": each user's distinct items shuffled by shuffle_user_items, then cut
//   by split_counts: the first to train, the next to valid, the last to test.
// "time": items ordered by timestamp (ties by item id); the newest go to test,
//   the next newest to valid, the oldest to train, with the same counts.
Dataset split_per_user(const std::vector<Interaction>& rows, int32_t n_users, int32_t n_items,
                       const LoadOptions& options, const std::string& source);

// Dataset from rows that carry labels 0/1/2.
Dataset split_by_label(const std::vector<Interaction>& rows, int32_t n_users, int32_t n_items);

}  // namespace mmgraph::io
