// The driver: URI and configuration, the connection pool, routing tables, execute_query.
#include "bolt/driver.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "driver_core.hpp"

namespace bolt {

namespace detail {

// ---- connection pool ---------------------------------------------------------------------------

connection_pool::connection_pool(const driver_config& config, factory make)
    : config_(config), make_(std::move(make)) {}

connection_pool::~connection_pool() { close_idle(); }

bool connection_pool::healthy(connection& c, clock::time_point now, bool verify) const {
    if (!c.is_usable()) return false;
    if (verify) return c.ping();
    if (config_.max_connection_lifetime.count() > 0 &&
        now - c.created_at() > config_.max_connection_lifetime)
        return false;
    if (config_.liveness_check_timeout && now - c.last_used() > *config_.liveness_check_timeout)
        return c.ping();
    return true;
}

std::unique_ptr<connection> connection_pool::acquire(const address& addr, bool verify_idle) {
    const auto key = addr.to_string();
    const auto deadline = clock::now() + config_.connection_acquisition_timeout;
    std::unique_lock lock(mutex_);
    for (;;) {
        auto& slot = by_address_[key];
        while (!slot.idle.empty()) {
            auto c = std::move(slot.idle.back());
            slot.idle.pop_back();
            ++slot.in_use;
            lock.unlock();
            // Health checks may do I/O (liveness RESET): never under the lock.
            const bool ok = healthy(*c, clock::now(), verify_idle);
            if (ok) return c;
            c->close();
            c.reset();
            lock.lock();
            --by_address_[key].in_use;
        }
        auto& fresh = by_address_[key];
        if (fresh.in_use < config_.max_connection_pool_size) {
            ++fresh.in_use;
            lock.unlock();
            try {
                // The acquisition timeout covers opening too: a server that accepts TCP but
                // never answers the handshake must not hold the caller forever.
                return make_(addr, deadline);
            } catch (...) {
                lock.lock();
                --by_address_[key].in_use;
                released_.notify_one();
                throw;
            }
        }
        if (released_.wait_until(lock, deadline) == std::cv_status::timeout &&
            by_address_[key].idle.empty() &&
            by_address_[key].in_use >= config_.max_connection_pool_size)
            throw client_error(
                "Neo.ClientError.Transaction.ConnectionAcquisitionTimeout",
                fmt::format("failed to obtain a connection to {} from the pool within {} ms "
                            "({} connections in use, max_connection_pool_size {})",
                            key, config_.connection_acquisition_timeout.count(),
                            by_address_[key].in_use, config_.max_connection_pool_size));
    }
}

void connection_pool::release(const address& addr, std::unique_ptr<connection> c) {
    if (c && c->state() == connection_state::failed) c->recover();
    const bool keep = c && c->is_usable();
    if (c && !keep) c->close();
    std::lock_guard lock(mutex_);
    auto& slot = by_address_[addr.to_string()];
    if (slot.in_use > 0) --slot.in_use;
    if (keep) slot.idle.push_back(std::move(c));
    released_.notify_one();
}

void connection_pool::forget(const address& addr) {
    std::vector<std::unique_ptr<connection>> doomed;
    {
        std::lock_guard lock(mutex_);
        auto it = by_address_.find(addr.to_string());
        if (it != by_address_.end()) doomed.swap(it->second.idle);
    }
    for (auto& c : doomed) c->close();
}

void connection_pool::close_idle() {
    std::vector<std::unique_ptr<connection>> doomed;
    {
        std::lock_guard lock(mutex_);
        for (auto& [_, slot] : by_address_)
            for (auto& c : slot.idle) doomed.push_back(std::move(c));
        for (auto& [_, slot] : by_address_) slot.idle.clear();
    }
    for (auto& c : doomed) c->close();
}

std::size_t connection_pool::open_connections() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [_, slot] : by_address_) n += slot.idle.size() + slot.in_use;
    return n;
}

std::pair<std::size_t, std::size_t> connection_pool::metrics(std::string_view address) const {
    std::lock_guard lock(mutex_);
    const auto it = by_address_.find(std::string(address));
    if (it == by_address_.end()) return {0, 0};
    return {it->second.in_use, it->second.idle.size()};
}

// ---- driver core -------------------------------------------------------------------------------

namespace {
tls_options tls_for(const uri& u, const driver_config& config) {
    tls_options tls;
    tls.enabled = u.tls;
    tls.trust_all = u.trust_all;
    tls.ca_file = config.trusted_ca_file;
    tls.verify_hostname = !u.trust_all;
    tls.server_name = u.host;
    return tls;
}

std::vector<version_range> proposals(const driver_config& config) {
    std::vector<version_range> out;
    for (auto [major, minor] : config.protocol_versions)
        out.push_back(version_range{{static_cast<std::uint8_t>(major), static_cast<std::uint8_t>(minor)}, 0});
    return out;
}
}  // namespace

