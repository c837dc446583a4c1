#pragma once
// NumPy .npy arrays: reader for 2-D C-order float16/float32/float64 (format
// versions 1.0, 2.0, 3.0; converted to float32) and a float32 writer.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mmgraph::io {

struct NpyArray {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> values;  // row-major rows x cols
};

// Parses an .npy image in memory; `source` names it in errors. Every defect
// (magic, version, header, dtype, order, shape, truncation, trailing bytes) is
// an InputError naming the byte offset.
NpyArray parse_npy(std::string_view bytes, const std::string& source);
NpyArray read_npy(const std::string& path);

// The shape of the .npy file at `path` from its header alone, with the same checks of the header
// and of the file's size as read_npy; no value is read. `values` stays empty.
NpyArray read_npy_shape(const std::string& path);

// Writes rows x cols float32 values as format 1.0, C order.
void write_npy(const std::string& path, const float* values, int64_t rows, int64_t cols);

// IEEE half -> float, exact for every value including subnormals, inf and NaN.
float half_to_float(uint16_t h);

}  // namespace mmgraph::io
