// .npy reader and writer with strict header validation.
#include "io/npy.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>

#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

[[noreturn]] void fail(const std::string& source, size_t offset, const std::string& problem) {
  throw InputError(source, "byte " + std::to_string(offset), problem);
}

// Value of 'key' in the header dict text: the raw text up to the next
// top-level ',' or '}' (tuples kept whole).
bool dict_value(std::string_view dict, std::string_view key, std::string_view& value) {
  for (const char quote : {'\'', '"'}) {
    const std::string needle = std::string(1, quote) + std::string(key) + std::string(1, quote);
    size_t p = dict.find(needle);
    if (p == std::string_view::npos) continue;
    p = dict.find(':', p + needle.size());
    if (p == std::string_view::npos) return false;
    size_t start = p + 1, end = start;
    int depth = 0;
    for (; end < dict.size(); ++end) {
      const char c = dict[end];
      if (c == '(') ++depth;
      else if (c == ')') --depth;
      else if ((c == ',' || c == '}') && depth == 0) break;
    }
    value = dict.substr(start, end - start);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return true;
  }
  return false;
}

// Where an .npy file's values lie and what they are.
struct NpyLayout {
  int64_t rows = 0, cols = 0;
  size_t item = 0;        // bytes per value: 2, 4 or 8
  size_t data_start = 0;  // the offset of the first value
};

// The layout of an .npy file of `file_size` bytes from its first bytes `bytes` (the whole header
// at least, or the whole file when shorter): every check of the header and of the file's size.
NpyLayout parse_layout(std::string_view bytes, uint64_t file_size, const std::string& source) {
  if (file_size == 0) fail(source, 0, "the file is empty");
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) fail(source, 0, "not an .npy file (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    fail(source, 6, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    header_start = 10;
  } else {
    if (bytes.size() < 12) fail(source, 8, "truncated header length");
    header_len = 0;
    for (int b = 0; b < 4; ++b) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + b])) << (8 * b);
    header_start = 12;
  }
  if (header_len > file_size - header_start || header_len > bytes.size() - header_start)
    fail(source, 8, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                        std::to_string(file_size) + " bytes)");
  const std::string_view dict = bytes.substr(header_start, header_len);
  const size_t open = dict.find('{');
  if (open == std::string_view::npos || dict.find('}') == std::string_view::npos)
    fail(source, header_start, "header is not a dict");

  std::string_view descr, order, shape;
  if (!dict_value(dict, "descr", descr)) fail(source, header_start, "header has no 'descr'");
  if (!dict_value(dict, "fortran_order", order)) fail(source, header_start, "header has no 'fortran_order'");
  if (!dict_value(dict, "shape", shape)) fail(source, header_start, "header has no 'shape'");

  if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"')) descr = descr.substr(1, descr.size() - 2);
  size_t item = 0;
  if (descr == "<f4" || descr == "=f4" || descr == "f4") item = 4;
  else if (descr == "<f2" || descr == "=f2" || descr == "f2") item = 2;
  else if (descr == "<f8" || descr == "=f8" || descr == "f8") item = 8;
  else if (!descr.empty() && descr.front() == '>')
    fail(source, header_start, "big-endian dtype '" + std::string(descr) + "' is not supported");
  else
    fail(source, header_start, "unsupported dtype '" + std::string(descr) + "' (float16, float32 or float64 expected)");

  if (order == "True") fail(source, header_start, "fortran_order arrays are not supported (save with C order)");
  if (order != "False") fail(source, header_start, "fortran_order must be True or False");

  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')') fail(source, header_start, "shape is not a tuple");
  std::vector<int64_t> dims;
  std::string_view inner = shape.substr(1, shape.size() - 2);
  while (!inner.empty()) {
    const size_t comma = inner.find(',');
    std::string_view field = inner.substr(0, comma);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
    if (!field.empty()) {
      int64_t v = 0;
      if (field.back() == 'L') field.remove_suffix(1);
      if (!parse_int64(field, v) || v < 0) fail(source, header_start, "bad dimension '" + std::string(field) + "' in shape");
      dims.push_back(v);
    }
    if (comma == std::string_view::npos) break;
    inner.remove_prefix(comma + 1);
  }
  if (dims.size() != 2)
    fail(source, header_start, "expected a 2-D array, shape has " + std::to_string(dims.size()) + " dimensions");

  NpyLayout out;
  out.rows = dims[0];
  out.cols = dims[1];
  out.item = item;
  const size_t data_start = header_start + header_len;
  out.data_start = data_start;
  const uint64_t available = file_size - data_start;
  // Compare in a way that cannot overflow for absurd shapes.
  const auto rows = static_cast<uint64_t>(out.rows), cols = static_cast<uint64_t>(out.cols);
  if (cols != 0 && rows > available / item / cols)
    fail(source, data_start, "truncated data: shape (" + std::to_string(out.rows) + ", " + std::to_string(out.cols) +
                                 ") needs " + std::to_string(rows * cols * item) + " bytes, the file has " +
                                 std::to_string(available));
  const uint64_t count = rows * cols;
  if (count * item != available)
    fail(source, data_start + count * item,
         std::to_string(available - count * item) + " bytes of trailing data after the array");
  return out;
}

}  // namespace

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

