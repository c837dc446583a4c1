// The NCCL communicator (see nccl_communicator.h).
#include "engine/src/nccl_communicator.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdio>
#include <string>

#include "engine/src/mpi_communicator.h"
#include "engine/src/poll.h"
#include "kernels/cuda_check.h"
#include "mmgraph/errors.h"

// Checks an NCCL call of the non-blocking communicator, for which ncclInProgress means the call
// was accepted and goes on in the background (wait() then polls it); other failures throw as
// MMGRAPH_CUDA_CHECK does.
#define MMGRAPH_NCCL_ENQUEUE(call)                                                                \
  do {                                                                                            \
    const ncclResult_t mmgraph_enqueued_ = (call);                                                \
    if (mmgraph_enqueued_ != ncclSuccess && mmgraph_enqueued_ != ncclInProgress)                  \
      ::mmgraph::cuda::throw_status(#call, __FILE__, __LINE__, ncclGetErrorString(mmgraph_enqueued_)); \
  } while (0)

namespace mmgraph::detail {

struct NcclCommunicator::Handle {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  int32_t* one = nullptr;  // the barrier's one-element all-reduce
};

namespace {

ncclDataType_t nccl_type(CommType type) {
  switch (type) {
    case CommType::kFloat32:
      return ncclFloat32;
    case CommType::kFloat64:
      return ncclFloat64;
    case CommType::kInt32:
      return ncclInt32;
    case CommType::kInt64:
      return ncclInt64;
  }
  throw Error("NCCL communicator: unknown element type");
}

void check_count(int64_t count, const char* collective) {
  if (count < 0) throw Error(std::string("NCCL communicator: ") + collective + ": negative element count");
}

// p advanced by `elements` elements of `type`.
const char* at(const void* p, int64_t elements, CommType type) {
  return static_cast<const char*>(p) + elements * static_cast<int64_t>(comm_type_size(type));
}
char* at(void* p, int64_t elements, CommType type) {
  return static_cast<char*>(p) + elements * static_cast<int64_t>(comm_type_size(type));
}

}  // namespace

NcclCommunicator::NcclCommunicator(const LaunchInfo& launch, double timeout_seconds)
    : handle_(std::make_unique<Handle>()), rank_(launch.rank), size_(launch.size), timeout_seconds_(timeout_seconds) {
  if (!(timeout_seconds > 0)) throw Error("NCCL communicator: the timeout must be positive");
  const int device = local_cuda_device(launch);
  int current = 0;
  MMGRAPH_CUDA_CHECK(cudaGetDevice(&current));
  if (current != device)
    throw Error(rank_prefix(launch) + "the run's CUDA device is cuda:" + std::to_string(current) + " but local rank " +
                std::to_string(launch.local_rank) + " uses cuda:" + std::to_string(device));
  MMGRAPH_CUDA_CHECK(cudaSetDevice(device));
  ncclUniqueId id;
  if (rank_ == 0) MMGRAPH_CUDA_CHECK(ncclGetUniqueId(&id));
  if (size_ > 1) {
    bootstrap_ = std::make_unique<MpiCommunicator>(timeout_seconds);
    static_assert(sizeof(ncclUniqueId) % sizeof(int32_t) == 0);
    bootstrap_->broadcast(&id, sizeof(ncclUniqueId) / sizeof(int32_t), 0, CommType::kInt32);
  }
  MMGRAPH_CUDA_CHECK(cudaStreamCreateWithFlags(&handle_->stream, cudaStreamNonBlocking));
  MMGRAPH_CUDA_CHECK(cudaMalloc(&handle_->one, sizeof(int32_t)));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  MMGRAPH_NCCL_ENQUEUE(ncclCommInitRankConfig(&handle_->comm, size_, id, rank_, &config));
  wait("ncclCommInitRankConfig");
}

NcclCommunicator::~NcclCommunicator() {
  // Every collective has completed (wait), so finishing the communicator has only its own
  // work left; should it fail or outlast the timeout, the communicator is aborted, which frees it.
  if (handle_->comm != nullptr) {
    ncclResult_t state = ncclCommFinalize(handle_->comm);
    poll_until(timeout_seconds_, [&] {
      if (state == ncclInProgress) ncclCommGetAsyncError(handle_->comm, &state);
      return state != ncclInProgress;
    });
    if (state == ncclSuccess)
      ncclCommDestroy(handle_->comm);
    else
      ncclCommAbort(handle_->comm);
  }
  if (handle_->one != nullptr) cudaFree(handle_->one);
  if (handle_->stream != nullptr) cudaStreamDestroy(handle_->stream);
}

void NcclCommunicator::wait_for_device() const { MMGRAPH_CUDA_CHECK(cudaDeviceSynchronize()); }

void NcclCommunicator::wait(const char* collective) {
  std::string failure;
  const bool done = poll_until(timeout_seconds_, [&] {
    ncclResult_t state = ncclSuccess;
    MMGRAPH_CUDA_CHECK(ncclCommGetAsyncError(handle_->comm, &state));
    if (state != ncclSuccess && state != ncclInProgress) {
      failure = std::string(" failed: ") + ncclGetErrorString(state) + " (" + ncclGetLastError(handle_->comm) + ")";
      return true;
    }
    if (state != ncclSuccess) return false;
    const cudaError_t ran = cudaStreamQuery(handle_->stream);
    if (ran == cudaErrorNotReady) return false;
    if (ran != cudaSuccess) failure = std::string(" failed: ") + cudaGetErrorString(ran);
    return true;
  });
  if (done && failure.empty()) return;
  if (!done) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", timeout_seconds_);
    failure = std::string(" did not complete within ") + seconds + " s";
  }
  ncclCommAbort(handle_->comm);
  handle_->comm = nullptr;
  std::fprintf(stderr, "mmgraph: rank %d of %d: %s%s; another rank has stopped or is stuck\n", rank_, size_,
               collective, failure.c_str());
  abort_run(1);
}

void NcclCommunicator::check_counts(const std::vector<int64_t>& counts, const char* collective) const {
  if (counts.size() != static_cast<size_t>(size_))
    throw Error("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": " + collective + " needs " +
                std::to_string(size_) + " counts, got " + std::to_string(counts.size()));
  for (const int64_t count : counts) check_count(count, collective);
}

void NcclCommunicator::all_reduce_sum(void* data, int64_t count, CommType type) {
  check_count(count, "ncclAllReduce");
  wait_for_device();
  MMGRAPH_NCCL_ENQUEUE(ncclAllReduce(data, data, static_cast<size_t>(count), nccl_type(type), ncclSum, handle_->comm,
                                     handle_->stream));
  wait("ncclAllReduce");
}

void NcclCommunicator::all_gather(const void* send, int64_t count, void* recv, CommType type) {
  check_count(count, "ncclAllGather");
  wait_for_device();
  MMGRAPH_NCCL_ENQUEUE(
      ncclAllGather(send, recv, static_cast<size_t>(count), nccl_type(type), handle_->comm, handle_->stream));
  wait("ncclAllGather");
}

void NcclCommunicator::all_gather_v(const void* send, void* recv, const std::vector<int64_t>& recv_counts,
                                    CommType type) {
  check_counts(recv_counts, "all_gather_v");
  wait_for_device();
  const auto mine = static_cast<size_t>(recv_counts[rank_]);
  const ncclDataType_t nt = nccl_type(type);
  MMGRAPH_CUDA_CHECK(ncclGroupStart());
  int64_t offset = 0;
  for (int q = 0; q < size_; ++q) {
    const auto n = static_cast<size_t>(recv_counts[q]);
    char* slot = at(recv, offset, type);
    offset += recv_counts[q];
    if (q == rank_ && slot == send) continue;  // this process's part is already in place
    if (mine > 0) MMGRAPH_NCCL_ENQUEUE(ncclSend(send, mine, nt, q, handle_->comm, handle_->stream));
    if (n > 0) MMGRAPH_NCCL_ENQUEUE(ncclRecv(slot, n, nt, q, handle_->comm, handle_->stream));
  }
  MMGRAPH_NCCL_ENQUEUE(ncclGroupEnd());
  wait("all_gather_v (ncclSend / ncclRecv)");
}

void NcclCommunicator::reduce_scatter_sum(const void* send, void* recv, int64_t count, CommType type) {
  check_count(count, "ncclReduceScatter");
  wait_for_device();
  MMGRAPH_NCCL_ENQUEUE(ncclReduceScatter(send, recv, static_cast<size_t>(count), nccl_type(type), ncclSum,
                                         handle_->comm, handle_->stream));
  wait("ncclReduceScatter");
}

void NcclCommunicator::all_to_all_v(const void* send, const std::vector<int64_t>& send_counts, void* recv,
                                    const std::vector<int64_t>& recv_counts, CommType type) {
  check_counts(send_counts, "all_to_all_v");
  check_counts(recv_counts, "all_to_all_v");
  wait_for_device();
  MMGRAPH_CUDA_CHECK(ncclGroupStart());
  int64_t send_offset = 0;
  int64_t recv_offset = 0;
  for (int q = 0; q < size_; ++q) {
    if (send_counts[q] > 0)
      MMGRAPH_NCCL_ENQUEUE(ncclSend(at(send, send_offset, type), static_cast<size_t>(send_counts[q]), nccl_type(type),
                                    q, handle_->comm, handle_->stream));
    if (recv_counts[q] > 0)
      MMGRAPH_NCCL_ENQUEUE(ncclRecv(at(recv, recv_offset, type), static_cast<size_t>(recv_counts[q]), nccl_type(type),
                                    q, handle_->comm, handle_->stream));
    send_offset += send_counts[q];
    recv_offset += recv_counts[q];
  }
  MMGRAPH_NCCL_ENQUEUE(ncclGroupEnd());
  wait("all_to_all_v (ncclSend / ncclRecv)");
}

void NcclCommunicator::broadcast(void* data, int64_t count, int root, CommType type) {
  check_count(count, "ncclBroadcast");
  if (root < 0 || root >= size_)
    throw Error("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": broadcast from rank " +
                std::to_string(root));
  wait_for_device();
  MMGRAPH_NCCL_ENQUEUE(ncclBroadcast(data, data, static_cast<size_t>(count), nccl_type(type), root, handle_->comm,
                                     handle_->stream));
  wait("ncclBroadcast");
}

void NcclCommunicator::barrier() {
  MMGRAPH_NCCL_ENQUEUE(ncclAllReduce(handle_->one, handle_->one, 1, ncclInt32, ncclSum, handle_->comm,
                                     handle_->stream));
  wait("barrier (ncclAllReduce)");
}

}  // namespace mmgraph::detail
