// Id remapping, CSR construction, k-core filtering and per-user splits.
#include "io/interactions.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "mmgraph/errors.h"

namespace mmgraph {

InteractionCsr interactions_from_pairs(int32_t n_users, std::vector<std::pair<int32_t, int32_t>> pairs) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<int64_t> row_ptr(static_cast<size_t>(n_users) + 1, 0);
  std::vector<int32_t> col;
  col.reserve(pairs.size());
  for (const auto& [u, i] : pairs) {
    ++row_ptr[static_cast<size_t>(u) + 1];
    col.push_back(i);
  }
  for (int32_t u = 0; u < n_users; ++u) row_ptr[u + 1] += row_ptr[u];
  return {std::move(row_ptr), std::move(col)};
}

namespace io {

std::string_view IdMap::name(int32_t id) const {
  const int64_t begin = id == 0 ? 0 : ends_[id - 1];
  return std::string_view(bytes_).substr(static_cast<size_t>(begin), static_cast<size_t>(ends_[id] - begin));
}

// Doubles the table (at least 16 slots) and places every id again.
void IdMap::grow_table() {
  std::vector<int32_t> table(std::max<size_t>(16, 2 * table_.size()), -1);
  const size_t mask = table.size() - 1;
  for (int32_t id = 0; id < size(); ++id) {
    size_t slot = std::hash<std::string_view>{}(name(id)) & mask;
    while (table[slot] >= 0) slot = (slot + 1) & mask;
    table[slot] = id;
  }
  table_ = std::move(table);
}

// Linear probing from the name's hash, in a table kept at most half full.
int32_t IdMap::add(std::string_view original) {
  if (2 * (ends_.size() + 1) > table_.size()) grow_table();
  const size_t mask = table_.size() - 1;
  for (size_t slot = std::hash<std::string_view>{}(original) & mask;; slot = (slot + 1) & mask) {
    const int32_t id = table_[slot];
    if (id >= 0 && name(id) == original) return id;
    if (id < 0) {
      table_[slot] = size();
      bytes_.append(original);
      ends_.push_back(static_cast<int64_t>(bytes_.size()));
      return table_[slot];
    }
  }
}

std::vector<std::string> IdMap::names() const {
  std::vector<std::string> out;
  out.reserve(ends_.size());
  for (int32_t id = 0; id < size(); ++id) out.emplace_back(name(id));
  return out;
}

std::vector<std::string> IdMap::names(const std::vector<int32_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.emplace_back(name(id));
  return out;
}

namespace {

// Keeps the rows for which keep(r) holds, in order, in every column present.
template <typename Keep>
void keep_rows(InteractionColumns& rows, Keep keep) {
  const bool timed = !rows.timestamp.empty(), labelled = !rows.label.empty();
  size_t out = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!keep(r)) continue;
    rows.user[out] = rows.user[r];
    rows.item[out] = rows.item[r];
    if (timed) rows.timestamp[out] = rows.timestamp[r];
    if (labelled) rows.label[out] = rows.label[r];
    ++out;
  }
  rows.user.resize(out);
  rows.item.resize(out);
  if (timed) rows.timestamp.resize(out);
  if (labelled) rows.label.resize(out);
}

// Each user's rows as a CSR group (a counting sort that keeps file order within
// a user): user u's items are items[offsets[u], offsets[u + 1]), with their
// timestamps when the rows have them. Only rows labelled `label` when label >= 0.
struct UserGroups {
  std::vector<int64_t> offsets;
  std::vector<int32_t> items;
  std::vector<double> timestamps;
};

