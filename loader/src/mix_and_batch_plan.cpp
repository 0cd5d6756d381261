// The Mix and Batch plan: counting, partitioning and the rounds of cells, as chunk-plan rounds.
#include "boltload/mix_and_batch_plan.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace boltload {

mix_and_batch_plan::mix_and_batch_plan(chunk_plan& source, mix_and_batch_settings settings,
                                       const journal::phase_state& resume)
    : settings_(std::move(settings)), partitions_(resume.partitions) {
    while (auto c = source.next()) {
        input_rows_ += c->rows;
        input_.push_back(std::move(*c));
    }
    groups_ = settings_.groups ? settings_.groups
                               : mnb::default_groups(settings_.structure, settings_.workers, input_rows_, settings_.batch_size);
    if (groups_ == 1) {
        // One group, one cell: the input itself, in order, by one worker. No pass is needed.
        pass_ = pass::rounds;
        rounds_ = {input_};
        round_cells_ = {std::vector<mnb::cell>(input_.size(), mnb::cell{0, 0})};
        items_ = input_;
        return;
    }
    pass_ = settings_.grouping == mnb::grouping::greedy ? pass::counting : pass::partitioning;
    for (const auto& c : input_) {
        planned_chunk item = c;
        item.work.task = pass_ == pass::counting ? chunk_task::count : chunk_task::partition;
        if (pass_ == pass::partitioning) {
            item.work.chunk_id = partition_id(c.work.chunk_id);
            item.work.groups = groups_;
        }
        items_.push_back(std::move(item));
    }
}

std::size_t mix_and_batch_plan::widest_round() const {
    std::size_t widest = 1;
    if (groups_ == 1) return 1;
    for (const auto& r : mnb::rounds(settings_.structure, groups_)) widest = std::max(widest, r.size());
    return widest;
}

std::optional<planned_chunk> mix_and_batch_plan::next() {
    if (next_ >= items_.size()) return std::nullopt;
    return items_[next_++];
}

std::uint64_t mix_and_batch_plan::total_units() const {
    std::uint64_t n = 0;
    for (const auto& i : items_) n += i.units;
    return n;
}

std::string mix_and_batch_plan::stage() const {
    switch (pass_) {
        case pass::counting: return "counting";
        case pass::partitioning: return "partitioning";
        case pass::rounds:
            return groups_ == 1 ? "one group: in order" : fmt::format("round {} of {}", round_ + 1, rounds_.size());
    }
    return {};
}

bool mix_and_batch_plan::next_round() {
    next_ = 0;
    if (pass_ == pass::counting) {
        assign_groups();
        pass_ = pass::partitioning;
        items_.clear();
        for (const auto& c : input_) {
            planned_chunk item = c;
            item.work.chunk_id = partition_id(c.work.chunk_id);
            item.work.task = chunk_task::partition;
            item.work.groups = groups_;
            items_.push_back(std::move(item));
        }
        return true;
    }
    if (pass_ == pass::partitioning) {
        gather_cells();
        pass_ = pass::rounds;
        round_ = 0;
    } else {
        ++round_;
    }
    if (groups_ == 1) round_ = rounds_.size();  // the input was the one round
    while (round_ < rounds_.size() && rounds_[round_].empty()) ++round_;
    if (round_ >= rounds_.size()) {
        items_.clear();
        return false;
    }
    items_ = rounds_[round_];
    return true;
}

/// Greedy: the degrees every counting task wrote, merged; keys packed largest first into the
/// lightest group. A resumed run that already wrote groups.bin keeps it (the partition files
/// already written were cut with it).
void mix_and_batch_plan::assign_groups() {
    const auto path = mnb::groups_path(settings_.spill_dir);
    if (std::filesystem::exists(path)) {
        const mnb::group_map kept = mnb::group_map::load(path);
        if (kept.groups() == groups_) return;
    }
    std::vector<std::filesystem::path> counts;
    for (const auto& c : input_) counts.push_back(mnb::counts_path(settings_.spill_dir, c.work.chunk_id));
    mnb::write_greedy_groups(path, mnb::merge_count_files(counts), groups_);
}

