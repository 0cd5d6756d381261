// The value model: map semantics (order kept, last duplicate wins, order-insensitive equality),
// typed access and its errors, value semantics of boxed types, and the Cypher-like rendering.
#include "bolt/value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace bolt {
namespace {

// ---- map -----------------------------------------------------------------------------------------

std::vector<std::string> keys_of(const map& m) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : m) keys.push_back(k);
    return keys;
}

TEST(value_map, keeps_insertion_order_and_last_duplicate_wins) {
    const map m{{"b", 1}, {"a", 2}, {"b", 3}};
    EXPECT_EQ(m.size(), 2u);
    EXPECT_EQ(keys_of(m), (std::vector<std::string>{"b", "a"}));
    EXPECT_EQ(m.at("b"), value(3));
}

TEST(value_map, lookups) {
    map m{{"name", "Alice"}, {"age", 42}};
    ASSERT_NE(m.find("age"), nullptr);
    EXPECT_EQ(*m.find("age"), value(42));
    EXPECT_EQ(m.find("missing"), nullptr);
    EXPECT_TRUE(m.contains("name"));
    EXPECT_FALSE(m.contains("Name"));
    EXPECT_EQ(m.at("name"), value("Alice"));
    EXPECT_THROW((void)m.at("missing"), std::out_of_range);
    const map& cm = m;
    EXPECT_EQ(cm.find("name")->as<std::string>(), "Alice");

    *m.find("age") = 43;
    EXPECT_EQ(m.at("age"), value(43));
}

TEST(value_map, subscript_inserts_null_like_std_map) {
    map m;
    EXPECT_TRUE(m["x"].is_null());
    EXPECT_EQ(m.size(), 1u);
    m["x"] = 5;
    m["y"] = "z";
    EXPECT_EQ(m, (map{{"x", 5}, {"y", "z"}}));
}

TEST(value_map, set_replaces_in_place_and_append_does_not_check) {
    map m{{"a", 1}, {"b", 2}};
    m.set("a", 10);
    EXPECT_EQ(keys_of(m), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(m.at("a"), value(10));
    m.set("c", 3);
    EXPECT_EQ(keys_of(m), (std::vector<std::string>{"a", "b", "c"}));

    map fast;
    fast.reserve(2);
    fast.append("k", 1);
    fast.append("k", 2);
    EXPECT_EQ(fast.size(), 2u);  // the decoder's fast path trusts its caller
}

TEST(value_map, erase_clear_empty) {
    map m{{"a", 1}, {"b", 2}, {"c", 3}};
    EXPECT_TRUE(m.erase("b"));
    EXPECT_FALSE(m.erase("b"));
    EXPECT_EQ(keys_of(m), (std::vector<std::string>{"a", "c"}));
    EXPECT_FALSE(m.empty());
    m.clear();
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.size(), 0u);
}

TEST(value_map, equality_ignores_order) {
    EXPECT_EQ((map{{"a", 1}, {"b", "x"}}), (map{{"b", "x"}, {"a", 1}}));
    EXPECT_NE((map{{"a", 1}, {"b", "x"}}), (map{{"b", "y"}, {"a", 1}}));
    EXPECT_NE((map{{"a", 1}}), (map{{"a", 1}, {"b", 1}}));
    EXPECT_NE((map{{"a", 1}}), (map{{"b", 1}}));
    EXPECT_EQ(map{}, map{});

    // Large maps compared in another order, equal and not.
    map forward, backward, changed;
    for (int i = 0; i < 200; ++i) forward.append("k" + std::to_string(i), i);
    for (int i = 199; i >= 0; --i) backward.append("k" + std::to_string(i), i);
    for (int i = 199; i >= 0; --i) changed.append("k" + std::to_string(i), i == 77 ? -1 : i);
    EXPECT_EQ(forward, backward);
    EXPECT_NE(forward, changed);
    map renamed = backward;
    renamed.erase("k5");
    renamed.append("k5x", 5);
    EXPECT_NE(forward, renamed);
}

// ---- value ---------------------------------------------------------------------------------------

