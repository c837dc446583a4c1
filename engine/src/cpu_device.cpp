// The CPU device: host memory, each op run by its CPU reference in kernels/
// (OpenMP inside the ops, CBLAS GEMMs).
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include <fmt/format.h>

#include "engine/src/device.h"
#include "engine/src/evaluate_cpu.h"
#include "kernels/lightgcn.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

class CpuDevice final : public Device {
 public:
  std::string describe() const override { return fmt::format("cpu ({} threads)", omp_get_max_threads()); }
  bool is_cuda() const override { return false; }

  void* allocate(size_t bytes, const char* what) override {
    // 64-byte aligned so that vector loads of any row start never straddle a line.
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) throw Error(fmt::format("out of host memory allocating {}: {} bytes", what, bytes));
    return p;
  }
  void release(void* ptr) noexcept override { std::free(ptr); }
  void upload(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void download(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void copy(void* dst, const void* src, size_t bytes) override { std::memmove(dst, src, bytes); }
  void zero(void* dst, size_t bytes) override { std::memset(dst, 0, bytes); }

  void axpy(int64_t n, float alpha, const float* x, float* y) override {
#pragma omp parallel for schedule(static)
    for (int64_t e = 0; e < n; ++e) y[e] += alpha * x[e];
  }
  void accumulate(const float* value, double* sum) override { *sum += static_cast<double>(*value); }

  void spmm(const kernels::CsrView& a, int64_t d, const float* x, float* y) override {
    kernels::spmm_csr_cpu(a, d, x, y);
  }
  void lightgcn_forward(const kernels::CsrView& adj, int64_t d, int layers, const float* x0, float* out,
                        float* work) override {
    kernels::lightgcn_forward_cpu(adj, d, layers, x0, out, work);
  }
  void lightgcn_backward(const kernels::CsrView& adj, int64_t d, int layers, const float* grad_out, float* grad_x0,
                         float* work) override {
    kernels::lightgcn_backward_cpu(adj, d, layers, grad_out, grad_x0, work);
  }
  void sample_triples(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                      int32_t* users, int32_t* pos, int32_t* neg) override {
    kernels::sample_bpr_triples_cpu(in, seed, epoch, first, count, users, pos, neg);
  }
  void bpr_loss(const kernels::BprBatch& batch, int64_t d, const float* user_rep, const float* item_rep,
                const float* user_emb0, const float* item_emb0, float reg_weight, float* grad_user_rep,
                float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0, double* loss_sum) override {
    const kernels::BprLoss loss =
        kernels::bpr_loss_fused_cpu(batch, d, user_rep, item_rep, user_emb0, item_emb0, reg_weight, grad_user_rep,
                                    grad_item_rep, grad_user_emb0, grad_item_emb0);
    *loss_sum += loss.bpr + loss.reg;
  }
  void adam_dense(int64_t n, const kernels::AdamParams& p, float* param, const float* grad, float* m,
                  float* v) override {
    kernels::adam_dense_cpu(n, p, param, grad, m, v);
  }

  EvalResult evaluate(const EvalSplit& split, int64_t /*n_users*/, int64_t n_items, const float* user_rep,
                      const float* item_rep, int64_t d, const std::vector<int>& topk, int64_t user_block) override {
    return evaluate_views_cpu(split, n_items, user_rep, item_rep, d, topk, user_block);
  }
};

}  // namespace

std::unique_ptr<Device> make_cpu_device() { return std::make_unique<CpuDevice>(); }

}  // namespace mmgraph::detail
