// Cypher value semantics for the executor, following Memgraph's TypedValue operators: equality
// and comparability (three-valued), the total ORDER BY order, DISTINCT equivalence and hashing,
// arithmetic with overflow checks, string predicates and boolean logic.
#include "server/query/value_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "server/query/session.hpp"
#include "server/query/temporal.hpp"

namespace server::query {

namespace {

using bolt::value;
using bolt::value_type;

[[noreturn]] void fail(const std::string& message) { throw query_error(std::string(client_error_code), message); }

[[noreturn]] void invalid_types(const value& a, const value& b, std::string_view op) {
    fail(fmt::format("Invalid types: {} and {} for '{}'.", cypher_type_name(a), cypher_type_name(b), op));
}

[[noreturn]] void invalid_type(const value& a, std::string_view op) {
    fail(fmt::format("Invalid type {} for '{}'.", cypher_type_name(a), op));
}

bool is_number(const value& v) { return v.type() == value_type::integer || v.type() == value_type::floating; }

double to_double(const value& v) {
    if (const auto* i = v.get_if<std::int64_t>()) return static_cast<double>(*i);
    return v.as<double>();
}

bool is_zoned(value_type t) { return t == value_type::date_time || t == value_type::date_time_zone_id; }

// Compares an int64 with a double exactly (long double holds every int64 on x86; elsewhere the
// rounding only matters beyond 2^53). NaN is handled by the callers.
int compare_int_double(std::int64_t i, double d) {
    const long double li = static_cast<long double>(i);
    const long double ld = static_cast<long double>(d);
    return li < ld ? -1 : (li > ld ? 1 : 0);
}

template <class T>
int three_way(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

// Numbers, NaN aside: -1/0/1.
int compare_numbers(const value& a, const value& b) {
    const auto* ai = a.get_if<std::int64_t>();
    const auto* bi = b.get_if<std::int64_t>();
    if (ai && bi) return three_way(*ai, *bi);
    if (ai) return compare_int_double(*ai, b.as<double>());
    if (bi) return -compare_int_double(*bi, a.as<double>());
    return three_way(a.as<double>(), b.as<double>());
}

bool has_nan(const value& a) {
    const auto* d = a.get_if<double>();
    return d && std::isnan(*d);
}

std::int64_t time_instant_ns(const bolt::time& t) { return t.nanoseconds - t.tz_offset_seconds * temporal::nanos_per_second; }

std::vector<const bolt::map::entry*> sorted_entries(const bolt::map& m) {
    std::vector<const bolt::map::entry*> out;
    out.reserve(m.size());
    for (const auto& e : m) out.push_back(&e);
    std::sort(out.begin(), out.end(), [](const auto* x, const auto* y) { return x->first < y->first; });
    return out;
}

// Lexicographic comparison shared by comparability and the ORDER BY order: the first element
// (map: key, then value) that `cmp` does not call equal (0) decides; then the shorter one is less.
template <class Cmp>
std::optional<int> compare_lists(const bolt::list& la, const bolt::list& lb, Cmp cmp) {
    const std::size_t n = std::min(la.size(), lb.size());
    for (std::size_t i = 0; i < n; ++i) {
        const std::optional<int> c = cmp(la[i], lb[i]);
        if (!c || *c != 0) return c;
    }
    return three_way(la.size(), lb.size());
}

template <class Cmp>
std::optional<int> compare_maps(const bolt::map& ma, const bolt::map& mb, Cmp cmp) {
    const auto ea = sorted_entries(ma);
    const auto eb = sorted_entries(mb);
    const std::size_t n = std::min(ea.size(), eb.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (const int k = three_way(ea[i]->first, eb[i]->first); k != 0) return k;
        const std::optional<int> c = cmp(ea[i]->second, eb[i]->second);
        if (!c || *c != 0) return c;
    }
    return three_way(ea.size(), eb.size());
}

// Path identity: the node ids and relationship ids along the walk.
std::vector<std::int64_t> path_walk(const bolt::path& p) {
    std::vector<std::int64_t> walk;
    if (p.nodes.empty()) return walk;
    walk.push_back(p.nodes.front().id);
    for (std::size_t i = 0; i + 1 < p.indices.size(); i += 2) {
        const std::int64_t rel = p.indices[i];
        const std::int64_t node = p.indices[i + 1];
        const std::size_t rel_index = static_cast<std::size_t>(rel < 0 ? -rel : rel) - 1;
        walk.push_back(rel_index < p.relationships.size() ? p.relationships[rel_index].id : -1);
        walk.push_back(node >= 0 && static_cast<std::size_t>(node) < p.nodes.size() ? p.nodes[static_cast<std::size_t>(node)].id : -1);
    }
    return walk;
}

std::int64_t entity_id(const value& v) {
    switch (v.type()) {
        case value_type::node: return v.as<bolt::node>().id;
        case value_type::relationship: return v.as<bolt::relationship>().id;
        case value_type::unbound_relationship: return v.as<bolt::unbound_relationship>().id;
        default: return 0;
    }
}

bool is_relationship(value_type t) { return t == value_type::relationship || t == value_type::unbound_relationship; }

// Type equality for `=`: numbers with numbers, both relationship forms, both zoned datetimes.
bool same_kind(const value& a, const value& b) {
    if (a.type() == b.type()) return true;
    if (is_number(a) && is_number(b)) return true;
    if (is_relationship(a.type()) && is_relationship(b.type())) return true;
    return is_zoned(a.type()) && is_zoned(b.type());
}

// Equality for values of the same kind, with `null_equal` deciding how nested nulls compare
// (equality: unknown; equivalence: equal). Returns nullopt for "unknown".
std::optional<bool> equal_impl(const value& a, const value& b, bool equivalence) {
    if (a.is_null() || b.is_null()) {
        if (equivalence) return a.is_null() && b.is_null();
        return std::nullopt;
    }
    if (!same_kind(a, b)) return equivalence ? std::optional<bool>(false) : std::nullopt;
    switch (a.type()) {
        case value_type::boolean: return a.as<bool>() == b.as<bool>();
        case value_type::integer:
        case value_type::floating:
            if (has_nan(a) || has_nan(b)) return equivalence && has_nan(a) && has_nan(b);
            return compare_numbers(a, b) == 0;
        case value_type::string: return a.as<std::string>() == b.as<std::string>();
        case value_type::bytes: return a.as<bolt::bytes>() == b.as<bolt::bytes>();
        case value_type::list: {
            const auto& la = a.as<bolt::list>();
            const auto& lb = b.as<bolt::list>();
            if (la.size() != lb.size()) return false;
            bool unknown = false;
            for (std::size_t i = 0; i < la.size(); ++i) {
                const auto eq = equal_impl(la[i], lb[i], equivalence);
                if (!eq) unknown = true;
                else if (!*eq) return false;
            }
            if (unknown) return std::nullopt;
            return true;
        }
        case value_type::map: {
            const auto& ma = a.as<bolt::map>();
            const auto& mb = b.as<bolt::map>();
            if (ma.size() != mb.size()) return false;
            bool unknown = false;
            for (const auto& [key, va] : ma) {
                const value* vb = mb.find(key);
                if (!vb) return false;
                const auto eq = equal_impl(va, *vb, equivalence);
                if (!eq) unknown = true;
                else if (!*eq) return false;
            }
            if (unknown) return std::nullopt;
            return true;
        }
        case value_type::node:
        case value_type::relationship:
        case value_type::unbound_relationship: return entity_id(a) == entity_id(b);
        case value_type::path: return path_walk(a.as<bolt::path>()) == path_walk(b.as<bolt::path>());
        case value_type::date: return a.as<bolt::date>() == b.as<bolt::date>();
        case value_type::time: return time_instant_ns(a.as<bolt::time>()) == time_instant_ns(b.as<bolt::time>());
        case value_type::local_time: return a.as<bolt::local_time>() == b.as<bolt::local_time>();
        case value_type::local_date_time: return a.as<bolt::local_date_time>() == b.as<bolt::local_date_time>();
        case value_type::date_time:
        case value_type::date_time_zone_id: return temporal::instant_of(a) == temporal::instant_of(b);
        case value_type::duration: return a.as<bolt::duration>() == b.as<bolt::duration>();
        case value_type::point2d: return a.as<bolt::point2d>() == b.as<bolt::point2d>();
        case value_type::point3d: return a.as<bolt::point3d>() == b.as<bolt::point3d>();
        case value_type::null: break;
    }
    return std::nullopt;
}

std::optional<int> comparable(const value& a, const value& b);

std::optional<int> element_comparable(const value& x, const value& y) {
    const auto eq = equal_impl(x, y, false);
    if (eq && *eq) return 0;
    return comparable(x, y);
}

// `<` as Memgraph's comparability: -1/0/1, or nullopt when incomparable.
std::optional<int> comparable(const value& a, const value& b) {
    if (a.is_null() || b.is_null()) return std::nullopt;
    if (is_number(a) && is_number(b)) {
        if (has_nan(a) || has_nan(b)) return std::nullopt;
        return compare_numbers(a, b);
    }
    if (!same_kind(a, b)) return std::nullopt;
    switch (a.type()) {
        case value_type::boolean: return three_way(a.as<bool>(), b.as<bool>());
        case value_type::string: return three_way(a.as<std::string>(), b.as<std::string>());
        // Memgraph: the first pair that is not equal decides with `<` (null when incomparable).
        case value_type::list: return compare_lists(a.as<bolt::list>(), b.as<bolt::list>(), element_comparable);
        case value_type::map: return compare_maps(a.as<bolt::map>(), b.as<bolt::map>(), element_comparable);
        case value_type::node:
        case value_type::relationship:
        case value_type::unbound_relationship: return three_way(entity_id(a), entity_id(b));
        case value_type::path: return three_way(path_walk(a.as<bolt::path>()), path_walk(b.as<bolt::path>()));
        case value_type::date: return three_way(a.as<bolt::date>().days, b.as<bolt::date>().days);
        case value_type::time: return three_way(time_instant_ns(a.as<bolt::time>()), time_instant_ns(b.as<bolt::time>()));
        case value_type::local_time: return three_way(a.as<bolt::local_time>().nanoseconds, b.as<bolt::local_time>().nanoseconds);
        case value_type::local_date_time: {
            const auto& x = a.as<bolt::local_date_time>();
            const auto& y = b.as<bolt::local_date_time>();
            return three_way(std::pair(x.seconds, x.nanoseconds), std::pair(y.seconds, y.nanoseconds));
        }
        case value_type::date_time:
        case value_type::date_time_zone_id: return three_way(temporal::instant_of(a), temporal::instant_of(b));
        default: return std::nullopt;  // durations, points, bytes: not comparable
    }
}

// Memgraph's ValueRank (ascending ORDER BY across types).
int rank(value_type t) {
    switch (t) {
        case value_type::map: return 0;
        case value_type::node: return 1;
        case value_type::relationship:
        case value_type::unbound_relationship: return 2;
        case value_type::list: return 3;
        case value_type::path: return 4;
        case value_type::point2d: return 5;
        case value_type::point3d: return 6;
        case value_type::date_time:
        case value_type::date_time_zone_id: return 7;
        case value_type::local_date_time: return 8;
        case value_type::date: return 9;
        case value_type::local_time: return 10;
        case value_type::time: return 11;
        case value_type::duration: return 12;
        case value_type::bytes: return 13;
        case value_type::string: return 14;
        case value_type::boolean: return 15;
        case value_type::integer:
        case value_type::floating: return 16;
        case value_type::null: return 17;
    }
    return 18;
}

std::size_t mix(std::size_t seed, std::size_t h) {
    return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

// ---- checked integer arithmetic ---------------------------------------------------------------

[[noreturn]] void overflow(std::string_view op) { fail(fmt::format("Integer overflow for '{}'.", op)); }

std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view op) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) overflow(op);
    return r;
}
std::int64_t checked_sub(std::int64_t a, std::int64_t b, std::string_view op) {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(a, b, &r)) overflow(op);
    return r;
}
std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view op) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) overflow(op);
    return r;
}

