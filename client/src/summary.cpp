// Parsing of the final SUCCESS metadata into a result_summary, and the counters' arithmetic
// and printing.
#include "bolt/summary.hpp"

#include <array>
#include <string>

#include "bolt/errors.hpp"

namespace bolt {

namespace {

struct counter_field {
    std::string_view stats_key;  // as the server sends it
    std::string_view name;       // as the Python driver names it
    std::int64_t summary_counters::*member;
};

// Declaration order of summary_counters: bit i of `reported` is fields[i].
constexpr std::array<counter_field, 12> fields{{
    {"nodes-created", "nodes_created", &summary_counters::nodes_created},
    {"nodes-deleted", "nodes_deleted", &summary_counters::nodes_deleted},
    {"relationships-created", "relationships_created", &summary_counters::relationships_created},
    {"relationships-deleted", "relationships_deleted", &summary_counters::relationships_deleted},
    {"properties-set", "properties_set", &summary_counters::properties_set},
    {"labels-added", "labels_added", &summary_counters::labels_added},
    {"labels-removed", "labels_removed", &summary_counters::labels_removed},
    {"indexes-added", "indexes_added", &summary_counters::indexes_added},
    {"indexes-removed", "indexes_removed", &summary_counters::indexes_removed},
    {"constraints-added", "constraints_added", &summary_counters::constraints_added},
    {"constraints-removed", "constraints_removed", &summary_counters::constraints_removed},
    {"system-updates", "system_updates", &summary_counters::system_updates},
}};

// fields[] indices in alphabetical order of their names, for to_string.
constexpr std::array<std::size_t, 12> alphabetical{9, 10, 7, 8, 5, 6, 0, 1, 4, 2, 3, 11};

/// The combined contains-* flag: explicit when either side had the server's flag.
std::optional<bool> merge_flag(bool a_value, bool b_value, bool explicit_a, bool explicit_b) {
    if (!explicit_a && !explicit_b) return std::nullopt;
    return a_value || b_value;
}

const std::string* string_at(const map& m, std::string_view key) {
    const value* v = m.find(key);
    return v ? v->get_if<std::string>() : nullptr;
}

const std::int64_t* int_at(const map& m, std::string_view key) {
    const value* v = m.find(key);
    return v ? v->get_if<std::int64_t>() : nullptr;
}

notification parse_notification(const value& v) {
    const map* m = v.get_if<map>();
    if (!m) throw protocol_error("summary notification is not a map: " + to_string(v));
    notification n;
    // Lenient like the Python driver: a field of the wrong type is left empty.
    if (const std::string* s = string_at(*m, "severity")) n.severity = *s;
    if (const std::string* s = string_at(*m, "code")) n.code = *s;
    if (const std::string* s = string_at(*m, "title")) n.title = *s;
    if (const std::string* s = string_at(*m, "description")) n.description = *s;
    if (const std::string* s = string_at(*m, "category")) n.category = *s;
    if (const value* p = m->find("position")) {
        if (const map* pm = p->get_if<map>()) {
            notification_position pos;
            if (const std::int64_t* i = int_at(*pm, "offset")) pos.offset = *i;
            if (const std::int64_t* i = int_at(*pm, "line")) pos.line = *i;
            if (const std::int64_t* i = int_at(*pm, "column")) pos.column = *i;
            n.position = pos;
        }
    }
    return n;
}

}  // namespace

bool summary_counters::contains_updates() const {
    if (server_contains_updates) return *server_contains_updates;
    return nodes_created || nodes_deleted || relationships_created || relationships_deleted ||
           properties_set || labels_added || labels_removed || indexes_added || indexes_removed ||
           constraints_added || constraints_removed;
}

bool summary_counters::contains_system_updates() const {
    if (server_contains_system_updates) return *server_contains_system_updates;
    return system_updates > 0;
}

summary_counters& summary_counters::operator+=(const summary_counters& other) {
    // Flags first: they are computed from the counters before those change.
    const std::optional<bool> updates =
        merge_flag(contains_updates(), other.contains_updates(),
                   server_contains_updates.has_value(), other.server_contains_updates.has_value());
    const std::optional<bool> system =
        merge_flag(contains_system_updates(), other.contains_system_updates(),
                   server_contains_system_updates.has_value(),
                   other.server_contains_system_updates.has_value());
    for (const auto& f : fields) this->*f.member += other.*f.member;
    reported = static_cast<std::uint16_t>(reported | other.reported);
    server_contains_updates = updates;
    server_contains_system_updates = system;
    return *this;
}

summary_counters parse_counters(const map& stats) {
    summary_counters c;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const value* v = stats.find(fields[i].stats_key);
        if (!v) continue;
        const std::int64_t* n = v->get_if<std::int64_t>();
        if (!n) {
            throw protocol_error("summary stats '" + std::string(fields[i].stats_key) +
                                 "' is not an integer: " + to_string(*v));
        }
        c.*fields[i].member = *n;
        c.reported = static_cast<std::uint16_t>(c.reported | (1u << i));
    }
    auto flag = [&](std::string_view key) -> std::optional<bool> {
        const value* v = stats.find(key);
        if (!v) return std::nullopt;
        const bool* b = v->get_if<bool>();
        if (!b)
            throw protocol_error("summary stats '" + std::string(key) +
                                 "' is not a boolean: " + to_string(*v));
        return *b;
    };
    c.server_contains_updates = flag("contains-updates");
    c.server_contains_system_updates = flag("contains-system-updates");
    return c;
}

