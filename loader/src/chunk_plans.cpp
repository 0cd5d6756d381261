// CSV and generator chunk plans.
#include "boltload/chunk_plans.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "boltload/csv.hpp"
#include "boltload/csv_inputs.hpp"

namespace boltload {
namespace {

/// The chunks of a CSV source's files, file after file: a plain file cut by bytes (chunk k of
/// file f gets id csv_chunk_id(k, f, files)), a compressed file as one chunk whose records the
/// input check counted. Checks as it goes that each plain file's chunks tile its data exactly
/// (each begins where the last one ended, the last ends at the end of the file): a gap would lose
/// rows, an overlap repeat them.
class csv_chunk_plan final : public chunk_plan {
public:
    csv_chunk_plan(const csv_spec& spec, std::uint64_t target_bytes, csv_inputs inputs)
        : spec_(spec), target_bytes_(target_bytes), inputs_(std::move(inputs)) {
        for (const auto& f : inputs_.files) {
            const std::uint64_t size = f.kind == compression::none ? f.size : f.decoded ? f.decoded_size : 0;
            total_units_ += size > f.header.data_begin ? size - f.header.data_begin : 0;
        }
    }

    std::optional<planned_chunk> next() override {
        while (file_ < inputs_.files.size()) {
            if (auto p = next_of_file()) return p;
            finish_file();
        }
        return std::nullopt;
    }
    std::uint64_t total_units() const override { return total_units_; }
    std::uint64_t input_rows() override {
        while (next()) {
        }
        return records_;
    }
    const csv_header& header() const {
        for (const auto& f : inputs_.files)
            if (!f.header.names.empty()) return f.header;
        return inputs_.files.front().header;
    }

private:
    std::uint64_t id(std::uint64_t k) const { return csv_chunk_id(k, file_, inputs_.files.size()); }

    std::optional<planned_chunk> next_of_file() {
        const csv_input_file& f = inputs_.files[file_];
        planned_chunk p;
        if (f.kind != compression::none) {
            if (k_ > 0) return std::nullopt;
            // One unit of work: a decoder cannot start in the middle. Its rows are known only when
            // the check decoded it (a shard skips the files it does not run).
            p.work = chunk{id(k_++), csv_range{f.header.data_begin, csv_source::unknown_size, f.header.data_first_line,
                                               static_cast<std::uint32_t>(file_)},
                           {}, {}};
            p.rows = f.records;
            p.units = f.decoded && f.decoded_size > f.header.data_begin ? f.decoded_size - f.header.data_begin : 0;
            records_ += f.records;
            return p.rows > 0 || !f.decoded ? std::optional(p) : std::nullopt;
        }
        if (!cutter_) {
            source_ = std::make_unique<csv_source>(csv_source::open_file(f.path));
            cutter_ = std::make_unique<csv_cutter>(*source_, spec_, csv_cut_options{.target_chunk_bytes = target_bytes_});
            tiled_to_ = cutter_->header().data_begin;
        }
        auto c = cutter_->next();
        if (!c) return std::nullopt;
        if (c->begin != tiled_to_ || c->end <= c->begin)
            throw std::logic_error(fmt::format("{}: chunk [{}, {}) does not follow byte {}", source_->name(), c->begin,
                                               c->end, tiled_to_));
        tiled_to_ = c->end;
        p.work = chunk{id(k_++), csv_range{c->begin, c->end, c->first_line, static_cast<std::uint32_t>(file_)}, {}, {}};
        p.rows = cutter_->records() - c->first_record;  // the cutter has counted up to the chunk's end
        p.units = c->end - c->begin;
        return p;
    }

    void finish_file() {
        if (cutter_) {
            if (tiled_to_ != source_->size())
                throw std::logic_error(fmt::format("{}: chunks end at byte {} of {}", source_->name(), tiled_to_,
                                                   source_->size()));
            records_ += cutter_->records();
        }
        cutter_.reset();
        source_.reset();
        ++file_;
        k_ = 0;
    }

    csv_spec spec_;
    std::uint64_t target_bytes_;
    csv_inputs inputs_;
    std::uint64_t total_units_ = 0;
    std::size_t file_ = 0;  // the file being cut
    std::uint64_t k_ = 0;   // its next chunk
    std::unique_ptr<csv_source> source_;
    std::unique_ptr<csv_cutter> cutter_;
    std::uint64_t tiled_to_ = 0;
    std::uint64_t records_ = 0;  // of the files done
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

/// A shard's share of a plan: the chunks `owned` accepts. Every shard cuts the same chunks, so
/// shards are disjoint and together cover the input.
class owned_chunk_plan final : public chunk_plan {
public:
    owned_chunk_plan(std::unique_ptr<chunk_plan> all, chunk_filter owned, std::uint32_t shards)
        : all_(std::move(all)), owned_(std::move(owned)), shards_(std::max<std::uint32_t>(1, shards)) {}

    std::optional<planned_chunk> next() override {
        while (auto p = all_->next()) {
            if (!owned_(p->work.chunk_id)) continue;
            rows_ += p->rows;
            return p;
        }
        return std::nullopt;
    }
    /// Progress only: about a shard's share of the whole.
    std::uint64_t total_units() const override { return all_->total_units() / shards_; }
    std::uint64_t input_rows() override {
        while (next()) {
        }
        return rows_;
    }
    const chunk_plan& all() const { return *all_; }

private:
    std::unique_ptr<chunk_plan> all_;
    chunk_filter owned_;
    std::uint32_t shards_;
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<chunk_plan> make_chunk_plan(const phase_config& phase, const csv_inputs* checked,
                                            const chunk_filter& owned, std::uint32_t shards) {
    if (owned) return std::make_unique<owned_chunk_plan>(make_chunk_plan(phase, checked), owned, shards);
    if (const auto* csv = std::get_if<csv_spec>(&phase.work.source))
        return std::make_unique<csv_chunk_plan>(*csv, static_cast<std::uint64_t>(phase.chunk_bytes),
                                                checked ? *checked : check_csv_inputs(*csv));
    const auto& gen = std::get<generate_spec>(phase.work.source);
    return std::make_unique<generate_chunk_plan>(gen, phase.chunk_rows > 0 ? phase.chunk_rows : 10 * phase.work.batch_size);
}

std::vector<std::string> csv_header_names(const chunk_plan& plan) {
    if (const auto* mine = dynamic_cast<const owned_chunk_plan*>(&plan)) return csv_header_names(mine->all());
    const auto* csv = dynamic_cast<const csv_chunk_plan*>(&plan);
    return csv ? csv->header().names : std::vector<std::string>{};
}

}  // namespace boltload
