// CUDA twin of FREEDOM's degree-sensitive pruning and of the normalised adjacency
// of the kept edges (edge_prune.h): keys from the shared rule, the n_keep largest
// by CUB's stable descending radix sort (ties by the lower edge index, as the
// CPU's selection), the kept edges compacted in CSR order, their degrees counted
// with atomics and summed into row_ptr, and the item rows ordered by a stable
// radix sort by item (users ascending within an item, as the CPU fills them).
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <cub/device/device_select.cuh>

#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/edge_prune.h"
#include "kernels/edge_prune_rule.h"
#include "kernels/graph_build.h"
#include "kernels/spmm_chunks.h"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 256;

__device__ int64_t global_thread() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }

// The user (row) of training edge k: the last row starting at or before k.
__device__ int32_t user_of_edge(const int64_t* train_row_ptr, int32_t n_users, int64_t k) {
  const CsrView rows{n_users, 0, 0, train_row_ptr, nullptr, nullptr};
  return static_cast<int32_t>(csr_lower_bound_row(rows, k + 1) - 1);
}

// One thread per training edge: the item degrees of the full training graph.
__global__ void __launch_bounds__(kBlock)
    prune_item_degree(int64_t nnz, const int32_t* train_col, unsigned long long* item_degree) {
  const int64_t k = global_thread();
  if (k < nnz) atomicAdd(&item_degree[train_col[k]], 1ull);
}

// One thread per training edge (its user by binary search over row_ptr): the
// edge's key and its index, the pair the descending sort orders.
__global__ void __launch_bounds__(kBlock)
    prune_edge_keys(int32_t n_users, const int64_t* train_row_ptr, const int32_t* train_col, int64_t nnz,
                    const unsigned long long* item_degree, uint64_t seed, uint64_t epoch, double* key,
                    int64_t* edge) {
  const int64_t k = global_thread();
  if (k >= nnz) return;
  const int32_t u = user_of_edge(train_row_ptr, n_users, k);
  key[k] = prune_key(seed, epoch, k, train_row_ptr[u + 1] - train_row_ptr[u],
                     static_cast<int64_t>(item_degree[train_col[k]]));
  edge[k] = k;
}

// One thread per kept edge (the first n_keep of the sorted order): flag it.
__global__ void __launch_bounds__(kBlock) prune_flag_kept(int64_t n_keep, const int64_t* sorted_edge, char* kept) {
  const int64_t j = global_thread();
  if (j < n_keep) kept[sorted_edge[j]] = 1;
}

// One thread per kept edge, in CSR order: its user and item, counted into the
// kept graph's degrees (row_ptr[1 + u] and row_ptr[1 + U + i], summed later).
__global__ void __launch_bounds__(kBlock)
    prune_kept_degrees(int32_t n_users, const int64_t* train_row_ptr, const int32_t* train_col, int64_t n_keep,
                       const int64_t* kept_edge, int32_t* kept_user, int32_t* kept_item, int64_t* row_ptr) {
  const int64_t j = global_thread();
  if (j >= n_keep) return;
  const int64_t k = kept_edge[j];
  const int32_t u = user_of_edge(train_row_ptr, n_users, k);
  const int32_t i = train_col[k];
  kept_user[j] = u;
  kept_item[j] = i;
  auto* counts = reinterpret_cast<unsigned long long*>(row_ptr + 1);
  atomicAdd(&counts[u], 1ull);
  atomicAdd(&counts[static_cast<int64_t>(n_users) + i], 1ull);
}

