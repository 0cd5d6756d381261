// Mix and Batch (after Neo4j's parallel Spark loader): the pure part of the conflict-free
// relationship schedule. Every node key gets a group; a relationship belongs to the cell of its
// endpoints' groups; the cells are coloured into rounds so that no two cells of a round share a
// group. Rounds run one after another, the cells of a round in parallel, each by one worker:
// no two concurrent transactions ever touch the same node.
//
// Shared by the coordinator (rounds, group assignment) and the workers (which cell a row is in).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bolt/value.hpp"

namespace boltload::mnb {

/// monopartite: a node may be both a source and a target (every graph); cells are unordered
/// pairs of groups. bipartite: sources and targets are different nodes; cells are ordered pairs.
enum class structure : std::uint8_t { monopartite, bipartite };
/// greedy: keys by degree, largest first into the lightest group (a counting pass first);
/// hash: group = hash(key) mod groups (no counting pass).
enum class grouping : std::uint8_t { greedy, hash };

std::string_view to_string(structure s);
std::optional<structure> parse_structure(std::string_view s);
std::string_view to_string(grouping g);
std::optional<grouping> parse_grouping(std::string_view s);

/// A cell: the groups of a relationship's source and target (monopartite: source ≤ target).
struct cell {
    std::uint32_t source = 0;
    std::uint32_t target = 0;
    friend bool operator==(const cell&, const cell&) = default;
    friend auto operator<=>(const cell&, const cell&) = default;
};

/// The cell of a relationship whose endpoints are in groups `s` and `t`.
cell cell_of(structure st, std::uint32_t s, std::uint32_t t);
/// "3-7" (monopartite) or "3>7" (bipartite), for reports.
std::string label(structure st, const cell& c);

/// The rounds: every cell in exactly one round, no two cells of a round sharing a group
/// (monopartite: as a node; bipartite: on the same side).
/// - bipartite: round k holds the cells with (source + target) mod N = k: N rounds of N cells;
/// - monopartite, N odd: round s holds {s-i, s+i} (mod N) for i = 0..(N-1)/2: N rounds of
///   (N+1)/2 cells, one of them the self-loop {s, s};
/// - monopartite, N even: the round-robin 1-factorization of the N groups (N-1 rounds of N/2
///   pairs) and one round of the N self-loops: N rounds, the fewest possible (each group is in N
///   cells and at most once per round).
std::vector<std::vector<cell>> rounds(structure st, std::uint32_t groups);

/// How many groups when the config says none: enough that a round keeps every worker busy, and
/// few enough that a cell holds about three batches (each round is a barrier, so rounds of tiny
/// cells cost more than they save). Monopartite: the largest odd N ≤ 2·workers − 1 whose
/// N(N+1)/2 cells of 3·batch_size rows fit in `rows`; bipartite: the largest N ≤ workers whose
/// N² cells do. At least 1 — one group is one worker running the input in order.
std::uint32_t default_groups(structure st, int workers, std::uint64_t rows, std::int64_t batch_size);

/// A node key's stable 64-bit hash (the same in every process and every run): integers and
/// strings (and any other value, by its Cypher spelling); nullopt for null (it names no node).
std::optional<std::uint64_t> key_hash(const bolt::value& key);

/// Key → group: an explicit assignment (greedy) with `hash mod groups` for keys it does not
/// list, or `hash mod groups` alone. A loaded assignment stays in the file, mapped: every worker
/// shares the page cache's one copy, however many keys there are.
class group_map {
public:
    group_map() = default;
    explicit group_map(std::uint32_t groups) : groups_(groups == 0 ? 1 : groups) {}
    /// `assigned` sorted by hash, one entry per key.
    group_map(std::uint32_t groups, std::vector<std::pair<std::uint64_t, std::uint32_t>> assigned);
    group_map(group_map&& o) noexcept;
    group_map& operator=(group_map&& o) noexcept;
    group_map(const group_map&) = delete;
    group_map& operator=(const group_map&) = delete;
    ~group_map();

    std::uint32_t groups() const { return groups_; }
    std::uint32_t group_of(std::uint64_t hash) const;
    std::size_t assigned() const { return mapped_ ? mapped_count_ : assigned_.size(); }

    /// Binary file: "BLGRP001", groups (u32), count (u64), then (hash u64, group u32) sorted by
    /// hash, little-endian. Written to a temporary name and renamed. Throws std::runtime_error.
    void save(const std::filesystem::path& path) const;
    /// Maps the file. Throws std::runtime_error naming the file for anything that is not such a
    /// file (wrong magic, a size that does not match its count, unsorted keys, a bad group).
    static group_map load(const std::filesystem::path& path);

private:
    std::uint32_t groups_ = 1;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> assigned_;
    const unsigned char* mapped_ = nullptr;  ///< the file, when loaded
    std::size_t mapped_bytes_ = 0;
    std::size_t mapped_count_ = 0;
};

/// The greedy assignment: keys by degree, largest first (ties by hash), each into the group
/// with the fewest rows so far (ties: the lowest group). `degrees` is (hash, degree), any order.
group_map greedy_groups(std::vector<std::pair<std::uint64_t, std::uint64_t>> degrees, std::uint32_t groups);
/// The same, written straight to `path` in the groups file format: the assignment reuses the
/// degrees' memory (16 bytes a key, the only copy), so 10 M keys cost 160 MB at the peak.
void write_greedy_groups(const std::filesystem::path& path, std::vector<std::pair<std::uint64_t, std::uint64_t>> degrees,
                         std::uint32_t groups);

/// Every chunk's count file merged into one sorted run of (hash, degree), reading the files as
/// streams (at most 256 open at once): memory is the distinct keys, 16 bytes each.
std::vector<std::pair<std::uint64_t, std::uint64_t>> merge_count_files(const std::vector<std::filesystem::path>& paths);

/// Key degree counts of one chunk, as a worker writes them and the coordinator reads them:
/// "BLCNT001", count (u64), then (hash u64, degree u64) sorted by hash. Throws std::runtime_error.
void save_counts(const std::filesystem::path& path, std::vector<std::pair<std::uint64_t, std::uint64_t>> counts);
std::vector<std::pair<std::uint64_t, std::uint64_t>> load_counts(const std::filesystem::path& path);

/// Adds sorted (hash, degree) runs into one sorted run, summing degrees of equal keys.
std::vector<std::pair<std::uint64_t, std::uint64_t>> merge_counts(
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& a,
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& b);

/// The spill files of a chunk's partition in `dir`: part-<chunk>.rows (CSV records each
/// followed by '\n', or generated row indices as u64) and part-<chunk>.lines (CSV: each
/// record's physical line, u64); count-<chunk>.bin; groups.bin.
std::filesystem::path part_rows_path(const std::filesystem::path& dir, std::uint64_t chunk);
std::filesystem::path part_lines_path(const std::filesystem::path& dir, std::uint64_t chunk);
std::filesystem::path counts_path(const std::filesystem::path& dir, std::uint64_t chunk);
std::filesystem::path groups_path(const std::filesystem::path& dir);

}  // namespace boltload::mnb
