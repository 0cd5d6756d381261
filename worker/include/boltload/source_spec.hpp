// What a phase reads: a CSV file with typed columns, or generated rows. The config loader fills
// these from YAML; the coordinator plans chunks from them; workers read their chunk with them.
// Plain data, no behaviour: readers live in csv.hpp and generate.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace boltload {

/// How a CSV field becomes a Bolt value.
enum class column_type : std::uint8_t {
    string_,
    integer,
    float_,
    boolean,    ///< true/false, 1/0, yes/no (case-insensitive)
    list,       ///< split on list_separator, each element converted as element_type
    date,       ///< ISO-8601 date → bolt::date
    datetime,   ///< ISO-8601 date-time with offset → bolt::date_time, without → local_date_time
    skip,       ///< the column is read and dropped
};

struct column_spec {
    std::string name;
    column_type type = column_type::string_;
    column_type element_type = column_type::string_;  ///< for list
    char list_separator = ';';
    bool null_on_empty = true;  ///< an empty field becomes null (else "" for strings, an error otherwise)
};

struct csv_spec {
    std::string path;  ///< the (first) file; messages about the whole source name it
    /// Every input file in order (a list or glob in the config, sorted); each has its own header.
    /// Empty: `path` alone. A chunk names its file by index into csv_files().
    std::vector<std::string> files;
    char delimiter = ',';
    char quote = '"';
    bool header = true;  ///< first record names the columns
    /// Empty: every column is a string named by the header. Otherwise one entry per column.
    std::vector<column_spec> columns;
    /// A record longer than this (its text, line end included) is a bad row: no batch could
    /// carry it anyway (the server's message limit is 64 MiB), and it bounds what one row costs.
    std::uint64_t max_row_bytes = default_max_row_bytes;
    static constexpr std::uint64_t default_max_row_bytes = std::uint64_t{64} << 20;
};

/// The files of a CSV source: `files`, or `path` alone.
inline std::vector<std::string> csv_files(const csv_spec& s) {
    return s.files.empty() ? std::vector<std::string>{s.path} : s.files;
}

/// The stable id of chunk k of file f among `files` files: k·files + f. Ids stay dense whatever
/// the files' sizes (so `--shard I/N`'s id mod N spreads every file's chunks over the shards),
/// and the file of a chunk follows from its id alone.
inline std::uint64_t csv_chunk_id(std::uint64_t k, std::uint64_t f, std::uint64_t files) { return k * files + f; }
inline std::uint64_t csv_file_of_chunk(std::uint64_t id, std::uint64_t files) { return files ? id % files : 0; }

enum class distribution_kind : std::uint8_t { sequential, uniform, zipf, hotspot };

/// How generated keys are drawn from [id_min, id_max].
struct key_distribution {
    distribution_kind kind = distribution_kind::sequential;
    double zipf_s = 1.0;              ///< zipf exponent
    std::int64_t hotspot_keys = 10;   ///< hotspot: the k hottest keys...
    double hotspot_probability = 0.9; ///< ...receive this share of draws
};

enum class generated_type : std::uint8_t { integer, float_, string_, boolean };

/// A generated property: random values of a type, reproducible from the seed and row index.
struct generated_property {
    std::string name;
    generated_type type = generated_type::string_;
    std::int64_t min = 0;        ///< integer/float range, string length range
    std::int64_t max = 1000;
};

struct generate_spec {
    enum class entity : std::uint8_t { nodes, relationships };
    entity kind = entity::nodes;
    std::int64_t count = 0;    ///< rows per repetition
    std::int64_t repeat = 1;   ///< the same `count` rows this many times (the guide's 10 identical chunks)
    std::int64_t id_min = 0;   ///< nodes: ids id_min, id_min+1, ...; relationships: endpoint range
    std::optional<std::int64_t> id_max;  ///< default id_min + count - 1
    /// relationships only: how endpoints `a` and `b` are drawn. sequential gives {a: i, b: i+1}.
    key_distribution keys;
    std::vector<generated_property> properties;
    std::uint64_t seed = 1;
};

using source_spec = std::variant<csv_spec, generate_spec>;

}  // namespace boltload
