// Full-ranking evaluation over Device ops (see evaluate.h), and the public
// evaluate_cpu on a CPU device.
#include "engine/src/evaluate.h"

#include <memory>

#include "kernels/ranking_metrics.h"

namespace mmgraph {
namespace detail {

EvalSplit make_eval_split(Device& dev, const Dataset& data, Split split, bool with_cold) {
  const InteractionCsr& held_out = split == Split::kValid ? data.valid : data.test;
  const kernels::CsrView truth = view_of(held_out, data.n_items);
  EvalSplit e{UserRows(dev, rows_with_items(truth)), -1, -1, {}};
  e.truth = e.users.add(truth, "held-out items");
  if (with_cold) {
    const InteractionCsr cold = cold_items_of(data, held_out);
    if (cold.nnz() > 0) e.cold = e.users.add(view_of(cold, data.n_items), "cold held-out items");
  }
  e.masks.push_back(e.users.add(view_of(data.train, data.n_items), "evaluation masks"));
  if (split == Split::kTest) e.masks.push_back(e.users.add(view_of(data.valid, data.n_items), "evaluation masks"));
  return e;
}

EvalResult evaluate(Device& dev, const EvalSplit& split, const float* user_rep, const float* item_rep, int64_t d,
                    int64_t n_items, const std::vector<int>& topk, int64_t user_block) {
  const int k = max_k(topk);
  const size_t n_sums = static_cast<size_t>(kernels::kRankingMetrics) * topk.size();
  // sums: all held-out items [n_sums], then cold ones [n_sums]; counted: the users of each.
  Buffer<double> sums = Buffer<double>::zeros(dev, 2 * n_sums, "metric sums");
  Buffer<int64_t> counted = Buffer<int64_t>::zeros(dev, 2, "metric counts");
  for_each_ranked_block(dev, split.users, split.masks, user_rep, item_rep, d, n_items, k, user_block, false,
                        [&](int64_t first, int64_t nb, const int32_t* top, const float*) {
                          dev.ranking_metrics(nb, k, top, split.users.rows(split.truth, first, nb), topk,
                                              sums.data(), counted.data());
                          if (split.cold >= 0)
                            dev.ranking_metrics(nb, k, top, split.users.rows(split.cold, first, nb), topk,
                                                sums.data() + n_sums, counted.data() + 1);
                        });
  const std::vector<double> host_sums = sums.to_host();
  const std::vector<int64_t> host_counted = counted.to_host();
  EvalResult result;
  result.all = metric_table(topk, std::vector<double>(host_sums.begin(), host_sums.begin() + n_sums), host_counted[0]);
  if (split.cold >= 0)
    result.cold = metric_table(topk, std::vector<double>(host_sums.begin() + n_sums, host_sums.end()), host_counted[1]);
  return result;
}

}  // namespace detail

MetricTable evaluate_cpu(const Dataset& data, Split split, const float* user_rep, const float* item_rep, int dim,
                         const std::vector<int>& topk, int64_t user_block) {
  const std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const detail::EvalSplit views = detail::make_eval_split(*dev, data, split, false);
  return detail::evaluate(*dev, views, user_rep, item_rep, dim, data.n_items, topk, user_block).all;
}

}  // namespace mmgraph
