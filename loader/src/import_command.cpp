// `boltload import` and `boltload check`: load the config, optionally start the embedded server,
// run the before statements, every phase with its workers, the after statements and the verify
// queries; print the summary, write the report, and exit with a code that says how it went.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bolt/driver.hpp"
#include "boltload/commands.hpp"
#include "boltload/config.hpp"
#include "boltload/coordinator.hpp"
#include "boltload/run_stats.hpp"
#include "boltload/worker_program.hpp"
#include "server/bolt/server.hpp"

namespace boltload {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
    interrupted = true;
    // A second Ctrl-C ends the process at once.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

/// The embedded server for --embedded: in-process, 127.0.0.1, a free port.
std::unique_ptr<server::bolt::server> start_embedded(const run_config& config) {
    server::bolt::server_options o;
    o.listen = "127.0.0.1:0";
    const embedded_config e = config.embedded.value_or(embedded_config{});
    o.threads = static_cast<unsigned>(std::max(0, e.threads));
    o.storage.mode = e.storage_mode == embedded_storage_mode::in_memory_analytical
                         ? server::storage::storage_mode::in_memory_analytical
                         : server::storage::storage_mode::in_memory_transactional;
    o.storage.edge_rule = e.edge_rule == embedded_edge_rule::non_sequential
                              ? server::storage::edge_creation_rule::non_sequential
                              : server::storage::edge_creation_rule::sequential;
    auto& f = o.connection.faults;
    f.seed = e.faults.seed;
    f.transient_error_probability = e.faults.transient_error_probability;
    f.latency_ms = static_cast<std::uint32_t>(e.faults.latency_ms);
    f.drop_after_messages = static_cast<std::uint64_t>(e.faults.drop_after_messages);
    f.drop_probability = e.faults.drop_probability;
    f.stall_after_messages = static_cast<std::uint64_t>(e.faults.stall_after_messages);
    f.stall_ms = static_cast<std::uint32_t>(e.faults.stall_ms);
    auto s = std::make_unique<server::bolt::server>(o);
    s->start();
    return s;
}

bolt::driver open_driver(const connection_spec& c) {
    return bolt::driver(c.uri, to_auth_token(c.auth), to_driver_config(c));
}

bolt::session_config session_for(const connection_spec& c) {
    bolt::session_config s;
    if (!c.database.empty()) s.database = c.database;
    return s;
}

/// Runs statements one by one in auto-commit transactions (index and storage-mode statements
/// are refused inside explicit ones). Throws bolt::error with the statement in the message.
void run_statements(bolt::driver& driver, const connection_spec& c, const std::vector<std::string>& statements,
                    std::string_view where) {
    for (const auto& q : statements) {
        auto session = driver.session(session_for(c));
        try {
            session.run(q).consume();
        } catch (const bolt::error& e) {
            throw std::runtime_error(fmt::format("{} statement `{}` failed: {}", where, q, e.what()));
        }
    }
}

// ---- progress bar ------------------------------------------------------------------------------

bool stderr_is_terminal() { return ::isatty(2) == 1; }

bool show_progress(const run_config& config, bool quiet) {
    if (quiet || config.progress == progress_mode::off) return false;
    if (config.progress == progress_mode::on) return true;
    return stderr_is_terminal() && std::getenv("NO_COLOR") == nullptr;
}

bool use_colour() { return stderr_is_terminal() && std::getenv("NO_COLOR") == nullptr; }

std::string format_duration(double s) {
    if (s < 0 || s > 1e7) return "--:--";
    const auto t = static_cast<long>(s);
    return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                     : fmt::format("{:02}:{:02}", t / 60, t % 60);
}

void draw_progress(const live_status& s, bool colour) {
    constexpr int width = 24;
    const int filled = static_cast<int>(s.fraction_done * width);
    const double rate = s.elapsed_s > 0 ? static_cast<double>(s.rows_committed) / s.elapsed_s : 0;
    const double eta = s.fraction_done > 0.001 ? s.elapsed_s * (1 - s.fraction_done) / s.fraction_done : -1;
    const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                            std::string(static_cast<std::size_t>(width - filled), '.');
    const char* on = colour ? "\x1b[32m" : "";
    const char* off = colour ? "\x1b[0m" : "";
    std::fprintf(stderr, "\r%s [%s%s%s] %3.0f%% %12llu rows %9.0f rows/s  conflicts %llu  retries %llu%s  ETA %s \x1b[K",
                 s.phase.c_str(), on, bar.c_str(), off, s.fraction_done * 100,
                 static_cast<unsigned long long>(s.rows_committed), rate,
                 static_cast<unsigned long long>(s.conflicts), static_cast<unsigned long long>(s.retries),
                 s.failed_batches ? fmt::format("  failed {}", s.failed_batches).c_str() : "",
                 format_duration(eta).c_str());
    std::fflush(stderr);
}

// ---- checkpoint --------------------------------------------------------------------------------

std::filesystem::path checkpoint_path(const import_options& o, const run_config& c) {
    if (o.checkpoint) return *o.checkpoint;
    if (c.checkpoint) return *c.checkpoint;
    return c.file + ".checkpoint.json";
}

struct checkpoint {
    bool before_done = false;
    std::map<std::string, phase_progress> phases;
};

void save_checkpoint(const std::filesystem::path& path, const checkpoint& cp) {
    nlohmann::json phases = nlohmann::json::object();
    for (const auto& [name, p] : cp.phases) {
        nlohmann::json batches = nlohmann::json::object();
        for (const auto& [chunk, set] : p.finished_batches) batches[std::to_string(chunk)] = set;
        phases[name] = {{"complete", p.complete}, {"done_chunks", p.done_chunks}, {"finished_batches", batches}};
    }
    const nlohmann::json j = {{"checkpoint_version", 1}, {"before_done", cp.before_done}, {"phases", phases}};
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump(1) << '\n';
        if (!out) throw std::runtime_error("cannot write checkpoint " + tmp);
    }
    std::filesystem::rename(tmp, path);  // atomic: a crash leaves the old or the new one
}

