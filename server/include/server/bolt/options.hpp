// Settings of the embedded Bolt server: listen address, TLS, threads, limits, the Bolt versions
// it speaks and the testbed faults. Plain structs, so the CLI and the loader's YAML fill them.
#pragma once

#include <chrono>
#include <functional>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bolt/packstream.hpp"
#include "bolt/protocol.hpp"
// Every server header that says `bolt::` inside namespace server::... must be parsed before
// namespace server::bolt exists (after it, `bolt::` there would mean server::bolt).
#include "server/query/session.hpp"
#include "server/storage.hpp"
#include "server/users.hpp"

namespace server::bolt {

/// Faults the testbed injects, reproducible from `seed`: the same seed and the same message
/// sequence on a connection give the same faults (each connection draws from its own generator,
/// seeded from `seed` and the connection's ordinal number). Zero everywhere = no faults.
struct fault_options {
    std::uint64_t seed = 1;
    /// Per transaction (BEGIN, or an auto-commit RUN): the transaction fails at its first PULL,
    /// DISCARD or COMMIT with Memgraph's transient code and a message saying it was injected.
    double transient_error_probability = 0.0;
    /// Added before every RUN is answered.
    std::uint32_t latency_ms = 0;
    /// The connection is dropped at message N+1 (counting every message after the handshake):
    /// that message is processed but its reply is lost. 0 = never.
    std::uint64_t drop_after_messages = 0;
    /// Per message, the same kind of drop.
    double drop_probability = 0.0;
    /// Once per connection, before message N+1 is handled, nothing is answered for stall_ms.
    /// 0 = never.
    std::uint64_t stall_after_messages = 0;
    std::uint32_t stall_ms = 0;

    bool any() const noexcept {
        return transient_error_probability > 0 || latency_ms > 0 || drop_after_messages > 0 ||
               drop_probability > 0 || (stall_after_messages > 0 && stall_ms > 0);
    }
};

/// The message the injected transient error carries (its code is storage::conflict_code).
inline constexpr std::string_view injected_transient_message =
    "Transient error injected by the boltload embedded server (fault option "
    "transient_error_probability). Retry this transaction.";

/// Bounds on what one client can make the server hold.
struct connection_limits {
    /// One dechunked message; beyond it: protocol-violation FAILURE and close.
    std::size_t max_message_bytes = 64u << 20;
    /// Nesting depth, string and container sizes inside a message.
    ::bolt::packstream::limits values{};
    /// Open connections. A further one gets the Bolt handshake and then, for its HELLO, a
    /// FAILURE saying the server is full (up to 64 such at once; beyond that it is closed).
    std::size_t max_connections = 1024;
    /// A connection that sends nothing for this long is closed (Memgraph's
    /// --bolt-session-inactivity-timeout defaults to 1800 s). 0 = never.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(1800)};
    /// From accepting a connection to its authentication (TLS handshake, Bolt handshake, HELLO
    /// and LOGON): a connection that has not got in by then is closed, so connections that never
    /// speak cannot hold every slot for the idle timeout. 0 = no limit.
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(5)};
};

/// Memgraph's HELLO `server` (official drivers refuse a server whose name does not start with
/// "Neo4j/"); the suffix tells a curious user which server it is.
inline constexpr std::string_view default_server_agent =
    "Neo4j/v5.11.0 compatible graph database server - Memgraph (boltload embedded)";

/// Bolt 5.4..5.0 and 4.4..4.1, newest first.
std::vector<::bolt::protocol_version> default_versions();

/// What every connection of one server shares (the sans-I/O part of server_options).
struct connection_settings {
    std::string server_agent{default_server_agent};
    /// Negotiable versions (any order).
    std::vector<::bolt::protocol_version> versions = default_versions();
    connection_limits limits;
    fault_options faults;
    /// "host:port" ROUTE answers with (writers, readers, routers).
    std::string advertised_address = "127.0.0.1:7687";
    /// ROUTE's ttl, seconds.
    std::int64_t routing_ttl_seconds = 300;
    /// The database name summaries and ROUTE report.
    std::string database_name = "memgraph";
    /// Where the server says why it closed a connection (a protocol violation, a limit hit);
    /// empty: nowhere. Called from the connections' threads.
    std::function<void(const std::string&)> log;
};

struct server_options {
    /// "host:port"; port 0 picks a free one (server::port() tells which). "[::1]:7687" for IPv6.
    std::string listen = "127.0.0.1:7687";
    /// PEM files; both set = TLS on the same port, as Memgraph's --bolt-cert-file/--bolt-key-file.
    std::string tls_cert_file;
    std::string tls_key_file;
    /// Threads running the connections; 0 = one per hardware thread.
    unsigned threads = 0;
    /// ROUTE's address; empty = the bound address.
    std::string advertised_address;
    storage::config storage{};
    connection_settings connection{};
};

/// Splits "host:port" (or "[v6]:port"); nullopt when it is not that shape or the port is not a
/// number in 0..65535.
struct host_port {
    std::string host;
    std::uint16_t port = 0;
};
std::optional<host_port> parse_host_port(std::string_view text);

}  // namespace server::bolt
