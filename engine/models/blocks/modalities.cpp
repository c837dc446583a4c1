// Item features on the device and their projections (see modalities.h).
#include "engine/models/blocks/modalities.h"

#include <algorithm>
#include <cmath>

#include "engine/models/blocks/batch_gather.h"
#include "kernels/bf16.h"
#include "kernels/l2_normalize.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

Buffer<uint16_t> upload_bf16(Device& dev, std::span<const float> values, const char* what) {
  return Buffer<uint16_t>::from_host(dev, kernels::bf16_rounded(values.data(), values.size()), what);
}

size_t Modalities::device_bytes() const {
  size_t bytes = 0;
  for (const auto& f : features) bytes += f.size() * sizeof(float);
  for (const auto& f : features_bf16) bytes += f.size() * sizeof(uint16_t);
  return bytes;
}

Modalities upload_modalities(const ModelContext& ctx, const char* model, bool normalize_rows) {
  const Dataset& data = *ctx.data;
  if (data.features.empty())
    throw InputError(data.name, "", std::string("model '") + model +
                                        "' needs item features: put <name>_feat.npy beside the splits or list them "
                                        "under `modalities:` in the config");
  const bool bf16 = ctx.config->feature_storage == "bf16";
  const RowRange items = ctx.nodes->part(NodeKind::kItem).owned;
  Modalities mods;
  for (const FeatureMatrix& f : data.features) {
    mods.names.push_back(f.name);
    mods.dims.push_back(f.cols);
    // The rows of the items held here (every item with one process).
    const float* held = f.values.data() + items.first * f.cols;
    const auto n = static_cast<size_t>(items.count * f.cols);
    if (!bf16) {
      mods.features.emplace_back(ctx.device(), n, "item features");
      ctx.device().upload(mods.features.back().data(), held, n * sizeof(float));
      if (normalize_rows)
        ctx.device().l2_normalize_forward(items.count, f.cols, mods.features.back().data(), mods.features.back().data());
    } else if (!normalize_rows) {
      mods.features_bf16.push_back(upload_bf16(ctx.device(), {held, n}, "item features (bf16)"));
    } else {  // scaled on the host (the CPU reference of the device's normalisation): the rounding comes last
      std::vector<float> scaled(n);
      kernels::l2_normalize_rows_forward_cpu(items.count, f.cols, held, scaled.data());
      mods.features_bf16.push_back(upload_bf16(ctx.device(), scaled, "item features (bf16)"));
    }
  }
  return mods;
}

Projections::Projections(ParamSet& params, Device& dev, const NodeIndex& nodes, const Modalities& mods, int64_t d,
                         uint64_t seed, uint32_t stream_base, bool learn_features)
    : dev_(&dev), mods_(&mods), n_items_(nodes.owned(NodeKind::kItem)), d_(d) {
  for (size_t m = 0; m < mods.count(); ++m) {
    const int64_t dim = mods.dims[m];
    const auto stream = static_cast<uint32_t>(stream_base + 2 * m);
    const std::string name = mods.names[m] + ".features";
    const ParamPlacement rows = nodes.placement(NodeSet::kItems, dim);
    if (learn_features && mods.bf16())  // Adam's rounding keyed by the seed and the modality's stream
      features_.push_back(&params.add_bf16(dev, name, {n_items_, dim}, mods.features_bf16[m].to_host(), rows,
                                           seed ^ (uint64_t{stream} << 32)));
    else if (learn_features)
      features_.push_back(&params.add(dev, name, {n_items_, dim}, mods.features[m].to_host(), rows));
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dim)));
    weight_.push_back(&params.add(dev, mods.names[m] + ".proj.weight", {dim, d},
                                  uniform_values(dim * d, bound, seed, stream), ParamPlacement::replicated()));
    bias_.push_back(&params.add(dev, mods.names[m] + ".proj.bias", {d}, uniform_values(d, bound, seed, stream + 1),
                                ParamPlacement::replicated()));
  }
}

const float* Projections::features(size_t m) const {
  return features_.empty() ? mods_->features[m].data() : features_[m]->value.data();
}

const uint16_t* Projections::features_bf16(size_t m) const {
  return features_.empty() ? mods_->features_bf16[m].data() : features_[m]->value_bf16.data();
}

