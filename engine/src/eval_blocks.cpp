// The user-block loop of evaluation and recommendation, and its helpers (see eval_blocks.h).
#include "engine/src/eval_blocks.h"

#include <algorithm>
#include <utility>

#include "kernels/topk.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

std::vector<char> sampled_users(int64_t n, int64_t count) {
  if (count <= 0 || count >= n) return std::vector<char>(static_cast<size_t>(n), 1);
  auto hash = [](uint64_t x) {  // splitmix64's finaliser
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  std::vector<std::pair<uint64_t, int64_t>> keyed(static_cast<size_t>(n));
  for (int64_t u = 0; u < n; ++u) keyed[static_cast<size_t>(u)] = {hash(static_cast<uint64_t>(u)), u};
  std::nth_element(keyed.begin(), keyed.begin() + count, keyed.end());
  std::vector<char> is_sampled(static_cast<size_t>(n), 0);
  for (int64_t j = 0; j < count; ++j) is_sampled[static_cast<size_t>(keyed[static_cast<size_t>(j)].second)] = 1;
  return is_sampled;
}

kernels::CsrView view_of(const InteractionCsr& csr, int32_t n_items) {
  const int64_t rows = csr.row_ptr.empty() ? 0 : static_cast<int64_t>(csr.row_ptr.size()) - 1;
  return kernels::CsrView{rows, n_items, csr.nnz(), csr.row_ptr.data(),
                          csr.col.data(), nullptr};
}

std::vector<char> items_in_training(const Dataset& data) {
  std::vector<char> seen(static_cast<size_t>(data.n_items), 0);
  for (int32_t i : data.train.col) seen[static_cast<size_t>(i)] = 1;
  return seen;
}

namespace {

// The held-out items that occur in the training split (warm) or not (cold).
InteractionCsr held_out_items_of(const Dataset& data, const InteractionCsr& held_out, bool in_training) {
  const std::vector<char> seen = items_in_training(data);
  InteractionCsr out;
  out.row_ptr.assign(held_out.row_ptr.size(), 0);
  for (size_t u = 0; u + 1 < held_out.row_ptr.size(); ++u) {
    for (int64_t k = held_out.row_ptr[u]; k < held_out.row_ptr[u + 1]; ++k) {
      const int32_t item = held_out.col[static_cast<size_t>(k)];
      if (static_cast<bool>(seen[static_cast<size_t>(item)]) == in_training) out.col.push_back(item);
    }
    out.row_ptr.owned()[u + 1] = out.nnz();
  }
  if (out.nnz() == 0) out.row_ptr.clear();
  return out;
}

// v with first subtracted from every entry.
std::vector<int32_t> less(std::vector<int32_t> v, int32_t first) {
  for (int32_t& x : v) x -= first;
  return v;
}

}  // namespace

InteractionCsr cold_items_of(const Dataset& data, const InteractionCsr& held_out) {
  return held_out_items_of(data, held_out, false);
}

InteractionCsr warm_items_of(const Dataset& data, const InteractionCsr& held_out) {
  return held_out_items_of(data, held_out, true);
}

std::vector<int32_t> rows_with_items(const kernels::CsrView& csr) {
  std::vector<int32_t> rows;
  for (int64_t r = 0; r < csr.n_rows; ++r)
    if (csr.row_ptr[r + 1] > csr.row_ptr[r]) rows.push_back(static_cast<int32_t>(r));
  return rows;
}

kernels::CsrHost gather_rows(const kernels::CsrView& csr, const int32_t* users, int64_t n) {
  kernels::CsrHost out;
  out.n_rows = n;
  out.n_cols = csr.n_cols;
  out.row_ptr.resize(static_cast<size_t>(n) + 1);
  out.row_ptr[0] = 0;
  for (int64_t r = 0; r < n; ++r)
    out.row_ptr[r + 1] = out.row_ptr[r] + csr.row_ptr[users[r] + 1] - csr.row_ptr[users[r]];
  out.col.resize(static_cast<size_t>(out.row_ptr[n]));
  if (csr.val) out.val.resize(out.col.size());
  for (int64_t r = 0; r < n; ++r) {
    const int64_t k0 = csr.row_ptr[users[r]], k1 = csr.row_ptr[users[r] + 1];
    std::copy(csr.col + k0, csr.col + k1, out.col.begin() + out.row_ptr[r]);
    if (csr.val) std::copy(csr.val + k0, csr.val + k1, out.val.begin() + out.row_ptr[r]);
  }
  return out;
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

UserRows::UserRows(Device& dev, std::vector<int32_t> users, int32_t first_row)
    : dev_(&dev), users_(std::move(users)), ids_(Buffer<int32_t>::from_host(dev, less(users_, first_row), "ranked users")) {}

int UserRows::add(const kernels::CsrView& csr, const char* what) {
  kernels::CsrHost rows;
  if (csr.n_rows > 0) {
    rows = gather_rows(csr, users_.data(), size());
  } else {
    rows.n_rows = size();
    rows.n_cols = csr.n_cols;
    rows.row_ptr.assign(users_.size() + 1, 0);
  }
  csr_.push_back(upload_pattern(*dev_, rows.n_rows, rows.n_cols, rows.row_ptr.data(), rows.row_ptr.size(),
                                rows.col.data(), rows.col.size(), what));
  row_ptr_.push_back(std::move(rows.row_ptr));
  return static_cast<int>(csr_.size()) - 1;
}

kernels::CsrView UserRows::rows(int index, int64_t first, int64_t n) const {
  const kernels::CsrView& all = csr_[static_cast<size_t>(index)].view;
  const std::vector<int64_t>& row_ptr = row_ptr_[static_cast<size_t>(index)];
  // Row pointers stay offsets into the whole col array: the range starts at row_ptr + first.
  return kernels::CsrView{n, all.n_cols, row_ptr[static_cast<size_t>(first + n)] - row_ptr[static_cast<size_t>(first)],
                          all.row_ptr + first, all.col, nullptr};
}

void for_each_ranked_block(Device& dev, const UserRows& users, const std::vector<int>& masks, const float* user_rep,
                           const float* item_rep, int64_t d, int64_t n_items, int k, int64_t user_block,
                           bool with_scores, const RankedBlockVisitor& visit) {
  const int64_t block = std::max<int64_t>(1, std::min<int64_t>(user_block, users.size()));
  Buffer<float> block_rep(dev, static_cast<size_t>(block * d), "user block");
  Buffer<int32_t> top(dev, static_cast<size_t>(block * k), "top-K items");
  Buffer<float> top_scores(dev, with_scores ? static_cast<size_t>(block * k) : 0, "top-K scores");
  for (int64_t first = 0; first < users.size(); first += block) {
    const int64_t nb = std::min<int64_t>(block, users.size() - first);
    dev.gather_rows(nb, d, users.ids() + first, user_rep, block_rep.data());
    kernels::RowMasks row_masks;
    for (int m : masks) row_masks.mask[row_masks.count++] = users.rows(m, first, nb);
    dev.topk_of_rows(nb, block_rep.data(), item_rep, d, n_items, row_masks, k, top.data(),
                     with_scores ? top_scores.data() : nullptr);
    visit(first, nb, top.data(), with_scores ? top_scores.data() : nullptr);
  }
  dev.release_scratch();
}

}  // namespace mmgraph::detail
