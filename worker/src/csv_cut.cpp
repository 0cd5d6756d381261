// The coordinator's side of CSV: byte sources, the header, and the one quote-aware pass that cuts
// a file into chunks of whole records without ever holding more than one block of it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "boltload/csv.hpp"

namespace boltload {

namespace {

std::string format_error(const std::string& file, std::uint64_t line, const std::string& message) {
    std::string out = file;
    if (line > 0) {
        out += ':';
        out += std::to_string(line);
    }
    out += ": ";
    out += message;
    return out;
}

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

}  // namespace

csv_error::csv_error(std::string file, std::uint64_t line, std::size_t column, std::string message)
    : std::runtime_error(format_error(file, line, message)),
      file_(std::move(file)),
      line_(line),
      column_(column) {}

// ---- sources ---------------------------------------------------------------------------------

csv_source csv_source::open_file(const std::string& path, std::string name) {
    csv_source s;
    s.name_ = name.empty() ? path : std::move(name);
    if (const compression kind = compression_of(path); kind != compression::none) {
        s.decoder_ = open_decompressor(path, s.name_, kind);
        s.size_ = unknown_size;
        return s;
    }
    s.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (s.fd_ < 0) throw csv_error(path, 0, 0, std::strerror(errno));
    struct stat st {};
    if (::fstat(s.fd_, &st) != 0) throw csv_error(path, 0, 0, std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw csv_error(path, 0, 0, "is a directory");
    s.size_ = static_cast<std::uint64_t>(st.st_size);
    return s;
}

csv_source csv_source::from_memory(std::string_view bytes, std::string name, compression kind) {
    csv_source s;
    s.name_ = std::move(name);
    if (kind != compression::none) {
        s.decoder_ = memory_decompressor(bytes, s.name_, kind);
        s.size_ = unknown_size;
        return s;
    }
    s.memory_ = bytes;
    s.size_ = bytes.size();
    return s;
}

csv_source::csv_source(csv_source&& o) noexcept
    : name_(std::move(o.name_)),
      size_(o.size_),
      fd_(std::exchange(o.fd_, -1)),
      memory_(o.memory_),
      decoder_(std::move(o.decoder_)),
      decoded_(o.decoded_) {}

csv_source& csv_source::operator=(csv_source&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        name_ = std::move(o.name_);
        size_ = o.size_;
        fd_ = std::exchange(o.fd_, -1);
        memory_ = o.memory_;
        decoder_ = std::move(o.decoder_);
        decoded_ = o.decoded_;
    }
    return *this;
}

csv_source::~csv_source() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t csv_source::read(std::uint64_t offset, char* dst, std::size_t n) const {
    if (decoder_) return read_decoded(offset, dst, n);
    if (offset >= size_) return 0;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset));
    if (fd_ < 0) {
        std::memcpy(dst, memory_.data() + offset, n);
        return n;
    }
    std::size_t done = 0;
    while (done < n) {
        const ssize_t r = ::pread(fd_, dst + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0) {
            if (errno == EINTR) continue;
            throw csv_error(name_, 0, 0, std::strerror(errno));
        }
        if (r == 0) break;  // the file shrank under us: the caller sees a short read
        done += static_cast<std::size_t>(r);
    }
    return done;
}

// Readers go forward (the header, then the data); only a reader that starts over, or skips
// ahead, costs decoding the bytes in between.
std::size_t csv_source::read_decoded(std::uint64_t offset, char* dst, std::size_t n) const {
    if (offset >= size_) return 0;
    if (offset < decoded_) {
        decoder_->rewind();
        decoded_ = 0;
    }
    char skip[16384];
    while (decoded_ < offset) {
        const std::size_t got = decoder_->read(skip, static_cast<std::size_t>(std::min<std::uint64_t>(sizeof skip, offset - decoded_)));
        if (got == 0) {
            size_ = decoded_;
            return 0;
        }
        decoded_ += got;
    }
    const std::size_t got = decoder_->read(dst, n);
    decoded_ += got;
    if (got < n) size_ = decoded_;  // the decoder fills what it is asked for until the end
    return got;
}

// ---- header ----------------------------------------------------------------------------------

