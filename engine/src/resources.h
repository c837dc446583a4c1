#pragma once
// What a model's device work runs on: the device, and the communicator that joins this
// process to the other processes of the run (a single-process one when there are none).
// Models reach both through the blocks (node tables, propagation), never directly for a rank.
#include <cstdint>
#include <memory>
#include <utility>

#include "engine/src/communicator.h"
#include "engine/src/device.h"

namespace mmgraph::detail {

// Bytes this process has sent to the others, by purpose (a run over several processes).
struct Traffic {
  int64_t halo = 0;   // halo rows of the propagation layers
  int64_t batch = 0;  // the batch's rows, gathered for the objective
};

class Resources {
 public:
  // A run in one process: the single-process communicator over `dev`.
  explicit Resources(Device& dev) : dev_(dev), comm_(std::make_unique<SingleProcessCommunicator>(dev)) {}
  Resources(Device& dev, std::unique_ptr<Communicator> comm) : dev_(dev), comm_(std::move(comm)) {}
  Resources(const Resources&) = delete;
  Resources& operator=(const Resources&) = delete;

  Device& device() const { return dev_; }
  Communicator& comm() const { return *comm_; }
  Traffic& traffic() const { return traffic_; }

 private:
  Device& dev_;
  std::unique_ptr<Communicator> comm_;
  mutable Traffic traffic_;
};

}  // namespace mmgraph::detail
