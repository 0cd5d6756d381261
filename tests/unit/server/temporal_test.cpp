// ISO-8601 temporal strings in and out, zone ids from the system tz database, and calendar
// arithmetic, as a user writing date(), datetime() and duration() literals sees them.
#include "server/query/temporal.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "server/query/session.hpp"
#include "server/query/value_ops.hpp"

namespace {

using bolt::value;
using namespace server::query;
using namespace server::query::temporal;

std::int64_t days(std::int64_t y, std::int64_t m, std::int64_t d) { return days_from_civil(y, m, d); }

bool throws_query_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const query_error& e) {
        return e.code() == client_error_code;
    }
    return false;
}

TEST(Temporal, CivilCalendarRoundTrips) {
    EXPECT_EQ(days(1970, 1, 1), 0);
    EXPECT_EQ(days(2000, 3, 1), 11017);
    EXPECT_EQ(days(1969, 12, 31), -1);
    for (std::int64_t d = -800'000; d < 800'000; d += 997) {
        const civil_date c = civil_from_days(d);
        EXPECT_EQ(days(c.year, c.month, c.day), d);
    }
    EXPECT_TRUE(is_valid_date(2024, 2, 29));
    EXPECT_FALSE(is_valid_date(2023, 2, 29));
    EXPECT_FALSE(is_valid_date(1900, 2, 29));
    EXPECT_TRUE(is_valid_date(2000, 2, 29));
}

TEST(Temporal, DatesParseInEveryMemgraphForm) {
    EXPECT_EQ(parse_date("2024-03-05").days, days(2024, 3, 5));
    EXPECT_EQ(parse_date("20240305").days, days(2024, 3, 5));
    EXPECT_EQ(parse_date("2024-03").days, days(2024, 3, 1));
    EXPECT_EQ(format_date(parse_date("0000-01-01")), "0000-01-01");
    for (const char* bad : {"", "2024", "2024-13-01", "2023-02-29", "2024-3-5", "2024-03-05x", "24-03-05", "2024/03/05", "１９"})
        EXPECT_TRUE(throws_query_error([&] { parse_date(bad); })) << bad;
}

TEST(Temporal, LocalTimesParseAndKeepMicroseconds) {
    constexpr std::int64_t s = nanos_per_second;
    EXPECT_EQ(parse_local_time("10:15:30").nanoseconds, (10 * 3600 + 15 * 60 + 30) * s);
    EXPECT_EQ(parse_local_time("10:15").nanoseconds, (10 * 3600 + 15 * 60) * s);
    EXPECT_EQ(parse_local_time("10").nanoseconds, 10 * 3600 * s);
    EXPECT_EQ(parse_local_time("101530").nanoseconds, (10 * 3600 + 15 * 60 + 30) * s);
    EXPECT_EQ(parse_local_time("1015").nanoseconds, (10 * 3600 + 15 * 60) * s);
    EXPECT_EQ(parse_local_time("00:00:00.5").nanoseconds, s / 2);
    EXPECT_EQ(parse_local_time("00:00:00.123456789").nanoseconds, 123'456'000);  // microsecond precision
    EXPECT_EQ(format_local_time(parse_local_time("23:59:59.999999")), "23:59:59.999999");
    EXPECT_EQ(format_local_time(bolt::local_time{0}), "00:00:00.000000");
    for (const char* bad : {"24:00", "10:60", "10:15:61", "1:15", "10:15:", "10:15:30.", "10:15:30.1234567890", "ab", "10-15"})
        EXPECT_TRUE(throws_query_error([&] { parse_local_time(bad); })) << bad;
}

TEST(Temporal, LocalDateTimes) {
    const auto t = parse_local_date_time("2024-03-05T10:15:30.25");
    EXPECT_EQ(t.seconds, days(2024, 3, 5) * 86400 + 10 * 3600 + 15 * 60 + 30);
    EXPECT_EQ(t.nanoseconds, 250'000'000);
    EXPECT_EQ(format_local_date_time(t), "2024-03-05T10:15:30.250000");
    EXPECT_EQ(parse_local_date_time("2024-03-05").seconds, days(2024, 3, 5) * 86400);
    EXPECT_EQ(format_local_date_time(bolt::local_date_time{-1, 0}), "1969-12-31T23:59:59.000000");
    for (const char* bad : {"2024-03-05T", "2024-03-05 10:15", "2024-03-05T10:15Z", "T10:15"})
        EXPECT_TRUE(throws_query_error([&] { parse_local_date_time(bad); })) << bad;
}

