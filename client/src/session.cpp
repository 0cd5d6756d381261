// Sessions and transactions: connection borrowing, auto-commit, explicit and managed
// transactions, and the pipelined one-round-trip transaction of the loader's hot path.
#include "bolt/session.hpp"

#include <fmt/format.h>

#include "bolt/errors.hpp"
#include "driver_core.hpp"

namespace bolt {

namespace detail {

namespace {
std::string string_at(const map& m, std::string_view key) {
    if (const value* v = m.find(key))
        if (const auto* s = v->get_if<std::string>()) return *s;
    return {};
}

std::shared_ptr<const std::vector<std::string>> keys_from(const map& run_metadata) {
    auto keys = std::make_shared<std::vector<std::string>>();
    if (const value* f = run_metadata.find("fields"))
        if (const auto* l = f->get_if<list>())
            for (const auto& k : *l)
                if (const auto* s = k.get_if<std::string>()) keys->push_back(*s);
    return keys;
}

/// Reads the answer to a RUN. On FAILURE the connection is recovered and the error thrown.
void expect_run_success(session_state& s, result_stream& stream) {
    auto& e = s.conn->receive();
    if (auto* ok = std::get_if<success_message>(&e.body)) {
        stream.keys = keys_from(ok->metadata);
        if (const value* q = ok->metadata.find("qid"))
            if (const auto* id = q->get_if<std::int64_t>()) stream.qid = *id;
        merge_into(stream.metadata, ok->metadata);
        return;
    }
    if (auto* f = std::get_if<failure_message>(&e.body)) {
        map failure = std::move(f->metadata);
        s.handle_failure(&failure);
        raise_failure(failure);
    }
    s.handle_failure();
    throw protocol_error("the server ignored RUN");
}
}  // namespace

session_state::~session_state() {
    // Results stay readable after the session goes (buffered); open transactions roll back.
    try {
        drain_open_result();
        if (open_tx && open_tx->status == tx_status::active && conn) {
            conn->send_rollback();
            conn->receive();
        }
    } catch (...) {
    }
    if (open_tx) {
        if (open_tx->status == tx_status::active) open_tx->status = tx_status::rolled_back;
        open_tx->session = nullptr;
        open_tx.reset();
    }
    open_result.reset();
    release();
}

std::int64_t session_state::fetch_size() const {
    // 0 means the driver's; -1 (everything in one PULL) is a real choice, as in the official drivers.
    return config.fetch_size != 0 ? config.fetch_size : core->config().fetch_size;
}

bool session_state::queue_telemetry(connection& c) {
    if (!telemetry_owed || core->config().telemetry_disabled || !c.telemetry_enabled()) return false;
    c.send_telemetry(static_cast<std::int64_t>(*telemetry_owed));
    return true;
}

void session_state::read_telemetry_reply(connection& c) {
    auto& e = c.receive();
    if (std::holds_alternative<success_message>(e.body)) {
        telemetry_owed.reset();
        return;
    }
    if (auto* f = std::get_if<failure_message>(&e.body)) {
        map failure = std::move(f->metadata);
        handle_failure(&failure);
        release();
        raise_failure(failure);
    }
    handle_failure();
    release();
    throw protocol_error("unexpected reply to TELEMETRY");
}

map session_state::begin_extra(access_mode mode, const transaction_config& tx) const {
    map extra;
    if (!bookmarks.empty()) {
        list b;
        for (const auto& bm : bookmarks) b.emplace_back(bm);
        extra.set("bookmarks", std::move(b));
    }
    if (tx.timeout) {
        if (tx.timeout->count() < 0) throw usage_error("a transaction timeout cannot be negative");
        extra.set("tx_timeout", static_cast<std::int64_t>(tx.timeout->count()));
    }
    if (!tx.metadata.empty()) extra.set("tx_metadata", tx.metadata);
    if (mode == access_mode::read) extra.set("mode", "r");
    if (!config.database.empty()) extra.set("db", config.database);
    if (!config.impersonated_user.empty()) extra.set("imp_user", config.impersonated_user);
    return extra;
}

connection& session_state::acquire(access_mode mode) {
    if (closed) throw usage_error("the session is closed");
    if (conn && conn->is_usable() && (!core->target().routing || mode == conn_mode)) return *conn;
    release();
    // With routing, the session first asks for its home database (for its user and bookmarks)
    // and pins the name, as the official drivers do: its transactions then say db=<name> and
    // keep to it if the home changes.
    if (core->target().routing && config.database.empty() && !home_database_resolved) {
        config.database = core->resolve_home_database(config.impersonated_user, bookmarks);
        home_database_resolved = true;
    }
    auto [addr, c] = core->acquire(mode, config.database, config.impersonated_user, bookmarks);
    conn_address = addr;
    conn = std::move(c);
    conn_mode = mode;
    if (!config.impersonated_user.empty() && !conn->features().imp_user) {
        // Sending imp_user anyway would run the work as the wrong user on an older server.
        const std::string version = conn->version().to_string();
        release();
        throw usage_error(fmt::format("impersonation needs Bolt 4.4 or later; the server speaks {}", version));
    }
    return *conn;
}

void transaction_state::end_results() {
    for (auto& weak : results)
        if (auto r = weak.lock()) {
            r->buffered.clear();
            r->scope = stream_scope::transaction_ended;
        }
    results.clear();
}

void session_state::drain_open_result() {
    if (auto r = std::move(open_result)) r->buffer_all();
}

void session_state::on_stream_finished(result_stream* stream, bool failed) {
    if (open_result.get() == stream) open_result.reset();
    stream->session = nullptr;
    if (failed) {
        if (open_tx && open_tx->status == tx_status::active) open_tx->status = tx_status::failed;
        handle_failure(&stream->failure);
    } else if (!stream->in_transaction) {
        const std::string bm = string_at(stream->metadata, "bookmark");
        if (!bm.empty()) bookmarks = {bm};
    }
    if (!stream->in_transaction) release();
}

void session_state::release() {
    if (!conn) return;
    if (open_result || (open_tx && open_tx->status == tx_status::active)) return;
    core->release(conn_address, std::move(conn));
}

void session_state::handle_failure(const map* failure) {
    if (!conn) return;
    // Routing: a server that is no longer (or never was) the writer, or whose database is
    // unavailable, leaves the routing tables, so the retry asks the routers again.
    if (failure && core->target().routing) {
        switch (routing_effect_of(failure_from_metadata(*failure).code)) {
            case routing_effect::not_writer: core->on_write_failure(conn_address); break;
            case routing_effect::forget_server: core->forget_server(conn_address); break;
            case routing_effect::none: break;
        }
    }
    if (!conn->recover()) {
        core->on_server_failure(conn_address);
        // Back to the pool, which closes it and frees its slot: dropping it here would leave
        // the slot counted as in use forever, and a pool of one would never open another.
        core->pool().release(conn_address, std::move(conn));
    }
}

}  // namespace detail

using detail::tx_status;

// ---- transaction -------------------------------------------------------------------------------

transaction::transaction(std::shared_ptr<detail::transaction_state> state) : state_(std::move(state)) {}
transaction::transaction(transaction&&) noexcept = default;
transaction& transaction::operator=(transaction&&) noexcept = default;

transaction::~transaction() {
    try {
        close();
    } catch (...) {
    }
}

bool transaction::is_open() const { return state_ && state_->status == tx_status::active; }

result transaction::run(std::string_view query, const map& parameters) {
    if (!state_ || !state_->session) throw usage_error("the transaction is closed");
    if (state_->status != tx_status::active)
        throw usage_error(state_->status == tx_status::failed
                              ? "the transaction has failed; roll it back and start a new one"
                              : "the transaction is closed");
    auto& s = *state_->session;
    s.drain_open_result();
    if (!s.conn) throw session_expired("the transaction's connection is gone");
    auto stream = std::make_shared<detail::result_stream>();
    stream->session = &s;
    stream->conn = s.conn.get();
    stream->fetch_size = s.fetch_size();
    stream->in_transaction = true;
    stream->query = std::string(query);
    stream->parameters = parameters;
    s.conn->send_run(query, parameters, map{});
    s.conn->send_pull(stream->fetch_size, -1);
    stream->pull_in_flight = true;
    try {
        detail::expect_run_success(s, *stream);
    } catch (...) {
        state_->status = tx_status::failed;
        throw;
    }
    s.open_result = stream;
    state_->results.push_back(stream);
    return result(stream);
}

void transaction::commit() {
    if (!state_ || state_->status != tx_status::active)
        throw usage_error(state_ && state_->status == tx_status::failed
                              ? "cannot commit: the transaction has failed"
                              : "cannot commit: the transaction is closed");
    auto& s = *state_->session;
    // Records nobody read are DISCARDed, not pulled: the transaction's results end with it.
    std::exception_ptr stream_error;
    if (auto r = s.open_result) {
        r->discard_rest();
        stream_error = r->error;
    }
    state_->end_results();
    if (state_->status != tx_status::active) {
        if (stream_error) std::rethrow_exception(stream_error);
        throw usage_error("cannot commit: the transaction has failed");
    }
    s.conn->send_commit();
    try {
        auto& e = s.conn->receive();
        if (auto* f = std::get_if<failure_message>(&e.body)) {
            map failure = std::move(f->metadata);
            state_->status = tx_status::failed;
            s.handle_failure(&failure);
            s.release();
            detail::raise_failure(failure);
        }
        if (auto* ok = std::get_if<success_message>(&e.body)) {
            const std::string bm = detail::string_at(ok->metadata, "bookmark");
            if (!bm.empty()) s.bookmarks = {bm};
        }
    } catch (const service_unavailable& e) {
        state_->status = tx_status::failed;
        s.handle_failure();
        throw incomplete_commit(fmt::format(
            "the connection was lost after COMMIT was sent; the transaction may or may not have "
            "been committed ({})", e.what()));
    }
    state_->status = tx_status::committed;
    s.open_tx.reset();
    s.release();
}

void transaction::rollback() {
    if (!state_) throw usage_error("the transaction is closed");
    if (state_->status == tx_status::committed || state_->status == tx_status::rolled_back)
        throw usage_error("cannot roll back: the transaction is closed");
    auto& s = *state_->session;
    if (state_->status == tx_status::active && s.conn) {
        // Results of this transaction die with it: discard rather than buffer.
        if (auto r = std::move(s.open_result)) {
            r->session = nullptr;
            r->discard_rest();
        }
        state_->end_results();
        s.conn->send_rollback();
        try {
            auto& e = s.conn->receive();
            if (auto* f = std::get_if<failure_message>(&e.body)) {
                map failure = std::move(f->metadata);
                state_->status = tx_status::rolled_back;
                s.handle_failure(&failure);
                s.open_tx.reset();
                s.release();
                detail::raise_failure(failure);
            }
        } catch (const service_unavailable&) {
            // Nothing was committed; the server rolls back when the connection goes.
        }
    }
    state_->status = tx_status::rolled_back;
    state_->end_results();
    s.open_tx.reset();
    s.release();
}

void transaction::close() {
    if (is_open()) rollback();
    else if (state_ && state_->status == tx_status::failed) {
        state_->status = tx_status::rolled_back;
        state_->end_results();
        if (state_->session) {
            state_->session->open_tx.reset();
            state_->session->release();
        }
    }
}

// ---- session -----------------------------------------------------------------------------------

session::session(std::shared_ptr<detail::session_state> state) : state_(std::move(state)) {}
session::session(session&&) noexcept = default;
session& session::operator=(session&&) noexcept = default;
session::~session() = default;

result session::run(std::string_view query, const map& parameters, const transaction_config& config) {
    auto& s = *state_;
    if (s.open_tx && s.open_tx->status == detail::tx_status::active)
        throw usage_error("an explicit transaction is open in this session; run the query in it");
    s.drain_open_result();
    auto& c = s.acquire(s.config.default_access_mode);
    auto stream = std::make_shared<detail::result_stream>();
    stream->session = &s;
    stream->conn = &c;
    stream->fetch_size = s.fetch_size();
    stream->query = std::string(query);
    stream->parameters = parameters;
    s.telemetry_owed = detail::telemetry_api::auto_commit;
    const bool telemetry = s.queue_telemetry(c);
    c.send_run(query, parameters, s.begin_extra(s.config.default_access_mode, config));
    c.send_pull(stream->fetch_size, -1);
    stream->pull_in_flight = true;
    try {
        if (telemetry) s.read_telemetry_reply(c);
        detail::expect_run_success(s, *stream);
    } catch (...) {
        s.release();
        throw;
    }
    s.open_result = stream;
    return result(stream);
}

transaction session::begin_transaction(const transaction_config& config) {
    state_->telemetry_owed = detail::telemetry_api::unmanaged_transaction;
    return begin_in_mode(state_->config.default_access_mode, config);
}

void session::owe_managed_telemetry() { state_->telemetry_owed = state_->managed_api; }

transaction session::begin_in_mode(access_mode mode, const transaction_config& config) {
    auto& s = *state_;
    if (s.open_tx && s.open_tx->status == detail::tx_status::active)
        throw usage_error("a transaction is already open in this session");
    s.drain_open_result();
    auto& c = s.acquire(mode);
    const bool telemetry = s.queue_telemetry(c);
    c.send_begin(s.begin_extra(mode, config));
    if (telemetry) s.read_telemetry_reply(c);
    auto& e = c.receive();
    if (auto* f = std::get_if<failure_message>(&e.body)) {
        map failure = std::move(f->metadata);
        s.handle_failure(&failure);
        s.release();
        detail::raise_failure(failure);
    }
    if (!std::holds_alternative<success_message>(e.body)) {
        s.handle_failure();
        s.release();
        throw protocol_error("unexpected reply to BEGIN");
    }
    auto tx = std::make_shared<detail::transaction_state>();
    tx->session = &s;
    s.open_tx = tx;
    return transaction(tx);
}

void session::run_managed_attempt(access_mode mode, const transaction_config& config,
                                  const std::function<void(managed_transaction&)>& body) {
    transaction tx = begin_in_mode(mode, config);
    managed_transaction managed(tx);
    try {
        body(managed);
    } catch (...) {
        try {
            tx.close();
        } catch (...) {
        }
        throw;
    }
    tx.commit();
}

batch_result session::run_in_transaction(std::string_view query, const map& parameters,
                                         access_mode mode, const transaction_config& config) {
    auto& s = *state_;
    if (s.open_tx && s.open_tx->status == detail::tx_status::active)
        throw usage_error("an explicit transaction is open in this session");
    s.drain_open_result();
    auto& c = s.acquire(mode);
    c.send_begin(s.begin_extra(mode, config));
    c.send_run(query, parameters, map{});
    c.send_pull(-1, -1);
    c.send_commit();
    // A failed write means COMMIT never left in full: nothing can have been committed.
    try {
        c.flush();
    } catch (...) {
        s.handle_failure();
        throw;
    }

    batch_result out;
    map metadata;
    std::optional<map> failure;
    std::shared_ptr<const std::vector<std::string>> keys;
    try {
        while (c.pending() > 0) {
            auto& e = c.receive();
            if (auto* r = std::get_if<record_message>(&e.body)) {
                out.records.emplace_back(keys, std::move(r->fields));
            } else if (auto* ok = std::get_if<success_message>(&e.body)) {
                if (e.request == message_tag::run) keys = detail::keys_from(ok->metadata);
                if (e.request == message_tag::run || e.request == message_tag::pull)
                    detail::merge_into(metadata, ok->metadata);
                if (e.request == message_tag::commit) {
                    const std::string bm = detail::string_at(ok->metadata, "bookmark");
                    if (!bm.empty()) s.bookmarks = {bm};
                }
            } else if (auto* f = std::get_if<failure_message>(&e.body)) {
                if (!failure) failure = std::move(f->metadata);
            }
        }
    } catch (const service_unavailable& e) {
        s.handle_failure();
        if (failure) detail::raise_failure(*failure);
        throw incomplete_commit(fmt::format(
            "the connection was lost after COMMIT was sent; the transaction may or may not have "
            "been committed ({})", e.what()));
    }
    if (failure) {
        s.handle_failure(&*failure);
        s.release();
        detail::raise_failure(*failure);
    }
    out.keys = keys ? *keys : std::vector<std::string>{};
    out.summary = parse_summary(metadata, summary_context{std::string(query), parameters, c.server()});
    s.release();
    return out;
}

std::vector<std::string> session::last_bookmarks() const { return state_->bookmarks; }

void session::set_retry_observer(retry_observer observer) { state_->observer = std::move(observer); }

const retry_policy& session::retry() const {
    return state_->config.retry ? *state_->config.retry : state_->core->config().retry;
}

const retry_observer& session::observer() const { return state_->observer; }

void session::close() {
    if (!state_ || state_->closed) return;
    auto& s = *state_;
    // The session is closed whatever happens; an error rolling back is still the caller's to
    // see, as the official drivers raise it from close().
    std::exception_ptr error;
    try {
        if (s.open_tx && s.open_tx->status == detail::tx_status::active) transaction(s.open_tx).close();
        // Closing ends the open result as the official drivers do: DISCARD what nobody read
        // rather than PULL it all (an endless or huge stream would never let close return).
        if (auto r = std::move(s.open_result)) {
            r->discard_rest();
            r->scope = detail::stream_scope::session_closed;
        }
    } catch (...) {
        error = std::current_exception();
    }
    s.open_tx.reset();
    s.release();
    s.closed = true;
    if (error) std::rethrow_exception(error);
}

}  // namespace bolt
