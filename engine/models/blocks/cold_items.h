#pragma once
// Items without training interactions ("cold" items) in the multimodal models. No
// loss term reads their rows (positives and negatives come from training items), so
// their representations are whatever the untrained parts give them; and what the
// content graph gives them has a smaller norm than a warm item's (a mean of
// neighbours), so under dot-product scoring they never reach a top-K. At evaluation,
// each cold item's representation becomes its content neighbours' (S's row over the
// warm items; the sum over the graphs given) in direction, with cold_scale times the
// warm items' mean norm in length. cold_scale 0 leaves the model's rows as they are.
#include <cstdint>
#include <vector>

#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/propagation.h"

namespace mmgraph::detail {

class ColdItems {
 public:
  ColdItems() = default;
  ColdItems(const ModelContext& ctx, double scale);
  // item_rep [n_items x d] (device memory, the items this process holds) in place; graphs: the
  // model's item graphs, propagated through prop (one layer each). Takes two [n_items x d] device
  // buffers on its first call (three with several graphs) and downloads the item table once per
  // call, for the warm items' mean norm (in a run split over processes every process's item norms
  // are gathered and summed in item order, as one process sums them).
  void calibrate(const Propagation& prop, const std::vector<const ItemGraph*>& graphs, int64_t d,
                 float* item_rep);
  int64_t count() const { return static_cast<int64_t>(cold_.size()); }

 private:
  ModelContext ctx_;
  Device* dev_ = nullptr;
  float scale_ = 0;
  int64_t n_items_ = 0;         // held here
  std::vector<char> is_cold_;   // every item of the run (global ids)
  int64_t n_cold_all_ = 0;      // cold items of the run
  // Every process's values of its items (own: this process's, [n_items_]), in global item order.
  std::vector<double> gather_item_values(const std::vector<double>& own) const;
  Buffer<int32_t> cold_;
  Buffer<float> sum_, part_, work_, rows_;
};

}  // namespace mmgraph::detail
