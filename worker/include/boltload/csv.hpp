// CSV for parallel import: the coordinator's quote-aware cut-point pass (csv_cutter) and the
// worker's chunk reader (csv_chunk_reader), plus typed conversion of records into Bolt rows.
//
// The dialect is RFC 4180 with the leniencies users' files need, and the cutter and the reader
// share it exactly, so records never change with where the file was cut:
// - records end at LF; a CR right before that LF (outside quotes) is dropped, a bare CR is data;
// - a field is quoted only when its first byte is the quote; inside, `""` is one quote and
//   delimiters, CR and LF are data;
// - a quote inside an unquoted field is a literal byte (lenient, like Python's csv: 5'10" works);
// - text after a closing quote (`"ab"c,`) is an error ("text after the closing quote"); the
//   record still ends where Python's csv would end it, so the next record reads normally;
// - a file ending inside quotes is an error ("unterminated quoted field") for its last record;
// - blank lines (empty, or a lone CR) are not records; a UTF-8 BOM at offset 0 is skipped;
// - a missing final newline is fine.
// Lines are physical lines counted from 1; a record's line is where it starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bolt/value.hpp"
#include "boltload/compressed_input.hpp"
#include "boltload/source_spec.hpp"

namespace boltload {

/// A malformed record or an unreadable file. `line` is 0 when the error is about the whole file,
/// `column` (1-based field number) is 0 when it is about the whole record.
class csv_error : public std::runtime_error {
public:
    csv_error(std::string file, std::uint64_t line, std::size_t column, std::string message);
    const std::string& file() const { return file_; }
    std::uint64_t line() const { return line_; }
    std::size_t column() const { return column_; }

private:
    std::string file_;
    std::uint64_t line_;
    std::size_t column_;
};

/// Where CSV bytes come from: a file read with pread (never mapped or loaded whole), or memory
/// (tests, fuzzing). Reads are positional, so one source serves several readers at once.
/// A .gz or .zst file is decoded as a stream (compressed_input.hpp): reads should go forward
/// (going back decodes again from the start), and its size is known once the end was read.
class csv_source {
public:
    /// Throws csv_error ("users.csv: No such file or directory"). `name` is what messages call
    /// it (default: the path): a spill file of Mix and Batch keeps its input file's name.
    /// The name's ending picks the decoder (compression_of).
    static csv_source open_file(const std::string& path, std::string name = {});
    /// `bytes` must outlive the source; `kind` decodes them as a compressed file would be.
    static csv_source from_memory(std::string_view bytes, std::string name = "<memory>",
                                  compression kind = compression::none);

    csv_source(csv_source&& o) noexcept;
    csv_source& operator=(csv_source&& o) noexcept;
    csv_source(const csv_source&) = delete;
    csv_source& operator=(const csv_source&) = delete;
    ~csv_source();

    /// Decoded bytes; for a compressed source unknown_size until its end has been read.
    std::uint64_t size() const { return size_; }
    static constexpr std::uint64_t unknown_size = ~std::uint64_t{0};
    const std::string& name() const { return name_; }
    /// False for compressed sources: re-reading earlier bytes is costly there.
    bool seekable() const { return decoder_ == nullptr; }
    /// Copies up to n bytes at offset into dst; returns the count (less only at the end of the
    /// file). Throws csv_error on an I/O error.
    std::size_t read(std::uint64_t offset, char* dst, std::size_t n) const;

private:
    csv_source() = default;
    std::size_t read_decoded(std::uint64_t offset, char* dst, std::size_t n) const;
    std::string name_;
    mutable std::uint64_t size_ = 0;
    int fd_ = -1;
    std::string_view memory_;
    mutable std::unique_ptr<decompressor> decoder_;
    mutable std::uint64_t decoded_ = 0;  // decoded bytes handed out so far
};

/// A byte range of the file holding whole records: [begin, end).
struct csv_chunk {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::uint64_t first_line = 1;    ///< physical line at `begin`
    std::uint64_t first_record = 0;  ///< data records (header excluded) before `begin`
    friend bool operator==(const csv_chunk&, const csv_chunk&) = default;
};

/// The header record (if the spec has one) and where the data starts.
struct csv_header {
    std::vector<std::string> names;  ///< empty without a header (or for an empty file)
    std::uint64_t data_begin = 0;    ///< first byte after the header (after the BOM without one)
    std::uint64_t data_first_line = 1;
};

/// Throws std::invalid_argument when the delimiter is CR, LF or the quote (quote '\0': no quoting).
void check_csv_dialect(const csv_spec& spec);

/// Reads the header record only (a few blocks at most). Throws csv_error for a malformed header.
csv_header read_csv_header(const csv_source& source, const csv_spec& spec);

struct csv_cut_options {
    std::uint64_t target_chunk_bytes = 8u << 20;  ///< a chunk ends at the first record end past this
    std::size_t block_bytes = 1u << 20;           ///< read size; the only memory the pass uses
};

/// The coordinator's single pass: yields chunks one at a time while it reads, so chunks can be
/// handed out before the pass ends. Memory is one block, whatever the file size.
class csv_cutter {
public:
    /// Reads the header; throws csv_error for an unreadable file or malformed header, and
    /// std::invalid_argument for an unusable dialect (delimiter equal to the quote, CR or LF).
    csv_cutter(const csv_source& source, const csv_spec& spec, csv_cut_options options = {});

