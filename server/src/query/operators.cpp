// The executor's operators: each spec makes a cursor per run; cursors pull rows from their
// input into the shared frame and keep only their own iteration state.
#include "operators.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "server/query/value_ops.hpp"

namespace server::query::exec {

namespace {

using cursor_ptr = std::unique_ptr<cursor>;

qvalue& slot(exec_ctx& ctx, std::int32_t s) { return ctx.frame[static_cast<std::size_t>(s)]; }

// ---- once ---------------------------------------------------------------------------------------

class once_spec final : public op_spec {
    class cur final : public cursor {
    public:
        bool pull(exec_ctx&) override { return !std::exchange(done_, true); }
        void reset() override { done_ = false; }

    private:
        bool done_ = false;
    };

public:
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(); }
};

// ---- scans ----------------------------------------------------------------------------------------

class scan_spec final : public op_spec {
public:
    scan_spec(spec_ptr input, std::int32_t slot, scan_kind kind, st::label_id label, st::property_id prop,
              cy::expr_id value)
        : input_(std::move(input)), slot_(slot), kind_(kind), label_(label), prop_(prop), value_(value) {}

    class cur final : public cursor {
    public:
        explicit cur(const scan_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            for (;;) {
                if (active_) {
                    if (s_.kind_ == scan_kind::all) {
                        if (auto v = all_->next()) {
                            slot(ctx, s_.slot_) = *v;
                            return true;
                        }
                    } else if (pos_ < found_.size()) {
                        slot(ctx, s_.slot_) = found_[pos_++];
                        return true;
                    }
                    active_ = false;
                }
                if (!input_->pull(ctx)) return false;
                start(ctx);
            }
        }
        void reset() override {
            input_->reset();
            active_ = false;
        }

    private:
        void start(exec_ctx& ctx) {
            active_ = true;
            pos_ = 0;
            switch (s_.kind_) {
                case scan_kind::all:
                    all_.emplace(ctx.tx->vertices());
                    break;
                case scan_kind::label:
                    found_ = ctx.tx->vertices_with_label(s_.label_);
                    break;
                case scan_kind::label_property: {
                    qvalue v = eval(s_.value_, ctx);
                    const bolt::value* p = v.plain();
                    if (!p || p->is_null())
                        found_.clear();
                    else
                        found_ = ctx.tx->vertices_with_property(s_.label_, s_.prop_, *p);
                    break;
                }
            }
        }
        const scan_spec& s_;
        cursor_ptr input_;
        bool active_ = false;
        std::optional<st::vertex_cursor> all_;
        std::vector<st::vertex_handle> found_;
        std::size_t pos_ = 0;
    };

    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    std::int32_t slot_;
    scan_kind kind_;
    st::label_id label_;
    st::property_id prop_;
    cy::expr_id value_;
};

// ---- expand ---------------------------------------------------------------------------------------

class expand_spec final : public op_spec {
public:
    expand_spec(spec_ptr input, expand_params p) : input_(std::move(input)), p_(std::move(p)) {}

    class cur final : public cursor {
    public:
        explicit cur(const expand_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            const expand_params& p = s_.p_;
            for (;;) {
                if (p.variable && next_walk(ctx)) return true;
                while (pos_ < edges_.size()) {
                    auto [e, outgoing] = edges_[pos_++];
                    if (!p.types.empty() && std::find(p.types.begin(), p.types.end(), e.type()) == p.types.end())
                        continue;
                    bool reused = false;
                    for (auto d : p.distinct_from) {
                        const st::edge_handle* other = slot(ctx, d).edge();
                        if (other && *other == e) reused = true;
                    }
                    if (reused) continue;
                    st::vertex_handle other = outgoing ? e.to() : e.from();
                    if (p.to_bound) {
                        const st::vertex_handle* want = slot(ctx, p.to).vertex();
                        if (!want || !(*want == other)) continue;
                    } else {
                        slot(ctx, p.to) = other;
                    }
                    if (p.edge >= 0) slot(ctx, p.edge) = e;
                    return true;
                }
                if (!input_->pull(ctx)) return false;
                start(ctx);
            }
        }
        void reset() override {
            input_->reset();
            edges_.clear();
            pos_ = 0;
            walks_.clear();
            walk_pos_ = 0;
        }

