// Every bad input answered: one table of malformed inputs across every reader.
// A row writes its files into a scratch directory, then either runs the real
// mmgraph binary with its arguments (or calls a reader in process). It expects exit
// code 2 (or the row's code), each message fragment on stderr (naming the file
// and the line or offset), a short message, no crash (signal, "internal
// error", sanitizer report) and none of the row's output paths left behind.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "io/safetensors.h"
#include "io/text_input.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

extern char** environ;

namespace mmgraph {
namespace {

namespace fs = std::filesystem;

struct File {
  std::string path;  // relative to the row's directory
  std::string content;
};

struct Row {
  std::string name;
  std::vector<File> files;
  std::vector<std::string> args;  // mmgraph's arguments; "{dir}" is the row's directory
  std::vector<std::string> expect;  // fragments of stderr (or of the InputError), "{dir}" substituted
  std::vector<std::string> absent = {};  // paths that must not exist afterwards
  int code = 2;
  std::function<void(const fs::path& dir)> setup = nullptr;  // after the files are written
  std::function<void(const fs::path& dir)> call = nullptr;   // an in-process reader instead of the CLI
  std::string binary = "";  // the mmgraph to run ("{dir}" substituted), if not the build's
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

std::string substitute(std::string s, const fs::path& dir) {
  for (size_t p; (p = s.find("{dir}")) != std::string::npos;) s.replace(p, 5, dir.string());
  return s;
}

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Outcome {
  int code = -1;    // exit status, or -1 when killed
  int signal = 0;   // the signal that ended it, or 0
  std::string err;  // stderr
};

const std::string kBuiltBinary = std::string(MMGRAPH_BINARY_DIR) + "/mmgraph";

// Runs `binary` (build/mmgraph unless given) with these arguments, stdout and stderr to files in dir.
Outcome run_mmgraph(const std::vector<std::string>& args, const fs::path& dir, const std::string& binary = kBuiltBinary) {
  std::vector<std::string> argv_s = {binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (dir / ".stdout").string(), err = (dir / ".stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  Outcome r;
  const int spawned = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    r.err = std::string("cannot start ") + binary + ": " + std::strerror(spawned);
    return r;
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.err = read_all(err);
  return r;
}

// ---- builders of file contents

std::string npy(const std::string& descr, const std::string& shape, const std::string& payload,
                const std::string& order = "False") {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  const char len[2] = {static_cast<char>(header.size() & 0xFF), static_cast<char>(header.size() >> 8)};
  return std::string("\x93NUMPY\x01\x00", 8) + std::string(len, 2) + header + payload;
}

std::string floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(std::data(v)), v.size() * sizeof(float));
}

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return s;
}

// A safetensors image: the length, the header text as given, the data.
std::string safetensors(const std::string& header, const std::string& data) { return le64(header.size()) + header + data; }

// A valid checkpoint-like file written by io::write_safetensors, as bytes.
std::string valid_safetensors(const fs::path& dir) {
  const std::vector<float> w = {1, 2, 3, 4, 5, 6};
  const std::string path = (dir / "valid.safetensors").string();
  io::write_safetensors(path, {{"w", "F32", {2, 3}, w.data(), w.size() * sizeof(float)}}, {{"epoch", "3"}});
  std::string bytes = read_all(path);
  fs::remove(path);
  return bytes;
}

// ---- rows

const std::string kSmall = "synthetic:users=50,items=40,interactions=500";

std::vector<std::string> info(const std::string& data) { return {"info", "--data", data}; }

// train on small synthetic data with a config, writing a log that must not be left behind.
std::vector<std::string> train_with_config(const std::string& config = "{dir}/c.yaml") {
  return {"train", "-q", "--device", "cpu", "--data", kSmall, "-c", config, "--log", "{dir}/log.jsonl"};
}

// A config that adds the modality x.npy to the small synthetic data, for a model that reads it.
const File kModalityConfig{"c.yaml", "model: vbpr\nmodalities: {audio: x.npy}\nepochs: 1\n"};

const std::string kSplitsOk = "{\"0\": [0, 1], \"1\": [1]}";

std::vector<File> splits(const std::string& train, const std::string& val = kSplitsOk,
                         const std::string& test = kSplitsOk) {
  return {{"d/train.json", train}, {"d/val.json", val}, {"d/test.json", test}};
}

// Prepares a small binary cache in dir/cache, then edits its manifest.
std::function<void(const fs::path&)> prepared(std::function<void(nlohmann::json&, const fs::path&)> edit) {
  return [edit](const fs::path& dir) {
    const Outcome r = run_mmgraph(
        {"prepare", "--data", "synthetic:users=6,items=14,interactions=40,image=2,text=0", "--out", (dir / "cache").string()},
        dir);
    ASSERT_EQ(r.code, 0) << r.err;
    nlohmann::json m = nlohmann::json::parse(read_all(dir / "cache/manifest.json"));
    edit(m, dir / "cache");
    write_file(dir / "cache/manifest.json", m.dump(2));
  };
}

nlohmann::json& array_named(nlohmann::json& m, const std::string& name) {
  for (auto& a : m["arrays"])
    if (a["name"] == name) return a;
  throw std::runtime_error("no array " + name);
}

// A copy of build/mmgraph in dir/bin, and there, when given, a shell script as the benchmark
// binary that `mmgraph bench` runs beside it.
std::function<void(const fs::path&)> copied_binary(const std::string& bench_script = "") {
  return [bench_script](const fs::path& dir) {
    fs::create_directories(dir / "bin");
    fs::copy_file(kBuiltBinary, dir / "bin/mmgraph");
    fs::permissions(dir / "bin/mmgraph", fs::perms::owner_all);
    if (bench_script.empty()) return;
    write_file(dir / "bin/mmgraph_bench", bench_script);
    fs::permissions(dir / "bin/mmgraph_bench", fs::perms::owner_all);
  };
}

// `mmgraph recommend` of dir/x.safetensors into dir/rec.csv.
std::vector<std::string> recommend_cmd() {
  return {"recommend", "--checkpoint", "{dir}/x.safetensors", "--out", "{dir}/rec.csv"};
}

std::vector<Row> rows() {
  const std::string ten_mb(10 << 20, 'y');
  std::vector<Row> t = {
      // ---- MMRec .inter
      {"inter_empty", {{"a.inter", ""}}, info("{dir}/a.inter"), {"{dir}/a.inter: the file is empty"}},
      {"inter_header_without_user", {{"a.inter", "user\titem\n1\t2\n"}}, info("{dir}/a.inter"),
       {"{dir}/a.inter:line 1: header has no userID column"}},
      {"inter_label_out_of_range", {{"a.inter", "userID\titemID\tx_label\nu\ti\t0\nu\tj\t3\n"}}, info("{dir}/a.inter"),
       {"{dir}/a.inter:line 3: x_label '3' must be 0, 1 or 2"}},
      {"inter_truncated_row", {{"a.inter", "userID\titemID\tx_label\nu\ti\t0\nu\tj"}}, info("{dir}/a.inter"),
       {"{dir}/a.inter:line 3: expected 3 columns, found 2"}},
      {"inter_non_utf8_id", {{"a.inter", "userID\titemID\tx_label\nu\xff\ti\t0\n"}}, info("{dir}/a.inter"),
       {"{dir}/a.inter:2:2: byte 0xFF is not UTF-8"}},
      {"inter_bom_and_crlf_work",
       {{"a.inter", "\xEF\xBB\xBFuserID\titemID\tx_label\r\nu1\ti1\t0\r\nu1\ti2\t1\r\nu2\ti1\t0\r\nu2\ti3\t2\r\n"}},
       info("{dir}/a.inter"), {"2 users, 3 items, 2 train / 1 valid / 1 test"}, {}, 0},
      {"inter_nothing_to_train_on", {{"a.inter", "userID\titemID\tx_label\nu\ti\t2\nv\tj\t1\n"}},
       {"train", "-q", "--device", "cpu", "--data", "{dir}/a.inter", "--log", "{dir}/log.jsonl"},
       {"the training split is empty"}, {"{dir}/log.jsonl"}},
      // ---- CSV / TSV
      {"csv_nan_timestamp", {{"a.csv", "user,item,rating,timestamp\n1,2,1,5\n1,3,1,nan\n"}},
       {"info", "--data", "{dir}/a.csv", "--split", "time"}, {"{dir}/a.csv:line 3: timestamp 'nan' is not a finite number"}},
      {"csv_overflowing_timestamp", {{"a.csv", "1,2,1,5\n1,3,1,1e999\n"}}, info("{dir}/a.csv"),
       {"{dir}/a.csv:line 2: timestamp '1e999' is not a finite number"}},
      {"csv_10mb_field_is_quoted_short", {{"a.csv", "1,2,1,5\n1,3,1," + ten_mb + "\n"}}, info("{dir}/a.csv"),
       {"{dir}/a.csv:line 2: timestamp 'yyyy", "... (10485760 bytes)' is not a finite number"}},
      {"csv_10mb_line", {{"a.csv", "1,2\n" + ten_mb + "\n"}}, info("{dir}/a.csv"),
       {"{dir}/a.csv:line 2: expected 2 columns, found 1"}},
      {"csv_utf16", {{"a.csv", std::string("\xFF\xFE" "1\0,\0" "2\0\n\0", 10)}}, info("{dir}/a.csv"),
       {"{dir}/a.csv:1:1: byte 0xFF is not UTF-8 (the file is UTF-16: save it as UTF-8)"}},
      {"csv_header_without_item", {{"a.csv", "user,thing\n1,2\n"}}, info("{dir}/a.csv"),
       {"{dir}/a.csv:line 1: header has no item column"}},
      {"csv_one_column", {{"a.csv", "1\n2\n"}}, info("{dir}/a.csv"),
       {"{dir}/a.csv:line 1: expected at least 2 columns (user, item)"}},
      {"csv_whitespace_only", {{"a.csv", "  \n\r\n\t\n"}}, info("{dir}/a.csv"), {"{dir}/a.csv: the file is empty"}},
      {"csv_kcore_removes_everything", {{"a.csv", "1,2\n1,3\n2,3\n"}}, {"info", "--data", "{dir}/a.csv", "--kcore", "5"},
       {"{dir}/a.csv: 5-core filtering removed every interaction"}},
      {"csv_bom_headerless_works", {{"a.csv", "\xEF\xBB\xBF" "1,10\r\n2,10\r\n1,11\r\n"}}, info("{dir}/a.csv"),
       {"2 users, 2 items"}, {}, 0},
      {"tsv_time_split_without_timestamp", {{"a.tsv", "1\t2\n1\t3\n"}}, {"info", "--data", "{dir}/a.tsv", "--split", "time"},
       {"{dir}/a.tsv:line 1: split by time needs a timestamp column"}},
      {"unknown_file_type", {{"a.xlsx", "PK\x03\x04"}}, info("{dir}/a.xlsx"), {"{dir}/a.xlsx: unknown file type '.xlsx'"}},
      // ---- JSON splits
      {"json_truncated", splits("{\"0\": [1, 2"), info("{dir}/d"), {"{dir}/d/train.json:1:", "invalid JSON"}},
      {"json_negative_user", splits("{\"0\": [0],\n \"-1\": [0]}"), info("{dir}/d"),
       {"{dir}/d/train.json:2:2: user id \"-1\" is not a non-negative integer"}},
      {"json_overflowing_item", splits("{\"0\": [99999999999999999999]}"), info("{dir}/d"),
       {"{dir}/d/train.json:1:2: item id 99999999999999999999 of user 0 is out of range"}},
      {"json_item_id_int32_max", splits("{\"0\": [2147483647]}"), info("{dir}/d"),
       {"{dir}/d/train.json:1:2: item id 2147483647 of user 0 is out of range"}},
      {"json_sparse_user_id", splits("{\"0\": [0],\n \"2000000000\": [1]}"), info("{dir}/d"),
       {"{dir}/d/train.json:2:2: user id 2000000000 is far beyond the 3 distinct users listed"}},
      {"json_user_listed_twice", splits("{\"0\": [1],\n\"0\": [2]}"), info("{dir}/d"),
       {"{dir}/d/train.json:2:1: user 0 is listed twice"}},
      {"json_non_utf8_key", splits("{\"0\xff\": [1]}"), info("{dir}/d"), {"{dir}/d/train.json:1:", "invalid JSON"}},
      {"json_missing_val", {{"d/train.json", kSplitsOk}, {"d/test.json", kSplitsOk}}, info("{dir}/d"),
       {"{dir}/d/val.json: cannot open the file"}},
      {"json_bom_and_crlf_work", splits("\xEF\xBB\xBF{\"0\": [0, 1],\r\n \"1\": [1]}\r\n"), info("{dir}/d"),
       {"2 users, 2 items"}, {}, 0},
      {"json_user2id_names_an_id_twice", [] {
         auto f = splits(kSplitsOk);
         f.push_back({"d/user2id.json", "{\"alice\": 0, \"bob\": 0}"});
         return f;
       }(), info("{dir}/d"), {"{dir}/d/user2id.json: dense id 0 is given to both 'alice' and 'bob'"}},
      {"json_user2id_duplicate_key", [] {
         auto f = splits(kSplitsOk);
         f.push_back({"d/user2id.json", "{\"alice\": 0,\n \"alice\": 1}"});
         return f;
       }(), info("{dir}/d"), {"{dir}/d/user2id.json:2:2: key \"alice\" appears twice"}},
      // ---- .npy: beside JSON splits (*_feat.npy) and as a config modality
      {"npy_nan_feature", [] {
         auto f = splits(kSplitsOk);
         f.push_back({"d/image_feat.npy", npy("<f4", "(2, 2)", floats({0.5f, 1, std::numeric_limits<float>::quiet_NaN(), 2}))});
         return f;
       }(), info("{dir}/d"), {"{dir}/d/image_feat.npy:row 1, column 0: feature value is NaN"}},
      {"npy_feature_rows_too_few", [] {
         auto f = splits(kSplitsOk);
         f.push_back({"d/image_feat.npy", npy("<f4", "(1, 2)", floats({0.5f, 1}))});
         return f;
       }(), info("{dir}/d"), {"{dir}/d/image_feat.npy: 1 rows, but the splits use 2 items"}},
      {"npy_zero_columns", [] {
         auto f = splits(kSplitsOk);
         f.push_back({"d/image_feat.npy", npy("<f4", "(1000000000000, 0)", "")});
         return f;
       }(), info("{dir}/d"), {"{dir}/d/image_feat.npy: shape (1000000000000, 0): a feature needs at least one column"}},
      {"npy_truncated", {kModalityConfig, {"x.npy", npy("<f4", "(40, 4)", std::string(10, '\0'))}}, train_with_config(),
       {"{dir}/x.npy:byte 128: truncated data: shape (40, 4) needs 640 bytes, the file has 10"}, {"{dir}/log.jsonl"}},
      {"npy_lying_header_length", {kModalityConfig, {"x.npy", std::string("\x93NUMPY\x01\x00\xff\xff{'descr'", 17)}},
       train_with_config(), {"{dir}/x.npy:byte 8: header length 65535 runs past the end of the file"}, {"{dir}/log.jsonl"}},
      {"npy_unknown_dtype", {kModalityConfig, {"x.npy", npy("<i4", "(40, 1)", std::string(160, '\0'))}},
       train_with_config(), {"{dir}/x.npy:byte 10: unsupported dtype '<i4'"}, {"{dir}/log.jsonl"}},
      {"npy_shape_too_large_for_memory", {kModalityConfig, {"x.npy", npy("<f4", "(1099511627776, 1099511627776)", "")}},
       train_with_config(), {"{dir}/x.npy:byte 128: truncated data"}, {"{dir}/log.jsonl"}},
      {"npy_empty", {kModalityConfig, {"x.npy", ""}}, train_with_config(), {"{dir}/x.npy:byte 0: the file is empty"},
       {"{dir}/log.jsonl"}},
      {"npy_wrong_row_count", {kModalityConfig, {"x.npy", npy("<f4", "(3, 1)", floats({1, 2, 3}))}}, train_with_config(),
       {"{dir}/x.npy: 3 rows, but the data set has 40 items"}, {"{dir}/log.jsonl"}},
      {"npy_fortran_order", {kModalityConfig, {"x.npy", npy("<f4", "(40, 1)", std::string(160, '\0'), "True")}},
       train_with_config(), {"{dir}/x.npy:byte 10: fortran_order arrays are not supported"}, {"{dir}/log.jsonl"}},
      {"npy_missing", {{"c.yaml", "model: vbpr\nmodalities: {audio: nope.npy}\n"}}, train_with_config(),
       {"{dir}/nope.npy: cannot open the file"}, {"{dir}/log.jsonl"}},
      // ---- binary manifests (mmgraph prepare output, then edited)
      {"manifest_bytes_disagree_with_shape", {}, info("{dir}/cache"),
       {"{dir}/cache/manifest.json:array 'train_col': shape [29] of int32 needs 116 bytes, 'bytes' says 120"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) { array_named(m, "train_col")["bytes"] = 120; })},
      {"manifest_lying_size", {}, info("{dir}/cache"),
       {"{dir}/cache/train_col.bin: size is 116 bytes, the manifest says 120"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) {
         array_named(m, "train_col")["bytes"] = 120;
         array_named(m, "train_col")["shape"] = {30};
       })},
      {"manifest_checksum", {}, info("{dir}/cache"), {"{dir}/cache/train_col.bin: checksum mismatch"}, {}, 2,
       prepared([](nlohmann::json&, const fs::path& cache) {
         std::string b = read_all(cache / "train_col.bin");
         b[5] ^= 0x40;
         write_file(cache / "train_col.bin", b);
       })},
      {"manifest_shape_too_large_for_the_file", {}, info("{dir}/cache"),
       {"{dir}/cache/feature_image.bin: size is 112 bytes, the manifest says 61572651155456"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) {
         auto& a = array_named(m, "feature_image");
         a["shape"] = {14, int64_t{1} << 40};
         a["bytes"] = 14 * 4 * (int64_t{1} << 40);
       })},
      {"manifest_users_too_many_for_the_arrays", {}, info("{dir}/cache"),
       {"{dir}/cache/manifest.json:array 'test_row_ptr': shape [7] does not fit n_users = 2000000000"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) { m["n_users"] = 2000000000; })},
      {"manifest_users_overflow_int32", {}, info("{dir}/cache"),
       {"{dir}/cache/manifest.json: 'n_users' is not an integer in [0, 2147483646]: 4294967302"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) { m["n_users"] = 4294967302; })},
      {"manifest_missing_array_file", {}, info("{dir}/cache"),
       {"{dir}/cache/valid_col.bin: cannot read array 'valid_col' of the manifest"}, {}, 2,
       prepared([](nlohmann::json&, const fs::path& cache) { fs::remove(cache / "valid_col.bin"); })},
      {"manifest_path_outside_the_cache", {}, info("{dir}/cache"),
       {"{dir}/cache/manifest.json:array 'test_col': 'file' ../test_col.bin is not a plain file name"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) { array_named(m, "test_col")["file"] = "../test_col.bin"; })},
      {"manifest_unknown_dtype", {}, info("{dir}/cache"),
       {"{dir}/cache/manifest.json:array 'valid_col': unknown dtype 'float128'"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) { array_named(m, "valid_col")["dtype"] = "float128"; })},
      {"manifest_newer_version", {}, info("{dir}/cache"),
       {"{dir}/cache/manifest.json: unsupported manifest version 2"}, {}, 2,
       prepared([](nlohmann::json& m, const fs::path&) { m["version"] = 2; })},
      {"manifest_truncated", {}, info("{dir}/cache"), {"{dir}/cache/manifest.json:", "invalid JSON"}, {}, 2,
       [](const fs::path& dir) {
         prepared([](nlohmann::json&, const fs::path&) {})(dir);
         const std::string text = read_all(dir / "cache/manifest.json");
         write_file(dir / "cache/manifest.json", text.substr(0, text.size() / 2));
       }},
      // ---- prepare leaves no partial output
      {"prepare_from_bad_data", {{"a.csv", "1\n"}}, {"prepare", "--data", "{dir}/a.csv", "--out", "{dir}/out"},
       {"{dir}/a.csv:line 1: expected at least 2 columns"}, {"{dir}/out"}},
      {"prepare_onto_a_file", {{"out", "not a directory"}}, {"prepare", "--data", kSmall, "--out", "{dir}/out/cache"},
       {"{dir}/out/cache: cannot create the directory"}, {"{dir}/out/cache"}},
      // ---- YAML configs
      {"yaml_duplicate_key", {{"c.yaml", "epochs: 1\nn_layers: 2\nepochs: 2\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 3: key 'epochs' given twice (first on line 1)"}, {"{dir}/log.jsonl"}},
      {"yaml_unknown_key", {{"c.yaml", "epochs: 1\nlearning_rat: 0.1\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 2: key 'learning_rat': unknown key"}, {"{dir}/log.jsonl"}},
      {"yaml_wrong_type", {{"c.yaml", "embedding_size: sixty\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 1: key 'embedding_size': expected an integer, got 'sixty'"}, {"{dir}/log.jsonl"}},
      {"yaml_non_utf8", {{"c.yaml", "epochs: 1\nmodel: caf\xe9\n"}}, train_with_config(),
       {"{dir}/c.yaml:2:11: byte 0xE9 is not UTF-8"}, {"{dir}/log.jsonl"}},
      {"yaml_tab_indentation", {{"c.yaml", "epochs: 1\n\tn_layers: 2\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 2: illegal tab"}, {"{dir}/log.jsonl"}},
      {"yaml_key_that_is_a_list", {{"c.yaml", "epochs: 1\n[a, b]: 1\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 2: a config key must be a plain name"}, {"{dir}/log.jsonl"}},
      {"yaml_deep_nesting", {{"c.yaml", "topk: " + std::string(100000, '[') + "\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 2: nested deeper than"}, {"{dir}/log.jsonl"}},
      {"yaml_10mb_value", {{"c.yaml", "epochs: 1\nmodel: " + ten_mb + "\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 2: key 'model': unknown model 'yyyy", "... (10485760 bytes)'"}, {"{dir}/log.jsonl"}},
      {"yaml_value_out_of_range", {{"c.yaml", "epochs: 1\n# size\nembedding_size: 0\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 3: key 'embedding_size': must be in 1..4096"}, {"{dir}/log.jsonl"}},
      {"yaml_metric_not_computed", {{"c.yaml", "topk: [5, 10]\nvalid_metric: Recall@7\n"}}, train_with_config(),
       {"{dir}/c.yaml:line 2: key 'valid_metric': valid_metric 'Recall@7' is not computed"}, {"{dir}/log.jsonl"}},
      {"set_value_out_of_range", {}, {"train", "-q", "--data", kSmall, "--set", "embedding_size=0"},
       {"--set:embedding_size=0: key 'embedding_size': must be in 1..4096"}},
      {"yaml_bom_and_crlf_work", {{"c.yaml", "\xEF\xBB\xBF" "epochs: 1\r\nembedding_size: 8\r\n"}},
       {"train", "-q", "--device", "cpu", "--data", kSmall, "-c", "{dir}/c.yaml"}, {}, {}, 0},
      // ---- synthetic specifications that cannot be satisfied
      {"synthetic_more_interactions_than_pairs", {}, info("synthetic:users=10,items=10,interactions=1000"),
       {"--data synthetic:interactions: 1000 interactions cannot be drawn"}},
      {"synthetic_no_held_out_items", {}, info("synthetic:users=1000,items=100,interactions=3000"),
       {"--data synthetic:interactions: 3000 interactions over 1000 users leave no user the 6 items"}},
      {"synthetic_too_large_for_memory", {}, info("synthetic:users=2000000000"), {"--data synthetic:users:", "GiB"}},
      // ---- safetensors checkpoints, through `recommend --checkpoint` (no output file may be left)
      {"safetensors_empty", {{"x.safetensors", ""}}, recommend_cmd(), {"{dir}/x.safetensors:byte 0: file of 0 bytes is too short"},
       {"{dir}/rec.csv"}, 2, nullptr, nullptr},
      {"safetensors_truncated", {}, recommend_cmd(), {"{dir}/x.safetensors:tensor \"w\": data_offsets [0, 24] lie outside the 20 data bytes"},
       {"{dir}/rec.csv"}, 2,
       [](const fs::path& dir) {
         const std::string b = valid_safetensors(dir);
         write_file(dir / "x.safetensors", b.substr(0, b.size() - 4));
       },
       nullptr},
      {"safetensors_damaged_data", {}, recommend_cmd(), {"{dir}/x.safetensors:data: checksum mismatch"}, {"{dir}/rec.csv"}, 2,
       [](const fs::path& dir) {
         std::string b = valid_safetensors(dir);
         b[b.size() - 1] ^= 1;
         write_file(dir / "x.safetensors", b);
       },
       nullptr},
      {"safetensors_header_length_over_limit", {{"x.safetensors", le64(uint64_t{1} << 40) + "{}"}}, recommend_cmd(),
       {"{dir}/x.safetensors:byte 0: header length 1099511627776 is over the 100 MB limit"}, {"{dir}/rec.csv"}, 2, nullptr,
       nullptr},
      {"safetensors_header_length_past_the_end", {{"x.safetensors", le64(1000) + "{}"}}, recommend_cmd(),
       {"{dir}/x.safetensors:byte 0: header length 1000 runs past the end of the file (10 bytes)"}, {"{dir}/rec.csv"}, 2, nullptr,
       nullptr},
      {"safetensors_unknown_dtype",
       {{"x.safetensors", safetensors("{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", std::string(16, '\0'))}},
       recommend_cmd(), {"{dir}/x.safetensors:tensor \"w\": unknown dtype \"F128\""}, {"{dir}/rec.csv"}, 2, nullptr, nullptr},
      {"safetensors_duplicate_key",
       {{"x.safetensors", safetensors("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                                      "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "a")}},
       recommend_cmd(), {"{dir}/x.safetensors:header: duplicate key \"w\""}, {"{dir}/rec.csv"}, 2, nullptr, nullptr},
      {"safetensors_shape_overflow",
       {{"x.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4611686018427387904],"
                                      "\"data_offsets\":[0,4]}}", "abcd")}},
       recommend_cmd(), {"{dir}/x.safetensors:tensor \"w\": shape [4611686018427387904, 4611686018427387904] of F32 needs"}, {"{dir}/rec.csv"}, 2,
       nullptr, nullptr},
      {"safetensors_number_overflow",
       {{"x.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e999],\"data_offsets\":[0,4]}}", "abcd")}},
       recommend_cmd(), {"{dir}/x.safetensors:header: malformed safetensors header", "number overflow"}, {"{dir}/rec.csv"}, 2, nullptr,
       nullptr},
      {"safetensors_non_utf8_header",
       {{"x.safetensors", safetensors("{\"w\xff\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "a")}},
       recommend_cmd(), {"{dir}/x.safetensors:byte", "malformed safetensors header"}, {"{dir}/rec.csv"}, 2, nullptr, nullptr},
      {"safetensors_not_a_checkpoint", {}, recommend_cmd(),
       {"{dir}/x.safetensors:metadata: not an mmgraph checkpoint"}, {"{dir}/rec.csv"}, 2,
       [](const fs::path& dir) { write_file(dir / "x.safetensors", valid_safetensors(dir)); }},
      {"checkpoint_damaged_for_export", {}, {"export", "--checkpoint", "{dir}/x.safetensors", "--out", "{dir}/e.safetensors"},
       {"{dir}/x.safetensors:data: checksum mismatch"}, {"{dir}/e.safetensors"}, 2,
       [](const fs::path& dir) {
         std::string b = valid_safetensors(dir);
         b[b.size() - 2] ^= 1;
         write_file(dir / "x.safetensors", b);
       }},
      {"resume_without_checkpoint_dir", {}, {"train", "-q", "--device", "cpu", "--data", kSmall, "--resume"},
       {"--resume: needs a checkpoint directory (--checkpoint-dir)"}},
      // ---- command-line usage: the parser's errors are input errors too
      {"usage_unknown_flag", {}, {"info", "--bogus"}, {"mmgraph: error: The following argument was not expected: --bogus"}},
      {"usage_repeated_option", {}, {"info", "--data", kSmall, "--data", kSmall}, {"--data: At Most 1 required but received 2"}},
      {"usage_missing_value", {}, {"info", "--data"}, {"--data: 1 required TEXT missing"}},
      {"usage_unknown_subcommand", {}, {"frobnicate"}, {"A subcommand is required"}},
      {"usage_no_subcommand", {}, {}, {"A subcommand is required"}},
      {"usage_extra_positional", {}, {"info", "extra"}, {"The following argument was not expected: extra"}},
      {"usage_value_not_allowed", {}, {"info", "--split", "sideways"}, {"--split: sideways not in {random,time}"}},
      {"usage_value_not_a_number", {}, {"info", "--kcore", "many"}, {"--kcore = many"}},
      {"usage_required_option_missing", {}, {"export", "--out", "{dir}/e.safetensors"}, {"--checkpoint is required"},
       {"{dir}/e.safetensors"}},
      {"usage_config_file_missing", {}, {"train", "-c", "{dir}/nope.yaml"}, {"--config: File does not exist: {dir}/nope.yaml"}},
      {"usage_help_works", {}, {"train", "--help"}, {}, {}, 0},
      {"usage_version_works", {}, {"--version"}, {}, {}, 0},
      // ---- mmgraph bench: the benchmark binary beside mmgraph, with the arguments as given
      {"bench_binary_missing", {}, {"bench", "--benchmark_list_tests"},
       {"{dir}/bin/mmgraph_bench: the benchmark binary is missing"}, {}, 2, copied_binary(), nullptr, "{dir}/bin/mmgraph"},
      {"bench_arguments_and_exit_code_pass_through", {},
       {"bench", "--benchmark_filter=it's a \"$HOME\" `test`", "", "--benchmark_min_time=0.1"},
       {"[--benchmark_filter=it's a \"$HOME\" `test`]\n[]\n[--benchmark_min_time=0.1]\n"}, {}, 7,
       copied_binary("#!/bin/sh\nprintf '[%s]\\n' \"$@\" >&2\nexit 7\n"), nullptr, "{dir}/bin/mmgraph"},
      {"checkpoint_dir_is_a_file", {{"ck", "not a directory"}},
       {"train", "-q", "--device", "cpu", "--data", kSmall, "--checkpoint-dir", "{dir}/ck"},
       {"{dir}/ck: cannot create the checkpoint directory"}},
  };
  return t;
}

class BadInput : public ::testing::TestWithParam<Row> {};

TEST_P(BadInput, IsAnsweredWithoutACrash) {
  const Row& row = GetParam();
  testing::TempDir scratch;
  const fs::path& dir = scratch.path();
  for (const auto& f : row.files) write_file(dir / f.path, f.content);
  if (row.setup) row.setup(dir);
  if (HasFatalFailure()) return;
  std::string message;
  if (row.call) {
    try {
      row.call(dir);
      ADD_FAILURE() << "no InputError";
    } catch (const InputError& e) {
      message = e.what();
    }
  } else {
    std::vector<std::string> args;
    for (const auto& a : row.args) args.push_back(substitute(a, dir));
    const Outcome r = run_mmgraph(args, dir, row.binary.empty() ? kBuiltBinary : substitute(row.binary, dir));
    message = r.err;
    EXPECT_EQ(r.signal, 0) << "killed by signal " << r.signal << ": " << io::excerpt(r.err, 2000);
    EXPECT_EQ(r.code, row.code) << io::excerpt(r.err, 2000);
    for (const char* crash : {"internal error", "AddressSanitizer", "LeakSanitizer", "runtime error:", "terminate called"})
      EXPECT_EQ(r.err.find(crash), std::string::npos) << io::excerpt(r.err, 2000);
  }
  // One short line, however large the input: fields are quoted as excerpts.
  EXPECT_LT(message.size(), 2000u) << io::excerpt(message, 2000);
  for (const auto& fragment : row.expect)
    EXPECT_NE(message.find(substitute(fragment, dir)), std::string::npos)
        << "'" << substitute(fragment, dir) << "' not in: " << io::excerpt(message, 2000);
  for (const auto& path : row.absent)
    EXPECT_FALSE(fs::exists(substitute(path, dir))) << substitute(path, dir) << " was left behind";
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& p) { return p.param.name; });

TEST(BadInputTable, CoversEveryFormat) {
  const std::vector<Row> t = rows();
  EXPECT_GE(t.size(), 30u);
  for (const char* prefix : {"inter_", "csv_", "tsv_", "json_", "npy_", "manifest_", "safetensors_", "yaml_", "synthetic_",
                             "usage_"})
    EXPECT_TRUE(std::any_of(t.begin(), t.end(), [&](const Row& r) { return r.name.starts_with(prefix); })) << prefix;
}

}  // namespace
}  // namespace mmgraph
