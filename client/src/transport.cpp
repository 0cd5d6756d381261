// TCP and TLS transports over Boost.Asio. Each owns a private io_context and runs one async
// operation at a time until it completes or its deadline passes, then cancels it (Asio's
// blocking-with-timeout pattern): callers get blocking calls that cannot hang forever.
#include "bolt/transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <filesystem>
#include <map>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace bolt {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using deadline = std::optional<clock_type::time_point>;
using boost_error = boost::system::error_code;

class transport_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "bolt.transport"; }
    std::string message(int v) const override {
        switch (static_cast<transport_errc>(v)) {
            case transport_errc::connect_timeout:
                return "connect timed out";
            case transport_errc::tls_handshake_timeout:
                return "TLS handshake timed out";
            case transport_errc::read_timeout:
                return "read timed out";
            case transport_errc::write_timeout:
                return "write timed out";
            case transport_errc::no_endpoints:
                return "the host name resolved to no address";
            case transport_errc::ca_file_unreadable:
                return "cannot load the CA file (missing, unreadable or not PEM certificates)";
            case transport_errc::tls_handshake_closed:
                return "the server closed the connection during the TLS handshake (is it serving "
                       "TLS on this port?)";
        }
        return "unknown transport error " + std::to_string(v);
    }
    std::error_condition default_error_condition(int v) const noexcept override {
        switch (static_cast<transport_errc>(v)) {
            case transport_errc::connect_timeout:
            case transport_errc::tls_handshake_timeout:
            case transport_errc::read_timeout:
            case transport_errc::write_timeout:
                return std::errc::timed_out;
            default:
                return std::error_condition(v, *this);
        }
    }
};

class tls_verify_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "bolt.tls_verify"; }
    std::string message(int v) const override {
        return std::string("certificate verify failed: ") + X509_verify_cert_error_string(v);
    }
};

class tls_handshake_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "bolt.tls_handshake"; }
    std::string message(int v) const override {
        const auto code = static_cast<unsigned long>(static_cast<unsigned>(v));
        const char* reason = ERR_reason_error_string(code);
        std::string out = "TLS handshake failed: ";
        out += reason ? reason : "error " + std::to_string(v);
        if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
            (ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER ||
             ERR_GET_REASON(code) == SSL_R_PACKET_LENGTH_TOO_LONG ||
             ERR_GET_REASON(code) == SSL_R_UNEXPECTED_MESSAGE)) {
            out += " (is the server using TLS on this port? bolt:// and neo4j:// are plain text)";
        }
        return out;
    }
};

// The std::error_category Boost presents for one of its categories, to compare against.
const std::error_category& std_category(const boost::system::error_category& c) {
    return static_cast<const std::error_category&>(c);
}

bool same_category(std::error_code ec, const boost::system::error_category& c) {
    return ec.category() == std_category(c);
}

deadline deadline_after(std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0) return std::nullopt;
    return clock_type::now() + timeout;
}

// One outstanding operation's result, filled in by its completion handler.
struct op_state {
    boost_error ec;
    std::size_t n = 0;
    bool done = false;
};

// Runs `io` until the operation behind `st` completes or `until` passes; in the latter case
// cancels it on `socket` and runs its handler to completion. Returns true on timeout.
bool run_until(asio::io_context& io, tcp::socket& socket, op_state& st, deadline until) {
    io.restart();
    if (until) {
        io.run_until(*until);
    } else {
        io.run();
    }
    if (st.done) return false;
    boost_error ignored;
    socket.cancel(ignored);
    io.restart();
    io.run();
    // An operation that completed just as the deadline passed keeps its result.
    return !st.done || st.ec == asio::error::operation_aborted;
}

template <class Stream>
tcp::socket& lowest(Stream& s) {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
        return s;
    } else {
        return s.next_layer();
    }
}

template <class Stream>
class asio_transport final : public transport {
public:
    asio_transport(std::unique_ptr<asio::io_context> io, std::shared_ptr<ssl::context> tls,
                   std::unique_ptr<Stream> stream, address remote, const socket_options& options)
        : io_(std::move(io)),
          tls_(std::move(tls)),
          stream_(std::move(stream)),
          remote_(std::move(remote)),
          read_timeout_(options.read_timeout),
          write_timeout_(options.write_timeout) {}

