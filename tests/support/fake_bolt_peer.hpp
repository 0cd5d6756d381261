// An in-process Bolt peer behind bolt::transport: it decodes what the client writes and answers
// through a handler, so connection, session and driver logic run without sockets. Like Memgraph
// it allows one open stream at a time and drops the connection on a RUN, BEGIN or COMMIT while
// a stream is open. It can fail any I/O call and hand out reads in small pieces.
#pragma once

#include <bolt/chunking.hpp>
#include <bolt/handshake.hpp>
#include <bolt/messages.hpp>
#include <bolt/transport.hpp>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bolt::testing {

/// What the peer saw and did, shared with the test (the transport itself is owned by the client).
struct peer_log {
    std::vector<request> requests;
    std::vector<message_tag> tags;
    int writes = 0;         // write() calls, the handshake included
    int io_calls = 0;       // write() and read_some() calls
    bool closed_by_client = false;
    bool dropped = false;   // the peer hung up (protocol violation)
    std::size_t count(message_tag t) const { return std::count(tags.begin(), tags.end(), t); }
};

class fake_bolt_peer : public transport {
public:
    /// Gets each request and the writer for its answers; `streaming` tells whether a stream is open.
    using handler = std::function<void(const request&, response_writer&)>;

    fake_bolt_peer(protocol_version version, handler h, std::shared_ptr<peer_log> log)
        : version_(version), handler_(std::move(h)), log_(std::move(log)) {}

    int fail_at_io = -1;                 // this I/O call (0-based) fails with connection_reset
    std::size_t max_read = 1u << 20;     // bytes per read_some at most
    bool reply_no_version = false;       // answer the handshake with 00 00 00 00

    std::error_code write(byte_view data) override {
        if (closed_) return std::make_error_code(std::errc::not_connected);
        if (log_->io_calls++ == fail_at_io) return fail();
        ++log_->writes;
        if (!handshaken_) {
            handshaken_ = true;
            if (data.size() < 20 || data[0] != 0x60 || data[1] != 0x60) return drop();
            const std::uint8_t reply[4] = {0, 0, static_cast<std::uint8_t>(reply_no_version ? 0 : version_.minor),
                                           static_cast<std::uint8_t>(reply_no_version ? 0 : version_.major)};
            out_.insert(out_.end(), reply, reply + 4);
            data = data.subspan(20);
        }
        auto space = reader_.prepare(data.size());
        std::memcpy(space.data(), data.data(), data.size());
        reader_.commit(data.size());
        std::error_code ec;
        while (auto message = reader_.next(ec)) {
            request r;
            if (decode_request(*message, version_, packstream::limits{}, r)) return drop();
            log_->requests.push_back(r);
            log_->tags.push_back(tag_of(r));
            if (std::holds_alternative<goodbye_request>(r)) {
                log_->closed_by_client = true;
                continue;
            }
            if (violates_single_stream(r)) return drop();
            buffer replies;
            response_writer w(replies, features_for(version_).dialect);
            const bool is_reset = std::holds_alternative<reset_request>(r);
            if (failed_ && !is_reset) {
                w.ignored();  // FAILED state: everything but RESET is IGNORED
            } else {
                handler_(r, w);
                track_streams(r, replies);
                failed_ = !is_reset && contains_failure(replies);
            }
            out_.insert(out_.end(), replies.begin(), replies.end());
        }
        return ec;
    }

    std::error_code read_some(std::span<std::uint8_t> into, std::size_t& n) override {
        n = 0;
        if (closed_) return std::make_error_code(std::errc::not_connected);
        if (log_->io_calls++ == fail_at_io) return fail();
        if (out_.empty()) return std::make_error_code(std::errc::connection_aborted);  // would hang
        n = std::min({into.size(), out_.size(), max_read});
        std::copy_n(out_.begin(), n, into.begin());
        out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(n));
        return {};
    }

    void set_read_timeout(std::chrono::milliseconds) override {}
    void close() override { closed_ = true; }
    const address& remote() const override { return address_; }

