// The exceptions the client throws at its API edge, and the one place that decides what a
// server FAILURE means (its class, whether a retry can help, whether it is a write conflict).
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace bolt {

class map;

/// What kind of error an attempt ended with. The first four come from a server FAILURE; the
/// rest are raised by the client itself.
enum class error_class : std::uint8_t {
    client,               // ClientError: the request was wrong; retrying it will not help
    transient,            // TransientError (after the driver rewrites): retrying may succeed
    database,             // DatabaseError, or a code the driver cannot parse
    auth,                 // authentication failed (a ClientError by code, but the loader exits 3)
    service_unavailable,  // could not connect, or the connection died before COMMIT was sent
    session_expired,      // the session can no longer serve its purpose (e.g. lost mid-stream)
    incomplete_commit,    // the connection died after COMMIT was sent: the outcome is unknown
    protocol,             // the peer broke the Bolt protocol
    usage,                // the caller misused the API (e.g. read a consumed result)
    other,                // not a bolt::error at all (thrown by the caller's own code)
};

std::string_view to_string(error_class c);

/// Everything the retry logic needs to know about one FAILURE.
struct failure_info {
    error_class cls = error_class::database;
    bool retryable = false;
    bool conflict = false;
    friend bool operator==(const failure_info&, const failure_info&) = default;
};

/// Classifies a server FAILURE exactly as the Neo4j Python driver (5.x) does, with one
/// deliberate difference noted below.
/// - `code` must have 4 dot-separated parts, else it is a DatabaseError (Memgraph's
///   two-part `Memgraph.ExecutionException` lands here).
/// - Rewrites first: `Neo.TransientError.Transaction.Terminated` and `.LockClientStopped` become
///   ClientError (not retryable); `Neo.ClientError.Security.AuthorizationExpired` becomes
///   TransientError (retryable: a fresh login fixes it).
/// - The 2nd part picks the class: ClientError, TransientError, DatabaseError; any other word
///   is treated as DatabaseError (Python falls back to its bare base class, equally unretryable).
/// - auth: `Neo.ClientError.Security.Unauthorized`, `.AuthorizationFailed`, `.TokenExpired` (the
///   codes Python maps to AuthError), and `Memgraph.ClientError.Security.Unauthenticated`.
///   Python gives the Memgraph code a plain ClientError because it only maps `Neo.*` codes; we
///   call it auth because that is what it is, and the loader must exit with status 3 on it
///   instead of dead-lettering every batch as a query error.
/// - retryable: transient, except Memgraph's memory-limit error ("Memory limit exceeded" in the
///   message), which Memgraph sends with the TransientError code although retrying the same
///   batch only exhausts memory again.
/// - conflict: the message contains "Cannot resolve conflicting transactions" (Memgraph's MVCC
///   write-write conflict, every release) or "Unable to commit due to serialization error"
///   (Memgraph's commit-time wording), or the code is Neo4j's
///   `Neo.TransientError.Transaction.DeadlockDetected`. A conflict is retryable only when its
///   class is transient: Memgraph <= 2.11 sent conflicts as ClientError, and the commit-time
///   wording still arrives as ClientError; like the Python driver, we do not retry those.
failure_info classify_failure(std::string_view code, std::string_view message) noexcept;

/// The class alone; same rules as classify_failure.
error_class classify(std::string_view code, std::string_view message) noexcept;

/// The code the driver reports after the rewrites above (e.g. the Terminated rewrite).
std::string_view rewritten_code(std::string_view code) noexcept;

/// What a FAILURE means for a routing driver's table (the official drivers' rules):
/// `not_writer` — the server is no longer (or never was) the writer: it stops being one for the
/// database (Neo.ClientError.Cluster.NotALeader, .General.ForbiddenOnReadOnlyDatabase);
/// `forget_server` — its database is unavailable: it leaves the table
/// (Neo.TransientError.General.DatabaseUnavailable). Either way the retry asks the routers again.
enum class routing_effect : std::uint8_t { none, not_writer, forget_server };
routing_effect routing_effect_of(std::string_view code) noexcept;

/// Router errors caused by the request itself, so that asking another router would get the same
/// answer and discovery stops (the official drivers' list: unknown database, bad bookmarks, type
/// and argument errors, invalid requests, security errors but an expired authorization), and
/// Memgraph's client errors, e.g. "not part of a cluster" from a standalone instance, which the
/// user must see as it is.
bool fatal_during_discovery(std::string_view code) noexcept;

/// Code and message of a FAILURE, read from either layout: <= 5.6 `{code, message}`, 5.7+ (GQL)
/// `{neo4j_code, message, description, gql_status, ...}`. Missing parts get the Python driver's
/// placeholders ("Neo.DatabaseError.General.UnknownError", "An unknown error occurred").
struct failure_details {
    std::string code;
    std::string message;
    std::optional<std::string> gql_status;
};
failure_details failure_from_metadata(const map& metadata);

/// Removes secrets a message may carry: the password in `scheme://user:password@host`; every
/// quoted literal from `IDENTIFIED` or `PASSWORD` to the end of that statement (`SET PASSWORD FOR
/// u TO 'x'`, `PASSWORD FROM 'a' TO 'b'`); the value after `credentials`, `access_token`,
/// `id_token`, and any `password: value`. Every error constructor applies it, so no what() text
/// shows a credential, even when a server echoes the query back.
std::string redact_credentials(std::string_view text);

// ---- the exception hierarchy -----------------------------------------------------------------

/// Base of everything the client throws. Server errors carry the FAILURE code and message;
/// client-side errors have an empty code.
class error : public std::runtime_error {
public:
    const std::string& code() const noexcept { return code_; }
    const std::string& server_message() const noexcept { return server_message_; }
    error_class classification() const noexcept { return info_.cls; }
    bool is_retryable() const noexcept { return info_.retryable; }
    bool is_conflict() const noexcept { return info_.conflict; }
    const failure_info& info() const noexcept { return info_; }

protected:
    /// A server error: what() is "code: message".
    error(std::string code, std::string message);
    /// A client-side error of class `cls`: what() is the message.
    error(error_class cls, bool retryable, std::string message);

private:
    std::string code_;
    std::string server_message_;
    failure_info info_;
};

/// A FAILURE from the server. Build these with make_server_error / throw_server_error so the
/// dynamic type always matches classify().
class server_error : public error {
public:
    server_error(std::string code, std::string message)
        : error(std::move(code), std::move(message)) {}
};

class client_error : public server_error {
public:
    using server_error::server_error;
};

class auth_error : public client_error {
public:
    using client_error::client_error;
};

class transient_error : public server_error {
public:
    using server_error::server_error;
};

class database_error : public server_error {
public:
    using server_error::server_error;
};

/// No server could be reached, or the connection broke before COMMIT was sent. Retryable.
class service_unavailable : public error {
public:
    explicit service_unavailable(std::string message)
        : error(error_class::service_unavailable, true, std::move(message)) {}
};

/// The session lost its connection in a way a new attempt on a new connection can fix. Retryable.
class session_expired : public error {
public:
    explicit session_expired(std::string message)
        : error(error_class::session_expired, true, std::move(message)) {}
};

/// The connection died after COMMIT was sent and before its reply: the transaction may or may
/// not have committed. Never retried (a retry could apply the batch twice); the loader reports
/// the batch as "unknown outcome". Deliberately not a service_unavailable (Python's
/// IncompleteCommit is one) so that `catch (service_unavailable&)` cannot retry it by accident.
class incomplete_commit : public error {
public:
    explicit incomplete_commit(std::string message)
        : error(error_class::incomplete_commit, false, std::move(message)) {}
};

/// The peer sent something Bolt does not allow (bad bytes, unexpected message, unknown summary
/// type). Client-side: it carries no server code.
class protocol_error : public error {
public:
    explicit protocol_error(std::string message)
        : error(error_class::protocol, false, std::move(message)) {}
};

/// The caller misused the API: reading a consumed result, a second stream on one session, an
/// invalid retry policy.
class usage_error : public error {
public:
    explicit usage_error(std::string message)
        : error(error_class::usage, false, std::move(message)) {}
};

/// The exception that classify() picks for this FAILURE, ready to rethrow.
std::exception_ptr make_server_error(std::string code, std::string message);
[[noreturn]] void throw_server_error(std::string code, std::string message);
/// failure_from_metadata + throw_server_error.
[[noreturn]] void throw_failure(const map& metadata);

}  // namespace bolt