TEST(Temporal, DateTimesWithOffsets) {
    const std::int64_t local = days(2024, 3, 5) * 86400 + 10 * 3600;
    EXPECT_EQ(parse_date_time("2024-03-05T10:00:00+02:00"), value(bolt::date_time{local - 7200, 0, 7200}));
    EXPECT_EQ(parse_date_time("2024-03-05T10:00:00-0530"), value(bolt::date_time{local + 19800, 0, -19800}));
    EXPECT_EQ(parse_date_time("2024-03-05T10:00:00Z"), value(bolt::date_time{local, 0, 0}));
    EXPECT_EQ(parse_date_time("2024-03-05T10:00"), value(bolt::date_time{local, 0, 0}));  // no offset: UTC
    EXPECT_EQ(format_date_time(bolt::date_time{local - 7200, 5000, 7200}), "2024-03-05T10:00:00.000005+02:00");
    for (const char* bad : {"2024-03-05T10:00:00+25:00", "2024-03-05T10:00:00+02:00x", "2024-03-05T10:00:00[", "2024-03-05T10:00:00[]"})
        EXPECT_TRUE(throws_query_error([&] { parse_date_time(bad); })) << bad;
}

TEST(Temporal, DateTimesWithZoneIds) {
    // Berlin is UTC+1 in winter and UTC+2 in summer.
    const std::int64_t winter = days(2024, 1, 15) * 86400 + 12 * 3600;
    const std::int64_t summer = days(2024, 7, 15) * 86400 + 12 * 3600;
    const value w = parse_date_time("2024-01-15T12:00:00[Europe/Berlin]");
    const value s = parse_date_time("2024-07-15T12:00:00[Europe/Berlin]");
    ASSERT_EQ(w.type(), bolt::value_type::date_time_zone_id);
    EXPECT_EQ(w.as<bolt::date_time_zone_id>().seconds, winter - 3600);
    EXPECT_EQ(s.as<bolt::date_time_zone_id>().seconds, summer - 7200);
    EXPECT_EQ(w.as<bolt::date_time_zone_id>().tz_id, "Europe/Berlin");
    EXPECT_EQ(format_date_time(s.as<bolt::date_time_zone_id>()), "2024-07-15T12:00:00.000000+02:00[Europe/Berlin]");
    EXPECT_EQ(zone_offset_at("America/New_York", winter), -5 * 3600);
    EXPECT_EQ(zone_offset_at("UTC", winter), 0);
    EXPECT_EQ(zone_offset_at("+05:30", winter), 19800);
    EXPECT_EQ(zone_offset_at("No/Such_Zone", winter), std::nullopt);
    EXPECT_EQ(zone_offset_at("../../etc/passwd", winter), std::nullopt);
    // The spring-forward gap (02:30 does not exist on 2024-03-31 in Berlin) reads as 03:30 CEST.
    const std::int64_t gap = days(2024, 3, 31) * 86400 + 2 * 3600 + 1800;
    EXPECT_EQ(local_to_utc("Europe/Berlin", gap), gap - 3600);
    // The autumn overlap (02:30 twice on 2024-10-27) takes the earlier instant (CEST).
    const std::int64_t overlap = days(2024, 10, 27) * 86400 + 2 * 3600 + 1800;
    EXPECT_EQ(local_to_utc("Europe/Berlin", overlap), overlap - 7200);
    EXPECT_TRUE(throws_query_error([] { parse_date_time("2024-01-15T12:00:00[Mars/Olympus]"); }));
    // Beyond the tables' last transition the file's POSIX rule decides, in both hemispheres.
    EXPECT_EQ(zone_offset_at("Europe/Berlin", days(2050, 7, 1) * 86400), 7200);
    EXPECT_EQ(zone_offset_at("Europe/Berlin", days(2050, 1, 1) * 86400), 3600);
    EXPECT_EQ(zone_offset_at("Europe/Berlin", days(2050, 3, 27) * 86400 + 3600), 7200);  // last Sunday of March, 01:00 UTC
    EXPECT_EQ(zone_offset_at("Europe/Berlin", days(2050, 3, 27) * 86400 + 3599), 3600);
    EXPECT_EQ(zone_offset_at("Australia/Sydney", days(2050, 1, 15) * 86400), 11 * 3600);
    EXPECT_EQ(zone_offset_at("Australia/Sydney", days(2050, 7, 15) * 86400), 10 * 3600);
    EXPECT_EQ(zone_offset_at("Asia/Tokyo", days(2100, 7, 15) * 86400), 9 * 3600);
    EXPECT_EQ(parse_date_time("2024-01-15T12:00:00+01:00[Europe/Berlin]"), w);
}

