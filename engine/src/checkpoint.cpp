// Checkpoints: the trainer's checkpoint directory (save, retention, resume)
// and the public reader / exporter of trained models (mmgraph/checkpoint.h).
#include "engine/src/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <limits>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/src/config_keys.h"
#include "io/atomic_file.h"
#include "kernels/bf16.h"
#include "mmgraph/build_info.h"
#include "mmgraph/checkpoint.h"
#include "mmgraph/errors.h"

namespace mmgraph {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "mmgraph-checkpoint";
constexpr int kFormatVersion = 1;
constexpr const char* kBestName = "best.safetensors";

template <typename Array>
uint64_t hash_of(const Array& v, uint64_t h = 0xcbf29ce484222325ull) {
  return io::fnv1a64(v.data(), v.size() * sizeof(typename Array::value_type), h);
}

std::string hex(uint64_t h) { return fmt::format("{:016x}", h); }

uint64_t hash_of_ids(const std::vector<std::string>& ids) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& id : ids) h = io::fnv1a64(id.data(), id.size() + 1, h);  // with the terminating NUL
  return h;
}

// Part of the data set -> a description with its hash; compared on resume. The features only for
// a model that reads them: hashing them would read every page of arrays such a model never
// touches, and its training does not depend on them.
json fingerprint_of(const Dataset& d, const std::string& model) {
  json j = json::object();
  j["users"] = std::to_string(d.n_users);
  j["items"] = std::to_string(d.n_items);
  const std::pair<const char*, const InteractionCsr*> splits[] = {
      {"train interactions", &d.train}, {"valid interactions", &d.valid}, {"test interactions", &d.test}};
  for (const auto& [name, csr] : splits)
    j[name] = fmt::format("{} pairs, hash {}", csr->nnz(), hex(hash_of(csr->col, hash_of(csr->row_ptr))));
  if (model_reads_features(model))
    for (const auto& f : d.features)
      j["feature " + f.name] = fmt::format("{} x {}, hash {}", f.rows, f.cols, hex(hash_of(f.values)));
  j["user ids"] = hex(hash_of_ids(d.user_ids));
  j["item ids"] = hex(hash_of_ids(d.item_ids));
  return j;
}

json metrics_to_json(const MetricTable& t) {
  json j = json::array();
  for (const auto& [name, value] : t.items()) j.push_back({name, value});
  return j;
}

MetricTable metrics_from_json(const json& j) {
  MetricTable t;
  for (const auto& item : j) t.set(item.at(0).get<std::string>(), item.at(1).get<double>());
  return t;
}

json history_to_json(const std::vector<EpochRecord>& history) {
  json j = json::array();
  for (const auto& r : history)
    j.push_back({{"epoch", r.epoch}, {"loss", r.loss}, {"train_seconds", r.train_seconds},
                 {"eval_seconds", r.eval_seconds}, {"evaluated", r.evaluated}, {"valid", metrics_to_json(r.valid)},
                 {"valid_cold", metrics_to_json(r.valid_cold)}});
  return j;
}

std::vector<EpochRecord> history_from_json(const json& j) {
  std::vector<EpochRecord> out;
  for (const auto& r : j) {
    EpochRecord rec;
    rec.epoch = r.at("epoch").get<int>();
    rec.loss = r.at("loss").get<double>();
    rec.train_seconds = r.at("train_seconds").get<double>();
    rec.eval_seconds = r.at("eval_seconds").get<double>();
    rec.evaluated = r.at("evaluated").get<bool>();
    rec.valid = metrics_from_json(r.at("valid"));
    rec.valid_cold = metrics_from_json(r.at("valid_cold"));
    out.push_back(std::move(rec));
  }
  return out;
}

json config_to_json(const TrainConfig& c) {
  json j = json::object();
  for (const auto& [key, value] : config_items(c)) j[key] = value;
  return j;
}

// A metadata value parsed as JSON, or an InputError naming the checkpoint and the key.
json meta_json(const io::Safetensors& f, const std::string& key) {
  try {
    return json::parse(f.meta(key));
  } catch (const json::exception& e) {
    throw InputError(f.source, "metadata \"" + key + "\"", fmt::format("not valid JSON: {}", e.what()));
  }
}

