// safetensors reader and writer; see io/safetensors.h for the format and checks.
#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the limit of the reference implementation
constexpr const char* kChecksumKey = "mmgraph.data_fnv1a64";

// Bytes per element of a safetensors dtype; 0 when unknown.
size_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
      {"I8", 1},  {"U64", 8}, {"U32", 4}, {"U16", 2},  {"U8", 1},   {"BOOL", 1}};
  const auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

// product(shape) * element size, or false on a negative dimension or overflow.
bool byte_count(const std::vector<int64_t>& shape, size_t element, size_t& out) {
  uint64_t n = element;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) return false;
    n *= static_cast<uint64_t>(d);
  }
  out = static_cast<size_t>(n);
  return true;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// Parses the header JSON, refusing duplicate keys in any object.
nlohmann::json parse_header(const std::string& text, const std::string& source) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto check = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source, fmt::format("byte {}", 8 + e.byte - (e.byte > 0 ? 1 : 0)),
                     fmt::format("malformed safetensors header: {}", e.what()));
  } catch (const nlohmann::json::exception& e) {  // out_of_range: a number too large for a double
    throw InputError(source, "header", fmt::format("malformed safetensors header: {}", e.what()));
  }
  if (!duplicate.empty()) throw InputError(source, "header", fmt::format("duplicate key \"{}\"", duplicate));
  if (!header.is_object()) throw InputError(source, "header", "the header is not a JSON object");
  return header;
}

}  // namespace

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  uint64_t checksum = 0xcbf29ce484222325ull;
  size_t offset = 0;
  for (const auto& t : tensors) {
    size_t expected = 0;
    if (t.name == "__metadata__" || header.contains(t.name))
      throw Error(fmt::format("write_safetensors: tensor name \"{}\" is reserved or repeated", t.name));
    if (dtype_size(t.dtype) == 0 || !byte_count(t.shape, dtype_size(t.dtype), expected) || expected != t.bytes)
      throw Error(fmt::format("write_safetensors: tensor \"{}\" ({} {}) does not hold {} bytes", t.name, t.dtype,
                              shape_string(t.shape), t.bytes));
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
    checksum = fnv1a64(t.data, t.bytes, checksum);
  }
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  for (const auto& [k, v] : metadata) meta[k] = v;
  meta[kChecksumKey] = fmt::format("{:016x}", checksum);
  header["__metadata__"] = meta;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  char length[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);

  std::vector<std::string_view> parts = {std::string_view(length, 8), text};
  for (const auto& t : tensors) parts.emplace_back(static_cast<const char*>(t.data), t.bytes);
  write_file_atomic(path, parts);
}

