#pragma once
// The names of the models compiled in, for code that needs no more of the model layer
// (config validation); engine/src/model.h declares the rest of the registry.
#include <string>
#include <vector>

namespace mmgraph::detail {

// The models compiled in (engine/models/*.cpp), by config name, sorted.
std::vector<std::string> model_names();

}  // namespace mmgraph::detail
