#pragma once
// The distinct rows a training batch touches, for models whose per-row stages
// (fusers, gates, contrastive views) need only those rows of the stacked
// [users; items] table, and the multiplicities that keep the batch's sums exact:
//   rows   = distinct users, ascending
//          | distinct positive items, ascending                      (+ n_users)
//          | distinct items of neg and extra that are not positives, ascending (+ n_users)
//   counts = how often each distinct user occurs in users, then each distinct positive in pos.
// extra: more item ids a loss reads (WARP's candidates); may be empty.
// Two layouts of the three parts:
//   packed: the parts back to back, each as long as its distinct ids (the sizes are known where
//           the rows were computed);
//   padded: each part at its room, the most distinct ids it can hold (min(b, user_ids) users,
//           min(b, item_ids) positives, min(b + n_extra, item_ids) others; the counts of the
//           first two), filled past its distinct ids with row -1 and count 0, so that its extents
//           are known without reading the distinct counts back from the device.
#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

struct BatchRowSizes {
  int64_t users = 0, pos_items = 0, other_items = 0;
  int64_t total() const { return users + pos_items + other_items; }
};

struct BatchRowsInput {
  int64_t b = 0;  // triples
  const int32_t* users = nullptr;
  const int32_t* pos = nullptr;
  const int32_t* neg = nullptr;
  int64_t n_extra = 0;
  const int32_t* extra = nullptr;
  int32_t n_users = 0;  // the row of item 0
  int64_t user_ids = 0, item_ids = 0;  // user ids are below user_ids, item ids below item_ids (padded layout)
};

// The extents of the padded layout's parts (their rooms).
BatchRowSizes padded_batch_row_sizes(const BatchRowsInput& in);

// rows and counts: room for padded_batch_row_sizes(in).total() ids and for its users + pos_items
// counts (both layouts fit there). Packed layout; returns the sizes.
BatchRowSizes batch_rows_cpu(const BatchRowsInput& in, int32_t* rows, int32_t* counts);
// The same rows in the padded layout; throws when an id is not below user_ids or item_ids.
void batch_rows_padded_cpu(const BatchRowsInput& in, int32_t* rows, int32_t* counts);

// CUDA twin of batch_rows_padded_cpu (device pointers): CUB radix sorts, run-length encodings and
// a flagged select; the distinct counts stay in device memory (nothing is read back). Same output.
size_t batch_rows_cuda_scratch_bytes(int64_t b, int64_t n_extra);
void batch_rows_padded_cuda(const BatchRowsInput& in, int32_t* rows, int32_t* counts, void* scratch,
                            cudaStream_t stream);

}  // namespace mmgraph::kernels
