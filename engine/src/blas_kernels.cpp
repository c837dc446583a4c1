// Which OpenBLAS kernel set runs, and whether this CPU has a faster one (mmgraph/blas.h).
#include <cblas.h>

#include <array>
#include <string_view>

#include "mmgraph/blas.h"

namespace mmgraph {

namespace {

// OpenBLAS's x86 kernel sets without AVX2 (its names, as openblas_get_corename gives them).
constexpr std::array<std::string_view, 19> kPreAvx2 = {
    "prescott", "katmai",   "coppermine", "northwood", "banias",       "core2",   "penryn",
    "dunnington", "nehalem", "atom",      "nano",      "sandybridge",  "opteron", "opteron_sse3",
    "barcelona", "bobcat",  "athlon",     "bulldozer", "piledriver"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

}  // namespace

BlasKernels blas_kernels() {
  BlasKernels k;
  const char* name = openblas_get_corename();
  k.chosen = name ? name : "";
  const int parallel = openblas_get_parallel();
  k.threading = parallel == 2 ? "OpenMP" : parallel == 1 ? "pthreads" : "sequential";
  const std::string chosen = lower(k.chosen);
  bool pre_avx2 = false;
  for (std::string_view c : kPreAvx2) pre_avx2 = pre_avx2 || chosen == c;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (pre_avx2) {
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
      k.better = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      k.better = "Haswell";
  }
#endif
  return k;
}

}  // namespace mmgraph
