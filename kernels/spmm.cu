// CUDA CSR x dense product: chunk/lane shape selection and the plain y = A x entry point.
#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/spmm.h"
#include "kernels/spmm_device.cuh"

namespace mmgraph::kernels {

namespace detail {

SpmmShape spmm_shape(const CsrView& a, int64_t d) {
  SpmmShape sh{};
  sh.vec4 = d % 4 == 0;
  const int64_t n_vec = sh.vec4 ? d / 4 : d;
  int s = 1;
  while (s < 32 && s < n_vec) s <<= 1;
  sh.group_lanes = s;
  const int64_t t = (n_vec + s - 1) / s;
  if (t > 8) throw Error("spmm_csr_cuda: d = " + std::to_string(d) + " is too wide (at most 1024, or 256 when d % 4 != 0)");
  sh.vectors_per_lane = t <= 1 ? 1 : t <= 2 ? 2 : t <= 4 ? 4 : 8;
  // Enough warps to fill the device (64 resident warps per SM) but chunks of at
  // least 4 average rows, so that most rows stay whole inside one warp.
  int device = 0, sms = 0;
  MMGRAPH_CUDA_CHECK(cudaGetDevice(&device));
  MMGRAPH_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const int64_t avg_row = a.n_rows > 0 ? (a.nnz + a.n_rows - 1) / a.n_rows : 1;
  const int64_t target = std::max<int64_t>(4 * avg_row, a.nnz / std::max<int64_t>(1, 64LL * sms));
  int64_t chunk = 32;
  while (chunk < target && chunk < 4096) chunk <<= 1;
  sh.chunk = chunk;
  sh.n_chunks = std::max<int64_t>(1, (a.nnz + chunk - 1) / chunk);
  return sh;
}

}  // namespace detail

void spmm_csr_cuda(const CsrView& a, int64_t d, const float* x, float* y, cudaStream_t stream) {
  detail::spmm_csr_launch(a, d, x, y, detail::StoreEpilogue{y, d}, stream);
  MMGRAPH_CUDA_CHECK_LAUNCH(stream);
}

}  // namespace mmgraph::kernels
