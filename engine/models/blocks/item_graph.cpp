// Item-item kNN graphs and their propagation (see item_graph.h).
#include "engine/models/blocks/item_graph.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/models/blocks/approximate_knn.h"
#include "engine/models/blocks/halo_exchange.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/propagation.h"
#include "kernels/bf16.h"
#include "kernels/knn_graph.h"
#include "kernels/knn_graph_normalize.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// The normalised graph [n x n] of the top-k lists that topk(k, idx, sim) writes on the device.
template <typename TopK>
kernels::CsrHost normalized_knn_graph(Device& dev, int64_t n, int k, bool weighted, const TopK& topk) {
  if (k > n) k = static_cast<int>(n);
  Buffer<int32_t> idx(dev, static_cast<size_t>(n * k), "kNN neighbours");
  Buffer<float> sim(dev, static_cast<size_t>(n * k), "kNN similarities");
  topk(k, idx.data(), sim.data());
  const std::vector<int32_t> host_idx = idx.to_host();
  const std::vector<float> host_sim = sim.to_host();
  return kernels::knn_normalized_graph_cpu(n, k, host_idx.data(), host_sim.data(), weighted);
}

// Rows per ring message when the caller leaves it to the build: 64 MiB of features.
constexpr int64_t kRingMessageBytes = int64_t{64} << 20;

// The feature blocks of a ring step: at step s this rank holds rank - s's block (its own at s = 0,
// in owned; later in held [max_rows x dim]) and passes it to rank + 1 while rank - 1's previous block
// arrives in held. The block is sent in messages of message_rows rows (round m: rows m * message_rows
// ..), the same number of rounds on every rank; from held each message is first copied to stage, so
// that the incoming rows may overwrite held's rows once they are sent.
class FeatureRing {
 public:
  FeatureRing(const Resources& res, const ShardLayout& layout, int64_t dim, int64_t message_rows)
      : res_(res), layout_(layout), dim_(dim) {
    for (int r = 0; r < layout.size; ++r) max_rows_ = std::max(max_rows_, rows(r));
    message_rows_ = message_rows > 0 ? message_rows : std::max<int64_t>(1, kRingMessageBytes / (dim * 4));
    message_rows_ = std::min(message_rows_, std::max<int64_t>(max_rows_, 1));
    if (layout.size > 1) {
      held_ = Buffer<float>(res.device(), static_cast<size_t>(max_rows_ * dim), "kNN travelling feature block");
      stage_ = Buffer<float>(res.device(), static_cast<size_t>(message_rows_ * dim), "kNN ring message");
    }
  }
  // The rows of rank r's block.
  int64_t rows(int r) const { return layout_.item_bounds[r + 1] - layout_.item_bounds[r]; }
  // The block this rank holds at step `step` (owned: its own).
  const float* block(int step, const float* owned) const { return step == 0 ? owned : held_.data(); }
  // Passes the block of step `step` on to rank + 1 and receives rank - 1's into held.
  void pass(int step, const float* owned) {
    const int p = layout_.size, rank = layout_.rank;
    const int next = (rank + 1) % p, prev = (rank + p - 1) % p;
    const int64_t send_rows = rows((rank + p - step) % p), recv_rows = rows((rank + 2 * p - step - 1) % p);
    std::vector<int64_t> send_counts(static_cast<size_t>(p), 0), recv_counts(static_cast<size_t>(p), 0);
    for (int64_t r0 = 0; r0 < max_rows_; r0 += message_rows_) {
      const int64_t send = std::clamp<int64_t>(send_rows - r0, 0, message_rows_);
      const int64_t recv = std::clamp<int64_t>(recv_rows - r0, 0, message_rows_);
      const float* from = stage_.data();
      if (send > 0 && step == 0) from = owned + r0 * dim_;
      if (send > 0 && step > 0)
        res_.device().copy(stage_.data(), held_.data() + r0 * dim_, static_cast<size_t>(send * dim_) * sizeof(float));
      send_counts[static_cast<size_t>(next)] = send * dim_;
      recv_counts[static_cast<size_t>(prev)] = recv * dim_;
      res_.comm().all_to_all_v(from, send_counts, held_.data() + r0 * dim_, recv_counts);
    }
  }

