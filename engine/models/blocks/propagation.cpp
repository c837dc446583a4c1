// Propagation over the user-item and item-item graphs (see propagation.h).
#include "engine/models/blocks/propagation.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "engine/src/eval_blocks.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// Rows [first, first + count) of a as a CSR of their own (row pointers from 0).
kernels::CsrHost row_block(const kernels::CsrHost& a, int64_t first, int64_t count) {
  std::vector<int32_t> rows(static_cast<size_t>(count));
  std::iota(rows.begin(), rows.end(), static_cast<int32_t>(first));
  return gather_rows(a.view(), rows.data(), count);
}

// FREEDOM's degree-sensitive pruning for `epoch`: the normalised adjacency of the kept
// (1 - dropout) of the training edges, on the device.
DeviceCsr pruned_adjacency(const ModelContext& ctx, uint64_t epoch) {
  const Dataset& data = *ctx.data;
  const TrainConfig& c = *ctx.config;
  const int64_t nnz = data.train.nnz();
  const int64_t keep =
      std::clamp<int64_t>(static_cast<int64_t>(static_cast<double>(nnz) * (1.0 - c.dropout)), 0, nnz);
  const int64_t n = static_cast<int64_t>(data.n_users) + data.n_items;
  Device& dev = ctx.device();
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

}  // namespace

Propagation::Propagation(const ModelContext& ctx, PropagationOptions options)
    : ctx_(ctx), dev_(&ctx.device()), options_(options) {
  if (ctx.sharded) halo_ = HaloExchange(*ctx.resources, *ctx.sharded, *ctx.nodes);
  if (options_.user_item_blocks) {
    // Â's user rows (over item columns) and item rows (over user columns): this process's rows,
    // over the columns of a with-halo table in a run split over processes.
    const NodeIndex& nodes = *ctx.nodes;
    const int64_t first_item = nodes.first_row(NodeSet::kUsersAndItems, NodeKind::kItem);
    user_block_ = upload_csr(*dev_, row_block(*ctx.adjacency, 0, nodes.owned(NodeKind::kUser)), "adjacency user rows");
    item_block_ =
        upload_csr(*dev_, row_block(*ctx.adjacency, first_item, nodes.owned(NodeKind::kItem)), "adjacency item rows");
  }
}

void Propagation::begin_epoch(uint64_t epoch) {
  if (!options_.prune_edges) return;
  pruned_ = pruned_adjacency(ctx_, epoch);
  if (!ctx_.sharded) return;
  // Split over processes: every process prunes the whole graph alike (a function of seed and epoch),
  // then keeps its rows, renumbered into the with-halo tables of Â (the pruned graph's columns are
  // among Â's).
  kernels::CsrHost whole;
  whole.n_rows = whole.n_cols = pruned_.view.n_rows;
  whole.row_ptr = pruned_.row_ptr.to_host();
  whole.col = pruned_.col.to_host();
  whole.val = pruned_.val.to_host();
  pruned_ = upload_csr(*dev_, owned_rows_of(*ctx_.layout, *ctx_.nodes, whole), "pruned adjacency rows");
}

const kernels::CsrView& Propagation::adjacency(UserItemGraph graph) const {
  return graph == UserItemGraph::kTraining && options_.prune_edges ? pruned_.view : ctx_.adjacency_dev->view;
}

void Propagation::check_user_item_table(const NodeRows& t) const {
  if (&t.index() != ctx_.nodes || t.set() != NodeSet::kUsersAndItems || t.with_halo())
    throw Error("propagation: expected a [users; items] table of this process's rows");
}

int64_t Propagation::user_item_work_floats(int64_t d) const {
  return ctx_.sharded ? 0 : 2 * ctx_.nodes->rows(NodeSet::kUsersAndItems, false) * d;
}

NodeRows Propagation::halo_table(int which, int64_t d) const {
  NodeTable& t = halo_tables_[which];
  if (t.rows().width() != d) t = NodeTable(*dev_, *ctx_.nodes, NodeSet::kUsersAndItems, d, "halo propagation table", true);
  return t.rows();
}

