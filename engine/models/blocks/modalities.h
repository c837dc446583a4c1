#pragma once
// The data set's item features on the device and their learned projections
// H_m = F_m W_m + b_m [I x d] (torch.nn.Linear's layout and initialisation).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/models/blocks/node_table.h"
#include "engine/models/blocks/owner_gather.h"
#include "engine/src/model.h"

namespace mmgraph::detail {

// The rows [I x dims[m]] of each modality (the items this process holds), stored as config feature_storage says: in `features`
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
Buffer<uint16_t> upload_bf16(Device& dev, std::span<const float> values, const char* what);

// Uploads every feature matrix of the data set, as float32 or bf16 (config
// feature_storage). A model that needs features gets an InputError naming itself
// when the data set has none. With normalize_rows each item's feature row is
// scaled to unit L2 norm (raw features come at any scale: TikTok's image rows
// have norm ~33, its audio rows ~4.5), before the rounding to bf16.
Modalities upload_modalities(const ModelContext& ctx, const char* model, bool normalize_rows = false);

// Per-modality projections, parameters "<name>.proj.weight" [dim x d] and "<name>.proj.bias" [d];
// with learn_features the features are parameters too ("<name>.features" [I x dim],
// initialised to the data set's values), as MMRec's FREEDOM, LATTICE and MGCN train them; with bf16
// storage they are bf16 parameters (params.h add_bf16: bf16 values and Adam moments, float32
// gradients). bf16 features are read through the bf16 linear layer (kernels/linear.h).
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
  // h [K x d] := modality m's projection of the K items of `items` alone, their feature rows
  // gathered from their owners into feats [K x dims[m]] (kept for backward_rows). Float32 storage.
  void forward_rows(size_t m, const OwnerGather& items, float* feats, float* h) const;
  // Adds dW_m, db_m from dh [K x d]; with learnt features also the K items' feature gradients,
  // through grad_feats [K x dims[m]] (scratch), into their owners' rows.
  void backward_rows(size_t m, const OwnerGather& items, const float* feats, const float* dh, float* grad_feats) const;
  // The replicated parameters: every modality's weight and bias.
  std::vector<Param*> dense_params() const;

 private:
  Device* dev_ = nullptr;
  const Modalities* mods_ = nullptr;
  int64_t n_items_ = 0, d_ = 0;
  std::vector<Param*> weight_, bias_, features_;  // features_: empty unless learnt
  const float* features(size_t m) const;            // float32 storage
  const uint16_t* features_bf16(size_t m) const;   // bf16 storage
};

// FREEDOM's modality BPR: weight * sum_m BPR(u, H_m[pos], H_m[neg]) over the batch,
// with user_rep [U x d] and h [m x I x d]; gradients added into grad_user_rep and grad_h.
void add_modality_bpr(Device& dev, const TripleBatch& batch, float weight, int m, int64_t n_items, int64_t d,
                      const float* user_rep, const float* h, float* grad_user_rep, float* grad_h, double* loss_sum);

// A fusion of the modalities' projections of k items into one view (mmgraph's attention), for
// BatchModalityBpr to score that view instead of each modality's.
class ModalityFusion {
 public:
  virtual ~ModalityFusion() = default;
  // z [k x d] from h [m x k x d] (keeps what backward needs).
  virtual void forward(int64_t k, const float* h, float* z) = 0;
  // grad_h [m x k x d] += d/dh from grad_z [k x d] (and the fusion's own parameters' gradients).
  virtual void backward(int64_t k, const float* h, const float* grad_z, float* grad_h) = 0;
};

// That term as FREEDOM, LATTICE and mmgraph train it: weight * sum over the views of BPR(u,
// view[pos], view[neg]), the views each modality's projections H_m, or with a fusion its one
// fused view. With float32 storage it is computed on the batch's rows alone: the batch's distinct
// users and items (ascending) gathered from their owners (OwnerGather; local rows with one
// process), the items' projections (and fusion) computed there, the batch's ids as rows of these
// compact tables; then the users' gradient rows added into grad_rep's owned rows and the
// projections' gradients into their parameters. The same arithmetic for any number of processes;
// it reads the batch's ids back to the host each step. With bf16 storage (one process only) every
// item is projected (the bf16 layer has no row gather).
class BatchModalityBpr {
 public:
  BatchModalityBpr() = default;
  // fusion (optional, kept by the caller): the one view scored.
  BatchModalityBpr(const ModelContext& ctx, const Modalities& mods, const Projections& projections, float weight,
                   ModalityFusion* fusion = nullptr);
  // rep, grad_rep: [users; items] tables of width d (their user rows are read and written).
  void add(const TripleBatch& batch, const NodeRows& rep, const NodeRows& grad_rep, double* loss_sum);

 private:
  // The term over views of `rows` items ([m x rows x d] projections h, their gradients grad_h),
  // users user_rows, on batch ids `ids`.
  void add_views(const TripleBatch& ids, int64_t rows, int64_t d, const float* user_rows, const float* h,
                 float* grad_user_rows, float* grad_h, double* loss_sum);

  ModelContext ctx_;
  const Modalities* mods_ = nullptr;
  const Projections* projections_ = nullptr;
  float weight_ = 0;
  ModalityFusion* fusion_ = nullptr;
  OwnerGather users_, items_;
  Buffer<int32_t> ids_;  // the batch's users, positives, negatives as compact rows [3 x size]
  Buffer<float> user_rows_, grad_user_rows_, h_, grad_h_, grad_feats_, z_, grad_z_;
  std::vector<Buffer<float>> feats_;  // per modality, the batch items' feature rows
};

}  // namespace mmgraph::detail
