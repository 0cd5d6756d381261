// The query layer as the Bolt layer drives it: RUN/PULL results of each clause, Memgraph's
// summaries and counters, transactions, conflicts between sessions, schema and admin statements.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/query/session.hpp"

namespace {

using server::query::database;
using server::query::query_error;
using server::query::session;
namespace st = server::storage;

struct result {
    std::vector<std::string> fields;
    std::vector<bolt::list> rows;
    bolt::map summary;
};

result run(session& s, std::string_view text, bolt::map params = {}) {
    result r;
    r.fields = s.run(text, params, {}).fields;
    auto out = s.pull(-1, r.rows);
    EXPECT_FALSE(out.has_more);
    r.summary = std::move(out.summary);
    return r;
}

std::int64_t stat(const result& r, std::string_view key) {
    const bolt::value* stats = r.summary.find("stats");
    if (!stats) return 0;
    return stats->as<bolt::map>().at(key).as<std::int64_t>();
}

std::string error_of(session& s, std::string_view text, bolt::map params = {}) {
    try {
        run(s, text, std::move(params));
    } catch (const query_error& e) {
        return e.code() + " | " + e.what();
    }
    return "no error";
}

bolt::list batch(std::initializer_list<bolt::map> rows) {
    bolt::list l;
    for (auto& r : rows) l.emplace_back(r);
    return l;
}

struct query_session : ::testing::Test {
    database db;
    session s{db};
};

TEST_F(query_session, return_literal_gives_field_row_and_read_summary) {
    auto r = run(s, "RETURN 1 AS x, 'a' + 'b' AS y");
    EXPECT_EQ(r.fields, (std::vector<std::string>{"x", "y"}));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0], (bolt::list{1, "ab"}));
    EXPECT_EQ(r.summary.at("type"), bolt::value("r"));
    EXPECT_FALSE(r.summary.contains("stats"));
    EXPECT_TRUE(r.summary.at("parsing_time").get_if<double>());
    EXPECT_TRUE(r.summary.at("planning_time").get_if<double>());
    EXPECT_TRUE(r.summary.at("plan_execution_time").get_if<double>());
    EXPECT_EQ(r.summary.at("db"), bolt::value("memgraph"));
}

TEST_F(query_session, guide_create_reports_memgraph_counters) {
    auto r = run(s, "CREATE (u:User {name: $name, password: $password}) RETURN u.name AS name;",
                 {{"name", "John"}, {"password", "pass"}});
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0][0], bolt::value("John"));
    EXPECT_EQ(r.summary.at("type"), bolt::value("w"));
    const auto& stats = r.summary.at("stats").as<bolt::map>();
    EXPECT_EQ(stats.size(), 7u);
    EXPECT_EQ(stats.at("labels-added"), bolt::value(1));
    EXPECT_EQ(stats.at("nodes-created"), bolt::value(1));
    EXPECT_EQ(stats.at("properties-set"), bolt::value(0));
    EXPECT_EQ(stats.at("relationships-created"), bolt::value(0));

    auto m = run(s, "MATCH (u:User {name: $name}) RETURN u.name AS name", {{"name", "John"}});
    ASSERT_EQ(m.rows.size(), 1u);
    EXPECT_EQ(m.rows[0][0], bolt::value("John"));
    EXPECT_FALSE(m.summary.contains("stats"));
}

TEST_F(query_session, unwind_batch_creates_nodes_and_where_order_filter_them) {
    bolt::list b = batch({{{"id", 1}, {"name", "a"}}, {{"id", 2}, {"name", "b"}}, {{"id", 3}, {"name", "c"}}});
    auto r = run(s, "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name})", {{"batch", b}});
    EXPECT_TRUE(r.rows.empty());
    EXPECT_EQ(stat(r, "nodes-created"), 3);
    EXPECT_EQ(stat(r, "labels-added"), 3);

    auto m = run(s, "MATCH (n:N) WHERE n.id >= 2 AND n.name <> 'x' RETURN n.name AS name ORDER BY n.id DESC");
    ASSERT_EQ(m.rows.size(), 2u);
    EXPECT_EQ(m.rows[0][0], bolt::value("c"));
    EXPECT_EQ(m.rows[1][0], bolt::value("b"));

    auto l = run(s, "MATCH (n:N) RETURN n.id AS id ORDER BY id SKIP 1 LIMIT 1");
    ASSERT_EQ(l.rows.size(), 1u);
    EXPECT_EQ(l.rows[0][0], bolt::value(2));

    auto p = run(s, "MATCH (n:N) WHERE n.name STARTS WITH 'b' OR n.name IN ['c'] RETURN count(*) AS c");
    EXPECT_EQ(p.rows[0][0], bolt::value(2));
}