void Projections::forward(float* h) const {
  for (size_t m = 0; m < weight_.size(); ++m) {
    float* hm = h + static_cast<int64_t>(m) * n_items_ * d_;
    if (mods_->bf16())
      dev_->linear_forward_bf16x(n_items_, mods_->dims[m], d_, features_bf16(m), weight_[m]->value.data(),
                                 bias_[m]->value.data(), hm);
    else
      dev_->linear_forward(n_items_, mods_->dims[m], d_, features(m), weight_[m]->value.data(),
                           bias_[m]->value.data(), hm);
  }
}

void Projections::backward(const float* dh) const {
  for (size_t m = 0; m < weight_.size(); ++m) {
    const float* dhm = dh + static_cast<int64_t>(m) * n_items_ * d_;
    if (mods_->bf16()) {
      dev_->linear_backward_bf16x(n_items_, mods_->dims[m], d_, features_bf16(m), dhm, weight_[m]->grad.data(),
                                  bias_[m]->grad.data());
      if (!features_.empty())  // dF += dH W^T (float32 gradient of the bf16 features)
        dev_->linear_backward(n_items_, mods_->dims[m], d_, nullptr, weight_[m]->value.data(), dhm,
                              features_[m]->grad.data(), nullptr, nullptr);
    } else
      dev_->linear_backward(n_items_, mods_->dims[m], d_, features(m), weight_[m]->value.data(), dhm,
                            features_.empty() ? nullptr : features_[m]->grad.data(), weight_[m]->grad.data(),
                            bias_[m]->grad.data());
  }
}

void Projections::forward_rows(size_t m, const OwnerGather& items, float* feats, float* h) const {
  if (mods_->bf16()) throw Error("Projections::forward_rows: needs float32 feature storage");
  items.gather(features(m), mods_->dims[m], feats);
  dev_->linear_forward(items.size(), mods_->dims[m], d_, feats, weight_[m]->value.data(), bias_[m]->value.data(), h);
}

std::vector<Param*> Projections::dense_params() const {
  std::vector<Param*> all(weight_);
  all.insert(all.end(), bias_.begin(), bias_.end());
  return all;
}

void Projections::backward_rows(size_t m, const OwnerGather& items, const float* feats, const float* dh,
                                float* grad_feats) const {
  const int64_t k = items.size(), dim = mods_->dims[m];
  const bool learnt = !features_.empty();
  if (learnt) dev_->zero(grad_feats, static_cast<size_t>(k * dim) * sizeof(float));
  dev_->linear_backward(k, dim, d_, feats, weight_[m]->value.data(), dh, learnt ? grad_feats : nullptr,
                        weight_[m]->grad.data(), bias_[m]->grad.data());
  if (learnt) items.scatter_add(grad_feats, dim, features_[m]->grad.data());
}

void add_modality_bpr(Device& dev, const TripleBatch& batch, float weight, int m, int64_t n_items, int64_t d,
                      const float* user_rep, const float* h, float* grad_user_rep, float* grad_h, double* loss_sum) {
  const kernels::BprBatch triples{batch.size, batch.users, batch.pos, batch.neg, weight};
  for (int j = 0; j < m; ++j) {
    const int64_t off = j * n_items * d;
    // No L2 here (reg 0): the layer-0 arguments repeat the representations.
    dev.bpr_loss(triples, d, user_rep, h + off, user_rep, h + off, 0.0f, grad_user_rep, grad_h + off, grad_user_rep,
                 grad_h + off, loss_sum);
  }
}

}  // namespace mmgraph::detail

