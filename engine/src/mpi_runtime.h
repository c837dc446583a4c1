#pragma once
// The MPI library's lifetime in this process: started once, by the first communicator that
// needs it, and finished at exit.
namespace mmgraph::detail {

// Starts MPI (MPI_Init_thread at MPI_THREAD_FUNNELED: only the thread that calls the collectives
// calls MPI) unless it already runs, and then registers MPI_Finalize to run at exit. MPI started
// by the host program is left for it to finish. Throws Error once MPI has been finalised.
void init_mpi();

// Whether MPI has been started and not yet finalised in this process.
bool mpi_running();

}  // namespace mmgraph::detail
