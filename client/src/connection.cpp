// Bolt connection: handshake, authentication, pipelined requests, response dispatch, recovery.
#include "bolt/connection.hpp"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <array>

#include "bolt/errors.hpp"
#include "bolt/handshake.hpp"

namespace bolt {

namespace {

std::vector<version_range> default_versions() {
    // Newest first: 5.4..5.0, 4.4..4.2, 4.1 — Memgraph answers 5.2 (or 4.4 on >= 3.12, 4.3 before).
    return {version_range{{5, 4}, 4}, version_range{{4, 4}, 2}, version_range{{4, 1}, 0}};
}

std::string platform_string() {
    utsname u{};
    if (uname(&u) != 0) return "Linux";
    return fmt::format("{} {}; {}", u.sysname, u.release, u.machine);
}

std::string string_or(const map& m, std::string_view key, std::string fallback = {}) {
    if (const value* v = m.find(key))
        if (const auto* s = v->get_if<std::string>()) return *s;
    return fallback;
}

}  // namespace

connection::connection(std::unique_ptr<transport> t, const connection_options& options)
    : transport_(std::move(t)),
      reader_(options.max_message_bytes),
      limits_(options.limits),
      created_at_(std::chrono::steady_clock::now()),
      last_used_(created_at_) {}

connection::~connection() { close(); }

std::unique_ptr<connection> connection::open(std::unique_ptr<transport> t,
                                             const connection_options& options) {
    std::unique_ptr<connection> c(new connection(std::move(t), options));
    c->limit_reads_to(options.setup_deadline, options.read_timeout);
    c->handshake(options);
    c->limit_reads_to(options.setup_deadline, options.read_timeout);
    c->authenticate(options);
    if (!c->server_set_read_timeout_) c->transport_->set_read_timeout(options.read_timeout);
    return c;
}

void connection::limit_reads_to(const std::optional<std::chrono::steady_clock::time_point>& deadline,
                                std::chrono::milliseconds otherwise) {
    if (!deadline) return;
    using std::chrono::milliseconds;
    const auto left = std::max(std::chrono::duration_cast<milliseconds>(*deadline - std::chrono::steady_clock::now()),
                               milliseconds{1});
    transport_->set_read_timeout(otherwise.count() > 0 ? std::min(otherwise, left) : left);
}

void connection::fail_io(std::error_code ec, std::string_view what) {
    state_ = connection_state::defunct;
    const std::string where = transport_ ? transport_->remote().to_string() : std::string("?");
    if (transport_) transport_->close();
    throw service_unavailable(fmt::format("connection to {} failed while {}: {}", where, what,
                                          describe(ec)));
}

void connection::handshake(const connection_options& options) {
    const auto versions = options.versions.empty() ? default_versions() : options.versions;
    const auto request = make_handshake_request(versions);
    if (auto ec = transport_->write(byte_view(request.data(), request.size())))
        fail_io(ec, "sending the Bolt handshake");
    bytes_sent_ += request.size();

    std::array<std::uint8_t, 4> reply{};
    std::size_t got = 0;
    while (got < reply.size()) {
        std::size_t n = 0;
        if (auto ec = transport_->read_some(std::span(reply).subspan(got), n)) {
            if (got == 0 && is_eof(ec)) {
                state_ = connection_state::defunct;
                throw service_unavailable(fmt::format(
                    "the server at {} closed the connection during the Bolt handshake "
                    "(it speaks none of the proposed versions, or it is not a Bolt server)",
                    transport_->remote().to_string()));
            }
            fail_io(ec, "reading the Bolt handshake reply");
        }
        got += n;
    }
    bytes_received_ += reply.size();
    const auto v = parse_handshake_response(std::span<const std::uint8_t, 4>(reply));
    if (!v) {
        if (auto other = recognise_non_bolt_reply(std::span<const std::uint8_t, 4>(reply))) {
            state_ = connection_state::defunct;
            throw service_unavailable(fmt::format("the server at {} is not a Bolt server: it is {}",
                                                  transport_->remote().to_string(), *other));
        }
        state_ = connection_state::defunct;
        throw service_unavailable(fmt::format(
            "the server at {} supports none of the proposed Bolt versions",
            transport_->remote().to_string()));
    }
    if (!proposal_covers(versions, *v)) {
        state_ = connection_state::defunct;
        throw protocol_error(fmt::format(
            "unexpected Bolt handshake reply {:02x} {:02x} {:02x} {:02x} from {} (not a version "
            "that was proposed; is this a Bolt server?)",
            reply[0], reply[1], reply[2], reply[3], transport_->remote().to_string()));
    }
    version_ = *v;
    features_ = features_for(version_);
}

void connection::authenticate(const connection_options& options) {
    map hello;
    hello.set("user_agent", options.user_agent);
    if (features_.bolt_agent)
        hello.set("bolt_agent", map{{"product", "boltload/0.1.0"},
                                    {"platform", platform_string()},
                                    {"language", "C++/20"}});
    if (options.routing_context) hello.set("routing", *options.routing_context);
    // Bolt 4.3 and 4.4 can switch to the UTC DateTime layout when the server accepts the patch.
    if (features_.utc_patch_negotiable) hello.set("patch_bolt", list{"utc"});
    if (!features_.logon_message)
        for (const auto& [k, v] : options.auth.to_wire()) hello.set(k, v);

    auto w = writer();
    w.hello(hello);
    expect(message_tag::hello);
    if (features_.logon_message) {
        w.logon(options.auth.to_wire());
        expect(message_tag::logon);
    }
    if (auto ec = w.error()) throw usage_error(fmt::format("cannot encode HELLO: {}", ec.message()));

    auto handle_auth_reply = [&](const response_event& e, bool carries_server_info) {
        if (const auto* f = std::get_if<failure_message>(&e.body)) {
            state_ = connection_state::defunct;
            transport_->close();
            const auto failure = failure_from_metadata(f->metadata);
            if (failure.code.empty()) throw protocol_error("authentication failed without an error code");
            // Never the credentials: only the scheme and principal reach the message.
            throw_server_error(failure.code,
                               fmt::format("{} (connecting to {} with {})", failure.message,
                                           transport_->remote().to_string(),
                                           options.auth.to_string()));
        }
        const auto* s = std::get_if<success_message>(&e.body);
        if (!s) {
            state_ = connection_state::defunct;
            throw protocol_error("unexpected reply to HELLO/LOGON");
        }
        if (!carries_server_info) return;
        server_.address = transport_->remote().to_string();
        server_.agent = string_or(s->metadata, "server");
        server_.connection_id = string_or(s->metadata, "connection_id");
        server_.protocol_version = version_.to_string();
        if (const value* patches = s->metadata.find("patch_bolt"))
            if (const auto* l = patches->get_if<list>())
                for (const auto& p : *l)
                    if (p == value("utc")) features_ = features_for(version_, true);
        if (const value* hints = s->metadata.find("hints"))
            if (const auto* h = hints->get_if<map>()) {
                if (const value* t = h->find("connection.recv_timeout_seconds"))
                    if (const auto* secs = t->get_if<std::int64_t>(); secs && *secs > 0) {
                        transport_->set_read_timeout(std::chrono::seconds(*secs));
                        server_set_read_timeout_ = true;
                    }
                if (const value* t = h->find("telemetry.enabled"))
                    server_wants_telemetry_ = t->get_if<bool>() && *t->get_if<bool>();
            }
    };
    handle_auth_reply(receive(), true);
    if (features_.logon_message) handle_auth_reply(receive(), false);
}

request_writer connection::writer() { return request_writer(out_, features_); }

void connection::send_run(std::string_view query, const map& parameters, const map& extra) {
    const auto mark = out_.size();
    auto w = writer();
    w.run(query, parameters, extra);
    if (auto ec = w.error()) {
        out_.resize(mark);
        throw usage_error(fmt::format("the query parameters cannot be sent: {}", ec.message()));
    }
    expect(message_tag::run);
}

void connection::send_pull(std::int64_t n, std::int64_t qid) {
    writer().pull(n, qid);
    expect(message_tag::pull);
}

void connection::send_discard(std::int64_t n, std::int64_t qid) {
    writer().discard(n, qid);
    expect(message_tag::discard);
}

void connection::send_begin(const map& extra) {
    const auto mark = out_.size();
    auto w = writer();
    w.begin(extra);
    if (auto ec = w.error()) {
        out_.resize(mark);
        throw usage_error(fmt::format("the transaction metadata cannot be sent: {}", ec.message()));
    }
    expect(message_tag::begin);
}

void connection::send_commit() {
    writer().commit();
    expect(message_tag::commit);
}

void connection::send_rollback() {
    writer().rollback();
    expect(message_tag::rollback);
}

void connection::send_reset() {
    writer().reset();
    expect(message_tag::reset);
}

void connection::send_route(const map& routing, const list& bookmarks,
                            const std::optional<std::string>& db,
                            const std::optional<std::string>& imp_user) {
    // Bolt < 4.3 has no ROUTE (and 4.3 no imp_user in it): nothing would be written, and
    // waiting for the reply would never end.
    const auto mark = out_.size();
    auto w = writer();
    w.route(routing, bookmarks, db, imp_user);
    if (auto ec = w.error()) {
        out_.resize(mark);
        throw protocol_error(fmt::format("cannot fetch a routing table over Bolt {}: {}",
                                         version_.to_string(), ec.message()));
    }
    expect(message_tag::route);
}

void connection::send_telemetry(std::int64_t api) {
    writer().telemetry(api);
    expect(message_tag::telemetry);
}

void connection::flush() {
    if (out_.empty()) return;
    if (state_ == connection_state::defunct || state_ == connection_state::closed)
        throw service_unavailable("the connection is closed");
    if (auto ec = transport_->write(byte_view(out_.data(), out_.size())))
        fail_io(ec, "sending a request");
    bytes_sent_ += out_.size();
    out_.clear();
}

response_event& connection::receive() {
    flush();
    if (pending_.empty()) throw usage_error("receive() with no request awaiting a response");
    for (;;) {
        std::error_code ec;
        if (auto message = reader_.next(ec)) {
            if (auto dec = decode_response(*message, features_.dialect, limits_, event_.body)) {
                state_ = connection_state::defunct;
                transport_->close();
                throw protocol_error(fmt::format("malformed message from {}: {}",
                                                 transport_->remote().to_string(), dec.message()));
            }
            event_.request = pending_.front();
            last_used_ = std::chrono::steady_clock::now();
            if (std::holds_alternative<record_message>(event_.body)) {
                if (event_.request != message_tag::pull) {
                    state_ = connection_state::defunct;
                    throw protocol_error("the server sent a RECORD that answers no PULL");
                }
                return event_;
            }
            pending_.pop_front();
            if (std::holds_alternative<failure_message>(event_.body)) state_ = connection_state::failed;
            return event_;
        }
        if (ec) {
            state_ = connection_state::defunct;
            transport_->close();
            throw protocol_error(fmt::format("invalid message stream from {}: {}",
                                             transport_->remote().to_string(), ec.message()));
        }
        auto space = reader_.prepare();
        std::size_t n = 0;
        if (auto rec = transport_->read_some(space, n)) fail_io(rec, "reading a response");
        reader_.commit(n);
        bytes_received_ += n;
    }
}

bool connection::recover(bool force) {
    if (state_ == connection_state::defunct || state_ == connection_state::closed) return false;
    try {
        // RESET goes out right away; everything queued before it answers first (IGNORED after a
        // FAILURE), then RESET's own SUCCESS brings the connection back to READY.
        const bool reset = force || state_ == connection_state::failed;
        if (reset) send_reset();
        bool reset_ok = !reset;
        while (!pending_.empty()) {
            const auto& e = receive();
            if (e.request == message_tag::reset && pending_.empty())
                reset_ok = std::holds_alternative<success_message>(e.body);
        }
        if (!reset_ok) {
            state_ = connection_state::defunct;
            return false;
        }
        state_ = connection_state::ready;
        return true;
    } catch (const std::exception&) {
        state_ = connection_state::defunct;
        return false;
    }
}

bool connection::ping() { return recover(true); }

void connection::close() noexcept {
    if (state_ == connection_state::closed || !transport_) return;
    try {
        if (state_ != connection_state::defunct) {
            out_.clear();
            writer().goodbye();
            (void)transport_->write(byte_view(out_.data(), out_.size()));
            out_.clear();
        }
    } catch (...) {
    }
    transport_->close();
    state_ = connection_state::closed;
}

}  // namespace bolt
