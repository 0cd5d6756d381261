// Expression evaluation over a frame: the AST's expression arena walked with the side tables the
// planner filled (slots, interned keys, parameter indexes), so nothing is looked up by name per row
// except keys of plain maps.
#include <algorithm>
#include <cctype>
#include <functional>

#include "exec.hpp"
#include "server/query/functions.hpp"
#include "server/query/value_ops.hpp"

namespace server::query::exec {

void fail(std::string_view message) { throw query_error(std::string(client_error_code), std::string(message)); }

void fail_storage(std::error_code ec, st::transaction* tx) {
    using st::errc;
    if (ec == errc::serialization_error || ec == errc::transaction_aborted)
        throw query_error(std::string(st::conflict_code), std::string(st::conflict_message));
    if (ec == errc::vertex_has_edges) fail(st::delete_with_edges_message);
    if (ec == errc::deleted_object) fail("Trying to modify a deleted object.");
    if (ec == errc::unique_constraint_violation) {
        std::string msg = tx && !tx->error_message().empty() ? tx->error_message()
                                                              : std::string("Unable to commit due to unique constraint violation.");
        fail(msg);
    }
    if (ec == errc::transaction_closed) fail("Transaction is already closed.");
    throw query_error(std::string(database_error_code), ec.message());
}

namespace {

bolt::path make_path(const path_value& p, st::transaction& tx) {
    bolt::path out;
    std::vector<std::uint64_t> node_ids, edge_ids;
    auto node_index = [&](st::vertex_handle v) -> std::int64_t {
        for (std::size_t i = 0; i < node_ids.size(); ++i)
            if (node_ids[i] == v.id()) return static_cast<std::int64_t>(i);
        node_ids.push_back(v.id());
        out.nodes.push_back(tx.to_node(v));
        return static_cast<std::int64_t>(node_ids.size() - 1);
    };
    if (!p.nodes.empty()) node_index(p.nodes[0]);
    for (std::size_t i = 0; i < p.edges.size() && i + 1 < p.nodes.size(); ++i) {
        st::edge_handle e = p.edges[i];
        std::int64_t ri = -1;
        for (std::size_t k = 0; k < edge_ids.size(); ++k)
            if (edge_ids[k] == e.id()) ri = static_cast<std::int64_t>(k);
        if (ri < 0) {
            edge_ids.push_back(e.id());
            auto r = tx.to_relationship(e);
            out.relationships.push_back(bolt::unbound_relationship{r.id, std::move(r.type), std::move(r.properties),
                                                                   std::move(r.element_id)});
            ri = static_cast<std::int64_t>(edge_ids.size() - 1);
        }
        bool forward = e.from() == p.nodes[i];
        out.indices.push_back(forward ? ri + 1 : -(ri + 1));
        out.indices.push_back(node_index(p.nodes[i + 1]));
    }
    return out;
}

bolt::value from_bool(std::optional<bool> b) { return b ? bolt::value(*b) : bolt::value(); }

std::string_view op_text(cy::op o) {
    switch (o) {
        case cy::op::lt: return "<";
        case cy::op::le: return "<=";
        case cy::op::gt: return ">";
        case cy::op::ge: return ">=";
        default: return "?";
    }
}

class evaluator {
public:
    explicit evaluator(exec_ctx& ctx) : ctx_(ctx), q_(ctx.plan->ast), info_(ctx.plan->info) {}

    /// A reference to the value: the frame slot itself for variables, else `tmp`.
    const qvalue& ref(cy::expr_id id, qvalue& tmp) {
        const auto& e = q_.at(id);
        if (e.kind == cy::expr_kind::variable) return ctx_.frame[static_cast<std::size_t>(info_[id].slot)];
        tmp = value(id);
        return tmp;
    }

    bolt::value plain(cy::expr_id id) {
        qvalue tmp;
        const qvalue& v = ref(id, tmp);
        if (const bolt::value* p = v.plain()) return *p;
        return to_bolt(v, *ctx_.tx);
    }

    std::optional<bool> truth(cy::expr_id id, std::string_view what) {
        qvalue tmp;
        const qvalue& v = ref(id, tmp);
        const bolt::value* p = v.plain();
        if (!p) fail(std::string("Invalid type for '") + std::string(what) + "': expected a boolean.");
        return as_bool(*p, what);
    }

