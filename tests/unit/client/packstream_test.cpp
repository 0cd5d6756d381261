// PackStream codec: one table of {value, dialect, bytes} drives both the encode and the decode
// tests; then lenient decoding, every error the decoder reports on hostile input, and the
// encoder's sticky errors.
#include "bolt/packstream.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace bolt::packstream {
namespace {

// ---- helpers -------------------------------------------------------------------------------------

buffer hex(std::string_view s) {
    buffer out;
    int hi = -1;
    for (char c : s) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        if (v < 0) continue;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
            hi = -1;
        }
    }
    return out;
}

buffer fill(std::size_t n, std::uint8_t b) { return buffer(n, b); }

template <class... B>
buffer cat(const buffer& first, const B&... rest) {
    buffer out = first;
    (out.insert(out.end(), rest.begin(), rest.end()), ...);
    return out;
}

list ones(std::size_t n) { return list(n, value(1)); }

std::string numbered_key(std::size_t i) {
    char k[8];
    std::snprintf(k, sizeof k, "k%04zx", i);
    return k;
}

map numbered_map(std::size_t n) {
    map m;
    m.reserve(n);
    for (std::size_t i = 0; i < n; ++i) m.append(numbered_key(i), 1);
    return m;
}

buffer numbered_map_body(std::size_t n) {
    buffer out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(0x85);
        for (char c : numbered_key(i)) out.push_back(static_cast<std::uint8_t>(c));
        out.push_back(0x01);
    }
    return out;
}

std::string show(const buffer& b) {
    std::string s;
    char x[4];
    for (std::size_t i = 0; i < b.size() && i < 48; ++i) {
        std::snprintf(x, sizeof x, "%02X ", b[i]);
        s += x;
    }
    if (b.size() > 48) s += "... (" + std::to_string(b.size()) + " bytes)";
    return s;
}

constexpr dialect bolt5{true, true};
constexpr dialect bolt4{false, false};
constexpr dialect bolt44_utc{false, true};  // Bolt 4.4 with the "utc" patch

std::error_code decode_hex(std::string_view h, value& out, dialect d = bolt5, limits l = {}) {
    const buffer b = hex(h);
    return decode(b, out, d, l);
}

errc decode_errc(const buffer& b, dialect d = bolt5, limits l = {}) {
    value v;
    const auto ec = decode(b, v, d, l);
    if (!ec) return errc::ok;
    EXPECT_EQ(&ec.category(), &error_category());
    return static_cast<errc>(ec.value());
}

errc decode_errc(std::string_view h, dialect d = bolt5, limits l = {}) { return decode_errc(hex(h), d, l); }

std::error_code encoder_error(const value& v, dialect d) {
    buffer out;
    encoder e(out, d);
    e.write(v);
    return e.error();
}

// ---- the table -------------------------------------------------------------------------------------

struct codec_case {
    std::string name;
    value v;
    dialect d;
    buffer bytes;
};