TEST(value, constructors_pick_the_bolt_type) {
    EXPECT_EQ(value().type(), value_type::null);
    EXPECT_EQ(value(null).type(), value_type::null);
    EXPECT_EQ(value(true).type(), value_type::boolean);
    EXPECT_EQ(value(1).type(), value_type::integer);
    EXPECT_EQ(value(1u).type(), value_type::integer);
    EXPECT_EQ(value(1L).type(), value_type::integer);
    EXPECT_EQ(value(1ULL).type(), value_type::integer);
    EXPECT_EQ(value(1.5).type(), value_type::floating);
    EXPECT_EQ(value("s").type(), value_type::string);
    EXPECT_EQ(value(std::string_view("s")).type(), value_type::string);
    EXPECT_EQ(value(bytes{1}).type(), value_type::bytes);
    EXPECT_EQ(value(list{}).type(), value_type::list);
    EXPECT_EQ(value(map{}).type(), value_type::map);
    EXPECT_EQ(value(node{}).type(), value_type::node);
    EXPECT_EQ(value(relationship{}).type(), value_type::relationship);
    EXPECT_EQ(value(unbound_relationship{}).type(), value_type::unbound_relationship);
    EXPECT_EQ(value(path{}).type(), value_type::path);
    EXPECT_EQ(value(date{}).type(), value_type::date);
    EXPECT_EQ(value(bolt::time{}).type(), value_type::time);
    EXPECT_EQ(value(local_time{}).type(), value_type::local_time);
    EXPECT_EQ(value(date_time{}).type(), value_type::date_time);
    EXPECT_EQ(value(date_time_zone_id{}).type(), value_type::date_time_zone_id);
    EXPECT_EQ(value(local_date_time{}).type(), value_type::local_date_time);
    EXPECT_EQ(value(duration{}).type(), value_type::duration);
    EXPECT_EQ(value(point2d{}).type(), value_type::point2d);
    EXPECT_EQ(value(point3d{}).type(), value_type::point3d);
    // A batch of rows should stay compact.
    EXPECT_LE(sizeof(value), 40u);
}

TEST(value, equality_is_typed) {
    EXPECT_EQ(value(1), value(1LL));
    EXPECT_NE(value(1), value(1.0));
    EXPECT_NE(value(0), value(false));
    EXPECT_NE(value(""), value(null));
    EXPECT_EQ(value(list{1, "a"}), value(list{1, "a"}));
    EXPECT_NE(value(list{1, "a"}), value(list{"a", 1}));
    EXPECT_EQ(value(node{1, {"A"}, {{"p", 1}}, "1"}), value(node{1, {"A"}, {{"p", 1}}, "1"}));
    EXPECT_NE(value(node{1, {"A"}, {{"p", 1}}, "1"}), value(node{1, {"A"}, {{"p", 2}}, "1"}));
}

TEST(value, as_returns_the_alternative_and_names_both_types_on_mismatch) {
    value v = 42;
    EXPECT_EQ(v.as<std::int64_t>(), 42);
    v.as<std::int64_t>() = 43;
    EXPECT_EQ(v, value(43));
    try {
        (void)v.as<std::string>();
        FAIL() << "expected value_error";
    } catch (const value_error& e) {
        EXPECT_STREQ(e.what(), "bolt::value: expected string, got integer");
    }
    EXPECT_THROW((void)value("x").as<double>(), value_error);
    EXPECT_THROW((void)value().as<bool>(), value_error);
    EXPECT_THROW((void)value(date{}).as<local_date_time>(), value_error);
    try {
        (void)value(list{}).as<node>();
        FAIL();
    } catch (const value_error& e) {
        EXPECT_STREQ(e.what(), "bolt::value: expected node, got list");
    }
    try {
        (void)value(node{}).as<date_time_zone_id>();
        FAIL();
    } catch (const value_error& e) {
        EXPECT_STREQ(e.what(), "bolt::value: expected date_time_zone_id, got node");
    }
}

TEST(value, get_if_for_plain_and_boxed_types) {
    value v = node{5, {"L"}, {}, "5"};
    ASSERT_NE(v.get_if<node>(), nullptr);
    EXPECT_EQ(v.get_if<node>()->id, 5);
    EXPECT_EQ(v.get_if<relationship>(), nullptr);
    EXPECT_EQ(v.get_if<std::int64_t>(), nullptr);
    v.as<node>().labels.push_back("M");
    EXPECT_EQ(v.as<node>().labels.size(), 2u);
    const value c = 1.5;
    ASSERT_NE(c.get_if<double>(), nullptr);
    EXPECT_EQ(*c.get_if<double>(), 1.5);
}

