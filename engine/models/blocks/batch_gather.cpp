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

void BatchGather::build(const TripleBatch& batch) {
  const auto b = static_cast<size_t>(batch.size);
  std::vector<int32_t> ids = triples_on_host(ctx_.device(), batch);
  // The batch's distinct users and items, ascending.
  std::vector<int32_t> users(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(b));
  std::vector<int32_t> items(ids.begin() + static_cast<std::ptrdiff_t>(b), ids.end());
  for (auto* v : {&users, &items}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  users_.plan(users);
  items_.plan(items);
  auto row = [](const std::vector<int32_t>& sorted, int32_t id) {
    return static_cast<int32_t>(std::lower_bound(sorted.begin(), sorted.end(), id) - sorted.begin());
  };
  const auto n_users = static_cast<int32_t>(users.size());
  for (size_t k = 0; k < b; ++k) ids[k] = row(users, ids[k]);
  for (size_t k = b; k < 3 * b; ++k) ids[k] = n_users + row(items, ids[k]);
  ids_ = Buffer<int32_t>::from_host(ctx_.device(), ids, "compact batch");
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
