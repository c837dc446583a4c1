// ParamSet's Adam step on each device: the values and moments of every parameter equal
// those of the device's Adam op run on every parameter at every step, bit for bit, through
// steps with and without gradients (the CPU device leaves out the all-zero ones, a GPU steps).
// A bf16 table split by rows rounds as the whole table. The CUDA case skips without a GPU.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/params.h"
#include "kernels/adam.h"
#include "kernels/bf16.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

std::unique_ptr<detail::Device> device_or_skip(const std::string& name) {
  if (name == "cuda" && detail::cuda_device_count() == 0) return nullptr;
  return detail::select_device(name, true);
}

class ParamSetOnDevice : public ::testing::TestWithParam<std::string> {};

TEST_P(ParamSetOnDevice, AdamStepEqualsTheDenseStepOfEveryParameter) {
  const std::unique_ptr<detail::Device> dev = device_or_skip(GetParam());
  if (!dev) GTEST_SKIP() << "no CUDA device";
  detail::ParamSet params;
  const int64_t n = 257;
  detail::Param& a = params.add(*dev, "a", {n}, testing::random_dense(n, 1), detail::ParamPlacement::replicated());
  detail::Param& b = params.add(*dev, "b", {n}, testing::random_dense(n, 2), detail::ParamPlacement::replicated());
  // The reference: the device's Adam op over both, every step.
  using Buf = detail::Buffer<float>;
  Buf ref_value[2] = {Buf::from_host(*dev, testing::random_dense(n, 1), "ref"),
                      Buf::from_host(*dev, testing::random_dense(n, 2), "ref")};
  Buf ref_m[2] = {Buf::zeros(*dev, n, "ref"), Buf::zeros(*dev, n, "ref")};
  Buf ref_v[2] = {Buf::zeros(*dev, n, "ref"), Buf::zeros(*dev, n, "ref")};
  for (int step = 1; step <= 6; ++step) {
    params.zero_grad();
    // a has a gradient every step; b only at steps 4 and 5 (zero before and after).
    const auto ga = testing::random_dense(n, 10 + step);
    const auto gb = step == 4 || step == 5 ? testing::random_dense(n, 20 + step) : std::vector<float>(n, 0.0f);
    EXPECT_EQ(b.grad.to_host(), std::vector<float>(n, 0.0f)) << "zero_grad left b's gradient at step " << step;
    a.grad.upload(ga);
    b.grad.upload(gb);
    params.adam_step(1e-2f);
    kernels::AdamParams p;
    p.lr = 1e-2f;
    p.step = step;
    const Buf dga = Buf::from_host(*dev, ga, "ref"), dgb = Buf::from_host(*dev, gb, "ref");
    EXPECT_FALSE(dev->adam_dense(n, p, ref_value[0].data(), dga.data(), ref_m[0].data(), ref_v[0].data(), false));
    EXPECT_FALSE(dev->adam_dense(n, p, ref_value[1].data(), dgb.data(), ref_m[1].data(), ref_v[1].data(), false));
    EXPECT_EQ(a.value.to_host(), ref_value[0].to_host()) << "step " << step;
    EXPECT_EQ(b.value.to_host(), ref_value[1].to_host()) << "step " << step;
    EXPECT_EQ(b.m.to_host(), ref_m[1].to_host()) << "step " << step;
    EXPECT_EQ(b.v.to_host(), ref_v[1].to_host()) << "step " << step;
  }
}

// zero_grad skips a gradient the last Adam step left out only once: a gradient written after
// that (two backward passes without a step between) is cleared by the next zero_grad.
TEST_P(ParamSetOnDevice, ZeroGradClearsAGradientWrittenAfterASkippedStep) {
  const std::unique_ptr<detail::Device> dev = device_or_skip(GetParam());
  if (!dev) GTEST_SKIP() << "no CUDA device";
  detail::ParamSet params;
  detail::Param& p = params.add(*dev, "p", {5}, testing::random_dense(5, 3), detail::ParamPlacement::replicated());
  params.adam_step(1e-2f);  // all-zero gradient: the CPU leaves it out and knows it zero
  params.zero_grad();
  p.grad.upload(std::vector<float>(5, 1.0f));
  params.zero_grad();
  EXPECT_EQ(p.grad.to_host(), std::vector<float>(5, 0.0f));
}

// A bf16 table's Adam step (add_bf16) rounds each element by its global index: a process holding
// rows 6-9 then 0-5 of a [10 x 7] table (row-sharded, two runs) ends with the rows of the whole
// table stepped at once, bit for bit, values and moments, through steps with and without gradients.
TEST_P(ParamSetOnDevice, RowShardedBf16TableRoundsAsTheWholeTable) {
  const std::unique_ptr<detail::Device> dev = device_or_skip(GetParam());
  if (!dev) GTEST_SKIP() << "no CUDA device";
  const int64_t rows = 10, width = 7;
  auto bits = [](const std::vector<float>& x) {
    std::vector<uint16_t> out(x.size());
    for (size_t e = 0; e < x.size(); ++e) out[e] = kernels::float_to_bf16(x[e]);
    return out;
  };
  // Local row r of the sharded table is global row order[r].
  const std::vector<int64_t> order = {6, 7, 8, 9, 0, 1, 2, 3, 4, 5};
  auto reorder = [&](const std::vector<float>& global) {
    std::vector<float> local;
    for (int64_t r : order) local.insert(local.end(), global.begin() + r * width, global.begin() + (r + 1) * width);
    return local;
  };
  const std::vector<float> init = testing::random_dense(rows * width, 4);
  detail::ParamSet whole_set, shard_set;
  detail::Param& whole =
      whole_set.add_bf16(*dev, "t", {rows, width}, bits(init), detail::ParamPlacement::replicated(), 21);
  detail::Param& shard = shard_set.add_bf16(*dev, "t", {rows, width}, bits(reorder(init)),
                                            detail::ParamPlacement::sharded({rows, width}, {{6, 4}, {0, 6}}), 21);
  EXPECT_TRUE(whole.bf16());
  EXPECT_EQ(whole.numel(), rows * width);
  for (int step = 1; step <= 4; ++step) {
    whole_set.zero_grad();
    shard_set.zero_grad();
    const auto g = step == 2 ? std::vector<float>(rows * width, 0.0f) : testing::random_dense(rows * width, 30 + step);
    whole.grad.upload(g);
    shard.grad.upload(reorder(g));
    whole_set.adam_step(1e-2f);
    shard_set.adam_step(1e-2f);
    for (const auto& [a, b] : {std::pair{&whole.value_bf16, &shard.value_bf16}, {&whole.m_bf16, &shard.m_bf16},
                               {&whole.v_bf16, &shard.v_bf16}}) {
      std::vector<float> widened;
      for (uint16_t x : a->to_host()) widened.push_back(kernels::bf16_to_float(x));
      std::vector<uint16_t> expect = bits(reorder(widened));
      EXPECT_EQ(b->to_host(), expect) << "step " << step;
    }
  }
  EXPECT_NE(whole.value_bf16.to_host(), bits(init)) << "the steps moved nothing";
}

INSTANTIATE_TEST_SUITE_P(Devices, ParamSetOnDevice, ::testing::Values("cpu", "cuda"));

}  // namespace
}  // namespace mmgraph
