// Memgraph's summary contract, alone: keys and their order, stats only when something changed
// with Memgraph's dashed names, notifications, timings, and the properties-set adjustment.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/query/summary.hpp"

namespace {

using server::query::memgraph_counters;
using server::query::memgraph_summary;
using server::query::notification;
using server::query::summary_facts;

std::vector<std::string> keys(const bolt::map& m) {
    std::vector<std::string> out;
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
}

TEST(QuerySummary, AReadHasNoStatsAndMemgraphsKeysInOrder) {
    const auto s = memgraph_summary({.type = "r", .parsing_s = 0.5, .planning_s = 0.25, .execution_s = 0.125});
    EXPECT_EQ(keys(s), (std::vector<std::string>{"type", "parsing_time", "planning_time", "plan_execution_time",
                                                 "cost_estimate", "db"}));
    EXPECT_EQ(s.find("type")->as<std::string>(), "r");
    EXPECT_DOUBLE_EQ(s.find("parsing_time")->as<double>(), 0.5);
    EXPECT_DOUBLE_EQ(s.find("planning_time")->as<double>(), 0.25);
    EXPECT_DOUBLE_EQ(s.find("plan_execution_time")->as<double>(), 0.125);
    EXPECT_DOUBLE_EQ(s.find("cost_estimate")->as<double>(), 0.0);
    EXPECT_EQ(s.find("db")->as<std::string>(), "memgraph");
}

TEST(QuerySummary, AWriteHasEveryDashedCounter) {
    server::storage::counters c;
    c.nodes_created = 3;
    c.relationships_created = 2;
    c.properties_set = 1;
    const auto s = memgraph_summary({.type = "w", .counters = c});
    EXPECT_EQ(keys(s)[1], "stats");
    const auto& stats = s.find("stats")->as<bolt::map>();
    EXPECT_EQ(keys(stats), (std::vector<std::string>{"labels-added", "labels-removed", "nodes-created", "nodes-deleted",
                                                     "properties-set", "relationships-created",
                                                     "relationships-deleted"}));
    EXPECT_EQ(stats.find("nodes-created")->as<std::int64_t>(), 3);
    EXPECT_EQ(stats.find("relationships-created")->as<std::int64_t>(), 2);
    EXPECT_EQ(stats.find("properties-set")->as<std::int64_t>(), 1);
    EXPECT_EQ(stats.find("nodes-deleted")->as<std::int64_t>(), 0);
}

TEST(QuerySummary, SchemaCountersAloneDoNotMakeStats) {
    server::storage::counters c;
    c.indexes_added = 1;  // Memgraph reports index creation as a notification, not as stats
    EXPECT_FALSE(memgraph_summary({.type = "s", .counters = c}).contains("stats"));
}

TEST(QuerySummary, NotificationsCarryTheirFourFields) {
    const std::vector<notification> notes{{"CreateIndex", "Created index on label N.", "", "INFO"}};
    const auto s = memgraph_summary({.type = "s", .notes = notes});
    const auto& list = s.find("notifications")->as<bolt::list>();
    ASSERT_EQ(list.size(), 1u);
    const auto& n = list[0].as<bolt::map>();
    EXPECT_EQ(keys(n), (std::vector<std::string>{"severity", "code", "title", "description"}));
    EXPECT_EQ(n.find("code")->as<std::string>(), "CreateIndex");
    EXPECT_EQ(n.find("title")->as<std::string>(), "Created index on label N.");
    EXPECT_EQ(n.find("severity")->as<std::string>(), "INFO");
}

TEST(QuerySummary, PropertiesInCreatePatternsAreNotPropertiesSet) {
    server::storage::counters c;
    c.properties_set = 5;
    EXPECT_EQ(memgraph_counters(c, 3).properties_set, 2);
    EXPECT_EQ(memgraph_counters(c, 9).properties_set, 0);  // never negative
    c.nodes_created = 7;
    EXPECT_EQ(memgraph_counters(c, 0).nodes_created, 7);
}

}  // namespace
