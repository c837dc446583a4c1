// Launch detection and the choice of communicator (see launch.h).
#include "engine/src/launch.h"

#include <mpi.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "engine/src/device.h"
#include "engine/src/mpi_communicator.h"
#include "engine/src/mpi_runtime.h"
#include "mmgraph/errors.h"
#include "mmgraph/trainer.h"
#if defined(MMGRAPH_HAVE_CUDA)
#include "engine/src/nccl_communicator.h"
#endif

namespace mmgraph::detail {

namespace {

// The integer value of environment variable `name`, or nothing when it is unset; throws Error
// when it is set to anything but a decimal int.
std::optional<int> env_int(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE || value < std::numeric_limits<int>::min() ||
      value > std::numeric_limits<int>::max())
    throw Error(std::string("the launcher's environment variable ") + name + "=\"" + text + "\" is not an integer");
  return static_cast<int>(value);
}

// The first of `names` that is set, or nothing.
std::optional<int> first_env_int(std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (std::optional<int> value = env_int(name)) return value;
  return std::nullopt;
}

// launch as read from `rank`, `size` and `local` (nothing: 0), checked.
LaunchInfo described(const char* launcher, int rank, std::optional<int> size, std::optional<int> local,
                     const char* size_names) {
  if (!size) throw Error(std::string(launcher) + " launch: rank " + std::to_string(rank) + " is set but " +
                         size_names + " is not, so the number of processes is unknown");
  LaunchInfo launch{rank, *size, local.value_or(0), launcher};
  if (launch.size < 1 || launch.rank < 0 || launch.rank >= launch.size || launch.local_rank < 0)
    throw Error(std::string(launcher) + " launch: rank " + std::to_string(launch.rank) + " of " +
                std::to_string(launch.size) + " (local rank " + std::to_string(launch.local_rank) +
                ") is not a process of the run");
  return launch;
}

// Starts MPI (init_mpi). MPI's start waits for every process of the run to start it too, so a
// process that stopped or is stuck before training would keep the others there for ever: when
// init_mpi has not returned within timeout_seconds, a second thread prints which rank waited and
// ends this process with code 1, and the launcher then ends the others.
void init_mpi_within(const LaunchInfo& launch, double timeout_seconds) {
  std::mutex mutex;
  std::condition_variable cv;
  bool returned = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    if (cv.wait_until(lock, deadline, [&] { return returned; })) return;
    std::fprintf(stderr,
                 "mmgraph: %sMPI_Init_thread did not complete within %g s; another process of the run has not "
                 "started MPI (it stopped or is stuck before training)\n",
                 rank_prefix(launch).c_str(), timeout_seconds);
    std::fflush(stderr);
    std::_Exit(1);
  });
  auto stop_watchdog = [&] {
    {
      std::lock_guard lock(mutex);
      returned = true;
    }
    cv.notify_one();
    watchdog.join();
  };
  try {
    init_mpi();
  } catch (...) {
    stop_watchdog();
    throw;
  }
  stop_watchdog();
}

}  // namespace

LaunchInfo detect_launch() {
  if (std::optional<int> rank = env_int("OMPI_COMM_WORLD_RANK"))
    return described("openmpi", *rank, env_int("OMPI_COMM_WORLD_SIZE"), env_int("OMPI_COMM_WORLD_LOCAL_RANK"),
                     "OMPI_COMM_WORLD_SIZE");
  if (std::optional<int> rank = env_int("PMIX_RANK"))
    return described("pmix", *rank, first_env_int({"SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"}),
                     env_int("SLURM_LOCALID"), "SLURM_STEP_NUM_TASKS / SLURM_NTASKS");
  if (std::optional<int> rank = env_int("PMI_RANK"))
    return described("pmi", *rank, env_int("PMI_SIZE"), first_env_int({"MPI_LOCALRANKID", "SLURM_LOCALID"}),
                     "PMI_SIZE");
  if (std::optional<int> rank = env_int("SLURM_PROCID"))
    return described("slurm", *rank, first_env_int({"SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"}),
                     env_int("SLURM_LOCALID"), "SLURM_STEP_NUM_TASKS / SLURM_NTASKS");
  return LaunchInfo{};
}

std::unique_ptr<Communicator> make_communicator(Device& dev, const LaunchInfo& launch, double timeout_seconds) {
  if (launch.size == 1) return std::make_unique<SingleProcessCommunicator>(dev);
  init_mpi_within(launch, timeout_seconds);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank != launch.rank || size != launch.size)
    throw Error(rank_prefix(launch) + "the " + launch.launcher + " environment says rank " +
                std::to_string(launch.rank) + " of " + std::to_string(launch.size) + " but MPI says rank " +
                std::to_string(rank) + " of " + std::to_string(size) +
                " (was the program started by the launcher, with its MPI plugin?)");
#if defined(MMGRAPH_HAVE_CUDA)
  if (dev.is_cuda()) return std::make_unique<NcclCommunicator>(launch, timeout_seconds);
#endif
  return std::make_unique<MpiCommunicator>(timeout_seconds);
}

int local_cuda_device(const LaunchInfo& launch) {
  const int count = cuda_device_count();
  if (count == 0) throw Error(rank_prefix(launch) + "no CUDA device is visible to this process");
  return launch.local_rank % count;
}

void abort_run(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (mpi_running()) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > 1) {
      // A moment first: the other processes often fail on the same collective outcome (the input
      // check every rank makes), and the abort would end them before they print their own errors.
      std::this_thread::sleep_for(std::chrono::seconds(2));
      MPI_Abort(MPI_COMM_WORLD, code);
    }
  }
  std::exit(code);
}

std::string rank_prefix(const LaunchInfo& launch) {
  if (launch.size == 1) return "";
  return "rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.size) + ": ";
}

}  // namespace mmgraph::detail

namespace mmgraph {

RunProcess run_process() {
  const detail::LaunchInfo launch = detail::detect_launch();
  return RunProcess{launch.rank, launch.size};
}

void end_run(int code) { detail::abort_run(code); }

}  // namespace mmgraph
