// The planner: walks a checked Cypher statement once, gives every variable a frame slot, interns
// labels, types and property keys, and chains the operators (scans, index lookups, expands,
// writes, projections) that every run of the query then executes row by row.
#include <algorithm>
#include <cctype>

#include "operators.hpp"
#include "server/query/functions.hpp"

namespace server::query::exec {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// A node or relationship property map from a pattern: literal keys (interned), or one
/// expression (a parameter) that must evaluate to a map.
struct prop_spec {
    std::vector<std::pair<st::property_id, cy::expr_id>> items;
    cy::expr_id whole = cy::no_expr;
    bool empty() const { return items.empty() && whole == cy::no_expr; }
};

struct create_node {
    std::int32_t slot = -1;
    bool bound = false;
    std::vector<st::label_id> labels;
    prop_spec props;
};
struct create_rel {
    std::int32_t slot = -1;
    std::size_t from = 0, to = 0;  // indexes into the part's nodes
    st::edge_type_id type = 0;
    prop_spec props;
};
struct create_part {
    std::vector<create_node> nodes;
    std::vector<create_rel> rels;
    std::int32_t path_slot = -1;
};

/// Evaluates a property spec into `out` (nulls skipped, as CREATE does).
void eval_props(const prop_spec& ps, exec_ctx& ctx, st::property_list& out) {
    out.clear();
    for (auto& [key, e] : ps.items) {
        qvalue v = eval(e, ctx);
        const bolt::value* p = v.plain();
        if (!p) fail("Cannot set a node, relationship or path as a property value.");
        if (p->is_null()) continue;
        if (bolt::value* owned = v.owned_value())
            out.emplace_back(key, std::move(*owned));
        else
            out.emplace_back(key, *p);
    }
    if (ps.whole != cy::no_expr) {
        qvalue v = eval(ps.whole, ctx);
        const bolt::value* p = v.plain();
        if (!p || !p->get_if<bolt::map>()) fail("Properties of a pattern must be a map.");
        for (auto& [k, val] : *p->get_if<bolt::map>()) {
            if (val.is_null()) continue;
            out.emplace_back(ctx.graph->name_to_id(k), val);
        }
    }
}

/// True when the object's properties match the spec (Cypher `=` on each).
template <class H>
bool props_match(const prop_spec& ps, H h, exec_ctx& ctx, std::int32_t skip_key = -1) {
    for (auto& [key, e] : ps.items) {
        if (static_cast<std::int32_t>(key) == skip_key) continue;
        qvalue want = eval(e, ctx);
        qvalue have = ctx.tx->property(h, key);
        auto eq = q_equals(have, want, *ctx.tx);
        if (!eq || !*eq) return false;
    }
    if (ps.whole != cy::no_expr) {
        qvalue v = eval(ps.whole, ctx);
        const bolt::value* p = v.plain();
        if (!p || !p->get_if<bolt::map>()) fail("Properties of a pattern must be a map.");
        for (auto& [k, val] : *p->get_if<bolt::map>()) {
            auto id = ctx.graph->find_name(k);
            if (!id) return false;
            auto eq = q_equals(qvalue(ctx.tx->property(h, *id)), qvalue::borrow(val), *ctx.tx);
            if (!eq || !*eq) return false;
        }
    }
    return true;
}

void check(std::error_code ec, exec_ctx& ctx) {
    if (ec) fail_storage(ec, ctx.tx);
}

class planner {
public:
    planner(prepared& p, st::storage& g) : p_(p), g_(g), q_(p.ast) { p_.info.resize(q_.exprs.size()); }

    void run() {
        spec_ptr cur = make_once();
        for (const auto& c : q_.clauses()) {
            std::visit([&](const auto& clause) { cur = plan(clause, std::move(cur)); }, c);
        }
        p_.root = std::move(cur);
        p_.slots = static_cast<std::size_t>(next_slot_);
    }

private:
    // ---- scope -----------------------------------------------------------------------------------
    std::int32_t lookup(const std::string& name) const {
        for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
            if (it->first == name) return it->second;
        return -1;
    }
    std::int32_t bind(const std::string& name) {
        std::int32_t s = next_slot_++;
        if (!name.empty()) scope_.emplace_back(name, s);
        return s;
    }
    std::int32_t anon() { return next_slot_++; }

