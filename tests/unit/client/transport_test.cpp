// The TCP/TLS transport against local servers on 127.0.0.1: round trips, certificate checks,
// timeouts, EOF and refused connections, and the messages describe() gives for each.
#include "bolt/transport.hpp"

#include "bolt/driver.hpp"
#include "bolt/handshake.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <array>
#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>
#include <numeric>
#include <vector>

#include "tls_test_support.hpp"

namespace bolt {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

address local(std::uint16_t port) {
    return address{"127.0.0.1", port};
}

std::error_code to_std(boost::system::error_code ec) {
    return ec;
}

socket_options quick() {
    socket_options o;
    o.connect_timeout = 10s;  // generous: these only bound a broken test
    o.read_timeout = 10s;
    o.write_timeout = 10s;
    return o;
}

tls_options verified(const test::pem_files& ca, std::string server_name = "localhost") {
    tls_options t;
    t.enabled = true;
    t.ca_file = ca.cert.string();
    t.server_name = std::move(server_name);
    return t;
}

// Reads exactly `n` bytes (bounded by the transport's read timeout).
std::vector<std::uint8_t> read_exactly(transport& t, std::size_t n, std::error_code& ec) {
    std::vector<std::uint8_t> out(n);
    std::size_t got = 0;
    while (got < n) {
        std::size_t k = 0;
        ec = t.read_some(std::span(out).subspan(got), k);
        if (ec) break;
        got += k;
    }
    out.resize(got);
    return out;
}

void expect_round_trip(transport& t, std::size_t size = 11) {
    std::vector<std::uint8_t> data(size);
    std::iota(data.begin(), data.end(), std::uint8_t{1});
    ASSERT_FALSE(t.write(data));
    std::error_code ec;
    EXPECT_EQ(read_exactly(t, size, ec), data);
    EXPECT_FALSE(ec) << describe(ec);
}

TEST(transport, PlainTcpRoundTrip) {
    test::test_server server(test::server_behavior::echo);
    std::unique_ptr<transport> t;
    ASSERT_FALSE(connect(local(server.port()), {}, quick(), t));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->remote(), local(server.port()));
    expect_round_trip(*t);
}

TEST(transport, ConnectsByHostName) {
    test::test_server server(test::server_behavior::echo);
    std::unique_ptr<transport> t;
    const auto ec = connect(address{"localhost", server.port()}, {}, quick(), t);
    ASSERT_FALSE(ec) << describe(ec);  // tries ::1 first where it exists, then 127.0.0.1
    expect_round_trip(*t);
}

TEST(transport, WritesEverythingAndReadsInPieces) {
    test::test_server server(test::server_behavior::echo);
    std::unique_ptr<transport> t;
    ASSERT_FALSE(connect(local(server.port()), {}, quick(), t));
    // 16 rounds of 64 KiB: more than one read_some can return, less than socket buffers hold.
    for (int round = 0; round < 16; ++round) expect_round_trip(*t, 64 * 1024);
}

TEST(transport, RefusedPortSaysConnectionRefused) {
    std::unique_ptr<transport> t;
    const auto ec = connect(local(test::unused_port()), {}, quick(), t);
    EXPECT_EQ(ec, std::errc::connection_refused);
    EXPECT_EQ(describe(ec), "connection refused");
    EXPECT_FALSE(t);
}

TEST(transport, PeerClosingIsEof) {
    test::test_server server(test::server_behavior::hang_up);
    std::unique_ptr<transport> t;
    ASSERT_FALSE(connect(local(server.port()), {}, quick(), t));
    std::array<std::uint8_t, 16> buf{};
    std::size_t n = 1;
    const auto ec = t->read_some(buf, n);
    EXPECT_EQ(ec, to_std(boost::asio::error::eof));
    EXPECT_TRUE(is_eof(ec));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(describe(ec), "connection closed by the peer");
    // The transport is closed after an error; it says so instead of touching the socket.
    EXPECT_EQ(t->read_some(buf, n), std::errc::not_connected);
    EXPECT_EQ(t->write(std::vector<std::uint8_t>{1}), std::errc::not_connected);
}

TEST(transport, ReadTimesOutWhenTheServerNeverWrites) {
    test::test_server server(test::server_behavior::silent);
    auto options = quick();
    options.read_timeout = 100ms;
    std::unique_ptr<transport> t;
    ASSERT_FALSE(connect(local(server.port()), {}, options, t));
    ASSERT_FALSE(t->write(std::vector<std::uint8_t>{1, 2, 3}));
    std::array<std::uint8_t, 16> buf{};
    std::size_t n = 0;
    const auto ec = t->read_some(buf, n);
    EXPECT_EQ(ec, transport_errc::read_timeout);
    EXPECT_EQ(ec, std::errc::timed_out);
    EXPECT_TRUE(is_timeout(ec));
    EXPECT_EQ(describe(ec), "read timed out");
    EXPECT_EQ(t->read_some(buf, n), std::errc::not_connected);
}

