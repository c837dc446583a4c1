// Id remapping, CSR construction, k-core filtering and per-user splits.
#include "io/interactions.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "mmgraph/errors.h"

namespace mmgraph {

InteractionCsr interactions_from_pairs(int32_t n_users, std::vector<std::pair<int32_t, int32_t>> pairs) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  InteractionCsr csr;
  csr.row_ptr.assign(static_cast<size_t>(n_users) + 1, 0);
  csr.col.reserve(pairs.size());
  for (const auto& [u, i] : pairs) {
    ++csr.row_ptr[static_cast<size_t>(u) + 1];
    csr.col.push_back(i);
  }
  for (int32_t u = 0; u < n_users; ++u) csr.row_ptr[u + 1] += csr.row_ptr[u];
  return csr;
}

namespace io {

int32_t IdMap::add(std::string_view original) {
  const auto [it, inserted] = index_.try_emplace(std::string(original), static_cast<int32_t>(names_.size()));
  if (inserted) names_.emplace_back(original);
  return it->second;
}

void kcore_filter(std::vector<Interaction>& rows, int k, std::vector<std::string>& user_names,
                  std::vector<std::string>& item_names) {
  if (k <= 1) return;
  std::vector<int64_t> user_deg(user_names.size()), item_deg(item_names.size());
  for (bool changed = true; changed;) {
    std::fill(user_deg.begin(), user_deg.end(), 0);
    std::fill(item_deg.begin(), item_deg.end(), 0);
    for (const auto& r : rows) {
      ++user_deg[r.user];
      ++item_deg[r.item];
    }
    const size_t before = rows.size();
    std::erase_if(rows, [&](const Interaction& r) { return user_deg[r.user] < k || item_deg[r.item] < k; });
    changed = rows.size() != before;
  }
  std::vector<int32_t> user_new(user_names.size(), -1), item_new(item_names.size(), -1);
  std::vector<std::string> users, items;
  for (auto& r : rows) {
    if (user_new[r.user] < 0) {
      user_new[r.user] = static_cast<int32_t>(users.size());
      users.push_back(user_names[r.user]);
    }
    if (item_new[r.item] < 0) {
      item_new[r.item] = static_cast<int32_t>(items.size());
      items.push_back(item_names[r.item]);
    }
    r.user = user_new[r.user];
    r.item = item_new[r.item];
  }
  user_names = std::move(users);
  item_names = std::move(items);
}

SplitCounts split_counts(int64_t n, const LoadOptions& options) {
  SplitCounts c;
  c.valid = std::llround(static_cast<double>(n) * options.valid_ratio);
  c.test = std::llround(static_cast<double>(n) * (1.0 - options.train_ratio - options.valid_ratio));
  while (n > 0 && n - c.valid - c.test < 1) (c.test >= c.valid ? c.test : c.valid)--;
  c.train = n - c.valid - c.test;
  return c;
}

Dataset split_per_user(const std::vector<Interaction>& rows, int32_t n_users, int32_t n_items,
                       const LoadOptions& options, const std::string& source) {
  if (options.split != "random" && options.split != "time")
    throw InputError(source, "", "unknown split '" + options.split + "' (random or time)");
  const double test_ratio = 1.0 - options.train_ratio - options.valid_ratio;
  if (options.train_ratio <= 0 || options.valid_ratio < 0 || test_ratio < -1e-12)
    throw InputError(source, "", "split ratios must be positive and sum to at most 1");
  // Per user: distinct items with the earliest timestamp of each.
  std::vector<std::vector<std::pair<double, int32_t>>> per_user(static_cast<size_t>(n_users));
  for (const auto& r : rows) per_user[r.user].push_back({r.timestamp, r.item});
  std::vector<std::pair<int32_t, int32_t>> train, valid, test;
  for (int32_t u = 0; u < n_users; ++u) {
    auto& items = per_user[u];
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.second < b.second || (a.second == b.second && a.first < b.first); });
    items.erase(std::unique(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.second == b.second; }), items.end());
    if (options.split == "random") shuffle_user_items(items.begin(), items.end(), u, options.seed);
    else std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const int64_t n = static_cast<int64_t>(items.size());
    const SplitCounts counts = split_counts(n, options);
    for (int64_t k = 0; k < n; ++k) {
      auto& dst = k < counts.train ? train : k < counts.train + counts.valid ? valid : test;
      dst.push_back({u, items[k].second});
    }
  }
  Dataset d;
  d.n_users = n_users;
  d.n_items = n_items;
  d.train = interactions_from_pairs(n_users, std::move(train));
  d.valid = interactions_from_pairs(n_users, std::move(valid));
  d.test = interactions_from_pairs(n_users, std::move(test));
  return d;
}

Dataset split_by_label(const std::vector<Interaction>& rows, int32_t n_users, int32_t n_items) {
  std::vector<std::pair<int32_t, int32_t>> parts[3];
  for (const auto& r : rows) parts[r.label].push_back({r.user, r.item});
  Dataset d;
  d.n_users = n_users;
  d.n_items = n_items;
  d.train = interactions_from_pairs(n_users, std::move(parts[0]));
  d.valid = interactions_from_pairs(n_users, std::move(parts[1]));
  d.test = interactions_from_pairs(n_users, std::move(parts[2]));
  return d;
}

}  // namespace io

}  // namespace mmgraph
