// Query sessions: parse (cached by text), plan, run over a storage transaction, stream records,
// and build Memgraph's summaries; schema, storage-mode, user and SHOW statements.
#include "server/query/session.hpp"

#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "exec.hpp"
#include "operators.hpp"
#include "server/cypher/semantic.hpp"

namespace server::query {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using exec::prepared;
using exec::stmt_kind;

constexpr std::size_t cache_capacity = 1024;
/// How long schema changes and storage-mode switches wait for other transactions to finish.
constexpr std::chrono::milliseconds schema_wait = 10s;

double seconds_since(clock_type::time_point t) {
    return std::chrono::duration<double>(clock_type::now() - t).count();
}

[[noreturn]] void client_fail(const std::string& message) {
    throw query_error(std::string(client_error_code), message);
}

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

/// Memgraph's handling of BEGIN/RUN `db`: only the default database exists here.
void check_database(const bolt::map& extra) {
    const bolt::value* db = extra.find("db");
    if (!db || db->is_null()) return;
    const std::string* name = db->get_if<std::string>();
    if (!name) client_fail("Malformed config input.");
    if (!name->empty() && *name != "memgraph")
        throw query_error("Memgraph.TransientError.MemgraphError.MemgraphError",
                          "Tried to retrieve an unknown database \"" + *name + "\".");
}

}  // namespace

// ---- database ----------------------------------------------------------------------------------

struct database::impl {
    explicit impl(database_options o) : graph(o.storage) {}
    storage::storage graph;
    std::mutex cache_mutex;
    // Bounded LRU: the list holds texts, most recent first.
    std::list<std::string> lru;
    std::unordered_map<std::string, std::pair<std::shared_ptr<const prepared>, std::list<std::string>::iterator>> cache;

    std::shared_ptr<const prepared> find(const std::string& text) {
        std::lock_guard lock(cache_mutex);
        auto it = cache.find(text);
        if (it == cache.end()) return nullptr;
        lru.splice(lru.begin(), lru, it->second.second);
        return it->second.first;
    }
    void insert(const std::string& text, std::shared_ptr<const prepared> p) {
        std::lock_guard lock(cache_mutex);
        if (cache.count(text)) return;
        lru.push_front(text);
        cache.emplace(text, std::make_pair(std::move(p), lru.begin()));
        if (cache.size() > cache_capacity) {
            cache.erase(lru.back());
            lru.pop_back();
        }
    }
    void clear_cache() {
        std::lock_guard lock(cache_mutex);
        cache.clear();
        lru.clear();
    }
};

