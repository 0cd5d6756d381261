// The per-connection Bolt state machine of the embedded server: handshake, HELLO/LOGON, the
// server states of reference §3.3 with Memgraph's choices (§3.4), summaries and faults.
#include "server/bolt/connection_state.hpp"

#include <algorithm>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

#include "bolt/handshake.hpp"

namespace server::bolt {

namespace wire = ::bolt;

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::string string_or(const wire::map& m, std::string_view key, std::string fallback) {
    if (const wire::value* v = m.find(key))
        if (const auto* s = v->get_if<std::string>()) return *s;
    return fallback;
}

// Memgraph's messages for transaction misuse inside the Idle state (interpreter.cpp).
constexpr std::string_view no_tx_to_commit = "No current transaction to commit.";
constexpr std::string_view no_tx_to_rollback = "No current transaction to rollback.";
constexpr std::string_view nested_tx = "Nested transactions are not supported.";

}  // namespace

std::string_view to_string(connection_phase p) noexcept {
    switch (p) {
        case connection_phase::handshake: return "HANDSHAKE";
        case connection_phase::negotiation: return "NEGOTIATION";
        case connection_phase::authentication: return "AUTHENTICATION";
        case connection_phase::ready: return "READY";
        case connection_phase::streaming: return "STREAMING";
        case connection_phase::tx_ready: return "TX_READY";
        case connection_phase::tx_streaming: return "TX_STREAMING";
        case connection_phase::failed: return "FAILED";
        case connection_phase::defunct: return "DEFUNCT";
    }
    return "UNKNOWN";
}

connection_state::connection_state(query::database& db, const connection_settings& settings,
                                   std::uint64_t ordinal)
    : db_(db),
      settings_(settings),
      ordinal_(ordinal),
      connection_id_("bolt-" + std::to_string(ordinal)),
      reader_(settings.limits.max_message_bytes),
      rng_(splitmix64(settings.faults.seed ^ splitmix64(ordinal))) {}

connection_state::~connection_state() = default;

std::span<std::uint8_t> connection_state::prepare(std::size_t min_free) {
    if (phase_ != connection_phase::handshake) return reader_.prepare(min_free);
    // The handshake is tiny; never read past it so the rest lands in the message reader.
    const std::size_t want = wire::handshake_request_size - handshake_.size();
    handshake_prepared_ = handshake_.size();
    handshake_.resize(handshake_.size() + want);
    return {handshake_.data() + handshake_prepared_, want};
}

void connection_state::commit(std::size_t n) {
    if (phase_ != connection_phase::handshake) {
        reader_.commit(n);
        return;
    }
    handshake_.resize(handshake_prepared_ + n);
}

void connection_state::feed(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty() && phase_ != connection_phase::defunct) {
        if (phase_ == connection_phase::handshake &&
            handshake_.size() == wire::handshake_request_size) {
            // A complete handshake not yet stepped: the rest must wait for step().
            pending_input_.insert(pending_input_.end(), bytes.begin(), bytes.end());
            return;
        }
        auto space = prepare(std::min<std::size_t>(bytes.size(), 64 * 1024));
        const std::size_t n = std::min(space.size(), bytes.size());
        std::copy_n(bytes.begin(), n, space.begin());
        commit(n);
        bytes = bytes.subspan(n);
    }
}

void connection_state::end_of_input() { input_ended_ = true; }

void connection_state::refuse(std::string code, std::string message) {
    refusal_.emplace(std::move(code), std::move(message));
}

bool connection_state::authenticated() const noexcept {
    switch (phase_) {
        case connection_phase::ready:
        case connection_phase::streaming:
        case connection_phase::tx_ready:
        case connection_phase::tx_streaming:
        case connection_phase::failed: return true;
        default: return false;
    }
}

