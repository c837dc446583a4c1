// The synthetic generator: determinism, power-law degrees, and features that
// carry the item latent signal.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <numeric>

#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"

namespace mmgraph {
namespace {

TEST(Synthetic, SpecParsing) {
  const auto o = parse_synthetic_spec("users=10,items=20,interactions=300,dim=4,alpha=0.8,image=0,seed=5");
  EXPECT_EQ(o.users, 10);
  EXPECT_EQ(o.items, 20);
  EXPECT_EQ(o.interactions, 300);
  EXPECT_EQ(o.latent_dim, 4);
  EXPECT_DOUBLE_EQ(o.alpha, 0.8);
  EXPECT_EQ(o.image_dim, 0);
  EXPECT_EQ(o.seed, 5u);
  EXPECT_NO_THROW(parse_synthetic_spec(""));
  EXPECT_THROW(parse_synthetic_spec("users=0"), InputError);
  EXPECT_THROW(parse_synthetic_spec("users=ten"), InputError);
  EXPECT_THROW(parse_synthetic_spec("colour=3"), InputError);
  EXPECT_THROW(parse_synthetic_spec("users"), InputError);
}

// A specification the generator cannot honour is an InputError naming the
// key to change, not a data set with fewer interactions or empty splits.
TEST(Synthetic, UnsatisfiableSpecsNameTheirKey) {
  auto expect_key = [](const std::string& spec, const std::string& key, const std::string& fragment) {
    try {
      make_synthetic_dataset(parse_synthetic_spec(spec));
      ADD_FAILURE() << "no error for " << spec;
    } catch (const InputError& e) {
      EXPECT_EQ(e.source(), "--data synthetic") << e.what();
      EXPECT_EQ(e.position(), key) << e.what();
      EXPECT_NE(e.problem().find(fragment), std::string::npos) << e.what();
    }
  };
  // 10 users x max(3, 10 / 2) = 50 distinct pairs at most.
  expect_key("users=10,items=10,interactions=1000", "interactions", "at most users x 5 = 50");
  // Every user at the minimum degree 3: the 8:1:1 split holds nothing out.
  expect_key("users=1000,items=100,interactions=3000", "interactions", "validation");
  // Zipf exponent 5: nearly every draw is one of the first few items.
  expect_key("users=100,items=1000,interactions=40000,alpha=5", "alpha", "distinct");
  // 2e9 users x 16 latents alone are 128 GB.
  expect_key("users=2000000000", "users", "GiB");
  SyntheticOptions o;
  o.items = 3;
  EXPECT_THROW(make_synthetic_dataset(o), InputError);
  // A small specification that can be honoured.
  EXPECT_NO_THROW(make_synthetic_dataset(parse_synthetic_spec("users=200,items=120,interactions=3000")));
}

TEST(Synthetic, DeterministicBySeed) {
  SyntheticOptions o;
  const Dataset a = make_synthetic_dataset(o), b = make_synthetic_dataset(o);
  EXPECT_EQ(a.train.col, b.train.col);
  EXPECT_EQ(a.test.col, b.test.col);
  EXPECT_EQ(a.features[0].values, b.features[0].values);
  o.seed = 2;
  const Dataset c = make_synthetic_dataset(o);
  EXPECT_NE(a.train.col, c.train.col);
  // Every user has training, validation and test items.
  for (int32_t u = 0; u < a.n_users; ++u) ASSERT_GE(a.train.row_ptr[u + 1] - a.train.row_ptr[u], 1);
  EXPECT_GT(a.train.nnz(), 25000);
}

TEST(Synthetic, ItemDegreesFollowAPowerLaw) {
  SyntheticOptions o;
  const Dataset d = make_synthetic_dataset(o);
  std::vector<int64_t> deg(d.n_items, 0);
  for (int32_t i : d.train.col) ++deg[i];
  std::sort(deg.rbegin(), deg.rend());
  const int64_t total = std::accumulate(deg.begin(), deg.end(), int64_t{0});
  const int64_t top = std::accumulate(deg.begin(), deg.begin() + d.n_items / 100, int64_t{0});
  // Uniform degrees would give the top 1% of items ~1% of interactions.
  EXPECT_GT(static_cast<double>(top) / total, 0.05);
}

TEST(Synthetic, FeaturesPredictInteractions) {
  // Items that share users should have more similar image features than random
  // pairs: the features are noisy functions of the latents that drive choices.
  SyntheticOptions o;
  const Dataset d = make_synthetic_dataset(o);
  const auto& f = d.features[0];
  auto cosine = [&](int32_t a, int32_t b) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t c = 0; c < f.cols; ++c) {
      const double x = f.values[a * f.cols + c], y = f.values[b * f.cols + c];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    return ab / std::sqrt(aa * bb);
  };
  // Per user: cosine of two co-consumed items minus cosine with a random item.
  double sum = 0, sum2 = 0;
  int n = 0;
  for (int32_t u = 0; u < d.n_users; ++u) {
    const int64_t s = d.train.row_ptr[u], e = d.train.row_ptr[u + 1];
    if (e - s < 2) continue;
    const double diff = cosine(d.train.col[s], d.train.col[s + 1]) -
                        cosine(d.train.col[s], (d.train.col[s] * 7919 + u) % d.n_items);
    sum += diff;
    sum2 += diff * diff;
    ++n;
  }
  const double mean = sum / n, stderr_mean = std::sqrt((sum2 / n - mean * mean) / n);
  // Pure-noise features give mean ~ 0; require 5 standard errors above it.
  EXPECT_GT(mean, 5 * stderr_mean) << "mean difference " << mean << " +- " << stderr_mean;
}

TEST(Synthetic, LargeSizeGeneratesQuickly) {
  SyntheticOptions o;
  o.users = 100000;
  o.items = 50000;
  o.interactions = 2000000;
  o.image_dim = 0;
  o.text_dim = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset d = make_synthetic_dataset(o);
  std::printf("synthetic 1e5 users x 5e4 items, %lld interactions: %.2f s\n",
              static_cast<long long>(d.train.nnz() + d.valid.nnz() + d.test.nnz()),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  EXPECT_GT(d.train.nnz(), 1000000);
}

}  // namespace
}  // namespace mmgraph
