# Install and package (README, "Install"). `cmake --install BUILD --prefix P` puts
#   P/bin/boltload, P/libexec/boltload/boltload-worker (boltload looks there: worker_program.hpp),
#   P/lib/libbolt_client.a, P/include/bolt/*.hpp, and P/lib/cmake/boltload/ for
#   find_package(boltload CONFIG), which gives boltload::bolt_client;
# `cpack -G DEB` in the build folder makes the same tree under /usr as a .deb.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(boltload_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/boltload)

if(TARGET boltload AND TARGET boltload-worker)
  install(TARGETS boltload RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(TARGETS boltload-worker RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/boltload)
  # boltload looks for its worker at ../libexec/boltload/ from its own folder, whatever the prefix.
  file(RELATIVE_PATH worker_from_bin ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBEXECDIR}/boltload)
  if(NOT worker_from_bin STREQUAL "../libexec/boltload")
    message(WARNING "with this CMAKE_INSTALL_BINDIR and CMAKE_INSTALL_LIBEXECDIR the installed boltload "
                    "does not find boltload-worker by itself; set BOLTLOAD_WORKER when running it")
  endif()
endif()

install(TARGETS bolt_client EXPORT boltload_targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/client/include/bolt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT boltload_targets NAMESPACE boltload:: FILE boltloadTargets.cmake
        DESTINATION ${boltload_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/boltloadConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/boltloadConfig.cmake
                              INSTALL_DESTINATION ${boltload_cmake_dir})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/boltloadConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/boltloadConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/boltloadConfigVersion.cmake
        DESTINATION ${boltload_cmake_dir})

# One .deb with everything above. dpkg-shlibdeps writes Depends from what the executables link;
# the -dev packages a find_package user also needs are suggested, not required.
set(CPACK_PACKAGE_NAME boltload)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "bulk loader and write-write-conflict testbed for Bolt graph databases (Memgraph, Neo4j)")
set(CPACK_PACKAGE_CONTACT "boltload maintainers")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libboost1.81-dev | libboost-dev (>= 1.81), libssl-dev, libfmt-dev")
# A source package must not sweep up build folders or npm installs.
set(CPACK_SOURCE_GENERATOR TGZ)
# (Regular expressions; the backslashes are doubled twice because CPackSourceConfig.cmake is
# CMake code that reads them once more.)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/\\\\.git$" "/build[^/]*/" "/node_modules/" "/\\\\.cache/")
include(CPack)
