// The Bolt version handshake, both sides, as pure functions over the 20-byte request and the
// 4-byte reply. The connection layer does the reading and writing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "bolt/protocol.hpp"

namespace bolt {

inline constexpr std::array<std::uint8_t, 4> bolt_magic{0x60, 0x60, 0xB0, 0x17};
inline constexpr std::size_t handshake_request_size = 20;
inline constexpr std::size_t handshake_response_size = 4;

/// One proposal slot: `newest` and the `back` minor versions below it (4.3+ range byte).
/// {5.4, 4} proposes 5.4, 5.3, 5.2, 5.1 and 5.0.
struct version_range {
    protocol_version newest;
    std::uint8_t back = 0;
    friend constexpr bool operator==(const version_range&, const version_range&) = default;
};

/// What this client proposes: 5.4..5.0, 4.4..4.2, 4.1 and an empty fourth slot. Memgraph answers
/// 5.2 (or 4.4/4.3/4.1 on older releases), Neo4j 5.x up to 5.4.
inline constexpr std::array<version_range, 3> default_proposal{{
    {{5, 4}, 4},
    {{4, 4}, 2},
    {{4, 1}, 0},
}};

/// Magic plus four big-endian slots `00 back minor major`. Only the first four ranges are used;
/// unused slots are `00 00 00 00`. `back` is clamped to `newest.minor`: a range cannot span majors.
std::array<std::uint8_t, handshake_request_size> make_handshake_request(
    std::span<const version_range> proposals = default_proposal);

/// The server's choice, or nullopt when it sent `00 00 00 00` (no match) or anything that is not
/// a plain version (`00 00 minor major` with major != 0; a manifest reply `00 00 01 FF` counts as
/// not plain, since this client never proposes the manifest).
std::optional<protocol_version> parse_handshake_response(std::span<const std::uint8_t, 4> response);

/// When the 4 bytes a server answered the handshake with are not a Bolt reply but the start of
/// another protocol, what that server is ("an HTTP server", "a TLS server: use bolt+s:// or
/// bolt+ssc://", ...); nullopt when they do not look like anything known.
std::optional<std::string> recognise_non_bolt_reply(std::span<const std::uint8_t, 4> response);

/// True when `v` lies in one of the first four `proposals` (check the server chose something we
/// offered before trusting it).
bool proposal_covers(std::span<const version_range> proposals, protocol_version v);

enum class negotiation_status : std::uint8_t {
    agreed,     // reply `response` and speak `version`
    no_match,   // reply `response` (00 00 00 00) and close
    bad_magic,  // not a Bolt client: close without replying
};

struct negotiation_result {
    negotiation_status status = negotiation_status::bad_magic;
    protocol_version version;                 // valid when agreed
    std::array<std::uint8_t, 4> response{};   // 00 00 minor major, or zeros
};

/// The server side. Checks the magic, then walks the four slots in the client's order; within a
/// slot tries newest first down the range. Like Memgraph it skips the manifest slot `00 00 01 FF`
/// (any major 0xFF) and stops at the first all-zero slot. `supported` may be in any order.
negotiation_result negotiate(std::span<const std::uint8_t, handshake_request_size> request,
                             std::span<const protocol_version> supported);

}  // namespace bolt
