// Fuzzes compressed CSV input (.gz through zlib, .zst through libzstd): any bytes must give
// either records or a csv_error naming the file — never a crash, a hang or a partial success
// that differs from reading the same decoded bytes as a plain file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boltload/csv.hpp"

namespace {

using namespace boltload;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

/// Every record's fields, or nullopt when the source cannot be decoded.
std::optional<std::vector<std::vector<std::string>>> records(const csv_source& src, const csv_spec& spec) {
    std::vector<std::vector<std::string>> out;
    try {
        const csv_header h = read_csv_header(src, spec);
        csv_chunk_reader reader(src, spec, {h.data_begin, src.size(), h.data_first_line, 0}, {.block_bytes = 4096});
        for (;;) {
            try {
                if (!reader.next()) break;
            } catch (const csv_error& e) {
                if (e.line() == 0) throw;  // the file itself, not one record
            }
            out.emplace_back(reader.record().fields.begin(), reader.record().fields.end());
        }
    } catch (const csv_error& e) {
        check(e.file() == src.name());
        return std::nullopt;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const compression kind = (data[0] & 1) ? compression::zstd : compression::gzip;
    csv_spec spec;
    spec.header = (data[0] & 2) != 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const csv_source compressed = csv_source::from_memory(bytes, "fuzz.csv.z", kind);

    // Decode it whole once; a damaged stream must be a csv_error naming the source.
    std::string plain;
    try {
        char buf[8192];
        for (std::uint64_t at = 0;;) {
            const std::size_t n = compressed.read(at, buf, sizeof buf);
            if (n == 0) break;
            plain.append(buf, n);
            at += n;
            if (plain.size() > (64u << 20)) return 0;  // a bomb: enough
        }
    } catch (const csv_error& e) {
        check(e.file() == "fuzz.csv.z" && e.line() == 0);
        return 0;
    }
    check(compressed.size() == plain.size());
    // Read as CSV through the decoder (which goes back to the start) and as plain bytes: the same.
    const csv_source again = csv_source::from_memory(bytes, "fuzz.csv.z", kind);
    const csv_source flat = csv_source::from_memory(plain, "fuzz.csv.z");
    check(records(again, spec) == records(flat, spec));
    return 0;
}
