// The engine's shared machinery: small containers, names, transaction bookkeeping, garbage
// collection of undo deltas and of stale index entries, and index maintenance on writes.
#include "engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace server::storage::detail {

// ---- label_set / edge_list / vertex_set ----------------------------------------------------

bool label_set::contains(std::uint32_t l) const noexcept {
    const std::uint32_t* d = data();
    for (std::uint32_t i = 0; i < size_; ++i)
        if (d[i] == l) return true;
    return false;
}

bool label_set::add(std::uint32_t l) {
    if (contains(l)) return false;
    if (size_ == cap_) {
        std::uint32_t ncap = cap_ * 2;
        auto* nh = new std::uint32_t[ncap];
        std::memcpy(nh, data(), size_ * sizeof(std::uint32_t));
        if (cap_ > 2) delete[] heap_;
        heap_ = nh;
        cap_ = ncap;
    }
    (cap_ > 2 ? heap_ : inline_)[size_++] = l;
    return true;
}

bool label_set::remove(std::uint32_t l) noexcept {
    std::uint32_t* d = cap_ > 2 ? heap_ : inline_;
    for (std::uint32_t i = 0; i < size_; ++i) {
        if (d[i] != l) continue;
        std::memmove(d + i, d + i + 1, (size_ - i - 1) * sizeof(std::uint32_t));
        --size_;
        return true;
    }
    return false;
}

void label_set::clear() noexcept {
    if (cap_ > 2) delete[] heap_;
    cap_ = 2;
    size_ = 0;
}

void edge_list::add(edge* e) {
    if (size_ == cap_) {
        std::uint32_t ncap = cap_ < 2 ? 2 : cap_ * 2;
        auto** nd = new edge*[ncap];
        if (size_) std::memcpy(static_cast<void*>(nd), data_, size_ * sizeof(edge*));
        delete[] data_;
        data_ = nd;
        cap_ = ncap;
    }
    data_[size_++] = e;
}

bool edge_list::remove(edge* e) noexcept {
    // Newest edges are the likeliest to go (abort, undo): search from the back.
    for (std::uint32_t i = size_; i-- > 0;) {
        if (data_[i] != e) continue;
        std::memmove(static_cast<void*>(data_ + i), data_ + i + 1, (size_ - i - 1) * sizeof(edge*));
        --size_;
        return true;
    }
    return false;
}

void edge_list::clear() noexcept {
    delete[] data_;
    data_ = nullptr;
    size_ = cap_ = 0;
}

bool vertex_set::insert(vertex* v) {
    if (!first_) { first_ = v; return true; }
    if (first_ == v) return false;
    if (!rest_) rest_ = std::make_unique<std::unordered_set<vertex*>>();
    return rest_->insert(v).second;
}

bool vertex_set::erase(vertex* v) {
    if (first_ == v) {
        first_ = nullptr;
        if (rest_ && !rest_->empty()) {
            first_ = *rest_->begin();
            rest_->erase(rest_->begin());
        }
        if (rest_ && rest_->empty()) rest_.reset();
        return true;
    }
    if (!rest_) return false;
    bool erased = rest_->erase(v) > 0;
    if (rest_->empty()) rest_.reset();
    return erased;
}

void free_contents(vertex& v) noexcept {
    v.props.clear();
    v.labels.clear();
    v.out.clear();
    v.in.clear();
}

void free_contents(edge& e) noexcept { e.props.clear(); }

// ---- names -----------------------------------------------------------------------------------

name_id name_registry::get_or_add(std::string_view name) {
    {
        std::shared_lock lock(mu_);
        if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    }
    std::unique_lock lock(mu_);
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    auto id = static_cast<name_id>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(names_.back(), id);
    return id;
}

std::optional<name_id> name_registry::find(std::string_view name) const {
    std::shared_lock lock(mu_);
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    return std::nullopt;
}

std::string_view name_registry::name(name_id id) const {
    std::shared_lock lock(mu_);
    return id < names_.size() ? std::string_view(names_[id]) : std::string_view{};
}

// ---- transactions ----------------------------------------------------------------------------

engine::~engine() = default;

std::unique_ptr<txn_state> engine::begin() {
    auto t = std::make_unique<txn_state>();
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !exclusive; });
    t->id = next_txn_id++;
    t->start_ts = timestamp++;
    t->commit_info.store(t->id, std::memory_order_relaxed);
    t->mode = mode.load(std::memory_order_relaxed);
    active.push_back(t->start_ts);
    t->active_it = std::prev(active.end());
    return t;
}

bool engine::acquire_exclusive(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    std::unique_lock lock(mu);
    if (!cv.wait_until(lock, deadline, [&] { return !exclusive; })) return false;
    exclusive = true;
    if (!cv.wait_until(lock, deadline, [&] { return active.empty(); })) {
        exclusive = false;
        cv.notify_all();
        return false;
    }
    return true;
}

void engine::release_exclusive() {
    std::lock_guard lock(mu);
    exclusive = false;
    cv.notify_all();
}

void engine::finish(txn_state& t) {
    std::lock_guard lock(mu);
    active.erase(t.active_it);
    if (active.empty()) cv.notify_all();
}

// ---- garbage collection ----------------------------------------------------------------------

