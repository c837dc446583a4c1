#pragma once
// Helpers shared by the evaluators: which users a split evaluates, and the
// block-local CSR rows (masks, truth) of a gathered block of users.
#include <cstdint>
#include <vector>

#include "kernels/spmm.h"
#include "mmgraph/dataset.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

// Users with at least one item in the split's held-out CSR, ascending.
std::vector<int32_t> users_with_items(const InteractionCsr& csr);

// Rows users[0..n) of csr, as a pattern CSR whose row r is user users[r].
kernels::CsrHost gather_rows(const InteractionCsr& csr, const int32_t* users, int64_t n);

// The held-out split and the masks of a split: kValid masks train; kTest masks
// train and valid.
const InteractionCsr& truth_of(const Dataset& data, Split split);
std::vector<const InteractionCsr*> masks_of(const Dataset& data, Split split);

// Largest K in topk, capped at kMaxTopK; throws InputError above it.
int max_k(const std::vector<int>& topk);

// Divides the metric sums ([5 x n_cutoffs], kMetricNames order) by the user count.
MetricTable metric_table(const std::vector<int>& topk, const std::vector<double>& sums, int64_t counted);

}  // namespace mmgraph::detail