    const csv_header& header() const { return header_; }
    /// The next chunk, or nullopt when the file is done.
    std::optional<csv_chunk> next();

    // Totals, complete once next() has returned nullopt.
    std::uint64_t records() const { return records_; }  ///< data records
    std::uint64_t bytes_done() const { return pos_; }  ///< progress: bytes scanned so far
    /// The file ends inside a quoted field (the last chunk's reader reports where).
    bool unterminated_quote() const { return done_ && in_quotes_; }

private:
    bool fill();
    std::optional<csv_chunk> scan();
    csv_chunk take_chunk(std::uint64_t end);

    const csv_source& source_;
    char delimiter_;
    char quote_;
    bool has_quote_;
    csv_cut_options options_;
    csv_header header_;
    std::vector<char> buf_;
    std::size_t buf_pos_ = 0;
    std::size_t buf_len_ = 0;
    std::uint64_t buf_offset_ = 0;  // file offset of buf_[0]
    std::uint64_t pos_ = 0;         // file offset of the next byte to scan
    std::uint64_t line_ = 1;        // physical line at pos_
    std::uint64_t records_ = 0;
    std::uint64_t record_start_ = 0;
    std::uint64_t chunk_begin_ = 0;
    std::uint64_t chunk_first_line_ = 1;
    std::uint64_t chunk_first_record_ = 0;
    char last_byte_ = '\n';  // byte before pos_ when pos_ starts a block
    bool in_quotes_ = false;
    bool quote_pending_ = false;  // a quote inside quotes was the last byte read: "" or close?
    bool done_ = false;
};

/// Everything in one go: header, totals and all chunks (for tests and small files).
struct csv_plan {
    csv_header header;
    std::uint64_t file_size = 0;
    std::uint64_t records = 0;
    bool unterminated_quote = false;
    std::vector<csv_chunk> chunks;
};
csv_plan plan_csv(const csv_source& source, const csv_spec& spec, csv_cut_options options = {});

/// Callback form of the same pass; returns the plan without chunks.
csv_plan cut_csv(const csv_source& source, const csv_spec& spec, csv_cut_options options,
                 const std::function<void(const csv_chunk&)>& on_chunk);

/// Asserts the chunks tile [data_begin, file_size) exactly, in order, with non-decreasing line
/// and record numbers; throws std::logic_error naming the first gap or overlap.
void check_chunks_tile(std::span<const csv_chunk> chunks, std::uint64_t data_begin,
                       std::uint64_t file_size);

/// One record. Views are valid until the reader's next call to next().
struct csv_record {
    std::span<const std::string_view> fields;  ///< unescaped
    std::string_view raw;          ///< the record as in the file, without its line terminator
    std::uint64_t line = 0;        ///< physical line where it starts
    std::uint64_t index = 0;       ///< data record number in the file, from 0
    std::uint64_t begin = 0;       ///< file offset of its first byte
    std::uint64_t end = 0;         ///< file offset after its terminator
    std::string_view file;         ///< the source's name, for messages
};

struct csv_reader_options {
    std::size_t block_bytes = 1u << 20;
    std::size_t expected_fields = 0;  ///< 0: any count
};

/// The worker's reader: reads only [chunk.begin, chunk.end) in blocks and yields its records.
/// A malformed record (and one longer than the spec's max_row_bytes) throws csv_error from next()
/// after the reader has moved past it, so the caller can set it aside as a bad row (`record()`
/// still shows it) and go on.
class csv_chunk_reader {
public:
    csv_chunk_reader(const csv_source& source, const csv_spec& spec, const csv_chunk& chunk,
                     csv_reader_options options = {});
    /// False at the end of the chunk.
    bool next();
    const csv_record& record() const { return record_; }
    /// Physical line at the reader's position (after the last record returned).
    std::uint64_t line() const { return line_; }

private:
    enum class parse_status : std::uint8_t { complete, need_more };
    enum class fault : std::uint8_t { none, unterminated, text_after_quote, too_long };
    bool refill();
    parse_status parse(bool at_end);
    void finish_fields();

