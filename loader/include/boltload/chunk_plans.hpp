// The chunk plans of a phase's input: CSV byte ranges cut at record ends by one quote-aware pass
// (the coordinator never holds the file), or ranges of generated rows. Both yield chunks in id
// order with their row counts, so the scheduler knows every batch before a worker reads it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "boltload/config.hpp"
#include "boltload/csv_inputs.hpp"
#include "boltload/scheduler.hpp"

namespace boltload {

/// The plan for `phase`'s source; a CSV source's files as `checked` found them (null: checked
/// now, every file). With `owned` (a shard's), only the chunks it accepts, of `shards` shards.
/// Throws csv_error for an unreadable CSV file or header, and std::invalid_argument for an
/// unusable CSV dialect.
std::unique_ptr<chunk_plan> make_chunk_plan(const phase_config& phase, const csv_inputs* checked = nullptr,
                                            const chunk_filter& owned = {}, std::uint32_t shards = 1);

/// The CSV header's names (for the dead-letter file's first line); empty for generated input or
/// a CSV without a header.
std::vector<std::string> csv_header_names(const chunk_plan& plan);

}  // namespace boltload