TEST(value, boxed_values_copy_deeply) {
    value a = node{1, {"A"}, {{"k", 1}}, "1"};
    value b = a;
    b.as<node>().properties["k"] = 2;
    EXPECT_EQ(a.as<node>().properties.at("k"), value(1));
    EXPECT_NE(a, b);
    value z = date_time_zone_id{1, 2, "UTC", false};
    value z2 = z;
    z2.as<date_time_zone_id>().tz_id = "Europe/Paris";
    EXPECT_EQ(z.as<date_time_zone_id>().tz_id, "UTC");
    a = b;
    EXPECT_EQ(a, b);
}

TEST(value, indexers_reach_into_maps_and_lists) {
    const value row = map{{"id", 7}, {"tags", list{"x", "y"}}};
    EXPECT_EQ(row["id"], value(7));
    EXPECT_EQ(row["tags"][1], value("y"));
    EXPECT_THROW((void)row["missing"], value_error);
    EXPECT_THROW((void)row["tags"][2], value_error);
    EXPECT_THROW((void)row[std::size_t{0}], value_error);  // a map is not a list
    EXPECT_THROW((void)row["id"]["x"], value_error);        // an integer is not a map
    try {
        (void)row["tags"][5];
        FAIL();
    } catch (const value_error& e) {
        EXPECT_NE(std::string(e.what()).find("index 5"), std::string::npos);
    }
}

// ---- rendering -----------------------------------------------------------------------------------

TEST(value_to_string, type_names) {
    EXPECT_EQ(to_string(value_type::null), "null");
    EXPECT_EQ(to_string(value_type::integer), "integer");
    EXPECT_EQ(to_string(value_type::floating), "float");
    EXPECT_EQ(to_string(value_type::unbound_relationship), "unbound_relationship");
    EXPECT_EQ(to_string(value_type::point3d), "point3d");
}

