// The MPI communicator (see mpi_communicator.h).
#include "engine/src/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>

#include "engine/src/mpi_runtime.h"
#include "engine/src/poll.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

struct MpiCommunicator::Handle {
  MPI_Comm comm = MPI_COMM_NULL;
};

namespace {

MPI_Datatype mpi_type(CommType type) {
  switch (type) {
    case CommType::kFloat32:
      return MPI_FLOAT;
    case CommType::kFloat64:
      return MPI_DOUBLE;
    case CommType::kInt32:
      return MPI_INT32_T;
    case CommType::kInt64:
      return MPI_INT64_T;
  }
  throw Error("MPI communicator: unknown element type");
}

// Throws Error with MPI's own message unless `status` is MPI_SUCCESS.
void check_mpi(int status, const char* call, int rank, int size) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw Error("rank " + std::to_string(rank) + " of " + std::to_string(size) + ": " + call +
              " failed: " + std::string(text, static_cast<size_t>(length)));
}

void check_count(int64_t count, const char* collective) {
  if (count < 0) throw Error(std::string("MPI communicator: ") + collective + ": negative element count");
}

// A committed datatype of exactly `count` elements of `base` (count > max, max <= INT_MAX):
// count / max blocks of max elements, then the rest; freed with the object.
class CountType {
 public:
  CountType(int64_t count, int64_t max, MPI_Datatype base) {
    const int64_t blocks = count / max;
    const int64_t rest = count % max;
    if (blocks > std::numeric_limits<int>::max())
      throw Error("MPI communicator: " + std::to_string(count) + " elements exceed what one datatype describes");
    MPI_Datatype block = MPI_DATATYPE_NULL;
    MPI_Datatype whole = MPI_DATATYPE_NULL;
    MPI_Type_contiguous(static_cast<int>(max), base, &block);
    MPI_Type_contiguous(static_cast<int>(blocks), block, &whole);
    if (rest == 0) {
      type_ = whole;
    } else {
      MPI_Datatype tail = MPI_DATATYPE_NULL;
      MPI_Type_contiguous(static_cast<int>(rest), base, &tail);
      MPI_Aint lb = 0;
      MPI_Aint extent = 0;
      MPI_Type_get_extent(base, &lb, &extent);
      const int lengths[2] = {1, 1};
      const MPI_Aint offsets[2] = {0, static_cast<MPI_Aint>(blocks * max) * extent};
      const MPI_Datatype parts[2] = {whole, tail};
      MPI_Type_create_struct(2, lengths, offsets, parts, &type_);
      MPI_Type_free(&tail);
      MPI_Type_free(&whole);
    }
    MPI_Type_free(&block);
    MPI_Type_commit(&type_);
  }
  CountType(const CountType&) = delete;
  CountType& operator=(const CountType&) = delete;
  ~CountType() { MPI_Type_free(&type_); }
  MPI_Datatype get() const { return type_; }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// p advanced by `elements` elements of `type`.
template <typename T>
T* advance(T* p, int64_t elements, CommType type) {
  using Byte = std::conditional_t<std::is_const_v<T>, const char, char>;
  return reinterpret_cast<T*>(reinterpret_cast<Byte*>(p) + elements * static_cast<int64_t>(comm_type_size(type)));
}

}  // namespace

MpiCommunicator::MpiCommunicator(double timeout_seconds, int64_t max_count_per_call)
    : handle_(std::make_unique<Handle>()), timeout_seconds_(timeout_seconds), max_count_(max_count_per_call) {
  if (!(timeout_seconds > 0)) throw Error("MPI communicator: the timeout must be positive");
  if (max_count_per_call < 1 || max_count_per_call > std::numeric_limits<int>::max())
    throw Error("MPI communicator: max_count_per_call must lie in [1, INT_MAX]");
  init_mpi();
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &handle_->comm), "MPI_Comm_dup", rank_, size_);
  // Failures come back as codes, which check_mpi turns into Error naming this rank.
  MPI_Comm_set_errhandler(handle_->comm, MPI_ERRORS_RETURN);
}

MpiCommunicator::~MpiCommunicator() {
  if (handle_->comm != MPI_COMM_NULL && mpi_running()) MPI_Comm_free(&handle_->comm);
}

template <typename Start>
void MpiCommunicator::run(const char* collective, Start start) {
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(start(&request), collective, rank_, size_);
  const bool done = poll_until(timeout_seconds_, [&] {
    int finished = 0;
    check_mpi(MPI_Test(&request, &finished, MPI_STATUS_IGNORE), collective, rank_, size_);
    return finished != 0;
  });
  if (done) return;
  std::fprintf(stderr, "mmgraph: rank %d of %d: %s did not complete within %g s; another rank has stopped or is stuck\n",
               rank_, size_, collective, timeout_seconds_);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return
}

