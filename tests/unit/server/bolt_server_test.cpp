// The embedded Bolt server end to end with the project's own driver on 127.0.0.1, port 0:
// connect, create and read, transactions, conflicts between sessions, auth, TLS, limits, stop.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bolt/driver.hpp"
#include "bolt/handshake.hpp"
#include "server/bolt/server.hpp"
#include "tls_test_support.hpp"

namespace {

using namespace std::chrono_literals;

server::bolt::server_options local_options() {
    server::bolt::server_options o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    return o;
}

bolt::driver_config quick_config() {
    bolt::driver_config c;
    c.connection_timeout = 5s;
    c.socket_read_timeout = 20s;  // a hung server fails the test instead of hanging it
    c.connection_acquisition_timeout = 10s;
    c.retry = bolt::retry_policy::defaults(bolt::retry_kind::memgraph);
    c.retry.initial_wait_time = 0.001;
    c.retry.jitter = 1.0;
    c.retry.max_retries = 1000;
    return c;
}

std::int64_t count_nodes(bolt::driver& d, const std::string& label) {
    auto r = d.execute_query("MATCH (n:" + label + ") RETURN count(n) AS c");
    return r.records.at(0)["c"].as<std::int64_t>();
}

TEST(BoltServer, PortZeroPicksAFreePortAndServerInfoLooksLikeNeo4j) {
    server::bolt::server s(local_options());
    s.start();
    ASSERT_NE(s.port(), 0);
    EXPECT_EQ(s.address(), "127.0.0.1:" + std::to_string(s.port()));
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    const auto info = d.get_server_info();
    EXPECT_TRUE(info.agent.starts_with("Neo4j/")) << info.agent;
    EXPECT_EQ(info.protocol_version, "5.4");
    EXPECT_TRUE(info.connection_id.starts_with("bolt-"));
}

TEST(BoltServer, CreateThenRead) {
    server::bolt::server s(local_options());
    s.start();
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    auto session = d.session();
    auto summary = session.run("CREATE (n:Person {name: $name, age: 42})", {{"name", "Alice"}}).consume();
    EXPECT_EQ(summary.counters.nodes_created, 1);
    // Memgraph counts no properties_set for properties given in CREATE (the Python client guide
    // prints properties_set: 0 for its first CREATE).
    EXPECT_EQ(summary.counters.properties_set, 0);
    EXPECT_EQ(summary.counters.labels_added, 1);

    auto result = session.run("MATCH (n:Person) RETURN n.name AS name, n.age AS age, n AS node");
    auto rows = result.list();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["name"], bolt::value("Alice"));
    EXPECT_EQ(rows[0]["age"], bolt::value(42));
    const auto& node = rows[0]["node"].as<bolt::node>();
    EXPECT_EQ(node.labels, (std::vector<std::string>{"Person"}));
}

TEST(BoltServer, ExplicitTransactionsCommitAndRollBack) {
    server::bolt::server s(local_options());
    s.start();
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    auto session = d.session();
    {
        auto tx = session.begin_transaction();
        tx.run("CREATE (:Kept {id: 1})").consume();
        tx.run("CREATE (:Kept {id: 2})").consume();
        tx.commit();
    }
    {
        auto tx = session.begin_transaction();
        tx.run("CREATE (:Gone {id: 1})").consume();
        tx.rollback();
    }
    EXPECT_EQ(count_nodes(d, "Kept"), 2);
    EXPECT_EQ(count_nodes(d, "Gone"), 0);
}

TEST(BoltServer, ManagedTransactionsAndExecuteQuery) {
    server::bolt::server s(local_options());
    s.start();
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    auto session = d.session();
    session.execute_write([](bolt::managed_transaction& tx) {
        tx.run("UNWIND $batch AS row CREATE (:Row {id: row.id})",
               {{"batch", bolt::list{bolt::map{{"id", 1}}, bolt::map{{"id", 2}}, bolt::map{{"id", 3}}}}})
            .consume();
    });
    auto eager = d.execute_query("MATCH (r:Row) RETURN r.id AS id ORDER BY id");
    ASSERT_EQ(eager.records.size(), 3u);
    EXPECT_EQ(eager.keys, (std::vector<std::string>{"id"}));
    EXPECT_EQ(eager.records[2]["id"], bolt::value(3));
}

