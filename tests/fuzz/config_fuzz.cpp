// libFuzzer: any text is either a config (each key it set has an origin) or an InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mmgraph/config.h"
#include "mmgraph/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto c = mmgraph::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
    for (const auto& [key, origin] : c.origins)
      if (origin.source != "fuzz.yaml" || origin.position.rfind("line ", 0) != 0) __builtin_trap();
  } catch (const mmgraph::InputError&) {
  }
  return 0;
}