NpyArray parse_npy(std::string_view bytes, const std::string& source) {
  const NpyLayout layout = parse_layout(bytes, bytes.size(), source);
  NpyArray out;
  out.rows = layout.rows;
  out.cols = layout.cols;
  const size_t item = layout.item;
  const size_t count = static_cast<size_t>(layout.rows * layout.cols);
  out.values.resize(count);
  const char* p = bytes.data() + layout.data_start;
  if (item == 4) {
    if (count > 0) std::memcpy(out.values.data(), p, count * 4);
  } else if (item == 2) {
    for (size_t e = 0; e < count; ++e) {
      uint16_t h;
      std::memcpy(&h, p + 2 * e, 2);
      out.values[e] = half_to_float(h);
    }
  } else {
    for (size_t e = 0; e < count; ++e) {
      double d;
      std::memcpy(&d, p + 8 * e, 8);
      out.values[e] = static_cast<float>(d);
    }
  }
  return out;
}

NpyArray read_npy(const std::string& path) {
  const std::string bytes = read_file(path);
  return parse_npy(bytes, path);
}

NpyArray read_npy_shape(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open the file");
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<uint64_t>(in.tellg());
  // The header: its length is in bytes 8-9 (version 1) or 8-11 (versions 2 and 3).
  auto read_prefix = [&](uint64_t n) {
    std::string bytes(static_cast<size_t>(std::min(n, file_size)), '\0');
    in.seekg(0);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!in) throw InputError(path, "", "read error");
    return bytes;
  };
  std::string head = read_prefix(12);
  if (head.size() >= 12) {
    const bool short_length = head[6] == 1;
    uint64_t header_len = 0;
    for (int b = 0; b < (short_length ? 2 : 4); ++b)
      header_len |= static_cast<uint64_t>(static_cast<unsigned char>(head[8 + b])) << (8 * b);
    head = read_prefix((short_length ? 10 : 12) + header_len);
  }
  const NpyLayout layout = parse_layout(head, file_size, path);
  NpyArray out;
  out.rows = layout.rows;
  out.cols = layout.cols;
  return out;
}

void write_npy(const std::string& path, const float* values, int64_t rows, int64_t cols) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  // Pad with spaces so that the data starts on a 64-byte boundary, ending in '\n'.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError(path, "", "cannot open the file for writing");
  out.write(kMagic, 6);
  const char version[2] = {1, 0};
  out.write(version, 2);
  const char len[2] = {static_cast<char>(header.size() & 0xFF), static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out << header;
  out.write(reinterpret_cast<const char*>(values), static_cast<std::streamsize>(sizeof(float) * static_cast<size_t>(rows * cols)));
  if (!out) throw InputError(path, "", "write error");
}

}  // namespace mmgraph::io
