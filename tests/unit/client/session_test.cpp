// Connection, session, transaction, pool and routing behaviour against an in-process Bolt peer
// that enforces Memgraph's rules (one open stream, FAILED until RESET).
#include <bolt/driver.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "fake_bolt_peer.hpp"
#include "tls_test_support.hpp"

namespace bolt {
namespace {

using testing::fake_bolt_peer;
using testing::peer_log;
using testing::scripted_server;

const map conflict_failure{
    {"code", "Memgraph.TransientError.MemgraphError.MemgraphError"},
    {"message", "Cannot resolve conflicting transactions. Retry this transaction when the "
                "conflicting transaction is finished."}};

struct fake_server_fixture {
    std::shared_ptr<peer_log> log = std::make_shared<peer_log>();
    scripted_server server;
    protocol_version version{5, 2};
    int fail_at_io = -1;
    std::size_t max_read = 1u << 20;
    bool reply_no_version = false;
    bool log_per_connection = false;  // for tests that use the driver from several threads
    std::atomic<int> connections_opened{0};
    std::set<std::string> unreachable;  // "host:port" that refuse connections
    std::vector<std::string> dialled;   // every address a connection was attempted to
    /// Answers a request for the server at "host:port" instead of `server`; false: not handled.
    std::function<bool(const std::string& at, const request&, response_writer&)> answer_at;

    driver make_driver(driver_config config = {}, auth_token auth = auth_token::none(),
                       std::string_view uri = "bolt://fake:7687") {
        config.transport_factory = [this](const address& a, std::unique_ptr<transport>& out) {
            if (!log_per_connection) dialled.push_back(a.to_string());
            if (unreachable.contains(a.to_string())) return std::make_error_code(std::errc::connection_refused);
            ++connections_opened;
            auto peer_log_ = log_per_connection ? std::make_shared<peer_log>() : log;
            auto peer = std::make_unique<fake_bolt_peer>(
                version,
                [this, at = a.to_string()](const request& r, response_writer& w) {
                    if (!answer_at || !answer_at(at, r, w)) server(r, w);
                },
                peer_log_);
            peer->fail_at_io = fail_at_io;
            peer->max_read = max_read;
            peer->reply_no_version = reply_no_version;
            out = std::move(peer);
            return std::error_code{};
        };
        return driver(uri, std::move(auth), std::move(config));
    }
};

template <class T>
const T& nth_request(const peer_log& log, std::size_t n) {
    std::size_t seen = 0;
    for (const auto& r : log.requests)
        if (const T* m = std::get_if<T>(&r))
            if (seen++ == n) return *m;
    throw std::runtime_error("request not found");
}

retry_policy fast_retries(int max_retries = 5) {
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.max_retries = max_retries;
    p.initial_wait_time = 0.0001;
    p.jitter = 0;
    return p;
}

// ---- handshake and authentication ----------------------------------------------------------

TEST(Connection, Bolt52SendsHelloThenLogonWithBasicAuth) {
    fake_server_fixture f;
    auto d = f.make_driver({}, auth_token::basic("alice", "s3cret"));
    const server_info info = d.get_server_info();
    EXPECT_EQ(info.protocol_version, "5.2");
    EXPECT_TRUE(info.agent.starts_with("Neo4j/"));
    EXPECT_EQ(info.connection_id, "bolt-1");
    ASSERT_GE(f.log->tags.size(), 2u);
    EXPECT_EQ(f.log->tags[0], message_tag::hello);
    EXPECT_EQ(f.log->tags[1], message_tag::logon);
    const auto& hello = nth_request<hello_request>(*f.log, 0);
    EXPECT_TRUE(hello.extra.contains("user_agent"));
    EXPECT_FALSE(hello.extra.contains("credentials")) << "5.1+ sends credentials in LOGON only";
    EXPECT_FALSE(hello.extra.contains("bolt_agent")) << "bolt_agent is a 5.3+ field";
    const auto& logon = nth_request<logon_request>(*f.log, 0);
    EXPECT_EQ(logon.auth.at("scheme"), value("basic"));
    EXPECT_EQ(logon.auth.at("principal"), value("alice"));
    EXPECT_EQ(logon.auth.at("credentials"), value("s3cret"));
}

TEST(Connection, Bolt53AddsBoltAgent) {
    fake_server_fixture f;
    f.version = {5, 3};
    f.make_driver().verify_connectivity();
    const auto& hello = nth_request<hello_request>(*f.log, 0);
    ASSERT_TRUE(hello.extra.contains("bolt_agent"));
    EXPECT_TRUE(hello.extra.at("bolt_agent").as<map>().contains("product"));
}

TEST(Connection, Bolt44PutsAuthInHelloAndAsksForUtcPatch) {
    fake_server_fixture f;
    f.version = {4, 4};
    f.make_driver({}, auth_token::basic("alice", "pw")).verify_connectivity();
    EXPECT_EQ(f.log->count(message_tag::logon), 0u);
    const auto& hello = nth_request<hello_request>(*f.log, 0);
    EXPECT_EQ(hello.extra.at("scheme"), value("basic"));
    EXPECT_EQ(hello.extra.at("credentials"), value("pw"));
    EXPECT_EQ(hello.extra.at("patch_bolt"), value(list{"utc"}));
}

TEST(Connection, CustomSsoSchemeIsSentAsIs) {
    fake_server_fixture f;
    f.make_driver({}, auth_token::custom(std::nullopt, "access_token=a;id_token=b", "", "oidc-okta"))
        .verify_connectivity();
    const auto& logon = nth_request<logon_request>(*f.log, 0);
    EXPECT_EQ(logon.auth.at("scheme"), value("oidc-okta"));
    EXPECT_EQ(logon.auth.at("credentials"), value("access_token=a;id_token=b"));
    EXPECT_FALSE(logon.auth.contains("principal"));
}

TEST(Connection, AnEmptyPrincipalIsSentWhenGiven) {
    // Servers before Neo4j 4.4 require the principal even when empty; nullopt leaves it out.
    fake_server_fixture f;
    f.make_driver({}, auth_token::custom("", "secret", "", "minimal-scheme")).verify_connectivity();
    EXPECT_EQ(nth_request<logon_request>(*f.log, 0).auth.at("principal"), value(""));
}

TEST(Connection, AuthFailureIsAuthErrorAndNeverShowsThePassword) {
    fake_server_fixture f;
    f.server.on_auth = [](const map&, response_writer& w) {
        w.failure(map{{"code", "Memgraph.ClientError.Security.Unauthenticated"},
                      {"message", "Authentication failure"}});
    };
    auto d = f.make_driver({}, auth_token::basic("alice", "s3cret-pw"));
    try {
        d.verify_connectivity();
        FAIL() << "expected auth_error";
    } catch (const auth_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("Authentication failure"), std::string::npos);
        EXPECT_NE(what.find("alice"), std::string::npos);
        EXPECT_EQ(what.find("s3cret-pw"), std::string::npos) << what;
    }
}

TEST(Connection, NoCommonVersionIsServiceUnavailable) {
    fake_server_fixture f;
    f.reply_no_version = true;
    auto d = f.make_driver();
    EXPECT_THROW(d.verify_connectivity(), service_unavailable);
}

TEST(Connection, ResponsesSplitIntoSingleBytesStillParse) {
    fake_server_fixture f;
    f.max_read = 1;
    auto d = f.make_driver();
    auto r = d.execute_query("RETURN 1 AS n");
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0]["n"], value(1));
}