checkpoint load_checkpoint(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("--resume: no checkpoint at {}", path.string()));
    checkpoint cp;
    try {
        const auto j = nlohmann::json::parse(in);
        if (j.at("checkpoint_version") != 1) throw std::runtime_error("unknown checkpoint_version");
        cp.before_done = j.at("before_done").get<bool>();
        for (const auto& [name, p] : j.at("phases").items()) {
            phase_progress pp;
            pp.complete = p.at("complete").get<bool>();
            pp.done_chunks = p.at("done_chunks").get<std::set<std::uint64_t>>();
            for (const auto& [chunk, set] : p.at("finished_batches").items())
                pp.finished_batches[std::stoull(chunk)] = set.get<std::set<std::uint32_t>>();
            cp.phases[name] = std::move(pp);
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("--resume: {} is not a boltload checkpoint: {}", path.string(), e.what()));
    }
    return cp;
}

// ---- verify ------------------------------------------------------------------------------------

/// Runs every verify query; prints each check, returns whether all passed.
bool run_verify(bolt::driver& driver, const run_config& config) {
    bool ok = true;
    for (const auto& v : config.verify) {
        std::string got;
        bool pass = false;
        try {
            auto session = driver.session(session_for(config.connection));
            auto records = session.run(v.query).list();
            if (records.size() == 1 && records[0].size() == 1 && records[0][0].type() == bolt::value_type::integer) {
                const auto n = records[0][0].as<std::int64_t>();
                got = std::to_string(n);
                pass = n == v.expect;
            } else {
                got = "not one integer";
            }
        } catch (const bolt::error& e) {
            got = e.what();
        }
        ok = ok && pass;
        std::cout << fmt::format("verify {}: {} (expected {}, got {})\n", pass ? "ok  " : "FAIL", v.query, v.expect, got);
    }
    return ok;
}

int fatal_exit_code(const fatal& f) {
    switch (f.kind) {
        case fatal_kind::connect:
        case fatal_kind::auth: return exit_connect;
        case fatal_kind::config:
        case fatal_kind::input: return exit_usage;
        default: return exit_batches_failed;
    }
}

/// Loads and validates the config: prints every problem (the caller exits 2) or the warnings.
std::optional<run_config> load_and_report(const std::string& file, const std::vector<std::string>& overrides) {
    load_options lo;
    lo.overrides = overrides;
    try {
        run_config config = load_config(file, lo);
        for (const auto& w : config.warnings) std::cerr << "warning: " << w << "\n";
        return config;
    } catch (const config_error& e) {
        std::cerr << e.what() << "\n";
        return std::nullopt;
    }
}

