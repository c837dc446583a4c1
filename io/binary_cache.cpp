// Binary dataset cache: manifest.json (sizes, dtypes, FNV-1a checksums) plus
// raw little-endian arrays; files are written to temporary names, fsync'ed and renamed.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "io/atomic_file.h"
#include "io/binary_cache.h"
#include "io/json_document.h"
#include "io/mapped_file.h"
#include "io/text_input.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"

namespace mmgraph {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "mmgraph-dataset";
constexpr int kVersion = 1;

// Writes the arrays crash-safely (temporary file, fsync, rename) and lists
// them for the manifest; `written` is what to remove if the cache fails.
struct ArrayWriter {
  explicit ArrayWriter(fs::path d) : dir(std::move(d)) {}
  fs::path dir;
  std::vector<std::pair<std::string, io::ManifestArray>> arrays;
  std::vector<fs::path> written;

  void add_bytes(const std::string& name, const char* dtype, const std::string& file, std::string_view bytes,
                 const std::vector<int64_t>& shape) {
    written.push_back(dir / file);
    write_file_atomic(written.back().string(), {bytes});
    arrays.push_back({name, {dtype, shape, file, bytes.size(), io::fnv1a64(bytes.data(), bytes.size())}});
  }
  template <typename T>
  void add(const std::string& name, const char* dtype, const HostArray<T>& v, const std::vector<int64_t>& shape) {
    add_bytes(name, dtype, name + ".bin", {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)}, shape);
  }
};

std::string join_lines(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    out += n;
    out += '\n';
  }
  return out;
}

}  // namespace

void save_dataset_binary(const Dataset& data, const std::string& dir_name) {
  validate_dataset(data);
  const bool created = io::open_cache_dir(dir_name);
  ArrayWriter w{fs::path(dir_name)};
  try {
    const int64_t users1 = static_cast<int64_t>(data.n_users) + 1;
    for (const auto& [name, csr] : {std::pair<const char*, const InteractionCsr*>{"train", &data.train},
                                    {"valid", &data.valid}, {"test", &data.test}}) {
      w.add(std::string(name) + "_row_ptr", "int64", csr->row_ptr, {users1});
      w.add(std::string(name) + "_col", "int32", csr->col, {csr->nnz()});
    }
    std::vector<std::string> features;
    for (const auto& f : data.features) {
      w.add("feature_" + f.name, "float32", f.values, {f.rows, f.cols});
      features.push_back(f.name);
    }
    for (const auto& [name, ids] : {std::pair<const char*, const std::vector<std::string>*>{"user_ids", &data.user_ids},
                                    {"item_ids", &data.item_ids}}) {
      if (!ids->empty())
        w.add_bytes(name, "text", std::string(name) + ".txt", join_lines(*ids), {static_cast<int64_t>(ids->size())});
    }
    std::optional<io::KgCounts> kg;
    if (!data.kg.empty()) {
      const int64_t n = data.kg.n_triples();
      w.add("kg_head", "int32", data.kg.head, {n});
      w.add("kg_relation", "int32", data.kg.relation, {n});
      w.add("kg_tail", "int32", data.kg.tail, {n});
      w.add("item_entity", "int32", data.kg.item_entity, {int64_t{data.n_items}});
      kg = io::KgCounts{data.kg.n_entities, data.kg.n_relations};
    }
    io::write_manifest(dir_name, data.name, data.n_users, data.n_items, features, w.arrays, kg);
  } catch (...) {
    std::error_code ignored;
    for (const auto& file : w.written) fs::remove(file, ignored);
    if (created) fs::remove(dir_name, ignored);
    throw;
  }
}

namespace io {

bool open_cache_dir(const std::string& dir_name) {
  const fs::path dir(dir_name);
  std::error_code ec;
  const bool created = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir_name, "", "cannot create the directory: " + ec.message());
  fs::remove(dir / "manifest.json", ec);
  if (ec) throw InputError(dir_name, "", "cannot replace the cache there: " + ec.message());
  return created;
}

