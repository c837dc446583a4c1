// libFuzzer: any text is a valid .inter / CSV / TSV data set or an InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/delimited_reader.h"
#include "mmgraph/errors.h"

namespace {
void check(const mmgraph::Dataset& d) {
  for (const auto* csr : {&d.train, &d.valid, &d.test}) {
    if (csr->row_ptr.size() != static_cast<size_t>(d.n_users) + 1) __builtin_trap();
    for (int32_t i : csr->col)
      if (i < 0 || i >= d.n_items) __builtin_trap();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mmgraph::LoadOptions options;
  options.kcore = size % 3;
  options.split = size % 2 ? "random" : "time";
  try {
    check(mmgraph::io::parse_inter(text, "fuzz.inter", options));
  } catch (const mmgraph::InputError&) {
  }
  try {
    check(mmgraph::io::parse_delimited(text, size % 5 == 0 ? '\t' : ',', "fuzz.csv", options));
  } catch (const mmgraph::InputError&) {
  }
  return 0;
}
