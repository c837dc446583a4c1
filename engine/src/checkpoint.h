#pragma once
// The trainer's checkpoint directory: periodic and best-epoch checkpoints of
// the whole training state, the last N kept, and resume from the newest valid
// one after checking that it belongs to this data set and config.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "engine/src/communicator.h"
#include "engine/src/model.h"
#include "io/safetensors.h"
#include "mmgraph/config.h"
#include "mmgraph/dataset.h"
#include "mmgraph/trainer.h"

namespace mmgraph::detail {

// What the trainer carries from epoch to epoch besides the model.
struct TrainProgress {
  int epoch = 0;  // epochs completed
  int best_epoch = 0;
  double best_score = -std::numeric_limits<double>::infinity();  // valid_metric of best_epoch
  int evals_without_gain = 0;
  MetricTable best_valid, test;
  MetricTable best_valid_warm, best_valid_cold, best_valid_cold_among_cold;  // see TrainResult
  MetricTable test_warm, test_cold, test_cold_among_cold;
  std::vector<EpochRecord> history;
  std::vector<float> best_user_rep, best_item_rep;
  double seconds = 0, seconds_to_best = 0;  // wall time of the runs before this one (resume)
};

// The data set's fingerprint (sizes and hashes of its splits and ids, and of its features when the
// config's model reads them) and the config, as one JSON object ("data <part>" and "config <key>"
// keys): what a checkpoint is checked against, and what the processes of one run compare at
// start-up.
std::string input_description(const Dataset& data, const TrainConfig& config);

class CheckpointDir {
 public:
  // Creates `dir` if needed. Without `resume`, a directory that already holds
  // checkpoints is an InputError (they would be mixed with this run's).
  CheckpointDir(std::string dir, int keep, bool resume, const Dataset& data, const TrainConfig& config);

  // A run over several processes: every process calls save() and restore(). Each writes its
  // own rows of the row-sharded parameters and their moments to <name>.shard-R-of-P.safetensors;
  // when all have (a barrier), rank 0 writes <name>.safetensors, the manifest: everything else
  // of a checkpoint (progress, best representations, data ids, the shard count), written last,
  // so that a checkpoint exists only once it is whole. The directory must be one every process
  // sees (a shared file system across nodes).
  void attach(Communicator& comm) { comm_ = &comm; }

  // Writes the state after `progress.epoch` epochs as epoch-<N>.safetensors
  // (periodic) and/or best.safetensors, then removes periodic ones beyond `keep`.
  void save(bool periodic, bool best, Model& model, const TrainProgress& progress);

  // The newest checkpoint that reads back whole (damaged ones are reported on
  // stderr and skipped); none when the directory has none.
  std::optional<io::Safetensors> newest() const;

  // Checks that `checkpoint` was written for this data set and a compatible
  // config (InputError saying what differs), then loads it into the model and
  // the progress. Each parameter's rows held here are read from the checkpoint's whole
  // tensor or, in a manifest, from the shards that hold them: a checkpoint of any number of
  // processes resumes on any other.
  void restore(const io::Safetensors& checkpoint, Model& model, TrainProgress& progress) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int keep_;
  const Dataset& data_;
  const TrainConfig& config_;
  std::string fingerprint_;  // JSON object: part of the data set -> hash
  Communicator* comm_ = nullptr;
};

}  // namespace mmgraph::detail
