// The config key table: README's key table, the models it names, values printed as
// checkpoints store them, the ranges it states, and the warning for keys a model does not read.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/src/config_keys.h"
#include "engine/src/device_name.h"
#include "engine/src/model_registry.h"
#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

// The table of README.md's "Configuration" section: its lines from the header row to the first
// line that is not a table row.
std::string readme_key_table() {
  std::ifstream in(std::string(MMGRAPH_SOURCE_DIR) + "/README.md");
  std::string line, table;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("| key |", 0) == 0) inside = true;
    if (inside && line.rfind("|", 0) != 0) break;
    if (inside) table += line + "\n";
  }
  return table;
}

TEST(ConfigKeys, ReadmeTableIsTheDeclarations) {
  const std::string expected = detail::config_keys_markdown();
  EXPECT_EQ(readme_key_table(), expected) << "README.md's key table should read:\n" << expected;
}

TEST(ConfigKeys, NamesAndMembersAreDistinctAndModelsExist) {
  const std::vector<std::string> models = detail::model_names();
  std::set<std::string_view> names;
  for (const detail::ConfigKey& key : detail::config_keys()) {
    EXPECT_TRUE(names.insert(key.name).second) << key.name;
    EXPECT_FALSE(key.doc.empty()) << key.name;
    for (std::string_view m : key.models)
      EXPECT_NE(std::find(models.begin(), models.end(), m), models.end()) << key.name << ": no model '" << m << "'";
  }
  // Two keys on one member would read and print the same value.
  for (const detail::ConfigKey& key : detail::config_keys())
    for (const detail::ConfigKey& other : detail::config_keys()) {
      if (&key != &other) {
        EXPECT_NE(key.member, other.member) << key.name << " and " << other.name;
      }
    }
}

// The printed values are stored in checkpoints and compared bit for bit on resume: their form is fixed.
TEST(ConfigKeys, ValuesPrintAsCheckpointsStoreThem) {
  TrainConfig c;
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"model", "lightgcn"}, {"embedding_size", "64"}, {"n_layers", "3"}, {"reg_weight", "0.0001"},
      {"learning_rate", "0.001"}, {"train_batch_size", "2048"}, {"epoch_steps", "0"}, {"epochs", "1000"},
      {"stopping_step", "20"},
      {"eval_step", "1"}, {"eval_batch_size", "4096"}, {"eval_users", "0"}, {"topk", "[10, 20, 50]"},
      {"valid_metric", "Recall@20"}, {"test_masks_valid", "false"},
      {"seed", "2024"}, {"device", "auto"}, {"threads", "0"}, {"deterministic", "false"},
      {"partition", "contiguous"}, {"collective_timeout", "300"}, {"modalities", "{}"},
      {"modality_weights", "{}"}, {"knn_k", "10"}, {"knn_index", "exact"}, {"knn_ivf_nprobe", "32"},
      {"knn_hnsw_ef", "128"}, {"n_mm_layers", "1"}, {"dropout", "0"}, {"mm_bpr_weight", "0"},
      {"learn_features", "false"}, {"feature_storage", "float32"}, {"cl_weight", "0"}, {"cl_temperature", "0.2"},
      {"lambda_coeff", "0.9"}, {"cold_scale", "1"}, {"graph_update_every", "1"}, {"loss", "bpr"},
      {"warp_candidates", "16"}, {"warp_margin", "1"}, {"checkpoint_every", "1"}};
  EXPECT_EQ(config_items(c), defaults);
  apply_override(c, "modalities={image: '/a b/\"i\".npy', text: t.npy}");
  apply_override(c, "modality_weights={image: 0.1, text: 2.5e-7}");
  apply_override(c, "seed=18446744073709551615");
  apply_override(c, "deterministic=true");
  apply_override(c, "topk=7");
  const auto items = config_items(c);
  auto value = [&items](const std::string& key) {
    for (const auto& [k, v] : items)
      if (k == key) return v;
    return std::string("absent");
  };
  EXPECT_EQ(value("modalities"), R"({image: "/a b/\"i\".npy", text: "t.npy"})");
  EXPECT_EQ(value("modality_weights"), "{image: 0.1, text: 2.5e-07}");
  EXPECT_EQ(value("seed"), "18446744073709551615");
  EXPECT_EQ(value("deterministic"), "true");
  EXPECT_EQ(value("topk"), "[7]");
}