TEST_F(query_session, relationship_import_with_index_and_graph_values) {
    auto ix = run(s, "CREATE INDEX ON :N(id)");
    EXPECT_EQ(ix.summary.at("type"), bolt::value("s"));
    ASSERT_TRUE(ix.summary.contains("notifications"));
    EXPECT_EQ(ix.summary.at("notifications").as<bolt::list>()[0].as<bolt::map>().at("code"), bolt::value("CreateIndex"));

    run(s, "UNWIND range(1, 4) AS i CREATE (:N {id: i})");
    bolt::list rels = batch({{{"a", 1}, {"b", 2}}, {{"a", 2}, {"b", 3}}, {{"a", 3}, {"b", 4}}});
    auto r = run(s, "UNWIND $batch AS row MATCH (a:N {id: row.a}), (b:N {id: row.b}) CREATE (a)-[:R {w: 1}]->(b)",
                 {{"batch", rels}});
    EXPECT_EQ(stat(r, "relationships-created"), 3);
    EXPECT_EQ(r.summary.at("type"), bolt::value("rw"));

    auto m = run(s, "MATCH (a:N)-[r:R]->(b:N) WHERE a.id = 2 RETURN a, r, b, type(r) AS t, id(a) = id(startNode(r)) AS same");
    ASSERT_EQ(m.rows.size(), 1u);
    const auto& a = m.rows[0][0].as<bolt::node>();
    const auto& rel = m.rows[0][1].as<bolt::relationship>();
    const auto& b = m.rows[0][2].as<bolt::node>();
    EXPECT_EQ(a.labels, (std::vector<std::string>{"N"}));
    EXPECT_EQ(a.properties.at("id"), bolt::value(2));
    EXPECT_EQ(b.properties.at("id"), bolt::value(3));
    EXPECT_EQ(rel.type, "R");
    EXPECT_EQ(rel.start_node_id, a.id);
    EXPECT_EQ(rel.end_node_id, b.id);
    EXPECT_EQ(m.rows[0][3], bolt::value("R"));
    EXPECT_EQ(m.rows[0][4], bolt::value(true));

    auto in = run(s, "MATCH (b:N {id: 3})<-[:R]-(a) RETURN a.id");
    ASSERT_EQ(in.rows.size(), 1u);
    EXPECT_EQ(in.rows[0][0], bolt::value(2));
    auto both = run(s, "MATCH (b:N {id: 3})-[:R]-(x) RETURN x.id ORDER BY x.id");
    ASSERT_EQ(both.rows.size(), 2u);

    auto p = run(s, "MATCH p = (a:N {id: 1})-[:R]->()-[:R]->(c) RETURN length(p) AS len, c.id");
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.rows[0], (bolt::list{2, 3}));
}

TEST_F(query_session, named_path_is_a_bolt_path) {
    run(s, "CREATE (:A {n: 1})-[:T]->(:B {n: 2})<-[:T]-(:C {n: 3})");
    auto r = run(s, "MATCH p = (a:A)-[:T]->(b)<-[:T]-(c) RETURN p, size(nodes(p)) AS k");
    ASSERT_EQ(r.rows.size(), 1u);
    const auto& p = r.rows[0][0].as<bolt::path>();
    EXPECT_EQ(p.nodes.size(), 3u);
    EXPECT_EQ(p.relationships.size(), 2u);
    EXPECT_EQ(p.indices, (std::vector<std::int64_t>{1, 1, -2, 2}));
    EXPECT_EQ(r.rows[0][1], bolt::value(3));
}