void check_csv_dialect(const csv_spec& spec) {
    const char d = spec.delimiter;
    if (d == '\n' || d == '\r') throw std::invalid_argument("the CSV delimiter cannot be CR or LF");
    if (spec.quote == '\n' || spec.quote == '\r')
        throw std::invalid_argument("the CSV quote cannot be CR or LF");
    if (spec.quote != '\0' && d == spec.quote)
        throw std::invalid_argument("the CSV delimiter and quote must differ");
}

csv_header read_csv_header(const csv_source& source, const csv_spec& spec) {
    check_csv_dialect(spec);
    csv_header h;
    if (!spec.header) {
        char first[3] = {};
        const std::size_t n = source.read(0, first, 3);
        if (std::string_view(first, n) == utf8_bom) h.data_begin = 3;
        return h;
    }
    csv_chunk_reader reader(source, spec, csv_chunk{0, source.size(), 1, 0}, {.block_bytes = 64u << 10});
    if (!reader.next()) {  // empty, or blank lines only (a compressed source knows its size now)
        h.data_begin = source.size();
        h.data_first_line = reader.line();
        return h;
    }
    const csv_record& r = reader.record();
    h.names.assign(r.fields.begin(), r.fields.end());
    h.data_begin = r.end;
    h.data_first_line = reader.line();
    return h;
}

// ---- the cutter ------------------------------------------------------------------------------

csv_cutter::csv_cutter(const csv_source& source, const csv_spec& spec, csv_cut_options options)
    : source_(source),
      delimiter_(spec.delimiter),
      quote_(spec.quote),
      has_quote_(spec.quote != '\0'),
      options_(options),
      header_(read_csv_header(source, spec)) {
    options_.block_bytes = std::max<std::size_t>(options_.block_bytes, 1);
    options_.target_chunk_bytes = std::max<std::uint64_t>(options_.target_chunk_bytes, 1);
    buf_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(options_.block_bytes, std::max<std::uint64_t>(source.size(), 1))));
    pos_ = header_.data_begin;
    buf_offset_ = pos_;
    record_start_ = pos_;
    chunk_begin_ = pos_;
    line_ = header_.data_first_line;
    chunk_first_line_ = line_;
}

bool csv_cutter::fill() {
    if (buf_len_ > 0) last_byte_ = buf_[buf_len_ - 1];
    buf_offset_ = pos_;
    buf_pos_ = 0;
    buf_len_ = source_.read(pos_, buf_.data(), buf_.size());
    return buf_len_ > 0;
}

csv_chunk csv_cutter::take_chunk(std::uint64_t end) {
    const csv_chunk c{chunk_begin_, end, chunk_first_line_, chunk_first_record_};
    chunk_begin_ = end;
    chunk_first_line_ = line_;
    chunk_first_record_ = records_;
    return c;
}

std::optional<csv_chunk> csv_cutter::next() {
    while (!done_) {
        if (buf_pos_ == buf_len_ && !fill()) {
            done_ = true;
            if (quote_pending_) {  // the file ends right after a closing quote
                quote_pending_ = false;
                in_quotes_ = false;
            }
            // A last record without a newline; a lone CR there is a blank line, as in the reader.
            const std::uint64_t rest = pos_ - record_start_;
            if (rest > 1 || (rest == 1 && last_byte_ != '\r')) ++records_;
            if (chunk_begin_ < pos_) return take_chunk(pos_);
            return std::nullopt;
        }
        if (auto chunk = scan()) return chunk;
    }
    return std::nullopt;
}

