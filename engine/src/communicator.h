#pragma once
// The collectives a run over several processes needs, one process per device. Buffers are
// the device's memory (Buffer<T>::data()): host memory for the CPU device, device memory for
// a GPU, as MPI and NCCL take them. Every process calls a collective with the same sizes, in
// the same order. The single-process communicator (rank 0 of 1) turns each collective into a
// copy or nothing; implementations over MPI and NCCL implement the same interface.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mmgraph::detail {

class Device;

// The element types a collective moves (the sum of all_reduce_sum / reduce_scatter_sum is in it).
enum class CommType { kFloat32, kFloat64, kInt32, kInt64 };

// Bytes of one element of `type`.
size_t comm_type_size(CommType type);

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // data[0, count) := the element-wise sum over every process's data (in place).
  virtual void all_reduce_sum(void* data, int64_t count, CommType type) = 0;
  // recv[r * count, (r + 1) * count) := process r's send[0, count), for every r.
  virtual void all_gather(const void* send, int64_t count, void* recv, CommType type) = 0;
  // recv := the concatenation of every process's send, in rank order; process r sends
  // recv_counts[r] elements (recv_counts has size() entries, the same on every process).
  virtual void all_gather_v(const void* send, void* recv, const std::vector<int64_t>& recv_counts,
                            CommType type) = 0;
  // recv[0, count) := the element-wise sum over every process of its send[rank * count, (rank + 1) * count).
  virtual void reduce_scatter_sum(const void* send, void* recv, int64_t count, CommType type) = 0;
  // Process r's send_counts[q] elements for process q (consecutive in send, q ascending) arrive in
  // q's recv after those of the processes before r; recv_counts[r] is what r sends here.
  virtual void all_to_all_v(const void* send, const std::vector<int64_t>& send_counts, void* recv,
                            const std::vector<int64_t>& recv_counts, CommType type) = 0;
  // data[0, count) := root's data[0, count) on every process.
  virtual void broadcast(void* data, int64_t count, int root, CommType type) = 0;
  // Returns once every process has called it.
  virtual void barrier() = 0;

  // Typed forms of the collectives above.
  void all_reduce_sum(float* data, int64_t count) { all_reduce_sum(data, count, CommType::kFloat32); }
  void all_reduce_sum(double* data, int64_t count) { all_reduce_sum(data, count, CommType::kFloat64); }
  void all_gather(const float* send, int64_t count, float* recv) { all_gather(send, count, recv, CommType::kFloat32); }
  void all_gather_v(const float* send, float* recv, const std::vector<int64_t>& recv_counts) {
    all_gather_v(send, recv, recv_counts, CommType::kFloat32);
  }
  void all_to_all_v(const float* send, const std::vector<int64_t>& send_counts, float* recv,
                    const std::vector<int64_t>& recv_counts) {
    all_to_all_v(send, send_counts, recv, recv_counts, CommType::kFloat32);
  }
};

// data[0, count) (device memory) := the sum over processes of every process's data, added in rank
// order (process 0's, plus 1's, ...) on every process: the same bits on every process, whatever
// order the library's all-reduce would choose. For the few dense gradients whose terms are split
// over processes (count floats each; P x count of scratch).
void sum_in_rank_order(Communicator& comm, Device& dev, float* data, int64_t count);

// The communicator of a run in one process: rank 0 of 1. Moving data is a copy on the device
// (nothing when source and destination are the same buffer); sums over one process are the
// values themselves.
class SingleProcessCommunicator final : public Communicator {
 public:
  explicit SingleProcessCommunicator(Device& dev) : dev_(dev) {}
  int rank() const override { return 0; }
  int size() const override { return 1; }
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
  void barrier() override {}

 private:
  // recv := send, count elements (nothing when they are the same buffer).
  void copy(const void* send, void* recv, int64_t count, CommType type);
  Device& dev_;
};

}  // namespace mmgraph::detail
