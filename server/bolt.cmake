# server_bolt — the Bolt server: handshake, state machine, sessions, auth, TLS, limits and fault
# injection on Asio coroutines. Included from server/CMakeLists.txt.
file(GLOB server_bolt_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/src/bolt/*.cpp)
if(server_bolt_sources AND TARGET server_query)
  add_library(server_bolt STATIC ${server_bolt_sources})
  add_library(boltload::server_bolt ALIAS server_bolt)
  target_include_directories(server_bolt PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include
                                         PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src/bolt)
  target_link_libraries(server_bolt PUBLIC server_query bolt::client Boost::headers OpenSSL::SSL
                                           Threads::Threads PRIVATE fmt::fmt)
endif()

# clang 14 cannot compile Asio's coroutines in server.cpp with ASan/UBSan ("Cannot represent a
# difference across sections"). The fuzz targets drive connection_state, not the socket server, so
# in the fuzz build that one file keeps only the fuzzer's coverage instrumentation.
if(BOLTLOAD_FUZZ AND TARGET server_bolt)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/src/bolt/server.cpp
                              PROPERTIES COMPILE_OPTIONS "-fno-sanitize=address,undefined")
endif()