connection_action connection_state::step() {
    if (phase_ == connection_phase::defunct) return {.close = true};
    if (phase_ == connection_phase::handshake) return step_handshake();

    if (!has_pending_) {
        std::error_code ec;
        auto message = reader_.next(ec);
        if (ec) {
            // Said plainly on both sides: the client learns which limit it hit, the log says so too.
            const std::string why = "a message of more than " + std::to_string(reader_.max_message_bytes()) +
                                    " bytes: over the server's message size limit (--max-message-bytes)";
            last_violation_ = why;
            failure(protocol_violation_code, "The client sent " + why + ". Send smaller batches or raise the limit.");
            close_now();
            return {.close = true};
        }
        if (!message) {
            if (input_ended_) {
                close_now();
                return {.close = true};
            }
            return {.need_input = true};
        }
        std::string detail;
        ec = wire::decode_request(*message, features_, settings_.limits.values, request_, &detail);
        if (ec == ::bolt::packstream::errc::invalid_utf8 && authenticated()) {
            // The message was read whole, so the connection can go on: FAILURE, then IGNORED until
            // RESET, like any client error. Nothing that is not UTF-8 is stored or handed on.
            ++stats_.messages;
            const std::string tag = message->size() > 1
                                        ? std::string(wire::to_string(static_cast<wire::message_tag>((*message)[1])))
                                        : std::string("a");
            if (phase_ == connection_phase::failed) {
                ignored();
            } else {
                failure(invalid_utf8_code, "Invalid UTF-8 in a string of the " + tag +
                                               " message: Bolt strings must be UTF-8 (the value was refused, "
                                               "nothing was stored)");
            }
            return {};
        }
        if (ec) {
            violation(detail.empty() ? ec.message() : detail);
            return {.close = true};
        }
        ++stats_.messages;
        if (refusal_) {
            last_violation_ = refusal_->second;
            failure(refusal_->first, refusal_->second);
            close_now();
            return {.close = true};
        }
        has_pending_ = true;
        pause_served_ = false;
    }

    if (!pause_served_) {
        pause_served_ = true;
        const auto& f = settings_.faults;
        std::chrono::milliseconds pause{0};
        if (!stalled_ && f.stall_after_messages > 0 && f.stall_ms > 0 &&
            stats_.messages > f.stall_after_messages) {
            stalled_ = true;
            ++stats_.faults_stalled;
            pause += std::chrono::milliseconds(f.stall_ms);
        }
        if (f.latency_ms > 0 && std::holds_alternative<wire::run_request>(request_)) {
            ++stats_.faults_delayed;
            pause += std::chrono::milliseconds(f.latency_ms);
        }
        if (pause.count() > 0) return {.pause = pause};
    }

    has_pending_ = false;
    const std::size_t mark = out_.size();
    handle(request_);
    if (phase_ == connection_phase::defunct) return {.close = true};

    const auto& f = settings_.faults;
    bool drop = f.drop_after_messages > 0 && stats_.messages == f.drop_after_messages + 1;
    if (!drop && f.drop_probability > 0 && draw() < f.drop_probability) drop = true;
    if (drop) {
        // The message took effect; its reply is lost with the connection.
        ++stats_.faults_dropped;
        out_.resize(mark);
        close_now();
        return {.close = true};
    }
    return {};
}

connection_action connection_state::step_handshake() {
    const std::size_t magic_bytes = std::min(handshake_.size(), wire::bolt_magic.size());
    if (!std::equal(handshake_.begin(), handshake_.begin() + static_cast<std::ptrdiff_t>(magic_bytes),
                    wire::bolt_magic.begin())) {
        // Not a Bolt client (an HTTP request, a port scan): nothing it could read; no need to
        // wait for 20 bytes it may never send.
        last_violation_ = "bad handshake magic";
        close_now();
        return {.close = true};
    }
    if (handshake_.size() < wire::handshake_request_size) {
        if (input_ended_) {
            close_now();
            return {.close = true};
        }
        return {.need_input = true};
    }
    const auto result = wire::negotiate(
        std::span<const std::uint8_t, wire::handshake_request_size>(handshake_.data(),
                                                                    wire::handshake_request_size),
        settings_.versions);
    handshake_.clear();
    handshake_.shrink_to_fit();
    switch (result.status) {
        case wire::negotiation_status::bad_magic:
            // Not a Bolt client (an HTTP request, a port scan): nothing it could read.
            last_violation_ = "bad handshake magic";
            close_now();
            return {.close = true};
        case wire::negotiation_status::no_match:
            last_violation_ = "no common Bolt version";
            out_.insert(out_.end(), result.response.begin(), result.response.end());
            close_now();
            return {.close = true};
        case wire::negotiation_status::agreed: break;
    }
    out_.insert(out_.end(), result.response.begin(), result.response.end());
    features_ = wire::features_for(result.version);
    phase_ = connection_phase::negotiation;
    if (!pending_input_.empty()) {
        auto rest = std::move(pending_input_);
        pending_input_.clear();
        feed(rest);
    }
    return {};
}