driver_core::driver_core(uri parsed, auth_token auth, driver_config config)
    : uri_(std::move(parsed)),
      auth_(std::move(auth)),
      config_(std::move(config)),
      pool_(config_, [this](const address& a, clock::time_point deadline) { return open_connection(a, deadline); }) {}

std::unique_ptr<connection> driver_core::open_connection(const address& addr, clock::time_point deadline) {
    // connection_timeout bounds the whole setup — name resolution, TCP connect, TLS, the Bolt
    // handshake and HELLO/LOGON — not just the socket: a server that accepts and never answers
    // must not hold a caller for the (longer) acquisition timeout.
    deadline = std::min(deadline, clock::now() + config_.connection_timeout);
    const auto left = std::max(std::chrono::duration_cast<milliseconds>(deadline - clock::now()), milliseconds{1});
    socket_options sock;
    sock.connect_timeout = left;
    sock.read_timeout = config_.socket_read_timeout;
    std::unique_ptr<transport> t;
    const auto ec = config_.transport_factory ? config_.transport_factory(addr, t)
                                              : connect(addr, tls_for(uri_, config_), sock, t);
    if (ec)
        throw service_unavailable(fmt::format("cannot connect to {}: {}", addr.to_string(), describe(ec)));
    connection_options options;
    options.auth = auth_;
    options.user_agent = config_.user_agent;
    if (uri_.routing) {
        map context;
        for (const auto& [k, v] : uri_.routing_context) context.set(k, v);
        if (!context.contains("address")) context.set("address", uri_.host + ":" + std::to_string(uri_.port));
        options.routing_context = std::move(context);
    }
    options.versions = proposals(config_);
    options.read_timeout = config_.socket_read_timeout;
    options.setup_deadline = deadline;
    return connection::open(std::move(t), options);
}

namespace {
/// What a router is asked: the routing context, database, user and bookmarks.
struct route_query {
    map context;
    std::optional<std::string> database;
    std::optional<std::string> imp_user;
    list bookmarks;
};

/// A router's answer: the table (ROUTE's "rt" layout), or the FAILURE it sent instead.
struct route_reply {
    map table;
    std::optional<map> failure;
};

/// Bolt 4.3+: the ROUTE message.
route_reply route_by_message(connection& c, const route_query& q) {
    c.send_route(q.context, q.bookmarks, q.database, q.imp_user);
    auto& e = c.receive();
    if (auto* f = std::get_if<failure_message>(&e.body)) return {{}, std::move(f->metadata)};
    const auto* ok = std::get_if<success_message>(&e.body);
    const value* table = ok ? ok->metadata.find("rt") : nullptr;
    if (!table || !table->get_if<map>()) throw protocol_error("ROUTE reply without a routing table");
    return {table->as<map>(), std::nullopt};
}

/// Bolt 4.0-4.2 have no ROUTE: the routing procedure answers instead, run in the system database,
/// as the official drivers do. Its one record's fields (ttl, servers) become the table.
route_reply route_by_procedure(connection& c, const route_query& q) {
    if (q.imp_user)
        throw usage_error(fmt::format("impersonation needs Bolt 4.4 or later; the server speaks {}",
                                      c.version().to_string()));
    map extra{{"mode", "r"}, {"db", "system"}};
    if (!q.bookmarks.empty()) extra.set("bookmarks", q.bookmarks);
    c.send_run("CALL dbms.routing.getRoutingTable($context, $database)",
               map{{"context", q.context}, {"database", q.database ? value(*q.database) : value(null)}}, extra);
    c.send_pull(-1);
    route_reply reply;
    list names;
    std::optional<list> row;
    while (c.pending() > 0) {
        auto& e = c.receive();
        if (auto* r = std::get_if<record_message>(&e.body)) {
            if (!row) row = std::move(r->fields);
        } else if (auto* ok = std::get_if<success_message>(&e.body); ok && e.request == message_tag::run) {
            if (const value* f = ok->metadata.find("fields"); f && f->get_if<list>()) names = f->as<list>();
        } else if (auto* f = std::get_if<failure_message>(&e.body); f && !reply.failure) {
            reply.failure = std::move(f->metadata);
        }
    }
    if (reply.failure) return reply;
    if (!row || names.size() != row->size()) throw protocol_error("the routing procedure returned no routing table");
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto* name = names[i].get_if<std::string>();
        if (!name) throw protocol_error("the routing procedure's field names are not strings");
        reply.table.set(*name, std::move((*row)[i]));
    }
    return reply;
}
}  // namespace