/// Starts the embedded server for --embedded and points the config's connection at it; prints
/// why when it cannot start (the caller exits 3).
std::unique_ptr<server::bolt::server> start_embedded_and_connect(run_config& config) {
    try {
        auto s = start_embedded(config);
        config.connection.uri = s->uri();
        config.connection.auth = auth_spec{};
        std::cerr << "embedded server listening on " << s->uri() << "\n";
        return s;
    } catch (const std::exception& e) {
        std::cerr << "boltload: cannot start the embedded server: " << e.what() << "\n";
        return nullptr;
    }
}

}  // namespace

int run_import(const import_options& options) {
    auto loaded = load_and_report(options.config_file, options.overrides);
    if (!loaded) return exit_usage;
    run_config& config = *loaded;
    std::unique_ptr<server::bolt::server> embedded;
    if (options.embedded && !(embedded = start_embedded_and_connect(config))) return exit_connect;

    const auto cp_path = checkpoint_path(options, config);
    checkpoint cp;
    if (options.resume) {
        try {
            cp = load_checkpoint(cp_path);
        } catch (const std::exception& e) {
            std::cerr << "boltload: " << e.what() << "\n";
            return exit_usage;
        }
    }

    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    std::signal(SIGPIPE, SIG_IGN);

    std::optional<bolt::driver> driver;
    try {
        driver.emplace(open_driver(config.connection));
        driver->verify_connectivity();
    } catch (const bolt::error& e) {
        std::cerr << "boltload: cannot connect to " << config.connection.uri << ": " << e.what() << "\n";
        return exit_connect;
    }

    const bool progress = show_progress(config, options.quiet);
    const bool colour = use_colour();
    std::vector<phase_stats> done;
    phase_stats totals;
    totals.name = "total";
    int code = exit_ok;
    std::string stop_message;
    try {
        if (!cp.before_done) run_statements(*driver, config.connection, config.before, "before");
        cp.before_done = true;
        for (const auto& phase : config.phases) {
            phase_progress& pp = cp.phases[phase.work.name];
            if (pp.complete) {
                std::cerr << "phase " << phase.work.name << ": complete in the checkpoint, skipped\n";
                continue;
            }
            if (pp.done_chunks.empty() && pp.finished_batches.empty())
                run_statements(*driver, config.connection, phase.before, phase.work.name + ".before");
            phase_run_options ro;
            ro.worker_program = worker_program();
            ro.connection = config.connection;
            ro.resume = pp;
            ro.interrupted = &interrupted;
            if (progress) ro.on_status = [colour](const live_status& s) { draw_progress(s, colour); };
            phase_result r = run_phase(phase, ro);
            if (progress) std::fprintf(stderr, "\n");
            pp = r.progress;
            totals += r.stats;
            done.push_back(std::move(r.stats));
            if (r.end != phase_end::completed) {
                stop_message = r.message;
                if (r.end == phase_end::interrupted) code = exit_interrupted;
                else if (r.end == phase_end::fatal && r.fatal_error) code = fatal_exit_code(*r.fatal_error);
                else code = exit_batches_failed;
                break;
            }
            run_statements(*driver, config.connection, phase.after, phase.work.name + ".after");
        }
        if (code == exit_ok) {
            run_statements(*driver, config.connection, config.after, "after");
            if (!run_verify(*driver, config)) code = exit_batches_failed;
        }
    } catch (const std::exception& e) {
        std::cerr << "boltload: " << e.what() << "\n";
        code = exit_batches_failed;
    }
    if (code == exit_ok && (totals.rows_failed > 0 || totals.unknown_outcome_batches > 0)) code = exit_batches_failed;

    if (!options.quiet) std::cout << summary_table(done, totals);
    if (!stop_message.empty()) std::cerr << "boltload: " << stop_message << "\n";
    if (totals.unknown_outcome_batches > 0)
        std::cerr << fmt::format("boltload: {} batches have an unknown outcome (connection lost after COMMIT); "
                                 "their rows are in the .unknown files: replay them only if the query is idempotent\n",
                                 totals.unknown_outcome_batches);
    if (code == exit_interrupted || (code != exit_ok && !done.empty())) {
        try {
            save_checkpoint(cp_path, cp);
            std::cerr << "checkpoint written to " << cp_path.string() << " (continue with --resume)\n";
        } catch (const std::exception& e) {
            std::cerr << "boltload: " << e.what() << "\n";
        }
    } else if (code == exit_ok && options.resume) {
        std::filesystem::remove(cp_path);
    }
    const auto report = options.report ? options.report : config.report;
    if (report) {
        std::ofstream out(*report, std::ios::trunc);
        out << make_report(done, totals, code).dump(2) << '\n';
        if (!out) std::cerr << "boltload: cannot write the report to " << *report << "\n";
    }
    return code;
}