// Every marker size boundary and every structure in both dialects. The byte vectors were produced
// by neo4j-driver-bolt-connection 6.3.0's PackStream v1 Packer (the JavaScript driver), and 1.23
// and the UTF-8 string are the spec's own examples.
const std::vector<codec_case>& codec_cases() {
    static const std::vector<codec_case> cases = {
        {"null", value(null), bolt5, hex("C0")},
        {"true", value(true), bolt5, hex("C3")},
        {"false", value(false), bolt5, hex("C2")},
        {"int 0", value(std::int64_t{0}), bolt5, hex("00")},
        {"int 1", value(std::int64_t{1}), bolt5, hex("01")},
        {"int 127", value(std::int64_t{127}), bolt5, hex("7F")},
        {"int 128", value(std::int64_t{128}), bolt5, hex("C9 00 80")},
        {"int -1", value(std::int64_t{-1}), bolt5, hex("FF")},
        {"int -16", value(std::int64_t{-16}), bolt5, hex("F0")},
        {"int -17", value(std::int64_t{-17}), bolt5, hex("C8 EF")},
        {"int -128", value(std::int64_t{-128}), bolt5, hex("C8 80")},
        {"int -129", value(std::int64_t{-129}), bolt5, hex("C9 FF 7F")},
        {"int 255", value(std::int64_t{255}), bolt5, hex("C9 00 FF")},
        {"int 256", value(std::int64_t{256}), bolt5, hex("C9 01 00")},
        {"int 32767", value(std::int64_t{32767}), bolt5, hex("C9 7F FF")},
        {"int 32768", value(std::int64_t{32768}), bolt5, hex("CA 00 00 80 00")},
        {"int -32768", value(std::int64_t{-32768}), bolt5, hex("C9 80 00")},
        {"int -32769", value(std::int64_t{-32769}), bolt5, hex("CA FF FF 7F FF")},
        {"int 2147483647", value(std::int64_t{2147483647}), bolt5, hex("CA 7F FF FF FF")},
        {"int 2147483648", value(std::int64_t{2147483648}), bolt5, hex("CB 00 00 00 00 80 00 00 00")},
        {"int -2147483648", value(std::int64_t{-2147483648}), bolt5, hex("CA 80 00 00 00")},
        {"int -2147483649", value(std::int64_t{-2147483649}), bolt5, hex("CB FF FF FF FF 7F FF FF FF")},
        {"int 9223372036854775807", value(std::numeric_limits<std::int64_t>::max()), bolt5, hex("CB 7F FF FF FF FF FF FF FF")},
        {"int -9223372036854775808", value(std::numeric_limits<std::int64_t>::min()), bolt5, hex("CB 80 00 00 00 00 00 00 00")},
        {"float 1.23", value(1.23), bolt5, hex("C1 3F F3 AE 14 7A E1 47 AE")},
        {"float 0.0", value(0.0), bolt5, hex("C1 00 00 00 00 00 00 00 00")},
        {"float -0.0", value(-0.0), bolt5, hex("C1 80 00 00 00 00 00 00 00")},
        {"float 1.0", value(1.0), bolt5, hex("C1 3F F0 00 00 00 00 00 00")},
        {"float -1.5", value(-1.5), bolt5, hex("C1 BF F8 00 00 00 00 00 00")},
        {"float infinity", value(std::numeric_limits<double>::infinity()), bolt5, hex("C1 7F F0 00 00 00 00 00 00")},
        {"float -infinity", value(-std::numeric_limits<double>::infinity()), bolt5, hex("C1 FF F0 00 00 00 00 00 00")},
        {"float max double", value(std::numeric_limits<double>::max()), bolt5, hex("C1 7F EF FF FF FF FF FF FF")},
        {"float min subnormal", value(std::numeric_limits<double>::denorm_min()), bolt5, hex("C1 00 00 00 00 00 00 00 01")},
        {"string empty", value(""), bolt5, hex("80")},
        {"string \"a\"", value("a"), bolt5, hex("81 61")},
        {"string UTF-8 (spec example)", value("Größenmaßstäbe"), bolt5, hex("D0 12 47 72 C3 B6 C3 9F 65 6E 6D 61 C3 9F 73 74 C3 A4 62 65")},
        {"string 15 bytes", value(std::string(15, 'a')), bolt5, cat(hex("8F"), fill(15, 0x61))},
        {"string 16 bytes", value(std::string(16, 'a')), bolt5, cat(hex("D0 10"), fill(16, 0x61))},
        {"string 255 bytes", value(std::string(255, 'a')), bolt5, cat(hex("D0 FF"), fill(255, 0x61))},
        {"string 256 bytes", value(std::string(256, 'a')), bolt5, cat(hex("D1 01 00"), fill(256, 0x61))},
        {"string 65535 bytes", value(std::string(65535, 'a')), bolt5, cat(hex("D1 FF FF"), fill(65535, 0x61))},
        {"string 65536 bytes", value(std::string(65536, 'a')), bolt5, cat(hex("D2 00 01 00 00"), fill(65536, 0x61))},
        {"bytes empty", value(bytes{}), bolt5, hex("CC 00")},
        {"bytes 01 02 03", value(bytes{1, 2, 3}), bolt5, hex("CC 03 01 02 03")},
        {"bytes 255", value(bytes(255, 7)), bolt5, cat(hex("CC FF"), fill(255, 0x07))},
        {"bytes 256", value(bytes(256, 7)), bolt5, cat(hex("CD 01 00"), fill(256, 0x07))},
        {"bytes 65535", value(bytes(65535, 7)), bolt5, cat(hex("CD FF FF"), fill(65535, 0x07))},
        {"bytes 65536", value(bytes(65536, 7)), bolt5, cat(hex("CE 00 01 00 00"), fill(65536, 0x07))},
        {"list empty", value(list{}), bolt5, hex("90")},
        {"list [1, 2, 3]", value(list{1, 2, 3}), bolt5, hex("93 01 02 03")},
        {"list mixed", value(list{1, "a", null, true, 1.5}), bolt5, hex("95 01 81 61 C0 C3 C1 3F F8 00 00 00 00 00 00")},
        {"list nested", value(list{list{1}, list{}}), bolt5, hex("92 91 01 90")},
        {"list 15 items", value(ones(15)), bolt5, cat(hex("9F"), fill(15, 0x01))},
        {"list 16 items", value(ones(16)), bolt5, cat(hex("D4 10"), fill(16, 0x01))},
        {"list 255 items", value(ones(255)), bolt5, cat(hex("D4 FF"), fill(255, 0x01))},
        {"list 256 items", value(ones(256)), bolt5, cat(hex("D5 01 00"), fill(256, 0x01))},
        {"list 65535 items", value(ones(65535)), bolt5, cat(hex("D5 FF FF"), fill(65535, 0x01))},
        {"list 65536 items", value(ones(65536)), bolt5, cat(hex("D6 00 01 00 00"), fill(65536, 0x01))},
        {"map empty", value(map{}), bolt5, hex("A0")},
        {"map {a: 1}", value(map{{"a", 1}}), bolt5, hex("A1 81 61 01")},
        {"map nested", value(map{{"name", "Alice"}, {"tags", list{"x"}}, {"m", map{{"k", null}}}}), bolt5, hex("A3 84 6E 61 6D 65 85 41 6C 69 63 65 84 74 61 67 73 91 81 78 81 6D A1 81 6B C0")},
        {"map 15 entries", value(numbered_map(15)), bolt5, cat(hex("AF"), numbered_map_body(15))},
        {"map 16 entries", value(numbered_map(16)), bolt5, cat(hex("D8 10"), numbered_map_body(16))},
        {"map 255 entries", value(numbered_map(255)), bolt5, cat(hex("D8 FF"), numbered_map_body(255))},
        {"map 256 entries", value(numbered_map(256)), bolt5, cat(hex("D9 01 00"), numbered_map_body(256))},
        {"map 65535 entries", value(numbered_map(65535)), bolt5, cat(hex("D9 FF FF"), numbered_map_body(65535))},
        {"map 65536 entries", value(numbered_map(65536)), bolt5, cat(hex("DA 00 01 00 00"), numbered_map_body(65536))},
        {"node bolt5", value(node{1, {"Person"}, map{{"name", "Alice"}}, "4:db:1"}), bolt5, hex("B4 4E 01 91 86 50 65 72 73 6F 6E A1 84 6E 61 6D 65 85 41 6C 69 63 65 86 34 3A 64 62 3A 31")},
        {"node bolt4", value(node{1, {"Person"}, map{{"name", "Alice"}}, "1"}), bolt4, hex("B3 4E 01 91 86 50 65 72 73 6F 6E A1 84 6E 61 6D 65 85 41 6C 69 63 65")},
        {"node bolt4.4+utc", value(node{1, {"Person"}, map{{"name", "Alice"}}, "1"}), bolt44_utc, hex("B3 4E 01 91 86 50 65 72 73 6F 6E A1 84 6E 61 6D 65 85 41 6C 69 63 65")},
        {"node no labels bolt5", value(node{-1, {}, map{}, ""}), bolt5, hex("B4 4E FF 90 A0 80")},
        {"relationship bolt5", value(relationship{7, 1, 2, "KNOWS", map{{"since", 2020}}, "5:db:7", "4:db:1", "4:db:2"}), bolt5, hex("B8 52 07 01 02 85 4B 4E 4F 57 53 A1 85 73 69 6E 63 65 C9 07 E4 86 35 3A 64 62 3A 37 86 34 3A 64 62 3A 31 86 34 3A 64 62 3A 32")},
        {"relationship bolt4", value(relationship{7, 1, 2, "KNOWS", map{{"since", 2020}}, "7", "1", "2"}), bolt4, hex("B5 52 07 01 02 85 4B 4E 4F 57 53 A1 85 73 69 6E 63 65 C9 07 E4")},
        {"unbound relationship bolt5", value(unbound_relationship{7, "KNOWS", map{}, "5:db:7"}), bolt5, hex("B4 72 07 85 4B 4E 4F 57 53 A0 86 35 3A 64 62 3A 37")},
        {"unbound relationship bolt4", value(unbound_relationship{7, "KNOWS", map{}, "7"}), bolt4, hex("B3 72 07 85 4B 4E 4F 57 53 A0")},
        {"path bolt5", value(path{{node{1, {"A"}, map{}, "n1"}, node{2, {"B"}, map{}, "n2"}}, {unbound_relationship{9, "T", map{}, "r9"}}, {1, 1}}), bolt5, hex("B3 50 92 B4 4E 01 91 81 41 A0 82 6E 31 B4 4E 02 91 81 42 A0 82 6E 32 91 B4 72 09 81 54 A0 82 72 39 92 01 01")},
        {"path bolt4", value(path{{node{1, {"A"}, map{}, "1"}, node{2, {"B"}, map{}, "2"}}, {unbound_relationship{9, "T", map{}, "9"}}, {-1, 1}}), bolt4, hex("B3 50 92 B3 4E 01 91 81 41 A0 B3 4E 02 91 81 42 A0 91 B3 72 09 81 54 A0 92 FF 01")},
        {"date bolt5", value(date{19723}), bolt5, hex("B1 44 C9 4D 0B")},
        {"date before epoch bolt5", value(date{-719528}), bolt5, hex("B1 44 CA FF F5 05 58")},
        {"time bolt5", value(bolt::time{45296789000000, 3600}), bolt5, hex("B2 54 CB 00 00 29 32 7B 04 8F 40 C9 0E 10")},
        {"local time bolt5", value(local_time{45296000000001}), bolt5, hex("B1 74 CB 00 00 29 32 4B FD 60 01")},
        {"local date time bolt5", value(local_date_time{1700000000, 5}), bolt5, hex("B2 64 CA 65 53 F1 00 05")},
        {"duration bolt5", value(duration{14, 3, 3661, 500}), bolt5, hex("B4 45 0E 03 C9 0E 4D C9 01 F4")},
        {"point2d bolt5", value(point2d{4326, 12.5, -3.25}), bolt5, hex("B3 58 C9 10 E6 C1 40 29 00 00 00 00 00 00 C1 C0 0A 00 00 00 00 00 00")},
        {"point3d bolt5", value(point3d{9157, 1.0, 2.0, 3.5}), bolt5, hex("B4 59 C9 23 C5 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00 C1 40 0C 00 00 00 00 00 00")},
        {"date bolt4", value(date{19723}), bolt4, hex("B1 44 C9 4D 0B")},
        {"date before epoch bolt4", value(date{-719528}), bolt4, hex("B1 44 CA FF F5 05 58")},
        {"time bolt4", value(bolt::time{45296789000000, 3600}), bolt4, hex("B2 54 CB 00 00 29 32 7B 04 8F 40 C9 0E 10")},
        {"local time bolt4", value(local_time{45296000000001}), bolt4, hex("B1 74 CB 00 00 29 32 4B FD 60 01")},
        {"local date time bolt4", value(local_date_time{1700000000, 5}), bolt4, hex("B2 64 CA 65 53 F1 00 05")},
        {"duration bolt4", value(duration{14, 3, 3661, 500}), bolt4, hex("B4 45 0E 03 C9 0E 4D C9 01 F4")},
        {"point2d bolt4", value(point2d{4326, 12.5, -3.25}), bolt4, hex("B3 58 C9 10 E6 C1 40 29 00 00 00 00 00 00 C1 C0 0A 00 00 00 00 00 00")},
        {"point3d bolt4", value(point3d{9157, 1.0, 2.0, 3.5}), bolt4, hex("B4 59 C9 23 C5 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00 C1 40 0C 00 00 00 00 00 00")},
        {"date time bolt5 (0x49, UTC seconds)", value(date_time{1700000000, 123, 3600}), bolt5, hex("B3 49 CA 65 53 F1 00 7B C9 0E 10")},
        {"date time bolt4.4+utc (0x49)", value(date_time{1700000000, 123, -18000}), bolt44_utc, hex("B3 49 CA 65 53 F1 00 7B C9 B9 B0")},
        {"date time bolt4 (legacy 0x46, seconds + offset)", value(date_time{1700000000, 123, 3600}), bolt4, hex("B3 46 CA 65 53 FF 10 7B C9 0E 10")},
        {"date time bolt4 negative offset", value(date_time{1700000000, 0, -18000}), bolt4, hex("B3 46 CA 65 53 AA B0 00 C9 B9 B0")},
        {"date time zone id bolt5 (0x69)", value(date_time_zone_id{1700000000, 9, "Europe/Berlin", false}), bolt5, hex("B3 69 CA 65 53 F1 00 09 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E")},
        {"date time zone id bolt4 (legacy 0x66, local seconds)", value(date_time_zone_id{1700003600, 9, "Europe/Berlin", true}), bolt4, hex("B3 66 CA 65 53 FF 10 09 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E")},
        {"structure inside a map bolt5", value(map{{"born", date{-1}}, {"at", point2d{7203, 0.0, 1.0}}}), bolt5, hex("A2 84 62 6F 72 6E B1 44 FF 82 61 74 B3 58 C9 1C 23 C1 00 00 00 00 00 00 00 00 C1 3F F0 00 00 00 00 00 00")},
    };
    return cases;
}

