// ParamSet's Adam step leaves out parameters whose gradient and moments are all zero:
// the values and moments of every parameter equal those of plain dense Adam over all of
// them, bit for bit, through steps with and without gradients and with weight decay.
#include <gtest/gtest.h>

#include <vector>

#include "engine/src/device.h"
#include "engine/src/params.h"
#include "kernels/adam.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

TEST(ParamSet, AdamLeavesOutAllZeroParametersExactly) {
  for (const float weight_decay : {0.0f, 0.01f}) {
    SCOPED_TRACE("weight_decay " + std::to_string(weight_decay));
    std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
    detail::ParamSet params;
    const int64_t n = 257;
    detail::Param& a = params.add(*dev, "a", {n}, testing::random_dense(n, 1), detail::ParamPlacement::replicated());
    detail::Param& b = params.add(*dev, "b", {n}, testing::random_dense(n, 2), detail::ParamPlacement::replicated());
    // The reference: dense Adam over both, every step.
    std::vector<float> ref_value[2] = {testing::random_dense(n, 1), testing::random_dense(n, 2)};
    std::vector<float> ref_m[2] = {std::vector<float>(n), std::vector<float>(n)};
    std::vector<float> ref_v[2] = {std::vector<float>(n), std::vector<float>(n)};
    for (int step = 1; step <= 6; ++step) {
      params.zero_grad();
      // a has a gradient every step; b only at steps 4 and 5 (zero before and after).
      const auto ga = testing::random_dense(n, 10 + step);
      const auto gb = step == 4 || step == 5 ? testing::random_dense(n, 20 + step) : std::vector<float>(n, 0.0f);
      EXPECT_EQ(b.grad.to_host(), std::vector<float>(n, 0.0f)) << "zero_grad left b's gradient at step " << step;
      a.grad.upload(ga);
      b.grad.upload(gb);
      params.adam_step(1e-2f, weight_decay);
      kernels::AdamParams p;
      p.lr = 1e-2f;
      p.weight_decay = weight_decay;
      p.step = step;
      kernels::adam_dense_cpu(n, p, ref_value[0].data(), ga.data(), ref_m[0].data(), ref_v[0].data());
      kernels::adam_dense_cpu(n, p, ref_value[1].data(), gb.data(), ref_m[1].data(), ref_v[1].data());
      EXPECT_EQ(a.value.to_host(), ref_value[0]) << "step " << step;
      EXPECT_EQ(b.value.to_host(), ref_value[1]) << "step " << step;
      EXPECT_EQ(b.m.to_host(), ref_m[1]) << "step " << step;
      EXPECT_EQ(b.v.to_host(), ref_v[1]) << "step " << step;
    }
  }
}

// zero_grad skips a gradient the last Adam step found zero only once: a gradient written after
// that (two backward passes without a step between) is cleared by the next zero_grad.
TEST(ParamSet, ZeroGradClearsAGradientWrittenAfterItsSkip) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  detail::ParamSet params;
  detail::Param& p = params.add(*dev, "p", {5}, testing::random_dense(5, 3), detail::ParamPlacement::replicated());
  params.adam_step(1e-2f, 0.0f);  // all-zero gradient: left out, known zero
  params.zero_grad();             // skipped
  p.grad.upload(std::vector<float>(5, 1.0f));
  params.zero_grad();
  EXPECT_EQ(p.grad.to_host(), std::vector<float>(5, 0.0f));
}

}  // namespace
}  // namespace mmgraph
