// Cypher values between testkit's JSON encoding and bolt::value. Temporal values travel as
// calendar fields on the testkit side and as epoch counts in bolt::value; zone ids are resolved
// against the system's tz database because bolt::value keeps them as plain strings.
#include "testkit_values.hpp"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <limits>
#include <string>

namespace testkit {

namespace {

constexpr std::int64_t nanos_per_second = 1'000'000'000;
constexpr std::int64_t seconds_per_day = 86'400;

// Neo4j's SRIDs for the two coordinate systems testkit names.
constexpr std::int64_t srid_cartesian_2d = 7203;
constexpr std::int64_t srid_cartesian_3d = 9157;
constexpr std::int64_t srid_wgs84_2d = 4326;
constexpr std::int64_t srid_wgs84_3d = 4979;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

json tagged(std::string_view name, json value) {
    json data = json::object();
    data["value"] = std::move(value);
    json o = json::object();
    o["name"] = std::string(name);
    o["data"] = std::move(data);
    return o;
}

const json& field(const json& data, const char* key, std::string_view type) {
    if (!data.is_object() || !data.contains(key))
        throw conversion_error(std::string(type) + " lacks field \"" + key + "\"");
    return data.at(key);
}

std::int64_t int_field(const json& data, const char* key, std::string_view type) {
    const json& v = field(data, key, type);
    if (v.is_number_integer()) return v.get<std::int64_t>();
    // Python may send 5.0 for an int-valued float field; accept whole numbers only.
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::trunc(d) == d && std::abs(d) < 9.2e18) return static_cast<std::int64_t>(d);
    }
    throw conversion_error(std::string(type) + " field \"" + key + "\" must be an integer");
}

std::optional<std::int64_t> optional_int_field(const json& data, const char* key,
                                               std::string_view type) {
    if (!data.is_object() || !data.contains(key) || data.at(key).is_null()) return std::nullopt;
    return int_field(data, key, type);
}

double number_field(const json& data, const char* key, std::string_view type) {
    const json& v = field(data, key, type);
    if (v.is_number()) return v.get<double>();
    throw conversion_error(std::string(type) + " field \"" + key + "\" must be a number");
}

double parse_float(const json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s == "NaN" || s == "nan") return std::numeric_limits<double>::quiet_NaN();
        if (s == "+Infinity" || s == "Infinity" || s == "inf" || s == "+inf")
            return std::numeric_limits<double>::infinity();
        if (s == "-Infinity" || s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    throw conversion_error("CypherFloat value must be a number, \"NaN\" or \"+/-Infinity\"");
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bolt::bytes parse_bytes(const std::string& s) {
    // "ff 01 2a": two hex digits per byte, separated by blanks.
    bolt::bytes out;
    int hi = -1;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            if (hi >= 0) throw conversion_error("CypherBytes: odd hex digit in \"" + s + "\"");
            continue;
        }
        const int d = hex_digit(c);
        if (d < 0) throw conversion_error("CypherBytes: not hex: \"" + s + "\"");
        if (hi < 0) {
            hi = d;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi * 16 + d));
            hi = -1;
        }
    }
    if (hi >= 0) throw conversion_error("CypherBytes: odd hex digit in \"" + s + "\"");
    return out;
}

std::string format_bytes(const bolt::bytes& b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 3);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i) out += ' ';
        out += digits[b[i] >> 4];
        out += digits[b[i] & 0xF];
    }
    return out;
}

json float_value(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "+Infinity" : "-Infinity";
    return d;
}

std::int64_t time_of_day_nanos(const json& data, std::string_view type) {
    const std::int64_t h = int_field(data, "hour", type);
    const std::int64_t m = int_field(data, "minute", type);
    const std::int64_t s = int_field(data, "second", type);
    const std::int64_t ns = int_field(data, "nanosecond", type);
    if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59 || ns < 0 || ns >= nanos_per_second)
        throw conversion_error(std::string(type) + ": time of day out of range");
    return ((h * 60 + m) * 60 + s) * nanos_per_second + ns;
}

