// Typed conversion of CSV records into Bolt rows: every column type, nulls, failures with the
// file, line and column a user needs, and row storage reused without allocating.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "boltload/csv.hpp"

namespace {

using namespace boltload;

// A record made of literal fields, as the reader would yield it.
struct fake_record {
    std::vector<std::string_view> fields;
    csv_record record;
    fake_record(std::initializer_list<std::string_view> f, std::uint64_t line = 17) : fields(f) {
        record.fields = fields;
        record.line = line;
        record.file = "users.csv";
    }
};

bolt::value convert(const row_converter& c, std::initializer_list<std::string_view> f) {
    fake_record r(f);
    bolt::value slot;
    c.convert(r.record, slot);
    return slot;
}

std::string failure(const row_converter& c, std::initializer_list<std::string_view> f) {
    fake_record r(f);
    bolt::value slot;
    try {
        c.convert(r.record, slot);
    } catch (const csv_error& e) {
        return e.what();
    }
    return "(converted)";
}

column_spec col(std::string name, column_type t) { return column_spec{.name = std::move(name), .type = t}; }

TEST(convert, integers) {
    std::int64_t v = 0;
    EXPECT_TRUE(parse_int("42", v));
    EXPECT_EQ(v, 42);
    EXPECT_TRUE(parse_int(" -7 ", v));
    EXPECT_EQ(v, -7);
    EXPECT_TRUE(parse_int("+5", v));
    EXPECT_EQ(v, 5);
    EXPECT_TRUE(parse_int("9223372036854775807", v));
    EXPECT_EQ(v, std::numeric_limits<std::int64_t>::max());
    EXPECT_TRUE(parse_int("-9223372036854775808", v));
    EXPECT_EQ(v, std::numeric_limits<std::int64_t>::min());
    for (const char* bad : {"", "abc", "1.5", "12a", "9223372036854775808", "+-1", "++1", "0x10", "1 2"})
        EXPECT_FALSE(parse_int(bad, v)) << bad;
}

TEST(convert, floats) {
    double d = 0;
    EXPECT_TRUE(parse_float("1.5", d));
    EXPECT_EQ(d, 1.5);
    EXPECT_TRUE(parse_float("-2e3", d));
    EXPECT_EQ(d, -2000.0);
    EXPECT_TRUE(parse_float("7", d));
    EXPECT_EQ(d, 7.0);
    EXPECT_TRUE(parse_float("+.25", d));
    EXPECT_EQ(d, 0.25);
    for (const char* bad : {"", "x", "1.2.3", "1e999", "1,5", "--1"}) EXPECT_FALSE(parse_float(bad, d)) << bad;
}

TEST(convert, booleans) {
    bool b = false;
    for (const char* yes : {"true", "TRUE", "True", "1", "yes", "YES"}) {
        b = false;
        EXPECT_TRUE(parse_bool(yes, b) && b) << yes;
    }
    for (const char* no : {"false", "False", "0", "no", "NO"}) {
        b = true;
        EXPECT_TRUE(parse_bool(no, b) && !b) << no;
    }
    for (const char* bad : {"", "t", "2", "yess", "nope"}) EXPECT_FALSE(parse_bool(bad, b)) << bad;
}

TEST(convert, dates) {
    bolt::date d;
    EXPECT_TRUE(parse_date("1970-01-01", d));
    EXPECT_EQ(d.days, 0);
    EXPECT_TRUE(parse_date("2024-02-29", d));
    EXPECT_EQ(d.days, 19782);
    EXPECT_TRUE(parse_date("1969-12-31", d));
    EXPECT_EQ(d.days, -1);
    EXPECT_TRUE(parse_date("2000-03-01", d));
    EXPECT_EQ(d.days, 11017);
    for (const char* bad : {"", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-1", "2024-01-01T00:00", "20240101",
                            "1900-02-29", "2024-04-31"})
        EXPECT_FALSE(parse_date(bad, d)) << bad;
}

TEST(convert, datetimes_with_and_without_offsets) {
    bolt::value v;
    ASSERT_TRUE(parse_datetime("2024-05-01T12:30:15+02:00", v));
    EXPECT_EQ(v, bolt::value(bolt::date_time{1714559415, 0, 7200}));
    ASSERT_TRUE(parse_datetime("2024-05-01T10:30:15Z", v));
    EXPECT_EQ(v, bolt::value(bolt::date_time{1714559415, 0, 0}));
    ASSERT_TRUE(parse_datetime("2024-05-01T05:00:15.25-0530", v));
    EXPECT_EQ(v, bolt::value(bolt::date_time{1714559415, 250000000, -19800}));
    ASSERT_TRUE(parse_datetime("2024-05-01 10:30:15.123456789", v));
    EXPECT_EQ(v, bolt::value(bolt::local_date_time{1714559415, 123456789}));
    ASSERT_TRUE(parse_datetime("2024-05-01T10:30", v));
    EXPECT_EQ(v, bolt::value(bolt::local_date_time{1714559400, 0}));
    ASSERT_TRUE(parse_datetime("2024-05-01", v));
    EXPECT_EQ(v, bolt::value(bolt::local_date_time{1714521600, 0}));
    ASSERT_TRUE(parse_datetime("2024-05-01T10:30:00+05", v));
    EXPECT_EQ(v.as<bolt::date_time>().tz_offset_seconds, 18000);
    for (const char* bad : {"", "2024-05-01T25:00", "2024-05-01T10:60", "2024-05-01T10:30:00+19:00", "2024-05-01X10:30",
                            "2024-05-01T10:30:00[Europe/Berlin]", "2024-05-01T10:30:00.", "2024-05-01T10:30:00+2"})
        EXPECT_FALSE(parse_datetime(bad, v)) << bad;
}

TEST(convert, a_row_of_every_type) {
    csv_spec spec;
    spec.columns = {col("id", column_type::integer), col("score", column_type::float_), col("name", column_type::string_),
                    col("active", column_type::boolean), col("born", column_type::date),
                    col("seen", column_type::datetime), col("internal", column_type::skip),
                    column_spec{.name = "tags", .type = column_type::list, .element_type = column_type::integer, .list_separator = '|'}};
    const row_converter c(spec, {});
    EXPECT_EQ(c.field_count(), 8u);
    const bolt::value row = convert(c, {"7", "2.5", "Ann", "yes", "2000-01-02", "2000-01-02T03:04:05Z", "dropped", "1|2|3"});
    const bolt::map expected{{"id", 7},
                             {"score", 2.5},
                             {"name", "Ann"},
                             {"active", true},
                             {"born", bolt::date{10958}},
                             {"seen", bolt::date_time{946782245, 0, 0}},
                             {"tags", bolt::list{1, 2, 3}}};
    EXPECT_EQ(row, bolt::value(expected));
    EXPECT_FALSE(row.as<bolt::map>().contains("internal"));
    // Keys keep the column order.
    std::vector<std::string> keys;
    for (const auto& [k, v] : row.as<bolt::map>()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"id", "score", "name", "active", "born", "seen", "tags"}));
}

