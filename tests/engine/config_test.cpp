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
  rejects("valid_metric=Recall@30");
  rejects("device=gpu");
  rejects("model=nosuchmodel");
}

}  // namespace
}  // namespace mmgraph
