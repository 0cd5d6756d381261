// The semantic pass (scoping and clause rules with Memgraph's messages) and the query type
// classifier behind the summary's `type`.
#include <gtest/gtest.h>

#include <server/cypher/printer.hpp>
#include <server/cypher/semantic.hpp>

namespace server::cypher {
namespace {

struct semantic_case {
    const char* text;
    std::size_t line, column;
    const char* message;
};

void PrintTo(const semantic_case& c, std::ostream* os) {
    *os << c.text;
}

class semantic_error_test : public ::testing::TestWithParam<semantic_case> {};

TEST_P(semantic_error_test, IsRejectedWithMemgraphsMessage) {
    const auto& c = GetParam();
    auto parsed = parse(c.text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    auto err = check(*parsed);
    ASSERT_TRUE(err) << to_string(*parsed);
    EXPECT_EQ(err->line, c.line);
    EXPECT_EQ(err->column, c.column);
    EXPECT_EQ(err->message, c.message);
    // parse_and_check gives the same error.
    auto both = parse_and_check(c.text);
    ASSERT_FALSE(both);
    EXPECT_EQ(both.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, semantic_error_test,
    ::testing::Values(
        semantic_case{"MATCH (n)", 1, 1,
                      "Query should either create or update something, or return results!"},
        semantic_case{"MATCH (n) WITH n", 1, 1,
                      "Query should either create or update something, or return results!"},
        semantic_case{"RETURN x", 1, 8, "Unbound variable: x."},
        semantic_case{"MATCH (n) RETURN m", 1, 18, "Unbound variable: m."},
        semantic_case{"MATCH (n) WHERE m.x = 1 RETURN n", 1, 17, "Unbound variable: m."},
        semantic_case{"UNWIND $b AS row CREATE (:N {id: rows.id})", 1, 34,
                      "Unbound variable: rows."},
        semantic_case{"MATCH (n) WITH n AS m RETURN n", 1, 30, "Unbound variable: n."},
        semantic_case{"MATCH (n) SET m.x = 1", 1, 15, "Unbound variable: m."},
        semantic_case{"MATCH (n) SET m += {}", 1, 15, "Unbound variable: m."},
        semantic_case{"MATCH (n) REMOVE m:L", 1, 18, "Unbound variable: m."},
        semantic_case{"MATCH (n) DELETE m", 1, 18, "Unbound variable: m."},
        semantic_case{"RETURN *", 1, 1, "There are no variables in scope to use for '*'."},
        semantic_case{"MATCH (n) DELETE n.x", 1, 19,
                      "DELETE can only be applied to a variable (a node, relationship or path)."},
        semantic_case{"MATCH (n) DETACH DELETE [n]", 1, 25,
                      "DELETE can only be applied to a variable (a node, relationship or path)."},
        semantic_case{"CREATE (a)-[:R|S]->(b)", 1, 11,
                      "A single relationship type must be specified when creating an edge."},
        semantic_case{"CREATE (a)-[r]->(b)", 1, 11,
                      "A single relationship type must be specified when creating an edge."},
        semantic_case{"CREATE (a)-[:R]-(b)", 1, 11,
                      "Bidirectional relationship are not supported when creating an edge"},
        semantic_case{"MERGE (a)-[:R|S]->(b)", 1, 10,
                      "A single relationship type must be specified when creating an edge."},
        semantic_case{"MATCH (n) CREATE (n:L)", 1, 18, "Redeclaring variable: n."},
        semantic_case{"MATCH (n) CREATE (n)", 1, 18, "Redeclaring variable: n."},
        semantic_case{"MATCH ()-[r]->() CREATE ()-[r:T]->()", 1, 27, "Redeclaring variable: r."},
        semantic_case{"UNWIND [1] AS x UNWIND [2] AS x RETURN x", 1, 17,
                      "Redeclaring variable: x."},
        semantic_case{"MATCH (n) WITH n.x RETURN 1", 1, 16,
                      "Only variables can be non-aliased in WITH."},
        semantic_case{"MATCH (n) WHERE count(n) > 1 RETURN n", 1, 17,
                      "Aggregation functions are only allowed in WITH and RETURN."},
        semantic_case{"UNWIND [1] AS x CREATE (:N {c: count(*)})", 1, 32,
                      "Aggregation functions are only allowed in WITH and RETURN."},
        semantic_case{"RETURN count(count(1))", 1, 14,
                      "Using aggregation functions inside aggregation functions is not allowed."},
        semantic_case{"RETURN 1 AS a, 2 AS a", 1, 16,
                      "Multiple results with the same name 'a' are not allowed."},
        semantic_case{"MATCH (n) RETURN n, n", 1, 21,
                      "Multiple results with the same name 'n' are not allowed."},
        semantic_case{"MATCH (n) RETURN n MATCH (m) RETURN m", 1, 20,
                      "MATCH can't be put after RETURN clause or after an update."},
        semantic_case{"CREATE (n) MATCH (m) RETURN m", 1, 12,
                      "MATCH can't be put after RETURN clause or after an update."},
        semantic_case{"CREATE (n) UNWIND [1] AS x RETURN x", 1, 12,
                      "UNWIND can't be put after RETURN clause or after an update."},
        semantic_case{"OPTIONAL MATCH (n) MATCH (m) RETURN m", 1, 20,
                      "MATCH can't be put after OPTIONAL MATCH."},
        semantic_case{"RETURN 1 AS x CREATE (n)", 1, 15,
                      "Update clause can't be used after RETURN."},
        semantic_case{"RETURN 1 AS x WITH x RETURN x", 1, 15, "RETURN can't be put before WITH."},
        semantic_case{"RETURN 1 AS x RETURN 2 AS y", 1, 15,
                      "There can only be one RETURN in a clause."},
        semantic_case{"MATCH (n) RETURN count(n) AS c ORDER BY n.x", 1, 41,
                      "Unbound variable: n."}));

class valid_test : public ::testing::TestWithParam<const char*> {};

TEST_P(valid_test, PassesTheSemanticPass) {
    auto r = parse_and_check(GetParam());
    EXPECT_TRUE(r) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Queries, valid_test,
    ::testing::Values(
        "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name, score: row.score})",
        "UNWIND $batch AS row MATCH (a:N {id: row.a}), (b:N {id: row.b}) CREATE (a)-[:R]->(b)",
        "WITH $batch AS nodes UNWIND nodes AS node MATCH (a:Node {id: node.a}), (b:Node {id: "
        "node.b}) "
        "CREATE (a)-[:RELATIONSHIP]->(b)",
        "MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance - $num_of_tokens",
        "MATCH p=(d:User)-[r:LOVES]->(t:Technology) RETURN p",
        // Grouping: aggregates next to plain keys are fine.
        "MATCH (n) RETURN n.city AS city, count(*) AS c, collect(DISTINCT n.name) AS names",
        "MATCH (n) WITH n.city AS city, count(*) AS c WHERE c > 1 RETURN city, c ORDER BY c DESC",
        // ORDER BY and WHERE after a non-aggregating projection still see the old variables.
        "MATCH (n) RETURN n.x AS x ORDER BY n.y", "MATCH (n) WITH n.x AS x WHERE n.y > 1 RETURN x",
        // A pattern may use variables bound earlier in the same pattern.
        "MATCH (a), (b {id: a.ref}) RETURN b", "MATCH (a) CREATE (a)-[:R]->(b:N), (b)-[:S]->(a)",
        "MATCH (a), (b) MERGE (a)-[r:R]-(b) ON CREATE SET r.new = true ON MATCH SET r.new = false",
        "MATCH (n) RETURN *", "MATCH (n) WITH * RETURN n", "MATCH (n) DETACH DELETE n",
        "MATCH (n) REMOVE n:L, n.p RETURN n", "MATCH (n) SET n:L, n = {}, n += $m",
        "CREATE (n) RETURN n", "CREATE (n) WITH n MATCH (m) RETURN m",
        "OPTIONAL MATCH (n) OPTIONAL MATCH (m) RETURN n, m", "RETURN 1", "CREATE INDEX ON :L(p)",
        "SHOW STORAGE INFO"));

struct type_case {
    const char* text;
    const char* type;
};

void PrintTo(const type_case& c, std::ostream* os) {
    *os << c.text;
}

class classify_test : public ::testing::TestWithParam<type_case> {};

TEST_P(classify_test, GivesTheSummaryType) {
    auto r = parse(GetParam().text);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(to_string(classify(*r)), GetParam().type);
}

INSTANTIATE_TEST_SUITE_P(
    Types, classify_test,
    ::testing::Values(
        type_case{"MATCH (n) RETURN n", "r"}, type_case{"RETURN 1", "r"},
        type_case{"UNWIND [1] AS x RETURN x", "r"}, type_case{"CREATE (n)", "w"},
        type_case{"CREATE (u:User {name: $name}) RETURN u.name AS name", "w"},
        type_case{"UNWIND $batch AS row CREATE (:N {id: row.id})", "w"},
        type_case{
            "UNWIND $batch AS row MATCH (a:N {id: row.a}), (b:N {id: row.b}) CREATE (a)-[:R]->(b)",
            "rw"},
        type_case{"MATCH (n) SET n.x = 1", "rw"}, type_case{"MATCH (n) DETACH DELETE n", "rw"},
        type_case{"MATCH (n) REMOVE n:L", "rw"}, type_case{"MERGE (n:N {id: 1})", "rw"},
        type_case{"CREATE INDEX ON :L(p)", "s"}, type_case{"DROP INDEX ON :L", "s"},
        type_case{"CREATE CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE", "s"},
        type_case{"STORAGE MODE IN_MEMORY_ANALYTICAL", "s"},
        type_case{"CREATE USER a IDENTIFIED BY 'b'", "s"}, type_case{"DROP USER a", "s"},
        type_case{"FREE MEMORY", "s"}, type_case{"SHOW STORAGE INFO", "r"},
        type_case{"SHOW INDEX INFO", "r"}, type_case{"SHOW USERS", "r"}));

}  // namespace
}  // namespace server::cypher
