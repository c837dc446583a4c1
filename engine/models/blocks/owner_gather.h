#pragma once
// Rows of a row-sharded table (one node kind, each process holding its owned block) at a list of
// global ids that every process knows alike (a batch's items, in the order a model computes on
// them), gathered from their owners into the list's order on every process; and the way back:
// each process adds the rows of such a list-ordered table that it owns into its table. A model
// that computes a batch's per-row and dense stages on these gathered rows computes the same bits
// on every process, and those of one process, whose list is the same. With one process (no
// layout) the gather and the scatter are local row ops on the list.
#include <cstdint>
#include <vector>

#include "engine/src/model.h"

namespace mmgraph::detail {

class OwnerGather {
 public:
  OwnerGather() = default;
  OwnerGather(const ModelContext& ctx, NodeKind kind) : ctx_(ctx), kind_(kind) {}

  // The list: global ids of the kind (host memory), the same on every process; an id -1 (a
  // padded batch row) gathers zeros and scatters nowhere. A repeated id gathers its row at each
  // place and scatters its rows in list order.
  void plan(const std::vector<int32_t>& ids);
  int64_t size() const { return n_; }

  // out [size() x width] := the rows of the list's ids, from owned ([owned x width], this process's rows).
  void gather(const float* owned, int64_t width, float* out) const;
  // owned += the rows of rows ([size() x width], list order) whose ids this process owns.
  void scatter_add(const float* rows, int64_t width, float* owned) const;

 private:
  ModelContext ctx_;
  NodeKind kind_ = NodeKind::kItem;
  int64_t n_ = 0;
  std::vector<int64_t> rank_rows_;   // ids of the list each process owns
  Buffer<int32_t> mine_local_;       // this process's ids of the list: their local ids (list order)
  Buffer<int32_t> mine_position_;    //   and their positions in the list
  Buffer<int32_t> list_from_ranks_;  // for each list position, its row among the rows as gathered (rank by rank)
  mutable Buffer<float> send_, received_;
};

}  // namespace mmgraph::detail
