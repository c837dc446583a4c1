// CUDA twin of the batch's distinct rows: users and positives by radix sort and
// run-length encoding (values and multiplicities), the other items by radix sort,
// unique, and a flagged select of those not among the positives (one thread per
// candidate, binary search over the sorted positives), then one kernel that places the
// three parts in the padded layout, reading their sizes from device memory.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_run_length_encode.cuh>
#include <cub/device/device_select.cuh>

#include <algorithm>

#include "kernels/batch_rows.h"
#include "kernels/cuda_check.h"
#include "kernels/loss_device.cuh"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 256;

// One thread per candidate i: keep it when it is one of the *n_unique distinct
// others and not among the *n_pos sorted distinct positives.
__global__ void __launch_bounds__(kBlock) flag_not_positive(int64_t cap, const int32_t* unique_others,
                                                            const int32_t* n_unique, const int32_t* pos,
                                                            const int32_t* n_pos, char* flags) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= cap) return;
  if (i >= *n_unique) {
    flags[i] = 0;
    return;
  }
  const int32_t v = unique_others[i];
  int32_t lo = 0, hi = *n_pos;
  while (lo < hi) {
    const int32_t mid = lo + (hi - lo) / 2;
    if (pos[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  flags[i] = (lo < *n_pos && pos[lo] == v) ? 0 : 1;
}

// The sorted distinct ids of the three parts and their sizes (device memory).
struct SortedParts {
  const int32_t *users, *user_counts, *pos, *pos_counts, *others;
  const int32_t* nums;  // distinct users, distinct positives, distinct others, others kept
};

// One thread per slot i of the padded layout (room.total() rows, the first room.users +
// room.pos_items with counts): a part's k-th distinct id (items offset by n_users) and its
// count, or -1 and count 0 past the part's size.
__global__ void __launch_bounds__(kBlock) place_padded(BatchRowSizes room, SortedParts parts, int32_t n_users,
                                                       int32_t* rows, int32_t* counts) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= room.users + room.pos_items + room.other_items) return;
  if (i < room.users) {
    const bool kept = i < parts.nums[0];
    rows[i] = kept ? parts.users[i] : -1;
    counts[i] = kept ? parts.user_counts[i] : 0;
  } else if (i < room.users + room.pos_items) {
    const int64_t k = i - room.users;
    const bool kept = k < parts.nums[1];
    rows[i] = kept ? parts.pos[k] + n_users : -1;
    counts[i] = kept ? parts.pos_counts[k] : 0;
  } else {
    const int64_t k = i - room.users - room.pos_items;
    rows[i] = k < parts.nums[3] ? parts.others[k] + n_users : -1;
  }
}

// Byte offsets of the scratch regions, each 256-byte aligned.
struct RowsScratch {
  size_t sorted_u, unique_u, count_u, sorted_p, unique_p, count_p, others, sorted_o, unique_o, flags, kept_o, nums;
  size_t cub, cub_bytes, total;
};

RowsScratch rows_scratch(int64_t b, int64_t n_extra) {
  const auto nb = static_cast<int>(b), no = static_cast<int>(b + n_extra);
  const size_t ib = align256(static_cast<size_t>(b) * sizeof(int32_t));
  const size_t io = align256(static_cast<size_t>(b + n_extra) * sizeof(int32_t));
  RowsScratch s{};
  s.sorted_u = 0;
  s.unique_u = s.sorted_u + ib;
  s.count_u = s.unique_u + ib;
  s.sorted_p = s.count_u + ib;
  s.unique_p = s.sorted_p + ib;
  s.count_p = s.unique_p + ib;
  s.others = s.count_p + ib;
  s.sorted_o = s.others + io;
  s.unique_o = s.sorted_o + io;
  s.flags = s.unique_o + io;
  s.kept_o = s.flags + align256(static_cast<size_t>(b + n_extra));
  s.nums = s.kept_o + io;
  s.cub = s.nums + align256(4 * sizeof(int32_t));
  const int32_t* ip = nullptr;
  int32_t* op = nullptr;
  const char* fp = nullptr;
  size_t bytes = 0;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortKeys(nullptr, bytes, ip, op, no));
  s.cub_bytes = std::max(s.cub_bytes, bytes);
  MMGRAPH_CUDA_CHECK(cub::DeviceRunLengthEncode::Encode(nullptr, bytes, ip, op, op, op, nb));
  s.cub_bytes = std::max(s.cub_bytes, bytes);
  MMGRAPH_CUDA_CHECK(cub::DeviceSelect::Unique(nullptr, bytes, ip, op, op, no));
  s.cub_bytes = std::max(s.cub_bytes, bytes);
  MMGRAPH_CUDA_CHECK(cub::DeviceSelect::Flagged(nullptr, bytes, ip, fp, op, op, no));
  s.cub_bytes = std::max(s.cub_bytes, bytes);
  s.total = s.cub + align256(s.cub_bytes);
  return s;
}

}  // namespace

