// The embedded server's storage engine: an in-memory property graph with Memgraph's MVCC
// (snapshot isolation, undo-delta chains, "first updater wins"), storage modes, indexes,
// unique constraints, users and the counters a query summary reports.
//
// How to use it (the executor's view):
//
//     server::storage::storage db;                       // one per server
//     auto person = db.name_to_id("Person");             // intern names once per parsed query
//     auto name = db.name_to_id("name");
//     auto tx = db.begin();                              // one per Bolt transaction
//     auto v = tx->create_vertex({&person, 1}, {{name, bolt::value("Alice")}});
//     if (!v) { tx->abort(); /* map v.error() to a FAILURE */ }
//     for (auto u : tx->vertices_with_property(person, name, "Alice")) { ... }
//     if (auto ec = tx->commit()) { /* ec == errc::unique_constraint_violation, ... */ }
//     counters c = tx->take_counters();                  // per query: take after each statement
//
// Rules the executor must know:
// - A transaction object is used by one thread at a time; many transactions run concurrently.
// - Every write checks Memgraph's PrepareForWrite rule at once. A failed write returns
//   errc::serialization_error (map it with conflict_code / conflict_message); from then on the
//   transaction refuses everything (errc::transaction_aborted) until abort() or destruction —
//   as Memgraph aborts the transaction.
// - Reads never fail with a conflict. A read of an object the transaction cannot see returns
//   an empty result (no labels, null property, no edges); ask exists() to tell.
// - Handles (vertex_handle, edge_handle) stay valid for the storage's lifetime: slots are never
//   reused, so a handle to a deleted object is harmless (exists() says false, writes fail with
//   errc::deleted_object).
// - Index, constraint and storage-mode changes are storage calls, made outside any transaction
//   of the caller: they need every transaction to be finished (errc::busy otherwise). Memgraph
//   refuses them inside explicit (multi-statement) transactions with
//   index_in_multicommand_message; `schema_change_allowed(explicit_transaction)` says so.
// - Reads see the snapshot at begin() plus the transaction's own writes, including writes made
//   earlier in the same statement; a statement that scans and creates (MATCH ... CREATE) should
//   use a vertex_cursor, which stops at the vertices that existed when the cursor was made.
//
// Layout, for the speed and memory targets of issue 3 (bench/storage_bench.cpp measures them):
// vertices (80 bytes) and edges (48) live in chunks of 2^14 slots with stable addresses, indexed
// by gid (one atomic counter, gids never reused); properties are one heap block per object
// (sorted 4-byte keys + 16-byte values, strings up to 14 bytes inline); up to two labels inline;
// one spinlock byte per object, held only to copy or change it. A transaction's undo deltas
// live in its own arena; a vertex created by the transaction gets one delta however much it is
// then changed. Garbage collection runs every config::gc_every_commits commits.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "bolt/value.hpp"
#include "server/users.hpp"

