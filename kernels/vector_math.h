#pragma once
// glibc's vector math library (libmvec) for the CPU references' element loops: declaring
// expf and tanhf as OpenMP "declare simd" functions (as glibc's own math.h does under
// -ffast-math) lets `#pragma omp simd` loops call their 16-wide AVX-512 (8-wide AVX2)
// variants instead of one scalar call per element. libmvec's results are within 4 ulp
// (glibc's manual). Without libmvec (MMGRAPH_HAVE_LIBMVEC unset) the loops stay scalar.
#include <math.h>

#if defined(MMGRAPH_HAVE_LIBMVEC) && !defined(__CUDACC__)
extern "C" {
#pragma omp declare simd notinbranch
float expf(float) noexcept;
#pragma omp declare simd notinbranch
float tanhf(float) noexcept;
}
#endif