TEST(BoltServer, TwoSessionsWritingOneNodeConflictLikeMemgraph) {
    server::bolt::server s(local_options());
    s.start();
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    d.execute_query("CREATE (:Account {id: 1, balance: 0})");

    auto first = d.session();
    auto second = d.session();
    auto tx1 = first.begin_transaction();
    tx1.run("MATCH (a:Account {id: 1}) SET a.balance = 10").consume();
    auto tx2 = second.begin_transaction();
    try {
        tx2.run("MATCH (a:Account {id: 1}) SET a.balance = 20").consume();
        FAIL() << "the second writer should conflict";
    } catch (const bolt::transient_error& e) {
        EXPECT_EQ(e.code(), "Memgraph.TransientError.MemgraphError.MemgraphError");
        EXPECT_TRUE(e.is_conflict()) << e.what();
        EXPECT_TRUE(e.is_retryable());
    }
    tx1.commit();
    auto r = d.execute_query("MATCH (a:Account {id: 1}) RETURN a.balance AS b");
    EXPECT_EQ(r.records.at(0)["b"], bolt::value(10));
}

TEST(BoltServer, ConcurrentConflictingWritersAllSucceedWithRetries) {
    server::bolt::server s(local_options());
    s.start();
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    d.execute_query("CREATE (:Counter {id: 1, n: 0})");
    constexpr int writers = 4;
    constexpr int increments = 25;
    std::vector<std::thread> threads;
    std::atomic<int> errors{0};
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&] {
            try {
                auto session = d.session();
                for (int i = 0; i < increments; ++i)
                    session.execute_write([](bolt::managed_transaction& tx) {
                        tx.run("MATCH (c:Counter {id: 1}) SET c.n = c.n + 1").consume();
                    });
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++errors;
            }
        });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(errors.load(), 0);
    auto r = d.execute_query("MATCH (c:Counter {id: 1}) RETURN c.n AS n");
    EXPECT_EQ(r.records.at(0)["n"], bolt::value(writers * increments));
}

TEST(BoltServer, ManyConnectionsAtOnce) {
    server::bolt::server s(local_options());
    s.start();
    constexpr int clients = 16;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            try {
                bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
                auto session = d.session();
                for (int i = 0; i < 10; ++i) {
                    auto v = session.run("RETURN $x AS x", {{"x", c * 100 + i}}).single();
                    if (v["x"] == bolt::value(c * 100 + i)) ++ok;
                }
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), clients * 10);
    EXPECT_GE(s.accepted_connections(), static_cast<std::uint64_t>(clients));
}

TEST(BoltServer, AuthenticationOnceAUserExists) {
    server::bolt::server s(local_options());
    s.start();
    ASSERT_EQ(s.database().users().create("alice", "secret"),
              server::storage::user_store::outcome::ok);
    bolt::driver good(s.uri(), bolt::auth_token::basic("alice", "secret"), quick_config());
    EXPECT_EQ(good.execute_query("RETURN 1 AS one").records.at(0)["one"], bolt::value(1));

    bolt::driver bad(s.uri(), bolt::auth_token::basic("alice", "nope"), quick_config());
    try {
        bad.verify_connectivity();
        FAIL() << "a wrong password got in";
    } catch (const bolt::error& e) {
        EXPECT_EQ(e.code(), "Memgraph.ClientError.Security.Unauthenticated");
        EXPECT_TRUE(e.server_message().starts_with("Authentication failure")) << e.server_message();
    }
}

TEST(BoltServer, TlsWithAGeneratedCertificate) {
    bolt::test::test_pki pki;
    const auto signed_pair = pki.issue("server");
    auto o = local_options();
    o.tls_cert_file = signed_pair.cert.string();
    o.tls_key_file = signed_pair.key.string();
    server::bolt::server s(o);
    s.start();
    ASSERT_TRUE(s.tls());

    // Verified against the CA.
    auto config = quick_config();
    config.trusted_ca_file = pki.ca().cert.string();
    bolt::driver verified("bolt+s://localhost:" + std::to_string(s.port()), bolt::auth_token::none(),
                          config);
    EXPECT_EQ(verified.execute_query("RETURN 1 AS one").records.at(0)["one"], bolt::value(1));

    // Encrypted, any certificate (bolt+ssc).
    bolt::driver ssc(s.uri(), bolt::auth_token::none(), quick_config());
    EXPECT_EQ(ssc.execute_query("RETURN 2 AS two").records.at(0)["two"], bolt::value(2));

    // Plain Bolt to a TLS port does not get through.
    bolt::driver plain("bolt://127.0.0.1:" + std::to_string(s.port()), bolt::auth_token::none(),
                       quick_config());
    EXPECT_THROW(plain.verify_connectivity(), bolt::error);
}

