// GPU batch rows (padded layout) against the CPU reference: random batches with heavy
// repeats, power-law ids, extra items or none, a batch of one, an empty batch.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
#include "kernels/batch_rows.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;

TEST(BatchRowsGpu, MatchesCpu) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const int64_t b : {int64_t{0}, int64_t{1}, int64_t{33}, int64_t{2048}, static_cast<int64_t>(100 + rng() % 5000)}) {
    for (const int64_t n_extra : {int64_t{0}, 3 * b + 1}) {
      SCOPED_TRACE("b " + std::to_string(b) + " extra " + std::to_string(n_extra));
      const int32_t n_users = 9308, n_items = 6710;
      // Power-law ids: id = n * u^3 puts most draws on the first ids.
      auto draw = [&](int32_t n) { return static_cast<int32_t>(n * std::pow(unit(rng), 3.0)) % n; };
      std::vector<int32_t> users, pos, neg, extra;
      for (int64_t i = 0; i < b; ++i) {
        users.push_back(draw(n_users));
        pos.push_back(draw(n_items));
        neg.push_back(static_cast<int32_t>(rng() % n_items));
      }
      for (int64_t i = 0; i < n_extra; ++i) extra.push_back(static_cast<int32_t>(rng() % n_items));
      const kernels::BatchRowsInput in{b, users.data(), pos.data(), neg.data(), n_extra, extra.data(), n_users,
                                       n_users, n_items};
      const auto room = kernels::padded_batch_row_sizes(in);
      std::vector<int32_t> rows(static_cast<size_t>(room.total()), 7),
          counts(static_cast<size_t>(room.users + room.pos_items), 7);
      kernels::batch_rows_padded_cpu(in, rows.data(), counts.data());
      DeviceArray<int32_t> du(users), dp(pos), dn(neg), de(extra);
      // Filled with 7, not the poison -1, which is the padding's id.
      DeviceArray<int32_t> drows(std::vector<int32_t>(rows.size(), 7)), dcounts(std::vector<int32_t>(counts.size(), 7));
      detail::DeviceBuffer<char> scratch(kernels::batch_rows_cuda_scratch_bytes(b, n_extra), "test scratch");
      kernels::batch_rows_padded_cuda({b, du.get(), dp.get(), dn.get(), n_extra, de.get(), n_users, n_users, n_items},
                                      drows.get(), dcounts.get(), scratch.get(), nullptr);
      EXPECT_EQ(drows.host(), rows);
      EXPECT_EQ(dcounts.host(), counts);
    }
  }
}

}  // namespace
}  // namespace mmgraph
