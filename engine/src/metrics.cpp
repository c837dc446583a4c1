// MetricTable: an ordered list of named metric values.
#include "mmgraph/metrics.h"

#include <fmt/format.h>

#include "mmgraph/errors.h"

namespace mmgraph {

void MetricTable::set(const std::string& name, double value) {
  for (auto& [key, v] : items_) {
    if (key == name) {
      v = value;
      return;
    }
  }
  items_.emplace_back(name, value);
}

bool MetricTable::has(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return true;
  return false;
}

double MetricTable::get(const std::string& name) const {
  for (const auto& [key, v] : items_)
    if (key == name) return v;
  throw Error("metric " + name + " was not computed");
}

std::string MetricTable::to_string() const {
  std::string out;
  for (const auto& [key, v] : items_) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={:.4f}", key, v);
  }
  return out;
}

}  // namespace mmgraph
