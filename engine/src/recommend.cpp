// Top-K recommendations: users with training interactions are scored in blocks on
// a device (SGEMM + masked top-K, the evaluator's pieces: OpenBLAS and a heap per
// row on the CPU, cuBLAS and the fused top-K kernel on a GPU); cold users get the
// training popularity ranking with the same exclusions.
#include "mmgraph/recommend.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include "engine/src/device.h"
#include "engine/src/eval_blocks.h"
#include "mmgraph/errors.h"

namespace mmgraph {

namespace {

bool has_items(const InteractionCsr& csr, int32_t user) {
  return !csr.row_ptr.empty() && csr.row_ptr[user + 1] > csr.row_ptr[user];
}

bool contains(const InteractionCsr& csr, int32_t user, int32_t item) {
  if (csr.row_ptr.empty()) return false;
  const auto first = csr.col.begin() + csr.row_ptr[user], last = csr.col.begin() + csr.row_ptr[user + 1];
  return std::binary_search(first, last, item);
}

}  // namespace

TopK recommend_topk(const Dataset& data, const float* user_rep, const float* item_rep, int dim,
                    const std::vector<int32_t>& users, const RecommendOptions& options) {
  const int k = options.k;
  if (k < 1) throw InputError("recommend", "k", "must be >= 1, got " + std::to_string(k));
  if (dim < 1) throw InputError("recommend", "dim", "must be >= 1, got " + std::to_string(dim));
  if (options.user_block < 1)
    throw InputError("recommend", "user_block", "must be >= 1, got " + std::to_string(options.user_block));
  for (size_t p = 0; p < users.size(); ++p)
    if (users[p] < 0 || users[p] >= data.n_users)
      throw InputError("recommend", "user " + std::to_string(p),
                       "user id " + std::to_string(users[p]) + " outside [0, " + std::to_string(data.n_users) + ")");

  const size_t n = users.size(), kk = static_cast<size_t>(k);
  TopK out;
  out.k = k;
  out.users = users;
  out.items.assign(n * kk, -1);
  out.scores.assign(n * kk, std::numeric_limits<float>::quiet_NaN());
  out.cold.assign(n, 0);

  std::vector<int32_t> warm;            // users with training items, scored by the model
  std::vector<size_t> warm_pos, cold_pos;  // their positions in `users`
  for (size_t p = 0; p < n; ++p) {
    if (has_items(data.train, users[p])) {
      warm.push_back(users[p]);
      warm_pos.push_back(p);
    } else {
      out.cold[p] = 1;
      cold_pos.push_back(p);
    }
  }

  kernels::CsrView masks[2];
  int n_masks = 0;
  if (options.exclude_train) masks[n_masks++] = detail::view_of(data.train, data.n_items);
  if (options.exclude_valid && !data.valid.row_ptr.empty())
    masks[n_masks++] = detail::view_of(data.valid, data.n_items);

  if (!warm.empty()) {
    // Warm users in blocks on the device: their rows and masks go up, the top-K comes back.
    // auto takes the GPU's fused top-K, which stops at kMaxTopK; a larger k ranks on the CPU.
    const bool beyond_gpu = options.device == "auto" && k > kernels::kMaxTopK;
    const std::unique_ptr<detail::Device> dev = detail::select_device(beyond_gpu ? "cpu" : options.device, true);
    const bool host = !dev->is_cuda();  // the CPU device's memory is host memory: no copies
    const size_t item_floats = static_cast<size_t>(data.n_items) * static_cast<size_t>(dim);
    detail::Buffer<float> dev_items(*dev, host ? 0 : item_floats, "item representations");
    if (!host && item_floats) dev->upload(dev_items.data(), item_rep, item_floats * sizeof(float));
    const auto block = static_cast<size_t>(std::min<int64_t>(options.user_block, static_cast<int64_t>(warm.size())));
    std::vector<float> block_rep(block * static_cast<size_t>(dim)), top_scores(block * kk);
    std::vector<int32_t> top(block * kk);
    detail::Buffer<float> dev_rep(*dev, host ? 0 : block_rep.size(), "user representations");
    detail::Buffer<float> dev_scores(*dev, host ? 0 : top_scores.size(), "top-K scores");
    detail::Buffer<int32_t> dev_top(*dev, host ? 0 : top.size(), "top-K items");
    for (size_t first = 0; first < warm.size(); first += block) {
      const size_t nb = std::min(block, warm.size() - first);
      for (size_t r = 0; r < nb; ++r)
        std::copy_n(user_rep + static_cast<int64_t>(warm[first + r]) * dim, dim,
                    block_rep.data() + r * static_cast<size_t>(dim));
      std::vector<detail::DeviceCsr> mask_rows;  // row r = the block's r-th user
      kernels::RowMasks row_masks;
      for (int m = 0; m < n_masks; ++m) {
        const kernels::CsrHost rows = detail::gather_rows(masks[m], warm.data() + first, static_cast<int64_t>(nb));
        mask_rows.push_back(
            detail::upload_pattern(*dev, rows.n_rows, rows.n_cols, rows.row_ptr, rows.col, "recommendation masks"));
        row_masks.mask[row_masks.count++] = mask_rows.back().view;
      }
      if (host) {
        dev->topk_of_rows(static_cast<int64_t>(nb), block_rep.data(), item_rep, dim, data.n_items, row_masks, k,
                          top.data(), top_scores.data());
      } else {
        dev->upload(dev_rep.data(), block_rep.data(), nb * static_cast<size_t>(dim) * sizeof(float));
        dev->topk_of_rows(static_cast<int64_t>(nb), dev_rep.data(), dev_items.data(), dim, data.n_items, row_masks, k,
                          dev_top.data(), dev_scores.data());
        dev->download(top.data(), dev_top.data(), nb * kk * sizeof(int32_t));
        dev->download(top_scores.data(), dev_scores.data(), nb * kk * sizeof(float));
      }
      for (size_t r = 0; r < nb; ++r) {
        const size_t row = warm_pos[first + r] * kk;
        for (size_t s = 0; s < kk; ++s) {
          const int32_t item = top[r * kk + s];
          if (item < 0) break;
          out.items[row + s] = item;
          out.scores[row + s] = top_scores[r * kk + s];
        }
      }
    }
  }

  if (!cold_pos.empty()) {
    std::vector<int64_t> count(static_cast<size_t>(data.n_items), 0);
    for (int32_t i : data.train.col) ++count[static_cast<size_t>(i)];
    std::vector<int32_t> popular;
    for (int32_t i = 0; i < data.n_items; ++i)
      if (count[static_cast<size_t>(i)] > 0) popular.push_back(i);
    std::stable_sort(popular.begin(), popular.end(), [&](int32_t a, int32_t b) {
      return count[static_cast<size_t>(a)] > count[static_cast<size_t>(b)];
    });
    for (size_t p : cold_pos) {
      const int32_t user = users[p];
      size_t s = 0;
      for (auto it = popular.begin(); it != popular.end() && s < kk; ++it) {
        if (options.exclude_valid && contains(data.valid, user, *it)) continue;
        out.items[p * kk + s] = *it;
        out.scores[p * kk + s] = static_cast<float>(count[static_cast<size_t>(*it)]);
        ++s;
      }
    }
  }
  return out;
}

}  // namespace mmgraph
