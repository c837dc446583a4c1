// Config keys of the multimodal models: modality maps (paths relative to the
// config file), weights, ranges, and errors that name the file and line.
#include <gtest/gtest.h>

#include <filesystem>

#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

TEST(ConfigMultimodal, ReadsModalitiesRelativeToTheConfigFile) {
  testing::TempDir dir;
  const auto path = dir.write("c.yaml",
                              "model: lightgcn\nmodalities:\n  image: feats/image.npy\n  text: /abs/text.npy\n"
                              "modality_weights: {image: 0.1, text: 0.9}\nknn_k: 5\ndropout: 0.8\n"
                              "mm_bpr_weight: 0.001\ncl_weight: 0.01\ncl_temperature: 0.5\nloss: warp\n");
  const TrainConfig c = load_config(path);
  ASSERT_EQ(c.modalities.size(), 2u);
  EXPECT_EQ(c.modalities[0].first, "image");
  EXPECT_EQ(std::filesystem::path(c.modalities[0].second), dir.path() / "feats/image.npy");
  EXPECT_EQ(c.modalities[1].second, "/abs/text.npy");
  ASSERT_EQ(c.modality_weights.size(), 2u);
  EXPECT_DOUBLE_EQ(c.modality_weights[1].second, 0.9);
  EXPECT_EQ(c.knn_k, 5);
  EXPECT_DOUBLE_EQ(c.dropout, 0.8);
  EXPECT_DOUBLE_EQ(c.mm_bpr_weight, 0.001);
  EXPECT_DOUBLE_EQ(c.cl_weight, 0.01);
  EXPECT_DOUBLE_EQ(c.cl_temperature, 0.5);
  EXPECT_EQ(c.loss, "warp");
  EXPECT_NO_THROW(validate_config(c));
}

TEST(ConfigMultimodal, ModalityTwiceIsAnErrorWithItsLine) {
  testing::TempDir dir;
  const auto path = dir.write("c.yaml", "modalities:\n  image: a.npy\n  image: b.npy\n");
  try {
    load_config(path);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), path);
    EXPECT_EQ(e.position(), "line 3");
    EXPECT_NE(e.problem().find("'image' given twice"), std::string::npos) << e.what();
  }
}

TEST(ConfigMultimodal, ModalitiesMustBeAMapping) {
  testing::TempDir dir;
  const auto path = dir.write("c.yaml", "modalities: [a.npy]\n");
  EXPECT_THROW(load_config(path), InputError);
}

TEST(ConfigMultimodal, RangesAreChecked) {
  for (const char* bad : {"knn_k=0", "dropout=1", "dropout=-0.1", "cl_temperature=0", "loss=hinge",
                          "lambda_coeff=2", "warp_candidates=0", "n_mm_layers=-1", "modality_weights={image: -1}",
                          "cold_scale=-1", "cold_scale=101"}) {
    TrainConfig c;
    apply_override(c, bad);
    EXPECT_THROW(validate_config(c), InputError) << bad;
  }
}

TEST(ConfigMultimodal, FeatureStorageIsFloat32OrBf16) {
  TrainConfig c;
  EXPECT_EQ(c.feature_storage, "float32");
  apply_override(c, "feature_storage=bf16");
  EXPECT_EQ(c.feature_storage, "bf16");
  EXPECT_NO_THROW(validate_config(c));
  apply_override(c, "feature_storage=fp16");
  try {
    validate_config(c);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.position(), "feature_storage=fp16");
    EXPECT_NE(e.problem().find("float32 or bf16"), std::string::npos) << e.what();
  }
}

TEST(ConfigMultimodal, Bf16FeaturesCanBeLearnt) {
  testing::TempDir dir;
  const TrainConfig c = load_config(dir.write("c.yaml", "model: freedom\nlearn_features: true\nfeature_storage: bf16\n"));
  EXPECT_TRUE(c.learn_features);
  EXPECT_EQ(c.feature_storage, "bf16");
  EXPECT_NO_THROW(validate_config(c));
}

TEST(ConfigMultimodal, UnknownModelNamesTheKnownOnes) {
  TrainConfig c;
  c.model = "nosuchmodel";
  try {
    validate_config(c);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(e.problem().find("lightgcn"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("bprmf"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mmgraph
