// Inputs that once crashed a fuzzer (tests/io/fuzz_regressions/<parser>_<what>.<ext>),
// replayed through the parser of their prefix: each must parse or raise an
// InputError (the sanitizer build of the suite checks for undefined behaviour).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "io/binary_cache.h"
#include "io/delimited_reader.h"
#include "io/json_splits.h"
#include "io/npy.h"
#include "io/safetensors.h"
#include "io/text_input.h"
#include "mmgraph/config.h"
#include "mmgraph/errors.h"

namespace mmgraph {
namespace {

TEST(FuzzRegressions, EveryInputParsesOrIsAnInputError) {
  using Parser = std::function<void(const std::string& bytes, const std::string& path)>;
  const std::map<std::string, Parser> parsers = {
      {"npy_", [](const std::string& b, const std::string& p) {
         const auto a = io::parse_npy(b, p);
         EXPECT_EQ(a.values.size(), static_cast<size_t>(a.rows * a.cols)) << p;
       }},
      {"json_split_", [](const std::string& b, const std::string& p) { io::parse_json_split(b, p); }},
      {"delimited_", [](const std::string& b, const std::string& p) { io::parse_delimited(b, ',', p, {}); }},
      {"safetensors_", [](const std::string& b, const std::string& p) { io::parse_safetensors(b, p); }},
      {"manifest_", [](const std::string& b, const std::string& p) { io::parse_manifest(b, p); }},
      {"config_", [](const std::string& b, const std::string& p) { parse_config(b, p); }},
  };
  const std::filesystem::path dir = std::filesystem::path(MMGRAPH_SOURCE_DIR) / "tests/io/fuzz_regressions";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const auto parser = std::find_if(parsers.begin(), parsers.end(), [&](const auto& p) { return name.starts_with(p.first); });
    ASSERT_NE(parser, parsers.end()) << name << ": no parser for this prefix";
    ++n;
    try {
      parser->second(io::read_file(e.path().string()), e.path().string());
    } catch (const InputError&) {
    }
  }
  EXPECT_GE(n, 3);
}

}  // namespace
}  // namespace mmgraph
