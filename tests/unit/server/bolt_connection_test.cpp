// The embedded server's Bolt state machine without sockets: handshake, authentication, the
// spec's state table, FAILURE/IGNORED, malformed input and messages split at every byte.
#include <gtest/gtest.h>

#include <array>

#include "bolt_test_peer.hpp"

namespace {

using namespace bolt_test;
using server::bolt::connection_phase;

constexpr std::string_view violation = "Memgraph.ExecutionException";

// ---- handshake -------------------------------------------------------------------------------

TEST(BoltHandshake, PicksNewestCommonVersionFromDefaultProposal) {
    peer p;
    auto reply = p.handshake();
    EXPECT_EQ(reply, (bolt::buffer{0, 0, 4, 5}));
    EXPECT_EQ(p.conn().phase(), connection_phase::negotiation);
}

TEST(BoltHandshake, SkipsManifestSlotSoSixXDriversGetFiveX) {
    // A 6.x driver: manifest v1 first, then 5.7..5.0, 4.4..4.2, 3.0.
    const std::array<std::uint8_t, 20> request{0x60, 0x60, 0xB0, 0x17, 0, 0, 1, 0xFF, 0, 7, 7, 5,
                                               0,    2,    4,    4,    0, 0, 0, 3};
    peer p;
    EXPECT_EQ(p.handshake_raw(request), (bolt::buffer{0, 0, 4, 5}));
}

TEST(BoltHandshake, MgclientProposalGetsFourFour) {
    const std::array<std::uint8_t, 20> request{0x60, 0x60, 0xB0, 0x17, 0, 0, 4, 4, 0, 0, 3, 4,
                                               0,    0,    1,    4,    0, 0, 0, 1};
    peer p;
    EXPECT_EQ(p.handshake_raw(request), (bolt::buffer{0, 0, 4, 4}));
}

TEST(BoltHandshake, RestrictedVersionListIsHonoured) {
    server::bolt::connection_settings s;
    s.versions = {{5, 2}, {4, 4}, {4, 3}, {4, 1}};  // what Memgraph 3.12 accepts
    peer p(s);
    EXPECT_EQ(p.handshake(), (bolt::buffer{0, 0, 2, 5}));
}

TEST(BoltHandshake, NoCommonVersionAnswersZerosAndCloses) {
    const std::array<std::uint8_t, 20> request{0x60, 0x60, 0xB0, 0x17, 0, 0, 0, 3, 0, 0, 0, 2,
                                               0,    0,    0,    1,    0, 0, 0, 0};
    peer p;
    EXPECT_EQ(p.handshake_raw(request), (bolt::buffer{0, 0, 0, 0}));
    EXPECT_TRUE(p.closed());
}

TEST(BoltHandshake, GarbageMagicClosesWithoutReply) {
    const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    peer p;
    auto reply = p.handshake_raw({reinterpret_cast<const std::uint8_t*>(http.data()), http.size()});
    EXPECT_TRUE(reply.empty());
    EXPECT_TRUE(p.closed());
    EXPECT_EQ(p.conn().phase(), connection_phase::defunct);
}

TEST(BoltHandshake, ByteAtATimeAndPipelinedHello) {
    auto request = bolt::make_handshake_request();
    bolt::buffer hello;
    bolt::request_writer(hello, bolt::protocol_version{5, 4}).hello({{"user_agent", "t/1"}});
    bolt::buffer all(request.begin(), request.end());
    all.insert(all.end(), hello.begin(), hello.end());

    peer p;
    bolt::buffer out;
    for (auto b : all) {
        p.conn().feed(std::span<const std::uint8_t>(&b, 1));
        auto r = drain(p.conn(), p.features());
        out.insert(out.end(), r.raw.begin(), r.raw.end());
        ASSERT_FALSE(r.closed);
    }
    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(bolt::buffer(out.begin(), out.begin() + 4), (bolt::buffer{0, 0, 4, 5}));
    auto responses = decode_all(bolt::buffer(out.begin() + 4, out.end()), bolt::features_for({5, 4}));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_TRUE(is_success(responses[0]));
    EXPECT_EQ(p.conn().phase(), connection_phase::authentication);
}

// ---- HELLO / LOGON / auth --------------------------------------------------------------------

TEST(BoltHello, SuccessCarriesNeo4jServerNameAndConnectionId) {
    peer p;
    const bolt::version_range v[] = {{{5, 2}, 0}};
    p.handshake(v);
    auto r = p.send([](auto& w) { w.hello({{"user_agent", "test/1"}}); });
    ASSERT_EQ(r.responses.size(), 1u);
    ASSERT_TRUE(is_success(r.responses[0]));
    const auto& m = meta(r.responses[0]);
    EXPECT_TRUE(m.at("server").as<std::string>().starts_with("Neo4j/"));
    EXPECT_EQ(m.at("connection_id").as<std::string>(), "bolt-1");
    EXPECT_EQ(p.conn().phase(), connection_phase::authentication);  // 5.1+: LOGON next
}

TEST(BoltHello, FourFourGoesStraightToReadyAndAcceptsUtcPatch) {
    peer p;
    const bolt::version_range v[] = {{{4, 4}, 0}};
    p.handshake(v);
    auto r = p.send([](auto& w) {
        w.hello({{"user_agent", "test/1"}, {"scheme", "none"}, {"patch_bolt", bolt::list{"utc"}}});
    });
    ASSERT_EQ(r.responses.size(), 1u);
    ASSERT_TRUE(is_success(r.responses[0]));
    EXPECT_EQ(meta(r.responses[0]).at("patch_bolt"), bolt::value(bolt::list{"utc"}));
    EXPECT_EQ(p.conn().phase(), connection_phase::ready);
}

TEST(BoltHello, MissingUserAgentIsAProtocolViolation) {
    peer p;
    p.handshake();
    auto r = p.send([](auto& w) { w.hello({}); });
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(code(r.responses[0]), violation);
    EXPECT_TRUE(r.closed);
}

TEST(BoltHello, AnythingButHelloFirstIsAProtocolViolation) {
    peer p;
    p.handshake();
    auto r = p.send([](auto& w) { w.run("RETURN 1", {}, {}); });
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(code(r.responses[0]), violation);
    EXPECT_TRUE(r.closed);
}

TEST(BoltAuth, AnyoneGetsInWhileThereAreNoUsers) {
    peer p;
    p.open({5, 2}, {{"scheme", "basic"}, {"principal", "who"}, {"credentials", "ever"}});
    EXPECT_EQ(p.conn().user(), "");
}

TEST(BoltAuth, OnceAUserExistsOnlyValidCredentialsGetIn) {
    auto db = std::make_shared<server::query::database>();
    ASSERT_EQ(db->users().create("alice", "secret"), server::storage::user_store::outcome::ok);

    for (bolt::protocol_version v : {bolt::protocol_version{5, 2}, bolt::protocol_version{4, 4}}) {
        SCOPED_TRACE(v.to_string());
        peer good({}, db);
        good.open(v, {{"scheme", "basic"}, {"principal", "alice"}, {"credentials", "secret"}});
        EXPECT_EQ(good.conn().user(), "alice");

        for (const bolt::map& bad :
             {bolt::map{{"scheme", "basic"}, {"principal", "alice"}, {"credentials", "wrong"}},
              bolt::map{{"scheme", "none"}},
              bolt::map{{"scheme", "bearer"}, {"credentials", "token"}}}) {
            peer p({}, db);
            const bolt::version_range range[] = {{v, 0}};
            p.handshake(range);
            auto r = p.send([&](bolt::request_writer& w) {
                bolt::map hello{{"user_agent", "t/1"}};
                if (!p.features().logon_message)
                    for (const auto& [k, val] : bad) hello.set(k, val);
                w.hello(hello);
                if (p.features().logon_message) w.logon(bad);
            });
            ASSERT_FALSE(r.responses.empty());
            const auto& last = r.responses.back();
            ASSERT_TRUE(is_failure(last));
            EXPECT_EQ(code(last), "Memgraph.ClientError.Security.Unauthenticated");
            EXPECT_EQ(meta(last).at("message").as<std::string>(), "Authentication failure");
            EXPECT_TRUE(r.closed);
        }
    }
}

TEST(BoltAuth, LogoffThenLogonAgain) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) { w.logoff(); });
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_TRUE(is_success(r.responses[0]));
    EXPECT_EQ(p.conn().phase(), connection_phase::authentication);
    r = p.send([](auto& w) { w.logon({{"scheme", "none"}}); });
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_TRUE(is_success(r.responses[0]));
    EXPECT_EQ(p.conn().phase(), connection_phase::ready);
}

