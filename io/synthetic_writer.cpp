// write_synthetic_dataset: the synthetic generator's output streamed into a
// binary cache (manifest.json plus raw arrays), nothing held but buffers.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>

#include <fmt/format.h>

#include "io/atomic_file.h"
#include "io/binary_cache.h"
#include "io/synthetic_generator.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"

namespace mmgraph {

namespace {

namespace fs = std::filesystem;

constexpr size_t kBufferBytes = size_t{4} << 20;  // per array; 8 arrays at most are open at once

// One array of the cache written as it comes: to "<file>.tmp-<pid>" through a
// buffer, checksummed on the way, then fsync'ed and renamed by finish(). Bytes
// may also go to an offset of their own (put_at); the checksum is then read
// back at the end. Every failed call is an InputError naming the file; an
// unfinished array removes its temporary file.
class StreamedArray {
 public:
  StreamedArray(const fs::path& dir, std::string file)
      : path_(dir / file), tmp_(fmt::format("{}.tmp-{}", path_.string(), ::getpid())), file_(std::move(file)) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot open for writing");
    buffer_.reserve(kBufferBytes);
  }
  StreamedArray(const StreamedArray&) = delete;
  StreamedArray& operator=(const StreamedArray&) = delete;
  ~StreamedArray() {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) {
      std::error_code ignored;
      fs::remove(tmp_, ignored);
    }
  }

  // Appends bytes after those written so far (all of them by append).
  void append(const void* data, size_t size) {
    const auto* p = static_cast<const char*>(data);
    checksum_ = io::fnv1a64(p, size, checksum_);
    bytes_ += size;
    if (buffer_.size() + size > kBufferBytes) flush();
    if (size < kBufferBytes) {
      buffer_.insert(buffer_.end(), p, p + size);
      return;
    }
    write_at(p, size, written_);
    written_ += size;
  }
  // Writes bytes at `offset`, the first `offset` bytes being written by put_at
  // too; the file's checksum is then taken by finish().
  void put_at(const void* data, size_t size, uint64_t offset) {
    flush();
    in_order_ = false;
    write_at(static_cast<const char*>(data), size, offset);
    bytes_ = std::max(bytes_, offset + size);
  }
  uint64_t bytes() const { return bytes_; }
  bool in_order() const { return in_order_; }

  // Flushes, checksums what put_at wrote, fsyncs and renames the file to its
  // final name; returns its manifest entry.
  io::ManifestArray finish(const char* dtype, std::vector<int64_t> shape) {
    flush();
    if (!in_order_) checksum_ = read_back_checksum();
    if (::fsync(fd_) != 0) fail("fsync failed");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("close failed");
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) throw InputError(path_.string(), "", fmt::format("cannot rename {} over it: {}", tmp_, ec.message()));
    finished_ = true;
    return {dtype, std::move(shape), file_, bytes_, checksum_};
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw InputError(tmp_, "", fmt::format("{}: {}", what, std::strerror(errno)));
  }
  void write_at(const char* p, size_t size, uint64_t offset) {
    while (size > 0) {
      const ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("write failed");
      p += n;
      size -= static_cast<size_t>(n);
      offset += static_cast<uint64_t>(n);
    }
  }
  void flush() {
    write_at(buffer_.data(), buffer_.size(), written_);
    written_ += buffer_.size();
    buffer_.clear();
  }
  uint64_t read_back_checksum() {
    const int fd = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot read back");
    uint64_t h = io::fnv1a64(nullptr, 0);
    buffer_.resize(kBufferBytes);
    for (uint64_t done = 0; done < bytes_;) {
      const ssize_t n = ::pread(fd, buffer_.data(), buffer_.size(), static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fd);
        fail("read back failed");
      }
      h = io::fnv1a64(buffer_.data(), static_cast<size_t>(n), h);
      done += static_cast<uint64_t>(n);
    }
    ::close(fd);
    buffer_.clear();
    return h;
  }

  fs::path path_;
  std::string tmp_, file_;
  int fd_ = -1;
  std::vector<char> buffer_;
  uint64_t bytes_ = 0, written_ = 0, checksum_ = io::fnv1a64(nullptr, 0);
  bool in_order_ = true, finished_ = false;
};

// Streams the generated data set into the cache's arrays.
class CacheSink : public io::SyntheticSink {
 public:
  explicit CacheSink(fs::path dir) : dir_(std::move(dir)) {}

