// Storage internals: objects, undo deltas, chunked object stores, indexes and the engine that
// owns them (timestamps, active transactions, garbage collection).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "property_value.hpp"
#include "server/storage.hpp"

namespace server::storage::detail {

/// One byte; objects are locked only for the few instructions of a read copy or a write.
class spinlock {
public:
    void lock() noexcept {
        while (flag_.exchange(1, std::memory_order_acquire)) {
            while (flag_.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            }
        }
    }
    void unlock() noexcept { flag_.store(0, std::memory_order_release); }

private:
    std::atomic<std::uint8_t> flag_{0};
};

/// Up to two labels inline, more on the heap. Keeps insertion order (labels() returns it).
class label_set {
public:
    label_set() = default;
    label_set(const label_set&) = delete;
    label_set& operator=(const label_set&) = delete;
    ~label_set() { clear(); }
    const std::uint32_t* data() const noexcept { return cap_ > 2 ? heap_ : inline_; }
    std::uint32_t size() const noexcept { return size_; }
    bool contains(std::uint32_t l) const noexcept;
    bool add(std::uint32_t l);
    bool remove(std::uint32_t l) noexcept;
    void clear() noexcept;
    std::size_t heap_bytes() const noexcept { return cap_ > 2 ? cap_ * sizeof(std::uint32_t) : 0; }

private:
    std::uint32_t size_ = 0;
    std::uint32_t cap_ = 2;
    union {
        std::uint32_t inline_[2];
        std::uint32_t* heap_;
    };
};

struct edge;

/// Adjacency: edge pointers (type and endpoints are read from the edge, which never changes).
class edge_list {
public:
    edge_list() = default;
    edge_list(const edge_list&) = delete;
    edge_list& operator=(const edge_list&) = delete;
    ~edge_list() { clear(); }
    edge* const* begin() const noexcept { return data_; }
    edge* const* end() const noexcept { return data_ + size_; }
    std::uint32_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    void add(edge* e);
    bool remove(edge* e) noexcept;
    void clear() noexcept;
    std::size_t heap_bytes() const noexcept { return cap_ * sizeof(edge*); }

private:
    edge** data_ = nullptr;
    std::uint32_t size_ = 0;
    std::uint32_t cap_ = 0;
};

struct delta;

struct vertex {
    gid id = 0;
    delta* chain = nullptr;  // newest undo delta, guarded by lock
    property_store props;
    label_set labels;
    edge_list out;
    edge_list in;
    spinlock lock;
    bool deleted = false;
    /// Set when deltas of different uncommitted transactions interleave on the chain (edge
    /// creations under edge_creation_rule::non_sequential): readers then walk the whole chain.
    bool interleaved = false;
    std::atomic<std::uint8_t> live{0};  // slot published
};

struct edge {
    gid id = 0;
    vertex* from = nullptr;
    vertex* to = nullptr;
    delta* chain = nullptr;
    property_store props;
    edge_type_id type = 0;
    spinlock lock;
    bool deleted = false;
    bool interleaved = false;
    std::atomic<std::uint8_t> live{0};
};

/// Each delta says how to undo one change (Memgraph's names): applying it to a newer version
/// gives the older one.
enum class delta_action : std::uint8_t {
    delete_object,    // undo of a creation
    recreate_object,  // undo of a deletion
    set_property,     // restore `old_value` under `key`
    add_label,
    remove_label,
    add_in_edge,
    add_out_edge,
    remove_in_edge,   // undo of an edge creation (the in side)
    remove_out_edge,
};

struct delta {
    delta_action action{};
    bool on_edge = false;
    std::uint32_t key = 0;  // property or label id
    std::atomic<std::uint64_t>* ts = nullptr;  // the owning transaction's id, then its commit ts
    delta* next = nullptr;  // older
    delta* prev = nullptr;  // newer (nullptr: this is the chain head)
    void* owner = nullptr;  // vertex* or edge* (on_edge)
    edge* e = nullptr;      // edge actions
    prop_value old_value;
};

/// Objects in chunks of 2^14 with stable addresses, indexed by gid; gids come from one atomic
/// counter and are never reused.
template <class T>
class chunked_store {
public:
    static constexpr unsigned chunk_bits = 14;
    static constexpr gid chunk_size = gid{1} << chunk_bits;
    static constexpr gid max_chunks = gid{1} << 16;