// ---- the state table -------------------------------------------------------------------------

enum class want { success, failure, ignored, violation, none };

struct transition {
    const char* name;
    connection_phase from;
    std::function<void(bolt::request_writer&)> request;
    want reply;
    connection_phase to;
};

// Drives a fresh 5.4 connection into `state` (a query that yields 5 rows keeps a stream open).
void enter(peer& p, connection_phase state) {
    p.open({5, 4});
    const auto run5 = [](bolt::request_writer& w) {
        w.run("UNWIND range(1, 5) AS i RETURN i", {}, {});
    };
    switch (state) {
        case connection_phase::ready: break;
        case connection_phase::streaming: p.send(run5); break;
        case connection_phase::tx_ready: p.send([](auto& w) { w.begin({}); }); break;
        case connection_phase::tx_streaming:
            p.send([](auto& w) { w.begin({}); });
            p.send(run5);
            break;
        case connection_phase::failed: p.send([](auto& w) { w.commit(); }); break;
        default: FAIL() << "no way into " << to_string(state);
    }
    ASSERT_EQ(p.conn().phase(), state);
}

class BoltStateTable : public ::testing::TestWithParam<transition> {};

TEST_P(BoltStateTable, RequestGivesSpecReplyAndNextState) {
    const auto& t = GetParam();
    peer p;
    enter(p, t.from);
    auto r = p.send(t.request);
    switch (t.reply) {
        case want::success:
            ASSERT_FALSE(r.responses.empty());
            EXPECT_TRUE(is_success(r.responses.back()));
            break;
        case want::failure:
            ASSERT_EQ(r.responses.size(), 1u);
            ASSERT_TRUE(is_failure(r.responses[0]));
            EXPECT_NE(code(r.responses[0]), violation);
            break;
        case want::ignored:
            ASSERT_EQ(r.responses.size(), 1u);
            EXPECT_TRUE(is_ignored(r.responses[0]));
            break;
        case want::violation:
            ASSERT_EQ(r.responses.size(), 1u);
            ASSERT_TRUE(is_failure(r.responses[0]));
            EXPECT_EQ(code(r.responses[0]), violation);
            EXPECT_TRUE(r.closed);
            break;
        case want::none:
            EXPECT_TRUE(r.responses.empty());
            break;
    }
    EXPECT_EQ(p.conn().phase(), t.to) << to_string(p.conn().phase());
}

