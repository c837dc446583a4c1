// Item features on the device and their projections (see modalities.h).
#include "engine/models/blocks/modalities.h"

#include <cmath>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

Modalities upload_modalities(const ModelContext& ctx, const char* model, bool normalize_rows) {
  const Dataset& data = *ctx.data;
  if (data.features.empty())
    throw InputError(data.name, "", std::string("model '") + model +
                                        "' needs item features: put <name>_feat.npy beside the splits or list them "
                                        "under `modalities:` in the config");
  Modalities mods;
  for (const FeatureMatrix& f : data.features) {
    mods.names.push_back(f.name);
    mods.dims.push_back(f.cols);
    mods.features.push_back(Buffer<float>::from_host(*ctx.dev, f.values, "item features"));
    if (normalize_rows) ctx.dev->l2_normalize_forward(f.rows, f.cols, mods.features.back().data(), mods.features.back().data());
  }
  return mods;
}

Projections::Projections(ParamSet& params, Device& dev, const Modalities& mods, int64_t n_items, int64_t d,
                         uint64_t seed, uint32_t stream_base, bool learn_features)
    : dev_(&dev), mods_(&mods), n_items_(n_items), d_(d) {
  for (size_t m = 0; m < mods.count(); ++m) {
    if (learn_features)
      features_.push_back(&params.add(dev, mods.names[m] + ".features", {n_items, mods.dims[m]},
                                      mods.features[m].to_host()));
    const int64_t dim = mods.dims[m];
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dim)));
    const auto stream = static_cast<uint32_t>(stream_base + 2 * m);
    weight_.push_back(&params.add(dev, mods.names[m] + ".proj.weight", {dim, d},
                                  uniform_values(dim * d, bound, seed, stream)));
    bias_.push_back(&params.add(dev, mods.names[m] + ".proj.bias", {d}, uniform_values(d, bound, seed, stream + 1)));
  }
}

const float* Projections::features(size_t m) const {
  return features_.empty() ? mods_->features[m].data() : features_[m]->value.data();
}

void Projections::forward(float* h) const {
  for (size_t m = 0; m < weight_.size(); ++m)
    dev_->linear_forward(n_items_, mods_->dims[m], d_, features(m), weight_[m]->value.data(),
                         bias_[m]->value.data(), h + static_cast<int64_t>(m) * n_items_ * d_);
}

void Projections::backward(const float* dh) const {
  for (size_t m = 0; m < weight_.size(); ++m)
    dev_->linear_backward(n_items_, mods_->dims[m], d_, features(m), weight_[m]->value.data(),
                          dh + static_cast<int64_t>(m) * n_items_ * d_,
                          features_.empty() ? nullptr : features_[m]->grad.data(), weight_[m]->grad.data(),
                          bias_[m]->grad.data());
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
