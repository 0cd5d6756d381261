// Fuzzes the sweep block reader and the grid: any bytes must read and expand, or fail with
// config_error naming the problem, never crash or throw anything else. A block that expands is
// checked against a small config, so its key paths and values go through the config reader too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "boltload/sweep_plan.hpp"

namespace {
const std::string config = R"(phases:
  - name: rels
    source: {generate: {count: 10}}
    query: 'UNWIND $batch AS row CREATE (:N {id: row.id})'
    retry: {kind: memgraph, jitter: 0.1}
)";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto spec = boltload::sweep::parse(text, "fuzz/sweep.yaml");
        if (!spec) return 0;
        const auto cells = boltload::sweep::expand(*spec);
        if (cells.empty() || cells.size() * static_cast<std::size_t>(spec->repeat) >
                                 static_cast<std::size_t>(spec->max_trials))
            std::abort();
        std::vector<std::string> warnings;
        if (cells.size() <= 16) {
            const auto configs = boltload::sweep::check_cells(config, "fuzz/cfg.yaml", {}, cells, false, warnings);
            if (configs.size() != cells.size()) std::abort();
            boltload::sweep::measured_phases(*spec, configs.front());
        }
        const auto trials = boltload::sweep::plan_trials(*spec, cells.size());
        if (trials.size() != cells.size() * static_cast<std::size_t>(spec->repeat)) std::abort();
    } catch (const boltload::config_error& e) {
        if (e.problems().empty()) std::abort();
    }
    return 0;
}