TEST(packstream_codec, encodes_every_table_value_to_the_oracle_bytes) {
    for (const auto& c : codec_cases()) {
        SCOPED_TRACE(c.name);
        const buffer got = encode(c.v, c.d);
        EXPECT_EQ(got, c.bytes) << "got      " << show(got) << "\nexpected " << show(c.bytes);
    }
}

TEST(packstream_codec, decodes_every_table_vector_to_the_value) {
    for (const auto& c : codec_cases()) {
        SCOPED_TRACE(c.name);
        value got;
        const auto ec = decode(c.bytes, got, c.d);
        ASSERT_FALSE(ec) << ec.message();
        EXPECT_EQ(got, c.v) << "got " << to_string(got).substr(0, 200);
    }
}

TEST(packstream_codec, encoder_appends_after_what_the_buffer_already_holds) {
    for (const auto& c : codec_cases()) {
        SCOPED_TRACE(c.name);
        buffer out = hex("B1 10");  // e.g. a message header written before the field
        encoder e(out, c.d);
        e.write(c.v);
        ASSERT_FALSE(e.error());
        EXPECT_EQ(out, cat(hex("B1 10"), c.bytes));
    }
}

TEST(packstream_codec, decoder_reads_consecutive_values_and_reports_position) {
    buffer in;
    for (const auto& c : codec_cases())
        if (c.d == bolt5) in.insert(in.end(), c.bytes.begin(), c.bytes.end());
    decoder dec(in, bolt5);
    for (const auto& c : codec_cases()) {
        if (c.d != bolt5) continue;
        SCOPED_TRACE(c.name);
        const std::size_t before = dec.position();
        value got;
        ASSERT_FALSE(dec.read(got));
        EXPECT_EQ(got, c.v);
        EXPECT_EQ(dec.position() - before, c.bytes.size());
    }
    EXPECT_TRUE(dec.at_end());
    EXPECT_EQ(dec.remaining(), 0u);
}

