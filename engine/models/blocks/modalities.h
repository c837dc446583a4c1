#pragma once
// The data set's item features on the device and their learned projections
// H_m = F_m W_m + b_m [I x d] (torch.nn.Linear's layout and initialisation).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/src/model.h"

namespace mmgraph::detail {

struct Modalities {
  std::vector<std::string> names;
  std::vector<int64_t> dims;
  std::vector<Buffer<float>> features;  // [I x dims[m]] each
  size_t count() const { return names.size(); }
};

// Uploads every feature matrix of the data set. A model that needs features
// gets an InputError naming itself when the data set has none. With
// normalize_rows each item's feature row is scaled to unit L2 norm (raw features
// come at any scale: TikTok's image rows have norm ~33, its audio rows ~4.5).
Modalities upload_modalities(const ModelContext& ctx, const char* model, bool normalize_rows = false);

// Per-modality projections, parameters "<name>.proj.weight" [dim x d] and "<name>.proj.bias" [d];
// with learn_features the features are parameters too ("<name>.features" [I x dim],
// initialised to the data set's values), as MMRec's FREEDOM, LATTICE and MGCN train them.
class Projections {
 public:
  Projections() = default;
  // Initialised as nn.Linear: U(-1/sqrt(dim), 1/sqrt(dim)), Philox streams from stream_base.
  Projections(ParamSet& params, Device& dev, const Modalities& mods, int64_t n_items, int64_t d, uint64_t seed,
              uint32_t stream_base, bool learn_features);
  // h [m x I x d]: modality m's rows at h + m * I * d (overwritten).
  void forward(float* h) const;
  // Adds dW, db (and the features' gradient when they are learnt) from dh [m x I x d].
  void backward(const float* dh) const;

 private:
  Device* dev_ = nullptr;
  const Modalities* mods_ = nullptr;
  int64_t n_items_ = 0, d_ = 0;
  std::vector<Param*> weight_, bias_, features_;  // features_: empty unless learnt
  const float* features(size_t m) const;
};

// FREEDOM's modality BPR: weight * sum_m BPR(u, H_m[pos], H_m[neg]) over the batch,
// with user_rep [U x d] and h [m x I x d]; gradients added into grad_user_rep and grad_h.
void add_modality_bpr(Device& dev, const TripleBatch& batch, float weight, int m, int64_t n_items, int64_t d,
                      const float* user_rep, const float* h, float* grad_user_rep, float* grad_h, double* loss_sum);

}  // namespace mmgraph::detail