void write_manifest(const std::string& dir, const std::string& name, int32_t n_users, int32_t n_items,
                    const std::vector<std::string>& features,
                    const std::vector<std::pair<std::string, ManifestArray>>& arrays,
                    const std::optional<KgCounts>& kg) {
  nlohmann::json listed = nlohmann::json::array();
  for (const auto& [array_name, a] : arrays)
    listed.push_back({{"name", array_name}, {"dtype", a.dtype}, {"shape", a.shape}, {"file", a.file},
                      {"bytes", a.bytes}, {"checksum", fmt::format("{:016x}", a.checksum)}});
  nlohmann::json manifest{{"format", kFormat}, {"version", kVersion}, {"name", name},
                          {"n_users", n_users}, {"n_items", n_items},
                          {"features", features}, {"arrays", listed}};
  if (kg) manifest["kg"] = {{"n_entities", kg->n_entities}, {"n_relations", kg->n_relations}};
  // A name that is not UTF-8 (a file name) is written with U+FFFD rather than failing.
  const std::string text = manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  write_file_atomic((fs::path(dir) / "manifest.json").string(), {text});
}

namespace {

size_t element_size(const std::string& dtype) {
  if (dtype == "int64") return 8;
  if (dtype == "int32" || dtype == "float32") return 4;
  return dtype == "text" ? 1 : 0;
}

// Reads the manifest's fields with their types checked; `at` names the array.
struct ManifestReader {
  const std::string& source;
  std::string at;  // "" or "array 'name'"

  [[noreturn]] void fail(const std::string& problem) const { throw InputError(source, at, problem); }
  const nlohmann::json& field(const nlohmann::json& object, const char* key) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(std::string("'") + key + "' is missing");
    return *it;
  }
  std::string string(const nlohmann::json& object, const char* key) const {
    const auto& v = field(object, key);
    if (!v.is_string()) fail(std::string("'") + key + "' is not a string");
    return v.get<std::string>();
  }
  int64_t integer(const nlohmann::json& object, const char* key, int64_t lo, int64_t hi) const {
    const auto& v = field(object, key);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) ||
        v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      fail(fmt::format("'{}' is not an integer in [{}, {}]: {}", key, lo, hi, excerpt(v.dump())));
    return v.get<int64_t>();
  }
};

ManifestArray read_array(const ManifestReader& r, const nlohmann::json& a) {
  ManifestArray out;
  out.dtype = r.string(a, "dtype");
  const size_t element = element_size(out.dtype);
  if (element == 0) r.fail("unknown dtype '" + excerpt(out.dtype) + "' (int64, int32, float32 or text)");
  const auto& shape = r.field(a, "shape");
  if (!shape.is_array() || shape.empty() || shape.size() > 2) r.fail("'shape' is not a list of one or two sizes");
  uint64_t count = 1;
  for (const auto& d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      r.fail("'shape' " + excerpt(shape.dump()) + " has a size that is not a non-negative integer");
    const auto n = d.get<uint64_t>();
    if (n != 0 && count > (uint64_t{1} << 62) / n) r.fail("'shape' " + excerpt(shape.dump()) + " is too large");
    count *= n;
    out.shape.push_back(static_cast<int64_t>(n));
  }
  out.file = r.string(a, "file");
  if (out.file.empty() || out.file == "." || out.file == ".." || out.file.find_first_of(std::string("/\\\0", 3)) != std::string::npos)
    r.fail("'file' " + excerpt(out.file) + " is not a plain file name in the cache directory");
  out.bytes = static_cast<uint64_t>(r.integer(a, "bytes", 0, INT64_MAX));
  if (out.dtype == "text" ? out.shape.size() != 1 : out.bytes != count * element)
    r.fail(out.dtype == "text" ? "a text array has a 1-D shape (its number of lines)"
                               : fmt::format("shape {} of {} needs {} bytes, 'bytes' says {}", shape.dump(), out.dtype,
                                             count * element, out.bytes));
  const std::string checksum = r.string(a, "checksum");
  if (checksum.size() != 16 || checksum.find_first_not_of("0123456789abcdef") != std::string::npos)
    r.fail("'checksum' " + excerpt(checksum) + " is not 16 hex digits");
  out.checksum = std::stoull(checksum, nullptr, 16);
  return out;
}

}  // namespace

