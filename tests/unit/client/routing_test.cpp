// Routing tables: parsing ROUTE replies, expiry, forgetting servers, and server selection.
#include "bolt/routing.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace bolt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;
using clock_type = routing_table::clock;

// The session layer's access mode has this shape (bolt/config.hpp).
enum class mode { write, read };

map server(const char* role, list addresses) {
    return map{{"addresses", std::move(addresses)}, {"role", role}};
}

map route_reply(std::int64_t ttl = 300) {
    return map{{"rt", map{{"ttl", ttl},
                          {"db", "neo4j"},
                          {"servers", list{server("ROUTE", list{"core1:7687", "core2:7687"}),
                                           server("READ", list{"replica1:7687", "[::1]:7688"}),
                                           server("WRITE", list{"core1:7687"})}}}}};
}

TEST(routing_table, ParsesARouteReply) {
    const auto now = clock_type::now();
    std::string error;
    auto t = routing_table::from_route_response(route_reply(), now, error);
    ASSERT_TRUE(t) << error;
    EXPECT_THAT(t->routers, ElementsAre(address{"core1", 7687}, address{"core2", 7687}));
    EXPECT_THAT(t->readers, ElementsAre(address{"replica1", 7687}, address{"::1", 7688}));
    EXPECT_THAT(t->writers, ElementsAre(address{"core1", 7687}));
    EXPECT_EQ(t->ttl, 300s);
    EXPECT_EQ(t->database, "neo4j");
    EXPECT_EQ(t->expires_at, now + 300s);
    EXPECT_THAT(t->servers(), ElementsAre(address{"core1", 7687}, address{"core2", 7687},
                                          address{"replica1", 7687}, address{"::1", 7688}));
}

TEST(routing_table, AcceptsTheInnerMapAndOptionalDb) {
    // Bolt 4.3 has no "db"; the 4.0-4.2 routing procedure returns ttl and servers as fields.
    map inner{{"ttl", 10},
              {"servers", list{server("ROUTE", list{"a:1"}), server("READ", list{"a:1", "a:1"}),
                               server("COORDINATOR", list{"x:2"})}}};
    std::string error;
    auto t = routing_table::from_route_response(inner, clock_type::now(), error);
    ASSERT_TRUE(t) << error;
    EXPECT_EQ(t->database, "");
    EXPECT_THAT(t->readers, ElementsAre(address{"a", 1}));  // duplicates collapse
    EXPECT_TRUE(t->writers.empty());
    EXPECT_THAT(t->servers(), ElementsAre(address{"a", 1}));  // unknown roles are skipped
}

TEST(routing_table, HugeAndNegativeTtlsSaturate) {
    const auto now = clock_type::now();
    std::string error;
    auto forever = routing_table::from_route_response(route_reply(INT64_MAX), now, error);
    ASSERT_TRUE(forever) << error;
    EXPECT_EQ(forever->expires_at, clock_type::time_point::max());
    EXPECT_TRUE(forever->is_fresh(server_role::write, now + 24h * 365 * 100));
    auto expired = routing_table::from_route_response(route_reply(-5), now, error);
    ASSERT_TRUE(expired) << error;
    EXPECT_EQ(expired->ttl, 0s);
    EXPECT_FALSE(expired->is_fresh(server_role::read, now));
}

struct bad_reply {
    map metadata;
    const char* message_part;
};

