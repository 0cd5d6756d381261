// The storage facade: error category, counters, modes, schema changes (indexes, unique
// constraints) under exclusive access, SHOW STORAGE INFO figures and garbage collection.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <unistd.h>

#include "engine.hpp"

namespace server::storage {

using detail::prop_value;
using detail::vertex;

// ---- errors, names, counters ---------------------------------------------------------------

namespace {
class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "server.storage"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::serialization_error: return std::string(conflict_message);
            case errc::transaction_aborted: return "The transaction failed earlier and can only be rolled back.";
            case errc::transaction_closed: return "The transaction is already committed or rolled back.";
            case errc::deleted_object: return "The object was deleted or is not visible to this transaction.";
            case errc::vertex_has_edges: return std::string(delete_with_edges_message);
            case errc::unique_constraint_violation: return "Unable to commit due to unique constraint violation.";
            case errc::busy: return "Other transactions are active; try again when they have finished.";
            case errc::index_exists: return "Index already exists.";
            case errc::index_missing: return "Index doesn't exist.";
            case errc::constraint_exists: return "Constraint already exists.";
            case errc::constraint_missing: return "Constraint doesn't exist.";
            case errc::constraint_violated_by_data: return "Unable to create unique constraint: existing data violates it.";
        }
        return "unknown storage error";
    }
};
}  // namespace

const std::error_category& storage_category() noexcept {
    static const category c;
    return c;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), storage_category()}; }

std::string_view to_string(storage_mode m) noexcept {
    return m == storage_mode::in_memory_analytical ? "IN_MEMORY_ANALYTICAL" : "IN_MEMORY_TRANSACTIONAL";
}

std::optional<storage_mode> parse_storage_mode(std::string_view s) noexcept {
    auto iequals = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                   return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
               });
    };
    if (iequals(s, "IN_MEMORY_TRANSACTIONAL")) return storage_mode::in_memory_transactional;
    if (iequals(s, "IN_MEMORY_ANALYTICAL")) return storage_mode::in_memory_analytical;
    return std::nullopt;
}

counters& counters::operator+=(const counters& o) noexcept {
    nodes_created += o.nodes_created;
    nodes_deleted += o.nodes_deleted;
    relationships_created += o.relationships_created;
    relationships_deleted += o.relationships_deleted;
    properties_set += o.properties_set;
    labels_added += o.labels_added;
    labels_removed += o.labels_removed;
    indexes_added += o.indexes_added;
    indexes_removed += o.indexes_removed;
    constraints_added += o.constraints_added;
    constraints_removed += o.constraints_removed;
    return *this;
}

std::vector<std::pair<std::string_view, std::int64_t>> counters::nonzero() const {
    std::vector<std::pair<std::string_view, std::int64_t>> out;
    auto add = [&](std::string_view k, std::int64_t v) { if (v) out.emplace_back(k, v); };
    add("nodes-created", nodes_created);
    add("nodes-deleted", nodes_deleted);
    add("relationships-created", relationships_created);
    add("relationships-deleted", relationships_deleted);
    add("properties-set", properties_set);
    add("labels-added", labels_added);
    add("labels-removed", labels_removed);
    add("indexes-added", indexes_added);
    add("indexes-removed", indexes_removed);
    add("constraints-added", constraints_added);
    add("constraints-removed", constraints_removed);
    return out;
}

bool counters::contains_updates() const noexcept { return !nonzero().empty(); }

// ---- storage ---------------------------------------------------------------------------------

storage::storage(config cfg) : engine_(std::make_unique<detail::engine>(cfg)) {}

storage::~storage() = default;

std::unique_ptr<transaction> storage::begin() {
    return std::unique_ptr<transaction>(new transaction(*engine_, engine_->begin()));
}

name_id storage::name_to_id(std::string_view name) { return engine_->names.get_or_add(name); }
std::optional<name_id> storage::find_name(std::string_view name) const { return engine_->names.find(name); }
std::string_view storage::id_to_name(name_id id) const { return engine_->names.name(id); }