  void begin(int32_t n_users, int32_t n_items, const std::vector<io::SyntheticModality>& modalities) override {
    sizes_.users = n_users;
    sizes_.items = n_items;
    created_ = io::open_cache_dir(dir_.string());
    for (const char* split : {"train", "valid", "test"}) {
      const std::string name(split);
      splits_.push_back({std::make_unique<StreamedArray>(dir_, name + "_row_ptr.bin"),
                         std::make_unique<StreamedArray>(dir_, name + "_col.bin")});
      const int64_t zero = 0;
      splits_.back().row_ptr->append(&zero, sizeof zero);
    }
    for (const auto& m : modalities) {
      modalities_.push_back(m);
      features_.push_back(std::make_unique<StreamedArray>(dir_, "feature_" + m.name + ".bin"));
    }
  }
  void user_items(int32_t, std::span<const int32_t> train, std::span<const int32_t> valid,
                  std::span<const int32_t> test) override {
    const std::span<const int32_t> parts[3] = {train, valid, test};
    for (int s = 0; s < 3; ++s) {
      Split& split = splits_[static_cast<size_t>(s)];
      split.col->append(parts[s].data(), parts[s].size_bytes());
      split.nnz += static_cast<int64_t>(parts[s].size());
      split.row_ptr->append(&split.nnz, sizeof split.nnz);
    }
  }
  void feature_row(size_t m, int32_t row, const float* values) override {
    const size_t bytes = static_cast<size_t>(modalities_[m].cols) * sizeof(float);
    StreamedArray& f = *features_[m];
    if (f.in_order() && f.bytes() == static_cast<uint64_t>(row) * bytes) f.append(values, bytes);
    else f.put_at(values, bytes, static_cast<uint64_t>(row) * bytes);
  }

  // Renames every array to its final name and writes the manifest.
  SyntheticSizes finish() {
    std::vector<std::pair<std::string, io::ManifestArray>> arrays;
    const char* names[3] = {"train", "valid", "test"};
    for (int s = 0; s < 3; ++s) {
      Split& split = splits_[static_cast<size_t>(s)];
      const std::string name(names[s]);
      arrays.push_back({name + "_row_ptr", finish_array(*split.row_ptr, "int64", {int64_t{sizes_.users} + 1})});
      arrays.push_back({name + "_col", finish_array(*split.col, "int32", {split.nnz})});
    }
    std::vector<std::string> feature_names;
    for (size_t m = 0; m < modalities_.size(); ++m) {
      arrays.push_back({"feature_" + modalities_[m].name,
                        finish_array(*features_[m], "float32", {int64_t{sizes_.items}, modalities_[m].cols})});
      feature_names.push_back(modalities_[m].name);
    }
    io::write_manifest(dir_.string(), "synthetic", sizes_.users, sizes_.items, feature_names, arrays);
    sizes_.train = splits_[0].nnz;
    sizes_.valid = splits_[1].nnz;
    sizes_.test = splits_[2].nnz;
    return sizes_;
  }
  // Removes what was written, and dir when this sink created it.
  void discard() {
    splits_.clear();
    features_.clear();
    std::error_code ignored;
    for (const auto& file : finished_) fs::remove(file, ignored);
    if (created_) fs::remove(dir_, ignored);
  }

 private:
  struct Split {
    std::unique_ptr<StreamedArray> row_ptr, col;
    int64_t nnz = 0;
  };
  io::ManifestArray finish_array(StreamedArray& a, const char* dtype, std::vector<int64_t> shape) {
    io::ManifestArray entry = a.finish(dtype, std::move(shape));
    finished_.push_back(dir_ / entry.file);
    return entry;
  }

  fs::path dir_;
  bool created_ = false;
  SyntheticSizes sizes_;
  std::vector<Split> splits_;
  std::vector<io::SyntheticModality> modalities_;
  std::vector<std::unique_ptr<StreamedArray>> features_;
  std::vector<fs::path> finished_;
};

}  // namespace

SyntheticSizes write_synthetic_dataset(const SyntheticOptions& options, const std::string& dir) {
  CacheSink sink{fs::path(dir)};
  try {
    io::generate_synthetic(options, io::SyntheticTarget::streamed, sink);
    return sink.finish();
  } catch (...) {
    sink.discard();
    throw;
  }
}

}  // namespace mmgraph
