// The worker's CSV reader: parses one chunk's records from positional block reads, with views
// into its buffer for plain fields and a side buffer only for fields that needed unescaping.
#include <algorithm>
#include <cstring>
#include <string>

#include "boltload/csv.hpp"

namespace boltload {

namespace {
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::size_t min_buffer = 1;
}  // namespace

csv_chunk_reader::csv_chunk_reader(const csv_source& source, const csv_spec& spec,
                                   const csv_chunk& chunk, csv_reader_options options)
    : source_(source),
      delimiter_(spec.delimiter),
      quote_(spec.quote),
      has_quote_(spec.quote != '\0'),
      options_(options),
      chunk_end_(std::min(chunk.end, source.size())),
      max_row_bytes_(spec.max_row_bytes),
      read_offset_(chunk.begin),
      buf_offset_(chunk.begin),
      line_(chunk.first_line),
      index_(chunk.first_record) {
    check_csv_dialect(spec);
    const std::uint64_t span = chunk_end_ > chunk.begin ? chunk_end_ - chunk.begin : 1;
    buf_.resize(static_cast<std::size_t>(
        std::clamp<std::uint64_t>(span, min_buffer, std::max(options_.block_bytes, min_buffer))));
    fields_.reserve(16);
    if (chunk.begin == 0 && chunk_end_ > 0) {
        refill();
        while (len_ < utf8_bom.size() && refill()) {}
        if (std::string_view(buf_.data(), std::min(len_, utf8_bom.size())) == utf8_bom) pos_ = utf8_bom.size();
    }
}

// Keeps the unparsed tail, grows the buffer when one record fills it, and reads more of the chunk.
bool csv_chunk_reader::refill() {
    if (pos_ > 0) {
        std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
        buf_offset_ += pos_;
        len_ -= pos_;
        pos_ = 0;
    }
    if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);
    if (read_offset_ >= chunk_end_) return false;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf_.size() - len_, chunk_end_ - read_offset_));
    const std::size_t got = source_.read(read_offset_, buf_.data() + len_, want);
    if (got == 0) {  // the file is shorter than the plan said: end the chunk here
        chunk_end_ = read_offset_;
        return false;
    }
    len_ += got;
    read_offset_ += got;
    return true;
}

bool csv_chunk_reader::next() {
    for (;;) {
        const bool at_end = read_offset_ >= chunk_end_;
        if (pos_ == len_) {
            if (at_end || !refill()) return false;
            continue;
        }
        // Blank lines are not records.
        const char c = buf_[pos_];
        if (c == '\n') {
            ++pos_;
            ++line_;
            continue;
        }
        if (c == '\r') {
            if (pos_ + 1 < len_) {
                if (buf_[pos_ + 1] == '\n') {
                    pos_ += 2;
                    ++line_;
                    continue;
                }
            } else if (at_end) {
                ++pos_;
                continue;
            } else {
                refill();
                continue;
            }
        }
        if (parse(at_end) == parse_status::need_more) {
            refill();
            continue;
        }
        break;
    }
    finish_fields();
    const char* start = buf_.data() + pos_;
    record_.fields = fields_;
    record_.raw = std::string_view(start, raw_size_);
    record_.line = line_;
    record_.index = index_++;
    record_.begin = buf_offset_ + pos_;
    record_.end = record_.begin + consumed_;
    record_.file = source_.name();
    if (multiline_) line_ += static_cast<std::uint64_t>(std::count(start, start + consumed_, '\n'));
    else if (consumed_ > raw_size_ && start[consumed_ - 1] == '\n') ++line_;
    pos_ += consumed_;

    const std::string& file = source_.name();
    if (fault_ == fault::unterminated)
        throw csv_error(file, record_.line, fault_field_,
                        "field " + std::to_string(fault_field_) + ": unterminated quoted field");
    if (fault_ == fault::text_after_quote)
        throw csv_error(file, record_.line, fault_field_,
                        "field " + std::to_string(fault_field_) + ": text after the closing quote");
    if (consumed_ > max_row_bytes_)
        throw csv_error(file, record_.line, 0,
                        "the record is " + std::to_string(consumed_) + " bytes, longer than max_row_bytes (" +
                            std::to_string(max_row_bytes_) + ")");
    if (options_.expected_fields != 0 && fields_.size() != options_.expected_fields) {
        const std::size_t at = field_count_error_at(fields_.size(), options_.expected_fields);
        throw csv_error(file, record_.line, at, field_count_message(fields_.size(), options_.expected_fields, {}));
    }
    return true;
}

