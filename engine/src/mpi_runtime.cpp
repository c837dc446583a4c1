// Starting and finishing MPI (see mpi_runtime.h).
#include "engine/src/mpi_runtime.h"

#include <mpi.h>

#include <cstdlib>
#include <string>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// Registered with atexit by init_mpi. In OpenMPI, MPI_Finalize waits for every process of the
// job to reach it, so a run whose processes do not all end normally ends through abort_run.
void finalize_mpi_at_exit() {
  if (mpi_running()) MPI_Finalize();
}

}  // namespace

bool mpi_running() {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

void init_mpi() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) {
    if (!mpi_running()) throw Error("MPI has already been finalised in this process; it cannot start again");
    return;
  }
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw Error("MPI_Init_thread failed");
  std::atexit(finalize_mpi_at_exit);
  if (provided < MPI_THREAD_FUNNELED)
    throw Error("MPI provides thread level " + std::to_string(provided) + ", below MPI_THREAD_FUNNELED");
}

}  // namespace mmgraph::detail
