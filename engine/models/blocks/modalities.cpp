// Item features on the device and their projections (see modalities.h).
#include "engine/models/blocks/modalities.h"

#include <cmath>

#include "kernels/bf16.h"
#include "kernels/l2_normalize.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

Buffer<uint16_t> upload_bf16(Device& dev, const std::vector<float>& values, const char* what) {
  std::vector<uint16_t> bits(values.size());
  for (size_t e = 0; e < bits.size(); ++e) bits[e] = kernels::float_to_bf16(values[e]);
  return Buffer<uint16_t>::from_host(dev, bits, what);
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
  Modalities mods;
  for (const FeatureMatrix& f : data.features) {
    mods.names.push_back(f.name);
    mods.dims.push_back(f.cols);
    if (!bf16) {
      mods.features.push_back(Buffer<float>::from_host(ctx.device(), f.values, "item features"));
      if (normalize_rows) ctx.device().l2_normalize_forward(f.rows, f.cols, mods.features.back().data(), mods.features.back().data());
    } else if (!normalize_rows) {
      mods.features_bf16.push_back(upload_bf16(ctx.device(), f.values, "item features (bf16)"));
    } else {  // scaled on the host (the CPU reference of the device's normalisation): the rounding comes last
      std::vector<float> scaled(f.values.size());
      kernels::l2_normalize_rows_forward_cpu(f.rows, f.cols, f.values.data(), scaled.data());
      mods.features_bf16.push_back(upload_bf16(ctx.device(), scaled, "item features (bf16)"));
    }
  }
  return mods;
}

Projections::Projections(ParamSet& params, Device& dev, const NodeIndex& nodes, const Modalities& mods, int64_t d,
                         uint64_t seed, uint32_t stream_base, bool learn_features)
    : dev_(&dev), mods_(&mods), n_items_(nodes.owned(NodeKind::kItem)), d_(d) {
  if (learn_features && mods.bf16())  // validate_config refuses the pair; this guards other callers
    throw Error("Projections: learn_features needs float32 feature storage");
  for (size_t m = 0; m < mods.count(); ++m) {
    if (learn_features)
      features_.push_back(&params.add(dev, mods.names[m] + ".features", {n_items_, mods.dims[m]},
                                      mods.features[m].to_host(), nodes.placement(NodeSet::kItems, mods.dims[m])));
    const int64_t dim = mods.dims[m];
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dim)));
    const auto stream = static_cast<uint32_t>(stream_base + 2 * m);
    weight_.push_back(&params.add(dev, mods.names[m] + ".proj.weight", {dim, d},
                                  uniform_values(dim * d, bound, seed, stream), ParamPlacement::replicated()));
    bias_.push_back(&params.add(dev, mods.names[m] + ".proj.bias", {d}, uniform_values(d, bound, seed, stream + 1),
                                ParamPlacement::replicated()));
  }
}

const float* Projections::features(size_t m) const {
  return features_.empty() ? mods_->features[m].data() : features_[m]->value.data();
}

void Projections::forward(float* h) const {
  for (size_t m = 0; m < weight_.size(); ++m) {
    float* hm = h + static_cast<int64_t>(m) * n_items_ * d_;
    if (mods_->bf16())
      dev_->linear_forward_bf16x(n_items_, mods_->dims[m], d_, mods_->features_bf16[m].data(),
                                 weight_[m]->value.data(), bias_[m]->value.data(), hm);
    else
      dev_->linear_forward(n_items_, mods_->dims[m], d_, features(m), weight_[m]->value.data(),
                           bias_[m]->value.data(), hm);
  }
}

void Projections::backward(const float* dh) const {
  for (size_t m = 0; m < weight_.size(); ++m) {
    const float* dhm = dh + static_cast<int64_t>(m) * n_items_ * d_;
    if (mods_->bf16())
      dev_->linear_backward_bf16x(n_items_, mods_->dims[m], d_, mods_->features_bf16[m].data(), dhm,
                                  weight_[m]->grad.data(), bias_[m]->grad.data());
    else
      dev_->linear_backward(n_items_, mods_->dims[m], d_, features(m), weight_[m]->value.data(), dhm,
                            features_.empty() ? nullptr : features_[m]->grad.data(), weight_[m]->grad.data(),
                            bias_[m]->grad.data());
  }
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