database::database(database_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
database::~database() = default;
storage::storage& database::graph() noexcept { return impl_->graph; }
storage::user_store& database::users() noexcept { return impl_->graph.users(); }

// ---- session -----------------------------------------------------------------------------------

namespace {

std::shared_ptr<const prepared> prepare(database::impl& db, std::string_view text, double& parse_s) {
    auto t0 = clock_type::now();
    std::string key(text);
    if (auto p = db.find(key)) {
        parse_s = seconds_since(t0);
        return p;
    }
    auto parsed = cypher::parse_and_check(text);
    if (!parsed) throw query_error(std::string(syntax_error_code), parsed.error().message);
    auto p = std::make_shared<prepared>();
    p->ast = std::move(parsed).value();
    p->parsing_time = seconds_since(t0);
    auto t1 = clock_type::now();
    p->type = cypher::classify(p->ast);
    std::visit(
        [&](const auto& s) {
            using T = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<T, cypher::cypher_statement>) {
                p->kind = stmt_kind::cypher;
                exec::plan_query(*p, db.graph);
            } else if constexpr (std::is_same_v<T, cypher::index_statement>) {
                p->kind = s.drop ? stmt_kind::drop_index : stmt_kind::create_index;
                p->label = db.graph.name_to_id(s.label);
                if (s.property) {
                    p->property = db.graph.name_to_id(*s.property);
                    p->has_property = true;
                }
            } else if constexpr (std::is_same_v<T, cypher::constraint_statement>) {
                if (s.kind != cypher::constraint_kind::unique)
                    client_fail("Existence constraints are not supported by the embedded server.");
                if (s.properties.size() != 1)
                    client_fail("The embedded server supports unique constraints on one property.");
                p->kind = s.drop ? stmt_kind::drop_constraint : stmt_kind::create_constraint;
                p->label = db.graph.name_to_id(s.label);
                p->property = db.graph.name_to_id(s.properties[0]);
                p->has_property = true;
            } else if constexpr (std::is_same_v<T, cypher::show_statement>) {
                switch (s.what) {
                    case cypher::show_kind::index_info:
                        p->kind = stmt_kind::show_index_info;
                        p->columns = {"index type", "label", "property", "count"};
                        break;
                    case cypher::show_kind::constraint_info:
                        p->kind = stmt_kind::show_constraint_info;
                        p->columns = {"constraint type", "label", "properties"};
                        break;
                    case cypher::show_kind::storage_info:
                        p->kind = stmt_kind::show_storage_info;
                        p->columns = {"storage info", "value"};
                        break;
                    case cypher::show_kind::users:
                        p->kind = stmt_kind::show_users;
                        p->columns = {"user"};
                        break;
                }
            } else if constexpr (std::is_same_v<T, cypher::storage_mode_statement>) {
                p->kind = stmt_kind::storage_mode;
            } else if constexpr (std::is_same_v<T, cypher::create_user_statement>) {
                p->kind = stmt_kind::create_user;
            } else if constexpr (std::is_same_v<T, cypher::drop_user_statement>) {
                p->kind = stmt_kind::drop_user;
            } else {
                p->kind = stmt_kind::free_memory;
            }
        },
        p->ast.stmt);
    p->planning_time = seconds_since(t1);
    parse_s = p->parsing_time;
    db.insert(key, p);
    return p;
}

}  // namespace

struct session::impl {
    impl(database& d, std::string u) : db(d), dbi(*d.impl_), user(std::move(u)) {}

    database& db;
    database::impl& dbi;
    std::string user;

    std::unique_ptr<storage::transaction> tx;
    bool explicit_tx = false;
    bool failed = false;

    struct open_result {
        std::shared_ptr<const prepared> plan;
        bool implicit = false;
        bolt::map owned_params;
        exec::exec_ctx ctx;
        std::unique_ptr<exec::cursor> root;
        // statements computed up front (SHOW ..., schema)
        bool buffered = false;
        bool computed = false;
        std::vector<bolt::list> rows;
        std::size_t row_pos = 0;
        std::vector<exec::notification> notes;
        double parse_s = 0;
        double exec_s = 0;
    };
    std::optional<open_result> result;

    // ---- helpers ---------------------------------------------------------------------------------
    void abort_tx() noexcept {
        if (tx) {
            if (tx->is_open()) tx->abort();
            tx.reset();
        }
    }

    [[noreturn]] void on_error(const query_error& e) {
        bool implicit = result && result->implicit;
        result.reset();
        if (implicit || !explicit_tx) {
            abort_tx();
        } else {
            // Memgraph aborts the transaction; only ROLLBACK or RESET is left.
            abort_tx();
            failed = true;
        }
        throw e;
    }

