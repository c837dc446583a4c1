// Partitions of users and items into blocks: every node in exactly one block, balanced
// contiguous boundaries, permutations, halo statistics equal to a brute force over the
// interactions, METIS reproducible and cutting fewer edges than id blocks on a clustered graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/src/partition.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"

namespace mmgraph {
namespace {

using detail::BlockOf;
using detail::HaloStats;
using detail::Partition;

const std::vector<std::string> kMethods = {"contiguous", "degree_relabel", "metis"};

struct Graph {
  int32_t users = 0, items = 0;
  InteractionCsr train;
};

// Users draw Pareto-like many items (a few hubs); one user in `empty_every` and the items
// above items * 0.9 have no interaction.
Graph random_graph(int32_t users, int32_t items, uint64_t seed, int empty_every = 5) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int32_t used_items = std::max(1, items * 9 / 10);
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (int32_t u = 0; u < users; ++u) {
    if (u % empty_every == empty_every - 1) continue;
    const int n = std::min<int>(used_items, static_cast<int>(1.0 / std::pow(1.0 - unit(rng) * 0.99, 1.2)));
    for (int k = 0; k < n; ++k) {
      // Item popularity skewed towards low ids: item hubs too.
      const int32_t i = static_cast<int32_t>(used_items * unit(rng) * unit(rng));
      pairs.emplace_back(u, i);
    }
  }
  return {users, items, interactions_from_pairs(users, std::move(pairs))};
}

std::vector<int64_t> item_degrees(const Graph& g) {
  std::vector<int64_t> d(static_cast<size_t>(g.items), 0);
  for (int32_t i : g.train.col) ++d[i];
  return d;
}

std::vector<int64_t> user_degrees(const Graph& g) {
  std::vector<int64_t> d(static_cast<size_t>(g.users));
  for (int32_t u = 0; u < g.users; ++u) d[u] = g.train.row_ptr[u + 1] - g.train.row_ptr[u];
  return d;
}

void expect_permutation(const std::vector<int32_t>& order, int32_t n) {
  if (order.empty()) return;  // identity
  std::vector<int32_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int32_t> ids(static_cast<size_t>(n));
  std::iota(ids.begin(), ids.end(), 0);
  EXPECT_EQ(sorted, ids);
}

// Every block's (degree + 1) sum is within one heaviest node of 1/P of the total:
// |P * load - total| <= P * max(degree + 1).
void expect_balanced(const std::vector<int64_t>& degree, const std::vector<int64_t>& bounds, int parts) {
  int64_t total = 0, heaviest = 0;
  for (int64_t d : degree) {
    total += d + 1;
    heaviest = std::max(heaviest, d + 1);
  }
  for (int r = 0; r < parts; ++r) {
    int64_t load = 0;
    for (int64_t v = bounds[r]; v < bounds[r + 1]; ++v) load += degree[v] + 1;
    EXPECT_LE(std::abs(parts * load - total), parts * heaviest) << "block " << r << " of " << parts;
  }
}

// The halo statistics by definition: sets of (rank, node) over every interaction.
std::vector<HaloStats> brute_force_halo(const Graph& g, const BlockOf& block, int parts) {
  std::vector<HaloStats> s(static_cast<size_t>(parts));
  std::vector<std::set<int32_t>> halo_users(parts), halo_items(parts);
  for (int32_t u = 0; u < g.users; ++u) ++s[block.user[u]].owned_users;
  for (int32_t i = 0; i < g.items; ++i) ++s[block.item[i]].owned_items;
  for (int32_t u = 0; u < g.users; ++u)
    for (int64_t k = g.train.row_ptr[u]; k < g.train.row_ptr[u + 1]; ++k) {
      const int32_t i = g.train.col[k];
      const int ru = block.user[u], ri = block.item[i];
      ++s[ru].owned_edges;
      ++s[ri].owned_edges;
      if (ru != ri) {
        ++s[ru].remote_edges;
        ++s[ri].remote_edges;
        halo_items[ru].insert(i);  // user row u reads item i
        halo_users[ri].insert(u);  // item row i reads user u
      }
    }
  for (int r = 0; r < parts; ++r) {
    s[r].halo_users = static_cast<int64_t>(halo_users[r].size());
    s[r].halo_items = static_cast<int64_t>(halo_items[r].size());
  }
  return s;
}

TEST(Partition, EveryNodeInExactlyOneBlock) {
  const Graph g = random_graph(53, 31, 7);
  for (const std::string& method : kMethods)
    for (int parts : {1, 2, 3, 5, 31}) {
      const Partition p = detail::partition_graph(g.train, g.users, g.items, parts, method);
      SCOPED_TRACE(method + " P=" + std::to_string(parts));
      EXPECT_EQ(p.method, method);
      EXPECT_EQ(p.parts, parts);
      ASSERT_EQ(p.user_bounds.size(), static_cast<size_t>(parts) + 1);
      ASSERT_EQ(p.item_bounds.size(), static_cast<size_t>(parts) + 1);
      EXPECT_TRUE(std::is_sorted(p.user_bounds.begin(), p.user_bounds.end()));
      EXPECT_TRUE(std::is_sorted(p.item_bounds.begin(), p.item_bounds.end()));
      expect_permutation(p.user_order, g.users);
      expect_permutation(p.item_order, g.items);
      const BlockOf block = detail::block_of_nodes(p, g.users, g.items);  // throws on a node in two blocks
      EXPECT_EQ(std::count(block.user.begin(), block.user.end(), -1), 0);
      EXPECT_EQ(std::count(block.item.begin(), block.item.end(), -1), 0);
    }
}

TEST(Partition, ContiguousIsIdentityAndBalancesDegreePlusOne) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Graph g = random_graph(40 + static_cast<int32_t>(seed) * 7, 12 + static_cast<int32_t>(seed) * 3, seed);
    for (int parts : {1, 2, 3, 4, 7, 12}) {
      const Partition p = detail::partition_graph(g.train, g.users, g.items, parts, "contiguous");
      SCOPED_TRACE("seed " + std::to_string(seed) + " P=" + std::to_string(parts));
      EXPECT_TRUE(p.user_order.empty());
      EXPECT_TRUE(p.item_order.empty());
      expect_balanced(user_degrees(g), p.user_bounds, parts);
      expect_balanced(item_degrees(g), p.item_bounds, parts);
    }
  }
}