// One thread per kept edge j: entry j of the user rows (kept edges in CSR order)
// and entry j of the item rows (kept edges sorted by item, users ascending).
__global__ void __launch_bounds__(kBlock)
    prune_write_adjacency(int32_t n_users, int64_t n_keep, const int32_t* kept_user, const int32_t* kept_item,
                          const int32_t* by_item_user, const int32_t* by_item_item, const int64_t* row_ptr,
                          int32_t* col, float* val) {
  const int64_t j = global_thread();
  if (j >= n_keep) return;
  auto degree = [row_ptr](int64_t r) { return row_ptr[r + 1] - row_ptr[r]; };
  const int32_t u = kept_user[j], i = kept_item[j];
  col[j] = n_users + i;
  val[j] = bipartite_edge_value(degree(u), degree(static_cast<int64_t>(n_users) + i));
  const int32_t v = by_item_user[j], t = by_item_item[j];
  col[n_keep + j] = v;
  val[n_keep + j] = bipartite_edge_value(degree(v), degree(static_cast<int64_t>(n_users) + t));
}

size_t align256(size_t x) { return (x + 255) / 256 * 256; }

// Scratch regions, 256-byte aligned. Four regions of 8 bytes per edge are reused
// once their first contents are dead:
//   a: keys (sort input)      -> kept flags [nnz] chars   -> item-sorted (user, item) [2 x nnz] int32
//   b: sorted keys            -> kept edges [nnz] int64 (CSR order)
//   c: edge indices 0..nnz-1  (sort input, then the input of the compaction)
//   d: sorted edge indices    -> kept (user, item) [2 x nnz] int32 in CSR order
// plus the item degrees [I], the compaction's count, and CUB's temporary storage.
struct ScratchLayout {
  size_t a, b, c, d, item_degree, n_selected, cub, half, total;
};

int item_bits(int32_t n_items) {
  int bits = 1;
  while (bits < 31 && (int64_t{1} << bits) < n_items) ++bits;
  return bits;
}

ScratchLayout scratch_layout(int32_t n_users, int32_t n_items, int64_t nnz) {
  const auto n = static_cast<size_t>(nnz);
  size_t sort_keys = 0, select = 0, scan = 0, sort_items = 0;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(
      nullptr, sort_keys, static_cast<const double*>(nullptr), static_cast<double*>(nullptr),
      static_cast<const int64_t*>(nullptr), static_cast<int64_t*>(nullptr), nnz));
  MMGRAPH_CUDA_CHECK(cub::DeviceSelect::Flagged(nullptr, select, static_cast<const int64_t*>(nullptr),
                                                static_cast<const char*>(nullptr), static_cast<int64_t*>(nullptr),
                                                static_cast<int64_t*>(nullptr), nnz));
  MMGRAPH_CUDA_CHECK(cub::DeviceScan::InclusiveSum(nullptr, scan, static_cast<int64_t*>(nullptr),
                                                   static_cast<int64_t*>(nullptr),
                                                   static_cast<int64_t>(n_users) + n_items));
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, sort_items, static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr),
      static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr), nnz, 0, item_bits(n_items)));
  ScratchLayout s{};
  s.half = align256(n * sizeof(int32_t));
  const size_t region = 2 * s.half;  // >= nnz * 8 bytes, and room for two aligned int32 arrays
  size_t at = 0;
  s.a = at;
  at += region;
  s.b = at;
  at += region;
  s.c = at;
  at += region;
  s.d = at;
  at += region;
  s.item_degree = at;
  at += align256(static_cast<size_t>(n_items) * sizeof(unsigned long long));
  s.n_selected = at;
  at += align256(sizeof(int64_t));
  s.cub = at;
  at += align256(std::max({sort_keys, select, scan, sort_items}));
  s.total = at;
  return s;
}

}  // namespace

size_t pruned_adjacency_cuda_scratch_bytes(int32_t n_users, int32_t n_items, int64_t nnz) {
  return scratch_layout(n_users, n_items, nnz).total;
}

