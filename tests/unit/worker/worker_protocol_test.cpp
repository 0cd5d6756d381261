// The coordinator <-> worker protocol: every message survives encode → decode unchanged, the
// wire form is one JSON line as PROTOCOL.md shows, a version mismatch is a clear error, and
// malformed or truncated lines give a sentence instead of a crash.
#include "boltload/worker_protocol.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using namespace boltload;
using ::testing::HasSubstr;

configure full_configure() {
    configure c;
    c.worker_id = 3;
    c.retry_seed = 18446744073709551615ull;
    c.connection.uri = "bolt+s://db.example.com:7688";
    c.connection.auth = auth_spec{"basic", "alice", "s3cret", "native"};
    c.connection.database = "graph";
    c.connection.ca_file = "/etc/ssl/ca.pem";
    c.connection.connect_timeout = std::chrono::milliseconds(2500);
    c.connection.read_timeout = std::chrono::milliseconds(10'000);
    c.connection.transaction_timeout = std::chrono::milliseconds(60'000);
    c.connection.fetch_size = -1;
    c.connection.user_agent = "boltload/test";
    c.phase.name = "relationships";
    c.phase.query =
        "WITH $batch AS nodes UNWIND nodes AS node MATCH (a:Node {id: node.a}) RETURN a";
    c.phase.parameter = "batch";
    c.phase.batch_size = 1000;
    c.phase.transaction = transaction_mode::managed;
    c.phase.retry = retry_spec{bolt::retry_kind::memgraph,
                               {{"max_retries", 100},
                                {"initial_wait_time", 0.2},
                                {"backoff_factor", 1.1},
                                {"jitter", 0.1}}};
    generate_spec g;
    g.kind = generate_spec::entity::relationships;
    g.count = 1000;
    g.repeat = 10;
    g.id_min = -5;
    g.id_max = 995;
    g.keys.kind = distribution_kind::hotspot;
    g.keys.hotspot_keys = 7;
    g.keys.hotspot_probability = 0.75;
    g.keys.zipf_s = 1.25;
    g.properties = {{"weight", generated_type::float_, 1, 9},
                    {"tag", generated_type::string_, 3, 8}};
    g.seed = 18446744073709551615ull;
    c.phase.source = g;
    return c;
}

configure csv_configure() {
    configure c = full_configure();
    csv_spec s;
    s.path = "/data/users.csv";
    s.delimiter = '\t';
    s.quote = '\0';  // quoting off
    s.header = false;
    s.columns = {{"id", column_type::integer, column_type::string_, ';', true},
                 {"tags", column_type::list, column_type::float_, '|', false},
                 {"", column_type::skip, column_type::string_, ';', true},
                 {"when", column_type::datetime, column_type::string_, ';', true}};
    c.phase.source = s;
    c.phase.transaction = transaction_mode::implicit;
    c.phase.retry = retry_spec{bolt::retry_kind::none, {}};
    c.connection.ca_file.reset();
    c.connection.transaction_timeout.reset();
    return c;
}

void expect_same(const configure& a, const configure& b) {
    EXPECT_EQ(a.worker_id, b.worker_id);
    EXPECT_EQ(a.retry_seed, b.retry_seed);
    EXPECT_EQ(a.connection, b.connection);
    EXPECT_EQ(a.phase.name, b.phase.name);
    EXPECT_EQ(a.phase.query, b.phase.query);
    EXPECT_EQ(a.phase.parameter, b.phase.parameter);
    EXPECT_EQ(a.phase.batch_size, b.phase.batch_size);
    EXPECT_EQ(a.phase.transaction, b.phase.transaction);
    EXPECT_EQ(a.phase.retry, b.phase.retry);
    EXPECT_EQ(a.phase.on_bad_row, b.phase.on_bad_row);
    ASSERT_EQ(a.phase.source.index(), b.phase.source.index());
    if (const auto* x = std::get_if<csv_spec>(&a.phase.source)) {
        const auto& y = std::get<csv_spec>(b.phase.source);
        EXPECT_EQ(x->path, y.path);
        EXPECT_EQ(x->delimiter, y.delimiter);
        EXPECT_EQ(x->quote, y.quote);
        EXPECT_EQ(x->header, y.header);
        EXPECT_EQ(x->max_row_bytes, y.max_row_bytes);
        ASSERT_EQ(x->columns.size(), y.columns.size());
        for (std::size_t i = 0; i < x->columns.size(); ++i) {
            EXPECT_EQ(x->columns[i].name, y.columns[i].name);
            EXPECT_EQ(x->columns[i].type, y.columns[i].type);
            EXPECT_EQ(x->columns[i].element_type, y.columns[i].element_type);
            EXPECT_EQ(x->columns[i].list_separator, y.columns[i].list_separator);
            EXPECT_EQ(x->columns[i].null_on_empty, y.columns[i].null_on_empty);
        }
    } else {
        const auto& x1 = std::get<generate_spec>(a.phase.source);
        const auto& y = std::get<generate_spec>(b.phase.source);
        EXPECT_EQ(x1.kind, y.kind);
        EXPECT_EQ(x1.count, y.count);
        EXPECT_EQ(x1.repeat, y.repeat);
        EXPECT_EQ(x1.id_min, y.id_min);
        EXPECT_EQ(x1.id_max, y.id_max);
        EXPECT_EQ(x1.keys.kind, y.keys.kind);
        EXPECT_EQ(x1.keys.zipf_s, y.keys.zipf_s);
        EXPECT_EQ(x1.keys.hotspot_keys, y.keys.hotspot_keys);
        EXPECT_EQ(x1.keys.hotspot_probability, y.keys.hotspot_probability);
        ASSERT_EQ(x1.properties.size(), y.properties.size());
        for (std::size_t i = 0; i < x1.properties.size(); ++i) {
            EXPECT_EQ(x1.properties[i].name, y.properties[i].name);
            EXPECT_EQ(x1.properties[i].type, y.properties[i].type);
            EXPECT_EQ(x1.properties[i].min, y.properties[i].min);
            EXPECT_EQ(x1.properties[i].max, y.properties[i].max);
        }
        EXPECT_EQ(x1.seed, y.seed);
    }
}

coordinator_message to_coordinator(const std::string& line) {
    std::string error;
    auto m = decode_coordinator_message(line, error);
    EXPECT_TRUE(m) << error << "\n" << line;
    EXPECT_EQ(error, "");
    return m ? *m : coordinator_message{shutdown{}};
}

worker_message to_worker(const std::string& line) {
    std::string error;
    auto m = decode_worker_message(line, error);
    EXPECT_TRUE(m) << error << "\n" << line;
    return m ? *m : worker_message{hello{}};
}

std::string coordinator_error(std::string_view line) {
    std::string error;
    EXPECT_FALSE(decode_coordinator_message(line, error)) << line;
    return error;
}

std::string worker_error(std::string_view line) {
    std::string error;
    EXPECT_FALSE(decode_worker_message(line, error)) << line;
    return error;
}

// ---- round trips -------------------------------------------------------------------------------

TEST(worker_protocol, every_line_is_one_json_object_ending_in_newline) {
    const std::string line = encode(coordinator_message{full_configure()});
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);  // a query with newlines stays on one line
    EXPECT_EQ(line.rfind("{\"type\":\"configure\"", 0), 0u);
}

TEST(worker_protocol, hello_round_trips_both_ways) {
    const hello h{protocol_version, "boltload-worker 0.1"};
    EXPECT_EQ(encode(coordinator_message{h}),
              "{\"type\":\"hello\",\"protocol\":3,\"program\":\"boltload-worker 0.1\"}\n");
    EXPECT_EQ(std::get<hello>(to_coordinator(encode(coordinator_message{h}))), h);
    EXPECT_EQ(std::get<hello>(to_worker(encode(worker_message{h}))), h);
}

TEST(worker_protocol, configure_round_trips_with_a_generator_source) {
    const configure c = full_configure();
    expect_same(std::get<configure>(to_coordinator(encode(coordinator_message{c}))), c);
}

TEST(worker_protocol, configure_round_trips_with_a_csv_source) {
    const configure c = csv_configure();
    expect_same(std::get<configure>(to_coordinator(encode(coordinator_message{c}))), c);
}

TEST(worker_protocol, configure_carries_on_bad_row_and_max_row_bytes) {
    configure c = csv_configure();
    c.phase.on_bad_row = bad_row_policy::skip;
    std::get<csv_spec>(c.phase.source).max_row_bytes = 4096;
    const std::string line = encode(coordinator_message{c});
    EXPECT_NE(line.find("\"on_bad_row\":\"skip\""), std::string::npos);
    EXPECT_NE(line.find("\"max_row_bytes\":4096"), std::string::npos);
    expect_same(std::get<configure>(to_coordinator(line)), c);
    // The defaults are not written: a journal's fingerprint of the source stays what it was.
    const std::string plain = to_json(csv_configure().phase.source).dump();
    EXPECT_EQ(plain.find("max_row_bytes"), std::string::npos);
}

TEST(worker_protocol, bad_rows_round_trip_with_their_exact_bytes) {
    batch_result r;
    r.chunk_id = 4;
    r.batch = 2;
    r.rows = 10;
    r.bad = 2;
    r.bad_rows = {bad_row{17, 3, "u.csv:17: column 'age' (3): expected an integer, got \"abc\"", "1,bob,abc"},
                  bad_row{19, 2, "u.csv:19: column 'name' (2): invalid UTF-8", std::string("2,b\xff\xfe\x00d,4", 9)}};
    const std::string line = encode(worker_message{r});
    EXPECT_NE(line.find("\"text_base64\""), std::string::npos);  // bytes that are not UTF-8 travel as base64
    EXPECT_EQ(std::get<batch_result>(to_worker(line)), r);
    EXPECT_EQ(r.good_rows(), 8u);
    // A batch of bad rows only ran nothing: 0 attempts is fine for it.
    batch_result all_bad = r;
    all_bad.rows = 2;
    all_bad.attempts = 0;
    EXPECT_EQ(std::get<batch_result>(to_worker(encode(worker_message{all_bad}))), all_bad);
    const batch_begin b{4, 2, 10, 17, 2};
    EXPECT_EQ(std::get<batch_begin>(to_worker(encode(worker_message{b}))), b);
    EXPECT_NE(journal_begin("nodes", b, 1).dump().find("\"bad\":2"), std::string::npos);
    EXPECT_EQ(worker_error(R"({"type":"batch_result","chunk_id":1,"batch":0,"rows":1,"outcome":"committed","attempts":1,"bad":2})"),
              "batch_result: bad must not exceed rows");
    EXPECT_EQ(worker_error(R"({"type":"batch_result","chunk_id":1,"batch":0,"rows":2,"outcome":"committed","attempts":1,"bad":1,"bad_rows":[{"line":1,"error":"e","text_base64":"%%"}]})"),
              "batch_result.bad_rows[0]: field 'text_base64' is not base64");
}

TEST(worker_protocol, chunk_round_trips_for_both_ranges) {
    const chunk a{7, csv_range{1024, 2048, 33}, {}};
    EXPECT_EQ(encode(coordinator_message{a}),
              "{\"type\":\"chunk\",\"chunk_id\":7,\"csv\":{\"begin\":1024,\"end\":2048,"
              "\"first_line\":33}}\n");
    EXPECT_EQ(std::get<chunk>(to_coordinator(encode(coordinator_message{a}))), a);
    const chunk b{8, generate_range{9000, 1000}, {0, 2, 5}};
    EXPECT_EQ(encode(coordinator_message{b}),
              "{\"type\":\"chunk\",\"chunk_id\":8,\"generate\":{\"first\":9000,\"count\":1000},"
              "\"skip_batches\":[0,2,5]}\n");
    EXPECT_EQ(std::get<chunk>(to_coordinator(encode(coordinator_message{b}))), b);
    const chunk big{~0ull, csv_range{0, ~0ull, ~0ull}, {}};
    EXPECT_EQ(std::get<chunk>(to_coordinator(encode(coordinator_message{big}))), big);
    const chunk doubt{9, generate_range{0, 10}, {0}, {1, 3}};
    EXPECT_EQ(encode(coordinator_message{doubt}),
              "{\"type\":\"chunk\",\"chunk_id\":9,\"generate\":{\"first\":0,\"count\":10},"
              "\"skip_batches\":[0],\"unknown_batches\":[1,3]}\n");
    EXPECT_EQ(std::get<chunk>(to_coordinator(encode(coordinator_message{doubt}))), doubt);
}

TEST(worker_protocol, batch_begin_round_trips_and_is_the_journals_begin_record) {
    const batch_begin b{12, 3, 1000, 4711};
    EXPECT_EQ(encode(worker_message{b}),
              "{\"type\":\"batch_begin\",\"chunk_id\":12,\"batch\":3,\"rows\":1000,\"first_line\":4711}\n");
    EXPECT_EQ(std::get<batch_begin>(to_worker(encode(worker_message{b}))), b);
    EXPECT_EQ(journal_begin("rels", b, 7).dump(),
              "{\"t\":\"begin\",\"phase\":\"rels\",\"chunk\":12,\"batch\":3,\"rows\":1000,\"worker\":7,"
              "\"first_line\":4711}");
}

TEST(worker_protocol, a_batch_in_doubt_is_reported_unknown_without_attempts) {
    batch_result r;
    r.chunk_id = 2;
    r.batch = 1;
    r.rows = 2;
    r.outcome = batch_outcome::unknown;
    r.attempts = 0;
    r.dead_letter_rows = {"1,a", "2,b"};
    EXPECT_EQ(std::get<batch_result>(to_worker(encode(worker_message{r}))), r);
    std::string error;
    EXPECT_EQ(batch_result_from_json(nlohmann::json::parse(to_json(r).dump()), error), r) << error;
}

TEST(worker_protocol, shutdown_round_trips) {
    EXPECT_EQ(encode(coordinator_message{shutdown{}}), "{\"type\":\"shutdown\"}\n");
    EXPECT_TRUE(std::holds_alternative<shutdown>(to_coordinator("{\"type\":\"shutdown\"}")));
}

TEST(worker_protocol, ready_round_trips) {
    const ready r{"Memgraph/2.19.0", "5.2"};
    EXPECT_EQ(std::get<ready>(to_worker(encode(worker_message{r}))), r);
}

TEST(worker_protocol, batch_result_round_trips_for_every_outcome) {
    batch_result committed;
    committed.chunk_id = 12;
    committed.batch = 3;
    committed.rows = 1000;
    committed.outcome = batch_outcome::committed;
    committed.attempts = 4;
    committed.conflicts = 2;
    committed.other_transient = 1;
    committed.backoff_wait_ms = 661;
    committed.latency_us = 812345;
    committed.counters = {{"nodes-created", 0}, {"relationships-created", 1000}};
    committed.first_line = 0;
    EXPECT_EQ(std::get<batch_result>(to_worker(encode(worker_message{committed}))), committed);

    batch_result failed = committed;
    failed.outcome = batch_outcome::failed;
    failed.counters.clear();
    failed.error_code = "Memgraph.TransientError.MemgraphError.MemgraphError";
    failed.error = "Cannot resolve conflicting transactions. \"quoted\" \\ and ünïcode";
    failed.dead_letter_rows = {"1,\"a, b\",3", "2,\"multi\nline\",4", ""};
    failed.first_line = 17;
    EXPECT_EQ(std::get<batch_result>(to_worker(encode(worker_message{failed}))), failed);

    batch_result unknown = failed;
    unknown.outcome = batch_outcome::unknown;
    unknown.error_code.clear();
    unknown.error = "connection lost after COMMIT was sent";
    unknown.dead_letter_rows = {"{\"a\":1,\"b\":2}"};
    EXPECT_EQ(std::get<batch_result>(to_worker(encode(worker_message{unknown}))), unknown);
}

TEST(worker_protocol, chunk_done_progress_and_fatal_round_trip) {
    const chunk_done d{5, 10000, 10};
    EXPECT_EQ(std::get<chunk_done>(to_worker(encode(worker_message{d}))), d);
    const progress p{5, 4000, 123456};
    EXPECT_EQ(std::get<progress>(to_worker(encode(worker_message{p}))), p);
    for (fatal_kind k : {fatal_kind::connect, fatal_kind::auth, fatal_kind::config,
                         fatal_kind::input, fatal_kind::protocol, fatal_kind::internal}) {
        const fatal f{k, "users.csv:17: column 'age' (3): expected an integer, got \"abc\"", 9};
        EXPECT_EQ(std::get<fatal>(to_worker(encode(worker_message{f}))), f);
        const fatal g{k, "authentication failed", std::nullopt};
        EXPECT_EQ(std::get<fatal>(to_worker(encode(worker_message{g}))), g);
    }
}

TEST(worker_protocol, invalid_utf8_is_replaced_not_thrown_on) {
    batch_result r;
    r.outcome = batch_outcome::failed;
    r.dead_letter_rows = {std::string("caf\xe9,1")};  // Latin-1 in a CSV row
    const std::string line = encode(worker_message{r});
    const auto back = std::get<batch_result>(to_worker(line));
    EXPECT_EQ(back.dead_letter_rows[0], "caf\xef\xbf\xbd,1");  // U+FFFD
}

TEST(worker_protocol, names_round_trip) {
    for (auto m :
         {transaction_mode::explicit_, transaction_mode::managed, transaction_mode::implicit})
        EXPECT_EQ(parse_transaction_mode(to_string(m)), m);
    EXPECT_EQ(to_string(transaction_mode::explicit_), "explicit");
    for (auto t :
         {column_type::string_, column_type::integer, column_type::float_, column_type::boolean,
          column_type::list, column_type::date, column_type::datetime, column_type::skip})
        EXPECT_EQ(parse_column_type(to_string(t)), t);
    for (auto o : {batch_outcome::committed, batch_outcome::failed, batch_outcome::unknown})
        EXPECT_EQ(parse_batch_outcome(to_string(o)), o);
    EXPECT_FALSE(parse_transaction_mode("Explicit"));
}

// ---- version -----------------------------------------------------------------------------------

TEST(worker_protocol, version_mismatch_is_a_clear_error) {
    EXPECT_EQ(check_hello(hello{protocol_version, "boltload 0.1"}), std::nullopt);
    const auto err = check_hello(hello{protocol_version + 1, "boltload-worker 0.9"});
    ASSERT_TRUE(err);
    EXPECT_EQ(*err,
              "boltload-worker 0.9 speaks worker protocol 4, this side speaks 3: use boltload and "
              "boltload-worker from the same build");
    // A hello from a future version still decodes, so the check can say what went wrong.
    const auto m = to_worker("{\"type\":\"hello\",\"protocol\":7,\"program\":\"x\",\"new\":1}");
    EXPECT_THAT(*check_hello(std::get<hello>(m)), HasSubstr("speaks worker protocol 7"));
}

// ---- malformed input ---------------------------------------------------------------------------

TEST(worker_protocol, malformed_lines_are_errors_with_a_reason) {
    EXPECT_EQ(coordinator_error(""), "empty line where a message was expected");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\""), "not a JSON object: '{\"type\":\"chunk\"'");
    EXPECT_EQ(coordinator_error("[1,2]"), "a message must be a JSON object");
    EXPECT_EQ(coordinator_error("{\"chunk_id\":1}"), "message without a string 'type' field");
    EXPECT_EQ(coordinator_error("{\"type\":\"batch_result\"}"),
              "unknown message type 'batch_result' from the coordinator");
    EXPECT_EQ(worker_error("{\"type\":\"chunk\"}"), "unknown message type 'chunk' from a worker");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\",\"csv\":{\"begin\":0,\"end\":1,"
                                "\"first_line\":1}}"),
              "chunk: field 'chunk_id' is missing");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\",\"chunk_id\":-1,\"csv\":{}}"),
              "chunk: field 'chunk_id' must be a non-negative integer");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\",\"chunk_id\":1}"),
              "chunk: needs exactly one of 'csv', 'generate' and 'cell'");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\",\"chunk_id\":1,\"csv\":{\"begin\":5,"
                                "\"end\":1,\"first_line\":1}}"),
              "chunk: csv.end must not be before csv.begin");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\",\"chunk_id\":1,\"csv\":{\"begin\":\"0\","
                                "\"end\":1,\"first_line\":1}}"),
              "chunk.csv: field 'begin' must be a non-negative integer");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\",\"chunk_id\":1,\"generate\":{\"first\":0,"
                                "\"count\":1},\"skip_batches\":[3,1]}"),
              "chunk: skip_batches must be ascending without repeats");
    EXPECT_EQ(worker_error("{\"type\":\"batch_result\",\"chunk_id\":1,\"batch\":4294967296,"
                           "\"rows\":1,\"outcome\":\"committed\",\"attempts\":1}"),
              "batch_result: field 'batch' must be a non-negative integer (at most 4294967295)");
    EXPECT_EQ(worker_error("{\"type\":\"batch_result\",\"chunk_id\":1,\"batch\":0,\"rows\":1,"
                           "\"outcome\":\"maybe\",\"attempts\":1}"),
              "batch_result: field 'outcome' has an unknown value 'maybe'");
    EXPECT_EQ(worker_error("{\"type\":\"batch_result\",\"chunk_id\":1,\"batch\":0,\"rows\":1,"
                           "\"outcome\":\"failed\",\"attempts\":0}"),
              "batch_result: attempts must be at least 1 (0 only for an unknown outcome, or a batch of bad rows only)");
    EXPECT_EQ(coordinator_error("{\"type\":\"chunk\",\"chunk_id\":1,\"generate\":{\"first\":0,"
                                "\"count\":1},\"unknown_batches\":[2,2]}"),
              "chunk: unknown_batches must be ascending without repeats");
    EXPECT_EQ(worker_error("{\"type\":\"batch_begin\",\"chunk_id\":1,\"batch\":0}"),
              "batch_begin: field 'rows' is missing");
    EXPECT_EQ(worker_error("{\"type\":\"batch_result\",\"chunk_id\":1,\"batch\":0,\"rows\":1,"
                           "\"outcome\":\"failed\",\"attempts\":1,\"dead_letter_rows\":[1]}"),
              "batch_result: dead_letter_rows must hold strings");
    EXPECT_EQ(worker_error("{\"type\":\"fatal\",\"kind\":\"oops\",\"message\":\"m\"}"),
              "fatal: field 'kind' has an unknown value 'oops'");
    EXPECT_EQ(worker_error("{\"type\":\"hello\",\"protocol\":1.5}"),
              "hello: field 'protocol' must be an integer (at most 2147483647)");
}

