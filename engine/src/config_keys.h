#pragma once
// The declaration of every config key, once: its name, the TrainConfig member that holds it (the
// member's type is the key's type and its default initialiser the key's default), the values it
// accepts, the models that read it, whether a resumed run may change it and one line of
// documentation. Parsing and printing (config.cpp), validation (config_validate.cpp), the resume
// rule (checkpoint.cpp) and README's key table (config_keys_markdown) derive from this table.
//
// A key that the chosen model does not read: when it was given in a file or by --set with a value
// other than its default, training warns on stderr, naming the key, where it was given and the
// model (unread_key_warnings); it is not an error, because shared configs and grid scripts switch
// the model with --set model=....
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "mmgraph/config.h"

namespace mmgraph::detail {

// The TrainConfig member of a key: a string, an integer, a number, a boolean, a list of integers,
// a mapping of names to paths or a mapping of names to numbers.
using ConfigMember =
    std::variant<std::string TrainConfig::*, int TrainConfig::*, int64_t TrainConfig::*, uint64_t TrainConfig::*,
                 double TrainConfig::*, bool TrainConfig::*, std::vector<int> TrainConfig::*,
                 std::vector<std::pair<std::string, std::string>> TrainConfig::*,
                 std::vector<std::pair<std::string, double>> TrainConfig::*>;

// The interval a number lies in; an end is included unless it is open. Integer keys with two
// ends include both.
struct NumberRange {
  double min = -std::numeric_limits<double>::infinity();
  bool min_open = false;
  double max = std::numeric_limits<double>::infinity();
  bool max_open = false;

  bool contains(double x) const { return (min_open ? x > min : x >= min) && (max_open ? x < max : x <= max); }
  // "in 1..128" (integers), "in [0, 1)" (numbers), "> 0", ">= 0"; empty without ends.
  std::string describe(bool integer) const;
};

struct ConfigKey {
  std::string_view name;
  ConfigMember member;
  // Numbers: the range of the value, or of each value of a list or mapping (then called `element`).
  NumberRange range = {};
  std::string_view element = "";
  // Strings: the accepted values (refused as "must be a, b or c, got 'x'").
  std::vector<std::string_view> choices = {};
  // A rule on the key's own value beyond range and choices: the problem, or "" when there is none;
  // with `values`, the accepted values as README states them.
  std::string (*problem)(const TrainConfig&) = nullptr;
  std::string_view values = "";
  // Config names of the models that read the key; empty: every model.
  std::vector<std::string_view> models = {};
  // A resumed run may change it: it changes neither the model nor its training.
  bool resumable = false;
  std::string_view doc;

  bool applies_to(std::string_view model) const;
};

// Config names of the models that read item features (the data set's modalities); the others
// never touch a feature array, so the data set is loaded without them and its fingerprint leaves
// them out (model_reads_features in mmgraph/config.h).
const std::vector<std::string_view>& feature_models();

// Whether the member holds integers (an integer, or a list of them): its range reads "in 1..128".
bool holds_integers(const ConfigMember& member);

// Every key, in the order config_items lists them.
const std::vector<ConfigKey>& config_keys();
// The key of that name, or nullptr.
const ConfigKey* find_config_key(std::string_view name);
// The key's value in `config`, as config_items prints it (checkpoints store these strings).
std::string config_value(const TrainConfig& config, const ConfigKey& key);
// The names of the keys a resumed run may change, sorted.
std::set<std::string> resumable_config_keys();
// README's key table (section "Configuration"), one row per key.
std::string config_keys_markdown();

}  // namespace mmgraph::detail