    run_info run(std::string_view text, const bolt::map* params_ref, bolt::map* params_owned) {
        if (failed) client_fail("The transaction has failed; roll it back before running another query.");
        if (result) {
            if (explicit_tx)
                drain(-1, nullptr);
            else
                client_fail("Only one result may be open at a time.");
        }
        double parse_s = 0;
        auto plan = prepare(dbi, text, parse_s);
        open_result r;
        r.plan = plan;
        r.parse_s = parse_s;
        if (plan->kind != stmt_kind::cypher) {
            if (explicit_tx) {
                switch (plan->kind) {
                    case stmt_kind::create_index:
                    case stmt_kind::drop_index:
                        client_fail(std::string(storage::index_in_multicommand_message));
                    case stmt_kind::create_constraint:
                    case stmt_kind::drop_constraint:
                        client_fail(std::string(storage::constraint_in_multicommand_message));
                    case stmt_kind::storage_mode:
                        client_fail("Storage mode cannot be modified in multicommand transactions.");
                    case stmt_kind::create_user:
                    case stmt_kind::drop_user:
                    case stmt_kind::show_users:
                        client_fail("Authentication clause not allowed in multicommand transactions.");
                    case stmt_kind::show_index_info:
                    case stmt_kind::show_constraint_info:
                    case stmt_kind::show_storage_info:
                        client_fail("Info reporting not allowed in multicommand transactions.");
                    case stmt_kind::free_memory:
                        client_fail("Free memory query not allowed in multicommand transactions.");
                    case stmt_kind::cypher:
                        break;
                }
            }
            r.buffered = true;
            run_info info;
            info.fields = plan->columns;
            result.emplace(std::move(r));
            return info;
        }
        // Parameters: keep the caller's map when it was handed over, else copy it.
        const bolt::map* params = params_ref;
        if (params_owned) {
            r.owned_params = std::move(*params_owned);
            params = nullptr;
        }
        r.ctx.plan = plan.get();
        r.ctx.graph = &dbi.graph;
        r.ctx.frame.resize(plan->slots);
        result.emplace(std::move(r));
        open_result& o = *result;
        if (!params) params = &o.owned_params;
        else {
            o.owned_params = *params;  // the caller's map may not outlive RUN
            params = &o.owned_params;
        }
        o.ctx.params.resize(plan->ast.parameters.size());
        for (std::size_t i = 0; i < plan->ast.parameters.size(); ++i) {
            const bolt::value* v = params->find(plan->ast.parameters[i]);
            if (!v) {
                result.reset();
                client_fail("Parameter $" + plan->ast.parameters[i] + " not provided.");
            }
            o.ctx.params[i] = v;
        }
        o.ctx.fn_context.now_utc_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count();
        if (!explicit_tx) {
            tx = dbi.graph.begin();
            o.implicit = true;
        }
        o.ctx.tx = tx.get();
        o.root = plan->root->make_cursor();
        run_info info;
        info.fields = plan->columns;
        return info;
    }

    /// Pulls up to n rows (all when n < 0); `out` null discards. Returns true when exhausted.
    bool drain(std::int64_t n, std::vector<bolt::list>* out) {
        open_result& r = *result;
        auto t0 = clock_type::now();
        try {
            if (r.buffered) {
                if (!r.computed) {
                    r.computed = true;
                    compute(r);
                }
                while ((n < 0 || n-- > 0) && r.row_pos < r.rows.size()) {
                    if (out) out->push_back(std::move(r.rows[r.row_pos]));
                    ++r.row_pos;
                }
                r.exec_s += seconds_since(t0);
                return r.row_pos >= r.rows.size();
            }
            auto& ctx = r.ctx;
            const auto& slots = r.plan->column_slots;
            bool done = false;
            while (n < 0 || n > 0) {
                if (!r.root->pull(ctx)) {
                    done = true;
                    break;
                }
                if (n > 0 && !slots.empty()) --n;
                // A query without RETURN runs to the end but yields no records.
                if (out && !slots.empty()) {
                    bolt::list row;
                    row.reserve(slots.size());
                    for (auto s : slots) row.push_back(exec::to_bolt(ctx.frame[static_cast<std::size_t>(s)], *ctx.tx));
                    out->push_back(std::move(row));
                }
            }
            // Exhausted exactly at n: look ahead is not possible with a cursor, so has_more
            // stays true until a pull finds the end (as Memgraph does).
            r.exec_s += seconds_since(t0);
            return done;
        } catch (const query_error& e) {
            on_error(e);
        } catch (const bolt::value_error& e) {
            on_error(query_error(std::string(client_error_code), e.what()));
        } catch (const std::bad_alloc&) {
            on_error(query_error(std::string(database_error_code), "Out of memory."));
        } catch (const std::exception& e) {
            on_error(query_error(std::string(database_error_code), e.what()));
        }
    }

