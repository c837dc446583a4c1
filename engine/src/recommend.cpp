// Top-K recommendations on the CPU: users with training interactions are scored
// in blocks (SGEMM + masked top-K, the evaluator's pieces); cold users get the
// training popularity ranking with the same exclusions.
#include "mmgraph/recommend.h"

#include <algorithm>
#include <limits>
#include <string>

#include "engine/src/eval_blocks.h"
#include "engine/src/evaluate_cpu.h"
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
  if (options.exclude_valid && !data.valid.row_ptr.empty()) masks[n_masks++] = detail::view_of(data.valid, data.n_items);

  const int64_t block = std::min<int64_t>(options.user_block, static_cast<int64_t>(std::max<size_t>(warm.size(), 1)));
  std::vector<float> block_rep, scores, top_scores(static_cast<size_t>(block) * kk);
  std::vector<int32_t> top(static_cast<size_t>(block) * kk);
  for (size_t first = 0; first < warm.size(); first += static_cast<size_t>(block)) {
    const int64_t nb = std::min<int64_t>(block, static_cast<int64_t>(warm.size() - first));
    detail::topk_of_users_cpu(warm.data() + first, nb, user_rep, item_rep, dim, data.n_items, masks, n_masks, k,
                              block_rep, scores, top.data(), top_scores.data());
    for (int64_t r = 0; r < nb; ++r) {
      const size_t row = warm_pos[first + static_cast<size_t>(r)] * kk;
      for (size_t s = 0; s < kk; ++s) {
        const int32_t item = top[static_cast<size_t>(r) * kk + s];
        if (item < 0) break;
        out.items[row + s] = item;
        out.scores[row + s] = top_scores[static_cast<size_t>(r) * kk + s];
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