// Memgraph prints numbers in string concatenation with fmt's shortest form.
std::string number_text(const value& v) {
    if (const auto* i = v.get_if<std::int64_t>()) return std::to_string(*i);
    return fmt::format("{}", v.as<double>());
}

bool is_temporal(value_type t) {
    switch (t) {
        case value_type::date:
        case value_type::time:
        case value_type::local_time:
        case value_type::date_time:
        case value_type::date_time_zone_id:
        case value_type::local_date_time: return true;
        default: return false;
    }
}

// The shared guard of * / % ^: numbers only.
void ensure_numbers(const value& a, const value& b, std::string_view op) {
    if (!is_number(a) || !is_number(b)) invalid_types(a, b, op);
}

std::optional<bool> string_predicate(const value& s, const value& part, std::string_view name,
                                     bool (*test)(std::string_view, std::string_view)) {
    for (int pos = 0; pos < 2; ++pos) {
        const value& v = pos == 0 ? s : part;
        if (!v.is_null() && v.type() != value_type::string)
            fail(fmt::format("'{}' argument at position {} must be either 'null' or 'string'.", name, pos + 1));
    }
    if (s.is_null() || part.is_null()) return std::nullopt;
    return test(s.as<std::string>(), part.as<std::string>());
}

std::optional<bool> logic_operand(const value& v) {
    if (v.is_null()) return std::nullopt;
    return v.as<bool>();
}