template <typename T>
T meta_number(const io::Safetensors& f, const std::string& key) {
  const json j = meta_json(f, key);
  if (!j.is_number()) throw InputError(f.source, "metadata \"" + key + "\"", "not a number");
  return j.get<T>();
}

// Refuses files that are not mmgraph checkpoints of this format version.
void check_format(const io::Safetensors& f) {
  const auto it = f.metadata.find("format");
  if (it == f.metadata.end() || it->second != kFormat)
    throw InputError(f.source, "metadata", "not an mmgraph checkpoint (no \"format\": \"mmgraph-checkpoint\")");
  const int version = meta_number<int>(f, "format_version");
  if (version != kFormatVersion)
    throw InputError(f.source, "metadata",
                     fmt::format("checkpoint format version {}; this mmgraph reads version {}", version, kFormatVersion));
}

// A metrics table saved in the metadata; InputError naming the key when malformed.
MetricTable meta_metrics(const io::Safetensors& f, const std::string& key) {
  try {
    return metrics_from_json(meta_json(f, key));
  } catch (const json::exception& e) {
    throw InputError(f.source, "metadata \"" + key + "\"", fmt::format("malformed metrics: {}", e.what()));
  }
}

// The best epoch's representations: [n x dim] each, or [0 x dim] before the first validation.
void read_best_reps(const io::Safetensors& f, int64_t n_users, int64_t n_items, int64_t dim,
                    std::vector<float>& user_rep, std::vector<float>& item_rep) {
  const auto& shape = f.shape("best.user_rep");
  const bool none = !shape.empty() && shape[0] == 0;
  user_rep = f.f32("best.user_rep", {none ? 0 : n_users, dim});
  item_rep = f.f32("best.item_rep", {none ? 0 : n_items, dim});
}

std::string joined_ids(const std::vector<std::string>& ids, int32_t n) {
  std::string out;
  for (int32_t i = 0; i < n; ++i) {
    if (i) out += '\n';
    out += ids.empty() ? std::to_string(i) : ids[static_cast<size_t>(i)];
  }
  return out;
}

std::vector<std::string> split_ids(const io::Safetensors& f, const std::string& name, int32_t n) {
  const std::vector<uint8_t> bytes = f.u8(name);
  std::vector<std::string> ids;
  if (n == 0) return ids;
  std::string current;
  for (uint8_t b : bytes) {
    if (b == '\n') {
      ids.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(static_cast<char>(b));
    }
  }
  ids.push_back(std::move(current));
  if (ids.size() != static_cast<size_t>(n))
    throw InputError(f.source, "tensor \"" + name + "\"", fmt::format("{} ids for {} entries", ids.size(), n));
  return ids;
}

// Periodic checkpoint names: epoch-000012.safetensors; -1 for other names.
using detail::Param;
using detail::RowRange;

// The file of process `rank` of `size` beside a checkpoint "<base>.safetensors" of a run over
// several processes.
std::string shard_name(const std::string& base, int rank, int size) {
  return fmt::format("{}.shard-{}-of-{}.safetensors", base, rank, size);
}

// The global rows of a parameter held here (all of them for a replicated one) and its global shape.
std::vector<RowRange> held_rows_of(const Param& p) {
  if (p.placement.row_sharded) return p.placement.rows;
  return {RowRange{0, p.shape.empty() ? 1 : p.shape[0]}};
}
std::vector<int64_t> global_shape_of(const Param& p) {
  return p.placement.row_sharded ? p.placement.global_shape : p.shape;
}
int64_t row_width(const std::vector<int64_t>& shape) {
  int64_t w = 1;
  for (size_t i = 1; i < shape.size(); ++i) w *= shape[i];
  return w;
}

