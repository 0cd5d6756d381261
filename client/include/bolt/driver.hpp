// The driver: one per process (or per thread pool), thread-safe. It owns the connection pool
// (and, for neo4j:// URIs, the routing tables) and hands out sessions.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "bolt/auth.hpp"
#include "bolt/config.hpp"
#include "bolt/errors.hpp"
#include "bolt/result.hpp"
#include "bolt/session.hpp"
#include "bolt/summary.hpp"
#include "bolt/value.hpp"

namespace bolt {

class driver {
public:
    /// Parses the URI (bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc). Connects lazily.
    /// Throws usage_error for a bad URI or configuration.
    driver(std::string_view uri, auth_token auth = auth_token::none(), driver_config config = {});
    driver(driver&&) noexcept;
    driver& operator=(driver&&) noexcept;
    ~driver();

    bolt::session session(const session_config& config = {});

    /// One managed transaction with retries: records, summary and keys (Python's execute_query).
    eager_result execute_query(std::string_view query, const map& parameters = {},
                               const execute_query_config& config = {});

    /// Proves a server answers; throws on failure. bolt://: a pooled connection is checked with a
    /// RESET round trip (a new one by its handshake). neo4j://: fetches a fresh routing table and
    /// tries every reader in turn, never a writer, as the official drivers do.
    void verify_connectivity();
    /// Like verify_connectivity, and returns what the server reached said about itself.
    server_info get_server_info();
    /// True when the server speaks Bolt 4.0+ (database selection).
    bool supports_multi_db();
    /// Connections currently open (in use and idle), across all servers.
    std::size_t open_connections() const;
    /// The pool's connections to one server ("host:port", as the URI or routing table names it).
    struct pool_metrics {
        std::size_t in_use = 0;
        std::size_t idle = 0;
    };
    pool_metrics connection_pool_metrics(std::string_view address) const;
    /// Closes every idle connection; sessions still open keep theirs until they close.
    void close();

private:
    std::shared_ptr<detail::driver_core> core_;
};

}  // namespace bolt
