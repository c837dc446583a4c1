// Partitions of users and items into P blocks: contiguous, degree_relabel and METIS.
#include "engine/src/partition.h"

#include <metis.h>

#include <algorithm>
#include <fmt/format.h>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>

#include "mmgraph/errors.h"

namespace mmgraph::detail {
namespace {

// METIS draws its random choices from this seed, so a partition is a function of the graph.
constexpr idx_t kMetisSeed = 1;

// Checks that train is a CSR over n_users rows whose columns are items below n_items.
void check_graph(const InteractionCsr& train, int32_t n_users, int32_t n_items) {
  if (n_users < 0 || n_items < 0 || train.row_ptr.size() != static_cast<size_t>(n_users) + 1 ||
      train.row_ptr.front() != 0 || train.row_ptr.back() != train.nnz())
    throw Error(fmt::format("partition: the training CSR has {} row pointers and {} entries for {} users",
                            train.row_ptr.size(), train.nnz(), n_users));
  for (int32_t i : train.col)
    if (i < 0 || i >= n_items) throw Error(fmt::format("partition: item {} is outside [0, {})", i, n_items));
}

// The number of training interactions of every user and of every item.
void degrees(const InteractionCsr& train, int32_t n_users, int32_t n_items, std::vector<int64_t>& user,
             std::vector<int64_t>& item) {
  user.resize(static_cast<size_t>(n_users));
  for (int32_t u = 0; u < n_users; ++u) user[u] = train.row_ptr[u + 1] - train.row_ptr[u];
  item.assign(static_cast<size_t>(n_items), 0);
  for (int32_t i : train.col) ++item[i];
}

// P + 1 boundaries of contiguous blocks over ids 0 .. n-1 with weights degree + 1: boundary k
// is the id whose prefix weight is nearest to k / P of the total (exact integer comparison),
// then moved just enough that every block keeps at least one id.
std::vector<int64_t> balanced_bounds(const std::vector<int64_t>& degree, int parts) {
  const int64_t n = static_cast<int64_t>(degree.size());
  std::vector<int64_t> prefix(static_cast<size_t>(n) + 1, 0);
  for (int64_t v = 0; v < n; ++v) prefix[v + 1] = prefix[v] + degree[v] + 1;
  const int64_t total = prefix[n];
  std::vector<int64_t> bounds(static_cast<size_t>(parts) + 1, 0);
  bounds[parts] = n;
  for (int k = 1; k < parts; ++k) {
    // Compare parts * prefix[i] with k * total: no rounding of the target.
    const int64_t target = static_cast<int64_t>(k) * total;
    const auto above = std::lower_bound(prefix.begin(), prefix.end(), target,
                                        [parts](int64_t p, int64_t t) { return p * parts < t; });
    int64_t b = above - prefix.begin();
    if (b > 0 && target - prefix[b - 1] * parts <= prefix[b] * parts - target) --b;
    bounds[k] = std::clamp<int64_t>(b, bounds[k - 1] + 1, n - (parts - k));
  }
  return bounds;
}

// The block of every node: in descending degree (ascending id among equals) each node goes
// to the block of least (degree + 1) load so far (lowest index among equals) that has room,
// every block holding n / P or n / P + 1 nodes, so hubs spread and blocks balance both load
// and count.
std::vector<int32_t> degree_balanced_blocks(const std::vector<int64_t>& degree, int parts) {
  const int64_t n = static_cast<int64_t>(degree.size());
  std::vector<int32_t> by_degree(degree.size());
  std::iota(by_degree.begin(), by_degree.end(), 0);
  std::stable_sort(by_degree.begin(), by_degree.end(), [&](int32_t a, int32_t b) { return degree[a] > degree[b]; });
  const int64_t base = n / parts;
  int64_t extra = n % parts;  // blocks that may still take base + 1 nodes
  std::vector<int64_t> count(static_cast<size_t>(parts), 0);
  const auto has_room = [&](int32_t b) { return count[b] < base || (count[b] == base && extra > 0); };
  using Entry = std::pair<int64_t, int32_t>;  // (load, block)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> lightest;
  for (int32_t b = 0; b < parts; ++b) lightest.push({0, b});
  std::vector<int32_t> block(degree.size());
  for (int32_t v : by_degree) {
    // A block that filled up since it was queued (the last extra slot went elsewhere) leaves.
    while (!has_room(lightest.top().second)) lightest.pop();
    const auto [load, b] = lightest.top();
    lightest.pop();
    if (count[b] == base) --extra;
    ++count[b];
    block[v] = b;
    if (has_room(b)) lightest.push({load + degree[v] + 1, b});
  }
  return block;
}

// The labelling that numbers the nodes block by block (ascending original id within a block):
// order (new -> original id) and the P + 1 boundaries.
void number_by_block(const std::vector<int32_t>& block, int parts, std::vector<int32_t>& order,
                     std::vector<int64_t>& bounds) {
  bounds.assign(static_cast<size_t>(parts) + 1, 0);
  for (int32_t b : block) ++bounds[b + 1];
  std::partial_sum(bounds.begin(), bounds.end(), bounds.begin());
  std::vector<int64_t> next(bounds.begin(), bounds.end() - 1);
  order.resize(block.size());
  for (size_t v = 0; v < block.size(); ++v) order[next[block[v]]++] = static_cast<int32_t>(v);
}

// METIS_PartGraphKway on the bipartite graph of n_users + n_items vertices (users first, then
// items; every interaction an edge both ways) with two balance constraints, the users'
// degree + 1 and the items' degree + 1, so each part holds about 1/P of each kind's load.
// Returns the part of every vertex.
std::vector<idx_t> metis_parts(const InteractionCsr& train, int32_t n_users, int32_t n_items,
                               const std::vector<int64_t>& user_degree, const std::vector<int64_t>& item_degree,
                               int parts) {
  const int64_t n = static_cast<int64_t>(n_users) + n_items;
  if (2 * train.nnz() > std::numeric_limits<idx_t>::max() || n > std::numeric_limits<idx_t>::max())
    throw Error(fmt::format("partition: {} vertices and {} edges exceed METIS's 32-bit ids", n, 2 * train.nnz()));
  std::vector<idx_t> xadj(static_cast<size_t>(n) + 1, 0), adjncy(static_cast<size_t>(2 * train.nnz()));
  std::vector<idx_t> vwgt(static_cast<size_t>(2 * n), 0);
  for (int32_t u = 0; u < n_users; ++u) {
    xadj[u + 1] = static_cast<idx_t>(train.row_ptr[u + 1]);
    vwgt[2 * u] = static_cast<idx_t>(user_degree[u] + 1);
  }
  for (int32_t i = 0; i < n_items; ++i) {
    xadj[n_users + i + 1] = xadj[n_users + i] + static_cast<idx_t>(item_degree[i]);
    vwgt[2 * (n_users + i) + 1] = static_cast<idx_t>(item_degree[i] + 1);
  }
  std::vector<idx_t> next(xadj.begin() + n_users, xadj.end() - 1);
  for (int32_t u = 0; u < n_users; ++u)
    for (int64_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) {
      const int32_t i = train.col[k];
      adjncy[k] = n_users + i;
      adjncy[next[i]++] = u;
    }
  idx_t nvtxs = static_cast<idx_t>(n), ncon = 2, nparts = parts, objval = 0;
  idx_t options[METIS_NOPTIONS];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_SEED] = kMetisSeed;
  std::vector<idx_t> part(static_cast<size_t>(n), 0);
  const int status = METIS_PartGraphKway(&nvtxs, &ncon, xadj.data(), adjncy.data(), vwgt.data(), nullptr, nullptr,
                                         &nparts, nullptr, nullptr, options, &objval, part.data());
  if (status != METIS_OK)
    throw Error(fmt::format("partition: METIS_PartGraphKway failed (status {}) for {} parts", status, parts));
  return part;
}

}  // namespace

