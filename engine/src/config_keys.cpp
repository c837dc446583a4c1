// The table of config keys (see config_keys.h) and what derives from it alone: printing a value,
// the resumable keys and README's key table.
#include "engine/src/config_keys.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "engine/src/device_name.h"
#include "io/text_input.h"
#include "kernels/knn_graph.h"
#include "kernels/ranking_metrics.h"
#include "kernels/topk.h"

namespace mmgraph::detail {

namespace {

// The rules of single keys beyond range and choices: the problem, or "".
std::string bad_device(const TrainConfig& c) {
  if (is_device_name(c.device)) return "";
  return "must be " + std::string(kDeviceNames) + ", got '" + io::excerpt(c.device) + "'";
}

// topk: one K at least, and no more than the metrics op takes in one call.
std::string bad_topk(const TrainConfig& c) {
  if (c.topk.empty()) return "needs at least one K";
  if (c.topk.size() > static_cast<size_t>(kernels::kMaxCutoffs))
    return "at most " + std::to_string(kernels::kMaxCutoffs) + " K values, got " + std::to_string(c.topk.size());
  return "";
}

// The ranges the table states: [min, inf), (min, inf), [min, max].
NumberRange at_least(double min) { return {.min = min}; }
NumberRange above(double min) { return {.min = min, .min_open = true}; }
NumberRange between(double min, double max) { return {.min = min, .max = max}; }

// The value type of a member.
template <typename Member>
struct ValueOf;
template <typename T>
struct ValueOf<T TrainConfig::*> {
  using type = T;
};

// The key's type as README names it.
std::string_view type_name(const ConfigMember& member) {
  return std::visit(
      [](auto m) -> std::string_view {
        using T = typename ValueOf<decltype(m)>::type;
        if constexpr (std::is_same_v<T, std::string>) return "string";
        else if constexpr (std::is_same_v<T, bool>) return "true / false";
        else if constexpr (std::is_same_v<T, uint64_t>) return "integer >= 0";
        else if constexpr (std::is_integral_v<T>) return "integer";
        else if constexpr (std::is_same_v<T, double>) return "number";
        else if constexpr (std::is_same_v<T, std::vector<int>>) return "list of integers";
        else if constexpr (std::is_same_v<typename T::value_type::second_type, std::string>) return "{name: path}";
        else return "{name: number}";
      },
      member);
}

}  // namespace

std::string NumberRange::describe(bool integer) const {
  const bool has_min = std::isfinite(min), has_max = std::isfinite(max);
  if (has_min && has_max)
    return integer ? fmt::format("in {}..{}", min, max)
                   : fmt::format("in {}{}, {}{}", min_open ? "(" : "[", min, max, max_open ? ")" : "]");
  if (has_min) return fmt::format("{} {}", min_open ? ">" : ">=", min);
  if (has_max) return fmt::format("{} {}", max_open ? "<" : "<=", max);
  return "";
}

bool holds_integers(const ConfigMember& member) {
  return std::visit(
      [](auto m) {
        using T = typename ValueOf<decltype(m)>::type;
        return (std::is_integral_v<T> && !std::is_same_v<T, bool>) || std::is_same_v<T, std::vector<int>>;
      },
      member);
}

bool ConfigKey::applies_to(std::string_view model) const {
  return models.empty() || std::find(models.begin(), models.end(), model) != models.end();
}

const std::vector<std::string_view>& feature_models() {
  static const std::vector<std::string_view> models = {"vbpr", "lattice", "freedom", "mgcn", "mmgraph"};
  return models;
}

const std::vector<ConfigKey>& config_keys() {
  // Model groups by what they read: a user-item graph, item features, an item-item graph.
  const std::vector<std::string_view> kGraphModels = {"lightgcn", "lattice", "freedom", "mgcn", "mmgraph"};
  const std::vector<std::string_view>& kFeatureModels = feature_models();
  const std::vector<std::string_view> kItemGraphModels = {"lattice", "freedom", "mgcn", "mmgraph"};
  static const std::vector<ConfigKey> keys = {
      // model: validate_config checks the name against the registry (model_names()), so that the
      // parser and this table link without the models.
      {.name = "model", .member = &TrainConfig::model,
       .values = "a model of `engine/models/` (see \"Models\")", .doc = "the model to train"},
      {.name = "embedding_size", .member = &TrainConfig::embedding_size, .range = between(1, 4096),
       .doc = "d, the width of user and item embeddings"},
      {.name = "n_layers", .member = &TrainConfig::n_layers, .range = between(0, 16), .models = kGraphModels,
       .doc = "LightGCN propagation layers L over the user-item graph"},
      {.name = "reg_weight", .member = &TrainConfig::reg_weight, .range = at_least(0),
       .doc = "L2 on the batch's layer-0 rows: reg * (|e_u|² + |e_i+|² + |e_i-|²) / B"},
      {.name = "learning_rate", .member = &TrainConfig::learning_rate, .range = above(0), .doc = "Adam step size"},
      {.name = "train_batch_size", .member = &TrainConfig::train_batch_size, .range = above(0),
       .doc = "BPR triples per step"},
      {.name = "epoch_steps", .member = &TrainConfig::epoch_steps, .range = at_least(0),
       .doc = "train only the first this many steps of each epoch (0: all of them): a bounded run at scale, "
              "whose log gives the steps run and the epoch's full count"},
      {.name = "epochs", .member = &TrainConfig::epochs, .range = at_least(0), .resumable = true,
       .doc = "maximum epochs"},
      {.name = "stopping_step", .member = &TrainConfig::stopping_step, .range = above(0), .resumable = true,
       .doc = "stop after this many evaluations without a better valid_metric"},
      {.name = "eval_step", .member = &TrainConfig::eval_step, .range = above(0), .resumable = true,
       .doc = "validate every eval_step epochs"},
      {.name = "eval_batch_size", .member = &TrainConfig::eval_batch_size, .range = above(0), .resumable = true,
       .doc = "users scored per GEMM block during evaluation"},
      {.name = "eval_users", .member = &TrainConfig::eval_users, .range = at_least(0),
       .doc = "validation and test on a sample of this many users (0: all): the users whose hashed id is "
              "smallest, so the same users for every epoch, model and seed on a data set; said in the log "
              "and the summary"},
      {.name = "topk", .member = &TrainConfig::topk, .range = between(1, kernels::kMaxTopK), .element = "K",
       .problem = bad_topk, .doc = "cut-offs K of Recall, NDCG, Precision, Hit, MAP (at most 8 of them)"},
      {.name = "valid_metric", .member = &TrainConfig::valid_metric, .values = "Metric@K with K in topk",
       .doc = "the metric early stopping and model selection use"},
      {.name = "test_masks_valid", .member = &TrainConfig::test_masks_valid,
       .doc = "at test, also skip the user's validation items (false: they stay candidates, as in MMRec)"},
      {.name = "seed", .member = &TrainConfig::seed, .doc = "initialisation and sampling (same seed, same run)"},
      {.name = "device", .member = &TrainConfig::device, .problem = bad_device, .values = kDeviceNames,
       .resumable = true, .doc = "auto: the first GPU when there is one, else the CPU"},
      {.name = "threads", .member = &TrainConfig::threads, .range = at_least(0), .resumable = true,
       .doc = "OpenMP and OpenBLAS threads of the CPU backend (0: the runtimes' defaults, all cores)"},
      {.name = "deterministic", .member = &TrainConfig::deterministic, .resumable = true,
       .doc = "GPU: sorted reductions instead of atomics (bit-identical runs)"},
      {.name = "partition", .member = &TrainConfig::partition, .choices = {"contiguous", "degree_relabel", "metis"},
       .resumable = true,
       .doc = "a run over several processes (mpirun, srun): each owns a block of the users and of the items, "
              "contiguous ids balanced by degree + 1 (the same results for any number of processes), or of a "
              "numbering by degree or by METIS edge cut (fewer halo rows; results then depend on the number, "
              "and a checkpoint resumes on the same number only)"},
      {.name = "collective_timeout", .member = &TrainConfig::collective_timeout, .range = above(0),
       .resumable = true,
       .doc = "seconds a collective of a run over several processes, and its MPI start, wait before the "
              "run stops (a lost process)"},
      {.name = "modalities", .member = &TrainConfig::modalities, .models = kFeatureModels, .resumable = true,
       .doc = "extra item features `{name: file.npy}` (rows = items, float16/32/64; relative to the config "
              "file), added to or replacing by name the data set's own; a resume compares their contents"},
      {.name = "modality_weights", .member = &TrainConfig::modality_weights, .range = at_least(0),
       .element = "weight", .models = {"lattice", "freedom", "mmgraph"},
       .doc = "weight w_m of each modality's kNN graph in S = sum_m w_m S_m, `{image: 0.1, text: 0.9}`; "
              "modalities not listed share the rest equally"},
      {.name = "knn_k", .member = &TrainConfig::knn_k, .range = between(1, kernels::kMaxKnnK),
       .models = kItemGraphModels, .doc = "neighbours per item in each modality's kNN graph"},
      {.name = "knn_index", .member = &TrainConfig::knn_index, .choices = {"exact", "ivf", "hnsw"},
       .models = kItemGraphModels,
       .doc = "how the kNN graphs are found: exact (every pair's cosine), or a FAISS approximate index for "
              "catalogues where exact is out of reach: ivf (inverted lists over 4 sqrt(items) k-means cells) or "
              "hnsw (a 32-link graph, built by one thread so that it is the same every run); one process only"},
      {.name = "knn_ivf_nprobe", .member = &TrainConfig::knn_ivf_nprobe, .range = at_least(1),
       .models = kItemGraphModels, .doc = "cells an ivf kNN search visits (more: closer to exact, slower)"},
      {.name = "knn_hnsw_ef", .member = &TrainConfig::knn_hnsw_ef, .range = at_least(1), .models = kItemGraphModels,
       .doc = "candidates an hnsw kNN search keeps (more: closer to exact, slower)"},
      {.name = "n_mm_layers", .member = &TrainConfig::n_mm_layers, .range = between(0, 16),
       .models = kItemGraphModels, .doc = "item-item propagation layers"},
      {.name = "dropout", .member = &TrainConfig::dropout, .range = {.min = 0, .max = 1, .max_open = true},
       .models = {"freedom", "mmgraph"}, .doc = "fraction of user-item edges pruned each epoch (degree-sensitive)"},
      {.name = "mm_bpr_weight", .member = &TrainConfig::mm_bpr_weight, .range = at_least(0),
       .models = {"lattice", "freedom", "mmgraph"},
       .doc = "weight of BPR on each modality's projected features (FREEDOM's `reg_weight`; mmgraph: on the "
              "fused content)"},
      {.name = "learn_features", .member = &TrainConfig::learn_features, .models = kItemGraphModels,
       .doc = "train the item features themselves (MMRec's FREEDOM, LATTICE and MGCN do)"},
      {.name = "feature_storage", .member = &TrainConfig::feature_storage, .choices = {"float32", "bf16"},
       .models = kFeatureModels,
       .doc = "item features on the device; bf16 (rounded to nearest even) takes half the memory, the "
              "projections and kNN graphs read the rounded values; with `learn_features: true` the learnt "
              "features and their Adam moments are bf16 too (stochastic rounding), their gradient float32"},
      {.name = "cl_weight", .member = &TrainConfig::cl_weight, .range = at_least(0), .models = {"mgcn", "mmgraph"},
       .doc = "InfoNCE weight between the id view and the modality view"},
      {.name = "cl_temperature", .member = &TrainConfig::cl_temperature, .range = above(0),
       .models = {"mgcn", "mmgraph"}, .doc = "InfoNCE temperature"},
      {.name = "lambda_coeff", .member = &TrainConfig::lambda_coeff, .range = between(0, 1),
       .models = {"lattice", "mmgraph"}, .doc = "weight of the frozen item graph beside the re-learnt one"},
      {.name = "cold_scale", .member = &TrainConfig::cold_scale, .range = between(0, 100),
       .models = kItemGraphModels,
       .doc = "an item without training interactions is evaluated as its warm content neighbours' "
              "representation, at this times the warm items' mean norm (0: as the model leaves it)"},
      {.name = "graph_update_every", .member = &TrainConfig::graph_update_every, .range = above(0),
       .models = {"lattice", "mmgraph"}, .doc = "re-learn the item graph every this many epochs"},
      {.name = "loss", .member = &TrainConfig::loss, .choices = {"bpr", "mse", "bce", "warp"},
       .doc = "main objective: bpr, bce (sampled negatives as 0), mse (1 / 0 targets), warp"},
      {.name = "warp_candidates", .member = &TrainConfig::warp_candidates, .range = between(1, 1024),
       .doc = "loss warp: negatives tried per positive"},
      {.name = "warp_margin", .member = &TrainConfig::warp_margin, .range = above(0), .doc = "loss warp: margin"},
      {.name = "checkpoint_every", .member = &TrainConfig::checkpoint_every, .range = at_least(0),
       .resumable = true,
       .doc = "with a checkpoint directory: save every this many epochs (0: only at the best epoch and the end)"},
  };
  return keys;
}

const ConfigKey* find_config_key(std::string_view name) {
  for (const ConfigKey& key : config_keys())
    if (key.name == name) return &key;
  return nullptr;
}

std::string config_value(const TrainConfig& c, const ConfigKey& key) {
  return std::visit(
      [&c](auto member) -> std::string {
        const auto& v = c.*member;
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          return fmt::format("{}", v);
        } else if constexpr (std::is_integral_v<T>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, std::vector<int>>) {
          return fmt::format("[{}]", fmt::join(v, ", "));
        } else {  // a mapping: paths as JSON strings, weights as numbers
          std::string out;
          for (const auto& [name, value] : v) {
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>)
              out += fmt::format("{}{}: {}", out.empty() ? "" : ", ", name, nlohmann::json(value).dump());
            else
              out += fmt::format("{}{}: {}", out.empty() ? "" : ", ", name, value);
          }
          return "{" + out + "}";
        }
      },
      key.member);
}