TEST(Partition, ContiguousBoundsOfEqualWeightsAreExact) {
  // 12 users of degree 1 each (weight 2) into 4 blocks: 3 users per block.
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (int32_t u = 0; u < 12; ++u) pairs.emplace_back(u, u % 4);
  const InteractionCsr train = interactions_from_pairs(12, pairs);
  const Partition p = detail::partition_graph(train, 12, 4, 4, "contiguous");
  EXPECT_EQ(p.user_bounds, (std::vector<int64_t>{0, 3, 6, 9, 12}));
  EXPECT_EQ(p.item_bounds, (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(Partition, BlocksAreNonEmptyAndDegreeRelabelCountsAreEven) {
  const Graph g = random_graph(101, 37, 3);
  for (const std::string method : {"contiguous", "degree_relabel"})
    for (int parts : {2, 4, 8, 37}) {
      const Partition p = detail::partition_graph(g.train, g.users, g.items, parts, method);
      SCOPED_TRACE(method + " P=" + std::to_string(parts));
      for (const auto* bounds : {&p.user_bounds, &p.item_bounds})
        for (int r = 0; r < parts; ++r) {
          const int64_t size = (*bounds)[r + 1] - (*bounds)[r];
          EXPECT_GE(size, 1);
          if (method == "degree_relabel") {
            EXPECT_GE(size, (*bounds).back() / parts);
            EXPECT_LE(size, ((*bounds).back() + parts - 1) / parts);
          }
        }
    }
}

TEST(Partition, DegreeRelabelBalancesDegreePlusOneInNewIds) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Graph g = random_graph(40 + static_cast<int32_t>(seed) * 7, 12 + static_cast<int32_t>(seed) * 3, seed);
    for (int parts : {2, 3, 4, 7}) {
      const Partition p = detail::partition_graph(g.train, g.users, g.items, parts, "degree_relabel");
      SCOPED_TRACE("seed " + std::to_string(seed) + " P=" + std::to_string(parts));
      const auto relabelled = [](const std::vector<int64_t>& degree, const std::vector<int32_t>& order) {
        std::vector<int64_t> d(order.size());
        for (size_t v = 0; v < order.size(); ++v) d[v] = degree[order[v]];
        return d;
      };
      expect_balanced(relabelled(user_degrees(g), p.user_order), p.user_bounds, parts);
      expect_balanced(relabelled(item_degrees(g), p.item_order), p.item_bounds, parts);
    }
  }
}

TEST(Partition, DegreeRelabelSpreadsHubs) {
  // Users 0..3 are hubs (degree 10); 12 others have degree 1: with 4 blocks each block gets one hub.
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (int32_t u = 0; u < 4; ++u)
    for (int32_t i = 0; i < 10; ++i) pairs.emplace_back(u, i);
  for (int32_t u = 4; u < 16; ++u) pairs.emplace_back(u, u % 10);
  const InteractionCsr train = interactions_from_pairs(16, pairs);
  const Partition p = detail::partition_graph(train, 16, 10, 4, "degree_relabel");
  const BlockOf block = detail::block_of_nodes(p, 16, 10);
  std::set<int32_t> hub_blocks(block.user.begin(), block.user.begin() + 4);
  EXPECT_EQ(hub_blocks.size(), 4u);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(p.user_bounds[r + 1] - p.user_bounds[r], 4);
}

TEST(Partition, HaloStatsEqualBruteForce) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const Graph g = random_graph(60 + static_cast<int32_t>(seed) * 11, 25 + static_cast<int32_t>(seed) * 5, seed, 4);
    for (const std::string& method : kMethods)
      for (int parts : {1, 2, 3, 6}) {
        SCOPED_TRACE(method + " seed " + std::to_string(seed) + " P=" + std::to_string(parts));
        const Partition p = detail::partition_graph(g.train, g.users, g.items, parts, method);
        const std::vector<HaloStats> got = detail::halo_stats(g.train, g.users, g.items, p);
        const std::vector<HaloStats> want = brute_force_halo(g, detail::block_of_nodes(p, g.users, g.items), parts);
        ASSERT_EQ(got.size(), want.size());
        int64_t cut = 0, halo_rows = 0, not_owned = 0;
        for (int r = 0; r < parts; ++r) {
          EXPECT_EQ(got[r].owned_users, want[r].owned_users) << "rank " << r;
          EXPECT_EQ(got[r].owned_items, want[r].owned_items) << "rank " << r;
          EXPECT_EQ(got[r].owned_edges, want[r].owned_edges) << "rank " << r;
          EXPECT_EQ(got[r].remote_edges, want[r].remote_edges) << "rank " << r;
          EXPECT_EQ(got[r].halo_users, want[r].halo_users) << "rank " << r;
          EXPECT_EQ(got[r].halo_items, want[r].halo_items) << "rank " << r;
          cut += want[r].remote_edges;
          halo_rows += want[r].halo_users + want[r].halo_items;
          not_owned += g.users + g.items - want[r].owned_users - want[r].owned_items;
        }
        // Each cut interaction is counted at its user's rank and at its item's rank.
        EXPECT_EQ(detail::edge_cut(got), cut / 2);
        EXPECT_EQ(detail::halo_exchange_bytes(got, 64), halo_rows * 64 * 4);
        EXPECT_EQ(detail::all_gather_bytes(got, 64), not_owned * 64 * 4);
      }
  }
}

