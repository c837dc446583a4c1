#pragma once
// The distinct rows of the stacked [users; items] table that one training batch's loss
// reads (kernels/batch_rows.h: users | positives | other items, with the users' and the
// positives' multiplicities), for models that compute per-row stages only there.
// The device chooses the layout (Device::batch_rows): packed where the distinct counts are
// in host memory (the CPU), padded on a GPU, where each part keeps its room and its rows
// past the distinct ones are -1 with count 0, so that a step reads nothing back. Models
// run their per-row ops over the parts' extents (sizes()) either way: the row ops treat a
// row -1 as no row, and a padded row's activations are finite and reach no table.
#include <cstdint>

#include "engine/models/blocks/objective.h"
#include "engine/src/model.h"

namespace mmgraph::detail {

class BatchRowSet {
 public:
  BatchRowSet() = default;
  // Room for a batch of the config's size and the objective's extra items. Rows are those of a
  // [users; items] node table (an item's row follows the users' rows), or of an item table with
  // items_only (models whose per-row stages read item tables alone).
  explicit BatchRowSet(const ModelContext& ctx, bool items_only = false);
  // The rows of this batch (and of the objective's extra items for it). In a run split over
  // processes they are global rows, the same on every process (users before items, every one
  // counted): a model gathers their values from their owners (OwnerGather); the sharded
  // propagation takes no rows hint and computes every row.
  void build(const TripleBatch& batch, Objective& objective);

  // The extents of the three parts in rows() (their distinct counts when packed, their rooms when padded).
  const kernels::BatchRowSizes& sizes() const { return sizes_; }
  int64_t size() const { return sizes_.total(); }
  const int32_t* rows() const { return rows_.data(); }  // device memory, size() ids
  // The item part of rows(): positives, then the other items (device memory, item_count() ids).
  const int32_t* item_rows() const { return rows_.data() + sizes_.users; }
  int64_t item_count() const { return sizes_.pos_items + sizes_.other_items; }
  // Multiplicities (device memory): sizes().users of the users, then sizes().pos_items of the positives.
  const int32_t* counts() const { return counts_.data(); }
  // The most rows size() and item_count() can be (buffers of per-row activations are sized by them).
  int64_t capacity() const { return room_.total(); }
  int64_t item_capacity() const { return room_.pos_items + room_.other_items; }

 private:
  Device* dev_ = nullptr;
  int32_t first_item_row_ = 0;  // the row of item 0
  int64_t user_ids_ = 0, item_ids_ = 0;  // the users and items a batch's ids are below
  kernels::BatchRowSizes room_;  // the parts' rooms for a full batch
  Buffer<int32_t> rows_, counts_;
  kernels::BatchRowSizes sizes_;
};

}  // namespace mmgraph::detail