void ensure_logical(const value& a, const value& b, std::string_view op) {
    const auto ok = [](const value& v) { return v.is_null() || v.type() == value_type::boolean; };
    if (!ok(a) || !ok(b)) fail(fmt::format("Invalid types: {} and {} for {}.", cypher_type_name(a), cypher_type_name(b), op));
}

}  // namespace

std::string_view cypher_type_name(const bolt::value& v) {
    switch (v.type()) {
        case value_type::null: return "null";
        case value_type::boolean: return "bool";
        case value_type::integer: return "int";
        case value_type::floating: return "double";
        case value_type::string: return "string";
        case value_type::bytes: return "bytes";
        case value_type::list: return "list";
        case value_type::map: return "map";
        case value_type::node: return "vertex";
        case value_type::relationship:
        case value_type::unbound_relationship: return "edge";
        case value_type::path: return "path";
        case value_type::date: return "date";
        case value_type::time: return "time";
        case value_type::local_time: return "local_time";
        case value_type::date_time:
        case value_type::date_time_zone_id: return "zoned_date_time";
        case value_type::local_date_time: return "local_date_time";
        case value_type::duration: return "duration";
        case value_type::point2d:
        case value_type::point3d: return "point";
    }
    return "unknown";
}

// ---- comparison ---------------------------------------------------------------------------------

