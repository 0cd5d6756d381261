// The worker protocol's JSON-lines codec and the name tables shared with the config loader.
// Decoding checks every field's presence and type by hand so that hostile or truncated input
// gives one clear sentence, never an exception or a crash.
#include "boltload/worker_protocol.hpp"

#include "bolt/utf8.hpp"
#include "boltload/json_fields.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

namespace boltload {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

template <class E>
struct name_entry {
    E value;
    std::string_view name;
};

template <class E, std::size_t N>
std::string_view name_of(const std::array<name_entry<E>, N>& table, E v) {
    for (const auto& e : table)
        if (e.value == v) return e.name;
    return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<name_entry<E>, N>& table, std::string_view s) {
    for (const auto& e : table)
        if (e.name == s) return e.value;
    return std::nullopt;
}

constexpr std::array<name_entry<column_type>, 8> column_type_names{{
    {column_type::string_, "string"},
    {column_type::integer, "int"},
    {column_type::float_, "float"},
    {column_type::boolean, "bool"},
    {column_type::list, "list"},
    {column_type::date, "date"},
    {column_type::datetime, "datetime"},
    {column_type::skip, "skip"},
}};

constexpr std::array<name_entry<distribution_kind>, 4> distribution_names{{
    {distribution_kind::sequential, "sequential"},
    {distribution_kind::uniform, "uniform"},
    {distribution_kind::zipf, "zipf"},
    {distribution_kind::hotspot, "hotspot"},
}};

constexpr std::array<name_entry<generated_type>, 4> generated_type_names{{
    {generated_type::integer, "int"},
    {generated_type::float_, "float"},
    {generated_type::string_, "string"},
    {generated_type::boolean, "bool"},
}};

constexpr std::array<name_entry<generate_spec::entity>, 2> entity_names{{
    {generate_spec::entity::nodes, "nodes"},
    {generate_spec::entity::relationships, "relationships"},
}};

constexpr std::array<name_entry<transaction_mode>, 3> transaction_names{{
    {transaction_mode::explicit_, "explicit"},
    {transaction_mode::managed, "managed"},
    {transaction_mode::implicit, "implicit"},
}};

constexpr std::array<name_entry<bad_row_policy>, 2> bad_row_policy_names{{
    {bad_row_policy::stop, "stop"},
    {bad_row_policy::skip, "skip"},
}};

constexpr std::array<name_entry<batch_outcome>, 3> outcome_names{{
    {batch_outcome::committed, "committed"},
    {batch_outcome::failed, "failed"},
    {batch_outcome::unknown, "unknown"},
}};

constexpr std::array<name_entry<chunk_task>, 3> task_names{{
    {chunk_task::load, "load"},
    {chunk_task::count, "count"},
    {chunk_task::partition, "partition"},
}};

constexpr std::array<name_entry<fatal_kind>, 6> fatal_names{{
    {fatal_kind::connect, "connect"},
    {fatal_kind::auth, "auth"},
    {fatal_kind::config, "config"},
    {fatal_kind::input, "input"},
    {fatal_kind::protocol, "protocol"},
    {fatal_kind::internal, "internal"},
}};

// ---- base64, for bytes that are not UTF-8 ----------------------------------------------------------

constexpr std::string_view base64_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < in.size(); i += 3) {
        std::uint32_t v = static_cast<std::uint8_t>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<std::uint8_t>(in[i + 1]) << 8;
        if (i + 2 < in.size()) v |= static_cast<std::uint8_t>(in[i + 2]);
        out += base64_chars[(v >> 18) & 63];
        out += base64_chars[(v >> 12) & 63];
        out += i + 1 < in.size() ? base64_chars[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? base64_chars[v & 63] : '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    if (in.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(in.size() / 4 * 3);
    for (std::size_t i = 0; i < in.size(); i += 4) {
        std::uint32_t v = 0;
        int pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = in[i + k];
            std::uint32_t d = 0;
            if (c == '=' && i + 4 == in.size() && k >= 2) {
                ++pad;
            } else {
                if (pad) return std::nullopt;
                const auto at = base64_chars.find(c);
                if (at == std::string_view::npos) return std::nullopt;
                d = static_cast<std::uint32_t>(at);
            }
            v = (v << 6) | d;
        }
        out += static_cast<char>((v >> 16) & 0xFF);
        if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
        if (pad < 1) out += static_cast<char>(v & 0xFF);
    }
    return out;
}

// ---- encoding ----------------------------------------------------------------------------------

