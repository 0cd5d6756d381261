// The S-expression printer: a stable, compact rendering of the AST that tests compare against.
#include <charconv>
#include <cstdio>
#include <server/cypher/printer.hpp>
#include <string>
#include <type_traits>

namespace server::cypher {

namespace {

std::string_view op_name(op o) {
    switch (o) {
        case op::none:
            return "?";
        case op::negate:
            return "neg";
        case op::unary_plus:
            return "pos";
        case op::logical_not:
            return "not";
        case op::logical_or:
            return "or";
        case op::logical_xor:
            return "xor";
        case op::logical_and:
            return "and";
        case op::eq:
            return "=";
        case op::ne:
            return "<>";
        case op::lt:
            return "<";
        case op::le:
            return "<=";
        case op::gt:
            return ">";
        case op::ge:
            return ">=";
        case op::add:
            return "+";
        case op::sub:
            return "-";
        case op::mul:
            return "*";
        case op::div:
            return "/";
        case op::mod:
            return "%";
        case op::pow:
            return "^";
        case op::in_list:
            return "in";
        case op::starts_with:
            return "starts_with";
        case op::ends_with:
            return "ends_with";
        case op::contains:
            return "contains";
    }
    return "?";
}

void quote(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                out.push_back(c);
        }
    }
    out.push_back('"');
}

/// Names that are not plain identifiers print backquoted, so `a b` cannot read as two names.
std::string name_of(std::string_view s) {
    bool plain = !s.empty() && !(s[0] >= '0' && s[0] <= '9');
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
        plain = plain && ok;
    }
    if (plain) return std::string(s);
    std::string out = "`";
    for (char c : s) {
        out.push_back(c);
        if (c == '`') out.push_back('`');
    }
    return out + "`";
}

class printer {
public:
    explicit printer(const query& q) : q_(q) {}

    /// Appends the parts one after the other. Building the text with `+` first ("(" + name_of(n))
    /// costs a temporary and, at -O3 in C++20, makes GCC 12 report a false -Wrestrict inside
    /// std::string::insert (GCC bugs 105329 and 105651).
    template <class... Parts>
    void put(const Parts&... parts) {
        (out.append(std::string_view(parts)), ...);
    }

    void expr_(expr_id id) {
        if (id == no_expr) {
            out += "_";
            return;
        }
        const expr& e = q_.at(id);
        switch (e.kind) {
            case expr_kind::literal:
                literal(e.value);
                break;
            case expr_kind::parameter:
                put("$", e.name);
                break;
            case expr_kind::variable:
                out += e.name;
                break;
            case expr_kind::property:
                out += "(. ";
                expr_(e.a);
                put(" ", name_of(e.name), ")");
                break;
            case expr_kind::index:
                out += "([] ";
                expr_(e.a);
                out += " ";
                expr_(e.b);
                out += ")";
                break;
            case expr_kind::slice:
                out += "([..] ";
                expr_(e.a);
                out += " ";
                expr_(e.b);
                out += " ";
                expr_(e.c);
                out += ")";
                break;
            case expr_kind::list: {
                out += "[";
                bool first = true;
                for (expr_id item : q_.list_of(e.items)) {
                    if (!first) out += " ";
                    first = false;
                    expr_(item);
                }
                out += "]";
                break;
            }
            case expr_kind::map:
                map(e);
                break;
            case expr_kind::function:
                out += "(fn ";
                if (e.distinct) out += "distinct ";
                out += e.name;
                for (expr_id a : q_.list_of(e.items)) {
                    out += " ";
                    expr_(a);
                }
                out += ")";
                break;
            case expr_kind::count_star:
                out += "(count*)";
                break;
            case expr_kind::unary:
            case expr_kind::binary:
                out += "(";
                out += op_name(e.oper);
                out += " ";
                expr_(e.a);
                if (e.kind == expr_kind::binary) {
                    out += " ";
                    expr_(e.b);
                }
                out += ")";
                break;
            case expr_kind::is_null:
                out += e.negated ? "(is_not_null " : "(is_null ";
                expr_(e.a);
                out += ")";
                break;
            case expr_kind::has_labels:
                out += "(labels ";
                expr_(e.a);
                out += " ";
                for (const auto& l : q_.keys_of(e.keys)) put(":", name_of(l));
                out += ")";
                break;
            case expr_kind::case_expr: {
                out += "(case";
                if (e.a != no_expr) {
                    out += " ";
                    expr_(e.a);
                }
                const auto arms = q_.list_of(e.items);
                for (std::size_t i = 0; i + 1 < arms.size(); i += 2) {
                    out += " (when ";
                    expr_(arms[i]);
                    out += " ";
                    expr_(arms[i + 1]);
                    out += ")";
                }
                if (e.c != no_expr) {
                    out += " (else ";
                    expr_(e.c);
                    out += ")";
                }
                out += ")";
                break;
            }
        }
    }

