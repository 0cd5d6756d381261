// One Bolt connection of the embedded server, sans-I/O: bytes in (handshake, then chunked
// messages), bytes out, plus "wait" and "close now". It runs the server state machine (reference
// §3.3, with Memgraph's choices from §3.4), authenticates against the database's users, drives a
// query::session and injects the testbed faults. The Asio layer (server.cpp) only moves bytes.
//
//     connection_state c(db, settings, 1);
//     auto in = c.prepare(n); /* read into in */ c.commit(got);
//     for (;;) {
//         auto a = c.step();
//         // send c.output() (then c.clear_output()) before waiting or closing
//         if (a.pause.count()) wait(a.pause);
//         if (a.close) { close(); break; }
//         if (a.need_input) break;   // read more, commit, step again
//     }
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bolt/chunking.hpp"
#include "bolt/messages.hpp"
#include "bolt/packstream.hpp"
#include "bolt/protocol.hpp"
#include "server/bolt/options.hpp"
#include "server/query/session.hpp"

namespace server::bolt {

/// The server states of the Bolt spec, plus the handshake before them.
enum class connection_phase : std::uint8_t {
    handshake,       // waiting for the 20-byte preamble and version proposals
    negotiation,     // version agreed, waiting for HELLO (CONNECTED before 5.1)
    authentication,  // 5.1+: HELLO done, waiting for LOGON (also after LOGOFF)
    ready,
    streaming,
    tx_ready,
    tx_streaming,
    failed,
    defunct,         // closed: nothing more is read or answered
};

std::string_view to_string(connection_phase p) noexcept;

/// Memgraph's answer to malformed input and protocol violations (reference §3.4).
inline constexpr std::string_view protocol_violation_code = "Memgraph.ExecutionException";
inline constexpr std::string_view protocol_violation_message =
    "Something went wrong while executing the query! Check the server logs for more details.";
/// The server already serves --max-connections connections (transient: try again later).
inline constexpr std::string_view server_full_code = "Memgraph.TransientError.General.ServerFull";
/// A request holding a string that is not UTF-8 (Bolt strings are UTF-8).
inline constexpr std::string_view invalid_utf8_code = "Memgraph.ClientError.MemgraphError.MemgraphError";
inline constexpr std::string_view unauthenticated_code =
    "Memgraph.ClientError.Security.Unauthenticated";
inline constexpr std::string_view unauthenticated_message = "Authentication failure";

/// What the I/O layer does next. Send output() first in every case (it may be empty).
struct connection_action {
    bool need_input = false;              // no complete message buffered: read more
    bool close = false;                   // then close the connection
    std::chrono::milliseconds pause{0};   // then wait this long and call step() again
};

/// Counters a test (or a log line) can look at.
struct connection_stats {
    std::uint64_t messages = 0;           // decoded requests
    std::uint64_t faults_transient = 0;
    std::uint64_t faults_dropped = 0;
    std::uint64_t faults_stalled = 0;
    std::uint64_t faults_delayed = 0;
};

class connection_state {
public:
    /// `ordinal` numbers connections of one server from 1: it names the connection ("bolt-N")
    /// and seeds its fault generator. `settings` must outlive the connection.
    connection_state(query::database& db, const connection_settings& settings,
                     std::uint64_t ordinal);
    ~connection_state();
    connection_state(const connection_state&) = delete;
    connection_state& operator=(const connection_state&) = delete;

    /// Space to read into (at least `min_free` bytes), then commit() how many arrived.
    std::span<std::uint8_t> prepare(std::size_t min_free = 16 * 1024);
    void commit(std::size_t n);
    /// prepare + copy + commit, for tests and the fuzzer.
    void feed(std::span<const std::uint8_t> bytes);
    /// The peer closed its side: nothing more will come.
    void end_of_input();

    /// Handles at most one request (or the handshake) and says what to do.
    connection_action step();

    /// Bytes to send, accumulated over steps until cleared.
    const ::bolt::buffer& output() const noexcept { return out_; }
    void clear_output() noexcept { out_.clear(); }

    connection_phase phase() const noexcept { return phase_; }
    /// Valid once the handshake is done.
    ::bolt::protocol_version version() const noexcept { return features_.version; }
    const std::string& connection_id() const noexcept { return connection_id_; }
    const connection_stats& stats() const noexcept { return stats_; }
    /// The authenticated user ("" while access control is off or before authentication).
    const std::string& user() const noexcept { return user_; }
    /// Why the connection was closed by the server (protocol violation, auth failure), for logs.
    const std::string& last_violation() const noexcept { return last_violation_; }
    /// HELLO (and LOGON) succeeded: the peer is a client that got in.
    bool authenticated() const noexcept;
    /// Answer the client's first message after the handshake with FAILURE(code, message) and
    /// close: how a full server tells a Bolt client why, where closing at once would show up
    /// as "connection reset by peer".
    void refuse(std::string code, std::string message);

private:
    connection_action step_handshake();
    void handle(::bolt::request& r);
    void on_hello(::bolt::hello_request& r);
    void on_logon(const ::bolt::map& auth);
    void on_logoff();
    void on_reset();
    void on_run(::bolt::run_request& r);
    void on_pull_or_discard(bool pull, std::int64_t n, std::int64_t qid);
    void on_begin(const ::bolt::map& extra);
    void on_commit();
    void on_rollback();
    void on_route(const ::bolt::route_request& r);
    void on_telemetry();

    bool authenticate(const ::bolt::map& auth);
    void start_session();
    bool ready_like() const noexcept;
    void success(const ::bolt::map& metadata);
    void failure(std::string_view code, std::string_view message);
    void ignored();
    /// FAILURE Memgraph.ExecutionException, then close.
    void violation(std::string detail);
    /// Clean close without a reply (GOODBYE, drop).
    void close_now();
    /// Called when a query_error (or any exception) reached us from the session.
    void query_failed(std::string_view code, std::string_view message);
    void start_transaction_faults();
    bool injected_failure_due();
    double draw();

    query::database& db_;
    const connection_settings& settings_;
    std::uint64_t ordinal_;
    std::string connection_id_;

    connection_phase phase_ = connection_phase::handshake;
    ::bolt::protocol_features features_{};
    ::bolt::buffer handshake_;
    std::size_t handshake_prepared_ = 0;
    ::bolt::buffer pending_input_;  // fed past a complete, not yet stepped handshake
    ::bolt::message_reader reader_;
    ::bolt::buffer out_;
    bool input_ended_ = false;
    bool closing_ = false;

    std::string user_;
    std::unique_ptr<query::session> session_;
    ::bolt::request request_;  // the decoded request being handled
    bool has_pending_ = false;  // request_ is decoded but not handled yet (a pause came first)
    std::string last_violation_;
    std::optional<std::pair<std::string, std::string>> refusal_;  // code, message
    std::vector<::bolt::list> rows_;
    std::int64_t next_qid_ = 0;   // per explicit transaction, as Memgraph numbers statements
    std::int64_t open_qid_ = -1;

    // Faults.
    std::mt19937_64 rng_;
    bool doomed_transaction_ = false;  // transient fault pending for the current transaction
    bool stalled_ = false;             // the one stall already happened
    bool pause_served_ = false;        // the pause for the message at hand is over
    connection_stats stats_;
};

}  // namespace server::bolt