// ---- dispatch ------------------------------------------------------------------------------------

void connection_state::handle(wire::request& r) {
    const bool goodbye = std::holds_alternative<wire::goodbye_request>(r);
    if (goodbye) {
        close_now();
        return;
    }
    switch (phase_) {
        case connection_phase::negotiation:
            if (auto* h = std::get_if<wire::hello_request>(&r)) return on_hello(*h);
            return violation("expected HELLO, got " + std::string(wire::to_string(wire::tag_of(r))));
        case connection_phase::authentication:
            if (auto* l = std::get_if<wire::logon_request>(&r)) return on_logon(l->auth);
            return violation("expected LOGON, got " + std::string(wire::to_string(wire::tag_of(r))));
        case connection_phase::failed:
            // Everything but RESET is IGNORED until RESET (Memgraph's Error state).
            if (std::holds_alternative<wire::reset_request>(r) ||
                std::holds_alternative<wire::ack_failure_request>(r))
                return on_reset();
            return ignored();
        case connection_phase::handshake:
        case connection_phase::defunct: return;
        default: break;
    }

    // READY, STREAMING, TX_READY, TX_STREAMING.
    const bool streaming =
        phase_ == connection_phase::streaming || phase_ == connection_phase::tx_streaming;
    const bool in_tx =
        phase_ == connection_phase::tx_ready || phase_ == connection_phase::tx_streaming;
    std::visit(
        [&](auto& m) {
            using T = std::decay_t<decltype(m)>;
            const auto wrong_state = [&] {
                violation(std::string(wire::to_string(wire::tag_of(r))) + " in state " +
                          std::string(to_string(phase_)));
            };
            if constexpr (std::is_same_v<T, wire::reset_request>) {
                on_reset();
            } else if constexpr (std::is_same_v<T, wire::run_request>) {
                // One open result at a time, as Memgraph ("Unexpected RUN command!" → close).
                if (streaming) return wrong_state();
                on_run(m);
            } else if constexpr (std::is_same_v<T, wire::pull_request> ||
                                 std::is_same_v<T, wire::discard_request>) {
                if (!streaming) return wrong_state();
                on_pull_or_discard(std::is_same_v<T, wire::pull_request>, m.n, m.qid);
            } else if constexpr (std::is_same_v<T, wire::begin_request>) {
                if (streaming) return wrong_state();
                if (in_tx) return failure(query::client_error_code, nested_tx);
                on_begin(m.extra);
            } else if constexpr (std::is_same_v<T, wire::commit_request>) {
                if (streaming) return wrong_state();
                if (!in_tx) return failure(query::client_error_code, no_tx_to_commit);
                on_commit();
            } else if constexpr (std::is_same_v<T, wire::rollback_request>) {
                if (streaming) return wrong_state();
                if (!in_tx) return failure(query::client_error_code, no_tx_to_rollback);
                on_rollback();
            } else if constexpr (std::is_same_v<T, wire::route_request>) {
                if (phase_ != connection_phase::ready) return wrong_state();
                on_route(m);
            } else if constexpr (std::is_same_v<T, wire::telemetry_request>) {
                if (phase_ != connection_phase::ready) return wrong_state();
                on_telemetry();
            } else if constexpr (std::is_same_v<T, wire::logoff_request>) {
                if (phase_ != connection_phase::ready) return wrong_state();
                on_logoff();
            } else {
                // HELLO, LOGON, ACK_FAILURE (not in 4+/5 anyway) after authentication.
                wrong_state();
            }
        },
        r);
}

// ---- authentication ------------------------------------------------------------------------------

bool connection_state::authenticate(const wire::map& auth) {
    auto& users = db_.users();
    if (!users.auth_required()) {
        user_.clear();
        return true;
    }
    // As Memgraph's AuthenticateUser: a missing scheme is "none", missing fields are "".
    const std::string scheme = string_or(auth, "scheme", "none");
    if (scheme != "basic" && scheme != "none") return false;
    const wire::value* principal = auth.find("principal");
    const wire::value* credentials = auth.find("credentials");
    if ((principal && !principal->is_null() && !principal->get_if<std::string>()) ||
        (credentials && !credentials->is_null() && !credentials->get_if<std::string>()))
        return false;
    const std::string name = string_or(auth, "principal", "");
    if (!users.authenticate(name, string_or(auth, "credentials", ""))) return false;
    user_ = name;
    return true;
}

