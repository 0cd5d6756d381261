// `boltload sweep`: the trials as child processes, the progress bar, Ctrl-C, and the outputs.
#include "boltload/sweep_command.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bolt/errors.hpp"
#include "boltload/commands.hpp"
#include "boltload/config.hpp"
#include "boltload/report_command.hpp"
#include "boltload/run_stats.hpp"
#include "boltload/sweep_plan.hpp"

namespace boltload {
namespace {

using steady = std::chrono::steady_clock;

/// SIGINT and SIGTERM: the first lets the running trial finish and stops the sweep after it, the
/// second stops the running trial too (it is reported interrupted), a third ends the process.
std::atomic<int> signals_received{0};

extern "C" void on_sweep_signal(int) {
    if (signals_received.fetch_add(1) + 1 >= 3) {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }
}

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

// ---- a trial as a child process -----------------------------------------------------------------

/// Starts `boltload import ARGS` in `dir` in a process group of its own (the terminal's Ctrl-C
/// reaches only the sweep, which decides what the trial gets), output in dir/import.log. The
/// child dies with the sweep (PR_SET_PDEATHSIG), so a killed sweep leaves no import running.
pid_t start_import(const trial_request& r) {
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::vector<std::string> args{self, "import"};
    args.insert(args.end(), r.args.begin(), r.args.end());
    const std::string log = (r.dir / "import.log").string();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid != 0) {
        if (pid > 0) ::setpgid(pid, pid);  // also in the child: whichever runs first
        return pid;
    }
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (::chdir(r.dir.c_str()) != 0) ::_exit(127);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(self.c_str(), argv.data());
    ::_exit(127);
}

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) return fmt::format("the import was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return fmt::format("the import ended with status {}", status);
}

trial_exit run_child(const trial_request& r, const std::function<void()>& tick) {
    const auto started = steady::now();
    const pid_t pid = start_import(r);
    if (pid < 0) return {std::nullopt, fmt::format("cannot start the import: {}", std::strerror(errno)), false, 0};
    trial_exit out;
    bool forwarded = false, killed = false;
    auto last_tick = steady::now();
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            out.wall_s = seconds_since(started);
            if (WIFEXITED(status) && !killed) {
                out.exit_code = WEXITSTATUS(status);
                if (*out.exit_code == 127) out.why = "the import could not be started (exit 127): see import.log";
            } else if (out.why.empty()) {
                out.why = describe_status(status);
            }
            return out;
        }
        if (done < 0 && errno != EINTR) return {std::nullopt, fmt::format("lost the import: {}", std::strerror(errno)), false, seconds_since(started)};
        const int signals = signals_received.load();  // 0 when the trial started: the sweep stops before
        if (signals >= 2 && !forwarded) {  // the second Ctrl-C: the trial stops too, as import drains
            ::kill(-pid, SIGINT);
            forwarded = true;
            out.interrupted = true;
            out.why = "interrupted by the user";
        }
        if (r.timeout_s > 0 && !killed && seconds_since(started) > r.timeout_s) {
            ::kill(-pid, SIGKILL);  // the import, its workers and its embedded server
            killed = true;
            out.why = fmt::format("timed out after {:g} s (trial_timeout)", r.timeout_s);
        }
        if (signals >= 3 && !killed) {
            ::kill(-pid, SIGKILL);
            killed = true;
        }
        if (tick && seconds_since(last_tick) > 0.2) {
            tick();
            last_tick = steady::now();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// ---- progress ------------------------------------------------------------------------------------

class progress_bar {
public:
    progress_bar(std::ostream& err, std::size_t total, bool draw, bool lines)
        : err_(err), total_(total), draw_(draw), lines_(lines), started_(steady::now()) {}

    void running(const sweep::trial& t, std::size_t done) {
        current_ = fmt::format("cell {} repeat {}", t.cell, t.repeat + 1);
        done_ = done;
        redraw();
    }
    void redraw() {
        if (!draw_) return;
        constexpr std::size_t width = 24;
        const std::size_t filled = total_ ? done_ * width / total_ : width;
        const double elapsed = seconds_since(started_);
        const double eta = done_ ? elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_) : -1;
        err_ << fmt::format("\rsweep [{}{}] {}/{} trials  {}  elapsed {}  ETA {} \x1b[K", std::string(filled, '#'),
                            std::string(width - filled, '.'), done_, total_, current_, format_duration(elapsed),
                            format_duration(eta))
             << std::flush;
    }
    void finished(const sweep::trial_result& r, const sweep::cell& c, std::size_t done) {
        done_ = done;
        if (!lines_) return redraw();
        const auto m = [&](const char* k) {
            const auto it = r.metrics.find(k);
            return it == r.metrics.end() ? std::string("-") : fmt::format("{:.3g}", it->second);
        };
        if (draw_) err_ << "\r\x1b[K";
        err_ << fmt::format("trial {}/{}: cell {} ({}), repeat {}, seed {}: {}{}; makespan {} s, {} attempts/batch\n", done,
                            total_, c.index, sweep::describe(c), r.t.repeat + 1, r.t.seed, sweep::to_string(r.status),
                            r.reason.empty() ? "" : " (" + r.reason + ")", m("makespan_s"), m("attempts_per_batch"));
        redraw();
    }
    void end() {
        if (draw_) err_ << "\r\x1b[K" << std::flush;
    }

private:
    std::ostream& err_;
    std::size_t total_;
    bool draw_, lines_;
    steady::time_point started_;
    std::size_t done_ = 0;
    std::string current_;
};

