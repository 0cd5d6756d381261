// Cypher value semantics as a query user sees them: comparisons, ORDER BY order, DISTINCT
// grouping, arithmetic results and Memgraph's error messages.
#include "server/query/value_ops.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/query/session.hpp"

namespace {

using bolt::value;
using namespace server::query;

constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int_min = std::numeric_limits<std::int64_t>::min();
const double nan_value = std::nan("");

value node_with_id(std::int64_t id) { return bolt::node{id, {"N"}, {}, std::to_string(id)}; }

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const query_error& e) {
        EXPECT_EQ(e.code(), client_error_code);
        return e.what();
    }
    return "<no error>";
}

struct tri_case {
    value a, b;
    std::optional<bool> expected;
};

TEST(ValueOps, EqualityIsThreeValued) {
    const std::vector<tri_case> cases{
        {1, 1, true},
        {1, 1.0, true},
        {1, 2, false},
        {1.5, 1.5, true},
        {"a", "a", true},
        {"a", "b", false},
        {true, true, true},
        {value(), 1, std::nullopt},
        {value(), value(), std::nullopt},
        {1, "1", std::nullopt},  // Memgraph: different types are not comparable
        {nan_value, nan_value, false},
        {bolt::list{1, 2}, bolt::list{1, 2.0}, true},
        {bolt::list{1, 2}, bolt::list{1, 3}, false},
        {bolt::list{1, 2}, bolt::list{1}, false},
        {bolt::list{1, value()}, bolt::list{1, 2}, std::nullopt},
        {bolt::list{2, value()}, bolt::list{1, 2}, false},  // a definite mismatch beats null
        {bolt::map{{"a", 1}, {"b", 2}}, bolt::map{{"b", 2}, {"a", 1}}, true},
        {bolt::map{{"a", 1}}, bolt::map{{"b", 1}}, false},
        {bolt::map{{"a", value()}}, bolt::map{{"a", 1}}, std::nullopt},
        {node_with_id(7), node_with_id(7), true},
        {node_with_id(7), node_with_id(8), false},
        {bolt::date{10}, bolt::date{10}, true},
        {bolt::duration{1, 2, 3, 4}, bolt::duration{1, 2, 3, 4}, true},
        {bolt::date_time{100, 0, 3600}, bolt::date_time{100, 0, 0}, true},  // same instant
        {int_max, static_cast<double>(int_max), false},  // exact, not via double rounding
    };
    for (const auto& c : cases) {
        EXPECT_EQ(cypher_equals(c.a, c.b), c.expected) << bolt::to_string(c.a) << " = " << bolt::to_string(c.b);
        EXPECT_EQ(cypher_not_equals(c.a, c.b), logical_not(c.expected)) << bolt::to_string(c.a);
    }
}

TEST(ValueOps, OrderingComparisons) {
    const std::vector<tri_case> less{
        {1, 2, true},
        {2, 1.5, false},
        {1, 1.5, true},
        {"abc", "abd", true},
        {false, true, true},
        {bolt::list{1, 2}, bolt::list{1, 3}, true},
        {bolt::list{1}, bolt::list{1, 0}, true},
        {bolt::date{1}, bolt::date{2}, true},
        {bolt::local_time{5}, bolt::local_time{4}, false},
        {value(), 1, std::nullopt},
        {1, "a", std::nullopt},
        {nan_value, 1, std::nullopt},
        {bolt::duration{0, 1, 0, 0}, bolt::duration{0, 2, 0, 0}, std::nullopt},
        {bolt::point2d{7203, 1, 2}, bolt::point2d{7203, 1, 3}, std::nullopt},
    };
    for (const auto& c : less) EXPECT_EQ(cypher_less(c.a, c.b), c.expected) << bolt::to_string(c.a) << " < " << bolt::to_string(c.b);
    EXPECT_EQ(cypher_less_equal(2, 2), true);
    EXPECT_EQ(cypher_greater(3, 2.5), true);
    EXPECT_EQ(cypher_greater_equal("a", "b"), false);
    EXPECT_EQ(cypher_greater_equal(value(), value()), std::nullopt);
}

