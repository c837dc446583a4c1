#pragma once
// Propagation over the graphs of a model, on node tables: the user-item graph Â (LightGCN's
// layer mean, forward and backward; optionally FREEDOM's pruned Â in training), its user and
// item row blocks (MGCN's per-modality views: users from their items' rows and back), and
// item-item graphs S. Every model propagates through this block and never calls the device's
// graph ops on a global adjacency itself, so the rows a process holds and the halo rows it
// must receive are this block's concern alone. With one process each call is one device op
// on the tables as they are. In a run split over processes (ModelContext::sharded), the
// user-item propagation runs a layer at a time over the process's rows of Â, exchanging the
// halo rows of each layer's input (HaloExchange) first: every row gets the arithmetic of one
// process, so the same bits for any number of processes.
#include <cstdint>

#include "engine/models/blocks/batch_rows.h"
#include "engine/models/blocks/halo_exchange.h"
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/node_table.h"
#include "engine/src/model.h"

namespace mmgraph::detail {

// The user-item graph a propagation runs over.
enum class UserItemGraph {
  kFull,      // Â of every training interaction (evaluation, and training without pruning)
  kTraining,  // the graph of this epoch's training steps: the pruned Â when pruning, else Â
};

struct PropagationOptions {
  bool prune_edges = false;      // FREEDOM's degree-sensitive pruning of Â each epoch (config dropout)
  bool user_item_blocks = false; // Â's user and item row blocks (users_from_items, add_items_from_users)
};

class Propagation {
 public:
  Propagation() = default;
  Propagation(const ModelContext& ctx, PropagationOptions options);

  // Prepares the training graph of `epoch` (the pruned Â when pruning).
  void begin_epoch(uint64_t epoch);

  // Floats of the `work` scratch user_item_forward / backward take at width d (none in a run
  // split over processes: the sharded pass keeps its own with-halo tables).
  int64_t user_item_work_floats(int64_t d) const;
  // out = mean(x0, Â x0, ..., Â^layers x0) over [users; items] tables of width d; work
  // [user_item_work_floats(d)] scratch. rows (optional): the batch rows of out the caller reads.
  void user_item_forward(UserItemGraph graph, int layers, const NodeRows& x0, const NodeRows& out, float* work,
                         const BatchRowSet* rows = nullptr) const;
  // grad_x0 += the backward of user_item_forward from grad_out; with rows, grad_out is zero
  // outside them and is left all zero.
  void user_item_backward(UserItemGraph graph, int layers, const NodeRows& grad_out, const NodeRows& grad_x0,
                          float* work, const BatchRowSet* rows = nullptr) const;

  // users_out [users x d] = Â's user rows times the item rows of x (a [users; items] table); in a
  // run split over processes x's halo rows are exchanged first (users' too: one HaloExchange).
  void users_from_items(const NodeRows& x, float* users_out) const;
  // grad's item rows += Â's item rows times grad's user rows (halo rows likewise); scratch [items x d].
  void add_items_from_users(const NodeRows& grad, float* scratch) const;

  // out = S^layers x (a copy of x when layers = 0) over item tables [items x d]; work [items x d].
  void item_item_forward(const ItemGraph& s, int layers, int64_t d, const float* x, float* out, float* work) const;
  // grad_x += (S^T)^layers grad_out; work [2 x items x d].
  void item_item_backward(const ItemGraph& s, int layers, int64_t d, const float* grad_out, float* grad_x,
                          float* work) const;

 private:
  const kernels::CsrView& adjacency(UserItemGraph graph) const;
  // Throws unless `t` is a [users; items] table of this process's rows without halo.
  void check_user_item_table(const NodeRows& t) const;
  // t's rows as a table whose halo rows are filled (a run split over processes: a copy in a
  // with-halo table, its halo exchanged), or t itself with one process.
  const float* with_halo(const NodeRows& t) const;
  // The sharded forms of user_item_forward / backward.
  void sharded_forward(const kernels::CsrView& adj, int layers, const NodeRows& x0, const NodeRows& out) const;
  void sharded_backward(const kernels::CsrView& adj, int layers, const NodeRows& grad_out,
                        const NodeRows& grad_x0) const;
  // The two with-halo tables a sharded pass alternates between, of width d.
  NodeRows halo_table(int which, int64_t d) const;

  ModelContext ctx_;
  Device* dev_ = nullptr;
  PropagationOptions options_;
  DeviceCsr pruned_;                 // this epoch's pruned Â (prune_edges)
  DeviceCsr user_block_, item_block_;  // Â's user rows and item rows (user_item_blocks)
  HaloExchange halo_;                // sharded runs
  mutable NodeTable halo_tables_[2];
};

}  // namespace mmgraph::detail
