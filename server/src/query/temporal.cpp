// ISO-8601 temporal parsing/formatting, calendar arithmetic and tz-database offsets for the
// Cypher temporal functions and operators. Wide intermediate results use __int128 so that no
// input, however large, overflows silently: out-of-range results throw query_error.
#include "server/query/temporal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/query/session.hpp"

namespace server::query::temporal {

namespace {

using i128 = __int128;

constexpr std::int64_t nanos_per_day = seconds_per_day * nanos_per_second;
constexpr std::int64_t micros_to_nanos = 1000;
// Memgraph accepts years 0..9999 in temporal strings and maps.
constexpr std::int64_t min_year = 0;
constexpr std::int64_t max_year = 9999;
// Calendar arithmetic stays within years that civil_from_days handles without overflow.
constexpr i128 max_abs_year = 1'000'000'000;

[[noreturn]] void fail(const std::string& message) { throw query_error(std::string(client_error_code), message); }

[[noreturn]] void temporal_overflow() { fail("Temporal value out of range."); }

std::int64_t narrow(i128 v) {
    if (v > std::numeric_limits<std::int64_t>::max() || v < std::numeric_limits<std::int64_t>::min()) temporal_overflow();
    return static_cast<std::int64_t>(v);
}

i128 floor_div(i128 a, i128 b) {
    i128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

i128 floor_mod(i128 a, i128 b) { return a - floor_div(a, b) * b; }

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::int64_t days_in_month(std::int64_t y, std::int64_t m) {
    static constexpr std::array<std::int64_t, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

// ---- a tiny cursor over the text ------------------------------------------------------------------

struct cursor {
    std::string_view text;
    std::size_t pos = 0;

    bool done() const { return pos >= text.size(); }
    char peek() const { return done() ? '\0' : text[pos]; }
    bool eat(char c) {
        if (peek() != c) return false;
        ++pos;
        return true;
    }
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }
    std::size_t digits_ahead() const {
        std::size_t n = 0;
        while (pos + n < text.size() && is_digit(text[pos + n])) ++n;
        return n;
    }
    // Exactly n digits.
    std::optional<std::int64_t> fixed(std::size_t n) {
        if (digits_ahead() < n) return std::nullopt;
        std::int64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = v * 10 + (text[pos + i] - '0');
        pos += n;
        return v;
    }
};

[[noreturn]] void bad_date(std::string_view text) {
    fail(fmt::format("Invalid date string '{}'. Use YYYY-MM-DD, YYYYMMDD or YYYY-MM with a year between 0 and 9999.", text));
}

[[noreturn]] void bad_time(std::string_view text) {
    fail(fmt::format("Invalid local time string '{}'. Use hh:mm:ss.ffffff, hh:mm:ss, hh:mm, hhmmss, hhmm or hh.", text));
}

civil_date checked_date(std::int64_t y, std::int64_t m, std::int64_t d, std::string_view text) {
    if (y < min_year || y > max_year || !is_valid_date(y, m, d)) bad_date(text);
    return {y, m, d};
}

// Date part of a string; `whole` is the full text for the error message.
civil_date parse_date_part(cursor& c, std::string_view whole) {
    const auto year = c.fixed(4);
    if (!year) bad_date(whole);
    if (c.eat('-')) {
        const auto month = c.fixed(2);
        if (!month) bad_date(whole);
        if (c.eat('-')) {
            const auto day = c.fixed(2);
            if (!day) bad_date(whole);
            return checked_date(*year, *month, *day, whole);
        }
        return checked_date(*year, *month, 1, whole);
    }
    const auto month = c.fixed(2);
    const auto day = c.fixed(2);
    if (!month || !day) bad_date(whole);
    return checked_date(*year, *month, *day, whole);
}

// Time of day in nanoseconds (microsecond precision, as Memgraph keeps).
std::int64_t parse_time_part(cursor& c, std::string_view whole) {
    const auto hour = c.fixed(2);
    if (!hour) bad_time(whole);
    std::int64_t minute = 0;
    std::int64_t second = 0;
    std::int64_t fraction_ns = 0;
    const bool extended = c.peek() == ':';
    const auto next_field = [&](std::int64_t& out) {
        if (extended && !c.eat(':')) return false;
        const auto v = c.fixed(2);
        if (!v) bad_time(whole);
        out = *v;
        return true;
    };
    if ((extended && c.peek() == ':') || (!extended && c.digits_ahead() >= 2)) {
        next_field(minute);
        if ((extended && c.peek() == ':') || (!extended && c.digits_ahead() >= 2)) {
            next_field(second);
            if (c.peek() == '.' || c.peek() == ',') {
                ++c.pos;
                const std::size_t n = c.digits_ahead();
                if (n == 0 || n > 9) bad_time(whole);
                std::int64_t scale = nanos_per_second;
                for (std::size_t i = 0; i < n; ++i) {
                    scale /= 10;
                    fraction_ns += (c.text[c.pos + i] - '0') * scale;
                }
                c.pos += n;
                fraction_ns -= fraction_ns % micros_to_nanos;
            }
        }
    }
    if (*hour > 23 || minute > 59 || second > 59) bad_time(whole);
    return ((*hour * 60 + minute) * 60 + second) * nanos_per_second + fraction_ns;
}

// "<date>[T<time>]" from the cursor: wall-clock seconds and nanoseconds.
std::pair<std::int64_t, std::int64_t> parse_date_and_time(cursor& c, std::string_view whole) {
    const civil_date d = parse_date_part(c, whole);
    std::int64_t ns = 0;
    if (c.eat('T') || c.eat('t')) ns = parse_time_part(c, whole);
    return {days_from_civil(d.year, d.month, d.day) * seconds_per_day + ns / nanos_per_second, ns % nanos_per_second};
}

// ±hh[:mm] or ±hhmm or Z; returns seconds east of UTC.
std::optional<std::int64_t> parse_offset(cursor& c) {
    if (c.eat('Z') || c.eat('z')) return 0;
    const char sign = c.peek();
    if (sign != '+' && sign != '-') return std::nullopt;
    ++c.pos;
    const auto hours = c.fixed(2);
    if (!hours) return std::nullopt;
    std::int64_t minutes = 0;
    if (c.eat(':')) {
        const auto m = c.fixed(2);
        if (!m) return std::nullopt;
        minutes = *m;
    } else if (c.digits_ahead() == 2) {
        minutes = *c.fixed(2);
    }
    if (*hours > 18 || minutes > 59) return std::nullopt;
    const std::int64_t off = *hours * 3600 + minutes * 60;
    return sign == '-' ? -off : off;
}

std::string offset_text(std::int64_t offset) {
    const char sign = offset < 0 ? '-' : '+';
    const std::int64_t a = offset < 0 ? -offset : offset;
    if (a % 60 != 0) return fmt::format("{}{:02}:{:02}:{:02}", sign, a / 3600, a / 60 % 60, a % 60);
    return fmt::format("{}{:02}:{:02}", sign, a / 3600, a / 60 % 60);
}

std::string year_text(std::int64_t y) {
    if (y < 0) return fmt::format("-{:04}", -y);
    if (y > 9999) return fmt::format("+{}", y);
    return fmt::format("{:04}", y);
}

std::string time_of_day_text(std::int64_t ns) {
    ns = static_cast<std::int64_t>(floor_mod(ns, nanos_per_day));
    const std::int64_t secs = ns / nanos_per_second;
    const std::int64_t frac = ns % nanos_per_second;
    const auto hms = fmt::format("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if (frac % micros_to_nanos == 0) return fmt::format("{}.{:06}", hms, frac / micros_to_nanos);
    return fmt::format("{}.{:09}", hms, frac);
}

std::string local_text(i128 seconds, std::int64_t nanos) {
    const i128 day = floor_div(seconds, seconds_per_day);
    const i128 sod = floor_mod(seconds, seconds_per_day);
    return format_date(bolt::date{narrow(day)}) + "T" +
           time_of_day_text(static_cast<std::int64_t>(sod) * nanos_per_second + nanos);
}

// ---- tz database ----------------------------------------------------------------------------------

// The POSIX TZ string a TZif file ends with ("CET-1CEST,M3.5.0,M10.5.0/3"): the rule for
// instants after the last listed transition (2037 in "fat" files, earlier in "slim" ones).
struct posix_rule {
    struct date_rule {
        char form = 'M';  // 'M' month.week.weekday, 'J' 1-based day without Feb 29, 'N' 0-based day
        std::int64_t month = 0, week = 0, weekday = 0, day = 0;
        std::int64_t time = 7200;  // seconds after local midnight
    };
    std::int64_t std_offset = 0;  // seconds east of UTC
    std::int64_t dst_offset = 0;
    bool has_dst = false;
    date_rule start, end;

    // The UTC instant of a rule's change in `year`; `offset` is the offset in force before it.
    static std::int64_t change_at(const date_rule& r, std::int64_t year, std::int64_t offset) {
        const std::int64_t jan1 = days_from_civil(year, 1, 1);
        std::int64_t day = 0;
        if (r.form == 'J') {
            day = jan1 + r.day - 1 + (is_leap(year) && r.day >= 60 ? 1 : 0);
        } else if (r.form == 'N') {
            day = jan1 + r.day;
        } else {
            const std::int64_t first = days_from_civil(year, r.month, 1);
            const std::int64_t first_weekday = (first % 7 + 11) % 7;  // 1970-01-01 was a Thursday (4)
            day = first + (r.weekday - first_weekday + 7) % 7 + (r.week - 1) * 7;
            while (day >= first + days_in_month(year, r.month)) day -= 7;
        }
        return day * seconds_per_day + r.time - offset;
    }

    std::int64_t offset_at(std::int64_t utc) const {
        if (!has_dst) return std_offset;
        const std::int64_t year = civil_from_days(static_cast<std::int64_t>(floor_div(utc + std_offset, seconds_per_day))).year;
        const std::int64_t begin = change_at(start, year, std_offset);
        const std::int64_t finish = change_at(end, year, dst_offset);
        const bool in_dst = begin < finish ? (utc >= begin && utc < finish) : !(utc >= finish && utc < begin);
        return in_dst ? dst_offset : std_offset;
    }
};

// Parses the footer; nullopt for anything it does not understand (the file's table then rules).
std::optional<posix_rule> parse_posix_rule(std::string_view text) {
    cursor c{text};
    const auto name = [&c] {
        if (c.eat('<')) {
            while (!c.done() && c.peek() != '>') ++c.pos;
            return c.eat('>');
        }
        std::size_t n = 0;
        while (!c.done() && ((c.peek() >= 'A' && c.peek() <= 'Z') || (c.peek() >= 'a' && c.peek() <= 'z'))) ++c.pos, ++n;
        return n >= 3;
    };
    // [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 allows that for rule times).
    const auto hms = [&c]() -> std::optional<std::int64_t> {
        const bool negative = c.eat('-');
        if (!negative) c.eat('+');
        const std::size_t digits = c.digits_ahead();
        if (digits == 0 || digits > 3) return std::nullopt;
        std::int64_t v = *c.fixed(digits) * 3600;
        for (std::int64_t unit : {60, 1}) {
            if (!c.eat(':')) break;
            const auto part = c.fixed(2);
            if (!part) return std::nullopt;
            v += *part * unit;
        }
        return negative ? -v : v;
    };
    const auto date = [&](posix_rule::date_rule& r) {
        if (!c.eat(',')) return false;
        if (c.eat('M')) {
            r.form = 'M';
            const std::size_t md = c.digits_ahead();
            if (md == 0 || md > 2) return false;
            r.month = *c.fixed(md);
            if (!c.eat('.') || c.digits_ahead() != 1) return false;
            r.week = *c.fixed(1);
            if (!c.eat('.') || c.digits_ahead() != 1) return false;
            r.weekday = *c.fixed(1);
            if (r.month < 1 || r.month > 12 || r.week < 1 || r.week > 5 || r.weekday > 6) return false;
        } else {
            r.form = c.eat('J') ? 'J' : 'N';
            const std::size_t dd = c.digits_ahead();
            if (dd == 0 || dd > 3) return false;
            r.day = *c.fixed(dd);
            if (r.day > 365 || (r.form == 'J' && r.day < 1)) return false;
        }
        if (c.eat('/')) {
            const auto t = hms();
            if (!t) return false;
            r.time = *t;
        }
        return true;
    };
    posix_rule rule;
    if (!name()) return std::nullopt;
    const auto std_west = hms();
    if (!std_west) return std::nullopt;
    rule.std_offset = -*std_west;
    if (c.done()) return rule;
    if (!name()) return std::nullopt;
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (c.peek() != ',') {
        const auto dst_west = hms();
        if (!dst_west) return std::nullopt;
        rule.dst_offset = -*dst_west;
    }
    if (!date(rule.start) || !date(rule.end) || !c.done()) return std::nullopt;
    return rule;
}

struct zone_rules {
    std::vector<std::int64_t> transitions;  // UTC seconds, ascending
    std::vector<std::int32_t> offsets;      // offset in effect from transitions[i]
    std::int32_t initial = 0;               // before the first transition
    std::optional<posix_rule> footer;       // after the last transition
    std::int64_t offset_at(std::int64_t utc) const {
        if (footer && (transitions.empty() ? true : utc >= transitions.back())) return footer->offset_at(utc);
        const auto it = std::upper_bound(transitions.begin(), transitions.end(), utc);
        if (it == transitions.begin()) return initial;
        return offsets[static_cast<std::size_t>(std::distance(transitions.begin(), it) - 1)];
    }
};

std::uint64_t read_be(const std::string& b, std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
    return v;
}

// Reads a TZif file (RFC 8536), version 2+ data block when present. nullptr on anything odd.
std::shared_ptr<const zone_rules> load_tzif(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (b.size() < 44 || b.compare(0, 4, "TZif") != 0 || b.size() > (1U << 20)) return nullptr;
    const auto counts = [&](std::size_t at, std::array<std::uint64_t, 6>& out) {
        if (at + 44 > b.size()) return false;
        for (std::size_t i = 0; i < 6; ++i) out[i] = read_be(b, at + 20 + 4 * i, 4);
        return true;
    };
    std::array<std::uint64_t, 6> n{};  // isut, isstd, leap, time, type, char
    if (!counts(0, n)) return nullptr;
    std::size_t at = 44;
    std::size_t time_size = 4;
    if (b[4] >= '2') {
        at += n[3] * 4 + n[3] + n[4] * 6 + n[5] + n[2] * 8 + n[1] + n[0];
        if (!counts(at, n)) return nullptr;
        at += 44;
        time_size = 8;
    }
    const std::uint64_t timecnt = n[3];
    const std::uint64_t typecnt = n[4];
    if (typecnt == 0 || typecnt > 256 || timecnt > 100'000) return nullptr;
    if (at + timecnt * time_size + timecnt + typecnt * 6 > b.size()) return nullptr;
    auto rules = std::make_shared<zone_rules>();
    std::vector<std::int32_t> type_offsets(typecnt);
    const std::size_t types_at = at + timecnt * time_size + timecnt;
    for (std::size_t i = 0; i < typecnt; ++i)
        type_offsets[i] = static_cast<std::int32_t>(static_cast<std::uint32_t>(read_be(b, types_at + i * 6, 4)));
    rules->initial = type_offsets[0];
    for (std::size_t i = 0; i < timecnt; ++i) {
        const std::uint64_t raw = read_be(b, at + i * time_size, time_size);
        const std::int64_t t = time_size == 8 ? static_cast<std::int64_t>(raw)
                                              : static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(raw)));
        const std::size_t type = static_cast<unsigned char>(b[at + timecnt * time_size + i]);
        if (type >= typecnt) return nullptr;
        if (!rules->transitions.empty() && t <= rules->transitions.back()) continue;
        rules->transitions.push_back(t);
        rules->offsets.push_back(type_offsets[type]);
    }
    if (time_size == 8) {
        const std::size_t footer_at = types_at + typecnt * 6 + n[5] + n[2] * 12 + n[1] + n[0];
        if (footer_at < b.size() && b[footer_at] == '\n') {
            const std::size_t close = b.find('\n', footer_at + 1);
            if (close != std::string::npos && close > footer_at + 1)
                rules->footer = parse_posix_rule(std::string_view(b).substr(footer_at + 1, close - footer_at - 1));
        }
    }
    return rules;
}

bool plausible_zone_name(std::string_view zone) {
    if (zone.empty() || zone.size() > 64 || zone.front() == '/' || zone.find("..") != std::string_view::npos) return false;
    return std::all_of(zone.begin(), zone.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' ||
               ch == '-' || ch == '+';
    });
}

std::shared_ptr<const zone_rules> find_zone(std::string_view zone) {
    static std::mutex mutex;
    static std::unordered_map<std::string, std::shared_ptr<const zone_rules>> cache;
    constexpr std::size_t max_cached = 1024;
    if (!plausible_zone_name(zone)) return nullptr;
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(std::string(zone)); it != cache.end()) return it->second;
    const char* dir = std::getenv("TZDIR");
    auto rules = load_tzif(std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(zone));
    if (cache.size() < max_cached) cache.emplace(std::string(zone), rules);
    return rules;
}

std::optional<std::int64_t> fixed_zone_offset(std::string_view zone) {
    if (zone == "UTC" || zone == "Z" || zone == "GMT" || zone == "Etc/UTC" || zone == "Etc/GMT" || zone == "UCT") return 0;
    if (zone.empty() || (zone.front() != '+' && zone.front() != '-')) return std::nullopt;
    cursor c{zone};
    const auto off = parse_offset(c);
    if (!off || !c.done()) return std::nullopt;
    return off;
}

// ---- calendar arithmetic --------------------------------------------------------------------------

// Adds months to a day count, clamping the day to the target month's length.
i128 add_months(i128 days, i128 months) {
    if (months == 0) return days;
    if (days > max_abs_year * 366 || days < -max_abs_year * 366) temporal_overflow();
    const civil_date cd = civil_from_days(static_cast<std::int64_t>(days));
    const i128 total = static_cast<i128>(cd.year) * 12 + (cd.month - 1) + months;
    const i128 year = floor_div(total, 12);
    if (year > max_abs_year || year < -max_abs_year) temporal_overflow();
    const std::int64_t y = static_cast<std::int64_t>(year);
    const std::int64_t m = static_cast<std::int64_t>(floor_mod(total, 12)) + 1;
    return days_from_civil(y, m, std::min(cd.day, days_in_month(y, m)));
}

// A wall-clock (seconds, nanos) moved by sign·d: months and days on the calendar, then time.
std::pair<i128, i128> shift_local(i128 seconds, i128 nanos, const bolt::duration& d, int sign) {
    i128 day = floor_div(seconds, seconds_per_day);
    const i128 sod = floor_mod(seconds, seconds_per_day);
    day = add_months(day, static_cast<i128>(d.months) * sign) + static_cast<i128>(d.days) * sign;
    i128 total_ns = (day * seconds_per_day + sod) * nanos_per_second + nanos +
                    (static_cast<i128>(d.seconds) * nanos_per_second + d.nanoseconds) * sign;
    return {floor_div(total_ns, nanos_per_second), floor_mod(total_ns, nanos_per_second)};
}

bolt::duration make_duration(i128 months, i128 days, i128 total_ns) {
    return bolt::duration{narrow(months), narrow(days), narrow(floor_div(total_ns, nanos_per_second)),
                          static_cast<std::int64_t>(floor_mod(total_ns, nanos_per_second))};
}

i128 duration_ns(const bolt::duration& d) { return static_cast<i128>(d.seconds) * nanos_per_second + d.nanoseconds; }

}  // namespace

