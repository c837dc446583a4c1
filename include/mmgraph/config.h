#pragma once
// Training configuration. Keys follow MMRec where the meaning is the same.
#include <cstdint>
#include <string>
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