using S = connection_phase;
const auto run_q = [](bolt::request_writer& w) { w.run("RETURN 1", {}, {}); };
const auto pull_all = [](bolt::request_writer& w) { w.pull(-1); };
const auto pull_2 = [](bolt::request_writer& w) { w.pull(2); };
const auto discard_all = [](bolt::request_writer& w) { w.discard(-1); };
const auto begin_tx = [](bolt::request_writer& w) { w.begin({}); };
const auto commit_tx = [](bolt::request_writer& w) { w.commit(); };
const auto rollback_tx = [](bolt::request_writer& w) { w.rollback(); };
const auto reset = [](bolt::request_writer& w) { w.reset(); };
const auto goodbye = [](bolt::request_writer& w) { w.goodbye(); };
const auto route = [](bolt::request_writer& w) { w.route({}, {}, std::nullopt, std::nullopt); };
const auto telemetry = [](bolt::request_writer& w) { w.telemetry(1); };
const auto logoff = [](bolt::request_writer& w) { w.logoff(); };
const auto hello = [](bolt::request_writer& w) { w.hello({{"user_agent", "x/1"}}); };

INSTANTIATE_TEST_SUITE_P(
    Spec, BoltStateTable,
    ::testing::Values(
        transition{"ready_run", S::ready, run_q, want::success, S::streaming},
        transition{"ready_begin", S::ready, begin_tx, want::success, S::tx_ready},
        transition{"ready_route", S::ready, route, want::success, S::ready},
        transition{"ready_telemetry", S::ready, telemetry, want::success, S::ready},
        transition{"ready_logoff", S::ready, logoff, want::success, S::authentication},
        transition{"ready_reset", S::ready, reset, want::success, S::ready},
        transition{"ready_goodbye", S::ready, goodbye, want::none, S::defunct},
        transition{"ready_commit", S::ready, commit_tx, want::failure, S::failed},
        transition{"ready_rollback", S::ready, rollback_tx, want::failure, S::failed},
        transition{"ready_pull", S::ready, pull_all, want::violation, S::defunct},
        transition{"ready_hello", S::ready, hello, want::violation, S::defunct},
        transition{"streaming_pull_some", S::streaming, pull_2, want::success, S::streaming},
        transition{"streaming_pull_all", S::streaming, pull_all, want::success, S::ready},
        transition{"streaming_discard", S::streaming, discard_all, want::success, S::ready},
        transition{"streaming_reset", S::streaming, reset, want::success, S::ready},
        transition{"streaming_run", S::streaming, run_q, want::violation, S::defunct},
        transition{"streaming_begin", S::streaming, begin_tx, want::violation, S::defunct},
        transition{"streaming_goodbye", S::streaming, goodbye, want::none, S::defunct},
        transition{"tx_ready_run", S::tx_ready, run_q, want::success, S::tx_streaming},
        transition{"tx_ready_commit", S::tx_ready, commit_tx, want::success, S::ready},
        transition{"tx_ready_rollback", S::tx_ready, rollback_tx, want::success, S::ready},
        transition{"tx_ready_begin", S::tx_ready, begin_tx, want::failure, S::failed},
        transition{"tx_ready_reset", S::tx_ready, reset, want::success, S::ready},
        transition{"tx_ready_route", S::tx_ready, route, want::violation, S::defunct},
        transition{"tx_streaming_pull_some", S::tx_streaming, pull_2, want::success, S::tx_streaming},
        transition{"tx_streaming_pull_all", S::tx_streaming, pull_all, want::success, S::tx_ready},
        transition{"tx_streaming_discard", S::tx_streaming, discard_all, want::success, S::tx_ready},
        transition{"tx_streaming_commit", S::tx_streaming, commit_tx, want::violation, S::defunct},
        transition{"tx_streaming_reset", S::tx_streaming, reset, want::success, S::ready},
        transition{"failed_run", S::failed, run_q, want::ignored, S::failed},
        transition{"failed_pull", S::failed, pull_all, want::ignored, S::failed},
        transition{"failed_discard", S::failed, discard_all, want::ignored, S::failed},
        transition{"failed_begin", S::failed, begin_tx, want::ignored, S::failed},
        transition{"failed_commit", S::failed, commit_tx, want::ignored, S::failed},
        transition{"failed_rollback", S::failed, rollback_tx, want::ignored, S::failed},
        transition{"failed_route", S::failed, route, want::ignored, S::failed},
        transition{"failed_logoff", S::failed, logoff, want::ignored, S::failed},
        transition{"failed_reset", S::failed, reset, want::success, S::ready},
        transition{"failed_goodbye", S::failed, goodbye, want::none, S::defunct}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- replies in detail -----------------------------------------------------------------------

TEST(BoltReplies, RunPullStreamsRecordsThenSummary) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) {
        w.run("UNWIND range(1, 5) AS i RETURN i", {}, {});
        w.pull(2);
        w.pull(-1);
    });
    ASSERT_EQ(r.responses.size(), 1u + 2 + 1 + 3 + 1);
    EXPECT_EQ(meta(r.responses[0]).at("fields"), bolt::value(bolt::list{"i"}));
    EXPECT_FALSE(meta(r.responses[0]).contains("qid"));  // auto-commit: no qid, as Memgraph
    EXPECT_TRUE(is_record(r.responses[1]));
    EXPECT_EQ(std::get<bolt::record_message>(r.responses[1]).fields, (bolt::list{1}));
    EXPECT_EQ(meta(r.responses[3]).at("has_more"), bolt::value(true));
    EXPECT_EQ(std::get<bolt::record_message>(r.responses[6]).fields, (bolt::list{5}));
    const auto& summary = meta(r.responses[7]);
    EXPECT_EQ(summary.at("has_more"), bolt::value(false));
    EXPECT_EQ(summary.at("db"), bolt::value("memgraph"));
    EXPECT_TRUE(summary.contains("type"));
    EXPECT_EQ(p.conn().phase(), connection_phase::ready);
}