TEST(ValueOps, OrderByPutsTypesInMemgraphsOrderAndNullsLast) {
    // Ascending order, one representative per rank.
    const std::vector<value> ascending{
        bolt::map{{"a", 1}},
        node_with_id(1),
        bolt::relationship{1, 1, 2, "R", {}, "1", "1", "2"},
        bolt::list{1},
        bolt::path{},
        bolt::point2d{7203, 0, 0},
        bolt::point3d{9157, 0, 0, 0},
        bolt::date_time{0, 0, 0},
        bolt::local_date_time{0, 0},
        bolt::date{0},
        bolt::local_time{0},
        bolt::time{0, 0},
        bolt::duration{},
        bolt::bytes{1},
        "string",
        false,
        1,
        value(),
    };
    for (std::size_t i = 0; i < ascending.size(); ++i) {
        EXPECT_EQ(order_compare(ascending[i], ascending[i]), 0) << i;
        for (std::size_t j = i + 1; j < ascending.size(); ++j) {
            EXPECT_LT(order_compare(ascending[i], ascending[j]), 0) << i << " vs " << j;
            EXPECT_GT(order_compare(ascending[j], ascending[i]), 0) << j << " vs " << i;
        }
    }
}

TEST(ValueOps, OrderByWithinNumbersAndLists) {
    EXPECT_LT(order_compare(1, 1.5), 0);
    EXPECT_EQ(order_compare(2, 2.0), 0);
    EXPECT_GT(order_compare(nan_value, 1e308), 0);  // NaN above every number
    EXPECT_EQ(order_compare(nan_value, nan_value), 0);
    EXPECT_LT(order_compare(-std::numeric_limits<double>::infinity(), int_min), 0);
    EXPECT_LT(order_compare(bolt::list{1, "a"}, bolt::list{1, value()}), 0);  // null last inside lists too
    EXPECT_LT(order_compare(bolt::list{}, bolt::list{value()}), 0);
    EXPECT_LT(order_compare(bolt::map{{"a", 1}}, bolt::map{{"a", 2}}), 0);
    EXPECT_LT(order_compare(bolt::duration{0, 1, 0, 0}, bolt::duration{1, 0, 0, 0}), 0);
}

TEST(ValueOps, DistinctGroupsEquivalentValues) {
    std::unordered_set<value, value_hasher, value_equivalent_to> set;
    for (const value& v : std::vector<value>{1, 1.0, value(), value(), nan_value, nan_value, "1", bolt::list{1, value()},
                                             bolt::list{1.0, value()}, bolt::map{{"a", 1}, {"b", 2}}, bolt::map{{"b", 2.0}, {"a", 1}},
                                             node_with_id(3), node_with_id(3), 2.5})
        set.insert(v);
    // {1, null, NaN, "1", [1, null], {a, b}, node 3, 2.5}
    EXPECT_EQ(set.size(), 8U);
    EXPECT_TRUE(value_equivalent(value(), value()));
    EXPECT_FALSE(value_equivalent(value(), 0));
    EXPECT_FALSE(value_equivalent(1, "1"));
    EXPECT_EQ(value_hash(3), value_hash(3.0));
    EXPECT_EQ(value_hash(-0.0), value_hash(0));

    std::unordered_set<bolt::list, value_hasher, value_equivalent_to> rows;
    rows.insert(bolt::list{1, "a"});
    rows.insert(bolt::list{1.0, "a"});
    rows.insert(bolt::list{1, "b"});
    EXPECT_EQ(rows.size(), 2U);
}

struct arith_case {
    value a, b, expected;
};

