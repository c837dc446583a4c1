// The synthetic generator at scale: the sizes asked for are the sizes
// delivered, the streamed cache equals the in-memory set byte for byte, and
// streaming holds memory bounded far below what it writes.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "io/text_input.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

namespace fs = std::filesystem;

// Users, catalogue items and distinct interactions are exactly those asked
// for: sparse and dense sets, a catalogue of 12 items, a popularity law so steep
// that nearly every draw is one item, and unconsumed items.
TEST(SyntheticScale, DeliveredSizesAreTheRequestedOnes) {
  for (const std::string spec : {"users=300,items=150,interactions=4000,image=0,text=0",
                                 "users=100,items=50,interactions=2500,image=0,text=0",  // every user takes 25 of 50
                                 "users=40,items=12,interactions=240,image=0,text=0",  // 6 of 12 each
                                 "users=100,items=1000,interactions=40000,alpha=5,image=0,text=0",
                                 "users=5000,items=3000,interactions=90000,alpha=1.5,text=0",
                                 "users=200,items=300,interactions=5000,unconsumed=77,text=0"}) {
    const SyntheticOptions o = parse_synthetic_spec(spec);
    const Dataset d = make_synthetic_dataset(o);
    EXPECT_NO_THROW(validate_dataset(d)) << spec;
    EXPECT_EQ(d.n_users, o.users) << spec;
    EXPECT_EQ(d.n_items, o.items + o.unconsumed) << spec;
    EXPECT_EQ(d.train.nnz() + d.valid.nnz() + d.test.nnz(), o.interactions) << spec;
    // No pair is in two splits, and every user has its 3 or more items.
    for (int32_t u = 0; u < d.n_users; ++u) {
      std::vector<int32_t> all;
      for (const InteractionCsr* c : {&d.train, &d.valid, &d.test})
        all.insert(all.end(), c->col.begin() + c->row_ptr[u], c->col.begin() + c->row_ptr[u + 1]);
      std::sort(all.begin(), all.end());
      ASSERT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << spec << " user " << u;
      ASSERT_GE(all.size(), 3u) << spec << " user " << u;
      ASSERT_LE(static_cast<int32_t>(all.size()), std::max(3, o.items / 2)) << spec << " user " << u;
    }
  }
}

