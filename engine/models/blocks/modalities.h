#pragma once
// The data set's item features on the device and their learned projections
// H_m = F_m W_m + b_m [I x d] (torch.nn.Linear's layout and initialisation).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/src/model.h"

namespace mmgraph::detail {

// The rows [I x dims[m]] of each modality, stored as config feature_storage says: in `features`
// (float32) or in `features_bf16` (kernels/bf16.h, rounded to nearest even); the other is empty.
struct Modalities {
  std::vector<std::string> names;
  std::vector<int64_t> dims;
  std::vector<Buffer<float>> features;
  std::vector<Buffer<uint16_t>> features_bf16;
  size_t count() const { return names.size(); }
  bool bf16() const { return !features_bf16.empty(); }
  // Device memory the stored features take.
  size_t device_bytes() const;
};

// values rounded to bf16 (kernels/bf16.h, nearest even) in a new device buffer.
Buffer<uint16_t> upload_bf16(Device& dev, const std::vector<float>& values, const char* what);

// Uploads every feature matrix of the data set, as float32 or bf16 (config
// feature_storage). A model that needs features gets an InputError naming itself
// when the data set has none. With normalize_rows each item's feature row is
// scaled to unit L2 norm (raw features come at any scale: TikTok's image rows
// have norm ~33, its audio rows ~4.5), before the rounding to bf16.
Modalities upload_modalities(const ModelContext& ctx, const char* model, bool normalize_rows = false);

// Per-modality projections, parameters "<name>.proj.weight" [dim x d] and "<name>.proj.bias" [d];
// with learn_features the features are parameters too ("<name>.features" [I x dim],
// initialised to the data set's values), as MMRec's FREEDOM, LATTICE and MGCN train them
// (float32 storage only). bf16 features are read through the bf16 linear layer (kernels/linear.h).
class Projections {
 public:
  Projections() = default;
  // Initialised as nn.Linear: U(-1/sqrt(dim), 1/sqrt(dim)), Philox streams from stream_base; the
  // projections are replicated, learnt features row-sharded as the items held here.
  Projections(ParamSet& params, Device& dev, const NodeIndex& nodes, const Modalities& mods, int64_t d, uint64_t seed,
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
  const float* features(size_t m) const;  // float32 storage
};

// FREEDOM's modality BPR: weight * sum_m BPR(u, H_m[pos], H_m[neg]) over the batch,
// with user_rep [U x d] and h [m x I x d]; gradients added into grad_user_rep and grad_h.
void add_modality_bpr(Device& dev, const TripleBatch& batch, float weight, int m, int64_t n_items, int64_t d,
                      const float* user_rep, const float* h, float* grad_user_rep, float* grad_h, double* loss_sum);

}  // namespace mmgraph::detail
