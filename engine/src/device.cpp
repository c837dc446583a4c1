// Device selection and CSR upload, shared by both devices.
#include <fmt/format.h>

#include <string>

#include "engine/src/device.h"
#include "engine/src/device_name.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

DeviceCsr make_csr(Device& dev, int64_t n_rows, int64_t n_cols, const int64_t* row_ptr, size_t n_row_ptr,
                   const int32_t* col, size_t nnz, const std::vector<float>* val, const char* what) {
  DeviceCsr out;
  out.row_ptr = Buffer<int64_t>::from_host(dev, row_ptr, n_row_ptr, what);
  out.col = Buffer<int32_t>::from_host(dev, col, nnz, what);
  if (val) out.val = Buffer<float>::from_host(dev, *val, what);
  out.view = kernels::CsrView{n_row_ptr == 0 ? 0 : n_rows, n_cols, static_cast<int64_t>(nnz),
                              out.row_ptr.data(), out.col.data(), val ? out.val.data() : nullptr};
  return out;
}

}  // namespace

DeviceCsr upload_csr(Device& dev, const kernels::CsrHost& csr, const char* what) {
  return make_csr(dev, csr.n_rows, csr.n_cols, csr.row_ptr.data(), csr.row_ptr.size(), csr.col.data(), csr.col.size(),
                  &csr.val, what);
}

DeviceCsr upload_pattern(Device& dev, int64_t n_rows, int64_t n_cols, const int64_t* row_ptr, size_t n_row_ptr,
                         const int32_t* col, size_t nnz, const char* what) {
  return make_csr(dev, n_rows, n_cols, row_ptr, n_row_ptr, col, nnz, nullptr, what);
}

std::unique_ptr<Device> select_device(const std::string& name, bool deterministic) {
  if (name == "cpu") return make_cpu_device();
  if (name == "auto") return cuda_device_count() > 0 ? make_cuda_device(0, deterministic) : make_cpu_device();
  if (!is_device_name(name)) throw InputError("--device", name, "must be " + std::string(kDeviceNames));
  const int index = name == "cuda" ? 0 : std::stoi(name.substr(5));
  const int count = cuda_device_count();
  if (index >= count) throw InputError("--device", name, fmt::format("no such CUDA device ({} visible)", count));
  return make_cuda_device(index, deterministic);
}

}  // namespace mmgraph::detail
