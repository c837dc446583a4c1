// Cold items' representations from their content neighbours (see cold_items.h).
#include "engine/models/blocks/cold_items.h"

#include <cmath>

namespace mmgraph::detail {

ColdItems::ColdItems(Device& dev, const Dataset& data, double scale)
    : dev_(&dev), scale_(static_cast<float>(scale)), n_items_(data.n_items) {
  if (scale <= 0) return;
  is_cold_.assign(static_cast<size_t>(n_items_), 1);
  for (int32_t i : data.train.col) is_cold_[static_cast<size_t>(i)] = 0;
  std::vector<int32_t> cold;
  for (int64_t i = 0; i < n_items_; ++i)
    if (is_cold_[static_cast<size_t>(i)]) cold.push_back(static_cast<int32_t>(i));
  if (!cold.empty()) cold_ = Buffer<int32_t>::from_host(dev, cold, "cold items");
}

void ColdItems::calibrate(const Propagation& prop, const std::vector<const ItemGraph*>& graphs, int64_t d,
                          float* item_rep) {
  const int64_t nc = count(), n_warm = n_items_ - nc;
  if (nc == 0 || n_warm == 0 || graphs.empty()) return;  // no warm item: nothing to place cold ones by
  const auto nd = static_cast<size_t>(n_items_ * d);
  if (sum_.empty()) {
    for (auto* b : {&sum_, &work_}) *b = Buffer<float>(*dev_, nd, "cold item calibration");
    rows_ = Buffer<float>(*dev_, static_cast<size_t>(nc * d), "cold item rows");
  }
  if (graphs.size() > 1 && part_.empty()) part_ = Buffer<float>(*dev_, nd, "cold item calibration");
  // Zero the cold rows of item_rep (x + (-x) is exactly 0): what is left is the warm items'.
  dev_->gather_rows(nc, d, cold_.data(), item_rep, rows_.data());
  dev_->axpy(nc * d, -2.0f, rows_.data(), rows_.data());  // rows := -rows (element-wise, in place)
  dev_->scatter_add_rows(nc, d, cold_.data(), rows_.data(), item_rep);
  // sum = sum_g S_g item_rep: the cold rows' neighbours, warm ones only.
  prop.item_item_forward(*graphs[0], 1, d, item_rep, sum_.data(), work_.data());
  for (size_t g = 1; g < graphs.size(); ++g) {
    prop.item_item_forward(*graphs[g], 1, d, item_rep, part_.data(), work_.data());
    dev_->axpy(static_cast<int64_t>(nd), 1.0f, part_.data(), sum_.data());
  }
  dev_->gather_rows(nc, d, cold_.data(), sum_.data(), rows_.data());
  const std::vector<float> dir = rows_.to_host();
  // The warm items' mean norm (float64 on the host: one pass over the representations).
  std::vector<float> all(nd);
  dev_->download(all.data(), item_rep, nd * sizeof(float));
  double norm_sum = 0;
  for (int64_t i = 0; i < n_items_; ++i) {
    if (is_cold_[static_cast<size_t>(i)]) continue;
    double s = 0;
    for (int64_t c = 0; c < d; ++c) s += static_cast<double>(all[i * d + c]) * all[i * d + c];
    norm_sum += std::sqrt(s);
  }
  const double target = scale_ * norm_sum / static_cast<double>(n_warm);
  // The new cold rows, added onto their zeroed rows. A cold item without a warm neighbour keeps
  // a zero row.
  std::vector<float> rows(static_cast<size_t>(nc * d), 0.0f);
  for (int64_t r = 0; r < nc; ++r) {
    double s = 0;
    for (int64_t c = 0; c < d; ++c) s += static_cast<double>(dir[r * d + c]) * dir[r * d + c];
    if (!(s > 0)) continue;
    const double f = target / std::sqrt(s);
    for (int64_t c = 0; c < d; ++c) rows[r * d + c] = static_cast<float>(f * dir[r * d + c]);
  }
  rows_.upload(rows);
  dev_->scatter_add_rows(nc, d, cold_.data(), rows_.data(), item_rep);
}

}  // namespace mmgraph::detail