TEST(worker_protocol, configure_errors_name_the_nested_field) {
    std::string line = encode(coordinator_message{full_configure()});
    auto replace = [&](const std::string& from, const std::string& to) {
        std::string s = line;
        const auto at = s.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        s.replace(at, from.size(), to);
        return s;
    };
    EXPECT_EQ(coordinator_error(replace("\"batch_size\":1000", "\"batch_size\":\"many\"")),
              "configure.phase: field 'batch_size' must be an integer");
    EXPECT_EQ(
        coordinator_error(replace("\"distribution\":\"hotspot\"", "\"distribution\":\"normal\"")),
        "configure.phase.source.generate.keys: field 'distribution' has an unknown value "
        "'normal'");
    EXPECT_EQ(coordinator_error(replace("\"kind\":\"memgraph\"", "\"kind\":\"forever\"")),
              "configure.phase.retry: field 'kind' has an unknown value 'forever'");
    EXPECT_EQ(coordinator_error(replace("\"jitter\":0.1", "\"jitter\":\"x\"")),
              "configure.phase.retry: settings.jitter must be a number");
    std::string csv = encode(coordinator_message{csv_configure()});
    const auto at = csv.find("\"delimiter\":\"\\t\"");
    ASSERT_NE(at, std::string::npos);
    csv.replace(at, 16, "\"delimiter\":\"ab\"");
    EXPECT_EQ(coordinator_error(csv),
              "configure.phase.source.csv: field 'delimiter' must be one character");
}