    chunked_store() : dir_(new std::atomic<T*>[max_chunks]) {
        for (gid i = 0; i < max_chunks; ++i) dir_[i].store(nullptr, std::memory_order_relaxed);
    }
    ~chunked_store() {
        for (gid i = 0; i < max_chunks; ++i)
            if (T* c = dir_[i].load(std::memory_order_relaxed)) delete[] c;
    }
    chunked_store(const chunked_store&) = delete;
    chunked_store& operator=(const chunked_store&) = delete;

    /// A fresh, unpublished slot with its id set. Publish with live.store(1, release).
    T* allocate() {
        gid g = next_.fetch_add(1, std::memory_order_relaxed);
        gid c = g >> chunk_bits;
        if (c >= max_chunks) throw std::length_error("storage: object limit reached");
        T* chunk = dir_[c].load(std::memory_order_acquire);
        if (!chunk) {
            std::lock_guard lock(grow_);
            chunk = dir_[c].load(std::memory_order_acquire);
            if (!chunk) {
                chunk = new T[chunk_size];
                dir_[c].store(chunk, std::memory_order_release);
                chunks_.fetch_add(1, std::memory_order_relaxed);
            }
        }
        T* slot = &chunk[g & (chunk_size - 1)];
        slot->id = g;
        return slot;
    }
    /// The published slot for g, or nullptr.
    T* find(gid g) const noexcept {
        gid c = g >> chunk_bits;
        if (c >= max_chunks) return nullptr;
        T* chunk = dir_[c].load(std::memory_order_acquire);
        if (!chunk) return nullptr;
        T* slot = &chunk[g & (chunk_size - 1)];
        return slot->live.load(std::memory_order_acquire) ? slot : nullptr;
    }
    gid end() const noexcept { return next_.load(std::memory_order_acquire); }
    std::size_t slot_bytes() const noexcept { return chunks_.load(std::memory_order_relaxed) * chunk_size * sizeof(T); }

private:
    std::unique_ptr<std::atomic<T*>[]> dir_;
    std::atomic<gid> next_{0};
    std::atomic<std::size_t> chunks_{0};
    std::mutex grow_;
};

/// A set of vertices; the common case (one vertex per value) costs no allocation.
class vertex_set {
public:
    bool insert(vertex* v);
    bool erase(vertex* v);
    bool empty() const noexcept { return first_ == nullptr; }
    std::size_t size() const noexcept { return first_ ? 1 + (rest_ ? rest_->size() : 0) : 0; }
    template <class F> void for_each(F&& f) const {
        if (first_) f(first_);
        if (rest_) for (vertex* v : *rest_) f(v);
    }

private:
    vertex* first_ = nullptr;
    std::unique_ptr<std::unordered_set<vertex*>> rest_;
};

inline constexpr std::size_t index_shards = 32;

/// Label index: which vertices may have the label. Stale entries are allowed (lookups check
/// visibility); garbage collection removes the ones no transaction can need.
struct label_index {
    explicit label_index(label_id l) : label(l) {}
    label_id label;
    struct alignas(64) shard {
        std::mutex mu;
        std::unordered_set<vertex*> set;
    };
    shard shards[index_shards];

