// safetensors: round trip, crash-safe writing, and every defect refused with its position.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/safetensors.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A file image from a header text and a data section, as a hand-made (possibly lying) file.
std::string image(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

void expect_error(const std::string& bytes, const std::string& fragment) {
  try {
    io::parse_safetensors(bytes, "ck.safetensors");
    FAIL() << "expected an error containing \"" << fragment << "\"";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(e.source(), "ck.safetensors");
  }
}

TEST(Safetensors, RoundTripKeepsValuesShapesAndMetadata) {
  testing::TempDir dir;
  const std::vector<float> w = {1.5f, -2.f, 3.25f, 0.f, 1e-30f, 7.f};
  const std::vector<int64_t> ids = {4, -1, 1LL << 40};
  const std::vector<uint8_t> empty;
  const std::string path = (dir.path() / "a.safetensors").string();
  io::write_safetensors(path,
                        {{"w", "F32", {2, 3}, w.data(), w.size() * 4},
                         {"ids", "I64", {3}, ids.data(), ids.size() * 8},
                         {"none", "U8", {0}, empty.data(), 0}},
                        {{"epoch", "7"}, {"config", "{\"a\": 1}"}});
  const std::string bytes = file_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u) << "the data section starts 8-byte aligned";
  const io::Safetensors f = io::read_safetensors(path);
  EXPECT_EQ(f.f32("w", {2, 3}), w);
  EXPECT_EQ(f.i64("ids", {3}), ids);
  EXPECT_TRUE(f.u8("none").empty());
  EXPECT_EQ(f.meta("epoch"), "7");
  EXPECT_EQ(f.meta("config"), "{\"a\": 1}");
  EXPECT_THROW(f.meta("step"), InputError);
  EXPECT_THROW(f.f32("w", {3, 2}), InputError);
  EXPECT_THROW(f.i64("w", {2, 3}), InputError);
  EXPECT_THROW(f.f32("missing", {1}), InputError);
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename(), "a.safetensors") << "no temporary file is left behind";
}

TEST(Safetensors, EveryTruncationAndEveryFlippedDataByteIsRefused) {
  testing::TempDir dir;
  const std::vector<float> w = {1.f, 2.f, 3.f, 4.f, 5.f};
  const std::string path = (dir.path() / "t.safetensors").string();
  io::write_safetensors(path, {{"w", "F32", {5}, w.data(), 20}}, {{"k", "v"}});
  const std::string bytes = file_bytes(path);
  for (size_t len = 0; len < bytes.size(); ++len)
    EXPECT_THROW(io::parse_safetensors(bytes.substr(0, len), "t"), InputError) << "length " << len;
  for (size_t i = bytes.size() - 20; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    expect_error(damaged, "checksum mismatch");
  }
  expect_error(bytes + "x", "1 bytes after the last tensor");
}

TEST(Safetensors, LyingOrMalformedHeadersAreRefusedWithThePosition) {
  const std::string four(4, '\0');
  expect_error("abc", "too short");
  expect_error(std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8), "over the 100 MB limit");
  expect_error(image("{", ""), "malformed safetensors header");
  expect_error(image("[1, 2]", ""), "not a JSON object");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": 1})", four),
               "duplicate key \"a\"");
  expect_error(image(R"({"a": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}})", four), "unknown dtype");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", four), "non-negative");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", four), "non-negative");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", four), "needs 8 bytes");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}})", four),
               "needs");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})", four), "truncated?");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", four), "outside");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [1]}})", four), "needs dtype, shape and data_offsets");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", std::string(8, '\0')),
               "a hole");
  expect_error(image(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                     R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                     four),
               "tensors overlap");
  expect_error(image(R"({"__metadata__": {"epoch": 3}})", ""), "is not a string");
  expect_error(image(R"({"__metadata__": {"mmgraph.data_fnv1a64": "0000000000000000"}})", ""), "checksum mismatch");
}

TEST(Safetensors, ForeignFilesWithoutOurChecksumAreRead) {
  const io::Safetensors f = io::parse_safetensors(
      image(R"({"x": {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4]}})", std::string("\0\0\x80\x3f", 4)),
      "foreign");
  EXPECT_EQ(f.f32("x", {1, 1}), std::vector<float>{1.f});
}

TEST(Safetensors, AFailedWriteLeavesTheOldFileAndNoTemporary) {
  testing::TempDir dir;
  const std::vector<float> w = {1.f};
  const std::string path = (dir.path() / "c.safetensors").string();
  io::write_safetensors(path, {{"w", "F32", {1}, w.data(), 4}}, {});
  // A tensor whose byte count does not match its shape is refused before anything is written.
  EXPECT_THROW(io::write_safetensors(path, {{"w", "F32", {2}, w.data(), 4}}, {}), Error);
  EXPECT_THROW(io::write_safetensors(path, {{"w", "F32", {1}, w.data(), 4}, {"w", "F32", {1}, w.data(), 4}}, {}),
               Error);
  EXPECT_EQ(io::read_safetensors(path).f32("w", {1}), w);
  // Writing into a directory that does not exist fails cleanly.
  EXPECT_THROW(io::write_safetensors((dir.path() / "no" / "x.safetensors").string(), {}, {}), InputError);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace mmgraph
