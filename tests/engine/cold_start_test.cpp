// Cold start on synthetic data with a planted modality signal: items fall in 8
// clusters, their two modalities are the cluster's one-hot code plus noise, and
// every user interacts with items of one cluster only. Five items per cluster
// never occur in training; each user's test split holds one of them. A model
// that uses the features can place a cold item among its cluster's items; one
// that only has (untrained) id embeddings for it cannot.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "engine/src/model.h"
#include "mmgraph/trainer.h"
#include "support/model_configs.h"

namespace mmgraph {
namespace {

constexpr int kClusters = 8, kItemsPerCluster = 30, kColdPerCluster = 5, kUsers = 400;

Dataset planted_clusters() {
  std::mt19937_64 rng(5);
  Dataset d;
  d.name = "planted";
  d.n_users = kUsers;
  d.n_items = kClusters * kItemsPerCluster;
  std::normal_distribution<float> noise(0.0f, 0.3f);
  for (const char* name : {"image", "text"}) {
    FeatureMatrix f{name, d.n_items, 16, std::vector<float>(static_cast<size_t>(d.n_items) * 16)};
    for (int32_t i = 0; i < d.n_items; ++i)
      for (int c = 0; c < 16; ++c) f.values[i * 16 + c] = (c == i / kItemsPerCluster ? 1.0f : 0.0f) + noise(rng);
    d.features.push_back(std::move(f));
  }
  // Item i of cluster k is cluster k's slot s = i % 30; slots 0..4 are cold.
  for (InteractionCsr* s : {&d.train, &d.valid, &d.test}) s->row_ptr.push_back(0);
  for (int32_t u = 0; u < kUsers; ++u) {
    const int32_t base = (u % kClusters) * kItemsPerCluster;
    std::vector<int32_t> warm;
    for (int s = kColdPerCluster; s < kItemsPerCluster; ++s) warm.push_back(base + s);
    std::shuffle(warm.begin(), warm.end(), rng);
    std::vector<int32_t> train(warm.begin(), warm.begin() + 10);
    std::sort(train.begin(), train.end());
    std::vector<int32_t> test = {base + static_cast<int32_t>(rng() % kColdPerCluster), warm[11]};
    std::sort(test.begin(), test.end());
    d.train.col.insert(d.train.col.end(), train.begin(), train.end());
    d.valid.col.push_back(warm[10]);
    d.test.col.insert(d.test.col.end(), test.begin(), test.end());
    for (InteractionCsr* s : {&d.train, &d.valid, &d.test}) s->row_ptr.push_back(s->nnz());
  }
  return d;
}

// The cold test items' metrics after a short run of `model`'s shipped config at test
// sizes, with the given cold_scale (0: the model's own rows for cold items).
MetricTable cold_metrics(const Dataset& data, const std::string& model, double cold_scale) {
  TrainConfig c = testing::shipped_config(model);
  c.device = "cpu";
  c.threads = 1;
  c.embedding_size = 16;
  c.n_layers = 2;
  c.learning_rate = 0.01;
  c.train_batch_size = 512;
  c.epochs = 25;
  c.eval_step = 5;
  c.topk = {20};
  c.knn_k = 5;
  c.mm_bpr_weight = 0.1;
  c.cl_weight = 0.01;
  c.cold_scale = cold_scale;
  TrainOptions o;
  o.progress = false;
  const TrainResult r = train(data, c, o);
  EXPECT_FALSE(r.test_cold.empty()) << model;
  return r.test_cold;
}

// Chance: a random ranking of the 229 items left after masking the user's 11 training and
// validation items puts a given cold item in the top 20 with probability 20 / 229 = 0.087.
constexpr double kChance = 20.0 / 229.0;

// LightGCN knows nothing about an item without interactions: the planted data offers no
// other way to the cold items than their features.
TEST(ColdStart, LightgcnCannotRankColdItems) {
  EXPECT_LT(cold_metrics(planted_clusters(), "lightgcn", 0.0).get("Recall@20"), 2 * kChance);
}

// Every model of the registry, by its shipped config: a model that places cold items by
// their content neighbours (the models with an item graph, blocks/cold_items.h) chooses
// cold_scale there, and must rank cold items far above chance with it; on a model whose
// config leaves cold_scale out, cold_scale must change nothing.
class ColdStartModels : public ::testing::TestWithParam<std::string> {};

TEST_P(ColdStartModels, ConfigsChoosingColdScaleRankColdItemsFarAboveChance) {
  const std::string model = GetParam();
  const Dataset data = planted_clusters();
  const TrainConfig shipped = testing::shipped_config(model);
  if (shipped.origins.count("cold_scale") > 0) {
    EXPECT_GT(cold_metrics(data, model, shipped.cold_scale).get("Recall@20"), 5 * kChance)
        << model << " should place cold items among their cluster's items";
  } else {
    EXPECT_EQ(cold_metrics(data, model, 1.5).items(), cold_metrics(data, model, 0.0).items())
        << model << " places cold items by content: configs/" << model << ".yaml should choose its cold_scale";
  }
}

INSTANTIATE_TEST_SUITE_P(AllModels, ColdStartModels, ::testing::ValuesIn(detail::model_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace mmgraph