// ---- raw sockets: limits and timeouts ----------------------------------------------------------

struct raw_client {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket{io};
    explicit raw_client(std::uint16_t port) {
        socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    }
    void send(std::span<const std::uint8_t> bytes) {
        boost::system::error_code ec;  // the server may have closed already
        boost::asio::write(socket, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    }
    /// One recv, waiting at most 10 s (asio's blocking reads ignore SO_RCVTIMEO): bytes read,
    /// 0 on EOF, -1 on error or timeout.
    ssize_t recv_some(std::uint8_t* data, std::size_t n) {
        pollfd p{socket.native_handle(), POLLIN, 0};
        if (::poll(&p, 1, 10000) != 1) return -1;
        return ::recv(socket.native_handle(), data, n, 0);
    }
    /// Reads exactly n bytes; false on EOF, error or timeout.
    bool read(std::size_t n, bolt::buffer& out) {
        out.resize(n);
        std::size_t got = 0;
        while (got < n) {
            const ssize_t r = recv_some(out.data() + got, n - got);
            if (r <= 0) return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    }
    /// True when the server closed the connection (EOF or reset) within the bound.
    bool closed_by_server() {
        std::uint8_t b[256];
        for (int i = 0; i < 100; ++i) {
            const ssize_t r = recv_some(b, sizeof b);
            if (r == 0) return true;
            if (r < 0) return errno == ECONNRESET;
        }
        return false;
    }
};

bool wait_for(const std::function<bool()>& condition) {
    for (int i = 0; i < 500; ++i) {
        if (condition()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return condition();
}

TEST(BoltServerLimits, AClientBeyondTheLimitIsToldTheServerIsFull) {
    auto o = local_options();
    o.connection.limits.max_connections = 2;
    std::vector<std::string> logged;
    std::mutex log_mutex;
    o.connection.log = [&](const std::string& line) {
        const std::lock_guard lock(log_mutex);
        logged.push_back(line);
    };
    server::bolt::server s(o);
    s.start();
    raw_client a(s.port()), b(s.port());
    ASSERT_TRUE(wait_for([&] { return s.open_connections() == 2; }));
    // A Bolt answer, not "connection reset by peer": the handshake, then a FAILURE for HELLO.
    std::string what = "(connected)";
    try {
        bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
        d.verify_connectivity();
    } catch (const bolt::error& e) {
        what = e.what();
    }
    EXPECT_NE(what.find("The server is full: it already serves its maximum of 2 connections (--max-connections)"),
              std::string::npos)
        << what;
    const auto hs = bolt::make_handshake_request();
    a.send(hs);
    bolt::buffer reply;
    ASSERT_TRUE(a.read(4, reply));  // the connections inside the limit go on
    EXPECT_EQ(reply, (bolt::buffer{0, 0, 4, 5}));
    EXPECT_TRUE(wait_for([&] {
        const std::lock_guard lock(log_mutex);
        return !logged.empty() && logged.back().find("The server is full") != std::string::npos;
    }));
}

/// True when the server closes the connection within `limit` (EOF or reset).
bool closed_within(raw_client& c, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    std::uint8_t b[256];
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{c.socket.native_handle(), POLLIN, 0};
        if (::poll(&p, 1, 50) != 1) continue;
        const ssize_t r = ::recv(c.socket.native_handle(), b, sizeof b, 0);
        if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
    }
    return false;
}

TEST(BoltServerLimits, ConnectionsThatNeverGetInAreClosedAtTheHandshakeDeadline) {
    auto o = local_options();
    o.connection.limits.max_connections = 3;
    o.connection.limits.handshake_timeout = 300ms;  // the idle timeout stays 1800 s
    server::bolt::server s(o);
    s.start();
    raw_client silent(s.port()), handshaken(s.port()), third(s.port());
    handshaken.send(bolt::make_handshake_request());  // a version, then no HELLO
    ASSERT_TRUE(wait_for([&] { return s.open_connections() == 3; }));
    EXPECT_TRUE(closed_within(silent, 3s));
    EXPECT_TRUE(closed_within(handshaken, 3s));
    EXPECT_TRUE(closed_within(third, 3s));
    EXPECT_TRUE(wait_for([&] { return s.open_connections() == 0; }));
    // A real client gets in, and once in, the deadline no longer applies to it.
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    auto session = d.session();
    EXPECT_EQ(session.run("RETURN 1 AS x").single()["x"], bolt::value(1));
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(session.run("RETURN 2 AS x").single()["x"], bolt::value(2));
}

TEST(BoltServerLimits, IdleConnectionsAreClosed) {
    auto o = local_options();
    o.connection.limits.idle_timeout = 100ms;
    server::bolt::server s(o);
    s.start();
    raw_client a(s.port());
    const auto hs = bolt::make_handshake_request();
    a.send(hs);
    bolt::buffer reply;
    ASSERT_TRUE(a.read(4, reply));
    EXPECT_TRUE(a.closed_by_server());
    EXPECT_TRUE(wait_for([&] { return s.open_connections() == 0; }));
}

TEST(BoltServerLimits, GarbageGetsClosedAndTheServerLivesOn) {
    server::bolt::server s(local_options());
    s.start();
    {
        raw_client a(s.port());
        const std::string junk = "GET / HTTP/1.1\r\n\r\n";
        a.send({reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()});
        EXPECT_TRUE(a.closed_by_server());
    }
    {
        raw_client a(s.port());
        a.send(bolt::make_handshake_request());
        bolt::buffer reply;
        ASSERT_TRUE(a.read(4, reply));
        const std::uint8_t bad_chunk[] = {0x00, 0x03, 0xB1, 0x01, 0xE5, 0x00, 0x00};
        a.send(bad_chunk);
        // FAILURE Memgraph.ExecutionException, then EOF.
        bolt::buffer header;
        ASSERT_TRUE(a.read(2, header));
        const std::size_t n = (header[0] << 8) | header[1];
        bolt::buffer body;
        ASSERT_TRUE(a.read(n + 2, body));
        EXPECT_EQ(body[1], 0x7F);  // FAILURE
        EXPECT_TRUE(a.closed_by_server());
    }
    bolt::driver d(s.uri(), bolt::auth_token::none(), quick_config());
    EXPECT_NO_THROW(d.verify_connectivity());
}

TEST(BoltServerLimits, StopClosesConnectionsAndStartErrorsAreClear) {
    auto s = std::make_unique<server::bolt::server>(local_options());
    s->start();
    raw_client a(s->port());
    ASSERT_TRUE(wait_for([&] { return s->open_connections() == 1; }));
    s->stop();
    EXPECT_TRUE(a.closed_by_server());
    s.reset();

    auto bad_listen = local_options();
    bad_listen.listen = "127.0.0.1";
    EXPECT_THROW(server::bolt::server(bad_listen).start(), std::runtime_error);
    auto bad_cert = local_options();
    bad_cert.tls_cert_file = "/nonexistent/cert.pem";
    bad_cert.tls_key_file = "/nonexistent/key.pem";
    EXPECT_THROW(server::bolt::server(bad_cert).start(), std::runtime_error);
}

TEST(BoltServerFaults, DroppedConnectionSurfacesAsAConnectionError) {
    auto o = local_options();
    o.connection.faults.drop_after_messages = 2;  // HELLO, LOGON; the next one is dropped
    server::bolt::server s(o);
    s.start();
    auto config = quick_config();
    config.retry = bolt::retry_policy::defaults(bolt::retry_kind::none);
    bolt::driver d(s.uri(), bolt::auth_token::none(), config);
    auto session = d.session();
    EXPECT_THROW(session.run("RETURN 1").consume(), bolt::error);
    EXPECT_GE(s.injected_faults(), 1u);
}

}  // namespace
