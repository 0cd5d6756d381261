// The Cypher AST: what the parser produces and the executor walks, once per RUN.
// Expressions live in one flat arena per query and refer to each other by index, so a parsed
// query is a few vectors (cheap to build, copy, walk and free, with no recursive destructor).
#pragma once

#include <bolt/value.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace server::cypher {

/// Where something starts in the query text: byte offset, and 1-based line and column (columns
/// count code points, as ANTLR does).
struct source_pos {
    std::uint32_t offset = 0;
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    friend bool operator==(const source_pos&, const source_pos&) = default;
};

/// Index of an expression in query::exprs.
using expr_id = std::uint32_t;
inline constexpr expr_id no_expr = UINT32_MAX;

/// A run of expression ids in query::expr_lists (arguments, list items, map values, CASE arms).
struct expr_range {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
};

enum class expr_kind : std::uint8_t {
    literal,     // value: a constant (numbers, strings, booleans, null)
    parameter,   // name: `$name` (or `$0`)
    variable,    // name
    property,    // a.name: lookup of `name` on the value of `a` (node, relationship or map)
    index,       // a[b]
    slice,       // a[b..c]; b and/or c may be no_expr
    list,        // items
    map,         // items are the values, keys are map_keys[keys.first + i]
    function,    // name(items), `distinct` for aggregates; `aggregate` says which one
    count_star,  // count(*)
    unary,       // op applied to a
    binary,      // a op b
    is_null,     // a IS NULL, or IS NOT NULL when `negated`
    has_labels,  // a:L1:L2 (labels are map_keys[keys...])
    case_expr,   // CASE [a] (WHEN x THEN y)* [ELSE c] END; items hold x0,y0,x1,y1,...
};

enum class op : std::uint8_t {
    none,
    // unary
    negate,
    unary_plus,
    logical_not,
    // binary
    logical_or,
    logical_xor,
    logical_and,
    eq,
    ne,
    lt,
    le,
    gt,
    ge,
    add,
    sub,
    mul,
    div,
    mod,
    pow,
    in_list,
    starts_with,
    ends_with,
    contains,
};

enum class aggregate : std::uint8_t { none, count, sum, min, max, avg, collect };

struct expr {
    expr_kind kind = expr_kind::literal;
    op oper = op::none;
    aggregate agg = aggregate::none;
    bool distinct = false;  // function: f(DISTINCT ...)
    bool negated = false;   // is_null: IS NOT NULL
    source_pos pos;
    expr_id a = no_expr;  // operand, object (property/index/slice), CASE subject
    expr_id b = no_expr;  // right operand, index, slice start
    expr_id c = no_expr;  // slice end, CASE ELSE
    expr_range items;     // list items, map values, function args, CASE arms
    expr_range keys;      // map keys / labels, in query::map_keys
    std::string name;     // variable, parameter, property key or function name (as written)
    bolt::value value;    // literal
};

// ---- patterns --------------------------------------------------------------------------------

struct node_pattern {
    std::string variable;             // empty when anonymous
    std::vector<std::string> labels;  // :A:B
    expr_id properties = no_expr;     // a map literal or a parameter
    source_pos pos;
};

enum class direction : std::uint8_t {
    left,   // <-[]-
    right,  // -[]->
    both,   // -[]-  (and <-[]->)
};

struct rel_pattern {
    std::string variable;
    std::vector<std::string> types;  // :T|U
    expr_id properties = no_expr;
    direction dir = direction::both;
    bool variable_length = false;  // [*min..max]
    std::optional<std::int64_t> min_hops, max_hops;
    source_pos pos;
};

/// One comma-separated part of a pattern: nodes[0] rels[0] nodes[1] ... (nodes = rels + 1).
struct pattern_part {
    std::string path_variable;  // p = (...)
    std::vector<node_pattern> nodes;
    std::vector<rel_pattern> rels;
    source_pos pos;
};

using pattern = std::vector<pattern_part>;

// ---- clauses ---------------------------------------------------------------------------------

struct match_clause {
    bool optional = false;
    pattern patterns;
    expr_id where = no_expr;
    source_pos pos;
};

struct create_clause {
    pattern patterns;
    source_pos pos;
};

enum class set_kind : std::uint8_t {
    property,  // target.key = value (target is a property expression)
    replace,   // variable = value (a map)
    merge,     // variable += value
    labels,    // variable:L1:L2
};