std::optional<bool> cypher_equals(const bolt::value& a, const bolt::value& b) { return equal_impl(a, b, false); }

std::optional<bool> cypher_not_equals(const bolt::value& a, const bolt::value& b) {
    return logical_not(cypher_equals(a, b));
}

std::optional<bool> cypher_less(const bolt::value& a, const bolt::value& b) {
    const auto c = comparable(a, b);
    if (!c) return std::nullopt;
    return *c < 0;
}

std::optional<bool> cypher_less_equal(const bolt::value& a, const bolt::value& b) {
    const auto c = comparable(a, b);
    if (!c) return std::nullopt;
    return *c <= 0;
}

std::optional<bool> cypher_greater(const bolt::value& a, const bolt::value& b) { return cypher_less(b, a); }

std::optional<bool> cypher_greater_equal(const bolt::value& a, const bolt::value& b) { return cypher_less_equal(b, a); }

namespace {
std::optional<int> ordered(const value& x, const value& y) { return order_compare(x, y); }
}  // namespace

int order_compare(const bolt::value& a, const bolt::value& b) {
    const int ra = rank(a.type());
    const int rb = rank(b.type());
    if (ra != rb) return ra < rb ? -1 : 1;
    switch (a.type()) {
        case value_type::null: return 0;
        case value_type::integer:
        case value_type::floating: {
            const bool na = has_nan(a);
            const bool nb = has_nan(b);
            if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
            return compare_numbers(a, b);
        }
        case value_type::list: return *compare_lists(a.as<bolt::list>(), b.as<bolt::list>(), ordered);
        case value_type::map: return *compare_maps(a.as<bolt::map>(), b.as<bolt::map>(), ordered);
        case value_type::bytes: return three_way(a.as<bolt::bytes>(), b.as<bolt::bytes>());
        case value_type::duration: {
            const auto& x = a.as<bolt::duration>();
            const auto& y = b.as<bolt::duration>();
            return three_way(std::tuple(x.months, x.days, x.seconds, x.nanoseconds),
                             std::tuple(y.months, y.days, y.seconds, y.nanoseconds));
        }
        case value_type::point2d: {
            const auto& x = a.as<bolt::point2d>();
            const auto& y = b.as<bolt::point2d>();
            return three_way(std::tuple(x.srid, x.x, x.y), std::tuple(y.srid, y.x, y.y));
        }
        case value_type::point3d: {
            const auto& x = a.as<bolt::point3d>();
            const auto& y = b.as<bolt::point3d>();
            return three_way(std::tuple(x.srid, x.x, x.y, x.z), std::tuple(y.srid, y.x, y.y, y.z));
        }
        default: return comparable(a, b).value_or(0);
    }
}

