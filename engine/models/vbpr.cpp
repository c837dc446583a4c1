// VBPR (He & McAuley, "VBPR: Visual Bayesian Personalized Ranking from Implicit
// Feedback", AAAI 2016), as MMRec implements it: the item representation is the
// concatenation of an id embedding and a projection of the concatenated features,
//   i = [E_i ; F W + b] (2d),  u = E_u (2d),  score u . i,  no graph;
// loss = objective(u, i) with the L2 on the batch's rows of u and i.
// Backward: d(i) splits into dE_i (first d columns) and dH (last d) -> projection.
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"

namespace mmgraph::detail {

namespace {

class Vbpr final : public Model {
 public:
  explicit Vbpr(const ModelContext& ctx)
      : dev_(*ctx.dev), c_(*ctx.config), d_(c_.embedding_size), n_users_(ctx.data->n_users),
        n_items_(ctx.data->n_items), objective_(ctx) {
    const Dataset& data = *ctx.data;
    upload_modalities(ctx, "vbpr");  // checks that the data set has features
    // F = [F_1 | F_2 | ...] [I x sum d_m], as MMRec concatenates the modalities.
    int64_t width = 0;
    for (const FeatureMatrix& f : data.features) width += f.cols;
    std::vector<float> concat(static_cast<size_t>(n_items_ * width));
    int64_t offset = 0;
    for (const FeatureMatrix& f : data.features) {
      for (int64_t i = 0; i < n_items_; ++i)
        std::copy_n(f.values.begin() + i * f.cols, f.cols, concat.begin() + i * width + offset);
      offset += f.cols;
    }
    width_ = width;
    if (c_.feature_storage == "bf16")
      features_bf16_ = upload_bf16(dev_, concat, "item features (bf16)");
    else
      features_ = Buffer<float>::from_host(dev_, concat, "item features");
    user_ = &params_.add(dev_, "user.embedding", {n_users_, 2 * d_}, xavier_uniform(n_users_, 2 * d_, c_.seed, 1));
    item_ = &params_.add(dev_, "item.embedding", {n_items_, d_}, xavier_uniform(n_items_, d_, c_.seed, 2));
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(width)));
    weight_ = &params_.add(dev_, "proj.weight", {width, d_}, uniform_values(width * d_, bound, c_.seed, 16));
    bias_ = &params_.add(dev_, "proj.bias", {d_}, uniform_values(d_, bound, c_.seed, 17));
    item_rep_ = Buffer<float>(dev_, static_cast<size_t>(n_items_ * 2 * d_), "item representations");
    grad_item_rep_ = Buffer<float>(dev_, item_rep_.size(), "item representation gradients");
    h_ = Buffer<float>(dev_, static_cast<size_t>(n_items_ * d_), "item projections");
  }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    propagate();
    grad_item_rep_.set_zero();
    objective_.add(batch, 2 * d_, user_->value.data(), item_rep_.data(), user_->grad.data(), grad_item_rep_.data(),
                   user_->value.data(), item_rep_.data(), user_->grad.data(), grad_item_rep_.data(), loss_sum);
    dev_.copy_rows(n_items_, d_, grad_item_rep_.data(), 2 * d_, item_->grad.data(), d_);
    dev_.copy_rows(n_items_, d_, grad_item_rep_.data() + d_, 2 * d_, h_.data(), d_);  // h_ now holds dH
    if (features_bf16_.empty())
      dev_.linear_backward(n_items_, width_, d_, features_.data(), weight_->value.data(), h_.data(), nullptr,
                           weight_->grad.data(), bias_->grad.data());
    else
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
};

}  // namespace

std::unique_ptr<Model> make_vbpr_model(const ModelContext& ctx) { return std::make_unique<Vbpr>(ctx); }

}  // namespace mmgraph::detail
