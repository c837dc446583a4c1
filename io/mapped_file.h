#pragma once
// A whole file mapped read-only into memory (the arrays of a prepared data set).
#include <cstddef>
#include <memory>
#include <string>

namespace mmgraph::io {

// The bytes of a file as a read-only private mapping (PROT_READ, MAP_PRIVATE):
// pages come from the page cache, not anonymous memory, and a write through
// `data` faults instead of reaching the file. `keeper` owns the mapping; it is
// unmapped when the last copy of `keeper` goes. An empty file has no mapping
// (data = nullptr, size = 0). The mapping starts at offset 0 and so is page-aligned.
// A file shortened by another process after mapping makes reads past its new
// end fault (SIGBUS): the caller checks the size it expects right after mapping.
struct MappedFile {
  std::shared_ptr<const void> keeper;
  const char* data = nullptr;
  size_t size = 0;
};

// Maps `path`; failing to open, stat or map it is an InputError naming the file
// with `what` (e.g. "array 'train_col' of the manifest") and the system's reason.
MappedFile map_file(const std::string& path, const std::string& what);

}  // namespace mmgraph::io
