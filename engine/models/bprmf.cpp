// BPR-MF (Rendle et al., UAI 2009): LightGCN with no propagation layer, so the
// id embeddings are the representations.
#include "engine/models/lightgcn.h"

namespace mmgraph::detail {

std::unique_ptr<Model> make_bprmf_model(const ModelContext& ctx) { return make_lightgcn_with_layers(ctx, 0); }

}  // namespace mmgraph::detail