TEST_F(query_session, merge_matches_or_creates_with_on_create_and_on_match) {
    auto c = run(s, "MERGE (n:P {id: 1}) ON CREATE SET n.created = true ON MATCH SET n.matched = true RETURN n.created, n.matched");
    EXPECT_EQ(c.rows[0], (bolt::list{true, bolt::value()}));
    EXPECT_EQ(stat(c, "nodes-created"), 1);
    auto m = run(s, "MERGE (n:P {id: 1}) ON CREATE SET n.created = true ON MATCH SET n.matched = true RETURN n.created, n.matched");
    EXPECT_EQ(m.rows[0], (bolt::list{true, true}));
    EXPECT_EQ(stat(m, "nodes-created"), 0);
    EXPECT_EQ(stat(m, "properties-set"), 1);

    // MERGE inside one UNWIND sees its own earlier rows.
    auto u = run(s, "UNWIND [2, 2, 3] AS i MERGE (n:P {id: i}) RETURN count(*)");
    EXPECT_EQ(stat(u, "nodes-created"), 2);
    EXPECT_EQ(run(s, "MATCH (n:P) RETURN count(n)").rows[0][0], bolt::value(3));

    run(s, "MATCH (a:P {id: 1}), (b:P {id: 2}) MERGE (a)-[:K]->(b)");
    run(s, "MATCH (a:P {id: 1}), (b:P {id: 2}) MERGE (a)-[:K]->(b)");
    EXPECT_EQ(run(s, "MATCH ()-[k:K]->() RETURN count(k)").rows[0][0], bolt::value(1));
}

TEST_F(query_session, set_and_remove_properties_and_labels) {
    run(s, "CREATE (:U {id: 1, a: 1, b: 2})");
    auto r = run(s, "MATCH (n:U) SET n.a = 10, n += {c: 3}, n:V:W RETURN n.a, n.c, labels(n)");
    EXPECT_EQ(r.rows[0][0], bolt::value(10));
    EXPECT_EQ(r.rows[0][1], bolt::value(3));
    EXPECT_EQ(r.rows[0][2], (bolt::value(bolt::list{"U", "V", "W"})));
    EXPECT_EQ(stat(r, "properties-set"), 2);
    EXPECT_EQ(stat(r, "labels-added"), 2);

    auto rm = run(s, "MATCH (n:U) REMOVE n.b, n:W RETURN keys(n) AS k");
    auto keys = rm.rows[0][0].as<bolt::list>();
    EXPECT_EQ(keys.size(), 3u);
    EXPECT_EQ(stat(rm, "labels-removed"), 1);

    auto rep = run(s, "MATCH (n:U) SET n = {only: 1} RETURN properties(n) AS p");
    EXPECT_EQ(rep.rows[0][0], bolt::value(bolt::map{{"only", 1}}));
}

TEST_F(query_session, labels_are_set_and_removed_on_nodes_only) {
    run(s, "CREATE (:A)-[:R]->(:B)");
    EXPECT_EQ(run(s, "MATCH (a:A) SET a:X REMOVE a:A RETURN labels(a)").rows[0][0], (bolt::value(bolt::list{"X"})));
    EXPECT_NE(error_of(s, "MATCH ()-[r:R]->() SET r:L").find("Labels can only be set on nodes."), std::string::npos);
    EXPECT_NE(error_of(s, "MATCH ()-[r:R]->() REMOVE r:L").find("Labels can only be removed from nodes."),
              std::string::npos);
}

TEST_F(query_session, delete_needs_detach_for_connected_nodes) {
    run(s, "CREATE (:D {id: 1})-[:E]->(:D {id: 2})");
    std::string err = error_of(s, "MATCH (n:D {id: 1}) DELETE n");
    EXPECT_NE(err.find(st::delete_with_edges_message), std::string::npos) << err;
    EXPECT_NE(err.find("Memgraph.ClientError"), std::string::npos);
    // The failed implicit transaction rolled back: nothing was deleted.
    EXPECT_EQ(run(s, "MATCH (n:D) RETURN count(n)").rows[0][0], bolt::value(2));

    auto d = run(s, "MATCH (n:D {id: 1}) DETACH DELETE n");
    EXPECT_EQ(stat(d, "nodes-deleted"), 1);
    EXPECT_EQ(stat(d, "relationships-deleted"), 1);
    auto e = run(s, "MATCH (n:D) DELETE n");
    EXPECT_EQ(stat(e, "nodes-deleted"), 1);
    EXPECT_EQ(run(s, "MATCH (n) RETURN count(n)").rows[0][0], bolt::value(0));
}

