#pragma once
// What the trainer prepares once for a model on a device: the resources (the
// device and the communicator of the run's processes), the node index (the users and
// items held here: all of them with one process; with several, this process's blocks
// of the layout and its halo), the normalised user-item graph (this process's rows), the training pairs and the training
// split on the device, the sampler's inputs (negatives drawn from the items that
// occur in training, as MMRec draws them), and the ModelContext that hands them to a model.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/model.h"
#include "engine/src/node_index.h"
#include "engine/src/resources.h"
#include "engine/src/shard_layout.h"
#include "kernels/sampler.h"
#include "kernels/spmm.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

class TrainingInputs {
 public:
  // comm: the run's processes (null: this one alone). With several, users and items are split
  // by `layout` (its rank and size are the communicator's); a layout of one block runs the
  // sharded code path in one process (tests compare it with the single-process path).
  TrainingInputs(const Dataset& data, const TrainConfig& config, Device& dev,
                 std::unique_ptr<Communicator> comm = nullptr, std::optional<ShardLayout> layout = std::nullopt);
  TrainingInputs(const TrainingInputs&) = delete;
  TrainingInputs& operator=(const TrainingInputs&) = delete;

  const ModelContext& context() const { return ctx_; }
  const kernels::SamplerInputs& sampler() const { return sampler_; }

 private:
  Resources resources_;
  std::optional<ShardLayout> layout_;
  std::optional<ShardedGraph> sharded_;
  NodeIndex nodes_;
  kernels::CsrHost adjacency_;
  DeviceCsr adjacency_dev_, train_;
  Buffer<int32_t> pair_user_, negative_pool_;
  kernels::SamplerInputs sampler_;
  ModelContext ctx_;
};

}  // namespace mmgraph::detail
