// Chunk framing and the incremental dechunker: exact bytes, chunk boundaries at 65535/65536,
// arbitrary read splits, NOOPs, oversize messages and allocation-free steady state.
#include "bolt/chunking.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "bolt/protocol.hpp"

#include "allocation_counter.hpp"

using allocation_counter::allocations;
using allocation_counter::counting;

namespace bolt {
namespace {

buffer pattern(std::size_t n, std::uint8_t seed = 1) {
    buffer b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 8));
    return b;
}

buffer chunked(const buffer& message, std::size_t max_chunk = max_chunk_size) {
    buffer out;
    append_chunked(out, message, max_chunk);
    return out;
}

/// Feeds `stream` to `reader` in reads of the given sizes (cycled), collecting every message.
std::vector<buffer> feed(message_reader& reader, const buffer& stream,
                         const std::vector<std::size_t>& sizes, std::error_code& ec) {
    std::vector<buffer> messages;
    std::size_t at = 0, turn = 0;
    while (at < stream.size()) {
        const std::size_t want = std::min(sizes[turn++ % sizes.size()], stream.size() - at);
        std::span<std::uint8_t> space = reader.prepare(want);
        EXPECT_GE(space.size(), want);
        std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), want, space.begin());
        reader.commit(want);
        at += want;
        while (auto m = reader.next(ec)) messages.emplace_back(m->begin(), m->end());
        if (ec) break;
    }
    return messages;
}

std::vector<buffer> feed(message_reader& reader, const buffer& stream, std::size_t size) {
    std::error_code ec;
    auto out = feed(reader, stream, std::vector<std::size_t>{size}, ec);
    EXPECT_FALSE(ec) << ec.message();
    return out;
}

TEST(append_chunked, spec_example_sixteen_bytes) {
    const buffer message = {0xB1, 0x01, 0xA1, 0x8A, 'u', 's', 'e', 'r', '_',
                            'a',  'g',  'e',  'n',  't', 0x80, 0x80};
    ASSERT_EQ(message.size(), 16u);
    buffer expected = {0x00, 0x10};
    expected.insert(expected.end(), message.begin(), message.end());
    expected.insert(expected.end(), {0x00, 0x00});
    EXPECT_EQ(chunked(message), expected);
}

TEST(append_chunked, memgraph_vectors) {
    EXPECT_EQ(chunked({0xB1, 0x70, 0xA0}), (buffer{0x00, 0x03, 0xB1, 0x70, 0xA0, 0x00, 0x00}));
    EXPECT_EQ(chunked({0xB0, 0x7E}), (buffer{0x00, 0x02, 0xB0, 0x7E, 0x00, 0x00}));
}

TEST(append_chunked, splits_at_65535) {
    const buffer exact = pattern(65535);
    buffer out = chunked(exact);
    ASSERT_EQ(out.size(), 65535u + 4);
    EXPECT_EQ(out[0], 0xFF);
    EXPECT_EQ(out[1], 0xFF);
    EXPECT_TRUE(std::equal(exact.begin(), exact.end(), out.begin() + 2));
    EXPECT_EQ(out[65537], 0x00);
    EXPECT_EQ(out[65538], 0x00);

    const buffer over = pattern(65536);
    out = chunked(over);
    ASSERT_EQ(out.size(), 65536u + 6);
    EXPECT_EQ(out[0], 0xFF);
    EXPECT_EQ(out[1], 0xFF);
    EXPECT_EQ(out[65537], 0x00);  // second chunk: one byte
    EXPECT_EQ(out[65538], 0x01);
    EXPECT_EQ(out[65539], over.back());
    EXPECT_EQ(out[65540], 0x00);
    EXPECT_EQ(out[65541], 0x00);
}

