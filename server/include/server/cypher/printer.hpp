// A compact S-expression dump of the AST, for tests and debugging: one line, stable spelling.
// Example: "UNWIND $batch AS row CREATE (:N {id: row.id})" prints as
// (query (unwind $batch row) (create (part (node _ :N {id (. row id)}))))
#pragma once

#include <server/cypher/ast.hpp>
#include <string>

namespace server::cypher {

std::string to_string(const query& q);
std::string to_string(const query& q, expr_id e);

}  // namespace server::cypher