TEST(Temporal, Durations) {
    constexpr std::int64_t s = nanos_per_second;
    EXPECT_EQ(parse_duration("P1Y2M3DT4H5M6.5S"), (bolt::duration{14, 3, 4 * 3600 + 5 * 60 + 6, s / 2}));
    EXPECT_EQ(parse_duration("PT0S"), bolt::duration{});
    EXPECT_EQ(parse_duration("P2W"), (bolt::duration{0, 14, 0, 0}));
    EXPECT_EQ(parse_duration("PT1.5H"), (bolt::duration{0, 0, 5400, 0}));
    EXPECT_EQ(parse_duration("P0.5D"), (bolt::duration{0, 0, 43200, 0}));
    EXPECT_EQ(parse_duration("-P1D"), (bolt::duration{0, -1, 0, 0}));
    EXPECT_EQ(parse_duration("PT-1.5S"), (bolt::duration{0, 0, -2, s / 2}));
    for (const char* bad : {"", "P", "PT", "1D", "P1H", "PT1D", "P1D2Y", "P1.5Y", "PT1.5M2S", "P1DT", "P99999999999999999999D", "PxD"})
        EXPECT_TRUE(throws_query_error([&] { parse_duration(bad); })) << bad;
    EXPECT_EQ(format_duration(bolt::duration{14, 3, 4 * 3600 + 5 * 60 + 6, s / 2}), "P1Y2M3DT4H5M6.5S");
    EXPECT_EQ(format_duration(bolt::duration{}), "PT0S");
    EXPECT_EQ(format_duration(bolt::duration{0, 0, -90, 0}), "PT-1M-30S");
    EXPECT_EQ(format_duration(bolt::duration{0, 0, 0, 1000}), "PT0.000001S");
    for (const char* round_trip : {"P1Y2M3DT4H5M6.5S", "P10D", "PT1H", "P1M", "PT0.25S"})
        EXPECT_EQ(format_duration(parse_duration(round_trip)), round_trip);
}

TEST(Temporal, ArithmeticFollowsTheCalendar) {
    const value jan31 = bolt::date{days(2024, 1, 31)};
    EXPECT_EQ(add_duration(jan31, bolt::duration{1, 0, 0, 0}, 1), value(bolt::date{days(2024, 2, 29)}));  // clamped
    EXPECT_EQ(add_duration(jan31, bolt::duration{0, 1, 0, 0}, -1), value(bolt::date{days(2024, 1, 30)}));
    EXPECT_EQ(add_duration(jan31, bolt::duration{0, 0, 86400 * 2 + 5, 0}, 1), value(bolt::date{days(2024, 2, 2)}));
    EXPECT_EQ(add_duration(bolt::local_time{0}, bolt::duration{0, 0, -1, 0}, 1),
              value(bolt::local_time{86399 * nanos_per_second}));  // wraps around midnight
    const value ldt = bolt::local_date_time{days(2024, 3, 31) * 86400 + 3600, 0};
    EXPECT_EQ(add_duration(ldt, bolt::duration{1, 1, 3600, 500}, 1),
              value(bolt::local_date_time{days(2024, 5, 1) * 86400 + 7200, 500}));
    // A zone-id datetime keeps its wall clock across a DST change when days are added.
    const value before = parse_date_time("2024-03-30T12:00:00[Europe/Berlin]");
    const value after = add_duration(before, bolt::duration{0, 1, 0, 0}, 1);
    EXPECT_EQ(format_temporal(after), "2024-03-31T12:00:00.000000+02:00[Europe/Berlin]");
    EXPECT_EQ(difference(after, before), (bolt::duration{0, 0, 23 * 3600, 0}));
    EXPECT_EQ(difference(bolt::date{5}, bolt::local_time{1}), std::nullopt);
    EXPECT_TRUE(throws_query_error([] { add_duration(bolt::date{0}, bolt::duration{std::numeric_limits<std::int64_t>::max(), 0, 0, 0}, 1); }));
    EXPECT_TRUE(throws_query_error([] { add_durations(bolt::duration{0, 0, std::numeric_limits<std::int64_t>::max(), 0}, bolt::duration{0, 0, 1, 0}, 1); }));
}

TEST(Temporal, FormatsEveryTemporalType) {
    EXPECT_EQ(format_temporal(bolt::date{0}), "1970-01-01");
    EXPECT_EQ(format_temporal(bolt::time{3600 * nanos_per_second, -3600}), "01:00:00.000000-01:00");
    EXPECT_EQ(format_temporal(bolt::local_time{1}), "00:00:00.000000001");
    EXPECT_EQ(format_temporal(bolt::date{days(12000, 1, 1)}), "+12000-01-01");
    EXPECT_EQ(format_temporal(1), std::nullopt);
}

// Random strings built from ISO-ish characters through every parser: errors only, no crash.
TEST(Temporal, ParsersSurviveRandomText) {
    constexpr std::string_view alphabet = "0123456789-:T.Z+PYMWDHS[]/Europe_Berlin ,x";
    std::mt19937_64 rng(11);
    std::size_t parsed = 0;
    for (int i = 0; i < 50'000; ++i) {
        std::string text;
        for (std::size_t n = rng() % 30; n > 0; --n) text += alphabet[rng() % alphabet.size()];
        if (i % 3 == 0) text = "2024-01-01T" + text;
        if (i % 5 == 0) text = "P" + text;
        const auto attempt = [&](auto f) {
            try {
                f();
                ++parsed;
            } catch (const query_error&) {
            }
        };
        attempt([&] { (void)format_date(parse_date(text)); });
        attempt([&] { (void)format_local_time(parse_local_time(text)); });
        attempt([&] { (void)format_local_date_time(parse_local_date_time(text)); });
        attempt([&] { (void)format_temporal(parse_date_time(text)); });
        attempt([&] { (void)format_duration(parse_duration(text)); });
    }
    EXPECT_GT(parsed, 0U);
}

}  // namespace