TEST(append_chunked, honours_a_smaller_chunk_size_and_clamps_it) {
    const buffer m = pattern(10);
    buffer expected = {0x00, 0x04, m[0], m[1], m[2], m[3], 0x00, 0x04, m[4], m[5],
                       m[6], m[7], 0x00, 0x02, m[8], m[9], 0x00, 0x00};
    EXPECT_EQ(chunked(m, 4), expected);
    EXPECT_EQ(chunked(m, 0), chunked(m, 1));  // zero would never finish: one byte per chunk
    EXPECT_EQ(chunked(m, 1).size(), 10u * 3 + 2);
    EXPECT_EQ(chunked(pattern(70000), 1u << 20), chunked(pattern(70000)));
}

TEST(append_chunked, empty_message_writes_nothing_noop_writes_two_zeros) {
    buffer out = {0xAA};
    append_chunked(out, {});
    EXPECT_EQ(out, (buffer{0xAA}));
    append_noop(out);
    EXPECT_EQ(out, (buffer{0xAA, 0x00, 0x00}));
}

TEST(frame_in_place, produces_the_same_bytes_as_append_chunked) {
    const std::size_t sizes[] = {1, 2, 3, 100, 65534, 65535, 65536, 65537,
                                 131069, 131070, 131071, 131072, 200001};
    const std::size_t chunk_sizes[] = {65535, 1000, 7, 2, 1};
    for (std::size_t n : sizes) {
        for (std::size_t c : chunk_sizes) {
            if (c < 7 && n > 70000) continue;  // same code path, just slower
            const buffer m = pattern(n, static_cast<std::uint8_t>(n));
            buffer expected = {0xDE, 0xAD};  // bytes already in the buffer stay untouched
            append_chunked(expected, m, c);

            // Two bytes to leave alone, two reserved for the first header, then the message. Built
            // by size, not by insert() at the end of {DE AD 00 00}: GCC 12 at -O3 misreads that
            // insert as writing past the four bytes, a false -Warray-bounds.
            buffer out(4 + m.size());
            out[0] = 0xDE;
            out[1] = 0xAD;
            std::copy(m.begin(), m.end(), out.begin() + 4);
            frame_in_place(out, 2, c);
            ASSERT_EQ(out, expected) << "size " << n << " chunk " << c;
        }
    }
}

TEST(frame_in_place, empty_message_removes_the_reserved_bytes) {
    buffer out = {0x01, 0x00, 0x00};
    frame_in_place(out, 1);
    EXPECT_EQ(out, (buffer{0x01}));
}

TEST(message_reader, reads_one_message) {
    message_reader reader;
    const auto messages = feed(reader, chunked({0xB0, 0x0F}), 1024);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0], (buffer{0xB0, 0x0F}));
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(message_reader, needs_more_bytes_until_the_end_marker) {
    message_reader reader;
    const buffer stream = chunked({0xB1, 0x70, 0xA0});  // 00 03 b1 70 a0 00 00
    std::error_code ec;
    for (std::size_t i = 0; i + 1 < stream.size(); ++i) {
        auto space = reader.prepare(1);
        space[0] = stream[i];
        reader.commit(1);
        EXPECT_EQ(reader.next(ec), std::nullopt) << "after byte " << i;
        EXPECT_FALSE(ec);
    }
    reader.prepare(1)[0] = stream.back();
    reader.commit(1);
    auto m = reader.next(ec);
    ASSERT_TRUE(m);
    EXPECT_EQ(buffer(m->begin(), m->end()), (buffer{0xB1, 0x70, 0xA0}));
    EXPECT_EQ(reader.next(ec), std::nullopt);
    EXPECT_FALSE(ec);
}

// A stream with everything that can happen between and inside messages.
struct sample_stream {
    std::vector<buffer> messages;
    buffer bytes;
    std::size_t noops = 0;
};