    private:
        void start(exec_ctx& ctx) {
            edges_.clear();
            pos_ = 0;
            walks_.clear();
            walk_pos_ = 0;
            const st::vertex_handle* from = slot(ctx, s_.p_.from).vertex();
            if (!from) {
                if (slot(ctx, s_.p_.from).is_null()) return;  // OPTIONAL MATCH left a null
                fail("Expected a node at the start of a relationship pattern.");
            }
            if (s_.p_.variable) {
                std::vector<st::edge_handle> path;
                walk(ctx, *from, path);
                return;
            }
            neighbours(ctx, *from, edges_);
        }

        void neighbours(exec_ctx& ctx, st::vertex_handle v, std::vector<std::pair<st::edge_handle, bool>>& out) const {
            auto dir = s_.p_.dir;
            if (dir != cy::direction::left)
                for (auto e : ctx.tx->out_edges(v)) out.emplace_back(e, true);
            if (dir != cy::direction::right)
                for (auto e : ctx.tx->in_edges(v)) {
                    // An undirected self-loop is one match, not two.
                    if (dir == cy::direction::both && e.from() == e.to()) continue;
                    out.emplace_back(e, false);
                }
        }

        /// Depth-first: every walk of min..max hops that uses no relationship twice.
        void walk(exec_ctx& ctx, st::vertex_handle at, std::vector<st::edge_handle>& path) {
            const expand_params& p = s_.p_;
            auto hops = static_cast<std::int64_t>(path.size());
            if (hops >= p.min_hops) walks_.push_back({path, at});
            if (p.max_hops >= 0 && hops >= p.max_hops) return;
            if (walks_.size() > max_walks) fail("Variable-length expansion produced too many paths.");
            std::vector<std::pair<st::edge_handle, bool>> next;
            neighbours(ctx, at, next);
            for (auto [e, outgoing] : next) {
                if (!p.types.empty() && std::find(p.types.begin(), p.types.end(), e.type()) == p.types.end()) continue;
                if (std::find(path.begin(), path.end(), e) != path.end()) continue;
                path.push_back(e);
                walk(ctx, outgoing ? e.to() : e.from(), path);
                path.pop_back();
            }
        }

        bool next_walk(exec_ctx& ctx) {
            const expand_params& p = s_.p_;
            while (walk_pos_ < walks_.size()) {
                auto& w = walks_[walk_pos_++];
                if (p.to_bound) {
                    const st::vertex_handle* want = slot(ctx, p.to).vertex();
                    if (!want || !(*want == w.end)) continue;
                } else {
                    slot(ctx, p.to) = w.end;
                }
                auto l = std::make_shared<qlist>();
                for (auto e : w.edges) l->emplace_back(e);
                if (p.edge >= 0) slot(ctx, p.edge) = qvalue(std::shared_ptr<const qlist>(std::move(l)));
                return true;
            }
            return false;
        }

        static constexpr std::size_t max_walks = 1'000'000;
        struct walk_result {
            std::vector<st::edge_handle> edges;
            st::vertex_handle end;
        };
        std::vector<walk_result> walks_;
        std::size_t walk_pos_ = 0;
        const expand_spec& s_;
        cursor_ptr input_;
        std::vector<std::pair<st::edge_handle, bool>> edges_;
        std::size_t pos_ = 0;
    };

    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    expand_params p_;
};

// ---- filter / apply -------------------------------------------------------------------------------

class filter_spec final : public op_spec {
public:
    filter_spec(spec_ptr input, row_predicate pred) : input_(std::move(input)), pred_(std::move(pred)) {}
    class cur final : public cursor {
    public:
        explicit cur(const filter_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            while (input_->pull(ctx))
                if (s_.pred_(ctx)) return true;
            return false;
        }
        void reset() override { input_->reset(); }

    private:
        const filter_spec& s_;
        cursor_ptr input_;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    row_predicate pred_;
};

class apply_spec final : public op_spec {
public:
    apply_spec(spec_ptr input, row_action action) : input_(std::move(input)), action_(std::move(action)) {}
    class cur final : public cursor {
    public:
        explicit cur(const apply_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            if (!input_->pull(ctx)) return false;
            s_.action_(ctx);
            return true;
        }
        void reset() override { input_->reset(); }

