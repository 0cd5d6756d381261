// Bolt protocol constants and what each protocol version changes on the wire, in one place, so
// the message codec, the handshake and the connection all ask the same table.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "bolt/packstream.hpp"

namespace bolt {

struct protocol_version {
    std::uint8_t major = 0;
    std::uint8_t minor = 0;
    friend constexpr auto operator<=>(const protocol_version&, const protocol_version&) = default;
    /// "5.2"
    std::string to_string() const;
};

/// Message signatures (the structure tag of each message).
enum class message_tag : std::uint8_t {
    hello = 0x01,  // INIT in Bolt 1-2
    goodbye = 0x02,
    ack_failure = 0x0E,
    reset = 0x0F,
    run = 0x10,
    begin = 0x11,
    commit = 0x12,
    rollback = 0x13,
    discard = 0x2F,  // DISCARD_ALL before 4.0
    pull = 0x3F,     // PULL_ALL before 4.0
    telemetry = 0x54,
    route = 0x66,
    logon = 0x6A,
    logoff = 0x6B,
    success = 0x70,
    record = 0x71,
    ignored = 0x7E,
    failure = 0x7F,
};

/// "RUN", "PULL", ...; "UNKNOWN" for other bytes.
std::string_view to_string(message_tag t);

/// How ROUTE carries the database (and the impersonated user).
enum class route_layout : std::uint8_t {
    none,        // before 4.3: no ROUTE message
    db_string,   // 4.3: (routing, bookmarks, db::String|null)
    extra_dict,  // 4.4+: (routing, bookmarks, {db?, imp_user?})
};

/// What a negotiated version changes. Built by features_for(); plain data so callers can branch
/// on a flag instead of comparing version numbers all over the code.
struct protocol_features {
    protocol_version version;
    bool init_message = false;          // 1-2: INIT(user_agent, auth) instead of HELLO(extra)
    bool ack_failure = false;           // 1-2: ACK_FAILURE leaves the FAILED state
    bool explicit_transactions = false; // 3+: BEGIN/COMMIT/ROLLBACK, GOODBYE, RUN extra
    bool pull_n_qid = false;            // 4.0+: PULL/DISCARD carry {n, qid}
    route_layout route = route_layout::none;  // 4.3+
    bool imp_user = false;              // 4.4+: impersonation in RUN/BEGIN/ROUTE
    bool element_ids = false;           // 5.0+
    bool utc_datetime = false;          // 5.0+, or 4.4 with the "utc" patch
    bool utc_patch_negotiable = false;  // 4.3-4.4: HELLO patch_bolt ["utc"] may switch it on
    bool logon_message = false;         // 5.1+: auth moves from HELLO to LOGON/LOGOFF
    bool notification_filters = false;  // 5.2+: notifications_minimum_severity & co.
    bool bolt_agent = false;            // 5.3+: HELLO must carry bolt_agent
    bool telemetry = false;             // 5.4+: TELEMETRY message
    packstream::dialect dialect{false, false};
    friend bool operator==(const protocol_features&, const protocol_features&) = default;
};

/// The feature set of `v`. `utc_patch` says the server accepted HELLO patch_bolt ["utc"]; it only
/// changes anything on 4.3/4.4 (5.0+ has UTC datetimes anyway; older versions cannot patch).
protocol_features features_for(protocol_version v, bool utc_patch = false);

/// Message-level errors: framing, signatures, field counts and types. PackStream errors inside a
/// message are reported with packstream::errc.
enum class protocol_errc {
    ok = 0,
    message_too_large,   // a dechunked message beyond message_reader's limit
    empty_message,       // a message with no bytes (cannot hold a structure)
    not_a_structure,     // a message must be one PackStream structure
    unknown_message,     // a signature that is not a message of this direction
    not_in_version,      // a message (or field) the negotiated version does not have
    wrong_field_count,   // the structure has the wrong number of fields
    wrong_field_type,    // a field (or a key inside an extra dict) has the wrong type
    trailing_bytes,      // bytes after the message's structure
};

const std::error_category& protocol_category();
std::error_code make_error_code(protocol_errc e);

}  // namespace bolt

template <>
struct std::is_error_code_enum<bolt::protocol_errc> : std::true_type {};