TEST(worker_protocol, truncated_lines_never_decode_and_never_crash) {
    const std::vector<std::string> lines = {
        encode(coordinator_message{full_configure()}), encode(coordinator_message{csv_configure()}),
        encode(coordinator_message{chunk{1, generate_range{0, 10}, {1}}})};
    for (const auto& line : lines) {
        for (std::size_t n = 0; n + 2 < line.size(); ++n) {
            std::string error;
            EXPECT_FALSE(decode_coordinator_message(line.substr(0, n), error)) << n;
            EXPECT_FALSE(error.empty());
        }
    }
    std::mt19937 rng(42);
    for (int i = 0; i < 2000; ++i) {
        std::string s = lines[static_cast<std::size_t>(i) % lines.size()];
        s[rng() % s.size()] = static_cast<char>(rng() % 256);
        std::string error;
        (void)decode_coordinator_message(s, error);
        (void)decode_worker_message(s, error);
    }
}

// ---- line splitter -----------------------------------------------------------------------------

TEST(line_splitter, splits_a_stream_fed_at_every_boundary) {
    const std::string stream = encode(worker_message{ready{"Memgraph", "5.2"}}) +
                               encode(worker_message{chunk_done{1, 2, 3}}) + "\r\n" +
                               encode(worker_message{progress{1, 2, 3}});
    for (std::size_t step = 1; step <= stream.size(); ++step) {
        line_splitter s;
        std::vector<std::string> lines;
        for (std::size_t i = 0; i < stream.size(); i += step) {
            s.feed(std::string_view(stream).substr(i, step));
            while (auto l = s.next()) lines.push_back(*l);
        }
        ASSERT_EQ(lines.size(), 4u) << step;
        EXPECT_TRUE(std::holds_alternative<ready>(to_worker(lines[0])));
        EXPECT_TRUE(std::holds_alternative<chunk_done>(to_worker(lines[1])));
        EXPECT_EQ(lines[2], "");  // the CR of a CRLF line end is dropped
        EXPECT_TRUE(std::holds_alternative<progress>(to_worker(lines[3])));
        EXPECT_EQ(s.pending(), 0u);
        EXPECT_FALSE(s.failed());
    }
}