void csv_chunk_reader::finish_fields() {
    for (const patch& p : patches_) fields_[p.field] = std::string_view(side_.data() + p.offset, p.size);
}

// Parses the record at pos_. Returns need_more when the buffer ends before the record does and
// more of the chunk is left; the caller refills and the record is parsed again from its start.
csv_chunk_reader::parse_status csv_chunk_reader::parse(bool at_end) {
    fields_.clear();
    patches_.clear();
    side_.clear();
    fault_ = fault::none;
    multiline_ = false;
    const char* const start = buf_.data() + pos_;
    const char* const e = buf_.data() + len_;
    const char* p = start;
    const char* lf = nullptr;  // the next LF at or after p, or null for none in the buffer
    bool lf_known = false;

    auto push = [&](const char* from, const char* to) {
        fields_.emplace_back(from, static_cast<std::size_t>(to - from));
    };
    auto push_quoted = [&](const char* from, const char* to, bool escaped) {
        if (!escaped) return push(from, to);
        const std::size_t offset = side_.size();
        // Every quote in [from, to) is the first of a "" pair: a lone one would have closed.
        while (from < to) {
            const char* q = static_cast<const char*>(std::memchr(from, quote_, static_cast<std::size_t>(to - from)));
            if (!q) {
                side_.append(from, to);
                break;
            }
            side_.append(from, q + 1);
            from = q + 2;
        }
        patches_.push_back({fields_.size(), offset, side_.size() - offset});
        fields_.emplace_back();
    };
    auto set_fault = [&](fault f, std::size_t field) {
        if (fault_ != fault::none) return;
        fault_ = f;
        fault_field_ = field;
    };
    auto finish = [&](const char* raw_end, const char* after) {
        raw_size_ = static_cast<std::size_t>(raw_end - start);
        consumed_ = static_cast<std::size_t>(after - start);
        return parse_status::complete;
    };

    for (;;) {
        const char* field_start = p;
        if (has_quote_ && p < e && *p == quote_) {
            multiline_ = true;  // LFs may hide inside; count them once the record is known
            const char* s = ++p;
            bool escaped = false;
            const char* close = nullptr;
            for (;;) {
                const char* q = static_cast<const char*>(std::memchr(p, quote_, static_cast<std::size_t>(e - p)));
                if (!q) {
                    if (!at_end) return parse_status::need_more;
                    set_fault(fault::unterminated, fields_.size() + 1);
                    push_quoted(s, e, escaped);
                    return finish(e, e);
                }
                if (q + 1 == e && !at_end) return parse_status::need_more;
                if (q + 1 < e && q[1] == quote_) {
                    escaped = true;
                    p = q + 2;
                    continue;
                }
                close = q;
                p = q + 1;
                break;
            }
            if (p == e) {
                push_quoted(s, close, escaped);
                return finish(e, e);
            }
            if (*p == delimiter_) {
                push_quoted(s, close, escaped);
                ++p;
                continue;
            }
            if (*p == '\n') {
                push_quoted(s, close, escaped);
                return finish(p, p + 1);
            }
            if (*p == '\r') {
                if (p + 1 == e) {
                    if (!at_end) return parse_status::need_more;
                    push_quoted(s, close, escaped);
                    return finish(p, e);
                }
                if (p[1] == '\n') {
                    push_quoted(s, close, escaped);
                    return finish(p, p + 2);
                }
            }
            // Text after the closing quote: like Python's csv, the field runs on unquoted to the
            // next delimiter or line end (the record is an error; its field keeps the raw bytes).
            set_fault(fault::text_after_quote, fields_.size() + 1);
        }
        if (!lf_known || (lf && lf < p)) {
            lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)));
            lf_known = true;
        }
        const char* limit = lf ? lf : e;
        if (const void* d = std::memchr(p, delimiter_, static_cast<std::size_t>(limit - p))) {
            push(field_start, static_cast<const char*>(d));
            p = static_cast<const char*>(d) + 1;
            continue;
        }
        if (!lf && !at_end) return parse_status::need_more;
        const char* field_end = limit;
        if (field_end > field_start && field_end[-1] == '\r') --field_end;  // CRLF (or a CR at EOF)
        push(field_start, field_end);
        return finish(field_end, lf ? lf + 1 : e);
    }
}

}  // namespace boltload
