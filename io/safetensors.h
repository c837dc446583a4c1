#pragma once
// safetensors files (https://github.com/huggingface/safetensors, format of
// 2023): an 8-byte little-endian header length N, a JSON header of N bytes
// mapping each tensor name to {dtype, shape, data_offsets} plus an optional
// "__metadata__" map of strings, then the tensors' bytes back to back.
// Our writer pads the header with spaces to a multiple of 8 bytes and stores
// an FNV-1a checksum of the data in the metadata ("mmgraph.data_fnv1a64"); the
// reader verifies it when present, so a truncated or damaged file is refused.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mmgraph::io {

// A tensor to write: `bytes` = product(shape) * size of `dtype` ("F32", "F64",
// "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL").
struct TensorToWrite {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t bytes = 0;
};

// Writes the file crash-safely (write_file_atomic). Tensors are stored in the
// order given; names must be unique and must not be "__metadata__".
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata);

struct StoredTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  size_t offset = 0;  // into Safetensors::data
  size_t bytes = 0;
};

struct Safetensors {
  std::string source;                            // the path (or name) errors mention
  std::map<std::string, std::string> metadata;
  std::map<std::string, StoredTensor> tensors;
  std::string data;                              // the data section

  bool has(const std::string& name) const { return tensors.count(name) != 0; }
  // The tensor's values; InputError naming the source and the tensor when it
  // is missing, its dtype is not `dtype`, or its shape is not `shape`.
  std::vector<float> f32(const std::string& name, const std::vector<int64_t>& shape) const;
  std::vector<int64_t> i64(const std::string& name, const std::vector<int64_t>& shape) const;
  std::vector<int32_t> i32(const std::string& name, const std::vector<int64_t>& shape) const;
  // The shape of a tensor (InputError when missing).
  const std::vector<int64_t>& shape(const std::string& name) const;
  std::vector<uint8_t> u8(const std::string& name) const;  // any shape, 1-D view
  // A metadata value; InputError naming the key when absent.
  const std::string& meta(const std::string& key) const;
};

// Parses a whole file image. Every defect (short file, header length past the
// end or over 100 MB, malformed JSON or duplicate keys, unknown dtype, negative
// or overflowing shape, offsets that overlap, leave holes or do not match the
// shape, trailing bytes, a checksum mismatch) is an InputError naming `source`
// and the byte offset or the tensor.
Safetensors parse_safetensors(std::string bytes, const std::string& source);
Safetensors read_safetensors(const std::string& path);

}  // namespace mmgraph::io
