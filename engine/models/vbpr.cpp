// VBPR (He & McAuley, "VBPR: Visual Bayesian Personalized Ranking from Implicit
// Feedback", AAAI 2016), as MMRec implements it: the item representation is the
// concatenation of an id embedding and a projection of the concatenated features,
//   i = [E_i ; F W + b] (2d),  u = E_u (2d),  score u . i,  no graph;
// loss = objective(u, i) with the L2 on the batch's rows of u and i.
// Backward: d(i) splits into dE_i (first d columns) and dH (last d) -> projection.
// A training step projects only the batch's items (positives, negatives, WARP's candidates:
// the rows the objective reads), gathered into compact buffers; propagate() projects every item.
// On a GPU the batch's item rows are padded (blocks/batch_rows.h): a padded row gathers zero
// features and embeddings, is projected to the bias, and is scattered nowhere; its gradient is zero.
// With bf16 feature storage (no bf16 row gather) the step projects every item.
// In a run split over processes (float32 storage) every process gathers the batch's rows (features,
// item and user embeddings) from their owners in the batch's row order and computes the whole step
// on them, the same bits as one process; it keeps the gradients of the rows it owns.
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/models/blocks/batch_gather.h"
#include "engine/models/blocks/batch_rows.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/node_table.h"
#include "engine/models/blocks/objective.h"
#include "engine/models/blocks/owner_gather.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

