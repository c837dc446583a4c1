// Cold items' representations from their content neighbours (see cold_items.h).
#include "engine/models/blocks/cold_items.h"

#include <cmath>

namespace mmgraph::detail {

ColdItems::ColdItems(const ModelContext& ctx, double scale)
    : ctx_(ctx), dev_(&ctx.device()), scale_(static_cast<float>(scale)), n_items_(ctx.nodes->owned(NodeKind::kItem)) {
  if (scale <= 0) return;
  const Dataset& data = *ctx.data;
  is_cold_.assign(static_cast<size_t>(data.n_items), 1);
  for (int32_t i : data.train.col) is_cold_[static_cast<size_t>(i)] = 0;
  const int64_t first = ctx.nodes->part(NodeKind::kItem).owned.first;
  std::vector<int32_t> cold;  // local ids
  for (int64_t i = 0; i < n_items_; ++i)
    if (is_cold_[static_cast<size_t>(first + i)]) cold.push_back(static_cast<int32_t>(i));
  if (!cold.empty()) cold_ = Buffer<int32_t>::from_host(*dev_, cold, "cold items");
  for (const char c : is_cold_) n_cold_all_ += c;
}

void ColdItems::calibrate(const Propagation& prop, const std::vector<const ItemGraph*>& graphs, int64_t d,
                          float* item_rep) {
  const int64_t nc = count(), n_all = static_cast<int64_t>(is_cold_.size()), n_warm = n_all - n_cold_all_;
  // No cold item anywhere, or no warm item to place them by (the same on every process: the
  // collectives below are called by all or none).
  if (n_cold_all_ == 0 || n_warm == 0 || graphs.empty()) return;
  const auto nd = static_cast<size_t>(n_items_ * d);
  if (sum_.empty()) {
    for (auto* b : {&sum_, &work_}) *b = Buffer<float>(*dev_, nd, "cold item calibration");
    rows_ = Buffer<float>(*dev_, static_cast<size_t>(nc * d), "cold item rows");
  }
  if (graphs.size() > 1 && part_.empty()) part_ = Buffer<float>(*dev_, nd, "cold item calibration");
  // Zero the cold rows of item_rep (x + (-x) is exactly 0): what is left is the warm items'.
  if (nc) {
    dev_->gather_rows(nc, d, cold_.data(), item_rep, rows_.data());
    dev_->axpy(nc * d, -2.0f, rows_.data(), rows_.data());  // rows := -rows (element-wise, in place)
    dev_->scatter_add_rows(nc, d, cold_.data(), rows_.data(), item_rep);
  }
  // sum = sum_g S_g item_rep: the cold rows' neighbours, warm ones only.
  prop.item_item_forward(*graphs[0], 1, d, item_rep, sum_.data(), work_.data());
  for (size_t g = 1; g < graphs.size(); ++g) {
    prop.item_item_forward(*graphs[g], 1, d, item_rep, part_.data(), work_.data());
    dev_->axpy(static_cast<int64_t>(nd), 1.0f, part_.data(), sum_.data());
  }
  std::vector<float> dir(static_cast<size_t>(nc * d));
  if (nc) {
    dev_->gather_rows(nc, d, cold_.data(), sum_.data(), rows_.data());
    dev_->download(dir.data(), rows_.data(), dir.size() * sizeof(float));
  }
  // Each item's norm (float64, on the host), every process's gathered, then the warm ones summed in item order.
  std::vector<float> all(nd);
  dev_->download(all.data(), item_rep, nd * sizeof(float));
  std::vector<double> norms(static_cast<size_t>(n_items_));
  for (int64_t i = 0; i < n_items_; ++i) {
    double s = 0;
    for (int64_t c = 0; c < d; ++c) s += static_cast<double>(all[i * d + c]) * all[i * d + c];
    norms[static_cast<size_t>(i)] = std::sqrt(s);
  }
  if (ctx_.layout) norms = gather_item_values(norms);
  double norm_sum = 0;
  for (int64_t i = 0; i < n_all; ++i)
    if (!is_cold_[static_cast<size_t>(i)]) norm_sum += norms[static_cast<size_t>(i)];
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
  if (!nc) return;
  rows_.upload(rows);
  dev_->scatter_add_rows(nc, d, cold_.data(), rows_.data(), item_rep);
}

std::vector<double> ColdItems::gather_item_values(const std::vector<double>& own) const {
  const ShardLayout& layout = *ctx_.layout;
  std::vector<int64_t> counts(static_cast<size_t>(layout.size));
  for (int r = 0; r < layout.size; ++r) counts[static_cast<size_t>(r)] = layout.owned(NodeKind::kItem, r).count;
  const Buffer<double> send = Buffer<double>::from_host(*dev_, own, "item norms");
  Buffer<double> all(*dev_, is_cold_.size(), "item norms");
  ctx_.resources->comm().all_gather_v(send.data(), all.data(), counts, CommType::kFloat64);
  return all.to_host();
}

}  // namespace mmgraph::detail