TEST(transport, SetReadTimeoutAppliesToLaterReads) {
    test::test_server server(test::server_behavior::silent);
    auto options = quick();
    options.read_timeout = 0ms;  // none
    std::unique_ptr<transport> t;
    ASSERT_FALSE(connect(local(server.port()), {}, options, t));
    t->set_read_timeout(50ms);
    std::array<std::uint8_t, 16> buf{};
    std::size_t n = 0;
    EXPECT_EQ(t->read_some(buf, n), transport_errc::read_timeout);
}

TEST(transport, WriteTimesOutWhenTheServerStopsReading) {
    test::test_server server(test::server_behavior::idle);
    auto options = quick();
    options.write_timeout = 200ms;
    std::unique_ptr<transport> t;
    ASSERT_FALSE(connect(local(server.port()), {}, options, t));
    // Far more than loopback socket buffers hold, so the write must block.
    const std::vector<std::uint8_t> big(64u << 20, 0x55);
    const auto ec = t->write(big);
    EXPECT_EQ(ec, transport_errc::write_timeout);
    EXPECT_TRUE(is_timeout(ec));
}

TEST(transport, ConnectTimesOutOnAStalledListener) {
    test::stalled_listener listener;
    if (!listener.stalls()) GTEST_SKIP() << "this kernel completes connects to a full backlog";
    auto options = quick();
    options.connect_timeout = 200ms;
    std::unique_ptr<transport> t;
    const auto ec = connect(local(listener.port()), {}, options, t);
    EXPECT_EQ(ec, transport_errc::connect_timeout);
    EXPECT_TRUE(is_timeout(ec));
    EXPECT_EQ(describe(ec), "connect timed out");
    EXPECT_FALSE(t);
}

// ---- a whole connection: what the connect timeout bounds, what is not a Bolt server --------------

driver_config connect_within(std::chrono::milliseconds timeout) {
    driver_config c;
    c.connection_timeout = timeout;
    c.connection_acquisition_timeout = 60s;  // the longer bound must not be the one that applies
    return c;
}

/// What verify_connectivity() throws, and how long it took.
std::pair<std::string, std::chrono::milliseconds> connect_failure(const std::string& uri, driver_config config) {
    const auto start = std::chrono::steady_clock::now();
    std::string what = "(connected)";
    try {
        driver d(uri, auth_token::none(), std::move(config));
        d.verify_connectivity();
    } catch (const service_unavailable& e) {
        what = e.what();
    } catch (const error& e) {
        what = std::string("(another error) ") + e.what();
    }
    return {what, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)};
}

TEST(connect, TheConnectTimeoutBoundsABoltHandshakeThatNeverComes) {
    test::test_server server(test::server_behavior::silent);  // accepts TCP, never answers
    const auto [what, took] = connect_failure("bolt://127.0.0.1:" + std::to_string(server.port()), connect_within(700ms));
    EXPECT_THAT(what, HasSubstr("Bolt handshake")) << what;
    EXPECT_LT(took, 5s) << what;  // not the 60 s acquisition timeout
}

TEST(connect, AnHttpServerIsNotABoltServer) {
    test::test_server server(test::server_behavior::http);
    const auto [what, took] = connect_failure("bolt://127.0.0.1:" + std::to_string(server.port()), connect_within(5s));
    EXPECT_THAT(what, HasSubstr("is not a Bolt server: it is an HTTP server")) << what;
}

TEST(connect, RepliesOfOtherProtocolsAreRecognised) {
    const auto of = [](std::array<std::uint8_t, 4> r) { return recognise_non_bolt_reply(r).value_or("(none)"); };
    EXPECT_THAT(of({'H', 'T', 'T', 'P'}), HasSubstr("HTTP server"));
    EXPECT_THAT(of({0x15, 0x03, 0x03, 0x00}), HasSubstr("use bolt+s://"));
    EXPECT_THAT(of({'S', 'S', 'H', '-'}), HasSubstr("SSH server"));
    EXPECT_THAT(of({'-', 'E', 'R', 'R'}), HasSubstr("Redis"));
    EXPECT_EQ(of({0, 0, 0, 0}), "(none)");  // a Bolt server's "no common version"
    EXPECT_EQ(of({0, 0, 2, 5}), "(none)");
}

TEST(transport, ReadIntoAnEmptyBufferIsAnError) {
    test::test_server server(test::server_behavior::echo);
    std::unique_ptr<transport> t;
    ASSERT_FALSE(connect(local(server.port()), {}, quick(), t));
    std::size_t n = 7;
    EXPECT_EQ(t->read_some({}, n), std::errc::invalid_argument);
    EXPECT_EQ(n, 0u);
    t->close();
    t->close();  // idempotent
    EXPECT_EQ(t->write(std::vector<std::uint8_t>{1}), std::errc::not_connected);
}

