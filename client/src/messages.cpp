// Request and response encoding/decoding. Every message is one PackStream structure whose tag is
// the signature; the layouts per version come from protocol_features.
#include "bolt/messages.hpp"

#include <string>
#include <utility>

#include "bolt/chunking.hpp"

namespace bolt {

namespace {

using packstream::decoder;
using packstream::encoder;

constexpr std::uint8_t struct_marker_mask = 0xF0;
constexpr std::uint8_t struct_fields_mask = 0x0F;
constexpr std::size_t struct_header_size = 2;

/// Encodes one message straight into `out` behind two reserved bytes and frames it in place, so
/// the payload is written once and moved at most once (only when it spans several chunks).
template <class Body>
void emit(buffer& out, packstream::dialect d, std::error_code& error, message_tag tag,
          std::uint8_t fields, Body&& body) {
    if (error) return;
    const std::size_t start = out.size();
    out.resize(start + chunk_header_size);
    encoder enc(out, d);
    enc.write_struct_header(static_cast<std::uint8_t>(tag), fields);
    body(enc);
    if (enc.error()) {
        error = enc.error();
        out.resize(start);
        return;
    }
    frame_in_place(out, start);
}

void no_fields(encoder&) {}

void write_pull_extra(encoder& enc, std::int64_t n, std::int64_t qid) {
    enc.write_map_header(qid == -1 ? 1 : 2);
    enc.write_string("n");
    enc.write_int(n);
    if (qid != -1) {
        enc.write_string("qid");
        enc.write_int(qid);
    }
}

std::error_code fail(protocol_errc e, std::string* detail, std::string text) {
    if (detail) *detail = std::move(text);
    return e;
}

// ---- decoding helpers --------------------------------------------------------------------------

/// A message's structure header, checked by hand so "not a structure" is told apart from a
/// PackStream error inside a field.
struct header {
    std::uint8_t tag = 0;
    std::uint8_t fields = 0;
};

std::error_code read_header(byte_view message, header& h, std::string* detail) {
    if (message.empty()) return fail(protocol_errc::empty_message, detail, "empty message");
    if ((message[0] & struct_marker_mask) != packstream::marker::tiny_struct)
        return fail(protocol_errc::not_a_structure, detail,
                    "message does not start with a structure marker");
    if (message.size() < struct_header_size) return packstream::errc::truncated;
    h.fields = message[0] & struct_fields_mask;
    h.tag = message[1];
    return {};
}

std::string tag_name(std::uint8_t tag) {
    return std::string(to_string(static_cast<message_tag>(tag)));
}

std::string hex(std::uint8_t b) {
    constexpr char digits[] = "0123456789ABCDEF";
    return {'0', 'x', digits[b >> 4], digits[b & 0xF]};
}

/// Reads the fields of one message in order and checks their types, naming the offender.
class field_reader {
public:
    field_reader(byte_view fields, packstream::dialect d, const packstream::limits& l,
                 std::uint8_t tag, std::string* detail)
        : dec_(fields, d, l), tag_(tag), detail_(detail) {}

    std::error_code read(value& v) { return dec_.read(v); }

    std::error_code read_map(std::string_view field, map& out) {
        value v;
        if (auto ec = dec_.read(v)) return ec;
        if (map* m = v.get_if<map>()) {
            out = std::move(*m);
            return {};
        }
        return wrong_type(field, "a map", v);
    }

    std::error_code read_list(std::string_view field, list& out) {
        value v;
        if (auto ec = dec_.read(v)) return ec;
        if (list* l = v.get_if<list>()) {
            out = std::move(*l);
            return {};
        }
        return wrong_type(field, "a list", v);
    }

    std::error_code read_string(std::string_view field, std::string& out) {
        value v;
        if (auto ec = dec_.read(v)) return ec;
        if (std::string* s = v.get_if<std::string>()) {
            out = std::move(*s);
            return {};
        }
        return wrong_type(field, "a string", v);
    }

