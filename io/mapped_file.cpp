// Read-only file mappings (POSIX mmap), unmapped with their last owner.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "io/mapped_file.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

MappedFile map_file(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, "", fmt::format("cannot read {}: {}", what, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw InputError(path, "", fmt::format("cannot read {}: {}", what, std::strerror(err)));
  }
  MappedFile out;
  out.size = static_cast<size_t>(st.st_size);
  if (out.size == 0) {
    ::close(fd);
    return out;
  }
  void* p = ::mmap(nullptr, out.size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (p == MAP_FAILED) throw InputError(path, "", fmt::format("cannot map {}: {}", what, std::strerror(err)));
  const size_t size = out.size;
  out.keeper = std::shared_ptr<const void>(p, [size](const void* q) { ::munmap(const_cast<void*>(q), size); });
  out.data = static_cast<const char*>(p);
  return out;
}

}  // namespace mmgraph::io
