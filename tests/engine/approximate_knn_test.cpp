// Approximate kNN lists (FAISS IVF and HNSW) against the exact op's on clustered features: most of
// each row's neighbours found, the same lists on a second run, -1 only past the found ones; and a
// model trained on an approximate graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/models/blocks/approximate_knn.h"
#include "kernels/knn_graph.h"
#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"

namespace mmgraph {
namespace {

// n rows of dim columns around 300 random centres (noise of 0.7 a centre's scale: neighbours across
// clusters are close calls), at random scales.
std::vector<float> clustered_features(int64_t n, int64_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> scale(0.5f, 3.0f);
  std::vector<float> centres(static_cast<size_t>(300 * dim)), f(static_cast<size_t>(n * dim));
  for (float& c : centres) c = normal(rng);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = static_cast<int64_t>(rng() % 300);
    const float s = scale(rng);
    for (int64_t j = 0; j < dim; ++j)
      f[static_cast<size_t>(i * dim + j)] = s * (centres[static_cast<size_t>(c * dim + j)] + 0.7f * normal(rng));
  }
  return f;
}

TEST(ApproximateKnn, FindsMostExactNeighboursAndRepeats) {
  const int64_t n = 3000, dim = 24;
  const int k = 10;
  const std::vector<float> f = clustered_features(n, dim, 17);
  std::vector<int32_t> exact(static_cast<size_t>(n * k));
  std::vector<float> exact_sim(exact.size());
  kernels::knn_cosine_topk_cpu(n, dim, f.data(), k, exact.data(), exact_sim.data());
  for (const char* index : {"ivf", "hnsw"}) {
    SCOPED_TRACE(index);
    const detail::ApproximateKnnOptions options{index, 32, 128};
    std::vector<int32_t> idx(exact.size()), again(exact.size());
    std::vector<float> sim(exact.size()), sim_again(exact.size());
    detail::approximate_knn_topk(n, dim, f.data(), k, options, idx.data(), sim.data());
    detail::approximate_knn_topk(n, dim, f.data(), k, options, again.data(), sim_again.data());
    EXPECT_EQ(idx, again) << "a second build gives other lists";
    EXPECT_EQ(sim, sim_again);
    const double r = detail::knn_list_recall(exact.data(), idx.data(), n, k);
    std::printf("%s: recall of the exact lists %.4f\n", index, r);
    EXPECT_GE(r, 0.9);
    if (std::string(index) == "ivf") {  // one cell a search: fewer of them found
      detail::approximate_knn_topk(n, dim, f.data(), k, {index, 1, 128}, again.data(), sim_again.data());
      EXPECT_LT(detail::knn_list_recall(exact.data(), again.data(), n, k), r);
    }
    for (int64_t i = 0; i < n; ++i) {
      bool ended = false;  // -1 only after the found neighbours
      for (int j = 0; j < k; ++j) {
        const int32_t c = idx[static_cast<size_t>(i * k + j)];
        if (c == -1) ended = true;
        else ASSERT_FALSE(ended) << "row " << i;
        if (c >= 0) {
          ASSERT_LT(c, n);
        }
        if (j > 0 && c >= 0) {
          ASSERT_LE(sim[static_cast<size_t>(i * k + j)], sim[static_cast<size_t>(i * k + j - 1)]);
        }
      }
    }
  }
}

TEST(ApproximateKnn, RejectsAnUnknownIndexAndABadK) {
  const std::vector<float> f = clustered_features(50, 4, 3);
  std::vector<int32_t> idx(50 * 5);
  std::vector<float> sim(idx.size());
  EXPECT_THROW(detail::approximate_knn_topk(50, 4, f.data(), 5, {"lsh", 1, 1}, idx.data(), sim.data()), Error);
  EXPECT_THROW(detail::approximate_knn_topk(50, 4, f.data(), 51, {"ivf", 1, 1}, idx.data(), sim.data()), Error);
}

// FREEDOM and LATTICE train on an approximate graph (a frozen one, and a re-learnt one) to the
// accuracy they reach on the exact graph (the lists differ little on these features).
TEST(ApproximateKnn, ModelsTrainOnApproximateGraphsAsOnExactOnes) {
  SyntheticOptions s;
  s.users = 300;
  s.items = 400;
  s.interactions = 9000;
  s.image_dim = 16;
  s.text_dim = 8;
  const Dataset data = make_synthetic_dataset(s);
  for (const char* model : {"freedom", "lattice"}) {
    double exact = 0;
    for (const char* index : {"exact", "ivf", "hnsw"}) {
      SCOPED_TRACE(std::string(model) + " " + index);
      TrainConfig c = parse_config(std::string("model: ") + model + "\nepochs: 5\nembedding_size: 16\nthreads: 1\n" +
                                       "knn_index: " + index + "\n",
                                   "test config");
      TrainOptions o;
      o.progress = false;
      const double recall20 = train(data, c, o).test.get("Recall@20");
      std::printf("%s %s: test Recall@20 %.4f\n", model, index, recall20);
      if (std::string(index) == "exact") exact = recall20;
      else EXPECT_NEAR(recall20, exact, 0.1 * exact);
    }
  }
}

}  // namespace
}  // namespace mmgraph
