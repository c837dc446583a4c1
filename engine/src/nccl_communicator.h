#pragma once
// The communicator of a run over several processes on the CUDA backend (builds with CUDA only):
// each collective is NCCL's on device buffers (all_reduce_sum: ncclAllReduce, all_gather:
// ncclAllGather, reduce_scatter_sum: ncclReduceScatter, broadcast: ncclBroadcast, barrier: a
// one-element ncclAllReduce; all_gather_v and all_to_all_v: ncclSend / ncclRecv pairs in one
// group). NCCL's unique id goes from rank 0 to the others over MPI. The communicator is
// non-blocking: every call is followed by polling ncclCommGetAsyncError and the stream until
// the work is done; an NCCL error or the deadline aborts the NCCL communicator, prints which
// rank waited on what to stderr and ends the run (abort_run). As with MPI, the order of NCCL's
// floating-point sums depends on the number of processes.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/src/communicator.h"
#include "engine/src/launch.h"

namespace mmgraph::detail {

class MpiCommunicator;

class NcclCommunicator final : public Communicator {
 public:
  // Joins the run `launch` describes on GPU local_cuda_device(launch), which must be the current
  // CUDA device (the CUDA device of the run is made on it). With one process, MPI is not used.
  NcclCommunicator(const LaunchInfo& launch, double timeout_seconds = 300.0);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

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
  struct Handle;  // the NCCL communicator and its stream (keeps nccl.h out of this header)
  // Waits for this rank's device work queued so far, so that a collective reads what it wrote.
  void wait_for_device() const;
  // Polls until the collective just enqueued has run; on an NCCL error or past the deadline,
  // aborts the communicator and ends the run.
  void wait(const char* collective);
  // Throws Error unless `counts` has one non-negative entry per process.
  void check_counts(const std::vector<int64_t>& counts, const char* collective) const;
  std::unique_ptr<MpiCommunicator> bootstrap_;  // MPI, with more than one process
  std::unique_ptr<Handle> handle_;
  int rank_ = 0;
  int size_ = 1;
  double timeout_seconds_;
};

}  // namespace mmgraph::detail