 private:
  const Resources& res_;
  const ShardLayout& layout_;
  int64_t dim_, max_rows_ = 0, message_rows_ = 0;
  Buffer<float> held_, stage_;
};

}  // namespace

kernels::CsrHost sharded_knn_item_graph(const Resources& res, const ShardLayout& layout, const float* features,
                                        int64_t dim, int k, bool weighted, int64_t message_rows) {
  Device& dev = res.device();
  Communicator& comm = res.comm();
  if (comm.rank() != layout.rank || comm.size() != layout.size ||
      layout.item_bounds.size() != static_cast<size_t>(layout.size) + 1)
    throw Error(fmt::format("sharded_knn_item_graph: a layout of rank {} of {} ({} item bounds) on rank {} of {}",
                            layout.rank, layout.size, layout.item_bounds.size(), comm.rank(), comm.size()));
  const int64_t n = layout.item_bounds.back(), first = layout.item_bounds[layout.rank];
  const RowRange own{first, layout.item_bounds[layout.rank + 1] - first};
  if (k > n) k = static_cast<int>(n);
  Buffer<int32_t> idx(dev, static_cast<size_t>(own.count * k), "kNN neighbours");
  Buffer<float> sim(dev, static_cast<size_t>(own.count * k), "kNN similarities");
  dev.knn_topk_start(own.count, k, idx.data(), sim.data());
  FeatureRing ring(res, layout, dim, message_rows);
  for (int step = 0; step < layout.size; ++step) {
    const int owner = (layout.rank + layout.size - step) % layout.size;
    dev.knn_block_topk(n, dim, own.first, own.count, features, layout.item_bounds[owner], ring.rows(owner),
                       ring.block(step, features), k, idx.data(), sim.data());
    if (step + 1 < layout.size) ring.pass(step, features);
  }
  const std::vector<int32_t> host_idx = idx.to_host();
  const std::vector<float> host_sim = sim.to_host();
  const kernels::KnnAdjacencyRows a =
      kernels::knn_adjacency_rows_cpu(n, own.first, own.count, k, host_idx.data(), host_sim.data(), weighted);
  // Every row's degree: the columns of this rank's rows are any items.
  std::vector<int64_t> counts(static_cast<size_t>(layout.size));
  for (int r = 0; r < layout.size; ++r) counts[static_cast<size_t>(r)] = ring.rows(r);
  const Buffer<double> own_degree = Buffer<double>::from_host(dev, a.degree, "kNN degrees");
  Buffer<double> degree(dev, static_cast<size_t>(n), "kNN degrees");
  comm.all_gather_v(own_degree.data(), degree.data(), counts, CommType::kFloat64);
  return kernels::knn_normalize_rows_cpu(a, degree.to_host().data());
}

kernels::CsrHost knn_item_graph(Device& dev, const float* features, int64_t n, int64_t dim, int k, bool weighted) {
  return normalized_knn_graph(dev, n, k, weighted, [&](int kk, int32_t* idx, float* sim) {
    dev.knn_cosine_topk(n, dim, features, kk, idx, sim);
  });
}

kernels::CsrHost knn_item_graph(Device& dev, const Modalities& mods, size_t m, int64_t n, int k, bool weighted) {
  if (!mods.bf16()) return knn_item_graph(dev, mods.features[m].data(), n, mods.dims[m], k, weighted);
  return normalized_knn_graph(dev, n, k, weighted, [&](int kk, int32_t* idx, float* sim) {
    dev.knn_cosine_topk_bf16(n, mods.dims[m], mods.features_bf16[m].data(), kk, idx, sim);
  });
}

