# server_cypher — the Cypher front end (lexer, parser, AST, semantic pass). Included from
# server/CMakeLists.txt; needs bolt::client for the value model.
file(GLOB server_cypher_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/src/cypher/*.cpp)
add_library(server_cypher STATIC ${server_cypher_sources})
add_library(boltload::server_cypher ALIAS server_cypher)
target_include_directories(server_cypher PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
target_link_libraries(server_cypher PUBLIC bolt::client)