    ~asio_transport() override { close(); }

    std::error_code write(byte_view data) override {
        if (!open_) return std::make_error_code(std::errc::not_connected);
        if (data.empty()) return {};
        op_state st;
        asio::async_write(*stream_, asio::buffer(data.data(), data.size()),
                          [&st](const boost_error& ec, std::size_t n) {
                              st.ec = ec;
                              st.n = n;
                              st.done = true;
                          });
        if (run_until(*io_, lowest(*stream_), st, deadline_after(write_timeout_))) {
            close();
            return transport_errc::write_timeout;
        }
        if (st.ec) {
            close();
            return normalize(st.ec);
        }
        return {};
    }

    std::error_code read_some(std::span<std::uint8_t> into, std::size_t& n) override {
        n = 0;
        if (!open_) return std::make_error_code(std::errc::not_connected);
        if (into.empty()) return std::make_error_code(std::errc::invalid_argument);
        op_state st;
        stream_->async_read_some(asio::buffer(into.data(), into.size()),
                                 [&st](const boost_error& ec, std::size_t got) {
                                     st.ec = ec;
                                     st.n = got;
                                     st.done = true;
                                 });
        if (run_until(*io_, lowest(*stream_), st, deadline_after(read_timeout_))) {
            close();
            return transport_errc::read_timeout;
        }
        if (st.ec) {
            close();
            return normalize(st.ec);
        }
        n = st.n;
        return {};
    }

    void set_read_timeout(std::chrono::milliseconds timeout) override { read_timeout_ = timeout; }

    void close() override {
        if (!open_) return;
        open_ = false;
        // No TLS close_notify: it would need another bounded round of I/O, and Bolt ends a
        // session with GOODBYE anyway. Shutdown sends FIN so the peer sees the end promptly.
        boost_error ignored;
        lowest(*stream_).shutdown(tcp::socket::shutdown_both, ignored);
        lowest(*stream_).close(ignored);
    }

    const address& remote() const override { return remote_; }

private:
    // A TLS peer that hangs up without close_notify is, for Bolt, just a closed connection:
    // message framing already detects a truncated message.
    static std::error_code normalize(const boost_error& ec) {
        if (ec == ssl::error::stream_truncated) return boost_error(asio::error::eof);
        return ec;
    }

    // Destruction order matters: the stream first, then the TLS context, then the io_context.
    std::unique_ptr<asio::io_context> io_;
    std::shared_ptr<ssl::context> tls_;
    std::unique_ptr<Stream> stream_;
    address remote_;
    std::chrono::milliseconds read_timeout_;
    std::chrono::milliseconds write_timeout_;
    bool open_ = true;
};

// asio's host_name_verification, plus the verify result OpenSSL does not set by itself when a
// callback rejects the name, so errors can say "hostname mismatch" instead of "unspecified".
class hostname_check {
public:
    hostname_check(const std::string& name, bool is_ip) : verify_(name), is_ip_(is_ip) {}
    bool operator()(bool preverified, ssl::verify_context& ctx) const {
        if (verify_(preverified, ctx)) return true;
        if (preverified) {
            X509_STORE_CTX_set_error(ctx.native_handle(), is_ip_ ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                                 : X509_V_ERR_HOSTNAME_MISMATCH);
        }
        return false;
    }

private:
    ssl::host_name_verification verify_;
    bool is_ip_;
};

std::error_code make_tls_context(const tls_options& tls, std::shared_ptr<ssl::context>& out) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    boost_error ec;
    if (tls.trust_all) {
        ctx->set_verify_mode(ssl::verify_none, ec);
    } else {
        ctx->set_verify_mode(ssl::verify_peer, ec);
        if (!ec && tls.ca_file) {
            ctx->load_verify_file(*tls.ca_file, ec);
            if (ec) return transport_errc::ca_file_unreadable;
        } else if (!ec) {
            ctx->set_default_verify_paths(ec);
        }
    }
    if (ec) return ec;
    out = std::move(ctx);
    return {};
}

