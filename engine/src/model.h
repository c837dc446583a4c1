#pragma once
// The model interface: a model owns its parameters (in a ParamSet) on a
// device, and writes its forward pass, explicit backward pass and losses once,
// as calls of Device ops. The trainer draws the batches and runs epochs,
// evaluation and early stopping; engine/models/<name>.cpp holds one model.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/node_index.h"
#include "engine/src/params.h"
#include "engine/src/resources.h"
#include "engine/src/shard_layout.h"
#include "io/safetensors.h"
#include "kernels/sampler.h"
#include "kernels/spmm.h"
#include "mmgraph/config.h"
#include "mmgraph/dataset.h"

namespace mmgraph::detail {

// Inputs every model may use, prepared once by the trainer.
struct ModelContext {
  const Dataset* data = nullptr;
  const TrainConfig* config = nullptr;
  const Resources* resources = nullptr;  // the device and the communicator
  const NodeIndex* nodes = nullptr;      // the users and items this process holds
  const kernels::CsrHost* adjacency = nullptr;  // Â over the nodes, users then items (host)
  const DeviceCsr* adjacency_dev = nullptr;     // the same on the device
  const kernels::SamplerInputs* sampler = nullptr;  // the training pairs on the device (extra negatives)
  // A run split over processes: the layout and this process's part of Â (null with one process).
  // adjacency and adjacency_dev are then that part, its columns local rows of a with-halo table.
  const ShardLayout* layout = nullptr;
  const ShardedGraph* sharded = nullptr;
  Device& device() const { return resources->device(); }
};

// One batch of BPR triples in device memory (positions [first, first + size) of `epoch`).
struct TripleBatch {
  uint64_t epoch = 0;
  int64_t first = 0;
  int64_t size = 0;
  const int32_t* users = nullptr;
  const int32_t* pos = nullptr;
  const int32_t* neg = nullptr;
};

class Model {
 public:
  virtual ~Model() = default;
  // Called before the steps of every epoch (0-based): edge pruning, graph re-learning.
  virtual void begin_epoch(uint64_t epoch) { (void)epoch; }
  // Forward, losses (added into loss_sum, a double in device memory) and backward:
  // every parameter's gradient is overwritten with d(loss)/d(parameter).
  void compute_gradients(const TripleBatch& batch, double* loss_sum);
  // Computes the representations that evaluation and export use.
  virtual void propagate() = 0;
  // The propagated representations: users [U x rep_dim()], items [I x rep_dim()].
  virtual const float* user_rep() const = 0;
  virtual const float* item_rep() const = 0;
  virtual int64_t rep_dim() const = 0;
  ParamSet& params() { return params_; }
  // State beyond the parameters that training carries from epoch to epoch
  // (LATTICE's re-learnt item graph), saved in checkpoints under these names;
  // the pointers stay valid until the next begin_epoch.
  virtual std::vector<io::TensorToWrite> state() const { return {}; }
  // Restores what state() saved, from a checkpoint written by this model's config.
  virtual void restore_state(const io::Safetensors& checkpoint) { (void)checkpoint; }

 protected:
  // The model's forward pass, losses and backward pass; gradients are added
  // into zeroed parameter gradients.
  virtual void forward_backward(const TripleBatch& batch, double* loss_sum) = 0;
  ParamSet params_;
};

// The models compiled in (engine/models/*.cpp), by config name.
std::vector<std::string> model_names();
// Throws InputError naming the config key when `name` is not a model.
std::unique_ptr<Model> make_model(const std::string& name, const ModelContext& ctx);

}  // namespace mmgraph::detail
