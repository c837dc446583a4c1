// load_dataset: dispatch on the kind of source; validate_dataset: invariants.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <tuple>

#include <fmt/format.h>

#include "io/binary_cache.h"
#include "io/delimited_reader.h"
#include "io/json_splits.h"
#include "io/interactions.h"
#include "io/json_document.h"
#include "io/knowledge_graph.h"
#include "io/npy.h"
#include "io/text_input.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"

namespace mmgraph {

namespace fs = std::filesystem;

namespace {

// Features feed sums and norms: a NaN or Inf would poison every item it
// touches; a row count must be a valid item count and a row must have a column.
void check_feature(const io::NpyArray& a, const std::string& source) {
  if (a.cols == 0) throw InputError(source, "", fmt::format("shape ({}, 0): a feature needs at least one column", a.rows));
  if (a.rows >= std::numeric_limits<int32_t>::max())
    throw InputError(source, "", fmt::format("{} rows: more items than an int32 id can name", a.rows));
  for (int64_t r = 0; r < a.rows; ++r)
    for (int64_t c = 0; c < a.cols; ++c) {
      const float v = a.values[static_cast<size_t>(r * a.cols + c)];
      if (!std::isfinite(v))
        throw InputError(source, fmt::format("row {}, column {}", r, c),
                         fmt::format("feature value is {} (features must be finite)", std::isnan(v) ? "NaN" : "Inf"));
    }
}

// Dense ids may leave gaps, but not an id space far larger than the ids listed:
// every id up to the largest costs index and embedding memory.
void check_dense(int32_t n, size_t listed, const char* what, const std::string& source, const std::string& position) {
  if (n > 16 * static_cast<int64_t>(listed) + (int64_t{1} << 20))
    throw InputError(source, position,
                     fmt::format("{} id {} is far beyond the {} distinct {}s listed: ids must be dense (0 .. n-1)", what,
                                 n - 1, listed, what));
}

template <typename Key>
size_t count_distinct(const io::JsonSplit (&parts)[3], Key key) {
  std::vector<int32_t> ids;
  for (const auto& part : parts)
    for (const auto& pair : part.pairs) ids.push_back(key(pair));
  std::sort(ids.begin(), ids.end());
  return static_cast<size_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
}

// user2id.json / item2id.json: {original id: dense id} naming each of the n dense ids once.
std::vector<std::string> read_id_map(const std::string& path, int32_t n) {
  const nlohmann::json j = io::parse_json_document(io::read_file(path), path);
  if (!j.is_object()) throw InputError(path, "", "expected a JSON object {original id: dense id}");
  std::vector<std::string> ids(static_cast<size_t>(n));
  std::vector<char> named(static_cast<size_t>(n), 0);
  size_t count = 0;
  for (const auto& [original, dense] : j.items()) {
    ++count;
    if (!dense.is_number_integer() || dense.get<int64_t>() < 0 || dense.get<int64_t>() >= n)
      throw InputError(path, "", "id of '" + io::excerpt(original) + "' is not an integer in [0, " + std::to_string(n) + ")");
    if (original.find_first_of("\r\n") != std::string::npos)
      throw InputError(path, "", "id '" + io::excerpt(original) + "' contains a line break");
    const auto d = dense.get<size_t>();
    if (named[d]) throw InputError(path, "", fmt::format("dense id {} is given to both '{}' and '{}'", d, io::excerpt(ids[d]), io::excerpt(original)));
    named[d] = 1;
    ids[d] = original;
  }
  if (count < static_cast<size_t>(n)) {
    const auto missing = std::find(named.begin(), named.end(), 0) - named.begin();
    throw InputError(path, "", fmt::format("names {} ids, the data set has {} (dense id {} has no original id)", count, n, missing));
  }
  return ids;
}

Dataset load_json_splits(const fs::path& dir, const LoadOptions& options) {
  io::JsonSplit parts[3];
  const char* files[3] = {"train.json", "val.json", "test.json"};
  int32_t n_users = 0, n_items = 0;
  int widest_user = 0, widest_item = 0;  // the split holding the largest id
  for (int s = 0; s < 3; ++s) {
    const std::string path = (dir / files[s]).string();
    parts[s] = io::parse_json_split(io::read_file(path), path);
    if (parts[s].max_user + 1 > n_users) {
      n_users = parts[s].max_user + 1;
      widest_user = s;
    }
    if (parts[s].max_item + 1 > n_items) {
      n_items = parts[s].max_item + 1;
      widest_item = s;
    }
  }
  check_dense(n_users, count_distinct(parts, [](const auto& p) { return p.first; }), "user",
              (dir / files[widest_user]).string(), parts[widest_user].max_user_at);
  check_dense(n_items, count_distinct(parts, [](const auto& p) { return p.second; }), "item",
              (dir / files[widest_item]).string(), parts[widest_item].max_item_at);
  Dataset d;
  d.name = dir.filename().string();
  if (d.name.empty()) d.name = dir.parent_path().filename().string();
  // The features; without load_features only their headers, which set the item count alike.
  std::vector<fs::path> npys;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.size() > 9 && f.ends_with("_feat.npy")) npys.push_back(e.path());
  }
  std::sort(npys.begin(), npys.end());
  for (const auto& p : npys) {
    io::NpyArray a = options.load_features ? io::read_npy(p.string()) : io::read_npy_shape(p.string());
    if (options.load_features) check_feature(a, p.string());
    if (a.rows < n_items)
      throw InputError(p.string(), "", fmt::format("{} rows, but the splits use {} items", a.rows, n_items));
    n_items = static_cast<int32_t>(a.rows);  // items absent from every split are cold-start items
    const std::string f = p.filename().string();
    (options.load_features ? d.features : d.features_not_loaded)
        .push_back({f.substr(0, f.size() - 9), a.rows, a.cols, std::move(a.values)});
  }
  for (const auto* list : {&d.features, &d.features_not_loaded})
    for (const auto& f : *list)
      if (f.rows != n_items)
        throw InputError((dir / (f.name + "_feat.npy")).string(), "", fmt::format("{} rows, another feature file has {}", f.rows, n_items));
  d.n_users = n_users;
  d.n_items = n_items;
  InteractionCsr* dst[3] = {&d.train, &d.valid, &d.test};
  for (int s = 0; s < 3; ++s) *dst[s] = interactions_from_pairs(n_users, std::move(parts[s].pairs));
  if (fs::exists(dir / "user2id.json")) d.user_ids = read_id_map((dir / "user2id.json").string(), n_users);
  if (fs::exists(dir / "item2id.json")) d.item_ids = read_id_map((dir / "item2id.json").string(), n_items);
  if (options.kg_path.empty() && fs::exists(dir / "kg_final.txt"))
    d.kg = io::load_knowledge_graph((dir / "kg_final.txt").string(), n_items);
  return d;
}

}  // namespace

