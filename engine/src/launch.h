#pragma once
// Which process of a run this is, as the launcher (mpirun, srun) tells it through the
// environment, and the communicator that joins the run's processes.
#include <memory>
#include <string>

#include "engine/src/communicator.h"

namespace mmgraph::detail {

class Device;

// This process's place in the run: rank of size processes, local_rank among those on its node
// (it picks the node's GPU). launcher names where the values came from: "openmpi" (mpirun),
// "pmix" (srun --mpi=pmix, or another PMIx launcher under Slurm), "pmi" (PMI_RANK / PMI_SIZE),
// "slurm" (srun without an MPI plugin); empty when the process was not launched as one of several.
struct LaunchInfo {
  int rank = 0, size = 1, local_rank = 0;
  std::string launcher;
};

// Reads the launcher's environment, without starting MPI: OMPI_COMM_WORLD_RANK / _SIZE /
// _LOCAL_RANK (mpirun); PMIX_RANK with SLURM_STEP_NUM_TASKS or SLURM_NTASKS and SLURM_LOCALID
// (srun --mpi=pmix); PMI_RANK / PMI_SIZE with MPI_LOCALRANKID or SLURM_LOCALID; SLURM_PROCID with
// SLURM_STEP_NUM_TASKS or SLURM_NTASKS and SLURM_LOCALID. The first of these that is set wins; a
// local rank the launcher does not give is 0. Rank 0 of 1 when none is set. Throws Error when a
// variable is not an integer or the values do not describe a rank of the run.
LaunchInfo detect_launch();

// The communicator of the run `launch` describes, on `dev`: the single-process one for one
// process; otherwise MPI is started (once per process, finalised at exit; it must agree with
// `launch` on rank and size, else Error), and the communicator is MpiCommunicator on the CPU
// device or NcclCommunicator on a CUDA device (which must be local_cuda_device(launch)). A
// collective still open after timeout_seconds ends the whole run (abort_run); so does MPI's
// start when a process of the run has not reached it within timeout_seconds (this process exits
// with code 1, naming its rank, and the launcher ends the others).
std::unique_ptr<Communicator> make_communicator(Device& dev, const LaunchInfo& launch, double timeout_seconds);

// The GPU this process uses: local_rank modulo the number of CUDA devices it sees (one per
// process when the launcher sets CUDA_VISIBLE_DEVICES per task). Throws Error without a GPU.
int local_cuda_device(const LaunchInfo& launch);

// Ends the process with exit code `code`: the whole job through MPI_Abort when MPI runs with more
// than one process (other processes may be waiting in a collective, and MPI_Finalize would wait
// for them), else std::exit.
[[noreturn]] void abort_run(int code);

// "rank R of P: " to start an error message of a process of several; "" for one process.
std::string rank_prefix(const LaunchInfo& launch);

}  // namespace mmgraph::detail
