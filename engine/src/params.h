#pragma once
// Trainable parameters of a model on a device: value, gradient and Adam
// moments per named tensor, updated together by one dense Adam step.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/src/device.h"

namespace mmgraph::detail {

struct Param {
  std::string name;             // "embedding", "image.proj.weight", ...
  std::vector<int64_t> shape;   // row-major
  Buffer<float> value, grad, m, v;
  // m and v are known to be all zero (no step has had a non-zero gradient, or a restored checkpoint's are).
  bool moments_zero = true;
  // The last Adam step found the gradient all zero and nothing has written it since, so the next
  // zero_grad has nothing to clear (it resets this).
  bool grad_known_zero = false;
  int64_t numel() const { return static_cast<int64_t>(value.size()); }
};

class ParamSet {
 public:
  // Adds a parameter initialised from host values (shape product = init size);
  // the returned reference stays valid (parameters are never moved).
  Param& add(Device& dev, std::string name, std::vector<int64_t> shape, const std::vector<float>& init);
  // Zeroes every gradient.
  void zero_grad();
  // One Adam step (1-based step counter kept here) over every parameter, by Device::adam_dense,
  // which may leave out a parameter whose gradient and moments are all zero (Adam would leave its
  // value and moments as they are); such a gradient then needs no clearing by the next zero_grad.
  // Reads nothing back from the device.
  void adam_step(float lr);
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }  // when restoring a checkpoint
  const std::vector<std::unique_ptr<Param>>& all() const { return params_; }

 private:
  Device* dev_ = nullptr;
  std::vector<std::unique_ptr<Param>> params_;
  int64_t step_ = 0;
};

// n values uniform in [-bound, bound], drawn from Philox: a pure function of (seed, stream).
std::vector<float> uniform_values(int64_t n, float bound, uint64_t seed, uint32_t stream);

// Xavier-uniform values for an [rows x cols] tensor, as torch.nn.init.xavier_uniform_
// (bound sqrt(6 / (rows + cols))), drawn from Philox: a pure function of (seed, stream).
std::vector<float> xavier_uniform(int64_t rows, int64_t cols, uint64_t seed, uint32_t stream);

// The id embedding table [(U + I) x d], users then items, each part Xavier-uniform
// (Philox streams 1 and 2), as LightGCN and the models built on it initialise it.
std::vector<float> id_embedding_init(int64_t n_users, int64_t n_items, int64_t d, uint64_t seed);

}  // namespace mmgraph::detail