// The rows `rows` (global) of tensor `name` of global shape `shape`: from the checkpoint's whole
// tensor, or from the shards (each lists its global row ranges of the tensor's parameter in its
// metadata "rows"). InputError when no file holds a row.
std::vector<float> rows_from(const io::Safetensors& f, const std::vector<io::Safetensors>& shards,
                             const std::string& tensor, const std::string& param, const std::vector<int64_t>& shape,
                             const std::vector<RowRange>& rows) {
  const int64_t width = row_width(shape);
  int64_t n = 0;
  for (const RowRange& r : rows) n += r.count;
  std::vector<float> out(static_cast<size_t>(n * width));
  if (shards.empty()) {
    const std::vector<float> whole = f.f32(tensor, shape);
    size_t at = 0;
    for (const RowRange& r : rows)
      for (int64_t i = 0; i < r.count * width; ++i) out[at++] = whole[static_cast<size_t>(r.first * width + i)];
    return out;
  }
  std::vector<char> filled(static_cast<size_t>(n), 0);
  for (const io::Safetensors& shard : shards) {
    const json held = meta_json(shard, "rows");
    if (!held.contains(param)) continue;
    std::vector<RowRange> theirs;
    int64_t local_rows = 0;
    for (const auto& r : held[param]) {
      theirs.push_back({r.at(0).get<int64_t>(), r.at(1).get<int64_t>()});
      local_rows += theirs.back().count;
    }
    std::vector<int64_t> local_shape = shape;
    if (local_shape.empty()) local_shape = {1};
    local_shape[0] = local_rows;
    const std::vector<float> values = shard.f32(tensor, shape.empty() ? std::vector<int64_t>{} : local_shape);
    int64_t out_row = 0;
    for (const RowRange& want : rows) {
      int64_t local = 0;
      for (const RowRange& have : theirs) {
        const int64_t lo = std::max(want.first, have.first);
        const int64_t hi = std::min(want.first + want.count, have.first + have.count);
        for (int64_t g = lo; g < hi; ++g) {
          const int64_t dst = out_row + (g - want.first), src = local + (g - have.first);
          std::copy_n(values.begin() + src * width, width, out.begin() + dst * width);
          filled[static_cast<size_t>(dst)] = 1;
        }
        local += have.count;
      }
      out_row += want.count;
    }
  }
  if (std::find(filled.begin(), filled.end(), 0) != filled.end())
    throw InputError(f.source, "tensor \"" + tensor + "\"", "its shards do not hold every row this process needs");
  return out;
}

int epoch_of_name(const std::string& name) {
  int epoch = -1;
  char tail[32] = {};
  if (std::sscanf(name.c_str(), "epoch-%d.%31s", &epoch, tail) != 2 || std::string(tail) != "safetensors") return -1;
  return epoch;
}

}  // namespace

namespace detail {

std::string input_description(const Dataset& data, const TrainConfig& config) {
  const json fingerprint = fingerprint_of(data, config.model), settings = config_to_json(config);
  json j = json::object();
  for (const auto& [key, value] : fingerprint.items()) j["data " + key] = value;
  for (const auto& [key, value] : settings.items()) j["config " + key] = value;
  return j.dump();
}

CheckpointDir::CheckpointDir(std::string dir, int keep, bool resume, const Dataset& data, const TrainConfig& config)
    : dir_(std::move(dir)), keep_(keep), data_(data), config_(config), fingerprint_(fingerprint_of(data, config.model).dump()) {
  if (keep_ < 1) throw InputError("--keep-checkpoints", "", "must be >= 1");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) throw InputError(dir_, "", "cannot create the checkpoint directory");
  bool has_checkpoints = false;
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string name = e.path().filename().string();
    if (name.find(".safetensors.tmp-") != std::string::npos) fs::remove(e.path(), ec);  // left by a crash
    if (epoch_of_name(name) >= 0 || name == kBestName) has_checkpoints = true;
  }
  if (has_checkpoints && !resume)
    throw InputError(dir_, "",
                     "already holds checkpoints of an earlier run: pass --resume to continue it, or use another "
                     "--checkpoint-dir");
}