TEST_F(query_session, aggregates_group_and_distinct) {
    run(s, "UNWIND [['x', 1], ['x', 2], ['y', 3], ['y', 3]] AS p CREATE (:G {k: p[0], v: p[1]})");
    auto r = run(s,
                 "MATCH (n:G) RETURN n.k AS k, count(*) AS c, sum(n.v) AS s, avg(n.v) AS a, min(n.v) AS mn, "
                 "max(n.v) AS mx, collect(DISTINCT n.v) AS vs ORDER BY k");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0], (bolt::list{"x", 2, 3, 1.5, 1, 2, bolt::list{1, 2}}));
    EXPECT_EQ(r.rows[1], (bolt::list{"y", 2, 6, 3.0, 3, 3, bolt::list{3}}));

    auto d = run(s, "MATCH (n:G) RETURN DISTINCT n.k AS k ORDER BY k DESC");
    ASSERT_EQ(d.rows.size(), 2u);
    EXPECT_EQ(d.rows[0][0], bolt::value("y"));

    auto none = run(s, "MATCH (n:Nothing) RETURN count(n) AS c, collect(n) AS l, sum(n.v) AS s");
    EXPECT_EQ(none.rows[0], (bolt::list{0, bolt::list{}, 0}));

    // ORDER BY an expression that is also a DISTINCT column sorts by that column.
    auto o = run(s, "MATCH (n:G) RETURN DISTINCT n.k ORDER BY n.k DESC");
    EXPECT_EQ(o.fields, (std::vector<std::string>{"n.k"}));
    ASSERT_EQ(o.rows.size(), 2u);
    EXPECT_EQ(o.rows[0][0], bolt::value("y"));

    auto w = run(s, "MATCH (n:G) WITH n.k AS k, count(*) AS c WHERE c > 1 RETURN k, c * 10 AS c10 ORDER BY k");
    ASSERT_EQ(w.rows.size(), 2u);
    EXPECT_EQ(w.rows[0][1], bolt::value(20));
}

TEST_F(query_session, optional_match_gives_nulls) {
    run(s, "CREATE (:O {id: 1})-[:L]->(:O {id: 2})");
    auto r = run(s, "MATCH (a:O) OPTIONAL MATCH (a)-[:L]->(b) RETURN a.id, b.id ORDER BY a.id");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0], (bolt::list{1, 2}));
    EXPECT_EQ(r.rows[1], (bolt::list{2, bolt::value()}));
}

TEST_F(query_session, with_maps_lists_and_functions) {
    auto r = run(s,
                 "WITH {a: {b: 5}, l: [1, 2, 3]} AS m RETURN m.a.b AS b, m.l[1] AS i, size(m.l) AS n, "
                 "toUpper('ab') AS u, coalesce(null, 7) AS c, CASE WHEN 1 < 2 THEN 'y' ELSE 'n' END AS k, "
                 "1 IS NULL AS isn, m.missing IS NULL AS miss");
    EXPECT_EQ(r.rows[0], (bolt::list{5, 2, 3, "AB", 7, "y", false, true}));
}

TEST_F(query_session, parameters_and_missing_parameter) {
    auto r = run(s, "RETURN $x + 1 AS y", {{"x", 41}});
    EXPECT_EQ(r.rows[0][0], bolt::value(42));
    std::string err = error_of(s, "RETURN $nope");
    EXPECT_NE(err.find("Parameter $nope not provided."), std::string::npos) << err;
}

TEST_F(query_session, errors_are_client_errors_and_session_stays_usable) {
    std::string syntax = error_of(s, "MATCH (n RETURN n");
    EXPECT_EQ(syntax.rfind("Memgraph.ClientError.MemgraphError.MemgraphError", 0), 0u) << syntax;
    std::string varlen = error_of(s, "CREATE (a)-[:R*2]->(b)");
    EXPECT_EQ(varlen.rfind("Memgraph.ClientError.MemgraphError.MemgraphError", 0), 0u) << varlen;
    std::string fn = error_of(s, "RETURN nosuchfn(1)");
    EXPECT_NE(fn.find("nosuchfn"), std::string::npos) << fn;
    EXPECT_EQ(run(s, "RETURN 2").rows[0][0], bolt::value(2));
}

TEST_F(query_session, explicit_transaction_commit_and_rollback) {
    s.begin({});
    EXPECT_TRUE(s.in_explicit_transaction());
    run(s, "CREATE (:T {id: 1})");
    session other(db);
    EXPECT_EQ(run(other, "MATCH (n:T) RETURN count(n)").rows[0][0], bolt::value(0));
    s.commit();
    EXPECT_EQ(run(other, "MATCH (n:T) RETURN count(n)").rows[0][0], bolt::value(1));

    s.begin({});
    run(s, "MATCH (n:T) SET n.id = 5 CREATE (:T {id: 2})");
    EXPECT_EQ(run(s, "MATCH (n:T) RETURN count(n)").rows[0][0], bolt::value(2));
    s.rollback();
    auto r = run(s, "MATCH (n:T) RETURN n.id");
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0][0], bolt::value(1));
}

