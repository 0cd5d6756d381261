// Routing table parsing, freshness and server selection.
#include "bolt/routing.hpp"

#include <algorithm>
#include <cctype>

namespace bolt {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

void add_unique(std::vector<address>& to, const address& a) {
    if (std::find(to.begin(), to.end(), a) == to.end()) to.push_back(a);
}

void erase_all(std::vector<address>& from, const address& a) {
    from.erase(std::remove(from.begin(), from.end(), a), from.end());
}

// ttl seconds from now, saturating: some servers send huge TTLs to mean "forever".
routing_table::clock::time_point expiry(routing_table::clock::time_point now, std::int64_t ttl) {
    using clock = routing_table::clock;
    const auto room =
        std::chrono::duration_cast<std::chrono::seconds>(clock::time_point::max() - now);
    if (ttl >= room.count()) return clock::time_point::max();
    return now + std::chrono::seconds(ttl);
}

std::string mistyped(std::string_view what, std::string_view wanted, const value& got) {
    return std::string(what) + " should be " + std::string(wanted) + ", got " +
           std::string(bolt::to_string(got.type()));
}

}  // namespace

std::string_view to_string(server_role role) {
    switch (role) {
        case server_role::route:
            return "ROUTE";
        case server_role::read:
            return "READ";
        case server_role::write:
            return "WRITE";
    }
    return "?";
}

std::optional<routing_table> routing_table::from_route_response(const map& metadata,
                                                                clock::time_point now,
                                                                std::string& error) {
    auto fail = [&](std::string message) {
        error = "invalid routing table from the server: " + std::move(message);
        return std::nullopt;
    };
    const map* rt = &metadata;
    if (const value* inner = metadata.find("rt")) {
        rt = inner->get_if<map>();
        if (!rt) return fail(mistyped("'rt'", "a map", *inner));
    } else if (!metadata.contains("servers")) {
        return fail("the reply has no 'rt' entry");
    }

    routing_table table;
    const value* ttl = rt->find("ttl");
    if (!ttl) return fail("no 'ttl'");
    const auto* ttl_seconds = ttl->get_if<std::int64_t>();
    if (!ttl_seconds) return fail(mistyped("'ttl'", "an integer", *ttl));
    table.ttl = std::chrono::seconds(std::max<std::int64_t>(*ttl_seconds, 0));
    table.expires_at = expiry(now, table.ttl.count());

    if (const value* db = rt->find("db"); db && !db->is_null()) {
        const auto* name = db->get_if<std::string>();
        if (!name) return fail(mistyped("'db'", "a string", *db));
        table.database = *name;
    }

    const value* servers = rt->find("servers");
    if (!servers) return fail("no 'servers'");
    const auto* entries = servers->get_if<list>();
    if (!entries) return fail(mistyped("'servers'", "a list", *servers));
    for (const value& entry : *entries) {
        const auto* server = entry.get_if<map>();
        if (!server) return fail(mistyped("an entry of 'servers'", "a map", entry));
        const value* role = server->find("role");
        const auto* role_name = role ? role->get_if<std::string>() : nullptr;
        if (!role_name) return fail("a server entry has no 'role' string");
        const value* addresses = server->find("addresses");
        const auto* address_list = addresses ? addresses->get_if<list>() : nullptr;
        if (!address_list) return fail("a server entry has no 'addresses' list");

        std::vector<address>* target = nullptr;
        if (iequals(*role_name, "ROUTE")) {
            target = &table.routers;
        } else if (iequals(*role_name, "READ")) {
            target = &table.readers;
        } else if (iequals(*role_name, "WRITE")) {
            target = &table.writers;
        }
        for (const value& a : *address_list) {
            const auto* text = a.get_if<std::string>();
            if (!text) return fail(mistyped("an address", "a string", a));
            std::string why;
            auto parsed = address::parse(*text, &why);
            if (!parsed) return fail("bad address '" + *text + "': " + why);
            if (target) add_unique(*target, *parsed);
        }
    }
    if (table.routers.empty()) return fail("it lists no routers");
    if (table.readers.empty()) return fail("it lists no readers");
    return table;
}

bool routing_table::is_fresh(server_role role, clock::time_point now) const {
    if (now >= expires_at || routers.empty()) return false;
    switch (role) {
        case server_role::route:
            return true;
        case server_role::read:
            return !readers.empty();
        case server_role::write:
            return !writers.empty();
    }
    return false;
}

bool routing_table::expired_for(std::chrono::seconds delay, clock::time_point now) const {
    return now >= expires_at && now - expires_at >= delay;
}

void routing_table::forget(const address& server) {
    erase_all(routers, server);
    erase_all(readers, server);
    erase_all(writers, server);
}

void routing_table::forget_writer(const address& server) {
    erase_all(writers, server);
}

std::vector<address> routing_table::servers() const {
    std::vector<address> all;
    for (const auto* role : {&routers, &readers, &writers}) {
        for (const auto& a : *role) add_unique(all, a);
    }
    return all;
}

std::optional<address> load_balancer::select_reader(const routing_table& table,
                                                    const in_use_fn& in_use) {
    return pick(table.readers, next_reader_, in_use);
}

std::optional<address> load_balancer::select_writer(const routing_table& table,
                                                    const in_use_fn& in_use) {
    return pick(table.writers, next_writer_, in_use);
}

std::optional<address> load_balancer::pick(const std::vector<address>& servers,
                                           std::atomic<std::size_t>& next,
                                           const in_use_fn& in_use) {
    if (servers.empty()) return std::nullopt;
    const std::size_t n = servers.size();
    const std::size_t start = next.fetch_add(1, std::memory_order_relaxed) % n;
    if (!in_use) return servers[start];
    std::size_t best = start;
    std::size_t best_load = in_use(servers[start]);
    for (std::size_t i = 1; i < n && best_load > 0; ++i) {
        const std::size_t candidate = (start + i) % n;
        const std::size_t load = in_use(servers[candidate]);
        if (load < best_load) {
            best = candidate;
            best_load = load;
        }
    }
    return servers[best];
}

}  // namespace bolt