Partition partition_graph(const InteractionCsr& train, int32_t n_users, int32_t n_items, int parts,
                          const std::string& method) {
  if (method != "contiguous" && method != "degree_relabel" && method != "metis")
    throw InputError("partition", "method", "unknown method \"" + method + "\" (contiguous, degree_relabel, metis)");
  if (parts < 1 || parts > n_users || parts > n_items)
    throw InputError("partition", "parts",
                     fmt::format("{} blocks for {} users and {} items: every block needs at least one of each "
                                 "(1 <= parts <= min(users, items))",
                                 parts, n_users, n_items));
  check_graph(train, n_users, n_items);
  std::vector<int64_t> user_degree, item_degree;
  degrees(train, n_users, n_items, user_degree, item_degree);

  Partition p;
  p.method = method;
  p.parts = parts;
  if (method == "contiguous") {
    p.user_bounds = balanced_bounds(user_degree, parts);
    p.item_bounds = balanced_bounds(item_degree, parts);
  } else if (method == "degree_relabel") {
    number_by_block(degree_balanced_blocks(user_degree, parts), parts, p.user_order, p.user_bounds);
    number_by_block(degree_balanced_blocks(item_degree, parts), parts, p.item_order, p.item_bounds);
  } else {
    std::vector<int32_t> user_block(static_cast<size_t>(n_users), 0), item_block(static_cast<size_t>(n_items), 0);
    if (parts > 1) {
      const std::vector<idx_t> part = metis_parts(train, n_users, n_items, user_degree, item_degree, parts);
      std::copy(part.begin(), part.begin() + n_users, user_block.begin());
      std::copy(part.begin() + n_users, part.end(), item_block.begin());
    }
    number_by_block(user_block, parts, p.user_order, p.user_bounds);
    number_by_block(item_block, parts, p.item_order, p.item_bounds);
  }
  return p;
}

}  // namespace mmgraph::detail