struct set_item {
    set_kind kind = set_kind::property;
    expr_id target = no_expr;  // property: the expr_kind::property being assigned
    std::string variable;      // replace, merge, labels
    std::vector<std::string> labels;
    expr_id value = no_expr;
    source_pos pos;
};

struct merge_clause {
    pattern_part pattern;
    std::vector<set_item> on_create;
    std::vector<set_item> on_match;
    source_pos pos;
};

struct set_clause {
    std::vector<set_item> items;
    source_pos pos;
};

enum class remove_kind : std::uint8_t { property, labels };

struct remove_item {
    remove_kind kind = remove_kind::property;
    expr_id target = no_expr;  // property: the expr_kind::property to remove
    std::string variable;      // labels
    std::vector<std::string> labels;
    source_pos pos;
};

struct remove_clause {
    std::vector<remove_item> items;
    source_pos pos;
};

struct delete_clause {
    bool detach = false;
    std::vector<expr_id> targets;
    source_pos pos;
};

struct unwind_clause {
    expr_id list = no_expr;
    std::string alias;
    source_pos pos;
};

struct projection_item {
    expr_id value = no_expr;
    std::string name;      // the column: the alias, or the expression's text as written
    bool aliased = false;  // `AS name` was given
    source_pos pos;
};

struct sort_item {
    expr_id value = no_expr;
    bool descending = false;
};

/// The shared body of WITH and RETURN.
struct projection {
    bool distinct = false;
    bool star = false;  // `*` (possibly followed by more items)
    std::vector<projection_item> items;
    std::vector<sort_item> order_by;
    expr_id skip = no_expr;
    expr_id limit = no_expr;
};

struct with_clause {
    projection body;
    expr_id where = no_expr;
    source_pos pos;
};

struct return_clause {
    projection body;
    source_pos pos;
};

using clause = std::variant<match_clause, create_clause, merge_clause, set_clause, remove_clause,
                            delete_clause, unwind_clause, with_clause, return_clause>;

// ---- statements ------------------------------------------------------------------------------

/// A regular Cypher query: clauses in order.
struct cypher_statement {
    std::vector<clause> clauses;
};

/// CREATE INDEX ON :L(p) / :L, DROP INDEX ON ...
struct index_statement {
    bool drop = false;
    std::string label;
    std::optional<std::string> property;
};

enum class constraint_kind : std::uint8_t { unique, exists };

/// CREATE CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE | ASSERT EXISTS (n.p), and DROP CONSTRAINT.
struct constraint_statement {
    bool drop = false;
    constraint_kind kind = constraint_kind::unique;
    std::string variable;
    std::string label;
    std::vector<std::string> properties;
};

enum class show_kind : std::uint8_t { index_info, constraint_info, storage_info, users };

struct show_statement {
    show_kind what = show_kind::index_info;
};

enum class storage_mode : std::uint8_t { in_memory_analytical, in_memory_transactional };

struct storage_mode_statement {
    storage_mode mode = storage_mode::in_memory_transactional;
};

struct create_user_statement {
    std::string name;
    bool if_not_exists = false;
    std::optional<std::string> password;  // absent, or IDENTIFIED BY 'pw' (null gives absent)
};

struct drop_user_statement {
    std::string name;
};

struct free_memory_statement {};

using statement = std::variant<cypher_statement, index_statement, constraint_statement,
                               show_statement, storage_mode_statement, create_user_statement,
                               drop_user_statement, free_memory_statement>;

/// A parsed query: the statement plus the arenas its expression ids point into.
struct query {
    statement stmt;
    std::vector<expr> exprs;
    std::vector<expr_id> expr_lists;
    std::vector<std::string> map_keys;
    std::vector<std::string> parameters;  // distinct parameter names, in order of first use

    const expr& at(expr_id id) const { return exprs[id]; }
    std::span<const expr_id> list_of(expr_range r) const {
        return {expr_lists.data() + r.first, r.count};
    }
    std::span<const std::string> keys_of(expr_range r) const {
        return {map_keys.data() + r.first, r.count};
    }
    /// The clauses of a Cypher statement; empty for the other statements.
    std::span<const clause> clauses() const {
        if (auto* c = std::get_if<cypher_statement>(&stmt)) return c->clauses;
        return {};
    }
};

}  // namespace server::cypher