TEST(packstream_codec, piecewise_writes_match_whole_value_encoding) {
    buffer out;
    encoder e(out);
    e.write_struct_header(0x10, 3);  // RUN
    e.write_string("UNWIND $batch AS row CREATE (:N {id: row.id})");
    e.write_map_header(1);
    e.write_string("batch");
    e.write_list_header(2);
    e.write(map{{"id", 1}, {"ok", true}});
    e.write_map_header(3);
    e.write_string("id");
    e.write_int(-129);
    e.write_string("f");
    e.write_float(0.5);
    e.write_string("n");
    e.write_null();
    e.write(map{});
    ASSERT_FALSE(e.error());

    buffer expected = hex("B3 10");
    for (const value& v : {value("UNWIND $batch AS row CREATE (:N {id: row.id})"),
                           value(map{{"batch", list{map{{"id", 1}, {"ok", true}},
                                                     map{{"id", -129}, {"f", 0.5}, {"n", null}}}}}),
                           value(map{})}) {
        const buffer b = encode(v);
        expected.insert(expected.end(), b.begin(), b.end());
    }
    EXPECT_EQ(out, expected);

    buffer lists;
    encoder le(lists);
    le.write(list{1, "x"});
    le.write_bool(false);
    le.write_bytes(hex("00 FF"));
    EXPECT_EQ(lists, hex("92 01 81 78 C2 CC 02 00 FF"));
}

TEST(packstream_codec, nan_round_trips_as_nan) {
    const buffer b = encode(value(std::numeric_limits<double>::quiet_NaN()));
    ASSERT_EQ(b.size(), 9u);
    EXPECT_EQ(b[0], 0xC1);
    value v;
    ASSERT_FALSE(decode(b, v));
    ASSERT_EQ(v.type(), value_type::floating);
    EXPECT_TRUE(std::isnan(v.as<double>()));
}

TEST(packstream_codec, a_ten_thousand_row_batch_round_trips) {
    list rows;
    for (int i = 0; i < 10000; ++i)
        rows.emplace_back(map{{"id", i * 1000003LL}, {"name", "user_" + std::to_string(i)}, {"score", i * 0.25},
                              {"active", i % 3 == 0}, {"tags", list{"a", std::string(i % 40, 'x')}},
                              {"born", date{i - 5000}}});
    const value batch(map{{"batch", rows}});
    for (dialect d : {bolt5, bolt4}) {
        const buffer b = encode(batch, d);
        value back;
        ASSERT_FALSE(decode(b, back, d));
        EXPECT_EQ(back, batch);
        // Re-encoding what was decoded gives the same bytes: the encoding is canonical.
        EXPECT_EQ(encode(back, d), b);
    }
}

// ---- lenient decoding: what the spec allows a peer to send ---------------------------------------

TEST(packstream_decode, accepts_non_minimal_sizes) {
    struct lenient {
        const char* bytes;
        value v;
    };
    const lenient cases[] = {
        {"C8 01", 1},
        {"C9 00 01", 1},
        {"CA FF FF FF FF", -1},
        {"CB 00 00 00 00 00 00 00 7F", 127},
        {"C8 F0", -16},
        {"D0 01 61", "a"},
        {"D1 00 01 61", "a"},
        {"D2 00 00 00 01 61", "a"},
        {"D4 01 01", list{1}},
        {"D5 00 00", list{}},
        {"D6 00 00 00 02 01 02", list{1, 2}},
        {"D8 01 81 61 01", map{{"a", 1}}},
        {"D9 00 00", map{}},
        {"DA 00 00 00 01 D0 01 61 01", map{{"a", 1}}},
        {"CD 00 01 07", bytes{7}},
        {"CE 00 00 00 00", bytes{}},
        {"B1 44 C9 00 05", date{5}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.bytes);
        value got;
        ASSERT_FALSE(decode_hex(c.bytes, got));
        EXPECT_EQ(got, c.v);
    }
}

TEST(packstream_decode, duplicate_map_keys_keep_the_last_value) {
    value got;
    ASSERT_FALSE(decode_hex("A3 81 61 01 81 62 02 81 61 03", got));
    const map& m = got.as<map>();
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m.begin()->first, "a");  // at its first position
    EXPECT_EQ(m.at("a"), value(3));
    EXPECT_EQ(m.at("b"), value(2));

    // Large maps take a different path; the rule is the same.
    buffer big = hex("D8 28");
    for (int i = 0; i < 40; ++i) {
        const std::string k = "key" + std::to_string(i % 10);
        big.push_back(static_cast<std::uint8_t>(0x80 | k.size()));
        big.insert(big.end(), k.begin(), k.end());
        big.push_back(static_cast<std::uint8_t>(i));
    }
    ASSERT_FALSE(decode(big, got));
    const map& bm = got.as<map>();
    ASSERT_EQ(bm.size(), 10u);
    int i = 0;
    for (const auto& [k, v] : bm) {
        EXPECT_EQ(k, "key" + std::to_string(i));
        EXPECT_EQ(v, value(30 + i));
        ++i;
    }
}

