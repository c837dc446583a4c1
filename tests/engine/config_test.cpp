// Config files and overrides: values, unknown keys, bad values, ranges.
#include <gtest/gtest.h>

#include <filesystem>

#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

TEST(Config, ReadsMmrecKeys) {
  testing::TempDir dir;
  const auto path = dir.write("c.yaml",
                              "embedding_size: 32\nn_layers: 2\nreg_weight: 0.001\nlearning_rate: 0.01\n"
                              "train_batch_size: 512\nepochs: 7\nstopping_step: 3\ntopk: [5, 10]\n"
                              "valid_metric: NDCG@10\nseed: 99\n");
  const TrainConfig c = load_config(path);
  EXPECT_EQ(c.embedding_size, 32);
  EXPECT_EQ(c.n_layers, 2);
  EXPECT_DOUBLE_EQ(c.reg_weight, 0.001);
  EXPECT_DOUBLE_EQ(c.learning_rate, 0.01);
  EXPECT_EQ(c.train_batch_size, 512);
  EXPECT_EQ(c.epochs, 7);
  EXPECT_EQ(c.stopping_step, 3);
  EXPECT_EQ(c.topk, (std::vector<int>{5, 10}));
  EXPECT_EQ(c.valid_metric, "NDCG@10");
  EXPECT_EQ(c.seed, 99u);
  EXPECT_NO_THROW(validate_config(c));
}

TEST(Config, ShippedConfigsAreValid) {
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(MMGRAPH_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    const TrainConfig c = load_config(entry.path().string());
    EXPECT_NO_THROW(validate_config(c)) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 9);  // bprmf, lightgcn, vbpr, lattice, freedom, mgcn, mmgraph, synthetic_quick, baby_lightgcn
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  testing::TempDir dir;
  const auto path = dir.write("bad.yaml", "n_layers: 2\nlearning_rat: 0.1\n");
  try {
    load_config(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("line 2"), std::string::npos) << what;
    EXPECT_NE(what.find("learning_rat"), std::string::npos) << what;
  }
}

TEST(Config, WrongTypeIsAnError) {
  testing::TempDir dir;
  const auto path = dir.write("bad.yaml", "embedding_size: sixty\n");
  EXPECT_THROW(load_config(path), InputError);
  const auto path2 = dir.write("bad2.yaml", "topk: {a: 1}\n");
  EXPECT_THROW(load_config(path2), InputError);
  const auto path3 = dir.write("bad3.yaml", "n_layers: [1\n");
  EXPECT_THROW(load_config(path3), InputError);
  EXPECT_THROW(load_config(dir.path().string() + "/missing.yaml"), InputError);
}

TEST(Config, OverridesParseValuesAsYaml) {
  TrainConfig c;
  apply_override(c, "n_layers=4");
  apply_override(c, "topk=[1, 2, 3]");
  apply_override(c, "valid_metric=Hit@3");
  apply_override(c, "deterministic=true");
  EXPECT_EQ(c.n_layers, 4);
  EXPECT_EQ(c.topk, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(c.deterministic);
  EXPECT_NO_THROW(validate_config(c));
  EXPECT_THROW(apply_override(c, "nope=1"), InputError);
  EXPECT_THROW(apply_override(c, "n_layers"), InputError);
  EXPECT_THROW(apply_override(c, "n_layers=abc"), InputError);
}

TEST(Config, ValidationRejectsOutOfRange) {
  auto rejects = [](const std::string& assignment) {
    TrainConfig c;
    apply_override(c, assignment);
    EXPECT_THROW(validate_config(c), InputError) << assignment;
  };
  rejects("embedding_size=0");
  rejects("learning_rate=0");
  rejects("n_layers=-1");
  rejects("topk=[200]");
  rejects("topk=[1, 2, 3, 4, 5, 6, 7, 8, 9]");  // more cut-offs than the metrics op takes
  rejects("valid_metric=Recall@30");
  rejects("device=gpu");
  rejects("model=nosuchmodel");
}

// Expects validate_config to throw an InputError with that source and position.
void expect_origin(const TrainConfig& c, const std::string& source, const std::string& position,
                   const std::string& fragment) {
  try {
    validate_config(c);
    ADD_FAILURE() << "no error, expected one from " << source << ":" << position;
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), source) << e.what();
    EXPECT_EQ(e.position(), position) << e.what();
    EXPECT_NE(e.problem().find(fragment), std::string::npos) << e.what();
  }
}