namespace {

// The graph of config knn_index's approximate index over rows [n x dim] (device memory).
kernels::CsrHost approximate_knn_item_graph(Device& dev, const TrainConfig& c, const float* rows, int64_t n,
                                            int64_t dim, bool weighted) {
  std::vector<float> host(static_cast<size_t>(n * dim));
  dev.download(host.data(), rows, host.size() * sizeof(float));
  const int k = static_cast<int>(std::min<int64_t>(c.knn_k, n));
  std::vector<int32_t> idx(static_cast<size_t>(n * k));
  std::vector<float> sim(idx.size());
  approximate_knn_topk(n, dim, host.data(), k, {c.knn_index, c.knn_ivf_nprobe, c.knn_hnsw_ef}, idx.data(), sim.data());
  return kernels::knn_normalized_graph_cpu(n, k, idx.data(), sim.data(), weighted);
}

}  // namespace

kernels::CsrHost knn_item_graph(const ModelContext& ctx, const Modalities& mods, size_t m, bool weighted) {
  const int k = ctx.config->knn_k;
  if (ctx.config->knn_index != "exact") {
    if (ctx.sharded) throw InputError("knn_index", ctx.config->knn_index, "approximate kNN graphs run in one process");
    const int64_t n = ctx.nodes->owned(NodeKind::kItem);
    if (!mods.bf16())
      return approximate_knn_item_graph(ctx.device(), *ctx.config, mods.features[m].data(), n, mods.dims[m], weighted);
    const Buffer<float> rows = Buffer<float>::from_host(
        ctx.device(), kernels::bf16_widened(mods.features_bf16[m].to_host()), "item features (widened)");
    return approximate_knn_item_graph(ctx.device(), *ctx.config, rows.data(), n, mods.dims[m], weighted);
  }
  if (!ctx.sharded) return knn_item_graph(ctx.device(), mods, m, ctx.nodes->owned(NodeKind::kItem), k, weighted);
  if (mods.bf16())
    throw InputError("feature_storage", "bf16",
                     "the item-item graph of a run over several processes needs float32 feature storage");
  return sharded_knn_item_graph(*ctx.resources, *ctx.layout, mods.features[m].data(), mods.dims[m], k, weighted);
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

kernels::CsrHost whole_item_graph(const ModelContext& ctx, const kernels::CsrHost& rows) {
  if (!ctx.sharded) return rows;
  const ShardLayout& layout = *ctx.layout;
  Device& dev = ctx.device();
  Communicator& comm = ctx.resources->comm();
  const int p = layout.size;
  const int64_t n = layout.item_bounds.back();
  std::vector<int64_t> row_counts(static_cast<size_t>(p)), nnz_counts(static_cast<size_t>(p), 0);
  for (int r = 0; r < p; ++r) row_counts[static_cast<size_t>(r)] = layout.owned(NodeKind::kItem, r).count;
  std::vector<int64_t> lengths(static_cast<size_t>(rows.n_rows));
  for (int64_t r = 0; r < rows.n_rows; ++r)
    lengths[static_cast<size_t>(r)] = rows.row_ptr[static_cast<size_t>(r) + 1] - rows.row_ptr[static_cast<size_t>(r)];
  const Buffer<int64_t> own_lengths = Buffer<int64_t>::from_host(dev, lengths, "item graph rows");
  Buffer<int64_t> all_lengths(dev, static_cast<size_t>(n), "item graph rows");
  comm.all_gather_v(own_lengths.data(), all_lengths.data(), row_counts, CommType::kInt64);
  kernels::CsrHost g;
  g.n_rows = g.n_cols = n;
  g.row_ptr.assign(static_cast<size_t>(n) + 1, 0);
  const std::vector<int64_t> len = all_lengths.to_host();
  for (int64_t r = 0; r < n; ++r) {
    g.row_ptr[static_cast<size_t>(r) + 1] = g.row_ptr[static_cast<size_t>(r)] + len[static_cast<size_t>(r)];
    nnz_counts[static_cast<size_t>(layout.owner(NodeKind::kItem, r))] += len[static_cast<size_t>(r)];
  }
  const Buffer<int32_t> own_col = Buffer<int32_t>::from_host(dev, rows.col, "item graph rows");
  const Buffer<float> own_val = Buffer<float>::from_host(dev, rows.val, "item graph rows");
  Buffer<int32_t> col(dev, static_cast<size_t>(g.row_ptr.back()), "item graph rows");
  Buffer<float> val(dev, static_cast<size_t>(g.row_ptr.back()), "item graph rows");
  comm.all_gather_v(own_col.data(), col.data(), nnz_counts, CommType::kInt32);
  comm.all_gather_v(own_val.data(), val.data(), nnz_counts, CommType::kFloat32);
  g.col = col.to_host();
  g.val = val.to_host();
  return g;
}

// A process's rows of S and S^T with their halo plans, and the with-halo item table a product reads.
struct ItemGraph::Sharded {
  Sharded(const Resources& res, const ShardLayout& layout, const kernels::CsrHost& s)
      : dev(&res.device()), fwd(shard_item_graph(layout, s, layout.user_bounds.back())),
        bwd(shard_item_graph(layout, kernels::csr_transpose_cpu(s.view()), layout.user_bounds.back())),
        fwd_halo(res, fwd), bwd_halo(res, bwd) {}
  Device* dev;
  ShardedItemGraph fwd, bwd;
  HaloExchange fwd_halo, bwd_halo;
  mutable Buffer<float> table;
};

ItemGraph::ItemGraph(const ModelContext& ctx, const kernels::CsrHost& rows)
    : ItemGraph(ctx.sharded ? of_whole(ctx, whole_item_graph(ctx, rows)) : ItemGraph(ctx.device(), rows)) {}

ItemGraph ItemGraph::of_whole(const ModelContext& ctx, const kernels::CsrHost& whole) {
  if (!ctx.sharded) return ItemGraph(ctx.device(), whole);
  ItemGraph g;
  g.dev_ = &ctx.device();
  auto sharded = std::make_shared<Sharded>(*ctx.resources, *ctx.layout, whole);
  g.s_ = upload_csr(*g.dev_, sharded->fwd.local, "item graph");
  g.st_ = upload_csr(*g.dev_, sharded->bwd.local, "item graph");
  g.sharded_ = std::move(sharded);
  return g;
}

void ItemGraph::product(bool transpose, int64_t d, const float* src, float* dst) const {
  const DeviceCsr& a = transpose ? st_ : s_;
  if (!sharded_) return dev_->spmm(a.view, d, src, dst);
  const ShardedItemGraph& g = transpose ? sharded_->bwd : sharded_->fwd;
  const int64_t rows = g.nodes.rows(NodeSet::kItems, true);
  if (sharded_->table.size() < static_cast<size_t>(rows * d))
    sharded_->table = Buffer<float>(*dev_, static_cast<size_t>(rows * d), "item graph halo table");
  const NodeRows t(sharded_->table.data(), g.nodes, NodeSet::kItems, d, true);
  dev_->copy(t.data(), src, static_cast<size_t>(n() * d) * sizeof(float));
  (transpose ? sharded_->bwd_halo : sharded_->fwd_halo).exchange(t);
  dev_->spmm(a.view, d, t.data(), dst);
}

void ItemGraph::forward(int layers, int64_t d, const float* x, float* out, float* work) const {
  if (layers == 0) {
    dev_->copy(out, x, static_cast<size_t>(n() * d) * sizeof(float));
    return;
  }
  const float* cur = x;
  for (int l = 0; l < layers; ++l) {
    float* dst = (layers - 1 - l) % 2 == 0 ? out : work;  // the last product lands in out
    product(false, d, cur, dst);
    cur = dst;
  }
}

void ItemGraph::backward(int layers, int64_t d, const float* grad_out, float* grad_x, float* work) const {
  const int64_t nd = n() * d;
  const float* cur = grad_out;
  for (int l = 0; l < layers; ++l) {
    float* dst = work + (l % 2) * nd;
    product(true, d, cur, dst);
    cur = dst;
  }
  dev_->axpy(nd, 1.0f, cur, grad_x);
}

kernels::CsrHost combined_knn_graph(const ModelContext& ctx, const Modalities& mods, bool weighted) {
  std::vector<kernels::CsrHost> graphs;
  for (size_t m = 0; m < mods.count(); ++m) graphs.push_back(knn_item_graph(ctx, mods, m, weighted));
  std::vector<const kernels::CsrHost*> parts;
  for (const auto& g : graphs) parts.push_back(&g);
  return kernels::csr_weighted_sum_cpu(parts, modality_weights(*ctx.config, mods.names));
}

ItemGraph frozen_item_graph(const ModelContext& ctx, const Modalities& mods) {
  return ItemGraph(ctx, combined_knn_graph(ctx, mods, false));
}

MixedItemGraph::MixedItemGraph(const ModelContext& ctx, const Modalities& mods)
    : ctx_(ctx), dev_(&ctx.device()), n_items_(ctx.nodes->owned(NodeKind::kItem)),
      lambda_(static_cast<float>(ctx.config->lambda_coeff)), original_(combined_knn_graph(ctx, mods, true)) {}

void MixedItemGraph::relearn(const float* views, int64_t d, const std::vector<float>& weights) {
  const int k = ctx_.config->knn_k;
  std::vector<kernels::CsrHost> learned;
  for (size_t j = 0; j < weights.size(); ++j) {
    const float* view = views + static_cast<int64_t>(j) * n_items_ * d;
    if (ctx_.config->knn_index != "exact")
      learned.push_back(approximate_knn_item_graph(*dev_, *ctx_.config, view, n_items_, d, true));
    else if (ctx_.sharded)
      learned.push_back(sharded_knn_item_graph(*ctx_.resources, *ctx_.layout, view, d, k, true));
    else
      learned.push_back(knn_item_graph(*dev_, view, n_items_, d, k, true));
  }
  std::vector<const kernels::CsrHost*> parts;
  std::vector<float> w;
  for (size_t j = 0; j < learned.size(); ++j) {
    parts.push_back(&learned[j]);
    w.push_back((1.0f - lambda_) * weights[j]);
  }
  parts.push_back(&original_);
  w.push_back(lambda_);
  host_ = whole_item_graph(ctx_, kernels::csr_weighted_sum_cpu(parts, w));
  graph_ = ItemGraph::of_whole(ctx_, host_);
}

void MixedItemGraph::normalized_forward(const Propagation& prop, int layers, int64_t d, const float* x,
                                        const float* base, float* h, float* h_norm, float* out, float* work) const {
  const int64_t nd = n_items_ * d;
  prop.item_item_forward(graph_, layers, d, x, h, work);
  dev_->l2_normalize_forward(n_items_, d, h, h_norm);
  if (out != base) dev_->copy(out, base, static_cast<size_t>(nd) * sizeof(float));
  dev_->axpy(nd, 1.0f, h_norm, out);
}

void MixedItemGraph::normalized_backward(const Propagation& prop, int layers, int64_t d, const float* h,
                                         const float* h_norm, const float* grad_out, float* grad_h, float* grad_x,
                                         float* work) const {
  dev_->l2_normalize_backward(n_items_, d, h, h_norm, grad_out, grad_h);
  prop.item_item_backward(graph_, layers, d, grad_h, grad_x, work);
}

std::vector<io::TensorToWrite> MixedItemGraph::state() const {
  const kernels::CsrHost& g = host_;
  return {{"graph.row_ptr", "I64", {static_cast<int64_t>(g.row_ptr.size())}, g.row_ptr.data(), g.row_ptr.size() * 8},
          {"graph.col", "I32", {static_cast<int64_t>(g.col.size())}, g.col.data(), g.col.size() * 4},
          {"graph.val", "F32", {static_cast<int64_t>(g.val.size())}, g.val.data(), g.val.size() * 4}};
}

void MixedItemGraph::restore_state(const io::Safetensors& checkpoint) {
  host_ = restore_csr(checkpoint, "state.graph", ctx_.nodes->part(NodeKind::kItem).global_count);
  graph_ = ItemGraph::of_whole(ctx_, host_);
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