storage_mode storage::mode() const noexcept { return engine_->mode.load(); }
edge_creation_rule storage::edge_rule() const noexcept { return engine_->cfg.edge_rule; }

namespace {
/// Holds the engine exclusively (no transaction active, none can begin) for a schema change.
class exclusive_guard {
public:
    exclusive_guard(detail::engine& e, std::chrono::milliseconds wait) : e_(e), held_(e.acquire_exclusive(wait)) {
        // With nobody active every committed delta is collectable: start from a clean slate.
        if (held_) e_.collect_garbage(false);
    }
    ~exclusive_guard() { if (held_) e_.release_exclusive(); }
    exclusive_guard(const exclusive_guard&) = delete;
    exclusive_guard& operator=(const exclusive_guard&) = delete;
    bool held() const noexcept { return held_; }

private:
    detail::engine& e_;
    bool held_;
};

/// Calls f(vertex*) for every existing vertex (current state; only under exclusive access).
template <class F>
void for_each_current(detail::engine& e, F&& f) {
    gid end = e.vertices.end();
    for (gid g = 0; g < end; ++g)
        if (vertex* v = e.vertices.find(g))
            if (!v->deleted) f(v);
}
}  // namespace

std::error_code storage::set_mode(storage_mode m) {
    exclusive_guard g(*engine_, {});
    if (!g.held()) return errc::busy;
    engine_->mode.store(m);
    return {};
}

std::error_code storage::create_label_index(label_id label, std::chrono::milliseconds wait) {
    exclusive_guard g(*engine_, wait);
    if (!g.held()) return errc::busy;
    std::unique_lock lock(engine_->schema_mu);
    if (engine_->find_label_index(label)) return errc::index_exists;
    auto idx = std::make_unique<detail::label_index>(label);
    for_each_current(*engine_, [&](vertex* v) { if (v->labels.contains(label)) idx->insert(v); });
    engine_->label_indexes.push_back(std::move(idx));
    return {};
}

std::error_code storage::drop_label_index(label_id label, std::chrono::milliseconds wait) {
    exclusive_guard g(*engine_, wait);
    if (!g.held()) return errc::busy;
    std::unique_lock lock(engine_->schema_mu);
    auto& v = engine_->label_indexes;
    auto it = std::find_if(v.begin(), v.end(), [&](auto& i) { return i->label == label; });
    if (it == v.end()) return errc::index_missing;
    v.erase(it);
    return {};
}

std::error_code storage::create_label_property_index(label_id label, property_id prop, std::chrono::milliseconds wait) {
    exclusive_guard g(*engine_, wait);
    if (!g.held()) return errc::busy;
    std::unique_lock lock(engine_->schema_mu);
    if (engine_->find_property_index(label, prop)) return errc::index_exists;
    auto idx = std::make_unique<detail::label_property_index>(label, prop);
    for_each_current(*engine_, [&](vertex* v) {
        if (!v->labels.contains(label)) return;
        if (const prop_value* cur = v->props.get(prop)) idx->insert(*cur, v);
    });
    engine_->property_indexes.push_back(std::move(idx));
    return {};
}

std::error_code storage::drop_label_property_index(label_id label, property_id prop, std::chrono::milliseconds wait) {
    exclusive_guard g(*engine_, wait);
    if (!g.held()) return errc::busy;
    std::unique_lock lock(engine_->schema_mu);
    auto& v = engine_->property_indexes;
    auto it = std::find_if(v.begin(), v.end(), [&](auto& i) { return i->label == label && i->prop == prop; });
    if (it == v.end()) return errc::index_missing;
    v.erase(it);
    return {};
}

std::vector<index_info> storage::indexes() const {
    std::shared_lock lock(engine_->schema_mu);
    std::vector<index_info> out;
    for (auto& i : engine_->label_indexes) out.push_back({i->label, std::nullopt, i->entries()});
    for (auto& i : engine_->property_indexes) out.push_back({i->label, i->prop, i->entries()});
    return out;
}