namespace mmgraph::detail {

namespace {

// The buffer grown to hold at least n floats.
void reserve(Device& dev, Buffer<float>& b, size_t n, const char* what) {
  if (b.size() < n) b = Buffer<float>(dev, n, what);
}

}  // namespace

BatchModalityBpr::BatchModalityBpr(const ModelContext& ctx, const Modalities& mods, const Projections& projections,
                                   float weight, ModalityFusion* fusion)
    : ctx_(ctx), mods_(&mods), projections_(&projections), weight_(weight), fusion_(fusion),
      users_(ctx, NodeKind::kUser), items_(ctx, NodeKind::kItem), feats_(mods.count()) {}

void BatchModalityBpr::add_views(const TripleBatch& ids, int64_t rows, int64_t d, const float* user_rows,
                                 const float* h, float* grad_user_rows, float* grad_h, double* loss_sum) {
  Device& dev = ctx_.device();
  if (!fusion_) {
    add_modality_bpr(dev, ids, weight_, static_cast<int>(mods_->count()), rows, d, user_rows, h, grad_user_rows,
                     grad_h, loss_sum);
    return;
  }
  const auto n = static_cast<size_t>(rows * d);
  reserve(dev, z_, n, "fused views");
  reserve(dev, grad_z_, n, "fused views");
  fusion_->forward(rows, h, z_.data());
  dev.zero(grad_z_.data(), n * sizeof(float));
  add_modality_bpr(dev, ids, weight_, 1, rows, d, user_rows, z_.data(), grad_user_rows, grad_z_.data(), loss_sum);
  fusion_->backward(rows, h, grad_z_.data(), grad_h);
}

void BatchModalityBpr::add(const TripleBatch& batch, const NodeRows& rep, const NodeRows& grad_rep,
                           double* loss_sum) {
  Device& dev = ctx_.device();
  const auto b = static_cast<size_t>(batch.size);
  const int64_t d = rep.width();
  const auto m = static_cast<int64_t>(mods_->count());
  if (mods_->bf16()) {
    const int64_t n = ctx_.nodes->owned(NodeKind::kItem);
    const auto size = static_cast<size_t>(m * n * d);
    reserve(dev, h_, size, "modality projections");
    reserve(dev, grad_h_, size, "modality projection gradients");
    dev.zero(grad_h_.data(), size * sizeof(float));
    projections_->forward(h_.data());
    add_views(batch, n, d, rep.users(), h_.data(), grad_rep.users(), grad_h_.data(), loss_sum);
    projections_->backward(grad_h_.data());
    return;
  }
  const CompactTriples c = compact_triples(dev, batch);
  const std::vector<int32_t>& users = c.users;
  const std::vector<int32_t>& items = c.items;
  users_.plan(users);
  items_.plan(items);
  ids_ = Buffer<int32_t>::from_host(dev, c.ids, "batch modality rows");
  TripleBatch compact = batch;
  compact.users = ids_.data();
  compact.pos = ids_.data() + b;
  compact.neg = ids_.data() + 2 * b;

  const auto nu = static_cast<int64_t>(users.size()), nk = static_cast<int64_t>(items.size());
  reserve(dev, user_rows_, static_cast<size_t>(nu * d), "batch user rows");
  reserve(dev, grad_user_rows_, static_cast<size_t>(nu * d), "batch user rows");
  reserve(dev, h_, static_cast<size_t>(m * nk * d), "batch item projections");
  reserve(dev, grad_h_, static_cast<size_t>(m * nk * d), "batch item projections");
  users_.gather(rep.users(), d, user_rows_.data());
  dev.zero(grad_user_rows_.data(), static_cast<size_t>(nu * d) * sizeof(float));
  dev.zero(grad_h_.data(), static_cast<size_t>(m * nk * d) * sizeof(float));
  int64_t widest = 0;
  for (size_t j = 0; j < mods_->count(); ++j) {
    reserve(dev, feats_[j], static_cast<size_t>(nk * mods_->dims[j]), "batch item features");
    projections_->forward_rows(j, items_, feats_[j].data(), h_.data() + static_cast<int64_t>(j) * nk * d);
    widest = std::max(widest, mods_->dims[j]);
  }
  add_views(compact, nk, d, user_rows_.data(), h_.data(), grad_user_rows_.data(), grad_h_.data(), loss_sum);
  users_.scatter_add(grad_user_rows_.data(), d, grad_rep.users());
  reserve(dev, grad_feats_, static_cast<size_t>(nk * widest), "batch item feature gradients");
  for (size_t j = 0; j < mods_->count(); ++j)
    projections_->backward_rows(j, items_, feats_[j].data(), grad_h_.data() + static_cast<int64_t>(j) * nk * d,
                                grad_feats_.data());
}

}  // namespace mmgraph::detail