ojson encode_source(const source_spec& s) {
    ojson out = ojson::object();
    if (const auto* c = std::get_if<csv_spec>(&s)) {
        ojson j;
        j["path"] = c->path;
        if (!c->files.empty()) j["files"] = c->files;
        j["delimiter"] = std::string(1, c->delimiter);
        j["quote"] = std::string(1, c->quote);
        j["header"] = c->header;
        ojson cols = ojson::array();
        for (const auto& col : c->columns) {
            ojson cj;
            cj["name"] = col.name;
            cj["type"] = to_string(col.type);
            cj["element_type"] = to_string(col.element_type);
            cj["list_separator"] = std::string(1, col.list_separator);
            cj["null_on_empty"] = col.null_on_empty;
            cols.push_back(std::move(cj));
        }
        j["columns"] = std::move(cols);
        // Only when set: it decides no chunk or batch, so it stays out of journal fingerprints.
        if (c->max_row_bytes != csv_spec::default_max_row_bytes) j["max_row_bytes"] = c->max_row_bytes;
        out["csv"] = std::move(j);
    } else {
        const auto& g = std::get<generate_spec>(s);
        ojson j;
        j["entity"] = to_string(g.kind);
        j["count"] = g.count;
        j["repeat"] = g.repeat;
        j["id_min"] = g.id_min;
        if (g.id_max) j["id_max"] = *g.id_max;
        ojson k;
        k["distribution"] = to_string(g.keys.kind);
        k["zipf_s"] = g.keys.zipf_s;
        k["hotspot_keys"] = g.keys.hotspot_keys;
        k["hotspot_probability"] = g.keys.hotspot_probability;
        j["keys"] = std::move(k);
        ojson props = ojson::array();
        for (const auto& p : g.properties) {
            ojson pj;
            pj["name"] = p.name;
            pj["type"] = to_string(p.type);
            pj["min"] = p.min;
            pj["max"] = p.max;
            props.push_back(std::move(pj));
        }
        j["properties"] = std::move(props);
        j["seed"] = g.seed;
        out["generate"] = std::move(j);
    }
    return out;
}

ojson encode_body(const hello& m) {
    ojson j;
    j["type"] = "hello";
    j["protocol"] = m.protocol;
    j["program"] = m.program;
    return j;
}

ojson encode_body(const configure& m) {
    ojson j;
    j["type"] = "configure";
    j["worker_id"] = m.worker_id;
    const connection_spec& c = m.connection;
    ojson cj;
    cj["uri"] = c.uri;
    cj["auth"] = ojson{{"scheme", c.auth.scheme},
                       {"principal", c.auth.principal},
                       {"credentials", c.auth.credentials},
                       {"realm", c.auth.realm}};
    cj["database"] = c.database;
    if (c.ca_file) cj["ca_file"] = *c.ca_file;
    cj["connect_timeout_ms"] = c.connect_timeout.count();
    cj["read_timeout_ms"] = c.read_timeout.count();
    if (c.transaction_timeout) cj["transaction_timeout_ms"] = c.transaction_timeout->count();
    cj["fetch_size"] = c.fetch_size;
    cj["user_agent"] = c.user_agent;
    j["connection"] = std::move(cj);
    const phase_work& p = m.phase;
    ojson pj;
    pj["name"] = p.name;
    pj["query"] = p.query;
    pj["parameter"] = p.parameter;
    pj["batch_size"] = p.batch_size;
    pj["transaction"] = to_string(p.transaction);
    ojson rj;
    rj["kind"] = bolt::to_string(p.retry.kind);
    ojson settings = ojson::object();
    for (const auto& [k, v] : p.retry.settings) settings[k] = v;
    rj["settings"] = std::move(settings);
    pj["retry"] = std::move(rj);
    pj["source"] = encode_source(p.source);
    if (p.idempotent) pj["idempotent"] = true;
    if (p.on_bad_row != bad_row_policy::stop) pj["on_bad_row"] = to_string(p.on_bad_row);
    if (p.mix)
        pj["mix_and_batch"] = ojson{{"structure", mnb::to_string(p.mix->structure)},
                                    {"grouping", mnb::to_string(p.mix->grouping)},
                                    {"spill_dir", p.mix->spill_dir},
                                    {"source_field", p.mix->source_field},
                                    {"target_field", p.mix->target_field}};
    j["phase"] = std::move(pj);
    if (!m.journal.empty()) j["journal"] = m.journal;
    if (m.retry_seed) j["retry_seed"] = *m.retry_seed;
    return j;
}

