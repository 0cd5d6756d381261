// Handshake request/response encoding and the server-side version negotiation.
#include "bolt/handshake.hpp"

#include <algorithm>
#include <string_view>

namespace bolt {

namespace {

constexpr std::size_t max_slots = 4;
constexpr std::uint8_t manifest_marker = 0xFF;

struct slot {
    std::uint8_t back, minor, major;
};

slot read_slot(std::span<const std::uint8_t, handshake_request_size> request, std::size_t i) {
    const std::size_t at = bolt_magic.size() + i * 4;  // byte `at` is reserved
    return {request[at + 1], request[at + 2], request[at + 3]};
}

}  // namespace

std::array<std::uint8_t, handshake_request_size> make_handshake_request(
    std::span<const version_range> proposals) {
    std::array<std::uint8_t, handshake_request_size> out{};
    std::copy(bolt_magic.begin(), bolt_magic.end(), out.begin());
    const std::size_t n = std::min(proposals.size(), max_slots);
    for (std::size_t i = 0; i < n; ++i) {
        const version_range& r = proposals[i];
        const std::size_t at = bolt_magic.size() + i * 4;
        out[at + 1] = std::min(r.back, r.newest.minor);
        out[at + 2] = r.newest.minor;
        out[at + 3] = r.newest.major;
    }
    return out;
}

std::optional<protocol_version> parse_handshake_response(std::span<const std::uint8_t, 4> response) {
    if (response[0] != 0 || response[1] != 0) return std::nullopt;
    if (response[3] == 0 || response[3] == manifest_marker) return std::nullopt;
    return protocol_version{response[3], response[2]};
}

std::optional<std::string> recognise_non_bolt_reply(std::span<const std::uint8_t, 4> r) {
    const auto starts = [&](std::string_view s) {
        return std::equal(s.begin(), s.end(), r.begin(), [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
    };
    if (starts("HTTP")) return std::string("an HTTP server (it answered \"HTTP...\")");
    if (starts("<")) return std::string("an HTTP or XML server (it answered \"<...\")");
    // A TLS record (alert 0x15, handshake 0x16) of version 3.x: the server wants TLS first.
    if ((r[0] == 0x15 || r[0] == 0x16) && r[1] == 0x03 && r[2] <= 0x04)
        return std::string("a TLS server, and this connection is not encrypted: use bolt+s:// (or bolt+ssc:// for "
                           "a self-signed certificate)");
    if (starts("SSH-")) return std::string("an SSH server");
    if (starts("-ERR") || starts("+OK") || starts("-DEN")) return std::string("a Redis or POP3 server");
    if (starts("220 ") || starts("220-")) return std::string("an SMTP or FTP server");
    // Printable ASCII is a text protocol's greeting or error, never a Bolt version.
    const bool text = std::all_of(r.begin(), r.end(), [](std::uint8_t b) { return b >= 0x20 && b < 0x7F; });
    if (text)
        return "a server speaking a text protocol (it answered \"" + std::string(r.begin(), r.end()) + "...\")";
    return std::nullopt;
}

bool proposal_covers(std::span<const version_range> proposals, protocol_version v) {
    const std::size_t n = std::min(proposals.size(), max_slots);
    for (std::size_t i = 0; i < n; ++i) {
        const version_range& r = proposals[i];
        const std::uint8_t back = std::min(r.back, r.newest.minor);
        if (v.major == r.newest.major && v.minor <= r.newest.minor &&
            v.minor >= r.newest.minor - back)
            return true;
    }
    return false;
}

negotiation_result negotiate(std::span<const std::uint8_t, handshake_request_size> request,
                             std::span<const protocol_version> supported) {
    negotiation_result result;
    if (!std::equal(bolt_magic.begin(), bolt_magic.end(), request.begin())) {
        result.status = negotiation_status::bad_magic;
        return result;
    }
    result.status = negotiation_status::no_match;
    const auto is_supported = [&](protocol_version v) {
        return std::find(supported.begin(), supported.end(), v) != supported.end();
    };
    for (std::size_t i = 0; i < max_slots; ++i) {
        const slot s = read_slot(request, i);
        if (s.major == 0 && s.minor == 0 && s.back == 0) break;  // unused: the rest are too
        if (s.major == 0 || s.major == manifest_marker) continue;
        // Newest first, as the client prefers; the range cannot reach below minor 0.
        const std::uint8_t back = std::min(s.back, s.minor);
        for (int minor = s.minor; minor >= s.minor - back; --minor) {
            const protocol_version v{s.major, static_cast<std::uint8_t>(minor)};
            if (is_supported(v)) {
                result.status = negotiation_status::agreed;
                result.version = v;
                result.response = {0, 0, v.minor, v.major};
                return result;
            }
        }
    }
    return result;
}

}  // namespace bolt
