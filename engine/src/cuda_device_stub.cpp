// CPU-only builds (MMGRAPH_CUDA=OFF or no toolkit): there is no CUDA device,
// and selecting it is an input error.
#include "engine/src/device.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

std::unique_ptr<Device> make_cuda_device(int, bool) {
  throw InputError("--device", "cuda", "this build of mmgraph has no CUDA backend (configure with -DMMGRAPH_CUDA=ON)");
}

int cuda_device_count() { return 0; }

}  // namespace mmgraph::detail
