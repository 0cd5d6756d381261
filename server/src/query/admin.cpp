// Admin statements, one function per kind, with Memgraph's messages and notifications.
#include "admin.hpp"

#include <chrono>
#include <fmt/format.h>
#include <optional>
#include <thread>

namespace server::query::admin {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using exec::fail;
using exec::prepared;
using exec::stmt_kind;
using st::errc;
namespace cy = server::cypher;

/// How long schema changes and storage-mode switches wait for other transactions to finish.
constexpr std::chrono::milliseconds schema_wait = 10s;

std::string human_bytes(std::uint64_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return fmt::format("{:.2f}{}", v, units[u]);
}

/// "label L" or "label L on properties P", as Memgraph names an index in its notifications.
std::string index_text(const prepared& p, const st::storage& g) {
    std::string s = "label " + std::string(g.id_to_name(p.label));
    if (p.has_property) s += " on properties " + std::string(g.id_to_name(p.property));
    return s;
}

void note(outcome& o, std::string code, std::string title) {
    o.notes.push_back({std::move(code), std::move(title), "", "INFO"});
}

// ---- preparing ---------------------------------------------------------------------------------

void prepare_index(prepared& p, const cy::index_statement& s, st::storage& g) {
    p.kind = s.drop ? stmt_kind::drop_index : stmt_kind::create_index;
    p.label = g.name_to_id(s.label);
    if (s.property) {
        p.property = g.name_to_id(*s.property);
        p.has_property = true;
    }
}

void prepare_constraint(prepared& p, const cy::constraint_statement& s, st::storage& g) {
    if (s.kind != cy::constraint_kind::unique) fail("Existence constraints are not supported by the embedded server.");
    if (s.properties.size() != 1) fail("The embedded server supports unique constraints on one property.");
    p.kind = s.drop ? stmt_kind::drop_constraint : stmt_kind::create_constraint;
    p.label = g.name_to_id(s.label);
    p.property = g.name_to_id(s.properties[0]);
    p.has_property = true;
}

void prepare_show(prepared& p, const cy::show_statement& s) {
    switch (s.what) {
        case cy::show_kind::index_info:
            p.kind = stmt_kind::show_index_info;
            p.columns = {"index type", "label", "property", "count"};
            return;
        case cy::show_kind::constraint_info:
            p.kind = stmt_kind::show_constraint_info;
            p.columns = {"constraint type", "label", "properties"};
            return;
        case cy::show_kind::storage_info:
            p.kind = stmt_kind::show_storage_info;
            p.columns = {"storage info", "value"};
            return;
        case cy::show_kind::users:
            p.kind = stmt_kind::show_users;
            p.columns = {"user"};
            return;
    }
}

// ---- running -----------------------------------------------------------------------------------

void create_index(const prepared& p, st::storage& g, outcome& o) {
    auto ec = p.has_property ? g.create_label_property_index(p.label, p.property, schema_wait)
                             : g.create_label_index(p.label, schema_wait);
    if (ec == errc::index_exists)
        note(o, "IndexAlreadyExists", "Index on " + index_text(p, g) + " already exists.");
    else if (ec == errc::busy)
        fail("Index creation timed out waiting for other transactions to finish.");
    else if (ec)
        fail(ec.message());
    else
        note(o, "CreateIndex", "Created index on " + index_text(p, g) + ".");
    o.plans_stale = true;
}

void drop_index(const prepared& p, st::storage& g, outcome& o) {
    auto ec = p.has_property ? g.drop_label_property_index(p.label, p.property, schema_wait)
                             : g.drop_label_index(p.label, schema_wait);
    if (ec == errc::index_missing)
        note(o, "IndexDoesNotExist", "Index on " + index_text(p, g) + " doesn't exist.");
    else if (ec == errc::busy)
        fail("Dropping the index timed out waiting for other transactions to finish.");
    else if (ec)
        fail(ec.message());
    else
        note(o, "DropIndex", "Dropped index on " + index_text(p, g) + ".");
    o.plans_stale = true;
}

void create_constraint(const prepared& p, st::storage& g, outcome& o) {
    std::string msg;
    auto ec = g.create_unique_constraint(p.label, p.property, schema_wait, &msg);
    if (ec == errc::constraint_exists)
        note(o, "ConstraintAlreadyExists", "Constraint UNIQUE on " + index_text(p, g) + " already exists.");
    else if (ec == errc::constraint_violated_by_data)
        fail("Unable to create unique constraint :" + std::string(g.id_to_name(p.label)) + "(" +
             std::string(g.id_to_name(p.property)) + "), because an existing node violates it.");
    else if (ec == errc::busy)
        fail("Constraint creation timed out waiting for other transactions to finish.");
    else if (ec)
        fail(ec.message());
    else
        note(o, "CreateConstraint", "Created UNIQUE constraint on " + index_text(p, g) + ".");
}

void drop_constraint(const prepared& p, st::storage& g, outcome& o) {
    auto ec = g.drop_unique_constraint(p.label, p.property, schema_wait);
    if (ec == errc::constraint_missing)
        fail("Constraint UNIQUE on " + index_text(p, g) + " doesn't exist.");
    else if (ec == errc::busy)
        fail("Dropping the constraint timed out waiting for other transactions to finish.");
    else if (ec)
        fail(ec.message());
    else
        note(o, "DropConstraint", "Dropped UNIQUE constraint on " + index_text(p, g) + ".");
}

void show_index_info(const st::storage& g, outcome& o) {
    for (auto& ix : g.indexes()) {
        bolt::list row;
        row.emplace_back(ix.property ? "label+property" : "label");
        row.emplace_back(std::string(g.id_to_name(ix.label)));
        row.push_back(ix.property ? bolt::value(std::string(g.id_to_name(*ix.property))) : bolt::value());
        row.emplace_back(static_cast<std::int64_t>(ix.entries));
        o.rows.push_back(std::move(row));
    }
}

void show_constraint_info(const st::storage& g, outcome& o) {
    for (auto& c : g.unique_constraints()) {
        bolt::list row;
        row.emplace_back("unique");
        row.emplace_back(std::string(g.id_to_name(c.label)));
        row.emplace_back(bolt::list{bolt::value(std::string(g.id_to_name(c.property)))});
        o.rows.push_back(std::move(row));
    }
}

/// SHOW STORAGE INFO: Memgraph's keys, in its order; what the embedded server does not track
/// (disk, vm.max_map_count) has Memgraph's value for "none".
void show_storage_info(const st::storage& g, outcome& o) {
    auto i = g.info();
    auto add = [&](std::string k, bolt::value v) { o.rows.push_back(bolt::list{bolt::value(std::move(k)), std::move(v)}); };
    const double degree =
        i.vertex_count ? 2.0 * static_cast<double>(i.edge_count) / static_cast<double>(i.vertex_count) : 0.0;
    add("name", "memgraph");
    add("vertex_count", static_cast<std::int64_t>(i.vertex_count));
    add("edge_count", static_cast<std::int64_t>(i.edge_count));
    add("average_degree", degree);
    add("vm_max_map_count", static_cast<std::int64_t>(-1));
    add("memory_res", human_bytes(i.memory_res));
    add("peak_memory_res", human_bytes(i.memory_res));
    add("unreleased_delta_objects", static_cast<std::int64_t>(i.pending_deltas));
    add("disk_usage", human_bytes(0));
    add("memory_tracked", human_bytes(i.memory_tracked));
    add("allocation_limit", "unlimited");
    add("global_isolation_level", "SNAPSHOT_ISOLATION");
    add("session_isolation_level", "");
    add("next_session_isolation_level", "");
    add("storage_mode", std::string(st::to_string(i.mode)));
}

void show_users(st::storage& g, outcome& o) {
    for (auto& u : g.users().list()) o.rows.push_back(bolt::list{bolt::value(u)});
}

/// STORAGE MODE …: waits (bounded) for other transactions, as Memgraph does.
void set_storage_mode(const cy::storage_mode_statement& s, st::storage& g) {
    auto mode = s.mode == cy::storage_mode::in_memory_analytical ? st::storage_mode::in_memory_analytical
                                                                  : st::storage_mode::in_memory_transactional;
    auto deadline = clock_type::now() + schema_wait;
    while (g.mode() != mode) {
        auto ec = g.set_mode(mode);
        if (!ec) return;
        if (ec != errc::busy) fail(ec.message());
        if (clock_type::now() > deadline) fail("Storage mode cannot be changed while other transactions are active.");
        std::this_thread::sleep_for(2ms);
    }
}

void create_user(const cy::create_user_statement& s, st::storage& g) {
    std::optional<std::string_view> pw;
    if (s.password) pw = *s.password;
    auto out = s.if_not_exists ? g.users().create_if_missing(s.name, pw) : g.users().create(s.name, pw);
    if (out == st::user_store::outcome::exists) fail("User or role '" + s.name + "' already exists.");
}

void drop_user(const cy::drop_user_statement& s, st::storage& g) {
    if (g.users().drop(s.name) != st::user_store::outcome::ok) fail("User '" + s.name + "' doesn't exist.");
}

}  // namespace

