// `boltload report merge SHARD.json... -o merged.json`: the reports of one scaled-out import's
// shards (and its before/after/verify steps) joined into one report, which renders like any
// other. Reports are outside input: every field is checked, and a problem is one line naming the
// file (exit 2), never a crash.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace CLI {
class App;
}

namespace boltload {

struct report_merge_options {
    std::vector<std::string> inputs;  ///< the shard reports
    std::string output;               ///< the merged report
    std::string html;                 ///< also its HTML page (optional)
};

/// Merges reports, each with the name messages use for it. Refuses (the string says which file
/// and why): a report that is not a shard report, report versions that differ, a foreign shard
/// (another run_id, config_digest or input_digest), a shard twice, a missing shard (of a scope:
/// the phases or statements a group of shards ran). Sums counters, adds latency histograms
/// bucket by bucket (percentiles are recomputed from them, never averaged), keeps each shard's
/// figures under `shards`.
std::variant<nlohmann::json, std::string> merge_reports(const std::vector<std::pair<std::string, nlohmann::json>>& reports);

/// Reads, merges and writes. Returns 0, or 2 with one line on `err`.
int run_report_merge(const report_merge_options& options, std::ostream& err);

/// Adds `merge` to the `report` command.
void add_report_merge_command(CLI::App& report, report_merge_options& options, std::function<int()>& action);

}  // namespace boltload
