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

#include <vector>

#include "engine/models/blocks/node_table.h"
#include "engine/models/blocks/objective.h"
#include "engine/models/blocks/owner_gather.h"
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

// A BatchRowSet's rows (of a [users; items] table) read from node tables: with one process the
// rows as they are (padded ones included, read as zeros); in a run split over processes gathered
// from their owners (OwnerGather per kind, a padded row -1 as no row), in the set's row order, so
// that the per-row and dense stages on them compute the same bits on every process.
class BatchRowGather {
 public:
  BatchRowGather() = default;
  explicit BatchRowGather(const ModelContext& ctx)
      : ctx_(ctx), users_(ctx, NodeKind::kUser), items_(ctx, NodeKind::kItem) {}
  // The rows of `set` (built for this batch); a run split over processes reads them back to the host.
  void plan(const BatchRowSet& set);
  // out [rows x t.width()] := t's rows at the set's rows (t: owned rows of a [users; items] table).
  void gather(const NodeRows& t, float* out) const;
  // t's owned rows += the rows of `rows` ([rows x t.width()], the set's order) they are the rows of.
  void scatter_add(const float* rows, const NodeRows& t) const;
  // The batch with its ids as positions among the set's rows (users in its user part, items in its
  // item parts), for a loss over tables of the set's rows (device memory; a run split over processes only).
  TripleBatch batch_as_rows(const TripleBatch& batch);

 private:
  ModelContext ctx_;
  const BatchRowSet* set_ = nullptr;
  std::vector<int32_t> rows_;  // the set's rows (host; a run split over processes)
  OwnerGather users_, items_;
  Buffer<int32_t> ids_;
};

}  // namespace mmgraph::detail