// ---- auto-commit results -------------------------------------------------------------------

TEST(Session, AutoCommitStreamsInFetchSizeBatches) {
    fake_server_fixture f;
    int next = 0;
    f.server.on_pull = [&](const pull_request& p, response_writer& w) {
        for (int i = 0; i < p.n && next < 5; ++i) w.record(list{next++});
        w.success(next < 5 ? map{{"has_more", true}} : map{{"type", "r"}, {"has_more", false}});
    };
    auto d = f.make_driver();
    session_config sc;
    sc.fetch_size = 2;
    auto s = d.session(sc);
    auto r = s.run("UNWIND range(0, 4) AS n RETURN n");
    std::vector<std::int64_t> got;
    for (const auto& rec : r) got.push_back(rec["n"].as<std::int64_t>());
    EXPECT_EQ(got, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(f.log->count(message_tag::pull), 3u);
    EXPECT_EQ(nth_request<pull_request>(*f.log, 0).n, 2);
}

TEST(Session, SummaryCountersMatchTheGuidesOutput) {
    fake_server_fixture f;
    f.server.on_run = [](const run_request&, response_writer& w) { w.success(map{{"fields", list{"name"}}}); };
    f.server.on_pull = [](const pull_request&, response_writer& w) {
        w.record(list{"John"});
        w.success(map{{"type", "rw"},
                      // Memgraph sends all seven keys once any counter is non-zero.
                      {"stats", map{{"nodes-created", 1}, {"nodes-deleted", 0},
                                    {"relationships-created", 0}, {"relationships-deleted", 0},
                                    {"labels-added", 1}, {"labels-removed", 0},
                                    {"properties-set", 0}}},
                      {"parsing_time", 0.0001},
                      {"db", "memgraph"}});
    };
    auto d = f.make_driver();
    auto r = d.execute_query("CREATE (u:User {name: $name}) RETURN u.name AS name",
                             map{{"name", "John"}});
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0]["name"], value("John"));
    EXPECT_EQ(r.keys, std::vector<std::string>{"name"});
    EXPECT_EQ(to_string(r.summary.counters),
              "{'labels_added': 1, 'labels_removed': 0, 'nodes_created': 1, 'nodes_deleted': 0, "
              "'properties_set': 0, 'relationships_created': 0, 'relationships_deleted': 0}");
    EXPECT_EQ(r.summary.query, "CREATE (u:User {name: $name}) RETURN u.name AS name");
    EXPECT_TRUE(r.summary.metadata.contains("parsing_time"));
    EXPECT_EQ(r.summary.database, std::optional<std::string>("memgraph"));
}

TEST(Session, RunFailureIsRaisedAndTheConnectionRecovers) {
    fake_server_fixture f;
    int runs = 0;
    f.server.on_run = [&](const run_request&, response_writer& w) {
        if (runs++ == 0)
            w.failure(map{{"code", "Memgraph.ClientError.MemgraphError.MemgraphError"},
                          {"message", "line 1:1 mismatched input 'CRATE'"}});
        else
            w.success(map{{"fields", list{"n"}}});
    };
    auto d = f.make_driver();
    auto s = d.session();
    EXPECT_THROW(s.run("CRATE (n)"), client_error);
    EXPECT_EQ(f.log->count(message_tag::reset), 1u);
    EXPECT_EQ(s.run("RETURN 1").list().size(), 1u);
    EXPECT_EQ(f.connections_opened, 1);
}

// ---- the pipelined transaction -------------------------------------------------------------

