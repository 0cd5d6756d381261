// The coordinator <-> boltload-worker protocol: what a worker is told to do (connection, phase,
// source), the messages both sides exchange, and their encoding as one JSON object per line.
// Encoding and decoding are pure functions; worker/PROTOCOL.md documents the format.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "bolt/auth.hpp"
#include "bolt/config.hpp"
#include "bolt/retry.hpp"
#include "boltload/mix_and_batch.hpp"
#include "boltload/source_spec.hpp"

namespace boltload {

// ---- What the configure message carries (the config loader fills the same structs) ----------

/// The spellings the config and the protocol share: "string", "int", "float", "bool", "list",
/// "date", "datetime", "skip"; "sequential", "uniform", "zipf", "hotspot"; "int", "float",
/// "string", "bool"; "nodes", "relationships". The parsers take exactly these.
std::string_view to_string(column_type t);
std::optional<column_type> parse_column_type(std::string_view s);
std::string_view to_string(distribution_kind k);
std::optional<distribution_kind> parse_distribution_kind(std::string_view s);
std::string_view to_string(generated_type t);
std::optional<generated_type> parse_generated_type(std::string_view s);
std::string_view to_string(generate_spec::entity e);
std::optional<generate_spec::entity> parse_entity(std::string_view s);

/// How the worker authenticates: the schemes bolt::auth_token offers. Credentials travel over
/// the worker's stdin pipe only and are never logged.
struct auth_spec {
    std::string scheme = "none";  ///< none, basic, bearer, or any custom scheme (Memgraph SSO)
    std::string principal;        ///< basic: the user name
    std::string credentials;      ///< basic: the password; bearer/custom: the token
    std::string realm;
    friend bool operator==(const auth_spec&, const auth_spec&) = default;
};

/// Everything a worker needs to open its one Bolt session.
struct connection_spec {
    std::string uri = "bolt://127.0.0.1:7687";
    auth_spec auth;
    std::string database;                ///< empty: the server's default
    std::optional<std::string> ca_file;  ///< PEM trust anchors for bolt+s/neo4j+s
    std::chrono::milliseconds connect_timeout{30'000};
    std::chrono::milliseconds read_timeout{0};                     ///< 0: wait forever
    std::optional<std::chrono::milliseconds> transaction_timeout;  ///< server-side; unset: default
    std::int64_t fetch_size = 1000;
    std::string user_agent = "boltload/0.1";
    friend bool operator==(const connection_spec&, const connection_spec&) = default;
};

bolt::auth_token to_auth_token(const auth_spec& a);
/// The driver settings for `c` (timeouts, CA file, fetch size, user agent).
bolt::driver_config to_driver_config(const connection_spec& c);

/// How each batch runs. Only explicit and managed transactions are retried (the guide's advice).
enum class transaction_mode : std::uint8_t {
    explicit_,  ///< BEGIN + RUN + PULL + COMMIT, retried by the phase's policy (default)
    managed,    ///< the same as a driver-managed transaction function
    implicit,   ///< auto-commit RUN: needed for index/storage-mode statements; never retried
};
/// "explicit", "managed", "implicit".
std::string_view to_string(transaction_mode m);
std::optional<transaction_mode> parse_transaction_mode(std::string_view s);

/// A retry block as the user wrote it: the policy kind and the settings given explicitly (by
/// their YAML names, which are bolt::retry_policy's field names). Unset settings take the kind's
/// defaults.
struct retry_spec {
    bolt::retry_kind kind = bolt::retry_kind::memgraph;
    std::map<std::string, double> settings;
    friend bool operator==(const retry_spec&, const retry_spec&) = default;
};

/// The client's policy for a retry block: retry_policy::defaults(kind), then every setting.
/// An unknown name or a value a field cannot hold goes into `problems` (the policy keeps its
/// default for it); the caller still has to call validate() on the result.
bolt::retry_policy to_retry_policy(const retry_spec& r,
                                   std::vector<std::string>* problems = nullptr);

/// What a worker needs for a Mix and Batch phase's counting and partition passes.
struct mix_work {
    mnb::structure structure = mnb::structure::monopartite;
    mnb::grouping grouping = mnb::grouping::greedy;
    std::string spill_dir;     ///< absolute: count, groups and partition files
    std::string source_field;  ///< the row fields holding the endpoints' node keys
    std::string target_field;
    friend bool operator==(const mix_work&, const mix_work&) = default;
};

/// What a worker does with a bad row (a record that is malformed, longer than max_row_bytes, or
/// has a value that does not convert to its column's type, invalid UTF-8 included).
enum class bad_row_policy : std::uint8_t {
    stop,  ///< the chunk fails with a fatal `input` error (exit 2): the default
    skip,  ///< the row is reported with its batch's result and left out; the rest of the batch goes ahead
};
/// "stop", "skip".
std::string_view to_string(bad_row_policy p);
std::optional<bad_row_policy> parse_bad_row_policy(std::string_view s);

/// What one phase asks of every worker.
struct phase_work {
    std::string name;
    std::string query;
    std::string parameter = "batch";  ///< the query parameter holding the batch's rows
    std::int64_t batch_size = 1000;
    transaction_mode transaction = transaction_mode::explicit_;
    retry_spec retry;
    source_spec source;
    /// Replaying the query is harmless (MERGE): a batch whose commit outcome is unknown is run
    /// again (explicit transactions), and a batch in doubt after a worker died is replayed.
    bool idempotent = false;
    bad_row_policy on_bad_row = bad_row_policy::stop;
    /// Set for a Mix and Batch phase.
    std::optional<mix_work> mix;
};

// ---- Messages ---------------------------------------------------------------------------------

/// 3: bad rows (phase.on_bad_row, csv.max_row_bytes, batch_begin.bad, batch_result.bad_rows).
inline constexpr int protocol_version = 3;

/// Both sides send this first; each checks the other's version.
struct hello {
    int protocol = protocol_version;
    std::string program;  ///< "boltload 0.1" / "boltload-worker 0.1", for error messages
    friend bool operator==(const hello&, const hello&) = default;
};

/// coordinator → worker: connect and get ready for chunks of this phase.
struct configure {
    int worker_id = 0;
    connection_spec connection;
    phase_work phase;
    /// The run journal: the worker appends each batch's begin to it before the batch can commit
    /// (empty: no journal, as in tests).
    std::string journal;
    /// Seeds the retry jitter of explicit transactions (with worker_id), so waits can be drawn
    /// again (config `seed`); unset: the worker seeds itself from the system.
    std::optional<std::uint64_t> retry_seed;
};

/// A slice of a CSV file: bytes [begin, end), the first record starting on physical line
/// first_line (1-based, for error messages).
struct csv_range {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;  ///< a compressed file: csv_source::unknown_size (to its end)
    std::uint64_t first_line = 1;
    std::uint32_t file = 0;  ///< index into csv_files(spec)
    friend bool operator==(const csv_range&, const csv_range&) = default;
};

/// Generated rows first .. first+count-1 (row i depends only on the seed and i).
struct generate_range {
    std::int64_t first = 0;
    std::int64_t count = 0;
    friend bool operator==(const generate_range&, const generate_range&) = default;
};

/// Rows of one cell from one partitioned chunk: bytes [begin, end) of part-<chunk>.rows (CSV
/// records; for generated rows, 8-byte row indices) and rows [first_row, first_row + rows) of
/// the chunk's partition (CSV: their lines in part-<chunk>.lines).
struct cell_slice {
    std::uint64_t chunk = 0;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::uint64_t first_row = 0;
    std::uint64_t rows = 0;
    friend bool operator==(const cell_slice&, const cell_slice&) = default;
};

/// A Mix and Batch cell: its rows from every chunk, in chunk order.
struct cell_range {
    std::vector<cell_slice> slices;
    friend bool operator==(const cell_range&, const cell_range&) = default;
};

/// What to do with a chunk: run its batches (load), or, for Mix and Batch, count its endpoint
/// keys' degrees (count) or write its rows to their cells' spill files (partition).
enum class chunk_task : std::uint8_t { load, count, partition };
std::string_view to_string(chunk_task t);
std::optional<chunk_task> parse_chunk_task(std::string_view s);

/// coordinator → worker: one unit of work. Batches are the chunk's rows cut every batch_size,
/// so batch indices are stable: a chunk handed out again after a worker died lists the batches
/// whose outcome is already known in skip_batches and the new worker does not redo them.
struct chunk {
    std::uint64_t chunk_id = 0;
    std::variant<csv_range, generate_range, cell_range> range;
    std::vector<std::uint32_t> skip_batches;  ///< ascending
    /// Batches in doubt (their worker died after being allowed to start them): not run, but
    /// reported with outcome unknown and their rows, for the .unknown file. Ascending.
    std::vector<std::uint32_t> unknown_batches;
    chunk_task task = chunk_task::load;
    std::uint32_t groups = 0;  ///< partition: the node groups (greedy: groups.bin in the spill dir)
    friend bool operator==(const chunk&, const chunk&) = default;
};


/// coordinator → worker: finish the chunks already sent, close the session, exit 0.
struct shutdown {
    friend bool operator==(const shutdown&, const shutdown&) = default;
};

/// worker → coordinator: connected and authenticated, ready for chunks.
struct ready {
    std::string server_agent;  ///< what the server said in HELLO's SUCCESS
    std::string bolt_version;  ///< "5.2"
    friend bool operator==(const ready&, const ready&) = default;
};

enum class batch_outcome : std::uint8_t {
    committed,
    failed,   ///< gave up (not retryable, or retries exhausted): rows go to the dead-letter file
    unknown,  ///< the connection died after COMMIT was sent: it may or may not have committed
};
std::string_view to_string(batch_outcome o);
std::optional<batch_outcome> parse_batch_outcome(std::string_view s);

/// A row of the batch that could not be read or converted (on_bad_row: skip): it is not in the
/// transaction; the coordinator writes it to <phase>.bad-rows.csv and its error to
/// <phase>.bad-rows.errors.jsonl.
struct bad_row {
    std::uint64_t line = 0;    ///< physical line where the record starts
    std::uint64_t column = 0;  ///< 1-based field where it went wrong; 0: the whole record
    std::string error;         ///< "users.csv:17: column 'age' (3): expected an integer, got \"abc\""
    std::string text;          ///< the record as in the file, without its line end (any bytes)
    std::string file;          ///< the input file it is in
    friend bool operator==(const bad_row&, const bad_row&) = default;
};

/// worker → coordinator: how one batch (one transaction) ended. `rows` counts every record of
/// the batch's slice of the chunk, bad ones included: batches are cut every batch_size records,
/// so their numbers never depend on which rows are bad.
struct batch_result {
    std::uint64_t chunk_id = 0;
    std::uint32_t batch = 0;  ///< index within the chunk, from 0
    std::uint64_t rows = 0;
    batch_outcome outcome = batch_outcome::committed;
    std::uint32_t attempts = 1;  ///< 0 only for a batch in doubt reported without running
    std::uint32_t conflicts = 0;        ///< failed attempts that were write-write conflicts
    std::uint32_t other_transient = 0;  ///< other retryable failures
    std::uint64_t backoff_wait_ms = 0;  ///< time slept between attempts
    std::uint64_t latency_us = 0;       ///< first attempt's start to the last attempt's end
    std::map<std::string, std::int64_t> counters;  ///< the server's summary stats, summed
    std::string error_code;  ///< the last failure's code (failed/unknown), e.g. Memgraph.Transi…
    std::string error;       ///< the last failure's message
    /// failed/unknown only: the batch's rows in the input's format (CSV: each record's raw text
    /// without its line end; generated: each row as a JSON object), for the dead-letter file.
    std::vector<std::string> dead_letter_rows;
    std::uint64_t first_line = 0;  ///< CSV: the physical line of the batch's first record
    std::string file;              ///< CSV, failed/unknown only: the file of that record
    /// Of `rows`, how many were bad (not sent): the outcome's rows are rows - bad.
    std::uint64_t bad = 0;
    /// The bad rows themselves (left out of the journal, which keeps only `bad`).
    std::vector<bad_row> bad_rows;
    std::uint64_t good_rows() const { return rows - std::min(bad, rows); }
    friend bool operator==(const batch_result&, const batch_result&) = default;
};

/// worker → coordinator: the batch starts. Its begin is already in the journal (the worker wrote
/// it), so this only tells the coordinator which batch is in doubt if the worker dies now.
struct batch_begin {
    std::uint64_t chunk_id = 0;
    std::uint32_t batch = 0;
    std::uint64_t rows = 0;
    std::uint64_t first_line = 0;  ///< CSV: the physical line of the batch's first record
    std::uint64_t bad = 0;         ///< of `rows`, bad ones (not in the transaction)
    friend bool operator==(const batch_begin&, const batch_begin&) = default;
};

/// worker → coordinator: every batch of the chunk has been reported.
struct chunk_done {
    std::uint64_t chunk_id = 0;
    std::uint64_t rows = 0;     ///< rows read from the chunk (skipped batches included)
    std::uint32_t batches = 0;  ///< batches in the chunk (skipped ones included)
    friend bool operator==(const chunk_done&, const chunk_done&) = default;
};

/// worker → coordinator: a count task is done: the degrees of its `keys` distinct endpoint keys
/// are in count-<chunk>.bin in the spill dir.
struct counted {
    std::uint64_t chunk_id = 0;
    std::uint64_t rows = 0;
    std::uint64_t keys = 0;
    friend bool operator==(const counted&, const counted&) = default;
};

/// One cell's share of a partitioned chunk.
struct cell_part {
    mnb::cell cell;
    std::uint64_t begin = 0;  ///< bytes of part-<chunk>.rows
    std::uint64_t end = 0;
    std::uint64_t first_row = 0;
    std::uint64_t rows = 0;
    friend bool operator==(const cell_part&, const cell_part&) = default;
};

/// worker → coordinator: a partition task is done: its rows are in part-<chunk>.rows grouped by
/// cell, each cell's part listed (cells without rows are not).
struct partitioned {
    std::uint64_t chunk_id = 0;
    std::uint64_t rows = 0;
    std::vector<cell_part> cells;
    friend bool operator==(const partitioned&, const partitioned&) = default;
};

/// worker → coordinator, now and then while a chunk runs: cumulative within the chunk.
struct progress {
    std::uint64_t chunk_id = 0;
    std::uint64_t rows_done = 0;
    std::uint64_t bytes_done = 0;  ///< CSV only
    friend bool operator==(const progress&, const progress&) = default;
};

/// Why a worker gives up entirely. The coordinator's exit code follows the kind.
enum class fatal_kind : std::uint8_t {
    connect,  ///< could not connect (exit 3)
    auth,     ///< authentication failed (exit 3)
    config,   ///< the configure message cannot be used, e.g. a bad URI (exit 2)
    input,  ///< the chunk's data cannot be read or converted (the file, line and column say where)
    protocol,  ///< a malformed or unexpected message, or a version mismatch
    internal,
};
std::string_view to_string(fatal_kind k);
std::optional<fatal_kind> parse_fatal_kind(std::string_view s);

/// worker → coordinator: the worker stops after sending this.
struct fatal {
    fatal_kind kind = fatal_kind::internal;
    std::string message;
    std::optional<std::uint64_t> chunk_id;  ///< set when a chunk caused it
    friend bool operator==(const fatal&, const fatal&) = default;
};

using coordinator_message = std::variant<hello, configure, chunk, shutdown>;
using worker_message =
    std::variant<hello, ready, batch_begin, batch_result, chunk_done, progress, fatal, counted, partitioned>;

/// One JSON object and a '\n'.
std::string encode(const coordinator_message& m);
std::string encode(const worker_message& m);

/// Decodes one line (with or without its '\n'). On failure returns nullopt and sets `error` to a
/// sentence naming what is wrong ("chunk: field 'chunk_id' must be a non-negative integer").
/// Never throws on any input.
std::optional<coordinator_message> decode_coordinator_message(std::string_view line,
                                                              std::string& error);
std::optional<worker_message> decode_worker_message(std::string_view line, std::string& error);

/// A batch_result's fields as one JSON object (the journal keeps results in the same shape), and
/// back; the reverse never throws and names the first bad field in `error`.
nlohmann::ordered_json to_json(const batch_result& r);
std::optional<batch_result> batch_result_from_json(const nlohmann::json& j, std::string& error);

/// The journal line of a batch's begin, as the worker appends it and journal::decode reads it:
/// {"t":"begin","phase":..,"chunk":..,"batch":..,"rows":..,"worker":..[,"first_line":..]}.
nlohmann::ordered_json journal_begin(std::string_view phase, const batch_begin& b, int worker);

/// A phase's source as the configure message carries it (also the journal's fingerprint).
nlohmann::ordered_json to_json(const source_spec& s);

/// The check both sides make on the peer's hello: nullopt if compatible, else the message
/// ("boltload-worker 0.2 speaks protocol 2, this side speaks 1: use matching binaries").
std::optional<std::string> check_hello(const hello& peer);

/// Splits a byte stream into lines. Bytes are fed as they arrive; next() hands out complete lines
/// (without '\n', a trailing '\r' removed). A line longer than max_line_length is an error: the
/// splitter stops (failed() is true) rather than growing without bound.
class line_splitter {
public:
    static constexpr std::size_t default_max_line_length = std::size_t{256} << 20;

    explicit line_splitter(std::size_t max_line_length = default_max_line_length)
        : max_line_length_(max_line_length) {}

    void feed(std::string_view bytes);
    /// The next complete line, or nullopt when more bytes are needed (or after a failure).
    std::optional<std::string> next();
    bool failed() const { return failed_; }
    /// Bytes of an unfinished line: at end of stream, a non-zero value means a truncated message.
    std::size_t pending() const { return buffer_.size() - start_; }

private:
    std::string buffer_;
    std::size_t start_ = 0;    ///< where the next line begins in buffer_
    std::size_t scanned_ = 0;  ///< buffer_[start_, scanned_) holds no '\n'
    std::size_t max_line_length_;
    bool failed_ = false;
};

}  // namespace boltload