void prepare(prepared& p, st::storage& graph) {
    std::visit(
        [&](const auto& s) {
            using T = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<T, cy::cypher_statement>) p.kind = stmt_kind::cypher;
            else if constexpr (std::is_same_v<T, cy::index_statement>) prepare_index(p, s, graph);
            else if constexpr (std::is_same_v<T, cy::constraint_statement>) prepare_constraint(p, s, graph);
            else if constexpr (std::is_same_v<T, cy::show_statement>) prepare_show(p, s);
            else if constexpr (std::is_same_v<T, cy::storage_mode_statement>) p.kind = stmt_kind::storage_mode;
            else if constexpr (std::is_same_v<T, cy::create_user_statement>) p.kind = stmt_kind::create_user;
            else if constexpr (std::is_same_v<T, cy::drop_user_statement>) p.kind = stmt_kind::drop_user;
            else p.kind = stmt_kind::free_memory;
        },
        p.ast.stmt);
}

std::string_view refusal_in_transaction(stmt_kind kind) {
    switch (kind) {
        case stmt_kind::create_index:
        case stmt_kind::drop_index: return st::index_in_multicommand_message;
        case stmt_kind::create_constraint:
        case stmt_kind::drop_constraint: return st::constraint_in_multicommand_message;
        case stmt_kind::storage_mode: return "Storage mode cannot be modified in multicommand transactions.";
        case stmt_kind::create_user:
        case stmt_kind::drop_user:
        case stmt_kind::show_users: return "Authentication clause not allowed in multicommand transactions.";
        case stmt_kind::show_index_info:
        case stmt_kind::show_constraint_info:
        case stmt_kind::show_storage_info: return "Info reporting not allowed in multicommand transactions.";
        case stmt_kind::free_memory: return "Free memory query not allowed in multicommand transactions.";
        case stmt_kind::cypher: return {};
    }
    return {};
}

outcome run(const prepared& p, st::storage& g) {
    outcome o;
    switch (p.kind) {
        case stmt_kind::create_index: create_index(p, g, o); break;
        case stmt_kind::drop_index: drop_index(p, g, o); break;
        case stmt_kind::create_constraint: create_constraint(p, g, o); break;
        case stmt_kind::drop_constraint: drop_constraint(p, g, o); break;
        case stmt_kind::show_index_info: show_index_info(g, o); break;
        case stmt_kind::show_constraint_info: show_constraint_info(g, o); break;
        case stmt_kind::show_storage_info: show_storage_info(g, o); break;
        case stmt_kind::show_users: show_users(g, o); break;
        case stmt_kind::storage_mode: set_storage_mode(std::get<cy::storage_mode_statement>(p.ast.stmt), g); break;
        case stmt_kind::create_user: create_user(std::get<cy::create_user_statement>(p.ast.stmt), g); break;
        case stmt_kind::drop_user: drop_user(std::get<cy::drop_user_statement>(p.ast.stmt), g); break;
        case stmt_kind::free_memory: g.collect_garbage(); break;
        case stmt_kind::cypher: break;
    }
    return o;
}

}  // namespace server::query::admin
