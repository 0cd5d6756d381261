// ISO-8601 parsing and formatting of Cypher temporal values (date, localtime, localdatetime,
// datetime with an offset or a zone id, duration), the calendar arithmetic behind
// temporal ± duration, and zone-id offsets read from the system's tz database (TZif files).
// Parse errors throw query_error (client_error_code). Precision: as Memgraph, functions produce
// microseconds; formatting prints what the value holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "bolt/value.hpp"

namespace server::query::temporal {

inline constexpr std::int64_t nanos_per_second = 1'000'000'000;
inline constexpr std::int64_t seconds_per_day = 86'400;

struct civil_date {
    std::int64_t year = 1970;
    std::int64_t month = 1;  // 1..12
    std::int64_t day = 1;    // 1..31
};

/// Days since 1970-01-01 of a proleptic Gregorian date, and back (any year that fits).
std::int64_t days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day);
civil_date civil_from_days(std::int64_t days);
bool is_valid_date(std::int64_t year, std::int64_t month, std::int64_t day);

// ---- parsing (strings) -------------------------------------------------------------------------
// Dates: YYYY-MM-DD, YYYYMMDD, YYYY-MM, YYYYMM, YYYY. Times: hh:mm:ss.fff…, hh:mm:ss, hh:mm,
// hhmmss(.fff…), hhmm, hh. Offsets: Z, ±hh:mm, ±hhmm, ±hh. Zones: [Area/City] after the time.

bolt::date parse_date(std::string_view text);
bolt::local_time parse_local_time(std::string_view text);
/// "<date>T<time>" (a date alone means midnight).
bolt::local_date_time parse_local_date_time(std::string_view text);
/// "<date>T<time>[offset][[zone]]": a bolt::date_time when there is no zone id (no offset means
/// UTC), a bolt::date_time_zone_id when there is one.
bolt::value parse_date_time(std::string_view text);
/// ISO-8601 durations: P[nY][nM][nW][nD][T[nH][nM][n[.f]S]], a leading '-' negates, any number may
/// be negative, the last one may carry a fraction (not years or months: they have no fixed length).
bolt::duration parse_duration(std::string_view text);

// ---- formatting ---------------------------------------------------------------------------------

std::string format_date(const bolt::date& d);                       // 2024-03-05
std::string format_local_time(const bolt::local_time& t);           // 10:15:30.000000
std::string format_time(const bolt::time& t);                       // 10:15:30.000000+01:00
std::string format_local_date_time(const bolt::local_date_time& t); // 2024-03-05T10:15:30.000000
std::string format_date_time(const bolt::date_time& t);             // ...T10:15:30.000000+01:00
std::string format_date_time(const bolt::date_time_zone_id& t);     // ...+01:00[Europe/Berlin]
std::string format_duration(const bolt::duration& d);               // P1Y2M3DT4H5M6.5S, PT0S
/// Any temporal value as its ISO string; nullopt for a non-temporal value.
std::optional<std::string> format_temporal(const bolt::value& v);

// ---- zones --------------------------------------------------------------------------------------

/// The UTC offset (seconds) of `zone` at the UTC instant; nullopt when the zone is unknown.
/// Knows UTC/Z/GMT/Etc/UTC, fixed offsets written as zone ids ("+01:00"), and every zone of the
/// system tz database (/usr/share/zoneinfo, or $TZDIR).
std::optional<std::int64_t> zone_offset_at(std::string_view zone, std::int64_t utc_seconds);
/// The UTC instant of a wall-clock time in `zone` (for a gap or an overlap, the earlier offset
/// wins, as java.time does); nullopt when the zone is unknown.
std::optional<std::int64_t> local_to_utc(std::string_view zone, std::int64_t local_seconds);

// ---- arithmetic ---------------------------------------------------------------------------------

/// temporal + sign·duration for date, local_time, time, local_date_time, date_time and
/// date_time_zone_id: months first on the calendar (day clamped to the month's end), then days,
/// then seconds and nanoseconds (dates keep whole days only; times wrap around midnight).
/// Throws query_error on overflow. `sign` is +1 or -1.
bolt::value add_duration(const bolt::value& temporal, const bolt::duration& d, int sign);
/// Normalised duration arithmetic (nanoseconds in [0, 1e9), seconds carrying the sign).
bolt::duration add_durations(const bolt::duration& a, const bolt::duration& b, int sign);
bolt::duration negate_duration(const bolt::duration& d);
/// a - b for two temporals of the same kind, as a duration (dates: days; others: seconds and
/// nanoseconds); nullopt when the kinds differ or are not temporal.
std::optional<bolt::duration> difference(const bolt::value& a, const bolt::value& b);

/// The instant (UTC seconds, nanoseconds) of a date_time / date_time_zone_id, for comparisons.
std::pair<std::int64_t, std::int64_t> instant_of(const bolt::value& zoned);

}  // namespace server::query::temporal
