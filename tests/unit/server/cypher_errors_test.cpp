// Syntax errors: Memgraph-shaped messages with the right line and column for a table of bad
// queries, the nesting cap against depth bombs, and a replay of the fuzz corpus.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <server/cypher/parser.hpp>
#include <server/cypher/printer.hpp>
#include <server/cypher/semantic.hpp>
#include <string>

namespace server::cypher {
namespace {

struct error_case {
    const char* text;
    std::size_t line, column;
    const char* message;
};

void PrintTo(const error_case& c, std::ostream* os) {
    *os << c.text;
}

class syntax_error_test : public ::testing::TestWithParam<error_case> {};

TEST_P(syntax_error_test, ReportsPositionAndMessage) {
    const auto& c = GetParam();
    auto r = parse(c.text);
    ASSERT_FALSE(r) << to_string(*r);
    EXPECT_EQ(r.error().line, c.line);
    EXPECT_EQ(r.error().column, c.column);
    EXPECT_EQ(r.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    BadQueries, syntax_error_test,
    ::testing::Values(
        error_case{
            "CRATE (n)", 1, 1,
            "line 1:0 mismatched input 'CRATE' expecting {CREATE, DELETE, DETACH, DROP, FREE, "
            "MATCH, MERGE, OPTIONAL, REMOVE, RETURN, SET, SHOW, STORAGE, UNWIND, WITH}"},
        error_case{"MATCH (n", 1, 8, "line 1:7 no viable alternative at input 'MATCH (n'"},
        error_case{"MATCH (n RETURN n", 1, 10,
                   "line 1:9 no viable alternative at input 'MATCH (n RETURN'"},
        error_case{
            "MATCH (n) RETRN n", 1, 11,
            "line 1:10 mismatched input 'RETRN' expecting {<EOF>, ';', CREATE, DELETE, DETACH, "
            "MATCH, MERGE, OPTIONAL, REMOVE, RETURN, SET, UNWIND, WITH}"},
        error_case{"CALL db.labels() YIELD label RETURN label", 1, 1, "Unsupported clause: CALL"},
        error_case{"MATCH (n) RETURN n UNION MATCH (m) RETURN m", 1, 20,
                   "Unsupported clause: UNION"},
        error_case{"load csv from 'x' as row return row", 1, 1, "Unsupported clause: LOAD"},
        error_case{"MATCH (n) FOREACH (x IN [1] | SET n.x = x)", 1, 11,
                   "Unsupported clause: FOREACH"},
        error_case{"RETURN 'abc", 1, 8, "line 1:7 token recognition error at: ''abc'"},
        error_case{"RETURN 1 +", 1, 10, "line 1:9 no viable alternative at input 'RETURN 1 +'"},
        error_case{"MATCH (n)\nRETURN n.", 2, 9,
                   "line 2:8 no viable alternative at input 'RETURN n.'"},
        error_case{"RETURN 99999999999999999999", 1, 8, "Integer literal exceeds 64 bits."},
        error_case{"RETURN 9223372036854775808", 1, 8, "Integer literal exceeds 64 bits."},
        error_case{"RETURN 1;;", 1, 10, "line 1:9 mismatched input ';' expecting <EOF>"},
        error_case{
            "", 1, 1,
            "line 1:0 mismatched input '<EOF>' expecting {CREATE, DELETE, DETACH, DROP, FREE, "
            "MATCH, MERGE, OPTIONAL, REMOVE, RETURN, SET, SHOW, STORAGE, UNWIND, WITH}"},
        error_case{"MATCH (n) WHERE RETURN n", 1, 17,
                   "line 1:16 no viable alternative at input 'MATCH (n) WHERE RETURN'"},
        error_case{"MATCH (n)-[r:]->(m) RETURN n", 1, 14,
                   "line 1:13 no viable alternative at input 'MATCH (n)-[r:]'"},
        error_case{"DROP TABLE x", 1, 6,
                   "line 1:5 mismatched input 'TABLE' expecting {CONSTRAINT, INDEX, USER}"},
        error_case{"SHOW FOO", 1, 6,
                   "line 1:5 mismatched input 'FOO' expecting {CONSTRAINT, INDEX, STORAGE, USERS}"},
        error_case{"STORAGE MODE ON_DISK_TRANSACTIONAL", 1, 14,
                   "line 1:13 mismatched input 'ON_DISK_TRANSACTIONAL' expecting "
                   "{IN_MEMORY_ANALYTICAL, IN_MEMORY_TRANSACTIONAL}"},
        error_case{"CREATE INDEX ON L(p)", 1, 17, "line 1:16 mismatched input 'L' expecting ':'"},
        error_case{"CREATE USER alice IDENTIFIED BY 42", 1, 33,
                   "Password should be a string literal or null."},
        error_case{"RETURN {a 1}", 1, 11, "line 1:10 mismatched input '1' expecting ':'"},
        error_case{"RETURN [1, 2", 1, 12,
                   "line 1:11 no viable alternative at input 'RETURN [1, 2'"},
        error_case{"RETURN f(1, 2", 1, 13,
                   "line 1:12 no viable alternative at input 'RETURN f(1, 2'"},
        error_case{"RETURN CASE END", 1, 13,
                   "line 1:12 no viable alternative at input 'RETURN CASE END'"},
        error_case{"RETURN 1 =~ 'x'", 1, 11, "line 1:10 token recognition error at: '~'"},
        error_case{"MATCH (n) SET n.x RETURN n", 1, 19,
                   "line 1:18 mismatched input 'RETURN' expecting '='"},
        error_case{"RETURN $", 1, 8, "line 1:7 token recognition error at: '$'"},
        error_case{"/* unterminated", 1, 1,
                   "line 1:0 token recognition error at: '/* unterminated'"},
        error_case{"RETURN `unterminated", 1, 8,
                   "line 1:7 token recognition error at: '`unterminated'"},
        error_case{"MATCH (n) RETURN n LIMIT", 1, 20,
                   "line 1:19 no viable alternative at input 'RETURN n LIMIT'"},
        error_case{"RETURN [x IN [1] | x]", 1, 18,
                   "line 1:17 no viable alternative at input 'RETURN [x IN [1] |'"},
        error_case{"MERGE (n) ON DELETE SET n.x = 1", 1, 14,
                   "line 1:13 mismatched input 'DELETE' expecting {CREATE, MATCH}"}));

// ---- the nesting cap -----------------------------------------------------------------------

std::string nest(std::string_view open, std::string_view inner, std::string_view close, int depth) {
    std::string s = "RETURN ";
    for (int i = 0; i < depth; ++i) s += open;
    s += inner;
    for (int i = 0; i < depth; ++i) s += close;
    return s;
}

TEST(nesting, DepthBombsAreRefusedNotRecursedInto) {
    const std::string bombs[] = {
        nest("(", "1", ")", 100000),
        nest("[", "1", "]", 100000),
        nest("{a: ", "1", "}", 100000),
        nest("f(", "1", ")", 100000),
        nest("CASE WHEN true THEN ", "1", " END", 100000),
        nest("[1][", "0", "]", 100000),
        nest("(", "", "", 100000),  // unbalanced: only openers
        "MATCH (n {a: " + nest("[", "1", "]", 100000).substr(7) + "}) RETURN n",
    };
    for (const auto& q : bombs) {
        auto r = parse(q);
        ASSERT_FALSE(r) << q.substr(0, 40);
        EXPECT_EQ(r.error().message, "query nested too deeply") << q.substr(0, 40);
        EXPECT_EQ(r.error().line, 1u);
    }
}

TEST(nesting, TheCapSitsAtMaxNestingDepth) {
    // RETURN's item is itself one level, so max_nesting_depth - 1 brackets fit.
    const int fits = static_cast<int>(max_nesting_depth) - 1;
    EXPECT_TRUE(parse(nest("[", "1", "]", fits)));
    auto r = parse(nest("[", "1", "]", fits + 1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "query nested too deeply");
    // At the first token nested one level too deep (inside the last bracket).
    EXPECT_EQ(r.error().column, 8u + static_cast<std::size_t>(fits) + 1);
}

TEST(nesting, DeepQueriesUnderTheCapSurviveCheckAndPrint) {
    auto r = parse(nest("(", "1", ")", static_cast<int>(max_nesting_depth) - 2));
    ASSERT_TRUE(r);
    EXPECT_FALSE(check(*r));
    EXPECT_EQ(to_string(*r), "(query (return 1))");
}

// ---- the fuzz corpus -----------------------------------------------------------------------

std::filesystem::path corpus_dir() {
    return std::filesystem::path(BOLTLOAD_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / "cypher_parser_fuzz";
}

TEST(fuzz_corpus, EveryInputParsesOrFailsWithAPosition) {
    const auto dir = corpus_dir();
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
    std::size_t count = 0, parsed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        auto r = parse(text);
        ++count;
        if (r) {
            ++parsed;
            (void)check(*r);
            (void)classify(*r);
            EXPECT_FALSE(to_string(*r).empty()) << entry.path();
        } else {
            EXPECT_GE(r.error().line, 1u) << entry.path();
            EXPECT_GE(r.error().column, 1u) << entry.path();
            EXPECT_FALSE(r.error().message.empty()) << entry.path();
        }
    }
    EXPECT_GE(count, 20u);
    EXPECT_GE(parsed, 10u);  // the seeds are mostly valid queries, so the fuzzer starts deep
}

}  // namespace
}  // namespace server::cypher
