// libFuzzer: any text is either a valid JSON split or an InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/json_splits.h"
#include "mmgraph/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto s = mmgraph::io::parse_json_split(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    for (const auto& [u, i] : s.pairs)
      if (u < 0 || i < 0 || u > s.max_user || i > s.max_item) __builtin_trap();
  } catch (const mmgraph::InputError&) {
  }
  return 0;
}
