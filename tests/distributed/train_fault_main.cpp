// A LightGCN training run over several processes (mmgraph::train on a synthetic data set) in
// which one rank R goes wrong. run_fault.cmake starts it under mpirun and checks that the
// whole job ends non-zero, in time, with R or the difference named:
//   kill R E [DIR]     rank R raises SIGKILL on itself after epoch E (checkpoints in DIR)
//   resume DIR         no fault: the same run with --resume from the checkpoints in DIR
//   differ R KEY=VALUE rank R trains with config KEY set to VALUE, the others without
//   data R             rank R loads a synthetic data set of another seed
//   stall R E          rank R sleeps for an hour after epoch E (0: before training, so before
//                      MPI starts); every rank has collective_timeout 5 s
// A rank that finishes prints "rank R of P: trained N epochs" (and "resumed after epoch E"); one
// that fails prints its error
// with its rank, as the command line does, and ends the whole run (mmgraph::end_run).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"

namespace {

// The run's config as YAML: LightGCN, 6 epochs, evaluated every 2 (epochs of about half a second
// on two cores shared by three processes).
std::string base_config(bool stall) {
  std::string yaml = "model: lightgcn\nepochs: 6\neval_step: 2\ntrain_batch_size: 1024\nembedding_size: 32\n"
                     "deterministic: true\nthreads: 1\n";
  if (stall) yaml += "collective_timeout: 5\n";
  return yaml;
}

int usage(const char* program) {
  std::fprintf(stderr, "usage: %s kill R EPOCH [DIR] | stall R EPOCH | differ R KEY=VALUE | data R | resume DIR\n",
               program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage(argv[0]);
  const std::string mode = argv[1];
  const bool resume = mode == "resume";
  const int faulty = resume ? -1 : std::atoi(argv[2]);
  const bool with_arg = mode == "kill" || mode == "stall" || mode == "differ";
  const bool with_dir = mode == "kill" && argc == 5;
  if ((mode != "data" && !resume && !with_arg) || argc != (with_arg ? 4 : 3) + (with_dir ? 1 : 0))
    return usage(argv[0]);
  mmgraph::RunProcess place;
  try {
    place = mmgraph::run_process();
    const bool me = place.rank == faulty;

    mmgraph::SyntheticOptions data_options;
    data_options.users = 4000;
    data_options.items = 2500;
    data_options.interactions = 80000;
    if (mode == "data" && me) data_options.seed = 2;
    const mmgraph::Dataset data = mmgraph::make_synthetic_dataset(data_options);

    std::string yaml = base_config(mode == "stall");
    if (mode == "differ" && me) {
      const std::string assignment = argv[3];
      const size_t eq = assignment.find('=');
      if (eq == std::string::npos) return usage(argv[0]);
      yaml += assignment.substr(0, eq) + ": " + assignment.substr(eq + 1) + "\n";
    }
    const mmgraph::TrainConfig config = mmgraph::parse_config(yaml, "test config");

    mmgraph::TrainOptions options;
    options.progress = false;
    if (resume || with_dir) options.checkpoint_dir = argv[resume ? 2 : 4];
    options.resume = resume;
    const int after_epoch = mode == "kill" || mode == "stall" ? std::atoi(argv[3]) : -1;
    auto fault = [&] {
      if (mode == "kill") std::raise(SIGKILL);
      std::this_thread::sleep_for(std::chrono::hours(1));
    };
    options.on_epoch = [&](const mmgraph::EpochRecord& rec) {
      if (me && rec.epoch == after_epoch) fault();
    };
    if (me && after_epoch == 0) fault();
    const mmgraph::TrainResult r = mmgraph::train(data, config, options);
    std::printf("rank %d of %d: trained %d epochs\n", place.rank, place.size, r.epochs_run);
    if (r.resumed_from_epoch > 0) std::printf("rank %d of %d: resumed after epoch %d\n", place.rank, place.size, r.resumed_from_epoch);
  } catch (const mmgraph::InputError& e) {
    std::fprintf(stderr, "mmgraph: rank %d of %d: error: %s\n", place.rank, place.size, e.what());
    mmgraph::end_run(2);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mmgraph: rank %d of %d: internal error: %s\n", place.rank, place.size, e.what());
    mmgraph::end_run(1);
  }
  return 0;
}
