// Compressed CSV input: .gz (zlib) and .zst (libzstd) files read as a stream of plain bytes.
// A compressed file cannot be cut by bytes (a cut needs the decoder's state), so it is always one
// unit of work; csv_source uses this to serve sequential reads, and damage (a truncated file, a
// bad checksum, bytes that are not the format) is a csv_error naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace boltload {

enum class compression : std::uint8_t { none, gzip, zstd };

/// By the file name's ending: ".gz" → gzip, ".zst" → zstd, anything else → none.
compression compression_of(std::string_view path);
std::string_view to_string(compression c);

/// Decodes a compressed file from its start, block by block. Not copyable; one reader at a time.
class decompressor {
public:
    virtual ~decompressor() = default;
    /// Up to n decoded bytes; 0 only at the end of the data. Throws csv_error naming the file when
    /// the data are damaged or end early ("truncated: the gzip stream ends before its end mark").
    virtual std::size_t read(char* dst, std::size_t n) = 0;
    /// Back to the first byte.
    virtual void rewind() = 0;
};

/// Opens `path` (`name` for messages) for decoding as `kind` (not none). Throws csv_error when
/// the file cannot be opened or does not start like the format.
std::unique_ptr<decompressor> open_decompressor(const std::string& path, const std::string& name, compression kind);

/// The same over bytes in memory (tests, fuzzing); `bytes` must outlive the decoder.
std::unique_ptr<decompressor> memory_decompressor(std::string_view bytes, const std::string& name, compression kind);

}  // namespace boltload
