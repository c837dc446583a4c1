#pragma once
// Partitions of the users and the items of a training graph into P blocks each, one block of
// each kind per process, and the halo each block's rows of Â = [[0, R], [R^T, 0]] read from
// the others. Every method yields contiguous blocks of ids in some labelling of the nodes:
//   contiguous      blocks of the original ids whose (degree + 1) sums are about 1/P of the
//                   kind's total (no relabel)
//   degree_relabel  nodes taken in descending degree, each given to the least loaded block
//                   ((degree + 1) sum) that has room, every block holding n / P or n / P + 1
//                   nodes, so hubs spread; then numbered block by block
//   metis           METIS k-way edge-cut partition of the bipartite graph of users and items,
//                   balancing each kind's (degree + 1) over the parts, then numbered block by block
// Within a block of a relabelled method the nodes keep ascending original ids.
#include <cstdint>
#include <string>
#include <vector>

#include "mmgraph/dataset.h"

namespace mmgraph::detail {

struct Partition {
  std::string method;
  int parts = 1;
  // New id -> original id of each kind; empty when the labelling is the identity.
  std::vector<int32_t> user_order, item_order;
  // parts + 1 ascending boundaries in new ids: block r is [bounds[r], bounds[r + 1]).
  std::vector<int64_t> user_bounds, item_bounds;
};

// The partition of train's n_users users and n_items items into `parts` blocks of each kind
// by `method` (above). Every block of the contiguous and degree_relabel methods holds at least
// one node of each kind; a METIS block may be empty only when one node outweighs a block's
// share. InputError for an unknown method, parts < 1, or parts above n_users or n_items.
Partition partition_graph(const InteractionCsr& train, int32_t n_users, int32_t n_items, int parts,
                          const std::string& method);

// The block (rank) of every user and every item, indexed by original id.
struct BlockOf {
  std::vector<int32_t> user, item;
};
BlockOf block_of_nodes(const Partition& partition, int32_t n_users, int32_t n_items);

// What one rank owns of Â under a partition and which rows it reads from the others.
struct HaloStats {
  int64_t owned_users = 0, owned_items = 0;
  int64_t owned_edges = 0;   // non-zeros of the owned rows of Â (user and item degrees)
  int64_t remote_edges = 0;  // those of them whose column is owned by another rank
  int64_t halo_users = 0;    // distinct users owned elsewhere that the owned item rows read
  int64_t halo_items = 0;    // distinct items owned elsewhere that the owned user rows read
  int64_t owned_rows() const { return owned_users + owned_items; }
  int64_t halo_rows() const { return halo_users + halo_items; }
};

// The HaloStats of every rank (index = rank) of a partition of train.
std::vector<HaloStats> halo_stats(const InteractionCsr& train, int32_t n_users, int32_t n_items,
                                  const Partition& partition);

// Interactions whose user and item lie in different blocks.
int64_t edge_cut(const std::vector<HaloStats>& stats);
// Bytes one propagation layer of `dim` float32 columns moves when each rank receives its halo
// rows: the sum over ranks of halo rows x dim x 4.
int64_t halo_exchange_bytes(const std::vector<HaloStats>& stats, int64_t dim);
// Bytes the same layer moves as an all-gather of the whole [users; items] table: each rank
// receives every row it does not own, the sum over ranks of (U + I - owned rows) x dim x 4.
int64_t all_gather_bytes(const std::vector<HaloStats>& stats, int64_t dim);

}  // namespace mmgraph::detail
