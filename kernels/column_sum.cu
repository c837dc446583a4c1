// Deterministic column sums on the GPU (see column_sum.h), used for bias and
// attention-query gradients.
#include "kernels/column_sum.h"
#include "kernels/cuda_check.h"

namespace mmgraph::kernels {

namespace {

constexpr int kColumnTile = 32;  // columns per block (one per lane: coalesced rows)
constexpr int kColumnRows = 8;   // row lanes per block

// Block = 32 x 8 threads over one tile of 32 columns: thread (x, y) sums rows
// y, y + 8, ... of column tile*32 + x, then the 8 partials are added in a fixed order.
__global__ void __launch_bounds__(kColumnTile * kColumnRows)
    column_weighted_sum(int64_t n, int64_t cols, const float* x, const float* w, float* out) {
  __shared__ float part[kColumnRows][kColumnTile];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kColumnTile + threadIdx.x;
  float s = 0;
  if (c < cols)
    for (int64_t r = threadIdx.y; r < n; r += kColumnRows) s += (w ? w[r] : 1.0f) * x[r * cols + c];
  part[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    float total = 0;
    for (int y = 0; y < kColumnRows; ++y) total += part[y][threadIdx.x];
    out[c] += total;
  }
}

}  // namespace

void column_weighted_sum_cuda(int64_t n, int64_t cols, const float* x, const float* w, float* out,
                                     cudaStream_t stream) {
  if (n == 0 || cols == 0) return;
  const dim3 block(kColumnTile, kColumnRows);
  const auto grid = static_cast<unsigned>(cuda::div_round_up<int64_t>(cols, kColumnTile));
  column_weighted_sum<<<grid, block, 0, stream>>>(n, cols, x, w, out);
  cuda::check_launch(stream, "column_weighted_sum", __FILE__, __LINE__);
}

}  // namespace mmgraph::kernels
