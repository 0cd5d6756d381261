// CSV and generator chunk plans.
#include "boltload/chunk_plans.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "boltload/csv.hpp"

namespace boltload {
namespace {

class csv_chunk_plan final : public chunk_plan {
public:
    csv_chunk_plan(const csv_spec& spec, std::uint64_t target_bytes)
        : source_(csv_source::open_file(spec.path)),
          cutter_(source_, spec, csv_cut_options{.target_chunk_bytes = target_bytes}),
          tiled_to_(cutter_.header().data_begin) {}

    /// Checks as it goes that the chunks tile the data exactly (each begins where the last one
    /// ended, the last ends at the end of the file): a gap would lose rows, an overlap repeat them.
    std::optional<planned_chunk> next() override {
        auto c = cutter_.next();
        if (!c) {
            if (tiled_to_ != source_.size())
                throw std::logic_error(fmt::format("{}: chunks end at byte {} of {}", source_.name(), tiled_to_,
                                                   source_.size()));
            return std::nullopt;
        }
        if (c->begin != tiled_to_ || c->end <= c->begin)
            throw std::logic_error(fmt::format("{}: chunk [{}, {}) does not follow byte {}", source_.name(), c->begin,
                                               c->end, tiled_to_));
        tiled_to_ = c->end;
        planned_chunk p;
        p.work = chunk{next_id_++, csv_range{c->begin, c->end, c->first_line}, {}, {}};
        p.rows = cutter_.records() - c->first_record;  // the cutter has counted up to the chunk's end
        p.units = c->end - c->begin;
        return p;
    }
    std::uint64_t total_units() const override { return source_.size() - cutter_.header().data_begin; }
    std::uint64_t input_rows() override {
        while (next()) {
        }
        return cutter_.records();
    }
    const csv_header& header() const { return cutter_.header(); }

private:
    csv_source source_;
    csv_cutter cutter_;
    std::uint64_t tiled_to_;
    std::uint64_t next_id_ = 0;
};

class generate_chunk_plan final : public chunk_plan {
public:
    generate_chunk_plan(const generate_spec& spec, std::int64_t chunk_rows)
        : total_(static_cast<std::uint64_t>(std::max<std::int64_t>(0, spec.count * std::max<std::int64_t>(1, spec.repeat)))),
          chunk_rows_(static_cast<std::uint64_t>(std::max<std::int64_t>(1, chunk_rows))) {}

    std::optional<planned_chunk> next() override {
        if (first_ >= total_) return std::nullopt;
        const std::uint64_t n = std::min(chunk_rows_, total_ - first_);
        planned_chunk p;
        p.work = chunk{next_id_++, generate_range{static_cast<std::int64_t>(first_), static_cast<std::int64_t>(n)}, {}, {}};
        p.rows = n;
        p.units = n;
        first_ += n;
        return p;
    }
    std::uint64_t total_units() const override { return total_; }
    std::uint64_t input_rows() override { return total_; }

private:
    std::uint64_t total_;
    std::uint64_t chunk_rows_;
    std::uint64_t first_ = 0;
    std::uint64_t next_id_ = 0;
};

}  // namespace

std::unique_ptr<chunk_plan> make_chunk_plan(const phase_config& phase) {
    if (const auto* csv = std::get_if<csv_spec>(&phase.work.source))
        return std::make_unique<csv_chunk_plan>(*csv, static_cast<std::uint64_t>(phase.chunk_bytes));
    const auto& gen = std::get<generate_spec>(phase.work.source);
    return std::make_unique<generate_chunk_plan>(gen, phase.chunk_rows > 0 ? phase.chunk_rows : 10 * phase.work.batch_size);
}

std::vector<std::string> csv_header_names(const chunk_plan& plan) {
    const auto* csv = dynamic_cast<const csv_chunk_plan*>(&plan);
    return csv ? csv->header().names : std::vector<std::string>{};
}

}  // namespace boltload
