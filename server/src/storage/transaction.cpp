// Transactions: snapshot reads over undo-delta chains, writes under Memgraph's PrepareForWrite
// rule, commit (unique constraints, commit timestamp) and abort (undo in place).
#include <algorithm>
#include <string>

#include "engine.hpp"

namespace server::storage {

using detail::delta;
using detail::delta_action;
using detail::edge;
using detail::prop_value;
using detail::txn_state;
using detail::vertex;
using detail::view;

namespace {

/// Applies `f` to each delta the view cannot see, newest first. Stops at the first visible
/// delta unless the chain is interleaved (then older invisible deltas may follow).
template <class Obj, class F>
void for_invisible(const Obj* o, const view& vw, F&& f) {
    for (const delta* d = o->chain; d; d = d->next) {
        if (vw.sees(d->ts->load(std::memory_order_acquire))) {
            if (!o->interleaved) return;
            continue;
        }
        f(*d);
    }
}

/// Memgraph's PrepareForWrite: no delta, or the newest is ours, or it was committed before we
/// started. On an interleaved chain every delta must pass.
template <class Obj>
bool writable(const Obj* o, const view& vw) {
    for (const delta* d = o->chain; d; d = d->next) {
        if (!vw.sees(d->ts->load(std::memory_order_acquire))) return false;
        if (!o->interleaved) return true;
    }
    return true;
}

/// Memgraph >= 3.8 for an edge endpoint: deltas we cannot see are fine when they are only
/// other edge creations. `passed` tells that our delta will sit above such deltas.
bool edge_addable(const vertex* v, const view& vw, bool& passed) {
    for (const delta* d = v->chain; d; d = d->next) {
        if (vw.sees(d->ts->load(std::memory_order_acquire))) {
            if (!v->interleaved) return true;
            continue;
        }
        if (d->action == delta_action::remove_out_edge || d->action == delta_action::remove_in_edge) {
            passed = true;
            continue;
        }
        return false;
    }
    return true;
}

/// True when the object was created by `t` and nothing else was recorded since: further
/// writes need no delta, since undoing the creation discards the object whole.
bool created_here(const delta* head, const txn_state& t) noexcept {
    return head && head->action == delta_action::delete_object && head->ts == &t.commit_info;
}

template <class Obj>
delta* push_delta(txn_state& t, Obj* o, delta_action a) {
    delta& d = t.deltas.emplace_back();
    d.action = a;
    d.on_edge = std::is_same_v<Obj, edge>;
    d.ts = &t.commit_info;
    d.owner = o;
    d.next = o->chain;
    if (o->chain) o->chain->prev = &d;
    o->chain = &d;
    return &d;
}

template <class Obj>
void unlink(Obj* o, delta* d) noexcept {
    if (d->prev) d->prev->next = d->next; else o->chain = d->next;
    if (d->next) d->next->prev = d->prev;
    d->next = d->prev = nullptr;
    if (!o->chain) o->interleaved = false;
}

/// Locks one or two vertices in gid order (the same vertex once).
class pair_lock {
public:
    pair_lock(vertex* a, vertex* b) : a_(a->id <= b->id ? a : b), b_(a->id <= b->id ? b : a) {
        a_->lock.lock();
        if (b_ != a_) b_->lock.lock();
    }
    ~pair_lock() {
        if (b_ != a_) b_->lock.unlock();
        a_->lock.unlock();
    }
    pair_lock(const pair_lock&) = delete;
    pair_lock& operator=(const pair_lock&) = delete;

private:
    vertex* a_;
    vertex* b_;
};

template <class Obj>
bool exists_in(const Obj* o, const view& vw) {
    bool deleted = o->deleted;
    for_invisible(o, vw, [&](const delta& d) {
        if (d.action == delta_action::delete_object) deleted = true;
        else if (d.action == delta_action::recreate_object) deleted = false;
    });
    return !deleted;
}

/// Under the object's lock: the visible value of `p` (nullptr when absent or not existing).
template <class Obj>
const prop_value* visible_property(const Obj* o, const view& vw, property_id p, bool& exists) {
    bool deleted = o->deleted;
    const prop_value* cur = o->props.get(p);
    for_invisible(o, vw, [&](const delta& d) {
        switch (d.action) {
            case delta_action::delete_object: deleted = true; break;
            case delta_action::recreate_object: deleted = false; break;
            case delta_action::set_property:
                if (d.key == p) cur = d.old_value.is_null() ? nullptr : &d.old_value;
                break;
            default: break;
        }
    });
    exists = !deleted;
    return deleted ? nullptr : cur;
}

/// Under the vertex's lock: does the visible version exist and carry `label`?
bool visible_label(const vertex* v, const view& vw, label_id label) {
    bool deleted = v->deleted;
    bool has = v->labels.contains(label);
    for_invisible(v, vw, [&](const delta& d) {
        switch (d.action) {
            case delta_action::delete_object: deleted = true; break;
            case delta_action::recreate_object: deleted = false; break;
            case delta_action::add_label: if (d.key == label) has = true; break;
            case delta_action::remove_label: if (d.key == label) has = false; break;
            default: break;
        }
    });
    return !deleted && has;
}

/// The visible value of (label, prop) for a vertex, tested with `pred` under the lock.
template <class Pred>
bool label_property_matches(vertex* v, const view& vw, label_id label, property_id prop, Pred&& pred) {
    std::lock_guard lock(v->lock);
    if (!visible_label(v, vw, label)) return false;
    bool exists = false;
    const prop_value* cur = visible_property(v, vw, prop, exists);
    return exists && cur && pred(*cur);
}

template <class Obj>
property_list visible_properties(const Obj* o, const view& vw, bool& exists) {
    std::vector<std::pair<property_id, const prop_value*>> props;
    props.reserve(o->props.size());
    for (std::uint32_t i = 0; i < o->props.size(); ++i) props.emplace_back(o->props.key_at(i), &o->props.value_at(i));
    bool deleted = o->deleted;
    for_invisible(o, vw, [&](const delta& d) {
        switch (d.action) {
            case delta_action::delete_object: deleted = true; break;
            case delta_action::recreate_object: deleted = false; break;
            case delta_action::set_property: {
                auto it = std::find_if(props.begin(), props.end(), [&](auto& e) { return e.first == d.key; });
                if (d.old_value.is_null()) {
                    if (it != props.end()) props.erase(it);
                } else if (it != props.end()) {
                    it->second = &d.old_value;
                } else {
                    props.emplace_back(d.key, &d.old_value);
                }
                break;
            }
            default: break;
        }
    });
    exists = !deleted;
    property_list out;
    if (deleted) return out;
    std::sort(props.begin(), props.end(), [](auto& a, auto& b) { return a.first < b.first; });
    out.reserve(props.size());
    for (auto& [k, v] : props) out.emplace_back(k, v->to_value());
    return out;
}

std::vector<std::pair<std::uint32_t, prop_value>> make_block(
    std::span<const std::pair<property_id, bolt::value>> props) {
    std::vector<std::pair<std::uint32_t, prop_value>> out;
    out.reserve(props.size());
    for (const auto& entry : props) {
        // A later duplicate key wins, as in a Cypher map literal.
        const property_id key = entry.first;
        auto it = std::find_if(out.begin(), out.end(), [&](auto& e) { return e.first == key; });
        if (it != out.end()) out.erase(it);
        if (!entry.second.is_null()) out.emplace_back(key, prop_value(entry.second));
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first < b.first; });
    return out;
}

void undo(vertex* v, delta& d) {
    switch (d.action) {
        case delta_action::delete_object: v->deleted = true; break;
        case delta_action::recreate_object: v->deleted = false; break;
        case delta_action::set_property: v->props.set(d.key, std::move(d.old_value)); break;
        case delta_action::add_label: v->labels.add(d.key); break;
        case delta_action::remove_label: v->labels.remove(d.key); break;
        case delta_action::add_in_edge: v->in.add(d.e); break;
        case delta_action::add_out_edge: v->out.add(d.e); break;
        case delta_action::remove_in_edge: v->in.remove(d.e); break;
        case delta_action::remove_out_edge: v->out.remove(d.e); break;
    }
}

void undo(edge* e, delta& d) {
    switch (d.action) {
        case delta_action::delete_object: e->deleted = true; break;
        case delta_action::recreate_object: e->deleted = false; break;
        case delta_action::set_property: e->props.set(d.key, std::move(d.old_value)); break;
        default: break;
    }
}

}  // namespace

