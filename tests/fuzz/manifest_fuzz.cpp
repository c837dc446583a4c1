// libFuzzer: any text is either a manifest whose arrays fit its sizes or an InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/binary_cache.h"
#include "mmgraph/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto m = mmgraph::io::parse_manifest(std::string_view(reinterpret_cast<const char*>(data), size), "manifest.json");
    if (m.n_users < 0 || m.n_items < 0) __builtin_trap();
    for (const char* split : {"train", "valid", "test"}) {
      const auto& row_ptr = m.arrays.at(std::string(split) + "_row_ptr");
      if (row_ptr.shape.size() != 1 || row_ptr.shape[0] != int64_t{m.n_users} + 1 || row_ptr.bytes != 8 * static_cast<uint64_t>(row_ptr.shape[0]))
        __builtin_trap();
    }
    for (const auto& f : m.features)
      if (m.arrays.at("feature_" + f).shape.at(0) != m.n_items) __builtin_trap();
    for (const auto& [name, a] : m.arrays)
      if (a.file.empty() || a.file.find('/') != std::string::npos) __builtin_trap();
  } catch (const mmgraph::InputError&) {
  }
  return 0;
}
