// Driver, session and transaction settings, with the Python driver's names and defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bolt/retry.hpp"
#include "bolt/transport.hpp"
#include "bolt/value.hpp"

namespace bolt {

enum class access_mode { write, read };

using std::chrono::milliseconds;

struct driver_config {
    std::string user_agent = "boltload/0.1";
    /// Connections per server address; acquisition waits when all are in use.
    std::size_t max_connection_pool_size = 100;
    milliseconds connection_acquisition_timeout{60'000};
    /// Connections older than this are closed instead of reused. 0 = no limit.
    milliseconds max_connection_lifetime{3'600'000};
    /// A connection idle for longer than this is checked with RESET before reuse. nullopt = never.
    std::optional<milliseconds> liveness_check_timeout;
    /// TCP connect plus TLS handshake.
    milliseconds connection_timeout{30'000};
    /// Every socket read; 0 = wait forever (the server's hint may still set one).
    milliseconds socket_read_timeout{0};
    /// TLS trust for bolt+s/neo4j+s: a CA file instead of the system store.
    std::optional<std::string> trusted_ca_file;
    /// Records per PULL for streamed results.
    std::int64_t fetch_size = 1000;
    /// Retry of managed transactions (execute_read/execute_write/execute_query).
    retry_policy retry = retry_policy::defaults(retry_kind::neo4j);
    /// Bolt versions to propose (newest first). Empty = 5.4..5.0, 4.4..4.2, 4.1.
    std::vector<std::pair<int, int>> protocol_versions;
    /// Never send TELEMETRY. Otherwise, on Bolt 5.4+ servers whose HELLO hints enable it
    /// (Neo4j 5.13+), each API call sends one TELEMETRY naming which API it is, as the official
    /// drivers do. Memgraph does not ask for it.
    bool telemetry_disabled = false;
    /// neo4j:// only: the routers to ask when the driver falls back to the URI's address (at the
    /// start, and whenever the known routers all fail), e.g. every member of a cluster behind
    /// one name, as the official drivers' `resolver` does. Unset: the URI's address itself.
    std::function<std::vector<address>(const address&)> resolver;
    /// Opens the byte stream to a server instead of TCP/TLS: for tests with an in-process peer
    /// (and an embedded server in the same process). Returns an error code like connect().
    std::function<std::error_code(const address&, std::unique_ptr<transport>&)> transport_factory;
};

struct session_config {
    /// Database name; empty = the server's default (Memgraph: "memgraph").
    std::string database;
    std::string impersonated_user;
    access_mode default_access_mode = access_mode::write;
    std::vector<std::string> bookmarks;
    /// 0 = the driver's fetch_size.
    std::int64_t fetch_size = 0;
    /// Overrides the driver's retry policy for this session's managed transactions.
    std::optional<retry_policy> retry;
};

struct transaction_config {
    /// Server-side timeout; nullopt = the server's default.
    std::optional<milliseconds> timeout;
    map metadata;
};

struct execute_query_config {
    access_mode routing = access_mode::write;
    std::string database;
    std::string impersonated_user;
    transaction_config transaction;
};

}  // namespace bolt
