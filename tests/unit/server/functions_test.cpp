// The scalar functions a Cypher user calls (size, toInteger, split, date(), duration(), ...):
// results for each input kind, null handling, and Memgraph's argument errors.
#include "server/query/functions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "server/query/session.hpp"
#include "server/query/temporal.hpp"

namespace {

using bolt::value;
using namespace server::query;

value call(std::string_view name, std::vector<value> args, function_context ctx = {}) {
    return call_value_function(name, args, ctx);
}

std::string error_of(std::string_view name, std::vector<value> args) {
    try {
        call(name, std::move(args));
    } catch (const query_error& e) {
        EXPECT_EQ(e.code(), client_error_code);
        return e.what();
    }
    return "<no error>";
}

struct fn_case {
    std::string_view name;
    std::vector<value> args;
    value expected;
};

void run_table(const std::vector<fn_case>& cases) {
    for (const auto& c : cases) {
        std::string shown;
        for (const auto& a : c.args) shown += bolt::to_string(a) + ", ";
        EXPECT_EQ(call(c.name, c.args), c.expected) << c.name << "(" << shown << ")";
    }
}

TEST(Functions, KnowsItsNames) {
    for (const char* name : {"coalesce", "range", "head", "last", "size", "abs", "tointeger", "tofloat", "tostring", "toupper",
                             "tolower", "trim", "split", "keys", "properties", "date", "localtime", "localdatetime",
                             "datetime", "duration"})
        EXPECT_TRUE(is_value_function(name)) << name;
    EXPECT_FALSE(is_value_function("id"));  // graph functions are the executor's
    EXPECT_FALSE(is_value_function("toInteger"));  // callers pass lower case
    EXPECT_EQ(error_of("nosuch", {}), "Function 'nosuch' doesn't exist.");
    EXPECT_EQ(find_value_function("nosuch"), nullptr);
    const value_function head = find_value_function("head");  // resolved once, called per row
    ASSERT_NE(head, nullptr);
    const std::vector<value> args{value(bolt::list{5, 6})};
    EXPECT_EQ(head(args, {}), value(5));
}

TEST(Functions, ListAndScalarFunctions) {
    run_table({
        {"coalesce", {value(), value(), 3, 4}, 3},
        {"coalesce", {value()}, value()},
        {"range", {1, 4}, bolt::list{1, 2, 3, 4}},
        {"range", {0, 10, 4}, bolt::list{0, 4, 8}},
        {"range", {5, 1, -2}, bolt::list{5, 3, 1}},
        {"range", {5, 1}, bolt::list{}},
        {"range", {1, value()}, value()},
        {"range", {9223372036854775806LL, 9223372036854775807LL}, bolt::list{9223372036854775806LL, 9223372036854775807LL}},
        {"head", {value(bolt::list{1, 2})}, 1},
        {"head", {value(bolt::list{})}, value()},
        {"head", {value()}, value()},
        {"last", {value(bolt::list{1, 2})}, 2},
        {"tail", {value(bolt::list{1, 2})}, bolt::list{2}},
        {"size", {value(bolt::list{1, 2, 3})}, 3},
        {"size", {"héllo"}, 6},  // bytes, as Memgraph counts
        {"size", {bolt::map{{"a", 1}}}, 1},
        {"size", {value()}, value()},
        {"abs", {-3}, 3},
        {"abs", {-2.5}, 2.5},
        {"abs", {value()}, value()},
        {"ceil", {1.2}, 2.0},
        {"floor", {-1.2}, -2.0},
        {"round", {2.5}, 3.0},
        {"sqrt", {16}, 4.0},
        {"sign", {-7}, -1},
        {"keys", {bolt::map{{"b", 1}, {"a", 2}}}, bolt::list{"b", "a"}},
        {"keys", {value()}, value()},
        {"properties", {bolt::map{{"a", 1}}}, bolt::map{{"a", 1}}},
        {"values", {bolt::map{{"a", 1}}}, bolt::list{1}},
        {"isempty", {""}, true},
        {"valuetype", {1.5}, "FLOAT"},
    });
}

TEST(Functions, Conversions) {
    run_table({
        {"tointeger", {"42"}, 42},
        {"tointeger", {" 42 "}, 42},
        {"tointeger", {"4.9"}, 4},
        {"tointeger", {"-4.9"}, -4},
        {"tointeger", {"9007199254740993"}, 9007199254740993LL},  // exact beyond 2^53
        {"tointeger", {"abc"}, value()},
        {"tointeger", {""}, value()},
        {"tointeger", {3.99}, 3},
        {"tointeger", {1e300}, value()},
        {"tointeger", {std::nan("")}, value()},
        {"tointeger", {true}, 1},
        {"tointeger", {value()}, value()},
        {"tofloat", {"1.5"}, 1.5},
        {"tofloat", {"1e3"}, 1000.0},
        {"tofloat", {"x1"}, value()},
        {"tofloat", {2}, 2.0},
        {"toboolean", {"TRUE"}, true},
        {"toboolean", {"f"}, false},
        {"toboolean", {"maybe"}, value()},
        {"toboolean", {0}, false},
        {"tostring", {42}, "42"},
        {"tostring", {1.5}, "1.5"},
        {"tostring", {2.0}, "2.0"},
        {"tostring", {true}, "true"},
        {"tostring", {"s"}, "s"},
        {"tostring", {value()}, value()},
        {"tostring", {bolt::date{0}}, "1970-01-01"},
        {"tostring", {bolt::duration{0, 1, 3600, 0}}, "P1DT1H"},
        {"tostring", {bolt::local_date_time{0, 0}}, "1970-01-01T00:00:00.000000"},
    });
}

TEST(Functions, Strings) {
    run_table({
        {"toupper", {"abC1"}, "ABC1"},
        {"tolower", {"AbC"}, "abc"},
        {"toupper", {value()}, value()},
        {"trim", {"  a b \t\n"}, "a b"},
        {"ltrim", {"  a "}, "a "},
        {"rtrim", {"  a "}, "  a"},
        {"split", {"a,b,,c", ","}, bolt::list{"a", "b", "", "c"}},
        {"split", {"abc", "bc"}, bolt::list{"a", ""}},
        {"split", {"", ","}, bolt::list{""}},
        {"split", {"añb", ""}, bolt::list{"a", "ñ", "b"}},
        {"split", {"a", value()}, value()},
        {"replace", {"aXbX", "X", "yy"}, "ayybyy"},
        {"substring", {"hello", 1, 3}, "ell"},
        {"substring", {"hello", 10}, ""},
        {"left", {"hello", 2}, "he"},
        {"right", {"hello", 2}, "lo"},
        {"reverse", {"añb"}, "bña"},
    });
}

TEST(Functions, ArgumentErrorsUseMemgraphsWording) {
    EXPECT_EQ(error_of("tointeger", {}), "'toInteger' requires exactly 1 argument.");
    EXPECT_EQ(error_of("tointeger", {1, 2}), "'toInteger' requires exactly 1 argument.");
    EXPECT_EQ(error_of("split", {"a"}), "'split' requires exactly 2 arguments.");
    EXPECT_EQ(error_of("range", {1}), "'range' requires between 2 and 3 arguments.");
    EXPECT_EQ(error_of("pi", {1}), "'pi' requires no arguments.");
    EXPECT_EQ(error_of("coalesce", {}), "'coalesce' requires at least one argument.");
    EXPECT_EQ(error_of("head", {1}), "'head' argument at position 1 must be either 'null' or 'list'.");
    EXPECT_EQ(error_of("size", {1}),
              "'size' argument at position 1 must be either 'null', 'list', 'string', 'map' or 'path'.");
    EXPECT_EQ(error_of("tointeger", {value(bolt::list{})}),
              "'toInteger' argument at position 1 must be either 'null', 'boolean', 'number' or 'string'.");
    EXPECT_EQ(error_of("range", {1, 5, 0}), "Optional 'range' argument at position 3 must be either 'null' or 'non-zero integer'.");
    EXPECT_EQ(error_of("range", {"a", 5}), "'range' argument at position 1 must be either 'null' or 'integer'.");
    EXPECT_EQ(error_of("substring", {"abc", -1}), "'substring' argument at position 2 must be 'non-negative integer'.");
    EXPECT_EQ(error_of("abs", {std::numeric_limits<std::int64_t>::min()}), "Integer overflow for 'abs'.");
    EXPECT_EQ(error_of("range", {0, 1'000'000'000'000LL}), "'range' would create more than 10000000 elements.");
    EXPECT_EQ(error_of("keys", {1}), "'keys' argument at position 1 must be either 'null', 'node', 'relationship' or 'map'.");
}

TEST(Functions, TemporalConstructorsFromStringsAndMaps) {
    using temporal::days_from_civil;
    run_table({
        {"date", {"2024-03-05"}, bolt::date{days_from_civil(2024, 3, 5)}},
        {"date", {bolt::map{{"year", 2024}, {"month", 2}, {"day", 29}}}, bolt::date{days_from_civil(2024, 2, 29)}},
        {"date", {bolt::map{{"year", 2024}}}, bolt::date{days_from_civil(2024, 1, 1)}},
        {"date", {value()}, value()},
        {"date", {bolt::local_date_time{days_from_civil(2024, 3, 5) * 86400 + 100, 0}}, bolt::date{days_from_civil(2024, 3, 5)}},
        {"date", {bolt::date_time{days_from_civil(2024, 3, 5) * 86400 - 3600, 0, 7200}}, bolt::date{days_from_civil(2024, 3, 5)}},
        {"localtime", {"12:30"}, bolt::local_time{(12 * 3600 + 30 * 60) * temporal::nanos_per_second}},
        {"localtime", {bolt::map{{"hour", 1}, {"millisecond", 5}}}, bolt::local_time{3600 * temporal::nanos_per_second + 5'000'000}},
        {"localdatetime", {"2024-03-05T12:00:00"}, bolt::local_date_time{days_from_civil(2024, 3, 5) * 86400 + 12 * 3600, 0}},
        {"localdatetime", {bolt::map{{"year", 2024}, {"month", 3}, {"day", 5}, {"hour", 12}}},
         bolt::local_date_time{days_from_civil(2024, 3, 5) * 86400 + 12 * 3600, 0}},
        {"datetime", {"2024-03-05T12:00:00+01:00"}, bolt::date_time{days_from_civil(2024, 3, 5) * 86400 + 11 * 3600, 0, 3600}},
        {"datetime", {bolt::map{{"year", 2024}, {"month", 3}, {"day", 5}, {"hour", 12}, {"timezone", 60}}},
         bolt::date_time{days_from_civil(2024, 3, 5) * 86400 + 11 * 3600, 0, 3600}},
        {"datetime", {bolt::map{{"year", 2024}, {"month", 1}, {"day", 15}, {"hour", 12}, {"timezone", "Europe/Berlin"}}},
         bolt::date_time_zone_id{days_from_civil(2024, 1, 15) * 86400 + 11 * 3600, 0, "Europe/Berlin", false}},
        {"duration", {"P1DT2H"}, bolt::duration{0, 1, 7200, 0}},
        {"duration", {bolt::map{{"day", 1}, {"hour", 2}}}, bolt::duration{0, 1, 7200, 0}},
        {"duration", {bolt::map{{"day", 1.5}}}, bolt::duration{0, 1, 43200, 0}},
        {"duration", {bolt::map{{"second", -1}, {"microsecond", 5}}}, bolt::duration{0, 0, -1, 5000}},
        {"duration", {bolt::map{{"year", 1}, {"month", 2}}}, bolt::duration{14, 0, 0, 0}},
        {"duration", {value()}, value()},
    });
}

TEST(Functions, TemporalErrors) {
    EXPECT_EQ(error_of("date", {bolt::map{{"yaer", 2024}}}), "Unknown key 'yaer'.");
    EXPECT_EQ(error_of("date", {bolt::map{{"year", "2024"}}}), "Invalid value for key 'year'. Expected an integer.");
    EXPECT_EQ(error_of("date", {bolt::map{{"year", 2023}, {"month", 2}, {"day", 29}}}),
              "Invalid date: year 2023, month 2, day 29 (years 0 to 9999).");
    EXPECT_EQ(error_of("localtime", {bolt::map{{"hour", 24}}}),
              "Invalid local time: hour 24, minute 0, second 0, millisecond 0, microsecond 0.");
    EXPECT_EQ(error_of("duration", {bolt::map{{"days", 1}}}), "Unknown key 'days'.");
    EXPECT_EQ(error_of("duration", {bolt::map{{"day", "x"}}}), "Invalid value for key 'day'. Expected a numeric value.");
    EXPECT_EQ(error_of("duration", {1}), "'duration' argument at position 1 must be either 'null', 'string' or 'map'.");
    EXPECT_EQ(error_of("date", {1}),
              "Optional 'date' argument at position 1 must be either 'null', 'string', 'map', 'Date', 'LocalDateTime' or "
              "'ZonedDateTime'.");
    EXPECT_EQ(error_of("datetime", {bolt::map{{"timezone", "Nowhere/Land"}}}), "Unknown time zone 'Nowhere/Land'.");
    for (const char* bad : {"2024-13-01", "yesterday", ""}) EXPECT_NE(error_of("date", {bad}), "<no error>") << bad;
    EXPECT_NE(error_of("duration", {"P1H"}), "<no error>");
    // A Bolt Time (with offset) that a client sent: printable, its local part readable, not a datetime.
    const value time = bolt::time{3600 * temporal::nanos_per_second, 7200};
    EXPECT_EQ(call("tostring", {time}), value("01:00:00.000000+02:00"));
    EXPECT_EQ(call("localtime", {time}), value(bolt::local_time{3600 * temporal::nanos_per_second}));
    EXPECT_EQ(error_of("localdatetime", {time}),
              "Optional 'localdatetime' argument at position 1 must be either 'null', 'string', 'map', 'LocalDateTime' or "
              "'ZonedDateTime'.");
    EXPECT_NE(error_of("localtime", {"25:00"}), "<no error>");
    EXPECT_NE(error_of("datetime", {"2024-01-01T00:00:00+99:00"}), "<no error>");
}

TEST(Functions, NowUsesTheContextsInstant) {
    function_context ctx;
    const std::int64_t now_s = temporal::days_from_civil(2024, 3, 5) * 86400 + 12 * 3600 + 30 * 60;
    ctx.now_utc_ns = now_s * temporal::nanos_per_second + 123'456'789;
    EXPECT_EQ(call("date", {}, ctx), value(bolt::date{temporal::days_from_civil(2024, 3, 5)}));
    EXPECT_EQ(call("localtime", {}, ctx), value(bolt::local_time{(12 * 3600 + 30 * 60) * temporal::nanos_per_second + 123'456'000}));
    EXPECT_EQ(call("localdatetime", {}, ctx), value(bolt::local_date_time{now_s, 123'456'000}));
    EXPECT_EQ(call("datetime", {}, ctx), value(bolt::date_time{now_s, 123'456'000, 0}));
    const value berlin = call("datetime", {bolt::map{{"timezone", "Europe/Berlin"}}}, ctx);
    EXPECT_EQ(temporal::format_temporal(berlin), "2024-03-05T13:30:00.123456+01:00[Europe/Berlin]");
    // Without a context instant, "now" is the system clock: after 2020 at least.
    EXPECT_GT(call("date", {}).as<bolt::date>().days, temporal::days_from_civil(2020, 1, 1));
}

// Every function with random arguments of every kind: errors are fine, crashes are not.
TEST(Functions, RandomArgumentsNeverCrash) {
    const std::vector<value> pool{
        value(), true, 0, -1, 7, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 0.5,
        std::nan(""), -1e308, "", " 12 ", "2024-02-29", "P1D", "12:00", "2024-01-01T00:00[Europe/Berlin]", "a,b",
        value(bolt::list{}), value(bolt::list{1, "x", value()}), bolt::map{}, bolt::map{{"year", 2024}, {"day", 40}},
        bolt::map{{"timezone", "Europe/Berlin"}}, bolt::map{{"day", 1e300}}, bolt::date{-1'000'000'000},
        bolt::local_time{1}, bolt::local_date_time{std::numeric_limits<std::int64_t>::max(), 999'999'999},
        bolt::date_time{std::numeric_limits<std::int64_t>::min(), 0, 64800}, bolt::duration{1, 2, 3, 4},
        bolt::date_time_zone_id{0, 0, "../../x", false}, bolt::point2d{7203, 1, 2}, bolt::node{1, {}, {{"k", 1}}, "1"}};
    const std::vector<std::string_view> names{
        "coalesce", "range", "head", "last", "tail", "size", "length", "isempty", "abs", "ceil", "floor", "round", "sqrt",
        "exp", "log", "log10", "sign", "e", "pi", "tointeger", "tofloat", "toboolean", "tostring", "toupper", "tolower",
        "trim", "ltrim", "rtrim", "reverse", "split", "replace", "substring", "left", "right", "keys", "values",
        "properties", "valuetype", "date", "localtime", "localdatetime", "datetime", "duration"};
    for (const auto name : names) ASSERT_TRUE(is_value_function(name)) << name;
    std::mt19937_64 rng(7);
    std::size_t calls = 0;
    for (int i = 0; i < 30'000; ++i) {
        std::vector<value> args(rng() % 4);
        for (auto& a : args) a = pool[rng() % pool.size()];
        const auto name = names[rng() % names.size()];
        try {
            (void)call(name, args);
            ++calls;
        } catch (const query_error&) {
        }
    }
    EXPECT_GT(calls, 0U);
}

}  // namespace
