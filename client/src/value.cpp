// The value model's out-of-line parts: map semantics, typed-access errors and the Cypher-like
// rendering used in logs, error messages and examples.
#include "bolt/value.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace bolt {

// ---- map ---------------------------------------------------------------------------------------

map::map(std::initializer_list<entry> entries) {
    entries_.reserve(entries.size());
    for (const auto& e : entries) set(e.first, e.second);
}

const value* map::find(std::string_view key) const {
    for (const auto& e : entries_)
        if (e.first == key) return &e.second;
    return nullptr;
}

value* map::find(std::string_view key) {
    for (auto& e : entries_)
        if (e.first == key) return &e.second;
    return nullptr;
}

const value& map::at(std::string_view key) const {
    if (const value* v = find(key)) return *v;
    throw std::out_of_range("bolt::map: no key \"" + std::string(key) + "\"");
}

value& map::operator[](std::string_view key) {
    if (value* v = find(key)) return *v;
    entries_.emplace_back(std::string(key), value{});
    return entries_.back().second;
}

void map::set(std::string key, value v) {
    if (value* old = find(key)) {
        *old = std::move(v);
        return;
    }
    entries_.emplace_back(std::move(key), std::move(v));
}

void map::append(std::string key, value v) { entries_.emplace_back(std::move(key), std::move(v)); }

bool map::erase(std::string_view key) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const entry& e) { return e.first == key; });
    if (it == entries_.end()) return false;
    entries_.erase(it);
    return true;
}

bool operator==(const map& a, const map& b) {
    if (a.size() != b.size()) return false;
    // Maps that went through a codec round trip keep their order: try the linear walk first.
    std::size_t i = 0;
    for (; i < a.size(); ++i) {
        const auto& x = a.entries_[i];
        const auto& y = b.entries_[i];
        if (x.first != y.first) break;
        if (!(x.second == y.second)) return false;
    }
    if (i == a.size()) return true;
    if (a.size() - i <= 32) {
        for (; i < a.size(); ++i) {
            const auto& x = a.entries_[i];
            const value* y = b.find(x.first);
            if (!y || !(x.second == *y)) return false;
        }
        return true;
    }
    // Large, reordered maps: sort views of the rest by key so the comparison stays n log n.
    using view = const map::entry*;
    std::vector<view> va, vb;
    va.reserve(a.size() - i);
    vb.reserve(a.size() - i);
    for (std::size_t k = i; k < a.size(); ++k) {
        va.push_back(&a.entries_[k]);
        vb.push_back(&b.entries_[k]);
    }
    auto by_key = [](view x, view y) { return x->first < y->first; };
    std::sort(va.begin(), va.end(), by_key);
    std::sort(vb.begin(), vb.end(), by_key);
    for (std::size_t k = 0; k < va.size(); ++k)
        if (va[k]->first != vb[k]->first || !(va[k]->second == vb[k]->second)) return false;
    return true;
}

// ---- type names --------------------------------------------------------------------------------

std::string_view to_string(value_type t) {
    switch (t) {
        case value_type::null: return "null";
        case value_type::boolean: return "boolean";
        case value_type::integer: return "integer";
        case value_type::floating: return "float";
        case value_type::string: return "string";
        case value_type::bytes: return "bytes";
        case value_type::list: return "list";
        case value_type::map: return "map";
        case value_type::node: return "node";
        case value_type::relationship: return "relationship";
        case value_type::unbound_relationship: return "unbound_relationship";
        case value_type::path: return "path";
        case value_type::date: return "date";
        case value_type::time: return "time";
        case value_type::local_time: return "local_time";
        case value_type::date_time: return "date_time";
        case value_type::date_time_zone_id: return "date_time_zone_id";
        case value_type::local_date_time: return "local_date_time";
        case value_type::duration: return "duration";
        case value_type::point2d: return "point2d";
        case value_type::point3d: return "point3d";
    }
    return "unknown";
}