Safetensors parse_safetensors(std::string bytes, const std::string& source) {
  Safetensors out;
  out.source = source;
  if (bytes.size() < 8)
    throw InputError(source, "byte 0", fmt::format("file of {} bytes is too short for a safetensors header", bytes.size()));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
  if (n > kMaxHeaderBytes)
    throw InputError(source, "byte 0", fmt::format("header length {} is over the 100 MB limit", n));
  if (n > bytes.size() - 8)
    throw InputError(source, "byte 0",
                     fmt::format("header length {} runs past the end of the file ({} bytes): truncated?", n, bytes.size()));
  const nlohmann::json header = parse_header(bytes.substr(8, n), source);
  const size_t data_start = 8 + static_cast<size_t>(n);
  const size_t data_size = bytes.size() - data_start;

  std::vector<std::pair<size_t, size_t>> ranges;  // (begin, end) per tensor, for the coverage check
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw InputError(source, "header", "__metadata__ is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw InputError(source, "header", fmt::format("metadata \"{}\" is not a string", k));
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = fmt::format("tensor \"{}\"", name);
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
      throw InputError(source, where, "needs dtype, shape and data_offsets");
    StoredTensor t;
    const auto& dtype = entry["dtype"];
    if (!dtype.is_string() || dtype_size(dtype.get<std::string>()) == 0)
      throw InputError(source, where, fmt::format("unknown dtype {}", dtype.dump()));
    t.dtype = dtype.get<std::string>();
    const auto& shape = entry["shape"];
    if (!shape.is_array()) throw InputError(source, where, "shape is not an array");
    for (const auto& d : shape) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        throw InputError(source, where, fmt::format("shape {} has a dimension that is not a non-negative integer", shape.dump()));
      t.shape.push_back(d.get<int64_t>());
    }
    const auto& off = entry["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw InputError(source, where, "data_offsets is not a pair of non-negative integers");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > data_size)
      throw InputError(source, where,
                       fmt::format("data_offsets [{}, {}] lie outside the {} data bytes: truncated?", begin, end, data_size));
    size_t expected = 0;
    if (!byte_count(t.shape, dtype_size(t.dtype), expected) || expected != end - begin)
      throw InputError(source, where,
                       fmt::format("shape {} of {} needs {} bytes but data_offsets give {}", shape_string(t.shape),
                                   t.dtype, expected, end - begin));
    t.offset = static_cast<size_t>(begin);
    t.bytes = static_cast<size_t>(end - begin);
    ranges.emplace_back(t.offset, t.offset + t.bytes);
    out.tensors.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  size_t covered = 0;
  for (const auto& [b, e] : ranges) {
    if (b != covered)
      throw InputError(source, fmt::format("data byte {}", b),
                       b < covered ? "tensors overlap" : "a hole between tensors");
    covered = e;
  }
  if (covered != data_size)
    throw InputError(source, fmt::format("byte {}", data_start + covered),
                     fmt::format("{} bytes after the last tensor", data_size - covered));
  out.data = bytes.substr(data_start);
  const auto sum = out.metadata.find(kChecksumKey);
  if (sum != out.metadata.end() && sum->second != fmt::format("{:016x}", fnv1a64(out.data.data(), out.data.size())))
    throw InputError(source, "data", "checksum mismatch: the file is damaged");
  return out;
}

Safetensors read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(path, "", "read error");
  return parse_safetensors(std::move(ss).str(), path);
}

namespace {

template <typename T>
std::vector<T> typed(const Safetensors& f, const std::string& name, const char* dtype,
                     const std::vector<int64_t>* shape) {
  const auto it = f.tensors.find(name);
  if (it == f.tensors.end()) throw InputError(f.source, fmt::format("tensor \"{}\"", name), "missing");
  const StoredTensor& t = it->second;
  if (t.dtype != dtype)
    throw InputError(f.source, fmt::format("tensor \"{}\"", name), fmt::format("dtype {}, expected {}", t.dtype, dtype));
  if (shape && t.shape != *shape)
    throw InputError(f.source, fmt::format("tensor \"{}\"", name),
                     fmt::format("shape {}, expected {}", shape_string(t.shape), shape_string(*shape)));
  std::vector<T> v(t.bytes / sizeof(T));
  if (t.bytes) std::memcpy(v.data(), f.data.data() + t.offset, t.bytes);
  return v;
}

}  // namespace

std::vector<float> Safetensors::f32(const std::string& name, const std::vector<int64_t>& shape) const {
  return typed<float>(*this, name, "F32", &shape);
}
std::vector<int64_t> Safetensors::i64(const std::string& name, const std::vector<int64_t>& shape) const {
  return typed<int64_t>(*this, name, "I64", &shape);
}
std::vector<int32_t> Safetensors::i32(const std::string& name, const std::vector<int64_t>& shape) const {
  return typed<int32_t>(*this, name, "I32", &shape);
}
const std::vector<int64_t>& Safetensors::shape(const std::string& name) const {
  const auto it = tensors.find(name);
  if (it == tensors.end()) throw InputError(source, fmt::format("tensor \"{}\"", name), "missing");
  return it->second.shape;
}
std::vector<uint8_t> Safetensors::u8(const std::string& name) const { return typed<uint8_t>(*this, name, "U8", nullptr); }

const std::string& Safetensors::meta(const std::string& key) const {
  const auto it = metadata.find(key);
  if (it == metadata.end()) throw InputError(source, "metadata", fmt::format("\"{}\" is missing", key));
  return it->second;
}

}  // namespace mmgraph::io
