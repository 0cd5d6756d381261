// Many input files: the config's list and globs, the input check (headers alike, compressed
// files whole) and the chunk plan's stable ids k·files + f.
#include <gtest/gtest.h>

#include <string>

#include "boltload/chunk_plans.hpp"
#include "boltload/config.hpp"
#include "boltload/csv_inputs.hpp"
#include "compress.hpp"
#include "temp_dir.hpp"

namespace {

using namespace boltload;
using boltload::testing::gzip_bytes;
using boltload::testing::temp_dir;
using boltload::testing::zstd_bytes;

std::string rows(int first, int count, const std::string& header = "id,name") {
    std::string s = header + "\n";
    for (int i = first; i < first + count; ++i) s += std::to_string(i) + ",n" + std::to_string(i) + "\n";
    return s;
}

run_config load(const temp_dir& dir, const std::string& path_yaml) {
    dir.write("c.yaml", "phases:\n  - name: p\n    source: {csv: {path: " + path_yaml +
                            "}}\n    query: UNWIND $batch AS r CREATE (:N)\n    chunk_bytes: 64\n");
    return load_config(dir.path / "c.yaml");
}

TEST(csv_inputs, a_glob_and_a_list_give_every_file_once_in_byte_order) {
    temp_dir dir;
    for (const char* name : {"p-10.csv", "p-2.csv", "P-1.csv", "q.csv"}) dir.write(name, rows(0, 1));
    std::filesystem::create_directory(dir.path / "p-dir.csv");  // a directory is not an input file
    const run_config c = load(dir, "[q.csv, 'p-*.csv', 'P-*.csv', p-2.csv]");
    const auto& csv = std::get<csv_spec>(c.phases[0].work.source);
    std::vector<std::string> names;
    for (const auto& f : csv_files(csv)) names.push_back(std::filesystem::path(f).filename());
    EXPECT_EQ(names, (std::vector<std::string>{"P-1.csv", "p-10.csv", "p-2.csv", "q.csv"}));
    EXPECT_EQ(csv.path, csv.files.front());
}

TEST(csv_inputs, a_glob_matching_nothing_and_a_missing_file_are_config_errors) {
    temp_dir dir;
    try {
        load(dir, "[none-*.csv, missing.csv]");
        FAIL();
    } catch (const config_error& e) {
        ASSERT_EQ(e.problems().size(), 2u);
        EXPECT_NE(e.problems()[0].find("phases[0].source.csv.path[0]: no file matches"), std::string::npos) << e.what();
        EXPECT_NE(e.problems()[1].find("phases[0].source.csv.path[1]: file not found"), std::string::npos) << e.what();
    }
}

TEST(csv_inputs, chunk_ids_are_k_times_files_plus_f_and_compressed_files_are_one_chunk) {
    temp_dir dir;
    dir.write("a.csv", rows(0, 40));            // several chunks of 64 bytes
    dir.write("b.csv.gz", gzip_bytes(rows(40, 40)));
    dir.write("c.csv.zst", zstd_bytes(rows(80, 40)));
    const run_config c = load(dir, "'*.csv*'");
    const auto plan = make_chunk_plan(c.phases[0]);
    std::map<std::uint64_t, std::uint64_t> rows_by_id;
    std::uint64_t total = 0;
    while (auto p = plan->next()) {
        const auto& r = std::get<csv_range>(p->work.range);
        EXPECT_EQ(csv_file_of_chunk(p->work.chunk_id, 3), r.file);
        EXPECT_TRUE(rows_by_id.emplace(p->work.chunk_id, p->rows).second) << p->work.chunk_id;
        total += p->rows;
    }
    EXPECT_EQ(total, 120u);
    EXPECT_EQ(plan->input_rows(), 120u);
    EXPECT_EQ(rows_by_id.at(1), 40u);  // b.csv.gz: chunk 0 of file 1
    EXPECT_EQ(rows_by_id.at(2), 40u);  // c.csv.zst
    EXPECT_FALSE(rows_by_id.contains(4));  // no second chunk of b
    EXPECT_TRUE(rows_by_id.contains(3) && rows_by_id.contains(6));  // a's chunks 1 and 2
}

TEST(csv_inputs, the_check_refuses_a_header_that_differs_and_decodes_only_wanted_files) {
    temp_dir dir;
    csv_spec spec;
    spec.files = {dir.write("a.csv", rows(0, 3)).string(), dir.write("b.csv.gz", gzip_bytes(rows(3, 3))).string(),
                  dir.write("c.csv", rows(6, 3, "id,title")).string()};
    spec.path = spec.files.front();
    try {
        check_csv_inputs(spec);
        FAIL();
    } catch (const csv_error& e) {
        EXPECT_EQ(e.file(), spec.files[2]);
        EXPECT_NE(std::string(e.what()).find("its header (id, title) differs"), std::string::npos) << e.what();
    }
    spec.files.pop_back();
    const csv_inputs all = check_csv_inputs(spec);
    EXPECT_TRUE(all.files[1].decoded);
    EXPECT_EQ(all.files[1].records, 3u);
    const csv_inputs others = check_csv_inputs(spec, [](std::uint64_t id) { return id != 1; });
    EXPECT_FALSE(others.files[1].decoded);
}

TEST(csv_inputs, a_truncated_compressed_file_fails_the_check) {
    temp_dir dir;
    const std::string gz = gzip_bytes(rows(0, 2'000));
    csv_spec spec;
    spec.path = dir.write("t.csv.gz", gz.substr(0, gz.size() - 20)).string();
    try {
        check_csv_inputs(spec);
        FAIL();
    } catch (const csv_error& e) {
        EXPECT_NE(std::string(e.what()).find("t.csv.gz: truncated"), std::string::npos) << e.what();
    }
}

}  // namespace