// One block, or up to the next cut. Both memchr searches skip over ordinary bytes; a quote
// outside quotes opens a quoted field only at a field start, exactly as the reader decides.
std::optional<csv_chunk> csv_cutter::scan() {
    const char* const b = buf_.data();
    const char* const e = b + buf_len_;
    const char* p = b + buf_pos_;
    auto offset_of = [&](const char* x) { return buf_offset_ + static_cast<std::uint64_t>(x - b); };
    auto byte_before = [&](const char* x) { return x > b ? x[-1] : last_byte_; };
    auto leave = [&](const char* x) {
        buf_pos_ = static_cast<std::size_t>(x - b);
        pos_ = offset_of(x);
    };
    auto count_lf = [](const char* from, const char* to) {
        std::uint64_t n = 0;
        while (from < to) {
            const void* f = std::memchr(from, '\n', static_cast<std::size_t>(to - from));
            if (!f) break;
            ++n;
            from = static_cast<const char*>(f) + 1;
        }
        return n;
    };

    if (quote_pending_ && p < e) {
        quote_pending_ = false;
        if (*p == quote_) ++p;  // "" inside quotes
        else in_quotes_ = false;
    }
    // Both searches run ahead of p; each is redone only once p has passed what it found.
    const char* next_quote = nullptr;
    bool quote_known = false;
    const char* nl = nullptr;
    bool nl_known = false;
    while (p < e) {
        if (in_quotes_) {
            const char* q = static_cast<const char*>(std::memchr(p, quote_, static_cast<std::size_t>(e - p)));
            line_ += count_lf(p, q ? q : e);
            if (!q) {
                p = e;
                break;
            }
            if (q + 1 == e) {
                quote_pending_ = true;
                p = e;
                break;
            }
            if (q[1] == quote_) {
                p = q + 2;
            } else {
                in_quotes_ = false;
                p = q + 1;
            }
            continue;
        }
        if (!nl_known || (nl && nl < p)) {
            nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)));
            nl_known = true;
        }
        if (has_quote_) {
            if (!quote_known || (next_quote && next_quote < p)) {
                next_quote = static_cast<const char*>(std::memchr(p, quote_, static_cast<std::size_t>(e - p)));
                quote_known = true;
            }
            if (next_quote && (!nl || next_quote < nl)) {
                const char* q = next_quote;
                quote_known = false;
                if (offset_of(q) == record_start_ || byte_before(q) == delimiter_) in_quotes_ = true;
                p = q + 1;  // otherwise a literal quote in an unquoted field
                continue;
            }
        }
        if (!nl) {
            p = e;
            break;
        }
        ++line_;
        const std::uint64_t at = offset_of(nl);
        const bool blank = at == record_start_ || (at == record_start_ + 1 && byte_before(nl) == '\r');
        if (!blank) ++records_;
        record_start_ = at + 1;
        p = nl + 1;
        if (record_start_ - chunk_begin_ >= options_.target_chunk_bytes) {
            leave(p);
            return take_chunk(record_start_);
        }
    }
    leave(p);
    return std::nullopt;
}

// ---- whole-file forms and the tiling check ---------------------------------------------------

csv_plan cut_csv(const csv_source& source, const csv_spec& spec, csv_cut_options options,
                 const std::function<void(const csv_chunk&)>& on_chunk) {
    csv_cutter cutter(source, spec, options);
    while (auto c = cutter.next()) on_chunk(*c);
    csv_plan plan;
    plan.header = cutter.header();
    plan.file_size = source.size();
    plan.records = cutter.records();
    plan.unterminated_quote = cutter.unterminated_quote();
    return plan;
}

csv_plan plan_csv(const csv_source& source, const csv_spec& spec, csv_cut_options options) {
    std::vector<csv_chunk> chunks;
    csv_plan plan = cut_csv(source, spec, options, [&](const csv_chunk& c) { chunks.push_back(c); });
    plan.chunks = std::move(chunks);
    return plan;
}

void check_chunks_tile(std::span<const csv_chunk> chunks, std::uint64_t data_begin,
                       std::uint64_t file_size) {
    auto fail = [](std::size_t i, const std::string& what) {
        throw std::logic_error("CSV chunks do not tile the file: chunk " + std::to_string(i) + ": " + what);
    };
    std::uint64_t at = data_begin;
    std::uint64_t line = 0;
    std::uint64_t record = 0;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        const csv_chunk& c = chunks[i];
        if (c.begin != at)
            fail(i, (c.begin > at ? "gap" : "overlap") + std::string(" at byte ") + std::to_string(at) +
                        " (chunk begins at " + std::to_string(c.begin) + ")");
        if (c.end <= c.begin) fail(i, "empty or reversed range");
        if (c.first_line < line || c.first_record < record) fail(i, "line or record numbers go back");
        at = c.end;
        line = c.first_line;
        record = c.first_record;
    }
    if (at != file_size)
        throw std::logic_error("CSV chunks do not tile the file: they end at byte " + std::to_string(at) +
                               ", the data at " + std::to_string(file_size));
}

}  // namespace boltload