TEST(ValueOps, Addition) {
    const std::vector<arith_case> cases{
        {1, 2, 3},
        {1, 2.5, 3.5},
        {1.5, 1.5, 3.0},
        {"ab", "cd", "abcd"},
        {"n", 1, "n1"},
        {1.5, "x", "1.5x"},
        {value(), 1, value()},
        {"a", value(), value()},
        {bolt::list{1}, bolt::list{2, 3}, bolt::list{1, 2, 3}},
        {bolt::list{1}, 2, bolt::list{1, 2}},
        {0, bolt::list{1}, bolt::list{0, 1}},
        {bolt::list{1}, value(), value()},
        {bolt::duration{1, 2, 3, 4}, bolt::duration{1, 1, 1, 999'999'999}, bolt::duration{2, 3, 5, 3}},
        {bolt::date{0}, bolt::duration{0, 1, 0, 0}, bolt::date{1}},
        {bolt::duration{0, 1, 0, 0}, bolt::date{0}, bolt::date{1}},
    };
    for (const auto& c : cases) EXPECT_EQ(add(c.a, c.b), c.expected) << bolt::to_string(c.a) << " + " << bolt::to_string(c.b);
}

TEST(ValueOps, OtherArithmetic) {
    EXPECT_EQ(subtract(5, 7), value(-2));
    EXPECT_EQ(subtract(5, 0.5), value(4.5));
    EXPECT_EQ(subtract(bolt::date{10}, bolt::date{3}), value(bolt::duration{0, 7, 0, 0}));
    EXPECT_EQ(subtract(bolt::local_time{5'000'000'000}, bolt::local_time{2'000'000'000}), value(bolt::duration{0, 0, 3, 0}));
    EXPECT_EQ(multiply(6, 7), value(42));
    EXPECT_EQ(multiply(2, 0.5), value(1.0));
    EXPECT_EQ(divide(7, 2), value(3));
    EXPECT_EQ(divide(-7, 2), value(-3));  // truncates toward zero
    EXPECT_EQ(divide(7, 2.0), value(3.5));
    EXPECT_TRUE(std::isinf(divide(1.0, 0).as<double>()));
    EXPECT_EQ(modulo(7, 3), value(1));
    EXPECT_EQ(modulo(-7, 3), value(-1));
    EXPECT_EQ(modulo(7.5, 2), value(1.5));
    EXPECT_EQ(modulo(int_min, -1), value(0));
    EXPECT_EQ(power(2, 10), value(1024.0));
    EXPECT_EQ(power(4, 0.5), value(2.0));
    EXPECT_EQ(negate(5), value(-5));
    EXPECT_EQ(negate(-2.5), value(2.5));
    EXPECT_EQ(negate(value()), value());
    EXPECT_EQ(negate(bolt::duration{1, 2, 3, 0}), value(bolt::duration{-1, -2, -3, 0}));
    EXPECT_EQ(unary_plus(3), value(3));
    for (auto op : {subtract, multiply, divide, modulo, power}) {
        EXPECT_EQ(op(value(), 1), value());
        EXPECT_EQ(op(1, value()), value());
    }
}

TEST(ValueOps, ArithmeticErrorsUseMemgraphsWording) {
    EXPECT_EQ(error_of([] { add(true, 1); }), "Invalid types: bool and int for '+'.");
    EXPECT_EQ(error_of([] { add(bolt::map{}, "a"); }), "Invalid types: map and string for '+'.");
    EXPECT_EQ(error_of([] { subtract("a", "b"); }), "Invalid types: string and string for '-'.");
    EXPECT_EQ(error_of([] { multiply("a", 2); }), "Invalid types: string and int for '*'.");
    EXPECT_EQ(error_of([] { divide(1, 0); }), "Invalid types: int and int for '/'.");
    EXPECT_EQ(error_of([] { modulo(1, 0); }), "Invalid types: int and int for '%'.");
    EXPECT_EQ(error_of([] { power(true, 2); }), "Invalid types: bool and int for '^'.");
    EXPECT_EQ(error_of([] { negate("x"); }), "Invalid type string for '-'.");
    EXPECT_EQ(error_of([] { unary_plus(bolt::list{}); }), "Invalid type list for '+'.");
    EXPECT_EQ(error_of([] { subtract(bolt::date{1}, bolt::local_time{1}); }), "Invalid types: date and local_time for '-'.");
}