// ---- the sweep -----------------------------------------------------------------------------------

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw config_error({fmt::format("{}: cannot read the file", file.string())});
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Everything checked before the first trial.
struct prepared {
    std::string config_text;
    run_config base;
    sweep::spec spec;
    std::vector<sweep::cell> cells;
    std::vector<std::string> measured;
    std::vector<std::size_t> measured_index;
};

std::optional<prepared> prepare(const sweep_options& o, std::ostream& err) {
    prepared p;
    try {
        p.config_text = read_text(o.config_file);
        load_options lo;
        lo.overrides = o.overrides;
        p.base = parse_config(p.config_text, o.config_file, lo);
        const std::string sweep_file = o.sweep_file.value_or(o.config_file);
        auto s = sweep::parse(o.sweep_file ? read_text(*o.sweep_file) : p.config_text, sweep_file);
        if (!s) {
            err << fmt::format("boltload: {} has no sweep: block; add one or give --sweep FILE (README, \"Sweeps\")\n",
                               o.config_file);
            return std::nullopt;
        }
        p.spec = std::move(*s);
        p.cells = sweep::expand(p.spec);
        std::vector<std::string> warnings;
        const auto configs = sweep::check_cells(p.config_text, o.config_file, o.overrides, p.cells, true, warnings);
        for (const auto& w : warnings) err << "warning: " << w << "\n";
        p.measured_index = sweep::measured_phases(p.spec, configs.front());
        for (const auto i : p.measured_index) p.measured.push_back(configs.front().phases[i].work.name);
    } catch (const config_error& e) {
        err << e.what() << "\n";
        return std::nullopt;
    }
    if (!p.spec.reset.empty() && !o.embedded && !o.allow_reset) {
        err << fmt::format("{}: sweep.reset: these statements run against {} before every trial and delete data: "
                           "give --allow-reset to allow it (or --embedded: a fresh server per trial)\n",
                           p.spec.reset_origin, p.base.connection.uri);
        return std::nullopt;
    }
    if (!p.spec.reset.empty() && o.embedded)
        err << "note: sweep.reset is not run with --embedded: each trial gets a fresh embedded server\n";
    if (p.spec.reset.empty() && !o.embedded)
        err << fmt::format("warning: no sweep.reset and no --embedded: the trials run one after another against {} and "
                           "each finds what the ones before it wrote\n",
                           p.base.connection.uri);
    return p;
}

