// The worker's chunk reader: unescaped fields, physical line numbers, and errors that name the
// file, line and field and let the caller carry on with the next record.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "boltload/csv.hpp"

namespace {

using namespace boltload;
using fields = std::vector<std::string>;

csv_chunk whole(std::string_view data) { return csv_chunk{0, data.size(), 1, 0}; }

fields fields_of(const csv_record& r) { return fields(r.fields.begin(), r.fields.end()); }

std::string error_of(csv_chunk_reader& reader) {
    try {
        reader.next();
    } catch (const csv_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(csv_reader, reads_fields_unescaped_with_lines_and_indexes) {
    const std::string data = "a,\"b,c\",\"d\"\"e\"\r\n\n\"x\ny\",,\"\"\n";
    const auto src = csv_source::from_memory(data, "f.csv");
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"a", "b,c", "d\"e"}));
    EXPECT_EQ(r.record().line, 1u);
    EXPECT_EQ(r.record().index, 0u);
    EXPECT_EQ(r.record().raw, "a,\"b,c\",\"d\"\"e\"");
    EXPECT_EQ(r.record().begin, 0u);
    EXPECT_EQ(r.record().end, 16u);
    EXPECT_EQ(r.record().file, "f.csv");
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"x\ny", "", ""}));
    EXPECT_EQ(r.record().line, 3u);
    EXPECT_EQ(r.record().index, 1u);
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.line(), 5u);
}

TEST(csv_reader, numbers_lines_and_records_from_the_chunk_start) {
    const std::string data = "skip me\nq,1\nr,2\n";
    const auto src = csv_source::from_memory(data);
    csv_chunk_reader r(src, csv_spec{.header = false}, csv_chunk{8, data.size(), 41, 1000});
    ASSERT_TRUE(r.next());
    EXPECT_EQ(r.record().line, 41u);
    EXPECT_EQ(r.record().index, 1000u);
    ASSERT_TRUE(r.next());
    EXPECT_EQ(r.record().line, 42u);
    EXPECT_EQ(r.record().begin, 12u);
    EXPECT_FALSE(r.next());
}

TEST(csv_reader, reads_only_its_chunk) {
    const std::string data = "1,a\n2,b\n3,c\n";
    const auto src = csv_source::from_memory(data);
    csv_chunk_reader r(src, csv_spec{.header = false}, csv_chunk{4, 8, 2, 1});
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"2", "b"}));
    EXPECT_FALSE(r.next());
}

TEST(csv_reader, unterminated_quote_names_file_line_and_field) {
    const std::string data = "1,a,b\n2,\"never\nclosed,c\n";
    const auto src = csv_source::from_memory(data, "users.csv");
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data));
    ASSERT_TRUE(r.next());
    try {
        r.next();
        FAIL();
    } catch (const csv_error& e) {
        EXPECT_STREQ(e.what(), "users.csv:2: field 2: unterminated quoted field");
        EXPECT_EQ(e.file(), "users.csv");
        EXPECT_EQ(e.line(), 2u);
        EXPECT_EQ(e.column(), 2u);
    }
    EXPECT_EQ(r.record().raw, "2,\"never\nclosed,c\n");
    EXPECT_FALSE(r.next());
}

TEST(csv_reader, wrong_field_count_is_an_error_and_reading_goes_on) {
    const std::string data = "1,2,3,4\n1,2,3\n1,2,3,4,5\n5,6,7,8\n";
    const auto src = csv_source::from_memory(data, "users.csv");
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data), {.expected_fields = 4});
    ASSERT_TRUE(r.next());
    EXPECT_EQ(error_of(r), "users.csv:2: expected 4 fields, found 3: the record ends before field 4");
    EXPECT_EQ(r.record().raw, "1,2,3");  // what a dead-letter file gets
    EXPECT_EQ(error_of(r), "users.csv:3: expected 4 fields, found 5: field 5 is one too many");
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"5", "6", "7", "8"}));
    EXPECT_EQ(r.record().line, 4u);
    EXPECT_EQ(r.record().index, 3u);
}

TEST(csv_reader, a_field_count_error_names_the_field_where_the_record_went_wrong) {
    const std::string data = "1,2,3,4\n1,2\n1,2,3,4,5,6\n";
    const auto src = csv_source::from_memory(data, "users.csv");
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data), {.expected_fields = 4});
    ASSERT_TRUE(r.next());
    for (const std::size_t column : {3u, 5u}) {
        try {
            r.next();
            FAIL();
        } catch (const csv_error& e) {
            EXPECT_EQ(e.column(), column) << e.what();
        }
    }
    EXPECT_EQ(field_count_message(6, 4, {}), "expected 4 fields, found 6: field 5 and those after it are too many");
}