TEST(line_splitter, keeps_an_unfinished_line_pending) {
    line_splitter s;
    s.feed("{\"type\":\"shut");
    EXPECT_FALSE(s.next());
    EXPECT_EQ(s.pending(), 13u);
    s.feed("down\"}\n{\"ty");
    EXPECT_EQ(s.next(), "{\"type\":\"shutdown\"}");
    EXPECT_FALSE(s.next());
    EXPECT_EQ(s.pending(), 4u);
}

TEST(line_splitter, a_line_over_the_limit_fails_instead_of_growing) {
    line_splitter s(16);
    s.feed("0123456789");
    EXPECT_FALSE(s.next());
    EXPECT_FALSE(s.failed());
    s.feed("0123456789");
    EXPECT_FALSE(s.next());
    EXPECT_TRUE(s.failed());
    s.feed("\n");
    EXPECT_FALSE(s.next());
    line_splitter t(4);
    t.feed("abcdefgh\n");
    EXPECT_FALSE(t.next());
    EXPECT_TRUE(t.failed());
}

// ---- client settings ---------------------------------------------------------------------------

TEST(worker_protocol, retry_spec_maps_onto_the_client_policy) {
    const bolt::retry_policy p = to_retry_policy(full_configure().phase.retry);
    EXPECT_EQ(p.kind, bolt::retry_kind::memgraph);
    EXPECT_EQ(p.max_retries, 100);
    EXPECT_DOUBLE_EQ(p.initial_wait_time, 0.2);
    EXPECT_DOUBLE_EQ(p.backoff_factor, 1.1);
    EXPECT_DOUBLE_EQ(p.jitter, 0.1);
    const bolt::retry_policy n =
        to_retry_policy(retry_spec{bolt::retry_kind::neo4j, {{"max_transaction_retry_time", 180}}});
    EXPECT_EQ(n.kind, bolt::retry_kind::neo4j);
    EXPECT_DOUBLE_EQ(n.max_transaction_retry_time, 180);
    EXPECT_DOUBLE_EQ(n.initial_retry_delay, 1.0);  // the drivers' default
    const bolt::retry_policy e = to_retry_policy(retry_spec{bolt::retry_kind::equal_jitter, {}});
    EXPECT_EQ(e.max_wait, 10.0);
    EXPECT_TRUE(e.validate().empty());
}