TEST_F(query_session, implicit_transaction_commits_when_stream_is_exhausted) {
    s.run("UNWIND range(1, 3) AS i CREATE (n:I {i: i}) RETURN n.i", bolt::map{}, {});
    std::vector<bolt::list> rows;
    auto first = s.pull(1, rows);
    EXPECT_TRUE(first.has_more);
    EXPECT_EQ(rows.size(), 1u);
    session other(db);
    EXPECT_EQ(run(other, "MATCH (n:I) RETURN count(n)").rows[0][0], bolt::value(0));
    auto rest = s.pull(-1, rows);
    EXPECT_FALSE(rest.has_more);
    EXPECT_EQ(rows.size(), 3u);
    EXPECT_EQ(run(other, "MATCH (n:I) RETURN count(n)").rows[0][0], bolt::value(3));

    s.run("UNWIND range(1, 2) AS i CREATE (:J)", bolt::map{}, {});
    auto d = s.discard(-1);
    EXPECT_FALSE(d.has_more);
    EXPECT_EQ(run(other, "MATCH (n:J) RETURN count(n)").rows[0][0], bolt::value(2));
}

TEST_F(query_session, same_node_written_by_two_transactions_conflicts) {
    run(s, "CREATE (:C {id: 1, v: 0})");
    session other(db);
    s.begin({});
    other.begin({});
    run(s, "MATCH (n:C {id: 1}) SET n.v = 1");
    try {
        run(other, "MATCH (n:C {id: 1}) SET n.v = 2");
        FAIL() << "expected a conflict";
    } catch (const query_error& e) {
        EXPECT_EQ(e.code(), st::conflict_code);
        EXPECT_EQ(std::string(e.what()), st::conflict_message);
    }
    // The failed transaction only allows rollback.
    EXPECT_THROW(run(other, "RETURN 1"), query_error);
    other.rollback();
    s.commit();
    EXPECT_EQ(run(other, "MATCH (n:C) RETURN n.v").rows[0][0], bolt::value(1));
}

bool edge_creation_conflicts(database& db) {
    session a(db), b(db);
    run(a, "CREATE (:Hub {id: 0}), (:Leaf {id: 1}), (:Leaf {id: 2})");
    a.begin({});
    b.begin({});
    run(a, "MATCH (h:Hub), (l:Leaf {id: 1}) CREATE (h)-[:R]->(l)");
    bool conflict = false;
    try {
        run(b, "MATCH (h:Hub), (l:Leaf {id: 2}) CREATE (h)-[:R]->(l)");
        b.commit();
    } catch (const query_error& e) {
        conflict = e.code() == st::conflict_code;
        b.rollback();
    }
    a.commit();
    return conflict;
}

TEST(query_conflicts, relationship_on_shared_endpoint_conflicts_by_default) {
    database db;
    EXPECT_TRUE(edge_creation_conflicts(db));
}

TEST(query_conflicts, non_sequential_rule_allows_shared_endpoint) {
    database db({.storage = {.edge_rule = st::edge_creation_rule::non_sequential}});
    EXPECT_FALSE(edge_creation_conflicts(db));
}

TEST(query_conflicts, analytical_mode_has_no_conflicts) {
    database db;
    session s(db);
    run(s, "STORAGE MODE IN_MEMORY_ANALYTICAL");
    EXPECT_EQ(db.graph().mode(), st::storage_mode::in_memory_analytical);
    EXPECT_FALSE(edge_creation_conflicts(db));
}

TEST_F(query_session, schema_statements_are_refused_in_explicit_transactions) {
    s.begin({});
    std::string err = error_of(s, "CREATE INDEX ON :X(id)");
    EXPECT_NE(err.find(st::index_in_multicommand_message), std::string::npos) << err;
    err = error_of(s, "CREATE CONSTRAINT ON (n:X) ASSERT n.id IS UNIQUE");
    EXPECT_NE(err.find(st::constraint_in_multicommand_message), std::string::npos) << err;
    s.rollback();
    run(s, "CREATE INDEX ON :X");
    auto info = run(s, "SHOW INDEX INFO");
    ASSERT_EQ(info.rows.size(), 1u);
    EXPECT_EQ(info.rows[0][0], bolt::value("label"));
    run(s, "DROP INDEX ON :X");
    EXPECT_TRUE(run(s, "SHOW INDEX INFO").rows.empty());
}

