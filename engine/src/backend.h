#pragma once
// The compute backend behind the trainer: owns the model state (parameters,
// Adam moments, graph, scratch) on its device and runs the steps of training
// and evaluation. CPU and CUDA backends are twins behind this interface; the
// trainer (epochs, logging, early stopping) is backend-agnostic.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/spmm.h"
#include "mmgraph/config.h"
#include "mmgraph/dataset.h"
#include "mmgraph/metrics.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

// Everything a backend needs to start training, prepared on the host.
struct TrainProblem {
  const Dataset* data = nullptr;
  const TrainConfig* config = nullptr;
  kernels::CsrHost adjacency;       // normalised Â over N = U + I nodes
  std::vector<int32_t> pair_user;   // [train nnz] user of each training pair
  std::vector<float> init_emb;      // [N x d] layer-0 embeddings, users then items
};

class Backend {
 public:
  virtual ~Backend() = default;
  // "cpu (2 threads)", "cuda:0 (NVIDIA H100 80GB HBM3)".
  virtual std::string describe() const = 0;
  virtual void setup(const TrainProblem& problem) = 0;
  // One optimisation step on sampler positions [first, first + count) of epoch
  // (0-based); adam_step is the 1-based Adam step counter.
  virtual void train_step(uint64_t epoch, int64_t first, int64_t count, int64_t adam_step) = 0;
  // Sum over the steps since the last call of (BPR + L2) per step; resets the sum.
  virtual double take_loss_sum() = 0;
  // Propagates the current parameters into the representations used by evaluate.
  virtual void propagate() = 0;
  // Full-ranking metrics of the last propagated representations.
  virtual MetricTable evaluate(Split split, const std::vector<int>& topk) = 0;
  // The last propagated representations, [N x d] host floats, users then items.
  virtual void copy_representations(float* host_out) = 0;
};

std::unique_ptr<Backend> make_cpu_backend();
// Only in builds with the CUDA backend (MMGRAPH_HAVE_CUDA); throws Error otherwise.
std::unique_ptr<Backend> make_cuda_backend(int device);
// Number of usable CUDA devices; 0 without the CUDA backend or without a driver.
int cuda_device_count();

}  // namespace mmgraph::detail