namespace server::storage {

using gid = std::uint64_t;
/// Labels, relationship types and property keys share one interned id space, as in Memgraph.
using name_id = std::uint32_t;
using label_id = name_id;
using edge_type_id = name_id;
using property_id = name_id;

enum class storage_mode : std::uint8_t { in_memory_transactional, in_memory_analytical };
/// "IN_MEMORY_TRANSACTIONAL" / "IN_MEMORY_ANALYTICAL", as SHOW STORAGE INFO prints them.
std::string_view to_string(storage_mode m) noexcept;
/// Accepts the Cypher spelling (case-insensitive); nullopt for anything else.
std::optional<storage_mode> parse_storage_mode(std::string_view s) noexcept;

/// Which PrepareForWrite rule edge creation uses on its endpoints.
enum class edge_creation_rule : std::uint8_t {
    sequential,      ///< Memgraph <= 3.7: both endpoints must be writable (supernode conflicts)
    non_sequential,  ///< Memgraph >= 3.8: concurrent edge creations on one vertex are allowed
};

enum class errc {
    serialization_error = 1,      ///< PrepareForWrite failed: another writer came first
    transaction_aborted,          ///< an earlier write failed; only abort() is possible
    transaction_closed,           ///< committed or aborted already
    deleted_object,               ///< the object does not exist for this transaction
    vertex_has_edges,             ///< DELETE of a vertex with relationships (use DETACH DELETE)
    unique_constraint_violation,  ///< commit refused; error_message() names label/property/value
    busy,                         ///< other transactions are active (mode switch, schema change)
    index_exists,
    index_missing,
    constraint_exists,
    constraint_missing,
    constraint_violated_by_data,  ///< creating a unique constraint the data already breaks
};
const std::error_category& storage_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

/// What Memgraph sends for a write-write conflict (reference §6.1).
inline constexpr std::string_view conflict_code = "Memgraph.TransientError.MemgraphError.MemgraphError";
inline constexpr std::string_view conflict_message =
    "Cannot resolve conflicting transactions. Retry this transaction when the conflicting "
    "transaction is finished. For more details, visit https://memgraph.com/docs";
inline constexpr std::string_view index_in_multicommand_message =
    "Index manipulation not allowed in multicommand transactions.";
inline constexpr std::string_view constraint_in_multicommand_message =
    "Constraint manipulation not allowed in multicommand transactions.";
inline constexpr std::string_view delete_with_edges_message =
    "Cannot delete node because it still has relationships. Consider using DETACH DELETE.";

/// Memgraph refuses index/constraint/storage-mode queries inside explicit transactions; inside
/// an implicit (auto-commit) query they are fine.
constexpr bool schema_change_allowed(bool explicit_transaction) noexcept { return !explicit_transaction; }

/// A value or an error code; no exceptions on hot paths.
template <class T>
class result {
public:
    result(T v) : v_(std::move(v)) {}                    // NOLINT: implicit by design
    result(std::error_code ec) : v_(ec) {}               // NOLINT
    result(errc e) : v_(make_error_code(e)) {}           // NOLINT
    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    std::error_code error() const noexcept { return has_value() ? std::error_code{} : std::get<1>(v_); }

private:
    std::variant<T, std::error_code> v_;
};

/// What a write changed, with the names Memgraph's summary `stats` uses (dashed there).
struct counters {
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

    counters& operator+=(const counters& o) noexcept;
    bool contains_updates() const noexcept;
    /// (dashed key, value) pairs for the non-zero counters, e.g. {"nodes-created", 1}.
    std::vector<std::pair<std::string_view, std::int64_t>> nonzero() const;
    friend bool operator==(const counters&, const counters&) = default;
};

struct config {
    storage_mode mode = storage_mode::in_memory_transactional;
    edge_creation_rule edge_rule = edge_creation_rule::sequential;
    /// Garbage collection runs after this many commits (and on collect_garbage()).
    std::size_t gc_every_commits = 32;
};

namespace detail {
struct vertex;
struct edge;
struct txn_state;
class engine;
}  // namespace detail

/// A stable reference to a vertex slot. Says nothing about visibility: ask a transaction.
class vertex_handle {
public:
    vertex_handle() = default;
    explicit vertex_handle(detail::vertex* v) noexcept : v_(v) {}
    gid id() const noexcept;
    explicit operator bool() const noexcept { return v_ != nullptr; }
    detail::vertex* get() const noexcept { return v_; }
    friend bool operator==(vertex_handle, vertex_handle) = default;

private:
    detail::vertex* v_ = nullptr;
};

/// A stable reference to an edge. Endpoints and type never change, so they need no transaction.
class edge_handle {
public:
    edge_handle() = default;
    explicit edge_handle(detail::edge* e) noexcept : e_(e) {}
    gid id() const noexcept;
    vertex_handle from() const noexcept;
    vertex_handle to() const noexcept;
    edge_type_id type() const noexcept;
    explicit operator bool() const noexcept { return e_ != nullptr; }
    detail::edge* get() const noexcept { return e_; }
    friend bool operator==(edge_handle, edge_handle) = default;

private:
    detail::edge* e_ = nullptr;
};

using property_list = std::vector<std::pair<property_id, bolt::value>>;

/// One end of a range lookup.
struct bound {
    bolt::value value;
    bool inclusive = true;
};

class transaction;

/// Walks the vertices that existed when it was made, in gid order, skipping invisible ones.
class vertex_cursor {
public:
    std::optional<vertex_handle> next();

private:
    friend class transaction;
    vertex_cursor(transaction* tx, gid end) : tx_(tx), end_(end) {}
    transaction* tx_;
    gid next_ = 0;
    gid end_;
};

class transaction {
public:
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    /// Aborts when neither committed nor aborted.
    ~transaction();