class Vbpr final : public Model {
 public:
  explicit Vbpr(const ModelContext& ctx)
      : dev_(ctx.device()), c_(*ctx.config), d_(c_.embedding_size), n_users_(ctx.nodes->owned(NodeKind::kUser)),
        n_items_(ctx.nodes->owned(NodeKind::kItem)), objective_(ctx) {
    const Dataset& data = *ctx.data;
    upload_modalities(ctx, "vbpr");  // checks that the data set has features
    if (ctx.sharded && c_.feature_storage == "bf16")
      throw InputError("feature_storage", "bf16", "VBPR over several processes needs float32 feature storage");
    // F = [F_1 | F_2 | ...] [I x sum d_m] (the items held here), as MMRec concatenates the modalities.
    const int64_t first_item = ctx.nodes->part(NodeKind::kItem).owned.first;
    int64_t width = 0;
    for (const FeatureMatrix& f : data.features) width += f.cols;
    std::vector<float> concat(static_cast<size_t>(n_items_ * width));
    int64_t offset = 0;
    for (const FeatureMatrix& f : data.features) {
      for (int64_t i = 0; i < n_items_; ++i)
        std::copy_n(f.values.begin() + (first_item + i) * f.cols, f.cols, concat.begin() + i * width + offset);
      offset += f.cols;
    }
    width_ = width;
    if (c_.feature_storage == "bf16")
      features_bf16_ = upload_bf16(dev_, concat, "item features (bf16)");
    else
      features_ = Buffer<float>::from_host(dev_, concat, "item features");
    const NodeIndex& nodes = *ctx.nodes;
    const int64_t all_users = nodes.part(NodeKind::kUser).global_count;
    const int64_t all_items = nodes.part(NodeKind::kItem).global_count;
    user_ = &params_.add(dev_, "user.embedding", {n_users_, 2 * d_},
                         held_rows(xavier_uniform(all_users, 2 * d_, c_.seed, 1), nodes, NodeSet::kUsers, 2 * d_),
                         nodes.placement(NodeSet::kUsers, 2 * d_));
    item_ = &params_.add(dev_, "item.embedding", {n_items_, d_},
                         held_rows(xavier_uniform(all_items, d_, c_.seed, 2), nodes, NodeSet::kItems, d_),
                         nodes.placement(NodeSet::kItems, d_));
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(width)));
    const ParamPlacement replicated = ParamPlacement::replicated();
    weight_ =
        &params_.add(dev_, "proj.weight", {width, d_}, uniform_values(width * d_, bound, c_.seed, 16), replicated);
    bias_ = &params_.add(dev_, "proj.bias", {d_}, uniform_values(d_, bound, c_.seed, 17), replicated);
    item_rep_ = Buffer<float>(dev_, static_cast<size_t>(n_items_ * 2 * d_), "item representations");
    grad_item_rep_ = Buffer<float>(dev_, item_rep_.size(), "item representation gradients");
    h_ = Buffer<float>(dev_, static_cast<size_t>(n_items_ * d_), "item projections");
    batch_items_ = BatchRowSet(ctx, true);
    const auto rows = static_cast<size_t>(batch_items_.item_capacity());
    batch_features_ = Buffer<float>(dev_, rows * static_cast<size_t>(width_), "batch item features");
    batch_h_ = Buffer<float>(dev_, rows * static_cast<size_t>(d_), "batch item projections");
    batch_e_ = Buffer<float>(dev_, rows * static_cast<size_t>(d_), "batch item embeddings");
    batch_rep_ = Buffer<float>(dev_, rows * static_cast<size_t>(2 * d_), "batch item representations");
    if (ctx.sharded) {
      sharded_ = true;
      item_gather_ = OwnerGather(ctx, NodeKind::kItem);
      user_gather_ = OwnerGather(ctx, NodeKind::kUser);
      grad_batch_rep_ = Buffer<float>(dev_, batch_rep_.size(), "batch item representation gradients");
      const auto b = static_cast<size_t>(c_.train_batch_size);
      batch_users_ = Buffer<float>(dev_, b * static_cast<size_t>(2 * d_), "batch users");
      grad_batch_users_ = Buffer<float>(dev_, batch_users_.size(), "batch user gradients");
    }
  }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    if (sharded_) return forward_backward_gathered(batch, loss_sum);
    if (!features_bf16_.empty()) return forward_backward_all_items(batch, loss_sum);
    // item_rep = [E_i ; F W + b] at the batch's items K, zero elsewhere (nothing reads the other rows);
    // k counts K's padded rows too.
    batch_items_.build(batch, objective_);
    const int64_t k = batch_items_.item_count();
    const int32_t* items = batch_items_.item_rows();
    dev_.gather_rows(k, width_, items, features_.data(), batch_features_.data());
    dev_.linear_forward(k, width_, d_, batch_features_.data(), weight_->value.data(), bias_->value.data(),
                        batch_h_.data());
    dev_.gather_rows(k, d_, items, item_->value.data(), batch_e_.data());
    dev_.copy_rows(k, d_, batch_e_.data(), d_, batch_rep_.data(), 2 * d_);
    dev_.copy_rows(k, d_, batch_h_.data(), d_, batch_rep_.data() + d_, 2 * d_);
    dev_.zero(item_rep_.data(), item_rep_.size() * sizeof(float));
    dev_.scatter_add_rows(k, 2 * d_, items, batch_rep_.data(), item_rep_.data());
    grad_item_rep_.set_zero();
    objective_.add(batch, 2 * d_, user_->value.data(), item_rep_.data(), user_->grad.data(), grad_item_rep_.data(),
                   user_->value.data(), item_rep_.data(), user_->grad.data(), grad_item_rep_.data(), loss_sum);
    // d[E_i ; H] at K: dE_i into the embedding's gradient (zero before), dH through the projection.
    dev_.gather_rows(k, 2 * d_, items, grad_item_rep_.data(), batch_rep_.data());
    dev_.copy_rows(k, d_, batch_rep_.data(), 2 * d_, batch_e_.data(), d_);
    dev_.copy_rows(k, d_, batch_rep_.data() + d_, 2 * d_, batch_h_.data(), d_);
    dev_.scatter_add_rows(k, d_, items, batch_e_.data(), item_->grad.data());
    dev_.linear_backward(k, width_, d_, batch_features_.data(), weight_->value.data(), batch_h_.data(), nullptr,
                         weight_->grad.data(), bias_->grad.data());
  }

  // The step of a run split over processes: the batch's items K (in the batch's row order) and
  // users gathered from their owners, the objective on them with the batch's ids as their rows.
  void forward_backward_gathered(const TripleBatch& batch, double* loss_sum) {
    batch_items_.build(batch, objective_);
    const int64_t k = batch_items_.item_count();
    std::vector<int32_t> items(static_cast<size_t>(k));
    if (k) dev_.download(items.data(), batch_items_.item_rows(), items.size() * sizeof(int32_t));
    const auto b = static_cast<size_t>(batch.size);
    std::vector<int32_t> ids = triples_on_host(dev_, batch);
    std::vector<int32_t> users(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(b));
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    item_gather_.plan(items);
    user_gather_.plan(users);
    // The batch's ids as rows of the gathered tables.
    std::vector<std::pair<int32_t, int32_t>> item_row(items.size());
    for (size_t j = 0; j < items.size(); ++j) item_row[j] = {items[j], static_cast<int32_t>(j)};
    std::sort(item_row.begin(), item_row.end());
    for (size_t t = 0; t < b; ++t)
      ids[t] = static_cast<int32_t>(std::lower_bound(users.begin(), users.end(), ids[t]) - users.begin());
    for (size_t t = b; t < 3 * b; ++t)
      ids[t] = std::lower_bound(item_row.begin(), item_row.end(), std::pair<int32_t, int32_t>{ids[t], -1})->second;
    batch_ids_ = Buffer<int32_t>::from_host(dev_, ids, "gathered batch");
    TripleBatch gathered = batch;
    gathered.users = batch_ids_.data();
    gathered.pos = batch_ids_.data() + b;
    gathered.neg = batch_ids_.data() + 2 * b;

    // [E_i ; F W + b] at K, and E_u at the batch's users.
    item_gather_.gather(features_.data(), width_, batch_features_.data());
    dev_.linear_forward(k, width_, d_, batch_features_.data(), weight_->value.data(), bias_->value.data(),
                        batch_h_.data());
    item_gather_.gather(item_->value.data(), d_, batch_e_.data());
    dev_.copy_rows(k, d_, batch_e_.data(), d_, batch_rep_.data(), 2 * d_);
    dev_.copy_rows(k, d_, batch_h_.data(), d_, batch_rep_.data() + d_, 2 * d_);
    const auto nu = static_cast<int64_t>(users.size());
    user_gather_.gather(user_->value.data(), 2 * d_, batch_users_.data());
    dev_.zero(grad_batch_users_.data(), static_cast<size_t>(nu * 2 * d_) * sizeof(float));
    dev_.zero(grad_batch_rep_.data(), static_cast<size_t>(k * 2 * d_) * sizeof(float));
    objective_.add(gathered, 2 * d_, batch_users_.data(), batch_rep_.data(), grad_batch_users_.data(),
                   grad_batch_rep_.data(), batch_users_.data(), batch_rep_.data(), grad_batch_users_.data(),
                   grad_batch_rep_.data(), loss_sum);
    user_gather_.scatter_add(grad_batch_users_.data(), 2 * d_, user_->grad.data());
    dev_.copy_rows(k, d_, grad_batch_rep_.data(), 2 * d_, batch_e_.data(), d_);
    dev_.copy_rows(k, d_, grad_batch_rep_.data() + d_, 2 * d_, batch_h_.data(), d_);
    item_gather_.scatter_add(batch_e_.data(), d_, item_->grad.data());
    dev_.linear_backward(k, width_, d_, batch_features_.data(), weight_->value.data(), batch_h_.data(), nullptr,
                         weight_->grad.data(), bias_->grad.data());
  }

  // The step with every item projected (bf16 feature storage).
  void forward_backward_all_items(const TripleBatch& batch, double* loss_sum) {
    propagate();
    grad_item_rep_.set_zero();
    objective_.add(batch, 2 * d_, user_->value.data(), item_rep_.data(), user_->grad.data(), grad_item_rep_.data(),
                   user_->value.data(), item_rep_.data(), user_->grad.data(), grad_item_rep_.data(), loss_sum);
    dev_.copy_rows(n_items_, d_, grad_item_rep_.data(), 2 * d_, item_->grad.data(), d_);
    dev_.copy_rows(n_items_, d_, grad_item_rep_.data() + d_, 2 * d_, h_.data(), d_);  // h_ now holds dH
    dev_.linear_backward_bf16x(n_items_, width_, d_, features_bf16_.data(), h_.data(), weight_->grad.data(),
                               bias_->grad.data());
  }

  // item_rep = [E_i ; F W + b].
  void propagate() override {
    if (features_bf16_.empty())
      dev_.linear_forward(n_items_, width_, d_, features_.data(), weight_->value.data(), bias_->value.data(),
                          h_.data());
    else
      dev_.linear_forward_bf16x(n_items_, width_, d_, features_bf16_.data(), weight_->value.data(),
                                bias_->value.data(), h_.data());
    dev_.copy_rows(n_items_, d_, item_->value.data(), d_, item_rep_.data(), 2 * d_);
    dev_.copy_rows(n_items_, d_, h_.data(), d_, item_rep_.data() + d_, 2 * d_);
  }

  const float* user_rep() const override { return user_->value.data(); }
  const float* item_rep() const override { return item_rep_.data(); }
  int64_t rep_dim() const override { return 2 * d_; }

 private:
  Device& dev_;
  const TrainConfig& c_;
  int64_t d_, n_users_, n_items_, width_ = 0;
  Objective objective_;
  Buffer<float> features_;             // [I x width], float32 storage
  Buffer<uint16_t> features_bf16_;     // the same rounded to bf16 (feature_storage: bf16); one of the two is empty
  Param *user_ = nullptr, *item_ = nullptr, *weight_ = nullptr, *bias_ = nullptr;
  Buffer<float> item_rep_, grad_item_rep_, h_;
  BatchRowSet batch_items_;  // the items a training step reads, and their rows of F, H, E_i, [E_i ; H]
  Buffer<float> batch_features_, batch_h_, batch_e_, batch_rep_;
  bool sharded_ = false;  // a run split over processes: the batch's rows gathered from their owners
  OwnerGather item_gather_, user_gather_;
  Buffer<int32_t> batch_ids_;  // the batch's users, positives, negatives as rows of the gathered tables
  Buffer<float> grad_batch_rep_, batch_users_, grad_batch_users_;
};

}  // namespace

std::unique_ptr<Model> make_vbpr_model(const ModelContext& ctx) { return std::make_unique<Vbpr>(ctx); }

}  // namespace mmgraph::detail