void put_time_of_day(json& data, std::int64_t nanos) {
    const std::int64_t secs = floor_div(nanos, nanos_per_second);
    data["hour"] = secs / 3600;
    data["minute"] = secs / 60 % 60;
    data["second"] = secs % 60;
    data["nanosecond"] = floor_mod(nanos, nanos_per_second);
}

// Wall-clock seconds (as if UTC) of a CypherDateTime's calendar fields.
std::int64_t local_epoch_seconds(const json& data) {
    constexpr std::string_view type = "CypherDateTime";
    const auto days = days_from_civil(int_field(data, "year", type), int_field(data, "month", type),
                                      int_field(data, "day", type));
    if (!days) throw conversion_error("CypherDateTime: no such date");
    const std::int64_t h = int_field(data, "hour", type);
    const std::int64_t m = int_field(data, "minute", type);
    const std::int64_t s = int_field(data, "second", type);
    if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59)
        throw conversion_error("CypherDateTime: time of day out of range");
    return *days * seconds_per_day + (h * 60 + m) * 60 + s;
}

json date_time_data(std::int64_t local_seconds, std::int64_t nanos) {
    const std::int64_t days = floor_div(local_seconds, seconds_per_day);
    const civil_date d = civil_from_days(days);
    json data = json::object();
    data["year"] = d.year;
    data["month"] = d.month;
    data["day"] = d.day;
    put_time_of_day(data, floor_mod(local_seconds, seconds_per_day) * nanos_per_second + nanos);
    return data;
}

json named(std::string_view name, json data) {
    json o = json::object();
    o["name"] = std::string(name);
    o["data"] = std::move(data);
    return o;
}

json string_list(const std::vector<std::string>& items) {
    json l = json::array();
    for (const auto& s : items) l.push_back(tagged("CypherString", s));
    return tagged("CypherList", std::move(l));
}

json node_json(const bolt::node& n) {
    json data = json::object();
    data["id"] = tagged("CypherInt", n.id);
    data["labels"] = string_list(n.labels);
    data["props"] = tagged("CypherMap", to_testkit_object(n.properties));
    data["elementId"] = tagged("CypherString", n.element_id);
    return named("Node", std::move(data));
}

json relationship_json(std::int64_t id, const std::string& type, const bolt::map& props,
                       const std::string& element_id, const bolt::node& start,
                       const bolt::node& end) {
    json data = json::object();
    data["id"] = tagged("CypherInt", id);
    data["startNodeId"] = tagged("CypherInt", start.id);
    data["endNodeId"] = tagged("CypherInt", end.id);
    data["type"] = tagged("CypherString", type);
    data["props"] = tagged("CypherMap", to_testkit_object(props));
    data["elementId"] = tagged("CypherString", element_id);
    data["startNodeElementId"] = tagged("CypherString", start.element_id);
    data["endNodeElementId"] = tagged("CypherString", end.element_id);
    return named("Relationship", std::move(data));
}

json relationship_json(const bolt::relationship& r) {
    json data = json::object();
    data["id"] = tagged("CypherInt", r.id);
    data["startNodeId"] = tagged("CypherInt", r.start_node_id);
    data["endNodeId"] = tagged("CypherInt", r.end_node_id);
    data["type"] = tagged("CypherString", r.type);
    data["props"] = tagged("CypherMap", to_testkit_object(r.properties));
    data["elementId"] = tagged("CypherString", r.element_id);
    data["startNodeElementId"] = tagged("CypherString", r.start_node_element_id);
    data["endNodeElementId"] = tagged("CypherString", r.end_node_element_id);
    return named("Relationship", std::move(data));
}

