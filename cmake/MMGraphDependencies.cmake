# Third-party packages, all from Debian's archive (see README).
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_package(CLI11 REQUIRED)
# A run over several processes: MPI for the CPU backend and to start NCCL (Debian's OpenMPI:
# libopenmpi-dev, openmpi-bin), NCCL from the CUDA toolkit for the CUDA backend.
# Only MPI's C API is called (from C++; the project enables no C compiler), so the C++
# bindings are left out.
set(MPI_CXX_SKIP_MPICXX ON)
find_package(MPI REQUIRED COMPONENTS CXX)
if(MMGRAPH_WITH_CUDA)
  find_library(MMGRAPH_NCCL_LIBRARY NAMES nccl
               HINTS ${CUDAToolkit_LIBRARY_ROOT} ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda
               PATH_SUFFIXES lib lib64 REQUIRED)
  find_path(MMGRAPH_NCCL_INCLUDE_DIR nccl.h
            HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include REQUIRED)
  message(STATUS "mmgraph: NCCL: ${MMGRAPH_NCCL_LIBRARY}")
endif()
# Debian ships OpenBLAS built for pthreads (its default alternative) and built for OpenMP
# (libopenblas0-openmp). mmgraph's own loops are OpenMP: beside the pthreads build both thread
# pools spin on the same cores (TikTok MGCN on 2 cores at threads 2: 3.7 s per epoch against 1.7 s
# with the OpenMP build, which shares mmgraph's pool). Link the OpenMP build when it is installed;
# the executables find it through their run path.
find_library(MMGRAPH_OPENBLAS_OPENMP NAMES libopenblas.so.0 openblas
             PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
if(MMGRAPH_OPENBLAS_OPENMP)
  set_property(TARGET BLAS::BLAS PROPERTY INTERFACE_LINK_LIBRARIES "${MMGRAPH_OPENBLAS_OPENMP}")
  message(STATUS "mmgraph: OpenBLAS built for OpenMP: ${MMGRAPH_OPENBLAS_OPENMP}")
else()
  message(STATUS "mmgraph: OpenBLAS built for OpenMP not found (Debian: libopenblas0-openmp); "
                 "with the pthreads build, threads > 1 runs two thread pools on the same cores")
endif()
# METIS (Debian: libmetis-dev) for the edge-cut partition of users and items into blocks.
find_path(MMGRAPH_METIS_INCLUDE_DIR metis.h)
find_library(MMGRAPH_METIS_LIBRARY NAMES metis)
if(NOT MMGRAPH_METIS_INCLUDE_DIR OR NOT MMGRAPH_METIS_LIBRARY)
  message(FATAL_ERROR "mmgraph: METIS not found (Debian: apt-get install libmetis-dev)")
endif()
message(STATUS "mmgraph: METIS: ${MMGRAPH_METIS_LIBRARY}")

# FAISS (Debian: libfaiss-dev, a static library) for approximate kNN graphs. Linked by file with
# mmgraph's own OpenBLAS (the OpenMP build, which carries the LAPACK routines FAISS calls), not
# with the BLAS its CMake package names (Debian's default alternative, the pthreads build, whose
# thread pool would spin beside mmgraph's).
find_path(MMGRAPH_FAISS_INCLUDE_DIR faiss/IndexHNSW.h)
find_library(MMGRAPH_FAISS_LIBRARY NAMES libfaiss.a faiss)
if(NOT MMGRAPH_FAISS_INCLUDE_DIR OR NOT MMGRAPH_FAISS_LIBRARY)
  message(FATAL_ERROR "mmgraph: FAISS not found (Debian: apt-get install libfaiss-dev)")
endif()
message(STATUS "mmgraph: FAISS: ${MMGRAPH_FAISS_LIBRARY}")
