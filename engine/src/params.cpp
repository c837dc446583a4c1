// Parameters, their Adam step, and the seeded initialisers.
#include "engine/src/params.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "kernels/philox.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// Throws unless a row-sharded placement's rows fit `shape` (the rows held here) inside its global shape.
void check_placement(const std::string& name, const std::vector<int64_t>& shape, const ParamPlacement& placement) {
  const std::vector<int64_t>& global = placement.global_shape;
  bool ok = !shape.empty() && global.size() == shape.size() && std::equal(shape.begin() + 1, shape.end(), global.begin() + 1);
  int64_t held = 0;
  for (const RowRange& r : placement.rows) {
    ok = ok && r.first >= 0 && r.count >= 0 && r.first + r.count <= global[0];
    held += r.count;
  }
  if (!ok || held != shape[0])
    throw Error("parameter " + name + ": its row-sharded placement does not match its shape");
}

// A parameter of that name, shape and placement (checked against the init's size) with a zero
// gradient; its values and moments are the caller's to fill.
std::unique_ptr<Param> new_param(Device& dev, std::string name, std::vector<int64_t> shape, size_t init_size,
                                 ParamPlacement placement) {
  int64_t numel = 1;
  for (int64_t s : shape) numel *= s;
  if (numel != static_cast<int64_t>(init_size))
    throw Error("parameter " + name + ": initial values do not match its shape");
  if (placement.row_sharded)
    check_placement(name, shape, placement);
  else
    placement.global_shape = shape;
  auto p = std::make_unique<Param>();
  p->name = std::move(name);
  p->shape = std::move(shape);
  p->placement = std::move(placement);
  p->grad = Buffer<float>::zeros(dev, init_size, "gradients");
  return p;
}

}  // namespace

Param& ParamSet::add(Device& dev, std::string name, std::vector<int64_t> shape, const std::vector<float>& init,
                     ParamPlacement placement) {
  std::unique_ptr<Param> p = new_param(dev, std::move(name), std::move(shape), init.size(), std::move(placement));
  dev_ = &dev;
  p->value = Buffer<float>::from_host(dev, init, "parameters");
  p->m = Buffer<float>::zeros(dev, init.size(), "optimizer state");
  p->v = Buffer<float>::zeros(dev, init.size(), "optimizer state");
  params_.push_back(std::move(p));
  return *params_.back();
}

Param& ParamSet::add_bf16(Device& dev, std::string name, std::vector<int64_t> shape, const std::vector<uint16_t>& init,
                          ParamPlacement placement, uint64_t rounding_seed) {
  std::unique_ptr<Param> p = new_param(dev, std::move(name), std::move(shape), init.size(), std::move(placement));
  dev_ = &dev;
  p->value_bf16 = Buffer<uint16_t>::from_host(dev, init, "parameters (bf16)");
  p->m_bf16 = Buffer<uint16_t>::zeros(dev, init.size(), "optimizer state (bf16)");
  p->v_bf16 = Buffer<uint16_t>::zeros(dev, init.size(), "optimizer state (bf16)");
  p->bf16_storage = true;
  p->rounding_seed = rounding_seed;
  params_.push_back(std::move(p));
  return *params_.back();
}

void ParamSet::zero_grad() {
  for (auto& p : params_) {
    // Known zero only until the gradient may be written again: the next zero_grad clears it.
    if (!p->grad_known_zero) p->grad.set_zero();
    p->grad_known_zero = false;
  }
}

void ParamSet::adam_step(float lr) {
  ++step_;
  kernels::AdamParams adam;
  adam.lr = lr;
  adam.step = step_;
  for (auto& p : params_) {
    p->grad_known_zero = p->bf16() ? adam_bf16_step(*p, adam)
                                   : dev_->adam_dense(p->numel(), adam, p->value.data(), p->grad.data(), p->m.data(),
                                                      p->v.data(), p->moments_zero);
    if (!p->grad_known_zero) p->moments_zero = false;
  }
}

bool ParamSet::adam_bf16_step(Param& p, const kernels::AdamParams& adam) {
  // Each run of rows held here is counted from its first element's global index.
  const int64_t width = p.shape.empty() ? 1 : p.numel() / std::max<int64_t>(p.shape[0], 1);
  const std::vector<RowRange> rows =
      p.placement.row_sharded ? p.placement.rows : std::vector<RowRange>{{0, p.shape.empty() ? 1 : p.shape[0]}};
  bool left_out = true;
  int64_t local = 0;
  for (const RowRange& r : rows) {
    const int64_t first = local * width, n = r.count * width;
    left_out &= dev_->adam_bf16(n, adam, p.rounding_seed, static_cast<uint64_t>(r.first * width),
                                p.value_bf16.data() + first, p.grad.data() + first, p.m_bf16.data() + first,
                                p.v_bf16.data() + first, p.moments_zero);
    local += r.count;
  }
  return left_out;
}

std::vector<float> uniform_values(int64_t n, float bound, uint64_t seed, uint32_t stream) {
  std::vector<float> values(static_cast<size_t>(n));
#pragma omp parallel for schedule(static)
  for (int64_t q = 0; q < (n + 3) / 4; ++q) {
    const kernels::Philox4 r = kernels::philox4x32_10(
        kernels::Philox4{{kernels::lo32(static_cast<uint64_t>(q)), kernels::hi32(static_cast<uint64_t>(q)), stream,
                          0x696E6974u}},
        kernels::lo32(seed), kernels::hi32(seed));
    for (int64_t e = 4 * q; e < std::min<int64_t>(n, 4 * q + 4); ++e)
      values[static_cast<size_t>(e)] = (2.0f * kernels::uniform_float(r.v[e - 4 * q]) - 1.0f) * bound;
  }
  return values;
}

std::vector<float> xavier_uniform(int64_t rows, int64_t cols, uint64_t seed, uint32_t stream) {
  return uniform_values(rows * cols, static_cast<float>(std::sqrt(6.0 / static_cast<double>(rows + cols))), seed,
                        stream);
}

std::vector<float> id_embedding_init(int64_t n_users, int64_t n_items, int64_t d, uint64_t seed) {
  std::vector<float> init = xavier_uniform(n_users, d, seed, 1);
  const std::vector<float> items = xavier_uniform(n_items, d, seed, 2);
  init.insert(init.end(), items.begin(), items.end());
  return init;
}

}  // namespace mmgraph::detail