TEST(convert, empty_fields_become_null_or_fail_when_nulls_are_off) {
    csv_spec spec;
    spec.columns = {col("a", column_type::integer), col("s", column_type::string_),
                    column_spec{.name = "strict", .type = column_type::integer, .null_on_empty = false},
                    column_spec{.name = "text", .type = column_type::string_, .null_on_empty = false},
                    column_spec{.name = "l", .type = column_type::list, .null_on_empty = false}};
    const row_converter c(spec, {});
    EXPECT_EQ(failure(c, {"", "", "", "", ""}),
              "users.csv:17: column 'strict' (3): expected an integer, got \"\"");
    const bolt::value row = convert(c, {"", "", "1", "", ""});
    EXPECT_EQ(row, bolt::value(bolt::map{{"a", bolt::null}, {"s", bolt::null}, {"strict", 1}, {"text", ""}, {"l", bolt::list{}}}));
}

TEST(convert, failures_name_file_line_and_column) {
    csv_spec spec;
    spec.columns = {col("name", column_type::string_), col("x", column_type::skip), col("age", column_type::integer),
                    col("score", column_type::float_), col("ok", column_type::boolean), col("d", column_type::date),
                    col("t", column_type::datetime),
                    column_spec{.name = "tags", .type = column_type::list, .element_type = column_type::integer}};
    const row_converter c(spec, {});
    EXPECT_EQ(failure(c, {"a", "", "abc", "1", "true", "2000-01-01", "2000-01-01T00:00", "1"}),
              "users.csv:17: column 'age' (3): expected an integer, got \"abc\"");
    EXPECT_EQ(failure(c, {"a", "", "99999999999999999999", "1", "true", "2000-01-01", "2000-01-01T00:00", "1"}),
              "users.csv:17: column 'age' (3): integer out of range: \"99999999999999999999\"");
    EXPECT_EQ(failure(c, {"a", "", "1", "1,5", "true", "2000-01-01", "2000-01-01T00:00", "1"}),
              "users.csv:17: column 'score' (4): expected a float, got \"1,5\"");
    EXPECT_EQ(failure(c, {"a", "", "1", "1e400", "true", "2000-01-01", "2000-01-01T00:00", "1"}),
              "users.csv:17: column 'score' (4): float out of range: \"1e400\"");
    EXPECT_EQ(failure(c, {"a", "", "1", "1", "maybe", "2000-01-01", "2000-01-01T00:00", "1"}),
              "users.csv:17: column 'ok' (5): expected a boolean (true/false, 1/0, yes/no), got \"maybe\"");
    EXPECT_EQ(failure(c, {"a", "", "1", "1", "no", "01/02/2000", "2000-01-01T00:00", "1"}),
              "users.csv:17: column 'd' (6): expected a date (YYYY-MM-DD), got \"01/02/2000\"");
    EXPECT_NE(failure(c, {"a", "", "1", "1", "no", "2000-01-01", "yesterday", "1"})
                  .find("users.csv:17: column 't' (7): expected an ISO-8601 datetime"),
              std::string::npos);
    EXPECT_EQ(failure(c, {"a", "", "1", "1", "no", "2000-01-01", "2000-01-01T00:00", "1;x;3"}),
              "users.csv:17: column 'tags' (8): element 2: expected an integer, got \"x\"");
    EXPECT_EQ(failure(c, {"a", "b"}),
              "users.csv:17: expected 8 fields, found 2: the record ends before field 3 ('age')");
    EXPECT_EQ(failure(c, {"a", "", "1", "1", "no", "2000-01-01", "2000-01-01T00:00", "1", "extra"}),
              "users.csv:17: expected 8 fields, found 9: field 9 is one too many");
    // Long and odd values are shown escaped and cut short.
    const std::string longv(100, 'z');
    const std::string msg = failure(c, {"a", "", longv, "1", "no", "2000-01-01", "2000-01-01T00:00", "1"});
    EXPECT_NE(msg.find("got \"" + std::string(60, 'z') + "\"..."), std::string::npos);
    EXPECT_NE(failure(c, {"a", "", "a\"b\n", "1", "no", "2000-01-01", "2000-01-01T00:00", "1"}).find("got \"a\\\"b\\n\""),
              std::string::npos);
    try {
        fake_record r({"a", "", "x", "1", "no", "2000-01-01", "2000-01-01T00:00", "1"}, 99);
        bolt::value slot;
        c.convert(r.record, slot);
        FAIL();
    } catch (const csv_error& e) {
        EXPECT_EQ(e.file(), "users.csv");
        EXPECT_EQ(e.line(), 99u);
        EXPECT_EQ(e.column(), 3u);
    }
}

