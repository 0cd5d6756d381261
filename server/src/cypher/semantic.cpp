// The semantic pass: one walk over the clauses with the set of bound variables, raising the
// errors Memgraph raises before planning; and the query type classifier.
#include <algorithm>
#include <server/cypher/semantic.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace server::cypher {

namespace {

class checker {
public:
    explicit checker(const query& q) : q_(q) {}

    std::optional<syntax_error> run() {
        const auto* s = std::get_if<cypher_statement>(&q_.stmt);
        if (!s) return std::nullopt;
        if (!clause_order(*s)) return err_;
        for (const auto& c : s->clauses) {
            std::visit([&](const auto& x) { visit(x); }, c);
            if (err_) return err_;
        }
        return err_;
    }

private:
    // ---- bookkeeping -------------------------------------------------------------------------

    bool fail(source_pos p, std::string message) {
        if (!err_) err_ = syntax_error{p.line, p.column, std::move(message)};
        return false;
    }
    bool bound(const std::string& name) const {
        return std::find(scope_.begin(), scope_.end(), name) != scope_.end();
    }
    void bind(const std::string& name) {
        if (!name.empty() && !bound(name)) scope_.push_back(name);
    }

    /// Memgraph's clause-order rules (CypherMainVisitor::visitSingleQuery), same messages.
    bool clause_order(const cypher_statement& s) {
        bool has_update = false, has_return = false, has_optional_match = false;
        for (const auto& c : s.clauses) {
            const source_pos p = std::visit([](const auto& x) { return x.pos; }, c);
            if (std::holds_alternative<unwind_clause>(c)) {
                if (has_update || has_return)
                    return fail(p, "UNWIND can't be put after RETURN clause or after an update.");
            } else if (const auto* m = std::get_if<match_clause>(&c)) {
                if (has_update || has_return)
                    return fail(p, "MATCH can't be put after RETURN clause or after an update.");
                if (m->optional)
                    has_optional_match = true;
                else if (has_optional_match)
                    return fail(p, "MATCH can't be put after OPTIONAL MATCH.");
            } else if (std::holds_alternative<return_clause>(c)) {
                if (has_return) return fail(p, "There can only be one RETURN in a clause.");
                has_return = true;
            } else if (std::holds_alternative<with_clause>(c)) {
                if (has_return) return fail(p, "RETURN can't be put before WITH.");
                has_update = has_return = has_optional_match = false;
            } else {  // CREATE, MERGE, SET, REMOVE, DELETE
                if (has_return) return fail(p, "Update clause can't be used after RETURN.");
                has_update = true;
            }
        }
        if (!has_update && !has_return) {
            return fail(s.clauses.empty()
                            ? source_pos{}
                            : std::visit([](const auto& x) { return x.pos; }, s.clauses.front()),
                        "Query should either create or update something, or return results!");
        }
        return true;
    }

    // ---- expressions -------------------------------------------------------------------------

    enum class agg_rule : std::uint8_t { forbidden, allowed };

    /// Recursion depth is bounded by the parser's nesting cap.
    bool expr_(expr_id id, agg_rule rule, bool in_aggregate = false) {
        if (id == no_expr || err_) return !err_;
        const expr& e = q_.at(id);
        switch (e.kind) {
            case expr_kind::variable:
                if (!bound(e.name)) return fail(e.pos, "Unbound variable: " + e.name + ".");
                return true;
            case expr_kind::function:
            case expr_kind::count_star:
                if (e.agg != aggregate::none) {
                    if (rule == agg_rule::forbidden)
                        return fail(e.pos,
                                    "Aggregation functions are only allowed in WITH and RETURN.");
                    if (in_aggregate)
                        return fail(e.pos,
                                    "Using aggregation functions inside aggregation functions is "
                                    "not allowed.");
                    saw_aggregate_ = true;
                }
                for (expr_id a : q_.list_of(e.items))
                    if (!expr_(a, rule, in_aggregate || e.agg != aggregate::none)) return false;
                return true;
            default:
                break;
        }
        if (!expr_(e.a, rule, in_aggregate) || !expr_(e.b, rule, in_aggregate) ||
            !expr_(e.c, rule, in_aggregate))
            return false;
        for (expr_id a : q_.list_of(e.items))
            if (!expr_(a, rule, in_aggregate)) return false;
        return true;
    }

    // ---- patterns ----------------------------------------------------------------------------

    enum class pattern_use : std::uint8_t { match, create, merge };

    bool pattern_(const pattern_part& part, pattern_use use) {
        if (!part.path_variable.empty() && bound(part.path_variable))
            return fail(part.pos, "Redeclaring variable: " + part.path_variable + ".");
        for (std::size_t i = 0; i < part.nodes.size(); ++i) {
            const node_pattern& n = part.nodes[i];
            if (!expr_(n.properties, agg_rule::forbidden)) return false;
            if (use == pattern_use::create && !n.variable.empty() && bound(n.variable) &&
                (part.nodes.size() == 1 || !n.labels.empty() || n.properties != no_expr))
                return fail(n.pos, "Redeclaring variable: " + n.variable + ".");
            bind(n.variable);
            if (i + 1 < part.nodes.size() && !rel_(part.rels[i], use)) return false;
        }
        bind(part.path_variable);
        return true;
    }

    bool rel_(const rel_pattern& r, pattern_use use) {
        if (!expr_(r.properties, agg_rule::forbidden)) return false;
        if (use != pattern_use::match) {
            if (!r.variable.empty() && bound(r.variable))
                return fail(r.pos, "Redeclaring variable: " + r.variable + ".");
            if (r.types.size() != 1)
                return fail(r.pos,
                            "A single relationship type must be specified when creating an edge.");
            if (use == pattern_use::create && r.dir == direction::both)
                return fail(r.pos,
                            "Bidirectional relationship are not supported when creating an edge");
            if (r.variable_length)
                return fail(
                    r.pos,
                    "Variable length relationships are not supported when creating an edge.");
        }
        bind(r.variable);
        return true;
    }