namespace {

template <class Obj>
void unlink_collected(Obj* o, delta* d) {
    std::lock_guard lock(o->lock);
    if (d->prev) d->prev->next = d->next; else o->chain = d->next;
    if (d->next) d->next->prev = d->prev;
    if (!o->chain) {
        o->interleaved = false;
        if (o->deleted) free_contents(*o);  // nobody can see it any more
    }
}

constexpr std::uint64_t sweep_threshold = 4096;

}  // namespace

void engine::maybe_collect_garbage() {
    std::unique_lock lock(gc_mu, std::try_to_lock);
    if (!lock.owns_lock()) return;  // another thread is collecting
    collect_locked();
    if (stale_hints.load(std::memory_order_relaxed) >= sweep_threshold) sweep_indexes();
}

void engine::collect_garbage(bool sweep) {
    std::lock_guard lock(gc_mu);
    collect_locked();
    if (sweep) sweep_indexes();
}

void engine::collect_locked() {
    std::vector<std::unique_ptr<txn_state>> done;
    {
        std::lock_guard g(mu);
        std::uint64_t oldest = active.empty() ? timestamp : active.front();
        while (!committed.empty() && committed.front()->commit_ts < oldest) {
            done.push_back(std::move(committed.front()));
            committed.pop_front();
        }
        commits_since_gc = 0;
    }
    // Deltas committed before every active snapshot began are visible to all: unlink them.
    std::uint64_t freed = 0;
    for (auto& t : done) {
        for (delta& d : t->deltas) {
            if (d.on_edge) unlink_collected(static_cast<edge*>(d.owner), &d);
            else unlink_collected(static_cast<vertex*>(d.owner), &d);
        }
        freed += t->deltas.size();
    }
    pending_deltas.fetch_sub(freed, std::memory_order_relaxed);
}

void engine::sweep_indexes() {
    stale_hints.store(0, std::memory_order_relaxed);
    std::shared_lock schema(schema_mu);
    // An entry can go when the vertex has no older versions and its current state no longer
    // matches: then no transaction, present or future, can find it through the entry.
    // Lock order shard -> vertex; writers never hold a vertex lock while taking a shard lock.
    for (auto& idx : label_indexes) {
        for (auto& s : idx->shards) {
            std::lock_guard lock(s.mu);
            for (auto it = s.set.begin(); it != s.set.end();) {
                vertex* v = *it;
                bool stale;
                {
                    std::lock_guard vl(v->lock);
                    stale = !v->chain && (v->deleted || !v->labels.contains(idx->label));
                }
                it = stale ? s.set.erase(it) : std::next(it);
            }
        }
    }
    auto sweep_property = [](label_property_index& idx) {
        for (auto& s : idx.shards) {
            std::lock_guard lock(s.mu);
            std::vector<prop_value> empty_keys;
            s.map.for_each([&](const prop_value& key, vertex_set& set) {
                std::vector<vertex*> gone;
                set.for_each([&](vertex* v) {
                    std::lock_guard vl(v->lock);
                    if (v->chain) return;
                    const prop_value* cur = v->props.get(idx.prop);
                    if (v->deleted || !v->labels.contains(idx.label) || !cur || !cur->equals(key))
                        gone.push_back(v);
                });
                for (vertex* v : gone) set.erase(v);
                if (set.empty()) empty_keys.push_back(key);
            });
            for (auto& k : empty_keys) s.map.erase(k, k.hash());
        }
    };
    for (auto& idx : property_indexes) sweep_property(*idx);
    for (auto& idx : constraints) sweep_property(*idx);
}

// ---- index maintenance -----------------------------------------------------------------------

namespace {

std::optional<prop_value> read_in_place(vertex* v, property_id p) {
    std::lock_guard lock(v->lock);
    if (const prop_value* cur = v->props.get(p)) return *cur;
    return std::nullopt;
}

bool has_label_in_place(vertex* v, label_id l) {
    std::lock_guard lock(v->lock);
    return v->labels.contains(l);
}

}  // namespace

void engine::index_after_label(txn_state* t, vertex* v, label_id label) {
    if (label_index* li = find_label_index(label)) li->insert(v);
    for (auto& idx : property_indexes)
        if (idx->label == label)
            if (auto cur = read_in_place(v, idx->prop)) idx->insert(*cur, v);
    for (auto& c : constraints)
        if (c->label == label)
            if (auto cur = read_in_place(v, c->prop)) {
                c->insert(*cur, v);
                if (t) t->constraint_candidates.push_back(v);
            }
}

void engine::index_after_property(txn_state* t, vertex* v, property_id prop, const prop_value& value) {
    if (value.is_null()) return;
    for (auto& idx : property_indexes)
        if (idx->prop == prop && has_label_in_place(v, idx->label)) idx->insert(value, v);
    for (auto& c : constraints)
        if (c->prop == prop && has_label_in_place(v, c->label)) {
            c->insert(value, v);
            if (t) t->constraint_candidates.push_back(v);
        }
}

void engine::index_new_vertex(txn_state* t, vertex* v) {
    std::vector<label_id> labels;
    {
        std::lock_guard lock(v->lock);
        labels.assign(v->labels.data(), v->labels.data() + v->labels.size());
    }
    for (label_id l : labels) index_after_label(t, v, l);
}

}  // namespace server::storage::detail
