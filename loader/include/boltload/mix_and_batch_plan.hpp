// The Mix and Batch plan of a phase: the scheduler's second policy, as rounds of a chunk plan.
//   counting (grouping: greedy): each input chunk's endpoint keys counted by a worker;
//   the barrier: the counts merged, keys packed into groups (groups.bin);
//   partitioning: each input chunk's rows written to its cells' spill files by a worker;
//   the barrier: the cells of each round gathered from every chunk's partition;
//   rounds: each cell of a round to one worker, the rounds one after another.
// Between rounds the scheduler's barrier waits for every cell of the round: no two concurrent
// transactions ever touch a node of the same group.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "boltload/config.hpp"
#include "boltload/journal.hpp"
#include "boltload/mix_and_batch.hpp"
#include "boltload/scheduler.hpp"

namespace boltload {

struct mix_and_batch_settings {
    mnb::structure structure = mnb::structure::monopartite;
    mnb::grouping grouping = mnb::grouping::greedy;
    std::uint32_t groups = 0;  ///< 0: mnb::default_groups
    int workers = 1;
    std::int64_t batch_size = 1000;
    std::filesystem::path spill_dir;
};

class mix_and_batch_plan final : public chunk_plan {
public:
    /// Takes the input's chunks from `source` (all of them: the passes go over the input twice).
    /// `resume` gives the passes an earlier part finished (their results stay in the spill dir).
    mix_and_batch_plan(chunk_plan& source, mix_and_batch_settings settings, const journal::phase_state& resume);

    std::optional<planned_chunk> next() override;
    bool next_round() override;
    std::uint64_t total_units() const override;
    std::uint64_t input_rows() override { return input_rows_; }
    std::string stage() const override;
    void on_partitioned(const partitioned& p) override { partitions_[p.chunk_id] = p; }

    std::uint32_t groups() const { return groups_; }
    /// The most cells a round can have: more workers than this would only wait.
    std::size_t widest_round() const;
    /// The report's `schedule`: kind, structure, grouping, groups, rounds, cells, and rows per
    /// (round, cell) as [[round, cell in round, rows], ...] with each cell's groups in `cells`.
    nlohmann::json report() const;

    /// The ids: count items are the input chunk's id, partition items and cells are apart.
    static std::uint64_t partition_id(std::uint64_t chunk) { return (std::uint64_t{1} << 40) | chunk; }
    static std::uint64_t cell_id(std::uint32_t round, std::uint32_t index) {
        return (std::uint64_t{2} << 40) | (std::uint64_t{round} << 20) | index;
    }

private:
    enum class pass : std::uint8_t { counting, partitioning, rounds };
    void assign_groups();
    void gather_cells();

    mix_and_batch_settings settings_;
    std::vector<planned_chunk> input_;  ///< the input's chunks, as the source plan cut them
    std::uint64_t input_rows_ = 0;
    std::uint32_t groups_ = 1;
    pass pass_ = pass::partitioning;
    std::vector<planned_chunk> items_;  ///< the current round's
    std::size_t next_ = 0;
    std::map<std::uint64_t, partitioned> partitions_;  ///< by partition item id
    std::vector<std::vector<planned_chunk>> rounds_;   ///< cells with rows, by round
    std::vector<std::vector<mnb::cell>> round_cells_;  ///< the cell of each of rounds_' items
    std::size_t round_ = 0;
};

/// The row fields that hold a phase's endpoint keys: the config's, or for CSV the first of
/// (a, b), (source, target), (from, to), (start, end), (src, dst), (start_id, end_id),
/// (:START_ID, :END_ID) that `columns` has; a, b for generated relationships. Throws
/// std::invalid_argument naming the columns when none fits.
std::pair<std::string, std::string> endpoint_fields(const phase_config& phase, const std::vector<std::string>& columns);

}  // namespace boltload
