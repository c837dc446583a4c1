// Fine-grained (component-level) attention: CUDA twin against the CPU reference at widths that are
// and are not multiples of 32 (1, 13, 64, 100), up to 49 components (an image's 7 x 7 regions),
// items without components, power-law pairs per item (a few items take most pairs), NaN in every
// padding row (never read), and outputs poisoned with NaN (an element a kernel forgot fails); and
// two runs give the same bits (no atomics). Tolerance: the twins sum the same products in another
// order (a warp's butterfly against the CPU's sequential dot products), ~1e-6 relative for the
// dozens of terms here: 1e-5 absolute + 1e-4 relative.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gpu/compare.h"
#include "gpu/gpu_test_util.h"
#include "kernels/component_attention.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;
using testing::random_dense;

TEST(ComponentAttentionGpu, MatchesTheCpuAndRepeats) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const int64_t d : {1, 13, 64, 100})
    for (const int64_t n_max : {1, 7, 49})
      for (const int64_t pairs : {int64_t{0}, int64_t{1}, static_cast<int64_t>(100 + rng() % 3000)}) {
        const int64_t items = 1 + static_cast<int64_t>(rng() % 300);
        SCOPED_TRACE("P " + std::to_string(pairs) + " K " + std::to_string(items) + " N " + std::to_string(n_max) +
                     " d " + std::to_string(d));
        std::vector<int32_t> item(static_cast<size_t>(pairs)), count(static_cast<size_t>(items));
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        for (auto& i : item)  // power law: item ~ items * u^3
          i = static_cast<int32_t>(static_cast<double>(items) * std::pow(unit(rng), 3.0));
        for (auto& c : count) c = static_cast<int32_t>(rng() % (n_max + 1));
        std::vector<int64_t> ptr(static_cast<size_t>(items + 1));
        std::vector<int32_t> by_item(static_cast<size_t>(pairs));
        kernels::component_pairs_by_item(pairs, item.data(), items, ptr.data(), by_item.data());
        std::vector<float> x = random_dense(items * n_max * d, seed + 1);
        for (int64_t k = 0; k < items; ++k)
          for (int64_t e = count[k] * d; e < n_max * d; ++e) x[k * n_max * d + e] = std::numeric_limits<float>::quiet_NaN();
        const auto q = random_dense(pairs * d, seed + 2), dz = random_dense(pairs * d, seed + 3),
                   dq0 = random_dense(pairs * d, seed + 4), dx0 = random_dense(items * n_max * d, seed + 5);
        const kernels::ComponentPairs cpu{pairs, item.data(), items, ptr.data(), by_item.data()};
        std::vector<float> a(static_cast<size_t>(pairs * n_max)), z(static_cast<size_t>(pairs * d)), dq = dq0, dx = dx0;
        kernels::component_attention_forward_cpu(cpu, n_max, d, count.data(), q.data(), x.data(), a.data(), z.data());
        kernels::component_attention_backward_cpu(cpu, n_max, d, count.data(), q.data(), x.data(), a.data(), z.data(),
                                                  dz.data(), dq.data(), dx.data());
        DeviceArray<int32_t> g_item(item), g_count(count), g_by_item(by_item);
        DeviceArray<int64_t> g_ptr(ptr);
        DeviceArray<float> g_x(x), g_q(q), g_dz(dz);
        const kernels::ComponentPairs gpu{pairs, g_item.get(), items, g_ptr.get(), g_by_item.get()};
        std::vector<float> first_dx;
        for (int rep = 0; rep < 2; ++rep) {
          auto g_a = DeviceArray<float>::poisoned(pairs * n_max), g_z = DeviceArray<float>::poisoned(pairs * d),
               g_ds = DeviceArray<float>::poisoned(pairs * n_max);
          DeviceArray<float> g_dq(dq0), g_dx(dx0);
          kernels::component_attention_forward_cuda(gpu, n_max, d, g_count.get(), g_q.get(), g_x.get(), g_a.get(),
                                                    g_z.get(), nullptr);
          kernels::component_attention_backward_cuda(gpu, n_max, d, g_count.get(), g_q.get(), g_x.get(), g_a.get(),
                                                     g_z.get(), g_dz.get(), g_dq.get(), g_dx.get(), g_ds.get(), nullptr);
          EXPECT_TRUE(testing::all_close(g_a.host(), a, 1e-5, 1e-4, "a"));
          EXPECT_TRUE(testing::all_close(g_z.host(), z, 1e-5, 1e-4, "z"));
          EXPECT_TRUE(testing::all_close(g_dq.host(), dq, 1e-5, 1e-4, "dq"));
          EXPECT_TRUE(testing::all_close(g_dx.host(), dx, 1e-5, 1e-4, "dx"));
          if (rep == 0)
            first_dx = g_dx.host();
          else
            EXPECT_TRUE(testing::bit_identical(g_dx.host(), first_dx, "dx, second run"));
        }
      }
}

}  // namespace
}  // namespace mmgraph