TEST(Session, RunInTransactionPipelinesBeginRunPullCommitInOneWrite) {
    fake_server_fixture f;
    f.server.on_pull = [](const pull_request&, response_writer& w) {
        w.success(map{{"type", "w"}, {"stats", map{{"nodes-created", 3}, {"properties-set", 3}}}});
    };
    auto d = f.make_driver();
    auto s = d.session();
    d.verify_connectivity();
    const int writes_before = f.log->writes;
    const auto before = f.log->tags.size();
    auto out = s.run_in_transaction("UNWIND $batch AS row CREATE (:N {id: row.id})",
                                    map{{"batch", list{map{{"id", 1}}, map{{"id", 2}}, map{{"id", 3}}}}});
    EXPECT_EQ(f.log->writes - writes_before, 1);
    const std::vector<message_tag> tags(f.log->tags.begin() + static_cast<std::ptrdiff_t>(before), f.log->tags.end());
    EXPECT_EQ(tags, (std::vector<message_tag>{message_tag::begin, message_tag::run,
                                              message_tag::pull, message_tag::commit}));
    EXPECT_EQ(nth_request<pull_request>(*f.log, 0).n, -1);
    EXPECT_EQ(out.summary.counters.nodes_created, 3);
    EXPECT_EQ(out.summary.counters.properties_set, 3);
}

TEST(Session, ConflictInPipelineIsTransientAndTheConnectionIsReused) {
    fake_server_fixture f;
    int pulls = 0;
    f.server.on_pull = [&](const pull_request&, response_writer& w) {
        if (pulls++ == 0) return w.failure(conflict_failure);
        w.success(map{{"type", "w"}});
    };
    auto d = f.make_driver();
    auto s = d.session();
    try {
        s.run_in_transaction("CREATE ()", map{});
        FAIL() << "expected a conflict";
    } catch (const transient_error& e) {
        EXPECT_TRUE(e.is_conflict());
        EXPECT_TRUE(e.is_retryable());
    }
    EXPECT_EQ(f.log->count(message_tag::reset), 1u);
    EXPECT_NO_THROW(s.run_in_transaction("CREATE ()", map{}));
    EXPECT_EQ(f.connections_opened, 1);
    EXPECT_FALSE(f.log->dropped);
}

TEST(Session, ErrorAtEveryIoStepOfThePipelinedTransaction) {
    // Learn the I/O sequence of a clean run, then fail each step in turn: before the batch was
    // written the error is retryable service_unavailable; after COMMIT left, the outcome is
    // unknown (incomplete_commit). Never a hang, a crash or a wrong class.
    int setup_io = 0, total_io = 0;
    {
        fake_server_fixture f;
        f.max_read = 7;
        auto d = f.make_driver();
        auto s = d.session();
        d.verify_connectivity();
        setup_io = f.log->io_calls;
        s.run_in_transaction("CREATE ()", map{});
        total_io = f.log->io_calls;
    }
    ASSERT_GT(total_io, setup_io + 1);
    for (int fail = 0; fail < total_io; ++fail) {
        SCOPED_TRACE("failing I/O call " + std::to_string(fail));
        fake_server_fixture f;
        f.max_read = 7;
        f.fail_at_io = fail;
        auto d = f.make_driver();
        auto s = d.session();
        try {
            s.run_in_transaction("CREATE ()", map{});
            ADD_FAILURE() << "no error surfaced";
        } catch (const incomplete_commit&) {
            EXPECT_GT(fail, setup_io) << "before the batch was written the outcome is known";
        } catch (const service_unavailable&) {
            EXPECT_LE(fail, setup_io) << "after COMMIT was sent the outcome is unknown";
        }
    }
}

// ---- explicit transactions -----------------------------------------------------------------

TEST(Transaction, SecondRunDrainsTheFirstStreamWhichStaysReadable) {
    fake_server_fixture f;
    std::map<std::string, int> served;
    std::string current;
    f.server.on_run = [&](const run_request& r, response_writer& w) {
        current = r.query;
        w.success(map{{"fields", list{"x"}}, {"qid", 0}});
    };
    f.server.on_pull = [&](const pull_request& p, response_writer& w) {
        int& n = served[current];
        for (int i = 0; i < p.n && n < 3; ++i) w.record(list{n++});
        w.success(n < 3 ? map{{"has_more", true}} : map{{"type", "r"}});
    };
    auto d = f.make_driver();
    session_config sc;
    sc.fetch_size = 1;
    auto s = d.session(sc);
    auto tx = s.begin_transaction();
    auto first = tx.run("A");
    auto second = tx.run("B");  // the peer drops the connection if A's stream were still open
    EXPECT_EQ(second.list().size(), 3u);
    EXPECT_EQ(first.list().size(), 3u);
    tx.commit();
    EXPECT_FALSE(f.log->dropped);
    EXPECT_EQ(f.log->count(message_tag::commit), 1u);
}