// ---- handles and cursor ----------------------------------------------------------------------

gid vertex_handle::id() const noexcept { return v_->id; }
gid edge_handle::id() const noexcept { return e_->id; }
vertex_handle edge_handle::from() const noexcept { return vertex_handle(e_->from); }
vertex_handle edge_handle::to() const noexcept { return vertex_handle(e_->to); }
edge_type_id edge_handle::type() const noexcept { return e_->type; }

std::optional<vertex_handle> vertex_cursor::next() {
    while (next_ < end_) {
        vertex* v = tx_->engine_.vertices.find(next_++);
        if (v && tx_->exists(vertex_handle(v))) return vertex_handle(v);
    }
    return std::nullopt;
}

// ---- transaction: lifecycle ------------------------------------------------------------------

transaction::transaction(detail::engine& engine, std::unique_ptr<detail::txn_state> state)
    : engine_(engine), state_(std::move(state)), id_(state_->id), start_ts_(state_->start_ts),
      mode_(state_->mode) {}

transaction::~transaction() {
    if (open_) abort();
}

storage_mode transaction::mode() const noexcept { return mode_; }
bool transaction::is_open() const noexcept { return open_; }
bool transaction::failed() const noexcept { return failed_; }
std::uint64_t transaction::start_timestamp() const noexcept { return start_ts_; }
std::uint64_t transaction::id() const noexcept { return id_; }