void MpiCommunicator::int_counts(const std::vector<int64_t>& counts, const char* collective, std::vector<int>& ints,
                                 std::vector<int>& offsets) const {
  if (counts.size() != static_cast<size_t>(size_))
    throw Error("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": " + collective + " needs " +
                std::to_string(size_) + " counts, got " + std::to_string(counts.size()));
  ints.resize(counts.size());
  offsets.resize(counts.size());
  int64_t offset = 0;
  for (size_t q = 0; q < counts.size(); ++q) {
    check_count(counts[q], collective);
    if (counts[q] > max_count_ || offset > max_count_)
      throw Error("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": " + collective +
                  " moves more than " + std::to_string(max_count_) +
                  " elements in one part or before one, beyond MPI's int counts");
    ints[q] = static_cast<int>(counts[q]);
    offsets[q] = static_cast<int>(offset);
    offset += counts[q];
  }
}

void MpiCommunicator::all_reduce_sum(void* data, int64_t count, CommType type) {
  check_count(count, "MPI_Iallreduce");
  for (int64_t first = 0; first < count; first += max_count_) {
    const int n = static_cast<int>(std::min(max_count_, count - first));
    void* part = advance(data, first, type);
    run("MPI_Iallreduce", [&](MPI_Request* r) {
      return MPI_Iallreduce(MPI_IN_PLACE, part, n, mpi_type(type), MPI_SUM, handle_->comm, r);
    });
  }
}

void MpiCommunicator::all_gather(const void* send, int64_t count, void* recv, CommType type) {
  check_count(count, "MPI_Iallgather");
  // This process's part already in place in recv is what MPI_IN_PLACE says.
  const void* from = send == advance(recv, rank_ * count, type) ? MPI_IN_PLACE : send;
  if (count <= max_count_) {
    const int n = static_cast<int>(count);
    run("MPI_Iallgather", [&](MPI_Request* r) {
      return MPI_Iallgather(from, n, mpi_type(type), recv, n, mpi_type(type), handle_->comm, r);
    });
    return;
  }
  const CountType whole(count, max_count_, mpi_type(type));
  run("MPI_Iallgather", [&](MPI_Request* r) {
    return MPI_Iallgather(from, 1, whole.get(), recv, 1, whole.get(), handle_->comm, r);
  });
}

void MpiCommunicator::all_gather_v(const void* send, void* recv, const std::vector<int64_t>& recv_counts,
                                   CommType type) {
  std::vector<int> counts;
  std::vector<int> offsets;
  int_counts(recv_counts, "MPI_Iallgatherv", counts, offsets);
  const void* from = send == advance(recv, offsets[rank_], type) ? MPI_IN_PLACE : send;
  run("MPI_Iallgatherv", [&](MPI_Request* r) {
    return MPI_Iallgatherv(from, counts[rank_], mpi_type(type), recv, counts.data(), offsets.data(), mpi_type(type),
                           handle_->comm, r);
  });
}

void MpiCommunicator::reduce_scatter_sum(const void* send, void* recv, int64_t count, CommType type) {
  check_count(count, "MPI_Ireduce_scatter_block");
  if (count > max_count_)
    throw Error("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": MPI_Ireduce_scatter_block of " +
                std::to_string(count) + " elements per process, beyond MPI's int counts (" +
                std::to_string(max_count_) + ")");
  const int n = static_cast<int>(count);
  run("MPI_Ireduce_scatter_block", [&](MPI_Request* r) {
    return MPI_Ireduce_scatter_block(send, recv, n, mpi_type(type), MPI_SUM, handle_->comm, r);
  });
}

void MpiCommunicator::all_to_all_v(const void* send, const std::vector<int64_t>& send_counts, void* recv,
                                   const std::vector<int64_t>& recv_counts, CommType type) {
  std::vector<int> s_counts;
  std::vector<int> s_offsets;
  std::vector<int> r_counts;
  std::vector<int> r_offsets;
  int_counts(send_counts, "MPI_Ialltoallv", s_counts, s_offsets);
  int_counts(recv_counts, "MPI_Ialltoallv", r_counts, r_offsets);
  run("MPI_Ialltoallv", [&](MPI_Request* r) {
    return MPI_Ialltoallv(send, s_counts.data(), s_offsets.data(), mpi_type(type), recv, r_counts.data(),
                          r_offsets.data(), mpi_type(type), handle_->comm, r);
  });
}

void MpiCommunicator::broadcast(void* data, int64_t count, int root, CommType type) {
  check_count(count, "MPI_Ibcast");
  if (root < 0 || root >= size_)
    throw Error("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": broadcast from rank " +
                std::to_string(root));
  if (count <= max_count_) {
    const int n = static_cast<int>(count);
    run("MPI_Ibcast", [&](MPI_Request* r) { return MPI_Ibcast(data, n, mpi_type(type), root, handle_->comm, r); });
    return;
  }
  const CountType whole(count, max_count_, mpi_type(type));
  run("MPI_Ibcast", [&](MPI_Request* r) { return MPI_Ibcast(data, 1, whole.get(), root, handle_->comm, r); });
}

void MpiCommunicator::barrier() {
  run("MPI_Ibarrier", [&](MPI_Request* r) { return MPI_Ibarrier(handle_->comm, r); });
}

}  // namespace mmgraph::detail
