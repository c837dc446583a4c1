# cmake --install: libmmgraph.a, the public headers and a CMake package, so that
# another project can find_package(mmgraph) and link mmgraph::mmgraph.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS mmgraph EXPORT mmgraphTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/mmgraph DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/include/mmgraph/build_info.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mmgraph)
install(TARGETS mmgraph_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT mmgraphTargets NAMESPACE mmgraph::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mmgraph)

configure_package_config_file(cmake/mmgraphConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/mmgraphConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mmgraph)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mmgraphConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/mmgraphConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/mmgraphConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mmgraph)