// ---- TLS --------------------------------------------------------------------------------------

class tls_transport : public ::testing::Test {
protected:
    test::test_pki pki;
};

TEST_F(tls_transport, VerifiedWithTheCaFile) {
    const auto cert = pki.issue("server");
    test::test_server server(test::server_behavior::echo, &cert);
    std::unique_ptr<transport> t;
    auto ec = connect(local(server.port()), verified(pki.ca()), quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
    expect_round_trip(*t, 100 * 1024);                  // several TLS records
    EXPECT_EQ(server.last_server_name(), "localhost");  // server_name goes out as SNI
}

TEST_F(tls_transport, VerifiedByIpAddressAndByHostName) {
    const auto cert = pki.issue("server");
    test::test_server server(test::server_behavior::echo, &cert);
    std::unique_ptr<transport> t;
    // No server_name: the address's host (an IP) is what the certificate must name.
    auto ec = connect(local(server.port()), verified(pki.ca(), ""), quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
    EXPECT_EQ(server.last_server_name(), "");  // SNI never carries an IP address
    ec = connect(address{"localhost", server.port()}, verified(pki.ca(), ""), quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
    EXPECT_EQ(server.last_server_name(), "localhost");
}

TEST_F(tls_transport, HostnameMismatchFailsAndSaysSo) {
    const auto cert =
        pki.issue("other", test::cert_subject{"db.example.com", {"db.example.com"}, {}});
    test::test_server server(test::server_behavior::echo, &cert);
    std::unique_ptr<transport> t;
    auto ec = connect(local(server.port()), verified(pki.ca(), "localhost"), quick(), t);
    EXPECT_EQ(ec.category(), tls_verify_category());
    EXPECT_EQ(ec.value(), X509_V_ERR_HOSTNAME_MISMATCH);
    EXPECT_EQ(describe(ec), "TLS certificate verify failed: hostname mismatch");
    EXPECT_FALSE(t);

    ec = connect(local(server.port()), verified(pki.ca(), ""), quick(), t);
    EXPECT_THAT(describe(ec), HasSubstr("IP address mismatch"));

    // The name it does carry passes.
    ec = connect(local(server.port()), verified(pki.ca(), "db.example.com"), quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
}

TEST_F(tls_transport, HostnameCheckCanBeTurnedOff) {
    const auto cert =
        pki.issue("other", test::cert_subject{"db.example.com", {"db.example.com"}, {}});
    test::test_server server(test::server_behavior::echo, &cert);
    auto tls = verified(pki.ca(), "localhost");
    tls.verify_hostname = false;
    std::unique_ptr<transport> t;
    const auto ec = connect(local(server.port()), tls, quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
}

TEST_F(tls_transport, SelfSignedFailsWithoutTrustAndWorksWithTrustAll) {
    const auto cert = pki.self_signed("self");
    test::test_server server(test::server_behavior::echo, &cert);
    tls_options system_trust;  // the system CAs, which do not know it
    system_trust.enabled = true;
    std::unique_ptr<transport> t;
    auto ec = connect(local(server.port()), system_trust, quick(), t);
    EXPECT_EQ(ec.category(), tls_verify_category());
    EXPECT_THAT(describe(ec), AnyOf(HasSubstr("self-signed"), HasSubstr("self signed")));
    EXPECT_FALSE(t);

    // Another CA does not vouch for it either.
    ec = connect(local(server.port()), verified(pki.ca()), quick(), t);
    EXPECT_EQ(ec.category(), tls_verify_category());

    tls_options ssc;  // bolt+ssc://
    ssc.enabled = true;
    ssc.trust_all = true;
    ec = connect(local(server.port()), ssc, quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
}

TEST_F(tls_transport, UnknownIssuerFailsWithSystemTrust) {
    const auto cert = pki.issue("server");
    test::test_server server(test::server_behavior::echo, &cert);
    tls_options system_trust;
    system_trust.enabled = true;
    std::unique_ptr<transport> t;
    const auto ec = connect(local(server.port()), system_trust, quick(), t);
    EXPECT_EQ(ec.category(), tls_verify_category());
    EXPECT_THAT(describe(ec), HasSubstr("unable to get local issuer certificate"));
}

TEST_F(tls_transport, MissingCaFileIsReported) {
    auto tls = verified(pki.ca());
    tls.ca_file = (pki.dir() / "does-not-exist.pem").string();
    test::test_server server(test::server_behavior::echo);
    std::unique_ptr<transport> t;
    const auto ec = connect(local(server.port()), tls, quick(), t);
    EXPECT_EQ(ec, transport_errc::ca_file_unreadable);
    EXPECT_THAT(describe(ec), HasSubstr("CA file"));
}

TEST_F(tls_transport, TlsToAPlainServerFailsWithAHint) {
    std::unique_ptr<transport> t;
    {
        // A plain server that hangs up, as a Bolt server does on a bad handshake.
        test::test_server server(test::server_behavior::hang_up);
        const auto ec = connect(local(server.port()), verified(pki.ca()), quick(), t);
        EXPECT_EQ(ec, transport_errc::tls_handshake_closed);
        EXPECT_THAT(describe(ec), HasSubstr("is it serving TLS on this port?"));
    }
    {
        // One that answers with bytes that are not TLS.
        test::test_server server(test::server_behavior::echo);
        const auto ec = connect(local(server.port()), verified(pki.ca()), quick(), t);
        ASSERT_TRUE(ec);
        EXPECT_EQ(ec.category(), tls_handshake_category());
        EXPECT_THAT(describe(ec), HasSubstr("TLS handshake failed"));
    }
    EXPECT_FALSE(t);
}

TEST_F(tls_transport, HandshakeTimesOutWhenTheServerSaysNothing) {
    test::test_server server(test::server_behavior::silent);  // plain: never answers ClientHello
    auto options = quick();
    options.connect_timeout = 500ms;
    std::unique_ptr<transport> t;
    const auto ec = connect(local(server.port()), verified(pki.ca()), options, t);
    EXPECT_EQ(ec, transport_errc::tls_handshake_timeout);
    EXPECT_TRUE(is_timeout(ec));
}

TEST_F(tls_transport, PeerClosingIsEof) {
    const auto cert = pki.issue("server");
    test::test_server server(test::server_behavior::hang_up, &cert);
    std::unique_ptr<transport> t;
    auto ec = connect(local(server.port()), verified(pki.ca()), quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    std::array<std::uint8_t, 16> buf{};
    std::size_t n = 0;
    ec = t->read_some(buf, n);
    EXPECT_TRUE(is_eof(ec)) << ec.message();
    EXPECT_EQ(ec, to_std(boost::asio::error::eof));
}

TEST_F(tls_transport, ReadTimesOut) {
    const auto cert = pki.issue("server");
    test::test_server server(test::server_behavior::silent, &cert);
    auto options = quick();
    options.read_timeout = 100ms;
    std::unique_ptr<transport> t;
    auto ec = connect(local(server.port()), verified(pki.ca()), options, t);
    ASSERT_FALSE(ec) << describe(ec);
    std::array<std::uint8_t, 16> buf{};
    std::size_t n = 0;
    EXPECT_EQ(t->read_some(buf, n), transport_errc::read_timeout);
}

// scripts/gen-cert.sh makes what bolt+ssc:// and the embedded server use; check it end to end.
TEST_F(tls_transport, GenCertScriptMakesAUsableCertificate) {
    const auto script =
        std::filesystem::path(BOLTLOAD_SOURCE_DIR) / "scripts/gen-cert.sh";
    if (!std::filesystem::exists(script)) GTEST_SKIP() << "no " << script;
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
    const auto out = pki.dir() / "gen";
    const std::string command = "bash '" + script.string() + "' '" + out.string() + "' >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0);
    const test::pem_files files{out / "cert.pem", out / "key.pem"};
    test::test_server server(test::server_behavior::echo, &files);
    std::unique_ptr<transport> t;
    // Trusting the certificate itself verifies both localhost and 127.0.0.1.
    auto ec = connect(local(server.port()), verified(files, "localhost"), quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
    ec = connect(local(server.port()), verified(files, ""), quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    tls_options ssc;
    ssc.enabled = true;
    ssc.trust_all = true;
    ec = connect(local(server.port()), ssc, quick(), t);
    ASSERT_FALSE(ec) << describe(ec);
    expect_round_trip(*t);
}

TEST(transport_describe, NamesEachKindOfFailure) {
    EXPECT_EQ(describe({}), "success");
    EXPECT_EQ(describe(transport_errc::write_timeout), "write timed out");
    EXPECT_EQ(describe(transport_errc::tls_handshake_timeout), "TLS handshake timed out");
    EXPECT_THAT(describe(to_std(boost::asio::error::host_not_found)),
                HasSubstr("cannot resolve host"));
    EXPECT_EQ(describe(to_std(boost::asio::ssl::error::stream_truncated)),
              "connection closed by the peer");
    EXPECT_EQ(describe(std::make_error_code(std::errc::connection_reset)),
              "connection reset by peer");
    EXPECT_EQ(describe(std::error_code(X509_V_ERR_CERT_HAS_EXPIRED, tls_verify_category())),
              "TLS certificate verify failed: certificate has expired");
    EXPECT_NE(std::error_code(transport_errc::no_endpoints), std::errc::timed_out);
}

}  // namespace
}  // namespace bolt
