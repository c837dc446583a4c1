// Checkpoints: exact resume after SIGKILL at several moments (one inside a
// checkpoint write), exact resume of every model, refusal of checkpoints from
// another data set or config, damaged files skipped, the divergence guard,
// and export.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/src/model.h"
#include "io/safetensors.h"
#include "mmgraph/checkpoint.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"
#include "support/model_configs.h"
#include "support/jsonl_log.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

namespace fs = std::filesystem;

// ---- The CLI as a child process that can be killed. ----

struct ChildResult {
  bool killed = false;  // ended by SIGKILL
  int code = -1;        // exit code otherwise
};

// Runs build/mmgraph with `args` and extra environment entries (NAME=value),
// output into `log_file`; sends SIGKILL as soon as `kill_when` returns true.
ChildResult run_mmgraph(const std::vector<std::string>& args, const std::vector<std::string>& env,
                        const std::string& log_file, const std::function<bool()>& kill_when = {}) {
  const std::string binary = std::string(MMGRAPH_BINARY_DIR) + "/mmgraph";
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    FILE* out = std::freopen(log_file.c_str(), "a", stdout);
    if (out) dup2(fileno(stdout), fileno(stderr));
    std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  ChildResult r;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (kill_when && kill_when()) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int epoch_lines(const fs::path& log) {
  std::ifstream in(log);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind("{\"epoch\"", 0) == 0;
  return n;
}


const std::vector<std::string> kTrainArgs = {
    "train", "--data", "synthetic:users=300,items=200,interactions=7000,seed=5", "--device", "cpu", "--set",
    "model=freedom", "--set", "dropout=0.3", "--set", "epochs=10", "--set", "eval_step=2", "--set",
    "embedding_size=16", "--set", "train_batch_size=512", "--set", "stopping_step=50", "--set", "learning_rate=0.01",
    "--set", "threads=1", "-q"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(Checkpoint, RunKilledAtSeveralMomentsAndResumedIsBitIdentical) {
  testing::TempDir dir;
  const fs::path ref = dir.path() / "ref", ck = dir.path() / "ck", out = dir.path() / "out.txt";
  const ChildResult whole = run_mmgraph(
      with(kTrainArgs, {"--checkpoint-dir", ref.string(), "--keep-checkpoints", "20", "--log",
                       (dir.path() / "ref.jsonl").string()}),
      {},
      out.string());
  ASSERT_EQ(whole.code, 0) << read_file(out);
  const auto size = static_cast<int64_t>(fs::file_size(ref / "epoch-000001.safetensors"));

  const std::vector<std::string> args =
      with(kTrainArgs, {"--checkpoint-dir", ck.string(), "--log", (dir.path() / "ck.jsonl").string(), "--resume"});
  // 1. Killed inside the very first checkpoint write: nothing valid is left.
  ChildResult r = run_mmgraph(args, {"MMGRAPH_TEST_KILL_AFTER_BYTES=" + std::to_string(size / 2)}, out.string());
  ASSERT_TRUE(r.killed) << read_file(out);
  bool partial = false;
  for (const auto& e : fs::directory_iterator(ck)) partial |= e.path().string().find(".tmp-") != std::string::npos;
  EXPECT_TRUE(partial) << "the kill should have left a partial temporary file";
  // 2. Resumed (from the beginning), killed in the middle of its third checkpoint write.
  r = run_mmgraph(args, {"MMGRAPH_TEST_KILL_AFTER_BYTES=" + std::to_string(2 * size + size / 2)}, out.string());
  ASSERT_TRUE(r.killed) << read_file(out);
  // 3. Resumed, killed at a moment chosen by the clock: once 6 epochs are logged.
  r = run_mmgraph(args, {}, out.string(), [&] { return epoch_lines(dir.path() / "ck.jsonl") >= 6; });
  ASSERT_TRUE(r.killed) << read_file(out);
  // 4. Resumed to the end.
  r = run_mmgraph(args, {}, out.string());
  ASSERT_EQ(r.code, 0) << read_file(out);
  EXPECT_NE(read_file(out).find("resumed from epoch"), std::string::npos) << read_file(out);

  EXPECT_EQ(testing::log_without_times((dir.path() / "ck.jsonl").string()),
            testing::log_without_times((dir.path() / "ref.jsonl").string()));
  const io::Safetensors a = io::read_safetensors((ref / "best.safetensors").string());
  const io::Safetensors b = io::read_safetensors((ck / "best.safetensors").string());
  for (const char* name : {"best.user_rep", "best.item_rep", "param.embedding", "adam_v.embedding"}) {
    const auto& ta = a.tensors.at(name);
    const auto& tb = b.tensors.at(name);
    ASSERT_EQ(ta.bytes, tb.bytes) << name;
    EXPECT_EQ(std::memcmp(a.data.data() + ta.offset, b.data.data() + tb.offset, ta.bytes), 0) << name;
  }
  EXPECT_EQ(a.meta("test"), b.meta("test"));
  EXPECT_EQ(a.meta("adam_step"), b.meta("adam_step"));
}

Dataset small_synthetic(uint64_t seed = 3) {
  SyntheticOptions s;
  s.users = 240;
  s.items = 160;
  s.interactions = 5000;
  s.image_dim = 24;
  s.text_dim = 12;
  s.seed = seed;
  return make_synthetic_dataset(s);
}

// The model's shipped config at test sizes.
TrainConfig config_for(const std::string& model) {
  TrainConfig c = testing::shipped_config(model);
  c.device = "cpu";
  c.threads = 1;  // CI runs tests in parallel on two cores: one thread each avoids OpenMP oversubscription
  c.embedding_size = 16;
  c.n_layers = 2;
  c.learning_rate = 0.01;
  c.train_batch_size = 512;
  c.epochs = 5;
  c.eval_step = 2;
  c.topk = {10, 20};
  c.knn_k = 5;
  c.dropout = 0.3;
  c.graph_update_every = 2;
  c.mm_bpr_weight = 0.01;
  c.cl_weight = 0.05;
  return c;
}

// A run of `config` resumed from its checkpoints of epochs 1 and 3 ends as the whole run, bit for bit.
void expect_resumes_bit_identically(const TrainConfig& config) {
  const Dataset data = small_synthetic();
  testing::TempDir dir;
  TrainOptions opt;
  opt.progress = false;
  opt.checkpoint_dir = (dir.path() / "whole").string();
  opt.keep_checkpoints = 10;
  const TrainResult whole = train(data, config, opt);
  // Resume from epoch 3: after a re-learnt LATTICE graph (epoch 3 = 0-based 2) and with pruning mid-way.
  for (int from : {1, 3}) {
    SCOPED_TRACE("from epoch " + std::to_string(from));
    const fs::path part = dir.path() / ("from" + std::to_string(from));
    fs::create_directories(part);
    const std::string name = fmt::format("epoch-{:06d}.safetensors", from);
    fs::copy_file(fs::path(opt.checkpoint_dir) / name, part / name);
    TrainOptions resume = opt;
    resume.checkpoint_dir = part.string();
    resume.resume = true;
    const TrainResult r = train(data, config, resume);
    EXPECT_EQ(r.resumed_from_epoch, from);
    EXPECT_EQ(r.best_epoch, whole.best_epoch);
    EXPECT_EQ(r.test.items(), whole.test.items());
    EXPECT_EQ(r.user_rep, whole.user_rep);
    EXPECT_EQ(r.item_rep, whole.item_rep);
    ASSERT_EQ(r.history.size(), whole.history.size());
    for (size_t e = 0; e < r.history.size(); ++e) EXPECT_EQ(r.history[e].loss, whole.history[e].loss) << e;
  }
}

class CheckpointModels : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointModels, ResumesBitIdenticallyFromAnyEpoch) { expect_resumes_bit_identically(config_for(GetParam())); }

// Every model of the registry.
INSTANTIATE_TEST_SUITE_P(AllModels, CheckpointModels, ::testing::ValuesIn(detail::model_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// Learnt bf16 features: their values and Adam moments go to the checkpoint as float32 and come
// back as the same bf16 values, and the stochastic rounding is a function of the step.
TEST(Checkpoint, LearntBf16FeaturesResumeBitIdentically) {
  TrainConfig c = config_for("freedom");
  c.learn_features = true;
  c.feature_storage = "bf16";
  expect_resumes_bit_identically(c);
}

TEST(Checkpoint, ForeignDataSetsIncompatibleConfigsAndOccupiedDirectoriesAreRefused) {
  testing::TempDir dir;
  const Dataset data = small_synthetic();
  TrainConfig config = config_for("lightgcn");
  config.epochs = 2;
  TrainOptions opt;
  opt.progress = false;
  opt.checkpoint_dir = dir.path().string();
  train(data, config, opt);

  auto error_of = [&](const Dataset& d, const TrainConfig& c, bool resume) {
    TrainOptions o = opt;
    o.resume = resume;
    try {
      train(d, c, o);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(data, config, false).find("already holds checkpoints"), std::string::npos);
  const std::string other_data = error_of(small_synthetic(4), config, true);
  EXPECT_NE(other_data.find("written for another data set"), std::string::npos) << other_data;
  EXPECT_NE(other_data.find("train interactions"), std::string::npos) << other_data;
  TrainConfig other = config;
  other.n_layers = 3;
  other.reg_weight = 1e-3;
  const std::string other_config = error_of(data, other, true);
  EXPECT_NE(other_config.find("incompatible config"), std::string::npos) << other_config;
  EXPECT_NE(other_config.find("n_layers: 2 in the checkpoint, 3 now"), std::string::npos) << other_config;
  EXPECT_NE(other_config.find("reg_weight"), std::string::npos) << other_config;
  // More epochs is a compatible change: training continues from epoch 2.
  TrainConfig longer = config;
  longer.epochs = 3;
  TrainOptions o = opt;
  o.resume = true;
  EXPECT_EQ(train(data, longer, o).epochs_run, 3);
}

// The fingerprint of a model that reads no features leaves them out: a checkpoint of lightgcn resumes
// on the data set with other features (or none), and one written when fingerprints listed the
// features (rewritten here so) still resumes. A model that reads them refuses other features.
TEST(Checkpoint, FeaturesAreInTheFingerprintOfTheModelsThatReadThem) {
  testing::TempDir dir;
  const Dataset data = small_synthetic();
  Dataset other_features = data;
  other_features.features[0].values = std::vector<float>(other_features.features[0].values.size(), 0.5f);
  Dataset no_features = data;
  no_features.features.clear();
  TrainOptions opt;
  opt.progress = false;
  auto resumed = [&](const Dataset& d, const TrainConfig& c, const fs::path& ck) {
    TrainOptions o = opt;
    o.checkpoint_dir = ck.string();
    o.resume = true;
    try {
      return "resumed from epoch " + std::to_string(train(d, c, o).resumed_from_epoch);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
  };
  TrainConfig lightgcn = config_for("lightgcn");
  lightgcn.epochs = 2;
  opt.checkpoint_dir = (dir.path() / "lightgcn").string();
  train(data, lightgcn, opt);
  const fs::path last = dir.path() / "lightgcn" / "epoch-000002.safetensors";
  const io::Safetensors written = io::read_safetensors(last.string());
  EXPECT_EQ(written.meta("data").find("feature"), std::string::npos) << written.meta("data");
  lightgcn.epochs = 3;
  for (const Dataset* d : {&other_features, &no_features}) {
    fs::copy(dir.path() / "lightgcn", dir.path() / "copy", fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    EXPECT_EQ(resumed(*d, lightgcn, dir.path() / "copy"), "resumed from epoch 2");
    fs::remove_all(dir.path() / "copy");
  }
  // The same checkpoint with the feature hashes an older fingerprint held.
  nlohmann::json old_data = nlohmann::json::parse(written.meta("data"));
  old_data["feature image"] = "160 x 24, hash 0123456789abcdef";
  std::map<std::string, std::string> metadata = written.metadata;
  metadata["data"] = old_data.dump();
  std::vector<io::TensorToWrite> tensors;
  for (const auto& [name, t] : written.tensors)
    tensors.push_back({name, t.dtype, t.shape, written.data.data() + t.offset, t.bytes});
  io::write_safetensors(last.string(), tensors, metadata);
  fs::remove(dir.path() / "lightgcn" / "best.safetensors");  // so that the rewritten one is resumed
  EXPECT_EQ(resumed(data, lightgcn, dir.path() / "lightgcn"), "resumed from epoch 2");

  TrainConfig vbpr = config_for("vbpr");
  vbpr.epochs = 2;
  opt.checkpoint_dir = (dir.path() / "vbpr").string();
  train(data, vbpr, opt);
  EXPECT_NE(io::read_safetensors((dir.path() / "vbpr" / "epoch-000002.safetensors").string()).meta("data").find(
                "feature image"),
            std::string::npos);
  const std::string refused = resumed(other_features, vbpr, dir.path() / "vbpr");
  EXPECT_NE(refused.find("written for another data set (feature image"), std::string::npos) << refused;
}

TEST(Checkpoint, ADamagedNewestCheckpointIsSkippedWithAWarning) {
  testing::TempDir dir;
  const Dataset data = small_synthetic();
  TrainConfig config = config_for("lightgcn");
  config.epochs = 4;
  config.eval_step = 100;  // no best.safetensors before the end
  TrainOptions opt;
  opt.progress = false;
  opt.checkpoint_dir = dir.path().string();
  const TrainResult whole = train(data, config, opt);
  // Keep epochs 1-3, the last one truncated as by a file system without atomic renames.
  fs::remove(dir.path() / "epoch-000004.safetensors");
  fs::remove(dir.path() / "best.safetensors");
  const fs::path third = dir.path() / "epoch-000003.safetensors";
  fs::resize_file(third, fs::file_size(third) - 100);
  opt.resume = true;
  ::testing::internal::CaptureStderr();
  const TrainResult r = train(data, config, opt);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("skipping damaged checkpoint"), std::string::npos) << err;
  EXPECT_EQ(r.resumed_from_epoch, 2);
  EXPECT_EQ(r.user_rep, whole.user_rep);
}

TEST(Checkpoint, DivergenceStopsWithinTheStepNamingStageAndStepAndKeepsTheLastGoodCheckpoint) {
  testing::TempDir dir;
  const Dataset data = small_synthetic();
  TrainConfig config = config_for("lightgcn");
  config.epochs = 3;
  TrainOptions opt;
  opt.progress = false;
  opt.checkpoint_dir = dir.path().string();
  train(data, config, opt);
  // The same run, resumed with more epochs, cannot diverge; a fresh one with an absurd learning rate does.
  config.learning_rate = 1e30;
  opt.checkpoint_dir = (dir.path() / "diverging").string();
  try {
    train(data, config, opt);
    FAIL() << "expected DivergedError";
  } catch (const DivergedError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("training diverged at epoch 1, step"), std::string::npos) << what;
    EXPECT_NE(what.find("no checkpoint was written"), std::string::npos) << what;
  }
  // Through the CLI: exit code 3, message on stderr.
  const fs::path out = dir.path() / "out.txt";
  const ChildResult r =
      run_mmgraph(with(kTrainArgs, {"--set", "learning_rate=1e30", "--set", "model=lightgcn"}), {}, out.string());
  EXPECT_EQ(r.code, 3) << read_file(out);
  EXPECT_NE(read_file(out).find("training diverged"), std::string::npos) << read_file(out);
  EXPECT_EQ(read_file(out).find("internal error"), std::string::npos) << read_file(out);
}

TEST(Checkpoint, ExportHoldsTheBestRepresentationsAndTheIds) {
  testing::TempDir dir;
  const Dataset data = small_synthetic();
  TrainConfig config = config_for("lightgcn");
  config.epochs = 4;
  TrainOptions opt;
  opt.progress = false;
  opt.checkpoint_dir = dir.path().string();
  const TrainResult result = train(data, config, opt);
  const TrainedModel model = load_trained_model((dir.path() / "best.safetensors").string());
  EXPECT_EQ(model.user_rep, result.user_rep);
  EXPECT_EQ(model.best_epoch, result.best_epoch);
  EXPECT_EQ(model.data.train.col, data.train.col);
  const std::string out = (dir.path() / "reps.safetensors").string();
  export_representations(model, out);
  const io::Safetensors f = io::read_safetensors(out);
  EXPECT_EQ(f.f32("user_embedding", {data.n_users, 16}), result.user_rep);
  EXPECT_EQ(f.f32("item_embedding", {data.n_items, 16}), result.item_rep);
  const std::vector<uint8_t> ids = f.u8("item_ids");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), '\n'), data.n_items - 1);
}

// The synthetic set with user 0's training interactions moved out: a cold user.
Dataset with_cold_user() {
  Dataset d = small_synthetic();
  const int64_t n0 = d.train.row_ptr[1];
  std::vector<int32_t>& col = d.train.col.owned();
  col.erase(col.begin(), col.begin() + n0);
  for (auto& p : d.train.row_ptr.owned()) p = std::max<int64_t>(0, p - n0);
  return d;
}

TEST(Checkpoint, RecommendCommandMatchesABruteForceRankingInOriginalIds) {
  testing::TempDir dir;
  const Dataset data = with_cold_user();
  TrainConfig config = config_for("lightgcn");
  config.epochs = 2;
  TrainOptions opt;
  opt.progress = false;
  opt.checkpoint_dir = (dir.path() / "ck").string();
  const TrainResult result = train(data, config, opt);
  const int k = 7;
  const fs::path csv = dir.path() / "rec.csv", out = dir.path() / "out.txt";
  const ChildResult r = run_mmgraph({"recommend", "--checkpoint", (dir.path() / "ck" / "best.safetensors").string(),
                                     "--k", std::to_string(k), "--out", csv.string()},
                                    {}, out.string());
  ASSERT_EQ(r.code, 0) << read_file(out);
  EXPECT_NE(read_file(out).find("1 of 240 users have no training interaction"), std::string::npos) << read_file(out);
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "user,rank,item,score,cold");
  std::vector<std::vector<int>> got(static_cast<size_t>(data.n_users));
  std::vector<int> cold(static_cast<size_t>(data.n_users), -1);
  while (std::getline(in, line)) {
    int user = 0, rank = 0, item = 0, c = 0;
    float score = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d,%d,%d,%g,%d", &user, &rank, &item, &score, &c), 5) << line;
    got[static_cast<size_t>(user)].push_back(item);
    EXPECT_EQ(static_cast<int>(got[static_cast<size_t>(user)].size()), rank);
    cold[static_cast<size_t>(user)] = c;
  }
  EXPECT_EQ(cold[0], 1);
  const int d = result.dim;
  for (int32_t u = 1; u < data.n_users; ++u) {
    EXPECT_EQ(cold[static_cast<size_t>(u)], 0);
    std::vector<std::pair<float, int>> ranked;
    for (int32_t i = 0; i < data.n_items; ++i) {
      const auto first = data.train.col.begin() + data.train.row_ptr[u];
      const auto last = data.train.col.begin() + data.train.row_ptr[u + 1];
      if (std::binary_search(first, last, i)) continue;
      float s = 0;
      for (int c = 0; c < d; ++c)
        s += result.user_rep[static_cast<size_t>(u * d + c)] * result.item_rep[static_cast<size_t>(i * d + c)];
      ranked.emplace_back(-s, i);
    }
    std::sort(ranked.begin(), ranked.end());
    // Scores equal to float rounding may order differently between a GEMM and this loop: compare as sets
    // of the top k, plus the exact first item when its lead is clear.
    std::vector<int> want;
    for (int j = 0; j < k; ++j) want.push_back(ranked[static_cast<size_t>(j)].second);
    std::vector<int> have = got[static_cast<size_t>(u)];
    ASSERT_EQ(have.size(), static_cast<size_t>(k)) << "user " << u;
    if (ranked[static_cast<size_t>(k)].first - ranked[static_cast<size_t>(k - 1)].first > 1e-4f) {
      std::sort(want.begin(), want.end());
      std::sort(have.begin(), have.end());
      EXPECT_EQ(have, want) << "user " << u;
    }
  }
  // A user list with an unknown id is an input error naming the file and line; nothing is written.
  const fs::path list = dir.path() / "users.txt", bad_out = dir.path() / "bad.csv";
  std::ofstream(list) << "3\n\n17\nnobody\n";
  const ChildResult bad =
      run_mmgraph({"recommend", "--checkpoint", (dir.path() / "ck" / "best.safetensors").string(), "--users",
                   list.string(), "--out", bad_out.string()},
                  {}, out.string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(read_file(out).find("users.txt:line 4: unknown user id \"nobody\""), std::string::npos) << read_file(out);
  EXPECT_FALSE(fs::exists(bad_out));
}

}  // namespace
}  // namespace mmgraph
