// write_file_atomic (mmgraph/atomic_file.h): temporary file, fsync, rename, fsync of the directory.
#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "mmgraph/errors.h"

namespace mmgraph {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void write_all(int fd, std::string_view bytes, const std::string& name) {
  // MMGRAPH_TEST_KILL_AFTER_BYTES (see mmgraph/atomic_file.h): bytes left before the kill, or -1.
  static int64_t budget = [] {
    const char* v = std::getenv("MMGRAPH_TEST_KILL_AFTER_BYTES");
    return v ? static_cast<int64_t>(std::strtoll(v, nullptr, 10)) : int64_t{-1};
  }();
  if (budget >= 0 && static_cast<int64_t>(bytes.size()) > budget) {
    bytes = bytes.substr(0, static_cast<size_t>(budget));
    budget = 0;
    for (size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    std::raise(SIGKILL);
  }
  if (budget >= 0) budget -= static_cast<int64_t>(bytes.size());
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(name, "", fmt::format("write failed: {}", std::strerror(errno)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::vector<std::string_view>& parts) {
  namespace fs = std::filesystem;
  std::error_code status_error;
  const fs::file_status target = fs::status(path, status_error);  // through symlinks (/dev/stdout)
  if (!status_error && fs::is_directory(target)) throw InputError(path, "", "is a directory, not a file");
  if (!status_error && fs::exists(target) && !fs::is_regular_file(target)) {
    // A device, pipe or socket: nothing to rename over it (that would replace the device node);
    // written in place, every write and the close checked.
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) throw InputError(path, "", fmt::format("cannot open for writing: {}", std::strerror(errno)));
    for (std::string_view part : parts) write_all(fd.get(), part, path);
    if (::close(fd.release()) != 0) throw InputError(path, "", fmt::format("close failed: {}", std::strerror(errno)));
    return;
  }
  const std::string tmp = fmt::format("{}.tmp-{}", path, ::getpid());
  try {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) throw InputError(path, "", fmt::format("cannot open for writing: {}", std::strerror(errno)));
    for (std::string_view part : parts) write_all(fd.get(), part, tmp);
    if (::fsync(fd.get()) != 0) throw InputError(tmp, "", fmt::format("fsync failed: {}", std::strerror(errno)));
    if (::close(fd.release()) != 0) throw InputError(tmp, "", fmt::format("close failed: {}", std::strerror(errno)));
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw InputError(path, "", fmt::format("cannot rename {} over it: {}", tmp, ec.message()));
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
  // Make the rename itself durable.
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
}

namespace io {

uint64_t fnv1a64(const void* data, size_t size, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace io

}  // namespace mmgraph
