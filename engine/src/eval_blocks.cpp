// Helpers shared by the CPU and CUDA evaluators.
#include "engine/src/eval_blocks.h"

#include <algorithm>

#include "kernels/topk.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

std::vector<int32_t> users_with_items(const InteractionCsr& csr) {
  std::vector<int32_t> users;
  for (size_t u = 0; u + 1 < csr.row_ptr.size(); ++u)
    if (csr.row_ptr[u + 1] > csr.row_ptr[u]) users.push_back(static_cast<int32_t>(u));
  return users;
}

kernels::CsrHost gather_rows(const InteractionCsr& csr, const int32_t* users, int64_t n) {
  kernels::CsrHost out;
  out.n_rows = n;
  out.row_ptr.resize(static_cast<size_t>(n) + 1);
  out.row_ptr[0] = 0;
  for (int64_t r = 0; r < n; ++r)
    out.row_ptr[r + 1] = out.row_ptr[r] + csr.row_ptr[users[r] + 1] - csr.row_ptr[users[r]];
  out.col.resize(static_cast<size_t>(out.row_ptr[n]));
  for (int64_t r = 0; r < n; ++r)
    std::copy(csr.col.begin() + csr.row_ptr[users[r]], csr.col.begin() + csr.row_ptr[users[r] + 1],
              out.col.begin() + out.row_ptr[r]);
  return out;
}

const InteractionCsr& truth_of(const Dataset& data, Split split) {
  return split == Split::kValid ? data.valid : data.test;
}

std::vector<const InteractionCsr*> masks_of(const Dataset& data, Split split) {
  if (split == Split::kValid) return {&data.train};
  return {&data.train, &data.valid};
}

int max_k(const std::vector<int>& topk) {
  const int k = *std::max_element(topk.begin(), topk.end());
  if (k > kernels::kMaxTopK)
    throw InputError("config", "topk", "K = " + std::to_string(k) + " exceeds the maximum of " +
                                           std::to_string(kernels::kMaxTopK));
  return k;
}

MetricTable metric_table(const std::vector<int>& topk, const std::vector<double>& sums, int64_t counted) {
  MetricTable table;
  const size_t nc = topk.size();
  for (int m = 0; m < kNumMetrics; ++m)
    for (size_t c = 0; c < nc; ++c)
      table.set(std::string(kMetricNames[m]) + "@" + std::to_string(topk[c]),
                counted > 0 ? sums[m * nc + c] / static_cast<double>(counted) : 0.0);
  return table;
}

}  // namespace mmgraph::detail
