// TrainConfig from YAML files and key=value overrides: each key is read as its
// declaration in config_keys.cpp types it, and the origin of its value recorded
// (config_validate.cpp checks the values).
#include "mmgraph/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <variant>

#include "engine/src/config_keys.h"
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

// Reads the node into `value`, by the value's type.
void read_value(std::string& value, const KeyContext& ctx) { value = ctx.as<std::string>("a string"); }
void read_value(int& value, const KeyContext& ctx) { value = ctx.as<int>("an integer"); }
void read_value(int64_t& value, const KeyContext& ctx) { value = ctx.as<int64_t>("an integer"); }
void read_value(uint64_t& value, const KeyContext& ctx) { value = ctx.as<uint64_t>("a non-negative integer"); }
void read_value(double& value, const KeyContext& ctx) { value = ctx.as<double>("a number"); }
void read_value(bool& value, const KeyContext& ctx) { value = ctx.as<bool>("true or false"); }

// One integer, or a list of them.
void read_value(std::vector<int>& value, const KeyContext& ctx) {
  std::vector<int> ks;
  if (ctx.node.IsScalar()) {
    ks.push_back(ctx.as<int>("an integer or a list of integers"));
  } else if (ctx.node.IsSequence()) {
    for (const auto& item : ctx.node) ks.push_back(ctx.at(item).as<int>("a list of integers"));
  } else {
    ctx.fail("expected an integer or a list of integers");
  }
  value = ks;
}

// A mapping of modality name to .npy path.
void read_value(std::vector<std::pair<std::string, std::string>>& value, const KeyContext& ctx) {
  value.clear();
  for (const auto& [name, path] : read_map(ctx, "a mapping of modality name to .npy path"))
    value.emplace_back(name, relative_to_source(ctx, ctx.at(path).as<std::string>("a path")));
}

// A mapping of modality name to weight.
void read_value(std::vector<std::pair<std::string, double>>& value, const KeyContext& ctx) {
  value.clear();
  for (const auto& [name, weight] : read_map(ctx, "a mapping of modality name to weight"))
    value.emplace_back(name, ctx.at(weight).as<double>("a number"));
}

// Sets the key and records where its value came from.
void apply_key(TrainConfig& config, const KeyContext& ctx) {
  const detail::ConfigKey* key = detail::find_config_key(ctx.key);
  if (!key) {
    std::vector<std::string_view> names;
    for (const detail::ConfigKey& k : detail::config_keys()) names.push_back(k.name);
    std::sort(names.begin(), names.end());
    ctx.fail(fmt::format("unknown key (known keys: {})", fmt::join(names, ", ")));
  }
  std::visit([&config, &ctx](auto member) { read_value(config.*member, ctx); }, key->member);
  config.origins[ctx.key] = {ctx.source, ctx.position, detail::config_value(config, *key)};
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
  std::vector<std::pair<std::string, std::string>> items;
  for (const detail::ConfigKey& key : detail::config_keys()) items.emplace_back(key.name, detail::config_value(c, key));
  return items;
}

}  // namespace mmgraph
