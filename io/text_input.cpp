// File reading and number parsing shared by the text readers.
#include "io/text_input.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "mmgraph/errors.h"

namespace mmgraph::io {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open the file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw InputError(path, "", "read error");
  return buf.str();
}

std::string line_column(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

bool parse_int64(std::string_view field, int64_t& out) {
  if (field.empty()) return false;
  const char* first = field.data();
  if (*first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, field.data() + field.size(), out);
  return ec == std::errc() && ptr == field.data() + field.size();
}

bool parse_double(std::string_view field, double& out) {
  if (field.empty()) return false;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
  return ec == std::errc() && ptr == field.data() + field.size();
}

}  // namespace mmgraph::io
