// The pure part of `boltload sweep`: the `sweep:` block read from YAML, the grid of cells it names
// (checked against the config through the same key paths as --set), the trials and their seeds,
// each trial's figures taken from its import report, the per-cell medians and ranges, the Pareto
// frontier, the recommendation rule, and the sweep report. No processes, no sockets, no clock:
// sweep_command.cpp runs the trials.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "boltload/config.hpp"

namespace boltload::sweep {

/// The keys of the `sweep:` block (README, "Sweeps").
inline const std::vector<std::string_view> block_keys{"vary",       "cases",      "repeat",
                                                      "measure",    "reset",      "max_amplification",
                                                      "max_trials", "trial_timeout", "seed"};

/// One setting of a cell: a config key path, exactly as --set takes it, and its value.
struct setting {
    std::string key;       ///< "phases.relationships.retry.kind"
    std::string yaml;      ///< the value as YAML, for --set and the config reader
    nlohmann::json value;  ///< the same value as JSON, for reports and scripts
    std::string origin;    ///< "sweep.yaml:7:15": where the sweep file wrote the value
    friend bool operator==(const setting& a, const setting& b) { return a.key == b.key && a.value == b.value; }
};

/// One `vary:` entry: a key path and the values it takes.
struct axis {
    std::string key;
    std::vector<setting> values;
};

/// The `sweep:` block.
struct spec {
    std::string file;  ///< where it was read from, for messages
    std::vector<axis> vary;
    std::vector<std::vector<setting>> cases;
    int repeat = 3;
    std::vector<std::string> measure;  ///< phase names or indices as written; empty: the last phase
    std::string measure_origin;
    std::vector<std::string> reset;  ///< statements run before each trial against a real server
    std::string reset_origin;
    double max_amplification = 2;
    std::int64_t max_trials = 500;
    double trial_timeout_s = 0;  ///< 0: none
    std::uint64_t seed = 1;      ///< repeat r of every cell runs with seed + r
};

/// Reads the block from YAML text. The text is a config holding a `sweep:` key, or a file whose
/// top level is the block itself (or holds only `sweep:`). Throws config_error, every problem as
/// "FILE:LINE:COLUMN: sweep.key: message"; `no_block` (nullopt) when a config has no `sweep:`.
std::optional<spec> parse(std::string_view yaml, const std::string& file);

/// A cell of the grid: one combination of settings.
struct cell {
    std::size_t index = 0;
    std::vector<setting> settings;
};

/// Every case crossed with every combination of the `vary:` lists (cases alone, or the product of
/// the lists alone, when only one is given), in file order. Throws config_error for an empty grid,
/// a key set twice in a cell, or more than max_trials trials.
std::vector<cell> expand(const spec& s);

/// "phases.rels.workers=4, phases.rels.retry.kind=full_jitter" for tables and messages.
std::string describe(const cell& c);

/// Checks every cell against the config: the config text with the sweep's --set overrides and the
/// cell's settings, read as `boltload import` would. Returns each cell's config; throws
/// config_error with every distinct problem (a problem of only some cells names one of them).
/// `warnings` gets the distinct warnings.
std::vector<run_config> check_cells(std::string_view config_yaml, const std::filesystem::path& config_file,
                                    const std::vector<std::string>& overrides, const std::vector<cell>& cells,
                                    bool check_files, std::vector<std::string>& warnings);

/// The indices of the measured phases, from `measure:` (names or indices; default the last).
/// Throws config_error for a phase the config does not have.
std::vector<std::size_t> measured_phases(const spec& s, const run_config& config);

/// One run of a cell.
struct trial {
    std::size_t index = 0;
    std::size_t cell = 0;
    int repeat = 0;
    std::uint64_t seed = 0;
};

/// Every trial, repeat by repeat (all cells' first repeat, then the second, ...), so slow drift of
/// a shared machine touches every cell alike and a stopped sweep has measured every cell.
std::vector<trial> plan_trials(const spec& s, std::size_t cells);

/// The config overrides that give a trial its seed: the workers' retry jitter (`seed`) and, with
/// --embedded, the embedded server's faults (`embedded.faults.seed`), unless the cell sets them.
std::vector<std::string> seed_overrides(const cell& c, const trial& t, bool embedded);

/// The names of a trial's figures, in table order (README, "Sweeps").
const std::vector<std::string>& metric_names();

/// A trial's figures from its import report (report_version 2), over the measured phases:
/// makespan_s (their durations summed), rows_per_s, attempts_per_batch (attempts ÷ committed
/// batches), conflicts, other_transient_errors, backoff_s, latency_p50/p95/p99/max_ms (their
/// histograms merged), batches_failed, unknown_outcome_batches, imbalance (max ÷ mean busy time of
/// the workers, the worst phase). A figure that cannot be had (no batch committed) is left out.
/// Throws std::invalid_argument when the report does not have the measured phases.
std::map<std::string, double> metrics_of(const nlohmann::json& report, const std::vector<std::size_t>& measured);

enum class trial_status : std::uint8_t { ok, failed, interrupted };
std::string_view to_string(trial_status s);

/// How a trial ended. A failed trial (it crashed, timed out, exited non-zero, or a batch failed or
/// has an unknown outcome) keeps what it measured; an interrupted one (the user stopped it) is left
/// out of the cell's figures.
struct trial_result {
    trial t;
    trial_status status = trial_status::ok;
    std::string reason;  ///< why it failed or was interrupted
    std::optional<int> exit_code;
    double wall_s = 0;  ///< the child process's life, start to exit
    std::string report;  ///< the trial's import report
    std::map<std::string, double> metrics;
};

/// The status a finished import gives its trial: failed on a non-zero exit or a failed or unknown
/// batch in the measured phases, with the reason.
std::pair<trial_status, std::string> judge(int exit_code, const std::map<std::string, double>& metrics);

/// A figure over a cell's repeats.
struct spread {
    double median = 0;
    double min = 0;
    double max = 0;
};
spread spread_of(std::vector<double> values);  ///< values not empty

struct cell_summary {
    std::size_t index = 0;
    std::size_t trials = 0;         ///< planned
    std::size_t measured = 0;       ///< trials with figures (ok or failed)
    std::size_t failed_trials = 0;
    std::size_t interrupted = 0;
    std::map<std::string, spread> metrics;
    bool pareto = false;
    double metric(const std::string& name) const;  ///< the median; NaN when missing
};

/// Each cell's figures: median, min and max over its measured trials, and the Pareto frontier.
std::vector<cell_summary> summarize(const std::vector<cell>& cells, const std::vector<trial_result>& results);

/// Of (x, y) points to minimise both, which no other point beats on both (ties: the first); points
/// with a NaN are never on it. The one definition for stdout, sweep.json and the HTML report.
std::vector<bool> pareto_front(const std::vector<std::pair<double, double>>& points);

/// The rule, as printed and stored in the report.
std::string rule_text(double max_amplification);

/// The recommended cell: among cells with a measured trial and no failed one, the lowest median
/// makespan whose median attempts per batch is at most max_amplification; ties go to fewer
/// attempts, then to the earlier cell. nullopt with the reason when no cell qualifies.
struct recommendation {
    std::optional<std::size_t> cell;
    std::string why_none;
};
recommendation recommend(const std::vector<cell_summary>& cells, double max_amplification);

/// The settings of a cell as the report stores them: key path → value.
nlohmann::json settings_json(const cell& c);

/// What a sweep is, for the report and the table.
struct outcome {
    const spec* s = nullptr;
    std::string config_file;
    std::vector<std::string> measured;  ///< phase names
    std::vector<cell> cells;
    std::vector<trial_result> results;  ///< the trials run, in order
    std::size_t planned = 0;            ///< trials planned
    bool interrupted = false;
    std::string started_at;
    double duration_s = 0;
    int exit_code = 0;
    std::string recommended_yaml;  ///< the winner's config sections (changed_sections_yaml)
};

/// The sweep report (the shape `boltload report html` renders): report_version, config_file,
/// exit_code, and under "sweep" the parameters, rule, cells with their figures, every trial with
/// its seed, the frontier and the recommendation (its settings a map of key path → value).
nlohmann::json report(const outcome& o, const std::vector<cell_summary>& cells, const recommendation& r);

/// The table on stdout, cells sorted by median makespan (cells without figures last).
std::string table(const outcome& o, const std::vector<cell_summary>& cells, const recommendation& r);

}  // namespace boltload::sweep
