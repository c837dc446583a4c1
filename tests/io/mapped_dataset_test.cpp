// A prepared data set is memory-mapped: the same arrays and the same training
// run as the data set it was written from, views that outlive the loader and
// are shared by copies, size defects named by file, mappings released; without
// load_features its feature arrays are left unread.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mmgraph/config.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"
#include "support/jsonl_log.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

namespace fs = std::filesystem;

Dataset with_features() {
  SyntheticOptions s;
  s.users = 150;
  s.items = 110;
  s.interactions = 3000;
  s.seed = 11;
  s.image_dim = 24;
  s.text_dim = 12;
  return make_synthetic_dataset(s);
}

// A prepared copy of `d` in dir/cache; returns the cache's path.
std::string prepared(const Dataset& d, const testing::TempDir& dir) {
  const std::string out = (dir.path() / "cache").string();
  save_dataset_binary(d, out);
  return out;
}

// Whether this process maps `file` now (a line of /proc/self/maps names it).
bool is_mapped(const fs::path& file) {
  std::ifstream maps("/proc/self/maps");
  const std::string name = fs::canonical(file).string();
  for (std::string line; std::getline(maps, line);)
    if (line.size() >= name.size() && line.compare(line.size() - name.size(), name.size(), name) == 0) return true;
  return false;
}

