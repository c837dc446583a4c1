#pragma once
// Trainable parameters of a model on a device: value, gradient and Adam
// moments per named tensor, updated together by one dense Adam step.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/src/device.h"

namespace mmgraph::detail {

// Rows [first, first + count) of a table.
struct RowRange {
  int64_t first = 0;
  int64_t count = 0;
};

// How a parameter lies over the processes of a run: replicated (every process holds all of it,
// and its gradient is summed over them), or row-sharded (each process holds some of the rows of
// a table of global_shape; the ranges are the global rows held here, in local row order).
struct ParamPlacement {
  bool row_sharded = false;
  std::vector<int64_t> global_shape;  // row-sharded: the shape over all processes (filled in for replicated)
  std::vector<RowRange> rows;         // row-sharded: the global rows held here
  static ParamPlacement replicated() { return {}; }
  static ParamPlacement sharded(std::vector<int64_t> global_shape, std::vector<RowRange> rows) {
    return {true, std::move(global_shape), std::move(rows)};
  }
};

struct Param {
  std::string name;             // "embedding", "image.proj.weight", ...
  std::vector<int64_t> shape;   // row-major, of the rows held here
  ParamPlacement placement;
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
  // Adds a parameter initialised from host values (shape product = init size), placed as
  // `placement` says (a row-sharded one's rows must add up to shape[0] and lie inside its
  // global shape, whose other dimensions are shape's); the returned reference stays valid
  // (parameters are never moved).
  Param& add(Device& dev, std::string name, std::vector<int64_t> shape, const std::vector<float>& init,
             ParamPlacement placement);
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