    const csv_source& source_;
    char delimiter_;
    char quote_;
    bool has_quote_;
    csv_reader_options options_;
    std::uint64_t chunk_end_;
    std::uint64_t max_row_bytes_;
    std::uint64_t read_offset_;   // next file offset to read
    std::vector<char> buf_;
    std::size_t pos_ = 0;
    std::size_t len_ = 0;
    std::uint64_t buf_offset_ = 0;  // file offset of buf_[0]
    std::uint64_t line_;
    std::uint64_t index_;
    // Per record: plain fields point into buf_; unescaped ones into side_, patched at the end.
    std::vector<std::string_view> fields_;
    struct patch {
        std::size_t field, offset, size;
    };
    std::vector<patch> patches_;
    std::string side_;
    std::size_t consumed_ = 0;      // bytes of buf_ the parsed record spans, terminator included
    std::size_t raw_size_ = 0;
    fault fault_ = fault::none;
    std::size_t fault_field_ = 0;
    bool multiline_ = false;
    csv_record record_;
};

/// Record → Bolt row, by the spec's column types. Built once per phase; reuses the row storage
/// it is given, so a batch of rows costs no allocation once it has been filled once.
class row_converter {
public:
    /// `header` names the columns when the spec has none, and any column whose name is empty.
    /// Throws std::invalid_argument without names, or with duplicate names.
    row_converter(const csv_spec& spec, std::span<const std::string> header);
    std::size_t field_count() const { return columns_.size(); }
    /// Writes the row into `slot`, reusing the map (and string capacity) already there.
    /// Throws csv_error: "users.csv:17: column 'age' (3): expected an integer, got \"abc\"".
    /// String columns (and string list elements) must be valid UTF-8: Bolt strings are.
    void convert(const csv_record& record, bolt::value& slot) const;
    /// convert into rows[index], appending when index == rows.size().
    void convert_into(const csv_record& record, bolt::list& rows, std::size_t index) const;
    /// The column a row's map calls `name` (skipped columns excluded); nullopt when none does.
    std::optional<std::size_t> column_of(std::string_view name) const;
    /// One field alone, by its column's type, with the same checks and messages as convert()
    /// (Mix and Batch's passes read only the endpoint fields).
    void convert_field(const csv_record& record, std::size_t column, bolt::value& out) const;

private:
    void check_field_count(const csv_record& record) const;
    void convert_column(const csv_record& record, std::size_t i, bolt::value& v) const;

    std::vector<column_spec> columns_;
    std::size_t kept_ = 0;
};

/// A record with `found` fields where `expected` were wanted goes wrong at field
/// field_count_error_at(...) (1-based): the first missing one, or the first one too many. The
/// message names it, with its column's name when it has one: "expected 4 fields, found 3: the
/// record ends before field 4 ('age')" / "expected 4 fields, found 5: field 5 is one too many".
std::size_t field_count_error_at(std::size_t found, std::size_t expected);
std::string field_count_message(std::size_t found, std::size_t expected, std::string_view missing_name);

/// The field-level conversions, exposed for tests and the generators. Each returns false when
/// `text` does not parse as the type (out-of-range integers included).
bool parse_int(std::string_view text, std::int64_t& out);
bool parse_float(std::string_view text, double& out);
bool parse_bool(std::string_view text, bool& out);
bool parse_date(std::string_view text, bolt::date& out);
/// With an offset (Z, +01:00, +0100, +01) gives date_time, without it local_date_time.
bool parse_datetime(std::string_view text, bolt::value& out);

}  // namespace boltload
