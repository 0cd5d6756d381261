// Result summaries: what the final SUCCESS of a stream says about the query (counters,
// notifications, query type, timings), with the Neo4j Python driver's names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bolt/value.hpp"

namespace bolt {

/// Update counters, parsed from the dashed `stats` keys ("nodes-created" -> nodes_created).
/// Memgraph sends `stats` only when some counter is non-zero, and then all seven of its keys.
struct summary_counters {
    std::int64_t nodes_created = 0;
    std::int64_t nodes_deleted = 0;
    std::int64_t relationships_created = 0;
    std::int64_t relationships_deleted = 0;
    std::int64_t properties_set = 0;
    std::int64_t labels_added = 0;
    std::int64_t labels_removed = 0;
    std::int64_t indexes_added = 0;
    std::int64_t indexes_removed = 0;
    std::int64_t constraints_added = 0;
    std::int64_t constraints_removed = 0;
    std::int64_t system_updates = 0;

    /// The server's own `contains-updates` / `contains-system-updates`, when it sent them.
    std::optional<bool> server_contains_updates;
    std::optional<bool> server_contains_system_updates;

    /// Which counters the server reported (bit i = i-th counter above, in declaration order);
    /// to_string prints exactly these, as the Python driver's repr does.
    std::uint16_t reported = 0;

    /// The server's flag if sent, else whether any counter except system_updates is non-zero.
    bool contains_updates() const;
    /// The server's flag if sent, else system_updates > 0.
    bool contains_system_updates() const;

    /// Sums every counter (a batch's summaries, a worker's batches).
    summary_counters& operator+=(const summary_counters& other);
    friend summary_counters operator+(summary_counters a, const summary_counters& b) {
        return a += b;
    }
    friend bool operator==(const summary_counters&, const summary_counters&) = default;
};

/// Reads a `stats` map. Unknown keys are ignored; a known key with a non-integer value (or a
/// non-boolean contains-* flag) throws protocol_error.
summary_counters parse_counters(const map& stats);

// clang-format off
/// Prints like the Python driver's repr in the Memgraph guide:
/// {'labels_added': 1, 'labels_removed': 0, 'nodes_created': 1, 'nodes_deleted': 0, 'properties_set': 0, 'relationships_created': 0, 'relationships_deleted': 0}
/// Only reported counters appear (so "{}" for a read), in alphabetical order (the order Memgraph
/// sends them in).
// clang-format on
std::string to_string(const summary_counters& c);

struct notification_position {
    std::int64_t offset = -1;  // -1: the server's data could not be read (as in the Python driver)
    std::int64_t line = -1;
    std::int64_t column = -1;
    friend bool operator==(const notification_position&, const notification_position&) = default;
};

struct notification {
    std::string severity;  // "INFO", "WARNING", "INFORMATION", ... as sent
    std::string code;
    std::string title;
    std::string description;
    std::string category;  // Neo4j 5 only; empty when absent
    std::optional<notification_position> position;
    friend bool operator==(const notification&, const notification&) = default;
};

struct server_info {
    std::string address;  // "host:port" the connection went to
    std::string agent;    // HELLO SUCCESS `server`, e.g. "Neo4j/v5.11.0 compatible ... - Memgraph"
    std::string protocol_version;  // negotiated Bolt version, e.g. "5.2"
    std::string connection_id;     // HELLO SUCCESS `connection_id`, e.g. "bolt-1"
    friend bool operator==(const server_info&, const server_info&) = default;
};

enum class query_type : std::uint8_t { read_only, read_write, write_only, schema_write };

/// "r", "rw", "w", "s" -> the type; anything else -> nullopt.
std::optional<query_type> parse_query_type(std::string_view s);
/// The wire spelling: "r", "rw", "w", "s".
std::string_view to_string(query_type t);

struct result_summary {
    std::string query;
    map parameters;
    /// Absent when the server sent no `type` (Memgraph always sends one).
    std::optional<bolt::query_type> query_type;
    summary_counters counters;
    std::vector<notification> notifications;
    server_info server;
    std::optional<std::string> database;  // `db`
    /// Milliseconds, from `t_first` / `t_last`. Memgraph sends neither.
    std::optional<std::int64_t> result_available_after;
    std::optional<std::int64_t> result_consumed_after;
    /// The raw metadata (RUN SUCCESS merged with the final SUCCESS, the latter winning), so
    /// Memgraph's parsing_time, planning_time, plan_execution_time, cost_estimate, run_id are
    /// there.
    map metadata;

    /// A number from `metadata` (integer or float), e.g. metadata_number("plan_execution_time").
    std::optional<double> metadata_number(std::string_view key) const;
};

/// What the summary needs that the server does not repeat at the end of a stream.
struct summary_context {
    std::string query;
    map parameters;
    server_info server;
};

/// Builds the summary from the final PULL/DISCARD SUCCESS metadata, optionally merged with the
/// RUN SUCCESS metadata (where Neo4j puts `t_first`). Throws protocol_error on a `type` other
/// than r/rw/w/s (as the Python driver does), or on malformed `stats` / `notifications`.
result_summary parse_summary(const map& final_metadata, summary_context context = {});
result_summary parse_summary(const map& run_metadata, const map& final_metadata,
                             summary_context context = {});

}  // namespace bolt
