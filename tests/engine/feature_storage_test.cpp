// Config feature_storage: bf16 keeps the item features on the device at half the bytes of float32,
// rounded to nearest even (after the row normalisation a model asks for), and multimodal models
// trained on them rank as with float32 within a stated tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "engine/models/blocks/modalities.h"
#include "engine/src/device.h"
#include "engine/src/training_inputs.h"
#include "kernels/bf16.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"
#include "support/model_configs.h"

namespace mmgraph {
namespace {

Dataset small_synthetic() {
  SyntheticOptions s;
  s.users = 400;
  s.items = 250;
  s.interactions = 9000;
  s.image_dim = 64;
  s.text_dim = 13;
  s.seed = 3;
  return make_synthetic_dataset(s);
}

TEST(FeatureStorage, Bf16HalvesTheDeviceBytesAndRoundsToNearestEven) {
  const Dataset data = small_synthetic();
  TrainConfig c;
  c.device = "cpu";
  c.model = "freedom";
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const detail::TrainingInputs inputs(data, c, *dev);
  size_t float_bytes = 0;
  for (const FeatureMatrix& f : data.features) float_bytes += f.values.size() * sizeof(float);
  ASSERT_EQ(data.features.size(), 2u);

  const detail::Modalities f32 = detail::upload_modalities(inputs.context(), "freedom");
  c.feature_storage = "bf16";  // the context reads c
  const detail::Modalities b16 = detail::upload_modalities(inputs.context(), "freedom");
  EXPECT_FALSE(f32.bf16());
  EXPECT_TRUE(b16.bf16());
  EXPECT_TRUE(b16.features.empty());
  EXPECT_EQ(f32.device_bytes(), float_bytes);
  EXPECT_EQ(2 * b16.device_bytes(), float_bytes);
  for (size_t m = 0; m < data.features.size(); ++m) {
    const std::vector<uint16_t> bits = b16.features_bf16[m].to_host();
    const HostArray<float>& values = data.features[m].values;
    ASSERT_EQ(bits.size(), values.size());
    for (size_t e = 0; e < bits.size(); ++e) {
      // Nearest: within half a bf16 ulp (2^-8 relative) of the float32 value.
      const double v = values[e], got = kernels::bf16_to_float(bits[e]);
      ASSERT_LE(std::fabs(got - v), std::ldexp(std::fabs(v), -8)) << data.features[m].name << " element " << e;
      ASSERT_EQ(bits[e], kernels::float_to_bf16(values[e]));
    }
  }

  // With normalize_rows (mmgraph) the rows are scaled before the rounding: unit norm to bf16 precision.
  const detail::Modalities unit = detail::upload_modalities(inputs.context(), "mmgraph", true);
  for (size_t m = 0; m < data.features.size(); ++m) {
    const int64_t cols = data.features[m].cols;
    const std::vector<uint16_t> bits = unit.features_bf16[m].to_host();
    for (int64_t r = 0; r < data.n_items; ++r) {
      double s = 0;
      for (int64_t j = 0; j < cols; ++j) s += std::pow(kernels::bf16_to_float(bits[r * cols + j]), 2);
      ASSERT_NEAR(std::sqrt(s), 1.0, std::ldexp(1.0, -8)) << data.features[m].name << " row " << r;
    }
  }
}

// Trains `model` (the small set, 8 epochs, the same seed) with float32 and then bf16 feature
// storage and checks the test metrics agree within 0.02 and lie above 0.15.
void expect_bf16_trains_like_float32(const Dataset& data, const char* model, bool learn_features) {
  TrainConfig c = testing::quick_config();
  c.model = model;
  c.learn_features = learn_features;
  c.knn_k = 5;
  c.mm_bpr_weight = 0.1;
  TrainOptions opt;
  opt.progress = false;
  const TrainResult f32 = train(data, c, opt);
  c.feature_storage = "bf16";
  const TrainResult b16 = train(data, c, opt);
  for (const char* metric : {"Recall@20", "NDCG@20"}) {
    std::printf("%s %s: float32 %.4f, bf16 %.4f\n", model, metric, f32.test.get(metric), b16.test.get(metric));
    EXPECT_GT(f32.test.get(metric), 0.15) << metric;
    EXPECT_NEAR(b16.test.get(metric), f32.test.get(metric), 0.02) << metric;
  }
  EXPECT_NE(b16.history.back().loss, f32.history.back().loss) << "the bf16 run read or trained other features";
}

// FREEDOM (its projections feed the modality BPR, its item graph is the kNN graph of the stored
// features) and VBPR (the projection of the concatenated features is half of every item vector)
// with bf16 features against float32, same seed. Measured here (seeds 2024, 1, 2): bf16 moved test
// Recall@20 / NDCG@20 by at most 0.010 (FREEDOM, seed 2; 0.003 otherwise), while the seeds alone
// spread Recall@20 by 0.03 (FREEDOM 0.448-0.477, VBPR 0.374-0.399). Tolerance 0.02 absolute: twice
// the largest bf16 effect seen, below the seed spread, and far below the metrics (Recall@20 ~0.4,
// NDCG@20 ~0.22-0.29), which must be well above random ranking (Recall@20 ~0.09): > 0.15.
TEST(FeatureStorage, Bf16TrainsLikeFloat32) {
  const Dataset data = small_synthetic();
  for (const char* model : {"freedom", "vbpr"}) {
    SCOPED_TRACE(model);
    expect_bf16_trains_like_float32(data, model, false);
  }
}

// FREEDOM training its features (learn_features: true) with them stored as bf16 parameters (bf16
// values and Adam moments, stochastic rounding) against float32, same seed. Measured here (seeds
// 2024, 1, 2, 3, 4): bf16 moved test Recall@20 by at most 0.0061 and NDCG@20 by at most 0.0115
// (seed 4), while the seeds alone spread float32's Recall@20 by 0.025 (0.445-0.470). The tolerance
// and the floor as above: 0.02 is 1.7 times the largest bf16 effect seen and below the seed spread.
TEST(FeatureStorage, LearntBf16FeaturesTrainLikeFloat32) {
  expect_bf16_trains_like_float32(small_synthetic(), "freedom", true);
}

}  // namespace
}  // namespace mmgraph