TEST(BoltReplies, ParametersReachTheQuery) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) {
        w.run("RETURN $x AS x", {{"x", bolt::list{1, "two", 3.5}}}, {});
        w.pull(-1);
    });
    ASSERT_EQ(r.responses.size(), 3u);
    EXPECT_EQ(std::get<bolt::record_message>(r.responses[1]).fields,
              (bolt::list{bolt::list{1, "two", 3.5}}));
}

TEST(BoltReplies, ExplicitTransactionNumbersStatementsWithQid) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) {
        w.begin({});
        w.run("RETURN 1", {}, {});
        w.pull(-1, 0);
        w.run("RETURN 1", {}, {});
        w.pull(-1, 1);
        w.commit();
    });
    ASSERT_EQ(r.responses.size(), 1u + 3 + 3 + 1);
    EXPECT_EQ(meta(r.responses[1]).at("qid"), bolt::value(0));
    EXPECT_EQ(meta(r.responses[4]).at("qid"), bolt::value(1));
    EXPECT_TRUE(is_success(r.responses[7]));
    EXPECT_EQ(p.conn().phase(), connection_phase::ready);
}

TEST(BoltReplies, PullOfAnUnknownQidFails) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) {
        w.begin({});
        w.run("RETURN 1", {}, {});
        w.pull(-1, 7);
    });
    ASSERT_EQ(r.responses.size(), 3u);
    EXPECT_TRUE(is_failure(r.responses[2]));
    EXPECT_EQ(p.conn().phase(), connection_phase::failed);
}

