#pragma once
// NumPy arrays in and out of the module: checked conversions of user arrays
// (dtype, shape, range; every defect an InputError, so a ValueError in Python)
// and zero-copy views of vectors that a Python object keeps alive.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mmgraph::python {

namespace py = pybind11;

// A 1-D array of integers of any integer dtype (a list works too) as int32 ids in
// [0, limit). Errors name `source` and, for an id out of range, the position
// "<position_prefix><index>": "user id 12 outside [0, 10)" with noun = "user".
std::vector<int32_t> ids_from_array(py::handle obj, const std::string& source, const std::string& what,
                                    const std::string& position_prefix, const std::string& noun, int64_t limit);

// A 2-D array of float16/32/64 values with `rows` rows (rows < 0: any), finite, as
// row-major float32. cols_out receives the column count.
std::vector<float> float_matrix(py::handle obj, const std::string& source, const std::string& what, int64_t rows,
                                int64_t& cols_out);

// A [rows x cols] (cols = 0: 1-D [rows]) view of data that `owner` keeps alive; read-only
// unless writable (the views of a result's or a data set's own memory stay read-only).
template <typename T>
py::array view_of(const T* data, int64_t rows, int64_t cols, py::handle owner, bool writable = false) {
  std::vector<py::ssize_t> shape{rows}, strides{static_cast<py::ssize_t>(sizeof(T))};
  if (cols > 0) {
    shape.push_back(cols);
    strides = {static_cast<py::ssize_t>(cols * static_cast<int64_t>(sizeof(T))), static_cast<py::ssize_t>(sizeof(T))};
  }
  py::array out(py::dtype::of<T>(), shape, strides, data, owner);
  if (!writable) out.attr("setflags")(py::arg("write") = false);
  return out;
}

// A writable view of a vector moved into a capsule that the array owns (no copy).
template <typename T>
py::array array_owning(std::vector<T>&& values, int64_t rows, int64_t cols) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return view_of(owned->data(), rows, cols, owner, true);
}

}  // namespace mmgraph::python