void CheckpointDir::save(bool periodic, bool best, Model& model, const TrainProgress& p) {
  if (!periodic && !best) return;
  const bool sharded = comm_ && comm_->size() > 1;
  const std::string periodic_base = fmt::format("epoch-{:06d}", p.epoch), best_base = "best";
  std::deque<std::vector<float>> host;  // keeps the downloaded tensors alive until written
  std::vector<io::TensorToWrite> tensors;
  auto add_f32 = [&](const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& v) {
    tensors.push_back({name, "F32", shape, v.data(), v.size() * sizeof(float)});
  };
  for (const auto& param : model.params().all()) {
    // bf16 storage is widened to float32, exactly; restore() rounds it back to the same bf16.
    for (const auto& [prefix, f32, b16] : {std::tuple{"param.", &param->value, &param->value_bf16},
                                           std::tuple{"adam_m.", &param->m, &param->m_bf16},
                                           std::tuple{"adam_v.", &param->v, &param->v_bf16}}) {
      host.push_back(param->bf16() ? kernels::bf16_widened(b16->to_host()) : f32->to_host());
      add_f32(prefix + param->name, param->shape, host.back());
    }
  }
  if (sharded) {
    // This process's rows of every parameter, then (rank 0, once every shard is written) the manifest.
    json rows = json::object(), shapes = json::object();
    for (const auto& param : model.params().all()) {
      json ranges = json::array();
      for (const RowRange& r : held_rows_of(*param)) ranges.push_back({r.first, r.count});
      rows[param->name] = ranges;
      shapes[param->name] = global_shape_of(*param);
    }
    const std::map<std::string, std::string> shard_meta = {
        {"format", kFormat}, {"format_version", std::to_string(kFormatVersion)}, {"epoch", std::to_string(p.epoch)}, {"rank", std::to_string(comm_->rank())},
        {"size", std::to_string(comm_->size())}, {"rows", rows.dump()}, {"global_shapes", shapes.dump()}};
    for (const auto& [write, base] : {std::pair{periodic, periodic_base}, std::pair{best, best_base}})
      if (write)
        io::write_safetensors((fs::path(dir_) / shard_name(base, comm_->rank(), comm_->size())).string(), tensors,
                              shard_meta);
    comm_->barrier();
    if (comm_->rank() != 0) return;
    tensors.clear();
  }
  for (io::TensorToWrite t : model.state()) {
    t.name = "state." + t.name;
    tensors.push_back(t);
  }
  const int64_t dim = model.rep_dim();
  const int64_t user_rows = p.best_user_rep.empty() ? 0 : data_.n_users;
  const int64_t item_rows = p.best_item_rep.empty() ? 0 : data_.n_items;
  add_f32("best.user_rep", {user_rows, dim}, p.best_user_rep);
  add_f32("best.item_rep", {item_rows, dim}, p.best_item_rep);
  const auto& train = data_.train;
  tensors.push_back({"data.train.row_ptr", "I64", {static_cast<int64_t>(train.row_ptr.size())}, train.row_ptr.data(),
                     train.row_ptr.size() * sizeof(int64_t)});
  tensors.push_back({"data.train.col", "I32", {train.nnz()}, train.col.data(), train.col.size() * sizeof(int32_t)});
  const std::string user_ids = joined_ids(data_.user_ids, data_.n_users);
  const std::string item_ids = joined_ids(data_.item_ids, data_.n_items);
  tensors.push_back({"data.user_ids", "U8", {static_cast<int64_t>(user_ids.size())}, user_ids.data(), user_ids.size()});
  tensors.push_back({"data.item_ids", "U8", {static_cast<int64_t>(item_ids.size())}, item_ids.data(), item_ids.size()});

  const std::map<std::string, std::string> meta = {
      {"format", kFormat},
      {"format_version", std::to_string(kFormatVersion)},
      {"mmgraph_version", MMGRAPH_VERSION_STRING},
      {"model", config_.model},
      {"config", config_to_json(config_).dump()},
      {"data", fingerprint_},
      {"n_users", std::to_string(data_.n_users)},
      {"n_items", std::to_string(data_.n_items)},
      {"dim", std::to_string(dim)},
      {"epoch", std::to_string(p.epoch)},
      {"adam_step", std::to_string(model.params().step())},
      // The sampler is a pure function of (seed, epoch, pair index): training resumes
      // at the first pair of this 0-based epoch.
      {"sampler_position", json{{"epoch", p.epoch}, {"pair", 0}, {"seed", config_.seed}}.dump()},
      {"best_epoch", std::to_string(p.best_epoch)},
      {"best_score", std::isfinite(p.best_score) ? json(p.best_score).dump() : "null"},
      {"evals_without_gain", std::to_string(p.evals_without_gain)},
      {"best_valid", metrics_to_json(p.best_valid).dump()},
      {"best_valid_warm", metrics_to_json(p.best_valid_warm).dump()},
      {"best_valid_cold", metrics_to_json(p.best_valid_cold).dump()},
      {"best_valid_cold_among_cold", metrics_to_json(p.best_valid_cold_among_cold).dump()},
      {"test", metrics_to_json(p.test).dump()},
      {"test_warm", metrics_to_json(p.test_warm).dump()},
      {"test_cold", metrics_to_json(p.test_cold).dump()},
      {"test_cold_among_cold", metrics_to_json(p.test_cold_among_cold).dump()},
      {"history", history_to_json(p.history).dump()},
      {"seconds", json(p.seconds).dump()},
      {"seconds_to_best", json(p.seconds_to_best).dump()},
  };
  std::map<std::string, std::string> manifest = meta;
  if (sharded) manifest["shards"] = std::to_string(comm_->size());
  if (periodic) {
    io::write_safetensors((fs::path(dir_) / (periodic_base + ".safetensors")).string(), tensors, manifest);
    std::vector<std::pair<int, fs::path>> periodic_files;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const int epoch = epoch_of_name(e.path().filename().string());
      if (epoch >= 0) periodic_files.emplace_back(epoch, e.path());
    }
    std::sort(periodic_files.begin(), periodic_files.end());
    for (size_t i = 0; i + static_cast<size_t>(keep_) < periodic_files.size(); ++i) {
      fs::remove(periodic_files[i].second);  // the manifest first: without it the shards are no checkpoint
      const std::string shard_prefix = fmt::format("epoch-{:06d}.shard-", periodic_files[i].first);
      for (const auto& e : fs::directory_iterator(dir_))
        if (e.path().filename().string().rfind(shard_prefix, 0) == 0) fs::remove(e.path());
    }
  }
  if (best) {
    io::write_safetensors((fs::path(dir_) / kBestName).string(), tensors, manifest);
    // Shards of an earlier best written by another number of processes.
    const std::string current = sharded ? fmt::format("-of-{}.safetensors", comm_->size()) : "";
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("best.shard-", 0) == 0 && (current.empty() || !name.ends_with(current))) fs::remove(e.path());
    }
  }
}