server::storage::counters transaction::take_counters() noexcept {
    server::storage::counters c = counters_;
    counters_ = {};
    return c;
}

std::error_code transaction::check_writable() {
    if (!open_) return errc::transaction_closed;
    if (failed_) return errc::transaction_aborted;
    return {};
}

std::error_code transaction::fail(errc e) {
    failed_ = true;
    message_ = e == errc::serialization_error ? std::string(conflict_message) : make_error_code(e).message();
    return e;
}

namespace {
detail::view view_of(const txn_state* t, std::uint64_t id, std::uint64_t start) {
    return t ? t->as_view() : detail::view{id, start};
}
}  // namespace

// ---- reads -----------------------------------------------------------------------------------


std::optional<vertex_handle> transaction::find_vertex(gid id) {
    vertex* v = engine_.vertices.find(id);
    if (v && exists(vertex_handle(v))) return vertex_handle(v);
    return std::nullopt;
}

std::optional<edge_handle> transaction::find_edge(gid id) {
    edge* e = engine_.edges.find(id);
    if (e && exists(edge_handle(e))) return edge_handle(e);
    return std::nullopt;
}

bool transaction::exists(vertex_handle h) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    vertex* v = h.get();
    std::lock_guard lock(v->lock);
    return exists_in(v, vw);
}

bool transaction::exists(edge_handle h) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    edge* e = h.get();
    std::lock_guard lock(e->lock);
    return exists_in(e, vw);
}

vertex_cursor transaction::vertices() { return vertex_cursor(this, engine_.vertices.end()); }

namespace {
void sort_by_gid(std::vector<vertex_handle>& out) {
    std::sort(out.begin(), out.end(), [](vertex_handle a, vertex_handle b) { return a.id() < b.id(); });
}
}  // namespace

std::vector<vertex_handle> transaction::vertices_with_label(label_id label) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::vector<vertex_handle> out;
    auto test = [&](vertex* v) {
        std::lock_guard lock(v->lock);
        if (visible_label(v, vw, label)) out.emplace_back(v);
    };
    if (detail::label_index* idx = engine_.find_label_index(label)) {
        std::vector<vertex*> cand;
        idx->collect(cand);
        for (vertex* v : cand) test(v);
        sort_by_gid(out);
    } else {
        gid end = engine_.vertices.end();
        for (gid g = 0; g < end; ++g)
            if (vertex* v = engine_.vertices.find(g)) test(v);
    }
    return out;
}