bool value_equivalent(const bolt::value& a, const bolt::value& b) { return equal_impl(a, b, true).value_or(false); }

std::size_t value_hash(const bolt::value& v) {
    const std::size_t kind = static_cast<std::size_t>(v.type());
    switch (v.type()) {
        case value_type::null: return 31;
        case value_type::boolean: return v.as<bool>() ? 1231 : 1237;
        case value_type::integer: return std::hash<std::int64_t>{}(v.as<std::int64_t>());
        case value_type::floating: {
            const double d = v.as<double>();
            if (std::isnan(d)) return 0x7ff8;
            // Whole doubles hash as the integer they equal, so 1 and 1.0 group together.
            if (d == std::trunc(d) && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)
                return std::hash<std::int64_t>{}(static_cast<std::int64_t>(d));
            return std::hash<double>{}(d);
        }
        case value_type::string: return std::hash<std::string_view>{}(v.as<std::string>());
        case value_type::bytes: {
            const auto& b = v.as<bolt::bytes>();
            return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
        }
        case value_type::list: {
            std::size_t h = 0x51ed27;
            for (const auto& e : v.as<bolt::list>()) h = mix(h, value_hash(e));
            return h;
        }
        case value_type::map: {
            // Order-independent: maps equal in any key order hash alike.
            std::size_t h = 6'543'457;
            for (const auto& [key, e] : v.as<bolt::map>()) h += mix(std::hash<std::string_view>{}(key), value_hash(e));
            return h;
        }
        case value_type::node: return mix(1, std::hash<std::int64_t>{}(entity_id(v)));
        case value_type::relationship:
        case value_type::unbound_relationship: return mix(2, std::hash<std::int64_t>{}(entity_id(v)));
        case value_type::path: {
            std::size_t h = 3;
            for (const auto id : path_walk(v.as<bolt::path>())) h = mix(h, std::hash<std::int64_t>{}(id));
            return h;
        }
        case value_type::date: return mix(kind, std::hash<std::int64_t>{}(v.as<bolt::date>().days));
        case value_type::time: return mix(kind, std::hash<std::int64_t>{}(time_instant_ns(v.as<bolt::time>())));
        case value_type::local_time: return mix(kind, std::hash<std::int64_t>{}(v.as<bolt::local_time>().nanoseconds));
        case value_type::local_date_time: {
            const auto& t = v.as<bolt::local_date_time>();
            return mix(mix(kind, std::hash<std::int64_t>{}(t.seconds)), std::hash<std::int64_t>{}(t.nanoseconds));
        }
        case value_type::date_time:
        case value_type::date_time_zone_id: {
            const auto [s, ns] = temporal::instant_of(v);
            return mix(mix(15, std::hash<std::int64_t>{}(s)), std::hash<std::int64_t>{}(ns));
        }
        case value_type::duration: {
            const auto& d = v.as<bolt::duration>();
            std::size_t h = kind;
            for (const auto x : {d.months, d.days, d.seconds, d.nanoseconds}) h = mix(h, std::hash<std::int64_t>{}(x));
            return h;
        }
        case value_type::point2d: {
            const auto& p = v.as<bolt::point2d>();
            return mix(mix(mix(kind, std::hash<std::int64_t>{}(p.srid)), std::hash<double>{}(p.x)), std::hash<double>{}(p.y));
        }
        case value_type::point3d: {
            const auto& p = v.as<bolt::point3d>();
            return mix(mix(mix(mix(kind, std::hash<std::int64_t>{}(p.srid)), std::hash<double>{}(p.x)), std::hash<double>{}(p.y)),
                       std::hash<double>{}(p.z));
        }
    }
    return kind;
}

std::size_t value_hasher::operator()(const bolt::list& row) const {
    std::size_t h = 0x51ed27;
    for (const auto& e : row) h = mix(h, value_hash(e));
    return h;
}

bool value_equivalent_to::operator()(const bolt::list& a, const bolt::list& b) const {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!value_equivalent(a[i], b[i])) return false;
    return true;
}