    qvalue value(cy::expr_id id) {
        const cy::expr& e = q_.at(id);
        const expr_info& in = info_[id];
        switch (e.kind) {
            case cy::expr_kind::literal:
                return qvalue::borrow(e.value);
            case cy::expr_kind::parameter: {
                const bolt::value* p = ctx_.params[static_cast<std::size_t>(in.param)];
                if (!p) return qvalue();
                return qvalue::borrow(*p);
            }
            case cy::expr_kind::variable:
                return ctx_.frame[static_cast<std::size_t>(in.slot)];
            case cy::expr_kind::property:
                return property(e, in);
            case cy::expr_kind::index:
                return index(e);
            case cy::expr_kind::slice:
                return slice(e);
            case cy::expr_kind::list: {
                auto items = q_.list_of(e.items);
                bolt::list out;
                out.reserve(items.size());
                std::shared_ptr<qlist> entities;
                for (std::size_t i = 0; i < items.size(); ++i) {
                    qvalue v = value(items[i]);
                    if (!entities && !v.plain()) {
                        entities = std::make_shared<qlist>();
                        for (auto& x : out) entities->emplace_back(std::move(x));
                    }
                    if (entities)
                        entities->push_back(std::move(v));
                    else
                        out.push_back(*v.plain());
                }
                if (entities) return qvalue(std::shared_ptr<const qlist>(std::move(entities)));
                return bolt::value(std::move(out));
            }
            case cy::expr_kind::map: {
                auto items = q_.list_of(e.items);
                auto keys = q_.keys_of(e.keys);
                bolt::map m;
                m.reserve(items.size());
                for (std::size_t i = 0; i < items.size(); ++i) m.set(keys[i], plain(items[i]));
                return bolt::value(std::move(m));
            }
            case cy::expr_kind::function:
                return function(id, e, in);
            case cy::expr_kind::count_star:
                return ctx_.frame[static_cast<std::size_t>(in.slot)];
            case cy::expr_kind::unary:
                return unary(e);
            case cy::expr_kind::binary:
                return binary(e);
            case cy::expr_kind::is_null: {
                qvalue tmp;
                bool null = ref(e.a, tmp).is_null();
                return bolt::value(e.negated ? !null : null);
            }
            case cy::expr_kind::has_labels: {
                qvalue tmp;
                const qvalue& v = ref(e.a, tmp);
                if (v.is_null()) return qvalue();
                const st::vertex_handle* n = v.vertex();
                if (!n) fail("Expected a node for a label test.");
                for (st::name_id l : in.labels)
                    if (!ctx_.tx->has_label(*n, l)) return bolt::value(false);
                return bolt::value(true);
            }
            case cy::expr_kind::case_expr:
                return case_expr(e);
        }
        return qvalue();
    }

private:
    qvalue property(const cy::expr& e, const expr_info& in) {
        qvalue tmp;
        const qvalue& obj = ref(e.a, tmp);
        if (const st::vertex_handle* v = obj.vertex()) return ctx_.tx->property(*v, in.key);
        if (const st::edge_handle* r = obj.edge()) return ctx_.tx->property(*r, in.key);
        const bolt::value* p = obj.plain();
        if (!p) fail("Invalid property access on a path or list.");
        if (p->is_null()) return qvalue();
        if (const bolt::map* m = p->get_if<bolt::map>()) {
            const bolt::value* f = m->find(e.name);
            if (!f) return qvalue();
            // Borrow only from stable storage (parameters, literals), never from a frame slot.
            if (std::holds_alternative<const bolt::value*>(obj.variant())) return qvalue::borrow(*f);
            return *f;
        }
        if (const bolt::node* n = p->get_if<bolt::node>()) {
            const bolt::value* f = n->properties.find(e.name);
            return f ? qvalue(*f) : qvalue();
        }
        if (const bolt::relationship* r = p->get_if<bolt::relationship>()) {
            const bolt::value* f = r->properties.find(e.name);
            return f ? qvalue(*f) : qvalue();
        }
        return temporal_property(*p, e.name);
    }

