// File reading and number parsing shared by the text readers.
#include "io/text_input.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "mmgraph/errors.h"

namespace mmgraph::io {

std::ifstream open_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open the file");
  return in;
}

std::string read_file(const std::string& path) {
  std::ifstream in = open_file(path);
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

std::string excerpt(std::string_view field, size_t max_bytes) {
  std::string out;
  for (size_t i = 0; i < field.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else out += fmt::format("\\x{:02X}", c);
  }
  if (field.size() > max_bytes) out += fmt::format("... ({} bytes)", field.size());
  return out;
}

size_t invalid_utf8_offset(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // overlong
      else if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;       // overlong
      else if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k)
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    i += len;
  }
  return std::string_view::npos;
}

void require_utf8(std::string_view text, const std::string& source) {
  const size_t bad = invalid_utf8_offset(text);
  if (bad == std::string_view::npos) return;
  throw InputError(source, line_column(text, bad), not_utf8_message(static_cast<unsigned char>(text[bad]), starts_utf16(text)));
}

std::string not_utf8_message(unsigned char byte, bool utf16) {
  return fmt::format("byte 0x{:02X} is not UTF-8{}", byte, utf16 ? " (the file is UTF-16: save it as UTF-8)" : "");
}

bool starts_utf16(std::string_view text) {
  return text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF");
}

std::string_view strip_utf8_bom(std::string_view text) {
  return text.starts_with("\xEF\xBB\xBF") ? text.substr(3) : text;
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
  return ec == std::errc() && ptr == field.data() + field.size() && std::isfinite(out);
}

}  // namespace mmgraph::io