    stream_outcome finish_or_more(bool done) {
        stream_outcome so;
        if (!done) {
            so.has_more = true;
            return so;
        }
        open_result& r = *result;
        storage::counters c;
        if (!r.buffered && tx) {
            c = tx->take_counters();
            c.properties_set -= r.ctx.create_props;
            if (c.properties_set < 0) c.properties_set = 0;
        }
        bolt::map summary;
        summary.append("type", std::string(cypher::to_string(r.plan->type)));
        bool any = c.nodes_created || c.nodes_deleted || c.relationships_created || c.relationships_deleted ||
                   c.labels_added || c.labels_removed || c.properties_set;
        if (any) {
            bolt::map stats;
            stats.append("labels-added", c.labels_added);
            stats.append("labels-removed", c.labels_removed);
            stats.append("nodes-created", c.nodes_created);
            stats.append("nodes-deleted", c.nodes_deleted);
            stats.append("properties-set", c.properties_set);
            stats.append("relationships-created", c.relationships_created);
            stats.append("relationships-deleted", c.relationships_deleted);
            summary.append("stats", std::move(stats));
        }
        if (!r.notes.empty()) {
            bolt::list notes;
            for (auto& n : r.notes)
                notes.emplace_back(bolt::map{{"severity", n.severity},
                                             {"code", n.code},
                                             {"title", n.title},
                                             {"description", n.description}});
            summary.append("notifications", std::move(notes));
        }
        bool implicit = r.implicit;
        summary.append("parsing_time", r.parse_s);
        summary.append("planning_time", r.plan->planning_time);
        summary.append("plan_execution_time", r.exec_s);
        summary.append("cost_estimate", 0.0);
        summary.append("db", "memgraph");
        result.reset();
        if (implicit && tx) {
            auto ec = tx->commit();
            if (ec) {
                std::string msg = tx->error_message();
                tx.reset();
                if (ec == storage::errc::unique_constraint_violation)
                    client_fail(msg.empty() ? "Unable to commit due to unique constraint violation." : msg);
                if (ec == storage::errc::serialization_error)
                    throw query_error(std::string(storage::conflict_code), std::string(storage::conflict_message));
                client_fail("Unable to commit: " + ec.message());
            }
            tx.reset();
        }
        so.summary = std::move(summary);
        return so;
    }

    // ---- statements computed up front -------------------------------------------------------------
    void note(open_result& r, std::string code, std::string title) {
        r.notes.push_back({std::move(code), std::move(title), "", "INFO"});
    }

    std::string index_text(const prepared& p) {
        std::string s = "label " + std::string(dbi.graph.id_to_name(p.label));
        if (p.has_property) s += " on properties " + std::string(dbi.graph.id_to_name(p.property));
        return s;
    }

