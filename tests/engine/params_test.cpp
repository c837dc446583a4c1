// ParamSet's Adam step on each device: the values and moments of every parameter equal
// those of the device's Adam op run on every parameter at every step, bit for bit, through
// steps with and without gradients (the CPU device leaves out the all-zero ones, a GPU steps).
// The CUDA case skips without a GPU.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/params.h"
#include "kernels/adam.h"
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

INSTANTIATE_TEST_SUITE_P(Devices, ParamSetOnDevice, ::testing::Values("cpu", "cuda"));

}  // namespace
}  // namespace mmgraph