TEST(BoltReplies, QueryErrorThenIgnoredUntilReset) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) {
        w.run("THIS IS NOT CYPHER", {}, {});
        w.pull(-1);
        w.run("RETURN 1", {}, {});
        w.pull(-1);
        w.reset();
        w.run("RETURN 1", {}, {});
        w.pull(-1);
    });
    ASSERT_EQ(r.responses.size(), 1u + 3 + 1 + 3);
    ASSERT_TRUE(is_failure(r.responses[0]));
    EXPECT_TRUE(code(r.responses[0]).starts_with("Memgraph.ClientError"));
    EXPECT_TRUE(is_ignored(r.responses[1]));
    EXPECT_TRUE(is_ignored(r.responses[2]));
    EXPECT_TRUE(is_ignored(r.responses[3]));
    EXPECT_TRUE(is_success(r.responses[4]));
    EXPECT_TRUE(is_success(r.responses[5]));
    EXPECT_TRUE(is_record(r.responses[6]));
    EXPECT_TRUE(is_success(r.responses[7]));
}

TEST(BoltReplies, RouteAnswersWithItselfInEveryRole) {
    server::bolt::connection_settings s;
    s.advertised_address = "127.0.0.1:7777";
    s.routing_ttl_seconds = 42;
    peer p(s);
    p.open({5, 2});
    auto r = p.send(route);
    ASSERT_EQ(r.responses.size(), 1u);
    const auto& rt = meta(r.responses[0]).at("rt").as<bolt::map>();
    EXPECT_EQ(rt.at("ttl"), bolt::value(42));
    EXPECT_EQ(rt.at("db"), bolt::value("memgraph"));
    const auto& servers = rt.at("servers").as<bolt::list>();
    ASSERT_EQ(servers.size(), 3u);
    std::vector<std::string> roles;
    for (const auto& srv : servers) {
        EXPECT_EQ(srv["addresses"], bolt::value(bolt::list{"127.0.0.1:7777"}));
        roles.push_back(srv["role"].as<std::string>());
    }
    EXPECT_EQ(roles, (std::vector<std::string>{"WRITE", "READ", "ROUTE"}));
}

TEST(BoltReplies, GoodbyeClosesWithoutReplyAndRollsBack) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) {
        w.begin({});
        w.goodbye();
    });
    ASSERT_EQ(r.responses.size(), 1u);  // BEGIN's SUCCESS only
    EXPECT_TRUE(r.closed);
}

