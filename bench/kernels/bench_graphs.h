#pragma once
// Benchmark inputs: LightGCN adjacencies at the sizes of the field's data sets
// (Baby from the shared data set when present, otherwise synthetic of the same
// size) and a synthetic power-law matrix of 10^8 non-zeros.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "kernels/graph_build.h"
#include "kernels/spmm.h"

namespace mmgraph::bench {

struct GraphSpec {
  const char* name;
  int32_t users, items;
  int64_t interactions;
};

// Baby (160k interactions), Gowalla-like (1M), Elec-like (1.7M).
inline const GraphSpec kGraphs[] = {
    {"baby", 19445, 7050, 160792},
    {"gowalla", 29858, 40981, 1027370},
    {"elec", 192403, 63001, 1689188},
};

// LightGCN normalised adjacency of a graph spec (built once, cached).
const kernels::CsrHost& lightgcn_adjacency(const GraphSpec& g);

// Square power-law matrix: row lengths ~ Pareto (tail index 1.5, capped at
// 10^5), random columns, values 1/len. Deterministic by seed.
kernels::CsrHost power_law_matrix(int64_t n, int64_t nnz_target, uint64_t seed);

// The same matrix with one row in `every` emptied, either the last n / every rows (a
// block, as items without training interactions may be numbered) or rows every-1,
// 2 every-1, ... (spread): the two cost the same work, so their times compare how
// the SpMM handles runs of empty rows.
kernels::CsrHost with_empty_rows(const kernels::CsrHost& a, int64_t every, bool as_block);

}  // namespace mmgraph::bench
