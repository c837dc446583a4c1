// Setup shared by the trainer and the model tests (see training_inputs.h).
#include "engine/src/training_inputs.h"

#include "engine/src/eval_blocks.h"
#include "kernels/graph_build.h"

namespace mmgraph::detail {

TrainingInputs::TrainingInputs(const Dataset& data, const TrainConfig& config, Device& dev)
    : resources_(dev),
      nodes_(NodeIndex::single_process(data.n_users, data.n_items)),
      adjacency_(kernels::normalized_bipartite_adjacency_cpu(data.n_users, data.n_items, data.train.row_ptr.data(),
                                                             data.train.col.data())),
      adjacency_dev_(upload_csr(dev, adjacency_, "adjacency")),
      train_(upload_pattern(dev, data.n_users, data.n_items, data.train.row_ptr, data.train.col, "train split")) {
  std::vector<int32_t> pair_user(static_cast<size_t>(data.train.nnz()));
  for (int32_t u = 0; u < data.n_users; ++u)
    for (int64_t k = data.train.row_ptr[u]; k < data.train.row_ptr[u + 1]; ++k) pair_user[static_cast<size_t>(k)] = u;
  pair_user_ = Buffer<int32_t>::from_host(dev, pair_user, "training pairs");
  // Negatives come from the items that occur in training, as in MMRec.
  const std::vector<char> in_train = items_in_training(data);
  std::vector<int32_t> pool;
  for (int32_t i = 0; i < data.n_items; ++i)
    if (in_train[static_cast<size_t>(i)]) pool.push_back(i);
  negative_pool_ = Buffer<int32_t>::from_host(dev, pool, "negative pool");
  sampler_ = kernels::SamplerInputs{data.train.nnz(), pair_user_.data(), train_.col.data(), train_.row_ptr.data(),
                                    train_.col.data(), static_cast<int32_t>(pool.size()), negative_pool_.data()};
  ctx_.data = &data;
  ctx_.config = &config;
  ctx_.resources = &resources_;
  ctx_.nodes = &nodes_;
  ctx_.adjacency = &adjacency_;
  ctx_.adjacency_dev = &adjacency_dev_;
  ctx_.sampler = &sampler_;
}

}  // namespace mmgraph::detail
