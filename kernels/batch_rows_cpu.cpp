// CPU reference of the batch's distinct rows: occurrences counted per id (ids are below the
// table's size, a few thousand to a few million), then the ids read off in ascending order;
// the padded layout moves the packed parts to their fixed offsets.
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/batch_rows.h"
#include "mmgraph/errors.h"

namespace mmgraph::kernels {

namespace {

// One past the largest of the ids, which must all be >= 0.
int64_t id_bound(const int32_t* ids, int64_t n, int64_t bound, const char* what) {
  for (int64_t k = 0; k < n; ++k) {
    if (ids[k] < 0) throw Error(std::string("batch_rows_cpu: negative ") + what + " id " + std::to_string(ids[k]));
    bound = std::max(bound, static_cast<int64_t>(ids[k]) + 1);
  }
  return bound;
}

void count_ids(const int32_t* ids, int64_t n, std::vector<int32_t>& count) {
  for (int64_t k = 0; k < n; ++k) ++count[static_cast<size_t>(ids[k])];
}

// Copies n ids (and counts, when given) to dst and fills the rest of the part's room with -1 (count 0).
void pad_part(const int32_t* ids, const int32_t* part_counts, int64_t n, int64_t room, int32_t* dst,
              int32_t* dst_counts) {
  std::copy_n(ids, n, dst);
  std::fill(dst + n, dst + room, -1);
  if (!dst_counts) return;
  std::copy_n(part_counts, n, dst_counts);
  std::fill(dst_counts + n, dst_counts + room, 0);
}

}  // namespace

BatchRowSizes padded_batch_row_sizes(const BatchRowsInput& in) {
  return {std::min(in.b, in.user_ids), std::min(in.b, in.item_ids), std::min(in.b + in.n_extra, in.item_ids)};
}

BatchRowSizes batch_rows_cpu(const BatchRowsInput& in, int32_t* rows, int32_t* counts) {
  const int64_t user_bound = id_bound(in.users, in.b, 0, "user");
  int64_t item_bound = id_bound(in.pos, in.b, 0, "item");
  item_bound = id_bound(in.neg, in.b, item_bound, "item");
  item_bound = id_bound(in.extra, in.n_extra, item_bound, "item");
  std::vector<int32_t> user_n(static_cast<size_t>(user_bound)), pos_n(static_cast<size_t>(item_bound)),
      other_n(static_cast<size_t>(item_bound));
  count_ids(in.users, in.b, user_n);
  count_ids(in.pos, in.b, pos_n);
  count_ids(in.neg, in.b, other_n);
  count_ids(in.extra, in.n_extra, other_n);

  BatchRowSizes s;
  int32_t* out = rows;
  int32_t* out_counts = counts;
  for (int64_t u = 0; u < user_bound; ++u)
    if (const int32_t n = user_n[static_cast<size_t>(u)]) {
      *out++ = static_cast<int32_t>(u);
      *out_counts++ = n;
      ++s.users;
    }
  for (int64_t i = 0; i < item_bound; ++i)
    if (const int32_t n = pos_n[static_cast<size_t>(i)]) {
      *out++ = static_cast<int32_t>(in.n_users + i);
      *out_counts++ = n;
      ++s.pos_items;
    }
  for (int64_t i = 0; i < item_bound; ++i)
    if (other_n[static_cast<size_t>(i)] && !pos_n[static_cast<size_t>(i)]) {
      *out++ = static_cast<int32_t>(in.n_users + i);
      ++s.other_items;
    }
  return s;
}

void batch_rows_padded_cpu(const BatchRowsInput& in, int32_t* rows, int32_t* counts) {
  std::vector<int32_t> packed(static_cast<size_t>(3 * in.b + in.n_extra)), packed_counts(static_cast<size_t>(2 * in.b));
  const BatchRowSizes s = batch_rows_cpu(in, packed.data(), packed_counts.data());
  if (id_bound(in.users, in.b, 0, "user") > in.user_ids ||
      std::max({id_bound(in.pos, in.b, 0, "item"), id_bound(in.neg, in.b, 0, "item"),
                id_bound(in.extra, in.n_extra, 0, "item")}) > in.item_ids)
    throw Error("batch_rows_padded_cpu: an id at or above user_ids " + std::to_string(in.user_ids) + " or item_ids " +
                std::to_string(in.item_ids));
  const BatchRowSizes room = padded_batch_row_sizes(in);
  pad_part(packed.data(), packed_counts.data(), s.users, room.users, rows, counts);
  pad_part(packed.data() + s.users, packed_counts.data() + s.users, s.pos_items, room.pos_items, rows + room.users,
           counts + room.users);
  pad_part(packed.data() + s.users + s.pos_items, nullptr, s.other_items, room.other_items,
           rows + room.users + room.pos_items, nullptr);
}

}  // namespace mmgraph::kernels