/// Each cell of each round, with its rows from every partitioned chunk in chunk order.
void mix_and_batch_plan::gather_cells() {
    const auto colouring = mnb::rounds(settings_.structure, groups_);
    rounds_.assign(colouring.size(), {});
    round_cells_.assign(colouring.size(), {});
    for (std::uint32_t r = 0; r < colouring.size(); ++r) {
        for (const mnb::cell& cell : colouring[r]) {
            cell_range range;
            std::uint64_t rows = 0;
            for (const auto& c : input_) {
                const auto it = partitions_.find(partition_id(c.work.chunk_id));
                if (it == partitions_.end())
                    throw std::runtime_error(fmt::format("chunk {} was never partitioned", c.work.chunk_id));
                for (const cell_part& p : it->second.cells)
                    if (p.cell == cell && p.rows > 0) {
                        range.slices.push_back(cell_slice{it->first, p.begin, p.end, p.first_row, p.rows});
                        rows += p.rows;
                    }
            }
            if (rows == 0) continue;
            planned_chunk item;
            item.work.chunk_id = cell_id(r, static_cast<std::uint32_t>(rounds_[r].size()));
            item.work.range = std::move(range);
            item.rows = rows;
            item.units = rows;
            rounds_[r].push_back(std::move(item));
            round_cells_[r].push_back(cell);
        }
    }
}

nlohmann::json mix_and_batch_plan::report() const {
    nlohmann::json rows = nlohmann::json::array();
    nlohmann::json cells = nlohmann::json::array();
    std::size_t count = 0;
    if (groups_ == 1) {  // the input's chunks are the one cell's parts
        rows.push_back({0, 0, input_rows_});
        cells.push_back({mnb::label(settings_.structure, mnb::cell{0, 0})});
        count = 1;
    }
    for (std::size_t r = 0; r < rounds_.size() && groups_ > 1; ++r) {
        nlohmann::json labels = nlohmann::json::array();
        for (std::size_t k = 0; k < rounds_[r].size(); ++k) {
            rows.push_back({r, k, rounds_[r][k].rows});
            labels.push_back(mnb::label(settings_.structure, round_cells_[r][k]));
            ++count;
        }
        cells.push_back(std::move(labels));
    }
    return {{"kind", "mix_and_batch"},
            {"workers", std::min<std::size_t>(static_cast<std::size_t>(std::max(1, settings_.workers)), widest_round())},
            {"structure", mnb::to_string(settings_.structure)},
            {"grouping", mnb::to_string(settings_.grouping)},
            {"groups", groups_},
            {"rounds", rounds_.size()},
            {"cells", count},
            {"cell_groups", std::move(cells)},
            {"rows_per_round_cell", std::move(rows)}};
}

std::pair<std::string, std::string> endpoint_fields(const phase_config& phase, const std::vector<std::string>& columns) {
    const auto& mix = phase.mix;
    const bool csv = std::holds_alternative<csv_spec>(phase.work.source);
    const auto has = [&](const std::string& c) { return std::find(columns.begin(), columns.end(), c) != columns.end(); };
    const auto listed = [&] {
        std::string s;
        for (const auto& c : columns) s += (s.empty() ? "" : ", ") + c;
        return s;
    };
    if (!mix.source_field.empty()) {
        if (csv)
            for (const auto* f : {&mix.source_field, &mix.target_field})
                if (!has(*f))
                    throw std::invalid_argument(fmt::format("phase {}: mix_and_batch.endpoints: no column '{}' (the columns: {})",
                                                            phase.work.name, *f, listed()));
        return {mix.source_field, mix.target_field};
    }
    if (!csv) return {"a", "b"};
    static const std::pair<const char*, const char*> guesses[] = {
        {"a", "b"},        {"source", "target"},     {"from", "to"},          {"start", "end"},
        {"src", "dst"},    {"start_id", "end_id"},  {":START_ID", ":END_ID"}};
    for (const auto& [s, t] : guesses)
        if (has(s) && has(t)) return {s, t};
    throw std::invalid_argument(fmt::format(
        "phase {}: mix_and_batch needs the columns that hold the two node keys: set mix_and_batch.endpoints "
        "{{source: COLUMN, target: COLUMN}} (the columns: {})",
        phase.work.name, listed()));
}

}  // namespace boltload