Manifest parse_manifest(std::string_view text, const std::string& source) {
  const nlohmann::json m = parse_json_document(text, source);
  ManifestReader r{source, ""};
  if (!m.is_object()) r.fail("not an mmgraph dataset manifest (expected a JSON object)");
  if (!m.contains("format") || m["format"] != kFormat) r.fail("not an mmgraph dataset manifest ('format' is not \"mmgraph-dataset\")");
  if (!m.contains("version") || m["version"] != kVersion)
    r.fail("unsupported manifest version " + excerpt(m.value("version", nlohmann::json()).dump()) + " (this build reads 1)");
  Manifest out;
  out.name = r.string(m, "name");
  out.n_users = static_cast<int32_t>(r.integer(m, "n_users", 0, INT32_MAX - 1));
  out.n_items = static_cast<int32_t>(r.integer(m, "n_items", 0, INT32_MAX - 1));
  const auto& features = r.field(m, "features");
  if (!features.is_array()) r.fail("'features' is not a list of names");
  for (const auto& f : features) {
    if (!f.is_string() || f.get<std::string>().empty()) r.fail("'features' has an entry that is not a name");
    if (std::find(out.features.begin(), out.features.end(), f.get<std::string>()) != out.features.end())
      r.fail("feature '" + excerpt(f.get<std::string>()) + "' is listed twice");
    out.features.push_back(f.get<std::string>());
  }
  if (const auto kg = m.find("kg"); kg != m.end()) {
    const ManifestReader kr{source, "'kg'"};
    if (!kg->is_object()) kr.fail("is not an object {n_entities, n_relations}");
    out.kg = KgCounts{static_cast<int32_t>(kr.integer(*kg, "n_entities", 1, INT32_MAX - 1)),
                      static_cast<int32_t>(kr.integer(*kg, "n_relations", 1, INT32_MAX - 1))};
  }
  const auto& arrays = r.field(m, "arrays");
  if (!arrays.is_array()) r.fail("'arrays' is not a list");
  for (const auto& a : arrays) {
    if (!a.is_object()) r.fail("'arrays' has an entry that is not an object");
    const std::string name = r.string(a, "name");
    const ManifestReader ar{source, "array '" + excerpt(name) + "'"};
    if (!out.arrays.emplace(name, read_array(ar, a)).second) ar.fail("listed twice");
  }

  // The arrays a data set needs, with the shapes its sizes imply.
  std::map<std::string, std::pair<const char*, int64_t>> expected;  // name -> dtype, first dimension
  for (const char* split : {"train", "valid", "test"}) {
    expected[std::string(split) + "_row_ptr"] = {"int64", int64_t{out.n_users} + 1};
    expected[std::string(split) + "_col"] = {"int32", -1};
  }
  for (const auto& f : out.features) expected["feature_" + f] = {"float32", out.n_items};
  if (out.kg) {
    for (const char* triple : {"kg_head", "kg_relation", "kg_tail"}) expected[triple] = {"int32", -1};
    expected["item_entity"] = {"int32", out.n_items};
  }
  for (const auto& [name, spec] : expected) {
    const ManifestReader ar{source, "array '" + excerpt(name) + "'"};
    const auto it = out.arrays.find(name);
    if (it == out.arrays.end()) ar.fail("is missing");
    const ManifestArray& a = it->second;
    if (a.dtype != spec.first) ar.fail("dtype " + a.dtype + ", expected " + spec.first);
    const bool feature = name.starts_with("feature_");
    if (a.shape.size() != (feature ? 2u : 1u) || (spec.second >= 0 && a.shape[0] != spec.second) ||
        (feature && a.shape[1] == 0))
      ar.fail(fmt::format("shape {} does not fit n_users = {}, n_items = {}", nlohmann::json(a.shape).dump(),
                          out.n_users, out.n_items));
  }
  if (out.kg) {
    const int64_t n_triples = out.arrays.at("kg_head").shape[0];
    for (const char* triple : {"kg_head", "kg_relation", "kg_tail"})
      if (out.arrays.at(triple).shape[0] != n_triples || n_triples == 0)
        ManifestReader{source, std::string("array '") + triple + "'"}.fail(
            fmt::format("shape {}: the triple arrays need one nonzero length (kg_head has {})",
                        nlohmann::json(out.arrays.at(triple).shape).dump(), n_triples));
  }
  for (const auto& [name, n] : {std::pair<const char*, int32_t>{"user_ids", out.n_users}, {"item_ids", out.n_items}}) {
    const auto it = out.arrays.find(name);
    if (it == out.arrays.end()) continue;
    const ManifestReader ar{source, std::string("array '") + name + "'"};
    if (it->second.dtype != "text" || it->second.shape[0] != n)
      ar.fail(fmt::format("must be text of {} lines, the manifest says {} {}", n, it->second.dtype,
                          nlohmann::json(it->second.shape).dump()));
    expected[name] = {"text", n};
  }
  for (const auto& [name, a] : out.arrays)
    if (!expected.count(name)) r.fail("array '" + excerpt(name) + "' is not part of an mmgraph data set");
  return out;
}

