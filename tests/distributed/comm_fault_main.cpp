// A run whose rank 1 fails before an all-reduce that every rank starts: `kill` (SIGKILL),
// `exit` (std::_Exit(3), no MPI_Finalize) or `stall` (alive but never arrives). The other ranks
// wait in the all-reduce with a timeout of argv[2] seconds. run_fault.cmake checks that
// mpirun ends the whole job with a non-zero code, in time, naming the lost or waiting rank.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/launch.h"

int main(int argc, char** argv) {
  using namespace mmgraph::detail;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s kill|exit|stall TIMEOUT_SECONDS\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const LaunchInfo launch = detect_launch();
  std::unique_ptr<Device> dev = make_cpu_device();
  std::unique_ptr<Communicator> comm = make_communicator(*dev, launch, std::stod(argv[2]));
  comm->barrier();
  if (launch.rank == 1) {
    if (mode == "kill") std::raise(SIGKILL);
    if (mode == "exit") std::_Exit(3);
    if (mode == "stall") std::this_thread::sleep_for(std::chrono::seconds(600));
  }
  std::vector<float> data(16, 1.0f);
  comm->all_reduce_sum(data.data(), 16);
  std::printf("%sthe all-reduce completed without rank 1\n", rank_prefix(launch).c_str());
  return 0;
}
