#pragma once
// Hand-made and random data sets for the evaluation and recommendation tests:
// splits as one set of items per user, turned into a Dataset.
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "mmgraph/dataset.h"

namespace mmgraph::testing {

inline InteractionCsr csr_from(const std::vector<std::set<int32_t>>& rows) {
  InteractionCsr c;
  c.row_ptr.push_back(0);
  for (const auto& r : rows) {
    c.col.insert(c.col.end(), r.begin(), r.end());
    c.row_ptr.push_back(static_cast<int64_t>(c.col.size()));
  }
  return c;
}

struct SplitSets {
  std::vector<std::set<int32_t>> train, valid, test;  // [n_users] each
  explicit SplitSets(int32_t n_users) : train(n_users), valid(n_users), test(n_users) {}
  // n random items for user u, 60% to train, 20% to valid, 20% to test; an item
  // the user already has in any split is skipped (so the user may get fewer).
  void draw(int32_t u, int n, int32_t n_items, std::mt19937_64& rng) {
    for (int k = 0; k < n; ++k) {
      const int32_t i = static_cast<int32_t>(rng() % n_items);
      const int which = static_cast<int>(rng() % 10);
      if (train[u].count(i) || valid[u].count(i) || test[u].count(i)) continue;
      (which < 6 ? train : which < 8 ? valid : test)[u].insert(i);
    }
  }
  Dataset dataset(int32_t n_items) const {
    Dataset data;
    data.n_users = static_cast<int32_t>(train.size());
    data.n_items = n_items;
    data.train = csr_from(train);
    data.valid = csr_from(valid);
    data.test = csr_from(test);
    return data;
  }
};

// Small integers in [-2, 2]: dot products of a few of them are exact in float
// and often tie.
inline std::vector<float> coarse_values(size_t n, std::mt19937_64& rng) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(static_cast<int>(rng() % 5) - 2);
  return v;
}

}  // namespace mmgraph::testing
