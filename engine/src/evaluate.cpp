// Full-ranking evaluation over Device ops (see evaluate.h), and the public
// evaluate_cpu on a CPU device.
#include "engine/src/evaluate.h"

#include <algorithm>
#include <memory>

#include "kernels/ranking_metrics.h"

namespace mmgraph {
namespace detail {

namespace {

// The first user row of a user table that holds `users` (all users when count < 0).
int32_t first_row(RowRange users) { return users.count < 0 ? 0 : static_cast<int32_t>(users.first); }

// The items that never occur in the training split, in id order.
std::vector<int32_t> items_without_training(const Dataset& data) {
  const std::vector<char> seen = items_in_training(data);
  std::vector<int32_t> items;
  for (int32_t i = 0; i < data.n_items; ++i)
    if (!seen[static_cast<size_t>(i)]) items.push_back(i);
  return items;
}

// csr with each item replaced by its position among `candidates` (ascending ids) and the items
// that are not candidates dropped.
InteractionCsr positions_among(const InteractionCsr& csr, const std::vector<int32_t>& candidates, int32_t n_items) {
  std::vector<int32_t> position(static_cast<size_t>(n_items), -1);
  for (size_t c = 0; c < candidates.size(); ++c) position[static_cast<size_t>(candidates[c])] = static_cast<int32_t>(c);
  InteractionCsr out;
  out.row_ptr.assign(csr.row_ptr.size(), 0);
  for (size_t u = 0; u + 1 < csr.row_ptr.size(); ++u) {
    for (int64_t k = csr.row_ptr[u]; k < csr.row_ptr[u + 1]; ++k)
      if (const int32_t p = position[static_cast<size_t>(csr.col[static_cast<size_t>(k)])]; p >= 0) out.col.push_back(p);
    out.row_ptr.owned()[u + 1] = out.nnz();
  }
  return out;
}

// The rows of csr with items among `users` (all of them when users.count < 0) and, with a sample,
// among the sampled users, ascending.
std::vector<int32_t> users_with_items(const kernels::CsrView& csr, RowRange users, const std::vector<char>* sample) {
  std::vector<int32_t> rows = rows_with_items(csr);
  if (sample) std::erase_if(rows, [&](int32_t u) { return !(*sample)[static_cast<size_t>(u)]; });
  if (users.count < 0) return rows;
  std::erase_if(rows, [&](int32_t u) { return u < users.first || u >= users.first + users.count; });
  return rows;
}

ColdCandidates make_cold_candidates(Device& dev, const Dataset& data, const InteractionCsr& cold,
                                    const InteractionCsr* masked, RowRange users, const std::vector<char>* sample) {
  const std::vector<int32_t> candidates = items_without_training(data);
  const auto n = static_cast<int32_t>(candidates.size());
  const InteractionCsr truth = positions_among(cold, candidates, data.n_items);
  const kernels::CsrView truth_view = view_of(truth, n);
  ColdCandidates c{Buffer<int32_t>::from_host(dev, candidates, "cold candidates"), n,
                   UserRows(dev, users_with_items(truth_view, users, sample), first_row(users)), -1, {}};
  c.truth = c.users.add(truth_view, "cold held-out items");
  if (masked) {
    const InteractionCsr mask = positions_among(*masked, candidates, data.n_items);
    c.masks.push_back(c.users.add(view_of(mask, n), "evaluation masks"));
  }
  return c;
}

}  // namespace

EvalSplit make_eval_split(Device& dev, const Dataset& data, Split split, bool with_cold, bool test_masks_valid,
                          RowRange users, const std::vector<char>* sample) {
  const InteractionCsr& held_out = split == Split::kValid ? data.valid : data.test;
  const kernels::CsrView truth = view_of(held_out, data.n_items);
  const bool mask_valid = split == Split::kTest && test_masks_valid;
  EvalSplit e{UserRows(dev, users_with_items(truth, users, sample), first_row(users)), -1, -1, -1, {}, std::nullopt};
  e.truth = e.users.add(truth, "held-out items");
  if (with_cold) {
    const InteractionCsr cold = cold_items_of(data, held_out);
    if (cold.nnz() > 0) {
      e.warm = e.users.add(view_of(warm_items_of(data, held_out), data.n_items), "warm held-out items");
      e.cold = e.users.add(view_of(cold, data.n_items), "cold held-out items");
      e.among_cold = make_cold_candidates(dev, data, cold, mask_valid ? &data.valid : nullptr, users, sample);
    }
  }
  e.masks.push_back(e.users.add(view_of(data.train, data.n_items), "evaluation masks"));
  if (mask_valid) e.masks.push_back(e.users.add(view_of(data.valid, data.n_items), "evaluation masks"));
  return e;
}

EvalResult evaluate(Device& dev, const EvalSplit& split, const float* user_rep, const float* item_rep, int64_t d,
                    int64_t n_items, const std::vector<int>& topk, int64_t user_block, Communicator* comm) {
  const int k = max_k(topk);
  const size_t n_sums = static_cast<size_t>(kernels::kRankingMetrics) * topk.size();
  // sums: all held-out items, warm ones, cold ones, cold ones among cold items [n_sums each];
  // counted: the users of each.
  enum Part { kAll, kWarm, kCold, kAmongCold, kParts };
  Buffer<kernels::MetricSum> sums = Buffer<kernels::MetricSum>::zeros(dev, kParts * n_sums, "metric sums");
  Buffer<int64_t> counted = Buffer<int64_t>::zeros(dev, kParts, "metric counts");
  auto add_metrics = [&](Part part, const UserRows& users, int truth, int64_t first, int64_t nb, const int32_t* top) {
    dev.ranking_metrics(nb, k, top, users.rows(truth, first, nb), topk, sums.data() + part * n_sums,
                        counted.data() + part);
  };
  for_each_ranked_block(dev, split.users, split.masks, user_rep, item_rep, d, n_items, k, user_block, false,
                        [&](int64_t first, int64_t nb, const int32_t* top, const float*) {
                          add_metrics(kAll, split.users, split.truth, first, nb, top);
                          if (split.cold >= 0) {
                            add_metrics(kWarm, split.users, split.warm, first, nb, top);
                            add_metrics(kCold, split.users, split.cold, first, nb, top);
                          }
                        });
  if (split.among_cold) {
    const ColdCandidates& c = *split.among_cold;
    Buffer<float> cold_rep(dev, static_cast<size_t>(c.count * d), "cold item rows");
    dev.gather_rows(c.count, d, c.items.data(), item_rep, cold_rep.data());
    for_each_ranked_block(dev, c.users, c.masks, user_rep, cold_rep.data(), d, c.count, k, user_block, false,
                          [&](int64_t first, int64_t nb, const int32_t* top, const float*) {
                            add_metrics(kAmongCold, c.users, c.truth, first, nb, top);
                          });
  }
  std::vector<kernels::MetricSum> exact_sums = sums.to_host();
  std::vector<int64_t> host_counted = counted.to_host();
  if (comm && comm->size() > 1) {
    // Every process's sums (its users'), added: exact integers, so the same bits as one process's.
    const int p = comm->size();
    Buffer<kernels::MetricSum> all_sums(dev, exact_sums.size() * static_cast<size_t>(p), "metric sums of every process");
    Buffer<int64_t> all_counted(dev, host_counted.size() * static_cast<size_t>(p), "metric counts of every process");
    constexpr int64_t kWords = sizeof(kernels::MetricSum) / sizeof(int64_t);
    comm->all_gather(sums.data(), static_cast<int64_t>(exact_sums.size()) * kWords, all_sums.data(), CommType::kInt64);
    comm->all_gather(counted.data(), static_cast<int64_t>(host_counted.size()), all_counted.data(), CommType::kInt64);
    const std::vector<kernels::MetricSum> gathered_sums = all_sums.to_host();
    const std::vector<int64_t> gathered_counted = all_counted.to_host();
    std::fill(exact_sums.begin(), exact_sums.end(), 0);
    std::fill(host_counted.begin(), host_counted.end(), 0);
    for (int r = 0; r < p; ++r) {
      for (size_t i = 0; i < exact_sums.size(); ++i) exact_sums[i] += gathered_sums[r * exact_sums.size() + i];
      for (size_t i = 0; i < host_counted.size(); ++i) host_counted[i] += gathered_counted[r * host_counted.size() + i];
    }
  }
  std::vector<double> host_sums(exact_sums.size());
  for (size_t i = 0; i < exact_sums.size(); ++i) host_sums[i] = kernels::metric_sum_value(exact_sums[i]);
  auto table = [&](Part part) {
    return metric_table(topk, std::vector<double>(host_sums.begin() + part * n_sums, host_sums.begin() + (part + 1) * n_sums),
                        host_counted[part]);
  };
  EvalResult result;
  result.all = table(kAll);
  if (split.cold >= 0) {
    result.warm = table(kWarm);
    result.cold = table(kCold);
    result.cold_among_cold = table(kAmongCold);
  }
  return result;
}

}  // namespace detail

MetricTable evaluate_cpu(const Dataset& data, Split split, const float* user_rep, const float* item_rep, int dim,
                         const std::vector<int>& topk, int64_t user_block, bool test_masks_valid) {
  const std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const detail::EvalSplit views = detail::make_eval_split(*dev, data, split, false, test_masks_valid);
  return detail::evaluate(*dev, views, user_rep, item_rep, dim, data.n_items, topk, user_block).all;
}

}  // namespace mmgraph