void connection_state::start_session() {
    session_ = std::make_unique<query::session>(db_, user_);
    phase_ = connection_phase::ready;
}

void connection_state::on_hello(wire::hello_request& r) {
    // Memgraph closes when user_agent is missing or not a string (init.hpp GetMetadataV4/V5).
    const wire::value* agent = r.extra.find("user_agent");
    if (!agent || !agent->get_if<std::string>()) return violation("HELLO without user_agent");

    wire::map reply;
    reply.set("server", wire::value(settings_.server_agent));
    reply.set("connection_id", wire::value(connection_id_));
    if (features_.utc_patch_negotiable) {
        bool utc = false;
        if (const wire::value* patches = r.extra.find("patch_bolt"))
            if (const auto* l = patches->get_if<wire::list>())
                for (const auto& p : *l)
                    if (const auto* s = p.get_if<std::string>(); s && *s == "utc") utc = true;
        if (utc) {
            features_ = wire::features_for(features_.version, true);
            reply.set("patch_bolt", wire::list{wire::value("utc")});
        }
    }

    if (features_.logon_message) {
        // 5.1+: HELLO's auth fields are ignored (as Memgraph); LOGON carries them.
        success(reply);
        phase_ = connection_phase::authentication;
        return;
    }
    if (!authenticate(r.extra)) {
        failure(unauthenticated_code, unauthenticated_message);
        last_violation_ = "authentication failure";
        close_now();
        return;
    }
    success(reply);
    start_session();
}

void connection_state::on_logon(const wire::map& auth) {
    if (!authenticate(auth)) {
        failure(unauthenticated_code, unauthenticated_message);
        last_violation_ = "authentication failure";
        close_now();
        return;
    }
    success({});
    start_session();
}

void connection_state::on_logoff() {
    session_.reset();
    user_.clear();
    doomed_transaction_ = false;
    success({});
    phase_ = connection_phase::authentication;
}

// ---- statements and transactions -----------------------------------------------------------------

void connection_state::on_reset() {
    if (session_) session_->reset();
    doomed_transaction_ = false;
    open_qid_ = -1;
    success({});
    phase_ = connection_phase::ready;
}

void connection_state::on_run(wire::run_request& r) {
    const bool explicit_tx = phase_ == connection_phase::tx_ready;
    if (!explicit_tx) start_transaction_faults();
    try {
        auto info = session_->run(r.query, std::move(r.parameters), r.extra);  // the batch is not copied
        wire::list fields;
        fields.reserve(info.fields.size());
        for (auto& f : info.fields) fields.emplace_back(std::move(f));
        wire::map reply;
        reply.set("fields", wire::value(std::move(fields)));
        if (explicit_tx) {
            open_qid_ = next_qid_++;
            reply.set("qid", wire::value(open_qid_));
            phase_ = connection_phase::tx_streaming;
        } else {
            open_qid_ = -1;
            phase_ = connection_phase::streaming;
        }
        success(reply);
    } catch (const query::query_error& e) {
        query_failed(e.code(), e.what());
    } catch (const std::exception& e) {
        query_failed(query::database_error_code, e.what());
    }
}

void connection_state::on_pull_or_discard(bool pull, std::int64_t n, std::int64_t qid) {
    if (qid != -1 && qid != open_qid_) {
        return query_failed(query::client_error_code,
                            "No open result with qid " + std::to_string(qid) + ".");
    }
    if (injected_failure_due()) {
        ++stats_.faults_transient;
        return query_failed(storage::conflict_code, injected_transient_message);
    }
    const bool explicit_tx = phase_ == connection_phase::tx_streaming;
    const std::size_t mark = out_.size();
    try {
        rows_.clear();
        auto outcome = pull ? session_->pull(n, rows_) : session_->discard(n);
        wire::response_writer w(out_, features_);
        for (const auto& row : rows_) w.record(row);
        if (auto ec = w.error()) {
            out_.resize(mark);
            return query_failed(query::database_error_code,
                                "A result value cannot be sent with Bolt " +
                                    features_.version.to_string() + ": " + ec.message());
        }
        if (outcome.has_more) {
            success(wire::map{{"has_more", wire::value(true)}});
            return;
        }
        wire::map summary = std::move(outcome.summary);
        if (!summary.contains("has_more")) summary.set("has_more", wire::value(false));
        if (!summary.contains("db")) summary.set("db", wire::value(settings_.database_name));
        success(summary);
        open_qid_ = -1;
        phase_ = explicit_tx ? connection_phase::tx_ready : connection_phase::ready;
    } catch (const query::query_error& e) {
        out_.resize(mark);
        query_failed(e.code(), e.what());
    } catch (const std::exception& e) {
        out_.resize(mark);
        query_failed(query::database_error_code, e.what());
    }
}