    // ---- expressions -------------------------------------------------------------------------------
    void resolve(cy::expr_id id) {
        if (id == cy::no_expr) return;
        const cy::expr& e = q_.at(id);
        expr_info& in = p_.info[id];
        switch (e.kind) {
            case cy::expr_kind::variable:
                in.slot = lookup(e.name);
                if (in.slot < 0) fail("Unbound variable: " + e.name + ".");
                break;
            case cy::expr_kind::parameter: {
                auto& ps = q_.parameters;
                in.param = static_cast<std::int32_t>(std::find(ps.begin(), ps.end(), e.name) - ps.begin());
                if (in.param >= static_cast<std::int32_t>(ps.size())) fail("Unknown parameter $" + e.name + ".");
                break;
            }
            case cy::expr_kind::property:
                in.key = g_.name_to_id(e.name);
                in.has_key = true;
                break;
            case cy::expr_kind::has_labels:
                for (auto& l : q_.keys_of(e.keys)) in.labels.push_back(g_.name_to_id(l));
                break;
            case cy::expr_kind::function:
                if (e.agg == cy::aggregate::none) {
                    in.lower_name = lower(e.name);
                    in.function = function_of(in.lower_name);
                    if (in.function == fn::none) fail("Function '" + e.name + "' doesn't exist.");
                } else if (!in_aggregation_) {
                    fail("Aggregation functions are only allowed in WITH and RETURN.");
                }
                break;
            case cy::expr_kind::count_star:
                if (!in_aggregation_) fail("Aggregation functions are only allowed in WITH and RETURN.");
                break;
            default:
                break;
        }
        if (e.kind == cy::expr_kind::function && e.agg != cy::aggregate::none) {
            // The argument is evaluated per input row, in the scope before the projection.
            for (auto a : q_.list_of(e.items)) resolve(a);
            return;
        }
        resolve(e.a);
        resolve(e.b);
        resolve(e.c);
        for (auto a : q_.list_of(e.items)) resolve(a);
    }

    static fn function_of(const std::string& n) {
        if (n == "id") return fn::id;
        if (n == "labels") return fn::labels;
        if (n == "type") return fn::type;
        if (n == "properties") return fn::properties;
        if (n == "keys") return fn::keys;
        if (n == "startnode") return fn::start_node;
        if (n == "endnode") return fn::end_node;
        if (n == "nodes") return fn::nodes;
        if (n == "relationships") return fn::relationships;
        if (n == "size") return fn::size;
        if (n == "length") return fn::length;
        if (n == "exists") return fn::exists;
        if (is_value_function(n)) return fn::value_function;
        return fn::none;
    }

    bool has_aggregate(cy::expr_id id) const {
        if (id == cy::no_expr) return false;
        const cy::expr& e = q_.at(id);
        if (e.kind == cy::expr_kind::count_star) return true;
        if (e.kind == cy::expr_kind::function && e.agg != cy::aggregate::none) return true;
        if (has_aggregate(e.a) || has_aggregate(e.b) || has_aggregate(e.c)) return true;
        for (auto a : q_.list_of(e.items))
            if (has_aggregate(a)) return true;
        return false;
    }

    void collect_aggregates(cy::expr_id id, std::vector<aggregate_item>& out) {
        if (id == cy::no_expr) return;
        const cy::expr& e = q_.at(id);
        if (e.kind == cy::expr_kind::count_star ||
            (e.kind == cy::expr_kind::function && e.agg != cy::aggregate::none)) {
            aggregate_item a;
            a.expr = id;
            a.star = e.kind == cy::expr_kind::count_star;
            a.kind = a.star ? cy::aggregate::count : e.agg;
            a.distinct = e.distinct;
            if (!a.star) {
                auto args = q_.list_of(e.items);
                if (args.size() != 1) fail("Aggregation functions take exactly one argument.");
                a.arg = args[0];
            }
            a.slot = anon();
            p_.info[id].slot = a.slot;
            out.push_back(a);
            return;
        }
        collect_aggregates(e.a, out);
        collect_aggregates(e.b, out);
        collect_aggregates(e.c, out);
        for (auto a : q_.list_of(e.items)) collect_aggregates(a, out);
    }

    prop_spec props_of(cy::expr_id id) {
        prop_spec ps;
        if (id == cy::no_expr) return ps;
        const cy::expr& e = q_.at(id);
        if (e.kind == cy::expr_kind::map) {
            auto vals = q_.list_of(e.items);
            auto keys = q_.keys_of(e.keys);
            for (std::size_t i = 0; i < vals.size(); ++i) {
                resolve(vals[i]);
                ps.items.emplace_back(g_.name_to_id(keys[i]), vals[i]);
            }
        } else {
            resolve(id);
            ps.whole = id;
        }
        return ps;
    }

    // ---- MATCH -----------------------------------------------------------------------------------
    spec_ptr node_filter(spec_ptr cur, std::int32_t s, std::vector<st::label_id> labels, prop_spec props,
                         std::int32_t skip_key = -1) {
        if (labels.empty() && props.empty()) return cur;
        return make_filter(std::move(cur), [s, labels = std::move(labels), props = std::move(props),
                                            skip_key](exec_ctx& ctx) {
            const qvalue& q = ctx.frame[static_cast<std::size_t>(s)];
            const st::vertex_handle* v = q.vertex();
            if (!v) {
                if (q.is_null()) return false;
                fail("Expected a node.");
            }
            for (auto l : labels)
                if (!ctx.tx->has_label(*v, l)) return false;
            return props_match(props, *v, ctx, skip_key);
        });
    }

