// The query layer's face to the Bolt layer: a database (storage, users, options) shared by all
// connections, and one query session per Bolt connection that runs statements, streams their
// records and reports Memgraph-style summaries. No I/O here (the sans-I/O rule).
//
// How the Bolt layer drives it (one thread at a time per session; many sessions concurrently):
//
//     server::query::database db({.storage = {...}});
//     server::query::session s(db, "alice");             // after authentication
//     auto info = s.run("UNWIND $batch AS row CREATE ...", params, extra);  // RUN → SUCCESS{fields}
//     std::vector<bolt::list> rows;
//     auto done = s.pull(1000, rows);                    // PULL → RECORD* + SUCCESS{summary}
//     s.begin(extra); s.run(...); s.pull(-1, rows); s.commit();   // explicit transaction
//     s.reset();                                         // RESET: drop result, roll back
//
// Every method reports a FAILURE by throwing query_error with Memgraph's code and message; the
// session is then still usable after reset() (what the Bolt layer does on RESET).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bolt/value.hpp"
#include "server/storage.hpp"
#include "server/users.hpp"

namespace server::query {

/// A FAILURE to send: `code` is Memgraph's (e.g. "Memgraph.ClientError.MemgraphError.MemgraphError",
/// storage::conflict_code), `what()` the message.
class query_error : public std::runtime_error {
public:
    query_error(std::string code, const std::string& message)
        : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const noexcept { return code_; }

private:
    std::string code_;
};

/// Memgraph's codes for errors the query layer raises.
inline constexpr std::string_view client_error_code = "Memgraph.ClientError.MemgraphError.MemgraphError";
inline constexpr std::string_view syntax_error_code = "Memgraph.ClientError.MemgraphError.MemgraphError";
inline constexpr std::string_view database_error_code = "Memgraph.DatabaseError.MemgraphError.MemgraphError";

struct database_options {
    storage::config storage;
};

/// One per server: the graph, the users, and the parsed-query cache.
class database {
public:
    explicit database(database_options options = {});
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    storage::storage& graph() noexcept;
    storage::user_store& users() noexcept;

    struct impl;  // opaque: storage plus the parsed-query cache

private:
    friend class session;
    std::unique_ptr<impl> impl_;
};

/// What RUN answers: SUCCESS {fields, t_first}.
struct run_info {
    std::vector<std::string> fields;
    std::int64_t t_first_ms = 0;
};

/// What PULL/DISCARD answer after the records: SUCCESS {has_more: true} while records remain,
/// else the summary metadata (type, stats when something changed, parsing_time, planning_time,
/// plan_execution_time, notifications), to which the Bolt layer adds bookmark/db as it sees fit.
struct stream_outcome {
    bool has_more = false;
    bolt::map summary;
};

class session {
public:
    /// `user` is the authenticated user name (empty when access control is off).
    session(database& db, std::string user = {});
    ~session();  // rolls back whatever is open
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // ---- explicit transactions (BEGIN / COMMIT / ROLLBACK) -------------------------------------
    /// `extra` is BEGIN's map (tx_timeout, tx_metadata, mode, db, bookmarks).
    void begin(const bolt::map& extra);
    /// Commits; returns extra SUCCESS metadata (empty for Memgraph). Throws on a constraint
    /// violation (the transaction is then rolled back).
    bolt::map commit();
    void rollback();
    bool in_explicit_transaction() const noexcept;

    // ---- statements ----------------------------------------------------------------------------
    /// Parses (cached per query text) and prepares; outside an explicit transaction it starts an
    /// implicit one that commits when the stream is exhausted. Syntax and semantic errors throw
    /// here. Only one result may be open at a time (Memgraph's rule).
    run_info run(std::string_view text, const bolt::map& parameters, const bolt::map& extra);
    /// The same, taking the parameters over: a large `$batch` is then never copied.
    run_info run(std::string_view text, bolt::map&& parameters, const bolt::map& extra);
    /// Appends up to n records (n = -1: all) to `out`. Execution errors (conflicts, deleted
    /// objects, type errors) throw here; an implicit transaction is then rolled back.
    stream_outcome pull(std::int64_t n, std::vector<bolt::list>& out);
    /// Like pull without records: the statement still runs to the end (its writes happen).
    stream_outcome discard(std::int64_t n);
    bool has_open_result() const noexcept;

    /// RESET: drops the open result and rolls back any transaction.
    void reset() noexcept;

    const std::string& user() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace server::query