    void compute(open_result& r) {
        const prepared& p = *r.plan;
        auto& g = dbi.graph;
        using storage::errc;
        switch (p.kind) {
            case stmt_kind::create_index: {
                auto ec = p.has_property ? g.create_label_property_index(p.label, p.property, schema_wait)
                                         : g.create_label_index(p.label, schema_wait);
                if (ec == errc::index_exists)
                    note(r, "IndexAlreadyExists", "Index on " + index_text(p) + " already exists.");
                else if (ec == errc::busy)
                    client_fail("Index creation timed out waiting for other transactions to finish.");
                else if (ec)
                    client_fail(ec.message());
                else
                    note(r, "CreateIndex", "Created index on " + index_text(p) + ".");
                dbi.clear_cache();  // plans pick index lookups when they are planned
                break;
            }
            case stmt_kind::drop_index: {
                auto ec = p.has_property ? g.drop_label_property_index(p.label, p.property, schema_wait)
                                         : g.drop_label_index(p.label, schema_wait);
                if (ec == errc::index_missing)
                    note(r, "IndexDoesNotExist", "Index on " + index_text(p) + " doesn't exist.");
                else if (ec == errc::busy)
                    client_fail("Dropping the index timed out waiting for other transactions to finish.");
                else if (ec)
                    client_fail(ec.message());
                else
                    note(r, "DropIndex", "Dropped index on " + index_text(p) + ".");
                dbi.clear_cache();
                break;
            }
            case stmt_kind::create_constraint: {
                std::string msg;
                auto ec = g.create_unique_constraint(p.label, p.property, schema_wait, &msg);
                std::string what = ":" + std::string(g.id_to_name(p.label)) + "(" + std::string(g.id_to_name(p.property)) + ")";
                if (ec == errc::constraint_exists)
                    note(r, "ConstraintAlreadyExists", "Constraint UNIQUE on " + index_text(p) + " already exists.");
                else if (ec == errc::constraint_violated_by_data)
                    client_fail("Unable to create unique constraint " + what + ", because an existing node violates it.");
                else if (ec == errc::busy)
                    client_fail("Constraint creation timed out waiting for other transactions to finish.");
                else if (ec)
                    client_fail(ec.message());
                else
                    note(r, "CreateConstraint", "Created UNIQUE constraint on " + index_text(p) + ".");
                break;
            }
            case stmt_kind::drop_constraint: {
                auto ec = g.drop_unique_constraint(p.label, p.property, schema_wait);
                if (ec == errc::constraint_missing)
                    client_fail("Constraint UNIQUE on " + index_text(p) + " doesn't exist.");
                else if (ec == errc::busy)
                    client_fail("Dropping the constraint timed out waiting for other transactions to finish.");
                else if (ec)
                    client_fail(ec.message());
                else
                    note(r, "DropConstraint", "Dropped UNIQUE constraint on " + index_text(p) + ".");
                break;
            }
            case stmt_kind::show_index_info:
                for (auto& ix : g.indexes()) {
                    bolt::list row;
                    row.emplace_back(ix.property ? "label+property" : "label");
                    row.emplace_back(std::string(g.id_to_name(ix.label)));
                    row.push_back(ix.property ? bolt::value(std::string(g.id_to_name(*ix.property))) : bolt::value());
                    row.emplace_back(static_cast<std::int64_t>(ix.entries));
                    r.rows.push_back(std::move(row));
                }
                break;
            case stmt_kind::show_constraint_info:
                for (auto& c : g.unique_constraints()) {
                    bolt::list row;
                    row.emplace_back("unique");
                    row.emplace_back(std::string(g.id_to_name(c.label)));
                    row.emplace_back(bolt::list{bolt::value(std::string(g.id_to_name(c.property)))});
                    r.rows.push_back(std::move(row));
                }
                break;
            case stmt_kind::show_storage_info: {
                auto i = g.info();
                auto add = [&](std::string k, bolt::value v) { r.rows.push_back(bolt::list{bolt::value(std::move(k)), std::move(v)}); };
                add("name", "memgraph");
                add("vertex_count", static_cast<std::int64_t>(i.vertex_count));
                add("edge_count", static_cast<std::int64_t>(i.edge_count));
                add("average_degree", i.vertex_count ? 2.0 * static_cast<double>(i.edge_count) / static_cast<double>(i.vertex_count) : 0.0);
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
                add("storage_mode", std::string(storage::to_string(i.mode)));
                break;
            }
            case stmt_kind::show_users:
                for (auto& u : dbi.graph.users().list()) r.rows.push_back(bolt::list{bolt::value(u)});
                break;
            case stmt_kind::storage_mode: {
                const auto& s = std::get<cypher::storage_mode_statement>(p.ast.stmt);
                auto mode = s.mode == cypher::storage_mode::in_memory_analytical ? storage::storage_mode::in_memory_analytical
                                                                                 : storage::storage_mode::in_memory_transactional;
                auto deadline = clock_type::now() + schema_wait;
                for (;;) {
                    if (g.mode() == mode) break;
                    auto ec = g.set_mode(mode);
                    if (!ec) break;
                    if (ec != errc::busy) client_fail(ec.message());
                    if (clock_type::now() > deadline)
                        client_fail("Storage mode cannot be changed while other transactions are active.");
                    std::this_thread::sleep_for(2ms);
                }
                break;
            }
            case stmt_kind::create_user: {
                const auto& s = std::get<cypher::create_user_statement>(p.ast.stmt);
                std::optional<std::string_view> pw;
                if (s.password) pw = *s.password;
                auto out = s.if_not_exists ? g.users().create_if_missing(s.name, pw) : g.users().create(s.name, pw);
                if (out == storage::user_store::outcome::exists)
                    client_fail("User or role '" + s.name + "' already exists.");
                break;
            }
            case stmt_kind::drop_user: {
                const auto& s = std::get<cypher::drop_user_statement>(p.ast.stmt);
                if (g.users().drop(s.name) != storage::user_store::outcome::ok)
                    client_fail("User '" + s.name + "' doesn't exist.");
                break;
            }
            case stmt_kind::free_memory:
                g.collect_garbage();
                break;
            case stmt_kind::cypher:
                break;
        }
    }
};