// ---- malformed input -------------------------------------------------------------------------

bolt::buffer chunk(std::initializer_list<std::uint8_t> body) {
    bolt::buffer out;
    bolt::append_chunked(out, bolt::buffer(body));
    return out;
}

TEST(BoltMalformed, EveryKindGetsProtocolViolationAndClose) {
    const std::vector<std::pair<const char*, bolt::buffer>> cases{
        {"not a structure", chunk({0x01})},
        {"unknown signature", chunk({0xB0, 0x77})},
        {"wrong field count", chunk({0xB2, 0x10, 0x80, 0xA0})},
        {"wrong field type", chunk({0xB3, 0x10, 0x01, 0xA0, 0xA0})},
        {"truncated value", chunk({0xB3, 0x10, 0xD0, 0x10, 0x41})},
        {"reserved marker", chunk({0xB1, 0x3F, 0xE5})},
        {"trailing bytes", chunk({0xB0, 0x0F, 0x00})},
    };
    for (const auto& [name, bytes] : cases) {
        SCOPED_TRACE(name);
        peer p;
        p.open({5, 2});
        auto r = p.send_raw(bytes);
        ASSERT_EQ(r.responses.size(), 1u);
        EXPECT_EQ(code(r.responses[0]), violation);
        EXPECT_EQ(meta(r.responses[0]).at("message").as<std::string>(),
                  "Something went wrong while executing the query! Check the server logs for more details.");
        EXPECT_TRUE(r.closed);
        EXPECT_FALSE(p.conn().last_violation().empty());
    }
}

TEST(BoltLimits, MessageBeyondTheSizeLimitIsRefusedSayingWhichLimit) {
    server::bolt::connection_settings s;
    s.limits.max_message_bytes = 1024;
    peer p(s);
    p.open({5, 2});
    auto r = p.send([](auto& w) { w.run(std::string(4000, 'x'), {}, {}); });
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(code(r.responses[0]), violation);
    // Not Memgraph's "Something went wrong ... check the server logs": which limit, and its size.
    EXPECT_EQ(meta(r.responses[0]).at("message").as<std::string>(),
              "The client sent a message of more than 1024 bytes: over the server's message size limit "
              "(--max-message-bytes). Send smaller batches or raise the limit.");
    EXPECT_EQ(p.conn().last_violation(),
              "a message of more than 1024 bytes: over the server's message size limit (--max-message-bytes)");
    EXPECT_TRUE(r.closed);
}

TEST(BoltMalformed, InvalidUtf8IsRefusedWithAClearFailureAndTheConnectionGoesOn) {
    peer p;
    p.open({5, 2});
    auto r = p.send([](auto& w) {
        w.run("RETURN $x AS x", {{"x", std::string("caf\xE9")}}, {});  // Latin-1, not UTF-8
        w.pull(-1);
        w.reset();
        w.run("RETURN 'ok' AS x", {}, {});
        w.pull(-1);
    });
    ASSERT_EQ(r.responses.size(), 6u);
    ASSERT_TRUE(is_failure(r.responses[0]));
    EXPECT_EQ(code(r.responses[0]), "Memgraph.ClientError.MemgraphError.MemgraphError");
    EXPECT_EQ(meta(r.responses[0]).at("message").as<std::string>(),
              "Invalid UTF-8 in a string of the RUN message: Bolt strings must be UTF-8 (the value was refused, "
              "nothing was stored)");
    EXPECT_TRUE(is_ignored(r.responses[1]));
    EXPECT_TRUE(is_success(r.responses[2]));  // RESET
    EXPECT_TRUE(is_record(r.responses[4]));
    EXPECT_FALSE(r.closed);
    // Before HELLO, a client that cannot send UTF-8 is not let in at all.
    peer q;
    const bolt::version_range v52[] = {{{5, 2}, 0}};
    q.handshake(v52);
    auto h = q.send([](auto& w) { w.hello({{"user_agent", std::string("t\xFF/1")}}); });
    ASSERT_EQ(h.responses.size(), 1u);
    EXPECT_EQ(code(h.responses[0]), violation);
    EXPECT_TRUE(h.closed);
}