    spec_ptr match_node(spec_ptr cur, const cy::node_pattern& n, std::int32_t& slot_out) {
        std::vector<st::label_id> labels;
        for (auto& l : n.labels) labels.push_back(g_.name_to_id(l));
        prop_spec props = props_of(n.properties);
        std::int32_t s = n.variable.empty() ? -1 : lookup(n.variable);
        if (s >= 0) {
            slot_out = s;
            return node_filter(std::move(cur), s, std::move(labels), std::move(props));
        }
        s = bind(n.variable);
        slot_out = s;
        if (!labels.empty() && !props.items.empty()) {
            // Prefer a key with a label+property index; storage scans the label otherwise.
            std::size_t li = 0, pi = 0;
            bool found = false;
            for (std::size_t i = 0; i < labels.size() && !found; ++i)
                for (std::size_t k = 0; k < props.items.size() && !found; ++k)
                    if (g_.has_label_property_index(labels[i], props.items[k].first)) {
                        li = i;
                        pi = k;
                        found = true;
                    }
            st::label_id label = labels[li];
            auto [key, e] = props.items[pi];
            cur = make_scan(std::move(cur), s, scan_kind::label_property, label, key, e);
            labels.erase(labels.begin() + static_cast<std::ptrdiff_t>(li));
            return node_filter(std::move(cur), s, std::move(labels), std::move(props), static_cast<std::int32_t>(key));
        }
        if (!labels.empty()) {
            cur = make_scan(std::move(cur), s, scan_kind::label, labels[0], 0, cy::no_expr);
            labels.erase(labels.begin());
        } else {
            cur = make_scan(std::move(cur), s, scan_kind::all, 0, 0, cy::no_expr);
        }
        return node_filter(std::move(cur), s, std::move(labels), std::move(props));
    }

    spec_ptr match_part(spec_ptr cur, const cy::pattern_part& part, std::vector<std::int32_t>& clause_edges) {
        std::vector<std::int32_t> node_slots(part.nodes.size()), edge_slots;
        cur = match_node(std::move(cur), part.nodes[0], node_slots[0]);
        for (std::size_t i = 0; i < part.rels.size(); ++i) {
            const cy::rel_pattern& r = part.rels[i];
            const cy::node_pattern& to = part.nodes[i + 1];
            expand_params ep;
            ep.from = node_slots[i];
            ep.dir = r.dir;
            for (auto& t : r.types) ep.types.push_back(g_.name_to_id(t));
            ep.distinct_from = clause_edges;
            if (r.variable_length) {
                ep.variable = true;
                ep.min_hops = r.min_hops.value_or(1);
                ep.max_hops = r.max_hops.value_or(-1);
                if (ep.min_hops < 0) fail("Variable-length bounds must not be negative.");
            }
            std::int32_t bound_edge = r.variable.empty() ? -1 : lookup(r.variable);
            ep.edge = bound_edge >= 0 ? anon() : bind(r.variable);
            std::int32_t ts = to.variable.empty() ? -1 : lookup(to.variable);
            ep.to_bound = ts >= 0;
            ep.to = ts >= 0 ? ts : bind(to.variable);
            node_slots[i + 1] = ep.to;
            std::int32_t es = ep.edge;
            bool variable = ep.variable;
            if (!variable) clause_edges.push_back(es);
            edge_slots.push_back(es);
            cur = make_expand(std::move(cur), std::move(ep));
            if (bound_edge >= 0)
                cur = make_filter(std::move(cur), [bound_edge, es](exec_ctx& ctx) {
                    auto* a = ctx.frame[static_cast<std::size_t>(bound_edge)].edge();
                    auto* b = ctx.frame[static_cast<std::size_t>(es)].edge();
                    return a && b && *a == *b;
                });
            prop_spec eprops = props_of(r.properties);
            if (!eprops.empty())
                cur = make_filter(std::move(cur), [es, eprops = std::move(eprops)](exec_ctx& ctx) {
                    const qvalue& q = ctx.frame[static_cast<std::size_t>(es)];
                    if (const qlist* l = q.entity_list()) {
                        for (auto& e : *l)
                            if (!props_match(eprops, *e.edge(), ctx)) return false;
                        return true;
                    }
                    return props_match(eprops, *q.edge(), ctx);
                });
            std::vector<st::label_id> labels;
            for (auto& l : to.labels) labels.push_back(g_.name_to_id(l));
            cur = node_filter(std::move(cur), node_slots[i + 1], std::move(labels), props_of(to.properties));
        }
        if (!part.path_variable.empty()) {
            std::int32_t ps = bind(part.path_variable);
            cur = make_apply(std::move(cur), [ps, node_slots, edge_slots](exec_ctx& ctx) {
                auto p = std::make_shared<path_value>();
                for (auto s : node_slots) {
                    auto* v = ctx.frame[static_cast<std::size_t>(s)].vertex();
                    if (!v) {
                        ctx.frame[static_cast<std::size_t>(ps)] = qvalue();
                        return;
                    }
                    p->nodes.push_back(*v);
                }
                // A variable-length step holds its relationships as a list: walk them to fill in
                // the nodes between.
                std::vector<st::vertex_handle> ends(p->nodes);
                p->nodes.assign(1, ends[0]);
                for (std::size_t i = 0; i < edge_slots.size(); ++i) {
                    const qvalue& q = ctx.frame[static_cast<std::size_t>(edge_slots[i])];
                    if (const qlist* l = q.entity_list()) {
                        for (auto& x : *l) {
                            st::edge_handle e = *x.edge();
                            st::vertex_handle at = p->nodes.back();
                            p->edges.push_back(e);
                            p->nodes.push_back(e.from() == at ? e.to() : e.from());
                        }
                    } else {
                        p->edges.push_back(*q.edge());
                        p->nodes.push_back(ends[i + 1]);
                    }
                }
                ctx.frame[static_cast<std::size_t>(ps)] = qvalue(std::shared_ptr<const path_value>(std::move(p)));
            });
        }
        return cur;
    }

