// The CPU device's copy and zero: buffers of a megabyte and more are split among the
// threads; the result must equal memcpy / memset for any size (chunk boundaries, a
// ragged last chunk) and memmove's for overlapping ranges.
#include <gtest/gtest.h>

#include <cstring>
#include <algorithm>
#include <vector>

#include "engine/src/device.h"

namespace mmgraph {
namespace {

std::vector<char> pattern(size_t n) {
  std::vector<char> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<char>(i * 131 + i / 4099);
  return v;
}

TEST(CpuDevice, CopyAndZeroOfAnySizeMatchMemcpyAndMemset) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  for (const size_t n : {size_t{0}, size_t{1}, size_t{1000}, (size_t{1} << 20) - 1, size_t{1} << 20,
                         (size_t{1} << 20) + 12345, size_t{3} << 21}) {
    SCOPED_TRACE("bytes " + std::to_string(n));
    const std::vector<char> src = pattern(n);
    std::vector<char> dst(n + 2, 'x');
    dev->copy(dst.data() + 1, src.data(), n);
    EXPECT_TRUE(std::equal(src.begin(), src.end(), dst.begin() + 1));
    EXPECT_EQ(dst.front(), 'x');
    EXPECT_EQ(dst.back(), 'x');
    dev->zero(dst.data() + 1, n);
    EXPECT_EQ(std::count(dst.begin() + 1, dst.end() - 1, 0), static_cast<long>(n));
    EXPECT_EQ(dst.front(), 'x');
    EXPECT_EQ(dst.back(), 'x');
  }
}

TEST(CpuDevice, OverlappingCopyIsAMemmove) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const size_t n = size_t{3} << 20, shift = 4097;
  for (const bool forward : {true, false}) {
    std::vector<char> buf = pattern(n + shift), ref = buf;
    char* dst = forward ? buf.data() + shift : buf.data();
    const char* src = forward ? buf.data() : buf.data() + shift;
    std::memmove(forward ? ref.data() + shift : ref.data(), forward ? ref.data() : ref.data() + shift, n);
    dev->copy(dst, src, n);
    EXPECT_EQ(buf, ref) << (forward ? "to a higher address" : "to a lower address");
  }
}

}  // namespace
}  // namespace mmgraph
