// Bolt messages: one table of {writer call, exact bytes, decoded struct} drives both directions,
// using Memgraph's test vectors (MG tests/unit/bolt_session.cpp) and the spec's layouts; then
// every message split at every byte offset through message_reader, errors, and the RUN hot path.
#include "bolt/messages.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <ostream>
#include <new>
#include <string>
#include <vector>

#include "bolt/chunking.hpp"

#include "allocation_counter.hpp"

using allocation_counter::allocations;
using allocation_counter::counting;

namespace bolt {
namespace {

/// Bytes written the way the reference writes them: hex bytes and raw text pieces.
struct piece {
    buffer bytes;
    piece(int b) : bytes{static_cast<std::uint8_t>(b)} {}  // NOLINT: implicit by design
    piece(const char* s) : bytes(s, s + std::char_traits<char>::length(s)) {}  // NOLINT
};
buffer bytes(std::initializer_list<piece> pieces) {
    buffer out;
    for (const piece& p : pieces) out.insert(out.end(), p.bytes.begin(), p.bytes.end());
    return out;
}

buffer chunked(const buffer& message) {
    buffer out;
    append_chunked(out, message);
    return out;
}

const packstream::limits default_limits{};

// ---- requests: one table, both directions ------------------------------------------------------

struct request_case {
    const char* name;
    protocol_version version;
    std::function<void(request_writer&)> write;  // empty: a vector we only decode
    buffer message;                              // unchunked
    request decoded;
};

const map memgraph_hello_extra{
    {"user_agent", "neo4j-python/4.1.1 Python/3.7.3-final-0 (linux)"},
    {"scheme", "basic"},
    {"principal", ""},
    {"credentials", ""},
    {"routing", map{{"address", "localhost:7687"}}},
};

const map tx_extra{{"tx_metadata", map{{"str", "aha"}, {"num", 123}}}, {"tx_timeout", 2000}};

std::vector<request_case> request_cases() {
    std::vector<request_case> c;
    // Memgraph's v4 HELLO, byte for byte.
    c.push_back({"hello_v4_memgraph", {4, 1}, [](request_writer& w) { w.hello(memgraph_hello_extra); },
                 bytes({0xb1, 0x01, 0xa5, 0x8a, "user_agent", 0xd0, 0x2f,
                        "neo4j-python/4.1.1 Python/3.7.3-final-0 (linux)", 0x86, "scheme", 0x85,
                        "basic", 0x89, "principal", 0x80, 0x8b, "credentials", 0x80, 0x87,
                        "routing", 0xa1, 0x87, "address", 0x8e, "localhost:7687"}),
                 hello_request{memgraph_hello_extra}});
    // Memgraph's v1 INIT: user agent and auth token, folded into one HELLO-shaped extra.
    const map init_extra{{"user_agent", "libneo4j-client/1.2.1"},
                         {"scheme", "basic"}, {"principal", ""}, {"credentials", ""}};
    c.push_back({"init_v1_memgraph", {1, 0}, [=](request_writer& w) { w.hello(init_extra); },
                 bytes({0xb2, 0x01, 0xd0, 0x15, "libneo4j-client/1.2.1", 0xa3, 0x86, "scheme", 0x85,
                        "basic", 0x89, "principal", 0x80, 0x8b, "credentials", 0x80}),
                 hello_request{init_extra}});
    const map hello5{{"user_agent", "boltload/0.1"},
                     {"bolt_agent", map{{"product", "boltload/0.1"}}}};
    c.push_back({"hello_v5_4", {5, 4}, [=](request_writer& w) { w.hello(hello5); },
                 bytes({0xb1, 0x01, 0xa2, 0x8a, "user_agent", 0x8c, "boltload/0.1", 0x8a,
                        "bolt_agent", 0xa1, 0x87, "product", 0x8c, "boltload/0.1"}),
                 hello_request{hello5}});
    const map auth{{"scheme", "basic"}, {"principal", "neo4j"}, {"credentials", "pw"}};
    c.push_back({"logon_v5_1", {5, 1}, [=](request_writer& w) { w.logon(auth); },
                 bytes({0xb1, 0x6a, 0xa3, 0x86, "scheme", 0x85, "basic", 0x89, "principal", 0x85,
                        "neo4j", 0x8b, "credentials", 0x82, "pw"}),
                 logon_request{auth}});
    c.push_back({"logoff_v5_2", {5, 2}, [](request_writer& w) { w.logoff(); }, bytes({0xb0, 0x6b}),
                 logoff_request{}});
    c.push_back({"goodbye", {4, 4}, [](request_writer& w) { w.goodbye(); }, bytes({0xb0, 0x02}),
                 goodbye_request{}});
    c.push_back({"reset_v5", {5, 2}, [](request_writer& w) { w.reset(); }, bytes({0xb0, 0x0f}),
                 reset_request{}});
    c.push_back({"reset_v1", {1, 0}, [](request_writer& w) { w.reset(); }, bytes({0xb0, 0x0f}),
                 reset_request{}});
    c.push_back({"ack_failure_v1", {1, 0}, [](request_writer& w) { w.ack_failure(); },
                 bytes({0xb0, 0x0e}), ack_failure_request{}});
    c.push_back({"commit", {4, 3}, [](request_writer& w) { w.commit(); }, bytes({0xb0, 0x12}),
                 commit_request{}});
    c.push_back({"rollback", {5, 0}, [](request_writer& w) { w.rollback(); }, bytes({0xb0, 0x13}),
                 rollback_request{}});
    c.push_back({"run_v4", {4, 4}, [](request_writer& w) { w.run("RETURN 1", {}, {}); },
                 bytes({0xb3, 0x10, 0x88, "RETURN 1", 0xa0, 0xa0}),
                 run_request{"RETURN 1", {}, {}}});
    c.push_back({"run_v1", {1, 0}, [](request_writer& w) { w.run("RETURN 1", {}, {}); },
                 bytes({0xb2, 0x10, 0x88, "RETURN 1", 0xa0}), run_request{"RETURN 1", {}, {}}});
    // Memgraph's "extra with metadata" vector as RUN extra.
    const map params{{"x", 1}};
    c.push_back({"run_tx_metadata", {5, 2},
                 [=](request_writer& w) { w.run("RETURN $x", params, tx_extra); },
                 bytes({0xb3, 0x10, 0x89, "RETURN $x", 0xa1, 0x81, "x", 0x01, 0xa2, 0x8b,
                        "tx_metadata", 0xa2, 0x83, "str", 0x83, "aha", 0x83, "num", 0x7b, 0x8a,
                        "tx_timeout", 0xc9, 0x07, 0xd0}),
                 run_request{"RETURN $x", params, tx_extra}});
    const map begin_extra{{"mode", "r"}, {"db", "memgraph"}};
    c.push_back({"begin", {5, 2}, [=](request_writer& w) { w.begin(begin_extra); },
                 bytes({0xb1, 0x11, 0xa2, 0x84, "mode", 0x81, "r", 0x82, "db", 0x88, "memgraph"}),
                 begin_request{begin_extra}});
    c.push_back({"begin_empty", {4, 0}, [](request_writer& w) { w.begin({}); },
                 bytes({0xb1, 0x11, 0xa0}), begin_request{}});
    // PULL/DISCARD: Memgraph's n=1 vector, our n=-1, a qid, and the pre-4.0 forms.
    c.push_back({"pull_n1_memgraph", {4, 0}, [](request_writer& w) { w.pull(1); },
                 bytes({0xb1, 0x3f, 0xa1, 0x81, 0x6e, 0x01}), pull_request{1, -1}});
    c.push_back({"pull_all", {5, 2}, [](request_writer& w) { w.pull(-1); },
                 bytes({0xb1, 0x3f, 0xa1, 0x81, "n", 0xff}), pull_request{-1, -1}});
    c.push_back({"pull_n_qid", {5, 2}, [](request_writer& w) { w.pull(1000, 3); },
                 bytes({0xb1, 0x3f, 0xa2, 0x81, "n", 0xc9, 0x03, 0xe8, 0x83, "qid", 0x03}),
                 pull_request{1000, 3}});
    c.push_back({"discard_all", {4, 4}, [](request_writer& w) { w.discard(-1); },
                 bytes({0xb1, 0x2f, 0xa1, 0x81, "n", 0xff}), discard_request{-1, -1}});
    c.push_back({"discard_qid", {4, 4}, [](request_writer& w) { w.discard(-1, 0); },
                 bytes({0xb1, 0x2f, 0xa2, 0x81, "n", 0xff, 0x83, "qid", 0x00}),
                 discard_request{-1, 0}});
    c.push_back({"pull_all_v1", {1, 0}, [](request_writer& w) { w.pull(-1); }, bytes({0xb0, 0x3f}),
                 pull_request{-1, -1}});
    c.push_back({"discard_all_v3", {3, 0}, [](request_writer& w) { w.discard(-1); },
                 bytes({0xb0, 0x2f}), discard_request{-1, -1}});
    // Memgraph's v4 PULL with an empty extra: n and qid default to -1.
    c.push_back({"pull_empty_extra_memgraph", {4, 1}, nullptr, bytes({0xb1, 0x3f, 0xa0}),
                 pull_request{-1, -1}});
    // ROUTE: Memgraph's 4.3 vector, 4.3 without db, 4.4+ extra dict.
    c.push_back({"route_v4_3_memgraph", {4, 3},
                 [](request_writer& w) { w.route({}, {}, "neo4j", std::nullopt); },
                 bytes({0xb3, 0x66, 0xa0, 0x90, 0x85, "neo4j"}),
                 route_request{{}, {}, "neo4j", std::nullopt}});
    c.push_back({"route_v4_3_no_db", {4, 3},
                 [](request_writer& w) { w.route({}, {}, std::nullopt, std::nullopt); },
                 bytes({0xb3, 0x66, 0xa0, 0x90, 0xc0}), route_request{}});
    const map routing{{"address", "localhost:7687"}};
    c.push_back({"route_v4_4", {4, 4},
                 [=](request_writer& w) { w.route(routing, list{"bm:1"}, "neo4j", "alice"); },
                 bytes({0xb3, 0x66, 0xa1, 0x87, "address", 0x8e, "localhost:7687", 0x91, 0x84,
                        "bm:1", 0xa2, 0x82, "db", 0x85, "neo4j", 0x88, "imp_user", 0x85, "alice"}),
                 route_request{routing, list{"bm:1"}, "neo4j", "alice"}});
    c.push_back({"route_v5_no_db", {5, 4},
                 [](request_writer& w) { w.route({}, {}, std::nullopt, std::nullopt); },
                 bytes({0xb3, 0x66, 0xa0, 0x90, 0xa0}), route_request{}});
    c.push_back({"route_v5_imp_user_only", {5, 0},
                 [](request_writer& w) { w.route({}, {}, std::nullopt, "bob"); },
                 bytes({0xb3, 0x66, 0xa0, 0x90, 0xa1, 0x88, "imp_user", 0x83, "bob"}),
                 route_request{{}, {}, std::nullopt, "bob"}});
    // A null db in the 4.4 extra reads as absent.
    c.push_back({"route_v4_4_null_db", {4, 4}, nullptr,
                 bytes({0xb3, 0x66, 0xa0, 0x90, 0xa1, 0x82, "db", 0xc0}), route_request{}});
    c.push_back({"telemetry", {5, 4}, [](request_writer& w) { w.telemetry(2); },
                 bytes({0xb1, 0x54, 0x02}), telemetry_request{2}});
    return c;
}

void PrintTo(const request_case& c, std::ostream* os) { *os << c.name; }

std::vector<request_case> writable_request_cases() {
    std::vector<request_case> out;
    for (request_case& c : request_cases())
        if (c.write) out.push_back(std::move(c));
    return out;
}

class request_encode : public ::testing::TestWithParam<request_case> {};
class request_decode : public ::testing::TestWithParam<request_case> {};

TEST_P(request_encode, writer_produces_the_exact_chunked_bytes) {
    const request_case& c = GetParam();
    buffer out = {0x42};  // whatever was queued before stays
    request_writer w(out, c.version);
    c.write(w);
    ASSERT_FALSE(w.error()) << w.error().message();
    buffer expected = {0x42};
    append_chunked(expected, c.message);
    EXPECT_EQ(out, expected);
}

TEST_P(request_decode, decoder_reads_the_exact_bytes) {
    const request_case& c = GetParam();
    request got;
    std::string detail;
    ASSERT_FALSE(decode_request(c.message, c.version, default_limits, got, &detail)) << detail;
    EXPECT_EQ(got, c.decoded);
    EXPECT_EQ(tag_of(got), static_cast<message_tag>(c.message[1]));
}

// The same table drives both directions; vectors without a writer call are decode-only.
INSTANTIATE_TEST_SUITE_P(vectors, request_encode, ::testing::ValuesIn(writable_request_cases()),
                         [](const auto& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(vectors, request_decode, ::testing::ValuesIn(request_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- responses: one table, both directions -----------------------------------------------------

struct response_case {
    const char* name;
    packstream::dialect dialect;
    buffer message;
    response decoded;
};

constexpr packstream::dialect v4{false, false};
constexpr packstream::dialect v5{true, true};

std::vector<response_case> response_cases() {
    std::vector<response_case> c;
    c.push_back({"success_empty_memgraph", v5, bytes({0xb1, 0x70, 0xa0}), success_message{}});
    c.push_back({"hello_success_memgraph", v4,
                 bytes({0xb1, 0x70, 0xa1, 0x8d, "connection_id", 0x86, "bolt-1"}),
                 success_message{map{{"connection_id", "bolt-1"}}}});
    c.push_back({"ignored_memgraph", v5, bytes({0xb0, 0x7e}), ignored_message{}});
    c.push_back({"failure", v5,
                 bytes({0xb1, 0x7f, 0xa2, 0x84, "code", 0xd0, 0x33,
                        "Memgraph.TransientError.MemgraphError.MemgraphError", 0x87,
                        "message", 0x85, "boom!"}),
                 failure_message{map{{"code", "Memgraph.TransientError.MemgraphError.MemgraphError"},
                                     {"message", "boom!"}}}});
    c.push_back({"record_scalars", v5, bytes({0xb1, 0x71, 0x93, 0x01, 0x81, "a", 0xc0}),
                 record_message{list{1, "a", null}}});
    c.push_back({"record_empty", v4, bytes({0xb1, 0x71, 0x90}), record_message{}});
    // The node layout follows the dialect: 3 fields in Bolt 4, 4 (with element id) in Bolt 5.
    const node n{1, {"L"}, {}, "1"};
    c.push_back({"record_node_v4", v4, bytes({0xb1, 0x71, 0x91, 0xb3, 0x4e, 0x01, 0x91, 0x81, "L", 0xa0}),
                 record_message{list{n}}});
    c.push_back({"record_node_v5", v5,
                 bytes({0xb1, 0x71, 0x91, 0xb4, 0x4e, 0x01, 0x91, 0x81, "L", 0xa0, 0x81, "1"}),
                 record_message{list{n}}});
    c.push_back({"success_has_more", v5, bytes({0xb1, 0x70, 0xa1, 0x88, "has_more", 0xc3}),
                 success_message{map{{"has_more", true}}}});
    return c;
}

void write_response(response_writer& w, const response& r) {
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, success_message>) w.success(m.metadata);
            else if constexpr (std::is_same_v<T, record_message>) w.record(m.fields);
            else if constexpr (std::is_same_v<T, ignored_message>) w.ignored();
            else w.failure(m.metadata);
        },
        r);
}

void PrintTo(const response_case& c, std::ostream* os) { *os << c.name; }

class response_table : public ::testing::TestWithParam<response_case> {};

TEST_P(response_table, writer_produces_the_exact_chunked_bytes) {
    const response_case& c = GetParam();
    buffer out;
    response_writer w(out, c.dialect);
    write_response(w, c.decoded);
    ASSERT_FALSE(w.error()) << w.error().message();
    EXPECT_EQ(out, chunked(c.message));
}

TEST_P(response_table, decoder_reads_the_exact_bytes) {
    const response_case& c = GetParam();
    response got;
    std::string detail;
    ASSERT_FALSE(decode_response(c.message, c.dialect, default_limits, got, &detail)) << detail;
    EXPECT_EQ(got, c.decoded);
    EXPECT_EQ(tag_of(got), static_cast<message_tag>(c.message[1]));
}

INSTANTIATE_TEST_SUITE_P(vectors, response_table, ::testing::ValuesIn(response_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(response_writer, record_from_a_span_equals_record_from_a_list) {
    const list row{1, "two", 3.0, list{4}, map{{"five", 5}}};
    buffer a, b;
    response_writer(a, protocol_version{5, 2}).record(row);
    response_writer(b, protocol_version{5, 2}).record(std::span<const value>(row.data(), row.size()));
    EXPECT_EQ(a, b);
    // A slice of a larger row buffer, as a server streaming columns would pass it.
    buffer c;
    response_writer(c, protocol_version{5, 2}).record(std::span<const value>(row).subspan(1, 2));
    EXPECT_EQ(c, chunked(bytes({0xb1, 0x71, 0x92, 0x83, "two", 0xc1, 0x40, 0x08, 0, 0, 0, 0, 0, 0})));
}

// ---- every message, every split ----------------------------------------------------------------

/// Feeds `stream` in two parts split at `split`, or in `step`-sized reads when split is npos.
template <class OnMessage>
void feed(const buffer& stream, std::size_t split, std::size_t step, OnMessage on_message) {
    message_reader reader;
    std::error_code ec;
    std::vector<std::pair<std::size_t, std::size_t>> parts;
    if (split != std::string::npos) {
        parts = {{0, split}, {split, stream.size()}};
    } else {
        for (std::size_t at = 0; at < stream.size(); at += step)
            parts.emplace_back(at, std::min(at + step, stream.size()));
    }
    for (auto [from, to] : parts) {
        auto space = reader.prepare(std::max<std::size_t>(to - from, 1));
        std::copy(stream.begin() + static_cast<std::ptrdiff_t>(from),
                  stream.begin() + static_cast<std::ptrdiff_t>(to), space.begin());
        reader.commit(to - from);
        while (auto m = reader.next(ec)) on_message(*m);
        ASSERT_FALSE(ec);
    }
}

TEST(message_stream, every_request_split_at_every_offset) {
    const auto cases = request_cases();
    for (const request_case& c : cases) {
        buffer stream;
        append_noop(stream);
        append_chunked(stream, c.message);
        append_chunked(stream, c.message, 3);  // the same message in tiny chunks
        for (std::size_t split = 0; split <= stream.size(); ++split) {
            std::size_t seen = 0;
            feed(stream, split, 0, [&](byte_view m) {
                request got;
                ASSERT_FALSE(decode_request(m, c.version, default_limits, got)) << c.name;
                EXPECT_EQ(got, c.decoded) << c.name << " split " << split;
                ++seen;
            });
            EXPECT_EQ(seen, 2u) << c.name << " split " << split;
        }
    }
}

TEST(message_stream, every_response_split_at_every_offset_and_byte_by_byte) {
    const auto cases = response_cases();
    for (const response_case& c : cases) {
        buffer stream;
        append_chunked(stream, c.message);
        append_noop(stream);
        append_chunked(stream, c.message, 2);
        const auto check = [&](std::size_t split, std::size_t step) {
            std::size_t seen = 0;
            response got;  // reused across messages, as a connection does
            feed(stream, split, step, [&](byte_view m) {
                ASSERT_FALSE(decode_response(m, c.dialect, default_limits, got)) << c.name;
                EXPECT_EQ(got, c.decoded) << c.name;
                ++seen;
            });
            EXPECT_EQ(seen, 2u) << c.name;
        };
        for (std::size_t split = 0; split <= stream.size(); ++split) check(split, 0);
        check(std::string::npos, 1);
    }
}

TEST(message_stream, a_pipelined_session_byte_by_byte) {
    // What a client sends for one managed transaction, and what the server answers.
    buffer requests;
    request_writer w(requests, protocol_version{5, 2});
    w.hello({{"user_agent", "boltload/0.1"}});
    w.logon({{"scheme", "none"}});
    w.begin({});
    w.run("UNWIND $batch AS row CREATE (:N {id: row})", {{"batch", list{1, 2, 3}}}, {});
    w.pull(-1);
    w.commit();
    w.goodbye();
    ASSERT_FALSE(w.error());
    std::vector<message_tag> tags;
    feed(requests, std::string::npos, 1, [&](byte_view m) {
        request r;
        ASSERT_FALSE(decode_request(m, protocol_version{5, 2}, default_limits, r));
        tags.push_back(tag_of(r));
    });
    EXPECT_EQ(tags, (std::vector<message_tag>{message_tag::hello, message_tag::logon,
                                              message_tag::begin, message_tag::run,
                                              message_tag::pull, message_tag::commit,
                                              message_tag::goodbye}));
}

// ---- errors ------------------------------------------------------------------------------------

struct request_error_case {
    const char* name;
    protocol_version version;
    buffer message;
    std::error_code error;
    const char* detail;  // a fragment the message must contain ("" = not checked)
};

std::vector<request_error_case> request_error_cases() {
    using pe = protocol_errc;
    using ps = packstream::errc;
    return {
        {"empty", {5, 2}, {}, pe::empty_message, "empty"},
        {"not_a_structure", {5, 2}, bytes({0xa0}), pe::not_a_structure, "structure"},
        {"header_cut", {5, 2}, bytes({0xb1}), ps::truncated, ""},
        {"unknown_signature", {5, 2}, bytes({0xb0, 0x55}), pe::unknown_message, "0x55"},
        {"response_as_request", {5, 2}, bytes({0xb1, 0x70, 0xa0}), pe::unknown_message, "SUCCESS"},
        {"pull_two_fields", {4, 4}, bytes({0xb2, 0x3f, 0xa0, 0xa0}), pe::wrong_field_count,
         "PULL has 2 fields, Bolt 4.4 expects 1"},
        {"pull_all_in_v4", {4, 0}, bytes({0xb0, 0x3f}), pe::wrong_field_count, "expects 1"},
        {"pull_extra_in_v3", {3, 0}, bytes({0xb1, 0x3f, 0xa0}), pe::wrong_field_count, "expects 0"},
        {"run_two_fields_in_v4", {4, 4}, bytes({0xb2, 0x10, 0x81, "x", 0xa0}),
         pe::wrong_field_count, "RUN has 2 fields"},
        {"hello_init_layout_in_v4", {4, 4}, bytes({0xb2, 0x01, 0x81, "x", 0xa0}),
         pe::wrong_field_count, "HELLO"},
        {"reset_with_field", {5, 2}, bytes({0xb1, 0x0f, 0xa0}), pe::wrong_field_count, "RESET"},
        {"pull_extra_not_map", {5, 2}, bytes({0xb1, 0x3f, 0x01}), pe::wrong_field_type,
         "PULL: field 'extra' must be a map"},
        {"pull_n_not_int", {5, 2}, bytes({0xb1, 0x3f, 0xa1, 0x81, "n", 0x81, "a"}),
         pe::wrong_field_type, "'n' must be an integer"},
        {"pull_qid_float", {5, 2}, bytes({0xb1, 0x3f, 0xa1, 0x83, "qid", 0xc1, 0, 0, 0, 0, 0, 0, 0, 0}),
         pe::wrong_field_type, "'qid'"},
        {"run_query_not_string", {5, 2}, bytes({0xb3, 0x10, 0x01, 0xa0, 0xa0}), pe::wrong_field_type,
         "RUN: field 'query' must be a string"},
        {"run_params_list", {5, 2}, bytes({0xb3, 0x10, 0x81, "x", 0x90, 0xa0}),
         pe::wrong_field_type, "field 'parameters' must be a map"},
        {"hello_extra_null", {5, 2}, bytes({0xb1, 0x01, 0xc0}), pe::wrong_field_type, "HELLO"},
        {"init_agent_not_string", {1, 0}, bytes({0xb2, 0x01, 0x01, 0xa0}), pe::wrong_field_type,
         "user_agent"},
        {"route_db_int_v4_3", {4, 3}, bytes({0xb3, 0x66, 0xa0, 0x90, 0x01}), pe::wrong_field_type,
         "'db'"},
        {"route_imp_user_int_v4_4", {4, 4},
         bytes({0xb3, 0x66, 0xa0, 0x90, 0xa1, 0x88, "imp_user", 0x01}), pe::wrong_field_type,
         "imp_user"},
        {"route_bookmarks_map", {5, 0}, bytes({0xb3, 0x66, 0xa0, 0xa0, 0xa0}), pe::wrong_field_type,
         "bookmarks"},
        {"telemetry_api_string", {5, 4}, bytes({0xb1, 0x54, 0x81, "x"}), pe::wrong_field_type, "api"},
        {"logon_in_5_0", {5, 0}, bytes({0xb1, 0x6a, 0xa0}), pe::not_in_version,
         "LOGON does not exist in Bolt 5.0"},
        {"logoff_in_4_4", {4, 4}, bytes({0xb0, 0x6b}), pe::not_in_version, "LOGOFF"},
        {"telemetry_in_5_3", {5, 3}, bytes({0xb1, 0x54, 0x00}), pe::not_in_version, "TELEMETRY"},
        {"route_in_4_2", {4, 2}, bytes({0xb3, 0x66, 0xa0, 0x90, 0xc0}), pe::not_in_version, "ROUTE"},
        {"begin_in_v1", {1, 0}, bytes({0xb1, 0x11, 0xa0}), pe::not_in_version, "BEGIN"},
        {"goodbye_in_v2", {2, 0}, bytes({0xb0, 0x02}), pe::not_in_version, "GOODBYE"},
        {"ack_failure_in_v3", {3, 0}, bytes({0xb0, 0x0e}), pe::not_in_version, "ACK_FAILURE"},
        {"trailing_bytes", {5, 2}, bytes({0xb0, 0x0f, 0x00}), pe::trailing_bytes, "RESET: 1 bytes"},
        {"trailing_after_run", {5, 2}, bytes({0xb3, 0x10, 0x81, "x", 0xa0, 0xa0, 0xc0}),
         pe::trailing_bytes, "RUN"},
        {"field_cut_short", {5, 2}, bytes({0xb3, 0x10, 0x85, "RET"}), ps::too_large, ""},
        {"length_cut_short", {5, 2}, bytes({0xb3, 0x10, 0xd1, 0x00}), ps::truncated, ""},
        {"fields_missing", {5, 2}, bytes({0xb3, 0x10, 0x81, "x"}), ps::truncated, ""},
        {"bytes_in_params", {5, 2}, bytes({0xb3, 0x10, 0x81, "x", 0xa1, 0x81, "b", 0xd3, 0xa0}),
         ps::reserved_marker, ""},
    };
}

void PrintTo(const request_error_case& c, std::ostream* os) { *os << c.name; }

class request_errors : public ::testing::TestWithParam<request_error_case> {};

TEST_P(request_errors, are_reported_with_a_code_and_a_clear_detail) {
    const request_error_case& c = GetParam();
    request got;
    std::string detail;
    const std::error_code ec = decode_request(c.message, c.version, default_limits, got, &detail);
    EXPECT_EQ(ec, c.error) << ec.message() << " / " << detail;
    if (*c.detail) {
        EXPECT_NE(detail.find(c.detail), std::string::npos) << detail;
    }
    // Without a detail string the code is the same.
    EXPECT_EQ(decode_request(c.message, c.version, default_limits, got), c.error);
}

INSTANTIATE_TEST_SUITE_P(vectors, request_errors, ::testing::ValuesIn(request_error_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(decode_response, rejects_malformed_responses) {
    response r;
    std::string detail;
    EXPECT_EQ(decode_response({}, v5, default_limits, r, &detail), protocol_errc::empty_message);
    EXPECT_EQ(decode_response(bytes({0x01}), v5, default_limits, r), protocol_errc::not_a_structure);
    EXPECT_EQ(decode_response(bytes({0xb2, 0x70, 0xa0, 0xa0}), v5, default_limits, r, &detail),
              protocol_errc::wrong_field_count);
    EXPECT_NE(detail.find("SUCCESS has 2 fields"), std::string::npos) << detail;
    EXPECT_EQ(decode_response(bytes({0xb1, 0x7e, 0xa0}), v5, default_limits, r),
              protocol_errc::wrong_field_count);
    EXPECT_EQ(decode_response(bytes({0xb0, 0x71}), v5, default_limits, r),
              protocol_errc::wrong_field_count);
    EXPECT_EQ(decode_response(bytes({0xb1, 0x7f, 0x90}), v5, default_limits, r, &detail),
              protocol_errc::wrong_field_type);
    EXPECT_NE(detail.find("FAILURE: field 'metadata' must be a map"), std::string::npos) << detail;
    EXPECT_EQ(decode_response(bytes({0xb1, 0x71, 0xa0}), v5, default_limits, r, &detail),
              protocol_errc::wrong_field_type);
    EXPECT_NE(detail.find("RECORD: field 'data' must be a list"), std::string::npos) << detail;
    EXPECT_EQ(decode_response(bytes({0xb1, 0x01, 0xa0}), v5, default_limits, r, &detail),
              protocol_errc::unknown_message);
    EXPECT_NE(detail.find("HELLO"), std::string::npos) << detail;
    EXPECT_EQ(decode_response(bytes({0xb1, 0x70, 0xa0, 0x00}), v5, default_limits, r),
              protocol_errc::trailing_bytes);
    EXPECT_EQ(decode_response(bytes({0xb1, 0x71, 0x91, 0x01, 0x02}), v5, default_limits, r),
              protocol_errc::trailing_bytes);
    EXPECT_EQ(decode_response(bytes({0xb0, 0x7e, 0x00}), v5, default_limits, r),
              protocol_errc::trailing_bytes);
    // A row announcing more items than bytes left, and a row cut inside an item.
    EXPECT_EQ(decode_response(bytes({0xb1, 0x71, 0x92, 0x01}), v5, default_limits, r),
              packstream::errc::too_large);
    EXPECT_EQ(decode_response(bytes({0xb1, 0x71, 0x92, 0x01, 0xc9, 0x01}), v5, default_limits, r),
              packstream::errc::truncated);
    // A huge announced row is refused before anything is allocated for it.
    EXPECT_EQ(decode_response(bytes({0xb1, 0x71, 0xd6, 0xff, 0xff, 0xff, 0xff, 0x01}), v5,
                              default_limits, r),
              packstream::errc::too_large);
    // A Bolt 5 node read with the Bolt 4 dialect is a broken structure, not a crash.
    EXPECT_TRUE(decode_response(bytes({0xb1, 0x71, 0x91, 0xb4, 0x4e, 0x01, 0x91, 0x81, "L", 0xa0,
                                       0x81, "1"}),
                                v4, default_limits, r));
}

TEST(decode_response, record_limits_apply_to_the_row) {
    packstream::limits tight;
    tight.max_container_items = 2;
    response r;
    EXPECT_FALSE(decode_response(bytes({0xb1, 0x71, 0x92, 0x01, 0x02}), v5, tight, r));
    EXPECT_EQ(decode_response(bytes({0xb1, 0x71, 0x93, 0x01, 0x02, 0x03}), v5, tight, r),
              packstream::errc::too_large);
    // Same bounds as decoding the row as a plain list value.
    for (std::uint32_t depth : {0u, 1u, 2u, 3u}) {
        packstream::limits l;
        l.max_depth = depth;
        const buffer row = bytes({0x91, 0x91, 0x01});  // [[1]]
        value as_value;
        const std::error_code plain = packstream::decode(row, as_value, v5, l);
        const std::error_code record =
            decode_response(bytes({0xb1, 0x71, 0x91, 0x91, 0x01}), v5, l, r);
        EXPECT_EQ(record, plain) << "max_depth " << depth;
    }
}

TEST(decode_response, reuses_the_row_storage_of_a_previous_record) {
    response r;
    ASSERT_FALSE(decode_response(bytes({0xb1, 0x71, 0x93, 0x01, 0x02, 0x03}), v5, default_limits, r));
    const value* storage = std::get<record_message>(r).fields.data();
    ASSERT_FALSE(decode_response(bytes({0xb1, 0x71, 0x93, 0x04, 0x05, 0x06}), v5, default_limits, r));
    EXPECT_EQ(std::get<record_message>(r).fields.data(), storage);
    EXPECT_EQ(r, response(record_message{list{4, 5, 6}}));
    ASSERT_FALSE(decode_response(bytes({0xb1, 0x71, 0x91, 0x07}), v5, default_limits, r));
    EXPECT_EQ(r, response(record_message{list{7}}));
    ASSERT_FALSE(decode_response(bytes({0xb1, 0x70, 0xa0}), v5, default_limits, r));
    EXPECT_EQ(r, response(success_message{}));
}

TEST(request_writer, refuses_messages_the_version_lacks_and_writes_nothing) {
    struct row {
        const char* name;
        protocol_version v;
        std::function<void(request_writer&)> write;
    };
    const row rows[] = {
        {"logon_4_4", {4, 4}, [](request_writer& w) { w.logon({}); }},
        {"logoff_5_0", {5, 0}, [](request_writer& w) { w.logoff(); }},
        {"telemetry_5_3", {5, 3}, [](request_writer& w) { w.telemetry(0); }},
        {"route_4_2", {4, 2}, [](request_writer& w) { w.route({}, {}, std::nullopt, std::nullopt); }},
        {"route_imp_user_4_3", {4, 3}, [](request_writer& w) { w.route({}, {}, "db", "alice"); }},
        {"pull_n_v3", {3, 0}, [](request_writer& w) { w.pull(100); }},
        {"discard_qid_v3", {3, 0}, [](request_writer& w) { w.discard(-1, 2); }},
        {"begin_v2", {2, 0}, [](request_writer& w) { w.begin({}); }},
        {"commit_v1", {1, 0}, [](request_writer& w) { w.commit(); }},
        {"rollback_v1", {1, 0}, [](request_writer& w) { w.rollback(); }},
        {"goodbye_v2", {2, 0}, [](request_writer& w) { w.goodbye(); }},
        {"ack_failure_v3", {3, 0}, [](request_writer& w) { w.ack_failure(); }},
        {"run_extra_v2", {2, 0}, [](request_writer& w) { w.run("RETURN 1", {}, {{"mode", "r"}}); }},
    };
    for (const row& r : rows) {
        buffer out = {0x01, 0x02};
        request_writer w(out, r.v);
        r.write(w);
        EXPECT_EQ(w.error(), protocol_errc::not_in_version) << r.name;
        EXPECT_EQ(out, (buffer{0x01, 0x02})) << r.name;
        // Sticky: later messages are not written either, so the pipeline never goes half-out.
        w.reset();
        EXPECT_EQ(out, (buffer{0x01, 0x02})) << r.name;
        EXPECT_EQ(w.error(), protocol_errc::not_in_version) << r.name;
    }
}

TEST(response_writer, an_encoder_error_leaves_no_bytes_and_sticks) {
    // A zone-id date-time kept in legacy wall-clock seconds cannot be sent in the UTC layout.
    date_time_zone_id legacy;
    legacy.seconds = 1000;
    legacy.tz_id = "Europe/Zagreb";
    legacy.legacy_local_seconds = true;
    buffer out;
    response_writer w(out, protocol_version{5, 2});
    w.success({});
    const buffer before = out;
    w.record(list{1, legacy});
    EXPECT_EQ(w.error(), packstream::errc::unrepresentable);
    EXPECT_EQ(out, before);
    w.ignored();
    EXPECT_EQ(out, before);
    // The same value is fine in the legacy dialect of Bolt 4.4.
    buffer legacy_out;
    response_writer w4(legacy_out, protocol_version{4, 4});
    w4.record(list{1, legacy});
    EXPECT_FALSE(w4.error());
}

TEST(request_writer, init_needs_a_user_agent) {
    buffer out;
    request_writer w(out, protocol_version{1, 0});
    w.hello({{"scheme", "none"}});
    EXPECT_EQ(w.error(), protocol_errc::wrong_field_type);
    EXPECT_TRUE(out.empty());
}

TEST(request_writer, pipelines_several_messages_into_one_buffer) {
    buffer out;
    request_writer w(out, protocol_version{5, 2});
    w.begin({});
    w.run("RETURN 1", {}, {});
    w.pull(-1);
    w.commit();
    ASSERT_FALSE(w.error());
    buffer expected;
    append_chunked(expected, bytes({0xb1, 0x11, 0xa0}));
    append_chunked(expected, bytes({0xb3, 0x10, 0x88, "RETURN 1", 0xa0, 0xa0}));
    append_chunked(expected, bytes({0xb1, 0x3f, 0xa1, 0x81, "n", 0xff}));
    append_chunked(expected, bytes({0xb0, 0x12}));
    EXPECT_EQ(out, expected);
}

// ---- the hot path: RUN with a 10,000-row batch -------------------------------------------------

map batch_params(std::size_t rows) {
    list batch;
    batch.reserve(rows);
    for (std::size_t i = 0; i < rows; ++i)
        batch.emplace_back(map{{"id", static_cast<std::int64_t>(i)},
                               {"name", "user-" + std::to_string(i)},
                               {"score", static_cast<double>(i) / 7.0},
                               {"tags", list{"a", "b"}}});
    return map{{"batch", std::move(batch)}};
}

TEST(run_hot_path, ten_thousand_rows_round_trip_through_chunks) {
    const map params = batch_params(10000);
    const std::string query = "UNWIND $batch AS row MERGE (u:User {id: row.id}) SET u += row";
    buffer out;
    request_writer w(out, protocol_version{5, 2});
    w.run(query, params, {{"db", "memgraph"}});
    ASSERT_FALSE(w.error());

    // The encoded message equals the plain PackStream encoding, chunked at 65535.
    buffer message = {0xb3, 0x10};
    packstream::encoder enc(message, v5);
    enc.write_string(query);
    enc.write(params);
    enc.write(map{{"db", "memgraph"}});
    ASSERT_GT(message.size(), 3 * max_chunk_size);
    EXPECT_EQ(out, chunked(message));
    EXPECT_EQ(out[0], 0xFF);
    EXPECT_EQ(out[1], 0xFF);

    // The server side gets the same batch back through the reader.
    std::size_t seen = 0;
    feed(out, std::string::npos, 16384, [&](byte_view m) {
        request r;
        ASSERT_FALSE(decode_request(m, protocol_version{5, 2}, default_limits, r));
        const auto& run = std::get<run_request>(r);
        EXPECT_EQ(run.query, query);
        EXPECT_EQ(run.parameters, params);
        EXPECT_EQ(run.extra, (map{{"db", "memgraph"}}));
        ++seen;
    });
    EXPECT_EQ(seen, 1u);
}

TEST(run_hot_path, a_reused_output_buffer_allocates_nothing) {
    const map params = batch_params(10000);
    buffer out;
    const auto write_batch = [&] {
        out.clear();  // keeps its capacity, as the connection's output buffer does
        request_writer w(out, protocol_version{5, 2});
        w.begin({});
        w.run("UNWIND $batch AS row CREATE (:User {id: row.id})", params, {});
        w.pull(-1);
        w.commit();
        return w.error();
    };
    ASSERT_FALSE(write_batch());  // warm-up grows the buffer once
    allocations = 0;
    counting = true;
    for (int i = 0; i < 5; ++i) write_batch();
    counting = false;
    EXPECT_EQ(allocations.load(), 0u);
}

}  // namespace
}  // namespace bolt