sample_stream make_sample() {
    sample_stream s;
    s.messages = {{0xB0, 0x0F}, {0xB1, 0x70, 0xA0}, pattern(300), {0xB0, 0x7E}, pattern(40, 9)};
    append_noop(s.bytes);  // a NOOP before anything
    ++s.noops;
    append_chunked(s.bytes, s.messages[0]);
    append_chunked(s.bytes, s.messages[1]);
    append_noop(s.bytes);  // two NOOPs in a row
    append_noop(s.bytes);
    s.noops += 2;
    append_chunked(s.bytes, s.messages[2], 64);  // many chunks
    append_chunked(s.bytes, s.messages[3]);
    append_chunked(s.bytes, s.messages[4], 1);  // one byte per chunk
    append_noop(s.bytes);  // trailing NOOP
    ++s.noops;
    return s;
}

TEST(message_reader, every_split_offset_gives_the_same_messages) {
    const sample_stream s = make_sample();
    for (std::size_t split = 0; split <= s.bytes.size(); ++split) {
        message_reader reader;
        std::error_code ec;
        std::vector<buffer> got;
        for (auto [from, to] : {std::pair{std::size_t{0}, split}, std::pair{split, s.bytes.size()}}) {
            const std::size_t n = to - from;
            auto space = reader.prepare(std::max<std::size_t>(n, 1));
            std::copy_n(s.bytes.begin() + static_cast<std::ptrdiff_t>(from), n, space.begin());
            reader.commit(n);
            while (auto m = reader.next(ec)) got.emplace_back(m->begin(), m->end());
            ASSERT_FALSE(ec);
        }
        ASSERT_EQ(got, s.messages) << "split at " << split;
        EXPECT_EQ(reader.noops_skipped(), s.noops);
        EXPECT_EQ(reader.buffered(), 0u);
    }
}

TEST(message_reader, one_byte_at_a_time_and_uneven_reads) {
    const sample_stream s = make_sample();
    for (const std::vector<std::size_t>& sizes :
         {std::vector<std::size_t>{1}, {2}, {3}, {5, 1, 7}, {64}, {4096}, {1, 300, 2, 65536}}) {
        message_reader reader;
        std::error_code ec;
        EXPECT_EQ(feed(reader, s.bytes, sizes, ec), s.messages);
        EXPECT_FALSE(ec);
        EXPECT_EQ(reader.noops_skipped(), s.noops);
    }
}

TEST(message_reader, many_messages_in_one_read) {
    std::vector<buffer> messages;
    buffer stream;
    for (std::size_t i = 0; i < 2000; ++i) {
        messages.push_back(pattern(1 + i % 97, static_cast<std::uint8_t>(i)));
        append_chunked(stream, messages.back());
        if (i % 10 == 0) append_noop(stream);
    }
    message_reader reader;
    EXPECT_EQ(feed(reader, stream, stream.size()), messages);
    EXPECT_EQ(reader.noops_skipped(), 200u);
}

TEST(message_reader, reassembles_messages_across_the_65535_boundary) {
    for (std::size_t n : {std::size_t{65535}, std::size_t{65536}, std::size_t{65537},
                          std::size_t{131070}, std::size_t{131071}, std::size_t{300000}}) {
        const buffer m = pattern(n, static_cast<std::uint8_t>(n));
        buffer stream = chunked(m);
        append_chunked(stream, buffer{0xB0, 0x02});
        for (std::size_t read : {std::size_t{1000}, std::size_t{65537}, stream.size()}) {
            message_reader reader;
            const auto got = feed(reader, stream, read);
            ASSERT_EQ(got.size(), 2u) << n;
            EXPECT_EQ(got[0], m) << "size " << n << " read " << read;
            EXPECT_EQ(got[1], (buffer{0xB0, 0x02}));
        }
    }
}