    void literal(const bolt::value& v) {
        if (v.is_null()) {
            out += "null";
        } else if (const bool* b = v.get_if<bool>()) {
            out += *b ? "true" : "false";
        } else if (const std::int64_t* i = v.get_if<std::int64_t>()) {
            out += std::to_string(*i);
        } else if (const double* d = v.get_if<double>()) {
            char buf[64];
            const auto r = std::to_chars(buf, buf + sizeof buf, *d);
            std::string s(buf, r.ptr);
            if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep 1.0 a float
            out += s;
        } else if (const std::string* s = v.get_if<std::string>()) {
            quote(out, *s);
        } else {
            out += bolt::to_string(v);
        }
    }

    void map(const expr& e) {
        out += "{";
        const auto keys = q_.keys_of(e.keys);
        const auto values = q_.list_of(e.items);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (i) out += " ";
            out += name_of(keys[i]) + " ";
            expr_(values[i]);
        }
        out += "}";
    }

    void names(const std::vector<std::string>& xs, std::string_view sep) {
        for (std::size_t i = 0; i < xs.size(); ++i) {
            out += i ? std::string(sep) : std::string(":");
            out += name_of(xs[i]);
        }
    }

    void part(const pattern_part& p) {
        out += "(part";
        if (!p.path_variable.empty()) put(" ", p.path_variable, " =");
        for (std::size_t i = 0; i < p.nodes.size(); ++i) {
            if (i > 0) rel(p.rels[i - 1]);
            const node_pattern& n = p.nodes[i];
            put(" (node ", n.variable.empty() ? std::string("_") : n.variable);
            if (!n.labels.empty()) {
                out += " ";
                names(n.labels, ":");
            }
            if (n.properties != no_expr) {
                out += " ";
                expr_(n.properties);
            }
            out += ")";
        }
        out += ")";
    }

    void rel(const rel_pattern& r) {
        put(" (rel ", r.variable.empty() ? std::string("_") : r.variable);
        if (!r.types.empty()) {
            out += " ";
            names(r.types, "|");
        }
        out += r.dir == direction::right ? " ->" : r.dir == direction::left ? " <-" : " --";
        if (r.variable_length) {
            out += " *";
            if (r.min_hops) out += std::to_string(*r.min_hops);
            out += "..";
            if (r.max_hops) out += std::to_string(*r.max_hops);
        }
        if (r.properties != no_expr) {
            out += " ";
            expr_(r.properties);
        }
        out += ")";
    }

    void set_items(const std::vector<set_item>& items) {
        for (const auto& it : items) {
            out += " ";
            switch (it.kind) {
                case set_kind::property:
                    out += "(= ";
                    expr_(it.target);
                    out += " ";
                    expr_(it.value);
                    out += ")";
                    break;
                case set_kind::replace:
                case set_kind::merge:
                    out += it.kind == set_kind::replace ? "(= " : "(+= ";
                    out += it.variable + " ";
                    expr_(it.value);
                    out += ")";
                    break;
                case set_kind::labels:
                    put("(:= ", it.variable, " ");
                    names(it.labels, ":");
                    out += ")";
                    break;
            }
        }
    }

    void body(const projection& p) {
        if (p.distinct) out += " distinct";
        if (p.star) out += " *";
        for (const auto& it : p.items) {
            out += " ";
            if (it.aliased) {
                out += "(as ";
                expr_(it.value);
                put(" ", it.name, ")");
            } else {
                expr_(it.value);
            }
        }
        if (!p.order_by.empty()) {
            out += " (order_by";
            for (const auto& s : p.order_by) {
                out += s.descending ? " (desc " : " (asc ";
                expr_(s.value);
                out += ")";
            }
            out += ")";
        }
        if (p.skip != no_expr) {
            out += " (skip ";
            expr_(p.skip);
            out += ")";
        }
        if (p.limit != no_expr) {
            out += " (limit ";
            expr_(p.limit);
            out += ")";
        }
    }

    void where(expr_id w) {
        if (w == no_expr) return;
        out += " (where ";
        expr_(w);
        out += ")";
    }

    void clause(const cypher::clause& c) {
        std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, match_clause>) {
                    out += x.optional ? "(optional_match" : "(match";
                    for (const auto& p : x.patterns) {
                        out += " ";
                        part(p);
                    }
                    where(x.where);
                } else if constexpr (std::is_same_v<T, create_clause>) {
                    out += "(create";
                    for (const auto& p : x.patterns) {
                        out += " ";
                        part(p);
                    }
                } else if constexpr (std::is_same_v<T, merge_clause>) {
                    out += "(merge ";
                    part(x.pattern);
                    if (!x.on_create.empty()) {
                        out += " (on_create";
                        set_items(x.on_create);
                        out += ")";
                    }
                    if (!x.on_match.empty()) {
                        out += " (on_match";
                        set_items(x.on_match);
                        out += ")";
                    }
                } else if constexpr (std::is_same_v<T, set_clause>) {
                    out += "(set";
                    set_items(x.items);
                } else if constexpr (std::is_same_v<T, remove_clause>) {
                    out += "(remove";
                    for (const auto& it : x.items) {
                        out += " ";
                        if (it.kind == remove_kind::property) {
                            expr_(it.target);
                        } else {
                            put("(labels ", it.variable, " ");
                            names(it.labels, ":");
                            out += ")";
                        }
                    }
                } else if constexpr (std::is_same_v<T, delete_clause>) {
                    out += x.detach ? "(detach_delete" : "(delete";
                    for (expr_id t : x.targets) {
                        out += " ";
                        expr_(t);
                    }
                } else if constexpr (std::is_same_v<T, unwind_clause>) {
                    out += "(unwind ";
                    expr_(x.list);
                    put(" ", x.alias);
                } else if constexpr (std::is_same_v<T, with_clause>) {
                    out += "(with";
                    body(x.body);
                    where(x.where);
                } else if constexpr (std::is_same_v<T, return_clause>) {
                    out += "(return";
                    body(x.body);
                }
                out += ")";
            },
            c);
    }

    void statement(const cypher::statement& s) {
        std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, cypher_statement>) {
                    out += "(query";
                    for (const auto& c : x.clauses) {
                        out += " ";
                        clause(c);
                    }
                    out += ")";
                } else if constexpr (std::is_same_v<T, index_statement>) {
                    out += x.drop ? "(drop_index :" : "(create_index :";
                    out += name_of(x.label);
                    if (x.property) put(" ", name_of(*x.property));
                    out += ")";
                } else if constexpr (std::is_same_v<T, constraint_statement>) {
                    out += x.drop ? "(drop_constraint " : "(create_constraint ";
                    out += x.kind == constraint_kind::unique ? "unique " : "exists ";
                    put(name_of(x.variable), " :", name_of(x.label));
                    for (const auto& p : x.properties) put(" ", name_of(p));
                    out += ")";
                } else if constexpr (std::is_same_v<T, show_statement>) {
                    out += "(show ";
                    switch (x.what) {
                        case show_kind::index_info:
                            out += "index_info";
                            break;
                        case show_kind::constraint_info:
                            out += "constraint_info";
                            break;
                        case show_kind::storage_info:
                            out += "storage_info";
                            break;
                        case show_kind::users:
                            out += "users";
                            break;
                    }
                    out += ")";
                } else if constexpr (std::is_same_v<T, storage_mode_statement>) {
                    out += x.mode == storage_mode::in_memory_analytical
                               ? "(storage_mode in_memory_analytical)"
                               : "(storage_mode in_memory_transactional)";
                } else if constexpr (std::is_same_v<T, create_user_statement>) {
                    put("(create_user ", name_of(x.name));
                    if (x.if_not_exists) out += " if_not_exists";
                    if (x.password) {
                        out += " ";
                        quote(out, *x.password);
                    }
                    out += ")";
                } else if constexpr (std::is_same_v<T, drop_user_statement>) {
                    put("(drop_user ", name_of(x.name), ")");
                } else if constexpr (std::is_same_v<T, free_memory_statement>) {
                    out += "(free_memory)";
                }
            },
            s);
    }

    std::string out;

private:
    const query& q_;
};

}  // namespace

std::string to_string(const query& q) {
    printer p(q);
    p.statement(q.stmt);
    return std::move(p.out);
}

std::string to_string(const query& q, expr_id e) {
    printer p(q);
    p.expr_(e);
    return std::move(p.out);
}

}  // namespace server::cypher