UserGroups group_by_user(const InteractionColumns& rows, int32_t n_users, int label) {
  const bool timed = !rows.timestamp.empty();
  const auto selected = [&](size_t r) { return label < 0 || rows.label[r] == label; };
  UserGroups g;
  g.offsets.assign(static_cast<size_t>(n_users) + 1, 0);
  for (size_t r = 0; r < rows.size(); ++r)
    if (selected(r)) ++g.offsets[static_cast<size_t>(rows.user[r]) + 1];
  for (int32_t u = 0; u < n_users; ++u) g.offsets[u + 1] += g.offsets[u];
  g.items.resize(static_cast<size_t>(g.offsets[n_users]));
  if (timed) g.timestamps.resize(g.items.size());
  std::vector<int64_t> next(g.offsets.begin(), g.offsets.end() - 1);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!selected(r)) continue;
    const int64_t k = next[rows.user[r]]++;
    g.items[k] = rows.item[r];
    if (timed) g.timestamps[k] = rows.timestamp[r];
  }
  return g;
}

// Leaves in each group its distinct items, ascending, each with its earliest
// timestamp, and closes the gaps between the groups.
void keep_distinct_items(UserGroups& g) {
  const bool timed = !g.timestamps.empty();
  std::vector<std::pair<double, int32_t>> user_rows;  // one user's (timestamp, item)
  const size_t n_users = g.offsets.size() - 1;
  int64_t out = 0, begin = 0;
  for (size_t u = 0; u < n_users; ++u) {
    const int64_t end = g.offsets[u + 1];
    g.offsets[u] = out;
    if (timed) {
      user_rows.clear();
      for (int64_t k = begin; k < end; ++k) user_rows.push_back({g.timestamps[k], g.items[k]});
      std::sort(user_rows.begin(), user_rows.end(), [](const auto& a, const auto& b) {
        return a.second < b.second || (a.second == b.second && a.first < b.first);
      });
      const auto last = std::unique(user_rows.begin(), user_rows.end(),
                                    [](const auto& a, const auto& b) { return a.second == b.second; });
      for (auto it = user_rows.begin(); it != last; ++it, ++out) {
        g.timestamps[out] = it->first;
        g.items[out] = it->second;
      }
    } else {
      const auto first = g.items.begin() + begin;
      std::sort(first, g.items.begin() + end);
      const auto last = std::unique(first, g.items.begin() + end);
      out = std::copy(first, last, g.items.begin() + out) - g.items.begin();
    }
    begin = end;
  }
  g.offsets[n_users] = out;
  g.items.resize(static_cast<size_t>(out));
  if (timed) g.timestamps.resize(static_cast<size_t>(out));
}

// Appends user u's items [first, last), sorted, as the next row of csr.
void append_row(InteractionCsr& csr, int32_t u, std::vector<int32_t>::iterator first,
                std::vector<int32_t>::iterator last) {
  std::sort(first, last);
  csr.col.insert(csr.col.end(), first, last);
  csr.row_ptr.owned()[static_cast<size_t>(u) + 1] = csr.nnz();
}

}  // namespace

KeptIds kcore_filter(InteractionColumns& rows, int k, int32_t n_users, int32_t n_items) {
  KeptIds kept;
  if (k <= 1) {
    kept.users.resize(static_cast<size_t>(n_users));
    kept.items.resize(static_cast<size_t>(n_items));
    std::iota(kept.users.begin(), kept.users.end(), 0);
    std::iota(kept.items.begin(), kept.items.end(), 0);
    return kept;
  }
  std::vector<int64_t> user_deg(static_cast<size_t>(n_users)), item_deg(static_cast<size_t>(n_items));
  for (bool changed = true; changed;) {
    std::fill(user_deg.begin(), user_deg.end(), 0);
    std::fill(item_deg.begin(), item_deg.end(), 0);
    for (size_t r = 0; r < rows.size(); ++r) {
      ++user_deg[rows.user[r]];
      ++item_deg[rows.item[r]];
    }
    const size_t before = rows.size();
    keep_rows(rows, [&](size_t r) { return user_deg[rows.user[r]] >= k && item_deg[rows.item[r]] >= k; });
    changed = rows.size() != before;
  }
  std::vector<int32_t> user_new(static_cast<size_t>(n_users), -1), item_new(static_cast<size_t>(n_items), -1);
  for (size_t r = 0; r < rows.size(); ++r) {
    int32_t& u = user_new[rows.user[r]];
    if (u < 0) {
      u = static_cast<int32_t>(kept.users.size());
      kept.users.push_back(rows.user[r]);
    }
    int32_t& i = item_new[rows.item[r]];
    if (i < 0) {
      i = static_cast<int32_t>(kept.items.size());
      kept.items.push_back(rows.item[r]);
    }
    rows.user[r] = u;
    rows.item[r] = i;
  }
  return kept;
}