std::vector<std::string> import_args(const sweep_options& o, const prepared& p, const sweep::trial& t,
                                     const std::filesystem::path& dir) {
    std::vector<std::string> args{std::filesystem::absolute(o.config_file).string(),
                                  "--quiet",
                                  "--fresh",
                                  "--report",
                                  (dir / "report.json").string(),
                                  "--journal",
                                  (dir / "journal.jsonl").string()};
    if (o.embedded) args.push_back("--embedded");
    const sweep::cell& c = p.cells[t.cell];
    std::vector<std::string> sets = o.overrides;
    for (const auto& s : c.settings) sets.push_back(s.key + "=" + s.yaml);
    for (auto& s : sweep::seed_overrides(c, t, o.embedded)) sets.push_back(std::move(s));
    for (auto& s : sets) {
        args.push_back("--set");
        args.push_back(std::move(s));
    }
    return args;
}

/// The trial's result from how its import ended and the report it wrote.
sweep::trial_result result_of(const sweep::trial& t, const trial_exit& x, const std::filesystem::path& report,
                              const std::vector<std::size_t>& measured) {
    sweep::trial_result r;
    r.t = t;
    r.wall_s = x.wall_s;
    r.exit_code = x.exit_code;
    r.report = report.string();
    std::string report_problem;
    try {
        std::ifstream in(report);
        if (!in) throw std::invalid_argument("it wrote no report");
        r.metrics = sweep::metrics_of(nlohmann::json::parse(in), measured);
    } catch (const std::exception& e) {
        report_problem = e.what();
    }
    if (x.interrupted) {
        r.status = sweep::trial_status::interrupted;
        r.reason = x.why;
    } else if (!x.exit_code) {
        r.status = sweep::trial_status::failed;
        r.reason = x.why;
    } else if (!report_problem.empty()) {
        r.status = sweep::trial_status::failed;
        r.reason = fmt::format("{}{}", x.why.empty() ? fmt::format("the import exited with {}", *x.exit_code) : x.why,
                               "; its report: " + report_problem);
    } else {
        std::tie(r.status, r.reason) = sweep::judge(*x.exit_code, r.metrics);
    }
    return r;
}

bool stderr_is_terminal() { return ::isatty(2) == 1 && std::getenv("NO_COLOR") == nullptr; }

std::filesystem::path work_dir_of(const sweep_options& o) {
    if (o.work_dir) return *o.work_dir;
    return std::filesystem::path(o.config_file).filename().string() + ".sweep";
}

}  // namespace

