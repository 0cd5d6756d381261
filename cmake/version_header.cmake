# Writes boltload/version.hpp: the version, and the git commit when SOURCE_DIR is the top of a git
# checkout (a source tarball unpacked inside some other repository must not take its commit).
# Run at every build (cmake -P) with SOURCE_DIR, OUTPUT and VERSION; configure_file leaves the file
# alone when nothing changed, so nothing recompiles.
set(BOLTLOAD_VERSION "${VERSION}")
set(BOLTLOAD_GIT_COMMIT "")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" rev-parse --show-toplevel
                  OUTPUT_VARIABLE top RESULT_VARIABLE top_rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  file(REAL_PATH "${SOURCE_DIR}" source_real)
  if(top_rc EQUAL 0)
    file(REAL_PATH "${top}" top)
  endif()
  if(top_rc EQUAL 0 AND top STREQUAL source_real)
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                    OUTPUT_VARIABLE BOLTLOAD_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND "${GIT_EXECUTABLE}" --no-optional-locks -C "${SOURCE_DIR}" status --porcelain
                            --untracked-files=no
                    OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(BOLTLOAD_GIT_COMMIT AND changes)
      string(APPEND BOLTLOAD_GIT_COMMIT "-dirty")
    endif()
  endif()
endif()
if(BOLTLOAD_GIT_COMMIT)
  set(BOLTLOAD_VERSION_STRING "${BOLTLOAD_VERSION} (git ${BOLTLOAD_GIT_COMMIT})")
else()
  set(BOLTLOAD_VERSION_STRING "${BOLTLOAD_VERSION}")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/version.hpp.in" "${OUTPUT}" @ONLY)
