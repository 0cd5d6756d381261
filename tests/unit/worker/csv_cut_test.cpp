// The coordinator's cut-point pass: chunks tile the file and never split a record, wherever the
// target size and the block boundaries fall, so the records read chunk by chunk are the records
// of the whole file.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "boltload/csv.hpp"

namespace {

using namespace boltload;

struct parsed {
    std::vector<std::vector<std::string>> records;
    std::vector<std::uint64_t> lines;
    std::vector<std::uint64_t> indexes;
    std::vector<std::string> errors;  // "line:column:message"
    bool operator==(const parsed&) const = default;
};

parsed read_chunks(const csv_source& source, const csv_spec& spec, const std::vector<csv_chunk>& chunks,
                   std::size_t block = 1 << 20) {
    parsed out;
    for (const csv_chunk& c : chunks) {
        csv_chunk_reader reader(source, spec, c, {.block_bytes = block});
        for (;;) {
            try {
                if (!reader.next()) break;
            } catch (const csv_error& e) {
                out.errors.push_back(std::to_string(e.line()) + ":" + std::to_string(e.column()) + ":" + e.what());
            }
            const csv_record& r = reader.record();
            out.records.emplace_back(r.fields.begin(), r.fields.end());
            out.lines.push_back(r.line);
            out.indexes.push_back(r.index);
        }
    }
    return out;
}

// The whole data section as one chunk.
parsed read_whole(const csv_source& source, const csv_spec& spec) {
    const csv_header h = read_csv_header(source, spec);
    if (h.data_begin >= source.size()) return {};
    return read_chunks(source, spec, {csv_chunk{h.data_begin, source.size(), h.data_first_line, 0}});
}

using rows = std::vector<std::vector<std::string>>;

// Quoted CRLF and LF, "" escapes, a bare quote in an unquoted field, a blank line, empty quoted
// fields, a lone CR as data, and no final newline.
const std::string tricky =
    "\"id\",\"name\",\"note\"\r\n"
    "1,\"Smith, John\",\"said \"\"hi\"\"\r\nthen left\"\r\n"
    "2,plain,5'10\"\r\n"
    "\r\n"
    "3,\"\",\"\"\"\"\n"
    "4,\"multi\nline\n\nfield\",x\n"
    "5,a\rb,\"\"\"\n,\"\"\"\n"
    "\n"
    "6,last,\"no newline\"";

TEST(csv_cut, tricky_file_parses_to_the_expected_records) {
    const csv_spec spec;
    const auto src = csv_source::from_memory(tricky, "t.csv");
    const parsed whole = read_whole(src, spec);
    const rows expected = {
        {"1", "Smith, John", "said \"hi\"\r\nthen left"},
        {"2", "plain", "5'10\""},
        {"3", "", "\""},
        {"4", "multi\nline\n\nfield", "x"},
        {"5", "a\rb", "\"\n,\""},
        {"6", "last", "no newline"},
    };
    EXPECT_EQ(whole.records, expected);
    EXPECT_EQ(whole.lines, (std::vector<std::uint64_t>{2, 4, 6, 7, 11, 14}));
    EXPECT_EQ(whole.indexes, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_TRUE(whole.errors.empty());
    const csv_plan plan = plan_csv(src, spec);
    EXPECT_EQ(plan.header.names, (std::vector<std::string>{"id", "name", "note"}));
    EXPECT_EQ(plan.records, 6u);
    ASSERT_EQ(plan.chunks.size(), 1u);
    EXPECT_EQ(plan.chunks[0], (csv_chunk{plan.header.data_begin, tricky.size(), 2, 0}));
}

// The brief's central property: a cut target at every byte gives chunks that tile the file and
// whose records, read chunk by chunk, are the whole file's records with the same lines.
TEST(csv_cut, every_target_size_gives_the_same_records) {
    const csv_spec spec;
    const auto src = csv_source::from_memory(tricky, "t.csv");
    const parsed whole = read_whole(src, spec);
    for (std::uint64_t target = 1; target <= tricky.size() + 1; ++target) {
        const csv_plan plan = plan_csv(src, spec, {.target_chunk_bytes = target, .block_bytes = 1 << 20});
        ASSERT_NO_THROW(check_chunks_tile(plan.chunks, plan.header.data_begin, plan.file_size)) << target;
        EXPECT_EQ(plan.records, whole.records.size());
        EXPECT_EQ(read_chunks(src, spec, plan.chunks), whole) << "target " << target;
        for (const csv_chunk& c : plan.chunks) {
            // Each chunk ends at a record end: the byte before it is LF (or it is the file end).
            EXPECT_TRUE(c.end == tricky.size() || tricky[c.end - 1] == '\n') << target;
        }
    }
}

// Block boundaries (the pass's only memory) at every byte, for both the cutter and the reader.
TEST(csv_cut, every_block_size_gives_the_same_chunks_and_records) {
    const csv_spec spec;
    const auto src = csv_source::from_memory(tricky, "t.csv");
    const parsed whole = read_whole(src, spec);
    const csv_plan reference = plan_csv(src, spec, {.target_chunk_bytes = 9, .block_bytes = 1 << 20});
    for (std::size_t block = 1; block <= tricky.size() + 1; ++block) {
        const csv_plan plan = plan_csv(src, spec, {.target_chunk_bytes = 9, .block_bytes = block});
        EXPECT_EQ(plan.chunks, reference.chunks) << "block " << block;
        EXPECT_EQ(read_chunks(src, spec, plan.chunks, block), whole) << "block " << block;
    }
}

TEST(csv_cut, quoted_newlines_are_never_cut) {
    const std::string data = "a,\"x\ny\nz\"\nb,\"1\r\n2\"\r\nc,d\n";
    const auto src = csv_source::from_memory(data);
    const csv_spec spec{.header = false};
    const csv_plan plan = plan_csv(src, spec, {.target_chunk_bytes = 1});
    ASSERT_EQ(plan.chunks.size(), 3u);
    EXPECT_EQ(data.substr(plan.chunks[0].begin, plan.chunks[0].end - plan.chunks[0].begin), "a,\"x\ny\nz\"\n");
    EXPECT_EQ(plan.chunks[1].first_line, 4u);
    EXPECT_EQ(plan.chunks[2].first_line, 6u);
    EXPECT_EQ(plan.chunks[2].first_record, 2u);
}

TEST(csv_cut, escaped_quotes_do_not_end_a_quoted_field) {
    // `""` followed by a newline is still inside quotes; a naive toggle-per-quote cutter agrees,
    // a cutter that closes on any quote does not.
    const std::string data = "\"a\"\"\nb\"\"\"\nc\n";
    const auto src = csv_source::from_memory(data);
    const csv_plan plan = plan_csv(src, csv_spec{.header = false}, {.target_chunk_bytes = 1});
    ASSERT_EQ(plan.chunks.size(), 2u);
    EXPECT_EQ(plan.chunks[0].end, data.size() - 2);
    EXPECT_EQ(read_chunks(src, csv_spec{.header = false}, plan.chunks).records, (rows{{"a\"\nb\""}, {"c"}}));
}

TEST(csv_cut, a_bare_quote_inside_an_unquoted_field_does_not_open_quotes) {
    // A toggle-per-quote cutter would think the rest of the file is quoted and cut nothing.
    const std::string data = "h\n5'10\",tall\nx,y\nz,w\n";
    const auto src = csv_source::from_memory(data);
    const csv_plan plan = plan_csv(src, csv_spec{}, {.target_chunk_bytes = 1});
    EXPECT_EQ(plan.chunks.size(), 3u);
}

TEST(csv_cut, crlf_files_cut_after_the_lf) {
    const std::string data = "id,v\r\n1,a\r\n2,b\r\n3,c\r\n";
    const auto src = csv_source::from_memory(data);
    const csv_plan plan = plan_csv(src, csv_spec{}, {.target_chunk_bytes = 5});
    ASSERT_EQ(plan.chunks.size(), 3u);
    EXPECT_EQ(plan.header.names, (std::vector<std::string>{"id", "v"}));
    for (const auto& c : plan.chunks) EXPECT_EQ(data[c.end - 1], '\n');
    EXPECT_EQ(read_chunks(src, csv_spec{}, plan.chunks).records, (rows{{"1", "a"}, {"2", "b"}, {"3", "c"}}));
}

TEST(csv_cut, no_trailing_newline_keeps_the_last_record) {
    const std::string data = "id\n1\n2";
    const auto src = csv_source::from_memory(data);
    const csv_plan plan = plan_csv(src, csv_spec{}, {.target_chunk_bytes = 1});
    ASSERT_EQ(plan.chunks.size(), 2u);
    EXPECT_EQ(plan.chunks.back(), (csv_chunk{5, 6, 3, 1}));
    EXPECT_EQ(plan.records, 2u);
    EXPECT_EQ(read_chunks(src, csv_spec{}, plan.chunks).records, (rows{{"1"}, {"2"}}));
}

TEST(csv_cut, empty_file_has_no_header_and_no_chunks) {
    const auto src = csv_source::from_memory("");
    const csv_plan plan = plan_csv(src, csv_spec{});
    EXPECT_TRUE(plan.header.names.empty());
    EXPECT_TRUE(plan.chunks.empty());
    EXPECT_EQ(plan.records, 0u);
    EXPECT_NO_THROW(check_chunks_tile(plan.chunks, plan.header.data_begin, plan.file_size));
    EXPECT_TRUE(plan_csv(src, csv_spec{.header = false}).chunks.empty());
}

TEST(csv_cut, header_only_files_have_no_chunks) {
    for (const std::string data : {"a,b,c", "a,b,c\n", "a,b,c\r\n", "\"a\",\"b\nb\",c\r\n\n\n"}) {
        const auto src = csv_source::from_memory(data);
        const csv_plan plan = plan_csv(src, csv_spec{});
        EXPECT_EQ(plan.header.names.size(), 3u) << data;
        EXPECT_EQ(plan.records, 0u) << data;
        EXPECT_EQ(read_chunks(src, csv_spec{}, plan.chunks).records.size(), 0u) << data;
        EXPECT_NO_THROW(check_chunks_tile(plan.chunks, plan.header.data_begin, plan.file_size));
    }
}

TEST(csv_cut, a_single_huge_record_is_one_chunk_read_whole) {
    std::string big = "id,text\n7,\"";
    for (int i = 0; i < 200000; ++i) big += (i % 1000 == 999) ? "\"\"\n" : "abcdefghij";
    big += "\",end\n";
    const auto src = csv_source::from_memory(big);
    const csv_plan plan = plan_csv(src, csv_spec{}, {.target_chunk_bytes = 1000, .block_bytes = 4096});
    ASSERT_EQ(plan.chunks.size(), 1u);
    csv_chunk_reader reader(src, csv_spec{}, plan.chunks[0], {.block_bytes = 4096});
    ASSERT_TRUE(reader.next());
    ASSERT_EQ(reader.record().fields.size(), 3u);
    EXPECT_EQ(reader.record().fields[1].size(), 200000u / 1000 * (999 * 10 + 2));
    EXPECT_EQ(reader.record().fields[2], "end");
    EXPECT_EQ(reader.line(), 2u + 200u + 1u);
    EXPECT_FALSE(reader.next());
}

TEST(csv_cut, a_bom_is_skipped_with_and_without_a_header) {
    const std::string data = "\xEF\xBB\xBFid,name\n1,a\n";
    const auto src = csv_source::from_memory(data);
    const csv_plan with = plan_csv(src, csv_spec{});
    EXPECT_EQ(with.header.names, (std::vector<std::string>{"id", "name"}));
    const csv_plan without = plan_csv(src, csv_spec{.header = false});
    EXPECT_EQ(without.header.data_begin, 3u);
    EXPECT_EQ(read_chunks(src, csv_spec{.header = false}, without.chunks).records, (rows{{"id", "name"}, {"1", "a"}}));
    // A reader handed the whole file from offset 0 skips the BOM too.
    EXPECT_EQ(read_chunks(src, csv_spec{.header = false}, {csv_chunk{0, data.size(), 1, 0}}).records[0][0], "id");
}

TEST(csv_cut, unterminated_quote_is_flagged_and_read_as_an_error) {
    const std::string data = "id,v\n1,ok\n2,\"open\n3,x\n";
    const auto src = csv_source::from_memory(data, "u.csv");
    const csv_plan plan = plan_csv(src, csv_spec{}, {.target_chunk_bytes = 1});
    EXPECT_TRUE(plan.unterminated_quote);
    ASSERT_EQ(plan.chunks.size(), 2u);
    const parsed p = read_chunks(src, csv_spec{}, plan.chunks);
    ASSERT_EQ(p.errors.size(), 1u);
    EXPECT_EQ(p.errors[0], "3:2:u.csv:3: field 2: unterminated quoted field");
    EXPECT_FALSE(plan_csv(csv_source::from_memory("a\n\"b\"\"\"\n"), csv_spec{}).unterminated_quote);
}

TEST(csv_cut, callback_and_pull_forms_hand_out_chunks_during_the_pass) {
    std::string data = "id,v\n";
    for (int i = 0; i < 5000; ++i) data += std::to_string(i) + ",\"v\n" + std::to_string(i) + "\"\n";
    const auto src = csv_source::from_memory(data);
    const csv_cut_options opts{.target_chunk_bytes = 1000, .block_bytes = 4096};
    csv_cutter cutter(src, csv_spec{}, opts);
    const auto first = cutter.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_LT(cutter.bytes_done(), data.size() / 4);  // handed out long before the end
    std::vector<csv_chunk> pulled{*first};
    while (auto c = cutter.next()) pulled.push_back(*c);
    EXPECT_EQ(cutter.records(), 5000u);
    EXPECT_EQ(cutter.bytes_done(), data.size());

    std::vector<csv_chunk> pushed;
    const csv_plan plan = cut_csv(src, csv_spec{}, opts, [&](const csv_chunk& c) { pushed.push_back(c); });
    EXPECT_EQ(pushed, pulled);
    EXPECT_TRUE(plan.chunks.empty());
    EXPECT_EQ(plan.records, 5000u);
    check_chunks_tile(pushed, plan.header.data_begin, plan.file_size);
    for (std::size_t i = 0; i + 1 < pushed.size(); ++i) EXPECT_GE(pushed[i].end - pushed[i].begin, 1000u);
    EXPECT_EQ(read_chunks(src, csv_spec{}, pushed).records.size(), 5000u);
}

// The coordinator's memory stays one block whatever the file size: the pass allocates nothing
// after construction, and a reader's steady state allocates nothing either.
TEST(csv_cut, the_pass_and_the_reader_allocate_nothing_while_running) {
    std::string data = "id,name,note\n";
    for (int i = 0; i < 20000; ++i) data += std::to_string(i) + ",\"n, " + std::to_string(i) + "\",\"a \"\"b\"\"\nc\"\n";
    const auto src = csv_source::from_memory(data);
    csv_cutter cutter(src, csv_spec{}, {.target_chunk_bytes = 1000, .block_bytes = 4096});
    std::size_t chunks = 0;
    csv_chunk last;
    {
        allocation_counter::scope counting;
        while (auto c = cutter.next()) {
            ++chunks;
            last = *c;
        }
        EXPECT_EQ(counting.count(), 0u);
    }
    EXPECT_GT(chunks, 500u);
    csv_chunk_reader reader(src, csv_spec{}, csv_chunk{cutter.header().data_begin, data.size(), 2, 0}, {.block_bytes = 4096});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(reader.next());
    std::size_t records = 10;
    {
        allocation_counter::scope counting;
        while (reader.next()) ++records;
        EXPECT_EQ(counting.count(), 0u);
    }
    EXPECT_EQ(records, 20000u);
    EXPECT_EQ(last.end, data.size());
}

TEST(csv_cut, tiling_check_names_gaps_and_overlaps) {
    const std::vector<csv_chunk> good{{10, 20, 2, 0}, {20, 30, 4, 3}};
    EXPECT_NO_THROW(check_chunks_tile(good, 10, 30));
    auto message = [](const std::vector<csv_chunk>& c, std::uint64_t b, std::uint64_t e) -> std::string {
        try {
            check_chunks_tile(c, b, e);
        } catch (const std::logic_error& err) {
            return err.what();
        }
        return "";
    };
    EXPECT_NE(message({{10, 20, 2, 0}, {21, 30, 4, 3}}, 10, 30).find("chunk 1: gap at byte 20"), std::string::npos);
    EXPECT_NE(message({{10, 20, 2, 0}, {19, 30, 4, 3}}, 10, 30).find("chunk 1: overlap"), std::string::npos);
    EXPECT_NE(message(good, 10, 31).find("they end at byte 30"), std::string::npos);
    EXPECT_NE(message(good, 9, 30).find("chunk 0: gap"), std::string::npos);
    EXPECT_NE(message({}, 0, 5).find("end at byte 0"), std::string::npos);
}

TEST(csv_cut, other_delimiters_and_quotes) {
    const std::string data = "a;'b;c'\n'x\ny';z\n";
    const csv_spec spec{.delimiter = ';', .quote = '\'', .header = false};
    const auto src = csv_source::from_memory(data);
    const csv_plan plan = plan_csv(src, spec, {.target_chunk_bytes = 1});
    ASSERT_EQ(plan.chunks.size(), 2u);
    EXPECT_EQ(read_chunks(src, spec, plan.chunks).records, (rows{{"a", "b;c"}, {"x\ny", "z"}}));
    // quote '\0' turns quoting off: quotes are data, every LF ends a record.
    const csv_spec raw{.quote = '\0', .header = false};
    const auto src2 = csv_source::from_memory("\"a\nb\"\n");
    EXPECT_EQ(read_chunks(src2, raw, plan_csv(src2, raw, {.target_chunk_bytes = 1}).chunks).records,
              (rows{{"\"a"}, {"b\""}}));
    EXPECT_THROW(plan_csv(src, csv_spec{.delimiter = '"'}), std::invalid_argument);
    EXPECT_THROW(plan_csv(src, csv_spec{.delimiter = '\n'}), std::invalid_argument);
}

TEST(csv_cut, files_are_read_by_path_and_missing_ones_named) {
    const auto path = std::filesystem::temp_directory_path() / ("boltload_csv_cut_" + std::to_string(::getpid()) + ".csv");
    {
        std::ofstream out(path, std::ios::binary);
        out << "id,name\n";
        for (int i = 0; i < 20000; ++i) out << i << ",\"name " << i << "\"\n";
    }
    const auto src = csv_source::open_file(path.string());
    const csv_plan plan = plan_csv(src, csv_spec{}, {.target_chunk_bytes = 10000, .block_bytes = 4096});
    check_chunks_tile(plan.chunks, plan.header.data_begin, plan.file_size);
    EXPECT_GT(plan.chunks.size(), 10u);
    const parsed p = read_chunks(src, csv_spec{}, plan.chunks, 4096);
    ASSERT_EQ(p.records.size(), 20000u);
    EXPECT_EQ(p.records[12345], (std::vector<std::string>{"12345", "name 12345"}));
    EXPECT_EQ(p.lines[12345], 12347u);
    std::filesystem::remove(path);
    try {
        csv_source::open_file("/nonexistent/users.csv");
        FAIL();
    } catch (const csv_error& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/users.csv: No such file or directory");
    }
}

}  // namespace