bool storage::has_label_index(label_id label) const {
    std::shared_lock lock(engine_->schema_mu);
    return engine_->find_label_index(label) != nullptr;
}

bool storage::has_label_property_index(label_id label, property_id prop) const {
    std::shared_lock lock(engine_->schema_mu);
    return engine_->find_property_index(label, prop) != nullptr;
}

std::error_code storage::create_unique_constraint(label_id label, property_id prop, std::chrono::milliseconds wait,
                                                  std::string* message) {
    exclusive_guard g(*engine_, wait);
    if (!g.held()) return errc::busy;
    std::unique_lock lock(engine_->schema_mu);
    for (auto& c : engine_->constraints)
        if (c->label == label && c->prop == prop) return errc::constraint_exists;
    auto idx = std::make_unique<detail::label_property_index>(label, prop);
    std::optional<prop_value> clash;
    std::vector<vertex*> seen;
    for_each_current(*engine_, [&](vertex* v) {
        if (clash || !v->labels.contains(label)) return;
        const prop_value* cur = v->props.get(prop);
        if (!cur) return;
        seen.clear();
        idx->lookup(*cur, seen);
        if (!seen.empty()) clash = *cur;
        idx->insert(*cur, v);
    });
    if (clash) {
        if (message) {
            *message = "Unable to create unique constraint :";
            *message += id_to_name(label);
            *message += "(";
            *message += id_to_name(prop);
            *message += "), because an existing node violates it (value ";
            *message += bolt::to_string(clash->to_value());
            *message += ")";
        }
        return errc::constraint_violated_by_data;
    }
    engine_->constraints.push_back(std::move(idx));
    return {};
}

std::error_code storage::drop_unique_constraint(label_id label, property_id prop, std::chrono::milliseconds wait) {
    exclusive_guard g(*engine_, wait);
    if (!g.held()) return errc::busy;
    std::unique_lock lock(engine_->schema_mu);
    auto& v = engine_->constraints;
    auto it = std::find_if(v.begin(), v.end(), [&](auto& i) { return i->label == label && i->prop == prop; });
    if (it == v.end()) return errc::constraint_missing;
    v.erase(it);
    return {};
}

std::vector<constraint_info> storage::unique_constraints() const {
    std::shared_lock lock(engine_->schema_mu);
    std::vector<constraint_info> out;
    for (auto& c : engine_->constraints) out.push_back({c->label, c->prop});
    return out;
}

storage_info storage::info() const {
    auto& e = *engine_;
    storage_info out{};
    out.vertex_count = e.vertices.end() - static_cast<std::uint64_t>(e.vertices_removed.load());
    out.edge_count = e.edges.end() - static_cast<std::uint64_t>(e.edges_removed.load());
    out.mode = e.mode.load();
    out.pending_deltas = e.pending_deltas.load();
    std::uint64_t bytes = e.vertices.slot_bytes() + e.edges.slot_bytes();
    for (gid g = 0, end = e.vertices.end(); g < end; ++g)
        if (vertex* v = e.vertices.find(g)) {
            std::lock_guard lock(v->lock);
            bytes += v->props.heap_bytes() + v->labels.heap_bytes() + v->out.heap_bytes() + v->in.heap_bytes();
        }
    for (gid g = 0, end = e.edges.end(); g < end; ++g)
        if (detail::edge* x = e.edges.find(g)) {
            std::lock_guard lock(x->lock);
            bytes += x->props.heap_bytes();
        }
    for (auto& i : indexes()) bytes += i.entries * 64;
    bytes += out.pending_deltas * sizeof(detail::delta);
    out.memory_tracked = bytes;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        unsigned long long size = 0, resident = 0;
        if (std::fscanf(f, "%llu %llu", &size, &resident) == 2)
            out.memory_res = resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
        std::fclose(f);
    }
    return out;
}

void storage::collect_garbage() { engine_->collect_garbage(true); }

std::size_t storage::active_transactions() const {
    std::lock_guard lock(engine_->mu);
    return engine_->active.size();
}

}  // namespace server::storage