// Layer l reads the previous layer's rows here and at the halo: x0's, then each layer's output,
// copied into a with-halo table whose halo rows the exchange fills.
void Propagation::sharded_forward(const kernels::CsrView& adj, int layers, const NodeRows& x0,
                                  const NodeRows& out) const {
  const int64_t d = x0.width();
  if (layers == 0) {
    dev_->copy(out.data(), x0.data(), static_cast<size_t>(x0.size()) * sizeof(float));
    return;
  }
  NodeRows cur = halo_table(0, d), next = halo_table(1, d);
  dev_->copy(cur.data(), x0.data(), static_cast<size_t>(x0.size()) * sizeof(float));
  halo_.exchange(cur);
  for (int l = 1; l <= layers; ++l) {
    const bool last = l == layers;
    dev_->lightgcn_layer_forward(adj, d, l, layers, x0.data(), cur.data(), last ? nullptr : next.data(), out.data());
    if (last) break;
    halo_.exchange(next);
    std::swap(cur, next);
  }
}

// The Horner sum a layer at a time: h starts as grad_out (with its halo rows), each layer's
// output is the next h, the last adds into grad_x0.
void Propagation::sharded_backward(const kernels::CsrView& adj, int layers, const NodeRows& grad_out,
                                   const NodeRows& grad_x0) const {
  const int64_t d = grad_out.width();
  if (layers == 0) {
    dev_->axpy(grad_out.size(), 1.0f, grad_out.data(), grad_x0.data());
    return;
  }
  NodeRows h = halo_table(0, d), next = halo_table(1, d);
  dev_->copy(h.data(), grad_out.data(), static_cast<size_t>(grad_out.size()) * sizeof(float));
  halo_.exchange(h);
  for (int l = 1; l <= layers; ++l) {
    const bool last = l == layers;
    dev_->lightgcn_layer_backward(adj, d, l, layers, grad_out.data(), h.data(), last ? grad_x0.data() : next.data());
    if (last) break;
    halo_.exchange(next);
    std::swap(h, next);
  }
}

void Propagation::user_item_forward(UserItemGraph graph, int layers, const NodeRows& x0, const NodeRows& out,
                                    float* work, const BatchRowSet* rows) const {
  check_user_item_table(x0);
  check_user_item_table(out);
  // Every row is computed: the hinted ones (global rows there) among them.
  if (ctx_.sharded) return sharded_forward(adjacency(graph), layers, x0, out);
  dev_->lightgcn_forward(adjacency(graph), x0.width(), layers, x0.data(), out.data(), work,
                         rows ? rows->rows() : nullptr, rows ? rows->size() : 0);
}

void Propagation::user_item_backward(UserItemGraph graph, int layers, const NodeRows& grad_out,
                                     const NodeRows& grad_x0, float* work, const BatchRowSet* rows) const {
  check_user_item_table(grad_out);
  check_user_item_table(grad_x0);
  if (ctx_.sharded) {
    sharded_backward(adjacency(graph), layers, grad_out, grad_x0);
    if (rows) dev_->zero(grad_out.data(), static_cast<size_t>(grad_out.size()) * sizeof(float));  // the hint's promise
    return;
  }
  dev_->lightgcn_backward(adjacency(graph), grad_out.width(), layers, grad_out.data(), grad_x0.data(), work,
                          rows ? rows->rows() : nullptr, rows ? rows->size() : 0);
}

const float* Propagation::with_halo(const NodeRows& t) const {
  if (!ctx_.sharded) return t.data();
  const NodeRows h = halo_table(0, t.width());
  dev_->copy(h.data(), t.data(), static_cast<size_t>(t.size()) * sizeof(float));
  halo_.exchange(h);
  return h.data();
}

void Propagation::users_from_items(const NodeRows& x, float* users_out) const {
  check_user_item_table(x);
  if (!options_.user_item_blocks) throw Error("propagation: built without Â's row blocks");
  dev_->spmm(user_block_.view, x.width(), with_halo(x), users_out);  // reads the item rows of x only
}

void Propagation::add_items_from_users(const NodeRows& grad, float* scratch) const {
  check_user_item_table(grad);
  if (!options_.user_item_blocks) throw Error("propagation: built without Â's row blocks");
  dev_->spmm(item_block_.view, grad.width(), with_halo(grad), scratch);  // reads the user rows of grad only
  dev_->axpy(grad.floats(NodeKind::kItem), 1.0f, scratch, grad.items());
}

void Propagation::item_item_forward(const ItemGraph& s, int layers, int64_t d, const float* x, float* out,
                                    float* work) const {
  s.forward(layers, d, x, out, work);
}

void Propagation::item_item_backward(const ItemGraph& s, int layers, int64_t d, const float* grad_out,
                                     float* grad_x, float* work) const {
  s.backward(layers, d, grad_out, grad_x, work);
}

}  // namespace mmgraph::detail
