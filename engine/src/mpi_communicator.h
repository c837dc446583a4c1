#pragma once
// The communicator of a run over several processes on the CPU backend: each collective is the
// MPI collective of the same meaning over a duplicate of MPI_COMM_WORLD, on host buffers
// (all_reduce_sum: MPI_Iallreduce, all_gather: MPI_Iallgather, all_gather_v: MPI_Iallgatherv,
// reduce_scatter_sum: MPI_Ireduce_scatter_block, all_to_all_v: MPI_Ialltoallv, broadcast:
// MPI_Ibcast, barrier: MPI_Ibarrier). Each is started non-blocking and polled against a
// deadline; a collective still open at its deadline prints which rank waited on what to stderr
// and ends the whole job with MPI_Abort, so a lost or stuck process never hangs the others.
//
// Sums: the order in which MPI adds the processes' floating-point values is the library's
// choice and may depend on the number of processes and the message size, so all_reduce_sum
// and reduce_scatter_sum of floats are not bit-identical across process counts. A caller that
// needs a sum that does not depend on P gathers the parts (all_gather / all_gather_v) and adds
// them in a fixed order itself.
//
// Counts: MPI counts are int. all_reduce_sum is split into calls of at most max_count_per_call
// elements; all_gather and broadcast of more elements describe them by one derived datatype;
// reduce_scatter_sum, all_gather_v and all_to_all_v throw Error when a count or offset exceeds it.
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "engine/src/communicator.h"

namespace mmgraph::detail {

class MpiCommunicator final : public Communicator {
 public:
  // Starts MPI when it does not run yet (init_mpi). max_count_per_call is the largest element
  // count one MPI call is given (tests lower it to reach the paths of larger counts).
  explicit MpiCommunicator(double timeout_seconds = 300.0,
                           int64_t max_count_per_call = std::numeric_limits<int>::max());
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  using Communicator::all_gather;
  using Communicator::all_gather_v;
  using Communicator::all_reduce_sum;
  using Communicator::all_to_all_v;
  void all_reduce_sum(void* data, int64_t count, CommType type) override;
  void all_gather(const void* send, int64_t count, void* recv, CommType type) override;
  void all_gather_v(const void* send, void* recv, const std::vector<int64_t>& recv_counts, CommType type) override;
  void reduce_scatter_sum(const void* send, void* recv, int64_t count, CommType type) override;
  void all_to_all_v(const void* send, const std::vector<int64_t>& send_counts, void* recv,
                    const std::vector<int64_t>& recv_counts, CommType type) override;
  void broadcast(void* data, int64_t count, int root, CommType type) override;
  void barrier() override;

 private:
  struct Handle;  // the MPI communicator (keeps mpi.h out of this header)
  // Polls the request that `start` opens (it writes an MPI_Request) until it completes or the
  // deadline passes.
  template <typename Start>
  void run(const char* collective, Start start);
  // counts as MPI's ints with their offsets (exclusive prefix sums); throws Error past the limit.
  void int_counts(const std::vector<int64_t>& counts, const char* collective, std::vector<int>& ints,
                  std::vector<int>& offsets) const;
  std::unique_ptr<Handle> handle_;
  int rank_ = 0;
  int size_ = 1;
  double timeout_seconds_;
  int64_t max_count_;
};

}  // namespace mmgraph::detail