std::vector<vertex_handle> transaction::vertices_with_property(label_id label, property_id prop,
                                                               const bolt::value& value) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::vector<vertex_handle> out;
    prop_value x(value);
    if (x.is_null()) return out;
    auto eq = [&](const prop_value& cur) { return cur.equals(x); };
    if (detail::label_property_index* idx = engine_.find_property_index(label, prop)) {
        thread_local std::vector<vertex*> cand;  // the hot path of MATCH (a:L {p: $v}): no allocation
        cand.clear();
        idx->lookup(x, cand);
        for (vertex* v : cand)
            if (label_property_matches(v, vw, label, prop, eq)) out.emplace_back(v);
        if (out.size() > 1) sort_by_gid(out);
    } else {
        gid end = engine_.vertices.end();
        for (gid g = 0; g < end; ++g)
            if (vertex* v = engine_.vertices.find(g))
                if (label_property_matches(v, vw, label, prop, eq)) out.emplace_back(v);
    }
    return out;
}

std::vector<vertex_handle> transaction::vertices_with_property_range(label_id label, property_id prop,
                                                                     const std::optional<bound>& lower,
                                                                     const std::optional<bound>& upper) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::vector<vertex_handle> out;
    std::optional<prop_value> lo, hi;
    if (lower) lo.emplace(lower->value);
    if (upper) hi.emplace(upper->value);
    if ((lo && lo->is_null()) || (hi && hi->is_null())) return out;
    auto in_range = [&](const prop_value& cur) {
        if (lo) {
            auto c = cur.compare(*lo);
            if (!c || *c < 0 || (*c == 0 && !lower->inclusive)) return false;
        }
        if (hi) {
            auto c = cur.compare(*hi);
            if (!c || *c > 0 || (*c == 0 && !upper->inclusive)) return false;
        }
        return lo || hi;
    };
    std::vector<vertex*> cand;
    if (detail::label_property_index* idx = engine_.find_property_index(label, prop)) {
        for (auto& s : idx->shards) {
            std::lock_guard lock(s.mu);
            s.map.for_each([&](const prop_value& k, const detail::vertex_set& set) {
                if (in_range(k)) set.for_each([&](vertex* v) { cand.push_back(v); });
            });
        }
        std::sort(cand.begin(), cand.end());
        cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    } else {
        gid end = engine_.vertices.end();
        for (gid g = 0; g < end; ++g)
            if (vertex* v = engine_.vertices.find(g)) cand.push_back(v);
    }
    for (vertex* v : cand)
        if (label_property_matches(v, vw, label, prop, in_range)) out.emplace_back(v);
    sort_by_gid(out);
    return out;
}

std::vector<label_id> transaction::labels(vertex_handle h) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    vertex* v = h.get();
    std::lock_guard lock(v->lock);
    std::vector<label_id> out(v->labels.data(), v->labels.data() + v->labels.size());
    bool deleted = v->deleted;
    for_invisible(v, vw, [&](const delta& d) {
        switch (d.action) {
            case delta_action::delete_object: deleted = true; break;
            case delta_action::recreate_object: deleted = false; break;
            case delta_action::add_label:
                if (std::find(out.begin(), out.end(), d.key) == out.end()) out.push_back(d.key);
                break;
            case delta_action::remove_label: std::erase(out, d.key); break;
            default: break;
        }
    });
    if (deleted) out.clear();
    return out;
}

bool transaction::has_label(vertex_handle h, label_id label) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::lock_guard lock(h.get()->lock);
    return visible_label(h.get(), vw, label);
}

bolt::value transaction::property(vertex_handle h, property_id prop) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::lock_guard lock(h.get()->lock);
    bool exists = false;
    const prop_value* cur = visible_property(h.get(), vw, prop, exists);
    return cur ? cur->to_value() : bolt::value{};
}

property_list transaction::properties(vertex_handle h) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::lock_guard lock(h.get()->lock);
    bool exists = false;
    return visible_properties(h.get(), vw, exists);
}