TEST(routing_table, RejectsMalformedRepliesWithAMessage) {
    const std::vector<bad_reply> cases = {
        {map{}, "no 'rt' entry"},
        {map{{"rt", 5}}, "'rt' should be a map, got integer"},
        {map{{"rt", map{{"servers", list{}}}}}, "no 'ttl'"},
        {map{{"rt", map{{"ttl", "300"}, {"servers", list{}}}}},
         "'ttl' should be an integer, got string"},
        {map{{"rt", map{{"ttl", 1}, {"db", 3}, {"servers", list{}}}}},
         "'db' should be a string, got integer"},
        {map{{"rt", map{{"ttl", 1}}}}, "no 'servers'"},
        {map{{"rt", map{{"ttl", 1}, {"servers", map{}}}}}, "'servers' should be a list, got map"},
        {map{{"rt", map{{"ttl", 1}, {"servers", list{1}}}}},
         "an entry of 'servers' should be a map, got integer"},
        {map{{"rt", map{{"ttl", 1}, {"servers", list{map{{"addresses", list{}}}}}}}},
         "no 'role' string"},
        {map{{"rt", map{{"ttl", 1}, {"servers", list{map{{"role", "READ"}}}}}}},
         "no 'addresses' list"},
        {map{{"rt", map{{"ttl", 1}, {"servers", list{server("READ", list{7687})}}}}},
         "an address should be a string, got integer"},
        {map{{"rt", map{{"ttl", 1}, {"servers", list{server("READ", list{"h:x"})}}}}},
         "bad address 'h:x': invalid port"},
        {map{{"rt", map{{"ttl", 1}, {"servers", list{server("READ", list{"r:1"})}}}}},
         "it lists no routers"},
        {map{{"rt", map{{"ttl", 1}, {"servers", list{server("ROUTE", list{"r:1"})}}}}},
         "it lists no readers"},
    };
    for (const auto& c : cases) {
        std::string error;
        EXPECT_FALSE(routing_table::from_route_response(c.metadata, clock_type::now(), error))
            << c.message_part;
        EXPECT_THAT(error, HasSubstr("invalid routing table from the server"));
        EXPECT_THAT(error, HasSubstr(c.message_part));
    }
}

TEST(routing_table, FreshnessDependsOnTimeAndOnServersForTheMode) {
    const auto now = clock_type::now();
    std::string error;
    auto t = *routing_table::from_route_response(route_reply(60), now, error);
    EXPECT_TRUE(t.is_fresh(mode::read, now));
    EXPECT_TRUE(t.is_fresh(mode::write, now + 59s));
    EXPECT_FALSE(t.is_fresh(mode::write, now + 60s));
    EXPECT_FALSE(t.expired_for(30s, now + 60s));
    EXPECT_TRUE(t.expired_for(30s, now + 90s));

    t.writers.clear();  // e.g. during a leader election
    EXPECT_FALSE(t.is_fresh(mode::write, now));
    EXPECT_TRUE(t.is_fresh(mode::read, now));
    EXPECT_TRUE(t.is_fresh(server_role::route, now));
    t.routers.clear();
    EXPECT_FALSE(t.is_fresh(mode::read, now));
}

TEST(routing_table, ForgetDropsAServerEverywhereAndForgetWriterOnlyFromWriters) {
    std::string error;
    auto t = *routing_table::from_route_response(route_reply(), clock_type::now(), error);
    auto u = t;
    t.forget(address{"core1", 7687});
    EXPECT_THAT(t.routers, ElementsAre(address{"core2", 7687}));
    EXPECT_TRUE(t.writers.empty());
    EXPECT_EQ(t.readers.size(), 2u);

    u.forget_writer(address{"core1", 7687});
    EXPECT_TRUE(u.writers.empty());
    EXPECT_EQ(u.routers.size(), 2u);
}

TEST(load_balancer, RoundRobinsWithoutLoadInformation) {
    std::string error;
    auto t = *routing_table::from_route_response(route_reply(), clock_type::now(), error);
    load_balancer lb;
    std::vector<address> picked;
    for (int i = 0; i < 4; ++i) picked.push_back(*lb.select_reader(t));
    EXPECT_THAT(picked, ElementsAre(address{"replica1", 7687}, address{"::1", 7688},
                                    address{"replica1", 7687}, address{"::1", 7688}));
    EXPECT_EQ(lb.select(t, mode::write), (address{"core1", 7687}));
    t.writers.clear();
    EXPECT_FALSE(lb.select_writer(t));
}

TEST(load_balancer, PrefersTheLeastUsedServerAndSpreadsTies) {
    routing_table t;
    t.readers = {address{"a", 1}, address{"b", 1}, address{"c", 1}};
    std::map<std::string, std::size_t> load{{"a", 3}, {"b", 1}, {"c", 1}};
    auto in_use = [&](const address& a) { return load[a.host]; };
    load_balancer lb;
    std::map<std::string, int> counts;
    for (int i = 0; i < 30; ++i) ++counts[lb.select(t, mode::read, in_use)->host];
    EXPECT_EQ(counts["a"], 0);   // always busier than the others
    EXPECT_EQ(counts["b"], 20);  // scans starting at a or b end on b (ties keep the first)
    EXPECT_EQ(counts["c"], 10);
    load["c"] = 0;
    EXPECT_EQ(lb.select_reader(t, in_use)->host, "c");
}

}  // namespace
}  // namespace bolt
