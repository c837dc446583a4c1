// LATTICE-style JSON splits: happy path, items in no split, every malformed
// input located, Baby.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "io/json_splits.h"
#include "io/npy.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

// Expects an InputError whose message contains every fragment.
void expect_error(const std::string& text, std::initializer_list<std::string> fragments) {
  try {
    io::parse_json_split(text, "split.json");
    FAIL() << "no error for: " << text;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("split.json"), std::string::npos) << what;
    for (const auto& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "'" << f << "' not in: " << what;
  }
}

TEST(JsonSplits, ParsesUsersAndItems) {
  const auto s = io::parse_json_split("{\"0\": [3, 1], \"2\": [], \"5\": [0]}", "x");
  EXPECT_EQ(s.pairs, (std::vector<std::pair<int32_t, int32_t>>{{0, 3}, {0, 1}, {5, 0}}));
  EXPECT_EQ(s.max_user, 5);
  EXPECT_EQ(s.max_item, 3);
}

TEST(JsonSplits, MalformedInputsNameThePosition) {
  expect_error("", {"empty"});
  expect_error("{\"0\": [1, 2,]}", {"1:", "invalid JSON"});
  expect_error("{\"0\": [1],\n \"x\": [2]}", {"2:2", "not a non-negative integer"});
  expect_error("{\"0\": [1],\n \"-3\": [2]}", {"2:2", "-3"});
  expect_error("{\"0\": [1],\n\"1\": [2],\n  \"0\": [4]}", {"3:3", "listed twice"});
  expect_error("{\"0\": [1, 1]}", {"1:2", "item 1 is listed twice"});
  expect_error("{\"0\": [1.5]}", {"1.5", "not an integer"});
  expect_error("{\"0\": [\"7\"]}", {"string"});
  expect_error("{\"0\": 7}", {"expected an array"});
  expect_error("{\"0\": [[1]]}", {"nested"});
  expect_error("[1, 2]", {"expected an object"});
  expect_error("{\"0\": [3000000000]}", {"out of range"});
  expect_error("{\"0\": [-1]}", {"out of range"});
}

TEST(JsonSplits, LoadsADirectoryWithIdMapsAndFeatures) {
  testing::TempDir dir;
  dir.write("train.json", "{\"0\": [0, 2], \"1\": [1]}");
  dir.write("val.json", "{\"0\": [1]}");
  dir.write("test.json", "{\"1\": [2]}");
  dir.write("user2id.json", "{\"alice\": 0, \"bob\": 1}");
  const Dataset d = load_dataset(dir.path().string());
  EXPECT_EQ(d.n_users, 2);
  EXPECT_EQ(d.n_items, 3);
  EXPECT_EQ(d.train.row_ptr, (std::vector<int64_t>{0, 2, 3}));
  EXPECT_EQ(d.train.col, (std::vector<int32_t>{0, 2, 1}));
  EXPECT_EQ(d.test.col, (std::vector<int32_t>{2}));
  EXPECT_EQ(d.user_ids, (std::vector<std::string>{"alice", "bob"}));
  // An error in one split names that file.
  dir.write("val.json", "{\"0\": [1, }");
  try {
    load_dataset(dir.path().string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("val.json"), std::string::npos) << e.what();
  }
}

// Catalogue items in no split (an id in the middle of the range, and feature
// rows beyond the splits' largest id) are items with features and no interaction.
TEST(JsonSplits, ItemsInNoSplitKeepTheirFeatureRows) {
  testing::TempDir dir;
  dir.write("train.json", "{\"0\": [0, 3], \"1\": [0]}");
  dir.write("val.json", "{\"1\": [2]}");
  dir.write("test.json", "{\"0\": [2]}");
  std::vector<float> image(6 * 2);
  for (size_t e = 0; e < image.size(); ++e) image[e] = static_cast<float>(e) + 0.5f;
  io::write_npy((dir.path() / "image_feat.npy").string(), image.data(), 6, 2);
  const Dataset d = load_dataset(dir.path().string());
  EXPECT_EQ(d.n_users, 2);
  EXPECT_EQ(d.n_items, 6);
  EXPECT_EQ(d.train.col, (std::vector<int32_t>{0, 3, 0}));
  EXPECT_EQ(d.valid.col, (std::vector<int32_t>{2}));
  EXPECT_EQ(d.test.col, (std::vector<int32_t>{2}));
  ASSERT_EQ(d.features.size(), 1u);
  EXPECT_EQ(d.features[0].rows, 6);
  EXPECT_EQ(d.features[0].values, image);
}

