// The binary dataset cache: exact round trip, corruption detected and named.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

Dataset synthetic(int32_t users, int32_t items, int64_t interactions) {
  SyntheticOptions s;
  s.users = users;
  s.items = items;
  s.interactions = interactions;
  return make_synthetic_dataset(s);
}

// The splits and feature values of a data set read back from the cache equal the written ones.
void expect_same_splits_and_features(const Dataset& r, const Dataset& d) {
  EXPECT_EQ(r.train.row_ptr, d.train.row_ptr);
  EXPECT_EQ(r.train.col, d.train.col);
  EXPECT_EQ(r.valid.col, d.valid.col);
  EXPECT_EQ(r.test.col, d.test.col);
  ASSERT_EQ(r.features.size(), d.features.size());
  for (size_t f = 0; f < d.features.size(); ++f) EXPECT_EQ(r.features[f].values, d.features[f].values);
}

TEST(BinaryCache, RoundTripIsExact) {
  Dataset d = synthetic(120, 90, 2000);
  d.user_ids.resize(120);
  for (int u = 0; u < 120; ++u) d.user_ids[u] = "user-" + std::to_string(u);
  testing::TempDir dir;
  const std::string out = (dir.path() / "cache").string();
  save_dataset_binary(d, out);
  const Dataset r = load_dataset(out);
  EXPECT_EQ(r.name, d.name);
  EXPECT_EQ(r.n_users, d.n_users);
  EXPECT_EQ(r.n_items, d.n_items);
  expect_same_splits_and_features(r, d);
  for (size_t f = 0; f < d.features.size() && f < r.features.size(); ++f)
    EXPECT_EQ(r.features[f].name, d.features[f].name);
  EXPECT_EQ(r.user_ids, d.user_ids);
  EXPECT_TRUE(r.item_ids.empty());
  for (const auto& e : std::filesystem::directory_iterator(out))
    EXPECT_EQ(e.path().extension(), e.path().filename() == "manifest.json" ? ".json" : e.path().extension()) << "no temp files left";
}

// Catalogue items that no user consumes keep their ids and features: the
// manifest's n_items counts them, not the largest id of a split.
TEST(BinaryCache, UnconsumedItemsSurvive) {
  SyntheticOptions s;
  s.users = 120;
  s.items = 90;
  s.interactions = 2000;
  s.unconsumed = 50;
  const Dataset d = make_synthetic_dataset(s);
  testing::TempDir dir;
  const std::string out = (dir.path() / "cache").string();
  save_dataset_binary(d, out);
  const Dataset r = load_dataset(out);
  EXPECT_EQ(r.n_items, 140);
  expect_same_splits_and_features(r, d);
  for (const FeatureMatrix& f : r.features) EXPECT_EQ(f.rows, 140);
  std::vector<char> in_a_split(140, 0);
  for (const InteractionCsr* c : {&r.train, &r.valid, &r.test})
    for (int32_t i : c->col) in_a_split[i] = 1;
  EXPECT_GE(std::count(in_a_split.begin(), in_a_split.end(), 0), 50);
}

TEST(BinaryCache, CorruptionIsNamed) {
  const Dataset d = synthetic(50, 40, 600);
  testing::TempDir dir;
  const std::string out = (dir.path() / "cache").string();
  save_dataset_binary(d, out);
  {
    std::fstream f(out + "/train_col.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5);
    f.put('\x7f');
  }
  try {
    load_dataset(out);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train_col.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  std::filesystem::resize_file(out + "/test_col.bin", 3);
  EXPECT_THROW(load_dataset(out), InputError);
  std::ofstream(out + "/manifest.json") << "{\"format\": \"something else\"}";
  EXPECT_THROW(load_dataset(out), InputError);
  std::ofstream(out + "/manifest.json") << "{\"format\": ";
  EXPECT_THROW(load_dataset(out), InputError);
}

// A save that fails half-way (here: a feature name that is not a file name)
// removes the arrays it wrote and the directory it created; over an older
// cache, that cache's manifest is gone first, so a mix of old and new arrays
// is never taken for a cache.
TEST(BinaryCache, FailedSaveLeavesNoPartialCache) {
  Dataset d = synthetic(50, 40, 600);
  testing::TempDir dir;
  const std::string fresh = (dir.path() / "fresh").string();
  Dataset bad = d;
  bad.features[0].name = "no/such/dir";
  EXPECT_THROW(save_dataset_binary(bad, fresh), InputError);
  EXPECT_FALSE(std::filesystem::exists(fresh));

  const std::string old = (dir.path() / "old").string();
  save_dataset_binary(d, old);
  EXPECT_THROW(save_dataset_binary(bad, old), InputError);
  EXPECT_FALSE(std::filesystem::exists(old + "/manifest.json"));
  EXPECT_FALSE(std::filesystem::exists(old + "/train_col.bin"));
  EXPECT_THROW(load_dataset(old), InputError);
}

}  // namespace
}  // namespace mmgraph