    spec_ptr plan(const cy::match_clause& m, spec_ptr cur) {
        std::size_t scope_before = scope_.size();
        std::int32_t slots_before = next_slot_;
        spec_ptr chain = m.optional ? make_once() : std::move(cur);
        std::vector<std::int32_t> clause_edges;
        for (const auto& part : m.patterns) chain = match_part(std::move(chain), part, clause_edges);
        if (m.where != cy::no_expr) {
            resolve(m.where);
            cy::expr_id w = m.where;
            chain = make_filter(std::move(chain), [w](exec_ctx& ctx) { return eval_true(w, ctx); });
        }
        if (!m.optional) return chain;
        std::vector<std::int32_t> fresh;
        for (std::size_t i = scope_before; i < scope_.size(); ++i) fresh.push_back(scope_[i].second);
        for (std::int32_t s = slots_before; s < next_slot_; ++s)
            if (std::find(fresh.begin(), fresh.end(), s) == fresh.end()) fresh.push_back(s);
        return make_optional(std::move(cur), std::move(chain), std::move(fresh));
    }

    // ---- CREATE / MERGE ---------------------------------------------------------------------------
    create_part create_spec(const cy::pattern_part& part) {
        create_part cp;
        for (const auto& n : part.nodes) {
            create_node cn;
            std::int32_t s = n.variable.empty() ? -1 : lookup(n.variable);
            if (s >= 0) {
                cn.slot = s;
                cn.bound = true;
                if (!n.labels.empty() || n.properties != cy::no_expr) {
                    // Memgraph: labels or properties on an already bound variable in CREATE.
                    bool fresh_here = false;
                    for (auto& prev : cp.nodes)
                        if (prev.slot == s) fresh_here = true;
                    if (!fresh_here) fail("Redeclaring variable: " + n.variable + ".");
                }
            } else {
                cn.slot = bind(n.variable);
                for (auto& l : n.labels) cn.labels.push_back(g_.name_to_id(l));
                cn.props = props_of(n.properties);
            }
            cp.nodes.push_back(std::move(cn));
        }
        for (std::size_t i = 0; i < part.rels.size(); ++i) {
            const auto& r = part.rels[i];
            if (r.types.size() != 1)
                fail("A single relationship type must be specified when creating an edge.");
            if (r.variable_length) fail("Variable length relationships cannot be created.");
            create_rel cr;
            cr.slot = bind(r.variable);
            cr.type = g_.name_to_id(r.types[0]);
            cr.props = props_of(r.properties);
            if (r.dir == cy::direction::left) {
                cr.from = i + 1;
                cr.to = i;
            } else {
                cr.from = i;
                cr.to = i + 1;
            }
            cp.rels.push_back(std::move(cr));
        }
        if (!part.path_variable.empty()) cp.path_slot = bind(part.path_variable);
        return cp;
    }