// The message of the InputError that loading `dir` throws ("" when it loads).
std::string load_error(const std::string& dir) {
  try {
    load_dataset(dir);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(MappedDataset, ArraysAreViewsEqualToTheWrittenOnes) {
  const Dataset d = with_features();
  testing::TempDir dir;
  const Dataset r = load_dataset(prepared(d, dir));
  for (const auto& [mapped, written] : {std::pair{&r.train, &d.train}, {&r.valid, &d.valid}, {&r.test, &d.test}}) {
    EXPECT_TRUE(mapped->row_ptr.is_view());
    EXPECT_TRUE(mapped->col.is_view());
    EXPECT_EQ(mapped->row_ptr, written->row_ptr);
    EXPECT_EQ(mapped->col, written->col);
  }
  ASSERT_EQ(r.features.size(), 2u);
  for (size_t f = 0; f < r.features.size(); ++f) {
    EXPECT_TRUE(r.features[f].values.is_view());
    EXPECT_EQ(r.features[f].values, d.features[f].values) << r.features[f].name;
    EXPECT_EQ(r.features[f].rows, d.features[f].rows);
    EXPECT_EQ(r.features[f].cols, d.features[f].cols);
  }
}

TEST(MappedDataset, OutlivesTheLoaderAndIsSharedByCopies) {
  const Dataset d = with_features();
  testing::TempDir dir;
  const std::string cache = prepared(d, dir);
  const fs::path image = fs::path(cache) / "feature_image.bin";
  auto load = [&] { return load_dataset(cache); };
  auto* copy = new Dataset(load());
  Dataset second = *copy;
  EXPECT_EQ(second.features[0].values.data(), copy->features[0].values.data()) << "a copy shares the mapping";
  EXPECT_TRUE(is_mapped(image));
  delete copy;
  EXPECT_TRUE(is_mapped(image)) << "the remaining copy keeps the mapping";
  EXPECT_EQ(second.features[0].values, d.features[0].values);
  EXPECT_EQ(second.train.col, d.train.col);

  // Modifying copies first: the mapping is released, the file keeps its bytes.
  second.features[0].values.owned()[0] += 1.0f;
  EXPECT_FALSE(second.features[0].values.is_view());
  EXPECT_EQ(second.features[0].values[0], d.features[0].values[0] + 1.0f);
  EXPECT_FALSE(is_mapped(image)) << "the last owner unmapped the file";
  EXPECT_TRUE(is_mapped(fs::path(cache) / "train_col.bin"));
  second = Dataset{};
  EXPECT_FALSE(is_mapped(fs::path(cache) / "train_col.bin"));
  EXPECT_EQ(load_dataset(cache).features[0].values, d.features[0].values);
}

TEST(MappedDataset, ShorterOrLongerArrayFilesAreNamed) {
  const Dataset d = with_features();
  testing::TempDir dir;
  const std::string cache = prepared(d, dir);
  const fs::path col = fs::path(cache) / "valid_col.bin";
  const auto bytes = fs::file_size(col);
  fs::resize_file(col, bytes - 4);
  std::string e = load_error(cache);
  EXPECT_NE(e.find("valid_col.bin"), std::string::npos) << e;
  EXPECT_NE(e.find("size is " + std::to_string(bytes - 4) + " bytes, the manifest says " + std::to_string(bytes)),
            std::string::npos)
      << e;

  fs::resize_file(col, bytes + 8);
  e = load_error(cache);
  EXPECT_NE(e.find("valid_col.bin"), std::string::npos) << e;
  EXPECT_NE(e.find("size is " + std::to_string(bytes + 8) + " bytes"), std::string::npos) << e;

  fs::remove(col);
  e = load_error(cache);
  EXPECT_NE(e.find("valid_col.bin"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot read array 'valid_col' of the manifest"), std::string::npos) << e;
}

TEST(MappedDataset, AnEmptySplitLoadsAsAnOwnedEmptyArray) {
  Dataset d = with_features();
  d.valid = InteractionCsr{std::vector<int64_t>(static_cast<size_t>(d.n_users) + 1, 0), {}};
  testing::TempDir dir;
  const Dataset r = load_dataset(prepared(d, dir));
  EXPECT_TRUE(r.valid.col.empty());
  EXPECT_FALSE(r.valid.col.is_view());
  EXPECT_EQ(r.valid.row_ptr, d.valid.row_ptr);
}


// Garbage of the right size in place of every feature array: its checksum no longer matches.
void corrupt_features(const std::string& cache) {
  for (const auto& e : fs::directory_iterator(cache)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("feature_")) continue;
    const std::string garbage(static_cast<size_t>(fs::file_size(e.path())), '\xff');
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << garbage;
  }
}

TEST(MappedDataset, WithoutLoadFeaturesTheFeatureArraysAreNeitherMappedNorChecksummed) {
  const Dataset d = with_features();
  testing::TempDir dir;
  const std::string cache = prepared(d, dir);
  corrupt_features(cache);
  EXPECT_NE(load_error(cache).find("checksum mismatch"), std::string::npos) << load_error(cache);
  LoadOptions without;
  without.load_features = false;
  const Dataset r = load_dataset(cache, without);
  EXPECT_TRUE(r.features.empty());
  ASSERT_EQ(r.features_not_loaded.size(), 2u);
  for (size_t f = 0; f < 2; ++f) {
    EXPECT_EQ(r.features_not_loaded[f].name, d.features[f].name);
    EXPECT_EQ(r.features_not_loaded[f].rows, d.features[f].rows);
    EXPECT_EQ(r.features_not_loaded[f].cols, d.features[f].cols);
    EXPECT_TRUE(r.features_not_loaded[f].values.empty());
    EXPECT_FALSE(is_mapped(fs::path(cache) / ("feature_" + d.features[f].name + ".bin")));
  }
  EXPECT_EQ(r.train.col, d.train.col);
  // The size, stated by the directory entry, is still checked.
  fs::resize_file(fs::path(cache) / "feature_image.bin", 8);
  try {
    load_dataset(cache, without);
    ADD_FAILURE() << "a feature file of the wrong size loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("feature_image.bin: size is 8 bytes"), std::string::npos) << e.what();
  }
}

// A model that reads no features trains on a set whose feature files are garbage exactly as on the
// intact set; a model that reads them refuses the garbage.
TEST(MappedDataset, ModelsWithoutFeaturesTrainAlikeWhateverTheFeatureFilesHold) {
  const Dataset d = with_features();
  testing::TempDir dir;
  const std::string cache = prepared(d, dir);
  TrainConfig c;
  c.device = "cpu";
  c.embedding_size = 16;
  c.train_batch_size = 256;
  c.epochs = 2;
  c.eval_step = 1;
  c.threads = 1;
  TrainOptions opt;
  opt.progress = false;
  for (const char* model : {"bprmf", "lightgcn"}) {
    c.model = model;
    ASSERT_FALSE(model_reads_features(model));
    opt.log_path = (dir.path() / (std::string(model) + "-intact.jsonl")).string();
    train(load_dataset(cache), c, opt);
  }
  corrupt_features(cache);
  LoadOptions without;
  without.load_features = false;
  const Dataset garbage = load_dataset(cache, without);
  for (const char* model : {"bprmf", "lightgcn"}) {
    c.model = model;
    const std::string intact_log = (dir.path() / (std::string(model) + "-intact.jsonl")).string();
    opt.log_path = (dir.path() / (std::string(model) + "-garbage.jsonl")).string();
    train(garbage, c, opt);
    const auto a = testing::log_without_times(intact_log), b = testing::log_without_times(opt.log_path);
    EXPECT_GE(a.size(), 2u) << model;
    EXPECT_EQ(a, b) << model;
  }
  ASSERT_TRUE(model_reads_features("vbpr"));
  EXPECT_NE(load_error(cache).find("checksum mismatch"), std::string::npos) << load_error(cache);
}

TEST(MappedDataset, TrainsBitIdenticallyToTheDataSetItWasWrittenFrom) {
  const Dataset d = with_features();
  testing::TempDir dir;
  const Dataset mapped = load_dataset(prepared(d, dir));
  for (const char* model : {"vbpr", "freedom"}) {
    TrainConfig c;
    c.model = model;
    c.device = "cpu";
    c.embedding_size = 16;
    c.train_batch_size = 256;
    c.epochs = 3;
    c.eval_step = 1;
    c.threads = 1;
    TrainOptions opt;
    opt.progress = false;
    opt.log_path = (dir.path() / (std::string(model) + "-memory.jsonl")).string();
    train(d, c, opt);
    const std::string memory_log = opt.log_path;
    opt.log_path = (dir.path() / (std::string(model) + "-mapped.jsonl")).string();
    train(mapped, c, opt);
    const auto a = testing::log_without_times(memory_log), b = testing::log_without_times(opt.log_path);
    EXPECT_GE(a.size(), 3u) << model;
    EXPECT_EQ(a, b) << model;
  }
}

}  // namespace
}  // namespace mmgraph