TEST_F(query_session, unique_constraint_violation_fails_and_rolls_back) {
    auto c = run(s, "CREATE CONSTRAINT ON (n:Q) ASSERT n.id IS UNIQUE");
    EXPECT_EQ(c.summary.at("type"), bolt::value("s"));
    run(s, "CREATE (:Q {id: 1})");
    std::string err = error_of(s, "CREATE (:Q {id: 1})");
    EXPECT_NE(err.find("Memgraph.ClientError"), std::string::npos) << err;
    EXPECT_EQ(run(s, "MATCH (n:Q) RETURN count(n)").rows[0][0], bolt::value(1));
}

TEST_F(query_session, show_storage_info_and_storage_mode) {
    run(s, "CREATE (:S)-[:R]->(:S)");
    auto r = run(s, "SHOW STORAGE INFO");
    EXPECT_EQ(r.fields, (std::vector<std::string>{"storage info", "value"}));
    bolt::map info;
    for (auto& row : r.rows) info.set(row[0].as<std::string>(), row[1]);
    EXPECT_EQ(info.at("vertex_count"), bolt::value(2));
    EXPECT_EQ(info.at("edge_count"), bolt::value(1));
    EXPECT_TRUE(info.contains("memory_res"));
    EXPECT_EQ(info.at("storage_mode"), bolt::value("IN_MEMORY_TRANSACTIONAL"));
    run(s, "STORAGE MODE IN_MEMORY_ANALYTICAL");
    r = run(s, "SHOW STORAGE INFO");
    bool analytical = false;
    for (auto& row : r.rows)
        if (row[0] == bolt::value("storage_mode")) analytical = row[1] == bolt::value("IN_MEMORY_ANALYTICAL");
    EXPECT_TRUE(analytical);
}

TEST_F(query_session, users_create_show_drop) {
    EXPECT_FALSE(db.users().auth_required());
    run(s, "CREATE USER alice IDENTIFIED BY 'secret'");
    EXPECT_TRUE(db.users().authenticate("alice", "secret"));
    EXPECT_FALSE(db.users().authenticate("alice", "wrong"));
    auto r = run(s, "SHOW USERS");
    EXPECT_EQ(r.fields, (std::vector<std::string>{"user"}));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0][0], bolt::value("alice"));
    EXPECT_NE(error_of(s, "CREATE USER alice").find("already exists"), std::string::npos);
    run(s, "DROP USER alice");
    EXPECT_TRUE(run(s, "SHOW USERS").rows.empty());
}

TEST_F(query_session, reset_drops_result_and_rolls_back) {
    s.begin({});
    s.run("CREATE (:R1) RETURN 1", bolt::map{}, {});
    EXPECT_TRUE(s.has_open_result());
    s.reset();
    EXPECT_FALSE(s.has_open_result());
    EXPECT_FALSE(s.in_explicit_transaction());
    EXPECT_EQ(run(s, "MATCH (n:R1) RETURN count(n)").rows[0][0], bolt::value(0));
}

TEST_F(query_session, expressions_lists_case_logic_and_temporals) {
    auto r = run(s,
                 "WITH [1, 2, 3, 4] AS l RETURN l[1..3] AS sl, l[-1] AS last, CASE l[0] WHEN 1 THEN 'one' ELSE 'other' END AS c, "
                 "true XOR false AS x, NOT false AS n, 7 % 3 AS m, 2 * 3 - 1 AS a, 'abc' CONTAINS 'b' AS has, "
                 "'abc' ENDS WITH 'bc' AS suffix, 3 IN l AS inl");
    EXPECT_EQ(r.rows[0], (bolt::list{bolt::list{2, 3}, 4, "one", true, true, 1, 5, true, true, true}));
    auto t = run(s, "WITH date('2024-01-02') AS d RETURN d.year AS y, d.month AS m, d.day AS dd");
    EXPECT_EQ(t.rows[0], (bolt::list{2024, 1, 2}));
}