TEST(worker_protocol, connection_spec_maps_onto_the_driver) {
    const configure c = full_configure();
    const bolt::driver_config d = to_driver_config(c.connection);
    EXPECT_EQ(d.user_agent, "boltload/test");
    EXPECT_EQ(d.connection_timeout, std::chrono::milliseconds(2500));
    EXPECT_EQ(d.socket_read_timeout, std::chrono::milliseconds(10'000));
    EXPECT_EQ(d.trusted_ca_file, "/etc/ssl/ca.pem");
    EXPECT_EQ(d.fetch_size, -1);
    EXPECT_EQ(d.max_connection_pool_size, 1u);
    const bolt::auth_token t = to_auth_token(c.connection.auth);
    EXPECT_EQ(t.scheme(), "basic");
    EXPECT_EQ(t.principal(), "alice");
    EXPECT_EQ(t.realm(), "native");
    EXPECT_EQ(to_auth_token(auth_spec{}).scheme(), "none");
    EXPECT_EQ(to_auth_token(auth_spec{"bearer", "", "tok", ""}).credentials(), "tok");
    const bolt::auth_token sso = to_auth_token(auth_spec{"oidc-okta", "", "a=b;c=d", ""});
    EXPECT_EQ(sso.scheme(), "oidc-okta");
    EXPECT_EQ(sso.credentials(), "a=b;c=d");
}

}  // namespace