TEST(Config, ValidationNamesTheFileAndLineOfTheValue) {
  testing::TempDir dir;
  const auto path = dir.write("run.yaml", "epochs: 3\n# the size\nembedding_size: 0\n");
  expect_origin(load_config(path), path, "line 3", "key 'embedding_size': must be in 1..4096");
  const auto metric = dir.write("metric.yaml", "topk: [5, 10]\nvalid_metric: Recall@7\n");
  expect_origin(load_config(metric), metric, "line 2", "'Recall@7' is not computed");
  // The default metric (Recall@20) dropped by topk: the topk line is to blame.
  const auto topk = dir.write("topk.yaml", "epochs: 3\ntopk:\n  - 5\n  - 10\n");
  expect_origin(load_config(topk), topk, "line 2", "with K in topk [5, 10]");
  // A later file overrides an earlier one: the value's own file and line are named.
  const auto base = dir.write("base.yaml", "n_layers: 2\n");
  const auto over = dir.write("over.yaml", "\n\nn_layers: 40\n");
  expect_origin(load_config(over, load_config(base)), over, "line 3", "n_layers");
  // Nested values: the line of the entry.
  const auto weights = dir.write("weights.yaml", "modality_weights:\n  image: 0.5\n  text: -1\n");
  expect_origin(load_config(weights), weights, "line 1", "weight of 'text' must be >= 0");
}

TEST(Config, ValidationNamesTheCommandLineAssignment) {
  TrainConfig c;
  apply_override(c, "embedding_size=0");
  expect_origin(c, "--set", "embedding_size=0", "must be in 1..4096");
  TrainConfig d;
  apply_override(d, "device=gpu", "--device");
  expect_origin(d, "--device", "device=gpu", "cuda:N");
  // A file's value replaced by --set is the --set's.
  testing::TempDir dir;
  TrainConfig e = load_config(dir.write("c.yaml", "loss: bpr\n"));
  apply_override(e, "loss=hinge");
  expect_origin(e, "--set", "loss=hinge", "hinge");
}

TEST(Config, ValuesChangedAfterReadingAreNotAttributed) {
  testing::TempDir dir;
  TrainConfig c = load_config(dir.write("c.yaml", "device: cpu\n"));
  c.device = "gpu";  // as a program (or an old CLI flag) may do
  expect_origin(c, "config", "", "key 'device'");
  TrainConfig zero;
  zero.embedding_size = 0;
  expect_origin(zero, "config", "", "embedding_size");
}

TEST(Config, ParseConfigReadsText) {
  const TrainConfig c = parse_config("embedding_size: 16\nmodalities: {audio: a.npy}\n", "/data/run.yaml");
  EXPECT_EQ(c.embedding_size, 16);
  ASSERT_EQ(c.modalities.size(), 1u);
  EXPECT_EQ(c.modalities[0].second, "/data/a.npy");  // relative to the source's folder
  EXPECT_EQ(c.origins.at("embedding_size").source, "/data/run.yaml");
  EXPECT_EQ(c.origins.at("embedding_size").position, "line 1");
  EXPECT_EQ(c.origins.count("epochs"), 0u);
}

// Expects parse_config to refuse the text at that position with the fragment.
void expect_refused(const std::string& yaml, const std::string& position, const std::string& fragment) {
  try {
    parse_config(yaml, "c.yaml");
    ADD_FAILURE() << "accepted: " << yaml;
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), "c.yaml") << e.what();
    EXPECT_EQ(e.position(), position) << e.what();
    EXPECT_NE(e.problem().find(fragment), std::string::npos) << e.what();
  }
}

TEST(Config, MalformedFilesAreRefusedWithTheirLine) {
  expect_refused("epochs: 3\nn_layers: 2\nepochs: 4\n", "line 3", "key 'epochs' given twice (first on line 1)");
  expect_refused("epochs: 3\nmodel: caf\xe9\n", "2:11", "byte 0xE9 is not UTF-8");
  expect_refused(std::string("\xff\xfe" "e\0p\0", 6), "1:1", "UTF-16");
  expect_refused(std::string("epochs: 3\0\n", 11), "1:10", "NUL byte");
  expect_refused("epochs: 3\n[a, b]: 1\n", "line 2", "plain name");
  expect_refused("epochs: 3\n: 1\n", "line 2", "plain name");
  expect_refused("epochs: 1\n\tn_layers: 2\n", "line 2", "tab");
  // yaml-cpp marks the depth error where it stopped reading.
  expect_refused("topk: " + std::string(5000, '[') + "\n", "line 2", "nested deeper than");
  expect_refused("- 1\n- 2\n", "line 1", "expected a mapping");
  // A 10 MB value is quoted short.
  try {
    parse_config("model: " + std::string(10 << 20, 'x') + "\nepochs: []\n", "c.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u) << std::string(e.what()).substr(0, 300);
  }
  // A byte order mark and CRLF line ends are fine.
  const TrainConfig c = parse_config("\xef\xbb\xbf" "epochs: 4\r\nn_layers: 1\r\n", "c.yaml");
  EXPECT_EQ(c.epochs, 4);
  EXPECT_EQ(c.n_layers, 1);
  EXPECT_EQ(c.origins.at("n_layers").position, "line 2");
}

}  // namespace
}  // namespace mmgraph
