// CPU reference of the masked per-row top-K: one pass over the row with a
// bounded heap of the K best (score desc, item id asc). The row is scanned in
// runs between its masked items (the masks merged in step), and inside a run a
// score enters only if its order key beats the worst kept one's: columns come in
// ascending id, so an equal key never ranks before a kept entry.
#include <algorithm>
#include <vector>

#include "kernels/topk.h"

namespace mmgraph::kernels {

namespace {

struct Candidate {
  float score;
  int32_t idx;
};

// a ranks before b: larger order key (topk.h), then lower item id.
inline bool ranks_before(const Candidate& a, const Candidate& b) {
  const uint32_t ka = topk_order_key(a.score), kb = topk_order_key(b.score);
  return ka > kb || (ka == kb && a.idx < b.idx);
}

}  // namespace

void topk_masked_rows_cpu(int64_t n_rows, int64_t n_cols, const float* scores, int64_t ld,
                          int64_t first_user, const RowMasks& masks, int k, int32_t* out_idx,
                          float* out_score) {
#pragma omp parallel
  {
    std::vector<Candidate> heap;
    heap.reserve(static_cast<size_t>(k));
#pragma omp for schedule(dynamic, 16)
    for (int64_t r = 0; r < n_rows; ++r) {
      const int64_t user = first_user + r;
      const int32_t* mask_next[2] = {nullptr, nullptr};
      const int32_t* mask_end[2] = {nullptr, nullptr};
      for (int m = 0; m < masks.count; ++m) {
        mask_next[m] = masks.mask[m].col + masks.mask[m].row_ptr[user];
        mask_end[m] = masks.mask[m].col + masks.mask[m].row_ptr[user + 1];
      }
      heap.clear();
      uint32_t bar = 0;  // the worst kept entry's order key, once the heap holds k
      const float* row = scores + r * ld;
      for (int64_t c = 0; c < n_cols; ++c) {  // c: the first column of a run, or a masked one
        int64_t stop = n_cols;                // the next masked column at or after c
        for (int m = 0; m < masks.count; ++m) {
          while (mask_next[m] != mask_end[m] && *mask_next[m] < c) ++mask_next[m];
          if (mask_next[m] != mask_end[m]) stop = std::min<int64_t>(stop, *mask_next[m]);
        }
        for (; c < stop; ++c) {
          if (static_cast<int>(heap.size()) == k && topk_order_key(row[c]) <= bar) continue;
          const Candidate cand{row[c], static_cast<int32_t>(c)};
          if (static_cast<int>(heap.size()) < k) {
            heap.push_back(cand);
            std::push_heap(heap.begin(), heap.end(), ranks_before);
          } else {
            std::pop_heap(heap.begin(), heap.end(), ranks_before);
            heap.back() = cand;
            std::push_heap(heap.begin(), heap.end(), ranks_before);
          }
          bar = topk_order_key(heap.front().score);
        }
      }
      std::sort_heap(heap.begin(), heap.end(), ranks_before);
      for (int s = 0; s < k; ++s) {
        const bool filled = s < static_cast<int>(heap.size());
        out_idx[r * k + s] = filled ? heap[s].idx : -1;
        if (out_score) out_score[r * k + s] = filled ? heap[s].score : 0.0f;
      }
    }
  }
}

}  // namespace mmgraph::kernels