SplitCounts split_counts(int64_t n, const LoadOptions& options) {
  SplitCounts c;
  c.valid = std::llround(static_cast<double>(n) * options.valid_ratio);
  c.test = std::llround(static_cast<double>(n) * (1.0 - options.train_ratio - options.valid_ratio));
  while (n > 0 && n - c.valid - c.test < 1) (c.test >= c.valid ? c.test : c.valid)--;
  c.train = n - c.valid - c.test;
  return c;
}

Dataset split_per_user(InteractionColumns rows, int32_t n_users, int32_t n_items, const LoadOptions& options,
                       const std::string& source) {
  if (options.split != "random" && options.split != "time")
    throw InputError(source, "", "unknown split '" + options.split + "' (random or time)");
  const double test_ratio = 1.0 - options.train_ratio - options.valid_ratio;
  if (options.train_ratio <= 0 || options.valid_ratio < 0 || test_ratio < -1e-12)
    throw InputError(source, "", "split ratios must be positive and sum to at most 1");
  const bool timed = options.split == "time";
  if (timed && rows.timestamp.size() != rows.size()) throw Error(source + ": the time split needs every timestamp");
  UserGroups g = group_by_user(rows, n_users, -1);
  rows = {};
  keep_distinct_items(g);

  SplitCounts total;
  for (int32_t u = 0; u < n_users; ++u) {
    const SplitCounts c = split_counts(g.offsets[u + 1] - g.offsets[u], options);
    total.train += c.train;
    total.valid += c.valid;
    total.test += c.test;
  }
  Dataset d;
  d.n_users = n_users;
  d.n_items = n_items;
  for (auto [csr, nnz] : {std::pair{&d.train, total.train}, {&d.valid, total.valid}, {&d.test, total.test}}) {
    csr->row_ptr.assign(static_cast<size_t>(n_users) + 1, 0);
    csr->col.reserve(static_cast<size_t>(nnz));
  }
  std::vector<std::pair<double, int32_t>> user_rows;  // one user's (timestamp, item), ascending by item
  for (int32_t u = 0; u < n_users; ++u) {
    const auto first = g.items.begin() + g.offsets[u], last = g.items.begin() + g.offsets[u + 1];
    if (timed) {
      user_rows.clear();
      for (int64_t k = g.offsets[u]; k < g.offsets[u + 1]; ++k) user_rows.push_back({g.timestamps[k], g.items[k]});
      std::stable_sort(user_rows.begin(), user_rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::transform(user_rows.begin(), user_rows.end(), first, [](const auto& p) { return p.second; });
    } else {
      shuffle_user_items(first, last, u, options.seed);
    }
    const SplitCounts c = split_counts(last - first, options);
    append_row(d.train, u, first, first + c.train);
    append_row(d.valid, u, first + c.train, first + c.train + c.valid);
    append_row(d.test, u, first + c.train + c.valid, last);
  }
  return d;
}

Dataset split_by_label(InteractionColumns rows, int32_t n_users, int32_t n_items) {
  Dataset d;
  d.n_users = n_users;
  d.n_items = n_items;
  InteractionCsr* parts[3] = {&d.train, &d.valid, &d.test};
  for (int label = 0; label < 3; ++label) {
    UserGroups g = group_by_user(rows, n_users, label);
    keep_distinct_items(g);
    parts[label]->row_ptr = std::move(g.offsets);
    parts[label]->col = std::move(g.items);
  }
  return d;
}

}  // namespace io

}  // namespace mmgraph