ojson encode_body(const chunk& m) {
    ojson j;
    j["type"] = "chunk";
    j["chunk_id"] = m.chunk_id;
    if (const auto* c = std::get_if<csv_range>(&m.range)) {
        j["csv"] = ojson{{"begin", c->begin}, {"end", c->end}, {"first_line", c->first_line}};
        if (c->file != 0) j["csv"]["file"] = c->file;
    } else if (const auto* g = std::get_if<generate_range>(&m.range)) {
        j["generate"] = ojson{{"first", g->first}, {"count", g->count}};
    } else {
        ojson slices = ojson::array();
        for (const auto& s : std::get<cell_range>(m.range).slices)
            slices.push_back(ojson{{"chunk", s.chunk}, {"begin", s.begin}, {"end", s.end},
                                   {"first_row", s.first_row}, {"rows", s.rows}});
        j["cell"] = ojson{{"slices", std::move(slices)}};
    }
    if (!m.skip_batches.empty()) j["skip_batches"] = m.skip_batches;
    if (!m.unknown_batches.empty()) j["unknown_batches"] = m.unknown_batches;
    if (m.task != chunk_task::load) j["task"] = to_string(m.task);
    if (m.groups != 0) j["groups"] = m.groups;
    return j;
}

ojson encode_body(const counted& m) {
    return ojson{{"type", "counted"}, {"chunk_id", m.chunk_id}, {"rows", m.rows}, {"keys", m.keys}};
}

ojson encode_body(const partitioned& m) {
    ojson cells = ojson::array();
    for (const auto& c : m.cells)
        cells.push_back(ojson{{"source_group", c.cell.source}, {"target_group", c.cell.target}, {"begin", c.begin},
                              {"end", c.end}, {"first_row", c.first_row}, {"rows", c.rows}});
    return ojson{{"type", "partitioned"}, {"chunk_id", m.chunk_id}, {"rows", m.rows}, {"cells", std::move(cells)}};
}

ojson encode_body(const batch_begin& m) {
    ojson j{{"type", "batch_begin"}, {"chunk_id", m.chunk_id}, {"batch", m.batch}, {"rows", m.rows}};
    if (m.first_line != 0) j["first_line"] = m.first_line;
    if (m.bad != 0) j["bad"] = m.bad;
    return j;
}

ojson encode_body(const shutdown&) {
    return ojson{{"type", "shutdown"}};
}

ojson encode_body(const ready& m) {
    ojson j;
    j["type"] = "ready";
    j["server_agent"] = m.server_agent;
    j["bolt_version"] = m.bolt_version;
    return j;
}

ojson batch_result_fields(const batch_result& m) {
    ojson j;
    j["chunk_id"] = m.chunk_id;
    j["batch"] = m.batch;
    j["rows"] = m.rows;
    j["outcome"] = to_string(m.outcome);
    j["attempts"] = m.attempts;
    j["conflicts"] = m.conflicts;
    j["other_transient"] = m.other_transient;
    j["backoff_wait_ms"] = m.backoff_wait_ms;
    j["latency_us"] = m.latency_us;
    ojson counters = ojson::object();
    for (const auto& [k, v] : m.counters) counters[k] = v;
    j["counters"] = std::move(counters);
    if (m.first_line != 0) j["first_line"] = m.first_line;
    if (!m.file.empty()) j["file"] = m.file;
    if (!m.error_code.empty()) j["error_code"] = m.error_code;
    if (!m.error.empty()) j["error"] = m.error;
    if (!m.dead_letter_rows.empty()) j["dead_letter_rows"] = m.dead_letter_rows;
    if (m.bad != 0) j["bad"] = m.bad;
    if (!m.bad_rows.empty()) {
        ojson rows = ojson::array();
        for (const bad_row& b : m.bad_rows) {
            ojson bj{{"line", b.line}, {"column", b.column}, {"error", b.error}};
            if (!b.file.empty()) bj["file"] = b.file;
            // The text keeps its bytes exactly (it may be the invalid UTF-8 that made it bad).
            if (bolt::is_valid_utf8(b.text)) bj["text"] = b.text;
            else bj["text_base64"] = base64_encode(b.text);
            rows.push_back(std::move(bj));
        }
        j["bad_rows"] = std::move(rows);
    }
    return j;
}

ojson encode_body(const batch_result& m) {
    ojson j{{"type", "batch_result"}};
    j.update(batch_result_fields(m));
    return j;
}

ojson encode_body(const chunk_done& m) {
    return ojson{
        {"type", "chunk_done"}, {"chunk_id", m.chunk_id}, {"rows", m.rows}, {"batches", m.batches}};
}

ojson encode_body(const progress& m) {
    return ojson{{"type", "progress"},
                 {"chunk_id", m.chunk_id},
                 {"rows_done", m.rows_done},
                 {"bytes_done", m.bytes_done}};
}

ojson encode_body(const fatal& m) {
    ojson j;
    j["type"] = "fatal";
    j["kind"] = to_string(m.kind);
    j["message"] = m.message;
    if (m.chunk_id) j["chunk_id"] = *m.chunk_id;
    return j;
}

std::string to_line(const ojson& j) {
    // Invalid UTF-8 (a raw CSV record in another encoding) is replaced, not thrown on: the
    // line must always be valid JSON. PROTOCOL.md says so.
    std::string s = j.dump(-1, ' ', false, ojson::error_handler_t::replace);
    s += '\n';
    return s;
}