// A specification outside [users x 3, users x max(3, items / 2)] interactions is
// an InputError that says which bound it crosses.
TEST(SyntheticScale, UnreachableSizesSayWhy) {
  auto expect_error = [](const std::string& spec, const std::string& fragment) {
    try {
      make_synthetic_dataset(parse_synthetic_spec(spec));
      ADD_FAILURE() << "no error for " << spec;
    } catch (const InputError& e) {
      EXPECT_EQ(e.position(), "interactions") << e.what();
      EXPECT_NE(e.problem().find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error("users=100,items=50,interactions=2501", "at most users x 25 = 2500");
  expect_error("users=1000,items=100,interactions=2999", "at least users x 3 = 3000");
  testing::TempDir dir;
  EXPECT_THROW(write_synthetic_dataset(parse_synthetic_spec("users=100,items=50,interactions=2501"),
                                       (dir.path() / "never").string()),
               InputError);
  EXPECT_FALSE(fs::exists(dir.path() / "never"));
}

// Every file of a directory, by name.
std::vector<std::pair<std::string, std::string>> files_of(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back({e.path().filename().string(), io::read_file(e.path().string())});
  std::sort(files.begin(), files.end());
  return files;
}

// The streamed cache is the in-memory set's cache, file for file and byte for
// byte, with items in generated order and with unconsumed items (whose
// feature rows are written out of order).
TEST(SyntheticScale, StreamedCacheEqualsTheInMemorySet) {
  for (const std::string spec : {"users=300,items=150,interactions=4000,dim=8,image=16,text=8,seed=11",
                                 "users=200,items=120,interactions=3000,image=12,text=0,unconsumed=50"}) {
    const SyntheticOptions o = parse_synthetic_spec(spec);
    testing::TempDir dir;
    const fs::path streamed = dir.path() / "streamed", saved = dir.path() / "saved";
    const SyntheticSizes s = write_synthetic_dataset(o, streamed.string());
    const Dataset d = make_synthetic_dataset(o);
    save_dataset_binary(d, saved.string());
    EXPECT_EQ(files_of(streamed), files_of(saved)) << spec;
    EXPECT_EQ(s.users, d.n_users);
    EXPECT_EQ(s.items, d.n_items);
    EXPECT_EQ(s.train, d.train.nnz());
    EXPECT_EQ(s.valid, d.valid.nnz());
    EXPECT_EQ(s.test, d.test.nnz());
    const Dataset loaded = load_dataset(streamed.string());
    EXPECT_EQ(loaded.train.col, d.train.col);
    EXPECT_EQ(loaded.features.size(), d.features.size());
  }
}

// A kB field of /proc/self/status (VmRSS, VmHWM), or -1 when it cannot be read.
int64_t status_kib(const std::string& field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  int64_t kib = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::string(line).rfind(field + ":", 0) == 0) kib = std::atoll(line + field.size() + 1);
  std::fclose(f);
  return kib;
}

// The resident memory a child process adds while it streams a set of ~180 MiB (2M interactions,
// 50k items x 896 feature columns) stays under 100 MiB: its peak resident set less what it held
// when it started (the pages it shares with the test process at the fork, which a build with the
// CUDA libraries makes about 100 MiB). The child resets its peak (/proc/self/clear_refs) first
// and writes the two numbers to a file.
TEST(SyntheticScale, StreamingHoldsBoundedMemory) {
  testing::TempDir dir;
  const std::string out = (dir.path() / "big").string(), report = (dir.path() / "peak.txt").string();
  const SyntheticOptions o =
      parse_synthetic_spec("users=200000,items=50000,interactions=2000000,image=512,text=384");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      std::FILE* clear = std::fopen("/proc/self/clear_refs", "w");
      const bool reset = clear && std::fputs("5", clear) >= 0 && std::fclose(clear) == 0;
      const int64_t start = status_kib("VmRSS");
      write_synthetic_dataset(o, out);
      std::FILE* f = std::fopen(report.c_str(), "w");
      if (!f) _exit(4);
      std::fprintf(f, "%lld %lld %d\n", static_cast<long long>(start), static_cast<long long>(status_kib("VmHWM")),
                   reset ? 1 : 0);
      _exit(std::fclose(f) == 0 ? 0 : 4);
    } catch (...) {
      _exit(3);
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  uintmax_t written = 0;
  for (const auto& e : fs::directory_iterator(out)) written += fs::file_size(e.path());
  long long start_kib = -1, peak_kib = -1;
  int reset = 0;
  std::FILE* f = std::fopen(report.c_str(), "r");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fscanf(f, "%lld %lld %d", &start_kib, &peak_kib, &reset), 3);
  std::fclose(f);
  ASSERT_GE(start_kib, 0);
  ASSERT_GE(peak_kib, start_kib);
  const double peak_mib = static_cast<double>(peak_kib - start_kib) / 1024.0;
  std::printf("streamed %.0f MiB of files adding at most %.0f MiB resident (%.0f MiB at the start%s)\n",
              static_cast<double>(written) / (1 << 20), peak_mib, static_cast<double>(start_kib) / 1024.0,
              reset ? "" : "; peak not resettable here, so it includes the start");
  EXPECT_GT(written, uintmax_t{170} << 20);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks in its quarantine and adds shadow memory: the resident
  // set measures it, not the generator (213 MiB measured). The bound is checked without it.
  (void)peak_mib;
#else
  EXPECT_LT(peak_mib, 100.0);
#endif
}

}  // namespace
}  // namespace mmgraph