std::set<std::string> resumable_config_keys() {
  std::set<std::string> names;
  for (const ConfigKey& key : config_keys())
    if (key.resumable) names.emplace(key.name);
  return names;
}

std::string config_keys_markdown() {
  auto cell = [](std::string_view text) {  // a '|' would end the cell
    std::string out;
    for (char ch : text) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return out;
  };
  const TrainConfig defaults;
  std::string out = "| key | type | default | values | models | on resume | meaning |\n"
                    "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const ConfigKey& key : config_keys()) {
    std::string values;
    if (!key.choices.empty()) {
      for (std::string_view choice : key.choices) values += fmt::format("{}`{}`", values.empty() ? "" : ", ", choice);
    } else if (!key.values.empty()) {
      values = key.values;
    } else if (const std::string range = key.range.describe(holds_integers(key.member)); !range.empty()) {
      values = key.element.empty() ? range : fmt::format("each {} {}", key.element, range);
    }
    if (values.rfind("in ", 0) == 0) values.erase(0, 3);  // "1..128" rather than "in 1..128"
    if (values.empty()) values = "any";
    std::string models = key.models.empty() ? "all" : "";
    for (std::string_view m : key.models) models += fmt::format("{}`{}`", models.empty() ? "" : ", ", m);
    out += fmt::format("| {} | {} | `{}` | {} | {} | {} | {} |\n", key.name, type_name(key.member),
                       config_value(defaults, key), cell(values), models, key.resumable ? "may change" : "fixed",
                       cell(key.doc));
  }
  return out;
}

}  // namespace mmgraph::detail
