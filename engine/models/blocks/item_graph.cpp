// Item-item kNN graphs and their propagation (see item_graph.h).
#include "engine/models/blocks/item_graph.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/models/blocks/modalities.h"
#include "kernels/item_graph.h"
#include "kernels/knn_graph.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

kernels::CsrHost knn_item_graph(Device& dev, const float* features, int64_t n, int64_t dim, int k, bool weighted) {
  if (k > n) k = static_cast<int>(n);
  Buffer<int32_t> idx(dev, static_cast<size_t>(n * k), "kNN neighbours");
  Buffer<float> sim(dev, static_cast<size_t>(n * k), "kNN similarities");
  dev.knn_cosine_topk(n, dim, features, k, idx.data(), sim.data());
  const std::vector<int32_t> host_idx = idx.to_host();
  const std::vector<float> host_sim = sim.to_host();
  return kernels::knn_normalized_graph_cpu(n, k, host_idx.data(), host_sim.data(), weighted);
}

std::vector<float> modality_weights(const TrainConfig& config, const std::vector<std::string>& names) {
  std::vector<float> w(names.size(), -1.0f);
  double given = 0;
  for (const auto& [name, weight] : config.modality_weights) {
    bool found = false;
    for (size_t m = 0; m < names.size(); ++m)
      if (names[m] == name) {
        w[m] = static_cast<float>(weight);
        given += weight;
        found = true;
      }
    if (!found) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      throw config_error(config, "modality_weights",
                         fmt::format("no modality '{}' in the data set (it has: {})", name, known));
    }
  }
  size_t rest = 0;
  for (float x : w) rest += x < 0;
  for (float& x : w)
    if (x < 0) x = static_cast<float>(std::max(0.0, 1.0 - given) / static_cast<double>(rest));
  return w;
}

ItemGraph::ItemGraph(Device& dev, const kernels::CsrHost& s)
    : dev_(&dev), s_(upload_csr(dev, s, "item graph")),
      st_(upload_csr(dev, kernels::csr_transpose_cpu(s.view()), "item graph")) {}

void ItemGraph::forward(int layers, int64_t d, const float* x, float* out, float* work) const {
  if (layers == 0) {
    dev_->copy(out, x, static_cast<size_t>(n() * d) * sizeof(float));
    return;
  }
  const float* cur = x;
  for (int l = 0; l < layers; ++l) {
    float* dst = (layers - 1 - l) % 2 == 0 ? out : work;  // the last product lands in out
    dev_->spmm(s_.view, d, cur, dst);
    cur = dst;
  }
}

void ItemGraph::backward(int layers, int64_t d, const float* grad_out, float* grad_x, float* work) const {
  const int64_t nd = n() * d;
  const float* cur = grad_out;
  for (int l = 0; l < layers; ++l) {
    float* dst = work + (l % 2) * nd;
    dev_->spmm(st_.view, d, cur, dst);
    cur = dst;
  }
  dev_->axpy(nd, 1.0f, cur, grad_x);
}

kernels::CsrHost combined_knn_graph(Device& dev, const Modalities& mods, const TrainConfig& config, int64_t n_items,
                                    bool weighted) {
  std::vector<kernels::CsrHost> graphs;
  for (size_t m = 0; m < mods.count(); ++m)
    graphs.push_back(knn_item_graph(dev, mods.features[m].data(), n_items, mods.dims[m], config.knn_k, weighted));
  std::vector<const kernels::CsrHost*> parts;
  for (const auto& g : graphs) parts.push_back(&g);
  return kernels::csr_weighted_sum_cpu(parts, modality_weights(config, mods.names));
}

ItemGraph frozen_item_graph(Device& dev, const Modalities& mods, const TrainConfig& config, int64_t n_items) {
  return ItemGraph(dev, combined_knn_graph(dev, mods, config, n_items, false));
}

DeviceCsr pruned_adjacency(const ModelContext& ctx, uint64_t epoch) {
  const Dataset& data = *ctx.data;
  const TrainConfig& c = *ctx.config;
  const int64_t nnz = data.train.nnz();
  const int64_t keep =
      std::clamp<int64_t>(static_cast<int64_t>(static_cast<double>(nnz) * (1.0 - c.dropout)), 0, nnz);
  const int64_t n = static_cast<int64_t>(data.n_users) + data.n_items;
  Device& dev = *ctx.dev;
  DeviceCsr a;
  a.row_ptr = Buffer<int64_t>(dev, static_cast<size_t>(n + 1), "pruned adjacency");
  a.col = Buffer<int32_t>(dev, static_cast<size_t>(2 * keep), "pruned adjacency");
  a.val = Buffer<float>(dev, static_cast<size_t>(2 * keep), "pruned adjacency");
  // The training CSR is on the device already (the sampler's); the graph never leaves it.
  dev.pruned_adjacency(data.n_users, data.n_items, ctx.sampler->train_row_ptr, ctx.sampler->train_col, nnz, keep,
                       c.seed, epoch, a.row_ptr.data(), a.col.data(), a.val.data());
  a.view = kernels::CsrView{n, n, 2 * keep, a.row_ptr.data(), a.col.data(), a.val.data()};
  return a;
}

kernels::CsrHost restore_csr(const io::Safetensors& checkpoint, const std::string& prefix, int64_t n) {
  kernels::CsrHost g;
  g.n_rows = g.n_cols = n;
  g.row_ptr = checkpoint.i64(prefix + ".row_ptr", {n + 1});
  const int64_t nnz = g.row_ptr.back();
  bool ok = g.row_ptr.front() == 0;
  for (int64_t r = 0; ok && r < n; ++r) ok = g.row_ptr[static_cast<size_t>(r)] <= g.row_ptr[static_cast<size_t>(r + 1)];
  if (!ok) throw InputError(checkpoint.source, "tensor \"" + prefix + ".row_ptr\"", "row offsets are not non-decreasing from 0");
  g.col = checkpoint.i32(prefix + ".col", {nnz});
  g.val = checkpoint.f32(prefix + ".val", {nnz});
  for (int32_t c : g.col)
    if (c < 0 || c >= n)
      throw InputError(checkpoint.source, "tensor \"" + prefix + ".col\"", fmt::format("column {} is outside [0, {})", c, n));
  return g;
}

}  // namespace mmgraph::detail
