#pragma once
// Full-ranking evaluation, written once over Device ops and run by both devices:
// the users with held-out items in blocks (eval_blocks.h), each block's masked
// top-K (Device::topk_of_rows) and its ranking metrics against the held-out items,
// and apart against the warm and the cold ones (Device::ranking_metrics), summed on
// the device block after block in a fixed order and read back once; never the whole
// users x items matrix. Cold items are also ranked among the cold items alone.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/src/communicator.h"
#include "engine/src/device.h"
#include "engine/src/eval_blocks.h"
#include "engine/src/params.h"
#include "mmgraph/dataset.h"
#include "mmgraph/metrics.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

// Metrics of one evaluation. With cold held-out items (items that never occur in training) the
// held-out items are also counted apart: warm ones and cold ones among every item, and cold ones
// ranked among the items without training interactions only (the new-item protocol).
struct EvalResult {
  MetricTable all;
  MetricTable warm;             // empty when the split has no cold items
  MetricTable cold;             // empty when the split has no cold items
  MetricTable cold_among_cold;  // empty when the split has no cold items
};

// The new-item protocol's inputs: the candidates (items without training interactions, in id
// order) and, for the users with cold held-out items, those items and the masks as positions
// among the candidates.
struct ColdCandidates {
  Buffer<int32_t> items;
  int64_t count = 0;
  UserRows users;
  int truth = -1;
  std::vector<int> masks;
};

// What an evaluation of one split reads, on a device: the users with held-out items and, for
// them, the held-out items, the warm and cold ones apart, and the masks: the training items, and
// for the test split the validation items too when test_masks_valid (MMRec leaves them as
// candidates, the default).
struct EvalSplit {
  UserRows users;
  int truth = -1;          // index in users of the held-out items
  int warm = -1, cold = -1;  // of the warm and the cold ones; -1 when there are no cold ones or they were not asked for
  std::vector<int> masks;  // of the masks
  std::optional<ColdCandidates> among_cold;  // when there are cold held-out items and they were asked for
};
// users: the users ranked, a block of user ids (every user when count < 0); the user table an
// evaluation of the split reads then holds that block's rows alone. sample (optional, n_users
// entries, sampled_users): only the users it marks are ranked.
EvalSplit make_eval_split(Device& dev, const Dataset& data, Split split, bool with_cold, bool test_masks_valid,
                          RowRange users = {0, -1}, const std::vector<char>* sample = nullptr);

// Full-ranking metrics of user_rep [U x d] against item_rep [n_items x d] (device memory) at
// the cut-offs topk, user_block users at a time. With a communicator of several processes, each
// ranks its own users (its split's) and the metric sums of all are combined.
EvalResult evaluate(Device& dev, const EvalSplit& split, const float* user_rep, const float* item_rep, int64_t d,
                    int64_t n_items, const std::vector<int>& topk, int64_t user_block, Communicator* comm = nullptr);

}  // namespace mmgraph::detail
