#pragma once
// Building blocks shared by the interaction readers: id remapping, iterative
// k-core filtering and the per-user split (the CSR construction is public:
// interactions_from_pairs in mmgraph/dataset.h).
#include <cstdint>
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

// Per-user split of unsplit interactions into a Dataset (see LoadOptions):
// "random": each user's distinct items shuffled with a seeded RNG; n_valid =
//   round(n * valid_ratio), n_test = round(n * (1 - train_ratio - valid_ratio)),
//   reduced so that at least one item stays in training; train gets the rest.
// "time": items ordered by timestamp (ties by item id); the newest go to test,
//   the next newest to valid, the oldest to train, with the same counts.
Dataset split_per_user(const std::vector<Interaction>& rows, int32_t n_users, int32_t n_items,
                       const LoadOptions& options, const std::string& source);

// Dataset from rows that carry labels 0/1/2.
Dataset split_by_label(const std::vector<Interaction>& rows, int32_t n_users, int32_t n_items);

}  // namespace mmgraph::io