namespace detail {

void throw_type_mismatch(std::string_view wanted, value_type actual) {
    std::string msg = "bolt::value: expected ";
    msg += wanted;
    msg += ", got ";
    msg += to_string(actual);
    throw value_error(msg);
}

template <> std::string_view type_name<null_t>() { return to_string(value_type::null); }
template <> std::string_view type_name<bool>() { return to_string(value_type::boolean); }
template <> std::string_view type_name<std::int64_t>() { return to_string(value_type::integer); }
template <> std::string_view type_name<double>() { return to_string(value_type::floating); }
template <> std::string_view type_name<std::string>() { return to_string(value_type::string); }
template <> std::string_view type_name<bytes>() { return to_string(value_type::bytes); }
template <> std::string_view type_name<list>() { return to_string(value_type::list); }
template <> std::string_view type_name<map>() { return to_string(value_type::map); }
template <> std::string_view type_name<node>() { return to_string(value_type::node); }
template <> std::string_view type_name<relationship>() { return to_string(value_type::relationship); }
template <> std::string_view type_name<unbound_relationship>() {
    return to_string(value_type::unbound_relationship);
}
template <> std::string_view type_name<path>() { return to_string(value_type::path); }
template <> std::string_view type_name<date>() { return to_string(value_type::date); }
template <> std::string_view type_name<time>() { return to_string(value_type::time); }
template <> std::string_view type_name<local_time>() { return to_string(value_type::local_time); }
template <> std::string_view type_name<date_time>() { return to_string(value_type::date_time); }
template <> std::string_view type_name<date_time_zone_id>() {
    return to_string(value_type::date_time_zone_id);
}
template <> std::string_view type_name<local_date_time>() {
    return to_string(value_type::local_date_time);
}
template <> std::string_view type_name<duration>() { return to_string(value_type::duration); }
template <> std::string_view type_name<point2d>() { return to_string(value_type::point2d); }
template <> std::string_view type_name<point3d>() { return to_string(value_type::point3d); }

}  // namespace detail

// ---- indexers ----------------------------------------------------------------------------------

const value& value::operator[](std::string_view key) const {
    const map& m = as<map>();
    if (const value* v = m.find(key)) return *v;
    throw value_error("bolt::value: no key \"" + std::string(key) + "\" in map");
}

const value& value::operator[](std::size_t index) const {
    const list& l = as<list>();
    if (index >= l.size())
        throw value_error("bolt::value: index " + std::to_string(index) + " out of range for a list of " +
                          std::to_string(l.size()));
    return l[index];
}

// ---- rendering ---------------------------------------------------------------------------------

namespace {

constexpr std::int64_t nanos_per_second = 1'000'000'000;
constexpr std::int64_t seconds_per_day = 86'400;
// Beyond this many days (about 2.7 billion years) the calendar arithmetic could overflow, and no
// one wants such a date printed as a calendar date anyway.
constexpr std::int64_t max_calendar_days = 1'000'000'000'000;

void append_int(std::string& out, std::int64_t i) {
    std::array<char, 24> buf{};
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), i);
    out.append(buf.data(), r.ptr);
}

void append_padded(std::string& out, std::int64_t v, int width) {
    std::string digits = std::to_string(v);
    if (static_cast<int>(digits.size()) < width) out.append(width - digits.size(), '0');
    out += digits;
}

