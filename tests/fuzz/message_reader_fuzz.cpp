// Fuzzes the receive path: bytes → message_reader (in read sizes derived from the input) →
// decode_response and decode_request under several versions, with tight limits. Checks that the
// split of the reads never changes what comes out, and that whatever decodes re-encodes stably.
// Input: byte 0 picks the read pattern, the rest is the stream.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include "bolt/chunking.hpp"
#include "bolt/messages.hpp"
#include "bolt/protocol.hpp"

namespace {

using namespace bolt;

void check(bool ok) {
    if (!ok) std::abort();
}

constexpr std::size_t max_message = 1u << 17;

packstream::limits tight_limits() {
    packstream::limits l;
    l.max_depth = 16;
    l.max_string_bytes = 4096;
    l.max_container_items = 1024;
    return l;
}

struct reads {
    std::vector<buffer> messages;
    std::error_code error;
};

/// All at once: the reference the split reads are compared with.
reads read_whole(const std::uint8_t* data, std::size_t size) {
    reads out;
    message_reader reader(max_message);
    auto space = reader.prepare(size);
    std::copy(data, data + size, space.begin());
    reader.commit(size);
    while (auto m = reader.next(out.error)) out.messages.emplace_back(m->begin(), m->end());
    return out;
}

/// In reads whose sizes (and prepare() requests) come from a generator seeded by `mode`.
reads read_split(const std::uint8_t* data, std::size_t size, std::uint8_t mode) {
    reads out;
    message_reader reader(max_message);
    std::uint32_t state = 0x9E3779B9u ^ (mode * 0x01000193u) ^ static_cast<std::uint32_t>(size);
    const auto next_random = [&state] {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    };
    const std::size_t cap = std::size_t{1} << (mode % 13);  // 1 .. 4096 bytes per read
    std::size_t at = 0;
    while (at < size) {
        const std::size_t want = 1 + next_random() % cap;
        const std::size_t ask = (mode & 0x80) ? 1 : want;  // sometimes ask prepare() for little
        auto space = reader.prepare(ask);
        check(space.size() >= ask);
        const std::size_t n = std::min({want, space.size(), size - at});
        std::copy(data + at, data + at + n, space.begin());
        reader.commit(n);
        at += n;
        while (auto m = reader.next(out.error)) out.messages.emplace_back(m->begin(), m->end());
        if (out.error) break;
    }
    return out;
}

void write_request(request_writer& w, const request& r) {
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, hello_request>) w.hello(m.extra);
            else if constexpr (std::is_same_v<T, logon_request>) w.logon(m.auth);
            else if constexpr (std::is_same_v<T, logoff_request>) w.logoff();
            else if constexpr (std::is_same_v<T, goodbye_request>) w.goodbye();
            else if constexpr (std::is_same_v<T, reset_request>) w.reset();
            else if constexpr (std::is_same_v<T, run_request>) w.run(m.query, m.parameters, m.extra);
            else if constexpr (std::is_same_v<T, begin_request>) w.begin(m.extra);
            else if constexpr (std::is_same_v<T, commit_request>) w.commit();
            else if constexpr (std::is_same_v<T, rollback_request>) w.rollback();
            else if constexpr (std::is_same_v<T, discard_request>) w.discard(m.n, m.qid);
            else if constexpr (std::is_same_v<T, pull_request>) w.pull(m.n, m.qid);
            else if constexpr (std::is_same_v<T, route_request>)
                w.route(m.routing, m.bookmarks, m.db, m.imp_user);
            else if constexpr (std::is_same_v<T, telemetry_request>) w.telemetry(m.api);
            else w.ack_failure();
        },
        r);
}

void write_response(response_writer& w, const response& r) {
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, success_message>) w.success(m.metadata);
            else if constexpr (std::is_same_v<T, record_message>) w.record(m.fields);
            else if constexpr (std::is_same_v<T, ignored_message>) w.ignored();
            else w.failure(m.metadata);
        },
        r);
}

/// The one dechunked message inside a freshly written buffer.
buffer dechunk(const buffer& chunked) {
    message_reader reader(max_message * 4);
    auto space = reader.prepare(chunked.size());
    std::copy(chunked.begin(), chunked.end(), space.begin());
    reader.commit(chunked.size());
    std::error_code ec;
    auto m = reader.next(ec);
    check(m.has_value() && !ec);
    buffer out(m->begin(), m->end());
    check(!reader.next(ec) && !ec && reader.buffered() == 0);
    return out;
}

/// Whatever decodes must re-encode, and re-encoding the re-decoded value gives the same bytes.
void check_request(byte_view message, const protocol_features& f, const packstream::limits& l) {
    request r;
    std::string detail;
    if (decode_request(message, f, l, r, &detail)) return;
    buffer once;
    request_writer w1(once, f);
    write_request(w1, r);
    check(!w1.error());
    const buffer inner = dechunk(once);
    request again;
    check(!decode_request(inner, f, packstream::limits{}, again));
    buffer twice;
    request_writer w2(twice, f);
    write_request(w2, again);
    check(!w2.error() && once == twice);
}

void check_response(byte_view message, packstream::dialect d, const packstream::limits& l,
                    response& reused) {
    // Decode twice: once into fresh storage, once into the caller's (maybe holding a record).
    response fresh;
    const std::error_code a = decode_response(message, d, l, fresh);
    const std::error_code b = decode_response(message, d, l, reused);
    check(a == b);
    if (a) return;
    buffer once, from_reused;
    response_writer w1(once, d);
    write_response(w1, fresh);
    response_writer w0(from_reused, d);
    write_response(w0, reused);
    check(!w1.error() && !w0.error() && once == from_reused);
    response again;
    check(!decode_response(dechunk(once), d, packstream::limits{}, again));
    buffer twice;
    response_writer w2(twice, d);
    write_response(w2, again);
    check(!w2.error() && once == twice);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t mode = data[0];
    ++data;
    --size;

    const reads whole = read_whole(data, size);
    const reads split = read_split(data, size, mode);
    // How the bytes were cut must not matter: same messages; the same error unless the split
    // reader stopped early on it.
    check(split.error == whole.error);
    check(split.messages == whole.messages);

    const packstream::limits limits = tight_limits();
    static const protocol_version versions[] = {{1, 0}, {3, 0}, {4, 0}, {4, 3},
                                                {4, 4}, {5, 0}, {5, 2}, {5, 4}};
    response reused;
    for (const buffer& m : whole.messages) {
        for (packstream::dialect d : {packstream::dialect{false, false}, packstream::dialect{true, true},
                                      packstream::dialect{false, true}})
            check_response(m, d, limits, reused);
        for (protocol_version v : versions) check_request(m, features_for(v), limits);
        check_request(m, features_for({4, 4}, true), limits);
    }
    return 0;
}
