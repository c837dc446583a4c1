// Benchmark graphs (compiled by the host compiler, with OpenMP).
#include "bench_graphs.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "mmgraph/dataset.h"
#include "mmgraph/synthetic.h"

namespace mmgraph::bench {

const kernels::CsrHost& lightgcn_adjacency(const GraphSpec& g) {
  static std::map<std::string, kernels::CsrHost> cache;
  auto it = cache.find(g.name);
  if (it != cache.end()) return it->second;
  Dataset d;
  const std::string baby = std::string(MMGRAPH_SOURCE_DIR) + "/../shared/datasets/amazon-baby";
  if (std::string(g.name) == "baby" && std::filesystem::exists(baby)) {
    d = load_dataset(baby);
  } else {
    SyntheticOptions s;
    s.users = g.users;
    s.items = g.items;
    s.interactions = g.interactions;
    s.image_dim = s.text_dim = 0;
    d = make_synthetic_dataset(s);
  }
  return cache[g.name] = kernels::normalized_bipartite_adjacency_cpu(d.n_users, d.n_items, d.train.row_ptr.data(),
                                                                      d.train.col.data());
}

kernels::CsrHost power_law_matrix(int64_t n, int64_t nnz_target, uint64_t seed) {
  kernels::CsrHost a;
  a.n_rows = a.n_cols = n;
  a.row_ptr.assign(static_cast<size_t>(n) + 1, 0);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double mean = static_cast<double>(nnz_target) / static_cast<double>(n);
  for (int64_t r = 0; r < n; ++r) {
    const double len = mean / 3.0 * std::pow(1.0 - unit(rng), -1.0 / 1.5);  // Pareto, tail index 1.5
    a.row_ptr[r + 1] = a.row_ptr[r] + std::min<int64_t>(static_cast<int64_t>(len), 100000);
  }
  const int64_t nnz = a.row_ptr[n];
  a.col.resize(static_cast<size_t>(nnz));
  a.val.resize(static_cast<size_t>(nnz));
#pragma omp parallel
  {
    std::mt19937_64 local(seed + 1 + static_cast<uint64_t>(omp_get_thread_num()));
#pragma omp for schedule(dynamic, 4096)
    for (int64_t r = 0; r < n; ++r) {
      const int64_t len = a.row_ptr[r + 1] - a.row_ptr[r];
      for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
        a.col[k] = static_cast<int32_t>(local() % static_cast<uint64_t>(n));
        a.val[k] = 1.0f / static_cast<float>(len);
      }
    }
  }
  return a;
}

kernels::CsrHost with_empty_rows(const kernels::CsrHost& a, int64_t every, bool as_block) {
  kernels::CsrHost b;
  b.n_rows = a.n_rows;
  b.n_cols = a.n_cols;
  b.row_ptr.assign(1, 0);
  const int64_t first_empty = a.n_rows - a.n_rows / every;
  for (int64_t r = 0; r < a.n_rows; ++r) {
    const bool empty = as_block ? r >= first_empty : r % every == every - 1;
    if (!empty) {
      b.col.insert(b.col.end(), a.col.begin() + a.row_ptr[r], a.col.begin() + a.row_ptr[r + 1]);
      b.val.insert(b.val.end(), a.val.begin() + a.row_ptr[r], a.val.begin() + a.row_ptr[r + 1]);
    }
    b.row_ptr.push_back(static_cast<int64_t>(b.col.size()));
  }
  return b;
}

}  // namespace mmgraph::bench
