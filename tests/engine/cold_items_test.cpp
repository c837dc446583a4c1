// Cold items at evaluation (engine/models/blocks/cold_items.h) against a float64
// reference on a hand-made graph: warm rows untouched, each cold row its warm
// neighbours' sum in direction at cold_scale x the warm mean norm, cold neighbours
// ignored, a cold item with no warm neighbour a zero row; the sum over two graphs, each
// propagated through the model's propagation block.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/models/blocks/cold_items.h"
#include "engine/src/device.h"
#include "engine/src/resources.h"

namespace mmgraph {
namespace {

// Items 0..5; items 1, 4 and 5 have no training interaction.
Dataset five_warm_three_cold() {
  Dataset data;
  data.n_users = 2;
  data.n_items = 6;
  data.train.row_ptr = {0, 2, 3};
  data.train.col = {0, 2, 3};
  return data;
}

kernels::CsrHost graph_of(int64_t n, const std::vector<std::vector<std::pair<int32_t, float>>>& rows) {
  kernels::CsrHost s;
  s.n_rows = s.n_cols = n;
  s.row_ptr.push_back(0);
  for (const auto& row : rows) {
    for (const auto& [c, v] : row) {
      s.col.push_back(c);
      s.val.push_back(v);
    }
    s.row_ptr.push_back(static_cast<int64_t>(s.col.size()));
  }
  return s;
}

TEST(ColdItems, CalibrateMatchesFloat64Reference) {
  const Dataset data = five_warm_three_cold();
  const int64_t d = 5;
  const double scale = 1.5;
  auto dev = detail::make_cpu_device();
  const detail::Resources resources(*dev);
  const detail::NodeIndex nodes = detail::NodeIndex::single_process(data.n_users, data.n_items);
  detail::ModelContext ctx;
  ctx.data = &data;
  ctx.resources = &resources;
  ctx.nodes = &nodes;
  const detail::Propagation prop(ctx, {});
  // Item 1: warm neighbours 0, 2 and the cold 4; item 4: warm 3; item 5: only the cold 1.
  const auto s1 = graph_of(6, {{{1, 0.5f}}, {{0, 0.3f}, {2, 0.6f}, {4, 0.9f}}, {{0, 1.0f}}, {{2, 1.0f}},
                               {{3, 0.7f}}, {{1, 0.4f}}});
  const auto s2 = graph_of(6, {{}, {{3, 0.2f}}, {}, {}, {{0, 0.1f}}, {}});
  detail::ItemGraph g1(*dev, s1), g2(*dev, s2);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> rep(static_cast<size_t>(data.n_items * d));
  for (auto& v : rep) v = u(rng);
  const std::vector<bool> cold = {false, true, false, false, true, true};

  double norm_sum = 0;
  for (int64_t i = 0; i < data.n_items; ++i) {
    if (cold[i]) continue;
    double s = 0;
    for (int64_t c = 0; c < d; ++c) s += double{rep[i * d + c]} * rep[i * d + c];
    norm_sum += std::sqrt(s);
  }
  const double target = scale * norm_sum / 3.0;
  std::vector<double> want(rep.begin(), rep.end());
  for (int64_t i = 0; i < data.n_items; ++i) {
    if (!cold[i]) continue;
    std::vector<double> dir(d, 0.0);
    for (const auto* s : {&s1, &s2})
      for (int64_t e = s->row_ptr[i]; e < s->row_ptr[i + 1]; ++e)
        if (!cold[s->col[e]])
          for (int64_t c = 0; c < d; ++c) dir[c] += double{s->val[e]} * rep[s->col[e] * d + c];
    double n = 0;
    for (double v : dir) n += v * v;
    for (int64_t c = 0; c < d; ++c) want[i * d + c] = n > 0 ? target * dir[c] / std::sqrt(n) : 0.0;
  }

  detail::ColdItems cold_items(ctx, scale);
  EXPECT_EQ(cold_items.count(), 3);
  auto buf = detail::Buffer<float>::from_host(*dev, rep, "rep");
  cold_items.calibrate(prop, {&g1, &g2}, d, buf.data());
  const auto got = buf.to_host();
  for (int64_t i = 0; i < data.n_items; ++i)
    for (int64_t c = 0; c < d; ++c) {
      if (!cold[i]) EXPECT_EQ(got[i * d + c], rep[i * d + c]) << "warm item " << i;
      else EXPECT_NEAR(got[i * d + c], want[i * d + c], 1e-6 * target) << "cold item " << i << " column " << c;
    }
  for (int64_t c = 0; c < d; ++c) EXPECT_EQ(got[5 * d + c], 0.0f) << "item 5 has no warm neighbour";

  // cold_scale 0: the model's rows stay.
  detail::ColdItems off(ctx, 0.0);
  EXPECT_EQ(off.count(), 0);
  auto buf2 = detail::Buffer<float>::from_host(*dev, rep, "rep");
  off.calibrate(prop, {&g1, &g2}, d, buf2.data());
  EXPECT_EQ(buf2.to_host(), rep);
}

}  // namespace
}  // namespace mmgraph
