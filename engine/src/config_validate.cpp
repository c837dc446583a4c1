// validate_config, config_error, unread_key_warnings and model_reads_features: each key's value checked as its
// declaration in config_keys.cpp says, the rules between keys, and messages that name where a
// value came from.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <type_traits>
#include <variant>

#include "engine/src/config_keys.h"
#include "engine/src/model_registry.h"
#include "io/text_input.h"
#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "mmgraph/metrics.h"

namespace mmgraph {

namespace {

// The origin of the key's value, if the value is still the one assigned there.
const ConfigOrigin* current_origin(const TrainConfig& c, const std::string& key) {
  const auto it = c.origins.find(key);
  const detail::ConfigKey* declared = detail::find_config_key(key);
  if (it == c.origins.end() || !declared) return nullptr;
  return detail::config_value(c, *declared) == it->second.value ? &it->second : nullptr;
}

// The problem with the model's name: not one of the registry's, or "".
std::string unknown_model(const TrainConfig& c) {
  const std::vector<std::string> models = detail::model_names();
  if (std::find(models.begin(), models.end(), c.model) != models.end()) return "";
  return "unknown model '" + io::excerpt(c.model) + "' (known: " + fmt::format("{}", fmt::join(models, ", ")) + ")";
}

// The problem with the key's own value (its range, its choices, its rule), or "" when there is none.
std::string value_problem(const TrainConfig& c, const detail::ConfigKey& key) {
  const std::string range = key.range.describe(detail::holds_integers(key.member));
  std::string problem = std::visit(
      [&](auto member) -> std::string {
        const auto& v = c.*member;
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (key.choices.empty() || std::find(key.choices.begin(), key.choices.end(), v) != key.choices.end()) return "";
          std::string allowed;
          for (size_t i = 0; i < key.choices.size(); ++i)
            allowed += fmt::format("{}{}", i == 0 ? "" : i + 1 == key.choices.size() ? " or " : ", ", key.choices[i]);
          return "must be " + allowed + ", got '" + io::excerpt(v) + "'";
        } else if constexpr (std::is_same_v<T, std::vector<int>>) {
          for (int x : v)
            if (!key.range.contains(x)) return fmt::format("every {} must be {}, got {}", key.element, range, x);
          return "";
        } else if constexpr (std::is_same_v<T, std::vector<std::pair<std::string, double>>>) {
          for (const auto& [name, x] : v)
            if (!key.range.contains(x)) return fmt::format("{} of '{}' must be {}", key.element, io::excerpt(name), range);
          return "";
        } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
          return key.range.contains(static_cast<double>(v)) ? "" : "must be " + range;
        } else {
          return "";
        }
      },
      key.member);
  if (problem.empty() && key.problem) problem = key.problem(c);
  return problem;
}

}  // namespace

InputError config_error(const TrainConfig& c, const std::string& key, const std::string& problem) {
  const std::string what = "key '" + key + "': " + problem;
  const ConfigOrigin* origin = current_origin(c, key);
  return origin ? InputError(origin->source, origin->position, what) : InputError("config", "", what);
}

void validate_config(const TrainConfig& c) {
  auto fail = [&c](const std::string& key, const std::string& problem) { throw config_error(c, key, problem); };
  // The table's first key, checked first.
  if (const std::string problem = unknown_model(c); !problem.empty()) fail("model", problem);
  for (const detail::ConfigKey& key : detail::config_keys())
    if (const std::string problem = value_problem(c, key); !problem.empty()) fail(std::string(key.name), problem);
  // Rules between keys.
  bool metric_ok = false;
  for (const char* m : kMetricNames)
    for (int k : c.topk) metric_ok |= c.valid_metric == std::string(m) + "@" + std::to_string(k);
  if (!metric_ok) {
    // Named where valid_metric was set, or else where topk was (a default metric that topk dropped).
    const std::string ks = fmt::format("[{}]", fmt::join(c.topk, ", "));
    const bool blame_topk = current_origin(c, "valid_metric") == nullptr && current_origin(c, "topk") != nullptr;
    fail(blame_topk ? "topk" : "valid_metric",
         fmt::format("valid_metric '{}' is not computed; use <Recall|NDCG|Precision|Hit|MAP>@K with K in topk {}",
                     io::excerpt(c.valid_metric), ks));
  }
}

bool model_reads_features(const std::string& model) {
  const auto& models = detail::feature_models();
  return std::find(models.begin(), models.end(), model) != models.end();
}

std::vector<std::string> unread_key_warnings(const TrainConfig& c) {
  const TrainConfig defaults;
  std::vector<std::string> warnings;
  for (const detail::ConfigKey& key : detail::config_keys()) {
    const std::string name(key.name);
    const ConfigOrigin* origin = current_origin(c, name);
    if (key.applies_to(c.model) || !origin || origin->value == detail::config_value(defaults, key)) continue;
    warnings.push_back(fmt::format("{}:{}: key '{}' is not read by model '{}' (only by {}): ignored", origin->source,
                                   origin->position, name, io::excerpt(c.model), fmt::join(key.models, ", ")));
  }
  return warnings;
}

}  // namespace mmgraph
