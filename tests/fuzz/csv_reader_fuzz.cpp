// Fuzzes the CSV cutter and chunk reader together: for any bytes and any dialect, target and
// block size, the chunks must tile the file, and the records read chunk by chunk must equal both
// a whole-file read and a byte-at-a-time reference parser of the same dialect.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "boltload/csv.hpp"

namespace {

using namespace boltload;

struct rec {
    std::vector<std::string> fields;
    std::uint64_t line = 0;
    std::uint64_t index = 0;
    bool error = false;
    bool operator==(const rec&) const = default;
};

void check(bool ok) {
    if (!ok) __builtin_trap();
}

std::vector<rec> read_chunks(const csv_source& src, const csv_spec& spec, const std::vector<csv_chunk>& chunks,
                             std::size_t block) {
    std::vector<rec> out;
    for (const csv_chunk& c : chunks) {
        csv_chunk_reader reader(src, spec, c, {.block_bytes = block});
        for (;;) {
            bool error = false;
            try {
                if (!reader.next()) break;
            } catch (const csv_error&) {
                error = true;
            }
            const csv_record& r = reader.record();
            check(r.end > r.begin && r.end <= src.size() && r.raw.size() <= r.end - r.begin);
            out.push_back({std::vector<std::string>(r.fields.begin(), r.fields.end()), r.line, r.index, error});
        }
    }
    return out;
}

// The dialect of csv.hpp, one byte at a time, written for clarity rather than speed.
std::vector<rec> reference(std::string_view d, std::size_t begin, std::uint64_t first_line, char delim, char quote) {
    std::vector<rec> out;
    std::size_t i = begin;
    std::uint64_t line = first_line;
    const std::size_t n = d.size();
    while (i < n) {
        if (d[i] == '\n') {
            ++i;
            ++line;
            continue;
        }
        if (d[i] == '\r' && (i + 1 == n || d[i + 1] == '\n')) {
            i += (i + 1 == n) ? 1 : 2;
            ++line;
            continue;
        }
        rec r;
        r.line = line;
        r.index = out.size();
        for (;;) {  // fields
            std::string f;
            const std::size_t start = i;
            bool quoted_done = false;
            if (i < n && d[i] == quote) {
                ++i;
                bool closed = false;
                while (i < n) {
                    if (d[i] == quote) {
                        if (i + 1 < n && d[i + 1] == quote) {
                            f += quote;
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (d[i] == '\n') ++line;
                    f += d[i++];
                }
                if (!closed) {
                    r.error = true;
                    r.fields.push_back(f);
                    goto record_done;
                }
                if (i == n) {
                    r.fields.push_back(f);
                    goto record_done;
                }
                if (d[i] == delim) {
                    r.fields.push_back(f);
                    ++i;
                    continue;
                }
                if (d[i] == '\n' || (d[i] == '\r' && (i + 1 == n || d[i + 1] == '\n'))) {
                    r.fields.push_back(f);
                    goto line_end;
                }
                r.error = true;  // text after the closing quote: the field keeps its raw bytes
                quoted_done = true;
            }
            {
                std::size_t j = i;
                while (j < n && d[j] != delim && d[j] != '\n') ++j;
                std::size_t end = j;
                const bool last = j == n || d[j] == '\n';
                if (last && end > start && d[end - 1] == '\r') --end;
                r.fields.emplace_back(d.substr(start, end - start));
                (void)quoted_done;
                if (j < n && d[j] == delim) {
                    i = j + 1;
                    continue;
                }
                i = j;
                goto line_end;
            }
        }
    line_end:
        // i is at '\n', at "\r\n", at a final '\r', or at the end.
        if (i < n && d[i] == '\r') ++i;
        if (i < n && d[i] == '\n') {
            ++i;
            ++line;
        }
    record_done:
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    static constexpr char delimiters[] = {',', ';', '\t', '|'};
    csv_spec spec;
    spec.header = (data[0] & 1) != 0;
    spec.delimiter = delimiters[(data[0] >> 1) & 3];
    spec.quote = (data[0] & 8) ? '\'' : '"';
    const std::uint64_t target = 1 + data[1];
    const std::size_t block = 1 + (data[2] & 63);
    const std::string_view bytes(reinterpret_cast<const char*>(data + 3), size - 3);
    const csv_source src = csv_source::from_memory(bytes, "fuzz.csv");

    csv_header header;
    try {
        header = read_csv_header(src, spec);
    } catch (const csv_error&) {
        return 0;  // a malformed header stops the plan; nothing more to compare
    }
    const csv_plan plan = plan_csv(src, spec, {.target_chunk_bytes = target, .block_bytes = block});
    check_chunks_tile(plan.chunks, plan.header.data_begin, plan.file_size);  // throws → crash
    const csv_plan big_blocks = plan_csv(src, spec, {.target_chunk_bytes = target});
    check(big_blocks.chunks == plan.chunks && big_blocks.records == plan.records);

    std::vector<csv_chunk> one;
    if (header.data_begin < src.size()) one.push_back({header.data_begin, src.size(), header.data_first_line, 0});
    const std::vector<rec> whole = read_chunks(src, spec, one, 1 << 16);
    check(read_chunks(src, spec, plan.chunks, block) == whole);
    check(whole.size() == plan.records);
    check(reference(bytes, header.data_begin, header.data_first_line, spec.delimiter, spec.quote) == whole);
    return 0;
}