namespace {
std::string describe_failure(const map& failure) {
    auto text = [&](std::string_view key) {
        const value* v = failure.find(key);
        return v && v->get_if<std::string>() ? *v->get_if<std::string>() : std::string{};
    };
    return text("code") + ": " + text("message");
}
}  // namespace

routing_table driver_core::fetch_table(const std::string& database, const std::string& imp_user,
                                       const std::vector<std::string>& bookmarks) {
    route_query query;
    for (const auto& [k, v] : uri_.routing_context) query.context.set(k, v);
    if (!query.context.contains("address")) query.context.set("address", uri_.host + ":" + std::to_string(uri_.port));
    if (!database.empty()) query.database = database;
    if (!imp_user.empty()) query.imp_user = imp_user;
    for (const auto& b : bookmarks) query.bookmarks.emplace_back(b);

    // Ask each known router in turn, then the URI's address (through the resolver, if any).
    std::vector<address> routers;
    if (auto it = tables_.find(database); it != tables_.end()) routers = it->second.routers;
    bool seeds_added = false;
    auto add_seeds = [&] {
        seeds_added = true;
        const address seed{uri_.host, uri_.port};
        for (const auto& a : config_.resolver ? config_.resolver(seed) : std::vector<address>{seed})
            if (std::none_of(routers.begin(), routers.end(), [&](const address& r) { return r.to_string() == a.to_string(); }))
                routers.push_back(a);
    };
    if (routers.empty()) add_seeds();
    std::string last_error = "no routers";
    for (std::size_t i = 0; i < routers.size() || !seeds_added; ++i) {
        if (i == routers.size()) {
            add_seeds();  // every known router failed: fall back to the URI's address
            if (i == routers.size()) break;
        }
        const address router = routers[i];
        std::unique_ptr<connection> c;
        try {
            c = pool_.acquire(router);
            auto reply = c->features().route == route_layout::none ? route_by_procedure(*c, query)
                                                                    : route_by_message(*c, query);
            pool_.release(router, std::move(c));
            if (reply.failure) {
                if (fatal_during_discovery(failure_from_metadata(*reply.failure).code)) raise_failure(*reply.failure);
                last_error = describe_failure(*reply.failure);
                continue;  // this router cannot answer now; another may
            }
            std::string error;
            auto table = routing_table::from_route_response(reply.table, clock::now(), error);
            if (table) return std::move(*table);
            last_error = error;  // e.g. a table without routers: ask the next router
        } catch (const service_unavailable& e) {
            last_error = e.what();
            if (c) pool_.release(router, std::move(c));
            pool_.forget(router);
        } catch (const protocol_error& e) {
            last_error = e.what();  // a router that speaks nonsense is skipped, like a dead one
            if (c) pool_.release(router, std::move(c));
            pool_.forget(router);
        } catch (...) {
            if (c) pool_.release(router, std::move(c));
            throw;
        }
    }
    throw service_unavailable("unable to retrieve a routing table: " + last_error);
}

routing_table& driver_core::fresh_table(access_mode mode, const std::string& database,
                                        const std::string& imp_user, const std::vector<std::string>& bookmarks,
                                        std::unique_lock<std::mutex>& lock) {
    (void)lock;
    auto it = tables_.find(database);
    if (it == tables_.end() || !it->second.is_fresh(mode, clock::now()))
        return store_table(database, fetch_table(database, imp_user, bookmarks));
    return it->second;
}

routing_table& driver_core::store_table(const std::string& database, routing_table fetched) {
    // The home database's table also serves sessions that pinned its name (see
    // session_state::acquire), so they need no second ROUTE.
    if (database.empty() && !fetched.database.empty()) tables_[fetched.database] = fetched;
    return tables_[database] = std::move(fetched);
}

std::string driver_core::resolve_home_database(const std::string& imp_user,
                                               const std::vector<std::string>& bookmarks) {
    std::lock_guard lock(routing_mutex_);
    return store_table("", fetch_table("", imp_user, bookmarks)).database;
}

std::pair<address, std::unique_ptr<connection>> driver_core::acquire_verified() {
    if (!uri_.routing) {
        address a{uri_.host, uri_.port};
        return {a, pool_.acquire(a, /*verify_idle=*/true)};
    }
    std::vector<address> readers;
    {
        std::lock_guard lock(routing_mutex_);
        readers = store_table("", fetch_table("", "")).readers;
    }
    std::string last_error = "the routing table names no reader";
    for (const auto& a : readers) {
        try {
            return {a, pool_.acquire(a, /*verify_idle=*/true)};
        } catch (const service_unavailable& e) {
            last_error = e.what();
            on_server_failure(a);
        }
    }
    throw service_unavailable("no reader of the routing table could be reached: " + last_error);
}