std::string to_string(const summary_counters& c) {
    std::string s = "{";
    bool first = true;
    for (std::size_t i : alphabetical) {
        if (!(c.reported & (1u << i))) continue;
        if (!first) s += ", ";
        first = false;
        s += '\'';
        s += fields[i].name;
        s += "': ";
        s += std::to_string(c.*fields[i].member);
    }
    s += '}';
    return s;
}

std::optional<query_type> parse_query_type(std::string_view s) {
    if (s == "r") return query_type::read_only;
    if (s == "rw") return query_type::read_write;
    if (s == "w") return query_type::write_only;
    if (s == "s") return query_type::schema_write;
    return std::nullopt;
}

std::string_view to_string(query_type t) {
    switch (t) {
        case query_type::read_only:
            return "r";
        case query_type::read_write:
            return "rw";
        case query_type::write_only:
            return "w";
        case query_type::schema_write:
            return "s";
    }
    return "?";
}

std::optional<double> result_summary::metadata_number(std::string_view key) const {
    const value* v = metadata.find(key);
    if (!v) return std::nullopt;
    if (const double* d = v->get_if<double>()) return *d;
    if (const std::int64_t* i = v->get_if<std::int64_t>()) return static_cast<double>(*i);
    return std::nullopt;
}

result_summary parse_summary(const map& final_metadata, summary_context context) {
    return parse_summary(map{}, final_metadata, std::move(context));
}

result_summary parse_summary(const map& run_metadata, const map& final_metadata,
                             summary_context context) {
    result_summary s;
    s.query = std::move(context.query);
    s.parameters = std::move(context.parameters);
    s.server = std::move(context.server);

    s.metadata = run_metadata;
    for (const auto& [key, v] : final_metadata) s.metadata.set(key, v);
    const map& m = s.metadata;

    if (const value* t = m.find("type")) {
        const std::string* str = t->get_if<std::string>();
        s.query_type = str ? parse_query_type(*str) : std::nullopt;
        if (!s.query_type) {
            throw protocol_error("unexpected query type " + to_string(*t) +
                                 " received from server (expected \"r\", \"rw\", \"w\" or \"s\")");
        }
    }
    if (const value* stats = m.find("stats")) {
        const map* sm = stats->get_if<map>();
        if (!sm) throw protocol_error("summary stats is not a map: " + to_string(*stats));
        s.counters = parse_counters(*sm);
    }
    if (const value* ns = m.find("notifications")) {
        const list* l = ns->get_if<list>();
        if (!l) throw protocol_error("summary notifications is not a list: " + to_string(*ns));
        s.notifications.reserve(l->size());
        for (const value& n : *l) s.notifications.push_back(parse_notification(n));
    }
    if (const std::string* db = string_at(m, "db")) s.database = *db;
    if (const std::int64_t* t = int_at(m, "t_first")) s.result_available_after = *t;
    if (const std::int64_t* t = int_at(m, "t_last")) s.result_consumed_after = *t;
    return s;
}

}  // namespace bolt