std::optional<io::Safetensors> CheckpointDir::newest() const {
  std::vector<std::pair<int, fs::path>> candidates;
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string name = e.path().filename().string();
    const int epoch = name == kBestName ? std::numeric_limits<int>::max() : epoch_of_name(name);
    if (epoch >= 0) candidates.emplace_back(epoch, e.path());
  }
  // Newest first by file name; best.safetensors is read first and compared by its epoch.
  std::sort(candidates.rbegin(), candidates.rend());
  std::optional<io::Safetensors> best_file, newest_periodic;
  for (const auto& [epoch, path] : candidates) {
    try {
      io::Safetensors f = io::read_safetensors(path.string());
      check_format(f);
      meta_number<int>(f, "epoch");
      if (epoch == std::numeric_limits<int>::max()) {
        best_file = std::move(f);
        continue;
      }
      newest_periodic = std::move(f);
      break;
    } catch (const InputError& e) {
      std::fprintf(stderr, "mmgraph: warning: skipping damaged checkpoint: %s\n", e.what());
    }
  }
  if (!best_file) return newest_periodic;
  if (!newest_periodic) return best_file;
  return meta_number<int>(*best_file, "epoch") > meta_number<int>(*newest_periodic, "epoch") ? best_file
                                                                                               : newest_periodic;
}