void connection_state::on_begin(const wire::map& extra) {
    start_transaction_faults();
    try {
        session_->begin(extra);
        next_qid_ = 0;
        open_qid_ = -1;
        success({});
        phase_ = connection_phase::tx_ready;
    } catch (const query::query_error& e) {
        query_failed(e.code(), e.what());
    } catch (const std::exception& e) {
        query_failed(query::database_error_code, e.what());
    }
}

void connection_state::on_commit() {
    if (injected_failure_due()) {
        ++stats_.faults_transient;
        return query_failed(storage::conflict_code, injected_transient_message);
    }
    try {
        wire::map meta = session_->commit();
        success(meta);
        phase_ = connection_phase::ready;
    } catch (const query::query_error& e) {
        query_failed(e.code(), e.what());
    } catch (const std::exception& e) {
        query_failed(query::database_error_code, e.what());
    }
}

void connection_state::on_rollback() {
    doomed_transaction_ = false;
    try {
        session_->rollback();
        success({});
        phase_ = connection_phase::ready;
    } catch (const query::query_error& e) {
        query_failed(e.code(), e.what());
    } catch (const std::exception& e) {
        query_failed(query::database_error_code, e.what());
    }
}

void connection_state::on_route(const wire::route_request& r) {
    // A cluster of one: this server writes, reads and routes (issue 3).
    const wire::list addresses{wire::value(settings_.advertised_address)};
    wire::list servers;
    for (const char* role : {"WRITE", "READ", "ROUTE"})
        servers.emplace_back(wire::map{{"addresses", wire::value(addresses)},
                                       {"role", wire::value(role)}});
    wire::map rt;
    rt.set("ttl", wire::value(settings_.routing_ttl_seconds));
    if (features_.route == wire::route_layout::extra_dict)
        rt.set("db", wire::value(r.db.value_or(settings_.database_name)));
    rt.set("servers", wire::value(std::move(servers)));
    success(wire::map{{"rt", wire::value(std::move(rt))}});
}

void connection_state::on_telemetry() { success({}); }

// ---- replies -------------------------------------------------------------------------------------

void connection_state::success(const wire::map& metadata) {
    wire::response_writer(out_, features_).success(metadata);
}

void connection_state::failure(std::string_view code, std::string_view message) {
    wire::response_writer(out_, features_)
        .failure(wire::map{{"code", wire::value(code)}, {"message", wire::value(message)}});
    phase_ = connection_phase::failed;
}

void connection_state::ignored() { wire::response_writer(out_, features_).ignored(); }

void connection_state::violation(std::string detail) {
    last_violation_ = std::move(detail);
    failure(protocol_violation_code, protocol_violation_message);
    close_now();
}

void connection_state::close_now() {
    phase_ = connection_phase::defunct;
    has_pending_ = false;
    // Rolls back whatever is open, as a dropped Memgraph session does.
    session_.reset();
}

void connection_state::query_failed(std::string_view code, std::string_view message) {
    // The query layer already rolled back an implicit transaction; an explicit one stays open
    // (aborted) until RESET, as in Memgraph. The injected fault leaves nothing behind either.
    if (code == storage::conflict_code && message == injected_transient_message && session_)
        session_->reset();
    doomed_transaction_ = false;
    open_qid_ = -1;
    failure(code, message);
}

// ---- faults --------------------------------------------------------------------------------------

double connection_state::draw() {
    return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

void connection_state::start_transaction_faults() {
    const double p = settings_.faults.transient_error_probability;
    doomed_transaction_ = p > 0 && draw() < p;
}

bool connection_state::injected_failure_due() {
    if (!doomed_transaction_) return false;
    doomed_transaction_ = false;
    return true;
}

}  // namespace server::bolt