TEST(convert, invalid_utf8_in_a_string_column_is_an_error_naming_the_column) {
    csv_spec spec;
    spec.columns = {col("id", column_type::integer), col("name", column_type::string_),
                    column_spec{.name = "tags", .type = column_type::list}};
    const row_converter c(spec, {});
    EXPECT_EQ(failure(c, {"1", "ab\xff", "x"}),
              "users.csv:17: column 'name' (2): invalid UTF-8 at byte 3 of the field (0xff): expected UTF-8 text");
    EXPECT_EQ(failure(c, {"1", "caf\xc3", "x"}),  // cut inside a sequence
              "users.csv:17: column 'name' (2): invalid UTF-8 at byte 4 of the field (0xc3): expected UTF-8 text");
    EXPECT_EQ(failure(c, {"1", "\xed\xa0\x80", "x"}).substr(0, 37), "users.csv:17: column 'name' (2): inva");  // a surrogate
    EXPECT_EQ(failure(c, {"1", "\xc0\xaf", "x"}).substr(0, 37), "users.csv:17: column 'name' (2): inva");  // overlong
    EXPECT_EQ(failure(c, {"1", "ok", "a;\x80"}),
              "users.csv:17: column 'tags' (3): element 2: invalid UTF-8 at byte 1 of the field (0x80): expected UTF-8 "
              "text");
    // Valid text of every length passes, ASCII or not.
    EXPECT_EQ(convert(c, {"1", "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80 and a longer ASCII tail", ""}),
              bolt::value(bolt::map{{"id", 1}, {"name", "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80 and a longer ASCII tail"},
                                    {"tags", bolt::null}}));
}