namespace {
std::vector<edge_handle> visible_edges(vertex* v, const view& vw, bool out_side) {
    std::lock_guard lock(v->lock);
    const auto& list = out_side ? v->out : v->in;
    std::vector<edge*> edges(list.begin(), list.end());
    bool deleted = v->deleted;
    const delta_action add = out_side ? delta_action::add_out_edge : delta_action::add_in_edge;
    const delta_action remove = out_side ? delta_action::remove_out_edge : delta_action::remove_in_edge;
    for_invisible(v, vw, [&](const delta& d) {
        if (d.action == delta_action::delete_object) deleted = true;
        else if (d.action == delta_action::recreate_object) deleted = false;
        else if (d.action == add) edges.push_back(d.e);
        else if (d.action == remove) std::erase(edges, d.e);
    });
    std::vector<edge_handle> out;
    if (deleted) return out;
    out.reserve(edges.size());
    for (edge* e : edges) out.emplace_back(e);
    return out;
}
}  // namespace

std::vector<edge_handle> transaction::out_edges(vertex_handle v) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    return visible_edges(v.get(), vw, true);
}

std::vector<edge_handle> transaction::in_edges(vertex_handle v) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    return visible_edges(v.get(), vw, false);
}

bolt::value transaction::property(edge_handle h, property_id prop) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::lock_guard lock(h.get()->lock);
    bool exists = false;
    const prop_value* cur = visible_property(h.get(), vw, prop, exists);
    return cur ? cur->to_value() : bolt::value{};
}

property_list transaction::properties(edge_handle h) {
    const view vw = view_of(state_.get(), id_, start_ts_);
    std::lock_guard lock(h.get()->lock);
    bool exists = false;
    return visible_properties(h.get(), vw, exists);
}

bolt::node transaction::to_node(vertex_handle v) {
    bolt::node n;
    n.id = static_cast<std::int64_t>(v.id());
    n.element_id = std::to_string(v.id());
    for (label_id l : labels(v)) n.labels.emplace_back(engine_.names.name(l));
    for (auto& [k, val] : properties(v)) n.properties.append(std::string(engine_.names.name(k)), std::move(val));
    return n;
}

bolt::relationship transaction::to_relationship(edge_handle e) {
    bolt::relationship r;
    r.id = static_cast<std::int64_t>(e.id());
    r.start_node_id = static_cast<std::int64_t>(e.from().id());
    r.end_node_id = static_cast<std::int64_t>(e.to().id());
    r.type = std::string(engine_.names.name(e.type()));
    for (auto& [k, val] : properties(e)) r.properties.append(std::string(engine_.names.name(k)), std::move(val));
    r.element_id = std::to_string(e.id());
    r.start_node_element_id = std::to_string(e.from().id());
    r.end_node_element_id = std::to_string(e.to().id());
    return r;
}


// ---- writes ----------------------------------------------------------------------------------

namespace {
bool has_property_schema(const detail::engine& e) noexcept {
    return !e.property_indexes.empty() || !e.constraints.empty();
}
bool has_any_schema(const detail::engine& e) noexcept {
    return !e.label_indexes.empty() || has_property_schema(e);
}
}  // namespace

result<vertex_handle> transaction::create_vertex() { return create_vertex({}, {}); }

result<vertex_handle> transaction::create_vertex(std::span<const label_id> labels,
                                                 std::span<const std::pair<property_id, bolt::value>> props) {
    if (auto ec = check_writable()) return ec;
    auto block = make_block(props);
    vertex* v = engine_.vertices.allocate();
    for (label_id l : labels) v->labels.add(l);
    v->props.assign(std::move(block));
    if (mode_ == storage_mode::in_memory_transactional) push_delta(*state_, v, delta_action::delete_object);
    v->live.store(1, std::memory_order_release);
    ++counters_.nodes_created;
    counters_.labels_added += v->labels.size();
    counters_.properties_set += v->props.size();
    if (has_any_schema(engine_)) engine_.index_new_vertex(state_.get(), v);
    return vertex_handle(v);
}

