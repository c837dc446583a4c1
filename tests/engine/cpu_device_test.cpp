// The CPU device's copy and zero: buffers of a megabyte and more are split among the
// threads; the result must equal memcpy / memset for any size (chunk boundaries, a
// ragged last chunk) and memmove's for overlapping ranges. Its count of the bytes in use and
// their peak.
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

TEST(CpuDevice, CountsTheBytesInUseAndTheirPeak) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  EXPECT_EQ(dev->bytes_in_use(), 0u);
  {
    detail::Buffer<float> a(*dev, 1000, "a");
    detail::Buffer<int64_t> b(*dev, 3, "b");
    EXPECT_EQ(dev->bytes_in_use(), 4000u + 24u);
    {
      detail::Buffer<char> c(*dev, 77, "c");
      EXPECT_EQ(dev->bytes_in_use(), 4101u);
    }
    EXPECT_EQ(dev->bytes_in_use(), 4024u);
    EXPECT_EQ(dev->peak_bytes(), 4101u);
    dev->reset_peak();
    EXPECT_EQ(dev->peak_bytes(), 4024u);
  }
  EXPECT_EQ(dev->bytes_in_use(), 0u);
  EXPECT_EQ(dev->peak_bytes(), 4024u);
  // The block of scores topk_of_rows keeps counts until release_scratch.
  const int64_t nb = 3, d = 2, n_items = 50;
  std::vector<float> users(nb * d, 1.0f), items(n_items * d, 0.5f);
  std::vector<int32_t> top(nb * 5);
  std::vector<float> top_scores(nb * 5);
  dev->topk_of_rows(nb, users.data(), items.data(), d, n_items, kernels::RowMasks{}, 5, top.data(), top_scores.data());
  EXPECT_GE(dev->bytes_in_use(), static_cast<size_t>(nb * n_items) * sizeof(float));
  dev->release_scratch();
  EXPECT_EQ(dev->bytes_in_use(), 0u);
}

}  // namespace
}  // namespace mmgraph
