#pragma once
// The item-item graph of multimodal models (LATTICE, FREEDOM, MGCN): per
// modality the top-k cosine neighbours of every item (kNN on the device, never
// the I x I matrix), normalised D^-1/2 A D^-1/2, combined S = sum_m w_m S_m,
// and propagation over S (forward) and S^T (backward).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/src/model.h"
#include "kernels/spmm.h"

namespace mmgraph::detail {

// Normalised kNN graph [n x n] of the rows of features [n x dim] (device memory):
// edge weight = cosine (weighted, LATTICE) or 1 (FREEDOM).
kernels::CsrHost knn_item_graph(Device& dev, const float* features, int64_t n, int64_t dim, int k, bool weighted);
// This process's rows of knn_item_graph over the items of a run on several processes, never holding
// all features: the layout's item block of this rank, features [rows x dim] (device memory), is its
// part of the [n_items x dim] features. The blocks pass round the ring of ranks (P - 1 steps, each
// rank passing the block it holds to rank + 1 while receiving rank - 1's, in messages of at most
// message_rows rows; 0: as many as 64 MiB hold); each block is merged into the top-k lists of this
// rank's items as it arrives, then the degrees of all rows are gathered (n_items doubles) for
// D^-1/2 A D^-1/2. Returns rows [block rows x n_items], global column ids: knn_item_graph's rows of
// this rank's items, bit for bit. Feature memory per rank: its block, one travelling block (the
// largest block's rows) and one message.
kernels::CsrHost sharded_knn_item_graph(const Resources& res, const ShardLayout& layout, const float* features,
                                        int64_t dim, int k, bool weighted, int64_t message_rows = 0);
struct Modalities;
// The same graph of modality m's features as stored (float32, or the bf16-rounded values: the graph
// of a bf16 run is the graph of the features its projections see, and its build never needs a
// float32 copy of the features on the device).
kernels::CsrHost knn_item_graph(Device& dev, const Modalities& mods, size_t m, int64_t n, int k, bool weighted);
// The rows of that graph this process holds: every row with one process; in a run split over
// processes its items' rows (global columns), built by sharded_knn_item_graph from the items'
// features each process holds (float32 storage: InputError for bf16 there). With config knn_index
// ivf or hnsw (one process only) the lists come from a FAISS index (approximate_knn.h).
kernels::CsrHost knn_item_graph(const ModelContext& ctx, const Modalities& mods, size_t m, bool weighted);

// Weights of the modalities `names` from config modality_weights: listed ones
// as given, the others share what is left of 1 equally (all equal by default).
// An unknown modality name in the config is an InputError.
std::vector<float> modality_weights(const TrainConfig& config, const std::vector<std::string>& names);

// The whole graph from every process's rows of it (rows: this process's, global columns, as
// knn_item_graph(ctx, ..) gives them), in rank order, on every process; rows itself with one process.
kernels::CsrHost whole_item_graph(const ModelContext& ctx, const kernels::CsrHost& rows);

class Propagation;

// S and S^T on the device; propagation through `layers` products (models propagate through
// the Propagation block, which runs these). In a run split over processes a process holds the
// rows of S and of S^T of its items, and each product first fills the halo rows its rows read
// (HaloExchange over an item table): every row gets the arithmetic of one process.
class ItemGraph {
 public:
  ItemGraph() = default;
  ItemGraph(Device& dev, const kernels::CsrHost& s);
  // The graph of this process's rows: the whole S with one process (ctx.sharded null); in a run
  // split over processes `rows` are its items' rows of S (global columns, as knn_item_graph(ctx, ..)
  // gives them). S's rows are gathered on every process (knn_k entries a row and modality: small
  // beside the features) to find each process's halo and S^T's rows; each keeps its own rows of both.
  ItemGraph(const ModelContext& ctx, const kernels::CsrHost& rows);
  // The same from the whole S, which every process holds alike.
  static ItemGraph of_whole(const ModelContext& ctx, const kernels::CsrHost& whole);
  // out = S^layers x (a copy of x when layers = 0); x, out [n x d]; work [n x d] scratch.
  void forward(int layers, int64_t d, const float* x, float* out, float* work) const;
  // grad_x += (S^T)^layers grad_out; work [2 x n x d] scratch.
  void backward(int layers, int64_t d, const float* grad_out, float* grad_x, float* work) const;
  int64_t n() const { return s_.view.n_rows; }

 private:
  struct Sharded;
  // dst = (S or S^T) src, src and dst [n x d] (this process's rows).
  void product(bool transpose, int64_t d, const float* src, float* dst) const;

  Device* dev_ = nullptr;
  DeviceCsr s_, st_;  // sharded: this process's rows, columns local rows of an item table with halo
  std::shared_ptr<const Sharded> sharded_;
};

// S = sum_m w_m S_m over the modalities' kNN graphs of their raw features (knn_k
// neighbours, weights from modality_weights; edge weight the cosine when weighted): the rows
// this process holds (knn_item_graph(ctx, ..)).
kernels::CsrHost combined_knn_graph(const ModelContext& ctx, const Modalities& mods, bool weighted);

// FREEDOM's frozen graph: combined_knn_graph with edge weight 1, on the device.
ItemGraph frozen_item_graph(const ModelContext& ctx, const Modalities& mods);

// LATTICE's item graph S = (1 - lambda_coeff) S^l + lambda_coeff S^o: S^o the
// weighted kNN graph of the raw features (combined_knn_graph, frozen), S^l re-learnt
// by relearn() from learnt item representations. S is rebuilt only every
// graph_update_every epochs, so it is state a checkpoint carries ("graph.*", the whole S,
// which every process of a run split over processes holds alike).
// Its item term is LATTICE's normalised propagation: h = S^layers x, added as h / |h|.
class MixedItemGraph {
 public:
  MixedItemGraph() = default;
  MixedItemGraph(const ModelContext& ctx, const Modalities& mods);
  // S^l = sum_j weights[j] kNN(view j) (knn_k neighbours, cosine edge weights), view j the
  // [n_items x d] rows at views + j * n_items * d (device memory, the items held here); S from it and S^o.
  void relearn(const float* views, int64_t d, const std::vector<float>& weights);
  const ItemGraph& graph() const { return graph_; }
  // h = S^layers x, h_norm = h / |h| row-wise (both kept for the backward), out = base + h_norm
  // (out may be base: added in place); x, base, h, h_norm, out [n_items x d]; work [n_items x d] scratch.
  void normalized_forward(const Propagation& prop, int layers, int64_t d, const float* x, const float* base,
                          float* h, float* h_norm, float* out, float* work) const;
  // From d(out): grad_h += d(h) through the normalisation, then grad_x += (S^T)^layers grad_h
  // (grad_h may hold other terms' gradients of h already); work [2 x n_items x d] scratch.
  void normalized_backward(const Propagation& prop, int layers, int64_t d, const float* h, const float* h_norm,
                           const float* grad_out, float* grad_h, float* grad_x, float* work) const;
  std::vector<io::TensorToWrite> state() const;
  void restore_state(const io::Safetensors& checkpoint);

 private:
  ModelContext ctx_;
  Device* dev_ = nullptr;
  int64_t n_items_ = 0;  // held here
  float lambda_ = 0;
  kernels::CsrHost original_, host_;  // this process's rows of S^o, and the current S whole
  ItemGraph graph_;
};

// An [n x n] graph saved by a model's state() as <prefix>.row_ptr / .col / .val,
// checked (InputError naming the checkpoint when inconsistent).
kernels::CsrHost restore_csr(const io::Safetensors& checkpoint, const std::string& prefix, int64_t n);

}  // namespace mmgraph::detail