    private:
        const apply_spec& s_;
        cursor_ptr input_;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    row_action action_;
};

// ---- optional / merge ---------------------------------------------------------------------------------

// For each input row, runs the sub-plan and passes on each row it yields (after `on_match`); when
// it yields none, runs `on_no_match` and passes on the input row once. OPTIONAL MATCH nulls the
// pattern's variables there; MERGE creates the pattern.
class match_or_else_spec final : public op_spec {
public:
    match_or_else_spec(spec_ptr input, spec_ptr sub, row_action on_match, row_action on_no_match)
        : input_(std::move(input)), sub_(std::move(sub)), on_match_(std::move(on_match)),
          on_no_match_(std::move(on_no_match)) {}
    class cur final : public cursor {
    public:
        explicit cur(const match_or_else_spec& s) : s_(s), input_(s.input_->make_cursor()), sub_(s.sub_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            for (;;) {
                if (active_) {
                    if (sub_->pull(ctx)) {
                        matched_ = true;
                        if (s_.on_match_) s_.on_match_(ctx);
                        return true;
                    }
                    active_ = false;
                    if (!matched_) {
                        s_.on_no_match_(ctx);
                        return true;
                    }
                }
                if (!input_->pull(ctx)) return false;
                sub_->reset();
                active_ = true;
                matched_ = false;
            }
        }
        void reset() override {
            input_->reset();
            active_ = false;
        }

    private:
        const match_or_else_spec& s_;
        cursor_ptr input_, sub_;
        bool active_ = false, matched_ = false;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_, sub_;
    row_action on_match_, on_no_match_;
};

// ---- unwind ---------------------------------------------------------------------------------------

class unwind_spec final : public op_spec {
public:
    unwind_spec(spec_ptr input, cy::expr_id list, std::int32_t slot)
        : input_(std::move(input)), list_(list), slot_(slot) {}
    class cur final : public cursor {
    public:
        explicit cur(const unwind_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            for (;;) {
                if (pos_ < size_) {
                    std::size_t i = pos_++;
                    if (const qlist* el = list_.entity_list())
                        slot(ctx, s_.slot_) = (*el)[i];
                    else if (borrowed_)
                        slot(ctx, s_.slot_) = qvalue::borrow((*items_)[i]);
                    else
                        slot(ctx, s_.slot_) = (*items_)[i];
                    return true;
                }
                if (!input_->pull(ctx)) return false;
                start(ctx);
            }
        }
        void reset() override {
            input_->reset();
            pos_ = size_ = 0;
        }

    private:
        void start(exec_ctx& ctx) {
            list_ = eval(s_.list_, ctx);
            pos_ = size_ = 0;
            items_ = nullptr;
            if (const qlist* el = list_.entity_list()) {
                size_ = el->size();
                return;
            }
            const bolt::value* p = list_.plain();
            if (!p) fail("UNWIND expects a list.");
            if (p->is_null()) return;
            // Parameters and literals outlive the run: rows borrow from them instead of copying.
            borrowed_ = std::holds_alternative<const bolt::value*>(list_.variant());
            if (auto* l = p->get_if<bolt::list>()) {
                items_ = l;
                size_ = l->size();
            } else {
                // UNWIND of a single non-list value yields that value once.
                single_.assign(1, *p);
                items_ = &single_;
                borrowed_ = false;
                size_ = 1;
            }
        }
        const unwind_spec& s_;
        cursor_ptr input_;
        qvalue list_;
        const bolt::list* items_ = nullptr;
        bolt::list single_;
        bool borrowed_ = false;
        std::size_t pos_ = 0, size_ = 0;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    cy::expr_id list_;
    std::int32_t slot_;
};

// ---- aggregation / distinct / sort / skip / limit ----------------------------------------------

struct row_hash {
    st::transaction* tx;
    std::size_t operator()(const std::vector<qvalue>& row) const {
        std::size_t h = 0x345678;
        for (auto& v : row) h = h * 1000003 ^ q_hash(v, *tx);
        return h;
    }
};
struct row_eq {
    st::transaction* tx;
    bool operator()(const std::vector<qvalue>& a, const std::vector<qvalue>& b) const {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!q_equivalent(a[i], b[i], *tx)) return false;
        return true;
    }
};
using row_set = std::unordered_set<std::vector<qvalue>, row_hash, row_eq>;

class aggregate_spec final : public op_spec {
public:
    aggregate_spec(spec_ptr input, std::vector<std::pair<cy::expr_id, std::int32_t>> keys,
                   std::vector<aggregate_item> aggs, row_action finish)
        : input_(std::move(input)), keys_(std::move(keys)), aggs_(std::move(aggs)), finish_(std::move(finish)) {}

