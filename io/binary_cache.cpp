// Binary dataset cache: manifest.json (sizes, dtypes, FNV-1a checksums) plus
// raw little-endian arrays; files are written to temporary names, fsync'ed and renamed.
#include <nlohmann/json.hpp>

#include <cstring>
#include <map>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "io/atomic_file.h"
#include "io/binary_cache.h"
#include "io/text_input.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"

namespace mmgraph {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "mmgraph-dataset";
constexpr int kVersion = 1;

// Writes bytes to dir/name crash-safely (temporary file, fsync, rename).
void write_atomic(const fs::path& dir, const std::string& name, const void* data, size_t size) {
  io::write_file_atomic((dir / name).string(), {std::string_view(static_cast<const char*>(data), size)});
}

struct ArrayWriter {
  fs::path dir;
  nlohmann::json arrays = nlohmann::json::array();
  template <typename T>
  void add(const std::string& name, const char* dtype, const std::vector<T>& v, std::vector<int64_t> shape) {
    const std::string file = name + ".bin";
    const size_t bytes = v.size() * sizeof(T);
    write_atomic(dir, file, v.data(), bytes);
    arrays.push_back({{"name", name}, {"dtype", dtype}, {"shape", shape}, {"file", file}, {"bytes", bytes},
                      {"checksum", fmt::format("{:016x}", io::fnv1a64(v.data(), bytes))}});
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
  const fs::path dir(dir_name);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir_name, "", "cannot create the directory: " + ec.message());
  ArrayWriter w{dir};
  const int64_t users1 = static_cast<int64_t>(data.n_users) + 1;
  for (const auto& [name, csr] : {std::pair<const char*, const InteractionCsr*>{"train", &data.train},
                                  {"valid", &data.valid}, {"test", &data.test}}) {
    w.add(std::string(name) + "_row_ptr", "int64", csr->row_ptr, {users1});
    w.add(std::string(name) + "_col", "int32", csr->col, {csr->nnz()});
  }
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : data.features) {
    w.add("feature_" + f.name, "float32", f.values, {f.rows, f.cols});
    features.push_back(f.name);
  }
  for (const auto& [name, ids] : {std::pair<const char*, const std::vector<std::string>*>{"user_ids", &data.user_ids},
                                  {"item_ids", &data.item_ids}}) {
    if (ids->empty()) continue;
    const std::string text = join_lines(*ids);
    write_atomic(dir, std::string(name) + ".txt", text.data(), text.size());
    w.arrays.push_back({{"name", name}, {"dtype", "text"}, {"shape", {static_cast<int64_t>(ids->size())}},
                        {"file", std::string(name) + ".txt"}, {"bytes", text.size()},
                        {"checksum", fmt::format("{:016x}", io::fnv1a64(text.data(), text.size()))}});
  }
  const nlohmann::json manifest{{"format", kFormat}, {"version", kVersion}, {"name", data.name},
                                {"n_users", data.n_users}, {"n_items", data.n_items},
                                {"features", features}, {"arrays", w.arrays}};
  const std::string text = manifest.dump(2) + "\n";
  write_atomic(dir, "manifest.json", text.data(), text.size());  // last: a cache is complete once it exists
}

namespace io {

Dataset load_dataset_binary(const std::string& dir_name) {
  const fs::path dir(dir_name);
  const std::string manifest_path = (dir / "manifest.json").string();
  const std::string text = read_file(manifest_path);
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(manifest_path, line_column(text, e.byte > 0 ? e.byte - 1 : 0), "invalid JSON");
  }
  auto bad = [&](const std::string& problem) { throw InputError(manifest_path, "", problem); };
  try {
    if (m.value("format", "") != kFormat) bad("not an mmgraph dataset manifest");
    if (m.value("version", 0) != kVersion) bad("unsupported manifest version " + m["version"].dump());
    Dataset d;
    d.name = m.at("name").get<std::string>();
    d.n_users = m.at("n_users").get<int32_t>();
    d.n_items = m.at("n_items").get<int32_t>();
    if (d.n_users < 0 || d.n_items < 0) bad("negative n_users or n_items");
    std::map<std::string, nlohmann::json> arrays;
    for (const auto& a : m.at("arrays")) arrays[a.at("name").get<std::string>()] = a;

    auto load_bytes = [&](const std::string& name, const char* dtype, size_t item_size, std::string& bytes) {
      const auto it = arrays.find(name);
      if (it == arrays.end()) bad("array '" + name + "' is missing");
      const nlohmann::json& a = it->second;
      if (a.at("dtype").get<std::string>() != dtype) bad("array '" + name + "' must have dtype " + dtype);
      const std::string path = (dir / a.at("file").get<std::string>()).string();
      bytes = read_file(path);
      const size_t expect = a.at("bytes").get<size_t>();
      if (bytes.size() != expect)
        throw InputError(path, "", fmt::format("size is {} bytes, the manifest says {}", bytes.size(), expect));
      if (item_size > 0 && bytes.size() % item_size != 0) throw InputError(path, "", "size is not a whole number of elements");
      if (fmt::format("{:016x}", io::fnv1a64(bytes.data(), bytes.size())) != a.at("checksum").get<std::string>())
        throw InputError(path, "", "checksum mismatch: the file is corrupt or was changed after `mmgraph prepare`");
    };
    auto load_vec = [&]<typename T>(const std::string& name, const char* dtype, std::vector<T>& out) {
      std::string bytes;
      load_bytes(name, dtype, sizeof(T), bytes);
      out.resize(bytes.size() / sizeof(T));
      std::memcpy(out.data(), bytes.data(), bytes.size());
    };
    for (const auto& [name, csr] : {std::pair<const char*, InteractionCsr*>{"train", &d.train}, {"valid", &d.valid}, {"test", &d.test}}) {
      load_vec(std::string(name) + "_row_ptr", "int64", csr->row_ptr);
      load_vec(std::string(name) + "_col", "int32", csr->col);
    }
    for (const auto& f : m.at("features")) {
      FeatureMatrix fm;
      fm.name = f.get<std::string>();
      load_vec("feature_" + fm.name, "float32", fm.values);
      const auto& shape = arrays["feature_" + fm.name].at("shape");
      fm.rows = shape.at(0).get<int64_t>();
      fm.cols = shape.at(1).get<int64_t>();
      if (static_cast<size_t>(fm.rows * fm.cols) != fm.values.size()) bad("feature '" + fm.name + "' shape does not match its size");
      d.features.push_back(std::move(fm));
    }
    for (const auto& [name, ids] : {std::pair<const char*, std::vector<std::string>*>{"user_ids", &d.user_ids}, {"item_ids", &d.item_ids}}) {
      if (!arrays.count(name)) continue;
      std::string bytes;
      load_bytes(name, "text", 0, bytes);
      size_t start = 0;
      while (start < bytes.size()) {
        const size_t end = bytes.find('\n', start);
        ids->emplace_back(bytes.substr(start, end - start));
        start = end == std::string::npos ? bytes.size() : end + 1;
      }
    }
    try {
      validate_dataset(d);
    } catch (const Error& e) {
      bad(std::string("inconsistent arrays: ") + e.what());
    }
    return d;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(manifest_path, "", std::string("malformed manifest: ") + e.what());
  }
}

}  // namespace io
}  // namespace mmgraph
