// Bolt message framing: a message travels as chunks (u16 big-endian length + payload) closed by
// an empty chunk 00 00. Sans-I/O: the writer appends to a buffer, the reader is fed bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "bolt/packstream.hpp"

namespace bolt {

inline constexpr std::size_t max_chunk_size = 65535;
inline constexpr std::size_t chunk_header_size = 2;

/// Appends `message` as chunks of at most `max_chunk` bytes (clamped to 1..65535) plus the end
/// marker. An empty message appends nothing (it would read as a NOOP).
void append_chunked(buffer& out, byte_view message, std::size_t max_chunk = max_chunk_size);

/// Appends a NOOP (a lone 00 00), the keep-alive Bolt 4.1+ allows between messages.
void append_noop(buffer& out);

/// Frames a message that was encoded straight into `out`, to avoid a copy: the caller reserved two
/// bytes at `start` and encoded the message after them, up to out.size(). The first chunk stays
/// where it is; the other chunks move up once (by 2 bytes per header) to make room for their
/// headers; the end marker is appended. Empty message: the two reserved bytes are removed.
void frame_in_place(buffer& out, std::size_t start, std::size_t max_chunk = max_chunk_size);

/// Incremental dechunker for either side of a connection. Owns its receive buffer: read into
/// prepare(), report with commit(), then take messages from next() until it says "need more".
/// After warm-up it allocates nothing: consumed bytes are compacted away, never reallocated, and
/// a message split across chunks is reassembled in place into contiguous bytes.
class message_reader {
public:
    explicit message_reader(std::size_t max_message_bytes = 64u << 20);

    /// Space to read into: at least `min_free` bytes. Invalidates the last view from next().
    std::span<std::uint8_t> prepare(std::size_t min_free = 64 * 1024);
    /// `n` bytes of the last prepare() span arrived.
    void commit(std::size_t n);
    /// Next complete message, or nullopt when more bytes are needed or after an error (then `ec`
    /// is set: protocol_errc::message_too_large). Errors are sticky: the stream is out of sync.
    /// The view stays valid until the next prepare()/next().
    std::optional<byte_view> next(std::error_code& ec);

    std::size_t noops_skipped() const { return noops_; }
    /// Bytes received but not yet returned as messages (partial chunks, a message in progress).
    std::size_t buffered() const { return end_ - msg_start_; }
    std::size_t max_message_bytes() const { return max_message_; }

private:
    void compact();

    buffer buf_;
    std::size_t max_message_;
    // buf_[msg_start_, msg_start_ + msg_len_) is the message reassembled so far, scan_ the next
    // chunk header, end_ the end of received bytes. Bytes before msg_start_ are consumed.
    std::size_t msg_start_ = 0;
    std::size_t msg_len_ = 0;
    std::size_t scan_ = 0;
    std::size_t end_ = 0;
    bool in_message_ = false;
    std::size_t noops_ = 0;
    std::error_code error_;
};

}  // namespace bolt
