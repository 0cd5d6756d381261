// Cypher scalar functions that need only values (no graph access): coalesce, range, head, last,
// size, abs, toInteger, toFloat, toString, toUpper, toLower, trim, split, keys/properties on maps,
// and the temporal constructors date(), localTime(), localDateTime(), datetime(), duration().
// Graph functions (id, labels, type, keys/properties of nodes, startNode, ...) are the executor's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "bolt/value.hpp"

namespace server::query {

/// Per-call context. `now_utc_ns` fixes "now" for the no-argument temporal constructors (one
/// query should see one instant); unset means the system clock at the call.
struct function_context {
    std::optional<std::int64_t> now_utc_ns;
};

/// True when call_value_function knows `lowercase_name` (the executor lowercases; Cypher function
/// names are case-insensitive). "keys" and "properties" are listed: they accept maps and null
/// here; the executor handles nodes and relationships before calling.
bool is_value_function(std::string_view lowercase_name);

/// A function's body, for resolving a name once at plan time instead of once per row.
using value_function = bolt::value (*)(std::span<const bolt::value> args, const function_context& context);

/// The body of `lowercase_name`, or nullptr when is_value_function would say false.
value_function find_value_function(std::string_view lowercase_name);

/// Calls the function. Throws query_error (client_error_code) with Memgraph's wording on a wrong
/// argument count ("Function 'toInteger' requires exactly one argument."), a wrong argument type
/// or a malformed temporal string; an unknown name throws "Function 'x' doesn't exist.".
bolt::value call_value_function(std::string_view lowercase_name, std::span<const bolt::value> args,
                                const function_context& context = {});

}  // namespace server::query
