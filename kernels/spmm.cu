// CUDA CSR x dense product: chunk and lane shape selection, and the plain
// y = A x entry point (the kernels are in spmm_device.cuh).
#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/spmm.h"
#include "kernels/spmm_device.cuh"

namespace mmgraph::kernels {

namespace detail {

namespace {

// Non-zeros per warp: enough warps to fill the device (64 resident warps per
// SM) but at least 4 average rows per chunk, so that most rows stay whole
// inside one warp; a power of two in [32, 4096].
int64_t spmm_chunk(const CsrView& a) {
  int device = 0, sms = 0;
  MMGRAPH_CUDA_CHECK(cudaGetDevice(&device));
  MMGRAPH_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const int64_t avg_row = a.n_rows > 0 ? (a.nnz + a.n_rows - 1) / a.n_rows : 1;
  const int64_t target = std::max<int64_t>(4 * avg_row, a.nnz / std::max<int64_t>(1, 64LL * sms));
  int64_t chunk = 32;
  while (chunk < target && chunk < 4096) chunk <<= 1;
  return chunk;
}

}  // namespace

SpmmShape spmm_shape(const CsrView& a, int64_t d, bool vec4) {
  SpmmShape sh{};
  const int64_t n_vec = vec4 ? d / 4 : d;
  int s = 1;
  while (s < 32 && s < n_vec) s <<= 1;
  sh.group_lanes = s;
  const int64_t t = (n_vec + s - 1) / s;
  if (t > 8)
    throw Error("spmm_csr_cuda: d = " + std::to_string(d) +
                " is too wide (at most 1024 with 16-byte aligned rows, else 256)");
  sh.vectors_per_lane = t <= 1 ? 1 : t <= 2 ? 2 : t <= 4 ? 4 : 8;
  sh.chunk = spmm_chunk(a);
  sh.n_chunks = std::max<int64_t>(1, (a.nnz + sh.chunk - 1) / sh.chunk);
  return sh;
}

size_t spmm_partials_bytes(const CsrView& a, int64_t d) {
  if (a.n_rows == 0 || d == 0) return 0;
  const int64_t chunk = spmm_chunk(a);
  const int64_t n_chunks = std::max<int64_t>(1, (a.nnz + chunk - 1) / chunk);
  return n_chunks > 1 ? static_cast<size_t>(n_chunks) * 2 * static_cast<size_t>(d) * sizeof(float) : 0;
}

}  // namespace detail

size_t spmm_csr_cuda_scratch_bytes(const CsrView& a, int64_t d) { return detail::spmm_partials_bytes(a, d); }

void spmm_csr_cuda(const CsrView& a, int64_t d, const float* x, float* y, void* scratch, cudaStream_t stream) {
  detail::spmm_csr_launch(a, d, x, scratch, detail::StoreEpilogue{y, d}, stream);
}

}  // namespace mmgraph::kernels