Dataset load_dataset_binary(const std::string& dir_name, bool load_features) {
  const fs::path dir(dir_name);
  const std::string manifest_path = (dir / "manifest.json").string();
  const Manifest m = parse_manifest(read_file(manifest_path), manifest_path);

  // The array's file mapped, its size checked against the manifest, then its checksum.
  auto map_array = [&](const std::string& name) {
    const ManifestArray& a = m.arrays.at(name);
    const std::string path = (dir / a.file).string();
    MappedFile file = map_file(path, "array '" + name + "' of the manifest");
    if (file.size != a.bytes) throw InputError(path, "", fmt::format("size is {} bytes, the manifest says {}", file.size, a.bytes));
    if (fnv1a64(file.data, file.size) != a.checksum)
      throw InputError(path, "", "checksum mismatch: the file is corrupt or was changed after `mmgraph prepare`");
    return file;
  };
  // A numeric array as a view of its mapping (page-aligned, a whole number of elements).
  auto map_numbers = [&]<typename T>(const std::string& name, HostArray<T>& out) {
    const MappedFile file = map_array(name);
    if (file.size > 0) out = HostArray<T>::view(file.keeper, reinterpret_cast<const T*>(file.data), file.size / sizeof(T));
  };
  Dataset d;
  d.name = m.name;
  d.n_users = m.n_users;
  d.n_items = m.n_items;
  for (const auto& [name, csr] : {std::pair<const char*, InteractionCsr*>{"train", &d.train}, {"valid", &d.valid}, {"test", &d.test}}) {
    map_numbers(std::string(name) + "_row_ptr", csr->row_ptr);
    map_numbers(std::string(name) + "_col", csr->col);
  }
  if (m.kg) {
    d.kg.n_entities = m.kg->n_entities;
    d.kg.n_relations = m.kg->n_relations;
    map_numbers("kg_head", d.kg.head);
    map_numbers("kg_relation", d.kg.relation);
    map_numbers("kg_tail", d.kg.tail);
    map_numbers("item_entity", d.kg.item_entity);
  }
  for (const auto& name : m.features) {
    const ManifestArray& a = m.arrays.at("feature_" + name);
    FeatureMatrix f{name, a.shape[0], a.shape[1], {}};
    if (!load_features) {  // its size alone is checked, from the directory entry
      const std::string path = (dir / a.file).string();
      std::error_code ec;
      const uintmax_t size = fs::file_size(path, ec);
      if (ec) throw InputError(path, "", "cannot read array 'feature_" + name + "' of the manifest: " + ec.message());
      if (size != a.bytes) throw InputError(path, "", fmt::format("size is {} bytes, the manifest says {}", size, a.bytes));
      d.features_not_loaded.push_back(std::move(f));
      continue;
    }
    map_numbers("feature_" + name, f.values);
    d.features.push_back(std::move(f));
  }
  for (const auto& [name, ids] : {std::pair<const char*, std::vector<std::string>*>{"user_ids", &d.user_ids}, {"item_ids", &d.item_ids}}) {
    if (!m.arrays.count(name)) continue;
    const MappedFile file = map_array(name);
    const std::string_view bytes(file.data, file.size);
    for (size_t start = 0; start < bytes.size();) {
      const size_t end = std::min(bytes.find('\n', start), bytes.size());
      ids->emplace_back(bytes.substr(start, end - start));
      start = end + 1;
    }
    if (ids->size() != static_cast<size_t>(m.arrays.at(name).shape[0]))
      throw InputError((dir / m.arrays.at(name).file).string(), "",
                       fmt::format("{} lines, the manifest says {}", ids->size(), m.arrays.at(name).shape[0]));
  }
  try {
    validate_dataset(d);
  } catch (const Error& e) {
    throw InputError(manifest_path, "", std::string("inconsistent arrays: ") + e.what());
  }
  return d;
}

}  // namespace io
}  // namespace mmgraph
