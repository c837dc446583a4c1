// TrainConfig from YAML files and key=value overrides; every key is checked.
#include "mmgraph/config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

#include "engine/src/model.h"
#include "mmgraph/errors.h"
#include "mmgraph/metrics.h"

namespace mmgraph {

namespace {

struct KeyContext {
  const std::string& source;  // file name or "--set"
  const std::string& key;
  const YAML::Node& node;
  std::string position() const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || source == "--set") return key;
    return "line " + std::to_string(mark.line + 1);
  }
  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(source, position(), "key '" + key + "': " + problem);
  }
  template <typename T>
  T as(const char* type_name) const {
    if (!node.IsScalar()) fail(std::string("expected ") + type_name);
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(std::string("expected ") + type_name + ", got '" + node.Scalar() + "'");
    }
  }
};

using Setter = std::function<void(TrainConfig&, const KeyContext&)>;

// A relative path in a config file is relative to that file's folder; on the
// command line (--set), to the working directory.
std::string relative_to_source(const std::string& source, const std::string& path) {
  if (source == "--set" || path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(source).parent_path() / path).string();
}

// The entries of a YAML mapping in file order (keys checked to be unique).
std::vector<std::pair<std::string, YAML::Node>> read_map(const KeyContext& ctx, const char* what) {
  if (!ctx.node.IsMap()) ctx.fail(std::string("expected ") + what);
  std::vector<std::pair<std::string, YAML::Node>> out;
  for (const auto& entry : ctx.node) {
    const std::string name = KeyContext{ctx.source, ctx.key, entry.first}.as<std::string>("a name");
    for (const auto& seen : out)
      if (seen.first == name) KeyContext{ctx.source, ctx.key, entry.first}.fail("'" + name + "' given twice");
    out.emplace_back(name, entry.second);
  }
  return out;
}

template <typename T>
Setter set_number(T TrainConfig::*field, const char* type_name) {
  return [field, type_name](TrainConfig& c, const KeyContext& ctx) { c.*field = ctx.as<T>(type_name); };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"model", [](TrainConfig& c, const KeyContext& ctx) { c.model = ctx.as<std::string>("a string"); }},
      {"embedding_size", set_number(&TrainConfig::embedding_size, "an integer")},
      {"n_layers", set_number(&TrainConfig::n_layers, "an integer")},
      {"reg_weight", set_number(&TrainConfig::reg_weight, "a number")},
      {"learning_rate", set_number(&TrainConfig::learning_rate, "a number")},
      {"train_batch_size", set_number(&TrainConfig::train_batch_size, "an integer")},
      {"epochs", set_number(&TrainConfig::epochs, "an integer")},
      {"stopping_step", set_number(&TrainConfig::stopping_step, "an integer")},
      {"eval_step", set_number(&TrainConfig::eval_step, "an integer")},
      {"eval_batch_size", set_number(&TrainConfig::eval_batch_size, "an integer")},
      {"valid_metric", [](TrainConfig& c, const KeyContext& ctx) { c.valid_metric = ctx.as<std::string>("a string"); }},
      {"seed", set_number(&TrainConfig::seed, "a non-negative integer")},
      {"device", [](TrainConfig& c, const KeyContext& ctx) { c.device = ctx.as<std::string>("a string"); }},
      {"threads", set_number(&TrainConfig::threads, "an integer")},
      {"deterministic", set_number(&TrainConfig::deterministic, "true or false")},
      {"modalities",
       [](TrainConfig& c, const KeyContext& ctx) {
         c.modalities.clear();
         for (const auto& [name, value] : read_map(ctx, "a mapping of modality name to .npy path"))
           c.modalities.emplace_back(name, relative_to_source(ctx.source, KeyContext{ctx.source, ctx.key, value}.as<std::string>("a path")));
       }},
      {"modality_weights",
       [](TrainConfig& c, const KeyContext& ctx) {
         c.modality_weights.clear();
         for (const auto& [name, value] : read_map(ctx, "a mapping of modality name to weight"))
           c.modality_weights.emplace_back(name, KeyContext{ctx.source, ctx.key, value}.as<double>("a number"));
       }},
      {"knn_k", set_number(&TrainConfig::knn_k, "an integer")},
      {"n_mm_layers", set_number(&TrainConfig::n_mm_layers, "an integer")},
      {"dropout", set_number(&TrainConfig::dropout, "a number")},
      {"mm_bpr_weight", set_number(&TrainConfig::mm_bpr_weight, "a number")},
      {"learn_features", set_number(&TrainConfig::learn_features, "true or false")},
      {"cl_weight", set_number(&TrainConfig::cl_weight, "a number")},
      {"cl_temperature", set_number(&TrainConfig::cl_temperature, "a number")},
      {"lambda_coeff", set_number(&TrainConfig::lambda_coeff, "a number")},
      {"graph_update_every", set_number(&TrainConfig::graph_update_every, "an integer")},
      {"loss", [](TrainConfig& c, const KeyContext& ctx) { c.loss = ctx.as<std::string>("a string"); }},
      {"warp_candidates", set_number(&TrainConfig::warp_candidates, "an integer")},
      {"warp_margin", set_number(&TrainConfig::warp_margin, "a number")},
      {"checkpoint_every", set_number(&TrainConfig::checkpoint_every, "an integer")},
      {"topk",
       [](TrainConfig& c, const KeyContext& ctx) {
         std::vector<int> ks;
         if (ctx.node.IsScalar()) {
           ks.push_back(ctx.as<int>("an integer or a list of integers"));
         } else if (ctx.node.IsSequence()) {
           for (const auto& item : ctx.node) {
             const KeyContext inner{ctx.source, ctx.key, item};
             ks.push_back(inner.as<int>("a list of integers"));
           }
         } else {
           ctx.fail("expected an integer or a list of integers");
         }
         c.topk = ks;
       }},
  };
  return table;
}