result<bool> transaction::add_label(vertex_handle h, label_id label) {
    if (auto ec = check_writable()) return ec;
    vertex* v = h.get();
    {
        std::lock_guard lock(v->lock);
        if (mode_ == storage_mode::in_memory_transactional) {
            if (!writable(v, state_->as_view())) return fail(errc::serialization_error);
            if (v->deleted) return errc::deleted_object;
            if (!v->labels.add(label)) return false;
            if (!created_here(v->chain, *state_)) push_delta(*state_, v, delta_action::remove_label)->key = label;
        } else {
            if (v->deleted) return errc::deleted_object;
            if (!v->labels.add(label)) return false;
        }
    }
    ++counters_.labels_added;
    if (has_any_schema(engine_)) engine_.index_after_label(state_.get(), v, label);
    return true;
}

result<bool> transaction::remove_label(vertex_handle h, label_id label) {
    if (auto ec = check_writable()) return ec;
    vertex* v = h.get();
    {
        std::lock_guard lock(v->lock);
        if (mode_ == storage_mode::in_memory_transactional) {
            if (!writable(v, state_->as_view())) return fail(errc::serialization_error);
            if (v->deleted) return errc::deleted_object;
            if (!v->labels.remove(label)) return false;
            if (!created_here(v->chain, *state_)) push_delta(*state_, v, delta_action::add_label)->key = label;
        } else {
            if (v->deleted) return errc::deleted_object;
            if (!v->labels.remove(label)) return false;
        }
    }
    ++counters_.labels_removed;
    if (has_any_schema(engine_)) engine_.stale_hints.fetch_add(1, std::memory_order_relaxed);
    return true;
}

namespace {
template <class Obj>
std::error_code write_property(Obj* o, txn_state* t, storage_mode mode, property_id prop, prop_value& nv,
                               prop_value& old) {
    std::lock_guard lock(o->lock);
    if (mode == storage_mode::in_memory_transactional) {
        if (!writable(o, t->as_view())) return errc::serialization_error;
        if (o->deleted) return errc::deleted_object;
        old = o->props.set(prop, std::move(nv));
        if (!created_here(o->chain, *t)) {
            delta* d = push_delta(*t, o, delta_action::set_property);
            d->key = prop;
            d->old_value = std::move(old);
        }
    } else {
        if (o->deleted) return errc::deleted_object;
        old = o->props.set(prop, std::move(nv));
    }
    return {};
}
}  // namespace

std::error_code transaction::set_property(vertex_handle h, property_id prop, const bolt::value& value) {
    if (auto ec = check_writable()) return ec;
    vertex* v = h.get();
    prop_value nv(value);
    const bool indexed = has_property_schema(engine_);
    prop_value for_index = indexed ? nv : prop_value{};
    prop_value old;  // destroyed after the lock is released
    if (auto ec = write_property(v, state_.get(), mode_, prop, nv, old))
        return ec == errc::serialization_error ? fail(errc::serialization_error) : ec;
    ++counters_.properties_set;
    if (indexed) {
        engine_.stale_hints.fetch_add(1, std::memory_order_relaxed);
        engine_.index_after_property(state_.get(), v, prop, for_index);
    }
    return {};
}

std::error_code transaction::set_property(edge_handle h, property_id prop, const bolt::value& value) {
    if (auto ec = check_writable()) return ec;
    prop_value nv(value);
    prop_value old;
    if (auto ec = write_property(h.get(), state_.get(), mode_, prop, nv, old))
        return ec == errc::serialization_error ? fail(errc::serialization_error) : ec;
    ++counters_.properties_set;
    return {};
}

