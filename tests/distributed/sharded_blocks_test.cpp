// The blocks a sharded model computes through, over P real processes (mpirun, P = 2, 3, 4) on
// uneven item blocks (one empty at P = 4): OwnerGather against the rows themselves, with repeated
// ids and padded rows (-1), and the item-item graph's products S^L x and (S^T)^L g against one
// process's, bit for bit, on a power-law graph with empty rows, a hub row and a width that is not
// a multiple of the vector width.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/owner_gather.h"
#include "engine/src/launch.h"
#include "engine/src/resources.h"
#include "engine/src/shard_layout.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

constexpr double kTimeoutSeconds = 60.0;
constexpr int64_t kUsers = 9;

// A run of P processes on the CPU device with a layout of n items (fixed uneven cuts, an empty
// block at P = 4) and kUsers users, and the context a model of it gets (Â without edges).
struct ShardedRun {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  detail::Resources res{*dev, detail::make_communicator(*dev, detail::detect_launch(), kTimeoutSeconds)};
  detail::ShardLayout layout;
  std::optional<detail::ShardedGraph> graph;
  detail::ModelContext ctx;
  explicit ShardedRun(int64_t n) {
    const int p = res.comm().size();
    layout.rank = res.comm().rank();
    layout.size = p;
    const std::vector<std::vector<int64_t>> cuts = {{}, {}, {n / 3}, {1, n / 2}, {n / 4, n / 4, n - 5}};
    layout.item_bounds = {0};
    for (int64_t c : cuts.at(static_cast<size_t>(p))) layout.item_bounds.push_back(c);
    layout.item_bounds.push_back(n);
    for (int r = 0; r <= p; ++r) layout.user_bounds.push_back(kUsers * r / p);
    kernels::CsrHost empty;
    empty.n_rows = empty.n_cols = kUsers + n;
    empty.row_ptr.assign(static_cast<size_t>(kUsers + n + 1), 0);
    graph = detail::shard_graph(layout, empty, kUsers, n);
    ctx.resources = &res;
    ctx.nodes = &graph->nodes;
    ctx.layout = &layout;
    ctx.sharded = &*graph;
  }
  int64_t first() const { return layout.item_bounds[static_cast<size_t>(layout.rank)]; }
  int64_t count() const { return layout.item_bounds[static_cast<size_t>(layout.rank) + 1] - first(); }
};

