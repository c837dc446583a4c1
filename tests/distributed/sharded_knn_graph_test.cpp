// The item-item kNN graph built over P real processes (mpirun, P = 2, 3, 4): each rank holds only its
// block of the features, the blocks pass round the ring, and each rank's rows of the normalised graph
// must equal the rows of the graph one process builds from all features, bit for bit (columns and
// values), weighted and unweighted. The features have power-law norms, duplicated rows (exact ties)
// and a zero row; the blocks are uneven (one empty for P = 4, cuts inside and at the 512-row and
// 1024-column tiles), and the ring runs in one message per block and in messages of a few rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/models/blocks/item_graph.h"
#include "engine/src/launch.h"
#include "engine/src/resources.h"
#include "support/knn_check.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

// Long enough for four processes sharing two cores; a test that hangs fails through it.
constexpr double kTimeoutSeconds = 60.0;

// The processes of this run, on the CPU device.
struct Processes {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  detail::Resources res{*dev, detail::make_communicator(*dev, detail::detect_launch(), kTimeoutSeconds)};
};

// Uneven item blocks of n items over p ranks: fixed cuts for p = 2, 3, 4 (an empty block for 4) when
// they lie inside the n items; an even split otherwise.
detail::ShardLayout uneven_layout(int rank, int p, int64_t n) {
  const std::vector<std::vector<int64_t>> fixed = {{}, {}, {517}, {1, 1025}, {400, 400, 1100}};
  std::vector<int64_t> cuts = p < static_cast<int>(fixed.size()) ? fixed[p] : std::vector<int64_t>{};
  if (cuts.empty() || cuts.back() > n) {
    cuts.clear();
    for (int r = 1; r < p; ++r) cuts.push_back(n * r / p);
  }
  detail::ShardLayout layout;
  layout.rank = rank;
  layout.size = p;
  layout.item_bounds = {0};
  layout.item_bounds.insert(layout.item_bounds.end(), cuts.begin(), cuts.end());
  layout.item_bounds.push_back(n);
  layout.user_bounds.assign(static_cast<size_t>(p) + 1, 0);
  return layout;
}

// A seed drawn on rank 0, the same on every rank.
uint64_t shared_seed(detail::Resources& res) {
  detail::Buffer<int64_t> seed = detail::Buffer<int64_t>::from_host(
      res.device(), {static_cast<int64_t>(testing::fresh_seed() >> 1)}, "seed");
  res.comm().broadcast(seed.data(), 1, 0, detail::CommType::kInt64);
  return static_cast<uint64_t>(seed.to_host()[0]);
}

void expect_rows_of_whole_graph(const kernels::CsrHost& rows, const kernels::CsrHost& whole, int64_t first,
                                int64_t count) {
  ASSERT_EQ(rows.n_rows, count);
  ASSERT_EQ(rows.n_cols, whole.n_cols);
  const int64_t e0 = whole.row_ptr[first];
  for (int64_t r = 0; r <= count; ++r)
    ASSERT_EQ(rows.row_ptr[r], whole.row_ptr[first + r] - e0) << "row " << first + r;
  ASSERT_EQ(rows.col.size(), rows.val.size());
  EXPECT_TRUE(std::equal(rows.col.begin(), rows.col.end(), whole.col.begin() + e0));
  if (!rows.val.empty()) {  // a rank with no rows (an empty block) has no values to compare
    EXPECT_EQ(std::memcmp(rows.val.data(), whole.val.data() + e0, rows.val.size() * sizeof(float)), 0);
  }
}

// Every rank's rows of the sharded graph against the one-process graph of all features.
void expect_sharded_equals_whole(int64_t n, int64_t dim, int k) {
  Processes run;
  const int rank = run.res.comm().rank(), p = run.res.comm().size();
  const uint64_t seed = shared_seed(run.res);
  SCOPED_TRACE("rank " + std::to_string(rank) + " of " + std::to_string(p) + ", n " + std::to_string(n) + " dim " +
               std::to_string(dim) + " k " + std::to_string(k) + " seed " + std::to_string(seed));
  const std::vector<float> f = testing::knn_features(n, dim, seed, n / 3);
  const detail::ShardLayout layout = uneven_layout(rank, p, n);
  const int64_t first = layout.item_bounds[rank], count = layout.item_bounds[rank + 1] - first;
  const detail::Buffer<float> all = detail::Buffer<float>::from_host(*run.dev, f, "all features");
  const detail::Buffer<float> owned = detail::Buffer<float>::from_host(
      *run.dev, std::vector<float>(f.begin() + first * dim, f.begin() + (first + count) * dim), "owned features");
  for (bool weighted : {true, false}) {
    SCOPED_TRACE(weighted ? "weighted" : "unweighted");
    const kernels::CsrHost whole = detail::knn_item_graph(*run.dev, all.data(), n, dim, k, weighted);
    for (int64_t message_rows : {int64_t{0}, int64_t{37}}) {
      SCOPED_TRACE("message rows " + std::to_string(message_rows));
      const kernels::CsrHost rows =
          detail::sharded_knn_item_graph(run.res, layout, owned.data(), dim, k, weighted, message_rows);
      expect_rows_of_whole_graph(rows, whole, first, count);
    }
  }
}

TEST(ShardedKnnItemGraph, RanksRowsEqualTheOneProcessGraph) { expect_sharded_equals_whole(1300, 24, 10); }

TEST(ShardedKnnItemGraph, LargeKAndDimOne) { expect_sharded_equals_whole(1300, 1, 128); }

TEST(ShardedKnnItemGraph, FewerItemsThanK) { expect_sharded_equals_whole(7, 5, 10); }

TEST(ShardedKnnItemGraph, RejectsALayoutOfAnotherRank) {
  Processes run;
  const int p = run.res.comm().size();
  const detail::ShardLayout layout = uneven_layout((run.res.comm().rank() + 1) % p, p, 100);
  EXPECT_THROW(detail::sharded_knn_item_graph(run.res, layout, nullptr, 4, 3, true), Error);
}

}  // namespace
}  // namespace mmgraph
