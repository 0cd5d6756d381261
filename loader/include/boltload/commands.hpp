// The `import` and `check` commands: what they take and how they end (exit codes), separate from
// main() so tests can run them in-process.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace boltload {

/// Exit codes (README, "Exit codes").
inline constexpr int exit_ok = 0;                ///< every row committed
inline constexpr int exit_batches_failed = 1;    ///< some batches dead-lettered, unknown, or a verify failed
inline constexpr int exit_usage = 2;             ///< usage, config or input error
inline constexpr int exit_connect = 3;           ///< could not connect or authenticate
inline constexpr int exit_interrupted = 130;     ///< SIGINT/SIGTERM; the journal has what is done

struct import_options {
    std::string config_file;
    std::vector<std::string> overrides;  ///< --set key.path=value
    bool embedded = false;               ///< start the embedded server for the run
    std::optional<std::string> report;   ///< --report FILE.json (else the config's `report`)
    std::optional<std::string> html;     ///< --html FILE.html (else the config's `report_html`)
    bool resume = false;                 ///< continue the run in the journal
    bool fresh = false;                  ///< replace the journal of an unfinished run
    std::optional<std::string> journal;  ///< --journal FILE (else the config's, else CONFIG.journal.jsonl)
    bool quiet = false;                  ///< no progress bar, no summary table
    // Scaling out (README, "Scaling out"; shard.hpp).
    std::optional<std::string> shard;      ///< --shard I/N
    std::optional<std::uint32_t> shards;   ///< --shards N, with JOB_COMPLETION_INDEX
    std::optional<std::string> phase;      ///< --phase NAME: that phase only
    std::vector<std::string> only;         ///< --only before|after|verify: those statements only
    std::optional<std::string> run_id;     ///< --run-id ID: the id every shard's report carries
};

struct check_options {
    std::string config_file;
    std::vector<std::string> overrides;
    bool embedded = false;
    bool phases = false;  ///< --phases: print the phase names, one a line, and do not connect
};

int run_import(const import_options& options);
int run_check(const check_options& options);

struct connection_spec;

/// Runs statements one by one in auto-commit transactions on a connection of its own (`where`
/// names them in errors: "before", "reset"). Throws bolt::error when it cannot connect, and
/// std::runtime_error naming the statement that failed.
void run_statements(const connection_spec& connection, const std::vector<std::string>& statements,
                    std::string_view where);

/// "01:05", "1:02:03": elapsed times and ETAs of the progress bars; "--:--" when unknown.
std::string format_duration(double s);

/// Adds `import` and `check` to the CLI; `action` is set to the chosen command's runner.
void add_import_commands(CLI::App& app, import_options& import, check_options& check,
                         std::function<int()>& action);

}  // namespace boltload