    static void do_create(const create_part& cp, exec_ctx& ctx, st::property_list& scratch) {
        for (const auto& n : cp.nodes) {
            if (n.bound) {
                const qvalue& q = ctx.frame[static_cast<std::size_t>(n.slot)];
                if (!q.vertex()) fail("Trying to create a relationship on a null or non-node value.");
                continue;
            }
            eval_props(n.props, ctx, scratch);
            ctx.create_props += static_cast<std::int64_t>(scratch.size());
            auto v = ctx.tx->create_vertex(n.labels, scratch);
            if (!v) fail_storage(v.error(), ctx.tx);
            ctx.frame[static_cast<std::size_t>(n.slot)] = *v;
        }
        std::vector<st::edge_handle> edges;
        for (const auto& r : cp.rels) {
            eval_props(r.props, ctx, scratch);
            ctx.create_props += static_cast<std::int64_t>(scratch.size());
            auto from = *ctx.frame[static_cast<std::size_t>(cp.nodes[r.from].slot)].vertex();
            auto to = *ctx.frame[static_cast<std::size_t>(cp.nodes[r.to].slot)].vertex();
            auto e = ctx.tx->create_edge(from, to, r.type, scratch);
            if (!e) fail_storage(e.error(), ctx.tx);
            ctx.frame[static_cast<std::size_t>(r.slot)] = *e;
            edges.push_back(*e);
        }
        if (cp.path_slot >= 0) {
            auto p = std::make_shared<path_value>();
            for (const auto& n : cp.nodes) p->nodes.push_back(*ctx.frame[static_cast<std::size_t>(n.slot)].vertex());
            p->edges = std::move(edges);
            ctx.frame[static_cast<std::size_t>(cp.path_slot)] = qvalue(std::shared_ptr<const path_value>(std::move(p)));
        }
    }

    spec_ptr plan(const cy::create_clause& c, spec_ptr cur) {
        p_.writes = true;
        std::vector<create_part> parts;
        for (const auto& part : c.patterns) parts.push_back(create_spec(part));
        return make_apply(std::move(cur), [parts = std::move(parts)](exec_ctx& ctx) {
            for (const auto& cp : parts) do_create(cp, ctx, ctx.scratch);
        });
    }

    spec_ptr plan(const cy::merge_clause& m, spec_ptr cur) {
        p_.writes = true;
        // Plan the match side first (it binds the pattern's new variables), then the create side
        // over the same slots.
        std::size_t scope_before = scope_.size();
        std::vector<std::pair<std::string, std::int32_t>> outer(scope_.begin(), scope_.end());
        std::vector<std::int32_t> clause_edges;
        spec_ptr sub = match_part(make_once(), m.pattern, clause_edges);
        std::vector<std::pair<std::string, std::int32_t>> matched(scope_.begin() + static_cast<std::ptrdiff_t>(scope_before),
                                                                   scope_.end());
        scope_ = outer;
        create_part cp = create_spec(m.pattern);
        // Create must write into the slots the match side uses, so later clauses see one variable.
        std::vector<std::pair<std::int32_t, std::int32_t>> moves;  // created slot → matched slot
        for (auto& [name, s] : matched) {
            std::int32_t cs = lookup(name);
            if (cs >= 0 && cs != s) moves.emplace_back(cs, s);
        }
        scope_ = outer;
        for (auto& m2 : matched) scope_.push_back(m2);
        row_action create = [cp = std::move(cp), moves](exec_ctx& ctx) {
            do_create(cp, ctx, ctx.scratch);
            for (auto [from, to] : moves) ctx.frame[static_cast<std::size_t>(to)] = ctx.frame[static_cast<std::size_t>(from)];
        };
        row_action on_match = m.on_match.empty() ? row_action{} : set_action(m.on_match);
        row_action on_create = m.on_create.empty() ? row_action{} : set_action(m.on_create);
        return make_merge(std::move(cur), std::move(sub), std::move(create), std::move(on_match), std::move(on_create));
    }