// ---- decoding ----------------------------------------------------------------------------------

std::optional<source_spec> decode_source(json_fields& parent, const json& sj) {
    json_fields r = parent.nested(sj, "source");
    const json* c = r.object("csv", false);
    const json* g = r.object("generate", false);
    if (!r.ok()) return std::nullopt;
    if ((c != nullptr) == (g != nullptr)) {
        r.fail("needs exactly one of 'csv' and 'generate'");
        return std::nullopt;
    }
    if (c) {
        csv_spec s;
        json_fields cr = r.nested(*c, "csv");
        cr.string("path", s.path);
        if (const json* files = cr.array("files", false)) {
            for (const auto& f : *files) {
                if (!f.is_string()) {
                    cr.fail("files must hold strings");
                    break;
                }
                s.files.push_back(f.get<std::string>());
            }
        }
        cr.character("delimiter", s.delimiter);
        cr.character("quote", s.quote);
        cr.boolean("header", s.header);
        cr.integer("max_row_bytes", s.max_row_bytes, false);
        if (const json* cols = cr.array("columns")) {
            for (std::size_t i = 0; i < cols->size() && cr.ok(); ++i) {
                const json& cj = (*cols)[i];
                if (!cj.is_object()) {
                    cr.fail(fmt::format("columns[{}] must be an object", i));
                    break;
                }
                json_fields colr = cr.nested(cj, fmt::format("columns[{}]", i));
                column_spec col;
                colr.string("name", col.name);
                colr.enumeration("type", col.type, parse_column_type);
                colr.enumeration("element_type", col.element_type, parse_column_type);
                colr.character("list_separator", col.list_separator);
                colr.boolean("null_on_empty", col.null_on_empty);
                s.columns.push_back(std::move(col));
            }
        }
        if (!r.ok()) return std::nullopt;
        return s;
    }
    generate_spec s;
    json_fields gr = r.nested(*g, "generate");
    gr.enumeration("entity", s.kind, parse_entity);
    gr.integer("count", s.count);
    gr.integer("repeat", s.repeat);
    gr.integer("id_min", s.id_min);
    if (gr.find("id_max", false)) {
        std::int64_t v = 0;
        gr.integer("id_max", v);
        s.id_max = v;
    }
    if (const json* k = gr.object("keys")) {
        json_fields kr = gr.nested(*k, "keys");
        kr.enumeration("distribution", s.keys.kind, parse_distribution_kind);
        kr.number("zipf_s", s.keys.zipf_s);
        kr.integer("hotspot_keys", s.keys.hotspot_keys);
        kr.number("hotspot_probability", s.keys.hotspot_probability);
    }
    if (const json* props = gr.array("properties")) {
        for (std::size_t i = 0; i < props->size() && gr.ok(); ++i) {
            const json& pj = (*props)[i];
            if (!pj.is_object()) {
                gr.fail(fmt::format("properties[{}] must be an object", i));
                break;
            }
            json_fields pr = gr.nested(pj, fmt::format("properties[{}]", i));
            generated_property p;
            pr.string("name", p.name);
            pr.enumeration("type", p.type, parse_generated_type);
            pr.integer("min", p.min);
            pr.integer("max", p.max);
            s.properties.push_back(std::move(p));
        }
    }
    gr.integer("seed", s.seed);
    if (!r.ok()) return std::nullopt;
    return s;
}