int run_sweep(const sweep_options& o, std::ostream& out, std::ostream& err, const trial_runner& runner,
              const std::atomic<int>* signals) {
    const auto started_at = std::chrono::system_clock::now();
    const auto started = steady::now();
    auto p = prepare(o, err);
    if (!p) return exit_usage;
    const auto trials = sweep::plan_trials(p->spec, p->cells.size());
    const auto dir = std::filesystem::absolute(work_dir_of(o));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        err << fmt::format("boltload: cannot create the sweep's folder {}: {}\n", dir.string(), ec.message());
        return exit_usage;
    }
    if (!signals) {
        signals = &signals_received;
        std::signal(SIGINT, on_sweep_signal);
        std::signal(SIGTERM, on_sweep_signal);
    }
    err << fmt::format("sweep: {} cells × {} repeats = {} trials{}; measuring phase{} {}; trials in {}\n", p->cells.size(),
                       p->spec.repeat, trials.size(), o.embedded ? ", each on a fresh embedded server" : "",
                       p->measured.size() == 1 ? "" : "s", fmt::format("{}", fmt::join(p->measured, ", ")), dir.string());
    progress_bar bar(err, trials.size(), !o.quiet && stderr_is_terminal(), !o.quiet);
    const trial_runner run = runner ? runner : [&bar](const trial_request& r) { return run_child(r, [&bar] { bar.redraw(); }); };
    sweep::outcome outcome;
    outcome.s = &p->spec;
    outcome.config_file = o.config_file;
    outcome.measured = p->measured;
    outcome.cells = p->cells;
    outcome.planned = trials.size();
    outcome.started_at = iso8601_utc(started_at);
    int code = exit_ok;
    for (const auto& t : trials) {
        if (signals->load() > 0) {
            outcome.interrupted = true;
            break;
        }
        if (!p->spec.reset.empty() && !o.embedded) {
            try {
                run_statements(p->base.connection, p->spec.reset, "reset");
            } catch (const std::exception& e) {
                bar.end();
                err << fmt::format("boltload: sweep.reset before trial {}: {}\n", t.index, e.what());
                code = exit_connect;
                break;
            }
        }
        const auto trial_dir = dir / fmt::format("trial-{:04}", t.index);
        std::filesystem::remove_all(trial_dir, ec);
        std::filesystem::create_directories(trial_dir, ec);
        bar.running(t, outcome.results.size());
        const trial_exit x = run({import_args(o, *p, t, trial_dir), trial_dir, p->spec.trial_timeout_s});
        outcome.results.push_back(result_of(t, x, trial_dir / "report.json", p->measured_index));
        bar.finished(outcome.results.back(), p->cells[t.cell], outcome.results.size());
        if (outcome.results.back().status == sweep::trial_status::interrupted) outcome.interrupted = true;
        if (outcome.interrupted) break;
    }
    bar.end();
    if (outcome.interrupted)
        err << fmt::format("boltload: interrupted after {} of {} trials; the table and report hold what was measured\n",
                           outcome.results.size(), trials.size());
    const auto cells = sweep::summarize(p->cells, outcome.results);
    const auto rec = sweep::recommend(cells, p->spec.max_amplification);
    if (rec.cell) {
        std::vector<placed_value> values;
        for (const auto& s : p->cells[*rec.cell].settings) values.push_back({s.key, s.yaml, s.origin});
        try {
            outcome.recommended_yaml = changed_sections_yaml(p->config_text, o.config_file, values);
        } catch (const config_error& e) {
            outcome.recommended_yaml = fmt::format("# cannot be shown: {}\n", e.what());
        }
    }
    if (code == exit_ok) code = outcome.interrupted ? exit_interrupted : rec.cell ? exit_ok : exit_batches_failed;
    outcome.exit_code = code;
    outcome.duration_s = seconds_since(started);
    out << sweep::table(outcome, cells, rec) << std::flush;
    const nlohmann::json report = sweep::report(outcome, cells, rec);
    if (o.report) {
        std::ofstream f(*o.report, std::ios::trunc);
        f << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        if (!f) err << "boltload: cannot write the report to " << *o.report << "\n";
    }
    if (o.html)
        if (auto problem = write_html_report(report, *o.html)) err << "boltload: " << *problem << "\n";
    return code;
}

void add_sweep_command(CLI::App& app, sweep_options& o, std::function<int()>& action) {
    auto* cmd = app.add_subcommand(
        "sweep", "Run a config's workload over a grid of settings (its sweep: block) and recommend one");
    cmd->add_option("config", o.config_file, "The YAML config whose workload every trial runs")->required();
    cmd->add_option("--sweep", o.sweep_file, "Read the sweep: block from this file instead of the config");
    cmd->add_option("--set", o.overrides,
                    "Override a config key for every trial, before the cell's settings (as for import)");
    cmd->add_flag("--embedded", o.embedded, "Give each trial a fresh embedded server (in memory, 127.0.0.1)");
    cmd->add_flag("--allow-reset", o.allow_reset,
                  "Allow the sweep's reset: statements, run against the config's server before every trial "
                  "(they delete data)");
    cmd->add_option("--report", o.report, "Write the sweep report (every trial, every cell, the recommendation) as JSON");
    cmd->add_option("--html", o.html, "Write the sweep's HTML report (Pareto chart, metric-by-parameter charts)");
    cmd->add_option("--work-dir", o.work_dir,
                    "Where each trial's import report, journal and log go (default: CONFIG.sweep in the current "
                    "folder)");
    cmd->add_flag("--quiet", o.quiet, "No progress bar and no line per trial");
    cmd->footer(
        "Exit codes: 0 a cell is recommended; 1 no cell qualifies (every cell had a failed trial, or none stays "
        "within max_amplification); 2 usage, config or sweep error, found before any trial runs; 3 the reset "
        "statements could not run; 130 interrupted (Ctrl-C: the running trial finishes, a second Ctrl-C stops it; "
        "the table and the report hold what was measured).\n"
        "The rule: among cells where no trial failed, the lowest median makespan whose median attempts per "
        "committed batch is at most max_amplification (default 2); ties go to fewer attempts.");
    cmd->callback([&] { action = [&] { return run_sweep(o, std::cout, std::cerr); }; });
}

}  // namespace boltload