TEST(packstream_decode, reusing_a_value_leaves_nothing_stale) {
    value v = map{{"old", 1}, {"older", list{1, 2, 3}}};
    ASSERT_FALSE(decode_hex("A1 81 61 01", v));
    EXPECT_EQ(v, value(map{{"a", 1}}));
    v = list{1, 2, 3, 4};
    ASSERT_FALSE(decode_hex("91 02", v));
    EXPECT_EQ(v, value(list{2}));
    v = std::string(100, 'z');
    ASSERT_FALSE(decode_hex("81 61", v));
    EXPECT_EQ(v, value("a"));
    ASSERT_FALSE(decode_hex("C0", v));
    EXPECT_TRUE(v.is_null());
}

TEST(packstream_decode, decoding_into_a_used_value_equals_decoding_into_a_fresh_one) {
    // The decoder reads over the storage a value already has; nothing of the old content may show.
    std::vector<const codec_case*> small;
    for (const auto& c : codec_cases())
        if (c.bytes.size() <= 600 && c.d == bolt5) small.push_back(&c);
    for (const codec_case* before : small) {
        for (const codec_case* after : small) {
            value v = before->v;
            ASSERT_FALSE(decode(after->bytes, v, bolt5));
            ASSERT_EQ(v, after->v) << before->name << " then " << after->name;
        }
    }
}

TEST(packstream_decode, short_strings_decode_the_same_near_and_far_from_the_end) {
    // Strings of up to 15 bytes are copied 15 bytes at a time when that many bytes remain, and
    // one by one otherwise: both paths, for keys and values of every length around the limit.
    list rows;
    for (std::size_t key_len : {0u, 1u, 14u, 15u, 16u, 17u})
        for (std::size_t value_len : {0u, 1u, 14u, 15u, 16u}) {
            map row;
            row.append(std::string(key_len, 'k'), std::string(value_len, 'v'));
            row.append("tags", list{std::string(value_len, 't'), std::string(15, 'u')});
            rows.emplace_back(std::move(row));
        }
    for (std::size_t take = 0; take < rows.size(); ++take) {
        const value v = list(rows.begin() + static_cast<std::ptrdiff_t>(take), rows.end());
        const buffer exact = encode(v, bolt5);
        value fresh;
        ASSERT_FALSE(decode(exact, fresh, bolt5));  // the last strings end at the input's end
        EXPECT_EQ(fresh, v) << take;
        buffer padded = exact;
        padded.insert(padded.end(), 16, 0xC0);  // 16 nulls after the value: the fast path all along
        decoder d(padded, bolt5);
        value far;
        ASSERT_FALSE(d.read(far));
        EXPECT_EQ(far, v) << take;
        EXPECT_EQ(d.remaining(), 16u);
    }
}

TEST(packstream_decode, reused_rows_follow_the_new_shape) {
    const value first = list{map{{"id", 1}, {"name", "a"}, {"tags", list{"x", "y", "z"}}},
                             map{{"id", 2}, {"name", "b"}, {"tags", list{}}}, map{{"k", 1}}};
    const value second = list{map{{"name", std::string(40, 'n')}, {"id", 3.5}, {"tags", list{"q"}}, {"extra", null}},
                              map{{"id", 4}}};
    value v = first;
    ASSERT_FALSE(decode(encode(second), v));
    EXPECT_EQ(v, second);
    ASSERT_FALSE(decode(encode(first), v));
    EXPECT_EQ(v, first);
    // A duplicate key in a reused map leaves one entry fewer; the stale one must go.
    v = map{{"a", 0}, {"b", 0}, {"c", 0}};
    ASSERT_FALSE(decode_hex("A3 81 61 01 81 62 02 81 61 03", v));
    EXPECT_EQ(v, value(map{{"a", 3}, {"b", 2}}));
    EXPECT_EQ(v.as<map>().size(), 2u);
}

TEST(packstream_decode, bolt4_graph_structures_get_decimal_element_ids) {
    value v;
    ASSERT_FALSE(decode_hex("B5 52 CB 00 00 00 01 00 00 00 00 F1 02 81 54 A0", v, bolt4));
    const auto& r = v.as<relationship>();
    EXPECT_EQ(r.element_id, "4294967296");
    EXPECT_EQ(r.start_node_element_id, "-15");
    EXPECT_EQ(r.end_node_element_id, "2");
    ASSERT_FALSE(decode_hex("B3 4E FF 90 A0", v, bolt4));
    EXPECT_EQ(v.as<node>().element_id, "-1");
}

TEST(packstream_decode, legacy_date_time_is_converted_to_utc_seconds) {
    value v;
    // Wall clock 1970-01-01T01:00:00 at +01:00 is the epoch.
    ASSERT_FALSE(decode_hex("B3 46 C9 0E 10 00 C9 0E 10", v, bolt4));
    EXPECT_EQ(v, value(date_time{0, 0, 3600}));
    // 0x66 keeps the wall clock and says so.
    ASSERT_FALSE(decode_hex("B3 66 C9 0E 10 00 83 55 54 43", v, bolt4));
    EXPECT_EQ(v, value(date_time_zone_id{3600, 0, "UTC", true}));
}

// ---- errors on hostile input ---------------------------------------------------------------------

TEST(packstream_decode, every_truncation_point_of_composite_values_fails) {
    for (const auto& c : codec_cases()) {
        if (c.bytes.size() > 600) continue;  // the long boundary vectors add nothing here
        SCOPED_TRACE(c.name);
        for (std::size_t n = 0; n < c.bytes.size(); ++n) {
            const buffer cut(c.bytes.begin(), c.bytes.begin() + static_cast<std::ptrdiff_t>(n));
            const errc e = decode_errc(cut, c.d);
            // A fixed-size read that runs out is `truncated`; a declared length longer than what
            // is left is `too_large`. Both say the input cannot hold the value.
            EXPECT_TRUE(e == errc::truncated || e == errc::too_large) << "cut at " << n << ": " << make_error_code(e).message();
        }
    }
}

TEST(packstream_decode, truncation_errors_name_the_cause) {
    EXPECT_EQ(decode_errc(""), errc::truncated);
    EXPECT_EQ(decode_errc("C9 00"), errc::truncated);
    EXPECT_EQ(decode_errc("C1 3F F3"), errc::truncated);
    EXPECT_EQ(decode_errc("D1 00"), errc::truncated);
    EXPECT_EQ(decode_errc("91"), errc::too_large);
    EXPECT_EQ(decode_errc("83 61 62"), errc::too_large);
    EXPECT_EQ(decode_errc("B1"), errc::truncated);
    EXPECT_EQ(decode_errc("B1 44"), errc::truncated);
}

