# server_query — planner and executor: Cypher AST → operators over a storage transaction, query
# sessions and Memgraph-style summaries. Included from server/CMakeLists.txt.
file(GLOB server_query_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/src/query/*.cpp)
if(server_query_sources)
  add_library(server_query STATIC ${server_query_sources})
  add_library(boltload::server_query ALIAS server_query)
  target_include_directories(server_query PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include
                                          PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src/query)
  target_link_libraries(server_query PUBLIC server_cypher server_storage PRIVATE fmt::fmt)
endif()
