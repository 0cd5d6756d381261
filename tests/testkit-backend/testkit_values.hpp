// Testkit's Cypher value encoding (CypherInt, CypherMap, Node, CypherDateTime, ...) to and from
// bolt::value, plus the time-zone look-ups the temporal encodings need.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bolt/value.hpp"

namespace testkit {

using json = nlohmann::json;

/// A value testkit sent that bolt::value cannot hold, or a received value testkit cannot be told
/// about (an unknown time zone, an unknown point SRID). Reported to testkit as a DriverError:
/// it is the "driver" (client plus this backend's value mapping) that rejects the value.
class conversion_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// How a CypherDateTime with a zone id becomes a bolt::date_time_zone_id: seconds since the epoch
/// in UTC (Bolt 5+, 4.3/4.4 with the utc patch) or local wall-clock seconds (legacy layout).
enum class zoned_layout { utc, legacy };

/// One Cypher value from its testkit encoding ({"name": "CypherInt", "data": {"value": 1}}).
/// Throws conversion_error on an unknown name or malformed data.
bolt::value from_testkit(const json& cypher_value, zoned_layout layout = zoned_layout::utc);

/// A JSON object of name -> Cypher value (query parameters, tx metadata); null gives an empty map.
bolt::map from_testkit_map(const json& object, zoned_layout layout = zoned_layout::utc);

/// The testkit encoding of a value. Throws conversion_error for a zone id the time-zone database
/// does not know and for a point whose SRID is neither cartesian nor WGS-84.
json to_testkit(const bolt::value& v);

/// A map as a JSON object of Cypher values (summary parameters, node properties' payload).
json to_testkit_object(const bolt::map& m);

/// Plain JSON for values testkit expects unencoded (plan and profile trees).
json to_plain_json(const bolt::value& v);

// ---- calendar and time-zone helpers ----------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date; nullopt when the date does not exist.
std::optional<std::int64_t> days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day);

struct civil_date {
    std::int64_t year = 1970;
    std::int64_t month = 1;
    std::int64_t day = 1;
};
civil_date civil_from_days(std::int64_t days);

/// The UTC offset (seconds east) in zone `tz_id` at the UTC instant `utc_seconds`; nullopt when
/// the zone is unknown. Accepts IANA names (looked up in $TZDIR or /usr/share/zoneinfo) and fixed
/// offsets written "+HH:MM" / "-HH:MM".
std::optional<std::int64_t> zone_offset_at_utc(std::string_view tz_id, std::int64_t utc_seconds);

/// The UTC offset in zone `tz_id` for the wall-clock time `local_seconds` (as if it were UTC).
/// For a time that occurs twice or never, the C library's choice (mktime with tm_isdst = -1).
std::optional<std::int64_t> zone_offset_at_local(std::string_view tz_id, std::int64_t local_seconds);

}  // namespace testkit