    struct state {
        std::int64_t count = 0;
        bolt::value sum = std::int64_t{0};
        double fsum = 0;
        qvalue best;
        qlist items;
        std::unique_ptr<row_set> seen;
    };
    struct group {
        std::vector<qvalue> key;
        std::vector<state> states;
    };

    class cur final : public cursor {
    public:
        explicit cur(const aggregate_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            if (!done_) consume(ctx);
            if (pos_ >= groups_.size()) return false;
            group& g = groups_[pos_++];
            for (std::size_t i = 0; i < s_.keys_.size(); ++i) slot(ctx, s_.keys_[i].second) = g.key[i];
            for (std::size_t i = 0; i < s_.aggs_.size(); ++i) slot(ctx, s_.aggs_[i].slot) = result(s_.aggs_[i], g.states[i]);
            if (s_.finish_) s_.finish_(ctx);
            return true;
        }
        void reset() override {
            input_->reset();
            done_ = false;
            groups_.clear();
            pos_ = 0;
        }

    private:
        void consume(exec_ctx& ctx) {
            done_ = true;
            std::unordered_map<std::vector<qvalue>, std::size_t, row_hash, row_eq> index(
                16, row_hash{ctx.tx}, row_eq{ctx.tx});
            std::vector<qvalue> key(s_.keys_.size());
            while (input_->pull(ctx)) {
                for (std::size_t i = 0; i < s_.keys_.size(); ++i) {
                    key[i] = eval(s_.keys_[i].first, ctx);
                    key[i].own();
                }
                auto [it, fresh] = index.try_emplace(key, groups_.size());
                if (fresh) groups_.push_back(new_group(key, ctx));
                group& g = groups_[it->second];
                for (std::size_t i = 0; i < s_.aggs_.size(); ++i) update(s_.aggs_[i], g.states[i], ctx);
            }
            // Aggregates over no rows and no grouping keys still give one row (count 0, ...).
            if (groups_.empty() && s_.keys_.empty()) groups_.push_back(new_group({}, ctx));
        }
        group new_group(std::vector<qvalue> key, exec_ctx& ctx) {
            group g;
            g.key = std::move(key);
            g.states.resize(s_.aggs_.size());
            for (std::size_t i = 0; i < s_.aggs_.size(); ++i)
                if (s_.aggs_[i].distinct) g.states[i].seen = std::make_unique<row_set>(16, row_hash{ctx.tx}, row_eq{ctx.tx});
            return g;
        }
        void update(const aggregate_item& a, state& s, exec_ctx& ctx) {
            if (a.star) {
                ++s.count;
                return;
            }
            qvalue v = eval(a.arg, ctx);
            if (v.is_null()) return;
            v.own();
            if (s.seen) {
                std::vector<qvalue> k{v};
                if (!s.seen->insert(std::move(k)).second) return;
            }
            ++s.count;
            switch (a.kind) {
                case cy::aggregate::count:
                    break;
                case cy::aggregate::sum:
                case cy::aggregate::avg: {
                    const bolt::value* p = v.plain();
                    if (!p || (!p->get_if<std::int64_t>() && !p->get_if<double>() && !p->get_if<bolt::duration>()))
                        fail(std::string("Only numeric values are allowed in ") +
                             (a.kind == cy::aggregate::sum ? "sum" : "avg") + ".");
                    if (a.kind == cy::aggregate::sum)
                        s.sum = add(s.sum, *p);
                    else
                        s.fsum += p->get_if<double>() ? *p->get_if<double>() : static_cast<double>(*p->get_if<std::int64_t>());
                    break;
                }
                case cy::aggregate::min:
                case cy::aggregate::max: {
                    if (s.count == 1) {
                        s.best = std::move(v);
                    } else {
                        int c = q_order(v, s.best, *ctx.tx);
                        if ((a.kind == cy::aggregate::min && c < 0) || (a.kind == cy::aggregate::max && c > 0))
                            s.best = std::move(v);
                    }
                    break;
                }
                case cy::aggregate::collect:
                    s.items.push_back(std::move(v));
                    break;
                case cy::aggregate::none:
                    break;
            }
        }
        static qvalue result(const aggregate_item& a, state& s) {
            switch (a.kind) {
                case cy::aggregate::count:
                    return bolt::value(s.count);
                case cy::aggregate::sum:
                    return s.sum;
                case cy::aggregate::avg:
                    if (s.count == 0) return qvalue();
                    return bolt::value(s.fsum / static_cast<double>(s.count));
                case cy::aggregate::min:
                case cy::aggregate::max:
                    return s.best;
                case cy::aggregate::collect: {
                    bool plain = std::all_of(s.items.begin(), s.items.end(), [](const qvalue& q) { return q.plain(); });
                    if (plain) {
                        bolt::list out;
                        out.reserve(s.items.size());
                        for (auto& q : s.items) out.push_back(*q.plain());
                        return bolt::value(std::move(out));
                    }
                    return qvalue(std::make_shared<const qlist>(s.items));
                }
                case cy::aggregate::none:
                    break;
            }
            return qvalue();
        }
        const aggregate_spec& s_;
        cursor_ptr input_;
        bool done_ = false;
        std::vector<group> groups_;
        std::size_t pos_ = 0;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    std::vector<std::pair<cy::expr_id, std::int32_t>> keys_;
    std::vector<aggregate_item> aggs_;
    row_action finish_;
};

class distinct_spec final : public op_spec {
public:
    distinct_spec(spec_ptr input, std::vector<std::int32_t> slots) : input_(std::move(input)), slots_(std::move(slots)) {}
    class cur final : public cursor {
    public:
        explicit cur(const distinct_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            if (!seen_) seen_ = std::make_unique<row_set>(16, row_hash{ctx.tx}, row_eq{ctx.tx});
            while (input_->pull(ctx)) {
                std::vector<qvalue> row;
                row.reserve(s_.slots_.size());
                for (auto sl : s_.slots_) {
                    row.push_back(slot(ctx, sl));
                    row.back().own();
                }
                if (seen_->insert(std::move(row)).second) return true;
            }
            return false;
        }
        void reset() override {
            input_->reset();
            seen_.reset();
        }

