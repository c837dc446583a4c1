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

// One member per config key. A member's initialiser is the key's default; its documentation,
// accepted values, the models that read it and whether a resumed run may change it are declared
// once, in engine/src/config_keys.cpp, and printed by README "Configuration".
struct TrainConfig {
  std::string model = "lightgcn";
  int embedding_size = 64;
  int n_layers = 3;
  double reg_weight = 1e-4;
  double learning_rate = 1e-3;
  int64_t train_batch_size = 2048;
  int64_t epoch_steps = 0;  // 0: every batch of an epoch
  int epochs = 1000;
  int stopping_step = 20;
  int eval_step = 1;
  int64_t eval_batch_size = 4096;
  int64_t eval_users = 0;  // 0: every user with held-out items
  std::vector<int> topk = {10, 20, 50};
  std::string valid_metric = "Recall@20";
  bool test_masks_valid = false;
  uint64_t seed = 2024;
  std::string device = "auto";
  int threads = 0;
  bool deterministic = false;
  std::string partition = "contiguous";  // how a run over several processes splits users and items
  double collective_timeout = 300;       // seconds a collective of such a run may wait
  std::vector<std::pair<std::string, std::string>> modalities;        // name -> .npy path
  std::vector<std::pair<std::string, double>> modality_weights;       // name -> weight
  int knn_k = 10;
  std::string knn_index = "exact";  // exact, ivf or hnsw (FAISS)
  int knn_ivf_nprobe = 32;
  int knn_hnsw_ef = 128;
  int n_mm_layers = 1;
  double dropout = 0.0;
  double mm_bpr_weight = 0.0;
  bool learn_features = false;
  std::string feature_storage = "float32";
  double cl_weight = 0.0;
  double cl_temperature = 0.2;
  double lambda_coeff = 0.9;
  int graph_update_every = 1;
  double cold_scale = 1.0;
  std::string loss = "bpr";
  int warp_candidates = 16;
  double warp_margin = 1.0;
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

// Checks every key's value against its declaration (ranges, accepted values)
// and the rules between keys (valid_metric among the computed metrics, ...); a
// value out of range is a config_error naming where it came from.
void validate_config(const TrainConfig& config);

// The keys the chosen model does not read, given in a file or by --set with a
// value other than their default: one line each, "<origin>: key 'k' is not read
// by model 'm' (only by ...): ignored". Not an error, since shared configs and
// grid scripts switch the model with --set model=...; train() prints them on
// stderr as warnings.
std::vector<std::string> unread_key_warnings(const TrainConfig& config);

// Whether the model of that config name reads item features (vbpr and the multimodal models do;
// bprmf and lightgcn do not). Loading a data set for a model that does not can leave its feature
// arrays unread (LoadOptions::load_features = false).
bool model_reads_features(const std::string& model);

// An InputError about the value of `key`: "<file>:line N: key 'k': problem",
// "--set:k=v: key 'k': problem", or "config: key 'k': problem" when the value
// is a default or was changed after it was read.
InputError config_error(const TrainConfig& config, const std::string& key, const std::string& problem);

// All keys with their current values, as a YAML/JSON-compatible flat list.
std::vector<std::pair<std::string, std::string>> config_items(const TrainConfig& config);

}  // namespace mmgraph
