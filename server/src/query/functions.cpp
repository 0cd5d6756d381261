// Cypher scalar functions over plain values, with Memgraph's argument checks and wording
// ("'toInteger' requires exactly 1 argument.", "'head' argument at position 1 must be either
// 'null' or 'list'."). One table maps each lower-case name to its display name and body.
#include "server/query/functions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <string>
#include <unordered_map>

#include "server/query/session.hpp"
#include "server/query/temporal.hpp"
#include "server/query/value_ops.hpp"

namespace server::query {

namespace {

using bolt::value;
using bolt::value_type;
using args_t = std::span<const value>;

[[noreturn]] void fail(const std::string& message) { throw query_error(std::string(client_error_code), message); }

// ---- argument checks (Memgraph's FType) ----------------------------------------------------------

enum class kind {
    null, boolean, integer, non_zero_integer, non_negative_integer, floating, number, string, list, map, node,
    relationship, path, date, local_time, local_date_time, duration, zoned_date_time, time, point,
};

std::string_view kind_name(kind k) {
    switch (k) {
        case kind::null: return "null";
        case kind::boolean: return "boolean";
        case kind::integer: return "integer";
        case kind::non_zero_integer: return "non-zero integer";
        case kind::non_negative_integer: return "non-negative integer";
        case kind::floating: return "float";
        case kind::number: return "number";
        case kind::string: return "string";
        case kind::list: return "list";
        case kind::map: return "map";
        case kind::node: return "node";
        case kind::relationship: return "relationship";
        case kind::path: return "path";
        case kind::date: return "Date";
        case kind::local_time: return "LocalTime";
        case kind::local_date_time: return "LocalDateTime";
        case kind::duration: return "Duration";
        case kind::zoned_date_time: return "ZonedDateTime";
        case kind::time: return "Time";
        case kind::point: return "Point";
    }
    return "unknown";
}

bool matches(kind k, const value& v) {
    const value_type t = v.type();
    switch (k) {
        case kind::null: return t == value_type::null;
        case kind::boolean: return t == value_type::boolean;
        case kind::integer: return t == value_type::integer;
        case kind::non_zero_integer: return t == value_type::integer && v.as<std::int64_t>() != 0;
        case kind::non_negative_integer: return t == value_type::integer && v.as<std::int64_t>() >= 0;
        case kind::floating: return t == value_type::floating;
        case kind::number: return t == value_type::integer || t == value_type::floating;
        case kind::string: return t == value_type::string;
        case kind::list: return t == value_type::list;
        case kind::map: return t == value_type::map;
        case kind::node: return t == value_type::node;
        case kind::relationship: return t == value_type::relationship || t == value_type::unbound_relationship;
        case kind::path: return t == value_type::path;
        case kind::date: return t == value_type::date;
        case kind::local_time: return t == value_type::local_time;
        case kind::local_date_time: return t == value_type::local_date_time;
        case kind::duration: return t == value_type::duration;
        case kind::zoned_date_time: return t == value_type::date_time || t == value_type::date_time_zone_id;
        // Memgraph has no time-with-offset type; Bolt clients may still send one.
        case kind::time: return t == value_type::time;
        case kind::point: return t == value_type::point2d || t == value_type::point3d;
    }
    return false;
}

std::string kind_list(std::initializer_list<kind> kinds) {
    std::string out;
    std::size_t i = 0;
    for (const kind k : kinds) {
        if (i > 0) out += i + 1 == kinds.size() ? " or " : ", ";
        out += fmt::format("'{}'", kind_name(k));
        ++i;
    }
    return out;
}

void check_count(std::string_view name, args_t args, std::size_t required, std::size_t optional = 0) {
    if (optional > 0) {
        if (args.size() < required || args.size() > required + optional)
            fail(fmt::format("'{}' requires between {} and {} arguments.", name, required, required + optional));
    } else if (required == 0 && !args.empty()) {
        fail(fmt::format("'{}' requires no arguments.", name));
    } else if (args.size() != required) {
        fail(fmt::format("'{}' requires exactly {} {}.", name, required, required == 1 ? "argument" : "arguments"));
    }
}

// `position` is 1-based as in Memgraph's messages.
void check_arg(std::string_view name, args_t args, std::size_t position, std::initializer_list<kind> kinds,
               bool optional = false) {
    if (position > args.size()) return;
    const value& v = args[position - 1];
    if (std::any_of(kinds.begin(), kinds.end(), [&](kind k) { return matches(k, v); })) return;
    const std::string prefix = optional ? "Optional '" : "'";
    if (kinds.size() == 1)
        fail(fmt::format("{}{}' argument at position {} must be '{}'.", prefix, name, position, kind_name(*kinds.begin())));
    fail(fmt::format("{}{}' argument at position {} must be either {}.", prefix, name, position, kind_list(kinds)));
}

// One argument of the given kinds: the common shape.
void unary(std::string_view name, args_t args, std::initializer_list<kind> kinds) {
    check_count(name, args, 1);
    check_arg(name, args, 1, kinds);
}

// ---- helpers ----------------------------------------------------------------------------------

constexpr std::string_view whitespace = " \t\n\v\f\r";

std::string_view trim_left(std::string_view s) {
    const auto p = s.find_first_not_of(whitespace);
    return p == std::string_view::npos ? std::string_view{} : s.substr(p);
}

std::string_view trim_right(std::string_view s) {
    const auto p = s.find_last_not_of(whitespace);
    return p == std::string_view::npos ? std::string_view{} : s.substr(0, p + 1);
}

std::string_view trim(std::string_view s) { return trim_right(trim_left(s)); }

// UTF-8 code points as byte ranges (a stray byte counts as one).
std::vector<std::string_view> code_points(std::string_view s) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0) n = 4;
        else if (c >= 0xE0) n = 3;
        else if (c >= 0xC0) n = 2;
        n = std::min(n, s.size() - i);
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

std::optional<double> parse_double(std::string_view text) {
    const std::string s(trim(text));
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return d;
}

std::optional<std::int64_t> double_to_int(double d) {
    if (!std::isfinite(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18) return std::nullopt;
    return static_cast<std::int64_t>(d);
}

std::string double_text(double d) {
    std::string s = fmt::format("{}", d);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

std::int64_t now_ns(const function_context& ctx) {
    const std::int64_t ns = ctx.now_utc_ns
                                ? *ctx.now_utc_ns
                                : std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return ns - ns % 1000;  // Memgraph's clocks tick in microseconds
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// Wall-clock (local seconds, nanoseconds) of a zoned value.
std::pair<std::int64_t, std::int64_t> wall_clock(const value& zoned) {
    const auto [utc, ns] = temporal::instant_of(zoned);
    std::int64_t offset = 0;
    if (const auto* t = zoned.get_if<bolt::date_time>()) offset = t->tz_offset_seconds;
    else if (const auto* z = zoned.get_if<bolt::date_time_zone_id>()) offset = temporal::zone_offset_at(z->tz_id, utc).value_or(0);
    return {utc + offset, ns};
}

bolt::date date_of(std::int64_t local_seconds) { return bolt::date{floor_div(local_seconds, temporal::seconds_per_day)}; }

bolt::local_time time_of(std::int64_t local_seconds, std::int64_t nanos) {
    const std::int64_t sod = local_seconds - floor_div(local_seconds, temporal::seconds_per_day) * temporal::seconds_per_day;
    return bolt::local_time{sod * temporal::nanos_per_second + nanos};
}

// Reads Memgraph's temporal map keys into `fields` (name → slot); unknown keys and wrong types throw.
struct field {
    std::string_view key;
    std::int64_t* slot;
};

bool read_int_fields(const bolt::map& m, std::initializer_list<field> fields, std::initializer_list<std::string_view> skip = {}) {
    bool any = false;
    for (const auto& entry : m) {
        const std::string& key = entry.first;
        const value& v = entry.second;
        if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
        const auto it = std::find_if(fields.begin(), fields.end(), [&](const field& f) { return f.key == key; });
        if (it == fields.end()) fail(fmt::format("Unknown key '{}'.", key));
        const auto* i = v.get_if<std::int64_t>();
        if (!i) fail(fmt::format("Invalid value for key '{}'. Expected an integer.", key));
        *it->slot = *i;
        any = true;
    }
    return any;
}

struct date_fields {
    std::int64_t year = 1970, month = 1, day = 1;
};
struct time_fields {
    std::int64_t hour = 0, minute = 0, second = 0, millisecond = 0, microsecond = 0;
};

std::int64_t checked_days(const date_fields& d) {
    if (d.year < 0 || d.year > 9999 || !temporal::is_valid_date(d.year, d.month, d.day))
        fail(fmt::format("Invalid date: year {}, month {}, day {} (years 0 to 9999).", d.year, d.month, d.day));
    return temporal::days_from_civil(d.year, d.month, d.day);
}

std::int64_t checked_time_ns(const time_fields& t) {
    if (t.hour < 0 || t.hour > 23 || t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 59 || t.millisecond < 0 ||
        t.millisecond > 999 || t.microsecond < 0 || t.microsecond > 999)
        fail(fmt::format("Invalid local time: hour {}, minute {}, second {}, millisecond {}, microsecond {}.", t.hour,
                         t.minute, t.second, t.millisecond, t.microsecond));
    return ((t.hour * 60 + t.minute) * 60 + t.second) * temporal::nanos_per_second + t.millisecond * 1'000'000 +
           t.microsecond * 1000;
}


// ---- the functions ----------------------------------------------------------------------------

value fn_coalesce(args_t args, const function_context&) {
    if (args.empty()) fail("'coalesce' requires at least one argument.");
    for (const auto& a : args)
        if (!a.is_null()) return a;
    return {};
}

value fn_range(args_t args, const function_context&) {
    constexpr std::string_view name = "range";
    check_count(name, args, 2, 1);
    check_arg(name, args, 1, {kind::null, kind::integer});
    check_arg(name, args, 2, {kind::null, kind::integer});
    check_arg(name, args, 3, {kind::null, kind::non_zero_integer}, true);
    for (const auto& a : args)
        if (a.is_null()) return {};
    const std::int64_t from = args[0].as<std::int64_t>();
    const std::int64_t to = args[1].as<std::int64_t>();
    const std::int64_t step = args.size() == 3 ? args[2].as<std::int64_t>() : 1;
    __int128 count = 0;
    if (step > 0 && from <= to) count = (static_cast<__int128>(to) - from) / step + 1;
    if (step < 0 && from >= to) count = (static_cast<__int128>(from) - to) / -static_cast<__int128>(step) + 1;
    // A list this long would exhaust memory; refuse instead of crashing.
    constexpr std::int64_t max_elements = 10'000'000;
    if (count > max_elements) fail(fmt::format("'range' would create more than {} elements.", max_elements));
    bolt::list out;
    out.reserve(static_cast<std::size_t>(count));
    for (__int128 i = 0; i < count; ++i) out.emplace_back(static_cast<std::int64_t>(from + i * step));
    return out;
}

value fn_head(args_t args, const function_context&) {
    unary("head", args, {kind::null, kind::list});
    if (args[0].is_null() || args[0].as<bolt::list>().empty()) return {};
    return args[0].as<bolt::list>().front();
}

value fn_last(args_t args, const function_context&) {
    unary("last", args, {kind::null, kind::list});
    if (args[0].is_null() || args[0].as<bolt::list>().empty()) return {};
    return args[0].as<bolt::list>().back();
}

value fn_tail(args_t args, const function_context&) {
    unary("tail", args, {kind::null, kind::list});
    if (args[0].is_null()) return {};
    const auto& l = args[0].as<bolt::list>();
    if (l.empty()) return bolt::list{};
    return bolt::list(l.begin() + 1, l.end());
}

value size_of(std::string_view name, args_t args) {
    unary(name, args, {kind::null, kind::list, kind::string, kind::map, kind::path});
    const value& v = args[0];
    switch (v.type()) {
        case value_type::list: return v.as<bolt::list>().size();
        case value_type::string: return v.as<std::string>().size();  // bytes, as Memgraph counts
        case value_type::map: return v.as<bolt::map>().size();
        case value_type::path: return v.as<bolt::path>().indices.size() / 2;
        default: return {};
    }
}

value fn_size(args_t args, const function_context&) { return size_of("size", args); }
value fn_length(args_t args, const function_context&) { return size_of("length", args); }

value fn_is_empty(args_t args, const function_context&) {
    unary("isempty", args, {kind::null, kind::list, kind::map, kind::string});
    const value& v = args[0];
    if (const auto* l = v.get_if<bolt::list>()) return l->empty();
    if (const auto* m = v.get_if<bolt::map>()) return m->empty();
    if (const auto* s = v.get_if<std::string>()) return s->empty();
    return {};
}

value fn_abs(args_t args, const function_context&) {
    unary("abs", args, {kind::null, kind::number});
    if (const auto* i = args[0].get_if<std::int64_t>()) {
        if (*i == std::numeric_limits<std::int64_t>::min()) fail("Integer overflow for 'abs'.");
        return *i < 0 ? -*i : *i;
    }
    if (const auto* d = args[0].get_if<double>()) return std::fabs(*d);
    return {};
}

template <double (*F)(double)>
value math1(std::string_view name, args_t args) {
    unary(name, args, {kind::null, kind::number});
    if (args[0].is_null()) return {};
    const double x = args[0].type() == value_type::integer ? static_cast<double>(args[0].as<std::int64_t>()) : args[0].as<double>();
    return F(x);
}

double c_ceil(double x) { return std::ceil(x); }
double c_floor(double x) { return std::floor(x); }
double c_round(double x) { return std::round(x); }
double c_sqrt(double x) { return std::sqrt(x); }
double c_exp(double x) { return std::exp(x); }
double c_log(double x) { return std::log(x); }
double c_log10(double x) { return std::log10(x); }

value fn_ceil(args_t a, const function_context&) { return math1<c_ceil>("ceil", a); }
value fn_floor(args_t a, const function_context&) { return math1<c_floor>("floor", a); }
value fn_round(args_t a, const function_context&) { return math1<c_round>("round", a); }
value fn_sqrt(args_t a, const function_context&) { return math1<c_sqrt>("sqrt", a); }
value fn_exp(args_t a, const function_context&) { return math1<c_exp>("exp", a); }
value fn_log(args_t a, const function_context&) { return math1<c_log>("log", a); }
value fn_log10(args_t a, const function_context&) { return math1<c_log10>("log10", a); }

value fn_sign(args_t args, const function_context&) {
    unary("sign", args, {kind::null, kind::number});
    if (const auto* i = args[0].get_if<std::int64_t>()) return std::int64_t{(*i > 0) - (*i < 0)};
    if (const auto* d = args[0].get_if<double>()) return std::int64_t{(*d > 0) - (*d < 0)};
    return {};
}

value fn_e(args_t args, const function_context&) {
    check_count("e", args, 0);
    return std::numbers::e;
}

value fn_pi(args_t args, const function_context&) {
    check_count("pi", args, 0);
    return std::numbers::pi;
}

value fn_to_integer(args_t args, const function_context&) {
    unary("toInteger", args, {kind::null, kind::boolean, kind::number, kind::string});
    const value& v = args[0];
    switch (v.type()) {
        case value_type::boolean: return std::int64_t{v.as<bool>() ? 1 : 0};
        case value_type::integer: return v;
        case value_type::floating: {
            if (auto i = double_to_int(v.as<double>())) return *i;
            return {};
        }
        case value_type::string: {
            const std::string_view s = trim(v.as<std::string>());
            std::int64_t i = 0;
            const auto r = std::from_chars(s.data(), s.data() + s.size(), i);
            if (r.ec == std::errc{} && r.ptr == s.data() + s.size() && !s.empty()) return i;
            if (auto d = parse_double(s))
                if (auto j = double_to_int(*d)) return *j;
            return {};
        }
        default: return {};
    }
}

value fn_to_float(args_t args, const function_context&) {
    unary("toFloat", args, {kind::null, kind::boolean, kind::number, kind::string});
    const value& v = args[0];
    switch (v.type()) {
        case value_type::boolean: return v.as<bool>() ? 1.0 : 0.0;
        case value_type::integer: return static_cast<double>(v.as<std::int64_t>());
        case value_type::floating: return v;
        case value_type::string: {
            if (auto d = parse_double(v.as<std::string>())) return *d;
            return {};
        }
        default: return {};
    }
}

value fn_to_boolean(args_t args, const function_context&) {
    unary("toBoolean", args, {kind::null, kind::boolean, kind::integer, kind::string});
    const value& v = args[0];
    if (const auto* b = v.get_if<bool>()) return *b;
    if (const auto* i = v.get_if<std::int64_t>()) return *i != 0;
    if (const auto* s = v.get_if<std::string>()) {
        std::string u(trim(*s));
        std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (u == "TRUE" || u == "T") return true;
        if (u == "FALSE" || u == "F") return false;
    }
    return {};
}

value fn_to_string(args_t args, const function_context&) {
    unary("toString", args,
          {kind::null, kind::string, kind::number, kind::date, kind::local_time, kind::local_date_time, kind::duration,
           kind::zoned_date_time, kind::boolean, kind::point, kind::time});
    const value& v = args[0];
    switch (v.type()) {
        case value_type::null: return {};
        case value_type::string: return v;
        case value_type::integer: return std::to_string(v.as<std::int64_t>());
        case value_type::floating: return double_text(v.as<double>());
        case value_type::boolean: return std::string(v.as<bool>() ? "true" : "false");
        case value_type::point2d: {
            const auto& p = v.as<bolt::point2d>();
            return fmt::format("point({{x: {}, y: {}, srid: {}}})", double_text(p.x), double_text(p.y), p.srid);
        }
        case value_type::point3d: {
            const auto& p = v.as<bolt::point3d>();
            return fmt::format("point({{x: {}, y: {}, z: {}, srid: {}}})", double_text(p.x), double_text(p.y), double_text(p.z), p.srid);
        }
        default: return temporal::format_temporal(v).value_or(std::string{});
    }
}

template <class F>
value string_fn(std::string_view name, args_t args, F f) {
    unary(name, args, {kind::null, kind::string});
    if (args[0].is_null()) return {};
    return f(std::string_view(args[0].as<std::string>()));
}

value fn_to_upper(args_t args, const function_context&) {
    return string_fn("toUpper", args, [](std::string_view s) {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        return out;
    });
}

value fn_to_lower(args_t args, const function_context&) {
    return string_fn("toLower", args, [](std::string_view s) {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return out;
    });
}

value fn_trim(args_t args, const function_context&) {
    return string_fn("trim", args, [](std::string_view s) { return std::string(trim(s)); });
}
value fn_ltrim(args_t args, const function_context&) {
    return string_fn("lTrim", args, [](std::string_view s) { return std::string(trim_left(s)); });
}
value fn_rtrim(args_t args, const function_context&) {
    return string_fn("rTrim", args, [](std::string_view s) { return std::string(trim_right(s)); });
}

value fn_reverse(args_t args, const function_context&) {
    if (args.size() == 1 && args[0].type() == value_type::list) {
        const auto& l = args[0].as<bolt::list>();
        return bolt::list(l.rbegin(), l.rend());
    }
    return string_fn("reverse", args, [](std::string_view s) {
        const auto cps = code_points(s);
        std::string out;
        out.reserve(s.size());
        for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
        return out;
    });
}

value fn_split(args_t args, const function_context&) {
    constexpr std::string_view name = "split";
    check_count(name, args, 2);
    check_arg(name, args, 1, {kind::null, kind::string});
    check_arg(name, args, 2, {kind::null, kind::string});
    if (args[0].is_null() || args[1].is_null()) return {};
    const std::string_view s = args[0].as<std::string>();
    const std::string_view delim = args[1].as<std::string>();
    bolt::list out;
    if (delim.empty()) {
        for (const auto cp : code_points(s)) out.emplace_back(cp);
        return out;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t p = s.find(delim, start);
        if (p == std::string_view::npos) break;
        out.emplace_back(s.substr(start, p - start));
        start = p + delim.size();
    }
    out.emplace_back(s.substr(start));
    return out;
}

value fn_replace(args_t args, const function_context&) {
    constexpr std::string_view name = "replace";
    check_count(name, args, 3);
    for (std::size_t i = 1; i <= 3; ++i) check_arg(name, args, i, {kind::null, kind::string});
    if (args[0].is_null() || args[1].is_null() || args[2].is_null()) return {};
    const std::string_view s = args[0].as<std::string>();
    const std::string_view from = args[1].as<std::string>();
    const std::string_view to = args[2].as<std::string>();
    if (from.empty()) return std::string(s);
    std::string out;
    std::size_t start = 0;
    for (std::size_t p; (p = s.find(from, start)) != std::string_view::npos; start = p + from.size()) {
        out.append(s.substr(start, p - start));
        out.append(to);
    }
    out.append(s.substr(start));
    return out;
}

value fn_substring(args_t args, const function_context&) {
    constexpr std::string_view name = "substring";
    check_count(name, args, 2, 1);
    check_arg(name, args, 1, {kind::null, kind::string});
    check_arg(name, args, 2, {kind::non_negative_integer});
    check_arg(name, args, 3, {kind::non_negative_integer}, true);
    if (args[0].is_null()) return {};
    const std::string& s = args[0].as<std::string>();
    const auto start = static_cast<std::uint64_t>(args[1].as<std::int64_t>());
    if (start >= s.size()) return std::string{};
    const auto len = args.size() == 3 ? static_cast<std::uint64_t>(args[2].as<std::int64_t>()) : s.size();
    return s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(std::min<std::uint64_t>(len, s.size())));
}

value left_right(std::string_view name, args_t args, bool left) {
    check_count(name, args, 2);
    check_arg(name, args, 1, {kind::null, kind::string});
    check_arg(name, args, 2, {kind::null, kind::non_negative_integer});
    if (args[0].is_null() || args[1].is_null()) return {};
    const std::string& s = args[0].as<std::string>();
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(args[1].as<std::int64_t>()), s.size()));
    return left ? s.substr(0, n) : s.substr(s.size() - n);
}

value fn_left(args_t args, const function_context&) { return left_right("left", args, true); }
value fn_right(args_t args, const function_context&) { return left_right("right", args, false); }

const bolt::map* properties_of(const value& v) {
    if (const auto* m = v.get_if<bolt::map>()) return m;
    if (const auto* n = v.get_if<bolt::node>()) return &n->properties;
    if (const auto* r = v.get_if<bolt::relationship>()) return &r->properties;
    if (const auto* u = v.get_if<bolt::unbound_relationship>()) return &u->properties;
    return nullptr;
}

value fn_keys(args_t args, const function_context&) {
    unary("keys", args, {kind::null, kind::node, kind::relationship, kind::map});
    const auto* m = properties_of(args[0]);
    if (!m) return {};
    bolt::list out;
    out.reserve(m->size());
    for (const auto& [k, v] : *m) out.emplace_back(k);
    return out;
}

value fn_values(args_t args, const function_context&) {
    unary("values", args, {kind::null, kind::node, kind::relationship, kind::map});
    const auto* m = properties_of(args[0]);
    if (!m) return {};
    bolt::list out;
    out.reserve(m->size());
    for (const auto& [k, v] : *m) out.push_back(v);
    return out;
}

value fn_properties(args_t args, const function_context&) {
    unary("properties", args, {kind::null, kind::node, kind::relationship, kind::map});
    const auto* m = properties_of(args[0]);
    if (!m) return {};
    return *m;
}

value fn_value_type(args_t args, const function_context&) {
    check_count("valueType", args, 1);
    switch (args[0].type()) {
        case value_type::null: return "NULL";
        case value_type::boolean: return "BOOLEAN";
        case value_type::integer: return "INTEGER";
        case value_type::floating: return "FLOAT";
        case value_type::string: return "STRING";
        case value_type::bytes: return "BYTES";
        case value_type::list: return "LIST";
        case value_type::map: return "MAP";
        case value_type::node: return "NODE";
        case value_type::relationship:
        case value_type::unbound_relationship: return "RELATIONSHIP";
        case value_type::path: return "PATH";
        case value_type::date: return "DATE";
        case value_type::time: return "TIME";
        case value_type::local_time: return "LOCAL_TIME";
        case value_type::local_date_time: return "LOCAL_DATE_TIME";
        case value_type::date_time:
        case value_type::date_time_zone_id: return "ZONED_DATE_TIME";
        case value_type::duration: return "DURATION";
        case value_type::point2d:
        case value_type::point3d: return "POINT";
    }
    return {};
}

// ---- temporal constructors --------------------------------------------------------------------

value fn_date(args_t args, const function_context& ctx) {
    constexpr std::string_view name = "date";
    check_count(name, args, 0, 1);
    check_arg(name, args, 1, {kind::null, kind::string, kind::map, kind::date, kind::local_date_time, kind::zoned_date_time}, true);
    if (args.empty()) return date_of(floor_div(now_ns(ctx), temporal::nanos_per_second));
    const value& v = args[0];
    switch (v.type()) {
        case value_type::null: return {};
        case value_type::date: return v;
        case value_type::string: return temporal::parse_date(v.as<std::string>());
        case value_type::local_date_time: return date_of(v.as<bolt::local_date_time>().seconds);
        case value_type::map: {
            date_fields d;
            read_int_fields(v.as<bolt::map>(), {{"year", &d.year}, {"month", &d.month}, {"day", &d.day}});
            return bolt::date{checked_days(d)};
        }
        default: return date_of(wall_clock(v).first);
    }
}

value fn_local_time(args_t args, const function_context& ctx) {
    constexpr std::string_view name = "localtime";
    check_count(name, args, 0, 1);
    check_arg(name, args, 1,
              {kind::null, kind::string, kind::map, kind::local_time, kind::local_date_time, kind::zoned_date_time, kind::time},
              true);
    if (args.empty()) {
        const std::int64_t ns = now_ns(ctx);
        const std::int64_t s = floor_div(ns, temporal::nanos_per_second);
        return time_of(s, ns - s * temporal::nanos_per_second);
    }
    const value& v = args[0];
    switch (v.type()) {
        case value_type::null: return {};
        case value_type::local_time: return v;
        case value_type::string: return temporal::parse_local_time(v.as<std::string>());
        case value_type::local_date_time: return time_of(v.as<bolt::local_date_time>().seconds, v.as<bolt::local_date_time>().nanoseconds);
        case value_type::time: return bolt::local_time{v.as<bolt::time>().nanoseconds};
        case value_type::map: {
            time_fields t;
            read_int_fields(v.as<bolt::map>(), {{"hour", &t.hour},
                                                 {"minute", &t.minute},
                                                 {"second", &t.second},
                                                 {"millisecond", &t.millisecond},
                                                 {"microsecond", &t.microsecond}});
            return bolt::local_time{checked_time_ns(t)};
        }
        default: {
            const auto [s, ns] = wall_clock(v);
            return time_of(s, ns);
        }
    }
}

// Memgraph's date-and-time map keys.
bool read_date_time_fields(const bolt::map& m, date_fields& d, time_fields& t, std::initializer_list<std::string_view> skip = {}) {
    return read_int_fields(m,
                           {{"year", &d.year},
                            {"month", &d.month},
                            {"day", &d.day},
                            {"hour", &t.hour},
                            {"minute", &t.minute},
                            {"second", &t.second},
                            {"millisecond", &t.millisecond},
                            {"microsecond", &t.microsecond}},
                           skip);
}

value fn_local_date_time(args_t args, const function_context& ctx) {
    constexpr std::string_view name = "localdatetime";
    check_count(name, args, 0, 1);
    check_arg(name, args, 1, {kind::null, kind::string, kind::map, kind::local_date_time, kind::zoned_date_time}, true);
    if (args.empty()) {
        const std::int64_t ns = now_ns(ctx);
        const std::int64_t s = floor_div(ns, temporal::nanos_per_second);
        return bolt::local_date_time{s, ns - s * temporal::nanos_per_second};
    }
    const value& v = args[0];
    switch (v.type()) {
        case value_type::null: return {};
        case value_type::local_date_time: return v;
        case value_type::string: return temporal::parse_local_date_time(v.as<std::string>());
        case value_type::map: {
            date_fields d;
            time_fields t;
            read_date_time_fields(v.as<bolt::map>(), d, t);
            const std::int64_t ns = checked_time_ns(t);
            return bolt::local_date_time{checked_days(d) * temporal::seconds_per_day + ns / temporal::nanos_per_second,
                                         ns % temporal::nanos_per_second};
        }
        default: {
            const auto [s, ns] = wall_clock(v);
            return bolt::local_date_time{s, ns};
        }
    }
}

value fn_date_time(args_t args, const function_context& ctx) {
    constexpr std::string_view name = "datetime";
    check_count(name, args, 0, 1);
    check_arg(name, args, 1, {kind::null, kind::string, kind::map, kind::zoned_date_time}, true);
    const auto now = [&ctx] {
        const std::int64_t ns = now_ns(ctx);
        const std::int64_t s = floor_div(ns, temporal::nanos_per_second);
        return std::pair(s, ns - s * temporal::nanos_per_second);
    };
    if (args.empty()) {
        const auto [s, ns] = now();
        return bolt::date_time{s, ns, 0};
    }
    const value& v = args[0];
    switch (v.type()) {
        case value_type::null: return {};
        case value_type::date_time:
        case value_type::date_time_zone_id: return v;
        case value_type::string: return temporal::parse_date_time(v.as<std::string>());
        case value_type::map: {
            const auto& m = v.as<bolt::map>();
            // timezone: a zone id or an offset in minutes; absent means UTC.
            std::optional<std::string> zone;
            std::int64_t offset = 0;
            if (const value* tz = m.find("timezone")) {
                if (const auto* s = tz->get_if<std::string>()) {
                    zone = *s;
                    if (!temporal::zone_offset_at(*zone, 0)) fail(fmt::format("Unknown time zone '{}'.", *zone));
                } else if (const auto* minutes = tz->get_if<std::int64_t>()) {
                    if (*minutes < -18 * 60 || *minutes > 18 * 60) fail("Invalid value for key 'timezone'. Offsets lie within 18 hours.");
                    offset = *minutes * 60;
                } else {
                    fail("Invalid value for key 'timezone'. Expected an integer or a string");
                }
            }
            date_fields d;
            time_fields t;
            const bool any = read_date_time_fields(m, d, t, {"timezone"});
            if (!any) {
                const auto [s, ns] = now();
                if (zone) return bolt::date_time_zone_id{s, ns, *zone, false};
                return bolt::date_time{s, ns, offset};
            }
            const std::int64_t tns = checked_time_ns(t);
            const std::int64_t local = checked_days(d) * temporal::seconds_per_day + tns / temporal::nanos_per_second;
            const std::int64_t nanos = tns % temporal::nanos_per_second;
            if (zone) return bolt::date_time_zone_id{temporal::local_to_utc(*zone, local).value_or(local), nanos, *zone, false};
            return bolt::date_time{local - offset, nanos, offset};
        }
        default: return {};
    }
}

value fn_duration(args_t args, const function_context&) {
    unary("duration", args, {kind::null, kind::string, kind::map});
    const value& v = args[0];
    if (v.is_null()) return {};
    if (const auto* s = v.get_if<std::string>()) return temporal::parse_duration(*s);
    // Memgraph's keys (day..microsecond, numbers), plus year/month/week/nanosecond for Bolt's
    // richer duration.
    struct unit {
        std::string_view key;
        long double nanos;  // 0: calendar months
        std::int64_t months;
    };
    static constexpr unit units[] = {
        {"year", 0, 12},
        {"month", 0, 1},
        {"week", 7.0L * 86'400e9L, 0},
        {"day", 86'400e9L, 0},
        {"hour", 3'600e9L, 0},
        {"minute", 60e9L, 0},
        {"second", 1e9L, 0},
        {"millisecond", 1e6L, 0},
        {"microsecond", 1e3L, 0},
        {"nanosecond", 1, 0},
    };
    long double months = 0;
    long double days = 0;
    long double nanos = 0;
    for (const auto& entry : v.as<bolt::map>()) {
        const std::string& key = entry.first;
        const value& x = entry.second;
        const auto* u = std::find_if(std::begin(units), std::end(units), [&](const unit& u) { return u.key == key; });
        if (u == std::end(units)) fail(fmt::format("Unknown key '{}'.", key));
        long double n = 0;
        if (const auto* i = x.get_if<std::int64_t>()) n = static_cast<long double>(*i);
        else if (const auto* d = x.get_if<double>()) n = *d;
        else fail(fmt::format("Invalid value for key '{}'. Expected a numeric value.", key));
        if (!std::isfinite(static_cast<double>(n))) fail(fmt::format("Invalid value for key '{}'. Expected a finite number.", key));
        if (u->months != 0) {
            if (n != std::trunc(n)) fail(fmt::format("Invalid value for key '{}'. Expected an integer.", key));
            months += n * static_cast<long double>(u->months);
        } else if (key == "day" || key == "week") {
            const long double whole = std::trunc(n);
            days += whole * (key == "week" ? 7 : 1);
            nanos += (n - whole) * u->nanos;
        } else {
            nanos += n * u->nanos;
        }
    }
    constexpr long double limit = 9.2e18L;
    const long double seconds = std::floor(nanos / 1e9L);
    if (std::fabs(static_cast<double>(months)) > limit || std::fabs(static_cast<double>(days)) > limit ||
        std::fabs(static_cast<double>(seconds)) > limit)
        fail("Duration out of range.");
    const auto ns = static_cast<std::int64_t>(std::llround(static_cast<double>(nanos - seconds * 1e9L)));
    return temporal::add_durations(
        bolt::duration{static_cast<std::int64_t>(months), static_cast<std::int64_t>(days), static_cast<std::int64_t>(seconds), 0},
        bolt::duration{0, 0, 0, ns}, 1);
}

// ---- the table --------------------------------------------------------------------------------

const std::unordered_map<std::string_view, value_function>& table() {
    static const std::unordered_map<std::string_view, value_function> functions{
        {"coalesce", fn_coalesce},
        {"range", fn_range},
        {"head", fn_head},
        {"last", fn_last},
        {"tail", fn_tail},
        {"size", fn_size},
        {"length", fn_length},
        {"isempty", fn_is_empty},
        {"abs", fn_abs},
        {"ceil", fn_ceil},
        {"floor", fn_floor},
        {"round", fn_round},
        {"sqrt", fn_sqrt},
        {"exp", fn_exp},
        {"log", fn_log},
        {"log10", fn_log10},
        {"sign", fn_sign},
        {"e", fn_e},
        {"pi", fn_pi},
        {"tointeger", fn_to_integer},
        {"tofloat", fn_to_float},
        {"toboolean", fn_to_boolean},
        {"tostring", fn_to_string},
        {"toupper", fn_to_upper},
        {"tolower", fn_to_lower},
        {"trim", fn_trim},
        {"ltrim", fn_ltrim},
        {"rtrim", fn_rtrim},
        {"reverse", fn_reverse},
        {"split", fn_split},
        {"replace", fn_replace},
        {"substring", fn_substring},
        {"left", fn_left},
        {"right", fn_right},
        {"keys", fn_keys},
        {"values", fn_values},
        {"properties", fn_properties},
        {"valuetype", fn_value_type},
        {"date", fn_date},
        {"localtime", fn_local_time},
        {"localdatetime", fn_local_date_time},
        {"datetime", fn_date_time},
        {"duration", fn_duration},
    };
    return functions;
}

}  // namespace

bool is_value_function(std::string_view lowercase_name) { return table().contains(lowercase_name); }

value_function find_value_function(std::string_view lowercase_name) {
    const auto it = table().find(lowercase_name);
    return it == table().end() ? nullptr : it->second;
}

bolt::value call_value_function(std::string_view lowercase_name, std::span<const bolt::value> args,
                                const function_context& context) {
    const auto it = table().find(lowercase_name);
    if (it == table().end()) fail(fmt::format("Function '{}' doesn't exist.", lowercase_name));
    return it->second(args, context);
}

}  // namespace server::query