std::optional<hello> decode_hello(json_fields& r) {
    hello m;
    r.integer("protocol", m.protocol);
    r.string("program", m.program, false);
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<configure> decode_configure(json_fields& r) {
    configure m;
    r.integer("worker_id", m.worker_id);
    r.string("journal", m.journal, false);
    if (r.find("retry_seed", false)) {
        std::uint64_t seed = 0;
        r.integer("retry_seed", seed);
        m.retry_seed = seed;
    }
    if (const json* cj = r.object("connection")) {
        json_fields cr = r.nested(*cj, "connection");
        connection_spec& c = m.connection;
        cr.string("uri", c.uri);
        if (const json* aj = cr.object("auth")) {
            json_fields ar = cr.nested(*aj, "auth");
            ar.string("scheme", c.auth.scheme);
            ar.string("principal", c.auth.principal);
            ar.string("credentials", c.auth.credentials);
            ar.string("realm", c.auth.realm);
        }
        cr.string("database", c.database);
        if (cr.find("ca_file", false)) {
            std::string f;
            cr.string("ca_file", f);
            c.ca_file = std::move(f);
        }
        std::int64_t ms = 0;
        cr.integer("connect_timeout_ms", ms);
        c.connect_timeout = std::chrono::milliseconds(ms);
        ms = 0;
        cr.integer("read_timeout_ms", ms);
        c.read_timeout = std::chrono::milliseconds(ms);
        if (cr.find("transaction_timeout_ms", false)) {
            ms = 0;
            cr.integer("transaction_timeout_ms", ms);
            c.transaction_timeout = std::chrono::milliseconds(ms);
        }
        cr.integer("fetch_size", c.fetch_size);
        cr.string("user_agent", c.user_agent);
    }
    if (const json* pj = r.object("phase")) {
        json_fields pr = r.nested(*pj, "phase");
        phase_work& p = m.phase;
        pr.string("name", p.name);
        pr.string("query", p.query);
        pr.string("parameter", p.parameter);
        pr.integer("batch_size", p.batch_size);
        pr.enumeration("transaction", p.transaction, parse_transaction_mode);
        pr.boolean("idempotent", p.idempotent, false);
        pr.enumeration("on_bad_row", p.on_bad_row, parse_bad_row_policy, false);
        if (const json* mj = pr.object("mix_and_batch", false)) {
            json_fields mr = pr.nested(*mj, "mix_and_batch");
            mix_work mix;
            mr.enumeration("structure", mix.structure, mnb::parse_structure);
            mr.enumeration("grouping", mix.grouping, mnb::parse_grouping);
            mr.string("spill_dir", mix.spill_dir);
            mr.string("source_field", mix.source_field);
            mr.string("target_field", mix.target_field);
            p.mix = std::move(mix);
        }
        if (const json* rj = pr.object("retry")) {
            json_fields rr = pr.nested(*rj, "retry");
            rr.enumeration("kind", p.retry.kind,
                           [](std::string_view s) { return bolt::parse_retry_kind(s); });
            if (const json* sj = rr.object("settings")) {
                for (const auto& [k, v] : sj->items()) {
                    if (!v.is_number()) {
                        rr.fail(fmt::format("settings.{} must be a number", k));
                        break;
                    }
                    p.retry.settings[k] = v.get<double>();
                }
            }
        }
        if (const json* sj = pr.object("source")) {
            if (auto s = decode_source(pr, *sj)) p.source = std::move(*s);
        }
    }
    if (!r.ok()) return std::nullopt;
    return m;
}

/// An optional list of batch indices, ascending without repeats.
void batch_list(json_fields& r, std::string_view key, std::vector<std::uint32_t>& out) {
    const json* list = r.array(key, false);
    if (!list) return;
    for (const auto& v : *list) {
        if (!v.is_number_unsigned() || v.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
            r.fail(fmt::format("{} must hold batch indices (non-negative integers)", key));
            return;
        }
        const auto b = static_cast<std::uint32_t>(v.get<std::uint64_t>());
        if (!out.empty() && b <= out.back()) {
            r.fail(fmt::format("{} must be ascending without repeats", key));
            return;
        }
        out.push_back(b);
    }
}

/// Each element of `key` (an array of objects) through `read`, failing on the first non-object.
template <class Read>
void each_object(json_fields& r, std::string_view key, Read read) {
    const json* list = r.array(key);
    if (!list) return;
    for (std::size_t i = 0; i < list->size() && r.ok(); ++i) {
        if (!(*list)[i].is_object()) return r.fail(fmt::format("{}[{}] must be an object", key, i));
        json_fields item = r.nested((*list)[i], fmt::format("{}[{}]", key, i));
        read(item);
    }
}

std::optional<chunk> decode_chunk(json_fields& r) {
    chunk m;
    r.integer("chunk_id", m.chunk_id);
    const json* c = r.object("csv", false);
    const json* g = r.object("generate", false);
    const json* cell = r.object("cell", false);
    if (!r.ok()) return std::nullopt;
    if ((c != nullptr) + (g != nullptr) + (cell != nullptr) != 1) {
        r.fail("needs exactly one of 'csv', 'generate' and 'cell'");
        return std::nullopt;
    }
    r.enumeration("task", m.task, parse_chunk_task, false);
    r.integer("groups", m.groups, false);
    if (cell) {
        cell_range range;
        json_fields cr = r.nested(*cell, "cell");
        each_object(cr, "slices", [&](json_fields& s) {
            cell_slice slice;
            s.integer("chunk", slice.chunk);
            s.integer("begin", slice.begin);
            s.integer("end", slice.end);
            s.integer("first_row", slice.first_row);
            s.integer("rows", slice.rows);
            if (s.ok() && slice.end < slice.begin) s.fail("end must not be before begin");
            range.slices.push_back(slice);
        });
        m.range = std::move(range);
    } else if (c) {
        csv_range range;
        json_fields cr = r.nested(*c, "csv");
        cr.integer("begin", range.begin);
        cr.integer("end", range.end);
        cr.integer("first_line", range.first_line);
        cr.integer("file", range.file, false);
        if (r.ok() && range.end < range.begin) r.fail("csv.end must not be before csv.begin");
        m.range = range;
    } else {
        generate_range range;
        json_fields gr = r.nested(*g, "generate");
        gr.integer("first", range.first);
        gr.integer("count", range.count);
        if (r.ok() && (range.first < 0 || range.count < 0))
            r.fail("generate.first and generate.count must not be negative");
        m.range = range;
    }
    batch_list(r, "skip_batches", m.skip_batches);
    batch_list(r, "unknown_batches", m.unknown_batches);
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<batch_begin> decode_batch_begin(json_fields& r) {
    batch_begin m;
    r.integer("chunk_id", m.chunk_id);
    r.integer("batch", m.batch);
    r.integer("rows", m.rows);
    r.integer("first_line", m.first_line, false);
    r.integer("bad", m.bad, false);
    if (r.ok() && m.bad > m.rows) r.fail("bad must not exceed rows");
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<ready> decode_ready(json_fields& r) {
    ready m;
    r.string("server_agent", m.server_agent, false);
    r.string("bolt_version", m.bolt_version, false);
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<batch_result> decode_batch_result(json_fields& r) {
    batch_result m;
    r.integer("chunk_id", m.chunk_id);
    r.integer("batch", m.batch);
    r.integer("rows", m.rows);
    r.enumeration("outcome", m.outcome, parse_batch_outcome);
    r.integer("attempts", m.attempts);
    r.integer("conflicts", m.conflicts, false);
    r.integer("other_transient", m.other_transient, false);
    r.integer("backoff_wait_ms", m.backoff_wait_ms, false);
    r.integer("latency_us", m.latency_us, false);
    if (const json* cj = r.object("counters", false)) {
        for (const auto& [k, v] : cj->items()) {
            if (!v.is_number_integer()) {
                r.fail(fmt::format("counters.{} must be an integer", k));
                break;
            }
            if (v.is_number_unsigned() &&
                v.get<std::uint64_t>() >
                    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                r.fail(fmt::format("counters.{} is too large", k));
                break;
            }
            m.counters[k] = v.get<std::int64_t>();
        }
    }
    r.integer("first_line", m.first_line, false);
    r.string("file", m.file, false);
    r.string("error_code", m.error_code, false);
    r.string("error", m.error, false);
    if (const json* rows = r.array("dead_letter_rows", false)) {
        for (const auto& v : *rows) {
            if (!v.is_string()) {
                r.fail("dead_letter_rows must hold strings");
                break;
            }
            m.dead_letter_rows.push_back(v.get<std::string>());
        }
    }
    r.integer("bad", m.bad, false);
    if (const json* rows = r.array("bad_rows", false)) {
        for (std::size_t i = 0; i < rows->size() && r.ok(); ++i) {
            const json& bj = (*rows)[i];
            if (!bj.is_object()) {
                r.fail(fmt::format("bad_rows[{}] must be an object", i));
                break;
            }
            json_fields br = r.nested(bj, fmt::format("bad_rows[{}]", i));
            bad_row b;
            br.integer("line", b.line);
            br.integer("column", b.column, false);
            br.string("error", b.error);
            br.string("file", b.file, false);
            if (br.find("text_base64", false)) {
                std::string encoded;
                br.string("text_base64", encoded);
                if (auto bytes = base64_decode(encoded)) b.text = std::move(*bytes);
                else br.fail("field 'text_base64' is not base64");
            } else {
                br.string("text", b.text);
            }
            m.bad_rows.push_back(std::move(b));
        }
    }
    if (r.ok() && m.bad > m.rows) r.fail("bad must not exceed rows");
    if (r.ok() && !m.bad_rows.empty() && m.bad_rows.size() != m.bad) r.fail("bad_rows must list `bad` rows");
    if (r.ok() && m.attempts == 0 && m.outcome != batch_outcome::unknown && m.bad != m.rows)
        r.fail("attempts must be at least 1 (0 only for an unknown outcome, or a batch of bad rows only)");
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<counted> decode_counted(json_fields& r) {
    counted m;
    r.integer("chunk_id", m.chunk_id);
    r.integer("rows", m.rows);
    r.integer("keys", m.keys);
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<partitioned> decode_partitioned(json_fields& r) {
    partitioned m;
    r.integer("chunk_id", m.chunk_id);
    r.integer("rows", m.rows);
    each_object(r, "cells", [&](json_fields& c) {
        cell_part p;
        c.integer("source_group", p.cell.source);
        c.integer("target_group", p.cell.target);
        c.integer("begin", p.begin);
        c.integer("end", p.end);
        c.integer("first_row", p.first_row);
        c.integer("rows", p.rows);
        if (c.ok() && p.end < p.begin) c.fail("end must not be before begin");
        m.cells.push_back(p);
    });
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<chunk_done> decode_chunk_done(json_fields& r) {
    chunk_done m;
    r.integer("chunk_id", m.chunk_id);
    r.integer("rows", m.rows);
    r.integer("batches", m.batches);
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<progress> decode_progress(json_fields& r) {
    progress m;
    r.integer("chunk_id", m.chunk_id);
    r.integer("rows_done", m.rows_done);
    r.integer("bytes_done", m.bytes_done, false);
    if (!r.ok()) return std::nullopt;
    return m;
}

std::optional<fatal> decode_fatal(json_fields& r) {
    fatal m;
    r.enumeration("kind", m.kind, parse_fatal_kind);
    r.string("message", m.message);
    if (r.find("chunk_id", false)) {
        std::uint64_t id = 0;
        r.integer("chunk_id", id);
        m.chunk_id = id;
    }
    if (!r.ok()) return std::nullopt;
    return m;
}

/// Bytes from outside, shown in a message: printable ASCII as is, anything else as \xNN (the
/// message itself must stay valid UTF-8 JSON, whatever arrived).
std::string escaped(std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += ch;
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

/// Parses the line into an object and names its type; nullopt with `error` set otherwise.
std::optional<json> parse_object(std::string_view line, std::string& type, std::string& error) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
        error = "empty line where a message was expected";
        return std::nullopt;
    }
    json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        constexpr std::size_t shown = 60;
        error = fmt::format("not a JSON object: '{}{}'", escaped(line.substr(0, shown)),
                            line.size() > shown ? "..." : "");
        return std::nullopt;
    }
    if (!j.is_object()) {
        error = "a message must be a JSON object";
        return std::nullopt;
    }
    auto it = j.find("type");
    if (it == j.end() || !it->is_string()) {
        error = "message without a string 'type' field";
        return std::nullopt;
    }
    type = it->get<std::string>();
    return j;
}

template <class Variant, class T>
std::optional<Variant> wrap(std::optional<T> m) {
    if (!m) return std::nullopt;
    return Variant(std::move(*m));
}

}  // namespace

// ---- names -------------------------------------------------------------------------------------

std::string_view to_string(column_type t) {
    return name_of(column_type_names, t);
}
std::optional<column_type> parse_column_type(std::string_view s) {
    return value_of(column_type_names, s);
}
std::string_view to_string(distribution_kind k) {
    return name_of(distribution_names, k);
}
std::optional<distribution_kind> parse_distribution_kind(std::string_view s) {
    return value_of(distribution_names, s);
}
std::string_view to_string(generated_type t) {
    return name_of(generated_type_names, t);
}
std::optional<generated_type> parse_generated_type(std::string_view s) {
    return value_of(generated_type_names, s);
}
std::string_view to_string(generate_spec::entity e) {
    return name_of(entity_names, e);
}
std::optional<generate_spec::entity> parse_entity(std::string_view s) {
    return value_of(entity_names, s);
}
std::string_view to_string(bad_row_policy p) { return name_of(bad_row_policy_names, p); }
std::optional<bad_row_policy> parse_bad_row_policy(std::string_view s) { return value_of(bad_row_policy_names, s); }

std::string_view to_string(transaction_mode m) {
    return name_of(transaction_names, m);
}
std::optional<transaction_mode> parse_transaction_mode(std::string_view s) {
    return value_of(transaction_names, s);
}
std::string_view to_string(batch_outcome o) {
    return name_of(outcome_names, o);
}
std::optional<batch_outcome> parse_batch_outcome(std::string_view s) {
    return value_of(outcome_names, s);
}
std::string_view to_string(chunk_task t) { return name_of(task_names, t); }
std::optional<chunk_task> parse_chunk_task(std::string_view s) { return value_of(task_names, s); }
std::string_view to_string(fatal_kind k) {
    return name_of(fatal_names, k);
}
std::optional<fatal_kind> parse_fatal_kind(std::string_view s) {
    return value_of(fatal_names, s);
}

// ---- client settings ---------------------------------------------------------------------------

bolt::auth_token to_auth_token(const auth_spec& a) {
    if (a.scheme == "none") return bolt::auth_token::none();
    if (a.scheme == "basic") return bolt::auth_token::basic(a.principal, a.credentials, a.realm);
    if (a.scheme == "bearer") return bolt::auth_token::bearer(a.credentials);
    // An empty principal in the config means none (the guide's SSO schemes pass None).
    return bolt::auth_token::custom(a.principal.empty() ? std::nullopt : std::optional<std::string>(a.principal),
                                    a.credentials, a.realm, a.scheme);
}

bolt::driver_config to_driver_config(const connection_spec& c) {
    bolt::driver_config d;
    d.user_agent = c.user_agent;
    d.connection_timeout = c.connect_timeout;
    d.socket_read_timeout = c.read_timeout;
    d.trusted_ca_file = c.ca_file;
    d.fetch_size = c.fetch_size;
    // One session per worker: a second connection would only be opened by mistake.
    d.max_connection_pool_size = 1;
    return d;
}

bolt::retry_policy to_retry_policy(const retry_spec& r, std::vector<std::string>* problems) {
    bolt::retry_policy p = bolt::retry_policy::defaults(r.kind);
    for (const auto& [name, value] : r.settings) {
        if (auto err = p.set(name, value); err && problems) problems->push_back(*err);
    }
    return p;
}

// ---- messages ----------------------------------------------------------------------------------

std::string encode(const coordinator_message& m) {
    return std::visit([](const auto& v) { return to_line(encode_body(v)); }, m);
}

std::string encode(const worker_message& m) {
    return std::visit([](const auto& v) { return to_line(encode_body(v)); }, m);
}

std::optional<coordinator_message> decode_coordinator_message(std::string_view line,
                                                              std::string& error) {
    error.clear();
    std::string type;
    auto j = parse_object(line, type, error);
    if (!j) return std::nullopt;
    json_fields r(*j, type, error);
    using V = coordinator_message;
    if (type == "hello") return wrap<V>(decode_hello(r));
    if (type == "configure") return wrap<V>(decode_configure(r));
    if (type == "chunk") return wrap<V>(decode_chunk(r));
    if (type == "shutdown") return V(shutdown{});
    error = fmt::format("unknown message type '{}' from the coordinator", type);
    return std::nullopt;
}

std::optional<worker_message> decode_worker_message(std::string_view line, std::string& error) {
    error.clear();
    std::string type;
    auto j = parse_object(line, type, error);
    if (!j) return std::nullopt;
    json_fields r(*j, type, error);
    using V = worker_message;
    if (type == "hello") return wrap<V>(decode_hello(r));
    if (type == "ready") return wrap<V>(decode_ready(r));
    if (type == "batch_begin") return wrap<V>(decode_batch_begin(r));
    if (type == "batch_result") return wrap<V>(decode_batch_result(r));
    if (type == "chunk_done") return wrap<V>(decode_chunk_done(r));
    if (type == "progress") return wrap<V>(decode_progress(r));
    if (type == "fatal") return wrap<V>(decode_fatal(r));
    if (type == "counted") return wrap<V>(decode_counted(r));
    if (type == "partitioned") return wrap<V>(decode_partitioned(r));
    error = fmt::format("unknown message type '{}' from a worker", type);
    return std::nullopt;
}

nlohmann::ordered_json to_json(const batch_result& r) { return batch_result_fields(r); }

std::optional<batch_result> batch_result_from_json(const nlohmann::json& j, std::string& error) {
    error.clear();
    if (!j.is_object()) {
        error = "batch_result: not an object";
        return std::nullopt;
    }
    json_fields r(j, "batch_result", error);
    return decode_batch_result(r);
}

nlohmann::ordered_json to_json(const source_spec& s) { return encode_source(s); }

nlohmann::ordered_json journal_begin(std::string_view phase, const batch_begin& b, int worker) {
    ojson j{{"t", "begin"}, {"phase", phase}, {"chunk", b.chunk_id}, {"batch", b.batch}, {"rows", b.rows},
            {"worker", worker}};
    if (b.first_line) j["first_line"] = b.first_line;
    if (b.bad) j["bad"] = b.bad;
    return j;
}

std::optional<std::string> check_hello(const hello& peer) {
    if (peer.protocol == protocol_version) return std::nullopt;
    return fmt::format(
        "{} speaks worker protocol {}, this side speaks {}: use boltload and "
        "boltload-worker from the same build",
        peer.program.empty() ? "the peer" : peer.program, peer.protocol, protocol_version);
}

// ---- line splitter -----------------------------------------------------------------------------

void line_splitter::feed(std::string_view bytes) {
    if (failed_) return;
    // Drop consumed lines before growing, so the buffer holds at most one partial line plus
    // what was just fed.
    if (start_ > 0 && start_ >= buffer_.size() / 2) {
        buffer_.erase(0, start_);
        scanned_ -= start_;
        start_ = 0;
    }
    buffer_.append(bytes);
}

std::optional<std::string> line_splitter::next() {
    if (failed_) return std::nullopt;
    const std::size_t nl = buffer_.find('\n', scanned_);
    if (nl == std::string::npos) {
        scanned_ = buffer_.size();
        if (buffer_.size() - start_ > max_line_length_) failed_ = true;
        return std::nullopt;
    }
    if (nl - start_ > max_line_length_) {
        failed_ = true;
        return std::nullopt;
    }
    std::size_t end = nl;
    if (end > start_ && buffer_[end - 1] == '\r') --end;
    std::string line = buffer_.substr(start_, end - start_);
    start_ = nl + 1;
    scanned_ = start_;
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = scanned_ = 0;
    }
    return line;
}

}  // namespace boltload