result<edge_handle> transaction::create_edge(vertex_handle from, vertex_handle to, edge_type_id type,
                                             std::span<const std::pair<property_id, bolt::value>> props) {
    if (auto ec = check_writable()) return ec;
    vertex* a = from.get();
    vertex* b = to.get();
    auto block = make_block(props);
    edge* e = nullptr;
    {
        pair_lock lock(a, b);
        const bool mvcc = mode_ == storage_mode::in_memory_transactional;
        bool passed_a = false, passed_b = false;
        if (mvcc) {
            const view vw = state_->as_view();
            bool ok = engine_.cfg.edge_rule == edge_creation_rule::sequential
                          ? writable(a, vw) && writable(b, vw)
                          : edge_addable(a, vw, passed_a) && edge_addable(b, vw, passed_b);
            if (!ok) return fail(errc::serialization_error);
        }
        if (a->deleted || b->deleted) return errc::deleted_object;
        e = engine_.edges.allocate();
        e->from = a;
        e->to = b;
        e->type = type;
        e->props.assign(std::move(block));
        if (mvcc) {
            push_delta(*state_, e, delta_action::delete_object);
            if (!created_here(a->chain, *state_)) push_delta(*state_, a, delta_action::remove_out_edge)->e = e;
            if (!created_here(b->chain, *state_)) push_delta(*state_, b, delta_action::remove_in_edge)->e = e;
            if (passed_a) a->interleaved = true;
            if (passed_b) b->interleaved = true;
        }
        a->out.add(e);
        b->in.add(e);
        e->live.store(1, std::memory_order_release);
    }
    ++counters_.relationships_created;
    counters_.properties_set += e->props.size();
    return edge_handle(e);
}

std::error_code transaction::delete_edge(edge_handle h) {
    if (auto ec = check_writable()) return ec;
    edge* e = h.get();
    vertex* a = e->from;
    vertex* b = e->to;
    {
        pair_lock lock(a, b);
        std::lock_guard elock(e->lock);
        if (mode_ == storage_mode::in_memory_transactional) {
            const view vw = state_->as_view();
            if (!writable(e, vw) || !writable(a, vw) || !writable(b, vw)) return fail(errc::serialization_error);
            if (e->deleted) return errc::deleted_object;
            if (!created_here(e->chain, *state_)) push_delta(*state_, e, delta_action::recreate_object);
            if (!created_here(a->chain, *state_)) push_delta(*state_, a, delta_action::add_out_edge)->e = e;
            if (!created_here(b->chain, *state_)) push_delta(*state_, b, delta_action::add_in_edge)->e = e;
            e->deleted = true;
        } else {
            if (e->deleted) return errc::deleted_object;
            e->deleted = true;
            detail::free_contents(*e);
        }
        a->out.remove(e);
        b->in.remove(e);
    }
    engine_.edges_removed.fetch_add(1, std::memory_order_relaxed);
    ++counters_.relationships_deleted;
    return {};
}

std::error_code transaction::delete_vertex(vertex_handle h) {
    if (auto ec = check_writable()) return ec;
    vertex* v = h.get();
    {
        std::lock_guard lock(v->lock);
        if (mode_ == storage_mode::in_memory_transactional) {
            if (!writable(v, state_->as_view())) return fail(errc::serialization_error);
            if (v->deleted) return errc::deleted_object;
            if (!v->out.empty() || !v->in.empty()) return errc::vertex_has_edges;
            if (!created_here(v->chain, *state_)) push_delta(*state_, v, delta_action::recreate_object);
            v->deleted = true;
        } else {
            if (v->deleted) return errc::deleted_object;
            if (!v->out.empty() || !v->in.empty()) return errc::vertex_has_edges;
            v->deleted = true;
            detail::free_contents(*v);
        }
    }
    engine_.vertices_removed.fetch_add(1, std::memory_order_relaxed);
    if (has_any_schema(engine_)) engine_.stale_hints.fetch_add(1, std::memory_order_relaxed);
    ++counters_.nodes_deleted;
    return {};
}

std::error_code transaction::detach_delete_vertex(vertex_handle h) {
    if (auto ec = check_writable()) return ec;
    vertex* v = h.get();
    std::vector<edge*> edges;
    {
        std::lock_guard lock(v->lock);
        if (mode_ == storage_mode::in_memory_transactional && !writable(v, state_->as_view()))
            return fail(errc::serialization_error);
        if (v->deleted) return errc::deleted_object;
        edges.assign(v->out.begin(), v->out.end());
        for (edge* e : v->in)
            if (e->from != v) edges.push_back(e);  // a self-loop is in both lists
    }
    for (edge* e : edges)
        if (auto ec = delete_edge(edge_handle(e))) return ec;
    return delete_vertex(h);
}