TEST(message_reader, oversize_message_is_an_error_before_its_bytes_arrive) {
    message_reader reader(100);
    std::error_code ec;
    // Exactly at the limit is fine, even across chunks.
    const buffer at_limit = pattern(100);
    EXPECT_EQ(feed(reader, chunked(at_limit, 30), std::vector<std::size_t>{17}, ec),
              std::vector<buffer>{at_limit});
    EXPECT_FALSE(ec);

    // One byte over, announced by the second chunk header alone: no need to buffer the payload.
    const buffer header_only = {0x00, 0x64, 0x00};  // 100-byte chunk starts ...
    auto space = reader.prepare(3);
    std::copy(header_only.begin(), header_only.end(), space.begin());
    reader.commit(3);
    EXPECT_EQ(reader.next(ec), std::nullopt);
    EXPECT_FALSE(ec);  // first chunk of 100 bytes: still within the limit, waiting
    message_reader small(100);
    const buffer big = pattern(101);
    const buffer stream = chunked(big, 60);
    space = small.prepare(stream.size());
    std::copy(stream.begin(), stream.begin() + 70, space.begin());  // 60-byte chunk + next header
    small.commit(70);
    EXPECT_EQ(small.next(ec), std::nullopt);
    EXPECT_EQ(ec, protocol_errc::message_too_large);
    // Sticky: the stream is out of sync for good.
    space = small.prepare(1);
    small.commit(0);
    ec.clear();
    EXPECT_EQ(small.next(ec), std::nullopt);
    EXPECT_EQ(ec, protocol_errc::message_too_large);
}

TEST(message_reader, a_single_huge_chunk_header_is_rejected_at_once) {
    message_reader reader(1000);
    std::error_code ec;
    auto space = reader.prepare(2);
    space[0] = 0xFF;
    space[1] = 0xFF;
    reader.commit(2);
    EXPECT_EQ(reader.next(ec), std::nullopt);
    EXPECT_EQ(ec, protocol_errc::message_too_large);
}

TEST(message_reader, the_view_stays_valid_until_the_next_call) {
    buffer stream = chunked(pattern(500, 3), 100);
    append_chunked(stream, pattern(500, 4), 100);
    message_reader reader;
    auto space = reader.prepare(stream.size());
    std::copy(stream.begin(), stream.end(), space.begin());
    reader.commit(stream.size());
    std::error_code ec;
    auto first = reader.next(ec);
    ASSERT_TRUE(first);
    const buffer first_copy(first->begin(), first->end());
    auto second = reader.next(ec);  // reassembling the second must not touch the first
    ASSERT_TRUE(second);
    EXPECT_EQ(first_copy, pattern(500, 3));
    EXPECT_EQ(buffer(second->begin(), second->end()), pattern(500, 4));
}

TEST(message_reader, prepare_gives_at_least_what_was_asked) {
    message_reader reader;
    EXPECT_GE(reader.prepare(10).size(), 10u);
    EXPECT_GE(reader.prepare(1u << 20).size(), 1u << 20);
    EXPECT_GE(reader.prepare(0).size(), 1u);
    // A commit larger than the space is capped rather than trusted.
    auto space = reader.prepare(4);
    reader.commit(space.size() + 100);
    EXPECT_EQ(reader.buffered(), space.size());
}

TEST(message_reader, steady_state_allocates_nothing) {
    // A realistic response stream: RECORD-sized messages, some larger than a read, NOOPs.
    buffer stream;
    for (std::size_t i = 0; i < 200; ++i) {
        append_chunked(stream, pattern(20 + (i * 131) % 3000, static_cast<std::uint8_t>(i)));
        if (i % 50 == 0) append_noop(stream);
    }
    append_chunked(stream, pattern(150000));  // one multi-chunk message per round
    message_reader reader;
    std::error_code ec;
    std::size_t total = 0;
    const auto round = [&] {
        std::size_t at = 0;
        while (at < stream.size()) {
            auto space = reader.prepare(8192);
            const std::size_t n = std::min({space.size(), stream.size() - at, std::size_t{8192}});
            std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), n, space.begin());
            reader.commit(n);
            at += n;
            while (auto m = reader.next(ec)) total += m->size();
        }
    };
    round();  // warm-up: the buffer grows to its working size
    allocations = 0;
    counting = true;
    for (int i = 0; i < 20; ++i) round();
    counting = false;
    EXPECT_EQ(allocations.load(), 0u);
    EXPECT_FALSE(ec);
    EXPECT_GT(total, 0u);
}

}  // namespace
}  // namespace bolt
