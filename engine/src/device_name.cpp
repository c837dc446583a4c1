// The device-name rule (see device_name.h).
#include "engine/src/device_name.h"

#include <algorithm>

namespace mmgraph::detail {

bool is_device_name(std::string_view name) {
  if (name == "auto" || name == "cpu" || name == "cuda") return true;
  constexpr std::string_view prefix = "cuda:";
  const std::string_view index = name.substr(std::min(name.size(), prefix.size()));
  return name.substr(0, prefix.size()) == prefix && !index.empty() && index.size() <= 6 &&
         std::all_of(index.begin(), index.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

}  // namespace mmgraph::detail
