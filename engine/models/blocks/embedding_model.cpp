// The shared part of the id-embedding models (see embedding_model.h).
#include "engine/models/blocks/embedding_model.h"

namespace mmgraph::detail {

EmbeddingModel::EmbeddingModel(const ModelContext& ctx, PropagationOptions options)
    : dev_(ctx.device()), c_(*ctx.config), nodes_(*ctx.nodes), d_(c_.embedding_size),
      n_users_(nodes_.owned(NodeKind::kUser)), n_items_(nodes_.owned(NodeKind::kItem)), prop_(ctx, options) {
  const NodeSet set = NodeSet::kUsersAndItems;
  emb_ = &params_.add(dev_, "embedding", {nodes_.rows(set, false), d_},
                      held_rows(id_embedding_init(nodes_.part(NodeKind::kUser).global_count,
                                                  nodes_.part(NodeKind::kItem).global_count, d_, c_.seed),
                                nodes_, set, d_),
                      nodes_.placement(set, d_));
}

}  // namespace mmgraph::detail
