// .npy: round trip, float16/float64 conversion, and every defect rejected with its offset.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io/npy.h"
#include "io/text_input.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  const size_t n = header.size();
  out.push_back(static_cast<char>(n & 0xFF));
  out.push_back(static_cast<char>((n >> 8) & 0xFF));
  if (major > 1) out.append(2, '\0');
  return out + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

void expect_error(const std::string& bytes, const std::string& fragment) {
  try {
    io::parse_npy(bytes, "f.npy");
    FAIL() << "expected an error containing " << fragment;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("f.npy:byte "), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

TEST(Npy, WriteReadRoundTrip) {
  testing::TempDir dir;
  const std::vector<float> v = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, 7.0f};
  const std::string path = (dir.path() / "a.npy").string();
  io::write_npy(path, v.data(), 2, 3);
  const io::NpyArray a = io::read_npy(path);
  EXPECT_EQ(a.rows, 2);
  EXPECT_EQ(a.cols, 3);
  EXPECT_EQ(a.values, v);
}

TEST(Npy, ReadsAllVersionsAndDtypes) {
  const std::string f8 = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }";
  for (int major : {1, 2, 3}) {
    const auto a = io::parse_npy(npy_bytes(f8, raw(std::vector<double>{0.1, -3.0}), major), "x");
    EXPECT_EQ(a.values, (std::vector<float>{0.1f, -3.0f})) << "version " << major;
  }
  // float16: 0, 1, -2, 65504, smallest subnormal, inf, nan.
  const std::vector<uint16_t> h = {0x0000, 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x7E00};
  const auto a = io::parse_npy(npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (7, 1), }", raw(h)), "x");
  EXPECT_EQ(a.values[0], 0.0f);
  EXPECT_EQ(a.values[1], 1.0f);
  EXPECT_EQ(a.values[2], -2.0f);
  EXPECT_EQ(a.values[3], 65504.0f);
  EXPECT_EQ(a.values[4], std::ldexp(1.0f, -24));
  EXPECT_EQ(a.values[5], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(a.values[6]));
  // Every float16 bit pattern agrees with the float -> half -> float identity of the normal range.
  for (uint32_t bits = 0; bits < 0x7C00; ++bits) {
    const float f = io::half_to_float(static_cast<uint16_t>(bits));
    ASSERT_TRUE(std::isfinite(f));
    if (bits > 0) {
      ASSERT_GT(f, io::half_to_float(static_cast<uint16_t>(bits - 1)));
    }
  }
}

TEST(Npy, DefectsAreRejectedWithTheirOffset) {
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  const std::string data = raw(std::vector<float>{1, 2, 3, 4});
  expect_error("", "empty");
  expect_error("NOTNUMPY" + data, "bad magic");
  std::string v9 = npy_bytes(ok_dict, data);
  v9[6] = 9;
  expect_error(v9, "version 9");
  expect_error(npy_bytes(ok_dict, data.substr(0, 12)), "truncated data");
  expect_error(npy_bytes(ok_dict, data + "xx"), "trailing");
  expect_error(npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", data), "unsupported dtype '<i4'");
  expect_error(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", data), "big-endian");
  expect_error(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data), "fortran_order");
  expect_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data), "2-D");
  expect_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", data), "bad dimension");
  expect_error(npy_bytes("{'descr': '<f4', 'shape': (2, 2), }", data), "fortran_order");
  expect_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999, 99999999999), }", data),
               "truncated data");
  std::string long_header = npy_bytes(ok_dict, data);
  long_header[8] = '\xFF';
  long_header[9] = '\x7F';
  expect_error(long_header, "runs past the end");
}

// read_npy_shape: read_npy's shape and header and size checks, from the header and the file size.
TEST(Npy, ShapeFromTheHeaderAloneWithTheSameChecks) {
  testing::TempDir dir;
  const std::string ok_dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 2), }";
  const std::string data = raw(std::vector<uint16_t>(6, 0x7e00));  // float16 NaN: read_npy_shape never sees it
  for (int major : {1, 2}) {
    const std::string path = dir.write("a.npy", npy_bytes(ok_dict, data, major));
    const io::NpyArray a = io::read_npy_shape(path);
    EXPECT_EQ(a.rows, 3);
    EXPECT_EQ(a.cols, 2);
    EXPECT_TRUE(a.values.empty());
  }
  for (const auto& [bytes, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"", "empty"},
           {"NOTNUMPY" + data, "bad magic"},
           {npy_bytes(ok_dict, data.substr(0, 10)), "truncated data"},
           {npy_bytes(ok_dict, data + "xx"), "trailing"},
           {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data), "2-D"}}) {
    const std::string path = dir.write("b.npy", bytes);
    try {
      io::read_npy_shape(path);
      ADD_FAILURE() << "expected an error containing " << fragment;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }
}

TEST(Npy, MissingFileNamesThePath) {
  try {
    io::read_npy("/nonexistent/x.npy");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.npy"), std::string::npos);
  }
}

}  // namespace
}  // namespace mmgraph
