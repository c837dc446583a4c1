// The single-process communicator (see communicator.h).
#include "engine/src/communicator.h"

#include <string>

#include "engine/src/device.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// Throws unless `counts` has one non-negative entry (this process's).
void check_one_part(const std::vector<int64_t>& counts, const char* what) {
  if (counts.size() != 1 || counts[0] < 0)
    throw Error(std::string("single-process communicator: ") + what + " needs one non-negative count, got " +
                std::to_string(counts.size()));
}

// Throws when a collective is asked to move a negative number of elements.
void check_count(int64_t count) {
  if (count < 0) throw Error("single-process communicator: negative element count");
}

}  // namespace

// Bytes of one element of `type`.
size_t comm_type_size(CommType type) {
  switch (type) {
    case CommType::kFloat32:
    case CommType::kInt32:
      return 4;
    case CommType::kFloat64:
    case CommType::kInt64:
      return 8;
  }
  throw Error("communicator: unknown element type");
}

void SingleProcessCommunicator::copy(const void* send, void* recv, int64_t count, CommType type) {
  check_count(count);
  if (send == recv || count == 0) return;
  dev_.copy(recv, send, static_cast<size_t>(count) * comm_type_size(type));
}

void SingleProcessCommunicator::all_reduce_sum(void* data, int64_t count, CommType type) {
  (void)data;
  (void)type;
  check_count(count);  // the sum over one process is the data itself
}

void SingleProcessCommunicator::all_gather(const void* send, int64_t count, void* recv, CommType type) {
  copy(send, recv, count, type);
}

void SingleProcessCommunicator::all_gather_v(const void* send, void* recv, const std::vector<int64_t>& recv_counts,
                                             CommType type) {
  check_one_part(recv_counts, "all_gather_v");
  copy(send, recv, recv_counts[0], type);
}

void SingleProcessCommunicator::reduce_scatter_sum(const void* send, void* recv, int64_t count, CommType type) {
  copy(send, recv, count, type);
}

void SingleProcessCommunicator::all_to_all_v(const void* send, const std::vector<int64_t>& send_counts, void* recv,
                                             const std::vector<int64_t>& recv_counts, CommType type) {
  check_one_part(send_counts, "all_to_all_v");
  check_one_part(recv_counts, "all_to_all_v");
  if (send_counts[0] != recv_counts[0])
    throw Error("single-process communicator: all_to_all_v sends " + std::to_string(send_counts[0]) +
                " elements to itself but receives " + std::to_string(recv_counts[0]));
  copy(send, recv, send_counts[0], type);
}

void SingleProcessCommunicator::broadcast(void* data, int64_t count, int root, CommType type) {
  if (root != 0) throw Error("single-process communicator: broadcast from rank " + std::to_string(root) + " of 1");
  (void)data;
  (void)type;
  check_count(count);
}

void sum_in_rank_order(Communicator& comm, Device& dev, float* data, int64_t count) {
  if (comm.size() == 1 || count == 0) return;
  Buffer<float> all(dev, static_cast<size_t>(comm.size() * count), "process sums");
  comm.all_gather(data, count, all.data());
  dev.copy(data, all.data(), static_cast<size_t>(count) * sizeof(float));
  for (int r = 1; r < comm.size(); ++r) dev.axpy(count, 1.0f, all.data() + r * count, data);
}

}  // namespace mmgraph::detail
