// write_file_atomic onto what is not a regular file: a device is written in place and stays a
// device (a full one is an error naming it), a directory is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "mmgraph/atomic_file.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

bool is_char_device(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

TEST(AtomicFile, ADeviceIsWrittenInPlaceAndStaysADevice) {
  ASSERT_TRUE(is_char_device("/dev/null"));
  write_file_atomic("/dev/null", {"some bytes"});
  EXPECT_TRUE(is_char_device("/dev/null"));
  if (!is_char_device("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  try {
    write_file_atomic("/dev/full", {"some bytes"});
    ADD_FAILURE() << "a write to /dev/full succeeded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(is_char_device("/dev/full"));
}

TEST(AtomicFile, ADirectoryIsRefused) {
  const testing::TempDir dir;
  EXPECT_THROW(write_file_atomic(dir.path().string(), {"x"}), InputError);
}

}  // namespace
}  // namespace mmgraph
