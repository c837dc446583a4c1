// InputError: "<source>:<position>: <problem>".
#include "mmgraph/errors.h"

#include <utility>

namespace mmgraph {

namespace {
std::string format_input_error(const std::string& source, const std::string& position, const std::string& problem) {
  return position.empty() ? source + ": " + problem : source + ":" + position + ": " + problem;
}
}  // namespace

InputError::InputError(std::string source, std::string position, std::string problem)
    : Error(format_input_error(source, position, problem)), source_(std::move(source)),
      position_(std::move(position)), problem_(std::move(problem)) {}

}  // namespace mmgraph
