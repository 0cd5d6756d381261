// `boltload sweep CONFIG.yaml`: runs the config's workload once per trial of the grid its `sweep:`
// block names, each trial a `boltload import` child process (a crash or a timeout is recorded,
// not lost), then prints the table and the recommendation and writes the sweep report. The grid,
// the figures and the rule are sweep_plan's; this file is the I/O around them.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace boltload {

struct sweep_options {
    std::string config_file;
    std::optional<std::string> sweep_file;  ///< --sweep FILE: the block from another file
    std::vector<std::string> overrides;     ///< --set, applied to every trial before the cell's settings
    bool embedded = false;                  ///< each trial gets a fresh embedded server
    bool allow_reset = false;               ///< allow `reset:` statements against a real server
    std::optional<std::string> report;      ///< --report sweep.json
    std::optional<std::string> html;        ///< --html sweep.html
    std::optional<std::string> work_dir;    ///< trial folders; default CONFIG.sweep in the current folder
    bool quiet = false;                     ///< no progress, no per-trial lines
};

/// What a trial runner is asked: run `boltload import` with `args` (after `import`) in `dir`,
/// where it writes report.json, for at most `timeout_s` seconds (0: no limit).
struct trial_request {
    std::vector<std::string> args;
    std::filesystem::path dir;
    double timeout_s = 0;
};

/// How the import ended. nullopt exit code: it did not exit by itself (`why` says how it ended).
struct trial_exit {
    std::optional<int> exit_code;
    std::string why;           ///< "killed by signal 11", "timed out after 60 s", ...
    bool interrupted = false;  ///< the user stopped it (a second Ctrl-C)
    double wall_s = 0;
};

/// Runs one trial; the default starts this executable's `import` as a child process in its own
/// process group, kills the group on timeout, and forwards a second Ctrl-C to it.
using trial_runner = std::function<trial_exit(const trial_request&)>;

/// Checks everything before the first trial (exit 2 on any problem), runs the trials, prints the
/// table on `out` and progress and problems on `err`, writes the report(s). Exit codes: 0 a cell is
/// recommended; 1 none qualifies (every cell failed, or none within max_amplification); 2 usage,
/// config or sweep error; 3 the reset statements could not run; 130 interrupted (what was measured
/// is still reported). `signals` counts SIGINT/SIGTERM (nullptr: this process's, handlers installed).
int run_sweep(const sweep_options& options, std::ostream& out, std::ostream& err, const trial_runner& runner = {},
              const std::atomic<int>* signals = nullptr);

void add_sweep_command(CLI::App& app, sweep_options& options, std::function<int()>& action);

}  // namespace boltload
