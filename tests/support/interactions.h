#pragma once
// A small fixed training set for the sampler tests: 50 users, 40 items, user u
// has seen item i when (7u + 3i) % 5 == 0, and user 3 has seen every item but 17.
#include <cstdint>
#include <vector>

#include "kernels/sampler.h"

namespace mmgraph::testing {

struct Interactions {
  int32_t users = 50, items = 40;
  std::vector<int64_t> row_ptr;
  std::vector<int32_t> col, pair_user;
  kernels::SamplerInputs inputs() const {
    return {static_cast<int64_t>(col.size()), pair_user.data(), col.data(), row_ptr.data(), col.data(), items};
  }
};

inline Interactions make_interactions() {
  Interactions x;
  x.row_ptr.push_back(0);
  for (int32_t u = 0; u < x.users; ++u) {
    for (int32_t i = 0; i < x.items; ++i)
      if ((u * 7 + i * 3) % 5 == 0 || (u == 3 && i != 17)) {
        x.col.push_back(i);
        x.pair_user.push_back(u);
      }
    x.row_ptr.push_back(static_cast<int64_t>(x.col.size()));
  }
  return x;
}

}  // namespace mmgraph::testing
