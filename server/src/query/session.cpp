// Query sessions: parse (cached by text), plan, run over a storage transaction, stream records,
// and finish with Memgraph's summary (summary.cpp). Admin statements run in admin.cpp.
#include "server/query/session.hpp"

#include <chrono>
#include <list>
#include <mutex>
#include <unordered_map>

#include "admin.hpp"
#include "exec.hpp"
#include "operators.hpp"
#include "server/cypher/semantic.hpp"

namespace server::query {

namespace {

using clock_type = std::chrono::steady_clock;
using exec::prepared;
using exec::stmt_kind;

constexpr std::size_t cache_capacity = 1024;

double seconds_since(clock_type::time_point t) {
    return std::chrono::duration<double>(clock_type::now() - t).count();
}

using exec::fail;

/// A commit that failed, as Memgraph reports it: a unique constraint's own message, a conflict
/// (serialization error) as the retryable TransientError, anything else as a client error.
[[noreturn]] void fail_commit(std::error_code ec, const std::string& storage_message) {
    if (ec == storage::errc::unique_constraint_violation)
        fail(storage_message.empty() ? "Unable to commit due to unique constraint violation." : storage_message);
    if (ec == storage::errc::serialization_error || ec == storage::errc::transaction_aborted)
        throw query_error(std::string(storage::conflict_code), std::string(storage::conflict_message));
    fail("Unable to commit: " + ec.message());
}

/// Memgraph's handling of BEGIN/RUN `db`: only the default database exists here.
void check_database(const bolt::map& extra) {
    const bolt::value* db = extra.find("db");
    if (!db || db->is_null()) return;
    const std::string* name = db->get_if<std::string>();
    if (!name) fail("Malformed config input.");
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
    admin::prepare(*p, db.graph);
    if (p->kind == stmt_kind::cypher) exec::plan_query(*p, db.graph);
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
        std::vector<notification> notes;
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
        if (failed) fail("The transaction has failed; roll it back before running another query.");
        if (result) {
            if (explicit_tx)
                drain(-1, nullptr);
            else
                fail("Only one result may be open at a time.");
        }
        double parse_s = 0;
        auto plan = prepare(dbi, text, parse_s);
        open_result r;
        r.plan = plan;
        r.parse_s = parse_s;
        if (plan->kind != stmt_kind::cypher) {
            if (explicit_tx) fail(std::string(admin::refusal_in_transaction(plan->kind)));
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
                fail("Parameter $" + plan->ast.parameters[i] + " not provided.");
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
                    auto done = admin::run(*r.plan, dbi.graph);
                    if (done.plans_stale) dbi.clear_cache();  // plans pick index lookups when planned
                    r.rows = std::move(done.rows);
                    r.notes = std::move(done.notes);
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
        if (!r.buffered && tx) c = memgraph_counters(tx->take_counters(), r.ctx.create_props);
        bolt::map summary = memgraph_summary({.type = cypher::to_string(r.plan->type),
                                              .counters = c,
                                              .notes = r.notes,
                                              .parsing_s = r.parse_s,
                                              .planning_s = r.plan->planning_time,
                                              .execution_s = r.exec_s});
        bool implicit = r.implicit;
        result.reset();
        if (implicit && tx) {
            auto ec = tx->commit();
            std::string msg = ec ? tx->error_message() : std::string();
            tx.reset();
            if (ec) fail_commit(ec, msg);
        }
        so.summary = std::move(summary);
        return so;
    }
};

session::session(database& db, std::string user) : impl_(std::make_unique<impl>(db, std::move(user))) {}
session::~session() { reset(); }

void session::begin(const bolt::map& extra) {
    if (impl_->explicit_tx) fail("Nested transactions are not supported.");
    check_database(extra);
    if (impl_->result) fail("A result is still open: consume it before BEGIN.");
    impl_->tx = impl_->dbi.graph.begin();
    impl_->explicit_tx = true;
    impl_->failed = false;
}

bolt::map session::commit() {
    auto& s = *impl_;
    if (!s.explicit_tx) fail("No current transaction to commit.");
    if (s.failed) {
        s.explicit_tx = false;
        s.failed = false;
        s.abort_tx();
        fail("The transaction has failed and was rolled back.");
    }
    if (s.result) {
        s.drain(-1, nullptr);
        s.result.reset();
    }
    auto ec = s.tx ? s.tx->commit() : std::error_code{};
    std::string msg = s.tx ? s.tx->error_message() : std::string();
    s.tx.reset();
    s.explicit_tx = false;
    if (ec) fail_commit(ec, msg);
    return {};
}

void session::rollback() {
    auto& s = *impl_;
    if (!s.explicit_tx) fail("No current transaction to rollback.");
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
    if (!impl_->result) fail("There is no result to pull.");
    bool done = impl_->drain(n == 0 ? -1 : n, &out);
    return impl_->finish_or_more(done);
}

stream_outcome session::discard(std::int64_t n) {
    if (!impl_->result) fail("There is no result to discard.");
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
