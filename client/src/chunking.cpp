// Chunk framing (writer side) and the incremental, in-place dechunker.
#include "bolt/chunking.hpp"

#include <algorithm>
#include <cstring>

#include "bolt/protocol.hpp"

namespace bolt {

namespace {

std::size_t clamp_chunk(std::size_t max_chunk) {
    return std::clamp<std::size_t>(max_chunk, 1, max_chunk_size);
}

void put_u16(std::uint8_t* at, std::size_t v) {
    at[0] = static_cast<std::uint8_t>(v >> 8);
    at[1] = static_cast<std::uint8_t>(v);
}

}  // namespace

void append_chunked(buffer& out, byte_view message, std::size_t max_chunk) {
    if (message.empty()) return;
    max_chunk = clamp_chunk(max_chunk);
    const std::size_t chunks = (message.size() + max_chunk - 1) / max_chunk;
    out.reserve(out.size() + message.size() + (chunks + 1) * chunk_header_size);
    for (std::size_t at = 0; at < message.size(); at += max_chunk) {
        const std::size_t n = std::min(max_chunk, message.size() - at);
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(n));
        out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(at),
                   message.begin() + static_cast<std::ptrdiff_t>(at + n));
    }
    out.push_back(0);
    out.push_back(0);
}

void append_noop(buffer& out) {
    out.push_back(0);
    out.push_back(0);
}

void frame_in_place(buffer& out, std::size_t start, std::size_t max_chunk) {
    const std::size_t len = out.size() - start - chunk_header_size;
    if (len == 0) {
        out.resize(start);
        return;
    }
    max_chunk = clamp_chunk(max_chunk);
    const std::size_t chunks = (len + max_chunk - 1) / max_chunk;
    out.resize(out.size() + (chunks - 1) * chunk_header_size + chunk_header_size);
    std::uint8_t* base = out.data() + start;
    // Last chunk first: chunk k moves up by 2k bytes, into space its successors already left.
    for (std::size_t k = chunks - 1; k > 0; --k) {
        const std::size_t n = std::min(max_chunk, len - k * max_chunk);
        std::uint8_t* header = base + k * (max_chunk + chunk_header_size);
        std::memmove(header + chunk_header_size, base + chunk_header_size + k * max_chunk, n);
        put_u16(header, n);
    }
    put_u16(base, std::min(max_chunk, len));
    put_u16(base + len + chunks * chunk_header_size, 0);
}

message_reader::message_reader(std::size_t max_message_bytes) : max_message_(max_message_bytes) {}

std::span<std::uint8_t> message_reader::prepare(std::size_t min_free) {
    min_free = std::max<std::size_t>(min_free, 1);
    if (msg_start_ == end_) {
        // Nothing live: start over at the front without moving a byte.
        msg_start_ = scan_ = end_ = 0;
    }
    if (buf_.size() - end_ < min_free) {
        compact();
        if (buf_.size() - end_ < min_free)
            buf_.resize(std::max(buf_.size() * 2, end_ + min_free));
    }
    return {buf_.data() + end_, buf_.size() - end_};
}

void message_reader::commit(std::size_t n) {
    end_ += std::min(n, buf_.size() - end_);
}

void message_reader::compact() {
    if (msg_start_ == 0) return;
    std::memmove(buf_.data(), buf_.data() + msg_start_, end_ - msg_start_);
    scan_ -= msg_start_;
    end_ -= msg_start_;
    msg_start_ = 0;
}

std::optional<byte_view> message_reader::next(std::error_code& ec) {
    ec = error_;
    if (error_) return std::nullopt;
    for (;;) {
        if (end_ - scan_ < chunk_header_size) return std::nullopt;
        const std::size_t n = (std::size_t{buf_[scan_]} << 8) | buf_[scan_ + 1];
        if (n == 0) {
            scan_ += chunk_header_size;
            if (!in_message_) {  // NOOP between messages
                ++noops_;
                msg_start_ = scan_;
                continue;
            }
            const byte_view message{buf_.data() + msg_start_, msg_len_};
            in_message_ = false;
            msg_start_ = scan_;
            msg_len_ = 0;
            return message;
        }
        if (msg_len_ + n > max_message_) {
            error_ = ec = make_error_code(protocol_errc::message_too_large);
            return std::nullopt;
        }
        if (end_ - scan_ - chunk_header_size < n) return std::nullopt;  // wait for the whole chunk
        const std::size_t from = scan_ + chunk_header_size;
        if (!in_message_) {
            // The first chunk's payload stays where it is: only its header is dropped.
            in_message_ = true;
            msg_start_ = from;
        } else {
            std::memmove(buf_.data() + msg_start_ + msg_len_, buf_.data() + from, n);
        }
        msg_len_ += n;
        scan_ = from + n;
    }
}

}  // namespace bolt
