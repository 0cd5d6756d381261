// Cypher value semantics over bolt::value for the executor: comparison (three-valued and total
// order), equivalence and hashing for DISTINCT/grouping, arithmetic and string predicates.
// Pure functions; type errors throw query_error (client_error_code) with Memgraph's wording.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "bolt/value.hpp"

namespace server::query {

/// Memgraph's name of a value's type, as its error messages print it ("int", "string", "vertex").
std::string_view cypher_type_name(const bolt::value& v);

// ---- comparison -------------------------------------------------------------------------------

/// Cypher `=` as Memgraph evaluates it: nullopt when either side is null, when a list/map
/// comparison meets a null and nothing compared false, and for values of different types
/// (1 = 'a' is null, not false); 1 = 1.0; lists and maps element-wise; graph entities by id.
std::optional<bool> cypher_equals(const bolt::value& a, const bolt::value& b);
std::optional<bool> cypher_not_equals(const bolt::value& a, const bolt::value& b);

/// Cypher `<`, `<=`, `>`, `>=`: nullopt when either side is null or the values are not
/// comparable (different types, NaN, durations, points), as Memgraph does. Numbers compare with
/// numbers, strings, booleans, lists (lexicographically), maps and temporals of one kind within
/// their own type. Never throws.
std::optional<bool> cypher_less(const bolt::value& a, const bolt::value& b);
std::optional<bool> cypher_less_equal(const bolt::value& a, const bolt::value& b);
std::optional<bool> cypher_greater(const bolt::value& a, const bolt::value& b);
std::optional<bool> cypher_greater_equal(const bolt::value& a, const bolt::value& b);

/// Total order for ORDER BY, min/max: negative, zero or positive. Never throws. Across types
/// (Memgraph's ValueRank, openCypher's ascending order; nulls last): map < node < relationship <
/// list < path < point < datetime < local datetime < date < local time < time < duration <
/// bytes < string < boolean < number < null. Within a type, the natural order; NaN sorts above
/// every other number; durations by (months, days, seconds, nanoseconds).
int order_compare(const bolt::value& a, const bolt::value& b);

/// Equivalence for DISTINCT, grouping keys and collect(DISTINCT): like `=` but null ≡ null,
/// NaN ≡ NaN, and 1 ≡ 1.0. value_hash agrees with it (equivalent values hash alike).
bool value_equivalent(const bolt::value& a, const bolt::value& b);
std::size_t value_hash(const bolt::value& v);

/// Functors for std::unordered_map/set keyed by values (or by bolt::list rows of values).
struct value_hasher {
    std::size_t operator()(const bolt::value& v) const { return value_hash(v); }
    std::size_t operator()(const bolt::list& row) const;
};
struct value_equivalent_to {
    bool operator()(const bolt::value& a, const bolt::value& b) const { return value_equivalent(a, b); }
    bool operator()(const bolt::list& a, const bolt::list& b) const;
};

// ---- arithmetic -------------------------------------------------------------------------------
// Null in, null out. Integer overflow, division by zero and bad types throw query_error.

/// Numbers; string + string, and string + number / number + string (the number printed, as in
/// Memgraph); list + list concatenates, list + x appends, x + list prepends; temporal + duration,
/// duration + temporal, duration + duration. Errors read "Invalid types: bool and int for '+'.".
bolt::value add(const bolt::value& a, const bolt::value& b);
/// Numbers; temporal - duration; duration - duration; date - date, local_date_time - local_date_time,
/// local_time - local_time and date_time - date_time give a duration.
bolt::value subtract(const bolt::value& a, const bolt::value& b);
/// Numbers only.
bolt::value multiply(const bolt::value& a, const bolt::value& b);
/// Integer division truncates toward zero; float / 0 gives inf/NaN. int / 0 throws what Memgraph
/// says for it: "Invalid types: int and int for '/'." (its evaluator rewords every type error).
bolt::value divide(const bolt::value& a, const bolt::value& b);
/// Like C's % (sign of the dividend) for ints, fmod for floats; int % 0 throws like int / 0.
bolt::value modulo(const bolt::value& a, const bolt::value& b);
/// Always a float (pow).
bolt::value power(const bolt::value& a, const bolt::value& b);
/// Unary minus (numbers, durations); -INT64_MIN is an overflow error.
bolt::value negate(const bolt::value& a);
/// Unary plus: numbers unchanged, anything else throws ("Invalid type string for '+'.").
bolt::value unary_plus(const bolt::value& a);

// ---- predicates and logic ----------------------------------------------------------------------

/// STARTS WITH / ENDS WITH / CONTAINS: nullopt when either side is null; a non-string throws as
/// in Memgraph ("'startsWith' argument at position 1 must be either 'null' or 'string'.").
std::optional<bool> starts_with(const bolt::value& s, const bolt::value& prefix);
std::optional<bool> ends_with(const bolt::value& s, const bolt::value& suffix);
std::optional<bool> contains(const bolt::value& s, const bolt::value& part);

/// `x IN list`: true if some element equals x; else nullopt if x is null or some comparison was
/// null; else false. An empty list gives false even for a null x; `list` null gives nullopt; a
/// non-list throws ("IN expected a list, got int.").
std::optional<bool> in_list(const bolt::value& x, const bolt::value& list);

/// A boolean or null as the three-valued logic sees it; anything else throws
/// "<what> expression must evaluate to bool or null, got string." (Memgraph's filter wording).
std::optional<bool> as_bool(const bolt::value& v, std::string_view what = "Filter");
/// For WHERE/filters: true only when v is the boolean true (null and false drop the row).
bool truthy(const bolt::value& v, std::string_view what = "Filter");

/// AND / OR / XOR / NOT on values, with Memgraph's errors for non-booleans
/// ("Invalid types: int and bool for AND.", "Invalid type int for 'NOT'."). The executor may
/// short-circuit AND/OR itself (false AND x, true OR x) before evaluating x.
bolt::value cypher_and(const bolt::value& a, const bolt::value& b);
bolt::value cypher_or(const bolt::value& a, const bolt::value& b);
bolt::value cypher_xor(const bolt::value& a, const bolt::value& b);
bolt::value cypher_not(const bolt::value& a);

/// Three-valued AND / OR / XOR / NOT over as_bool's results.
std::optional<bool> logical_and(std::optional<bool> a, std::optional<bool> b);
std::optional<bool> logical_or(std::optional<bool> a, std::optional<bool> b);
std::optional<bool> logical_xor(std::optional<bool> a, std::optional<bool> b);
std::optional<bool> logical_not(std::optional<bool> a);

/// optional<bool> → bolt::value (nullopt → null), for RETURN a = b.
bolt::value to_value(std::optional<bool> b);

}  // namespace server::query