Dataset load_dataset(const std::string& spec, const LoadOptions& options) {
  Dataset d;
  if (const auto synthetic = synthetic_spec_options(spec)) {
    d = make_synthetic_dataset(*synthetic);
  } else {
    const fs::path p(spec);
    std::error_code ec;
    if (!fs::exists(p, ec)) throw InputError(spec, "", "no such file or directory");
    if (fs::is_directory(p)) {
      if (fs::exists(p / "manifest.json")) d = io::load_dataset_binary(spec, options.load_features);
      else if (fs::exists(p / "train.json")) d = load_json_splits(p, options);
      else throw InputError(spec, "", "directory has neither manifest.json (mmgraph prepare) nor train.json/val.json/test.json");
    } else {
      const std::string ext = p.extension().string();
      if (ext != ".inter" && ext != ".csv" && ext != ".tsv" && ext != ".txt")
        throw InputError(spec, "", "unknown file type '" + io::excerpt(ext) + "' (.inter, .csv, .tsv, .txt)");
      std::ifstream in = io::open_file(spec);
      if (ext == ".inter") d = io::read_inter(in, spec, options);
      else d = io::read_delimited(in, ext == ".csv" ? ',' : '\t', spec, options);
      d.name = p.stem().string();
    }
  }
  if (!options.kg_path.empty()) d.kg = io::load_knowledge_graph(options.kg_path, d.n_items);
  validate_dataset(d);
  return d;
}

void add_modality(Dataset& data, const std::string& name, const std::string& npy_path) {
  if (name.empty()) throw InputError(npy_path, "", "a modality needs a name");
  io::NpyArray a = io::read_npy(npy_path);
  check_feature(a, npy_path);
  if (a.rows != data.n_items)
    throw InputError(npy_path, "", fmt::format("{} rows, but the data set has {} items (row i must be item i)", a.rows,
                                               data.n_items));
  FeatureMatrix f{name, a.rows, a.cols, std::move(a.values)};
  for (FeatureMatrix& existing : data.features)
    if (existing.name == name) {
      existing = std::move(f);
      return;
    }
  data.features.push_back(std::move(f));
}

