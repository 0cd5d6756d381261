// The embedded Bolt server: a TCP (or TLS) listener whose connections run connection_state on
// Asio coroutines, N threads, one strand per connection. Used in-process by tests and the
// loader's --embedded mode, and by `boltload serve`.
//
//     server::bolt::server s({.listen = "127.0.0.1:0"});
//     s.start();                                   // throws std::runtime_error when it cannot
//     bolt::driver d("bolt://127.0.0.1:" + std::to_string(s.port()));
//     ...
//     s.stop();                                    // closes every connection (also the destructor)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "server/bolt/options.hpp"
#include "server/query/session.hpp"

namespace server::bolt {

class server {
public:
    explicit server(server_options options = {});
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds, listens and starts the threads. Throws std::runtime_error with the reason (bad
    /// listen address, port in use, unreadable certificate or key). Call once.
    void start();
    /// Closes the listener and every connection (open transactions roll back), joins the
    /// threads. Idempotent.
    void stop();

    /// The bound port (the chosen one for port 0); 0 before start().
    std::uint16_t port() const noexcept;
    /// "host:port" as bound, e.g. "127.0.0.1:40123".
    std::string address() const;
    /// "bolt://host:port", or "bolt+ssc://host:port" with TLS (self-signed certificates).
    std::string uri() const;
    bool tls() const noexcept;

    /// The graph and users every connection shares.
    query::database& database() noexcept;
    /// Connections open now / accepted since start (refused ones over the limit included).
    std::size_t open_connections() const noexcept;
    std::uint64_t accepted_connections() const noexcept;
    /// Faults injected so far, over all connections.
    std::uint64_t injected_faults() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace server::bolt