size_t batch_rows_cuda_scratch_bytes(int64_t b, int64_t n_extra) { return rows_scratch(b, n_extra).total; }

void batch_rows_padded_cuda(const BatchRowsInput& in, int32_t* rows, int32_t* counts, void* scratch,
                            cudaStream_t stream) {
  if (in.b == 0 && in.n_extra == 0) return;
  const RowsScratch s = rows_scratch(in.b, in.n_extra);
  char* base = static_cast<char*>(scratch);
  auto at = [base](size_t offset) { return reinterpret_cast<int32_t*>(base + offset); };
  int32_t* nums = at(s.nums);  // distinct users, distinct positives, distinct others, others kept
  void* cub_tmp = base + s.cub;
  const auto nb = static_cast<int>(in.b), no = static_cast<int>(in.b + in.n_extra);
  // Zero counts first: with an empty batch the run-length encodings may leave theirs unwritten,
  // and the flag kernel reads the positives' count.
  MMGRAPH_CUDA_CHECK(cudaMemsetAsync(nums, 0, 4 * sizeof(int32_t), stream));
  size_t bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortKeys(cub_tmp, bytes, in.users, at(s.sorted_u), nb, 0, 32, stream));
  bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(cub::DeviceRunLengthEncode::Encode(cub_tmp, bytes, at(s.sorted_u), at(s.unique_u),
                                                        at(s.count_u), nums, nb, stream));
  bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortKeys(cub_tmp, bytes, in.pos, at(s.sorted_p), nb, 0, 32, stream));
  bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(cub::DeviceRunLengthEncode::Encode(cub_tmp, bytes, at(s.sorted_p), at(s.unique_p),
                                                        at(s.count_p), nums + 1, nb, stream));
  const size_t neg_bytes = static_cast<size_t>(in.b) * sizeof(int32_t);
  if (in.b > 0) MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(at(s.others), in.neg, neg_bytes, cudaMemcpyDeviceToDevice, stream));
  if (in.n_extra > 0)
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(at(s.others) + in.b, in.extra, static_cast<size_t>(in.n_extra) * sizeof(int32_t),
                                       cudaMemcpyDeviceToDevice, stream));
  bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortKeys(cub_tmp, bytes, at(s.others), at(s.sorted_o), no, 0, 32, stream));
  bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(cub::DeviceSelect::Unique(cub_tmp, bytes, at(s.sorted_o), at(s.unique_o), nums + 2, no, stream));
  auto* flags = reinterpret_cast<char*>(base + s.flags);
  cuda::launch("flag_not_positive", &flag_not_positive, no, kBlock, stream, static_cast<int64_t>(no), at(s.unique_o),
               nums + 2, at(s.unique_p), nums + 1, flags);
  bytes = s.cub_bytes;
  MMGRAPH_CUDA_CHECK(
      cub::DeviceSelect::Flagged(cub_tmp, bytes, at(s.unique_o), flags, at(s.kept_o), nums + 3, no, stream));
  const SortedParts parts{at(s.unique_u), at(s.count_u), at(s.unique_p), at(s.count_p), at(s.kept_o), nums};
  const BatchRowSizes room = padded_batch_row_sizes(in);
  cuda::launch("place_padded", &place_padded, room.total(), kBlock, stream, room, parts, in.n_users, rows, counts);
}

}  // namespace mmgraph::kernels
