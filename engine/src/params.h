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
  Buffer<float> value, grad, m, v;  // float32 storage (value, m and v are empty with bf16 storage)
  // bf16 storage (ParamSet::add_bf16), for learnt tables where float32 moments would not fit:
  // value, m and v as kernels/bf16.h bit patterns, the gradient float32; Adam rounds stochastically
  // with bits keyed by rounding_seed (kernels/adam.h adam_bf16).
  Buffer<uint16_t> value_bf16, m_bf16, v_bf16;
  bool bf16_storage = false;
  uint64_t rounding_seed = 0;
  // m and v are known to be all zero (no step has had a non-zero gradient, or a restored checkpoint's are).
  bool moments_zero = true;
  // The last Adam step found the gradient all zero and nothing has written it since, so the next
  // zero_grad has nothing to clear (it resets this).
  bool grad_known_zero = false;
  int64_t numel() const { return static_cast<int64_t>(grad.size()); }
  bool bf16() const { return bf16_storage; }
};

class ParamSet {
 public:
  // Adds a parameter initialised from host values (shape product = init size), placed as
  // `placement` says (a row-sharded one's rows must add up to shape[0] and lie inside its
  // global shape, whose other dimensions are shape's); the returned reference stays valid
  // (parameters are never moved).
  Param& add(Device& dev, std::string name, std::vector<int64_t> shape, const std::vector<float>& init,
             ParamPlacement placement);
  // The same with bf16 storage, initialised from bf16 bit patterns; Adam's rounding bits are keyed
  // by rounding_seed (a row-sharded table's elements counted by their global index, so that a run
  // over several processes rounds as one process would).
  Param& add_bf16(Device& dev, std::string name, std::vector<int64_t> shape, const std::vector<uint16_t>& init,
                  ParamPlacement placement, uint64_t rounding_seed);
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
  // Adam on a bf16 parameter, a run of the rows held here at a time; whether every run was left out.
  bool adam_bf16_step(Param& p, const kernels::AdamParams& adam);
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