    bool set_items_(const std::vector<set_item>& items) {
        for (const auto& it : items) {
            if (it.kind == set_kind::property) {
                if (!expr_(it.target, agg_rule::forbidden)) return false;
            } else if (!bound(it.variable)) {
                return fail(it.pos, "Unbound variable: " + it.variable + ".");
            }
            if (!expr_(it.value, agg_rule::forbidden)) return false;
        }
        return true;
    }

    // ---- clauses -----------------------------------------------------------------------------

    void visit(const match_clause& c) {
        for (const auto& p : c.patterns)
            if (!pattern_(p, pattern_use::match)) return;
        expr_(c.where, agg_rule::forbidden);
    }

    void visit(const create_clause& c) {
        for (const auto& p : c.patterns)
            if (!pattern_(p, pattern_use::create)) return;
    }

    void visit(const merge_clause& c) {
        if (!pattern_(c.pattern, pattern_use::merge)) return;
        if (!set_items_(c.on_create)) return;
        set_items_(c.on_match);
    }

    void visit(const set_clause& c) { set_items_(c.items); }

    void visit(const remove_clause& c) {
        for (const auto& it : c.items) {
            if (it.kind == remove_kind::property) {
                if (!expr_(it.target, agg_rule::forbidden)) return;
            } else if (!bound(it.variable)) {
                fail(it.pos, "Unbound variable: " + it.variable + ".");
                return;
            }
        }
    }

    void visit(const delete_clause& c) {
        for (expr_id t : c.targets) {
            const expr& e = q_.at(t);
            if (e.kind != expr_kind::variable) {
                fail(e.pos,
                     "DELETE can only be applied to a variable (a node, relationship or path).");
                return;
            }
            if (!expr_(t, agg_rule::forbidden)) return;
        }
    }

    void visit(const unwind_clause& c) {
        if (!expr_(c.list, agg_rule::forbidden)) return;
        if (bound(c.alias)) {
            fail(c.pos, "Redeclaring variable: " + c.alias + ".");
            return;
        }
        bind(c.alias);
    }

    void visit(const with_clause& c) { projection_(c.body, c.where, true, c.pos); }
    void visit(const return_clause& c) { projection_(c.body, no_expr, false, c.pos); }

    void projection_(const projection& body, expr_id where, bool is_with, source_pos pos) {
        if (body.star && !is_with && scope_.empty()) {
            fail(pos, "There are no variables in scope to use for '*'.");
            return;
        }
        saw_aggregate_ = false;
        for (const auto& it : body.items) {
            if (!expr_(it.value, agg_rule::allowed)) return;
            if (is_with && !it.aliased && q_.at(it.value).kind != expr_kind::variable) {
                fail(it.pos, "Only variables can be non-aliased in WITH.");
                return;
            }
        }
        const bool aggregating = saw_aggregate_;
        std::vector<std::string> names;
        if (body.star) names = scope_;
        for (const auto& it : body.items) {
            if (std::find(names.begin(), names.end(), it.name) != names.end()) {
                if (body.star) continue;  // RETURN *, n: n is already a column
                fail(it.pos,
                     "Multiple results with the same name '" + it.name + "' are not allowed.");
                return;
            }
            names.push_back(it.name);
        }
        // ORDER BY and WHERE see the old variables too, unless the projection aggregates.
        std::vector<std::string> visible = names;
        if (!aggregating)
            for (const auto& v : scope_)
                if (std::find(visible.begin(), visible.end(), v) == visible.end())
                    visible.push_back(v);
        scope_ = std::move(visible);
        for (const auto& s : body.order_by)
            if (!expr_(s.value, agg_rule::allowed)) return;
        if (!expr_(body.skip, agg_rule::forbidden) || !expr_(body.limit, agg_rule::forbidden))
            return;
        if (!expr_(where, agg_rule::forbidden)) return;
        scope_ = std::move(names);
    }

    const query& q_;
    std::vector<std::string> scope_;
    bool saw_aggregate_ = false;
    std::optional<syntax_error> err_;
};

}  // namespace

std::optional<syntax_error> check(const query& q) {
    return checker(q).run();
}

parse_result parse_and_check(std::string_view text) {
    parse_result r = parse(text);
    if (!r) return r;
    if (auto err = check(*r)) return std::move(*err);
    return r;
}

query_type classify(const query& q) {
    const auto* s = std::get_if<cypher_statement>(&q.stmt);
    if (!s)
        return std::holds_alternative<show_statement>(q.stmt) ? query_type::read
                                                              : query_type::schema;
    bool reads = false, writes = false;
    for (const auto& c : s->clauses) {
        if (std::holds_alternative<match_clause>(c)) {
            reads = true;
        } else if (std::holds_alternative<merge_clause>(c)) {
            reads = writes = true;
        } else if (std::holds_alternative<create_clause>(c) ||
                   std::holds_alternative<set_clause>(c) ||
                   std::holds_alternative<remove_clause>(c) ||
                   std::holds_alternative<delete_clause>(c)) {
            writes = true;
        }
    }
    if (reads && writes) return query_type::read_write;
    return writes ? query_type::write : query_type::read;
}

std::string_view to_string(query_type t) {
    switch (t) {
        case query_type::read:
            return "r";
        case query_type::write:
            return "w";
        case query_type::read_write:
            return "rw";
        case query_type::schema:
            return "s";
    }
    return "r";
}

}  // namespace server::cypher
