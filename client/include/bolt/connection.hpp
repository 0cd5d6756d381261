// One Bolt connection: handshake, HELLO/LOGON, pipelined requests and their responses.
// It is the only place that turns protocol bytes into socket I/O. Requests are appended to an
// output buffer and flushed together, so BEGIN+RUN+PULL+COMMIT cost one write; responses come
// back in request order and are matched to the queue of requests still waiting for an answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "bolt/auth.hpp"
#include "bolt/chunking.hpp"
#include "bolt/handshake.hpp"
#include "bolt/messages.hpp"
#include "bolt/protocol.hpp"
#include "bolt/summary.hpp"
#include "bolt/transport.hpp"
#include "bolt/value.hpp"

namespace bolt {

struct connection_options {
    auth_token auth = auth_token::none();
    std::string user_agent = "boltload/0.1";
    /// Routing context for neo4j:// (sent in HELLO); nullopt for bolt://.
    std::optional<map> routing_context;
    /// Proposals, newest first; empty = the default 5.4..5.0, 4.4..4.2, 4.1.
    std::vector<version_range> versions;
    packstream::limits limits;
    std::size_t max_message_bytes = 256u << 20;
    /// The transport's read timeout once the connection is open (0 = none); a server's
    /// connection.recv_timeout_seconds hint replaces it.
    std::chrono::milliseconds read_timeout{0};
    /// The handshake and authentication must be done by then (the pool's acquisition timeout).
    std::optional<std::chrono::steady_clock::time_point> setup_deadline;
};

/// A response and the request it answers.
struct response_event {
    message_tag request = message_tag::reset;
    response body;
};

enum class connection_state { ready, failed, defunct, closed };

class connection {
public:
    /// Handshake, HELLO (and LOGON on 5.1+). Throws service_unavailable when the server is
    /// unreachable or speaks no common version, auth_error when authentication fails.
    static std::unique_ptr<connection> open(std::unique_ptr<transport> t,
                                            const connection_options& options);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    protocol_version version() const { return version_; }
    const protocol_features& features() const { return features_; }
    const server_info& server() const { return server_; }
    const address& remote() const { return transport_->remote(); }
    connection_state state() const { return state_; }
    bool is_usable() const { return state_ == connection_state::ready && pending_.empty(); }
    /// Bolt 5.4+ and the server's HELLO hints asked for TELEMETRY ("telemetry.enabled").
    bool telemetry_enabled() const { return features_.telemetry && server_wants_telemetry_; }

    // ---- requests: appended to the output buffer, sent by flush() (or receive()) ----
    void send_run(std::string_view query, const map& parameters, const map& extra);
    void send_pull(std::int64_t n, std::int64_t qid = -1);
    void send_discard(std::int64_t n, std::int64_t qid = -1);
    void send_begin(const map& extra);
    void send_commit();
    void send_rollback();
    void send_reset();
    void send_route(const map& routing, const list& bookmarks, const std::optional<std::string>& db,
                    const std::optional<std::string>& imp_user);
    void send_telemetry(std::int64_t api);

    /// Writes everything queued. Throws service_unavailable on I/O errors (connection defunct).
    void flush();
    /// Reads the next response (flushing first). RECORDs leave their request pending; SUCCESS,
    /// FAILURE and IGNORED complete it. After a FAILURE the state is `failed` until recover().
    /// Throws service_unavailable on I/O errors or protocol_error on a malformed message.
    response_event& receive();
    /// Requests sent or queued that still await their final response.
    std::size_t pending() const { return pending_.size(); }
    /// The request the next response will answer; only meaningful when pending() > 0.
    message_tag next_pending() const { return pending_.front(); }

    /// Drains outstanding responses, then RESET if the connection failed (or `force`): back to
    /// ready. Marks the connection defunct and returns false when that is not possible.
    bool recover(bool force = false);
    /// A cheap round trip (RESET) that proves the connection works; false if it does not.
    bool ping();
    /// GOODBYE (if possible) and close. Never throws.
    void close() noexcept;

    std::chrono::steady_clock::time_point created_at() const { return created_at_; }
    std::chrono::steady_clock::time_point last_used() const { return last_used_; }
    /// Bytes written and read, for benchmarks and reports.
    std::uint64_t bytes_sent() const { return bytes_sent_; }
    std::uint64_t bytes_received() const { return bytes_received_; }

private:
    connection(std::unique_ptr<transport> t, const connection_options& options);
    void handshake(const connection_options& options);
    /// Bounds the next reads by what is left until the setup deadline, if there is one.
    void limit_reads_to(const std::optional<std::chrono::steady_clock::time_point>& deadline,
                        std::chrono::milliseconds otherwise);
    void authenticate(const connection_options& options);
    void expect(message_tag request) { pending_.push_back(request); }
    request_writer writer();
    [[noreturn]] void fail_io(std::error_code ec, std::string_view what);

    std::unique_ptr<transport> transport_;
    protocol_version version_{};
    protocol_features features_{};
    server_info server_;
    connection_state state_ = connection_state::ready;
    bool server_wants_telemetry_ = false;
    bool server_set_read_timeout_ = false;
    buffer out_;
    message_reader reader_;
    packstream::limits limits_;
    std::deque<message_tag> pending_;
    response_event event_;
    std::chrono::steady_clock::time_point created_at_;
    std::chrono::steady_clock::time_point last_used_;
    std::uint64_t bytes_sent_ = 0;
    std::uint64_t bytes_received_ = 0;
};

}  // namespace bolt