private:
    std::error_code fail() {
        closed_ = true;
        return std::make_error_code(std::errc::connection_reset);
    }
    std::error_code drop() {
        log_->dropped = true;
        closed_ = true;
        return std::make_error_code(std::errc::connection_reset);
    }
    // Memgraph closes the connection on RUN/BEGIN/COMMIT while a result stream is open.
    bool violates_single_stream(const request& r) const {
        return stream_open_ && (std::holds_alternative<run_request>(r) ||
                                std::holds_alternative<begin_request>(r) ||
                                std::holds_alternative<commit_request>(r));
    }
    void track_streams(const request& r, const buffer& replies) {
        // A RUN answered with SUCCESS opens a stream; a PULL/DISCARD whose reply ends with a
        // SUCCESS without has_more:true closes it; FAILURE closes it; RESET closes it.
        const bool failed = contains_failure(replies);
        if (std::holds_alternative<run_request>(r)) stream_open_ = !failed;
        else if (std::holds_alternative<pull_request>(r) || std::holds_alternative<discard_request>(r))
            stream_open_ = !failed && ends_with_has_more(replies);
        else if (std::holds_alternative<reset_request>(r)) stream_open_ = false;
    }
    static bool contains_failure(const buffer& replies) {
        return scan(replies, [](const response& resp) { return std::holds_alternative<failure_message>(resp); });
    }
    static bool ends_with_has_more(const buffer& replies) {
        bool more = false;
        scan(replies, [&](const response& resp) {
            if (auto* s = std::get_if<success_message>(&resp)) {
                const value* v = s->metadata.find("has_more");
                more = v && v->get_if<bool>() && *v->get_if<bool>();
            }
            return false;
        });
        return more;
    }
    template <class F>
    static bool scan(const buffer& bytes, F&& f) {
        if (bytes.empty()) return false;  // a handler that answered nothing (a silent peer)
        message_reader reader;
        auto space = reader.prepare(bytes.size());
        std::memcpy(space.data(), bytes.data(), bytes.size());
        reader.commit(bytes.size());
        std::error_code ec;
        bool hit = false;
        while (auto m = reader.next(ec)) {
            response resp;
            if (!decode_response(*m, packstream::dialect{}, packstream::limits{}, resp) && f(resp)) hit = true;
        }
        return hit;
    }

    protocol_version version_;
    handler handler_;
    std::shared_ptr<peer_log> log_;
    address address_{"fake", 7687};
    bool handshaken_ = false;
    bool closed_ = false;
    bool stream_open_ = false;
    bool failed_ = false;
    message_reader reader_;
    std::deque<std::uint8_t> out_;
};

/// A handler with Memgraph-like defaults for everything the test does not override.
struct scripted_server {
    std::function<void(const run_request&, response_writer&)> on_run;
    std::function<void(const pull_request&, response_writer&)> on_pull;
    std::function<void(response_writer&)> on_commit;
    std::function<void(const map& auth, response_writer&)> on_auth;
    std::function<void(const route_request&, response_writer&)> on_route;
    std::function<void(const begin_request&, response_writer&)> on_begin;
    std::function<void(response_writer&)> on_telemetry;
    /// Added to HELLO's SUCCESS (e.g. "hints").
    map hello_metadata;

    void operator()(const request& r, response_writer& w) const {
        std::visit([&](const auto& m) { handle(m, w); }, r);
    }

private:
    void handle(const hello_request& h, response_writer& w) const {
        if (h.extra.contains("scheme") && on_auth) return on_auth(h.extra, w);
        map metadata{{"server", "Neo4j/v5.11.0 compatible graph database server - Memgraph"},
                     {"connection_id", "bolt-1"}};
        for (const auto& [k, v] : hello_metadata) metadata.set(k, v);
        w.success(std::move(metadata));
    }
    void handle(const logon_request& l, response_writer& w) const {
        if (on_auth) return on_auth(l.auth, w);
        w.success(map{});
    }
    void handle(const run_request& r, response_writer& w) const {
        if (on_run) return on_run(r, w);
        w.success(map{{"fields", list{"n"}}});
    }
    void handle(const pull_request& p, response_writer& w) const {
        if (on_pull) return on_pull(p, w);
        w.record(list{1});
        w.success(map{{"type", "r"}, {"has_more", false}});
    }
    void handle(const discard_request&, response_writer& w) const {
        w.success(map{{"type", "r"}, {"has_more", false}});
    }
    void handle(const commit_request&, response_writer& w) const {
        if (on_commit) return on_commit(w);
        w.success(map{});
    }
    void handle(const route_request& r, response_writer& w) const {
        if (on_route) return on_route(r, w);
        w.failure(map{{"code", "Memgraph.ClientError.MemgraphError.MemgraphError"},
                      {"message", "You cannot fetch routing table from an instance which is not "
                                  "part of a cluster."}});
    }
    void handle(const begin_request& b, response_writer& w) const {
        if (on_begin) return on_begin(b, w);
        w.success(map{});
    }
    void handle(const telemetry_request&, response_writer& w) const {
        if (on_telemetry) return on_telemetry(w);
        w.success(map{});
    }
    template <class M>
    void handle(const M&, response_writer& w) const {
        w.success(map{});
    }
};

}  // namespace bolt::testing