// ---- arithmetic -----------------------------------------------------------------------------------

bolt::value add(const bolt::value& a, const bolt::value& b) {
    if (a.is_null() || b.is_null()) return {};
    if (a.type() == value_type::list || b.type() == value_type::list) {
        bolt::list out;
        const auto append = [&out](const value& v) {
            if (const auto* l = v.get_if<bolt::list>()) out.insert(out.end(), l->begin(), l->end());
            else out.push_back(v);
        };
        out.reserve((a.type() == value_type::list ? a.as<bolt::list>().size() : 1) +
                    (b.type() == value_type::list ? b.as<bolt::list>().size() : 1));
        append(a);
        append(b);
        return out;
    }
    if (a.type() == value_type::duration && b.type() == value_type::duration)
        return temporal::add_durations(a.as<bolt::duration>(), b.as<bolt::duration>(), 1);
    if (is_temporal(a.type()) && b.type() == value_type::duration) return temporal::add_duration(a, b.as<bolt::duration>(), 1);
    if (a.type() == value_type::duration && is_temporal(b.type())) return temporal::add_duration(b, a.as<bolt::duration>(), 1);
    if (a.type() == value_type::string || b.type() == value_type::string) {
        const auto text = [](const value& v) -> std::string {
            if (const auto* s = v.get_if<std::string>()) return *s;
            return number_text(v);
        };
        if ((a.type() != value_type::string && !is_number(a)) || (b.type() != value_type::string && !is_number(b)))
            invalid_types(a, b, "+");
        return text(a) + text(b);
    }
    if (!is_number(a) || !is_number(b)) invalid_types(a, b, "+");
    if (a.type() == value_type::integer && b.type() == value_type::integer)
        return checked_add(a.as<std::int64_t>(), b.as<std::int64_t>(), "+");
    return to_double(a) + to_double(b);
}

bolt::value subtract(const bolt::value& a, const bolt::value& b) {
    if (a.is_null() || b.is_null()) return {};
    if (a.type() == value_type::duration && b.type() == value_type::duration)
        return temporal::add_durations(a.as<bolt::duration>(), b.as<bolt::duration>(), -1);
    if (is_temporal(a.type()) && b.type() == value_type::duration) return temporal::add_duration(a, b.as<bolt::duration>(), -1);
    if (is_temporal(a.type()) && is_temporal(b.type())) {
        if (auto d = temporal::difference(a, b)) return *d;
        invalid_types(a, b, "-");
    }
    if (!is_number(a) || !is_number(b)) invalid_types(a, b, "-");
    if (a.type() == value_type::integer && b.type() == value_type::integer)
        return checked_sub(a.as<std::int64_t>(), b.as<std::int64_t>(), "-");
    return to_double(a) - to_double(b);
}

bolt::value multiply(const bolt::value& a, const bolt::value& b) {
    if (a.is_null() || b.is_null()) return {};
    ensure_numbers(a, b, "*");
    if (a.type() == value_type::integer && b.type() == value_type::integer)
        return checked_mul(a.as<std::int64_t>(), b.as<std::int64_t>(), "*");
    return to_double(a) * to_double(b);
}

bolt::value divide(const bolt::value& a, const bolt::value& b) {
    if (a.is_null() || b.is_null()) return {};
    ensure_numbers(a, b, "/");
    if (a.type() == value_type::integer && b.type() == value_type::integer) {
        const std::int64_t x = a.as<std::int64_t>();
        const std::int64_t y = b.as<std::int64_t>();
        // Memgraph's "Division by zero" surfaces through its evaluator as a type error.
        if (y == 0) invalid_types(a, b, "/");
        if (x == std::numeric_limits<std::int64_t>::min() && y == -1) overflow("/");
        return x / y;
    }
    return to_double(a) / to_double(b);
}

bolt::value modulo(const bolt::value& a, const bolt::value& b) {
    if (a.is_null() || b.is_null()) return {};
    ensure_numbers(a, b, "%");
    if (a.type() == value_type::integer && b.type() == value_type::integer) {
        const std::int64_t x = a.as<std::int64_t>();
        const std::int64_t y = b.as<std::int64_t>();
        if (y == 0) invalid_types(a, b, "%");
        if (y == -1) return std::int64_t{0};  // INT64_MIN % -1 traps on x86
        return x % y;
    }
    return std::fmod(to_double(a), to_double(b));
}

