// UTF-8 validation for Bolt strings: PackStream strings must be UTF-8 (strict drivers and real
// servers refuse anything else), so the codec and the CSV loader check text before it becomes a
// string value. Inline, with an ASCII fast path, because both run it on every string of a row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bolt {

namespace detail {

/// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. Returns
/// the offset of the first byte of the first invalid sequence, or `s.size()` when all is valid.
inline std::size_t utf8_scan_multibyte(const unsigned char* s, std::size_t n, std::size_t i) {
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;  // the second byte's range; later bytes are 80..BF
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;       // overlong
            else if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;       // overlong
            else if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return i;
        }
        if (n - i < len) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (std::size_t k = 2; k < len; ++k)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += len;
    }
    return n;
}

}  // namespace detail

/// Offset of the first byte that is not part of valid UTF-8, or `text.size()` when the whole text
/// is valid. ASCII, most of what rows hold, is one branch-free OR over the bytes (the compiler
/// vectorises it); only text with a high bit set is decoded sequence by sequence.
inline std::size_t utf8_invalid_at(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    unsigned char any = 0;
    for (std::size_t i = 0; i < n; ++i) any |= s[i];
    if (!(any & 0x80)) [[likely]]
        return n;
    std::size_t i = 0;
    while (s[i] < 0x80) ++i;
    return detail::utf8_scan_multibyte(s, n, i);
}

inline bool is_valid_utf8(std::string_view text) { return utf8_invalid_at(text) == text.size(); }

}  // namespace bolt
