#pragma once
// Full-ranking evaluation, written once over Device ops and run by both devices:
// the users with held-out items in blocks (eval_blocks.h), each block's masked
// top-K (Device::topk_of_rows) and its ranking metrics against the held-out items
// and against the cold ones (Device::ranking_metrics), summed on the device block
// after block in a fixed order and read back once; never the whole users x items
// matrix.
#include <cstdint>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/eval_blocks.h"
#include "mmgraph/dataset.h"
#include "mmgraph/metrics.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

// Metrics of one evaluation: over every held-out item, and over cold items only.
struct EvalResult {
  MetricTable all;
  MetricTable cold;  // empty when the split has no cold items
};

// What an evaluation of one split reads, on a device: the users with held-out items and, for
// them, the held-out items, the cold held-out items (items that never occur in training) and
// the masks (the training items; for the test split also the validation items).
struct EvalSplit {
  UserRows users;
  int truth = -1;          // index in users of the held-out items
  int cold = -1;           // of the cold ones; -1 when there are none or they were not asked for
  std::vector<int> masks;  // of the masks
};
EvalSplit make_eval_split(Device& dev, const Dataset& data, Split split, bool with_cold);

// Full-ranking metrics of user_rep [U x d] against item_rep [n_items x d] (device memory) at
// the cut-offs topk, user_block users at a time.
EvalResult evaluate(Device& dev, const EvalSplit& split, const float* user_rep, const float* item_rep, int64_t d,
                    int64_t n_items, const std::vector<int>& topk, int64_t user_block);

}  // namespace mmgraph::detail