    // ---- SET / REMOVE / DELETE -----------------------------------------------------------------------
    row_action set_action(const std::vector<cy::set_item>& items) {
        std::vector<row_action> actions;
        for (const auto& it : items) {
            switch (it.kind) {
                case cy::set_kind::property: {
                    const cy::expr& t = q_.at(it.target);
                    resolve(t.a);
                    resolve(it.value);
                    cy::expr_id obj = t.a, val = it.value;
                    st::property_id key = g_.name_to_id(t.name);
                    actions.push_back([obj, val, key](exec_ctx& ctx) {
                        qvalue o = eval(obj, ctx);
                        if (o.is_null()) return;
                        qvalue v = eval(val, ctx);
                        const bolt::value* p = v.plain();
                        if (!p) fail("Cannot set a node, relationship or path as a property value.");
                        if (auto* n = o.vertex()) return check(ctx.tx->set_property(*n, key, *p), ctx);
                        if (auto* r = o.edge()) return check(ctx.tx->set_property(*r, key, *p), ctx);
                        fail("Properties can only be set on nodes and relationships.");
                    });
                    break;
                }
                case cy::set_kind::replace:
                case cy::set_kind::merge: {
                    std::int32_t s = lookup(it.variable);
                    if (s < 0) fail("Unbound variable: " + it.variable + ".");
                    resolve(it.value);
                    cy::expr_id val = it.value;
                    bool replace = it.kind == cy::set_kind::replace;
                    actions.push_back([s, val, replace](exec_ctx& ctx) {
                        const qvalue& o = ctx.frame[static_cast<std::size_t>(s)];
                        if (o.is_null()) return;
                        qvalue v = eval(val, ctx);
                        st::property_list props;
                        if (auto* n = v.vertex()) props = ctx.tx->properties(*n);
                        else if (auto* r = v.edge()) props = ctx.tx->properties(*r);
                        else if (v.plain() && v.plain()->get_if<bolt::map>()) {
                            for (auto& [k, x] : *v.plain()->get_if<bolt::map>()) props.emplace_back(ctx.graph->name_to_id(k), x);
                        } else if (!v.is_null()) {
                            fail("SET expects a map, a node or a relationship on the right-hand side.");
                        }
                        auto apply = [&](auto h) {
                            if (replace) {
                                for (auto& old : ctx.tx->properties(h)) {
                                    st::property_id key = old.first;
                                    bool kept = std::any_of(props.begin(), props.end(), [key](auto& p) { return p.first == key; });
                                    if (!kept) check(ctx.tx->set_property(h, key, bolt::value()), ctx);
                                }
                            }
                            for (auto& [k, x] : props) check(ctx.tx->set_property(h, k, x), ctx);
                        };
                        if (auto* n = o.vertex()) apply(*n);
                        else if (auto* r = o.edge()) apply(*r);
                        else fail("Properties can only be set on nodes and relationships.");
                    });
                    break;
                }
                case cy::set_kind::labels: {
                    actions.push_back(label_action(it.variable, it.labels, /*add=*/true));
                    break;
                }
            }
        }
        return [actions = std::move(actions)](exec_ctx& ctx) {
            for (auto& a : actions) a(ctx);
        };
    }

    // SET n:L / REMOVE n:L on the node bound to `variable` (null: nothing to do).
    row_action label_action(const std::string& variable, const std::vector<std::string>& names, bool add) {
        std::int32_t s = lookup(variable);
        if (s < 0) fail("Unbound variable: " + variable + ".");
        std::vector<st::label_id> labels;
        for (auto& l : names) labels.push_back(g_.name_to_id(l));
        return [s, labels, add](exec_ctx& ctx) {
            const qvalue& o = ctx.frame[static_cast<std::size_t>(s)];
            if (o.is_null()) return;
            auto* n = o.vertex();
            if (!n) fail(add ? "Labels can only be set on nodes." : "Labels can only be removed from nodes.");
            for (auto l : labels) {
                auto r = add ? ctx.tx->add_label(*n, l) : ctx.tx->remove_label(*n, l);
                if (!r) fail_storage(r.error(), ctx.tx);
            }
        };
    }

    spec_ptr plan(const cy::set_clause& c, spec_ptr cur) {
        p_.writes = true;
        return make_apply(std::move(cur), set_action(c.items));
    }

    spec_ptr plan(const cy::remove_clause& c, spec_ptr cur) {
        p_.writes = true;
        std::vector<row_action> actions;
        for (const auto& it : c.items) {
            if (it.kind == cy::remove_kind::property) {
                const cy::expr& t = q_.at(it.target);
                resolve(t.a);
                cy::expr_id obj = t.a;
                st::property_id key = g_.name_to_id(t.name);
                actions.push_back([obj, key](exec_ctx& ctx) {
                    qvalue o = eval(obj, ctx);
                    if (o.is_null()) return;
                    if (auto* n = o.vertex()) {
                        if (!ctx.tx->property(*n, key).is_null()) check(ctx.tx->set_property(*n, key, bolt::value()), ctx);
                        return;
                    }
                    if (auto* r = o.edge()) {
                        if (!ctx.tx->property(*r, key).is_null()) check(ctx.tx->set_property(*r, key, bolt::value()), ctx);
                        return;
                    }
                    fail("Properties can only be removed from nodes and relationships.");
                });
            } else {
                actions.push_back(label_action(it.variable, it.labels, /*add=*/false));
            }
        }
        return make_apply(std::move(cur), [actions = std::move(actions)](exec_ctx& ctx) {
            for (auto& a : actions) a(ctx);
        });
    }

