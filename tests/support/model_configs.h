#pragma once
// The configs that tests run every model with: a model's shipped configs/<model>.yaml
// (each model in the registry has one, so a model added without it fails every test
// that enumerates the models), on which a test then sets the sizes it needs.
#include <string>
#include <vector>

#include "mmgraph/config.h"

namespace mmgraph::testing {

// configs/<model>.yaml of the source tree, as load_config reads it.
inline TrainConfig shipped_config(const std::string& model) {
  return load_config(std::string(MMGRAPH_SOURCE_DIR) + "/configs/" + model + ".yaml");
}

// Every main objective a config's `loss` may name.
inline const std::vector<std::string>& objectives() {
  static const std::vector<std::string> names = {"bpr", "bce", "mse", "warp"};
  return names;
}

}  // namespace mmgraph::testing
