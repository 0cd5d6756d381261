// The Cypher lexer: query text → tokens with positions, in one pass, no regexes.
// Keywords are not token kinds: they are identifiers the parser compares case-insensitively, so
// `count`, `type` or `name` stay usable as names. Backquoted names are never keywords.
#pragma once

#include <cstdint>
#include <optional>
#include <server/cypher/ast.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace server::cypher {

enum class token_kind : std::uint8_t {
    end,          // end of input
    identifier,   // name or keyword
    quoted_name,  // `backquoted` (text excludes the quotes, `` unescaped later)
    integer,      // 42, 0x2A, 0o52
    floating,     // 1.5, 1e3, .5
    string,       // 'x' or "x" (text includes the quotes)
    parameter,    // $name or $0 (text excludes '$')
    lparen,
    rparen,
    lbracket,
    rbracket,
    lbrace,
    rbrace,
    comma,
    dot,
    dotdot,
    colon,
    semicolon,
    pipe,
    eq,
    ne,
    lt,
    le,
    gt,
    ge,  // = <> (or !=) < <= > >=
    plus,
    plus_eq,
    minus,
    star,
    slash,
    percent,
    caret,
};

struct token {
    token_kind kind = token_kind::end;
    std::string_view text;  // a view into the query text
    source_pos pos;
};

/// A lexing failure, in ANTLR's wording ("token recognition error at: '...'").
struct lex_error {
    source_pos pos;
    std::string message;
};

/// Splits `text` into tokens, the last one token_kind::end. Comments (// and /* */) and
/// whitespace are skipped. Returns the first error instead when the text cannot be tokenized.
bool tokenize(std::string_view text, std::vector<token>& out, std::optional<lex_error>& error);

/// The printable name of a token kind, for error messages (`'('`, `<EOF>`, ...).
std::string_view to_string(token_kind k);

}  // namespace server::cypher