session::session(database& db, std::string user) : impl_(std::make_unique<impl>(db, std::move(user))) {}
session::~session() { reset(); }

void session::begin(const bolt::map& extra) {
    if (impl_->explicit_tx) client_fail("Nested transactions are not supported.");
    check_database(extra);
    if (impl_->result) client_fail("A result is still open: consume it before BEGIN.");
    impl_->tx = impl_->dbi.graph.begin();
    impl_->explicit_tx = true;
    impl_->failed = false;
}

bolt::map session::commit() {
    auto& s = *impl_;
    if (!s.explicit_tx) client_fail("No current transaction to commit.");
    if (s.failed) {
        s.explicit_tx = false;
        s.failed = false;
        s.abort_tx();
        client_fail("The transaction has failed and was rolled back.");
    }
    if (s.result) {
        s.drain(-1, nullptr);
        s.result.reset();
    }
    auto ec = s.tx ? s.tx->commit() : std::error_code{};
    std::string msg = s.tx ? s.tx->error_message() : std::string();
    s.tx.reset();
    s.explicit_tx = false;
    if (ec) {
        if (ec == storage::errc::unique_constraint_violation)
            client_fail(msg.empty() ? "Unable to commit due to unique constraint violation." : msg);
        if (ec == storage::errc::serialization_error || ec == storage::errc::transaction_aborted)
            throw query_error(std::string(storage::conflict_code), std::string(storage::conflict_message));
        client_fail("Unable to commit: " + ec.message());
    }
    return {};
}

void session::rollback() {
    auto& s = *impl_;
    if (!s.explicit_tx) client_fail("No current transaction to rollback.");
    s.result.reset();
    s.abort_tx();
    s.explicit_tx = false;
    s.failed = false;
}

bool session::in_explicit_transaction() const noexcept { return impl_->explicit_tx; }

namespace {
/// Anything but a query_error escaping the planner is a bug: report it as Memgraph reports an
/// unknown exception rather than let it reach the Bolt layer.
template <class F>
run_info guarded(F&& f) {
    try {
        return f();
    } catch (const query_error&) {
        throw;
    } catch (const std::exception& e) {
        throw query_error(std::string(database_error_code), e.what());
    }
}
}  // namespace

run_info session::run(std::string_view text, const bolt::map& parameters, const bolt::map& extra) {
    return guarded([&] {
        if (!impl_->explicit_tx) check_database(extra);
        return impl_->run(text, &parameters, nullptr);
    });
}

run_info session::run(std::string_view text, bolt::map&& parameters, const bolt::map& extra) {
    return guarded([&] {
        if (!impl_->explicit_tx) check_database(extra);
        return impl_->run(text, nullptr, &parameters);
    });
}

stream_outcome session::pull(std::int64_t n, std::vector<bolt::list>& out) {
    if (!impl_->result) client_fail("There is no result to pull.");
    bool done = impl_->drain(n == 0 ? -1 : n, &out);
    return impl_->finish_or_more(done);
}

stream_outcome session::discard(std::int64_t n) {
    if (!impl_->result) client_fail("There is no result to discard.");
    bool done = impl_->drain(n == 0 ? -1 : n, nullptr);
    return impl_->finish_or_more(done);
}

bool session::has_open_result() const noexcept { return impl_->result.has_value(); }

void session::reset() noexcept {
    auto& s = *impl_;
    s.result.reset();
    s.abort_tx();
    s.explicit_tx = false;
    s.failed = false;
}

const std::string& session::user() const noexcept { return impl_->user; }

}  // namespace server::query
