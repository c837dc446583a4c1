# The library's layers as CMake targets (docs/ARCHITECTURE.md, "Layers and targets"):
# mmgraph_core <- mmgraph_io, mmgraph_kernels <- mmgraph_engine, combined into the
# static library mmgraph; the command line and the Python module see only include/.
#
# A target's include directory is a folder generated here, layers/<target> in the build
# tree, that holds symbolic links to the folders and public headers the target owns:
# layers/mmgraph_kernels/kernels -> kernels/, layers/mmgraph_core/mmgraph/errors.h ->
# include/mmgraph/errors.h. A target sees its own links and, through what it links, those
# of the layers below it, and nothing else, so an include of a layer above fails to
# compile ("No such file or directory") while every include keeps its spelling
# ("kernels/spmm.h", "io/npy.h", "mmgraph/config.h"). Moving each layer's headers into
# its own include/ folder would enforce the same, at the cost of moving every header and
# rewriting every include; the links leave the source tree as it is.

# Makes <name> a symbolic link to <original>, which must exist.
function(mmgraph_make_link original name)
  if(NOT EXISTS ${original})
    message(FATAL_ERROR "mmgraph: a layer names ${original}, which does not exist")
  endif()
  get_filename_component(parent ${name} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${original} ${name} SYMBOLIC)
endfunction()

# Creates layers/<target> with links to FOLDERS (relative to the source tree) and
# HEADERS (relative to include/); sets <out_var> to its path.
function(mmgraph_include_folder target out_var)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "FOLDERS;HEADERS")
  set(root ${PROJECT_BINARY_DIR}/layers/${target})
  file(REMOVE_RECURSE ${root})  # removes the links, not the files they point to
  foreach(folder IN LISTS arg_FOLDERS)
    mmgraph_make_link(${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder})
  endforeach()
  foreach(header IN LISTS arg_HEADERS)
    mmgraph_make_link(${PROJECT_SOURCE_DIR}/include/${header} ${root}/${header})
    set_property(GLOBAL APPEND PROPERTY MMGRAPH_OWNED_PUBLIC_HEADERS ${header})
  endforeach()
  set(${out_var} ${root} PARENT_SCOPE)
endfunction()

# The compile settings of every object of the library, whatever its layer: warnings,
# sanitizers, the CPU code generation flags, the build's definitions, OpenMP.
function(mmgraph_set_library_flags target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  mmgraph_set_warnings(${target})
  mmgraph_set_sanitizers(${target})
  target_link_libraries(${target} PRIVATE OpenMP::OpenMP_CXX)
  # No math function's errno is ever read: without this, every sqrtf keeps a branch to
  # libm for negative inputs and loops over it (Adam's update) stay scalar. Results are
  # unchanged (the vector square root and division round as the scalar ones).
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-math-errno>)
  if(MMGRAPH_NATIVE_ARCH)
    # The CPU backend's ops (SpMM rows, Adam, losses) vectorise over d: AVX2/FMA
    # where the machine has them (TikTok LightGCN epoch: 1.4x faster than SSE2).
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-march=native>)
  endif()
  if(MMGRAPH_LIBMVEC)
    target_compile_definitions(${target} PRIVATE MMGRAPH_HAVE_LIBMVEC=1)
  endif()
  if(MMGRAPH_WITH_CUDA)
    target_compile_definitions(${target} PRIVATE MMGRAPH_HAVE_CUDA=1)
    target_link_libraries(${target} PRIVATE CUDA::cudart CUDA::cublas)
    set_target_properties(${target} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
    if(MMGRAPH_CUDA_SYNC_LAUNCHES)
      target_compile_definitions(${target} PRIVATE MMGRAPH_CUDA_SYNC_LAUNCHES=1)
    endif()
  endif()
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# mmgraph_add_layer(<target> SOURCES <file>... FOLDERS <folder>... HEADERS <header>...
#                   LAYERS <layer>...)
# One layer: the OBJECT library <target> of SOURCES, compiled with the library's
# flags, and the INTERFACE target <target>_headers whose include directory holds the
# layer's FOLDERS and public HEADERS (include/mmgraph/ files it defines) and which
# carries those of the LAYERS below it. Tests and benchmarks that reach into a layer
# link its _headers target and the library mmgraph.
function(mmgraph_add_layer target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;FOLDERS;HEADERS;LAYERS")
  mmgraph_include_folder(${target} root FOLDERS ${arg_FOLDERS} HEADERS ${arg_HEADERS})
  add_library(${target}_headers INTERFACE)
  target_include_directories(${target}_headers INTERFACE ${root})
  foreach(layer IN LISTS arg_LAYERS)
    target_link_libraries(${target}_headers INTERFACE ${layer}_headers)
  endforeach()
  add_library(${target} OBJECT ${arg_SOURCES})
  target_link_libraries(${target} PUBLIC ${target}_headers)
  mmgraph_set_library_flags(${target})
endfunction()

# Fails the configuration unless every header of include/mmgraph/ is owned by exactly
# one layer (its HEADERS): a new public header must say which layer defines it.
function(mmgraph_check_public_headers)
  file(GLOB present RELATIVE ${PROJECT_SOURCE_DIR}/include CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/include/mmgraph/*.h)
  get_property(owned GLOBAL PROPERTY MMGRAPH_OWNED_PUBLIC_HEADERS)
  set(distinct ${owned})
  list(REMOVE_DUPLICATES distinct)
  list(SORT distinct)
  list(SORT present)
  list(LENGTH owned n_owned)
  list(LENGTH distinct n_distinct)
  if(NOT n_owned EQUAL n_distinct OR NOT "${present}" STREQUAL "${distinct}")
    message(FATAL_ERROR "mmgraph: every header of include/mmgraph/ must be in the HEADERS of exactly "
                        "one layer; present: ${present}; owned: ${owned}")
  endif()
endfunction()