    qvalue temporal_property(const bolt::value& v, const std::string& key) {
        std::string k = key;
        std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto civil = [](std::int64_t days, std::int64_t& y, std::int64_t& m, std::int64_t& d) {
            days += 719468;
            std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
            std::int64_t doe = days - era * 146097;
            std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            y = yoe + era * 400;
            std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            std::int64_t mp = (5 * doy + 2) / 153;
            d = doy - (153 * mp + 2) / 5 + 1;
            m = mp < 10 ? mp + 3 : mp - 9;
            if (m <= 2) ++y;
        };
        auto date_part = [&](std::int64_t days) -> std::optional<std::int64_t> {
            std::int64_t y, m, d;
            civil(days, y, m, d);
            if (k == "year") return y;
            if (k == "month") return m;
            if (k == "day") return d;
            return std::nullopt;
        };
        auto time_part = [&](std::int64_t ns) -> std::optional<std::int64_t> {
            if (k == "hour") return ns / 3'600'000'000'000;
            if (k == "minute") return ns / 60'000'000'000 % 60;
            if (k == "second") return ns / 1'000'000'000 % 60;
            if (k == "millisecond") return ns / 1'000'000 % 1000;
            if (k == "microsecond") return ns / 1000 % 1'000'000;
            if (k == "nanosecond") return ns % 1'000'000'000;
            return std::nullopt;
        };
        std::optional<std::int64_t> r;
        if (auto* d = v.get_if<bolt::date>()) r = date_part(d->days);
        else if (auto* t = v.get_if<bolt::local_time>()) r = time_part(t->nanoseconds);
        else if (auto* ldt = v.get_if<bolt::local_date_time>()) {
            std::int64_t days = ldt->seconds >= 0 ? ldt->seconds / 86400 : -((-ldt->seconds + 86399) / 86400);
            r = date_part(days);
            if (!r) r = time_part((ldt->seconds - days * 86400) * 1'000'000'000 + ldt->nanoseconds);
        } else if (auto* dt = v.get_if<bolt::date_time>()) {
            std::int64_t local = dt->seconds + dt->tz_offset_seconds;
            std::int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
            r = date_part(days);
            if (!r) r = time_part((local - days * 86400) * 1'000'000'000 + dt->nanoseconds);
        } else if (auto* du = v.get_if<bolt::duration>()) {
            if (k == "years") r = du->months / 12;
            else if (k == "months") r = du->months;
            else if (k == "days") r = du->days;
            else if (k == "hours") r = du->seconds / 3600;
            else if (k == "minutes") r = du->seconds / 60;
            else if (k == "seconds") r = du->seconds;
            else if (k == "milliseconds") r = du->seconds * 1000 + du->nanoseconds / 1'000'000;
            else if (k == "microseconds") r = du->seconds * 1'000'000 + du->nanoseconds / 1000;
            else if (k == "nanoseconds") r = du->seconds * 1'000'000'000 + du->nanoseconds;
        } else {
            fail("Invalid property access on a value of type " + std::string(cypher_type_name(v)) + ".");
        }
        if (!r) fail("Invalid property name '" + key + "' for a temporal value.");
        return bolt::value(*r);
    }

    qvalue index(const cy::expr& e) {
        qvalue tmp;
        const qvalue& obj = ref(e.a, tmp);
        bolt::value idx = plain(e.b);
        if (obj.is_null() || idx.is_null()) return qvalue();
        if (const qlist* l = obj.entity_list()) {
            auto* i = idx.get_if<std::int64_t>();
            if (!i) fail("Expected an integer list index.");
            std::int64_t n = static_cast<std::int64_t>(l->size()), k = *i < 0 ? *i + n : *i;
            if (k < 0 || k >= n) return qvalue();
            return (*l)[static_cast<std::size_t>(k)];
        }
        if (const st::vertex_handle* v = obj.vertex()) {
            auto* s = idx.get_if<std::string>();
            if (!s) fail("Expected a string as a property key.");
            auto id = ctx_.graph->find_name(*s);
            return id ? qvalue(ctx_.tx->property(*v, *id)) : qvalue();
        }
        if (const st::edge_handle* r = obj.edge()) {
            auto* s = idx.get_if<std::string>();
            if (!s) fail("Expected a string as a property key.");
            auto id = ctx_.graph->find_name(*s);
            return id ? qvalue(ctx_.tx->property(*r, *id)) : qvalue();
        }
        const bolt::value* p = obj.plain();
        if (!p) fail("Invalid index access.");
        if (auto* l = p->get_if<bolt::list>()) {
            auto* i = idx.get_if<std::int64_t>();
            if (!i) fail("Expected an integer list index.");
            std::int64_t n = static_cast<std::int64_t>(l->size()), k = *i < 0 ? *i + n : *i;
            if (k < 0 || k >= n) return qvalue();
            return (*l)[static_cast<std::size_t>(k)];
        }
        if (auto* m = p->get_if<bolt::map>()) {
            auto* s = idx.get_if<std::string>();
            if (!s) fail("Expected a string as a map key.");
            const bolt::value* f = m->find(*s);
            return f ? qvalue(*f) : qvalue();
        }
        fail("Invalid index access on a value of type " + std::string(cypher_type_name(*p)) + ".");
    }

    qvalue slice(const cy::expr& e) {
        bolt::value obj = plain(e.a);
        if (obj.is_null()) return qvalue();
        auto* l = obj.get_if<bolt::list>();
        if (!l) fail("Slicing is only allowed on lists.");
        std::int64_t n = static_cast<std::int64_t>(l->size());
        auto bound = [&](cy::expr_id id, std::int64_t dflt) -> std::optional<std::int64_t> {
            if (id == cy::no_expr) return dflt;
            bolt::value b = plain(id);
            if (b.is_null()) return std::nullopt;
            auto* i = b.get_if<std::int64_t>();
            if (!i) fail("Expected an integer slice bound.");
            std::int64_t k = *i < 0 ? *i + n : *i;
            return std::clamp<std::int64_t>(k, 0, n);
        };
        auto from = bound(e.b, 0), to = bound(e.c, n);
        if (!from || !to) return qvalue();
        bolt::list out;
        for (std::int64_t i = *from; i < *to; ++i) out.push_back((*l)[static_cast<std::size_t>(i)]);
        return bolt::value(std::move(out));
    }

    qvalue unary(const cy::expr& e) {
        switch (e.oper) {
            case cy::op::logical_not:
                return from_bool(logical_not(truth(e.a, "NOT")));
            case cy::op::negate:
                return negate(plain(e.a));
            case cy::op::unary_plus:
                return unary_plus(plain(e.a));
            default:
                fail("Unsupported unary operator.");
        }
    }

    qvalue binary(const cy::expr& e) {
        switch (e.oper) {
            case cy::op::logical_and: {
                auto a = truth(e.a, "AND");
                if (a && !*a) return bolt::value(false);
                return from_bool(logical_and(a, truth(e.b, "AND")));
            }
            case cy::op::logical_or: {
                auto a = truth(e.a, "OR");
                if (a && *a) return bolt::value(true);
                return from_bool(logical_or(a, truth(e.b, "OR")));
            }
            case cy::op::logical_xor:
                return from_bool(logical_xor(truth(e.a, "XOR"), truth(e.b, "XOR")));
            case cy::op::eq:
            case cy::op::ne: {
                qvalue ta, tb;
                const qvalue& a = ref(e.a, ta);
                const qvalue& b = ref(e.b, tb);
                auto r = q_equals(a, b, *ctx_.tx);
                if (r && e.oper == cy::op::ne) r = !*r;
                return from_bool(r);
            }
            default:
                break;
        }
        qvalue ta, tb;
        const qvalue& qa = ref(e.a, ta);
        const qvalue& qb = ref(e.b, tb);
        bolt::value ca, cb;
        const bolt::value* a = qa.plain();
        const bolt::value* b = qb.plain();
        if (!a) a = &(ca = to_bolt(qa, *ctx_.tx));
        if (!b) b = &(cb = to_bolt(qb, *ctx_.tx));
        switch (e.oper) {
            case cy::op::lt: return from_bool(cypher_less(*a, *b));
            case cy::op::le: return from_bool(cypher_less_equal(*a, *b));
            case cy::op::gt: return from_bool(cypher_greater(*a, *b));
            case cy::op::ge: return from_bool(cypher_greater_equal(*a, *b));
            case cy::op::add: return add(*a, *b);
            case cy::op::sub: return subtract(*a, *b);
            case cy::op::mul: return multiply(*a, *b);
            case cy::op::div: return divide(*a, *b);
            case cy::op::mod: return modulo(*a, *b);
            case cy::op::pow: return power(*a, *b);
            case cy::op::in_list: return from_bool(in_list(*a, *b));
            case cy::op::starts_with: return from_bool(starts_with(*a, *b));
            case cy::op::ends_with: return from_bool(ends_with(*a, *b));
            case cy::op::contains: return from_bool(contains(*a, *b));
            default:
                fail(std::string("Unsupported operator ") + std::string(op_text(e.oper)) + ".");
        }
    }

    qvalue case_expr(const cy::expr& e) {
        auto arms = q_.list_of(e.items);
        if (e.a != cy::no_expr) {
            qvalue ts;
            qvalue subject = value(e.a);
            for (std::size_t i = 0; i + 1 < arms.size(); i += 2) {
                qvalue w = value(arms[i]);
                auto eq = q_equals(subject, w, *ctx_.tx);
                if (eq && *eq) return value(arms[i + 1]);
            }
        } else {
            for (std::size_t i = 0; i + 1 < arms.size(); i += 2) {
                auto t = truth(arms[i], "CASE");
                if (t && *t) return value(arms[i + 1]);
            }
        }
        return e.c == cy::no_expr ? qvalue() : value(e.c);
    }

    qvalue function(cy::expr_id, const cy::expr& e, const expr_info& in) {
        if (e.agg != cy::aggregate::none) return ctx_.frame[static_cast<std::size_t>(in.slot)];
        auto args = q_.list_of(e.items);
        auto one_arg = [&](std::string_view name) -> cy::expr_id {
            if (args.size() != 1) fail("Function '" + std::string(name) + "' requires exactly one argument.");
            return args[0];
        };
        switch (in.function) {
            case fn::id: {
                qvalue tmp;
                const qvalue& v = ref(one_arg("id"), tmp);
                if (v.is_null()) return qvalue();
                if (auto* n = v.vertex()) return bolt::value(static_cast<std::int64_t>(n->id()));
                if (auto* r = v.edge()) return bolt::value(static_cast<std::int64_t>(r->id()));
                fail("Function 'id' requires a node or a relationship.");
            }
            case fn::labels: {
                qvalue tmp;
                const qvalue& v = ref(one_arg("labels"), tmp);
                if (v.is_null()) return qvalue();
                auto* n = v.vertex();
                if (!n) fail("Function 'labels' requires a node.");
                bolt::list out;
                for (auto l : ctx_.tx->labels(*n)) out.emplace_back(std::string(ctx_.graph->id_to_name(l)));
                return bolt::value(std::move(out));
            }
            case fn::type: {
                qvalue tmp;
                const qvalue& v = ref(one_arg("type"), tmp);
                if (v.is_null()) return qvalue();
                auto* r = v.edge();
                if (!r) fail("Function 'type' requires a relationship.");
                return bolt::value(std::string(ctx_.graph->id_to_name(r->type())));
            }
            case fn::properties:
            case fn::keys: {
                bool keys = in.function == fn::keys;
                qvalue tmp;
                const qvalue& v = ref(one_arg(keys ? "keys" : "properties"), tmp);
                st::property_list props;
                if (auto* n = v.vertex()) props = ctx_.tx->properties(*n);
                else if (auto* r = v.edge()) props = ctx_.tx->properties(*r);
                else {
                    bolt::value a = v.plain() ? *v.plain() : to_bolt(v, *ctx_.tx);
                    return call_value_function(in.lower_name, {&a, 1});
                }
                if (keys) {
                    bolt::list out;
                    for (auto& [k, val] : props) out.emplace_back(std::string(ctx_.graph->id_to_name(k)));
                    return bolt::value(std::move(out));
                }
                bolt::map out;
                for (auto& [k, val] : props) out.append(std::string(ctx_.graph->id_to_name(k)), std::move(val));
                return bolt::value(std::move(out));
            }
            case fn::start_node:
            case fn::end_node: {
                qvalue tmp;
                const qvalue& v = ref(one_arg(in.function == fn::start_node ? "startNode" : "endNode"), tmp);
                if (v.is_null()) return qvalue();
                auto* r = v.edge();
                if (!r) fail("Function '" + std::string(in.function == fn::start_node ? "startNode" : "endNode") +
                             "' requires a relationship.");
                return in.function == fn::start_node ? qvalue(r->from()) : qvalue(r->to());
            }
            case fn::nodes:
            case fn::relationships: {
                qvalue tmp;
                const qvalue& v = ref(one_arg(in.lower_name), tmp);
                if (v.is_null()) return qvalue();
                auto* p = v.path();
                if (!p) fail("Function '" + in.lower_name + "' requires a path.");
                auto out = std::make_shared<qlist>();
                if (in.function == fn::nodes)
                    for (auto n : p->nodes) out->emplace_back(n);
                else
                    for (auto r : p->edges) out->emplace_back(r);
                return qvalue(std::shared_ptr<const qlist>(std::move(out)));
            }
            case fn::size:
            case fn::length: {
                qvalue tmp;
                const qvalue& v = ref(one_arg(in.lower_name), tmp);
                if (auto* p = v.path()) return bolt::value(static_cast<std::int64_t>(p->edges.size()));
                if (auto* l = v.entity_list()) return bolt::value(static_cast<std::int64_t>(l->size()));
                if (v.plain()) return call_value_function("size", {v.plain(), 1});
                fail("Function '" + in.lower_name + "' got an argument of the wrong type.");
            }
            case fn::exists: {
                qvalue tmp;
                return bolt::value(!ref(one_arg("exists"), tmp).is_null());
            }
            case fn::value_function: {
                std::vector<bolt::value> vals;
                vals.reserve(args.size());
                for (auto a : args) vals.push_back(plain(a));
                return call_value_function(in.lower_name, vals, ctx_.fn_context);
            }
            case fn::none:
                break;
        }
        fail("Function '" + e.name + "' doesn't exist.");
    }

    exec_ctx& ctx_;
    const cy::query& q_;
    const std::vector<expr_info>& info_;
};

}  // namespace

qvalue eval(cy::expr_id e, exec_ctx& ctx) { return evaluator(ctx).value(e); }

bool eval_true(cy::expr_id e, exec_ctx& ctx) {
    evaluator ev(ctx);
    qvalue tmp;
    const qvalue& v = ev.ref(e, tmp);
    const bolt::value* p = v.plain();
    if (!p) fail("Invalid type in WHERE: expected a boolean.");
    return truthy(*p, "WHERE");
}

bolt::value to_bolt(const qvalue& v, st::transaction& tx) {
    if (const bolt::value* p = v.plain()) return *p;
    if (auto* n = v.vertex()) return tx.to_node(*n);
    if (auto* r = v.edge()) return tx.to_relationship(*r);
    if (auto* p = v.path()) return make_path(*p, tx);
    if (auto* l = v.entity_list()) {
        bolt::list out;
        out.reserve(l->size());
        for (auto& x : *l) out.push_back(to_bolt(x, tx));
        return bolt::value(std::move(out));
    }
    return {};
}

bolt::value to_plain(const qvalue& v, st::transaction& tx) { return to_bolt(v, tx); }

std::optional<bool> q_equals(const qvalue& a, const qvalue& b, st::transaction& tx) {
    const bolt::value* pa = a.plain();
    const bolt::value* pb = b.plain();
    if (pa && pb) return cypher_equals(*pa, *pb);
    if ((pa && pa->is_null()) || (pb && pb->is_null())) return std::nullopt;
    if (a.vertex() && b.vertex()) return *a.vertex() == *b.vertex();
    if (a.edge() && b.edge()) return *a.edge() == *b.edge();
    if (a.path() && b.path()) return a.path()->nodes == b.path()->nodes && a.path()->edges == b.path()->edges;
    if ((a.vertex() || a.edge() || a.path()) && (b.vertex() || b.edge() || b.path())) return false;
    return cypher_equals(to_bolt(a, tx), to_bolt(b, tx));
}

int q_order(const qvalue& a, const qvalue& b, st::transaction& tx) {
    const bolt::value* pa = a.plain();
    const bolt::value* pb = b.plain();
    if (pa && pb) return order_compare(*pa, *pb);
    if (a.vertex() && b.vertex()) return a.vertex()->id() < b.vertex()->id() ? -1 : a.vertex()->id() > b.vertex()->id();
    if (a.edge() && b.edge()) return a.edge()->id() < b.edge()->id() ? -1 : a.edge()->id() > b.edge()->id();
    return order_compare(to_bolt(a, tx), to_bolt(b, tx));
}

bool q_equivalent(const qvalue& a, const qvalue& b, st::transaction& tx) {
    const bolt::value* pa = a.plain();
    const bolt::value* pb = b.plain();
    if (pa && pb) return value_equivalent(*pa, *pb);
    if (a.vertex() && b.vertex()) return *a.vertex() == *b.vertex();
    if (a.edge() && b.edge()) return *a.edge() == *b.edge();
    if (pa || pb) {
        if ((pa && pa->is_null()) || (pb && pb->is_null())) return false;
    }
    return value_equivalent(to_bolt(a, tx), to_bolt(b, tx));
}

std::size_t q_hash(const qvalue& v, st::transaction& tx) {
    if (const bolt::value* p = v.plain()) return value_hash(*p);
    if (auto* n = v.vertex()) return std::hash<std::uint64_t>{}(n->id()) ^ 0x9e3779b97f4a7c15ULL;
    if (auto* r = v.edge()) return std::hash<std::uint64_t>{}(r->id()) ^ 0x7f4a7c159e3779b9ULL;
    return value_hash(to_bolt(v, tx));
}

}  // namespace server::query::exec