TEST(convert, lists_split_on_the_separator) {
    csv_spec spec;
    spec.columns = {column_spec{.name = "s", .type = column_type::list},
                    column_spec{.name = "f", .type = column_type::list, .element_type = column_type::float_, .list_separator = ','},
                    column_spec{.name = "b", .type = column_type::list, .element_type = column_type::boolean}};
    const row_converter c(spec, {});
    EXPECT_EQ(convert(c, {"a;b;;c", "1.5,2", "yes;0"}),
              bolt::value(bolt::map{{"s", bolt::list{"a", "b", bolt::null, "c"}}, {"f", bolt::list{1.5, 2.0}}, {"b", bolt::list{true, false}}}));
    EXPECT_EQ(convert(c, {"single", "", "true"}),
              bolt::value(bolt::map{{"s", bolt::list{"single"}}, {"f", bolt::null}, {"b", bolt::list{true}}}));
}

TEST(convert, header_names_columns_and_spec_names_win) {
    csv_spec only_header;
    const std::vector<std::string> header{"id", "name"};
    EXPECT_EQ(convert(row_converter(only_header, header), {"1", "x"}), bolt::value(bolt::map{{"id", "1"}, {"name", "x"}}));
    csv_spec typed;
    typed.columns = {column_spec{.type = column_type::integer}, column_spec{.name = "label"}};
    EXPECT_EQ(convert(row_converter(typed, header), {"1", "x"}), bolt::value(bolt::map{{"id", 1}, {"label", "x"}}));
    EXPECT_THROW(row_converter(csv_spec{}, {}), std::invalid_argument);
    const std::vector<std::string> dup{"a", "a"};
    EXPECT_THROW(row_converter(csv_spec{}, dup), std::invalid_argument);
}

TEST(convert, rows_are_reused_without_allocating) {
    csv_spec spec;
    spec.columns = {col("id", column_type::integer), col("name", column_type::string_), col("score", column_type::float_),
                    column_spec{.name = "tags", .type = column_type::list, .element_type = column_type::integer}};
    const row_converter c(spec, {});
    fake_record a({"1", "a fairly long name beyond SSO", "1.5", "1;2;3"});
    fake_record b({"2", "another long name beyond SSO!", "2.5", "4;5;6"});
    bolt::list rows;
    for (std::size_t i = 0; i < 100; ++i) c.convert_into(i % 2 ? b.record : a.record, rows, i);
    ASSERT_EQ(rows.size(), 100u);
    {
        allocation_counter::scope counting;
        for (int batch = 0; batch < 10; ++batch)
            for (std::size_t i = 0; i < 100; ++i) c.convert_into((i + batch) % 2 ? b.record : a.record, rows, i);
        EXPECT_EQ(counting.count(), 0u);
    }
    EXPECT_EQ(rows[1], bolt::value(bolt::map{{"id", 1}, {"name", "a fairly long name beyond SSO"}, {"score", 1.5},
                                              {"tags", bolt::list{1, 2, 3}}}));
}

}  // namespace