// A stream far longer than anyone reads: every PULL gets its records and has_more, up to 10,000
// records (a bound, so a client that pulls everything still ends, and fails the DISCARD checks).
void serve_endless_stream(fake_server_fixture& f) {
    f.server.on_pull = [served = std::int64_t{0}](const pull_request& p, response_writer& w) mutable {
        for (std::int64_t i = 0; i < p.n && served < 10'000; ++i) w.record(list{served++});
        w.success(served < 10'000 ? map{{"has_more", true}} : map{{"type", "r"}});
    };
}

// A driver on that stream whose sessions PULL two records at a time.
struct endless_stream_fixture : fake_server_fixture {
    endless_stream_fixture() { serve_endless_stream(*this); }
    driver d = make_driver();
    session open_session() {
        session_config sc;
        sc.fetch_size = 2;
        return d.session(sc);
    }
};

TEST(Transaction, EndingItDiscardsWhatWasNotReadAndItsResultsGoOutOfScope) {
    for (const std::string ending : {"commit", "rollback", "close"}) {
        endless_stream_fixture f;
        auto s = f.open_session();
        auto tx = s.begin_transaction();
        auto r = tx.run("UNWIND range(1, 1000000000) AS n RETURN n");
        EXPECT_EQ((*r.next())[0].as<std::int64_t>(), 0);
        if (ending == "commit") tx.commit();
        else if (ending == "rollback") tx.rollback();
        else tx.close();
        EXPECT_EQ(f.log->count(message_tag::discard), 1u) << ending;
        EXPECT_THROW(r.next(), usage_error) << ending;
        EXPECT_THROW(r.peek(), usage_error) << ending;
        EXPECT_FALSE(r.has_more());
        EXPECT_NO_THROW(s.run("RETURN 1").consume());  // the connection is fine
    }
}

TEST(Transaction, ResultsReturnedFromManagedWorkCannotBeReadAfterCommit) {
    fake_server_fixture f;
    auto d = f.make_driver();
    auto s = d.session();
    auto r = s.execute_read([](managed_transaction& tx) { return tx.run("RETURN 1"); });
    EXPECT_THROW(r.next(), usage_error);
    EXPECT_EQ(f.log->count(message_tag::commit), 1u);
}

TEST(Result, ConsumeCanBeRepeatedButReadingAfterItIsAnError) {
    endless_stream_fixture f;
    auto s = f.open_session();
    auto tx = s.begin_transaction();
    auto r = tx.run("UNWIND range(1, 1000000000) AS n RETURN n");
    r.consume();
    r.consume();
    EXPECT_THROW(r.next(), usage_error);
    EXPECT_THROW(r.peek(), usage_error);
    tx.commit();  // the transaction is intact
    EXPECT_EQ(f.log->count(message_tag::discard), 1u);
    EXPECT_EQ(f.log->count(message_tag::commit), 1u);
}

TEST(Result, ClosingTheSessionDiscardsAnOpenResult) {
    endless_stream_fixture f;
    auto s = f.open_session();
    auto r = s.run("UNWIND range(1, 1000000000) AS n RETURN n");
    s.close();
    EXPECT_EQ(f.log->count(message_tag::discard), 1u);
    EXPECT_THROW(r.next(), usage_error);
}

TEST(Transaction, ClosingTheSessionRaisesAFailedRollback) {
    fake_server_fixture f;
    auto d = f.make_driver();
    auto s = d.session();
    auto tx = s.begin_transaction();
    tx.run("RETURN 1").consume();
    f.answer_at = [](const std::string&, const request& r, response_writer& w) {
        if (!std::holds_alternative<rollback_request>(r)) return false;
        w.failure(map{{"code", "Neo.TransientError.General.DatabaseUnavailable"}, {"message", "gone"}});
        return true;
    };
    EXPECT_THROW(s.close(), transient_error);
    EXPECT_NO_THROW(s.close());  // closed already
    EXPECT_THROW(s.run("RETURN 1"), usage_error);
}

TEST(Transaction, DestroyingAnOpenTransactionRollsBack) {
    fake_server_fixture f;
    auto d = f.make_driver();
    auto s = d.session();
    {
        auto tx = s.begin_transaction();
        tx.run("CREATE ()").consume();
    }
    EXPECT_EQ(f.log->count(message_tag::rollback), 1u);
    EXPECT_EQ(f.log->count(message_tag::commit), 0u);
}

TEST(Transaction, CommitAfterCommitIsAUsageError) {
    fake_server_fixture f;
    auto d = f.make_driver();
    auto s = d.session();
    auto tx = s.begin_transaction();
    tx.commit();
    EXPECT_THROW(tx.commit(), usage_error);
    EXPECT_FALSE(tx.is_open());
}

TEST(Transaction, BeginSendsDatabaseTimeoutAndMetadata) {
    fake_server_fixture f;
    auto d = f.make_driver();
    session_config sc;
    sc.database = "memgraph";
    auto s = d.session(sc);
    transaction_config tc;
    tc.timeout = milliseconds(2000);
    tc.metadata = map{{"app", "boltload"}};
    s.begin_transaction(tc).commit();
    const auto& begin = nth_request<begin_request>(*f.log, 0);
    EXPECT_EQ(begin.extra.at("db"), value("memgraph"));
    EXPECT_EQ(begin.extra.at("tx_timeout"), value(2000));
    EXPECT_EQ(begin.extra.at("tx_metadata"), value(map{{"app", "boltload"}}));
}

// ---- managed transactions and retries ------------------------------------------------------

TEST(Managed, ExecuteWriteRetriesConflictsAndReportsEveryAttempt) {
    fake_server_fixture f;
    int pulls = 0;
    f.server.on_pull = [&](const pull_request&, response_writer& w) {
        if (pulls++ < 2) return w.failure(conflict_failure);
        w.record(list{42});
        w.success(map{{"type", "w"}});
    };
    auto d = f.make_driver();
    session_config sc;
    sc.retry = fast_retries();
    auto s = d.session(sc);
    std::vector<attempt_record> attempts;
    s.set_retry_observer([&](const attempt_record& a) { attempts.push_back(a); });
    const auto value_read = s.execute_write([](managed_transaction& tx) {
        return tx.run("MATCH (a), (b) CREATE (a)-[:R]->(b) RETURN 42").single()[0].as<std::int64_t>();
    });
    EXPECT_EQ(value_read, 42);
    ASSERT_EQ(attempts.size(), 3u);
    EXPECT_TRUE(attempts[0].conflict);
    EXPECT_TRUE(attempts[1].conflict);
    EXPECT_FALSE(attempts[2].error.has_value());
    EXPECT_EQ(f.log->count(message_tag::commit), 1u);
    EXPECT_EQ(f.connections_opened, 1);
}

TEST(Managed, ClientErrorsAreNotRetried) {
    fake_server_fixture f;
    f.server.on_run = [](const run_request&, response_writer& w) {
        w.failure(map{{"code", "Memgraph.ClientError.MemgraphError.MemgraphError"},
                      {"message", "Unbound variable: x"}});
    };
    auto d = f.make_driver();
    session_config sc;
    sc.retry = fast_retries();
    auto s = d.session(sc);
    int calls = 0;
    EXPECT_THROW(s.execute_write([&](managed_transaction& tx) {
        ++calls;
        tx.run("RETURN x").consume();
    }),
                 client_error);
    EXPECT_EQ(calls, 1);
}

TEST(Managed, ExecuteReadSendsReadMode) {
    fake_server_fixture f;
    auto d = f.make_driver();
    auto s = d.session();
    s.execute_read([](managed_transaction& tx) { tx.run("MATCH (n) RETURN n").consume(); });
    EXPECT_EQ(nth_request<begin_request>(*f.log, 0).extra.at("mode"), value("r"));
}

// ---- TELEMETRY (Bolt 5.4) ------------------------------------------------------------------

std::vector<std::int64_t> telemetry_sent(const peer_log& log) {
    std::vector<std::int64_t> apis;
    for (const auto& r : log.requests)
        if (const auto* t = std::get_if<telemetry_request>(&r)) apis.push_back(t->api);
    return apis;
}

struct telemetry_fixture : fake_server_fixture {
    explicit telemetry_fixture(bool server_asks = true, protocol_version v = {5, 4}) {
        version = v;
        if (server_asks) server.hello_metadata.set("hints", map{{"telemetry.enabled", true}});
    }
};

TEST(Telemetry, EachApiCallNamesItsApiOnce) {
    telemetry_fixture f;
    auto d = f.make_driver();
    auto s = d.session();
    s.execute_write([](managed_transaction& tx) { tx.run("RETURN 1").consume(); });
    s.begin_transaction().commit();
    s.run("RETURN 1").consume();
    d.execute_query("RETURN 1");
    EXPECT_EQ(telemetry_sent(*f.log), (std::vector<std::int64_t>{0, 1, 2, 3}));
}

TEST(Telemetry, RetriesDoNotSendItAgainOnceAcknowledged) {
    telemetry_fixture f;
    int pulls = 0;
    f.server.on_pull = [&](const pull_request&, response_writer& w) {
        if (pulls++ < 2) return w.failure(conflict_failure);
        w.success(map{{"type", "w"}});
    };
    auto d = f.make_driver();
    session_config sc;
    sc.retry = fast_retries();
    auto s = d.session(sc);
    s.execute_write([](managed_transaction& tx) { tx.run("CREATE ()").consume(); });
    EXPECT_EQ(pulls, 3);
    EXPECT_EQ(telemetry_sent(*f.log), (std::vector<std::int64_t>{0}));
}

TEST(Telemetry, NotSentWhenDisabledUnaskedOrBefore54) {
    for (const auto& [disabled, asked, version] :
         {std::tuple{true, true, protocol_version{5, 4}}, std::tuple{false, false, protocol_version{5, 4}},
          std::tuple{false, true, protocol_version{5, 3}}}) {
        telemetry_fixture f(asked, version);
        driver_config config;
        config.telemetry_disabled = disabled;
        auto d = f.make_driver(config);
        d.session().run("RETURN 1").consume();
        d.execute_query("RETURN 1");
        EXPECT_TRUE(telemetry_sent(*f.log).empty()) << disabled << asked << version.to_string();
        EXPECT_EQ(f.log->count(message_tag::run), 2u);
    }
}

TEST(Telemetry, AFailedTelemetryIsRaisedAndTheConnectionRecovers) {
    telemetry_fixture f;
    bool fail = true;
    f.server.on_telemetry = [&](response_writer& w) {
        if (std::exchange(fail, false))
            return w.failure(map{{"code", "Neo.ClientError.Request.Invalid"}, {"message", "no telemetry"}});
        w.success(map{});
    };
    auto d = f.make_driver();
    auto s = d.session();
    EXPECT_THROW(s.run("RETURN 1").consume(), client_error);
    EXPECT_EQ(s.run("RETURN 1").single()[0].as<std::int64_t>(), 1);
    EXPECT_EQ(telemetry_sent(*f.log), (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(f.connections_opened, 1);
}

// ---- the pool ------------------------------------------------------------------------------

TEST(Pool, ConnectionsAreReusedAcrossSessions) {
    fake_server_fixture f;
    auto d = f.make_driver();
    for (int i = 0; i < 3; ++i) d.session().run("RETURN 1").consume();
    EXPECT_EQ(f.connections_opened, 1);
    EXPECT_EQ(d.open_connections(), 1u);
}

TEST(Pool, MetricsCountConnectionsInUseAndIdlePerServer) {
    fake_server_fixture f;
    auto d = f.make_driver();
    auto s = d.session();
    auto tx = s.begin_transaction();
    EXPECT_EQ(d.connection_pool_metrics("fake:7687").in_use, 1u);
    EXPECT_EQ(d.connection_pool_metrics("fake:7687").idle, 0u);
    tx.commit();
    EXPECT_EQ(d.connection_pool_metrics("fake:7687").in_use, 0u);
    EXPECT_EQ(d.connection_pool_metrics("fake:7687").idle, 1u);
    EXPECT_EQ(d.connection_pool_metrics("elsewhere:7687").idle, 0u);
}

TEST(Pool, AcquisitionTimesOutWhenThePoolIsExhausted) {
    fake_server_fixture f;
    driver_config c;
    c.max_connection_pool_size = 1;
    c.connection_acquisition_timeout = milliseconds(20);
    auto d = f.make_driver(c);
    auto holder = d.session();
    auto tx = holder.begin_transaction();
    auto other = d.session();
    try {
        other.run("RETURN 1");
        FAIL() << "expected an acquisition timeout";
    } catch (const client_error& e) {
        EXPECT_NE(std::string(e.what()).find("max_connection_pool_size 1"), std::string::npos) << e.what();
    }
    tx.commit();
    EXPECT_NO_THROW(other.run("RETURN 1").consume());
}

TEST(Pool, AConnectionThatBreaksGivesItsSlotBack) {
    // A pool of one (as each boltload worker has): after a connection dies at any I/O step of a
    // pipelined transaction, the next transaction opens a new connection at once instead of
    // waiting for a slot the dead connection never gave back.
    int setup_io = 0, total_io = 0;
    {
        fake_server_fixture f;
        auto d = f.make_driver();
        d.verify_connectivity();
        setup_io = f.log->io_calls;
        d.session().run_in_transaction("CREATE ()", map{});
        total_io = f.log->io_calls;
    }
    for (int fail = setup_io; fail < total_io; ++fail) {
        SCOPED_TRACE("failing I/O call " + std::to_string(fail));
        fake_server_fixture f;
        f.fail_at_io = fail;
        driver_config c;
        c.max_connection_pool_size = 1;
        c.connection_acquisition_timeout = milliseconds(200);
        auto d = f.make_driver(c);
        d.verify_connectivity();
        auto s = d.session();
        EXPECT_THROW(s.run_in_transaction("CREATE ()", map{}), error);
        EXPECT_EQ(d.connection_pool_metrics("fake:7687").in_use, 0u);
        EXPECT_NO_THROW(s.run_in_transaction("CREATE ()", map{}));
        EXPECT_EQ(f.connections_opened, 2);
        EXPECT_EQ(d.connection_pool_metrics("fake:7687").in_use, 0u);
        EXPECT_EQ(d.connection_pool_metrics("fake:7687").idle, 1u);
    }
}

TEST(Pool, AcquisitionTimeoutCoversAServerThatNeverAnswersTheHandshake) {
    // A real socket: the server accepts and reads but never writes a byte.
    test::test_server silent(test::server_behavior::silent);
    driver_config config;
    config.connection_acquisition_timeout = std::chrono::milliseconds(200);
    auto d = std::make_shared<driver>("bolt://127.0.0.1:" + std::to_string(silent.port()), auth_token::none(), config);
    // Without the bound, run() would wait forever (no socket read timeout is set); the thread
    // lets the test fail instead of hanging.
    auto outcome = std::make_shared<std::promise<std::string>>();
    auto done = outcome->get_future();
    std::thread([d, outcome] {
        try {
            d->session().run("RETURN 1");
            outcome->set_value("no error");
        } catch (const service_unavailable& e) {
            outcome->set_value(std::string("service_unavailable: ") + e.what());
        } catch (const std::exception& e) {
            outcome->set_value(e.what());
        }
    }).detach();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "the handshake was not bounded";
    EXPECT_THAT(done.get(), ::testing::HasSubstr("service_unavailable: connection to 127.0.0.1"));
}

TEST(Pool, ExpiredConnectionsAreReplaced) {
    fake_server_fixture f;
    driver_config c;
    c.max_connection_lifetime = milliseconds(1);
    auto d = f.make_driver(c);
    d.session().run("RETURN 1").consume();
    std::this_thread::sleep_for(milliseconds(5));
    d.session().run("RETURN 1").consume();
    EXPECT_EQ(f.connections_opened, 2);
}

TEST(Pool, IdleConnectionsAreCheckedBeforeReuse) {
    fake_server_fixture f;
    driver_config c;
    c.liveness_check_timeout = milliseconds(0);
    auto d = f.make_driver(c);
    d.session().run("RETURN 1").consume();
    std::this_thread::sleep_for(milliseconds(2));
    d.session().run("RETURN 1").consume();
    EXPECT_EQ(f.log->count(message_tag::reset), 1u);
    EXPECT_EQ(f.connections_opened, 1);
}

TEST(Pool, OneDriverServesManyThreads) {
    fake_server_fixture f;
    f.log_per_connection = true;
    driver_config c;
    c.max_connection_pool_size = 3;
    auto d = f.make_driver(c);
    std::atomic<int> rows{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) rows += static_cast<int>(d.execute_query("RETURN 1").records.size());
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(rows.load(), 300);
    EXPECT_LE(f.connections_opened.load(), 3);
    EXPECT_LE(d.open_connections(), 3u);
}

// ---- routing -------------------------------------------------------------------------------

TEST(Routing, Neo4jSchemeFetchesARoutingTableFirst) {
    fake_server_fixture f;
    f.server.on_route = [](const route_request& r, response_writer& w) {
        EXPECT_EQ(r.routing.at("address"), value("fake:7687"));
        EXPECT_EQ(r.db, std::optional<std::string>("memgraph"));
        list servers{map{{"addresses", list{"fake:7687"}}, {"role", "WRITE"}},
                     map{{"addresses", list{"fake:7687"}}, {"role", "READ"}},
                     map{{"addresses", list{"fake:7687"}}, {"role", "ROUTE"}}};
        w.success(map{{"rt", map{{"ttl", 300}, {"db", "memgraph"}, {"servers", servers}}}});
    };
    auto d = f.make_driver({}, auth_token::none(), "neo4j://fake:7687");
    session_config sc;
    sc.database = "memgraph";
    d.session(sc).run("RETURN 1").consume();
    EXPECT_EQ(f.log->count(message_tag::route), 1u);
    EXPECT_TRUE(nth_request<hello_request>(*f.log, 0).extra.contains("routing"));
    d.session(sc).run("RETURN 1").consume();
    EXPECT_EQ(f.log->count(message_tag::route), 1u) << "a fresh table is reused";
}

TEST(Routing, StandaloneMemgraphRefusesRouteWithAClearError) {
    fake_server_fixture f;
    auto d = f.make_driver({}, auth_token::none(), "neo4j://fake:7687");
    try {
        d.session().run("RETURN 1");
        FAIL() << "expected an error";
    } catch (const client_error& e) {
        EXPECT_NE(std::string(e.what()).find("not part of a cluster"), std::string::npos);
    }
}

// A router at fake:7687 whose table names the home database `home` and the given readers.
void serve_routing_table(fake_server_fixture& f, std::vector<std::string> homes, list readers) {
    f.server.on_route = [homes = std::move(homes), readers = std::move(readers), n = std::size_t{0}](
                            const route_request&, response_writer& w) mutable {
        const std::string home = homes[std::min(n++, homes.size() - 1)];
        list servers{map{{"addresses", list{"fake:7687"}}, {"role", "WRITE"}},
                     map{{"addresses", readers}, {"role", "READ"}},
                     map{{"addresses", list{"fake:7687"}}, {"role", "ROUTE"}}};
        w.success(map{{"rt", map{{"ttl", 300}, {"db", home}, {"servers", servers}}}});
    };
}

TEST(Routing, EachSessionResolvesItsHomeDatabaseWithItsUserAndBookmarks) {
    fake_server_fixture f;
    f.version = {4, 4};
    serve_routing_table(f, {"home1", "home2"}, list{"fake:7687"});
    auto d = f.make_driver({}, auth_token::none(), "neo4j://fake:7687");
    session_config sc;
    sc.impersonated_user = "alice";
    d.session(sc).run("RETURN 1").consume();
    sc.bookmarks = {"bm:1"};
    auto s = d.session(sc);
    s.run("RETURN 1").consume();
    s.run("RETURN 1").consume();  // the session keeps the name it resolved
    ASSERT_EQ(f.log->count(message_tag::route), 2u);
    const auto& second = nth_request<route_request>(*f.log, 1);
    EXPECT_FALSE(second.db.has_value());
    EXPECT_EQ(second.imp_user, std::optional<std::string>("alice"));
    EXPECT_EQ(second.bookmarks, list{"bm:1"});
    EXPECT_EQ(nth_request<run_request>(*f.log, 0).extra.at("db"), value("home1"));
    EXPECT_EQ(nth_request<run_request>(*f.log, 1).extra.at("db"), value("home2"));
    EXPECT_EQ(nth_request<run_request>(*f.log, 2).extra.at("db"), value("home2"));
}

TEST(Routing, Bolt41AsksTheRoutingProcedureInTheSystemDatabase) {
    fake_server_fixture f;
    f.version = {4, 1};
    bool routing_call = false;
    f.server.on_run = [&](const run_request& r, response_writer& w) {
        routing_call = r.query == "CALL dbms.routing.getRoutingTable($context, $database)";
        if (routing_call) {
            EXPECT_EQ(r.parameters.at("context").as<map>().at("address"), value("fake:7687"));
            EXPECT_EQ(r.parameters.at("database"), value("movies"));
            EXPECT_EQ(r.extra.at("db"), value("system"));
            EXPECT_EQ(r.extra.at("mode"), value("r"));
        }
        w.success(map{{"fields", routing_call ? list{"ttl", "servers"} : list{"n"}}});
    };
    f.server.on_pull = [&](const pull_request&, response_writer& w) {
        if (routing_call)
            w.record(list{300, list{map{{"addresses", list{"fake:7687"}}, {"role", "WRITE"}},
                                    map{{"addresses", list{"r1:7687"}}, {"role", "READ"}},
                                    map{{"addresses", list{"fake:7687"}}, {"role", "ROUTE"}}}});
        else
            w.record(list{1});
        w.success(map{{"type", "r"}});
    };
    auto d = f.make_driver({}, auth_token::none(), "neo4j://fake:7687");
    session_config sc;
    sc.database = "movies";
    sc.default_access_mode = access_mode::read;
    EXPECT_EQ(d.session(sc).run("RETURN 1").single()[0].as<std::int64_t>(), 1);
    EXPECT_EQ(f.log->count(message_tag::route), 0u);
    EXPECT_EQ(f.dialled.back(), "r1:7687");

    sc.impersonated_user = "alice";  // the procedure cannot impersonate
    EXPECT_THROW(d.session(sc).run("RETURN 1"), usage_error);
}

TEST(Routing, AServerThatRefusesAWriteStopsBeingTheWriter) {
    fake_server_fixture f;
    f.version = {4, 4};
    int routes = 0;
    f.server.on_route = [&](const route_request&, response_writer& w) {
        // The first table names w1 the writer, later ones w2 (the leader moved).
        const std::string writer = routes++ == 0 ? "w1:7687" : "w2:7687";
        list servers{map{{"addresses", list{writer}}, {"role", "WRITE"}},
                     map{{"addresses", list{"fake:7687"}}, {"role", "READ"}},
                     map{{"addresses", list{"fake:7687"}}, {"role", "ROUTE"}}};
        w.success(map{{"rt", map{{"ttl", 300}, {"servers", servers}}}});
    };
    f.answer_at = [](const std::string& at, const request& r, response_writer& w) {
        if (at != "w1:7687" || !std::holds_alternative<pull_request>(r)) return false;
        w.failure(map{{"code", "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"},
                      {"message", "writes are not allowed here"}});
        return true;
    };
    auto d = f.make_driver({}, auth_token::none(), "neo4j://fake:7687");
    session_config sc;
    sc.retry = fast_retries();
    auto s = d.session(sc);
    s.execute_write([](managed_transaction& tx) { tx.run("CREATE ()").consume(); });
    EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "w1:7687"), 1);
    EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "w2:7687"), 1);
    EXPECT_EQ(f.log->count(message_tag::commit), 1u);
}

