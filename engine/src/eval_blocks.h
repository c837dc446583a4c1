#pragma once
// Helpers shared by the evaluators: the views of a split (held-out items, cold
// held-out items, masks), which users an evaluation visits, and the metric table.
#include <cstdint>
#include <vector>

#include "kernels/spmm.h"
#include "mmgraph/dataset.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

// Pattern view of an interaction split (rows = users, columns = items).
kernels::CsrView view_of(const InteractionCsr& csr, int32_t n_items);

// The held-out items of `split` that never occur in the training split: the
// cold-start truth (an empty CSR when there are none).
InteractionCsr cold_items_of(const Dataset& data, const InteractionCsr& held_out);

// Rows with at least one non-zero, ascending.
std::vector<int32_t> rows_with_items(const kernels::CsrView& csr);

// Rows users[0..n) of csr, as a CSR whose row r is row users[r] (with its values when csr has them).
kernels::CsrHost gather_rows(const kernels::CsrView& csr, const int32_t* users, int64_t n);

// Largest K in topk, capped at kMaxTopK; throws InputError above it.
int max_k(const std::vector<int>& topk);

// Divides the metric sums ([5 x n_cutoffs], kMetricNames order) by the user count.
MetricTable metric_table(const std::vector<int>& topk, const std::vector<double>& sums, int64_t counted);

}  // namespace mmgraph::detail