bolt::value power(const bolt::value& a, const bolt::value& b) {
    if (a.is_null() || b.is_null()) return {};
    ensure_numbers(a, b, "^");
    return std::pow(to_double(a), to_double(b));
}

bolt::value negate(const bolt::value& a) {
    switch (a.type()) {
        case value_type::null: return {};
        case value_type::integer: {
            const std::int64_t x = a.as<std::int64_t>();
            if (x == std::numeric_limits<std::int64_t>::min()) overflow("-");
            return -x;
        }
        case value_type::floating: return -a.as<double>();
        case value_type::duration: return temporal::negate_duration(a.as<bolt::duration>());
        default: invalid_type(a, "-");
    }
}

bolt::value unary_plus(const bolt::value& a) {
    if (a.is_null() || is_number(a)) return a;
    invalid_type(a, "+");
}

// ---- predicates and logic ------------------------------------------------------------------------

std::optional<bool> starts_with(const bolt::value& s, const bolt::value& prefix) {
    return string_predicate(s, prefix, "startsWith", [](std::string_view x, std::string_view y) { return x.starts_with(y); });
}

std::optional<bool> ends_with(const bolt::value& s, const bolt::value& suffix) {
    return string_predicate(s, suffix, "endsWith", [](std::string_view x, std::string_view y) { return x.ends_with(y); });
}

std::optional<bool> contains(const bolt::value& s, const bolt::value& part) {
    return string_predicate(s, part, "contains",
                            [](std::string_view x, std::string_view y) { return x.find(y) != std::string_view::npos; });
}

std::optional<bool> in_list(const bolt::value& x, const bolt::value& list) {
    if (list.is_null()) return std::nullopt;
    const auto* elements = list.get_if<bolt::list>();
    if (!elements) fail(fmt::format("IN expected a list, got {}.", cypher_type_name(list)));
    if (elements->empty()) return false;
    if (x.is_null()) return std::nullopt;
    bool unknown = false;
    for (const auto& e : *elements) {
        const auto eq = cypher_equals(x, e);
        if (!eq) unknown = true;
        else if (*eq) return true;
    }
    if (unknown) return std::nullopt;
    return false;
}

std::optional<bool> as_bool(const bolt::value& v, std::string_view what) {
    if (v.is_null()) return std::nullopt;
    if (const auto* b = v.get_if<bool>()) return *b;
    fail(fmt::format("{} expression must evaluate to bool or null, got {}.", what, cypher_type_name(v)));
}

bool truthy(const bolt::value& v, std::string_view what) { return as_bool(v, what).value_or(false); }

bolt::value cypher_and(const bolt::value& a, const bolt::value& b) {
    ensure_logical(a, b, "AND");
    return to_value(logical_and(logic_operand(a), logic_operand(b)));
}

bolt::value cypher_or(const bolt::value& a, const bolt::value& b) {
    ensure_logical(a, b, "OR");
    return to_value(logical_or(logic_operand(a), logic_operand(b)));
}

bolt::value cypher_xor(const bolt::value& a, const bolt::value& b) {
    ensure_logical(a, b, "XOR");
    return to_value(logical_xor(logic_operand(a), logic_operand(b)));
}

bolt::value cypher_not(const bolt::value& a) {
    if (!a.is_null() && a.type() != value_type::boolean) invalid_type(a, "NOT");
    return to_value(logical_not(logic_operand(a)));
}

std::optional<bool> logical_and(std::optional<bool> a, std::optional<bool> b) {
    if ((a && !*a) || (b && !*b)) return false;
    if (!a || !b) return std::nullopt;
    return true;
}

std::optional<bool> logical_or(std::optional<bool> a, std::optional<bool> b) {
    if ((a && *a) || (b && *b)) return true;
    if (!a || !b) return std::nullopt;
    return false;
}

std::optional<bool> logical_xor(std::optional<bool> a, std::optional<bool> b) {
    if (!a || !b) return std::nullopt;
    return *a != *b;
}

std::optional<bool> logical_not(std::optional<bool> a) {
    if (!a) return std::nullopt;
    return !*a;
}

bolt::value to_value(std::optional<bool> b) {
    if (!b) return {};
    return *b;
}

}  // namespace server::query
