// The byte pipe under a Bolt connection: TCP or TLS over Boost.Asio, as blocking calls with
// per-operation deadlines. Nothing Bolt-specific lives here; `transport` is abstract so tests can
// put a fault-injecting pipe under a connection. Asio stays out of this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace bolt {

using byte_view = std::span<const std::uint8_t>;  // the same alias as in packstream.hpp

/// A server address. `host` is a DNS name (lower-cased) or an IP literal, IPv6 without brackets.
struct address {
    std::string host;
    std::uint16_t port = 7687;

    /// "host:port", or "[v6]:port" for IPv6 literals: the form routing tables and HELLO use.
    std::string to_string() const;
    /// Parses "host", "host:port", "[v6]" or "[v6]:port" (what ROUTE replies and users write).
    /// Returns nullopt and, when `error` is given, a message saying what is wrong.
    static std::optional<address> parse(std::string_view text, std::string* error = nullptr,
                                        std::uint16_t default_port = 7687);

    friend bool operator==(const address&, const address&) = default;
    friend auto operator<=>(const address&, const address&) = default;
};

struct tls_options {
    bool enabled = false;
    bool trust_all = false;              // bolt+ssc: encrypted, any certificate accepted
    std::optional<std::string> ca_file;  // PEM trust anchors; else the system's default CAs
    bool verify_hostname = true;
    std::string server_name;  // SNI and the name checked; empty = the address's host
};

struct socket_options {
    std::chrono::milliseconds connect_timeout{30000};  // resolve + TCP connect + TLS handshake
    std::chrono::milliseconds read_timeout{0};         // each read_some; 0 = none
    std::chrono::milliseconds write_timeout{0};        // each write; 0 = none
    bool keepalive = true;
    bool no_delay = true;
};

/// A connected byte stream. Thread-compatible: one thread at a time. A failed write or read
/// (timeouts included: a timed-out TLS read may have consumed part of a record) closes the
/// transport; later calls return std::errc::not_connected. The connection is then defunct.
class transport {
public:
    virtual ~transport() = default;
    /// Writes all of `data` or fails.
    virtual std::error_code write(byte_view data) = 0;
    /// Reads at least one byte (unless it fails) into `into`; `n` is the count read.
    /// The peer closing the connection surfaces as boost::asio::error::eof (see is_eof).
    virtual std::error_code read_some(std::span<std::uint8_t> into, std::size_t& n) = 0;
    /// Applies to later read_some calls; 0 = wait forever.
    virtual void set_read_timeout(std::chrono::milliseconds timeout) = 0;
    /// Idempotent; never fails.
    virtual void close() = 0;
    virtual const address& remote() const = 0;
};

/// Failures this layer names itself. The timeouts compare equal to std::errc::timed_out.
enum class transport_errc {
    connect_timeout = 1,    // resolve + TCP connect did not finish within connect_timeout
    tls_handshake_timeout,  // the TLS handshake did not finish within what was left of it
    read_timeout,
    write_timeout,
    no_endpoints,          // the name resolved to no address
    ca_file_unreadable,    // tls_options::ca_file could not be loaded as PEM certificates
    tls_handshake_closed,  // the peer hung up during the TLS handshake (often: it is not TLS)
};

const std::error_category& transport_category();
std::error_code make_error_code(transport_errc e);

/// Certificate verification failures: the value is OpenSSL's X509_V_ERR_* verify result, the
/// message "certificate verify failed: " and its text ("hostname mismatch", "self-signed
/// certificate", "unable to get local issuer certificate", ...).
const std::error_category& tls_verify_category();

/// Other TLS handshake failures: the value is OpenSSL's error code (ERR_get_error), the message
/// "TLS handshake failed: " and its reason ("wrong version number", "unsupported protocol", ...).
const std::error_category& tls_handshake_category();

/// Resolves `to`, tries every endpoint until one accepts, sets the socket options, and for TLS
/// does the handshake (TLS 1.2 or newer, SNI, chain and hostname verification as `tls` says), all
/// within socket_options::connect_timeout, name resolution included (a host name is looked up on
/// a thread of its own, waited for at most that long). On failure `out` is left empty.
std::error_code connect(const address& to, const tls_options& tls, const socket_options& options,
                        std::unique_ptr<transport>& out);

/// A sentence for users saying what failed, for any code the transport returns:
/// "cannot resolve host: ...", "connection refused", "TLS certificate verify failed: hostname
/// mismatch", "TLS handshake failed: wrong version number (is the server using TLS?)", ...
std::string describe(std::error_code ec);

/// The peer closed the connection (cleanly, or for TLS without close_notify).
bool is_eof(std::error_code ec);
/// Any of the transport's timeouts (same as ec == std::errc::timed_out).
bool is_timeout(std::error_code ec);

}  // namespace bolt

template <>
struct std::is_error_code_enum<bolt::transport_errc> : std::true_type {};

template <>
struct std::hash<bolt::address> {
    std::size_t operator()(const bolt::address& a) const noexcept {
        return std::hash<std::string>{}(a.host) * 31u + a.port;
    }
};
