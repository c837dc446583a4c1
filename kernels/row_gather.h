#pragma once
// Row gather and scatter-add between a table and a batch of rows, the glue of
// the losses (take the batch's rows out, put their gradients back):
//   gather_rows:      dst [n x d],  dst[r, :] = src[idx[r], :]
//   scatter_add_rows: dst [rows x d] (rows > max idx), dst[idx[r], :] += src[r, :], src [n x d]
// Row-major, idx [n] with idx[r] < rows of the table. Indices may repeat;
// the scatter then adds every row of the batch that names the destination. A negative
// idx[r] names no row (a padded batch row, kernels/batch_rows.h): the gather writes
// zeros to dst row r, the scatter skips src row r.
#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

void gather_rows_cpu(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst);  // dst[r] = src[idx[r]]
// dst[idx[r]] += src[r], r ascending.
void scatter_add_rows_cpu(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst);

// CUDA twins (device pointers). dst of the gather must not overlap src.
void gather_rows_cuda(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst, cudaStream_t stream);
size_t scatter_add_rows_scratch_bytes(int64_t n, int64_t d);
// deterministic: sums each destination's rows in r order (sorted segments, one writer per row), then adds the sum
// to dst (bit-identical run to run); else atomics. scratch: scatter_add_rows_scratch_bytes(n, d) bytes (only the
// deterministic mode uses it).
void scatter_add_rows_cuda(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst,
                           bool deterministic, void* scratch, cudaStream_t stream);

}  // namespace mmgraph::kernels
