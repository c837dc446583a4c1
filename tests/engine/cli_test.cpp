// The mmgraph executable: exit codes and messages as a user sees them.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace mmgraph {
namespace {

struct CliRun {
  int code;
  std::string output;  // stdout and stderr
};

CliRun run_cli(const std::string& args, const std::string& env = "") {
  const std::string command =
      (env.empty() ? "" : "env " + env + " ") + std::string(MMGRAPH_BINARY_DIR) + "/mmgraph " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  CliRun r{-1, ""};
  if (!pipe) return r;
  std::array<char, 4096> buf;
  while (fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(Cli, TrainsOnSyntheticDataAndPrintsMetrics) {
  const CliRun r = run_cli("train --data synthetic:users=200,items=120,interactions=3000 --set epochs=2 "
                        "--set embedding_size=8 --device cpu -q");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("test:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Recall@20="), std::string::npos) << r.output;
}

TEST(Cli, TableFlagChoosesTheSummaryForm) {
  const std::string train = "train --data synthetic:users=200,items=120,interactions=3000 --set epochs=1 "
                            "--set embedding_size=8 --set topk=[10,20] --device cpu -q";
  CliRun r = run_cli(train + " --table");  // stdout is a pipe here: the flag forces the table
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("best valid      @10     @20\n  Recall     0."), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Recall@20="), std::string::npos) << r.output;
  r = run_cli(train + " --no-table");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("\ntest:       Recall@10="), std::string::npos) << r.output;
}

// OpenBLAS 0.3.21 falls back to its SSE3 kernels on CPUs newer than itself; the command restarts
// itself with the AVX2 / AVX-512 set the CPU has (a user's own OPENBLAS_CORETYPE stays).
TEST(Cli, RunsOpenBlasKernelsWithTheCpusVectorUnits) {
  CliRun r = run_cli("--version");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("OpenBLAS with its "), std::string::npos) << r.output;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && std::getenv("OPENBLAS_CORETYPE") == nullptr) {
    for (const char* slow : {"Prescott", "Core2", "Penryn", "Nehalem", "Sandybridge"})
      EXPECT_EQ(r.output.find(std::string("its ") + slow + " kernels"), std::string::npos) << r.output;
  }
#endif
  r = run_cli("--version", "OPENBLAS_CORETYPE=Prescott");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("its Prescott kernels"), std::string::npos) << r.output;
}

TEST(Cli, InputErrorsExitWithCode2AndNameTheProblem) {
  testing::TempDir dir;
  const auto config = dir.write("c.yaml", "n_layers: 2\nbogus_key: 1\n");
  CliRun r = run_cli("train --config " + config + " --data synthetic:users=50,items=40,interactions=500");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("bogus_key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("line 2"), std::string::npos) << r.output;

  r = run_cli("train --data " + (dir.path() / "no_such_dir").string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("no_such_dir"), std::string::npos) << r.output;

  r = run_cli("train --set epochs=two --data synthetic:users=50,items=40,interactions=500");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("epochs"), std::string::npos) << r.output;

  r = run_cli("train --data synthetic:users=50,bogus=3");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("bogus"), std::string::npos) << r.output;
}

TEST(Cli, PrepareWritesACacheThatTrainLoads) {
  testing::TempDir dir;
  const std::string out = (dir.path() / "cache").string();
  CliRun r = run_cli("prepare --data synthetic:users=100,items=80,interactions=1500 --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("info --data " + out);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("100 users"), std::string::npos) << r.output;
}

// --kg names a knowledge graph for a source without one: the load reports it, prepare carries it
// (the prepared set reports it without --kg), and a bad triple is an input error naming file and line.
TEST(Cli, KgOptionReadsAKnowledgeGraphThatPrepareCarries) {
  testing::TempDir dir;
  const std::string kg = dir.write("triples.txt", "0 0 5\n1 1 5\n5 0 7\n");
  const std::string out = (dir.path() / "cache").string();
  CliRun r = run_cli("prepare --data synthetic:users=100,items=80,interactions=1500 --kg " + kg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("knowledge graph 3 triples over 80 entities and 2 relations"), std::string::npos)
      << r.output;
  r = run_cli("info --data " + out);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("knowledge graph 3 triples"), std::string::npos) << r.output;
  const std::string bad = dir.write("bad.txt", "0 0 5\n0 zero 5\n");
  r = run_cli("info --data synthetic:users=100,items=80,interactions=1500 --kg " + bad);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("line 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not an integer"), std::string::npos) << r.output;
}