int run_check(const check_options& options) {
    auto loaded = load_and_report(options.config_file, options.overrides);
    if (!loaded) return exit_usage;
    run_config& config = *loaded;
    std::cout << fmt::format("config {}: valid, {} phase(s)\n", config.file, config.phases.size());
    std::unique_ptr<server::bolt::server> embedded;
    if (options.embedded && !(embedded = start_embedded_and_connect(config))) return exit_connect;
    try {
        auto driver = open_driver(config.connection);
        const bolt::server_info info = driver.get_server_info();
        std::cout << fmt::format("connected to {} ({}), Bolt {}, authenticated\n", config.connection.uri,
                                 info.agent, info.protocol_version);
        try {
            auto session = driver.session(session_for(config.connection));
            auto rows = session.run("SHOW INDEX INFO").list();
            std::cout << fmt::format("indexes present: {}\n", rows.size());
            for (const auto& r : rows) {
                std::string line;
                for (std::size_t i = 0; i < r.size(); ++i) line += (i ? " " : "") + to_string(r[i]);
                std::cout << "  " << line << "\n";
            }
        } catch (const bolt::error& e) {
            std::cout << "indexes: not listed (" << e.what() << ")\n";
        }
    } catch (const bolt::error& e) {
        std::cerr << "boltload: cannot connect to " << config.connection.uri << ": " << e.what() << "\n";
        return exit_connect;
    }
    return exit_ok;
}

void add_import_commands(CLI::App& app, import_options& import, check_options& check,
                         std::function<int()>& action) {
    auto* imp = app.add_subcommand("import", "Run an import described by a YAML config");
    imp->add_option("config", import.config_file, "The YAML config (see configs/ and the README)")->required();
    imp->add_option("--set", import.overrides,
                    "Override a config key before validation, e.g. --set phases.0.workers=4 "
                    "(repeatable; the value is read as YAML)");
    imp->add_flag("--embedded", import.embedded,
                  "Start the embedded server (in memory, 127.0.0.1, a free port) for this run and "
                  "import into it; the config's `embedded:` block sets its storage mode and faults");
    imp->add_option("--report", import.report, "Write the JSON report (keys in the README) to this file");
    imp->add_flag("--resume", import.resume,
                  "Continue an interrupted run from its checkpoint without redoing committed chunks");
    imp->add_option("--checkpoint", import.checkpoint,
                    "Checkpoint file (default: the config's `checkpoint`, else CONFIG.checkpoint.json)");
    imp->add_flag("--quiet", import.quiet, "No progress bar and no summary table");
    imp->footer(
        "Exit codes: 0 every row committed; 1 some batches failed permanently (dead-lettered), "
        "have an unknown outcome, or a verify check failed; 2 usage, config or input error; "
        "3 could not connect or authenticate; 130 interrupted (Ctrl-C: in-flight batches "
        "finish, a checkpoint is written, --resume continues).\n"
        "Progress bar on stderr when it is a terminal and NO_COLOR is unset; the summary "
        "table goes to stdout.");
    imp->callback([&] { action = [&] { return run_import(import); }; });

    auto* chk = app.add_subcommand("check", "Validate a config and connect (auth, version, indexes) without writing");
    chk->add_option("config", check.config_file, "The YAML config")->required();
    chk->add_option("--set", check.overrides, "Override a config key, as for import");
    chk->add_flag("--embedded", check.embedded, "Check against a fresh embedded server");
    chk->callback([&] { action = [&] { return run_check(check); }; });
}

}  // namespace boltload
