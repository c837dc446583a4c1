#pragma once
// What the models over one [users; items] id embedding table share: the
// device, the config, the node index, the width d (embedding_size), the table
// E = [E_u; E_i] itself (parameter "embedding", row-sharded, each part Xavier-uniform
// as LightGCN initialises it) and the propagation block over the model's graphs.
#include <cstdint>

#include "engine/models/blocks/node_table.h"
#include "engine/models/blocks/propagation.h"
#include "engine/src/model.h"

namespace mmgraph::detail {

class EmbeddingModel : public Model {
 protected:
  EmbeddingModel(const ModelContext& ctx, PropagationOptions options);

  // E and its gradient, [users; items] x d.
  NodeRows emb() const { return value_rows(*emb_, nodes_, NodeSet::kUsersAndItems); }
  NodeRows grad_emb() const { return grad_rows(*emb_, nodes_, NodeSet::kUsersAndItems); }
  // A table of `set` with d columns (uninitialised).
  NodeTable table(NodeSet set, const char* what) const { return NodeTable(dev_, nodes_, set, d_, what); }

  Device& dev_;
  const TrainConfig& c_;
  const NodeIndex& nodes_;
  int64_t d_;
  int64_t n_users_, n_items_;  // the users' and items' rows held here
  Param* emb_ = nullptr;
  Propagation prop_;
};

}  // namespace mmgraph::detail