    storage_mode mode() const noexcept;
    /// True until commit() or abort().
    bool is_open() const noexcept;
    /// True after a failed write: only abort() is left.
    bool failed() const noexcept;
    std::uint64_t start_timestamp() const noexcept;
    /// Memgraph-style id: >= 1 << 63.
    std::uint64_t id() const noexcept;
    /// Text for the last error (constraint violations name label, property and value).
    const std::string& error_message() const noexcept { return message_; }

    // ---- reads: never conflict; what this transaction can see ------------------------------
    std::optional<vertex_handle> find_vertex(gid id);
    std::optional<edge_handle> find_edge(gid id);
    bool exists(vertex_handle v);
    bool exists(edge_handle e);
    /// All visible vertices that exist now (later creations are not returned by this cursor).
    vertex_cursor vertices();
    /// Uses the label index when there is one, else scans.
    std::vector<vertex_handle> vertices_with_label(label_id label);
    /// Exact match (1 = 1.0, as Cypher compares); uses the label+property index when there is
    /// one, else scans. A null value matches nothing.
    std::vector<vertex_handle> vertices_with_property(label_id label, property_id prop, const bolt::value& value);
    /// Range match over numbers or strings (values of another type never match). Linear in the
    /// size of the index (or the label) — meant for occasional queries, not bulk paths.
    std::vector<vertex_handle> vertices_with_property_range(label_id label, property_id prop,
                                                            const std::optional<bound>& lower,
                                                            const std::optional<bound>& upper);

    std::vector<label_id> labels(vertex_handle v);
    bool has_label(vertex_handle v, label_id label);
    /// Null when absent or invisible.
    bolt::value property(vertex_handle v, property_id prop);
    property_list properties(vertex_handle v);
    std::vector<edge_handle> out_edges(vertex_handle v);
    std::vector<edge_handle> in_edges(vertex_handle v);
    bolt::value property(edge_handle e, property_id prop);
    property_list properties(edge_handle e);
    /// Bolt structures with names resolved; element ids are the decimal gids.
    bolt::node to_node(vertex_handle v);
    bolt::relationship to_relationship(edge_handle e);

    // ---- writes: counted in counters(); each checks PrepareForWrite -------------------------
    /// Creating vertices never conflicts.
    result<vertex_handle> create_vertex();
    result<vertex_handle> create_vertex(std::span<const label_id> labels,
                                        std::span<const std::pair<property_id, bolt::value>> props);
    /// true when the label was added (false: it was there already).
    result<bool> add_label(vertex_handle v, label_id label);
    /// true when the label was removed (false: it was not there).
    result<bool> remove_label(vertex_handle v, label_id label);
    /// Null removes the property. Counted as one property set, as Memgraph does.
    std::error_code set_property(vertex_handle v, property_id prop, const bolt::value& value);
    /// Checks both endpoints (edge_creation_rule picks how).
    result<edge_handle> create_edge(vertex_handle from, vertex_handle to, edge_type_id type,
                                    std::span<const std::pair<property_id, bolt::value>> props = {});
    std::error_code set_property(edge_handle e, property_id prop, const bolt::value& value);
    std::error_code delete_edge(edge_handle e);
    /// errc::vertex_has_edges when it still has relationships.
    std::error_code delete_vertex(vertex_handle v);
    /// Deletes the vertex and its relationships.
    std::error_code detach_delete_vertex(vertex_handle v);

    /// Checks unique constraints, then makes every write visible to transactions that begin
    /// later. On failure the transaction is aborted and the error returned.
    std::error_code commit();
    /// Undoes every write (transactional mode; analytical mode has no rollback).
    void abort();