TEST_F(query_session, return_star_with_chains_and_unwind_edge_cases) {
    auto r = run(s, "WITH 1 AS a, 'x' AS b RETURN *");
    EXPECT_EQ(r.fields, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r.rows[0], (bolt::list{1, "x"}));
    EXPECT_TRUE(run(s, "UNWIND null AS x RETURN x").rows.empty());
    EXPECT_TRUE(run(s, "UNWIND [] AS x RETURN x").rows.empty());
    auto u = run(s, "UNWIND [3, 1, 2] AS x WITH x WHERE x > 1 RETURN x ORDER BY x");
    ASSERT_EQ(u.rows.size(), 2u);
    EXPECT_EQ(u.rows[0][0], bolt::value(2));
    auto nested = run(s, "UNWIND [[1, 2], [3]] AS l UNWIND l AS x RETURN sum(x) AS s");
    EXPECT_EQ(nested.rows[0][0], bolt::value(6));
}

TEST_F(query_session, relationship_matching_rules) {
    run(s, "CREATE (a:V {id: 1})-[:R {w: 1}]->(b:V {id: 2})-[:R {w: 2}]->(c:V {id: 3}), (a)-[:S]->(a)");
    EXPECT_EQ(run(s, "MATCH ()-[r:R {w: 2}]->() RETURN count(r)").rows[0][0], bolt::value(1));
    EXPECT_EQ(run(s, "MATCH (x)-[:R|S]->(y) RETURN count(*)").rows[0][0], bolt::value(3));
    // One relationship is never used twice in one pattern.
    EXPECT_EQ(run(s, "MATCH (a:V {id: 2})-[r1:R]-(x)-[r2:R]-(y) RETURN count(*)").rows[0][0], bolt::value(0));
    EXPECT_EQ(run(s, "MATCH (a)-[:S]-(b) RETURN count(*)").rows[0][0], bolt::value(1));
    EXPECT_EQ(run(s, "MATCH (n) WHERE n:V AND NOT n.id = 1 RETURN count(n)").rows[0][0], bolt::value(2));
    auto d = run(s, "MATCH ()-[r:R]->() DELETE r");
    EXPECT_EQ(stat(d, "relationships-deleted"), 2);
    EXPECT_EQ(run(s, "MATCH ()-[r]->() RETURN count(r)").rows[0][0], bolt::value(1));
}

TEST_F(query_session, variable_length_relationships) {
    run(s, "CREATE (:W {id: 1})-[:R]->(:W {id: 2})-[:R]->(:W {id: 3})-[:R]->(:W {id: 4})");
    auto r = run(s, "MATCH (a:W {id: 1})-[*1..2]->(b) RETURN b.id ORDER BY b.id");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[1][0], bolt::value(3));
    auto p = run(s, "MATCH p = (a:W {id: 1})-[rs:R*]->(d:W {id: 4}) RETURN length(p), size(rs), p");
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.rows[0][0], bolt::value(3));
    EXPECT_EQ(p.rows[0][1], bolt::value(3));
    EXPECT_EQ(p.rows[0][2].as<bolt::path>().nodes.size(), 4u);
    EXPECT_EQ(run(s, "MATCH (a:W {id: 4})<-[*0..]-(b) RETURN count(b)").rows[0][0], bolt::value(4));
}

TEST_F(query_session, odd_queries_fail_with_query_errors_only) {
    run(s, "CREATE (:X {v: 1})-[:R]->(:X {v: 2})");
    const char* queries[] = {
        "RETURN 1 + 'a'", "RETURN [1]['x']", "MATCH (n:X) SET n.x = n", "UNWIND 5 AS x RETURN x",
        "RETURN {a: 1}.b", "RETURN toInteger('x')", "MATCH (n) RETURN n ORDER BY n", "RETURN 1 / 0",
        "WITH 1 AS x MATCH (x)-->(y) RETURN y", "MATCH (a) WITH a AS b MATCH (b)-->(c) RETURN c.v",
        "RETURN count(*) + 1 AS c", "UNWIND ['a'] AS x RETURN sum(x)", "CREATE (a) CREATE (a)-[:R]->(b) RETURN b",
        "RETURN $p.x", "UNWIND [1, 2] AS x CREATE (:Y {v: x}) WITH count(*) AS c RETURN c",
        "RETURN labels(1)", "MATCH (n) RETURN n SKIP -1", "MATCH (n) RETURN n LIMIT 'a'", "RETURN type(null)",
        "MATCH (n:X) SET n += 5", "MATCH (n:X) SET n:L REMOVE n:L RETURN labels(n)", "RETURN -9223372036854775807 - 2",
        "MATCH p = (a)-[r]->(b) DELETE p", "MATCH (n) DETACH DELETE n RETURN count(*)", "RETURN startNode(1)",
        "UNWIND [1, null, 2] AS x RETURN collect(x), avg(x), min(x), max(x)", "OPTIONAL MATCH (n:Nope) RETURN n.x, labels(n)",
        "MERGE (a:M {id: null})", "RETURN [1, 2] + [3], 'a' < 1", "WITH [1, 2] AS l RETURN l[0..], l[..-1], l[5]",
    };
    for (const char* q : queries) {
        try {
            run(s, q, {{"p", bolt::list{1}}});
        } catch (const query_error& e) {
            EXPECT_FALSE(e.code().empty()) << q;
            EXPECT_FALSE(s.has_open_result()) << q;
        }
    }
    EXPECT_EQ(run(s, "RETURN 1").rows.size(), 1u);
}