void pruned_adjacency_cuda(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr, const int32_t* train_col,
                           int64_t nnz, int64_t n_keep, uint64_t seed, uint64_t epoch, int64_t* row_ptr,
                           int32_t* col, float* val, void* scratch, cudaStream_t stream) {
  n_keep = std::clamp<int64_t>(n_keep, 0, nnz);
  const int64_t n_rows = static_cast<int64_t>(n_users) + n_items;
  MMGRAPH_CUDA_CHECK(cudaMemsetAsync(row_ptr, 0, static_cast<size_t>(n_rows + 1) * sizeof(int64_t), stream));
  if (n_keep == 0) return;
  const ScratchLayout s = scratch_layout(n_users, n_items, nnz);
  char* base = static_cast<char*>(scratch);
  auto* key = reinterpret_cast<double*>(base + s.a);
  auto* sorted_key = reinterpret_cast<double*>(base + s.b);
  auto* edge = reinterpret_cast<int64_t*>(base + s.c);
  auto* sorted_edge = reinterpret_cast<int64_t*>(base + s.d);
  auto* kept = reinterpret_cast<char*>(base + s.a);
  auto* kept_edge = reinterpret_cast<int64_t*>(base + s.b);
  auto* kept_user = reinterpret_cast<int32_t*>(base + s.d);
  auto* kept_item = reinterpret_cast<int32_t*>(base + s.d + s.half);
  auto* by_item_user = reinterpret_cast<int32_t*>(base + s.a);
  auto* by_item_item = reinterpret_cast<int32_t*>(base + s.a + s.half);
  auto* item_degree = reinterpret_cast<unsigned long long*>(base + s.item_degree);
  auto* n_selected = reinterpret_cast<int64_t*>(base + s.n_selected);
  void* cub_temp = base + s.cub;
  size_t cub_bytes = s.total - s.cub;

  MMGRAPH_CUDA_CHECK(
      cudaMemsetAsync(item_degree, 0, static_cast<size_t>(n_items) * sizeof(unsigned long long), stream));
  cuda::launch("prune_item_degree", &prune_item_degree, nnz, kBlock, stream, nnz, train_col, item_degree);
  cuda::launch("prune_edge_keys", &prune_edge_keys, nnz, kBlock, stream, n_users, train_row_ptr, train_col, nnz,
               static_cast<const unsigned long long*>(item_degree), seed, epoch, key, edge);
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(cub_temp, cub_bytes, key, sorted_key, edge,
                                                               sorted_edge, nnz, 0, 64, stream));
  // Keys and sorted keys are dead: region a holds the flags, region b the kept edges.
  MMGRAPH_CUDA_CHECK(cudaMemsetAsync(kept, 0, static_cast<size_t>(nnz), stream));
  cuda::launch("prune_flag_kept", &prune_flag_kept, n_keep, kBlock, stream, n_keep,
               static_cast<const int64_t*>(sorted_edge), kept);
  cub_bytes = s.total - s.cub;
  MMGRAPH_CUDA_CHECK(cub::DeviceSelect::Flagged(cub_temp, cub_bytes, static_cast<const int64_t*>(edge),
                                                static_cast<const char*>(kept), kept_edge, n_selected, nnz, stream));
  // Sorted edge indices are dead: region d holds the kept (user, item) in CSR order.
  cuda::launch("prune_kept_degrees", &prune_kept_degrees, n_keep, kBlock, stream, n_users, train_row_ptr, train_col,
               n_keep, static_cast<const int64_t*>(kept_edge), kept_user, kept_item, row_ptr);
  cub_bytes = s.total - s.cub;
  MMGRAPH_CUDA_CHECK(cub::DeviceScan::InclusiveSum(cub_temp, cub_bytes, row_ptr + 1, row_ptr + 1, n_rows, stream));
  // Flags are dead: region a holds the kept edges sorted by item.
  cub_bytes = s.total - s.cub;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(cub_temp, cub_bytes, static_cast<const int32_t*>(kept_item),
                                                     by_item_item, static_cast<const int32_t*>(kept_user),
                                                     by_item_user, n_keep, 0, item_bits(n_items), stream));
  cuda::launch("prune_write_adjacency", &prune_write_adjacency, n_keep, kBlock, stream, n_users, n_keep,
               static_cast<const int32_t*>(kept_user), static_cast<const int32_t*>(kept_item),
               static_cast<const int32_t*>(by_item_user), static_cast<const int32_t*>(by_item_item),
               static_cast<const int64_t*>(row_ptr), col, val);
}

}  // namespace mmgraph::kernels
