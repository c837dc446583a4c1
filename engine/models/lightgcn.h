#pragma once
// LightGCN (He et al., SIGIR 2020) with a given number of propagation layers;
// 0 layers is BPR-MF. Shared by models/lightgcn.cpp and models/bprmf.cpp.
#include <memory>

#include "engine/src/model.h"

namespace mmgraph::detail {

std::unique_ptr<Model> make_lightgcn_with_layers(const ModelContext& ctx, int layers);

}  // namespace mmgraph::detail