// Client contexts are shared: loading the system CA bundle costs tens of milliseconds with
// OpenSSL 3, too much for every pooled connection. Per-connection settings (SNI, the hostname
// check) live on the SSL object, so one context serves every server with the same trust. A CA
// file is keyed by its modification time too, so a replaced file is read again.
std::error_code shared_tls_context(const tls_options& tls, std::shared_ptr<ssl::context>& out) {
    std::string key;
    if (tls.trust_all) {
        key = "trust-all";
    } else if (tls.ca_file) {
        std::error_code fs_error;
        const auto stamp = std::filesystem::last_write_time(*tls.ca_file, fs_error);
        if (fs_error) return transport_errc::ca_file_unreadable;
        key = "file:" + std::to_string(stamp.time_since_epoch().count()) + ":" + *tls.ca_file;
    } else {
        key = "system";
    }
    // Never destroyed: freeing SSL_CTXs from a static destructor could run after OpenSSL's own
    // atexit cleanup.
    static auto* const mutex = new std::mutex;
    static auto* const cache = new std::map<std::string, std::shared_ptr<ssl::context>>;
    std::lock_guard lock(*mutex);
    if (auto it = cache->find(key); it != cache->end()) {
        out = it->second;
        return {};
    }
    if (auto ec = make_tls_context(tls, out)) return ec;
    cache->emplace(std::move(key), out);
    return {};
}

std::error_code handshake_error(const boost_error& ec, SSL* ssl_handle, bool verifying) {
    // With trust_all OpenSSL still records a verify result; it did not cause the failure.
    const long verify = SSL_get_verify_result(ssl_handle);
    if (verifying && verify != X509_V_OK) return {static_cast<int>(verify), tls_verify_category()};
    if (ec.category() == asio::error::get_ssl_category())
        return {ec.value(), tls_handshake_category()};
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated ||
        ec == asio::error::connection_reset) {
        return transport_errc::tls_handshake_closed;
    }
    return ec;
}

}  // namespace

const std::error_category& transport_category() {
    static const transport_category_impl instance;
    return instance;
}

std::error_code make_error_code(transport_errc e) {
    return {static_cast<int>(e), transport_category()};
}

const std::error_category& tls_verify_category() {
    static const tls_verify_category_impl instance;
    return instance;
}

const std::error_category& tls_handshake_category() {
    static const tls_handshake_category_impl instance;
    return instance;
}

namespace {

/// Resolves `to` before `until`. An address literal needs no lookup. A name is looked up on a
/// thread of its own, waited for at most until the deadline (getaddrinfo has no timeout, and a
/// slow DNS server must not outlast the connect timeout); a lookup that is late finishes in the
/// background and is dropped. (Not async_resolve: it would park a resolver thread on every
/// connection's io_context for its whole life.) No AI_ADDRCONFIG: it hides localhost in
/// loopback-only hosts.
std::error_code resolve_within(const address& to, const deadline& until, tcp::resolver::results_type& out) {
    const std::string port = std::to_string(to.port);
    boost_error not_ip;
    asio::ip::make_address(to.host, not_ip);
    if (!not_ip || !until) {
        asio::io_context io(1);
        tcp::resolver resolver(io);
        boost_error ec;
        out = resolver.resolve(to.host, port, tcp::resolver::numeric_service, ec);
        return ec;
    }
    struct lookup {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        boost_error ec;
        tcp::resolver::results_type results;
    };
    auto l = std::make_shared<lookup>();
    std::thread([l, host = to.host, port] {
        asio::io_context io(1);
        tcp::resolver resolver(io);
        boost_error ec;
        auto results = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
        const std::lock_guard lock(l->m);
        l->ec = ec;
        l->results = std::move(results);
        l->done = true;
        l->cv.notify_all();
    }).detach();
    std::unique_lock lock(l->m);
    if (!l->cv.wait_until(lock, *until, [&] { return l->done; })) return transport_errc::connect_timeout;
    out = std::move(l->results);
    return l->ec;
}

}  // namespace