// bprmf trains on a prepared set whose feature arrays are garbage of the right size, saying that it
// left them unread; vbpr reads them and stops at their checksum.
TEST(Cli, ModelsThatReadNoFeaturesLeaveThemOnDisk) {
  testing::TempDir dir;
  const std::string out = (dir.path() / "cache").string();
  CliRun r = run_cli("prepare --data synthetic:users=100,items=80,interactions=1500,image=16,text=8 --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* file : {"feature_image.bin", "feature_text.bin"}) {
    const std::string path = out + "/" + file;
    const auto size = static_cast<size_t>(std::filesystem::file_size(path));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(size, '\xff');
  }
  const std::string train = "train --data " + out + " --set epochs=1 --set embedding_size=8 --device cpu -q";
  r = run_cli(train + " --set model=bprmf");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("features: not read by bprmf (image 16, text 8 left on disk)"), std::string::npos)
      << r.output;
  r = run_cli(train + " --set model=vbpr");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("feature_image.bin: checksum mismatch"), std::string::npos) << r.output;
}

TEST(Cli, PlanPrintsEachPartOfAPreparedSetAndRejectsABadDeviceMemory) {
  testing::TempDir dir;
  const std::string out = (dir.path() / "cache").string();
  CliRun r = run_cli("prepare --data synthetic:users=100,items=80,interactions=1500 --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string config = std::string(MMGRAPH_SOURCE_DIR) + "/configs/freedom.yaml";
  r = run_cli("plan --config " + config + " --data " + out + " --devices 2 --device-memory 1MiB");
  EXPECT_EQ(r.code, 0) << r.output;
  for (const char* part : {"parameters", "Adam moments", "gradients", "features", "user-item graph",
                           "item-item graphs", "propagation", "evaluation blocks", "workspace", "total",
                           "per process of 2", "devices of 1.00 MiB needed: "})
    EXPECT_NE(r.output.find(part), std::string::npos) << part << " in\n" << r.output;

  r = run_cli("plan --data " + out + " --device-memory 80XB");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--device-memory"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("80XB"), std::string::npos) << r.output;
  r = run_cli("plan --data " + out + " --device-memory 0");
  EXPECT_EQ(r.code, 2) << r.output;
  // A source without a manifest: plan asks for it to be prepared.
  const std::string csv = dir.write("pairs.csv", "user,item\n1,2\n");
  r = run_cli("plan --data " + csv);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("mmgraph prepare"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mmgraph

namespace mmgraph {
namespace {

// A write that fails (here every write to /dev/full: "no space left on device") ends the command
// non-zero with the file named: the training log, an export, and what recommend prints.
TEST(Cli, FailedWritesEndTheCommandNamingTheFile) {
  if (std::system("test -c /dev/full") != 0) GTEST_SKIP() << "no /dev/full here";
  const testing::TempDir dir;
  const std::string ck = dir.path().string() + "/ck";
  const std::string train = "train --data synthetic:users=200,items=120,interactions=3000 --set epochs=1 "
                            "--set embedding_size=8 --device cpu -q";
  CliRun r = run_cli(train + " --log /dev/full");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("/dev/full: cannot write the log: No space left on device"), std::string::npos) << r.output;
  r = run_cli(train + " --checkpoint-dir " + ck);
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("export --checkpoint " + ck + "/best.safetensors -o /dev/full");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("/dev/full"), std::string::npos) << r.output;
  EXPECT_EQ(std::system("test -c /dev/full"), 0) << "the export replaced the device node";
  // stdout to /dev/full, stderr to the pipe.
  const std::string bin = std::string(MMGRAPH_BINARY_DIR) + "/mmgraph ";
  for (const std::string& args : {"recommend --checkpoint " + ck + "/best.safetensors", train}) {
    FILE* pipe = popen((bin + args + " 2>&1 >/dev/full").c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    std::array<char, 4096> buf;
    while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
    const int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << args << "\n" << out;
    EXPECT_NE(out.find("cannot write standard output: No space left on device"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace mmgraph