TEST(ValueOps, IntegerOverflowIsAnErrorNotWraparound) {
    EXPECT_EQ(error_of([] { add(int_max, 1); }), "Integer overflow for '+'.");
    EXPECT_EQ(error_of([] { subtract(int_min, 1); }), "Integer overflow for '-'.");
    EXPECT_EQ(error_of([] { multiply(int_max / 2, 3); }), "Integer overflow for '*'.");
    EXPECT_EQ(error_of([] { divide(int_min, -1); }), "Integer overflow for '/'.");
    EXPECT_EQ(error_of([] { negate(int_min); }), "Integer overflow for '-'.");
    EXPECT_EQ(add(int_max, 1.0), value(static_cast<double>(int_max) + 1.0));  // floats do not overflow
    EXPECT_EQ(error_of([] { add(bolt::duration{int_max, 0, 0, 0}, bolt::duration{1, 0, 0, 0}); }), "Temporal value out of range.");
}

TEST(ValueOps, StringPredicatesPropagateNull) {
    EXPECT_EQ(starts_with("hello", "he"), true);
    EXPECT_EQ(starts_with("hello", "lo"), false);
    EXPECT_EQ(ends_with("hello", "lo"), true);
    EXPECT_EQ(contains("hello", "ell"), true);
    EXPECT_EQ(contains("hello", ""), true);
    EXPECT_EQ(contains("he", "hello"), false);
    EXPECT_EQ(starts_with(value(), "a"), std::nullopt);
    EXPECT_EQ(ends_with("a", value()), std::nullopt);
    EXPECT_EQ(error_of([] { starts_with(1, "a"); }), "'startsWith' argument at position 1 must be either 'null' or 'string'.");
    EXPECT_EQ(error_of([] { contains("a", 1); }), "'contains' argument at position 2 must be either 'null' or 'string'.");
}

TEST(ValueOps, InListIsThreeValued) {
    EXPECT_EQ(in_list(2, bolt::list{1, 2, 3}), true);
    EXPECT_EQ(in_list(2.0, bolt::list{1, 2}), true);
    EXPECT_EQ(in_list(5, bolt::list{1, 2}), false);
    EXPECT_EQ(in_list(5, bolt::list{1, value()}), std::nullopt);
    EXPECT_EQ(in_list(1, bolt::list{1, value()}), true);
    EXPECT_EQ(in_list(value(), bolt::list{1}), std::nullopt);
    EXPECT_EQ(in_list(value(), bolt::list{}), false);
    EXPECT_EQ(in_list(1, value()), std::nullopt);
    EXPECT_EQ(in_list(bolt::list{1}, bolt::list{value(bolt::list{1})}), true);
    EXPECT_EQ(error_of([] { in_list(1, 1); }), "IN expected a list, got int.");
}

TEST(ValueOps, BooleanLogic) {
    const std::optional<bool> t = true, f = false, u = std::nullopt;
    EXPECT_EQ(logical_and(t, u), u);
    EXPECT_EQ(logical_and(f, u), f);
    EXPECT_EQ(logical_or(t, u), t);
    EXPECT_EQ(logical_or(f, u), u);
    EXPECT_EQ(logical_xor(t, f), t);
    EXPECT_EQ(logical_xor(t, u), u);
    EXPECT_EQ(logical_not(u), u);
    EXPECT_EQ(cypher_and(true, value()), value());
    EXPECT_EQ(cypher_or(value(), true), value(true));
    EXPECT_EQ(cypher_xor(true, true), value(false));
    EXPECT_EQ(cypher_not(false), value(true));
    EXPECT_EQ(error_of([] { cypher_and(1, true); }), "Invalid types: int and bool for AND.");
    EXPECT_EQ(error_of([] { cypher_not("x"); }), "Invalid type string for 'NOT'.");
    EXPECT_TRUE(truthy(true));
    EXPECT_FALSE(truthy(false));
    EXPECT_FALSE(truthy(value()));
    EXPECT_EQ(as_bool(value()), std::nullopt);
    EXPECT_EQ(error_of([] { truthy(1); }), "Filter expression must evaluate to bool or null, got int.");
    EXPECT_EQ(to_value(std::nullopt), value());
    EXPECT_EQ(to_value(true), value(true));
}