// ---- commit / abort --------------------------------------------------------------------------

namespace {
std::string render(const prop_value& v) { return bolt::to_string(v.to_value()); }
}  // namespace

std::error_code transaction::commit() {
    if (!open_) return errc::transaction_closed;
    if (failed_) {
        abort();
        return errc::transaction_aborted;
    }
    txn_state& t = *state_;
    bool gc_due = false;
    {
        std::unique_lock lock(engine_.mu);
        if (!engine_.constraints.empty() && !t.constraint_candidates.empty()) {
            // Memgraph checks unique constraints at commit, against everything committed so far
            // (commits are serialised by `mu`) plus this transaction's own writes.
            auto& cands = t.constraint_candidates;
            std::sort(cands.begin(), cands.end());
            cands.erase(std::unique(cands.begin(), cands.end()), cands.end());
            const view own = t.as_view();
            const view latest{t.id, engine_.timestamp};
            std::vector<vertex*> others;
            for (vertex* v : cands) {
                for (auto& c : engine_.constraints) {
                    std::optional<prop_value> x;
                    label_property_matches(v, own, c->label, c->prop, [&](const prop_value& cur) {
                        x = cur;
                        return true;
                    });
                    if (!x) continue;
                    others.clear();
                    c->lookup(*x, others);
                    for (vertex* u : others) {
                        if (u == v) continue;
                        if (!label_property_matches(u, latest, c->label, c->prop,
                                                    [&](const prop_value& cur) { return cur.equals(*x); }))
                            continue;
                        lock.unlock();
                        std::string msg = "Unable to commit due to unique constraint violation on :";
                        msg += engine_.names.name(c->label);
                        msg += "(";
                        msg += engine_.names.name(c->prop);
                        msg += ") with value ";
                        msg += render(*x);
                        abort();
                        message_ = std::move(msg);
                        return errc::unique_constraint_violation;
                    }
                }
            }
        }
        t.commit_ts = engine_.timestamp++;
        t.commit_info.store(t.commit_ts, std::memory_order_release);
        engine_.active.erase(t.active_it);
        if (engine_.active.empty()) engine_.cv.notify_all();
        if (!t.deltas.empty()) {
            engine_.pending_deltas.fetch_add(t.deltas.size(), std::memory_order_relaxed);
            engine_.committed.push_back(std::move(state_));
        }
        gc_due = ++engine_.commits_since_gc >= engine_.cfg.gc_every_commits;
    }
    state_.reset();
    open_ = false;
    if (gc_due) engine_.maybe_collect_garbage();
    return {};
}

void transaction::abort() {
    if (!open_) return;
    txn_state& t = *state_;
    // Undo newest first, in place; our deltas may sit under other transactions' edge creations
    // (non_sequential rule), so unlink each where it is.
    for (auto it = t.deltas.rbegin(); it != t.deltas.rend(); ++it) {
        delta& d = *it;
        if (d.on_edge) {
            auto* e = static_cast<edge*>(d.owner);
            std::lock_guard lock(e->lock);
            const bool was_deleted = e->deleted;
            undo(e, d);
            unlink(e, &d);
            if (e->deleted && !was_deleted) engine_.edges_removed.fetch_add(1, std::memory_order_relaxed);
            if (!e->deleted && was_deleted) engine_.edges_removed.fetch_sub(1, std::memory_order_relaxed);
            if (e->deleted && !e->chain) detail::free_contents(*e);
        } else {
            auto* v = static_cast<vertex*>(d.owner);
            std::lock_guard lock(v->lock);
            const bool was_deleted = v->deleted;
            undo(v, d);
            unlink(v, &d);
            if (v->deleted && !was_deleted) engine_.vertices_removed.fetch_add(1, std::memory_order_relaxed);
            if (!v->deleted && was_deleted) engine_.vertices_removed.fetch_sub(1, std::memory_order_relaxed);
            if (v->deleted && !v->chain) detail::free_contents(*v);
        }
    }
    t.deltas.clear();
    engine_.finish(t);
    state_.reset();
    open_ = false;
}

}  // namespace server::storage
