#pragma once
// A training batch's rows gathered from the processes that own them, for a run split over
// processes: every process evaluates the whole batch's objective on a compact table of the
// batch's nodes (the same bits on every process, and those of one process: each row gets its
// gradient terms in batch order, as there), then keeps the gradient rows of the nodes it owns.
// The compact table holds the batch's distinct users, ascending, then its distinct items,
// ascending, each gathered from its owner (OwnerGather, which counts the bytes sent); the batch's
// ids become rows of it (users' and items' alike).
#include <cstdint>
#include <vector>

#include "engine/models/blocks/node_table.h"
#include "engine/models/blocks/owner_gather.h"
#include "engine/src/model.h"

namespace mmgraph::detail {

// The batch's users, then positives, then negatives (3 x size ids) read back to the host.
std::vector<int32_t> triples_on_host(Device& dev, const TripleBatch& batch);

// A batch read back to the host as compact lists: its distinct users and its distinct items
// (positives and negatives), each ascending, and its triples' ids as places in those lists
// (users, then positives, then negatives: 3 x size).
struct CompactTriples {
  std::vector<int32_t> users, items, ids;
};
CompactTriples compact_triples(Device& dev, const TripleBatch& batch);

class BatchGather {
 public:
  BatchGather() = default;
  explicit BatchGather(const ModelContext& ctx)
      : ctx_(ctx), users_(ctx, NodeKind::kUser), items_(ctx, NodeKind::kItem) {}

  // The batch's nodes and its triples as compact rows (reads the batch's ids back to the host).
  void build(const TripleBatch& batch);
  // The batch with its ids as rows of the compact table (device memory).
  TripleBatch compact_batch() const;
  int64_t rows() const { return users_.size() + items_.size(); }

  // compact [rows() x width] := the rows of t (owned rows of a [users; items] table) at the batch's nodes.
  void gather(const NodeRows& t, float* compact) const;
  // t's owned rows at the batch's nodes += their rows of compact.
  void scatter_add(const float* compact, const NodeRows& t) const;

 private:
  ModelContext ctx_;
  TripleBatch batch_;
  OwnerGather users_, items_;
  Buffer<int32_t> ids_;  // the batch's users, positives, negatives as compact rows [3 x size]
};

}  // namespace mmgraph::detail
