#pragma once
// Crash-safe file output (write_file_atomic, public: mmgraph/atomic_file.h) and
// content checksums shared by the writers.
#include <cstddef>
#include <cstdint>

#include "mmgraph/atomic_file.h"

namespace mmgraph::io {

// FNV-1a, 64-bit, of a byte range; `h` continues an earlier checksum.
uint64_t fnv1a64(const void* data, size_t size, uint64_t h = 0xcbf29ce484222325ull);

}  // namespace mmgraph::io