TEST(csv_reader, a_record_longer_than_max_row_bytes_is_an_error_and_reading_goes_on) {
    const std::string data = "a,b\n" + std::string(100, 'x') + ",y\n\"c\nd\",e\n";
    const auto src = csv_source::from_memory(data, "long.csv");
    csv_spec spec{.header = false};
    spec.max_row_bytes = 20;
    csv_chunk_reader r(src, spec, whole(data), {.block_bytes = 8});
    ASSERT_TRUE(r.next());
    EXPECT_EQ(error_of(r), "long.csv:2: the record is 103 bytes, longer than max_row_bytes (20)");
    EXPECT_EQ(r.record().raw.size(), 102u);  // still there, for the bad-rows file
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"c\nd", "e"}));
    EXPECT_EQ(r.record().line, 3u);
}

TEST(csv_reader, text_after_a_closing_quote_is_an_error_for_that_record_only) {
    const std::string data = "\"ab\"c,d\n\"ok\",e\n";
    const auto src = csv_source::from_memory(data, "q.csv");
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data));
    try {
        r.next();
        FAIL();
    } catch (const csv_error& e) {
        EXPECT_STREQ(e.what(), "q.csv:1: field 1: text after the closing quote");
        EXPECT_EQ(e.column(), 1u);
    }
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"ok", "e"}));
    EXPECT_EQ(r.record().line, 2u);
}

TEST(csv_reader, quotes_inside_unquoted_fields_are_literal) {
    const std::string data = "5'10\",a\"b\"c,x\"\n";
    const auto src = csv_source::from_memory(data);
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"5'10\"", "a\"b\"c", "x\""}));
}

TEST(csv_reader, crlf_is_a_line_end_and_a_bare_cr_is_data) {
    const std::string data = "a\rb,c\r\n\"q\"\r\nlast\r";
    const auto src = csv_source::from_memory(data);
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"a\rb", "c"}));
    EXPECT_EQ(r.record().raw, "a\rb,c");
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"q"}));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"last"}));
    EXPECT_FALSE(r.next());
}

TEST(csv_reader, empty_fields_and_trailing_delimiters) {
    const std::string data = ",\n,,\r\n\"\",\n";
    const auto src = csv_source::from_memory(data);
    csv_chunk_reader r(src, csv_spec{.header = false}, whole(data));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"", ""}));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"", "", ""}));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"", ""}));
}

TEST(csv_reader, tiny_blocks_give_the_same_records) {
    const std::string data = "\xEF\xBB\xBF\"a\"\"b\",c\r\n\r\n\"x\r\ny\",\"\"\"\"\nlast,\"q\"";
    const auto src = csv_source::from_memory(data);
    std::vector<fields> reference;
    {
        csv_chunk_reader r(src, csv_spec{.header = false}, whole(data));
        while (r.next()) reference.push_back(fields_of(r.record()));
    }
    ASSERT_EQ(reference, (std::vector<fields>{{"a\"b", "c"}, {"x\r\ny", "\""}, {"last", "q"}}));
    for (std::size_t block = 1; block < data.size() + 2; ++block) {
        csv_chunk_reader r(src, csv_spec{.header = false}, whole(data), {.block_bytes = block});
        std::vector<fields> got;
        std::vector<std::uint64_t> lines;
        while (r.next()) {
            got.push_back(fields_of(r.record()));
            lines.push_back(r.record().line);
        }
        EXPECT_EQ(got, reference) << block;
        EXPECT_EQ(lines, (std::vector<std::uint64_t>{1, 3, 5})) << block;
    }
}

TEST(csv_reader, tab_separated_and_semicolon_files) {
    const std::string data = "a\tb c\t\"d\te\"\n";
    const auto src = csv_source::from_memory(data);
    csv_chunk_reader r(src, csv_spec{.delimiter = '\t', .header = false}, whole(data));
    ASSERT_TRUE(r.next());
    EXPECT_EQ(fields_of(r.record()), (fields{"a", "b c", "d\te"}));
    const std::string semi = "1;2,5\n";
    const auto src2 = csv_source::from_memory(semi);
    csv_chunk_reader r2(src2, csv_spec{.delimiter = ';', .header = false}, whole(semi));
    ASSERT_TRUE(r2.next());
    EXPECT_EQ(fields_of(r2.record()), (fields{"1", "2,5"}));
}

TEST(csv_reader, header_reading_reports_a_broken_header) {
    const auto src = csv_source::from_memory("\"id,name\n1,a\n", "h.csv");
    EXPECT_THROW(read_csv_header(src, csv_spec{}), csv_error);
    const auto ok = csv_source::from_memory("\n\nid,name\n1,a\n");
    const csv_header h = read_csv_header(ok, csv_spec{});
    EXPECT_EQ(h.names, (std::vector<std::string>{"id", "name"}));
    EXPECT_EQ(h.data_begin, 10u);
    EXPECT_EQ(h.data_first_line, 4u);
}

}  // namespace