    static std::size_t shard_of(const vertex* v) noexcept { return (v->id * 0x9e3779b97f4a7c15ULL) >> 59; }
    void insert(vertex* v) {
        auto& s = shards[shard_of(v)];
        std::lock_guard lock(s.mu);
        s.set.insert(v);
    }
    void collect(std::vector<vertex*>& out) {
        for (auto& s : shards) {
            std::lock_guard lock(s.mu);
            out.insert(out.end(), s.set.begin(), s.set.end());
        }
    }
    std::size_t entries() {
        std::size_t n = 0;
        for (auto& s : shards) { std::lock_guard lock(s.mu); n += s.set.size(); }
        return n;
    }
};

/// value -> vertices, open addressing with linear probing: a lookup costs one or two cache
/// misses instead of the three of a node-based map (MATCH (a:L {p: $v}) is the hot path).
class value_table {
public:
    struct slot {
        std::size_t hash = 0;
        prop_value key;
        vertex_set set;
        bool used = false;
    };
    vertex_set* find(const prop_value& key, std::size_t h) noexcept {
        if (slots_.empty()) return nullptr;
        for (std::size_t i = index(h);; i = (i + 1) & mask()) {
            slot& s = slots_[i];
            if (!s.used) return nullptr;
            if (s.hash == h && s.key.equals(key)) return &s.set;
        }
    }
    vertex_set& find_or_add(const prop_value& key, std::size_t h) {
        if (vertex_set* s = find(key, h)) return *s;
        if ((size_ + 1) * 10 > slots_.size() * 7) grow();
        std::size_t i = index(h);
        while (slots_[i].used) i = (i + 1) & mask();
        slot& s = slots_[i];
        s.hash = h;
        s.key = key;
        s.used = true;
        ++size_;
        return s.set;
    }
    /// Backward-shift deletion keeps every probe sequence unbroken.
    void erase(const prop_value& key, std::size_t h) {
        if (slots_.empty()) return;
        std::size_t i = index(h);
        for (;; i = (i + 1) & mask()) {
            if (!slots_[i].used) return;
            if (slots_[i].hash == h && slots_[i].key.equals(key)) break;
        }
        for (std::size_t j = (i + 1) & mask();; j = (j + 1) & mask()) {
            if (!slots_[j].used) break;
            std::size_t home = index(slots_[j].hash);
            // Move j back to i unless its home lies cyclically in (i, j].
            bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (stays) continue;
            slots_[i] = std::move(slots_[j]);
            i = j;
        }
        slots_[i] = slot{};
        --size_;
    }
    template <class F> void for_each(F&& f) {
        for (slot& s : slots_)
            if (s.used) f(s.key, s.set);
    }
    std::size_t size() const noexcept { return size_; }

private:
    std::size_t mask() const noexcept { return slots_.size() - 1; }
    std::size_t index(std::size_t h) const noexcept {
        // Bits below the five that picked the shard.
        return static_cast<std::size_t>(((h * 0x9e3779b97f4a7c15ULL) << 5) >> (64 - bits_));
    }
    void grow() {
        std::vector<slot> old = std::move(slots_);
        bits_ = old.empty() ? 4 : bits_ + 1;
        slots_ = std::vector<slot>(std::size_t{1} << bits_);
        size_ = 0;
        for (slot& s : old)
            if (s.used) {
                std::size_t i = index(s.hash);
                while (slots_[i].used) i = (i + 1) & mask();
                slots_[i] = std::move(s);
                ++size_;
            }
    }
    std::vector<slot> slots_;
    std::size_t size_ = 0;
    unsigned bits_ = 0;
};

/// Label+property index (also the bookkeeping of a unique constraint): value -> vertices,
/// sharded by the value's hash. Stale entries allowed, as for label_index.
struct label_property_index {
    label_property_index(label_id l, property_id p) : label(l), prop(p) {}
    label_id label;
    property_id prop;
    struct alignas(64) shard {
        std::mutex mu;
        value_table map;
    };
    shard shards[index_shards];