namespace {

// The knowledge graph's invariants (dataset.h): counts, sizes, ids in range, triples sorted and unique.
void validate_knowledge_graph(const Dataset& d) {
  const KnowledgeGraph& kg = d.kg;
  const auto fail = [&](const std::string& problem) { throw Error(fmt::format("dataset {}: knowledge graph: {}", d.name, problem)); };
  if (kg.empty()) {
    if (kg.n_entities != 0 || kg.n_relations != 0 || !kg.relation.empty() || !kg.tail.empty() || !kg.item_entity.empty())
      fail("no triples, but entities, relations or an item map");
    return;
  }
  if (kg.n_entities <= 0 || kg.n_relations <= 0) fail(fmt::format("{} entities and {} relations", kg.n_entities, kg.n_relations));
  if (kg.relation.size() != kg.head.size() || kg.tail.size() != kg.head.size())
    fail(fmt::format("{} heads, {} relations, {} tails", kg.head.size(), kg.relation.size(), kg.tail.size()));
  for (size_t k = 0; k < kg.head.size(); ++k) {
    if (kg.head[k] < 0 || kg.head[k] >= kg.n_entities || kg.tail[k] < 0 || kg.tail[k] >= kg.n_entities ||
        kg.relation[k] < 0 || kg.relation[k] >= kg.n_relations)
      fail(fmt::format("triple {} ({}, {}, {}) is outside {} entities, {} relations", k, kg.head[k], kg.relation[k],
                       kg.tail[k], kg.n_entities, kg.n_relations));
    if (k > 0 && std::tie(kg.head[k - 1], kg.relation[k - 1], kg.tail[k - 1]) >= std::tie(kg.head[k], kg.relation[k], kg.tail[k]))
      fail(fmt::format("triples are not sorted and unique at triple {}", k));
  }
  if (kg.item_entity.size() != static_cast<size_t>(d.n_items))
    fail(fmt::format("item map has {} entries for {} items", kg.item_entity.size(), d.n_items));
  for (size_t i = 0; i < kg.item_entity.size(); ++i)
    if (kg.item_entity[i] < -1 || kg.item_entity[i] >= kg.n_entities)
      fail(fmt::format("item {} maps to entity {} outside [-1, {})", i, kg.item_entity[i], kg.n_entities));
}

}  // namespace

void validate_dataset(const Dataset& d) {
  if (d.n_users < 0 || d.n_items < 0) throw Error(fmt::format("dataset {}: negative sizes", d.name));
  for (const auto& [name, csr] : {std::pair<const char*, const InteractionCsr*>{"train", &d.train}, {"valid", &d.valid}, {"test", &d.test}}) {
    if (csr->row_ptr.size() != static_cast<size_t>(d.n_users) + 1 || csr->row_ptr[0] != 0 || csr->row_ptr.back() != csr->nnz())
      throw Error(fmt::format("dataset {}: {} split row_ptr has {} entries for {} users", d.name, name, csr->row_ptr.size(), d.n_users));
    for (int32_t u = 0; u < d.n_users; ++u) {
      if (csr->row_ptr[u + 1] < csr->row_ptr[u]) throw Error(fmt::format("dataset {}: {} split: row_ptr decreases at user {}", d.name, name, u));
      for (int64_t k = csr->row_ptr[u]; k < csr->row_ptr[u + 1]; ++k) {
        if (csr->col[k] < 0 || csr->col[k] >= d.n_items)
          throw Error(fmt::format("dataset {}: {} split: user {} has item {} outside [0, {})", d.name, name, u, csr->col[k], d.n_items));
        if (k > csr->row_ptr[u] && csr->col[k] <= csr->col[k - 1])
          throw Error(fmt::format("dataset {}: {} split: items of user {} are not sorted and unique", d.name, name, u));
      }
    }
  }
  for (const auto& f : d.features)
    if (f.rows != d.n_items || f.values.size() != static_cast<size_t>(f.rows * f.cols))
      throw Error(fmt::format("dataset {}: feature {} is {}x{} for {} items", d.name, f.name, f.rows, f.cols, d.n_items));
  if (!d.user_ids.empty() && d.user_ids.size() != static_cast<size_t>(d.n_users)) throw Error(fmt::format("dataset {}: user id map size", d.name));
  if (!d.item_ids.empty() && d.item_ids.size() != static_cast<size_t>(d.n_items)) throw Error(fmt::format("dataset {}: item id map size", d.name));
  validate_knowledge_graph(d);
}

}  // namespace mmgraph
