// Setup shared by the trainer and the model tests (see training_inputs.h).
#include "engine/src/training_inputs.h"

#include "engine/src/eval_blocks.h"
#include "kernels/graph_build.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// The normalised adjacency of the training split, every row.
kernels::CsrHost full_adjacency(const Dataset& data) {
  return kernels::normalized_bipartite_adjacency_cpu(data.n_users, data.n_items, data.train.row_ptr.data(),
                                                     data.train.col.data());
}

}  // namespace

TrainingInputs::TrainingInputs(const Dataset& data, const TrainConfig& config, Device& dev,
                               std::unique_ptr<Communicator> comm, std::optional<ShardLayout> layout)
    : resources_(dev, comm ? std::move(comm) : std::make_unique<SingleProcessCommunicator>(dev)),
      layout_(std::move(layout)),
      sharded_(layout_ ? std::optional<ShardedGraph>(shard_graph(*layout_, full_adjacency(data), data.n_users,
                                                                 data.n_items))
                       : std::nullopt),
      nodes_(sharded_ ? sharded_->nodes : NodeIndex::single_process(data.n_users, data.n_items)),
      adjacency_(sharded_ ? sharded_->local_adjacency : full_adjacency(data)),
      adjacency_dev_(upload_csr(dev, adjacency_, "adjacency")),
      train_(upload_pattern(dev, data.n_users, data.n_items, data.train.row_ptr.data(), data.train.row_ptr.size(),
                            data.train.col.data(), data.train.col.size(), "train split")) {
  if (resources_.comm().size() > 1 && !layout_)
    throw Error("training inputs: a run over several processes needs the layout of its users and items");
  if (layout_ && (layout_->rank != resources_.comm().rank() || layout_->size != resources_.comm().size()))
    throw Error("training inputs: the layout is not the communicator's rank and size");
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
  if (sharded_) {
    ctx_.layout = &*layout_;
    ctx_.sharded = &*sharded_;
  }
}

}  // namespace mmgraph::detail