TEST(BoltLimits, NestingBeyondTheDepthLimitIsRefused) {
    server::bolt::connection_settings s;
    s.limits.values.max_depth = 8;
    peer p(s);
    p.open({5, 2});
    bolt::value deep = 1;
    for (int i = 0; i < 20; ++i) deep = bolt::list{deep};
    auto r = p.send([&](auto& w) { w.run("RETURN $x AS x", {{"x", deep}}, {}); });
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(code(r.responses[0]), violation);
    EXPECT_TRUE(r.closed);
}

TEST(BoltMalformed, PeerClosingMidMessageEndsQuietly) {
    peer p;
    p.open({5, 2});
    auto bytes = chunk({0xB0, 0x0F});
    p.conn().feed(std::span<const std::uint8_t>(bytes.data(), 3));
    p.conn().end_of_input();
    auto r = drain(p.conn(), p.features());
    EXPECT_TRUE(r.closed);
    EXPECT_TRUE(r.raw.empty());
}

// ---- every message split at every byte --------------------------------------------------------

bolt::buffer whole_session_bytes() {
    auto hs = bolt::make_handshake_request();
    bolt::buffer all(hs.begin(), hs.end());
    bolt::request_writer w(all, bolt::protocol_version{5, 4});
    w.hello({{"user_agent", "split/1"}});
    w.logon({{"scheme", "none"}});
    w.telemetry(2);
    w.run("UNWIND range(1, 5) AS i RETURN i", {}, {});
    w.pull(3);
    w.pull(-1);
    w.begin({});
    w.run("RETURN $x AS x", {{"x", "hello"}}, {});
    w.pull(-1);
    w.commit();
    w.route({}, {}, std::nullopt, std::nullopt);
    w.reset();
    w.goodbye();
    return all;
}

// The server's replies with the timings (which differ run to run) taken out.
std::vector<bolt::response> normalized(const bolt::buffer& raw) {
    EXPECT_GE(raw.size(), 4u);
    auto responses = decode_all(bolt::buffer(raw.begin() + 4, raw.end()), bolt::features_for({5, 4}));
    for (auto& r : responses)
        if (auto* s = std::get_if<bolt::success_message>(&r))
            for (const char* key : {"parsing_time", "planning_time", "plan_execution_time",
                                    "t_first", "t_last", "run_id"})
                s->metadata.erase(key);
    return responses;
}

std::vector<bolt::response> run_split(const bolt::buffer& all, const std::vector<std::size_t>& cuts,
                                      bool& closed) {
    server::query::database db;
    server::bolt::connection_settings s;
    server::bolt::connection_state c(db, s, 1);
    bolt::buffer out;
    std::size_t at = 0;
    closed = false;
    auto piece = [&](std::size_t end) {
        c.feed(std::span<const std::uint8_t>(all.data() + at, end - at));
        at = end;
        auto r = drain(c, bolt::features_for({5, 4}));
        out.insert(out.end(), r.raw.begin(), r.raw.end());
        closed = closed || r.closed;
    };
    for (auto cut : cuts) piece(cut);
    piece(all.size());
    EXPECT_EQ(bolt::buffer(out.begin(), out.begin() + 4), (bolt::buffer{0, 0, 4, 5}));
    return normalized(out);
}

TEST(BoltSplit, EverySplitPointGivesTheSameReplies) {
    const auto all = whole_session_bytes();
    bool closed = false;
    const auto reference = run_split(all, {}, closed);
    ASSERT_TRUE(closed);
    const auto& responses = reference;
    ASSERT_EQ(responses.size(), 2u + 1 + 1 + 4 + 3 + 1 + 1 + 2 + 1 + 1 + 1);
    for (const auto& r : responses) EXPECT_FALSE(is_failure(r));

    for (std::size_t cut = 1; cut < all.size(); ++cut) {
        bool c = false;
        ASSERT_EQ(run_split(all, {cut}, c), reference) << "split at " << cut;
        ASSERT_TRUE(c);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < all.size(); ++i) every.push_back(i);
    bool c = false;
    EXPECT_EQ(run_split(all, every, c), reference) << "one byte at a time";
    EXPECT_TRUE(c);
}

}  // namespace
