// Renumbered data sets (see relabel.h).
#include "engine/src/relabel.h"

#include <algorithm>
#include <string>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// Throws unless order (new -> old) is empty or a permutation of 0 .. n - 1.
void check_order(const std::vector<int32_t>& order, int32_t n, const char* kind) {
  if (order.empty()) return;
  if (static_cast<int64_t>(order.size()) != n)
    throw Error(std::string("relabel: an order of ") + std::to_string(order.size()) + " " + kind + " for " +
                std::to_string(n));
  std::vector<char> seen(static_cast<size_t>(n), 0);
  for (const int32_t old : order) {
    if (old < 0 || old >= n || seen[static_cast<size_t>(old)])
      throw Error(std::string("relabel: the order of the ") + kind + " is not a permutation");
    seen[static_cast<size_t>(old)] = 1;
  }
}

// old -> new of an order (new -> old, checked); the identity of n when the order is empty.
std::vector<int32_t> inverse(const std::vector<int32_t>& order, int32_t n) {
  std::vector<int32_t> inv(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) inv[static_cast<size_t>(i)] = i;
  for (size_t i = 0; i < order.size(); ++i) inv[static_cast<size_t>(order[i])] = static_cast<int32_t>(i);
  return inv;
}

// A split with rows in the new user order and items renumbered (sorted again).
InteractionCsr renumbered(const InteractionCsr& csr, const std::vector<int32_t>& users, const std::vector<int32_t>& new_item) {
  if (csr.row_ptr.empty()) return {};
  std::vector<int64_t> row_ptr{0};
  std::vector<int32_t> col;
  for (const int32_t u : users) {
    const auto first = col.size();
    for (int64_t k = csr.row_ptr[static_cast<size_t>(u)]; k < csr.row_ptr[static_cast<size_t>(u) + 1]; ++k)
      col.push_back(new_item[static_cast<size_t>(csr.col[static_cast<size_t>(k)])]);
    std::sort(col.begin() + static_cast<std::ptrdiff_t>(first), col.end());
    row_ptr.push_back(static_cast<int64_t>(col.size()));
  }
  return {std::move(row_ptr), std::move(col)};
}

// The names of the nodes in the new order (numbers for dense ids).
std::vector<std::string> names(const std::vector<std::string>& ids, const std::vector<int32_t>& order) {
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const int32_t old : order) out.push_back(ids.empty() ? std::to_string(old) : ids[static_cast<size_t>(old)]);
  return out;
}

}  // namespace

Dataset relabeled(const Dataset& data, const std::vector<int32_t>& user_order, const std::vector<int32_t>& item_order) {
  Dataset out;
  out.name = data.name;
  out.n_users = data.n_users;
  out.n_items = data.n_items;
  check_order(user_order, data.n_users, "users");
  check_order(item_order, data.n_items, "items");
  const std::vector<int32_t> new_item = inverse(item_order, data.n_items);
  std::vector<int32_t> users(static_cast<size_t>(data.n_users)), items(static_cast<size_t>(data.n_items));
  for (int32_t u = 0; u < data.n_users; ++u) users[static_cast<size_t>(u)] = user_order.empty() ? u : user_order[static_cast<size_t>(u)];
  for (int32_t i = 0; i < data.n_items; ++i) items[static_cast<size_t>(i)] = item_order.empty() ? i : item_order[static_cast<size_t>(i)];
  out.train = renumbered(data.train, users, new_item);
  out.valid = renumbered(data.valid, users, new_item);
  out.test = renumbered(data.test, users, new_item);
  for (const FeatureMatrix& f : data.features) {
    FeatureMatrix g{f.name, f.rows, f.cols, {}};
    g.values.reserve(f.values.size());
    for (const int32_t old : items)
      g.values.insert(g.values.end(), f.values.begin() + static_cast<std::ptrdiff_t>(old) * f.cols,
                      f.values.begin() + static_cast<std::ptrdiff_t>(old + 1) * f.cols);
    out.features.push_back(std::move(g));
  }
  out.user_ids = names(data.user_ids, users);
  out.item_ids = names(data.item_ids, items);
  out.kg = data.kg;  // entities keep their numbers; the item map follows the items
  if (!data.kg.empty()) {
    std::vector<int32_t>& item_entity = out.kg.item_entity.owned();
    for (size_t n = 0; n < items.size(); ++n) item_entity[n] = data.kg.item_entity[static_cast<size_t>(items[n])];
  }
  return out;
}

std::vector<float> rows_in_original_order(const std::vector<float>& rows, const std::vector<int32_t>& order,
                                          int64_t width) {
  if (order.empty() || rows.empty()) return rows;
  std::vector<float> out(rows.size());
  for (size_t n = 0; n < order.size(); ++n)
    std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(n) * width, width,
                out.begin() + static_cast<std::ptrdiff_t>(order[n]) * width);
  return out;
}

}  // namespace mmgraph::detail