    static std::size_t shard_of(std::size_t h) noexcept { return (h * 0x9e3779b97f4a7c15ULL) >> 59; }
    void insert(const prop_value& value, vertex* v) {
        const std::size_t h = value.hash();
        auto& s = shards[shard_of(h)];
        std::lock_guard lock(s.mu);
        s.map.find_or_add(value, h).insert(v);
    }
    void lookup(const prop_value& value, std::vector<vertex*>& out) {
        const std::size_t h = value.hash();
        auto& s = shards[shard_of(h)];
        std::lock_guard lock(s.mu);
        if (vertex_set* set = s.map.find(value, h)) set->for_each([&](vertex* v) { out.push_back(v); });
    }
    std::size_t entries() {
        std::size_t n = 0;
        for (auto& s : shards) {
            std::lock_guard lock(s.mu);
            s.map.for_each([&](const prop_value&, const vertex_set& set) { n += set.size(); });
        }
        return n;
    }
};

/// What a transaction reads: its own writes plus commits before its start.
struct view {
    std::uint64_t id;
    std::uint64_t start;
    bool sees(std::uint64_t ts) const noexcept { return ts == id || ts < start; }
};

struct txn_state {
    std::uint64_t id = 0;
    std::uint64_t start_ts = 0;
    std::uint64_t commit_ts = 0;
    storage_mode mode = storage_mode::in_memory_transactional;
    std::atomic<std::uint64_t> commit_info{0};  // == id until commit; deltas point here
    std::deque<delta> deltas;
    std::vector<vertex*> constraint_candidates;
    std::list<std::uint64_t>::iterator active_it;
    bool open = true;
    bool failed = false;
    view as_view() const noexcept { return {id, start_ts}; }
};

class name_registry {
public:
    name_id get_or_add(std::string_view name);
    std::optional<name_id> find(std::string_view name) const;
    std::string_view name(name_id id) const;

private:
    struct sv_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, name_id, sv_hash, std::equal_to<>> ids_;
    std::deque<std::string> names_;
};

class engine {
public:
    explicit engine(config cfg) : cfg(cfg), mode(cfg.mode) {}
    ~engine();

    config cfg;
    std::atomic<storage_mode> mode;
    name_registry names;
    chunked_store<vertex> vertices;
    chunked_store<edge> edges;
    // Counts are slots handed out minus these (no shared counter on the creation path).
    std::atomic<std::int64_t> vertices_removed{0};
    std::atomic<std::int64_t> edges_removed{0};

    // Transactions. `mu` guards everything in this block.
    mutable std::mutex mu;
    std::condition_variable cv;
    std::uint64_t timestamp = 1;
    std::uint64_t next_txn_id = std::uint64_t{1} << 63;
    std::list<std::uint64_t> active;  // start timestamps, oldest first
    bool exclusive = false;
    std::deque<std::unique_ptr<txn_state>> committed;  // with deltas, commit order
    std::size_t commits_since_gc = 0;
    std::atomic<std::uint64_t> pending_deltas{0};

    std::mutex gc_mu;
    std::atomic<std::uint64_t> stale_hints{0};  // removals/overwrites since the last index sweep

    // Schema: changed only under exclusive access (no active transaction), so transactions read
    // these without locks; schema_mu orders listings from other threads against changes.
    mutable std::shared_mutex schema_mu;
    std::vector<std::unique_ptr<label_index>> label_indexes;
    std::vector<std::unique_ptr<label_property_index>> property_indexes;
    std::vector<std::unique_ptr<label_property_index>> constraints;

    std::unique_ptr<txn_state> begin();
    /// Waits up to `wait` for every transaction to finish and keeps new ones out; false: busy.
    bool acquire_exclusive(std::chrono::milliseconds wait);
    void release_exclusive();
    void finish(txn_state& t);  // leaves the active list
    void collect_garbage(bool sweep_indexes);
    void maybe_collect_garbage();  // skips when another thread is collecting
    void collect_locked();         // caller holds gc_mu

    label_index* find_label_index(label_id l) const noexcept {
        for (auto& i : label_indexes) if (i->label == l) return i.get();
        return nullptr;
    }
    label_property_index* find_property_index(label_id l, property_id p) const noexcept {
        for (auto& i : property_indexes) if (i->label == l && i->prop == p) return i.get();
        return nullptr;
    }
    /// Insert a vertex's entries into every index/constraint touched by `label` (or by `prop`).
    void index_after_label(txn_state* t, vertex* v, label_id label);
    void index_after_property(txn_state* t, vertex* v, property_id prop, const prop_value& value);
    void index_new_vertex(txn_state* t, vertex* v);
    void sweep_indexes();
};

/// Frees an object's contents once no transaction can see it again.
void free_contents(vertex& v) noexcept;
void free_contents(edge& e) noexcept;

}  // namespace server::storage::detail
