#pragma once
// The synthetic generator as a stream: it hands each user's split items and
// each feature row to a sink as soon as they are drawn, so that the same draws
// fill an in-memory Dataset (make_synthetic_dataset) or files on disk
// (write_synthetic_dataset) without holding the interactions.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/interactions.h"
#include "mmgraph/synthetic.h"

namespace mmgraph::io {

// One modality of the generated set: its name and number of columns.
struct SyntheticModality {
  std::string name;
  int32_t cols = 0;
};

// Receives the generated data set, in this order: begin once, user_items for
// u = 0 .. n_users - 1, then feature_row for every row of modality 0, then of
// modality 1, and so on (rows in an order of their own when unconsumed > 0).
class SyntheticSink {
 public:
  virtual ~SyntheticSink() = default;
  virtual void begin(int32_t n_users, int32_t n_items, const std::vector<SyntheticModality>& modalities) = 0;
  // User u's items of each split, ascending.
  virtual void user_items(int32_t u, std::span<const int32_t> train, std::span<const int32_t> valid,
                          std::span<const int32_t> test) = 0;
  // Row `row` (the item's final id) of modality m: `values` holds its cols values.
  virtual void feature_row(size_t m, int32_t row, const float* values) = 0;
};

// Where the generated data set goes, for the memory check: a sink that keeps
// it all (in memory) or one that writes it out as it comes (streamed).
enum class SyntheticTarget { in_memory, streamed };

// Throws the InputError naming the key of a specification that cannot be met
// (see make_synthetic_dataset), including more memory than the machine has:
// streamed, the generator holds about 8 bytes per user and 4 dim + 120 bytes
// per item, independent of the number of interactions and of the feature
// widths (see write_synthetic_dataset).
void check_synthetic_options(const SyntheticOptions& options, SyntheticTarget target);

// Draws the data set `options` describes into `sink`, after checking it for
// `target` (check_synthetic_options).
void generate_synthetic(const SyntheticOptions& options, SyntheticTarget target, SyntheticSink& sink);

// The train / valid / test interactions the generator's per-user split gives, without drawing the
// set: the users' degrees come from the power law in rank order (the generator shuffles which user
// takes which weight, so only the few users that take one extra interaction from the rounding may
// differ), each cut as the generator cuts it. About 60 passes over the users.
SplitCounts synthetic_split_counts(const SyntheticOptions& options);

}  // namespace mmgraph::io