TEST(Routing, AServerWhoseConnectionDiesLeavesTheTable) {
    fake_server_fixture f;
    f.version = {4, 4};
    f.server.on_route = [](const route_request&, response_writer& w) {
        list servers{map{{"addresses", list{"w1:7687"}}, {"role", "WRITE"}},
                     map{{"addresses", list{"fake:7687"}}, {"role", "READ"}},
                     map{{"addresses", list{"fake:7687"}}, {"role", "ROUTE"}}};
        w.success(map{{"rt", map{{"ttl", 300}, {"db", "movies"}, {"servers", servers}}}});
    };
    int silenced = 0;
    f.answer_at = [&](const std::string& at, const request& r, response_writer&) {
        // The writer does not answer its first RUN and PULL: a dead peer.
        const bool run_or_pull = std::holds_alternative<run_request>(r) || std::holds_alternative<pull_request>(r);
        return at == "w1:7687" && run_or_pull && silenced++ < 2;
    };
    auto d = f.make_driver({}, auth_token::none(), "neo4j://fake:7687");
    session_config sc;
    sc.database = "movies";
    {
        auto s = d.session(sc);
        auto tx = s.begin_transaction();
        EXPECT_THROW(tx.run("RETURN 1"), service_unavailable);
    }
    EXPECT_EQ(f.log->count(message_tag::route), 1u);
    d.session(sc).run("RETURN 1").consume();
    EXPECT_EQ(f.log->count(message_tag::route), 2u) << "the dead writer's table is fetched again";
}

