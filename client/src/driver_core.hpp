// Internals shared by driver, session, transaction and result: the connection pool, routing,
// and the state objects behind the public handles.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bolt/auth.hpp"
#include "bolt/config.hpp"
#include "bolt/connection.hpp"
#include "bolt/record.hpp"
#include "bolt/routing.hpp"
#include "bolt/session.hpp"
#include "bolt/summary.hpp"
#include "bolt/transport.hpp"
#include "bolt/uri.hpp"

namespace bolt::detail {

using clock = std::chrono::steady_clock;

/// Connections per address, bounded; idle ones are reused newest-first. Thread-safe.
class connection_pool {
public:
    /// Opens a connection that must be ready (handshake and authentication done) by `deadline`.
    using factory = std::function<std::unique_ptr<connection>(const address&, clock::time_point deadline)>;
    connection_pool(const driver_config& config, factory make);
    ~connection_pool();

    /// An idle healthy connection to `addr`, or a new one while under the size limit; otherwise
    /// waits until one is released or the acquisition timeout passes. `verify_idle` proves an
    /// idle connection with a RESET round trip first (connectivity checks).
    std::unique_ptr<connection> acquire(const address& addr, bool verify_idle = false);
    /// Back to the pool if it is still usable; closed otherwise.
    void release(const address& addr, std::unique_ptr<connection> c);
    /// Closes the idle connections to addr (a server that failed).
    void forget(const address& addr);
    void close_idle();
    std::size_t open_connections() const;
    /// In use and idle connections to one address ("host:port").
    std::pair<std::size_t, std::size_t> metrics(std::string_view address) const;

private:
    struct per_address {
        std::vector<std::unique_ptr<connection>> idle;
        std::size_t in_use = 0;
    };
    bool healthy(connection& c, clock::time_point now, bool verify) const;

    driver_config config_;
    factory make_;
    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::map<std::string, per_address> by_address_;
};

class driver_core : public std::enable_shared_from_this<driver_core> {
public:
    driver_core(uri parsed, auth_token auth, driver_config config);

    /// A connection for a transaction in `mode` on `database` (routing drivers pick a server
    /// from the routing table, fetching it first when stale).
    std::pair<address, std::unique_ptr<connection>> acquire(access_mode mode,
                                                            const std::string& database,
                                                            const std::string& imp_user,
                                                            const std::vector<std::string>& bookmarks = {});
    void release(const address& addr, std::unique_ptr<connection> c);
    /// Routing drivers: asks a router for the home database of `imp_user` (a fresh ROUTE with no
    /// database, as each official driver's session does before its first transaction) and keeps
    /// the table. Returns its name; empty when the server does not say (Bolt < 4.4, Memgraph).
    std::string resolve_home_database(const std::string& imp_user, const std::vector<std::string>& bookmarks);
    /// A connection to a server proven to answer, for verify_connectivity/get_server_info:
    /// direct drivers RESET a pooled connection first; routing drivers fetch a fresh table and
    /// try every reader in turn (never the writers).
    std::pair<address, std::unique_ptr<connection>> acquire_verified();
    /// A server that failed: drop it from routing tables and its idle connections.
    void on_server_failure(const address& addr);
    /// A server that answers but cannot serve its database now: drop it from the routing tables.
    void forget_server(const address& addr);
    /// A server that refused a write (NotALeader, ForbiddenOnReadOnlyDatabase): no longer a writer.
    void on_write_failure(const address& addr);

    const driver_config& config() const { return config_; }
    const uri& target() const { return uri_; }
    connection_pool& pool() { return pool_; }
    std::unique_ptr<connection> open_connection(const address& addr, clock::time_point deadline);

private:
    routing_table& fresh_table(access_mode mode, const std::string& database, const std::string& imp_user,
                               const std::vector<std::string>& bookmarks, std::unique_lock<std::mutex>& lock);
    routing_table fetch_table(const std::string& database, const std::string& imp_user,
                              const std::vector<std::string>& bookmarks = {});
    /// Stores a table fetched for `database`, also under the name it resolved to.
    routing_table& store_table(const std::string& database, routing_table fetched);