std::vector<float> random_values(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(ShardedBlocks, OwnerGatherReadsAndAddsTheOwnersRows) {
  const int64_t n = 50, w = 3;
  ShardedRun run(n);
  SCOPED_TRACE("rank " + std::to_string(run.layout.rank) + " of " + std::to_string(run.layout.size));
  // Item i's row holds 1000 i + c; this process's rows of that table.
  std::vector<float> owned(static_cast<size_t>(run.count() * w));
  for (int64_t i = 0; i < run.count(); ++i)
    for (int64_t c = 0; c < w; ++c) owned[static_cast<size_t>(i * w + c)] = static_cast<float>(1000 * (run.first() + i) + c);
  // A list with repeats and padded rows, the same on every process.
  std::vector<int32_t> ids;
  std::mt19937 rng(5);
  for (int k = 0; k < 40; ++k) ids.push_back(k % 7 == 3 ? -1 : static_cast<int32_t>(rng() % n));
  ids.push_back(static_cast<int32_t>(n - 1));
  ids.push_back(static_cast<int32_t>(n - 1));
  detail::OwnerGather gather(run.ctx, detail::NodeKind::kItem);
  gather.plan(ids);
  ASSERT_EQ(gather.size(), static_cast<int64_t>(ids.size()));
  const auto table = detail::Buffer<float>::from_host(*run.dev, owned, "owned rows");
  detail::Buffer<float> out(*run.dev, ids.size() * w, "gathered rows");
  gather.gather(table.data(), w, out.data());
  const std::vector<float> got = out.to_host();
  for (size_t k = 0; k < ids.size(); ++k)
    for (int64_t c = 0; c < w; ++c)
      EXPECT_EQ(got[k * w + static_cast<size_t>(c)], ids[k] < 0 ? 0.0f : static_cast<float>(1000 * ids[k] + c))
          << "list place " << k;
  // Each place adds (place + 1) to its id's row: an owned row receives the sum over its places.
  std::vector<float> rows(ids.size() * w), want(static_cast<size_t>(run.count() * w), 0.0f);
  for (size_t k = 0; k < ids.size(); ++k)
    for (int64_t c = 0; c < w; ++c) {
      rows[k * w + static_cast<size_t>(c)] = static_cast<float>(k + 1);
      if (ids[k] >= run.first() && ids[k] < run.first() + run.count())
        want[static_cast<size_t>((ids[k] - run.first()) * w + c)] += static_cast<float>(k + 1);
    }
  auto sums = detail::Buffer<float>::zeros(*run.dev, want.size(), "sums");
  gather.scatter_add(detail::Buffer<float>::from_host(*run.dev, rows, "rows").data(), w, sums.data());
  EXPECT_EQ(sums.to_host(), want);
}

// This process's rows of S^layers x and of (S^T)^layers g (added onto base) through a sharded
// ItemGraph, against one process's whole products, bit for bit.
void expect_products_of_one_process(ShardedRun& run, const detail::ItemGraph& sharded, const kernels::CsrHost& s, int64_t d) {
  const int64_t n = s.n_rows;
  const detail::ItemGraph whole(*run.dev, s);
  const std::vector<float> x = random_values(static_cast<size_t>(n * d), 11), base = random_values(x.size(), 12);
  auto rows_of = [&](const std::vector<float>& v) {
    return std::vector<float>(v.begin() + run.first() * d, v.begin() + (run.first() + run.count()) * d);
  };
  for (int layers : {1, 2, 3}) {
    SCOPED_TRACE("layers " + std::to_string(layers));
    detail::Buffer<float> out(*run.dev, x.size(), "out"), work(*run.dev, 2 * x.size(), "work");
    const auto all_x = detail::Buffer<float>::from_host(*run.dev, x, "x");
    whole.forward(layers, d, all_x.data(), out.data(), work.data());
    auto grad = detail::Buffer<float>::from_host(*run.dev, base, "grad");
    whole.backward(layers, d, all_x.data(), grad.data(), work.data());

    const std::vector<float> mine = rows_of(x);
    const auto own_x = detail::Buffer<float>::from_host(*run.dev, mine, "own x");
    detail::Buffer<float> own_out(*run.dev, mine.size(), "own out"), own_work(*run.dev, 2 * mine.size(), "own work");
    sharded.forward(layers, d, own_x.data(), own_out.data(), own_work.data());
    EXPECT_EQ(own_out.to_host(), rows_of(out.to_host())) << "S^L x";
    auto own_grad = detail::Buffer<float>::from_host(*run.dev, rows_of(base), "own grad");
    sharded.backward(layers, d, own_x.data(), own_grad.data(), own_work.data());
    EXPECT_EQ(own_grad.to_host(), rows_of(grad.to_host())) << "(S^T)^L g";
  }
}

TEST(ShardedBlocks, ItemGraphProductsEqualOneProcesses) {
  const int64_t n = 301;
  ShardedRun run(n);
  SCOPED_TRACE("rank " + std::to_string(run.layout.rank) + " of " + std::to_string(run.layout.size));
  const kernels::CsrHost s = testing::random_csr(n, n, 6.0, 21, /*hub_row=*/n / 2, /*hub_len=*/n / 2);
  // This process's rows of S (global columns), as a model's kNN build gives them.
  kernels::CsrHost rows;
  rows.n_rows = run.count();
  rows.n_cols = n;
  rows.row_ptr.push_back(0);
  for (int64_t r = run.first(); r < run.first() + run.count(); ++r) {
    for (int64_t e = s.row_ptr[static_cast<size_t>(r)]; e < s.row_ptr[static_cast<size_t>(r) + 1]; ++e) {
      rows.col.push_back(s.col[static_cast<size_t>(e)]);
      rows.val.push_back(s.val[static_cast<size_t>(e)]);
    }
    rows.row_ptr.push_back(static_cast<int64_t>(rows.col.size()));
  }
  EXPECT_EQ(detail::whole_item_graph(run.ctx, rows).col, s.col);
  for (int64_t d : {int64_t{7}, int64_t{64}}) {
    SCOPED_TRACE("d " + std::to_string(d));
    expect_products_of_one_process(run, detail::ItemGraph(run.ctx, rows), s, d);
    expect_products_of_one_process(run, detail::ItemGraph::of_whole(run.ctx, s), s, d);
  }
}

}  // namespace
}  // namespace mmgraph
