#pragma once
// A pruning input with a tie at the selection boundary, for the CPU and GPU tests
// of kernels/edge_prune.h: n users, user u has item u alone (every degree is 1, so
// an edge's key is log U), and an epoch in which two edges draw the same Philox
// uniform, hence equal keys; n_keep puts the boundary between the two, so that
// exactly one of them (the lower edge index, `first`) is kept.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "kernels/edge_prune_rule.h"

namespace mmgraph::testing {

struct TiedPruneKeys {
  int32_t n = 0;
  std::vector<int64_t> row_ptr;
  std::vector<int32_t> col;
  uint64_t seed = 0, epoch = 0;
  int64_t first = 0, second = 0, n_keep = 0;
};

// 2^17 edges draw about two colliding uniforms per epoch: the first epoch with one
// is usually 0 or 1.
inline TiedPruneKeys find_tied_prune_keys(uint64_t seed) {
  TiedPruneKeys t;
  t.n = 1 << 17;
  t.seed = seed;
  t.row_ptr.resize(static_cast<size_t>(t.n) + 1);
  std::iota(t.row_ptr.begin(), t.row_ptr.end(), int64_t{0});
  t.col.resize(static_cast<size_t>(t.n));
  std::iota(t.col.begin(), t.col.end(), 0);
  std::vector<double> key(static_cast<size_t>(t.n));
  std::vector<int64_t> order(static_cast<size_t>(t.n));
  for (uint64_t epoch = 0;; ++epoch) {
    for (int64_t k = 0; k < t.n; ++k) key[static_cast<size_t>(k)] = kernels::prune_key(seed, epoch, k, 1, 1);
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return key[static_cast<size_t>(a)] > key[static_cast<size_t>(b)]; });
    for (size_t j = 0; j + 1 < order.size(); ++j)
      if (key[static_cast<size_t>(order[j])] == key[static_cast<size_t>(order[j + 1])]) {
        t.epoch = epoch;
        t.first = order[j];
        t.second = order[j + 1];
        t.n_keep = static_cast<int64_t>(j) + 1;
        return t;
      }
  }
}

}  // namespace mmgraph::testing