    spec_ptr plan(const cy::delete_clause& c, spec_ptr cur) {
        p_.writes = true;
        for (auto t : c.targets) resolve(t);
        std::vector<cy::expr_id> targets = c.targets;
        bool detach = c.detach;
        return make_apply(std::move(cur), [targets, detach](exec_ctx& ctx) {
            auto del_edge = [&](st::edge_handle e) {
                auto ec = ctx.tx->delete_edge(e);
                if (ec && ec != st::errc::deleted_object) fail_storage(ec, ctx.tx);
            };
            auto del_vertex = [&](st::vertex_handle v) {
                auto ec = detach ? ctx.tx->detach_delete_vertex(v) : ctx.tx->delete_vertex(v);
                if (ec && ec != st::errc::deleted_object) fail_storage(ec, ctx.tx);
            };
            for (auto t : targets) {
                qvalue v = eval(t, ctx);
                if (v.is_null()) continue;
                if (auto* n = v.vertex()) del_vertex(*n);
                else if (auto* r = v.edge()) del_edge(*r);
                else if (auto* p = v.path()) {
                    for (auto e : p->edges) del_edge(e);
                    for (auto n2 : p->nodes) del_vertex(n2);
                } else if (auto* l = v.entity_list()) {
                    for (auto& x : *l) {
                        if (auto* e = x.edge()) del_edge(*e);
                    }
                    for (auto& x : *l) {
                        if (auto* n2 = x.vertex()) del_vertex(*n2);
                    }
                } else {
                    fail("Only nodes, relationships and paths can be deleted.");
                }
            }
        });
    }

    // ---- UNWIND ----------------------------------------------------------------------------------
    spec_ptr plan(const cy::unwind_clause& u, spec_ptr cur) {
        resolve(u.list);
        std::int32_t s = bind(u.alias);
        return make_unwind(std::move(cur), u.list, s);
    }

    // ---- WITH / RETURN ------------------------------------------------------------------------------
    struct item {
        cy::expr_id value;
        std::string name;
    };

    spec_ptr projection(const cy::projection& body, spec_ptr cur, cy::expr_id where, bool is_return) {
        std::vector<item> items;
        if (body.star) {
            std::vector<std::string> names;
            for (auto& [n, s] : scope_)
                if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
            std::sort(names.begin(), names.end());
            for (auto& n : names) items.push_back({cy::no_expr, n});
        }
        for (auto& it : body.items) items.push_back({it.value, it.name});

        bool aggregating = std::any_of(items.begin(), items.end(), [&](auto& i) { return has_aggregate(i.value); });
        std::vector<std::pair<std::string, std::int32_t>> old_scope = scope_;
        std::vector<std::pair<std::string, std::int32_t>> new_scope;
        std::vector<std::int32_t> out_slots;

        if (aggregating) {
            std::vector<std::pair<cy::expr_id, std::int32_t>> keys;
            std::vector<aggregate_item> aggs;
            std::vector<std::pair<cy::expr_id, std::int32_t>> finish_items;
            in_aggregation_ = true;
            for (auto& it : items) {
                std::int32_t s = anon();
                if (it.value == cy::no_expr) {
                    std::int32_t src = lookup(it.name);
                    std::int32_t s2 = s;
                    keys.emplace_back(var_expr(it.name, src), s2);
                } else if (has_aggregate(it.value)) {
                    resolve(it.value);
                    collect_aggregates(it.value, aggs);
                    finish_items.emplace_back(it.value, s);
                } else {
                    resolve(it.value);
                    keys.emplace_back(it.value, s);
                }
                out_slots.push_back(s);
                new_scope.emplace_back(it.name, s);
            }
            in_aggregation_ = false;
            row_action finish;
            if (!finish_items.empty())
                finish = [finish_items](exec_ctx& ctx) {
                    for (auto& [e, s] : finish_items) ctx.frame[static_cast<std::size_t>(s)] = eval(e, ctx);
                };
            cur = make_aggregate(std::move(cur), std::move(keys), std::move(aggs), std::move(finish));
        } else {
            std::vector<std::pair<cy::expr_id, std::int32_t>> evals;
            for (auto& it : items) {
                if (it.value == cy::no_expr) {
                    std::int32_t src = lookup(it.name);
                    out_slots.push_back(src);
                    new_scope.emplace_back(it.name, src);
                    continue;
                }
                resolve(it.value);
                const cy::expr& e = q_.at(it.value);
                // `WITH a` or `RETURN a AS b` copy nothing: the new name shares the slot.
                if (e.kind == cy::expr_kind::variable) {
                    std::int32_t src = p_.info[it.value].slot;
                    out_slots.push_back(src);
                    new_scope.emplace_back(it.name, src);
                    continue;
                }
                std::int32_t s = anon();
                evals.emplace_back(it.value, s);
                out_slots.push_back(s);
                new_scope.emplace_back(it.name, s);
            }
            if (!evals.empty())
                cur = make_apply(std::move(cur), [evals](exec_ctx& ctx) {
                    if (evals.size() == 1) {
                        ctx.frame[static_cast<std::size_t>(evals[0].second)] = eval(evals[0].first, ctx);
                        return;
                    }
                    std::vector<qvalue> tmp;
                    tmp.reserve(evals.size());
                    for (auto& [e, s] : evals) tmp.push_back(eval(e, ctx));
                    for (std::size_t i = 0; i < evals.size(); ++i)
                        ctx.frame[static_cast<std::size_t>(evals[i].second)] = std::move(tmp[i]);
                });
        }

        if (body.distinct) cur = make_distinct(std::move(cur), out_slots);

        // ORDER BY sees the projected names, and (without aggregation or DISTINCT) the old ones.
        if (aggregating || body.distinct)
            scope_ = new_scope;
        else {
            scope_ = old_scope;
            for (auto& n : new_scope) scope_.push_back(n);
        }
        if (!body.order_by.empty()) {
            std::vector<sort_key> keys;
            for (auto& k : body.order_by) {
                // `RETURN n.k, count(*) ORDER BY count(*)`: an ORDER BY expression written like a
                // projected one sorts by that column.
                std::int32_t col = -1;
                for (std::size_t i = 0; i < items.size() && col < 0; ++i)
                    if (items[i].value != cy::no_expr && same_expr(items[i].value, k.value)) col = out_slots[i];
                if (col >= 0) {
                    keys.push_back({var_expr("", col), k.descending});
                    continue;
                }
                if (has_aggregate(k.value)) fail("Aggregations in ORDER BY must also appear in the projection.");
                resolve(k.value);
                keys.push_back({k.value, k.descending});
            }
            cur = make_sort(std::move(cur), std::move(keys));
        }
        scope_ = new_scope;
        if (body.skip != cy::no_expr) {
            resolve(body.skip);
            cur = make_skip(std::move(cur), body.skip);
        }
        if (body.limit != cy::no_expr) {
            resolve(body.limit);
            cur = make_limit(std::move(cur), body.limit);
        }
        if (where != cy::no_expr) {
            resolve(where);
            cur = make_filter(std::move(cur), [where](exec_ctx& ctx) { return eval_true(where, ctx); });
        }
        if (is_return) {
            for (std::size_t i = 0; i < items.size(); ++i) {
                p_.columns.push_back(items[i].name);
                p_.column_slots.push_back(out_slots[i]);
            }
        }
        return cur;
    }

