// Compressed CSV input: .gz and .zst decode to the same records as the plain file, concatenated
// members and frames are read whole, and damage is a csv_error that names the file.
#include <gtest/gtest.h>

#include <string>

#include "boltload/compressed_input.hpp"
#include "boltload/csv.hpp"
#include "compress.hpp"
#include "temp_dir.hpp"

namespace {

using namespace boltload;
using boltload::testing::gzip_bytes;
using boltload::testing::zstd_bytes;

std::string sample(int rows) {
    std::string s = "id,name\n";
    for (int i = 0; i < rows; ++i) s += std::to_string(i) + ",\"x, " + std::to_string(i) + "\"\n";
    return s;
}

std::string decode_all(const csv_source& src) {
    std::string out;
    char buf[1000];
    for (std::uint64_t at = 0;;) {
        const std::size_t n = src.read(at, buf, sizeof buf);
        if (n == 0) return out;
        out.append(buf, n);
        at += n;
    }
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const csv_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(compressed_input, kind_follows_the_file_name) {
    EXPECT_EQ(compression_of("a/b.csv.gz"), compression::gzip);
    EXPECT_EQ(compression_of("b.zst"), compression::zstd);
    EXPECT_EQ(compression_of("b.csv"), compression::none);
    EXPECT_EQ(compression_of("gz"), compression::none);
}

TEST(compressed_input, gzip_and_zstd_decode_to_the_plain_bytes) {
    const std::string text = sample(20'000);
    for (const auto& [bytes, kind] : {std::pair{gzip_bytes(text), compression::gzip}, std::pair{zstd_bytes(text), compression::zstd}}) {
        const csv_source src = csv_source::from_memory(bytes, "x", kind);
        EXPECT_FALSE(src.seekable());
        EXPECT_EQ(src.size(), csv_source::unknown_size);
        EXPECT_EQ(decode_all(src), text);
        EXPECT_EQ(src.size(), text.size());  // known once the end was read
    }
}

TEST(compressed_input, reading_back_decodes_again_from_the_start) {
    const std::string text = sample(5'000);
    const std::string gz = gzip_bytes(text);
    const csv_source src = csv_source::from_memory(gz, "x.gz", compression::gzip);
    char a[10], b[10];
    ASSERT_EQ(src.read(50'000, a, 10), 10u);
    ASSERT_EQ(src.read(7, b, 10), 10u);  // backwards: rewinds
    EXPECT_EQ(std::string(a, 10), text.substr(50'000, 10));
    EXPECT_EQ(std::string(b, 10), text.substr(7, 10));
}

TEST(compressed_input, concatenated_members_and_frames_are_one_file) {
    const std::string a = sample(100), b = "100,\"x, 100\"\n";
    const std::string gz = gzip_bytes(a) + gzip_bytes(b);
    EXPECT_EQ(decode_all(csv_source::from_memory(gz, "x", compression::gzip)), a + b);
    const std::string zs = zstd_bytes(a) + zstd_bytes(b);
    EXPECT_EQ(decode_all(csv_source::from_memory(zs, "x", compression::zstd)), a + b);
}

TEST(compressed_input, the_plan_is_one_chunk_with_every_record) {
    const std::string text = sample(3'000);
    const std::string zs = zstd_bytes(text);
    const csv_source src = csv_source::from_memory(zs, "x.zst", compression::zstd);
    const csv_plan plan = plan_csv(src, csv_spec{}, {.target_chunk_bytes = ~std::uint64_t{0}});
    EXPECT_EQ(plan.records, 3'000u);
    ASSERT_EQ(plan.chunks.size(), 1u);
    EXPECT_EQ(plan.header.names, (std::vector<std::string>{"id", "name"}));
    // The worker's reader: from the data's start to the end of the stream.
    const csv_source again = csv_source::from_memory(zs, "x.zst", compression::zstd);
    csv_chunk_reader reader(again, csv_spec{}, {plan.header.data_begin, csv_source::unknown_size, 2, 0});
    std::size_t n = 0;
    std::string last;
    while (reader.next()) {
        ++n;
        last = std::string(reader.record().fields[1]);
    }
    EXPECT_EQ(n, 3'000u);
    EXPECT_EQ(last, "x, 2999");
}

TEST(compressed_input, truncated_damaged_or_foreign_data_are_errors_naming_the_file) {
    const std::string text = sample(5'000);
    const std::string gz = gzip_bytes(text), zs = zstd_bytes(text);
    const std::string gz_cut = gz.substr(0, gz.size() / 2), zs_cut = zs.substr(0, zs.size() - 10);
    std::string gz_bad = gz;
    gz_bad[gz.size() / 2] ^= 0x55;
    gz_bad[gz.size() / 2 + 1] ^= 0x55;
    const auto decode = [](const std::string& bytes, compression kind) {
        return message_of([&] { decode_all(csv_source::from_memory(bytes, "in.csv.z", kind)); });
    };
    EXPECT_NE(decode(gz_cut, compression::gzip).find("in.csv.z: truncated"), std::string::npos) << decode(gz_cut, compression::gzip);
    EXPECT_NE(decode(zs_cut, compression::zstd).find("in.csv.z: truncated"), std::string::npos) << decode(zs_cut, compression::zstd);
    EXPECT_NE(decode(gz_bad, compression::gzip).find("in.csv.z: damaged gzip data"), std::string::npos) << decode(gz_bad, compression::gzip);
    EXPECT_NE(decode(text, compression::gzip).find("not a gzip file"), std::string::npos);
    EXPECT_NE(decode(text, compression::zstd).find("not a zstd file"), std::string::npos);
    EXPECT_NE(decode("", compression::gzip).find("not a gzip file (it is empty)"), std::string::npos);
    EXPECT_NE(decode(gz + "junk", compression::gzip).find("bytes after the end"), std::string::npos);
}

TEST(compressed_input, files_are_decoded_by_their_name) {
    boltload::testing::temp_dir dir;
    const std::string text = sample(100);
    const auto path = dir.write("a.csv.gz", gzip_bytes(text));
    EXPECT_EQ(decode_all(csv_source::open_file(path.string())), text);
    EXPECT_NE(message_of([&] { csv_source::open_file((dir.path / "none.csv.zst").string()); }).find("none.csv.zst"),
              std::string::npos);
}

}  // namespace