// Expects validate_config to refuse the assignment with exactly this problem.
void expect_problem(const std::string& assignment, const std::string& problem) {
  TrainConfig c;
  apply_override(c, assignment);
  try {
    validate_config(c);
    ADD_FAILURE() << "accepted: " << assignment;
  } catch (const InputError& e) {
    const std::string key = assignment.substr(0, assignment.find('='));
    EXPECT_EQ(e.problem(), "key '" + key + "': " + problem) << assignment;
  }
}

TEST(ConfigKeys, RangesAndChoicesAreStatedInTheirMessages) {
  expect_problem("knn_k=129", "must be in 1..128");
  expect_problem("knn_k=0", "must be in 1..128");
  expect_problem("dropout=1", "must be in [0, 1)");
  expect_problem("lambda_coeff=1.5", "must be in [0, 1]");
  expect_problem("learning_rate=-1", "must be > 0");
  expect_problem("epochs=-1", "must be >= 0");
  expect_problem("reg_weight=.nan", "must be >= 0");
  expect_problem("topk=[5, 101]", "every K must be in 1..100, got 101");
  expect_problem("topk=[]", "needs at least one K");
  expect_problem("modality_weights={a: 1, b: -0.5}", "weight of 'b' must be >= 0");
  expect_problem("loss=hinge", "must be bpr, mse, bce or warp, got 'hinge'");
  expect_problem("feature_storage=fp16", "must be float32 or bf16, got 'fp16'");
  expect_problem("device=cuda:1234567", "must be auto, cpu, cuda or cuda:N, got 'cuda:1234567'");
  std::string known;
  for (const std::string& m : detail::model_names()) known += (known.empty() ? "" : ", ") + m;
  expect_problem("model=lightgnc", "unknown model 'lightgnc' (known: " + known + ")");
  TrainConfig edge;
  for (const char* ok : {"knn_k=128", "dropout=0", "lambda_coeff=1", "topk=[1, 20, 100]", "device=cuda:123456"})
    apply_override(edge, ok);
  EXPECT_NO_THROW(validate_config(edge));
}

TEST(ConfigKeys, DeviceNames) {
  for (const char* name : {"auto", "cpu", "cuda", "cuda:0", "cuda:15", "cuda:999999"})
    EXPECT_TRUE(detail::is_device_name(name)) << name;
  for (const char* name : {"", "gpu", "CPU", "cuda:", "cuda:x", "cuda:1x", "cuda:-1", "cuda:1234567", "cuda0", "auto:0"})
    EXPECT_FALSE(detail::is_device_name(name)) << name;
}

TEST(ConfigKeys, ResumableKeysChangeNeitherModelNorTraining) {
  EXPECT_EQ(detail::resumable_config_keys(),
            (std::set<std::string>{"checkpoint_every", "collective_timeout", "deterministic", "device", "epochs",
                                   "eval_batch_size", "eval_step", "modalities", "partition", "stopping_step",
                                   "threads"}));
}

TEST(ConfigKeys, KeysTheModelDoesNotReadAreWarnedAbout) {
  testing::TempDir dir;
  const std::string path = dir.write("shared.yaml", "n_layers: 2\nknn_k: 20\ncl_weight: 0\n");
  TrainConfig c = load_config(path);
  apply_override(c, "model=bprmf");
  apply_override(c, "dropout=0.5");
  auto readers = [](const char* key) {
    std::string out;
    for (std::string_view m : detail::find_config_key(key)->models) out += (out.empty() ? "" : ", ") + std::string(m);
    return out;
  };
  EXPECT_EQ(unread_key_warnings(c),
            (std::vector<std::string>{
                path + ":line 1: key 'n_layers' is not read by model 'bprmf' (only by " + readers("n_layers") +
                    "): ignored",
                path + ":line 2: key 'knn_k' is not read by model 'bprmf' (only by " + readers("knn_k") + "): ignored",
                "--set:dropout=0.5: key 'dropout' is not read by model 'bprmf' (only by " + readers("dropout") +
                    "): ignored"}));
  // cl_weight: 0 is the default, so it says nothing; a model that reads them all warns about none.
  apply_override(c, "model=mmgraph");
  EXPECT_TRUE(unread_key_warnings(c).empty());
  // A value changed after it was read has no origin to name.
  apply_override(c, "model=lightgcn");
  c.knn_k = 30;
  c.dropout = 0;
  EXPECT_TRUE(unread_key_warnings(c).empty());
}

TEST(ConfigKeys, ShippedConfigsSetOnlyKeysTheirModelReads) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(MMGRAPH_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_EQ(unread_key_warnings(load_config(entry.path().string())), std::vector<std::string>{}) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 9);
}

}  // namespace
}  // namespace mmgraph