// ---- calendar -------------------------------------------------------------------------------------

std::int64_t days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day) {
    // Howard Hinnant's algorithm, in 128-bit so that any year the callers allow fits.
    const i128 y = static_cast<i128>(year) - (month <= 2 ? 1 : 0);
    const i128 era = floor_div(y, 400);
    const i128 yoe = y - era * 400;
    const i128 mp = (month + 9) % 12;
    const i128 doy = (153 * mp + 2) / 5 + day - 1;
    const i128 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return narrow(era * 146097 + doe - 719468);
}

civil_date civil_from_days(std::int64_t days) {
    const i128 z = static_cast<i128>(days) + 719468;
    const i128 era = floor_div(z, 146097);
    const i128 doe = z - era * 146097;
    const i128 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const i128 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const i128 mp = (5 * doy + 2) / 153;
    const i128 d = doy - (153 * mp + 2) / 5 + 1;
    const i128 m = mp < 10 ? mp + 3 : mp - 9;
    const i128 y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return {narrow(y), static_cast<std::int64_t>(m), static_cast<std::int64_t>(d)};
}

bool is_valid_date(std::int64_t year, std::int64_t month, std::int64_t day) {
    return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

// ---- parsing --------------------------------------------------------------------------------------

bolt::date parse_date(std::string_view text) {
    cursor c{text};
    const civil_date d = parse_date_part(c, text);
    if (!c.done()) bad_date(text);
    return bolt::date{days_from_civil(d.year, d.month, d.day)};
}

bolt::local_time parse_local_time(std::string_view text) {
    cursor c{text};
    const std::int64_t ns = parse_time_part(c, text);
    if (!c.done()) bad_time(text);
    return bolt::local_time{ns};
}

bolt::local_date_time parse_local_date_time(std::string_view text) {
    cursor c{text};
    const auto [local, nanos] = parse_date_and_time(c, text);
    if (!c.done()) fail(fmt::format("Invalid local date time string '{}'. Use <date>T<time>, e.g. 2024-03-05T10:15:30.", text));
    return bolt::local_date_time{local, nanos};
}

bolt::value parse_date_time(std::string_view text) {
    const auto bad = [&] {
        fail(fmt::format("Invalid datetime string '{}'. Use <date>T<time> followed by an offset (Z, +hh:mm) "
                         "and/or a zone id in brackets ([Europe/Berlin]).",
                         text));
    };
    cursor c{text};
    const auto [local, nanos] = parse_date_and_time(c, text);
    std::optional<std::int64_t> offset;
    if (!c.done() && c.peek() != '[') {
        offset = parse_offset(c);
        if (!offset) bad();
    }
    if (c.eat('[')) {
        const std::size_t close = text.find(']', c.pos);
        if (close == std::string_view::npos || close + 1 != text.size()) bad();
        const std::string zone(text.substr(c.pos, close - c.pos));
        std::optional<std::int64_t> utc;
        if (offset && zone_offset_at(zone, local - *offset) == offset) utc = local - *offset;
        if (!utc) utc = local_to_utc(zone, local);
        if (!utc) fail(fmt::format("Unknown time zone '{}'.", zone));
        return bolt::date_time_zone_id{*utc, nanos, zone, false};
    }
    if (!c.done()) bad();
    const std::int64_t off = offset.value_or(0);
    return bolt::date_time{local - off, nanos, off};
}

bolt::duration parse_duration(std::string_view text) {
    const auto bad = [&] {
        fail(fmt::format("Invalid duration string '{}'. Use ISO-8601: P[nY][nM][nW][nD][T[nH][nM][n[.f]S]], "
                         "e.g. P1Y2M3DT4H5M6.5S.",
                         text));
    };
    cursor c{text};
    const bool negative = c.eat('-');
    if (!c.eat('P') && !c.eat('p')) bad();
    i128 months = 0;
    i128 days = 0;
    i128 nanos = 0;
    bool in_time = false;
    bool any = false;
    bool fraction_seen = false;
    int last_unit = -1;  // enforces Y M W D order, then H M S
    while (!c.done()) {
        if (c.eat('T') || c.eat('t')) {
            if (in_time) bad();
            in_time = true;
            continue;
        }
        if (fraction_seen) bad();  // only the last component may carry a fraction
        const bool minus = c.eat('-');
        const std::size_t n = c.digits_ahead();
        if (n == 0 || n > 18) bad();
        const i128 whole = *c.fixed(n);
        i128 frac_num = 0;
        i128 frac_den = 1;
        if (c.peek() == '.' || c.peek() == ',') {
            ++c.pos;
            const std::size_t f = c.digits_ahead();
            if (f == 0 || f > 9) bad();
            frac_num = *c.fixed(f);
            for (std::size_t i = 0; i < f; ++i) frac_den *= 10;
            fraction_seen = true;
        }
        const char unit = static_cast<char>(c.peek() & ~0x20);  // upper case
        ++c.pos;
        int order = 0;
        i128 unit_ns = 0;  // for time-like units
        if (!in_time) {
            switch (unit) {
                case 'Y': order = 0; break;
                case 'M': order = 1; break;
                case 'W': order = 2; unit_ns = 7 * nanos_per_day; break;
                case 'D': order = 3; unit_ns = nanos_per_day; break;
                default: bad();
            }
        } else {
            switch (unit) {
                case 'H': order = 4; unit_ns = 3600 * static_cast<i128>(nanos_per_second); break;
                case 'M': order = 5; unit_ns = 60 * static_cast<i128>(nanos_per_second); break;
                case 'S': order = 6; unit_ns = nanos_per_second; break;
                default: bad();
            }
        }
        if (order <= last_unit) bad();
        last_unit = order;
        any = true;
        const int s = minus ? -1 : 1;
        if (order <= 1) {
            if (frac_num != 0) bad();  // a fraction of a year or month has no exact length
            months += (order == 0 ? whole * 12 : whole) * s;
        } else if (order <= 3) {
            days += whole * (order == 2 ? 7 : 1) * s;
            nanos += frac_num * unit_ns / frac_den * s;
        } else {
            nanos += (whole * unit_ns + frac_num * unit_ns / frac_den) * s;
        }
    }
    if (!any || (in_time && last_unit < 4)) bad();
    bolt::duration d = make_duration(months, days, nanos);
    return negative ? negate_duration(d) : d;
}

// ---- formatting -----------------------------------------------------------------------------------

std::string format_date(const bolt::date& d) {
    const civil_date c = civil_from_days(d.days);
    return fmt::format("{}-{:02}-{:02}", year_text(c.year), c.month, c.day);
}

std::string format_local_time(const bolt::local_time& t) { return time_of_day_text(t.nanoseconds); }

std::string format_time(const bolt::time& t) { return time_of_day_text(t.nanoseconds) + offset_text(t.tz_offset_seconds); }

std::string format_local_date_time(const bolt::local_date_time& t) { return local_text(t.seconds, t.nanoseconds); }

std::string format_date_time(const bolt::date_time& t) {
    return local_text(static_cast<i128>(t.seconds) + t.tz_offset_seconds, t.nanoseconds) + offset_text(t.tz_offset_seconds);
}

std::string format_date_time(const bolt::date_time_zone_id& t) {
    const auto [utc, nanos] = instant_of(bolt::value(t));
    const std::int64_t offset = zone_offset_at(t.tz_id, utc).value_or(0);
    return local_text(static_cast<i128>(utc) + offset, nanos) + offset_text(offset) + "[" + t.tz_id + "]";
}

std::string format_duration(const bolt::duration& d) {
    const i128 ns = duration_ns(d);
    if (d.months == 0 && d.days == 0 && ns == 0) return "PT0S";
    std::string out = "P";
    const auto part = [&out](i128 v, char unit) {
        if (v != 0) out += fmt::format("{}{}", static_cast<std::int64_t>(v), unit);
    };
    part(static_cast<i128>(d.months) / 12, 'Y');
    part(static_cast<i128>(d.months) % 12, 'M');
    part(d.days, 'D');
    if (ns != 0) {
        out += 'T';
        const bool negative = ns < 0;
        const i128 a = negative ? -ns : ns;
        const i128 total_s = a / nanos_per_second;
        const std::int64_t frac = static_cast<std::int64_t>(a % nanos_per_second);
        const char* sign = negative ? "-" : "";
        if (total_s / 3600 != 0) out += fmt::format("{}{}H", sign, static_cast<std::int64_t>(total_s / 3600));
        if (total_s / 60 % 60 != 0) out += fmt::format("{}{}M", sign, static_cast<std::int64_t>(total_s / 60 % 60));
        const std::int64_t secs = static_cast<std::int64_t>(total_s % 60);
        if (secs != 0 || frac != 0) {
            std::string fraction;
            if (frac != 0) {
                fraction = fmt::format(".{:09}", frac);
                while (fraction.back() == '0') fraction.pop_back();
            }
            out += fmt::format("{}{}{}S", sign, secs, fraction);
        }
    }
    return out;
}

std::optional<std::string> format_temporal(const bolt::value& v) {
    switch (v.type()) {
        case bolt::value_type::date: return format_date(v.as<bolt::date>());
        case bolt::value_type::time: return format_time(v.as<bolt::time>());
        case bolt::value_type::local_time: return format_local_time(v.as<bolt::local_time>());
        case bolt::value_type::local_date_time: return format_local_date_time(v.as<bolt::local_date_time>());
        case bolt::value_type::date_time: return format_date_time(v.as<bolt::date_time>());
        case bolt::value_type::date_time_zone_id: return format_date_time(v.as<bolt::date_time_zone_id>());
        case bolt::value_type::duration: return format_duration(v.as<bolt::duration>());
        default: return std::nullopt;
    }
}

// ---- zones ----------------------------------------------------------------------------------------

std::optional<std::int64_t> zone_offset_at(std::string_view zone, std::int64_t utc_seconds) {
    if (auto fixed = fixed_zone_offset(zone)) return fixed;
    const auto rules = find_zone(zone);
    if (!rules) return std::nullopt;
    return rules->offset_at(utc_seconds);
}

std::optional<std::int64_t> local_to_utc(std::string_view zone, std::int64_t local_seconds) {
    if (auto fixed = fixed_zone_offset(zone)) return local_seconds - *fixed;
    const auto rules = find_zone(zone);
    if (!rules) return std::nullopt;
    // Offsets in force a day either side bracket every transition the wall time can fall into.
    const std::int64_t before = rules->offset_at(local_seconds - seconds_per_day);
    const std::int64_t after = rules->offset_at(local_seconds + seconds_per_day);
    std::optional<std::int64_t> best;
    for (const std::int64_t off : {before, after}) {
        if (rules->offset_at(local_seconds - off) == off && (!best || off > *best)) best = off;
    }
    // In a gap no offset fits: the wall time is read with the offset before the gap.
    return local_seconds - best.value_or(before);
}

// ---- arithmetic -----------------------------------------------------------------------------------

bolt::value add_duration(const bolt::value& temporal, const bolt::duration& d, int sign) {
    switch (temporal.type()) {
        case bolt::value_type::date: {
            const i128 days = add_months(temporal.as<bolt::date>().days, static_cast<i128>(d.months) * sign) +
                              (static_cast<i128>(d.days) + duration_ns(d) / nanos_per_day) * sign;
            return bolt::date{narrow(days)};
        }
        case bolt::value_type::local_time: {
            const i128 ns = floor_mod(temporal.as<bolt::local_time>().nanoseconds + duration_ns(d) * sign, nanos_per_day);
            return bolt::local_time{static_cast<std::int64_t>(ns)};
        }
        case bolt::value_type::time: {
            const auto& t = temporal.as<bolt::time>();
            const i128 ns = floor_mod(t.nanoseconds + duration_ns(d) * sign, nanos_per_day);
            return bolt::time{static_cast<std::int64_t>(ns), t.tz_offset_seconds};
        }
        case bolt::value_type::local_date_time: {
            const auto& t = temporal.as<bolt::local_date_time>();
            const auto [s, ns] = shift_local(t.seconds, t.nanoseconds, d, sign);
            return bolt::local_date_time{narrow(s), static_cast<std::int64_t>(ns)};
        }
        case bolt::value_type::date_time: {
            const auto& t = temporal.as<bolt::date_time>();
            const auto [s, ns] = shift_local(static_cast<i128>(t.seconds) + t.tz_offset_seconds, t.nanoseconds, d, sign);
            return bolt::date_time{narrow(s - t.tz_offset_seconds), static_cast<std::int64_t>(ns), t.tz_offset_seconds};
        }
        case bolt::value_type::date_time_zone_id: {
            const auto& t = temporal.as<bolt::date_time_zone_id>();
            const auto [utc, nanos] = instant_of(temporal);
            const std::int64_t offset = zone_offset_at(t.tz_id, utc).value_or(0);
            // Calendar part on the wall clock, time part on the instant line (as java.time does).
            const bolt::duration calendar{d.months, d.days, 0, 0};
            const auto [local, unused] = shift_local(static_cast<i128>(utc) + offset, 0, calendar, sign);
            (void)unused;
            const i128 new_utc = local_to_utc(t.tz_id, narrow(local)).value_or(narrow(local - offset));
            const i128 total_ns = new_utc * nanos_per_second + nanos + duration_ns(d) * sign;
            return bolt::date_time_zone_id{narrow(floor_div(total_ns, nanos_per_second)),
                                           static_cast<std::int64_t>(floor_mod(total_ns, nanos_per_second)), t.tz_id, false};
        }
        default: fail(fmt::format("Cannot add a duration to a value of type {}.", bolt::to_string(temporal.type())));
    }
}

bolt::duration add_durations(const bolt::duration& a, const bolt::duration& b, int sign) {
    return make_duration(static_cast<i128>(a.months) + static_cast<i128>(b.months) * sign,
                         static_cast<i128>(a.days) + static_cast<i128>(b.days) * sign, duration_ns(a) + duration_ns(b) * sign);
}

bolt::duration negate_duration(const bolt::duration& d) {
    return make_duration(-static_cast<i128>(d.months), -static_cast<i128>(d.days), -duration_ns(d));
}

std::optional<bolt::duration> difference(const bolt::value& a, const bolt::value& b) {
    const auto zoned = [](bolt::value_type t) {
        return t == bolt::value_type::date_time || t == bolt::value_type::date_time_zone_id;
    };
    if (zoned(a.type()) && zoned(b.type())) {
        const auto [sa, na] = instant_of(a);
        const auto [sb, nb] = instant_of(b);
        return make_duration(0, 0, (static_cast<i128>(sa) - sb) * nanos_per_second + na - nb);
    }
    if (a.type() != b.type()) return std::nullopt;
    switch (a.type()) {
        case bolt::value_type::date:
            return make_duration(0, static_cast<i128>(a.as<bolt::date>().days) - b.as<bolt::date>().days, 0);
        case bolt::value_type::local_time:
            return make_duration(0, 0, static_cast<i128>(a.as<bolt::local_time>().nanoseconds) - b.as<bolt::local_time>().nanoseconds);
        case bolt::value_type::time: {
            const auto& x = a.as<bolt::time>();
            const auto& y = b.as<bolt::time>();
            return make_duration(0, 0, (static_cast<i128>(x.nanoseconds) - static_cast<i128>(x.tz_offset_seconds) * nanos_per_second) -
                                           (static_cast<i128>(y.nanoseconds) - static_cast<i128>(y.tz_offset_seconds) * nanos_per_second));
        }
        case bolt::value_type::local_date_time: {
            const auto& x = a.as<bolt::local_date_time>();
            const auto& y = b.as<bolt::local_date_time>();
            return make_duration(0, 0, (static_cast<i128>(x.seconds) - y.seconds) * nanos_per_second + x.nanoseconds - y.nanoseconds);
        }
        default: return std::nullopt;
    }
}

std::pair<std::int64_t, std::int64_t> instant_of(const bolt::value& zoned) {
    if (const auto* t = zoned.get_if<bolt::date_time>()) return {t->seconds, t->nanoseconds};
    if (const auto* z = zoned.get_if<bolt::date_time_zone_id>()) {
        if (!z->legacy_local_seconds) return {z->seconds, z->nanoseconds};
        return {local_to_utc(z->tz_id, z->seconds).value_or(z->seconds), z->nanoseconds};
    }
    return {0, 0};
}

}  // namespace server::query::temporal