// Random values through every binary operation: an error is fine, a crash or UB is not.
value random_value(std::mt19937_64& rng, int depth) {
    std::uniform_int_distribution<int> pick(0, depth > 1 ? 13 : 15);
    switch (pick(rng)) {
        case 0: return value();
        case 1: return rng() % 2 == 0;
        case 2: return static_cast<std::int64_t>(rng());
        case 3: return static_cast<std::int64_t>(rng() % 5) - 2;
        case 4: return std::vector<double>{0.0, -0.0, 1.5, nan_value, 1e308, -std::numeric_limits<double>::infinity()}[rng() % 6];
        case 5: return std::string(rng() % 3, 'a');
        case 6: return bolt::date{static_cast<std::int64_t>(rng() % 2'000'000) - 1'000'000};
        case 7: return bolt::local_time{static_cast<std::int64_t>(rng() % 86'400'000'000'000ULL)};
        case 8: return bolt::local_date_time{static_cast<std::int64_t>(rng() >> 30) - (1LL << 33), static_cast<std::int64_t>(rng() % 1'000'000'000)};
        case 9: return bolt::date_time{static_cast<std::int64_t>(rng() >> 30) - (1LL << 33), 0, 3600};
        case 10: return bolt::duration{static_cast<std::int64_t>(rng()), static_cast<std::int64_t>(rng() % 100), 5, 7};
        case 11: return bolt::date_time_zone_id{1'700'000'000, 0, rng() % 2 ? "Europe/Berlin" : "No/Such_Zone", false};
        case 12: return bolt::point2d{7203, 1, 2};
        case 13: return node_with_id(static_cast<std::int64_t>(rng() % 3));
        case 14: {
            bolt::list l;
            for (std::size_t i = rng() % 3; i > 0; --i) l.push_back(random_value(rng, depth + 1));
            return l;
        }
        default: {
            bolt::map m;
            for (std::size_t i = rng() % 3; i > 0; --i) m.set(std::string(1, static_cast<char>('a' + rng() % 3)), random_value(rng, depth + 1));
            return m;
        }
    }
}

TEST(ValueOps, RandomValuesNeverCrashAnyOperation) {
    std::mt19937_64 rng(20261124);
    std::size_t errors = 0;
    for (int i = 0; i < 20'000; ++i) {
        const value a = random_value(rng, 0);
        const value b = random_value(rng, 0);
        const auto attempt = [&](auto f) {
            try {
                f();
            } catch (const query_error&) {
                ++errors;
            }
        };
        attempt([&] { (void)add(a, b); });
        attempt([&] { (void)subtract(a, b); });
        attempt([&] { (void)multiply(a, b); });
        attempt([&] { (void)divide(a, b); });
        attempt([&] { (void)modulo(a, b); });
        attempt([&] { (void)power(a, b); });
        attempt([&] { (void)negate(a); });
        attempt([&] { (void)unary_plus(a); });
        attempt([&] { (void)starts_with(a, b); });
        attempt([&] { (void)in_list(a, b); });
        attempt([&] { (void)cypher_and(a, b); });
        attempt([&] { (void)as_bool(a); });
        (void)cypher_equals(a, b);
        (void)cypher_less(a, b);
        (void)cypher_greater_equal(a, b);
        // The total order is antisymmetric, and equivalence agrees with hashing.
        EXPECT_EQ(order_compare(a, b) < 0, order_compare(b, a) > 0) << bolt::to_string(a) << " vs " << bolt::to_string(b);
        if (value_equivalent(a, b)) {
            EXPECT_EQ(value_hash(a), value_hash(b)) << bolt::to_string(a);
        }
    }
    EXPECT_GT(errors, 0U);
}

}  // namespace