void CheckpointDir::restore(const io::Safetensors& f, Model& model, TrainProgress& p) const {
  check_format(f);
  // The data set.
  const json mine = json::parse(fingerprint_), theirs = meta_json(f, "data");
  std::vector<std::string> differences;
  for (const auto& [key, value] : mine.items())
    if (!theirs.contains(key) || theirs[key] != value)
      differences.push_back(fmt::format("{}: {} in the checkpoint, {} now", key,
                                        theirs.contains(key) ? theirs[key].get<std::string>() : "absent",
                                        value.get<std::string>()));
  // Checkpoints written before the fingerprint left features out for models that read none
  // carry their hashes: not compared, since such a model's state does not depend on them.
  const bool features_read = model_reads_features(config_.model);
  for (const auto& [key, value] : theirs.items())
    if (!mine.contains(key) && (features_read || !key.starts_with("feature ")))
      differences.push_back(fmt::format("{}: {} in the checkpoint, absent now", key, value.get<std::string>()));
  if (!differences.empty())
    throw InputError(f.source, "",
                     fmt::format("written for another data set ({})", fmt::join(differences, "; ")));
  // The config.
  const json config = config_to_json(config_), saved = meta_json(f, "config");
  // The keys a resumed run may change (config_keys.cpp marks them); modalities are paths: the
  // features' contents are in the fingerprint.
  const std::set<std::string> resumable = resumable_config_keys();
  for (const auto& [key, value] : config.items()) {
    if (resumable.count(key)) continue;
    const std::string before = saved.contains(key) ? saved[key].get<std::string>() : "absent";
    if (before != value.get<std::string>())
      differences.push_back(fmt::format("{}: {} in the checkpoint, {} now", key, before, value.get<std::string>()));
  }
  if (!differences.empty())
    throw InputError(f.source, "",
                     fmt::format("incompatible config ({}); only {} may change on resume", fmt::join(differences, "; "),
                                 fmt::join(resumable, ", ")));
  // The parameters, their Adam moments and the model's own state: the rows held here, from the
  // whole tensors or from the shards of a run over several processes.
  std::vector<io::Safetensors> shards;
  if (f.metadata.count("shards")) {
    const int count = meta_number<int>(f, "shards");
    if (count < 1) throw InputError(f.source, "metadata \"shards\"", "must be >= 1");
    std::string base = f.source;
    base.resize(base.size() - std::string(".safetensors").size());
    for (int r = 0; r < count; ++r) {
      shards.push_back(io::read_safetensors(shard_name(base, r, count)));
      check_format(shards.back());
    }
  }
  size_t saved_params = 0;
  for (const auto& [name, t] : (shards.empty() ? f : shards.front()).tensors) saved_params += name.rfind("param.", 0) == 0;
  if (saved_params != model.params().all().size())
    throw InputError(f.source, "", fmt::format("holds {} parameters, the model has {}", saved_params,
                                               model.params().all().size()));
  for (const auto& param : model.params().all()) {
    const std::vector<RowRange> rows = held_rows_of(*param);
    const std::vector<int64_t> shape = global_shape_of(*param);
    auto read = [&](const std::string& prefix) { return rows_from(f, shards, prefix + param->name, param->name, shape, rows); };
    const std::vector<float> value = read("param.");
    const std::vector<float> m = read("adam_m.");
    const std::vector<float> v = read("adam_v.");
    if (param->bf16()) {
      param->value_bf16.upload(kernels::bf16_rounded(value));
      param->m_bf16.upload(kernels::bf16_rounded(m));
      param->v_bf16.upload(kernels::bf16_rounded(v));
    } else {
      param->value.upload(value);
      param->m.upload(m);
      param->v.upload(v);
    }
    auto zero = [](const std::vector<float>& x) {
      return std::all_of(x.begin(), x.end(), [](float e) { return e == 0; });
    };
    param->moments_zero = zero(m) && zero(v);
    param->grad_known_zero = false;
  }
  model.params().set_step(meta_number<int64_t>(f, "adam_step"));
  model.restore_state(f);
  // The trainer's progress.
  p.epoch = meta_number<int>(f, "epoch");
  p.best_epoch = meta_number<int>(f, "best_epoch");
  const json best_score = meta_json(f, "best_score");
  p.best_score = best_score.is_number() ? best_score.get<double>() : -std::numeric_limits<double>::infinity();
  p.evals_without_gain = meta_number<int>(f, "evals_without_gain");
  p.best_valid = meta_metrics(f, "best_valid");
  p.best_valid_warm = meta_metrics(f, "best_valid_warm");
  p.best_valid_cold = meta_metrics(f, "best_valid_cold");
  p.best_valid_cold_among_cold = meta_metrics(f, "best_valid_cold_among_cold");
  p.test = meta_metrics(f, "test");
  p.test_warm = meta_metrics(f, "test_warm");
  p.test_cold = meta_metrics(f, "test_cold");
  p.test_cold_among_cold = meta_metrics(f, "test_cold_among_cold");
  try {
    p.history = history_from_json(meta_json(f, "history"));
  } catch (const json::exception& e) {
    throw InputError(f.source, "metadata \"history\"", fmt::format("malformed: {}", e.what()));
  }
  read_best_reps(f, data_.n_users, data_.n_items, model.rep_dim(), p.best_user_rep, p.best_item_rep);
  p.seconds = meta_number<double>(f, "seconds");
  p.seconds_to_best = meta_number<double>(f, "seconds_to_best");
}

}  // namespace detail