std::error_code connect(const address& to, const tls_options& tls, const socket_options& options,
                        std::unique_ptr<transport>& out) {
    out.reset();
    const deadline until = deadline_after(options.connect_timeout);
    auto io = std::make_unique<asio::io_context>(1);

    boost_error ec;
    tcp::resolver::results_type endpoints;
    if (auto err = resolve_within(to, until, endpoints)) return err;
    if (endpoints.empty()) return transport_errc::no_endpoints;

    tcp::socket socket(*io);
    boost_error last;
    bool connected = false;
    for (const auto& entry : endpoints) {
        boost_error ignored;
        socket.close(ignored);
        socket.open(entry.endpoint().protocol(), ec);
        if (ec) {
            last = ec;
            continue;
        }
        op_state st;
        socket.async_connect(entry.endpoint(), [&st](const boost_error& e) {
            st.ec = e;
            st.done = true;
        });
        if (run_until(*io, socket, st, until)) return transport_errc::connect_timeout;
        if (!st.ec) {
            connected = true;
            break;
        }
        last = st.ec;
    }
    if (!connected) return last;

    socket.set_option(tcp::no_delay(options.no_delay), ec);
    if (!ec) socket.set_option(asio::socket_base::keep_alive(options.keepalive), ec);
    if (ec) return ec;

    if (!tls.enabled) {
        out = std::make_unique<asio_transport<tcp::socket>>(
            std::move(io), nullptr, std::make_unique<tcp::socket>(std::move(socket)), to, options);
        return {};
    }

    std::shared_ptr<ssl::context> ctx;
    if (auto err = shared_tls_context(tls, ctx)) return err;
    using tls_stream = ssl::stream<tcp::socket>;
    auto stream = std::make_unique<tls_stream>(std::move(socket), *ctx);
    const std::string& name = tls.server_name.empty() ? to.host : tls.server_name;
    boost_error not_ip;
    asio::ip::make_address(name, not_ip);
    const bool name_is_ip = !not_ip;
    // RFC 6066: SNI carries host names only, never IP literals.
    if (!name_is_ip && !SSL_set_tlsext_host_name(stream->native_handle(), name.c_str())) {
        return {static_cast<int>(ERR_get_error()), tls_handshake_category()};
    }
    if (!tls.trust_all && tls.verify_hostname) {
        stream->set_verify_callback(hostname_check(name, name_is_ip), ec);
        if (ec) return ec;
    }
    op_state st;
    stream->async_handshake(ssl::stream_base::client, [&st](const boost_error& e) {
        st.ec = e;
        st.done = true;
    });
    if (run_until(*io, stream->next_layer(), st, until)) {
        return transport_errc::tls_handshake_timeout;
    }
    if (st.ec) return handshake_error(st.ec, stream->native_handle(), !tls.trust_all);
    out = std::make_unique<asio_transport<tls_stream>>(std::move(io), std::move(ctx),
                                                       std::move(stream), to, options);
    return {};
}

bool is_eof(std::error_code ec) {
    return ec == std::error_code(boost_error(asio::error::eof)) ||
           ec == std::error_code(boost_error(ssl::error::stream_truncated));
}

bool is_timeout(std::error_code ec) {
    return ec == std::errc::timed_out;
}

std::string describe(std::error_code ec) {
    if (!ec) return "success";
    if (ec.category() == tls_verify_category()) return "TLS " + ec.message();
    if (ec.category() == transport_category() || ec.category() == tls_handshake_category()) {
        return ec.message();
    }
    if (is_eof(ec)) return "connection closed by the peer";
    if (same_category(ec, asio::error::get_netdb_category()) ||
        same_category(ec, asio::error::get_addrinfo_category())) {
        return "cannot resolve host: " + ec.message();
    }
    if (same_category(ec, asio::error::get_ssl_category()) ||
        same_category(ec, ssl::error::get_stream_category())) {
        return "TLS error: " + ec.message();
    }
    std::string text = ec.message();
    // System messages start with a capital ("Connection refused"); they read better mid-sentence.
    if (!text.empty())
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return text;
}

}  // namespace bolt
