// libFuzzer: any byte string is either a valid safetensors file (every tensor
// inside the data section, sized by its shape) or an InputError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/safetensors.h"
#include "mmgraph/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto f = mmgraph::io::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
    for (const auto& [name, t] : f.tensors) {
      if (t.offset > f.data.size() || t.bytes > f.data.size() - t.offset) __builtin_trap();
      if (t.dtype == "F32") (void)f.f32(name, t.shape);
    }
  } catch (const mmgraph::InputError&) {
  }
  return 0;
}