TrainedModel load_trained_model(const std::string& path) {
  const io::Safetensors f = io::read_safetensors(path);
  check_format(f);
  TrainedModel m;
  m.source = path;
  m.model = f.meta("model");
  m.epoch = meta_number<int>(f, "epoch");
  m.best_epoch = meta_number<int>(f, "best_epoch");
  const json config = meta_json(f, "config");
  for (const auto& [key, value] : config.items()) m.config.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  Dataset& d = m.data;
  d.name = path;
  d.n_users = meta_number<int32_t>(f, "n_users");
  d.n_items = meta_number<int32_t>(f, "n_items");
  if (d.n_users < 0 || d.n_items < 0) throw InputError(path, "metadata", "negative user or item count");
  m.dim = meta_number<int>(f, "dim");
  d.train.row_ptr = f.i64("data.train.row_ptr", {int64_t{d.n_users} + 1});
  const int64_t nnz = d.train.row_ptr.back();
  if (nnz < 0) throw InputError(path, "tensor \"data.train.row_ptr\"", "negative size");
  d.train.col = f.i32("data.train.col", {nnz});
  d.valid.row_ptr.assign(static_cast<size_t>(d.n_users) + 1, 0);
  d.test.row_ptr = d.valid.row_ptr;
  d.user_ids = split_ids(f, "data.user_ids", d.n_users);
  d.item_ids = split_ids(f, "data.item_ids", d.n_items);
  try {
    validate_dataset(d);
  } catch (const Error& e) {
    throw InputError(path, "training split", e.what());
  }
  read_best_reps(f, d.n_users, d.n_items, m.dim, m.user_rep, m.item_rep);
  m.best_valid = meta_metrics(f, "best_valid");
  m.test = meta_metrics(f, "test");
  return m;
}

void export_representations(const TrainedModel& m, const std::string& out_path) {
  if (m.user_rep.empty())
    throw InputError(m.source, "",
                     "holds no representations yet (written before the first validation): use best.safetensors or a "
                     "later checkpoint");
  const std::string user_ids = joined_ids(m.data.user_ids, m.data.n_users);
  const std::string item_ids = joined_ids(m.data.item_ids, m.data.n_items);
  const int64_t dim = m.dim;
  const std::vector<io::TensorToWrite> tensors = {
      {"user_embedding", "F32", {m.data.n_users, dim}, m.user_rep.data(), m.user_rep.size() * sizeof(float)},
      {"item_embedding", "F32", {m.data.n_items, dim}, m.item_rep.data(), m.item_rep.size() * sizeof(float)},
      {"user_ids", "U8", {static_cast<int64_t>(user_ids.size())}, user_ids.data(), user_ids.size()},
      {"item_ids", "U8", {static_cast<int64_t>(item_ids.size())}, item_ids.data(), item_ids.size()},
  };
  json test = json::object();
  for (const auto& [name, value] : m.test.items()) test[name] = value;
  io::write_safetensors(out_path, tensors,
                        {{"model", m.model},
                         {"epochs", std::to_string(m.epoch)},
                         {"best_epoch", std::to_string(m.best_epoch)},
                         {"dim", std::to_string(m.dim)},
                         {"score", "dot product of user_embedding and item_embedding rows"},
                         {"ids", "utf-8, one per line, in row order"},
                         {"test", test.dump()},
                         {"source", m.source}});
}

}  // namespace mmgraph
