#pragma once
// OpenBLAS chooses its kernels once, when it is loaded, from the CPU it recognises.
// A release older than the CPU falls back to its SSE3 ("Prescott") kernels: Debian 12's
// OpenBLAS 0.3.21 does so on Sapphire / Emerald Rapids Xeons, where its SGEMM then runs
// at a fifth of the AVX-512 kernels' rate. The choice can only be changed before the
// library loads, through the environment variable OPENBLAS_CORETYPE.
#include <string>

namespace mmgraph {

struct BlasKernels {
  std::string chosen;  // the kernel set OpenBLAS runs ("Prescott", "Haswell", "SkylakeX", ...)
  // A kernel set this CPU runs several times faster when `chosen` lacks the CPU's AVX2 / AVX-512
  // ("SkylakeX" or "Haswell"), else empty.
  std::string better;
  std::string threading;  // how the loaded OpenBLAS was built: "OpenMP", "pthreads" or "sequential"
};

BlasKernels blas_kernels();

}  // namespace mmgraph
