// The Cypher parser's API: text → query (AST) or a positioned error, never an exception.
// Error messages follow Memgraph's (ANTLR's) shape: "line 1:7 no viable alternative at input
// 'MATCH (n'", "line 1:0 mismatched input 'CRATE' expecting {...}", "Unsupported clause: CALL".
#pragma once

#include <cstddef>
#include <server/cypher/ast.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace server::cypher {

/// What went wrong and where. `line` and `column` are 1-based; the message, like Memgraph's,
/// writes the position ANTLR's way ("line L:C" with a 0-based column) when it has one.
/// Memgraph sends such errors as Memgraph.ClientError.MemgraphError.MemgraphError.
struct syntax_error {
    std::size_t line = 1;
    std::size_t column = 1;
    std::string message;
};

/// Nesting deeper than this (parentheses, lists, maps, CASE, calls) is refused with
/// "query nested too deeply", which bounds the parser's recursion and every walk of the AST.
inline constexpr std::size_t max_nesting_depth = 128;

/// An expected-like result: a query or an error.
class parse_result {
public:
    parse_result(query q) : v_(std::move(q)) {}         // NOLINT: implicit by design
    parse_result(syntax_error e) : v_(std::move(e)) {}  // NOLINT: implicit by design

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    const query& value() const& { return std::get<0>(v_); }
    query&& value() && { return std::get<0>(std::move(v_)); }
    const query& operator*() const& { return value(); }
    const query* operator->() const { return &value(); }
    const syntax_error& error() const { return std::get<1>(v_); }

private:
    std::variant<query, syntax_error> v_;
};

/// Parses one statement (an optional trailing ';' is accepted). Syntax only: run check() for the
/// semantic rules.
parse_result parse(std::string_view text);

}  // namespace server::cypher