// Without load_features the feature files' headers alone are read: the item count is the same, a
// file whose values are NaN loads, and the modalities are listed as not loaded.
TEST(JsonSplits, WithoutLoadFeaturesOnlyTheHeadersAreRead) {
  testing::TempDir dir;
  dir.write("train.json", "{\"0\": [0, 3], \"1\": [0]}");
  dir.write("val.json", "{\"1\": [2]}");
  dir.write("test.json", "{\"0\": [2]}");
  const std::vector<float> nan(6 * 2, std::nanf(""));
  io::write_npy((dir.path() / "image_feat.npy").string(), nan.data(), 6, 2);
  EXPECT_THROW(load_dataset(dir.path().string()), InputError);
  LoadOptions without;
  without.load_features = false;
  const Dataset d = load_dataset(dir.path().string(), without);
  EXPECT_EQ(d.n_items, 6);
  EXPECT_TRUE(d.features.empty());
  ASSERT_EQ(d.features_not_loaded.size(), 1u);
  EXPECT_EQ(d.features_not_loaded[0].name, "image");
  EXPECT_EQ(d.features_not_loaded[0].rows, 6);
  EXPECT_EQ(d.features_not_loaded[0].cols, 2);
  // A file shorter than its header says is still refused.
  std::filesystem::resize_file(dir.path() / "image_feat.npy", std::filesystem::file_size(dir.path() / "image_feat.npy") - 4);
  try {
    load_dataset(dir.path().string(), without);
    ADD_FAILURE() << "a truncated feature file loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated data"), std::string::npos) << e.what();
  }
}

// The synthetic generator's unconsumed items, written as JSON splits and
// feature files, load back as the same data set.
TEST(JsonSplits, SyntheticUnconsumedItemsLoadBack) {
  const Dataset d = make_synthetic_dataset(
      parse_synthetic_spec("users=80,items=60,interactions=1200,image=8,text=4,unconsumed=40,seed=4"));
  testing::TempDir dir;
  auto write_split = [&](const std::string& name, const InteractionCsr& c) {
    std::string json = "{";
    for (int32_t u = 0; u < d.n_users; ++u) {
      json += (u > 0 ? ", \"" : "\"") + std::to_string(u) + "\": [";
      for (int64_t k = c.row_ptr[u]; k < c.row_ptr[u + 1]; ++k)
        json += (k > c.row_ptr[u] ? ", " : "") + std::to_string(c.col[k]);
      json += "]";
    }
    dir.write(name, json + "}");
  };
  write_split("train.json", d.train);
  write_split("val.json", d.valid);
  write_split("test.json", d.test);
  for (const auto& f : d.features) io::write_npy((dir.path() / (f.name + "_feat.npy")).string(), f.values.data(), f.rows, f.cols);
  const Dataset r = load_dataset(dir.path().string());
  EXPECT_EQ(r.n_items, 100);
  EXPECT_EQ(r.train.col, d.train.col);
  EXPECT_EQ(r.valid.col, d.valid.col);
  EXPECT_EQ(r.test.col, d.test.col);
  ASSERT_EQ(r.features.size(), 2u);
  EXPECT_EQ(r.features[0].name, "image");
  EXPECT_EQ(r.features[0].values, d.features[0].values);
  EXPECT_EQ(r.features[1].values, d.features[1].values);
}

const std::string kShared = std::string(MMGRAPH_SOURCE_DIR) + "/../shared/datasets/";

TEST(JsonSplits, AmazonBabyHasThePublishedSizes) {
  const std::string dir = kShared + "amazon-baby";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no data set at " << dir << " (shared/datasets is absent)";
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset d = load_dataset(dir);
  std::printf("Baby JSON load: %.3f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  EXPECT_EQ(d.n_users, 19445);
  EXPECT_EQ(d.n_items, 7050);
  EXPECT_EQ(d.train.nnz(), 119674);
  EXPECT_EQ(d.valid.nnz(), 20559);
  EXPECT_EQ(d.test.nnz(), 20559);
  EXPECT_EQ(d.item_ids.size(), 7050u);
}

TEST(JsonSplits, TikTokHasTwoHalfPrecisionModalities) {
  const std::string dir = kShared + "tiktok";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no data set at " << dir << " (shared/datasets is absent)";
  const Dataset d = load_dataset(dir);
  EXPECT_EQ(d.n_users, 9308);
  EXPECT_EQ(d.n_items, 6710);
  EXPECT_EQ(d.train.nnz(), 59541);
  EXPECT_EQ(d.valid.nnz(), 3051);
  EXPECT_EQ(d.test.nnz(), 6130);
  ASSERT_EQ(d.features.size(), 2u);
  EXPECT_EQ(d.features[0].name, "audio");
  EXPECT_EQ(d.features[1].name, "image");
  for (const auto& f : d.features) {
    EXPECT_EQ(f.rows, 6710);
    EXPECT_EQ(f.cols, 128);
    for (float v : f.values) ASSERT_TRUE(std::isfinite(v));
  }
}

}  // namespace
}  // namespace mmgraph
