// libFuzzer: any byte string is either a valid .npy or an InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/npy.h"
#include "mmgraph/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto a = mmgraph::io::parse_npy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
    if (a.values.size() != static_cast<size_t>(a.rows * a.cols)) __builtin_trap();
  } catch (const mmgraph::InputError&) {
  }
  return 0;
}
