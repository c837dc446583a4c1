#pragma once
// Full-ranking evaluation on the CPU over split views (host memory).
#include <cstdint>
#include <vector>

#include "engine/src/device.h"

namespace mmgraph::detail {

EvalResult evaluate_views_cpu(const EvalSplit& split, int64_t n_items, const float* user_rep,
                              const float* item_rep, int64_t d, const std::vector<int>& topk, int64_t user_block);

}  // namespace mmgraph::detail