    private:
        const distinct_spec& s_;
        cursor_ptr input_;
        std::unique_ptr<row_set> seen_;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    std::vector<std::int32_t> slots_;
};

class sort_spec final : public op_spec {
public:
    sort_spec(spec_ptr input, std::vector<sort_key> keys) : input_(std::move(input)), keys_(std::move(keys)) {}
    class cur final : public cursor {
    public:
        explicit cur(const sort_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            if (!done_) {
                done_ = true;
                while (input_->pull(ctx)) {
                    entry e;
                    e.frame = ctx.frame;
                    for (auto& q : e.frame) q.own();
                    for (auto& k : s_.keys_) {
                        e.keys.push_back(eval(k.expr, ctx));
                        e.keys.back().own();
                    }
                    rows_.push_back(std::move(e));
                }
                st::transaction* tx = ctx.tx;
                std::stable_sort(rows_.begin(), rows_.end(), [&](const entry& a, const entry& b) {
                    for (std::size_t i = 0; i < s_.keys_.size(); ++i) {
                        int c = q_order(a.keys[i], b.keys[i], *tx);
                        if (c != 0) return s_.keys_[i].descending ? c > 0 : c < 0;
                    }
                    return false;
                });
            }
            if (pos_ >= rows_.size()) return false;
            ctx.frame = std::move(rows_[pos_++].frame);
            return true;
        }
        void reset() override {
            input_->reset();
            done_ = false;
            rows_.clear();
            pos_ = 0;
        }