// A Bolt path is distinct nodes and relationships plus an index walk; testkit wants the walk
// itself: the node sequence and, for each hop, a relationship with its direction resolved.
json path_json(const bolt::path& p) {
    if (p.nodes.empty()) throw conversion_error("Path without nodes");
    if (p.indices.size() % 2 != 0) throw conversion_error("Path with an odd index sequence");
    json nodes = json::array();
    json rels = json::array();
    const bolt::node* prev = &p.nodes[0];
    nodes.push_back(node_json(*prev));
    for (std::size_t i = 0; i < p.indices.size(); i += 2) {
        const std::int64_t rel_index = p.indices[i];
        const std::int64_t node_index = p.indices[i + 1];
        if (node_index < 0 || static_cast<std::size_t>(node_index) >= p.nodes.size())
            throw conversion_error("Path node index out of range");
        const std::int64_t r = rel_index > 0 ? rel_index - 1 : -rel_index - 1;
        if (rel_index == 0 || static_cast<std::size_t>(r) >= p.relationships.size())
            throw conversion_error("Path relationship index out of range");
        const bolt::node& next = p.nodes[static_cast<std::size_t>(node_index)];
        const bolt::unbound_relationship& u = p.relationships[static_cast<std::size_t>(r)];
        if (rel_index > 0)
            rels.push_back(relationship_json(u.id, u.type, u.properties, u.element_id, *prev, next));
        else
            rels.push_back(relationship_json(u.id, u.type, u.properties, u.element_id, next, *prev));
        nodes.push_back(node_json(next));
        prev = &next;
    }
    json data = json::object();
    data["nodes"] = tagged("CypherList", std::move(nodes));
    data["relationships"] = tagged("CypherList", std::move(rels));
    return named("Path", std::move(data));
}

json point_json(std::int64_t srid, double x, double y, std::optional<double> z) {
    std::string system;
    if (srid == srid_cartesian_2d || srid == srid_cartesian_3d) system = "cartesian";
    else if (srid == srid_wgs84_2d || srid == srid_wgs84_3d) system = "wgs84";
    else throw conversion_error("point with unknown SRID " + std::to_string(srid));
    json data = json::object();
    data["system"] = system;
    data["x"] = x;
    data["y"] = y;
    data["z"] = z ? json(*z) : json(nullptr);
    return named("CypherPoint", std::move(data));
}

json zoned_json(const bolt::date_time_zone_id& t) {
    const std::optional<std::int64_t> offset =
        t.legacy_local_seconds ? zone_offset_at_local(t.tz_id, t.seconds)
                               : zone_offset_at_utc(t.tz_id, t.seconds);
    if (!offset) throw conversion_error("unknown time zone id \"" + t.tz_id + "\"");
    const std::int64_t local = t.legacy_local_seconds ? t.seconds : t.seconds + *offset;
    json data = date_time_data(local, t.nanoseconds);
    data["utc_offset_s"] = *offset;
    data["timezone_id"] = t.tz_id;
    return named("CypherDateTime", std::move(data));
}

// ---- time zones ------------------------------------------------------------------------------

std::optional<std::int64_t> fixed_offset(std::string_view id) {
    // "+HH:MM" or "-HH:MM"
    if (id.size() != 6 || (id[0] != '+' && id[0] != '-') || id[3] != ':') return std::nullopt;
    for (std::size_t i : {1u, 2u, 4u, 5u})
        if (id[i] < '0' || id[i] > '9') return std::nullopt;
    const std::int64_t h = (id[1] - '0') * 10 + (id[2] - '0');
    const std::int64_t m = (id[4] - '0') * 10 + (id[5] - '0');
    if (h > 18 || m > 59) return std::nullopt;
    const std::int64_t s = h * 3600 + m * 60;
    return id[0] == '-' ? -s : s;
}

bool known_zone(std::string_view id) {
    if (id.empty() || id.front() == '/' || id.find("..") != std::string_view::npos) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
              c == '+'))
            return false;
    const char* dir = std::getenv("TZDIR");
    const std::filesystem::path base = dir && *dir ? dir : "/usr/share/zoneinfo";
    std::error_code ec;
    return std::filesystem::is_regular_file(base / std::string(id), ec);
}