void apply_key(TrainConfig& config, const std::string& source, const std::string& key,
               const YAML::Node& value) {
  const auto it = setters().find(key);
  if (it == setters().end()) {
    std::string known;
    for (const auto& entry : setters()) known += (known.empty() ? "" : ", ") + entry.first;
    const KeyContext ctx{source, key, value};
    ctx.fail("unknown key (known keys: " + known + ")");
  }
  it->second(config, KeyContext{source, key, value});
}

}  // namespace

TrainConfig load_config(const std::string& yaml_path, TrainConfig base) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(yaml_path);
  } catch (const YAML::BadFile&) {
    throw InputError(yaml_path, "", "cannot open the config file");
  } catch (const YAML::ParserException& e) {
    throw InputError(yaml_path, "line " + std::to_string(e.mark.line + 1), e.msg);
  }
  if (root.IsNull()) return base;
  if (!root.IsMap()) throw InputError(yaml_path, "line 1", "expected a mapping of config keys");
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    apply_key(base, yaml_path, key, entry.second);
  }
  return base;
}

void apply_override(TrainConfig& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set", assignment, "expected key=value");
  const std::string key = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::ParserException& e) {
    throw InputError("--set", key, "cannot parse the value: " + e.msg);
  }
  apply_key(config, "--set", key, value);
}

