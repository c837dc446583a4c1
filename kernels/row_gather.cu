// CUDA row gather and scatter-add. The gather and the atomic scatter map one
// thread to one element (float4 when rows allow it); the deterministic scatter
// sorts (destination, r) pairs with CUB's stable radix sort and lets the first
// warp of each destination's run sum the run in r order, one writer per row.
#include <cub/device/device_radix_sort.cuh>

#include <climits>
#include <string>

#include "kernels/cuda_check.h"
#include "kernels/loss_device.cuh"
#include "kernels/row_gather.h"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 256;

// One thread per element of dst (V = float4 moves 4 columns): consecutive
// threads read consecutive columns of a source row, so loads and stores coalesce;
// zeros for a negative index.
template <typename V>
__global__ void __launch_bounds__(kBlock) gather_rows_elementwise(int64_t n, int64_t dv, const int32_t* idx,
                                                                  const V* src, V* dst) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= n * dv) return;
  const int64_t r = e / dv;
  dst[e] = idx[r] < 0 ? V{} : src[static_cast<int64_t>(idx[r]) * dv + e % dv];
}

// One thread per element of src, added into its destination with an atomic:
// repeated indices meet in any order; rows of a negative index are skipped.
__global__ void __launch_bounds__(kBlock) scatter_add_rows_atomic(int64_t n, int64_t d, const int32_t* idx,
                                                                  const float* src, float* dst) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= n * d) return;
  const int64_t r = e / d;
  if (idx[r] < 0) return;
  atomicAdd(dst + static_cast<int64_t>(idx[r]) * d + e % d, src[e]);
}

// One thread per source row: the sort's values, rows[r] = r (its keys are idx itself).
__global__ void __launch_bounds__(kBlock) scatter_row_numbers(int64_t n, int32_t* rows) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r < n) rows[r] = static_cast<int32_t>(r);
}

// One warp per sorted position; only the warp at the head of a run of equal
// destinations works: its lanes stride over the d columns and sum the run's
// source rows in sorted (= ascending r, the sort is stable) order, then add the
// sum into the destination row. No two warps write the same row; negative keys name none.
__global__ void __launch_bounds__(kBlock) scatter_add_sorted_runs(int64_t n, int64_t d, const int32_t* keys,
                                                                  const int32_t* rows, const float* src, float* dst) {
  const int64_t k = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (k >= n || (k > 0 && keys[k] == keys[k - 1])) return;
  const int32_t key = keys[k];
  if (key < 0) return;
  float* out = dst + static_cast<int64_t>(key) * d;
  for (int64_t j = lane; j < d; j += 32) {
    float sum = 0;
    for (int64_t m = k; m < n && keys[m] == key; ++m) sum += src[static_cast<int64_t>(rows[m]) * d + j];
    out[j] += sum;
  }
}

// Byte offsets of the deterministic scatter's scratch regions, each 256-byte aligned.
struct ScatterScratch {
  size_t keys_out, rows_in, rows_out, cub, cub_bytes, total;
};

ScatterScratch scatter_scratch(int64_t n) {
  if (n > INT_MAX) throw Error("scatter_add_rows: " + std::to_string(n) + " rows exceed the sort's int range");
  ScatterScratch s{};
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, s.cub_bytes, static_cast<const int32_t*>(nullptr),
                                                     static_cast<int32_t*>(nullptr),
                                                     static_cast<const int32_t*>(nullptr),
                                                     static_cast<int32_t*>(nullptr), static_cast<int>(n)));
  const size_t ints = align256(static_cast<size_t>(n) * sizeof(int32_t));
  s.keys_out = 0;
  s.rows_in = s.keys_out + ints;
  s.rows_out = s.rows_in + ints;
  s.cub = s.rows_out + ints;
  s.total = s.cub + align256(s.cub_bytes);
  return s;
}

}  // namespace

void gather_rows_cuda(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst, cudaStream_t stream) {
  if (d % 4 == 0 && cuda::is_aligned16(src) && cuda::is_aligned16(dst)) {
    cuda::launch("gather_rows_elementwise<float4>", &gather_rows_elementwise<float4>, n * (d / 4), kBlock, stream, n,
                 d / 4, idx, reinterpret_cast<const float4*>(src), reinterpret_cast<float4*>(dst));
  } else {
    cuda::launch("gather_rows_elementwise<float>", &gather_rows_elementwise<float>, n * d, kBlock, stream, n, d, idx,
                 src, dst);
  }
}

size_t scatter_add_rows_scratch_bytes(int64_t n, int64_t /*d: the scratch holds indices only*/) {
  return scatter_scratch(n).total;
}

void scatter_add_rows_cuda(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst,
                           bool deterministic, void* scratch, cudaStream_t stream) {
  if (n == 0 || d == 0) return;
  if (!deterministic) {
    cuda::launch("scatter_add_rows_atomic", &scatter_add_rows_atomic, n * d, kBlock, stream, n, d, idx, src, dst);
    return;
  }
  const ScatterScratch s = scatter_scratch(n);
  char* base = static_cast<char*>(scratch);
  auto* keys_out = reinterpret_cast<int32_t*>(base + s.keys_out);
  auto* rows_in = reinterpret_cast<int32_t*>(base + s.rows_in);
  auto* rows_out = reinterpret_cast<int32_t*>(base + s.rows_out);
  cuda::launch("scatter_row_numbers", &scatter_row_numbers, n, kBlock, stream, n, rows_in);
  size_t cub_bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(base + s.cub, cub_bytes, idx, keys_out, rows_in, rows_out,
                                                     static_cast<int>(n), 0, 32, stream));
  cuda::launch("scatter_add_sorted_runs", &scatter_add_sorted_runs, n * 32, kBlock, stream, n, d, keys_out, rows_out,
               src, dst);
}

}  // namespace mmgraph::kernels
