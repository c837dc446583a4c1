// CPU reference of the batch's distinct rows: sort, count runs, set difference.
#include <algorithm>
#include <vector>

#include "kernels/batch_rows.h"

namespace mmgraph::kernels {

namespace {

// Distinct values of v ascending, and how often each occurs.
void runs(std::vector<int32_t> v, std::vector<int32_t>& values, std::vector<int32_t>& counts) {
  std::sort(v.begin(), v.end());
  values.clear();
  counts.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (i == 0 || v[i] != v[i - 1]) {
      values.push_back(v[i]);
      counts.push_back(0);
    }
    ++counts.back();
  }
}

}  // namespace

BatchRowSizes batch_rows_cpu(const BatchRowsInput& in, int32_t* rows, int32_t* counts) {
  const auto b = static_cast<size_t>(in.b);
  std::vector<int32_t> users, user_counts, pos, pos_counts, others, unused;
  runs(std::vector<int32_t>(in.users, in.users + b), users, user_counts);
  runs(std::vector<int32_t>(in.pos, in.pos + b), pos, pos_counts);
  std::vector<int32_t> neg(in.neg, in.neg + b);
  neg.insert(neg.end(), in.extra, in.extra + in.n_extra);
  runs(std::move(neg), others, unused);
  std::vector<int32_t> not_pos;
  std::set_difference(others.begin(), others.end(), pos.begin(), pos.end(), std::back_inserter(not_pos));

  BatchRowSizes s{static_cast<int64_t>(users.size()), static_cast<int64_t>(pos.size()),
                  static_cast<int64_t>(not_pos.size())};
  int32_t* out = std::copy(users.begin(), users.end(), rows);
  for (int32_t i : pos) *out++ = in.n_users + i;
  for (int32_t i : not_pos) *out++ = in.n_users + i;
  std::copy(pos_counts.begin(), pos_counts.end(), std::copy(user_counts.begin(), user_counts.end(), counts));
  return s;
}

}  // namespace mmgraph::kernels