    std::error_code read_int(std::string_view field, std::int64_t& out) {
        value v;
        if (auto ec = dec_.read(v)) return ec;
        if (const std::int64_t* i = v.get_if<std::int64_t>()) {
            out = *i;
            return {};
        }
        return wrong_type(field, "an integer", v);
    }

    /// A string or null (null reads as nullopt).
    std::error_code read_optional_string(std::string_view field, std::optional<std::string>& out) {
        value v;
        if (auto ec = dec_.read(v)) return ec;
        return take_optional_string(field, v, out);
    }

    /// Optional integer entry of an extra dict: absent keeps `out`.
    std::error_code take_int(std::string_view key, map& m, std::int64_t& out) {
        const value* v = m.find(key);
        if (!v) return {};
        if (const std::int64_t* i = v->get_if<std::int64_t>()) {
            out = *i;
            return {};
        }
        return wrong_type(std::string("extra key '") + std::string(key) + "'", "an integer", *v);
    }

    /// Optional string entry of an extra dict: absent and null give nullopt.
    std::error_code take_string(std::string_view key, map& m, std::optional<std::string>& out) {
        value* v = m.find(key);
        if (!v) {
            out.reset();
            return {};
        }
        return take_optional_string(std::string("extra key '") + std::string(key) + "'", *v, out);
    }

    std::error_code finish() {
        if (dec_.at_end()) return {};
        return fail(protocol_errc::trailing_bytes, detail_,
                    tag_name(tag_) + ": " + std::to_string(dec_.remaining()) +
                        " bytes after the last field");
    }

private:
    std::error_code take_optional_string(std::string_view field, value& v,
                                         std::optional<std::string>& out) {
        if (v.is_null()) {
            out.reset();
            return {};
        }
        if (std::string* s = v.get_if<std::string>()) {
            out = std::move(*s);
            return {};
        }
        return wrong_type(field, "a string or null", v);
    }

    std::error_code wrong_type(std::string_view field, std::string_view wanted, const value& got) {
        return fail(protocol_errc::wrong_field_type, detail_,
                    tag_name(tag_) + ": " + std::string(field) + " must be " + std::string(wanted) +
                        ", got " + std::string(to_string(got.type())));
    }

