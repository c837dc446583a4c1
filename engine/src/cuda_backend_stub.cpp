// CPU-only builds (MMGRAPH_CUDA=OFF or no toolkit): there is no CUDA backend,
// and selecting it is an input error.
#include "engine/src/backend.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

std::unique_ptr<Backend> make_cuda_backend(int) {
  throw InputError("--device", "cuda", "this build of mmgraph has no CUDA backend (configure with -DMMGRAPH_CUDA=ON)");
}

int cuda_device_count() { return 0; }

}  // namespace mmgraph::detail
