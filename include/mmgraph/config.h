#pragma once
// Training configuration. Keys follow MMRec where the meaning is the same.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmgraph/errors.h"

namespace mmgraph {

// Where a key's value came from, so that a message about the value can say.
struct ConfigOrigin {
  std::string source;    // the config file, or "--set" (the command-line option that set it)
  std::string position;  // "line 7" in a file; the assignment "key=value" on the command line
  std::string value;     // the value then, as config_items prints it: a later direct change is not attributed
};

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
  int threads = 0;                  // OpenMP and OpenBLAS threads, 0 = runtime default
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
  // Item features on the device: "float32", or "bf16" (rounded to nearest even; half the memory;
  // fixed features only, so not with learn_features).
  std::string feature_storage = "float32";
  double cl_weight = 0.0;           // InfoNCE weight between the id view and the modality view
  double cl_temperature = 0.2;      // InfoNCE temperature
  double lambda_coeff = 0.9;        // LATTICE: weight of the frozen graph beside the re-learnt one
  int graph_update_every = 1;       // LATTICE: re-learn the item graph every this many epochs
  // Models with an item graph (LATTICE, FREEDOM, MGCN, mmgraph): at evaluation an item without
  // training interactions takes its warm content neighbours' representation in direction and
  // cold_scale times the warm items' mean norm in length (0: the model's own row).
  double cold_scale = 1.0;
  std::string loss = "bpr";         // main objective: bpr | mse | bce | warp
  int warp_candidates = 16;         // WARP: negatives tried per positive
  double warp_margin = 1.0;         // WARP: margin

  // With a checkpoint directory (TrainOptions / --checkpoint-dir): save every this
  // many epochs (0 = only at the best validation epoch and at the end).
  int checkpoint_every = 1;

  // Key -> origin of its last assignment by load_config, parse_config or
  // apply_override (absent for defaults); read by config_error.
  std::map<std::string, ConfigOrigin> origins;
};

// Reads a YAML mapping of the keys above. The file must be UTF-8; unknown
// keys, keys given twice and wrongly typed values are InputErrors naming the
// file, the line and the key.
TrainConfig load_config(const std::string& yaml_path, TrainConfig base = {});

// load_config on YAML text: `source` names it in errors and origins, and
// relative paths in it (modalities) are relative to its folder.
TrainConfig parse_config(std::string_view yaml_text, const std::string& source, TrainConfig base = {});

// Applies one "key=value" override (value parsed as YAML). Throws InputError
// (source, the assignment, problem) for unknown keys or bad values. `source`
// names the option that gave it; relative paths are relative to the working directory.
void apply_override(TrainConfig& config, const std::string& assignment, const std::string& source = "--set");

// Checks ranges (sizes > 0, valid_metric among the computed metrics, ...); a
// value out of range is a config_error naming where it came from.
void validate_config(const TrainConfig& config);

// An InputError about the value of `key`: "<file>:line N: key 'k': problem",
// "--set:k=v: key 'k': problem", or "config: key 'k': problem" when the value
// is a default or was changed after it was read.
InputError config_error(const TrainConfig& config, const std::string& key, const std::string& problem);

// All keys with their current values, as a YAML/JSON-compatible flat list.
std::vector<std::pair<std::string, std::string>> config_items(const TrainConfig& config);

}  // namespace mmgraph
