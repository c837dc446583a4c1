// TrainConfig from YAML files and key=value overrides; every key is checked
// and the origin of its value recorded (config_validate.cpp checks the values).
#include "mmgraph/config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <map>

#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph {

namespace {

struct KeyContext {
  const std::string& source;  // the file, or the command-line option
  bool in_file;               // relative paths: to the file's folder, else to the working directory
  const std::string& key;
  const YAML::Node& node;
  std::string position;       // "line N" in a file; the assignment on the command line

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(source, position, "key '" + io::excerpt(key) + "': " + problem);
  }
  // The context of a node inside this one (an entry of a mapping or a list).
  KeyContext at(const YAML::Node& inner) const {
    return {source, in_file, key, inner, in_file && !inner.Mark().is_null() ? line_of(inner) : position};
  }
  static std::string line_of(const YAML::Node& n) { return "line " + std::to_string(n.Mark().line + 1); }
  template <typename T>
  T as(const char* type_name) const {
    if (!node.IsScalar()) fail(std::string("expected ") + type_name);
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(std::string("expected ") + type_name + ", got '" + io::excerpt(node.Scalar()) + "'");
    }
  }
};

using Setter = std::function<void(TrainConfig&, const KeyContext&)>;

// A relative path in a config file is relative to that file's folder; on the
// command line (--set), to the working directory.
std::string relative_to_source(const KeyContext& ctx, const std::string& path) {
  if (!ctx.in_file || path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(ctx.source).parent_path() / path).string();
}

// The entries of a YAML mapping in file order (keys checked to be unique).
std::vector<std::pair<std::string, YAML::Node>> read_map(const KeyContext& ctx, const char* what) {
  if (!ctx.node.IsMap()) ctx.fail(std::string("expected ") + what);
  std::vector<std::pair<std::string, YAML::Node>> out;
  for (const auto& entry : ctx.node) {
    const KeyContext name_ctx = ctx.at(entry.first);
    const std::string name = name_ctx.as<std::string>("a name");
    for (const auto& seen : out)
      if (seen.first == name) name_ctx.fail("'" + io::excerpt(name) + "' given twice");
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
           c.modalities.emplace_back(name, relative_to_source(ctx, ctx.at(value).as<std::string>("a path")));
       }},
      {"modality_weights",
       [](TrainConfig& c, const KeyContext& ctx) {
         c.modality_weights.clear();
         for (const auto& [name, value] : read_map(ctx, "a mapping of modality name to weight"))
           c.modality_weights.emplace_back(name, ctx.at(value).as<double>("a number"));
       }},
      {"knn_k", set_number(&TrainConfig::knn_k, "an integer")},
      {"n_mm_layers", set_number(&TrainConfig::n_mm_layers, "an integer")},
      {"dropout", set_number(&TrainConfig::dropout, "a number")},
      {"mm_bpr_weight", set_number(&TrainConfig::mm_bpr_weight, "a number")},
      {"learn_features", set_number(&TrainConfig::learn_features, "true or false")},
      {"feature_storage",
       [](TrainConfig& c, const KeyContext& ctx) { c.feature_storage = ctx.as<std::string>("a string"); }},
      {"cl_weight", set_number(&TrainConfig::cl_weight, "a number")},
      {"cl_temperature", set_number(&TrainConfig::cl_temperature, "a number")},
      {"lambda_coeff", set_number(&TrainConfig::lambda_coeff, "a number")},
      {"cold_scale", set_number(&TrainConfig::cold_scale, "a number")},
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
           for (const auto& item : ctx.node) ks.push_back(ctx.at(item).as<int>("a list of integers"));
         } else {
           ctx.fail("expected an integer or a list of integers");
         }
         c.topk = ks;
       }},
  };
  return table;
}

// Sets the key and records where its value came from.
void apply_key(TrainConfig& config, const KeyContext& ctx) {
  const auto it = setters().find(ctx.key);
  if (it == setters().end()) {
    std::string known;
    for (const auto& entry : setters()) known += (known.empty() ? "" : ", ") + entry.first;
    ctx.fail("unknown key (known keys: " + known + ")");
  }
  it->second(config, ctx);
  for (auto& [key, value] : config_items(config))
    if (key == ctx.key) config.origins[key] = {ctx.source, ctx.position, std::move(value)};
}

}  // namespace

TrainConfig load_config(const std::string& yaml_path, TrainConfig base) {
  return parse_config(io::read_file(yaml_path), yaml_path, std::move(base));
}

TrainConfig parse_config(std::string_view yaml_text, const std::string& source, TrainConfig base) {
  io::require_utf8(yaml_text, source);
  if (const size_t nul = yaml_text.find('\0'); nul != std::string_view::npos)
    throw InputError(source, io::line_column(yaml_text, nul), "NUL byte: a config is a text file");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    const auto* deep = dynamic_cast<const YAML::DeepRecursion*>(&e);
    throw InputError(source, e.mark.is_null() ? "" : "line " + std::to_string(e.mark.line + 1),
                     deep ? fmt::format("nested deeper than {} levels", deep->depth()) : io::excerpt(e.msg, 200));
  }
  if (root.IsNull()) return base;
  if (!root.IsMap()) throw InputError(source, "line 1", "expected a mapping of config keys");
  std::map<std::string, int> first_line;  // of each key, to refuse a key given twice
  for (const auto& entry : root) {
    const std::string line = KeyContext::line_of(entry.first);
    if (!entry.first.IsScalar()) throw InputError(source, line, "a config key must be a plain name");
    const std::string key = entry.first.Scalar();
    const auto [seen, fresh] = first_line.emplace(key, entry.first.Mark().line + 1);
    if (!fresh)
      throw InputError(source, line, fmt::format("key '{}' given twice (first on line {})", io::excerpt(key), seen->second));
    apply_key(base, KeyContext{source, true, key, entry.second, line});
  }
  return base;
}

void apply_override(TrainConfig& config, const std::string& assignment, const std::string& source) {
  const auto eq = assignment.find('=');
  const std::string position = io::excerpt(assignment, 80);
  if (eq == std::string::npos || eq == 0) throw InputError(source, position, "expected key=value");
  const std::string key = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw InputError(source, position, "cannot parse the value: " + io::excerpt(e.msg, 200));
  }
  apply_key(config, KeyContext{source, false, key, value, position});
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
      {"feature_storage", c.feature_storage},
      {"cl_weight", fmt::format("{}", c.cl_weight)},
      {"cl_temperature", fmt::format("{}", c.cl_temperature)},
      {"lambda_coeff", fmt::format("{}", c.lambda_coeff)},
      {"cold_scale", fmt::format("{}", c.cold_scale)},
      {"graph_update_every", std::to_string(c.graph_update_every)},
      {"loss", c.loss},
      {"warp_candidates", std::to_string(c.warp_candidates)},
      {"warp_margin", fmt::format("{}", c.warp_margin)},
      {"checkpoint_every", std::to_string(c.checkpoint_every)},
  };
}

}  // namespace mmgraph
