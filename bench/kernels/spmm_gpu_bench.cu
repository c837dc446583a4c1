// GPU SpMM (ours vs cuSPARSE CSR SpMM) and LightGCN propagation on Baby,
// Gowalla-like, Elec-like and a 10^8-non-zero power-law matrix.
// Bytes per SpMM: nnz (8 + 4d) [col, val, one gathered dense row per non-zero]
// + n (8 + 4d) [row_ptr, output row]; FLOPs 2 nnz d.
#include <cusparse.h>

#include <map>
#include <string>

#include "bench_graphs.h"
#include "gpu_bench_common.h"
#include "kernels/lightgcn.h"
#include "kernels/spmm.h"
#include "support_random.h"

namespace mmgraph::bench {
namespace {

struct DeviceGraph {
  Dev<int64_t> row_ptr;
  Dev<int32_t> col;
  Dev<float> val;
  kernels::CsrView view;
  explicit DeviceGraph(const kernels::CsrHost& a)
      : row_ptr(a.row_ptr), col(a.col), val(a.val),
        view{a.n_rows, a.n_cols, static_cast<int64_t>(a.col.size()), row_ptr.p, col.p, val.p} {}
};

const kernels::CsrHost& graph(int64_t index) {
  static std::map<int64_t, kernels::CsrHost> cache;
  auto it = cache.find(index);
  if (it != cache.end()) return it->second;
  if (index < 3) return cache[index] = lightgcn_adjacency(kGraphs[index]);
  if (index == 3) return cache[index] = power_law_matrix(4'000'000, 100'000'000, 7);
  // 4, 5: 1M rows, a fifth of them empty, as a block at the end or spread out.
  return cache[index] = with_empty_rows(power_law_matrix(1'000'000, 25'000'000, 11), 5, index == 4);
}

const char* graph_name(int64_t index) {
  const char* names[] = {"powerlaw-1e8", "powerlaw-1e6-empty-block", "powerlaw-1e6-empty-spread"};
  return index < 3 ? kGraphs[index].name : names[index - 3];
}

bool fits(double bytes) {
  size_t free_b = 0, total = 0;
  cudaMemGetInfo(&free_b, &total);
  return bytes < 0.8 * static_cast<double>(free_b);
}

double spmm_bytes(const kernels::CsrHost& a, int64_t d) {
  return static_cast<double>(a.col.size()) * (8 + 4.0 * d) + static_cast<double>(a.n_rows) * (8 + 4.0 * d);
}

void spmm_mmgraph(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t d = state.range(1);
  const auto& a = graph(state.range(0));
  if (!fits(a.col.size() * 8.0 + 2.0 * a.n_rows * d * 4)) return state.SkipWithError("graph does not fit in device memory");
  DeviceGraph g(a);
  Dev<float> x(random_values(a.n_cols * d, 1)), y(static_cast<size_t>(a.n_rows * d));
  Dev<char> scratch(kernels::spmm_csr_cuda_scratch_bytes(g.view, d));
  run_timed(state, [&] { kernels::spmm_csr_cuda(g.view, d, x.p, y.p, scratch.p, nullptr); });
  report(state, spmm_bytes(a, d), 2.0 * static_cast<double>(a.col.size()) * d);
  state.SetLabel(std::string(graph_name(state.range(0))) + " nnz=" + std::to_string(a.col.size()));
}

void spmm_cusparse(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t d = state.range(1);
  const auto alg = state.range(2) == 2 ? CUSPARSE_SPMM_CSR_ALG2 : CUSPARSE_SPMM_ALG_DEFAULT;
  const auto& a = graph(state.range(0));
  if (!fits(a.col.size() * 8.0 + 2.0 * a.n_rows * d * 4)) return state.SkipWithError("graph does not fit in device memory");
  DeviceGraph g(a);
  Dev<float> x(random_values(a.n_cols * d, 1)), y(static_cast<size_t>(a.n_rows * d));
  cusparseHandle_t handle;
  MMGRAPH_CUDA_CHECK(cusparseCreate(&handle));
  cusparseSpMatDescr_t mat;
  cusparseDnMatDescr_t dx, dy;
  MMGRAPH_CUDA_CHECK(cusparseCreateCsr(&mat, a.n_rows, a.n_cols, static_cast<int64_t>(a.col.size()), g.row_ptr.p, g.col.p,
                                       g.val.p, CUSPARSE_INDEX_64I, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
  MMGRAPH_CUDA_CHECK(cusparseCreateDnMat(&dx, a.n_cols, d, d, x.p, CUDA_R_32F, CUSPARSE_ORDER_ROW));
  MMGRAPH_CUDA_CHECK(cusparseCreateDnMat(&dy, a.n_rows, d, d, y.p, CUDA_R_32F, CUSPARSE_ORDER_ROW));
  const float alpha = 1.0f, beta = 0.0f;
  size_t ws = 0;
  MMGRAPH_CUDA_CHECK(cusparseSpMM_bufferSize(handle, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                             &alpha, mat, dx, &beta, dy, CUDA_R_32F, alg, &ws));
  Dev<char> workspace(ws);
  const cusparseStatus_t pre = cusparseSpMM_preprocess(handle, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                                       CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, mat, dx, &beta, dy,
                                                       CUDA_R_32F, alg, workspace.p);
  if (pre != CUSPARSE_STATUS_SUCCESS && pre != CUSPARSE_STATUS_NOT_SUPPORTED) MMGRAPH_CUDA_CHECK(pre);
  run_timed(state, [&] {
    MMGRAPH_CUDA_CHECK(cusparseSpMM(handle, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, mat,
                                    dx, &beta, dy, CUDA_R_32F, alg, workspace.p));
  });
  report(state, spmm_bytes(a, d), 2.0 * static_cast<double>(a.col.size()) * d);
  state.SetLabel(std::string(graph_name(state.range(0))) + (state.range(2) == 2 ? " CSR_ALG2" : " ALG_DEFAULT"));
  cusparseDestroyDnMat(dx);
  cusparseDestroyDnMat(dy);
  cusparseDestroySpMat(mat);
  cusparseDestroy(handle);
}

void lightgcn_fwd_bwd(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t d = 64;
  const int layers = static_cast<int>(state.range(1));
  const auto& a = graph(state.range(0));
  DeviceGraph g(a);
  const int64_t nd = a.n_rows * d;
  Dev<float> x(random_values(nd, 3)), out(nd), grad(nd), work(2 * nd);
  Dev<char> scratch(kernels::spmm_csr_cuda_scratch_bytes(g.view, d));
  run_timed(state, [&] {
    kernels::lightgcn_forward_cuda(g.view, d, layers, x.p, out.p, work.p, scratch.p, nullptr);
    kernels::lightgcn_backward_cuda(g.view, d, layers, out.p, grad.p, work.p, scratch.p, nullptr);
  });
  // 2 L SpMMs, each with an epilogue that reads and writes one more [N x d]
  // stream (out or grad_x0, and g in the backward); counted as 8 N d bytes.
  report(state, 2.0 * layers * (spmm_bytes(a, d) + 8.0 * nd), 4.0 * layers * static_cast<double>(a.col.size()) * d);
  state.SetLabel(std::string(graph_name(state.range(0))) + " L=" + std::to_string(layers));
}

BENCHMARK(spmm_mmgraph)->ArgsProduct({{0, 1, 2}, {32, 64, 128, 256}})->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(spmm_mmgraph)->Args({3, 64})->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10);
BENCHMARK(spmm_mmgraph)->ArgsProduct({{4, 5}, {64}})->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(spmm_cusparse)->ArgsProduct({{0, 1, 2}, {32, 64, 128, 256}, {1, 2}})->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(spmm_cusparse)->Args({3, 64, 2})->Args({3, 64, 1})->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10);
BENCHMARK(spmm_cusparse)->ArgsProduct({{4, 5}, {64}, {1}})->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(lightgcn_fwd_bwd)->ArgsProduct({{0, 1, 2}, {3}})->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mmgraph::bench