    const server::storage::counters& counters() const noexcept { return counters_; }
    /// Returns the counters and resets them: call after each statement for its summary.
    server::storage::counters take_counters() noexcept;

private:
    friend class storage;
    friend class vertex_cursor;
    transaction(detail::engine& engine, std::unique_ptr<detail::txn_state> state);
    std::error_code check_writable();
    std::error_code fail(errc e);

    detail::engine& engine_;
    std::unique_ptr<detail::txn_state> state_;  // handed to the engine at commit
    std::uint64_t id_;
    std::uint64_t start_ts_;
    storage_mode mode_;
    bool open_ = true;
    bool failed_ = false;
    server::storage::counters counters_;
    std::string message_;
};

struct index_info {
    label_id label;
    std::optional<property_id> property;  ///< empty: a label index
    std::size_t entries;                  ///< index entries, stale ones included
};

struct constraint_info {
    label_id label;
    property_id property;
};

/// SHOW STORAGE INFO.
struct storage_info {
    std::uint64_t vertex_count;  ///< vertices in storage, uncommitted ones included (as Memgraph)
    std::uint64_t edge_count;
    /// Estimate of the bytes the graph holds: object slots, property blocks, label and
    /// adjacency arrays, index entries (~64 bytes each) and undo deltas not yet collected.
    /// Heap allocator overhead is not counted.
    std::uint64_t memory_tracked;
    /// Resident set size of the process (Memgraph's memory_res), 0 when unknown.
    std::uint64_t memory_res;
    storage_mode mode;
    std::uint64_t pending_deltas;  ///< undo deltas waiting for garbage collection
};

class storage {
public:
    explicit storage(config cfg = {});
    ~storage();
    storage(const storage&) = delete;
    storage& operator=(const storage&) = delete;

    /// Starts a transaction in the current storage mode. Blocks only while a schema change
    /// or mode switch holds the storage.
    std::unique_ptr<transaction> begin();

    // ---- names -----------------------------------------------------------------------------
    name_id name_to_id(std::string_view name);
    std::optional<name_id> find_name(std::string_view name) const;
    /// The string stays valid for the storage's lifetime.
    std::string_view id_to_name(name_id id) const;

    // ---- modes -------------------------------------------------------------------------------
    storage_mode mode() const noexcept;
    /// errc::busy while any transaction is active.
    std::error_code set_mode(storage_mode m);
    edge_creation_rule edge_rule() const noexcept;

    // ---- schema: call with no transaction of your own open -------------------------------------
    /// Each waits up to `wait` for active transactions to finish, then gives errc::busy.
    std::error_code create_label_index(label_id label, std::chrono::milliseconds wait = {});
    std::error_code drop_label_index(label_id label, std::chrono::milliseconds wait = {});
    std::error_code create_label_property_index(label_id label, property_id prop,
                                                std::chrono::milliseconds wait = {});
    std::error_code drop_label_property_index(label_id label, property_id prop,
                                              std::chrono::milliseconds wait = {});
    std::vector<index_info> indexes() const;
    bool has_label_index(label_id label) const;
    bool has_label_property_index(label_id label, property_id prop) const;
    /// errc::constraint_violated_by_data when two vertices already share a value; `message`
    /// (if given) then names them.
    std::error_code create_unique_constraint(label_id label, property_id prop,
                                             std::chrono::milliseconds wait = {},
                                             std::string* message = nullptr);
    std::error_code drop_unique_constraint(label_id label, property_id prop,
                                           std::chrono::milliseconds wait = {});
    std::vector<constraint_info> unique_constraints() const;

    // ---- housekeeping -------------------------------------------------------------------------
    storage_info info() const;
    /// Frees undo deltas no active transaction can need and drops stale index entries.
    void collect_garbage();
    std::size_t active_transactions() const;

    /// Users for Bolt authentication.
    user_store& users() noexcept { return users_; }
    const user_store& users() const noexcept { return users_; }

private:
    std::unique_ptr<detail::engine> engine_;
    user_store users_;
};

}  // namespace server::storage

template <>
struct std::is_error_code_enum<server::storage::errc> : std::true_type {};
