// Top-K recommendations: users with training interactions are ranked in blocks on
// a device by the evaluator's loop (eval_blocks.h: SGEMM + masked top-K, OpenBLAS
// and a heap per row on the CPU, cuBLAS and the fused top-K kernel on a GPU); cold
// users get the training popularity ranking with the same exclusions.
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

  if (!warm.empty()) {
    // Warm users in blocks on the device, by the evaluator's loop (eval_blocks.h).
    // auto takes the GPU's fused top-K, which stops at kMaxTopK; a larger k ranks on the CPU.
    const bool beyond_gpu = options.device == "auto" && k > kernels::kMaxTopK;
    const std::unique_ptr<detail::Device> dev = detail::select_device(beyond_gpu ? "cpu" : options.device, true);
    const bool host = !dev->is_cuda();  // the CPU device's memory is host memory: no copies
    const size_t user_floats = static_cast<size_t>(data.n_users) * static_cast<size_t>(dim);
    const size_t item_floats = static_cast<size_t>(data.n_items) * static_cast<size_t>(dim);
    detail::Buffer<float> dev_users(*dev, host ? 0 : user_floats, "user representations");
    detail::Buffer<float> dev_items(*dev, host ? 0 : item_floats, "item representations");
    if (!host && user_floats) dev->upload(dev_users.data(), user_rep, user_floats * sizeof(float));
    if (!host && item_floats) dev->upload(dev_items.data(), item_rep, item_floats * sizeof(float));
    detail::UserRows rows(*dev, warm);
    std::vector<int> masks;
    if (options.exclude_train)
      masks.push_back(rows.add(detail::view_of(data.train, data.n_items), "recommendation masks"));
    if (options.exclude_valid && !data.valid.row_ptr.empty())
      masks.push_back(rows.add(detail::view_of(data.valid, data.n_items), "recommendation masks"));
    std::vector<int32_t> top;
    std::vector<float> top_scores;
    detail::for_each_ranked_block(
        *dev, rows, masks, host ? user_rep : dev_users.data(), host ? item_rep : dev_items.data(), dim, data.n_items, k,
        options.user_block, true, [&](int64_t first, int64_t nb, const int32_t* block_top, const float* block_scores) {
          const size_t n_block = static_cast<size_t>(nb) * kk;
          top.resize(n_block);
          top_scores.resize(n_block);
          dev->download(top.data(), block_top, n_block * sizeof(int32_t));
          dev->download(top_scores.data(), block_scores, n_block * sizeof(float));
          for (size_t r = 0; r < static_cast<size_t>(nb); ++r) {
            const size_t row = warm_pos[static_cast<size_t>(first) + r] * kk;
            for (size_t s = 0; s < kk; ++s) {
              const int32_t item = top[r * kk + s];
              if (item < 0) break;
              out.items[row + s] = item;
              out.scores[row + s] = top_scores[r * kk + s];
            }
          }
        });
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