std::pair<address, std::unique_ptr<connection>> driver_core::acquire(access_mode mode,
                                                                     const std::string& database,
                                                                     const std::string& imp_user,
                                                                     const std::vector<std::string>& bookmarks) {
    if (!uri_.routing) {
        address a{uri_.host, uri_.port};
        return {a, pool_.acquire(a)};
    }
    // Try the servers for the mode in round-robin order; a server that fails is forgotten.
    for (int round = 0; round < 3; ++round) {
        std::vector<address> candidates;
        {
            std::unique_lock lock(routing_mutex_);
            auto& table = fresh_table(mode, database, imp_user, bookmarks, lock);
            candidates = mode == access_mode::read ? table.readers : table.writers;
            if (!candidates.empty()) std::rotate(candidates.begin(),
                                                 candidates.begin() + (round_robin_++ % candidates.size()),
                                                 candidates.end());
        }
        if (candidates.empty())
            throw session_expired(fmt::format("no {} server available in the routing table",
                                              mode == access_mode::read ? "read" : "write"));
        for (const auto& a : candidates) {
            try {
                return {a, pool_.acquire(a)};
            } catch (const service_unavailable&) {
                on_server_failure(a);
            }
        }
    }
    throw session_expired("failed to connect to any server of the routing table");
}

void driver_core::release(const address& addr, std::unique_ptr<connection> c) {
    // A connection that died of an I/O error says its server is unreachable: with routing, the
    // server leaves the tables, so the next transaction asks the routers (as the official drivers
    // deactivate it).
    const bool died = c && c->state() == connection_state::defunct;
    pool_.release(addr, std::move(c));
    if (died && uri_.routing) on_server_failure(addr);
}

void driver_core::on_server_failure(const address& addr) {
    pool_.forget(addr);
    forget_server(addr);
}

void driver_core::forget_server(const address& addr) {
    std::lock_guard lock(routing_mutex_);
    for (auto& [_, table] : tables_) table.forget(addr);
}

void driver_core::on_write_failure(const address& addr) {
    std::lock_guard lock(routing_mutex_);
    for (auto& [_, table] : tables_) table.forget_writer(addr);
}

[[noreturn]] void raise_failure(const map& metadata) { throw_failure(metadata); }

}  // namespace detail

// ---- driver ------------------------------------------------------------------------------------

driver::driver(std::string_view uri_text, auth_token auth, driver_config config) {
    std::string error;
    auto parsed = parse_uri(uri_text, error);
    if (!parsed) throw usage_error(error);
    core_ = std::make_shared<detail::driver_core>(std::move(*parsed), std::move(auth), std::move(config));
}

driver::driver(driver&&) noexcept = default;
driver& driver::operator=(driver&&) noexcept = default;
driver::~driver() {
    if (core_) core_->pool().close_idle();
}

bolt::session driver::session(const session_config& config) {
    auto state = std::make_shared<detail::session_state>();
    state->core = core_;
    state->config = config;
    state->bookmarks = config.bookmarks;
    return bolt::session(std::move(state));
}

eager_result driver::execute_query(std::string_view query, const map& parameters,
                                   const execute_query_config& config) {
    session_config sc;
    sc.database = config.database;
    sc.impersonated_user = config.impersonated_user;
    auto s = session(sc);
    s.state_->managed_api = detail::telemetry_api::execute_query;
    auto work = [&](managed_transaction& tx) { return tx.run(query, parameters).to_eager(); };
    return config.routing == access_mode::read ? s.execute_read(work, config.transaction)
                                               : s.execute_write(work, config.transaction);
}

void driver::verify_connectivity() { (void)get_server_info(); }

server_info driver::get_server_info() {
    auto [addr, c] = core_->acquire_verified();
    server_info info = c->server();
    core_->release(addr, std::move(c));
    return info;
}

bool driver::supports_multi_db() {
    auto [addr, c] = core_->acquire(access_mode::read, "", "");
    const bool multi = c->version().major >= 4;
    core_->release(addr, std::move(c));
    return multi;
}

std::size_t driver::open_connections() const { return core_->pool().open_connections(); }

driver::pool_metrics driver::connection_pool_metrics(std::string_view address) const {
    const auto [in_use, idle] = core_->pool().metrics(address);
    return pool_metrics{in_use, idle};
}

void driver::close() { core_->pool().close_idle(); }

}  // namespace bolt