TEST(packstream_decode, strings_that_are_not_utf8_are_refused_wherever_they_are) {
    EXPECT_EQ(decode_errc("81 FF"), errc::invalid_utf8);                         // tiny string
    EXPECT_EQ(decode_errc("D0 03 61 C3 28"), errc::invalid_utf8);                // string8: bad continuation
    EXPECT_EQ(decode_errc("D0 03 ED A0 80"), errc::invalid_utf8);                // a UTF-16 surrogate
    EXPECT_EQ(decode_errc("D0 02 C0 AF"), errc::invalid_utf8);                   // overlong '/'
    EXPECT_EQ(decode_errc("D0 04 F4 90 80 80"), errc::invalid_utf8);             // above U+10FFFF
    EXPECT_EQ(decode_errc("92 01 81 80"), errc::invalid_utf8);                   // in a list
    EXPECT_EQ(decode_errc("A1 81 FE 01"), errc::invalid_utf8);                   // a map key
    EXPECT_EQ(decode_errc("A1 81 61 81 FE"), errc::invalid_utf8);                // a map value
    EXPECT_EQ(make_error_code(errc::invalid_utf8).message(), "PackStream string is not valid UTF-8");
    // Valid text of every width decodes, near and far from the end of the input.
    value v;
    ASSERT_FALSE(decode_hex("D0 0A 61 C3 A9 E2 82 AC F0 9F 98 80", v)) << "a, é, €, 😀";
    EXPECT_EQ(v, value("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
    ASSERT_FALSE(decode_hex("92 82 C3 A9 01", v));
    EXPECT_EQ(v, value(list{"\xC3\xA9", 1}));
}

TEST(packstream_decode, every_reserved_marker_is_an_error) {
    std::vector<std::uint8_t> reserved = {0xC4, 0xC5, 0xC6, 0xC7, 0xCF, 0xD3, 0xD7, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
    for (int m = 0xE0; m <= 0xEF; ++m) reserved.push_back(static_cast<std::uint8_t>(m));
    for (std::uint8_t m : reserved) {
        SCOPED_TRACE(static_cast<int>(m));
        EXPECT_EQ(decode_errc(buffer{m}), errc::reserved_marker);
        EXPECT_EQ(decode_errc(buffer{m, 1, 0x44, 0, 0, 0, 0, 0, 0, 0}), errc::reserved_marker);
        EXPECT_EQ(decode_errc(buffer{0x91, m, 0}), errc::reserved_marker);
        EXPECT_EQ(decode_errc(buffer{0xA1, 0x81, 0x61, m}), errc::reserved_marker);
    }
    // Everything else is a valid first byte of some value.
    int accepted_markers = 0;
    for (int m = 0; m < 256; ++m) {
        const errc e = decode_errc(buffer{static_cast<std::uint8_t>(m)});
        if (e != errc::reserved_marker) ++accepted_markers;
    }
    EXPECT_EQ(accepted_markers, 256 - static_cast<int>(reserved.size()));
}

TEST(packstream_decode, depth_is_bounded) {
    auto nested_lists = [](std::size_t depth) {
        buffer b(depth, 0x91);
        b.push_back(0x01);
        return b;
    };
    const limits defaults;
    value v;
    EXPECT_FALSE(decode(nested_lists(defaults.max_depth), v));
    EXPECT_EQ(decode_errc(nested_lists(defaults.max_depth + 1)), errc::too_deep);
    // A megabyte of list markers: rejected without touching the stack a million times.
    EXPECT_EQ(decode_errc(nested_lists(1 << 20)), errc::too_deep);

    buffer maps;
    for (int i = 0; i < 100; ++i) {
        maps.push_back(0xA1);
        maps.push_back(0x81);
        maps.push_back(0x6B);
    }
    maps.push_back(0xC0);
    EXPECT_EQ(decode_errc(maps), errc::too_deep);

    limits tight;
    tight.max_depth = 2;
    EXPECT_EQ(decode_errc("91 91 01", bolt5, tight), errc::ok);
    EXPECT_EQ(decode_errc("91 91 91 01", bolt5, tight), errc::too_deep);
    // Structures count: a node is one level, its property map another.
    EXPECT_EQ(decode_errc("B4 4E 01 90 A0 80", bolt5, tight), errc::ok);
    EXPECT_EQ(decode_errc("91 B4 4E 01 90 A0 80", bolt5, tight), errc::too_deep);
    // A caller cannot lift the cap: a million levels would overflow the stack.
    limits loose;
    loose.max_depth = std::numeric_limits<std::uint32_t>::max();
    EXPECT_FALSE(decode(nested_lists(limits::max_depth_cap), v, bolt5, loose));
    EXPECT_EQ(decode_errc(nested_lists(limits::max_depth_cap + 1), bolt5, loose), errc::too_deep);
    EXPECT_EQ(decode_errc(nested_lists(1 << 20), bolt5, loose), errc::too_deep);
    tight.max_depth = 0;
    EXPECT_EQ(decode_errc("01", bolt5, tight), errc::ok);
    EXPECT_EQ(decode_errc("90", bolt5, tight), errc::too_deep);
}

TEST(packstream_decode, huge_declared_lengths_are_rejected_before_allocating) {
    EXPECT_EQ(decode_errc("D2 FF FF FF FF 61"), errc::too_large);
    EXPECT_EQ(decode_errc("CE FF FF FF FF 00"), errc::too_large);
    EXPECT_EQ(decode_errc("D6 FF FF FF FF 01 01 01"), errc::too_large);
    EXPECT_EQ(decode_errc("DA FF FF FF FF 81 61 01"), errc::too_large);
    // A map of n entries needs at least 2n bytes, a list of n items at least n.
    EXPECT_EQ(decode_errc("A2 81 61"), errc::too_large);
    EXPECT_EQ(decode_errc("93 01 01"), errc::too_large);
    EXPECT_EQ(decode_errc(cat(hex("D5 01 00"), fill(255, 0x01))), errc::too_large);
    EXPECT_EQ(decode_errc(cat(hex("D5 01 00"), fill(256, 0x01))), errc::ok);

    limits tight;
    tight.max_string_bytes = 4;
    tight.max_container_items = 3;
    EXPECT_EQ(decode_errc("84 61 62 63 64", bolt5, tight), errc::ok);
    EXPECT_EQ(decode_errc("85 61 62 63 64 65", bolt5, tight), errc::too_large);
    EXPECT_EQ(decode_errc("CC 05 01 02 03 04 05", bolt5, tight), errc::too_large);
    EXPECT_EQ(decode_errc("A1 85 61 62 63 64 65 01", bolt5, tight), errc::too_large);  // keys too
    EXPECT_EQ(decode_errc("93 01 02 03", bolt5, tight), errc::ok);
    EXPECT_EQ(decode_errc("94 01 02 03 04", bolt5, tight), errc::too_large);
    EXPECT_EQ(decode_errc("A4 81 61 01 81 62 01 81 63 01 81 64 01", bolt5, tight), errc::too_large);
}

TEST(packstream_decode, map_keys_must_be_strings) {
    EXPECT_EQ(decode_errc("A1 01 01"), errc::non_string_key);
    EXPECT_EQ(decode_errc("A1 C0 01"), errc::non_string_key);
    EXPECT_EQ(decode_errc("A1 91 81 61 01"), errc::non_string_key);
    EXPECT_EQ(decode_errc("A1 B1 44 01 01"), errc::non_string_key);
    EXPECT_EQ(decode_errc("A2 81 61 01 C3 01"), errc::non_string_key);
}

TEST(packstream_decode, structures_with_wrong_field_counts_are_bad) {
    const std::pair<const char*, dialect> cases[] = {
        {"B3 4E 01 90 A0", bolt5},                    // Bolt 5 node needs an element id
        {"B4 4E 01 90 A0 81 31", bolt4},              // Bolt 4 node has none
        {"B5 52 01 02 03 81 54 A0", bolt5},           // Bolt 5 relationship has 8 fields
        {"B8 52 01 02 03 81 54 A0 80 80 80", bolt4},  // Bolt 4 relationship has 5
        {"B3 72 01 81 54 A0", bolt5},
        {"B2 50 90 90", bolt5},
        {"B0 44", bolt5},
        {"B2 44 01 02", bolt5},
        {"B1 54 01", bolt5},
        {"B2 74 01 02", bolt5},
        {"B2 49 01 02", bolt5},
        {"B4 69 01 02 81 5A 00", bolt5},
        {"B2 46 01 02", bolt4},
        {"B2 66 01 02", bolt4},
        {"B1 64 01", bolt5},
        {"B3 45 01 02 03", bolt5},
        {"B2 58 01 C1 00 00 00 00 00 00 00 00", bolt5},
        {"B3 59 01 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00", bolt5},
    };
    for (const auto& [h, d] : cases) {
        SCOPED_TRACE(h);
        EXPECT_EQ(decode_errc(h, d), errc::bad_struct);
    }
}

TEST(packstream_decode, structures_with_wrong_field_types_are_bad) {
    const std::pair<const char*, dialect> cases[] = {
        {"B1 44 81 61", bolt5},                             // date days as a string
        {"B1 44 C1 00 00 00 00 00 00 00 00", bolt5},        // ... as a float
        {"B4 4E 81 31 90 A0 81 31", bolt5},                 // node id as a string
        {"B4 4E 01 A0 A0 81 31", bolt5},                    // labels as a map
        {"B4 4E 01 91 01 A0 81 31", bolt5},                 // a label that is not a string
        {"B4 4E 01 90 90 81 31", bolt5},                    // properties as a list
        {"B4 4E 01 90 A0 01", bolt5},                       // element id as an integer
        {"B8 52 01 02 03 01 A0 80 80 80", bolt5},           // relationship type as an integer
        {"B8 52 01 02 03 81 54 A0 80 C0 80", bolt5},        // start element id null
        {"B3 72 01 81 54 C0", bolt4},                       // unbound properties null
        {"B3 50 91 01 90 90", bolt5},                       // path nodes holding an integer
        {"B3 50 90 91 B4 4E 01 90 A0 80 90", bolt5},        // path rels holding a node
        {"B3 50 90 90 91 81 61", bolt5},                    // path indices holding a string
        {"B3 50 A0 90 90", bolt5},                          // path nodes as a map
        {"B2 54 01 C0", bolt5},                             // time offset null
        {"B3 49 01 02 81 5A", bolt5},                       // date time offset as a string
        {"B3 69 01 02 03", bolt5},                          // zone id as an integer
        {"B3 58 01 02 C1 00 00 00 00 00 00 00 00", bolt5},  // point x as an integer
        {"B3 58 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00", bolt5},
        {"B4 45 01 02 03 C3", bolt5},                       // duration nanoseconds as a boolean
    };
    for (const auto& [h, d] : cases) {
        SCOPED_TRACE(h);
        EXPECT_EQ(decode_errc(h, d), errc::bad_struct);
    }
}

TEST(packstream_decode, legacy_date_time_seconds_that_overflow_are_bad) {
    EXPECT_EQ(decode_errc("B3 46 CB 80 00 00 00 00 00 00 00 00 01", bolt4), errc::bad_struct);
    EXPECT_EQ(decode_errc("B3 46 CB 7F FF FF FF FF FF FF FF 00 FF", bolt4), errc::bad_struct);
}

TEST(packstream_decode, tags_outside_the_dialect_are_unknown) {
    EXPECT_EQ(decode_errc("B1 01 00"), errc::unknown_struct);
    EXPECT_EQ(decode_errc("B0 7F"), errc::unknown_struct);
    EXPECT_EQ(decode_errc("B3 46 01 02 03", bolt5), errc::unknown_struct);
    EXPECT_EQ(decode_errc("B3 66 01 02 81 5A", bolt5), errc::unknown_struct);
    EXPECT_EQ(decode_errc("B3 49 01 02 03", bolt4), errc::unknown_struct);
    EXPECT_EQ(decode_errc("B3 69 01 02 81 5A", bolt4), errc::unknown_struct);
    EXPECT_EQ(decode_errc("B3 46 01 02 03", bolt44_utc), errc::unknown_struct);
    // Bolt messages are structures too, but not values.
    EXPECT_EQ(decode_errc("B1 70 A0"), errc::unknown_struct);
}

TEST(packstream_decode, whole_input_must_be_one_value) {
    EXPECT_EQ(decode_errc("01 02"), errc::trailing_bytes);
    EXPECT_EQ(decode_errc("A0 00"), errc::trailing_bytes);
}

TEST(packstream_decode, struct_headers_for_the_message_layer) {
    const buffer in = hex("B1 71 91 01 B0 0F");
    decoder dec(in);
    std::uint8_t t = 0, fields = 0;
    ASSERT_FALSE(dec.read_struct_header(t, fields));
    EXPECT_EQ(t, 0x71);
    EXPECT_EQ(fields, 1);
    value v;
    ASSERT_FALSE(dec.read(v));
    EXPECT_EQ(v, value(list{1}));
    ASSERT_FALSE(dec.read_struct_header(t, fields));
    EXPECT_EQ(t, 0x0F);
    EXPECT_EQ(fields, 0);
    EXPECT_TRUE(dec.at_end());
    EXPECT_EQ(dec.read_struct_header(t, fields), make_error_code(errc::truncated));

    auto header_errc = [](std::string_view h) {
        const buffer b = hex(h);
        decoder d(b);
        std::uint8_t tg = 0, f = 0;
        return d.read_struct_header(tg, f);
    };
    EXPECT_EQ(header_errc("B1"), make_error_code(errc::truncated));
    EXPECT_EQ(header_errc("91 01"), make_error_code(errc::not_a_structure));
    EXPECT_EQ(header_errc("DC 01 70"), make_error_code(errc::reserved_marker));
    EXPECT_EQ(header_errc("DD 00 01 70"), make_error_code(errc::reserved_marker));
}

// ---- encoder errors ------------------------------------------------------------------------------

TEST(packstream_encode, errors_are_sticky) {
    buffer out;
    encoder e(out);
    e.write_int(1);
    e.write_struct_header(0x4E, 16);
    EXPECT_EQ(e.error(), make_error_code(errc::size_overflow));
    e.write_int(2);
    e.write(value("more"));
    EXPECT_EQ(e.error(), make_error_code(errc::size_overflow));
    EXPECT_EQ(out, hex("01"));  // nothing after the first error

    // A value that fails part-way leaves nothing of itself behind either.
    buffer out2 = hex("B1 10");
    encoder e2(out2, bolt5);
    e2.write(value(list{1, "two", date_time_zone_id{0, 0, "Europe/Paris", true}, 4}));
    EXPECT_EQ(e2.error(), make_error_code(errc::unrepresentable));
    EXPECT_EQ(out2, hex("B1 10"));
}

TEST(packstream_encode, container_headers_up_to_u32) {
    constexpr std::size_t max_u32 = 0xFFFFFFFFu;
    buffer out;
    encoder e(out);
    e.write_list_header(max_u32);
    e.write_map_header(max_u32);
    ASSERT_FALSE(e.error());
    EXPECT_EQ(out, hex("D6 FF FF FF FF DA FF FF FF FF"));
    e.write_list_header(max_u32 + 1);
    EXPECT_EQ(e.error(), make_error_code(errc::size_overflow));

    buffer out2;
    encoder e2(out2);
    e2.write_map_header(max_u32 + 1);
    EXPECT_EQ(e2.error(), make_error_code(errc::size_overflow));
    EXPECT_TRUE(out2.empty());
}

// Strings of 4 GiB and byte arrays of 2 GiB: mapped, never touched, so no memory is spent.
TEST(packstream_encode, strings_and_bytes_beyond_packstream_sizes_overflow) {
    constexpr std::size_t four_gib = std::size_t{1} << 32;
    void* region = ::mmap(nullptr, four_gib, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) GTEST_SKIP() << "cannot map 4 GiB of address space";
    const auto* bytes_begin = static_cast<const std::uint8_t*>(region);
    {
        buffer out;
        encoder e(out);
        e.write_string(std::string_view(static_cast<const char*>(region), four_gib));
        EXPECT_EQ(e.error(), make_error_code(errc::size_overflow));
        EXPECT_TRUE(out.empty());
    }
    {
        buffer out;
        encoder e(out);
        e.write_bytes(byte_view(bytes_begin, std::size_t{1} << 31));
        EXPECT_EQ(e.error(), make_error_code(errc::size_overflow));
        EXPECT_TRUE(out.empty());
    }
    ::munmap(region, four_gib);
}

TEST(packstream_encode, zone_id_date_times_need_the_matching_layout) {
    // UTC seconds cannot be turned into a zone's wall clock without a time-zone database.
    EXPECT_EQ(encoder_error(value(date_time_zone_id{0, 0, "Europe/Berlin", false}), bolt4),
              make_error_code(errc::unrepresentable));
    EXPECT_EQ(encoder_error(value(date_time_zone_id{0, 0, "Europe/Berlin", true}), bolt5),
              make_error_code(errc::unrepresentable));
    EXPECT_EQ(encoder_error(value(date_time{std::numeric_limits<std::int64_t>::max(), 0, 1}), bolt4),
              make_error_code(errc::unrepresentable));
    EXPECT_FALSE(encoder_error(value(date_time{std::numeric_limits<std::int64_t>::max(), 0, 1}), bolt5));
}

TEST(packstream_errors, category_names_every_code) {
    EXPECT_STREQ(error_category().name(), "bolt.packstream");
    std::vector<std::string> messages;
    for (int e = static_cast<int>(errc::truncated); e <= static_cast<int>(errc::not_a_structure); ++e) {
        const std::error_code ec = static_cast<errc>(e);  // is_error_code_enum makes this implicit
        EXPECT_EQ(&ec.category(), &error_category());
        EXPECT_FALSE(ec.message().empty());
        messages.push_back(ec.message());
    }
    std::sort(messages.begin(), messages.end());
    EXPECT_EQ(std::unique(messages.begin(), messages.end()), messages.end()) << "messages must differ";
    EXPECT_NE(make_error_code(errc::too_large).message().find("length"), std::string::npos);
}

TEST(packstream_dialect, follows_the_bolt_version) {
    EXPECT_EQ(dialect::for_version(5, 0), bolt5);
    EXPECT_EQ(dialect::for_version(4, 4), bolt4);
    EXPECT_EQ(dialect::for_version(4, 4, true), bolt44_utc);
}

}  // namespace
}  // namespace bolt::packstream
