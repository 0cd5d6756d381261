// Routing tables for neo4j:// URIs: parsing the ROUTE reply, deciding when a table is stale, and
// picking the reader or writer to send the next transaction to.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bolt/transport.hpp"
#include "bolt/value.hpp"

namespace bolt {

/// What a server in a routing table is for (the ROUTE reply's "role").
enum class server_role { route, read, write };

std::string_view to_string(server_role role);

/// An enum with read and write members, like the session layer's bolt::access_mode; taken
/// generically so this header does not depend on the session layer.
template <class T>
concept read_write_mode = std::is_enum_v<T> && requires {
    T::read;
    T::write;
};

struct routing_table {
    using clock = std::chrono::steady_clock;

    std::vector<address> routers;
    std::vector<address> readers;
    std::vector<address> writers;
    std::chrono::seconds ttl{0};
    std::string database;  // the reply's "db" (Bolt 4.4+); empty when the server did not say
    clock::time_point expires_at{};

    /// Parses a ROUTE SUCCESS's metadata {"rt": {ttl, db?, servers: [{addresses, role}]}} (or the
    /// "rt" map itself). Servers with unknown roles are skipped, as the official drivers do.
    /// A table without routers or readers is an error (writers may be briefly missing during a
    /// leader election). On error returns nullopt and sets `error` to a message for users.
    static std::optional<routing_table> from_route_response(const map& metadata,
                                                            clock::time_point now,
                                                            std::string& error);

    /// Usable for `role`: not expired, has routers, and has servers for reads (role read) or
    /// writes (role write). role route asks for routers only.
    bool is_fresh(server_role role, clock::time_point now) const;
    /// The same for a session's access mode.
    template <read_write_mode AccessMode>
    bool is_fresh(AccessMode mode, clock::time_point now) const {
        return is_fresh(mode == AccessMode::read ? server_role::read : server_role::write, now);
    }

    /// Expired more than `delay` ago: a driver may drop the table (and idle pools for servers no
    /// table lists) instead of refreshing it.
    bool expired_for(std::chrono::seconds delay, clock::time_point now) const;

    /// Drops an unreachable server from every role.
    void forget(const address& server);
    /// Drops a server from the writers only (it answered "not a leader" to a write).
    void forget_writer(const address& server);

    /// Every distinct server in the table, routers first.
    std::vector<address> servers() const;
};

/// Picks a reader or writer. Without load information it is round-robin; with it, the server with
/// the fewest connections in use wins, scanning from a rotating start so ties (the usual case)
/// still spread round-robin (the Java driver's least-connected strategy). Thread-safe.
class load_balancer {
public:
    /// Connections currently in use towards a server.
    using in_use_fn = std::function<std::size_t(const address&)>;

    std::optional<address> select_reader(const routing_table& table, const in_use_fn& in_use = {});
    std::optional<address> select_writer(const routing_table& table, const in_use_fn& in_use = {});
    /// Same, for the session's access mode.
    template <read_write_mode AccessMode>
    std::optional<address> select(const routing_table& table, AccessMode mode,
                                  const in_use_fn& in_use = {}) {
        return mode == AccessMode::read ? select_reader(table, in_use)
                                        : select_writer(table, in_use);
    }

private:
    static std::optional<address> pick(const std::vector<address>& servers,
                                       std::atomic<std::size_t>& next, const in_use_fn& in_use);

    std::atomic<std::size_t> next_reader_{0};
    std::atomic<std::size_t> next_writer_{0};
};

}  // namespace bolt
