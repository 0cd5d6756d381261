// PackStream v1: encoder and decoder for bolt::value. Sans-I/O: bytes in, values out.
// The decoder is the first thing hostile bytes meet, so it checks every length against the
// bytes left, bounds nesting depth and sizes, and reports errors as std::error_code; it never
// throws and never reads past its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "bolt/value.hpp"

namespace bolt {

using buffer = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

namespace packstream {

/// Markers and structure tags (PackStream v1, Bolt structure semantics).
namespace marker {
inline constexpr std::uint8_t null = 0xC0, float64 = 0xC1, false_ = 0xC2, true_ = 0xC3;
inline constexpr std::uint8_t int8 = 0xC8, int16 = 0xC9, int32 = 0xCA, int64 = 0xCB;
inline constexpr std::uint8_t bytes8 = 0xCC, bytes16 = 0xCD, bytes32 = 0xCE;
inline constexpr std::uint8_t tiny_string = 0x80, string8 = 0xD0, string16 = 0xD1, string32 = 0xD2;
inline constexpr std::uint8_t tiny_list = 0x90, list8 = 0xD4, list16 = 0xD5, list32 = 0xD6;
inline constexpr std::uint8_t tiny_map = 0xA0, map8 = 0xD8, map16 = 0xD9, map32 = 0xDA;
inline constexpr std::uint8_t tiny_struct = 0xB0;
}  // namespace marker

namespace tag {
inline constexpr std::uint8_t node = 0x4E, relationship = 0x52, unbound_relationship = 0x72,
                              path = 0x50, date = 0x44, time = 0x54, local_time = 0x74,
                              date_time = 0x49, date_time_zone_id = 0x69,
                              legacy_date_time = 0x46, legacy_date_time_zone_id = 0x66,
                              local_date_time = 0x64, duration = 0x45, point2d = 0x58,
                              point3d = 0x59;
}  // namespace tag

/// What the negotiated Bolt version changes in structure layouts.
struct dialect {
    bool element_ids = true;   // Bolt 5.0+: Node/Relationship/UnboundRelationship carry element ids
    bool utc_datetime = true;  // Bolt 5.0+ (or 4.4 with the "utc" patch): DateTime tags 0x49/0x69
    static dialect for_version(int major, int minor, bool utc_patch = false) {
        (void)minor;
        return dialect{major >= 5, major >= 5 || utc_patch};
    }
    friend bool operator==(const dialect&, const dialect&) = default;
};

/// Bounds the decoder enforces on untrusted input.
struct limits {
    /// The decoder recurses once per level, so the depth is capped whatever a caller asks for:
    /// 1,024 levels stay far inside a thread's stack even under AddressSanitizer.
    static constexpr std::uint32_t max_depth_cap = 1024;
    std::uint32_t max_depth = 64;                    // nested lists/maps/structures (≤ max_depth_cap)
    std::uint64_t max_string_bytes = 64u << 20;      // one string or byte array
    std::uint64_t max_container_items = 16u << 20;   // one list or map
};

enum class errc {
    ok = 0,
    truncated,          // input ended inside a value
    reserved_marker,    // C4-C7, CF, D3, D7, DB, DE, DF, E0-EF, or legacy DC/DD structs
    too_deep,           // nesting beyond limits::max_depth
    too_large,          // a length beyond the limits or beyond what the input can hold
    non_string_key,     // a map key that is not a string
    unknown_struct,     // a structure tag the dialect does not define
    bad_struct,         // a known structure with the wrong field count or field types
    trailing_bytes,     // bytes left after a value that should end the input
    size_overflow,      // encoder: a string, list or map too long for PackStream
    unrepresentable,    // encoder: a value the dialect cannot carry (zone-id date-time whose
                        // seconds would need a time-zone database to convert)
    not_a_structure,    // read_struct_header: the next value is not a structure
    invalid_utf8,       // a string (or map key) that is not valid UTF-8: Bolt strings are UTF-8
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

/// Appends PackStream to a caller-owned buffer. Errors are sticky (like the Go driver's packer):
/// write freely, then check error() once at the end.
/// The call that fails and every call after it leave the buffer unchanged.
class encoder {
public:
    explicit encoder(buffer& out, dialect d = {}) : out_(out), dialect_(d) {}

    void write(const value& v);
    void write_null();
    void write_bool(bool b);
    void write_int(std::int64_t i);
    void write_float(double d);
    void write_string(std::string_view s);
    void write_bytes(byte_view b);
    void write_list_header(std::size_t size);
    void write_map_header(std::size_t size);
    void write_struct_header(std::uint8_t tag, std::uint8_t fields);

    void write(const list& l);
    void write(const map& m);

    std::error_code error() const { return error_; }
    const dialect& structure_dialect() const { return dialect_; }

private:
    buffer& out_;
    dialect dialect_;
    std::error_code error_;
};

/// Reads PackStream values from a byte span, one after another.
class decoder {
public:
    explicit decoder(byte_view in, dialect d = {}, limits l = {}) : in_(in), dialect_(d), limits_(l) {}

    /// Reads one complete value. On error `out` is unspecified and the position is unspecified.
    /// Lists, maps, strings and bytes already in `out` are read over in place (their capacity is
    /// kept), so decoding message after message into one value stops allocating.
    std::error_code read(value& out);
    /// Reads a structure header (marker B0..BF and tag): used by the message layer.
    std::error_code read_struct_header(std::uint8_t& tag, std::uint8_t& fields);

    std::size_t position() const { return pos_; }
    std::size_t remaining() const { return in_.size() - pos_; }
    bool at_end() const { return pos_ == in_.size(); }

private:
    byte_view in_;
    std::size_t pos_ = 0;
    dialect dialect_;
    limits limits_;
    // Implementation helpers are free functions in packstream.cpp.
    friend struct decoder_access;
};

/// Convenience: encodes one value into a fresh buffer.
buffer encode(const value& v, dialect d = {});
/// Convenience: decodes exactly one value that must span the whole input (else trailing_bytes).
std::error_code decode(byte_view in, value& out, dialect d = {}, limits l = {});

}  // namespace packstream
}  // namespace bolt

template <>
struct std::is_error_code_enum<bolt::packstream::errc> : std::true_type {};
