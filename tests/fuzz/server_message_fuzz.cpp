// Fuzzes the embedded server's message handling: arbitrary bytes as one connection's input
// (handshake, then chunked messages) through the sans-I/O connection_state, in read sizes derived
// from the input, with no sockets. Checks that nothing crashes, that the split of the reads never
// changes what the server answers, that everything it answers decodes, and that a closed
// connection stays closed.
// Input: byte 0 picks the read pattern; byte 1 picks a prelude (0: none, the input carries its own
// handshake; 1: a 5.4..5.0 proposal; 2: 4.4 only; 3: 5.4..5.0 plus HELLO and LOGON) and, with bit
// 2, turns faults on; the rest is the stream.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "bolt/chunking.hpp"
#include "bolt/handshake.hpp"
#include "bolt/messages.hpp"
#include "server/bolt/connection_state.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

server::bolt::connection_settings make_settings(bool faults) {
    server::bolt::connection_settings s;
    s.limits.max_message_bytes = 1u << 16;
    s.limits.values.max_depth = 16;
    s.limits.values.max_string_bytes = 4096;
    s.limits.values.max_container_items = 1024;
    if (faults) {
        s.faults.seed = 5;
        s.faults.transient_error_probability = 0.5;
        s.faults.drop_probability = 0.02;
        s.faults.latency_ms = 1;
        s.faults.stall_after_messages = 3;
        s.faults.stall_ms = 1;
    }
    return s;
}

struct outcome {
    bolt::buffer out;
    bool closed = false;
};

outcome run(const bolt::buffer& stream, std::uint8_t mode, bool faults) {
    server::query::database db;
    const auto settings = make_settings(faults);
    server::bolt::connection_state c(db, settings, 1);
    outcome result;
    std::uint32_t state = 0x9E3779B9u ^ (mode * 0x01000193u) ^ static_cast<std::uint32_t>(stream.size());
    const auto next_size = [&]() -> std::size_t {
        if (mode == 0) return stream.size();  // everything at once
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return 1 + state % (mode % 2 ? 7 : 300);
    };
    std::size_t at = 0;
    // Every step consumes input or asks for more: a bounded number of them must finish.
    const std::size_t max_steps = 4 * stream.size() + 1000;
    std::size_t steps = 0;
    while (!result.closed) {
        check(steps < max_steps);
        if (at < stream.size()) {
            const std::size_t n = std::min(next_size(), stream.size() - at);
            c.feed({stream.data() + at, n});
            at += n;
        } else {
            c.end_of_input();
        }
        for (; steps < max_steps; ++steps) {
            const auto a = c.step();
            if (a.close) {
                result.closed = true;
                break;
            }
            if (a.need_input) break;
        }
        result.out.insert(result.out.end(), c.output().begin(), c.output().end());
        c.clear_output();
    }
    if (result.closed) {
        check(c.phase() == server::bolt::connection_phase::defunct);
        check(c.step().close);  // stays closed
        check(c.output().empty());
    }
    return result;
}

/// Everything after the 4-byte handshake reply must be whole, decodable responses. Returns their
/// shape (message kinds, metadata keys, FAILURE codes and messages, record widths), which two
/// runs of the same input must share.
std::vector<bolt::response> normalized(const bolt::buffer& out) {
    std::vector<bolt::response> responses;
    if (out.size() < 4) return responses;
    const bolt::protocol_version v{out[3], out[2]};
    if (v.major == 0) {
        check(out.size() == 4);
        return responses;
    }
    // The utc patch may switch 4.4's dialect mid-stream; one of the two must decode it all.
    for (bool utc : {false, true}) {
        responses.clear();
        const auto f = bolt::features_for(v, utc);
        bolt::message_reader reader(1u << 26);
        auto space = reader.prepare(out.size());
        std::copy(out.begin() + 4, out.end(), space.begin());
        reader.commit(out.size() - 4);
        std::error_code ec;
        bool ok = true;
        while (auto m = reader.next(ec)) {
            bolt::response r;
            if (bolt::decode_response(*m, f.dialect, {}, r)) {
                ok = false;
                break;
            }
            // Keep the shape only: values may depend on the clock (timings, datetime()).
            if (auto* s = std::get_if<bolt::success_message>(&r)) {
                bolt::map keys;
                for (const auto& [k, val] : s->metadata) keys.append(k, bolt::value());
                s->metadata = std::move(keys);
            } else if (auto* rec = std::get_if<bolt::record_message>(&r)) {
                rec->fields.assign(rec->fields.size(), bolt::value());
            }
            responses.push_back(std::move(r));
        }
        check(!ec);
        if (ok) {
            check(reader.buffered() == 0);
            return responses;
        }
    }
    check(false);
    return responses;
}

bolt::buffer prelude(std::uint8_t kind) {
    bolt::buffer out;
    if (kind == 0) return out;
    const bolt::version_range five[] = {{{5, 4}, 4}};
    const bolt::version_range four[] = {{{4, 4}, 0}};
    const auto hs = bolt::make_handshake_request(kind == 2 ? std::span<const bolt::version_range>(four)
                                                           : std::span<const bolt::version_range>(five));
    out.assign(hs.begin(), hs.end());
    if (kind == 3) {
        bolt::request_writer w(out, bolt::protocol_version{5, 4});
        w.hello({{"user_agent", "fuzz/1"}});
        w.logon({{"scheme", "none"}});
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t mode = data[0];
    const bool faults = (data[1] & 4) != 0;
    bolt::buffer stream = prelude(data[1] & 3);
    stream.insert(stream.end(), data + 2, data + size);

    const auto whole = run(stream, 0, faults);
    const auto reference = normalized(whole.out);
    if (mode != 0) {
        const auto split = run(stream, mode, faults);
        check(std::equal(split.out.begin(), split.out.begin() + std::min<std::size_t>(4, split.out.size()),
                         whole.out.begin(), whole.out.begin() + std::min<std::size_t>(4, whole.out.size())));
        check(normalized(split.out) == reference);
        check(split.closed == whole.closed);
    }
    return 0;
}