TEST_F(query_session, guide_token_transfer_in_explicit_transaction) {
    auto c = run(s,
                 "CREATE (:User {id: $sender_id, name: $sender_name, account_balance: $sender_account_balance}) "
                 "CREATE (:User {id: $receiver_id, name: $receiver_name, account_balance: $receiver_account_balance})",
                 {{"sender_id", 1}, {"sender_name", "John"}, {"sender_account_balance", 1000},
                  {"receiver_id", 2}, {"receiver_name", "Jenna"}, {"receiver_account_balance", 2000}});
    EXPECT_EQ(stat(c, "nodes-created"), 2);
    s.begin({{"db", "memgraph"}});
    auto ok = run(s, "MATCH (u:User {id: $id}) RETURN u.account_balance - $num_of_tokens >= 0 AS is_enough",
                  {{"id", 1}, {"num_of_tokens", 10}});
    EXPECT_EQ(ok.fields, (std::vector<std::string>{"is_enough"}));
    EXPECT_EQ(ok.rows[0][0], bolt::value(true));
    run(s, "MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance - $num_of_tokens", {{"id", 1}, {"num_of_tokens", 10}});
    run(s, "MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance + $num_of_tokens", {{"id", 2}, {"num_of_tokens", 10}});
    s.commit();
    auto r = run(s, "MATCH (u:User) RETURN u.name, u.account_balance ORDER BY u.id");
    EXPECT_EQ(r.rows[0], (bolt::list{"John", 990}));
    EXPECT_EQ(r.rows[1], (bolt::list{"Jenna", 2010}));
    EXPECT_EQ(run(s, "MATCH (n) RETURN count(n) AS num_of_nodes").fields, (std::vector<std::string>{"num_of_nodes"}));

    // The guide's relationship chunk query with WITH $batch.
    bolt::list chunk = batch({{{"a", 1}, {"b", 2}}});
    auto rel = run(s, "WITH $batch AS nodes UNWIND nodes AS node MATCH (a:User {id: node.a}), (b:User {id: node.b}) "
                      "CREATE (a)-[:RELATIONSHIP]->(b)", {{"batch", chunk}});
    EXPECT_EQ(stat(rel, "relationships-created"), 1);
    try {
        s.run("RETURN 1", bolt::map{}, {{"db", "other"}});
        FAIL() << "unknown database accepted";
    } catch (const query_error& e) {
        EXPECT_NE(std::string(e.what()).find("unknown database"), std::string::npos);
    }
}

TEST_F(query_session, analytical_mode_bulk_import_counts_and_reads) {
    run(s, "STORAGE MODE IN_MEMORY_ANALYTICAL");
    bolt::list b;
    for (int i = 0; i < 1000; ++i) b.emplace_back(bolt::map{{"id", i}, {"name", "n" + std::to_string(i)}});
    auto r = run(s, "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name})", {{"batch", b}});
    EXPECT_EQ(stat(r, "nodes-created"), 1000);
    run(s, "CREATE INDEX ON :N(id)");
    EXPECT_EQ(run(s, "MATCH (n:N {id: 999}) RETURN n.name").rows[0][0], bolt::value("n999"));
    run(s, "STORAGE MODE IN_MEMORY_TRANSACTIONAL");
    EXPECT_EQ(db.graph().mode(), st::storage_mode::in_memory_transactional);
}

}  // namespace
