// Launch detection reads rank, size and local rank from the launcher's environment (mpirun,
// srun --mpi=pmix, PMI, plain srun) without starting MPI; with none of it the run is rank 0 of 1,
// and malformed or inconsistent values are refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/src/device.h"
#include "engine/src/launch.h"
#include "mmgraph/errors.h"

namespace mmgraph {
namespace {

const char* const kLauncherVariables[] = {
    "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "PMIX_RANK",
    "PMI_RANK",             "PMI_SIZE",             "MPI_LOCALRANKID",            "SLURM_PROCID",
    "SLURM_NTASKS",         "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID"};

// Clears every launcher variable for the test and puts back what the process had after it.
class LaunchEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kLauncherVariables) {
      if (const char* value = std::getenv(name)) saved_[name] = value;
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kLauncherVariables) unsetenv(name);
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }
  static void set(const char* name, const char* value) { setenv(name, value, 1); }

 private:
  std::map<std::string, std::string> saved_;
};

void expect_launch(const detail::LaunchInfo& launch, int rank, int size, int local_rank, const std::string& launcher) {
  EXPECT_EQ(launch.rank, rank);
  EXPECT_EQ(launch.size, size);
  EXPECT_EQ(launch.local_rank, local_rank);
  EXPECT_EQ(launch.launcher, launcher);
}

TEST_F(LaunchEnvironment, NoLauncherIsOneProcess) {
  const detail::LaunchInfo launch = detail::detect_launch();
  expect_launch(launch, 0, 1, 0, "");
  EXPECT_EQ(detail::rank_prefix(launch), "");
}

TEST_F(LaunchEnvironment, Mpirun) {
  set("OMPI_COMM_WORLD_RANK", "5");
  set("OMPI_COMM_WORLD_SIZE", "8");
  set("OMPI_COMM_WORLD_LOCAL_RANK", "1");
  set("SLURM_PROCID", "0");  // mpirun inside a Slurm allocation: mpirun's values win
  set("SLURM_NTASKS", "1");
  const detail::LaunchInfo launch = detail::detect_launch();
  expect_launch(launch, 5, 8, 1, "openmpi");
  EXPECT_EQ(detail::rank_prefix(launch), "rank 5 of 8: ");
}

TEST_F(LaunchEnvironment, SrunWithPmix) {
  set("PMIX_RANK", "3");
  set("SLURM_PROCID", "3");
  set("SLURM_NTASKS", "16");
  set("SLURM_STEP_NUM_TASKS", "4");  // the step's tasks, not the allocation's
  set("SLURM_LOCALID", "3");
  expect_launch(detail::detect_launch(), 3, 4, 3, "pmix");
  unsetenv("SLURM_STEP_NUM_TASKS");
  expect_launch(detail::detect_launch(), 3, 16, 3, "pmix");
}

TEST_F(LaunchEnvironment, Pmi) {
  set("PMI_RANK", "2");
  set("PMI_SIZE", "3");
  expect_launch(detail::detect_launch(), 2, 3, 0, "pmi");
  set("SLURM_LOCALID", "1");
  expect_launch(detail::detect_launch(), 2, 3, 1, "pmi");
  set("MPI_LOCALRANKID", "2");
  expect_launch(detail::detect_launch(), 2, 3, 2, "pmi");
}

TEST_F(LaunchEnvironment, PlainSrun) {
  set("SLURM_PROCID", "1");
  set("SLURM_NTASKS", "2");
  set("SLURM_LOCALID", "0");
  expect_launch(detail::detect_launch(), 1, 2, 0, "slurm");
}

TEST_F(LaunchEnvironment, RefusesMalformedOrInconsistentValues) {
  set("OMPI_COMM_WORLD_RANK", "1x");
  set("OMPI_COMM_WORLD_SIZE", "2");
  EXPECT_THROW(detail::detect_launch(), Error);
  set("OMPI_COMM_WORLD_RANK", "2");  // not below the size
  EXPECT_THROW(detail::detect_launch(), Error);
  set("OMPI_COMM_WORLD_RANK", "-1");
  EXPECT_THROW(detail::detect_launch(), Error);
  set("OMPI_COMM_WORLD_RANK", "99999999999");
  EXPECT_THROW(detail::detect_launch(), Error);
  unsetenv("OMPI_COMM_WORLD_SIZE");
  set("OMPI_COMM_WORLD_RANK", "0");
  EXPECT_THROW(detail::detect_launch(), Error) << "a rank without a size";
  unsetenv("OMPI_COMM_WORLD_RANK");
  set("PMIX_RANK", "0");
  EXPECT_THROW(detail::detect_launch(), Error) << "PMIx without Slurm's task count";
}

TEST_F(LaunchEnvironment, OneProcessGetsTheSingleProcessCommunicator) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  std::unique_ptr<detail::Communicator> comm = detail::make_communicator(*dev, detail::detect_launch(), 10.0);
  EXPECT_NE(dynamic_cast<detail::SingleProcessCommunicator*>(comm.get()), nullptr);
}

}  // namespace
}  // namespace mmgraph
