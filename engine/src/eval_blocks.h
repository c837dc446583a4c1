#pragma once
// The user-block loop that evaluation and recommendation share, written once over
// Device ops: the users a ranking visits with their rows of the CSRs it reads,
// compacted on the device, and the masked top-K of a block of them at a time. And
// the helpers around it: the views of a split, the users an evaluation visits, the
// metric table.
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/src/device.h"
#include "kernels/spmm.h"
#include "mmgraph/dataset.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

// Pattern view of an interaction split (rows = users, columns = items).
kernels::CsrView view_of(const InteractionCsr& csr, int32_t n_items);

// 1 for each item that occurs in the training split, 0 for the others ([n_items]).
std::vector<char> items_in_training(const Dataset& data);

// The held-out items of `split` that never occur in the training split: the
// cold-start truth (an empty CSR when there are none).
InteractionCsr cold_items_of(const Dataset& data, const InteractionCsr& held_out);
// The held-out items that occur in the training split (an empty CSR when there are none).
InteractionCsr warm_items_of(const Dataset& data, const InteractionCsr& held_out);

// A sample of `count` of the n users (every user when count is 0 or at least n), the same for
// every run on a data set of n users: the count users whose splitmix64 hash of their id is
// smallest. is_sampled[u], n entries.
std::vector<char> sampled_users(int64_t n, int64_t count);

// Rows with at least one non-zero, ascending.
std::vector<int32_t> rows_with_items(const kernels::CsrView& csr);

// Rows users[0..n) of csr, as a CSR whose row r is row users[r] (with its values when csr has them).
kernels::CsrHost gather_rows(const kernels::CsrView& csr, const int32_t* users, int64_t n);

// Largest K in topk, capped at kMaxTopK; throws InputError above it.
int max_k(const std::vector<int>& topk);

// Divides the metric sums ([5 x n_cutoffs], kMetricNames order) by the user count.
MetricTable metric_table(const std::vector<int>& topk, const std::vector<double>& sums, int64_t counted);

// The users a ranking visits, in order (repeats allowed), and their rows of host CSRs
// (rows = user ids) copied to a device compacted: row r of each added CSR is users[r]'s row.
class UserRows {
 public:
  // ids(): the users less first_row (a table of the rows from user first_row on).
  UserRows(Device& dev, std::vector<int32_t> users, int32_t first_row = 0);
  // Adds the users' rows of csr (host memory; a CSR without rows lists nothing); returns the
  // index of the compacted copy.
  int add(const kernels::CsrView& csr, const char* what);
  // Rows [first, first + n) of the compacted CSR `index` (device memory).
  kernels::CsrView rows(int index, int64_t first, int64_t n) const;
  int64_t size() const { return static_cast<int64_t>(users_.size()); }
  const int32_t* ids() const { return ids_.data(); }  // the users' rows of the user table, device memory

 private:
  Device* dev_;
  std::vector<int32_t> users_;
  Buffer<int32_t> ids_;
  std::vector<std::vector<int64_t>> row_ptr_;  // host copies of the compacted row pointers
  std::vector<DeviceCsr> csr_;
};

// The top-K lists of one block of users: rows [first, first + nb) of the UserRows, top and
// top_scores [nb x k] in device memory (top_scores null unless asked for).
using RankedBlockVisitor =
    std::function<void(int64_t first, int64_t nb, const int32_t* top, const float* top_scores)>;

// The masked top-K of every user of `users`, at most `user_block` users at a time, on their
// device: gathers the block's rows of user_rep [* x d], ranks them against item_rep
// [n_items x d] skipping the items that the compacted CSRs `masks` (at most two) list
// (Device::topk_of_rows), then calls visit with the block's lists. user_rep and item_rep are
// device memory. At the end the device's scratch (the block of scores) is released.
void for_each_ranked_block(Device& dev, const UserRows& users, const std::vector<int>& masks, const float* user_rep,
                           const float* item_rep, int64_t d, int64_t n_items, int k, int64_t user_block,
                           bool with_scores, const RankedBlockVisitor& visit);

}  // namespace mmgraph::detail