TEST(Routing, TheResolverNamesTheRoutersBehindTheUriAddress) {
    fake_server_fixture f;
    f.version = {4, 4};
    serve_routing_table(f, {"movies"}, list{"fake:7687"});
    f.unreachable = {"r1:7687"};
    int resolved = 0;
    driver_config config;
    config.resolver = [&](const address& a) {
        ++resolved;
        EXPECT_EQ(a.to_string(), "cluster:7687");
        return std::vector<address>{{"r1", 7687}, {"r2", 7687}};
    };
    auto d = f.make_driver(config, auth_token::none(), "neo4j://cluster:7687");
    d.session().run("RETURN 1").consume();
    EXPECT_EQ(resolved, 1);
    EXPECT_EQ(f.dialled[0], "r1:7687");
    EXPECT_EQ(f.dialled[1], "r2:7687");
    EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "cluster:7687"), 0);
}

TEST(Routing, DiscoveryAsksTheNextRouterUnlessTheRequestItselfIsWrong) {
    for (const std::string code : {"Neo.ClientError.General.Unknown", "Neo.ClientError.Database.DatabaseNotFound"}) {
        fake_server_fixture f;
        f.version = {4, 4};
        serve_routing_table(f, {"movies"}, list{"fake:7687"});
        f.answer_at = [&](const std::string& at, const request& r, response_writer& w) {
            if (at != "r1:7687" || !std::holds_alternative<route_request>(r)) return false;
            w.failure(map{{"code", code}, {"message", "no"}});
            return true;
        };
        driver_config config;
        config.resolver = [](const address&) { return std::vector<address>{{"r1", 7687}, {"r2", 7687}}; };
        auto d = f.make_driver(config, auth_token::none(), "neo4j://cluster:7687");
        if (code.ends_with("Unknown")) {
            EXPECT_NO_THROW(d.session().run("RETURN 1").consume());
            EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "r2:7687"), 1);
        } else {
            EXPECT_THROW(d.session().run("RETURN 1"), client_error);
            EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "r2:7687"), 0) << "fails fast";
        }
    }
}

