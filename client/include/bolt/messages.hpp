// Bolt messages in both directions, version-correct, sans-I/O: writers append chunked messages to
// a caller's buffer, decoders turn one dechunked message (from message_reader) into a struct.
// The client uses request_writer + decode_response; the embedded server the other two.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include "bolt/packstream.hpp"
#include "bolt/protocol.hpp"
#include "bolt/value.hpp"

namespace bolt {

// ---- client → server ---------------------------------------------------------------------------

/// Appends requests, each encoded once straight into `out` and chunked in place. Errors are sticky
/// (like packstream::encoder): after the first one nothing more is written, and the failed message
/// leaves no bytes behind. A message the version does not have is protocol_errc::not_in_version.
class request_writer {
public:
    request_writer(buffer& out, protocol_version v) : request_writer(out, features_for(v)) {}
    request_writer(buffer& out, const protocol_features& f) : out_(out), features_(f) {}

    /// HELLO(extra); on Bolt 1-2 INIT(extra.user_agent, the rest of extra as the auth token).
    void hello(const map& extra);
    void logon(const map& auth);  // 5.1+
    void logoff();                // 5.1+
    void goodbye();               // 3+
    void reset();
    void ack_failure();           // 1-2 only
    /// RUN(query, params, extra); before 3.0 there is no extra, so it must be empty.
    void run(std::string_view query, const map& params, const map& extra);
    void begin(const map& extra);  // 3+
    void commit();                 // 3+
    void rollback();               // 3+
    /// 4.0+: {n, qid} with qid left out when -1. Before 4.0 PULL_ALL, so only n = -1, qid = -1.
    void pull(std::int64_t n, std::int64_t qid = -1);
    void discard(std::int64_t n, std::int64_t qid = -1);
    /// 4.3: (routing, bookmarks, db or null), imp_user not allowed; 4.4+: (routing, bookmarks,
    /// {db?, imp_user?}).
    void route(const map& routing, const list& bookmarks, const std::optional<std::string>& db,
               const std::optional<std::string>& imp_user);
    void telemetry(std::int64_t api);  // 5.4+

    std::error_code error() const { return error_; }
    const protocol_features& features() const { return features_; }

private:
    bool allowed(bool available);

    buffer& out_;
    protocol_features features_;
    std::error_code error_;
};

// ---- server → client ---------------------------------------------------------------------------

struct success_message {
    map metadata;
    friend bool operator==(const success_message&, const success_message&) = default;
};
struct record_message {
    list fields;
    friend bool operator==(const record_message&, const record_message&) = default;
};
struct ignored_message {
    friend bool operator==(const ignored_message&, const ignored_message&) = default;
};
struct failure_message {
    map metadata;
    friend bool operator==(const failure_message&, const failure_message&) = default;
};
using response = std::variant<success_message, record_message, ignored_message, failure_message>;

/// Decodes one dechunked response. When `out` already holds a record_message its field vector is
/// reused (RECORD streams decode without reallocating the row). On error `out` is unspecified.
/// `detail`, when given, receives a human-readable account of a message-level error.
std::error_code decode_response(byte_view message, packstream::dialect d,
                                const packstream::limits& l, response& out,
                                std::string* detail = nullptr);

message_tag tag_of(const response& r);

/// Appends responses, chunked; sticky errors like request_writer.
class response_writer {
public:
    response_writer(buffer& out, protocol_version v) : response_writer(out, features_for(v)) {}
    response_writer(buffer& out, const protocol_features& f) : out_(out), dialect_(f.dialect) {}
    response_writer(buffer& out, packstream::dialect d) : out_(out), dialect_(d) {}

    void success(const map& metadata);
    void record(const list& fields);
    void record(std::span<const value> fields);
    void ignored();
    void failure(const map& metadata);

    std::error_code error() const { return error_; }

private:
    buffer& out_;
    packstream::dialect dialect_;
    std::error_code error_;
};

// ---- requests as the server sees them ----------------------------------------------------------

/// HELLO; an INIT (Bolt 1-2) arrives folded into the same shape: extra = {user_agent, auth...}.
struct hello_request {
    map extra;
    friend bool operator==(const hello_request&, const hello_request&) = default;
};
struct logon_request {
    map auth;
    friend bool operator==(const logon_request&, const logon_request&) = default;
};
struct logoff_request {
    friend bool operator==(const logoff_request&, const logoff_request&) = default;
};
struct goodbye_request {
    friend bool operator==(const goodbye_request&, const goodbye_request&) = default;
};
struct reset_request {
    friend bool operator==(const reset_request&, const reset_request&) = default;
};
struct run_request {
    std::string query;
    map parameters;
    map extra;  // empty before 3.0
    friend bool operator==(const run_request&, const run_request&) = default;
};
struct begin_request {
    map extra;
    friend bool operator==(const begin_request&, const begin_request&) = default;
};
struct commit_request {
    friend bool operator==(const commit_request&, const commit_request&) = default;
};
struct rollback_request {
    friend bool operator==(const rollback_request&, const rollback_request&) = default;
};
/// n = -1: all; qid = -1: the last query. Absent keys (and pre-4.0 DISCARD_ALL) give the defaults.
struct discard_request {
    std::int64_t n = -1;
    std::int64_t qid = -1;
    friend bool operator==(const discard_request&, const discard_request&) = default;
};
struct pull_request {
    std::int64_t n = -1;
    std::int64_t qid = -1;
    friend bool operator==(const pull_request&, const pull_request&) = default;
};
/// A null db / imp_user is the same as an absent one.
struct route_request {
    map routing;
    list bookmarks;
    std::optional<std::string> db;
    std::optional<std::string> imp_user;  // 4.4+
    friend bool operator==(const route_request&, const route_request&) = default;
};
struct telemetry_request {
    std::int64_t api = 0;
    friend bool operator==(const telemetry_request&, const telemetry_request&) = default;
};
struct ack_failure_request {
    friend bool operator==(const ack_failure_request&, const ack_failure_request&) = default;
};

using request = std::variant<hello_request, logon_request, logoff_request, goodbye_request,
                             reset_request, run_request, begin_request, commit_request,
                             rollback_request, discard_request, pull_request, route_request,
                             telemetry_request, ack_failure_request>;

/// Decodes one dechunked request with the layouts of the negotiated version. Wrong field counts
/// or types are protocol_errc errors; `detail` then names the message and the field.
std::error_code decode_request(byte_view message, const protocol_features& f,
                               const packstream::limits& l, request& out,
                               std::string* detail = nullptr);
inline std::error_code decode_request(byte_view message, protocol_version v,
                                      const packstream::limits& l, request& out,
                                      std::string* detail = nullptr) {
    return decode_request(message, features_for(v), l, out, detail);
}

message_tag tag_of(const request& r);

}  // namespace bolt
