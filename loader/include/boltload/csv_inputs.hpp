// The input check of a CSV source, done for every phase before the run writes anything: each
// file's header (all must agree), and each compressed file decoded once to the end — a truncated
// or damaged .gz/.zst fails here, naming the file, instead of after part of the input was
// imported. What the check counted (a compressed file's records and decoded size) is what the
// chunk plan needs, so it does not decode the file a second time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "boltload/config.hpp"
#include "boltload/csv.hpp"

namespace boltload {

struct csv_input_file {
    std::string path;
    compression kind = compression::none;
    csv_header header;
    std::uint64_t size = 0;  ///< bytes on disk
    /// Compressed and decoded by the check: its data records and decoded size.
    bool decoded = false;
    std::uint64_t records = 0;
    std::uint64_t decoded_size = 0;
};

struct csv_inputs {
    std::vector<csv_input_file> files;  ///< in csv_files(spec) order
};

/// True when `pattern` has glob characters (`*`, `?`, `[`).
bool is_glob(std::string_view pattern);

/// The regular files a glob pattern matches, sorted by name (byte order, as `LC_ALL=C ls`);
/// empty when none does. A directory that matches is not a file and is left out.
std::vector<std::string> glob_files(const std::string& pattern);

/// Which chunk ids this process runs (a shard's); every id when empty.
using chunk_filter = std::function<bool(std::uint64_t chunk_id)>;

/// Reads every file's header and checks they name the same columns; decodes each compressed
/// file that holds a chunk `wanted` accepts (a compressed file is one chunk: id
/// csv_chunk_id(0, f, files)). Throws csv_error naming the file (a header that differs from the
/// first file's, a damaged or truncated compressed file), std::invalid_argument for an unusable
/// dialect.
csv_inputs check_csv_inputs(const csv_spec& spec, const chunk_filter& wanted = {});

/// check_csv_inputs for every CSV phase of the run, by phase name. Throws std::runtime_error
/// "phase NAME: FILE:LINE: message".
std::map<std::string, csv_inputs> check_run_inputs(const run_config& config, const chunk_filter& wanted = {});

}  // namespace boltload