TEST(Connectivity, DirectCheckProvesAPooledConnectionWithReset) {
    fake_server_fixture f;
    auto d = f.make_driver();
    d.session().run("RETURN 1").consume();
    const auto resets = f.log->count(message_tag::reset);
    d.verify_connectivity();
    EXPECT_EQ(f.log->count(message_tag::reset), resets + 1);
    EXPECT_EQ(d.get_server_info().connection_id, "bolt-1");
    EXPECT_EQ(f.connections_opened, 1);
}

TEST(Connectivity, RoutingCheckFetchesAFreshTableAndTriesEveryReader) {
    fake_server_fixture f;
    f.version = {4, 4};
    serve_routing_table(f, {"home"}, list{"r1:7687", "r2:7687", "r3:7687"});
    f.unreachable = {"r1:7687", "r2:7687"};
    auto d = f.make_driver({}, auth_token::none(), "neo4j://fake:7687");
    d.verify_connectivity();
    d.verify_connectivity();
    EXPECT_EQ(f.log->count(message_tag::route), 2u);
    EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "r3:7687"), 1);

    f.unreachable.insert("r3:7687");
    d.close();  // closes the idle r3 connection, so r3 must be dialled again
    EXPECT_THROW(d.verify_connectivity(), service_unavailable);
    EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "r1:7687"), 3) << "each check tries every reader";
    EXPECT_EQ(std::count(f.dialled.begin(), f.dialled.end(), "r3:7687"), 2);
}

}  // namespace
}  // namespace bolt