    /// Structural equality of two expressions (same shape, names and literals).
    bool same_expr(cy::expr_id a, cy::expr_id b) const {
        if (a == b) return true;
        if (a == cy::no_expr || b == cy::no_expr) return false;
        const cy::expr& x = q_.at(a);
        const cy::expr& y = q_.at(b);
        if (x.kind != y.kind || x.oper != y.oper || x.agg != y.agg || x.distinct != y.distinct ||
            x.negated != y.negated || x.name != y.name || !(x.value == y.value))
            return false;
        if (!same_expr(x.a, y.a) || !same_expr(x.b, y.b) || !same_expr(x.c, y.c)) return false;
        auto xi = q_.list_of(x.items), yi = q_.list_of(y.items);
        if (xi.size() != yi.size()) return false;
        for (std::size_t i = 0; i < xi.size(); ++i)
            if (!same_expr(xi[i], yi[i])) return false;
        auto xk = q_.keys_of(x.keys), yk = q_.keys_of(y.keys);
        return std::equal(xk.begin(), xk.end(), yk.begin(), yk.end());
    }

    /// A synthetic variable expression for `*` items (the arena is ours to extend).
    cy::expr_id var_expr(const std::string& name, std::int32_t slot) {
        cy::expr e;
        e.kind = cy::expr_kind::variable;
        e.name = name;
        p_.ast.exprs.push_back(std::move(e));
        expr_info in;
        in.slot = slot;
        p_.info.push_back(in);
        return static_cast<cy::expr_id>(p_.ast.exprs.size() - 1);
    }

    spec_ptr plan(const cy::with_clause& w, spec_ptr cur) { return projection(w.body, std::move(cur), w.where, false); }
    spec_ptr plan(const cy::return_clause& r, spec_ptr cur) { return projection(r.body, std::move(cur), cy::no_expr, true); }

    prepared& p_;
    st::storage& g_;
    const cy::query& q_;
    std::vector<std::pair<std::string, std::int32_t>> scope_;
    std::int32_t next_slot_ = 0;
    bool in_aggregation_ = false;
};

}  // namespace

void plan_query(prepared& p, st::storage& graph) { planner(p, graph).run(); }

}  // namespace server::query::exec
