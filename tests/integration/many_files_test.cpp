// Many input files and compressed input, end to end: the real boltload against a server in this
// process. 50 files (plain, .gz, .zst) by 8 workers end with exact counts (memgraph#3112 got
// duplicates that way); a glob matching nothing, a truncated .gz and mixed headers are refused
// before anything is imported; dead letters name the file; --resume notices a changed file list.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "boltload_process.hpp"
#include "compress.hpp"

namespace {

namespace fs = std::filesystem;
using boltload::testing::counting_server;
using boltload::testing::gzip_bytes;
using boltload::testing::zstd_bytes;
using boltload::testing::read_file;
using boltload::testing::read_json;
using boltload::testing::temp_dir;

const fs::path bin_dir = BOLTLOAD_BIN_DIR;

/// Rows `first .. first+count-1` as "id,name" CSV with its header.
std::string rows(int first, int count, const std::string& header = "id,name") {
    std::string s = header + "\n";
    for (int i = first; i < first + count; ++i) s += std::to_string(i) + ",\"n, " + std::to_string(i) + "\"\n";
    return s;
}

std::string config(const std::string& uri, const std::string& path, int workers, const std::string& extra = "") {
    return "connection:\n  uri: " + uri +
           "\nphases:\n"
           "  - name: nodes\n"
           "    source:\n"
           "      csv:\n"
           "        path: " + path + "\n"
           "        columns: [{name: id, type: int}, name]\n"
           "    query: 'UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name})'\n"
           "    batch_size: 100\n"
           "    chunk_bytes: 4096\n"
           "    workers: " + std::to_string(workers) + "\n" + extra;
}

/// 50 files of 400 rows: every fifth gzip, every fifth other one zstd, the rest plain.
void write_fifty(temp_dir& dir) {
    fs::create_directories(dir.path / "data");
    for (int f = 0; f < 50; ++f) {
        const std::string text = rows(f * 400, 400);
        const std::string name = fmt::format("data/part-{:03}", f);
        if (f % 5 == 1)
            dir.write(name + ".csv.gz", gzip_bytes(text));
        else if (f % 5 == 3)
            dir.write(name + ".csv.zst", zstd_bytes(text));
        else
            dir.write(name + ".csv", text);
    }
}

TEST(ManyFiles, FiftyFilesByEightWorkersEndWithExactCounts) {
    counting_server s;
    temp_dir dir{"boltload-files"};
    write_fifty(dir);
    dir.write("c.yaml", config(s.uri(), "[data/part-*.csv, data/part-*.csv.gz, data/part-*.csv.zst]", 8));
    auto c = start_boltload_in(bin_dir, dir, {"import", "c.yaml", "--report", "r.json", "--quiet"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 20'000);
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(DISTINCT n.id)"), 20'000);
    EXPECT_EQ(s.count("MATCH (n:N) WHERE n.name = 'n, ' + toString(n.id) RETURN count(n)"), 20'000);
    const auto r = read_json(dir.path / "r.json");
    EXPECT_EQ(r.at("rows_committed"), 20'000);
    EXPECT_EQ(r.at("rows_input"), 20'000);
    EXPECT_GE(r.at("batches").get<int>(), 200);  // at least 4 of 100 rows per file: batches never span two files
}

TEST(ManyFiles, AGlobThatMatchesNothingIsAConfigError) {
    counting_server s;
    temp_dir dir{"boltload-files"};
    dir.write("c.yaml", config(s.uri(), "data/none-*.csv", 2));
    auto c = start_boltload_in(bin_dir, dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2);
    EXPECT_NE(c.stderr_text().find("phases[0].source.csv.path: no file matches"), std::string::npos) << c.stderr_text();
}

TEST(ManyFiles, ATruncatedGzipFileIsRefusedBeforeAnythingIsImported) {
    counting_server s;
    temp_dir dir{"boltload-files"};
    dir.write("a.csv", rows(0, 500));
    const std::string gz = gzip_bytes(rows(500, 5'000));
    dir.write("b.csv.gz", gz.substr(0, gz.size() / 2));
    dir.write("c.yaml", config(s.uri(), "['a.csv', 'b.csv.gz']", 2));
    auto c = start_boltload_in(bin_dir, dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2);
    EXPECT_NE(c.stderr_text().find("b.csv.gz: truncated"), std::string::npos) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n) RETURN count(n)"), 0);
    EXPECT_FALSE(fs::exists(dir.path / "c.yaml.journal.jsonl"));  // a later run is not told to --resume
}

TEST(ManyFiles, ACorruptZstdFileIsRefusedNamingIt) {
    counting_server s;
    temp_dir dir{"boltload-files"};
    std::string z = zstd_bytes(rows(0, 5'000));
    for (std::size_t i = z.size() / 2; i < z.size() / 2 + 64; ++i) z[i] = static_cast<char>(z[i] ^ 0x5a);
    dir.write("a.csv.zst", z);
    dir.write("c.yaml", config(s.uri(), "a.csv.zst", 2));
    auto c = start_boltload_in(bin_dir, dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2);
    EXPECT_NE(c.stderr_text().find("a.csv.zst: "), std::string::npos) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n) RETURN count(n)"), 0);
}

TEST(ManyFiles, MixedHeadersAreRefusedNamingBothFiles) {
    counting_server s;
    temp_dir dir{"boltload-files"};
    dir.write("p1.csv", rows(0, 100));
    dir.write("p2.csv", rows(100, 100, "id,title"));
    dir.write("c.yaml", config(s.uri(), "p*.csv", 2));
    auto c = start_boltload_in(bin_dir, dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2);
    const std::string err = c.stderr_text();
    EXPECT_NE(err.find("p2.csv:1: its header (id, title) differs from the header of"), std::string::npos) << err;
    EXPECT_NE(err.find("p1.csv (id, name)"), std::string::npos) << err;
    EXPECT_EQ(s.count("MATCH (n) RETURN count(n)"), 0);
}

TEST(ManyFiles, DeadLettersNameTheFileAndLine) {
    counting_server s;
    temp_dir dir{"boltload-files"};
    dir.write("f1.csv", rows(0, 50));
    std::string bad = rows(50, 50);
    dir.write("f2.csv.gz", gzip_bytes(bad.replace(bad.find("\n60,"), 4, "\n0,")));  // divides by zero
    dir.write("c.yaml", "connection:\n  uri: " + s.uri() +
                            "\nphases:\n  - name: nodes\n    source:\n      csv:\n        path: 'f*.csv*'\n"
                            "        columns: [{name: id, type: int}, name]\n"
                            "    query: 'UNWIND $batch AS row CREATE (:N {x: 100 / row.id})'\n"
                            "    batch_size: 10\n    workers: 2\n    max_failed_batches: 5\n"
                            "    dead_letter: dead.csv\n");
    auto c = start_boltload_in(bin_dir, dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 1) << c.stderr_text();
    // Id 0 fails in both files: f1.csv's first batch (line 2) and f2.csv.gz's second (line 12).
    const std::string errors = read_file(dir.path / "dead.csv.errors.jsonl");
    EXPECT_NE(errors.find("f1.csv\",\"first_line\":2"), std::string::npos) << errors;
    EXPECT_NE(errors.find("f2.csv.gz\",\"first_line\":12"), std::string::npos) << errors;
    const std::string dead = read_file(dir.path / "dead.csv");
    EXPECT_NE(dead.find("0,\"n, 60\"\n"), std::string::npos) << dead;  // the compressed file's row, as read
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 80);
}

TEST(ManyFiles, ResumeRefusesAChangedFileList) {
    counting_server s;
    temp_dir dir{"boltload-files"};
    dir.write("p1.csv", rows(0, 100));
    dir.write("p2.csv", rows(100, 100));
    dir.write("c.yaml", config(s.uri(), "p*.csv", 2));
    auto c = start_boltload_in(bin_dir, dir, {"import", "c.yaml", "--quiet"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    dir.write("p3.csv", rows(200, 100));
    auto r = start_boltload_in(bin_dir, dir, {"import", "c.yaml", "--resume"}, "resume");
    EXPECT_EQ(r.wait_exit(), 2);
    EXPECT_NE(r.stderr_text().find("was written for other input"), std::string::npos) << r.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 200);
}

}  // namespace