TEST(Partition, OneBlockHasNoHalo) {
  const Graph g = random_graph(70, 30, 5);
  for (const std::string& method : kMethods) {
    const Partition p = detail::partition_graph(g.train, g.users, g.items, 1, method);
    const std::vector<HaloStats> s = detail::halo_stats(g.train, g.users, g.items, p);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].owned_users, g.users);
    EXPECT_EQ(s[0].owned_items, g.items);
    EXPECT_EQ(s[0].owned_edges, 2 * g.train.nnz());
    EXPECT_EQ(s[0].halo_rows(), 0);
    EXPECT_EQ(detail::edge_cut(s), 0);
    EXPECT_EQ(detail::halo_exchange_bytes(s, 64), 0);
    EXPECT_EQ(detail::all_gather_bytes(s, 64), 0);
  }
}

TEST(Partition, BadRequestsAreInputErrors) {
  const Graph g = random_graph(20, 6, 2);
  for (const std::string& method : kMethods) {
    EXPECT_THROW(detail::partition_graph(g.train, g.users, g.items, 0, method), InputError);
    EXPECT_THROW(detail::partition_graph(g.train, g.users, g.items, -2, method), InputError);
    // More blocks than items (6), fewer than users (20): a block would hold no item.
    EXPECT_THROW(detail::partition_graph(g.train, g.users, g.items, 7, method), InputError);
    EXPECT_NO_THROW(detail::partition_graph(g.train, g.users, g.items, 6, method));
  }
  try {
    detail::partition_graph(g.train, g.users, g.items, 2, "random");
    FAIL() << "an unknown method was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("random"), std::string::npos) << e.what();
  }
}

TEST(Partition, MetisIsReproducible) {
  const Graph g = random_graph(400, 150, 11);
  for (int parts : {2, 4, 8}) {
    const Partition a = detail::partition_graph(g.train, g.users, g.items, parts, "metis");
    const Partition b = detail::partition_graph(g.train, g.users, g.items, parts, "metis");
    EXPECT_EQ(a.user_order, b.user_order);
    EXPECT_EQ(a.item_order, b.item_order);
    EXPECT_EQ(a.user_bounds, b.user_bounds);
    EXPECT_EQ(a.item_bounds, b.item_bounds);
  }
}

TEST(Partition, MetisCutsFewerEdgesThanIdBlocksOnPlantedClusters) {
  // 4 clusters with interleaved ids (user u and item i in cluster id % 4); 95% of a user's
  // items lie in its own cluster. Blocks of ids mix the clusters, METIS should find them.
  constexpr int kClusters = 4;
  const int32_t users = 800, items = 400;
  std::mt19937_64 rng(5);
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (int32_t u = 0; u < users; ++u)
    for (int k = 0; k < 8; ++k) {
      const int32_t slot = static_cast<int32_t>(rng() % (items / kClusters));
      const bool inside = rng() % 100 < 95;
      const int32_t cluster = inside ? u % kClusters : static_cast<int32_t>(rng() % kClusters);
      pairs.emplace_back(u, slot * kClusters + cluster);
    }
  const InteractionCsr train = interactions_from_pairs(users, pairs);
  const auto cut = [&](const std::string& method) {
    const Partition p = detail::partition_graph(train, users, items, kClusters, method);
    return detail::edge_cut(detail::halo_stats(train, users, items, p));
  };
  const int64_t metis = cut("metis"), contiguous = cut("contiguous");
  EXPECT_LE(metis, contiguous);
  EXPECT_LT(metis, train.nnz() / 5) << "contiguous cut " << contiguous << " of " << train.nnz();
}

}  // namespace
}  // namespace mmgraph