    uri uri_;
    auth_token auth_;
    driver_config config_;
    connection_pool pool_;
    std::mutex routing_mutex_;
    std::map<std::string, routing_table> tables_;
    std::size_t round_robin_ = 0;
};

struct session_state;

/// Whether a result can still be read, as the official drivers decide it.
enum class stream_scope {
    open,
    consumed,           // consume() was called: the records nobody read are gone
    transaction_ended,  // its transaction committed, rolled back or closed
    session_closed,     // the session closed while it was still streaming
};

/// One RUN's stream of records. Shared by the result handle and the session/transaction that
/// must drain it before the connection can be used for anything else.
struct result_stream {
    session_state* session = nullptr;  // valid while the connection is held (see session_state)
    connection* conn = nullptr;
    std::shared_ptr<const std::vector<std::string>> keys;
    std::deque<record> buffered;
    std::int64_t qid = -1;
    std::int64_t fetch_size = 1000;
    bool pull_in_flight = false;
    bool has_more = true;
    bool finished = false;
    bool in_transaction = false;
    stream_scope scope = stream_scope::open;
    std::string query;
    map parameters;
    map metadata;  // RUN SUCCESS merged with the final PULL/DISCARD SUCCESS
    map failure;   // the FAILURE's metadata when the stream failed on the server
    std::optional<result_summary> summary;
    std::exception_ptr error;

    /// Reads responses until the outstanding PULL (or DISCARD) completes; sends one if needed.
    /// Returns false when the stream is finished.
    bool fetch_batch(bool discard = false);
    /// Reads everything into `buffered` so the connection is free.
    void buffer_all();
    /// DISCARDs what the server has not sent yet and drops what is buffered.
    void discard_rest();
    /// Throws usage_error when the result can no longer be read (consumed, transaction over).
    void check_readable() const;
    /// Throws the stored error, if any.
    void rethrow() const;
    result_summary& finish_summary();
};

enum class tx_status { active, failed, committed, rolled_back };

/// TELEMETRY's API numbers (Bolt 5.4): which driver API a call came through.
enum class telemetry_api : std::int64_t { managed_transaction = 0, unmanaged_transaction = 1, auto_commit = 2, execute_query = 3 };

struct transaction_state {
    session_state* session = nullptr;
    tx_status status = tx_status::active;
    /// Every result this transaction produced: they go out of scope when it ends.
    std::vector<std::weak_ptr<result_stream>> results;

    /// The transaction is over: its results can no longer be read.
    void end_results();
};

struct session_state {
    std::shared_ptr<driver_core> core;
    session_config config;
    std::unique_ptr<connection> conn;
    address conn_address;
    access_mode conn_mode = access_mode::write;
    std::shared_ptr<result_stream> open_result;  // the stream holding the connection, if any
    std::shared_ptr<transaction_state> open_tx;
    std::vector<std::string> bookmarks;
    retry_observer observer;
    bool closed = false;
    bool home_database_resolved = false;
    /// The API call in progress owes the server one TELEMETRY until a server acknowledges it; a
    /// managed transaction's retries do not send it again.
    std::optional<telemetry_api> telemetry_owed;
    /// What execute_read/execute_write report: driver::execute_query's session says so.
    telemetry_api managed_api = telemetry_api::managed_transaction;

    ~session_state();
    connection& acquire(access_mode mode);
    /// Drains the open stream so the connection can take a new request.
    void drain_open_result();
    /// Called by a stream when its last response arrived (or it failed).
    void on_stream_finished(result_stream* stream, bool failed);
    /// Returns the connection to the pool once nothing is using it.
    void release();
    /// After an error: recover or drop the connection. `failure` (the FAILURE's metadata, when
    /// there was one) may also say the server is not a writer.
    void handle_failure(const map* failure = nullptr);
    std::int64_t fetch_size() const;
    /// Queues the TELEMETRY owed, when the driver allows it and the server asked for it; true when
    /// queued, and then read_telemetry_reply() must come before the next answer is read.
    bool queue_telemetry(connection& c);
    /// Reads TELEMETRY's answer; a FAILURE is thrown after recovering the connection.
    void read_telemetry_reply(connection& c);
    map begin_extra(access_mode mode, const transaction_config& tx) const;
};

void merge_into(map& target, const map& source);

/// Throws the error a FAILURE's metadata describes (classified like the official drivers).
[[noreturn]] void raise_failure(const map& metadata);

}  // namespace bolt::detail
