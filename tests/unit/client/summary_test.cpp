// Result summaries parsed from real-shaped SUCCESS metadata (Memgraph and Neo4j), the counters'
// sums and flags, and the guide's printed counters line.
#include "bolt/summary.hpp"

#include <gtest/gtest.h>

#include <string>

#include "bolt/errors.hpp"

namespace {

using bolt::map;
using bolt::value;

// Memgraph's final PULL SUCCESS after the guide's first CREATE (reference §5.2).
map memgraph_create_summary() {
    return map{
        {"cost_estimate", 1.0},
        {"db", "memgraph"},
        {"has_more", false},
        {"parsing_time", 0.000123},
        {"plan_execution_time", 0.000456},
        {"planning_time", 0.000078},
        {"run_id", "1b6c2d2e-5b6f-4c8e-9a51-3e2f0f6a9c11"},
        {"stats", map{{"labels-added", 1},
                      {"labels-removed", 0},
                      {"nodes-created", 1},
                      {"nodes-deleted", 0},
                      {"properties-set", 0},
                      {"relationships-created", 0},
                      {"relationships-deleted", 0}}},
        {"type", "rw"},
    };
}

TEST(SummaryCounters, PrintsExactlyLikeTheGuide) {
    const bolt::result_summary s = bolt::parse_summary(memgraph_create_summary());
    EXPECT_EQ(bolt::to_string(s.counters),
              "{'labels_added': 1, 'labels_removed': 0, 'nodes_created': 1, 'nodes_deleted': 0, "
              "'properties_set': 0, 'relationships_created': 0, 'relationships_deleted': 0}");
}

TEST(SummaryCounters, PrintsOnlyWhatTheServerReported) {
    EXPECT_EQ(bolt::to_string(bolt::summary_counters{}), "{}");  // a read: Memgraph sends no stats
    const bolt::summary_counters c =
        bolt::parse_counters(map{{"indexes-added", 1}, {"system-updates", 2}});
    EXPECT_EQ(bolt::to_string(c), "{'indexes_added': 1, 'system_updates': 2}");
}

TEST(SummaryCounters, ParsesEveryDashedKey) {
    const bolt::summary_counters c = bolt::parse_counters(map{
        {"nodes-created", 1},
        {"nodes-deleted", 2},
        {"relationships-created", 3},
        {"relationships-deleted", 4},
        {"properties-set", 5},
        {"labels-added", 6},
        {"labels-removed", 7},
        {"indexes-added", 8},
        {"indexes-removed", 9},
        {"constraints-added", 10},
        {"constraints-removed", 11},
        {"system-updates", 12},
        {"some-future-counter", 99},
    });
    EXPECT_EQ(c.nodes_created, 1);
    EXPECT_EQ(c.nodes_deleted, 2);
    EXPECT_EQ(c.relationships_created, 3);
    EXPECT_EQ(c.relationships_deleted, 4);
    EXPECT_EQ(c.properties_set, 5);
    EXPECT_EQ(c.labels_added, 6);
    EXPECT_EQ(c.labels_removed, 7);
    EXPECT_EQ(c.indexes_added, 8);
    EXPECT_EQ(c.indexes_removed, 9);
    EXPECT_EQ(c.constraints_added, 10);
    EXPECT_EQ(c.constraints_removed, 11);
    EXPECT_EQ(c.system_updates, 12);
    EXPECT_EQ(bolt::to_string(c),
              "{'constraints_added': 10, 'constraints_removed': 11, 'indexes_added': 8, "
              "'indexes_removed': 9, "
              "'labels_added': 6, 'labels_removed': 7, 'nodes_created': 1, 'nodes_deleted': 2, "
              "'properties_set': 5, 'relationships_created': 3, 'relationships_deleted': 4, "
              "'system_updates': 12}");
}

TEST(SummaryCounters, ContainsUpdatesComputedOrFromTheServer) {
    EXPECT_FALSE(bolt::summary_counters{}.contains_updates());
    EXPECT_FALSE(bolt::summary_counters{}.contains_system_updates());
    EXPECT_TRUE(bolt::parse_counters(map{{"properties-set", 3}}).contains_updates());
    EXPECT_TRUE(bolt::parse_counters(map{{"constraints-removed", 1}}).contains_updates());
    // system_updates alone is not a data update
    const auto sys = bolt::parse_counters(map{{"system-updates", 1}});
    EXPECT_FALSE(sys.contains_updates());
    EXPECT_TRUE(sys.contains_system_updates());
    // The server's own flags win.
    const auto flagged = bolt::parse_counters(
        map{{"contains-updates", true}, {"contains-system-updates", false}, {"system-updates", 1}});
    EXPECT_TRUE(flagged.contains_updates());
    EXPECT_FALSE(flagged.contains_system_updates());
}

TEST(SummaryCounters, SumAcrossBatches) {
    bolt::summary_counters total;
    for (int i = 0; i < 3; ++i) {
        total += bolt::parse_counters(map{{"nodes-created", 1000},
                                          {"nodes-deleted", 0},
                                          {"relationships-created", 10},
                                          {"relationships-deleted", 0},
                                          {"labels-added", 1000},
                                          {"labels-removed", 0},
                                          {"properties-set", 2000}});
    }
    total += bolt::summary_counters{};  // a batch that wrote nothing
    EXPECT_EQ(total.nodes_created, 3000);
    EXPECT_EQ(total.relationships_created, 30);
    EXPECT_EQ(total.labels_added, 3000);
    EXPECT_EQ(total.properties_set, 6000);
    EXPECT_TRUE(total.contains_updates());
    EXPECT_EQ(
        bolt::to_string(total),
        "{'labels_added': 3000, 'labels_removed': 0, 'nodes_created': 3000, 'nodes_deleted': 0, "
        "'properties_set': 6000, 'relationships_created': 30, 'relationships_deleted': 0}");
    const bolt::summary_counters sum = bolt::parse_counters(map{{"nodes-created", 1}}) +
                                       bolt::parse_counters(map{{"nodes-deleted", 2}});
    EXPECT_EQ(sum.nodes_created, 1);
    EXPECT_EQ(sum.nodes_deleted, 2);
}

TEST(SummaryCounters, SumKeepsAServerFlagMeaningful) {
    bolt::summary_counters a = bolt::parse_counters(map{{"contains-updates", false}});
    a += bolt::parse_counters(map{{"nodes-created", 1}});
    EXPECT_TRUE(a.contains_updates());
}

TEST(SummaryCounters, WrongTypesAreProtocolErrors) {
    EXPECT_THROW(bolt::parse_counters(map{{"nodes-created", "1"}}), bolt::protocol_error);
    EXPECT_THROW(bolt::parse_counters(map{{"contains-updates", 1}}), bolt::protocol_error);
}

TEST(SummaryParse, MemgraphSummary) {
    bolt::summary_context ctx;
    ctx.query = "CREATE (u:User {name: $name})";
    ctx.parameters = map{{"name", "John"}};
    ctx.server = {"127.0.0.1:7687", "Neo4j/v5.11.0 compatible graph database server - Memgraph",
                  "5.2", "bolt-1"};
    const bolt::result_summary s = bolt::parse_summary(memgraph_create_summary(), ctx);
    EXPECT_EQ(s.query, "CREATE (u:User {name: $name})");
    EXPECT_EQ(s.parameters, (map{{"name", "John"}}));
    EXPECT_EQ(s.query_type, bolt::query_type::read_write);
    EXPECT_EQ(s.database, "memgraph");
    EXPECT_EQ(s.server.agent, "Neo4j/v5.11.0 compatible graph database server - Memgraph");
    EXPECT_EQ(s.server.protocol_version, "5.2");
    EXPECT_EQ(s.server.connection_id, "bolt-1");
    EXPECT_EQ(s.counters.nodes_created, 1);
    EXPECT_EQ(s.counters.labels_added, 1);
    EXPECT_TRUE(s.notifications.empty());
    // Memgraph sends no t_first / t_last.
    EXPECT_FALSE(s.result_available_after.has_value());
    EXPECT_FALSE(s.result_consumed_after.has_value());
    // Its timings are reachable through the raw metadata.
    EXPECT_EQ(s.metadata_number("plan_execution_time"), 0.000456);
    EXPECT_EQ(s.metadata_number("parsing_time"), 0.000123);
    EXPECT_EQ(s.metadata_number("planning_time"), 0.000078);
    EXPECT_FALSE(s.metadata_number("run_id").has_value());
    EXPECT_EQ(s.metadata.at("run_id"), value("1b6c2d2e-5b6f-4c8e-9a51-3e2f0f6a9c11"));
}

TEST(SummaryParse, ReadWithoutStatsHasZeroCounters) {
    const auto s = bolt::parse_summary(map{{"has_more", false}, {"type", "r"}, {"db", "memgraph"}});
    EXPECT_EQ(s.query_type, bolt::query_type::read_only);
    EXPECT_EQ(s.counters, bolt::summary_counters{});
    EXPECT_FALSE(s.counters.contains_updates());
}

TEST(SummaryParse, QueryTypes) {
    EXPECT_EQ(bolt::parse_summary(map{{"type", "w"}}).query_type, bolt::query_type::write_only);
    EXPECT_EQ(bolt::parse_summary(map{{"type", "s"}}).query_type, bolt::query_type::schema_write);
    EXPECT_FALSE(bolt::parse_summary(map{}).query_type.has_value());
    for (auto t : {bolt::query_type::read_only, bolt::query_type::read_write,
                   bolt::query_type::write_only, bolt::query_type::schema_write}) {
        EXPECT_EQ(bolt::parse_query_type(bolt::to_string(t)), t);
    }
}

TEST(SummaryParse, UnknownQueryTypeIsAProtocolError) {
    for (const value& bad : {value("x"), value("R"), value(""), value(1)}) {
        EXPECT_THROW(bolt::parse_summary(map{{"type", bad}}), bolt::protocol_error)
            << bolt::to_string(bad);
    }
}

TEST(SummaryParse, Neo4jRunAndPullMetadataMerge) {
    const map run{{"fields", bolt::list{"n"}}, {"t_first", 3}, {"qid", 0}};
    const map pull{{"bookmark", "FB:kcwQ"},
                   {"db", "neo4j"},
                   {"stats", map{{"nodes-created", 2}, {"contains-updates", true}}},
                   {"t_last", 7},
                   {"type", "w"}};
    const auto s = bolt::parse_summary(run, pull);
    EXPECT_EQ(s.result_available_after, 3);
    EXPECT_EQ(s.result_consumed_after, 7);
    EXPECT_EQ(s.database, "neo4j");
    EXPECT_EQ(s.counters.nodes_created, 2);
    EXPECT_TRUE(s.counters.contains_updates());
    EXPECT_EQ(s.metadata.at("bookmark"), value("FB:kcwQ"));
    EXPECT_EQ(s.metadata.at("qid"), value(0));
}

TEST(SummaryParse, FinalMetadataWinsOverRun) {
    const auto s =
        bolt::parse_summary(map{{"db", "from-run"}, {"t_first", 1}}, map{{"db", "from-pull"}});
    EXPECT_EQ(s.database, "from-pull");
    EXPECT_EQ(s.result_available_after, 1);
}

TEST(SummaryParse, Notifications) {
    const map m{{"type", "s"},
                {"notifications",
                 bolt::list{
                     map{{"severity", "INFO"},
                         {"code", "CreateIndex"},
                         {"title", "Created index on label User on properties name."},
                         {"description", "Created index on label User on properties name."}},
                     map{{"severity", "WARNING"},
                         {"code", "Neo.ClientNotification.Statement.CartesianProduct"},
                         {"title", "This query builds a cartesian product"},
                         {"description", "..."},
                         {"category", "PERFORMANCE"},
                         {"position", map{{"offset", 0}, {"line", 1}, {"column", 1}}}},
                     map{{"severity", 5}, {"position", map{{"line", 2}}}},
                 }}};
    const auto s = bolt::parse_summary(m);
    ASSERT_EQ(s.notifications.size(), 3u);
    EXPECT_EQ(s.notifications[0].severity, "INFO");
    EXPECT_EQ(s.notifications[0].code, "CreateIndex");
    EXPECT_EQ(s.notifications[0].title, "Created index on label User on properties name.");
    EXPECT_FALSE(s.notifications[0].position.has_value());
    EXPECT_EQ(s.notifications[1].category, "PERFORMANCE");
    ASSERT_TRUE(s.notifications[1].position.has_value());
    EXPECT_EQ(*s.notifications[1].position, (bolt::notification_position{0, 1, 1}));
    // Wrong-typed fields are left empty, missing position fields are -1 (as in the Python driver).
    EXPECT_EQ(s.notifications[2].severity, "");
    EXPECT_EQ(*s.notifications[2].position, (bolt::notification_position{-1, 2, -1}));
}

TEST(SummaryParse, MalformedStructuresAreProtocolErrors) {
    EXPECT_THROW(bolt::parse_summary(map{{"stats", bolt::list{}}}), bolt::protocol_error);
    EXPECT_THROW(bolt::parse_summary(map{{"notifications", map{}}}), bolt::protocol_error);
    EXPECT_THROW(bolt::parse_summary(map{{"notifications", bolt::list{"x"}}}),
                 bolt::protocol_error);
}

}  // namespace