// Switches the C library's zone for the lifetime of the object. The backend is single-threaded,
// so the process-wide TZ is safe to borrow.
class scoped_tz {
public:
    explicit scoped_tz(std::string_view id) {
        if (const char* old = std::getenv("TZ")) old_ = std::string(old);
        ::setenv("TZ", (":" + std::string(id)).c_str(), 1);
        ::tzset();
    }
    ~scoped_tz() {
        if (old_) ::setenv("TZ", old_->c_str(), 1); else ::unsetenv("TZ");
        ::tzset();
    }
    scoped_tz(const scoped_tz&) = delete;
    scoped_tz& operator=(const scoped_tz&) = delete;

private:
    std::optional<std::string> old_;
};

}  // namespace

// ---- calendar ----------------------------------------------------------------------------------

std::optional<std::int64_t> days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day) {
    using namespace std::chrono;
    if (year < -32767 || year > 32767 || month < 1 || month > 12 || day < 1 || day > 31)
        return std::nullopt;
    const year_month_day ymd{std::chrono::year{static_cast<int>(year)},
                             std::chrono::month{static_cast<unsigned>(month)},
                             std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::nullopt;
    return sys_days{ymd}.time_since_epoch().count();
}

civil_date civil_from_days(std::int64_t days) {
    // Howard Hinnant's civil_from_days: exact for every int64 day count the codec can carry
    // (std::chrono::year stops at +-32767).
    days += 719468;
    const std::int64_t era = floor_div(days, 146097);
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

std::optional<std::int64_t> zone_offset_at_utc(std::string_view tz_id, std::int64_t utc_seconds) {
    if (auto fixed = fixed_offset(tz_id)) return fixed;
    if (!known_zone(tz_id)) return std::nullopt;
    scoped_tz tz(tz_id);
    const std::time_t t = static_cast<std::time_t>(utc_seconds);
    std::tm tm{};
    if (!::localtime_r(&t, &tm)) return std::nullopt;
    return static_cast<std::int64_t>(tm.tm_gmtoff);
}

std::optional<std::int64_t> zone_offset_at_local(std::string_view tz_id, std::int64_t local_seconds) {
    if (auto fixed = fixed_offset(tz_id)) return fixed;
    if (!known_zone(tz_id)) return std::nullopt;
    scoped_tz tz(tz_id);
    const std::time_t t = static_cast<std::time_t>(local_seconds);
    std::tm tm{};
    if (!::gmtime_r(&t, &tm)) return std::nullopt;
    tm.tm_isdst = -1;
    errno = 0;
    const std::time_t utc = ::mktime(&tm);
    if (utc == static_cast<std::time_t>(-1) && errno != 0) return std::nullopt;
    return local_seconds - static_cast<std::int64_t>(utc);
}

// ---- testkit -> bolt ---------------------------------------------------------------------------

bolt::value from_testkit(const json& j, zoned_layout layout) {
    if (!j.is_object() || !j.contains("name") || !j.at("name").is_string())
        throw conversion_error("a Cypher value must be {\"name\": ..., \"data\": ...}, got " +
                               j.dump(-1, ' ', false, json::error_handler_t::replace));
    const std::string& name = j.at("name").get_ref<const std::string&>();
    static const json empty = json::object();
    const json& data = j.contains("data") && j.at("data").is_object() ? j.at("data") : empty;

    if (name == "CypherNull") return bolt::null;
    if (name == "CypherBool") {
        const json& v = field(data, "value", name);
        if (!v.is_boolean()) throw conversion_error("CypherBool value must be a boolean");
        return v.get<bool>();
    }
    if (name == "CypherInt") return int_field(data, "value", name);
    if (name == "CypherFloat") return parse_float(field(data, "value", name));
    if (name == "CypherString") {
        const json& v = field(data, "value", name);
        if (!v.is_string()) throw conversion_error("CypherString value must be a string");
        return v.get<std::string>();
    }
    if (name == "CypherBytes") {
        const json& v = field(data, "value", name);
        if (!v.is_string()) throw conversion_error("CypherBytes value must be a hex string");
        return parse_bytes(v.get_ref<const std::string&>());
    }
    if (name == "CypherList") {
        const json& v = field(data, "value", name);
        if (!v.is_array()) throw conversion_error("CypherList value must be an array");
        bolt::list l;
        l.reserve(v.size());
        for (const json& item : v) l.push_back(from_testkit(item, layout));
        return l;
    }
    if (name == "CypherMap") {
        const json& v = field(data, "value", name);
        if (!v.is_object()) throw conversion_error("CypherMap value must be an object");
        return from_testkit_map(v, layout);
    }
    if (name == "CypherPoint") {
        const json& sys = field(data, "system", name);
        const bool has_z = data.contains("z") && !data.at("z").is_null();
        const double x = number_field(data, "x", name);
        const double y = number_field(data, "y", name);
        std::int64_t srid = 0;
        if (sys == "cartesian") srid = has_z ? srid_cartesian_3d : srid_cartesian_2d;
        else if (sys == "wgs84") srid = has_z ? srid_wgs84_3d : srid_wgs84_2d;
        else throw conversion_error("CypherPoint: unknown system " + sys.dump());
        if (has_z) return bolt::point3d{srid, x, y, number_field(data, "z", name)};
        return bolt::point2d{srid, x, y};
    }
    if (name == "CypherDate") {
        const auto days = days_from_civil(int_field(data, "year", name), int_field(data, "month", name),
                                          int_field(data, "day", name));
        if (!days) throw conversion_error("CypherDate: no such date");
        return bolt::date{*days};
    }
    if (name == "CypherTime") {
        const std::int64_t nanos = time_of_day_nanos(data, name);
        if (auto offset = optional_int_field(data, "utc_offset_s", name))
            return bolt::time{nanos, *offset};
        return bolt::local_time{nanos};
    }
    if (name == "CypherDateTime") {
        const std::int64_t local = local_epoch_seconds(data);
        const std::int64_t nanos = int_field(data, "nanosecond", name);
        if (nanos < 0 || nanos >= nanos_per_second)
            throw conversion_error("CypherDateTime: nanosecond out of range");
        const auto offset = optional_int_field(data, "utc_offset_s", name);
        const bool has_zone = data.contains("timezone_id") && !data.at("timezone_id").is_null();
        if (has_zone) {
            if (!offset) throw conversion_error("CypherDateTime: timezone_id needs utc_offset_s");
            const json& zone = data.at("timezone_id");
            if (!zone.is_string()) throw conversion_error("CypherDateTime: timezone_id must be a string");
            bolt::date_time_zone_id t;
            t.tz_id = zone.get<std::string>();
            t.nanoseconds = nanos;
            t.legacy_local_seconds = layout == zoned_layout::legacy;
            t.seconds = t.legacy_local_seconds ? local : local - *offset;
            return t;
        }
        if (offset) return bolt::date_time{local - *offset, nanos, *offset};
        return bolt::local_date_time{local, nanos};
    }
    if (name == "CypherDuration") {
        const std::int64_t seconds = int_field(data, "seconds", name);
        const std::int64_t nanos = int_field(data, "nanoseconds", name);
        return bolt::duration{int_field(data, "months", name), int_field(data, "days", name),
                              seconds + floor_div(nanos, nanos_per_second),
                              floor_mod(nanos, nanos_per_second)};
    }
    throw conversion_error("unsupported Cypher value type \"" + name + "\"");
}

bolt::map from_testkit_map(const json& object, zoned_layout layout) {
    bolt::map m;
    if (object.is_null()) return m;
    if (!object.is_object()) throw conversion_error("expected a JSON object of Cypher values");
    m.reserve(object.size());
    for (const auto& [key, v] : object.items()) m.set(key, from_testkit(v, layout));
    return m;
}

// ---- bolt -> testkit ---------------------------------------------------------------------------

json to_testkit(const bolt::value& v) {
    using bolt::value_type;
    switch (v.type()) {
        case value_type::null: return named("CypherNull", json::object());
        case value_type::boolean: return tagged("CypherBool", v.as<bool>());
        case value_type::integer: return tagged("CypherInt", v.as<std::int64_t>());
        case value_type::floating: return tagged("CypherFloat", float_value(v.as<double>()));
        case value_type::string: return tagged("CypherString", v.as<std::string>());
        case value_type::bytes: return tagged("CypherBytes", format_bytes(v.as<bolt::bytes>()));
        case value_type::list: {
            json l = json::array();
            for (const auto& item : v.as<bolt::list>()) l.push_back(to_testkit(item));
            return tagged("CypherList", std::move(l));
        }
        case value_type::map: return tagged("CypherMap", to_testkit_object(v.as<bolt::map>()));
        case value_type::node: return node_json(v.as<bolt::node>());
        case value_type::relationship: return relationship_json(v.as<bolt::relationship>());
        case value_type::unbound_relationship:
            // Only ever inside a path; a bare one is a protocol oddity testkit has no name for.
            throw conversion_error("unbound relationship outside a path");
        case value_type::path: return path_json(v.as<bolt::path>());
        case value_type::date: {
            const civil_date d = civil_from_days(v.as<bolt::date>().days);
            return named("CypherDate", json{{"year", d.year}, {"month", d.month}, {"day", d.day}});
        }
        case value_type::time: {
            const auto& t = v.as<bolt::time>();
            json data = json::object();
            put_time_of_day(data, t.nanoseconds);
            data["utc_offset_s"] = t.tz_offset_seconds;
            return named("CypherTime", std::move(data));
        }
        case value_type::local_time: {
            json data = json::object();
            put_time_of_day(data, v.as<bolt::local_time>().nanoseconds);
            return named("CypherTime", std::move(data));
        }
        case value_type::date_time: {
            const auto& t = v.as<bolt::date_time>();
            json data = date_time_data(t.seconds + t.tz_offset_seconds, t.nanoseconds);
            data["utc_offset_s"] = t.tz_offset_seconds;
            return named("CypherDateTime", std::move(data));
        }
        case value_type::date_time_zone_id: return zoned_json(v.as<bolt::date_time_zone_id>());
        case value_type::local_date_time: {
            const auto& t = v.as<bolt::local_date_time>();
            return named("CypherDateTime", date_time_data(t.seconds, t.nanoseconds));
        }
        case value_type::duration: {
            const auto& d = v.as<bolt::duration>();
            return named("CypherDuration",
                         json{{"months", d.months},
                              {"days", d.days},
                              {"seconds", d.seconds + floor_div(d.nanoseconds, nanos_per_second)},
                              {"nanoseconds", floor_mod(d.nanoseconds, nanos_per_second)}});
        }
        case value_type::point2d: {
            const auto& p = v.as<bolt::point2d>();
            return point_json(p.srid, p.x, p.y, std::nullopt);
        }
        case value_type::point3d: {
            const auto& p = v.as<bolt::point3d>();
            return point_json(p.srid, p.x, p.y, p.z);
        }
    }
    throw conversion_error("unknown bolt::value type");
}

json to_testkit_object(const bolt::map& m) {
    json o = json::object();
    for (const auto& [key, v] : m) o[key] = to_testkit(v);
    return o;
}

json to_plain_json(const bolt::value& v) {
    using bolt::value_type;
    switch (v.type()) {
        case value_type::null: return nullptr;
        case value_type::boolean: return v.as<bool>();
        case value_type::integer: return v.as<std::int64_t>();
        case value_type::floating: return float_value(v.as<double>());
        case value_type::string: return v.as<std::string>();
        case value_type::list: {
            json l = json::array();
            for (const auto& item : v.as<bolt::list>()) l.push_back(to_plain_json(item));
            return l;
        }
        case value_type::map: {
            json o = json::object();
            for (const auto& [key, item] : v.as<bolt::map>()) o[key] = to_plain_json(item);
            return o;
        }
        default: return bolt::to_string(v);
    }
}

}  // namespace testkit
