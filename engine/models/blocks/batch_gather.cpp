// A batch's rows gathered over processes (see batch_gather.h).
#include "engine/models/blocks/batch_gather.h"

#include <algorithm>

namespace mmgraph::detail {

std::vector<int32_t> triples_on_host(Device& dev, const TripleBatch& batch) {
  const auto b = static_cast<size_t>(batch.size);
  std::vector<int32_t> ids(3 * b);
  if (b) {
    dev.download(ids.data(), batch.users, b * sizeof(int32_t));
    dev.download(ids.data() + b, batch.pos, b * sizeof(int32_t));
    dev.download(ids.data() + 2 * b, batch.neg, b * sizeof(int32_t));
  }
  return ids;
}

CompactTriples compact_triples(Device& dev, const TripleBatch& batch) {
  const auto b = static_cast<size_t>(batch.size);
  CompactTriples c;
  c.ids = triples_on_host(dev, batch);
  c.users.assign(c.ids.begin(), c.ids.begin() + static_cast<std::ptrdiff_t>(b));
  c.items.assign(c.ids.begin() + static_cast<std::ptrdiff_t>(b), c.ids.end());
  for (auto* v : {&c.users, &c.items}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  auto place = [](const std::vector<int32_t>& sorted, int32_t id) {
    return static_cast<int32_t>(std::lower_bound(sorted.begin(), sorted.end(), id) - sorted.begin());
  };
  for (size_t k = 0; k < 3 * b; ++k) c.ids[k] = place(k < b ? c.users : c.items, c.ids[k]);
  return c;
}

void BatchGather::build(const TripleBatch& batch) {
  const auto b = static_cast<size_t>(batch.size);
  CompactTriples c = compact_triples(ctx_.device(), batch);
  users_.plan(c.users);
  items_.plan(c.items);
  // The compact table holds the users, then the items.
  const auto n_users = static_cast<int32_t>(c.users.size());
  for (size_t k = b; k < 3 * b; ++k) c.ids[k] += n_users;
  ids_ = Buffer<int32_t>::from_host(ctx_.device(), c.ids, "compact batch");
  batch_ = batch;
}

TripleBatch BatchGather::compact_batch() const {
  TripleBatch c = batch_;
  c.users = ids_.data();
  c.pos = ids_.data() + batch_.size;
  c.neg = ids_.data() + 2 * batch_.size;
  return c;
}

void BatchGather::gather(const NodeRows& t, float* compact) const {
  users_.gather(t.users(), t.width(), compact);
  items_.gather(t.items(), t.width(), compact + users_.size() * t.width());
}

void BatchGather::scatter_add(const float* compact, const NodeRows& t) const {
  users_.scatter_add(compact, t.width(), t.users());
  items_.scatter_add(compact + users_.size() * t.width(), t.width(), t.items());
}

}  // namespace mmgraph::detail
