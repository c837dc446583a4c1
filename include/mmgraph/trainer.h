#pragma once
// Training and full-ranking evaluation of a model (config key `model`) on a device.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mmgraph/config.h"
#include "mmgraph/dataset.h"
#include "mmgraph/metrics.h"

namespace mmgraph {

struct EpochRecord {
  int epoch = 0;             // 1-based
  double loss = 0;           // mean loss over the epoch's batches
  double train_seconds = 0;
  double eval_seconds = 0;
  bool evaluated = false;
  MetricTable valid;         // when evaluated
  MetricTable valid_cold;    // when evaluated and the validation split has cold items
  // A run over several processes: the bytes this process sent to the others in the epoch's
  // training steps, for the propagation's halo rows and for the batches' rows (0 with one process).
  int64_t halo_bytes = 0;
  int64_t batch_bytes = 0;
};

struct TrainResult {
  std::string device;        // "cpu (2 threads)", "cuda:0 (NVIDIA H100 ...)"
  int epochs_run = 0;
  int best_epoch = 0;        // epoch with the best valid_metric (0 when never evaluated)
  MetricTable best_valid;
  MetricTable test;          // test metrics of the best epoch's parameters
  // When the split has held-out items that never occur in training (cold start;
  // empty tables otherwise): the metrics over the warm held-out items and over the
  // cold ones, every item a candidate, and over the cold ones ranked among the
  // items without training interactions only (the new-item protocol).
  MetricTable best_valid_warm, test_warm;
  MetricTable best_valid_cold, test_cold;
  MetricTable best_valid_cold_among_cold, test_cold_among_cold;
  double seconds = 0;        // whole run, evaluation included (earlier runs too, when resumed)
  double seconds_to_best = 0;
  std::vector<EpochRecord> history;
  // Propagated representations of the best epoch: users [n_users x dim], items [n_items x dim].
  std::vector<float> user_rep, item_rep;
  int dim = 0;
  int resumed_from_epoch = 0;  // epochs restored from a checkpoint (0 = a fresh run)
  // Config eval_users: the users validation and test were computed on were a sample of this many
  // of all users (0: every user with held-out items).
  int64_t eval_users = 0;
  std::string last_checkpoint;  // the newest checkpoint written or resumed from ("" = none)
  // The most bytes this process's device held at once during the run (the engine's own count of
  // its buffers: what mmgraph/memory_plan.h plans), set up and evaluation included. In a run over
  // several processes each returns its own.
  int64_t device_peak_bytes = 0;
};

struct TrainOptions {
  bool progress = true;      // progress bar and metric lines on stderr
  std::string log_path;      // JSONL log of every epoch ("" = none)
  std::function<void(const EpochRecord&)> on_epoch;  // called after every epoch
  // Checkpoints (mmgraph/checkpoint.h) go to this directory ("" = none): every
  // config.checkpoint_every epochs (epoch-<N>.safetensors, the newest
  // keep_checkpoints kept), at each new best validation epoch (best.safetensors)
  // and after the last epoch. Without `resume` the directory must hold none.
  std::string checkpoint_dir;
  int keep_checkpoints = 3;
  // Continue from the newest valid checkpoint in checkpoint_dir (from scratch
  // when there is none): the result is bit-identical to an uninterrupted run.
  // The JSONL log is cut back to that epoch and appended to.
  bool resume = false;
};

TrainResult train(const Dataset& data, const TrainConfig& config, const TrainOptions& options = {});

// A training run over several processes, one device each, is started by its launcher:
// `mpirun -np P prog ...` or `srun --mpi=pmix prog ...`. train() then splits the users and items
// over the processes (config partition); rank 0 alone prints progress and writes the log; every
// process returns the same TrainResult.
struct RunProcess {
  int rank = 0;  // this process
  int size = 1;  // processes of the run
};
// This process's place in the run, from the launcher's environment (rank 0 of 1 without one).
RunProcess run_process();
// Ends the run after this process's error: with several processes, all of them (MPI_Abort; the
// others may be waiting for this one in a collective), with exit code `code`; with one, exit(code).
[[noreturn]] void end_run(int code);

enum class Split { kValid, kTest };

// Full-ranking evaluation of fixed representations on the CPU: scores every item
// for every user with a held-out item in `split`, masks the user's training items
// (for kTest also the validation items when test_masks_valid; MMRec leaves them
// as candidates), and averages the metrics at each K over those users.
MetricTable evaluate_cpu(const Dataset& data, Split split, const float* user_rep,
                         const float* item_rep, int dim, const std::vector<int>& topk,
                         int64_t user_block = 4096, bool test_masks_valid = false);

}  // namespace mmgraph