TEST(value_to_string, scalars) {
    EXPECT_EQ(to_string(value()), "null");
    EXPECT_EQ(to_string(value(true)), "true");
    EXPECT_EQ(to_string(value(false)), "false");
    EXPECT_EQ(to_string(value(-42)), "-42");
    EXPECT_EQ(to_string(value(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
    EXPECT_EQ(to_string(value(1.0)), "1.0");
    EXPECT_EQ(to_string(value(0.1)), "0.1");
    EXPECT_EQ(to_string(value(-2.5)), "-2.5");
    EXPECT_EQ(to_string(value(1e300)), "1e+300");
    EXPECT_EQ(to_string(value(std::numeric_limits<double>::quiet_NaN())), "NaN");
    EXPECT_EQ(to_string(value(-std::numeric_limits<double>::infinity())), "-Infinity");
    EXPECT_EQ(to_string(value("Alice")), "\"Alice\"");
    EXPECT_EQ(to_string(value("say \"hi\"\\\n\x01")), "\"say \\\"hi\\\"\\\\\\n\\u0001\"");
    EXPECT_EQ(to_string(value(bytes{0x00, 0xAB, 0xFF})), "bytes[00 ab ff]");
}

TEST(value_to_string, containers) {
    EXPECT_EQ(to_string(value(list{})), "[]");
    EXPECT_EQ(to_string(value(list{1, 2})), "[1, 2]");
    EXPECT_EQ(to_string(value(map{})), "{}");
    EXPECT_EQ(to_string(value(map{{"a", 1}, {"b", "x"}})), "{a: 1, b: \"x\"}");
    EXPECT_EQ(to_string(value(map{{"first name", 1}, {"2x", 2}, {"a`b", 3}})),
              "{`first name`: 1, `2x`: 2, `a``b`: 3}");
    EXPECT_EQ(to_string(value(map{{"rows", list{map{{"id", 1}}, null}}})), "{rows: [{id: 1}, null]}");
}

TEST(value_to_string, graph_types) {
    EXPECT_EQ(to_string(value(node{1, {"User"}, {{"name", "Alice"}, {"age", 42}}, "1"})),
              "(:User {name: \"Alice\", age: 42})");
    EXPECT_EQ(to_string(value(node{1, {"A", "B"}, {}, "1"})), "(:A:B)");
    EXPECT_EQ(to_string(value(node{1, {}, {{"k", 1}}, "1"})), "({k: 1})");
    EXPECT_EQ(to_string(value(node{})), "()");
    EXPECT_EQ(to_string(value(relationship{1, 2, 3, "KNOWS", {{"since", 2020}}, "", "", ""})),
              "[:KNOWS {since: 2020}]");
    EXPECT_EQ(to_string(value(unbound_relationship{1, "LIKES", {}, ""})), "[:LIKES]");
    const path p{{node{1, {"A"}, {}, ""}, node{2, {"B"}, {}, ""}, node{3, {"C"}, {}, ""}},
                 {unbound_relationship{10, "T", {}, ""}, unbound_relationship{11, "U", {}, ""}},
                 {1, 1, -2, 2}};
    EXPECT_EQ(to_string(value(p)), "(:A)-[:T]->(:B)<-[:U]-(:C)");
    // A malformed path from a peer still renders.
    EXPECT_EQ(to_string(value(path{{node{}}, {}, {3, 9}})), "()-[?]->(?)");
}

TEST(value_to_string, temporal_and_spatial_types) {
    EXPECT_EQ(to_string(value(date{0})), "1970-01-01");
    EXPECT_EQ(to_string(value(date{19753})), "2024-01-31");
    EXPECT_EQ(to_string(value(date{-1})), "1969-12-31");
    EXPECT_EQ(to_string(value(date{-719528})), "0000-01-01");
    EXPECT_EQ(to_string(value(date{-719529})), "-0001-12-31");
    EXPECT_EQ(to_string(value(date{2932897})), "+10000-01-01");
    EXPECT_EQ(to_string(value(date{std::numeric_limits<std::int64_t>::max()})),
              "date(days: 9223372036854775807)");
    EXPECT_EQ(to_string(value(bolt::time{45296789000000, 3600})), "12:34:56.789+01:00");
    EXPECT_EQ(to_string(value(bolt::time{0, -19800})), "00:00:00-05:30");
    EXPECT_EQ(to_string(value(bolt::time{0, 0})), "00:00:00Z");
    EXPECT_EQ(to_string(value(local_time{45296000000001})), "12:34:56.000000001");
    EXPECT_EQ(to_string(value(local_time{-1})), "local_time(nanoseconds: -1)");
    EXPECT_EQ(to_string(value(date_time{1700000000, 0, 3600})), "2023-11-14T23:13:20+01:00");
    EXPECT_EQ(to_string(value(date_time{-1, 500000000, 0})), "1969-12-31T23:59:59.5Z");
    EXPECT_EQ(to_string(value(date_time_zone_id{1700000000, 0, "Europe/Berlin", false})),
              "2023-11-14T22:13:20Z[Europe/Berlin]");
    EXPECT_EQ(to_string(value(date_time_zone_id{1700003600, 0, "Europe/Berlin", true})),
              "2023-11-14T23:13:20[Europe/Berlin]");
    EXPECT_EQ(to_string(value(local_date_time{1700000000, 5})), "2023-11-14T22:13:20.000000005");
    EXPECT_EQ(to_string(value(local_date_time{std::numeric_limits<std::int64_t>::min(), 0})),
              "local_date_time(seconds: -9223372036854775808, nanoseconds: 0)");
    EXPECT_EQ(to_string(value(duration{14, 3, 3661, 500})), "P1Y2M3DT1H1M1.0000005S");
    EXPECT_EQ(to_string(value(duration{})), "PT0S");
    EXPECT_EQ(to_string(value(duration{0, 0, -90, 0})), "PT-1M-30S");
    EXPECT_EQ(to_string(value(duration{0, 1, 0, 0})), "P1D");
    EXPECT_EQ(to_string(value(point2d{4326, 12.5, -3.0})), "point({srid: 4326, x: 12.5, y: -3.0})");
    EXPECT_EQ(to_string(value(point3d{9157, 1, 2, 3.5})), "point({srid: 9157, x: 1.0, y: 2.0, z: 3.5})");
}

}  // namespace
}  // namespace bolt