    decoder dec_;
    std::uint8_t tag_;
    std::string* detail_;
};

std::error_code check_count(const header& h, std::uint8_t expected, const protocol_features& f,
                            std::string* detail) {
    if (h.fields == expected) return {};
    return fail(protocol_errc::wrong_field_count, detail,
                tag_name(h.tag) + " has " + std::to_string(h.fields) + " fields, Bolt " +
                    f.version.to_string() + " expects " + std::to_string(expected));
}

/// Reads a list header by hand so a RECORD can decode into an existing vector.
std::error_code read_list_header(byte_view in, std::size_t& pos, std::uint64_t& count) {
    const auto need = [&](std::size_t n) { return in.size() - pos >= n; };
    if (!need(1)) return packstream::errc::truncated;
    const std::uint8_t m = in[pos++];
    std::size_t width = 0;
    if ((m & 0xF0) == packstream::marker::tiny_list) {
        count = m & 0x0F;
        return {};
    }
    switch (m) {
        case packstream::marker::list8: width = 1; break;
        case packstream::marker::list16: width = 2; break;
        case packstream::marker::list32: width = 4; break;
        default: return packstream::errc::reserved_marker;  // the caller checked the marker
    }
    if (!need(width)) return packstream::errc::truncated;
    count = 0;
    for (std::size_t i = 0; i < width; ++i) count = (count << 8) | in[pos++];
    return {};
}

std::error_code decode_record(byte_view fields, packstream::dialect d, const packstream::limits& l,
                              list& out, std::string* detail) {
    if (fields.empty()) return packstream::errc::truncated;
    const std::uint8_t m = fields[0];
    if ((m & 0xF0) != packstream::marker::tiny_list && m != packstream::marker::list8 &&
        m != packstream::marker::list16 && m != packstream::marker::list32) {
        // Not a list: decode the value anyway so a PackStream error wins over a type error, and
        // the message names what arrived.
        field_reader r(fields, d, l, static_cast<std::uint8_t>(message_tag::record), detail);
        list ignored;
        return r.read_list("field 'data'", ignored);
    }
    std::size_t pos = 0;
    std::uint64_t count = 0;
    if (auto ec = read_list_header(fields, pos, count)) return ec;
    // Same checks, in the same order, as the decoder applies to any list: every item needs at
    // least one byte, and the list itself is one level of nesting.
    if (count > l.max_container_items || count > fields.size() - pos)
        return packstream::errc::too_large;
    if (l.max_depth == 0) return packstream::errc::too_deep;
    packstream::limits inner = l;
    inner.max_depth = l.max_depth - 1;
    decoder dec(fields.subspan(pos), d, inner);
    out.resize(static_cast<std::size_t>(count));
    for (value& v : out)
        if (auto ec = dec.read(v)) return ec;
    if (!dec.at_end())
        return fail(protocol_errc::trailing_bytes, detail,
                    "RECORD: " + std::to_string(dec.remaining()) + " bytes after the last field");
    return {};
}

}  // namespace

// ---- request_writer ----------------------------------------------------------------------------

bool request_writer::allowed(bool available) {
    if (error_) return false;
    if (!available) error_ = protocol_errc::not_in_version;
    return available;
}

void request_writer::hello(const map& extra) {
    if (!allowed(true)) return;
    if (!features_.init_message) {
        emit(out_, features_.dialect, error_, message_tag::hello, 1,
             [&](encoder& enc) { enc.write(extra); });
        return;
    }
    // INIT(user_agent, auth): the auth token is everything in extra but the user agent.
    const value* agent = extra.find("user_agent");
    const std::string* agent_text = agent ? agent->get_if<std::string>() : nullptr;
    if (!agent_text) {
        error_ = protocol_errc::wrong_field_type;
        return;
    }
    std::size_t auth_entries = 0;
    for (const auto& entry : extra) auth_entries += entry.first != "user_agent";
    emit(out_, features_.dialect, error_, message_tag::hello, 2, [&](encoder& enc) {
        enc.write_string(*agent_text);
        enc.write_map_header(auth_entries);
        for (const auto& [k, v] : extra) {
            if (k == "user_agent") continue;
            enc.write_string(k);
            enc.write(v);
        }
    });
}

void request_writer::logon(const map& auth) {
    if (!allowed(features_.logon_message)) return;
    emit(out_, features_.dialect, error_, message_tag::logon, 1,
         [&](encoder& enc) { enc.write(auth); });
}

void request_writer::logoff() {
    if (!allowed(features_.logon_message)) return;
    emit(out_, features_.dialect, error_, message_tag::logoff, 0, no_fields);
}

void request_writer::goodbye() {
    if (!allowed(features_.explicit_transactions)) return;
    emit(out_, features_.dialect, error_, message_tag::goodbye, 0, no_fields);
}

void request_writer::reset() {
    if (!allowed(true)) return;
    emit(out_, features_.dialect, error_, message_tag::reset, 0, no_fields);
}

void request_writer::ack_failure() {
    if (!allowed(features_.ack_failure)) return;
    emit(out_, features_.dialect, error_, message_tag::ack_failure, 0, no_fields);
}

void request_writer::run(std::string_view query, const map& params, const map& extra) {
    const bool has_extra = features_.explicit_transactions;
    if (!allowed(has_extra || extra.empty())) return;
    emit(out_, features_.dialect, error_, message_tag::run, has_extra ? 3 : 2, [&](encoder& enc) {
        enc.write_string(query);
        enc.write(params);
        if (has_extra) enc.write(extra);
    });
}

void request_writer::begin(const map& extra) {
    if (!allowed(features_.explicit_transactions)) return;
    emit(out_, features_.dialect, error_, message_tag::begin, 1,
         [&](encoder& enc) { enc.write(extra); });
}

void request_writer::commit() {
    if (!allowed(features_.explicit_transactions)) return;
    emit(out_, features_.dialect, error_, message_tag::commit, 0, no_fields);
}

void request_writer::rollback() {
    if (!allowed(features_.explicit_transactions)) return;
    emit(out_, features_.dialect, error_, message_tag::rollback, 0, no_fields);
}

void request_writer::pull(std::int64_t n, std::int64_t qid) {
    if (!allowed(features_.pull_n_qid || (n == -1 && qid == -1))) return;
    if (!features_.pull_n_qid) {
        emit(out_, features_.dialect, error_, message_tag::pull, 0, no_fields);
        return;
    }
    emit(out_, features_.dialect, error_, message_tag::pull, 1,
         [&](encoder& enc) { write_pull_extra(enc, n, qid); });
}

void request_writer::discard(std::int64_t n, std::int64_t qid) {
    if (!allowed(features_.pull_n_qid || (n == -1 && qid == -1))) return;
    if (!features_.pull_n_qid) {
        emit(out_, features_.dialect, error_, message_tag::discard, 0, no_fields);
        return;
    }
    emit(out_, features_.dialect, error_, message_tag::discard, 1,
         [&](encoder& enc) { write_pull_extra(enc, n, qid); });
}

void request_writer::route(const map& routing, const list& bookmarks,
                           const std::optional<std::string>& db,
                           const std::optional<std::string>& imp_user) {
    const route_layout layout = features_.route;
    if (!allowed(layout == route_layout::extra_dict ||
                 (layout == route_layout::db_string && !imp_user)))
        return;
    emit(out_, features_.dialect, error_, message_tag::route, 3, [&](encoder& enc) {
        enc.write(routing);
        enc.write(bookmarks);
        if (layout == route_layout::db_string) {
            if (db) enc.write_string(*db); else enc.write_null();
            return;
        }
        enc.write_map_header((db ? 1 : 0) + (imp_user ? 1 : 0));
        if (db) {
            enc.write_string("db");
            enc.write_string(*db);
        }
        if (imp_user) {
            enc.write_string("imp_user");
            enc.write_string(*imp_user);
        }
    });
}

void request_writer::telemetry(std::int64_t api) {
    if (!allowed(features_.telemetry)) return;
    emit(out_, features_.dialect, error_, message_tag::telemetry, 1,
         [&](encoder& enc) { enc.write_int(api); });
}

// ---- response_writer ---------------------------------------------------------------------------

void response_writer::success(const map& metadata) {
    emit(out_, dialect_, error_, message_tag::success, 1, [&](encoder& enc) { enc.write(metadata); });
}

void response_writer::record(const list& fields) {
    record(std::span<const value>(fields));
}

void response_writer::record(std::span<const value> fields) {
    emit(out_, dialect_, error_, message_tag::record, 1, [&](encoder& enc) {
        enc.write_list_header(fields.size());
        for (const value& v : fields) enc.write(v);
    });
}

void response_writer::ignored() {
    emit(out_, dialect_, error_, message_tag::ignored, 0, no_fields);
}

void response_writer::failure(const map& metadata) {
    emit(out_, dialect_, error_, message_tag::failure, 1, [&](encoder& enc) { enc.write(metadata); });
}

// ---- decode_response ---------------------------------------------------------------------------

std::error_code decode_response(byte_view message, packstream::dialect d,
                                const packstream::limits& l, response& out, std::string* detail) {
    header h;
    if (auto ec = read_header(message, h, detail)) return ec;
    const byte_view fields = message.subspan(struct_header_size);
    const auto count_error = [&](std::uint8_t expected) {
        return fail(protocol_errc::wrong_field_count, detail,
                    tag_name(h.tag) + " has " + std::to_string(h.fields) + " fields, expected " +
                        std::to_string(expected));
    };
    switch (static_cast<message_tag>(h.tag)) {
        case message_tag::success:
        case message_tag::failure: {
            if (h.fields != 1) return count_error(1);
            field_reader r(fields, d, l, h.tag, detail);
            map metadata;
            if (auto ec = r.read_map("field 'metadata'", metadata)) return ec;
            if (auto ec = r.finish()) return ec;
            if (h.tag == static_cast<std::uint8_t>(message_tag::success))
                out.emplace<success_message>(success_message{std::move(metadata)});
            else
                out.emplace<failure_message>(failure_message{std::move(metadata)});
            return {};
        }
        case message_tag::record: {
            if (h.fields != 1) return count_error(1);
            // Keep the row vector of a previous RECORD: streams of rows reuse one allocation.
            if (!std::holds_alternative<record_message>(out)) out.emplace<record_message>();
            return decode_record(fields, d, l, std::get<record_message>(out).fields, detail);
        }
        case message_tag::ignored: {
            if (h.fields != 0) return count_error(0);
            if (!fields.empty())
                return fail(protocol_errc::trailing_bytes, detail,
                            "IGNORED: " + std::to_string(fields.size()) + " bytes after the header");
            out.emplace<ignored_message>();
            return {};
        }
        default:
            return fail(protocol_errc::unknown_message, detail,
                        "unknown response signature " + hex(h.tag) + " (" + tag_name(h.tag) + ")");
    }
}

message_tag tag_of(const response& r) {
    static constexpr message_tag tags[] = {message_tag::success, message_tag::record,
                                           message_tag::ignored, message_tag::failure};
    return tags[r.index()];
}

// ---- decode_request ----------------------------------------------------------------------------

std::error_code decode_request(byte_view message, const protocol_features& f,
                               const packstream::limits& l, request& out, std::string* detail) {
    header h;
    if (auto ec = read_header(message, h, detail)) return ec;
    const byte_view fields = message.subspan(struct_header_size);
    field_reader r(fields, f.dialect, l, h.tag, detail);
    const auto not_in = [&]() {
        return fail(protocol_errc::not_in_version, detail,
                    tag_name(h.tag) + " does not exist in Bolt " + f.version.to_string());
    };
    const auto count = [&](std::uint8_t expected) { return check_count(h, expected, f, detail); };
    const auto empty_message = [&](auto made) -> std::error_code {
        if (auto ec = count(0)) return ec;
        if (auto ec = r.finish()) return ec;
        out = made;
        return {};
    };

    switch (static_cast<message_tag>(h.tag)) {
        case message_tag::hello: {
            hello_request m;
            if (!f.init_message) {
                if (auto ec = count(1)) return ec;
                if (auto ec = r.read_map("field 'extra'", m.extra)) return ec;
            } else {
                // INIT(user_agent, auth) → HELLO-shaped extra {user_agent, auth...}.
                if (auto ec = count(2)) return ec;
                std::string agent;
                map auth;
                if (auto ec = r.read_string("field 'user_agent'", agent)) return ec;
                if (auto ec = r.read_map("field 'auth'", auth)) return ec;
                m.extra.reserve(auth.size() + 1);
                m.extra.append("user_agent", value(std::move(agent)));
                // The real user agent wins over a stray auth key of the same name.
                for (auto& [k, v] : auth)
                    if (k != "user_agent") m.extra.append(std::move(k), std::move(v));
            }
            if (auto ec = r.finish()) return ec;
            out = std::move(m);
            return {};
        }
        case message_tag::logon: {
            if (!f.logon_message) return not_in();
            if (auto ec = count(1)) return ec;
            logon_request m;
            if (auto ec = r.read_map("field 'auth'", m.auth)) return ec;
            if (auto ec = r.finish()) return ec;
            out = std::move(m);
            return {};
        }
        case message_tag::logoff:
            if (!f.logon_message) return not_in();
            return empty_message(logoff_request{});
        case message_tag::goodbye:
            if (!f.explicit_transactions) return not_in();
            return empty_message(goodbye_request{});
        case message_tag::reset:
            return empty_message(reset_request{});
        case message_tag::ack_failure:
            if (!f.ack_failure) return not_in();
            return empty_message(ack_failure_request{});
        case message_tag::commit:
            if (!f.explicit_transactions) return not_in();
            return empty_message(commit_request{});
        case message_tag::rollback:
            if (!f.explicit_transactions) return not_in();
            return empty_message(rollback_request{});
        case message_tag::run: {
            if (auto ec = count(f.explicit_transactions ? 3 : 2)) return ec;
            // Decode in place: a RUN can carry a large parameter batch, so nothing is copied.
            run_request& m = out.emplace<run_request>();
            if (auto ec = r.read_string("field 'query'", m.query)) return ec;
            if (auto ec = r.read_map("field 'parameters'", m.parameters)) return ec;
            if (f.explicit_transactions)
                if (auto ec = r.read_map("field 'extra'", m.extra)) return ec;
            return r.finish();
        }
        case message_tag::begin: {
            if (!f.explicit_transactions) return not_in();
            if (auto ec = count(1)) return ec;
            begin_request m;
            if (auto ec = r.read_map("field 'extra'", m.extra)) return ec;
            if (auto ec = r.finish()) return ec;
            out = std::move(m);
            return {};
        }
        case message_tag::pull:
        case message_tag::discard: {
            std::int64_t n = -1, qid = -1;
            if (f.pull_n_qid) {
                if (auto ec = count(1)) return ec;
                map extra;
                if (auto ec = r.read_map("field 'extra'", extra)) return ec;
                if (auto ec = r.take_int("n", extra, n)) return ec;
                if (auto ec = r.take_int("qid", extra, qid)) return ec;
            } else if (auto ec = count(0)) {
                return ec;
            }
            if (auto ec = r.finish()) return ec;
            if (h.tag == static_cast<std::uint8_t>(message_tag::pull))
                out = pull_request{n, qid};
            else
                out = discard_request{n, qid};
            return {};
        }
        case message_tag::route: {
            if (f.route == route_layout::none) return not_in();
            if (auto ec = count(3)) return ec;
            route_request m;
            if (auto ec = r.read_map("field 'routing'", m.routing)) return ec;
            if (auto ec = r.read_list("field 'bookmarks'", m.bookmarks)) return ec;
            if (f.route == route_layout::db_string) {
                if (auto ec = r.read_optional_string("field 'db'", m.db)) return ec;
            } else {
                map extra;
                if (auto ec = r.read_map("field 'extra'", extra)) return ec;
                if (auto ec = r.take_string("db", extra, m.db)) return ec;
                if (auto ec = r.take_string("imp_user", extra, m.imp_user)) return ec;
            }
            if (auto ec = r.finish()) return ec;
            out = std::move(m);
            return {};
        }
        case message_tag::telemetry: {
            if (!f.telemetry) return not_in();
            if (auto ec = count(1)) return ec;
            telemetry_request m;
            if (auto ec = r.read_int("field 'api'", m.api)) return ec;
            if (auto ec = r.finish()) return ec;
            out = m;
            return {};
        }
        case message_tag::success:
        case message_tag::record:
        case message_tag::ignored:
        case message_tag::failure:
            break;
    }
    return fail(protocol_errc::unknown_message, detail,
                "unknown request signature " + hex(h.tag) + " (" + tag_name(h.tag) + ")");
}

message_tag tag_of(const request& r) {
    static constexpr message_tag tags[] = {
        message_tag::hello,    message_tag::logon,   message_tag::logoff,   message_tag::goodbye,
        message_tag::reset,    message_tag::run,     message_tag::begin,    message_tag::commit,
        message_tag::rollback, message_tag::discard, message_tag::pull,     message_tag::route,
        message_tag::telemetry, message_tag::ack_failure};
    return tags[r.index()];
}

}  // namespace bolt