    private:
        struct entry {
            std::vector<qvalue> frame, keys;
        };
        const sort_spec& s_;
        cursor_ptr input_;
        bool done_ = false;
        std::vector<entry> rows_;
        std::size_t pos_ = 0;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    std::vector<sort_key> keys_;
};

std::int64_t count_value(cy::expr_id e, exec_ctx& ctx, std::string_view what) {
    qvalue v = eval(e, ctx);
    const bolt::value* p = v.plain();
    const std::int64_t* i = p ? p->get_if<std::int64_t>() : nullptr;
    if (!i || *i < 0) fail(std::string("Parameter of ") + std::string(what) + " should be a non-negative integer.");
    return *i;
}

class skip_limit_spec final : public op_spec {
public:
    skip_limit_spec(spec_ptr input, cy::expr_id count, bool limit) : input_(std::move(input)), count_(count), limit_(limit) {}
    class cur final : public cursor {
    public:
        explicit cur(const skip_limit_spec& s) : s_(s), input_(s.input_->make_cursor()) {}
        bool pull(exec_ctx& ctx) override {
            if (n_ < 0) n_ = count_value(s_.count_, ctx, s_.limit_ ? "LIMIT" : "SKIP");
            if (s_.limit_) {
                if (n_ == 0) return false;
                --n_;
                return input_->pull(ctx);
            }
            while (n_ > 0) {
                if (!input_->pull(ctx)) return false;
                --n_;
            }
            return input_->pull(ctx);
        }
        void reset() override {
            input_->reset();
            n_ = -1;
        }

    private:
        const skip_limit_spec& s_;
        cursor_ptr input_;
        std::int64_t n_ = -1;
    };
    cursor_ptr make_cursor() const override { return std::make_unique<cur>(*this); }

private:
    spec_ptr input_;
    cy::expr_id count_;
    bool limit_;
};

}  // namespace

spec_ptr make_once() { return std::make_shared<once_spec>(); }
spec_ptr make_scan(spec_ptr input, std::int32_t slot, scan_kind kind, st::label_id label, st::property_id prop,
                   cy::expr_id value) {
    return std::make_shared<scan_spec>(std::move(input), slot, kind, label, prop, value);
}
spec_ptr make_expand(spec_ptr input, expand_params p) { return std::make_shared<expand_spec>(std::move(input), std::move(p)); }
spec_ptr make_filter(spec_ptr input, row_predicate pred) {
    return std::make_shared<filter_spec>(std::move(input), std::move(pred));
}
spec_ptr make_apply(spec_ptr input, row_action action) {
    return std::make_shared<apply_spec>(std::move(input), std::move(action));
}
spec_ptr make_optional(spec_ptr input, spec_ptr sub, std::vector<std::int32_t> slots) {
    auto set_null = [slots = std::move(slots)](exec_ctx& ctx) {
        for (auto sl : slots) slot(ctx, sl) = qvalue();
    };
    return std::make_shared<match_or_else_spec>(std::move(input), std::move(sub), row_action{}, std::move(set_null));
}
spec_ptr make_merge(spec_ptr input, spec_ptr sub, row_action create, row_action on_match, row_action on_create) {
    auto create_it = [create = std::move(create), on_create = std::move(on_create)](exec_ctx& ctx) {
        create(ctx);
        if (on_create) on_create(ctx);
    };
    return std::make_shared<match_or_else_spec>(std::move(input), std::move(sub), std::move(on_match),
                                                std::move(create_it));
}
spec_ptr make_unwind(spec_ptr input, cy::expr_id list, std::int32_t slot) {
    return std::make_shared<unwind_spec>(std::move(input), list, slot);
}
spec_ptr make_aggregate(spec_ptr input, std::vector<std::pair<cy::expr_id, std::int32_t>> keys,
                        std::vector<aggregate_item> aggs, row_action finish) {
    return std::make_shared<aggregate_spec>(std::move(input), std::move(keys), std::move(aggs), std::move(finish));
}
spec_ptr make_distinct(spec_ptr input, std::vector<std::int32_t> slots) {
    return std::make_shared<distinct_spec>(std::move(input), std::move(slots));
}
spec_ptr make_sort(spec_ptr input, std::vector<sort_key> keys) {
    return std::make_shared<sort_spec>(std::move(input), std::move(keys));
}
spec_ptr make_skip(spec_ptr input, cy::expr_id count) {
    return std::make_shared<skip_limit_spec>(std::move(input), count, false);
}
spec_ptr make_limit(spec_ptr input, cy::expr_id count) {
    return std::make_shared<skip_limit_spec>(std::move(input), count, true);
}

}  // namespace server::query::exec