void validate_config(const TrainConfig& c) {
  auto fail = [](const std::string& key, const std::string& problem) {
    throw InputError("config", key, problem);
  };
  const std::vector<std::string> models = detail::model_names();
  if (std::find(models.begin(), models.end(), c.model) == models.end()) {
    std::string known;
    for (const std::string& m : models) known += (known.empty() ? "" : ", ") + m;
    fail("model", "unknown model '" + c.model + "' (known: " + known + ")");
  }
  if (c.embedding_size <= 0 || c.embedding_size > 4096) fail("embedding_size", "must be in 1..4096");
  if (c.n_layers < 0 || c.n_layers > 16) fail("n_layers", "must be in 0..16");
  if (c.reg_weight < 0) fail("reg_weight", "must be >= 0");
  if (!(c.learning_rate > 0)) fail("learning_rate", "must be > 0");
  if (c.train_batch_size <= 0) fail("train_batch_size", "must be > 0");
  if (c.epochs < 0) fail("epochs", "must be >= 0");
  if (c.stopping_step <= 0) fail("stopping_step", "must be > 0");
  if (c.eval_step <= 0) fail("eval_step", "must be > 0");
  if (c.eval_batch_size <= 0) fail("eval_batch_size", "must be > 0");
  if (c.threads < 0) fail("threads", "must be >= 0");
  if (c.topk.empty()) fail("topk", "needs at least one K");
  for (int k : c.topk)
    if (k <= 0 || k > 100) fail("topk", "every K must be in 1..100, got " + std::to_string(k));
  bool metric_ok = false;
  for (const char* m : kMetricNames)
    for (int k : c.topk) metric_ok |= c.valid_metric == std::string(m) + "@" + std::to_string(k);
  if (!metric_ok)
    fail("valid_metric", "'" + c.valid_metric + "' is not computed; use <Recall|NDCG|Precision|Hit|MAP>@K with K in topk");
  const bool device_ok = c.device == "auto" || c.device == "cpu" || c.device == "cuda" ||
                         (c.device.rfind("cuda:", 0) == 0 && c.device.size() > 5 &&
                          std::all_of(c.device.begin() + 5, c.device.end(), ::isdigit));
  if (!device_ok) fail("device", "must be auto, cpu, cuda or cuda:N, got '" + c.device + "'");
  if (c.knn_k <= 0 || c.knn_k > 128) fail("knn_k", "must be in 1..128");
  if (c.n_mm_layers < 0 || c.n_mm_layers > 16) fail("n_mm_layers", "must be in 0..16");
  if (!(c.dropout >= 0 && c.dropout < 1)) fail("dropout", "must be in [0, 1)");
  if (c.mm_bpr_weight < 0) fail("mm_bpr_weight", "must be >= 0");
  if (c.cl_weight < 0) fail("cl_weight", "must be >= 0");
  if (!(c.cl_temperature > 0)) fail("cl_temperature", "must be > 0");
  if (!(c.lambda_coeff >= 0 && c.lambda_coeff <= 1)) fail("lambda_coeff", "must be in [0, 1]");
  if (c.graph_update_every <= 0) fail("graph_update_every", "must be > 0");
  if (c.loss != "bpr" && c.loss != "mse" && c.loss != "bce" && c.loss != "warp")
    fail("loss", "must be bpr, mse, bce or warp, got '" + c.loss + "'");
  if (c.warp_candidates <= 0 || c.warp_candidates > 1024) fail("warp_candidates", "must be in 1..1024");
  if (!(c.warp_margin > 0)) fail("warp_margin", "must be > 0");
  if (c.checkpoint_every < 0) fail("checkpoint_every", "must be >= 0");
  for (const auto& [name, w] : c.modality_weights)
    if (!(w >= 0)) fail("modality_weights", "weight of '" + name + "' must be >= 0");
}

std::vector<std::pair<std::string, std::string>> config_items(const TrainConfig& c) {
  std::string ks;
  for (int k : c.topk) ks += (ks.empty() ? "" : ", ") + std::to_string(k);
  std::string modalities, weights;
  for (const auto& [name, path] : c.modalities)
    modalities += fmt::format("{}{}: {}", modalities.empty() ? "" : ", ", name, nlohmann::json(path).dump());
  for (const auto& [name, w] : c.modality_weights)
    weights += fmt::format("{}{}: {}", weights.empty() ? "" : ", ", name, w);
  return {
      {"model", c.model},
      {"embedding_size", std::to_string(c.embedding_size)},
      {"n_layers", std::to_string(c.n_layers)},
      {"reg_weight", fmt::format("{}", c.reg_weight)},
      {"learning_rate", fmt::format("{}", c.learning_rate)},
      {"train_batch_size", std::to_string(c.train_batch_size)},
      {"epochs", std::to_string(c.epochs)},
      {"stopping_step", std::to_string(c.stopping_step)},
      {"eval_step", std::to_string(c.eval_step)},
      {"eval_batch_size", std::to_string(c.eval_batch_size)},
      {"topk", "[" + ks + "]"},
      {"valid_metric", c.valid_metric},
      {"seed", std::to_string(c.seed)},
      {"device", c.device},
      {"threads", std::to_string(c.threads)},
      {"deterministic", c.deterministic ? "true" : "false"},
      {"modalities", "{" + modalities + "}"},
      {"modality_weights", "{" + weights + "}"},
      {"knn_k", std::to_string(c.knn_k)},
      {"n_mm_layers", std::to_string(c.n_mm_layers)},
      {"dropout", fmt::format("{}", c.dropout)},
      {"mm_bpr_weight", fmt::format("{}", c.mm_bpr_weight)},
      {"learn_features", c.learn_features ? "true" : "false"},
      {"cl_weight", fmt::format("{}", c.cl_weight)},
      {"cl_temperature", fmt::format("{}", c.cl_temperature)},
      {"lambda_coeff", fmt::format("{}", c.lambda_coeff)},
      {"graph_update_every", std::to_string(c.graph_update_every)},
      {"loss", c.loss},
      {"warp_candidates", std::to_string(c.warp_candidates)},
      {"warp_margin", fmt::format("{}", c.warp_margin)},
      {"checkpoint_every", std::to_string(c.checkpoint_every)},
  };
}

}  // namespace mmgraph
