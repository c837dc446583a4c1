#pragma once
// Training configuration. Keys follow MMRec where the meaning is the same.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mmgraph {

struct TrainConfig {
  std::string model = "lightgcn";   // a model of engine/models/: bprmf, lightgcn, freedom, ...
  int embedding_size = 64;
  int n_layers = 3;
  double reg_weight = 1e-4;         // BPR L2 on layer-0 rows of the batch, /batch
  double learning_rate = 1e-3;
  int64_t train_batch_size = 2048;
  int epochs = 1000;
  int stopping_step = 20;           // patience in evaluations
  int eval_step = 1;                // validate every eval_step epochs
  int64_t eval_batch_size = 4096;   // users scored per block
  std::vector<int> topk = {10, 20, 50};
  std::string valid_metric = "Recall@20";
  uint64_t seed = 2024;
  std::string device = "auto";      // auto | cpu | cuda | cuda:N
  int threads = 0;                  // OpenMP threads, 0 = runtime default
  bool deterministic = false;       // GPU: sorted reductions instead of atomics

  // Multimodal models (see README "Models"). Each key is read by the models that use it.
  // Extra modalities: name -> .npy path ([items x dim], float16/32/64), added to
  // (or replacing, by name) the data set's own *_feat.npy features.
  std::vector<std::pair<std::string, std::string>> modalities;
  // Weight of each modality's item-item graph in S = sum_m w_m S_m (FREEDOM's
  // mm_image_weight); modalities not listed share the remaining weight equally.
  std::vector<std::pair<std::string, double>> modality_weights;
  int knn_k = 10;                   // neighbours per item in each modality's kNN graph
  int n_mm_layers = 1;              // item-item propagation layers
  double dropout = 0.0;             // FREEDOM: fraction of user-item edges pruned each epoch
  double mm_bpr_weight = 0.0;       // FREEDOM: weight of the BPR terms on projected modality features
  bool learn_features = false;      // train the item features themselves (MMRec's FREEDOM/LATTICE/MGCN do)
  double cl_weight = 0.0;           // InfoNCE weight between the id view and the modality view
  double cl_temperature = 0.2;      // InfoNCE temperature
  double lambda_coeff = 0.9;        // LATTICE: weight of the frozen graph beside the re-learnt one
  int graph_update_every = 1;       // LATTICE: re-learn the item graph every this many epochs
  std::string loss = "bpr";         // main objective: bpr | mse | bce | warp
  int warp_candidates = 16;         // WARP: negatives tried per positive
  double warp_margin = 1.0;         // WARP: margin

  // With a checkpoint directory (TrainOptions / --checkpoint-dir): save every this
  // many epochs (0 = only at the best validation epoch and at the end).
  int checkpoint_every = 1;
};

// Reads a YAML mapping of the keys above. Unknown keys and wrongly typed values
// are InputErrors naming the file, the line and the key.
TrainConfig load_config(const std::string& yaml_path, TrainConfig base = {});

// Applies one "key=value" override (value parsed as YAML). Throws InputError
// ("--set", key, problem) for unknown keys or bad values.
void apply_override(TrainConfig& config, const std::string& assignment);

// Checks ranges (sizes > 0, valid_metric among the computed metrics, ...).
void validate_config(const TrainConfig& config);

// All keys with their current values, as a YAML/JSON-compatible flat list.
std::vector<std::pair<std::string, std::string>> config_items(const TrainConfig& config);

}  // namespace mmgraph