void append_float(std::string& out, double d) {
    if (std::isnan(d)) {
        out += "NaN";
        return;
    }
    if (std::isinf(d)) {
        out += d < 0 ? "-Infinity" : "Infinity";
        return;
    }
    std::array<char, 32> buf{};
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d);
    std::string_view s(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
    out += s;
    // Cypher prints floats with a point so they do not read as integers.
    if (s.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char esc[8];
                    std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
                    out += esc;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

bool is_identifier(std::string_view s) {
    if (s.empty()) return false;
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (!alpha(s[0])) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

void append_name(std::string& out, std::string_view s) {
    if (is_identifier(s)) {
        out += s;
        return;
    }
    out += '`';
    for (char c : s) {
        if (c == '`') out += '`';  // Cypher escapes a backtick by doubling it
        out += c;
    }
    out += '`';
}

// Floor division and modulo, so negative epoch values land on the right calendar day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

// Howard Hinnant's civil_from_days.
void append_date(std::string& out, std::int64_t days) {
    std::int64_t z = days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t y = yoe + era * 400;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
    if (y < 0) {
        out += '-';
        append_padded(out, -y, 4);
    } else {
        if (y > 9999) out += '+';
        append_padded(out, y, 4);
    }
    out += '-';
    append_padded(out, m, 2);
    out += '-';
    append_padded(out, d, 2);
}

void append_fraction(std::string& out, std::int64_t nanos) {
    if (nanos == 0) return;
    std::string digits;
    append_padded(digits, nanos, 9);
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
}

// hh:mm:ss[.fff] for nanoseconds within a day.
void append_clock(std::string& out, std::int64_t nanos_of_day) {
    const std::int64_t secs = nanos_of_day / nanos_per_second;
    append_padded(out, secs / 3600, 2);
    out += ':';
    append_padded(out, secs / 60 % 60, 2);
    out += ':';
    append_padded(out, secs % 60, 2);
    append_fraction(out, nanos_of_day % nanos_per_second);
}

void append_offset(std::string& out, std::int64_t offset) {
    if (offset == 0) {
        out += 'Z';
        return;
    }
    out += offset < 0 ? '-' : '+';
    const std::int64_t a = offset < 0 ? -offset : offset;
    append_padded(out, a / 3600, 2);
    out += ':';
    append_padded(out, a / 60 % 60, 2);
    if (a % 60 != 0) {
        out += ':';
        append_padded(out, a % 60, 2);
    }
}

bool valid_nanos(std::int64_t n) { return n >= 0 && n < nanos_per_second; }
bool valid_clock(std::int64_t n) { return n >= 0 && n < seconds_per_day * nanos_per_second; }
bool valid_offset(std::int64_t o) { return o > -seconds_per_day && o < seconds_per_day; }
bool valid_epoch_seconds(std::int64_t s) {
    return s > -max_calendar_days * seconds_per_day && s < max_calendar_days * seconds_per_day;
}

// yyyy-mm-ddThh:mm:ss[.f] for wall-clock epoch seconds; false when out of printable range.
bool append_date_time(std::string& out, std::int64_t seconds, std::int64_t nanos) {
    if (!valid_epoch_seconds(seconds) || !valid_nanos(nanos)) return false;
    append_date(out, floor_div(seconds, seconds_per_day));
    out += 'T';
    append_clock(out, floor_mod(seconds, seconds_per_day) * nanos_per_second + nanos);
    return true;
}

// A fallback for values outside what calendar notation can show: name(field: v, ...).
void append_raw(std::string& out, std::string_view name,
                std::initializer_list<std::pair<std::string_view, std::int64_t>> fields) {
    out += name;
    out += '(';
    bool first = true;
    for (const auto& [k, v] : fields) {
        if (!first) out += ", ";
        first = false;
        out += k;
        out += ": ";
        append_int(out, v);
    }
    out += ')';
}

void render(std::string& out, const value& v);

void render_map(std::string& out, const map& m) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : m) {
        if (!first) out += ", ";
        first = false;
        append_name(out, k);
        out += ": ";
        render(out, v);
    }
    out += '}';
}

void render_properties(std::string& out, const map& m) {
    if (m.empty()) return;
    out += ' ';
    render_map(out, m);
}

void render_node(std::string& out, const node& n) {
    out += '(';
    for (const auto& l : n.labels) {
        out += ':';
        append_name(out, l);
    }
    if (!n.properties.empty()) {
        if (!n.labels.empty()) out += ' ';
        render_map(out, n.properties);
    }
    out += ')';
}

void render_rel(std::string& out, std::string_view type, const map& props) {
    out += "[:";
    append_name(out, type);
    render_properties(out, props);
    out += ']';
}

void render_path(std::string& out, const path& p) {
    if (p.nodes.empty()) {
        out += "<empty path>";
        return;
    }
    render_node(out, p.nodes.front());
    for (std::size_t i = 0; i + 1 < p.indices.size(); i += 2) {
        const std::int64_t r = p.indices[i];
        const std::int64_t n = p.indices[i + 1];
        const std::uint64_t ri = r > 0 ? static_cast<std::uint64_t>(r) - 1 : 0 - static_cast<std::uint64_t>(r) - 1;
        const bool rel_ok = r != 0 && ri < p.relationships.size();
        const bool node_ok = n >= 0 && static_cast<std::uint64_t>(n) < p.nodes.size();
        out += r < 0 ? "<-" : "-";
        if (rel_ok)
            render_rel(out, p.relationships[ri].type, p.relationships[ri].properties);
        else
            out += "[?]";
        out += r < 0 ? "-" : "->";
        if (node_ok)
            render_node(out, p.nodes[static_cast<std::size_t>(n)]);
        else
            out += "(?)";
    }
}

void render(std::string& out, const value& v) {
    switch (v.type()) {
        case value_type::null: out += "null"; return;
        case value_type::boolean: out += v.as<bool>() ? "true" : "false"; return;
        case value_type::integer: append_int(out, v.as<std::int64_t>()); return;
        case value_type::floating: append_float(out, v.as<double>()); return;
        case value_type::string: append_quoted(out, v.as<std::string>()); return;
        case value_type::bytes: {
            static constexpr char hex[] = "0123456789abcdef";
            out += "bytes[";
            bool first = true;
            for (std::uint8_t b : v.as<bytes>()) {
                if (!first) out += ' ';
                first = false;
                out += hex[b >> 4];
                out += hex[b & 15];
            }
            out += ']';
            return;
        }
        case value_type::list: {
            out += '[';
            bool first = true;
            for (const auto& item : v.as<list>()) {
                if (!first) out += ", ";
                first = false;
                render(out, item);
            }
            out += ']';
            return;
        }
        case value_type::map: render_map(out, v.as<map>()); return;
        case value_type::node: render_node(out, v.as<node>()); return;
        case value_type::relationship: {
            const auto& r = v.as<relationship>();
            render_rel(out, r.type, r.properties);
            return;
        }
        case value_type::unbound_relationship: {
            const auto& r = v.as<unbound_relationship>();
            render_rel(out, r.type, r.properties);
            return;
        }
        case value_type::path: render_path(out, v.as<path>()); return;
        case value_type::date: {
            const auto d = v.as<date>().days;
            if (d > -max_calendar_days && d < max_calendar_days)
                append_date(out, d);
            else
                append_raw(out, "date", {{"days", d}});
            return;
        }
        case value_type::time: {
            const auto& t = v.as<bolt::time>();
            if (valid_clock(t.nanoseconds) && valid_offset(t.tz_offset_seconds)) {
                append_clock(out, t.nanoseconds);
                append_offset(out, t.tz_offset_seconds);
            } else {
                append_raw(out, "time", {{"nanoseconds", t.nanoseconds}, {"offset", t.tz_offset_seconds}});
            }
            return;
        }
        case value_type::local_time: {
            const auto n = v.as<local_time>().nanoseconds;
            if (valid_clock(n))
                append_clock(out, n);
            else
                append_raw(out, "local_time", {{"nanoseconds", n}});
            return;
        }
        case value_type::date_time: {
            const auto& t = v.as<date_time>();
            // Show the wall clock at the offset, as ISO 8601 does.
            const std::size_t mark = out.size();
            if (valid_offset(t.tz_offset_seconds) && valid_epoch_seconds(t.seconds) &&
                append_date_time(out, t.seconds + t.tz_offset_seconds, t.nanoseconds)) {
                append_offset(out, t.tz_offset_seconds);
            } else {
                out.resize(mark);
                append_raw(out, "date_time",
                           {{"seconds", t.seconds}, {"nanoseconds", t.nanoseconds}, {"offset", t.tz_offset_seconds}});
            }
            return;
        }
        case value_type::date_time_zone_id: {
            const auto& t = v.as<date_time_zone_id>();
            const std::size_t mark = out.size();
            if (append_date_time(out, t.seconds, t.nanoseconds)) {
                // UTC seconds cannot be shown as local time without a time-zone database.
                if (!t.legacy_local_seconds) out += 'Z';
            } else {
                out.resize(mark);
                append_raw(out, "date_time", {{"seconds", t.seconds}, {"nanoseconds", t.nanoseconds}});
            }
            out += '[';
            out += t.tz_id;
            out += ']';
            return;
        }
        case value_type::local_date_time: {
            const auto& t = v.as<local_date_time>();
            const std::size_t mark = out.size();
            if (!append_date_time(out, t.seconds, t.nanoseconds)) {
                out.resize(mark);
                append_raw(out, "local_date_time", {{"seconds", t.seconds}, {"nanoseconds", t.nanoseconds}});
            }
            return;
        }
        case value_type::duration: {
            const auto& d = v.as<duration>();
            const bool fits = d.nanoseconds > -nanos_per_second * 1000 && d.nanoseconds < nanos_per_second * 1000 &&
                              d.seconds > INT64_MIN / 2 && d.seconds < INT64_MAX / 2;
            if (!fits) {
                append_raw(out, "duration", {{"months", d.months}, {"days", d.days}, {"seconds", d.seconds},
                                             {"nanoseconds", d.nanoseconds}});
                return;
            }
            out += 'P';
            if (d.months / 12 != 0) { append_int(out, d.months / 12); out += 'Y'; }
            if (d.months % 12 != 0) { append_int(out, d.months % 12); out += 'M'; }
            if (d.days != 0) { append_int(out, d.days); out += 'D'; }
            // Normalise so seconds and nanoseconds share a sign, as ISO 8601 wants one number.
            std::int64_t secs = d.seconds + d.nanoseconds / nanos_per_second;
            std::int64_t nanos = d.nanoseconds % nanos_per_second;
            if (secs > 0 && nanos < 0) { --secs; nanos += nanos_per_second; }
            if (secs < 0 && nanos > 0) { ++secs; nanos -= nanos_per_second; }
            if (secs != 0 || nanos != 0 || out.back() == 'P') {
                out += 'T';
                const bool negative = secs < 0 || nanos < 0;
                const std::uint64_t abs_secs = secs < 0 ? 0 - static_cast<std::uint64_t>(secs) : static_cast<std::uint64_t>(secs);
                const std::uint64_t h = abs_secs / 3600, m = abs_secs / 60 % 60, s = abs_secs % 60;
                const char* sign = negative ? "-" : "";
                if (h != 0) { out += sign; out += std::to_string(h); out += 'H'; }
                if (m != 0) { out += sign; out += std::to_string(m); out += 'M'; }
                if (s != 0 || nanos != 0 || (h == 0 && m == 0)) {
                    out += sign;
                    out += std::to_string(s);
                    append_fraction(out, nanos < 0 ? -nanos : nanos);
                    out += 'S';
                }
            }
            return;
        }
        case value_type::point2d: {
            const auto& p = v.as<point2d>();
            out += "point({srid: ";
            append_int(out, p.srid);
            out += ", x: ";
            append_float(out, p.x);
            out += ", y: ";
            append_float(out, p.y);
            out += "})";
            return;
        }
        case value_type::point3d: {
            const auto& p = v.as<point3d>();
            out += "point({srid: ";
            append_int(out, p.srid);
            out += ", x: ";
            append_float(out, p.x);
            out += ", y: ";
            append_float(out, p.y);
            out += ", z: ";
            append_float(out, p.z);
            out += "})";
            return;
        }
    }
}

}  // namespace

std::string to_string(const value& v) {
    std::string out;
    render(out, v);
    return out;
}

}  // namespace bolt
