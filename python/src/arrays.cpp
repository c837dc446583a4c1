// Checked conversions of NumPy arrays (see arrays.h).
#include "python/src/arrays.h"

#include <cmath>

#include "mmgraph/errors.h"

namespace mmgraph::python {

namespace {

py::array as_array(py::handle obj, const std::string& source, const std::string& what) {
  py::array a = py::array::ensure(obj);
  if (!a) {
    PyErr_Clear();
    throw InputError(source, what, "expected a NumPy array, got " + std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  return a;
}

std::string shape_of(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t d = 0; d < a.ndim(); ++d) s += (d ? ", " : "") + std::to_string(a.shape(d));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string dtype_name(const py::array& a) { return py::str(a.dtype()); }

}  // namespace

std::vector<int32_t> ids_from_array(py::handle obj, const std::string& source, const std::string& what,
                                    const std::string& position_prefix, const std::string& noun, int64_t limit) {
  const py::array a = as_array(obj, source, what);
  const char kind = a.dtype().kind();
  // An empty list becomes a float64 array: accept it as no ids.
  if (kind != 'i' && kind != 'u' && !(a.size() == 0 && kind == 'f'))
    throw InputError(source, what, "expected integer ids, got an array of " + dtype_name(a));
  if (a.ndim() != 1) throw InputError(source, what, "expected a 1-D array, got shape " + shape_of(a));
  std::vector<int32_t> out(static_cast<size_t>(a.size()));
  auto fail = [&](const std::string& value, py::ssize_t p) {
    throw InputError(source, position_prefix + std::to_string(p),
                     noun + " id " + value + " outside [0, " + std::to_string(limit) + ")");
  };
  if (kind == 'u') {
    const auto u = py::array_t<uint64_t, py::array::c_style | py::array::forcecast>::ensure(a);
    for (py::ssize_t p = 0; p < u.size(); ++p) {
      if (u.data()[p] >= static_cast<uint64_t>(limit)) fail(std::to_string(u.data()[p]), p);
      out[static_cast<size_t>(p)] = static_cast<int32_t>(u.data()[p]);
    }
  } else {
    const auto s = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(a);
    for (py::ssize_t p = 0; p < s.size(); ++p) {
      if (s.data()[p] < 0 || s.data()[p] >= limit) fail(std::to_string(s.data()[p]), p);
      out[static_cast<size_t>(p)] = static_cast<int32_t>(s.data()[p]);
    }
  }
  return out;
}

std::vector<float> float_matrix(py::handle obj, const std::string& source, const std::string& what, int64_t rows,
                                int64_t& cols_out) {
  const py::array a = as_array(obj, source, what);
  const char kind = a.dtype().kind();
  const py::ssize_t size = a.dtype().itemsize();
  if (kind != 'f' || (size != 2 && size != 4 && size != 8))
    throw InputError(source, what, "expected float16, float32 or float64 values, got an array of " + dtype_name(a));
  if (a.ndim() != 2) throw InputError(source, what, "expected a 2-D array [rows x columns], got shape " + shape_of(a));
  if (rows >= 0 && a.shape(0) != rows)
    throw InputError(source, what,
                     "shape " + shape_of(a) + " has " + std::to_string(a.shape(0)) + " rows, expected " +
                         std::to_string(rows) + " (row i must be item i)");
  const auto f = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a);
  const int64_t cols = a.shape(1);
  std::vector<float> out(f.data(), f.data() + f.size());
  for (size_t k = 0; k < out.size(); ++k)
    if (!std::isfinite(out[k]))
      throw InputError(source, what,
                       "value " + std::to_string(out[k]) + " at row " + std::to_string(static_cast<int64_t>(k) / cols) +
                           ", column " + std::to_string(static_cast<int64_t>(k) % cols) + " is not finite");
  cols_out = cols;
  return out;
}

}  // namespace mmgraph::python
