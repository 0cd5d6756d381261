// The Cypher parser: every clause and expression form, precedence, the Memgraph guide's queries
// and the benchmark queries, compared as S-expression dumps; plus literals, column names,
// positions and parameters the executor relies on.
#include <gtest/gtest.h>

#include <server/cypher/parser.hpp>
#include <server/cypher/printer.hpp>
#include <string>

namespace server::cypher {
namespace {

std::string dump(std::string_view text) {
    auto r = parse(text);
    if (!r) return "error: " + r.error().message;
    return to_string(*r);
}

struct dump_case {
    const char* text;
    const char* ast;
};

void PrintTo(const dump_case& c, std::ostream* os) {
    *os << c.text;
}

class dump_test : public ::testing::TestWithParam<dump_case> {};

TEST_P(dump_test, ParsesToExpectedAst) {
    EXPECT_EQ(dump(GetParam().text), GetParam().ast);
}

// The issue's benchmark queries and the Memgraph Python client guide's queries.
INSTANTIATE_TEST_SUITE_P(
    GuideAndBenchmark, dump_test,
    ::testing::Values(
        dump_case{
            "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name, score: row.score})",
            "(query (unwind $batch row) (create (part (node _ :N {id (. row id) name (. row name) "
            "score (. row score)}))))"},
        dump_case{
            "UNWIND $batch AS row MATCH (a:N {id: row.a}), (b:N {id: row.b}) CREATE (a)-[:R]->(b)",
            "(query (unwind $batch row) (match (part (node a :N {id (. row a)})) (part (node b :N "
            "{id (. row b)}))) (create (part (node a) (rel _ :R ->) (node b))))"},
        dump_case{
            "WITH $batch AS nodes\nUNWIND nodes AS node\nCREATE (n:Node {id: node.id})",
            "(query (with (as $batch nodes)) (unwind nodes node) (create (part (node n :Node {id "
            "(. node id)}))))"},
        dump_case{
            "WITH $batch AS nodes\nUNWIND nodes AS node\nMATCH (a:Node {id: node.a}), (b:Node "
            "{id: node.b}) CREATE (a)-[:RELATIONSHIP]->(b)",
            "(query (with (as $batch nodes)) (unwind nodes node) (match (part (node a :Node {id "
            "(. node a)})) (part (node b :Node {id (. node b)}))) (create (part (node a) (rel _ "
            ":RELATIONSHIP ->) (node b))))"},
        dump_case{
            "CREATE (u:User {name: $name, password: $password}) RETURN u.name AS name;",
            "(query (create (part (node u :User {name $name password $password}))) (return (as "
            "(. u name) name)))"},
        dump_case{
            "MATCH (u:User {name: $name}) RETURN u.name AS name",
            "(query (match (part (node u :User {name $name}))) (return (as (. u name) name)))"},
        dump_case{"MATCH (n) RETURN count(n) AS num_of_nodes;",
                  "(query (match (part (node n))) (return (as (fn count n) num_of_nodes)))"},
        dump_case{"MATCH (n) RETURN n;", "(query (match (part (node n))) (return n))"},
        dump_case{"CREATE USER `memgraphUser` IDENTIFIED BY 'memgraphPassword';",
                  "(create_user memgraphUser \"memgraphPassword\")"},
        dump_case{"CREATE (n:Technology {name:'Memgraph'});",
                  "(query (create (part (node n :Technology {name \"Memgraph\"}))))"},
        dump_case{"MATCH (n:Technology) RETURN n;",
                  "(query (match (part (node n :Technology))) (return n))"},
        dump_case{"CREATE (n:Technology {id:$id, name: $name, description: $description});",
                  "(query (create (part (node n :Technology {id $id name $name description "
                  "$description}))))"},
        dump_case{
            "CREATE (u:User {name: 'John'})-[r:LOVES {id:99}]->(t:Technology {name: 'Memgraph'})",
            "(query (create (part (node u :User {name \"John\"}) (rel r :LOVES -> {id 99}) (node "
            "t :Technology {name \"Memgraph\"}))))"},
        dump_case{
            "MATCH (u:User)-[r:LOVES]->(t:Technology) RETURN r",
            "(query (match (part (node u :User) (rel r :LOVES ->) (node t :Technology))) (return "
            "r))"},
        dump_case{"MATCH p=(d:User)-[r:LOVES]->(t:Technology) RETURN p",
                  "(query (match (part p = (node d :User) (rel r :LOVES ->) (node t :Technology))) "
                  "(return p))"},
        dump_case{"CREATE INDEX ON :User(name);", "(create_index :User name)"},
        dump_case{
            "MATCH (u:User) WHERE u.name STARTS WITH $user_name RETURN u.name as name",
            "(query (match (part (node u :User)) (where (starts_with (. u name) $user_name))) "
            "(return (as (. u name) name)))"},
        dump_case{
            "CREATE (:User {id: $sender_id, name: $sender_name, account_balance: "
            "$sender_account_balance})\nCREATE (:User {id: $receiver_id, name: $receiver_name, "
            "account_balance: $receiver_account_balance})",
            "(query (create (part (node _ :User {id $sender_id name $sender_name "
            "account_balance $sender_account_balance}))) (create (part (node _ :User {id "
            "$receiver_id name $receiver_name account_balance $receiver_account_balance}))))"},
        dump_case{
            "MATCH (u:User {id: $id}) RETURN u.account_balance - $num_of_tokens >= 0 AS is_enough",
            "(query (match (part (node u :User {id $id}))) (return (as (>= (- (. u "
            "account_balance) $num_of_tokens) 0) is_enough)))"},
        dump_case{
            "MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance - $num_of_tokens",
            "(query (match (part (node u :User {id $id}))) (set (= (. u account_balance) (- (. u "
            "account_balance) $num_of_tokens))))"},
        dump_case{"CREATE (u:User {name: $name})",
                  "(query (create (part (node u :User {name $name}))))"},
        dump_case{"MATCH (u:User) WHERE startsWith(u.name, $user_name) RETURN u.name AS name",
                  "(query (match (part (node u :User)) (where (fn startsWith (. u name) "
                  "$user_name))) (return (as (. u name) name)))"},
        dump_case{"WITH $batch AS nodes\nUNWIND nodes AS node\nCREATE (n:Node {})",
                  "(query (with (as $batch nodes)) (unwind nodes node) (create (part (node n :Node "
                  "{}))))"}));

INSTANTIATE_TEST_SUITE_P(
    Clauses, dump_test,
    ::testing::Values(
        dump_case{
            "OPTIONAL MATCH (n:A:B {k: $v}) WITH DISTINCT n AS m, n.k AS k ORDER BY k ASC SKIP 0 "
            "LIMIT 10 WHERE k > 1 RETURN m",
            "(query (optional_match (part (node n :A:B {k $v}))) (with distinct (as n m) (as (. n "
            "k) k) (order_by (asc k)) (skip 0) (limit 10) (where (> k 1))) (return m))"},
        dump_case{
            "MATCH (a)<-[r:T|U]-(b)--(c)-[*1..3]->(d)-[:X*2]-(e)<-[:Y|:Z *..4 {w: 1}]-(f) RETURN *",
            "(query (match (part (node a) (rel r :T|U <-) (node b) (rel _ --) (node c) (rel _ -> "
            "*1..3) (node d) (rel _ :X -- *2..2) (node e) (rel _ :Y|Z <- *..4 {w 1}) (node f))) "
            "(return *))"},
        dump_case{"MATCH (a)<-->(b), (c $props) RETURN a",
                  "(query (match (part (node a) (rel _ --) (node b)) (part (node c $props))) "
                  "(return a))"},
        dump_case{
            "MERGE (n:U {id: 1}) ON CREATE SET n.created = timestamp(), n += $props ON MATCH SET "
            "n.seen = true, n:Seen:Again RETURN n",
            "(query (merge (part (node n :U {id 1})) (on_create (= (. n created) (fn timestamp)) "
            "(+= n $props)) (on_match (= (. n seen) true) (:= n :Seen:Again))) (return n))"},
        dump_case{
            "MATCH (a), (b) MERGE (a)-[r:KNOWS]-(b) RETURN r",
            "(query (match (part (node a)) (part (node b))) (merge (part (node a) (rel r :KNOWS "
            "--) (node b))) (return r))"},
        dump_case{
            "MATCH (n) SET n = {a: 1}, n += {b: 2}, n:L, n.p.q = 3",
            "(query (match (part (node n))) (set (= n {a 1}) (+= n {b 2}) (:= n :L) (= (. (. n "
            "p) q) 3)))"},
        dump_case{"MATCH (n) REMOVE n.p, n:L:M",
                  "(query (match (part (node n))) (remove (. n p) (labels n :L:M)))"},
        dump_case{"MATCH (n) DETACH DELETE n", "(query (match (part (node n))) (detach_delete n))"},
        dump_case{"MATCH (n)-[r]-() DELETE r, n",
                  "(query (match (part (node n) (rel r --) (node _))) (delete r n))"},
        dump_case{
            "UNWIND range(1, 10) AS i RETURN i, i * 2 AS d ORDER BY d DESC, i SKIP 1 LIMIT $n",
            "(query (unwind (fn range 1 10) i) (return i (as (* i 2) d) (order_by (desc d) (asc "
            "i)) (skip 1) (limit $n)))"},
        dump_case{
            "MATCH (n) RETURN DISTINCT n.x AS x ORDER BY x DESCENDING",
            "(query (match (part (node n))) (return distinct (as (. n x) x) (order_by (desc x))))"},
        dump_case{
            "MATCH (n) RETURN count(*), count(DISTINCT n.x), collect(n) ORDER BY count(*) DESC",
            "(query (match (part (node n))) (return (count*) (fn distinct count (. n x)) (fn "
            "collect n) (order_by (desc (count*)))))"},
        dump_case{
            "match (n:`weird label`) where n:A return n.`x y`, labels(n), n:A:B",
            "(query (match (part (node n :`weird label`)) (where (labels n :A))) (return (. n `x "
            "y`) (fn labels n) (labels n :A:B)))"},
        dump_case{"// a comment\nMATCH (n) /* another */ RETURN n // trailing",
                  "(query (match (part (node n))) (return n))"}));

INSTANTIATE_TEST_SUITE_P(
    Expressions, dump_test,
    ::testing::Values(
        dump_case{
            "RETURN 0x1F, 0o17, 1.5e3, .5, 2E-1, 7, -9223372036854775808, 9223372036854775807",
            "(query (return 31 15 1500.0 0.5 0.2 7 -9223372036854775808 9223372036854775807))"},
        dump_case{R"(RETURN 'it\'s', "q\"uote\n\u00e9\\", '', true, FALSE, Null)",
                  R"((query (return "it's" "q\"uote\né\\" "" true false null)))"},
        dump_case{"RETURN [1, [2], []], {a: 1, `b c`: [2], `case`: {}}, {}",
                  "(query (return [1 [2] []] {a 1 `b c` [2] case {}} {}))"},
        dump_case{"RETURN $p, $0, $p.k, $p[0]", "(query (return $p $0 (. $p k) ([] $p 0)))"},
        dump_case{
            "RETURN [1][0], [1][1..2], [1][..3], [1][4..], {a: 1}.a, {a: {b: 1}}.a.b",
            "(query (return ([] [1] 0) ([..] [1] 1 2) ([..] [1] _ 3) ([..] [1] 4 _) (. {a 1} a) "
            "(. (. {a {b 1}} a) b)))"},
        dump_case{
            "RETURN CASE WHEN 1 THEN 2 WHEN 3 THEN 4 ELSE 5 END, CASE $x WHEN 1 THEN 'a' END",
            "(query (return (case (when 1 2) (when 3 4) (else 5)) (case $x (when 1 \"a\"))))"},
        dump_case{
            "RETURN toUpper('a'), coalesce(null, 1), date('2024-01-01'), `f`(1)",
            "(query (return (fn toUpper \"a\") (fn coalesce null 1) (fn date \"2024-01-01\") (fn "
            "f 1)))"},
        dump_case{
            "MATCH (n) WHERE n.name IS NOT NULL AND n.x IS NULL OR n.s ENDS WITH 'z' OR n.s "
            "CONTAINS 'q' RETURN n",
            "(query (match (part (node n)) (where (or (or (and (is_not_null (. n name)) (is_null "
            "(. n x))) (ends_with (. n s) \"z\")) (contains (. n s) \"q\")))) (return n))"},
        dump_case{
            "RETURN 'a' STARTS WITH 'b', 1 IN [1], [1] + [2], 'a' + 'b'",
            "(query (return (starts_with \"a\" \"b\") (in 1 [1]) (+ [1] [2]) (+ \"a\" \"b\")))"}));

// Precedence and associativity, as in openCypher 9 (Memgraph's grammar).
INSTANTIATE_TEST_SUITE_P(
    Precedence, dump_test,
    ::testing::Values(
        dump_case{"RETURN 1 + 2 * 3 ^ 2", "(query (return (+ 1 (* 2 (^ 3 2)))))"},
        dump_case{"RETURN 10 - 2 - 3, 8 / 4 / 2, 7 % 3 * 2",
                  "(query (return (- (- 10 2) 3) (/ (/ 8 4) 2) "
                  "(* (% 7 3) 2)))"},
        dump_case{"RETURN 2 ^ 3 ^ 2", "(query (return (^ (^ 2 3) 2)))"},
        dump_case{"RETURN -2 ^ 2, 1 - -1, - - 1, +1",
                  "(query (return (^ (neg 2) 2) (- 1 (neg 1)) (neg (neg 1)) (pos 1)))"},
        dump_case{"RETURN NOT true AND false", "(query (return (and (not true) false)))"},
        dump_case{"RETURN NOT NOT true", "(query (return (not (not true))))"},
        dump_case{"RETURN true OR false XOR true AND false",
                  "(query (return (or true (xor false (and true false)))))"},
        dump_case{"RETURN true AND false OR true", "(query (return (or (and true false) true)))"},
        dump_case{"RETURN NOT 1 = 2", "(query (return (not (= 1 2))))"},
        dump_case{"RETURN 1 < 2 <= 3", "(query (return (and (< 1 2) (<= 2 3))))"},
        dump_case{"RETURN 1 = 1 = true", "(query (return (and (= 1 1) (= 1 true))))"},
        dump_case{"RETURN 1 + 2 = 3, 1 <> 2, 1 != 2, 1 > 0, 1 >= 0",
                  "(query (return (= (+ 1 2) 3) (<> 1 2) (<> 1 2) (> 1 0) (>= 1 0)))"},
        // IN and the string predicates bind tighter than + (expression3a in the grammar).
        dump_case{"RETURN 'a' + 'b' IN ['ab']", "(query (return (+ \"a\" (in \"b\" [\"ab\"]))))"},
        dump_case{"RETURN 'ab' STARTS WITH 'a' + 'b'",
                  "(query (return (+ (starts_with \"ab\" \"a\") \"b\")))"},
        dump_case{"RETURN -1 IS NULL, 1 + null IS NOT NULL",
                  "(query (return (neg (is_null 1)) (+ 1 (is_not_null null))))"},
        dump_case{"RETURN (1 + 2) * 3, ((1))", "(query (return (* (+ 1 2) 3) 1))"}));

INSTANTIATE_TEST_SUITE_P(
    Statements, dump_test,
    ::testing::Values(
        dump_case{"CREATE INDEX ON :L(p)", "(create_index :L p)"},
        dump_case{"CREATE INDEX ON :L", "(create_index :L)"},
        dump_case{"DROP INDEX ON :L(p);", "(drop_index :L p)"},
        dump_case{"drop index on :`L x`", "(drop_index :`L x`)"},
        dump_case{"SHOW INDEX INFO", "(show index_info)"},
        dump_case{"CREATE CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE",
                  "(create_constraint unique n :L p)"},
        dump_case{"CREATE CONSTRAINT ON (n:L) ASSERT n.p, n.q IS UNIQUE",
                  "(create_constraint unique n :L p q)"},
        dump_case{"CREATE CONSTRAINT ON (n:L) ASSERT EXISTS (n.p)",
                  "(create_constraint exists n :L p)"},
        dump_case{"DROP CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE",
                  "(drop_constraint unique n :L p)"},
        dump_case{"SHOW CONSTRAINT INFO;", "(show constraint_info)"},
        dump_case{"STORAGE MODE IN_MEMORY_ANALYTICAL;", "(storage_mode in_memory_analytical)"},
        dump_case{"storage mode in_memory_transactional", "(storage_mode in_memory_transactional)"},
        dump_case{"SHOW STORAGE INFO", "(show storage_info)"},
        dump_case{"CREATE USER IF NOT EXISTS alice IDENTIFIED BY \"pw\"",
                  "(create_user alice if_not_exists \"pw\")"},
        dump_case{"CREATE USER bob", "(create_user bob)"},
        dump_case{"CREATE USER bob IDENTIFIED BY null", "(create_user bob)"},
        dump_case{"DROP USER `bob`", "(drop_user bob)"}, dump_case{"SHOW USERS", "(show users)"},
        dump_case{"FREE MEMORY;", "(free_memory)"}));

TEST(parser, KeywordsAreCaseInsensitiveAndNamesKeepTheirCase) {
    EXPECT_EQ(dump("mAtCh (N:Person) wHeRe N.Age > 1 ReTuRn N"),
              "(query (match (part (node N :Person)) (where (> (. N Age) 1))) (return N))");
}

TEST(parser, KeywordLikeNamesStayUsableAsPropertyKeysAndLabels) {
    EXPECT_EQ(
        dump("MATCH (n:Match {return: 1}) RETURN n.count, n.match AS `match`"),
        "(query (match (part (node n :Match {return 1}))) (return (. n count) (as (. n match) "
        "match)))");
}

TEST(parser, ColumnNamesAreTheExpressionTextAsWritten) {
    auto r = parse("MATCH (n) RETURN n.name, count( * ), n.x  +  1 AS y, `n`");
    ASSERT_TRUE(r) << r.error().message;
    const auto& ret = std::get<return_clause>(r->clauses()[1]);
    ASSERT_EQ(ret.body.items.size(), 4u);
    EXPECT_EQ(ret.body.items[0].name, "n.name");
    EXPECT_FALSE(ret.body.items[0].aliased);
    EXPECT_EQ(ret.body.items[1].name, "count( * )");
    EXPECT_EQ(ret.body.items[2].name, "y");
    EXPECT_TRUE(ret.body.items[2].aliased);
    EXPECT_EQ(ret.body.items[3].name, "`n`");
}

TEST(parser, LiteralsCarryTheirValues) {
    auto r = parse("RETURN 42, 1.5, 'x\\ty', true, null, 0xFF");
    ASSERT_TRUE(r);
    const auto& items = std::get<return_clause>(r->clauses()[0]).body.items;
    EXPECT_EQ(r->at(items[0].value).value, bolt::value(42));
    EXPECT_EQ(r->at(items[1].value).value, bolt::value(1.5));
    EXPECT_EQ(r->at(items[2].value).value, bolt::value("x\ty"));
    EXPECT_EQ(r->at(items[3].value).value, bolt::value(true));
    EXPECT_TRUE(r->at(items[4].value).value.is_null());
    EXPECT_EQ(r->at(items[5].value).value, bolt::value(255));
}

TEST(parser, AggregatesAreMarked) {
    auto r = parse(
        "MATCH (n) RETURN COUNT(n), Sum(n.x), avg(n.x), min(1), max(1), collect(n), size([])");
    ASSERT_TRUE(r);
    const auto& items = std::get<return_clause>(r->clauses()[1]).body.items;
    const aggregate expected[] = {aggregate::count, aggregate::sum, aggregate::avg,
                                  aggregate::min,   aggregate::max, aggregate::collect,
                                  aggregate::none};
    ASSERT_EQ(items.size(), std::size(expected));
    for (std::size_t i = 0; i < items.size(); ++i)
        EXPECT_EQ(r->at(items[i].value).agg, expected[i]) << i;
}

TEST(parser, ParametersAreListedOnceInOrderOfUse) {
    auto r = parse("UNWIND $batch AS row MATCH (a {id: $x}) WHERE a.y = $x RETURN $limit");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parameters, (std::vector<std::string>{"batch", "x", "limit"}));
}

TEST(parser, PositionsAreOneBasedLineAndColumn) {
    auto r = parse("MATCH (n)\n  WHERE n.x = 1\nRETURN n");
    ASSERT_TRUE(r);
    const auto& m = std::get<match_clause>(r->clauses()[0]);
    EXPECT_EQ(m.pos.line, 1u);
    EXPECT_EQ(m.pos.column, 1u);
    EXPECT_EQ(m.patterns[0].nodes[0].pos.column, 7u);
    const expr& where = r->at(m.where);  // the '=' operator
    EXPECT_EQ(where.pos.line, 2u);
    EXPECT_EQ(where.pos.column, 13u);
    const auto& ret = std::get<return_clause>(r->clauses()[1]);
    EXPECT_EQ(ret.pos.line, 3u);
    EXPECT_EQ(ret.pos.column, 1u);
}

TEST(parser, ColumnsCountCharactersNotBytes) {
    auto r = parse("RETURN 'é', x");  // é is two bytes in UTF-8
    ASSERT_TRUE(r);
    const auto& items = std::get<return_clause>(r->clauses()[0]).body.items;
    EXPECT_EQ(r->at(items[1].value).pos.column, 13u);
}

TEST(parser, NonCypherStatementsHaveNoClauses) {
    auto r = parse("SHOW STORAGE INFO");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->clauses().empty());
    EXPECT_TRUE(std::holds_alternative<show_statement>(r->stmt));
}

TEST(parser, DeepButReasonableNestingParses) {
    std::string q = "RETURN ";
    for (int i = 0; i < 50; ++i) q += "[";
    q += "1";
    for (int i = 0; i < 50; ++i) q += "]";
    EXPECT_TRUE(parse(q));
}

TEST(parser, LongFlatChainsDoNotCountAsNesting) {
    // Loops, not recursion: a thousand operands or NOTs parse fine.
    std::string sum = "RETURN 1";
    for (int i = 0; i < 1000; ++i) sum += " + 1";
    EXPECT_TRUE(parse(sum));
    std::string nots = "RETURN ";
    for (int i = 0; i < 1000; ++i) nots += "NOT ";
    nots += "true";
    EXPECT_TRUE(parse(nots));
    std::string negs = "RETURN ";
    for (int i = 0; i < 1000; ++i) negs += "- ";
    negs += "1";
    EXPECT_TRUE(parse(negs));
}

}  // namespace
}  // namespace server::cypher
