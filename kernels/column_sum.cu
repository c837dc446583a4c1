// Deterministic column sums on the GPU (see column_sum.h), used for bias and
// attention-query gradients.
#include <algorithm>

#include "kernels/column_sum.h"
#include "kernels/cuda_check.h"

namespace mmgraph::kernels {

namespace {

constexpr int kColumnTile = 32;          // columns per block (one per lane: coalesced rows)
constexpr int kColumnRows = 8;           // row lanes per block
constexpr int64_t kRowsPerChunk = 1024;  // rows of a chunk, until there are kMaxChunks of them
constexpr int64_t kMaxChunks = 512;      // chunks x column tiles fill the GPU from n ~ 64K rows on

int64_t chunk_count(int64_t n) { return std::clamp<int64_t>(cuda::div_round_up(n, kRowsPerChunk), 1, kMaxChunks); }

// Pass 1. Block (tile, chunk) = 32 x 8 threads: thread (x, y) sums rows y, y + 8, ...
// of the chunk in column tile*32 + x (a warp reads 32 adjacent floats of a row), then
// lane row 0 adds the 8 partials in a fixed order into partial[chunk][c].
__global__ void __launch_bounds__(kColumnTile * kColumnRows)
    column_sum_chunks(int64_t n, int64_t cols, int64_t chunk_rows, const float* x, const float* w, float* partial) {
  __shared__ float part[kColumnRows][kColumnTile];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kColumnTile + threadIdx.x;
  const int64_t r0 = blockIdx.y * chunk_rows, r1 = r0 + chunk_rows < n ? r0 + chunk_rows : n;
  float s = 0;
  if (c < cols)
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kColumnRows) s += (w ? w[r] : 1.0f) * x[r * cols + c];
  part[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    float total = 0;
    for (int y = 0; y < kColumnRows; ++y) total += part[y][threadIdx.x];
    partial[blockIdx.y * cols + c] = total;
  }
}

// Pass 2. One thread per column adds its chunks' sums in chunk order.
__global__ void column_sum_finish(int64_t cols, int64_t chunks, const float* partial, float* out) {
  const int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (c >= cols) return;
  float total = 0;
  for (int64_t k = 0; k < chunks; ++k) total += partial[k * cols + c];
  out[c] += total;
}

}  // namespace

int64_t column_sum_scratch_floats(int64_t n, int64_t cols) { return n == 0 ? 0 : chunk_count(n) * cols; }

void column_weighted_sum_cuda(int64_t n, int64_t cols, const float* x, const float* w, float* out, float* scratch,
                              cudaStream_t stream) {
  if (n == 0 || cols == 0) return;
  const int64_t chunks = chunk_count(n);
  const int64_t chunk_rows = cuda::div_round_up(n, chunks);
  const dim3 block(kColumnTile, kColumnRows);
  const dim3 grid(static_cast<unsigned>(cuda::div_round_up<int64_t>(cols, kColumnTile)), static_cast<unsigned>(chunks));
  column_sum_chunks<<<grid, block, 0, stream>>>(n, cols, chunk_rows, x, w, scratch);
  cuda::check_launch(stream, "column_sum_chunks", __FILE__, __LINE__);
  cuda::launch("column_sum_finish", &column_sum_finish, cols, 256, stream, cols, chunks, scratch, out);
}

}  // namespace mmgraph::kernels
