#pragma once
// What the trainer prepares once for a model on a device: the resources (the
// device and a single-process communicator), the node index (every user and item
// held here), the normalised user-item graph, the training pairs and the training
// split on the device, the sampler's inputs (negatives drawn from the items that
// occur in training, as MMRec draws them), and the ModelContext that hands them to a model.
#include <cstdint>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/model.h"
#include "engine/src/node_index.h"
#include "engine/src/resources.h"
#include "kernels/sampler.h"
#include "kernels/spmm.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

class TrainingInputs {
 public:
  TrainingInputs(const Dataset& data, const TrainConfig& config, Device& dev);
  TrainingInputs(const TrainingInputs&) = delete;
  TrainingInputs& operator=(const TrainingInputs&) = delete;

  const ModelContext& context() const { return ctx_; }
  const kernels::SamplerInputs& sampler() const { return sampler_; }

 private:
  Resources resources_;
  NodeIndex nodes_;
  kernels::CsrHost adjacency_;
  DeviceCsr adjacency_dev_, train_;
  Buffer<int32_t> pair_user_, negative_pool_;
  kernels::SamplerInputs sampler_;
  ModelContext ctx_;
};

}  // namespace mmgraph::detail
