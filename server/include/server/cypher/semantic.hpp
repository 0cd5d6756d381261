// The light semantic pass over a parsed query (variable scoping, clause rules) and the query
// type classifier that feeds the summary's `type`.
#pragma once

#include <optional>
#include <server/cypher/ast.hpp>
#include <server/cypher/parser.hpp>
#include <string_view>

namespace server::cypher {

/// Checks what the grammar cannot: variables used before being bound ("Unbound variable: x."),
/// redeclared in CREATE ("Redeclaring variable: x."), `RETURN *` with nothing in scope,
/// aggregates outside WITH/RETURN or nested, DELETE of a non-variable, CREATE relationships
/// without exactly one type or with no direction, and duplicate column names. Messages are
/// Memgraph's where it has one. Returns nothing when the query is fine.
std::optional<syntax_error> check(const query& q);

/// The parse and the semantic pass in one call.
parse_result parse_and_check(std::string_view text);

enum class query_type : std::uint8_t { read, write, read_write, schema };

/// "r" (only reads), "w" (only writes, e.g. CREATE or UNWIND ... CREATE), "rw" (reads and
/// writes, e.g. MATCH ... SET or MERGE), "s" (index, constraint, storage mode, user and memory
/// statements). SHOW ... statements are reads.
query_type classify(const query& q);

/// The Bolt summary spelling: "r", "w", "rw" or "s".
std::string_view to_string(query_type t);

}  // namespace server::cypher
