// `boltload import` and `boltload check`: load the config, optionally start the embedded server,
// run the before statements, every phase with its workers, the after statements and the verify
// queries; print the summary, write the report, and exit with a code that says how it went.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
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
#include "boltload/csv.hpp"
#include "boltload/csv_inputs.hpp"
#include "boltload/journal.hpp"
#include "boltload/report_command.hpp"
#include "boltload/run_stats.hpp"
#include "boltload/shard.hpp"
#include "boltload/worker_program.hpp"
#include "server/bolt/server.hpp"

namespace boltload {
namespace {

/// SIGINT and SIGTERM received: the first drains the run (workers finish their batch), the
/// second stops it at once (running batches stay in doubt), a third ends the process.
std::atomic<int> signals_received{0};

extern "C" void on_signal(int) {
    if (signals_received.fetch_add(1) + 1 >= 2) {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }
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
    bolt::driver_config config = to_driver_config(c);
    // boltload's own connection sits idle while the workers import (minutes, hours): before
    // statements, verify checks and `after` use it again, it is checked with a RESET round
    // trip, and one the server (or a network) closed meanwhile is replaced by a fresh one.
    config.liveness_check_timeout = std::chrono::seconds(1);
    return bolt::driver(c.uri, to_auth_token(c.auth), std::move(config));
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

/// What to do about a worker that could not connect because the server has no room for it.
std::string connect_advice(const phase_result& r, const phase_config& phase) {
    if (!r.fatal_error || r.fatal_error->kind != fatal_kind::connect) return {};
    const std::string& m = r.fatal_error->message;
    if (m.find("ServerFull") == std::string::npos && m.find("server is full") == std::string::npos &&
        m.find("max-connections") == std::string::npos)
        return {};
    return fmt::format(" — the server has no room for another connection: phase {} starts {} workers, one connection "
                       "each (and boltload keeps one more): use fewer workers (--set phases.N.workers=...) or raise the "
                       "server's connection limit",
                       phase.work.name, phase.workers);
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

// ---- the journal -------------------------------------------------------------------------------

std::filesystem::path journal_path(const import_options& o, const run_config& c, const run_scope& scope) {
    if (o.journal) return *o.journal;
    // One journal per shard and step (scope.journal_tag()): they may share a folder.
    if (c.journal) return scope.journal_tag().empty() ? *c.journal : *c.journal + scope.journal_tag();
    // In the directory boltload runs in, as the other outputs: the config's folder may be
    // read-only (an installed example) or shared by several runs.
    return std::filesystem::path(c.file).filename().string() + scope.journal_tag() + ".journal.jsonl";
}

std::map<std::string, journal::replayer::phase_info> phase_infos(const run_config& c) {
    std::map<std::string, journal::replayer::phase_info> out;
    for (const auto& p : c.phases) out[p.work.name] = {p.work.batch_size, p.work.idempotent};
    return out;
}

/// Why an import cannot start with the journal as it is (the caller prints it and exits 2).
struct journal_refusal : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The journal this run appends to, and what earlier parts did. A fresh run refuses to replace
/// the journal of an unfinished run (it would repeat what that run committed) unless --fresh.
struct opened_journal {
    journal::journal_file file;
    journal::state state;
    int part = 1;
};

opened_journal open_for_resume(const std::filesystem::path& path, const run_config& config,
                               const nlohmann::json& fingerprint) {
    if (!std::filesystem::exists(path))
        throw journal_refusal(fmt::format("--resume: no journal at {} (a run writes it as it goes; "
                                          "--journal FILE names another)", path.string()));
    std::uint64_t good = 0;
    journal::state state = journal::read(path, phase_infos(config), &good);
    const auto changes = journal::fingerprint_changes(state.head.fingerprint, fingerprint);
    if (!changes.empty()) {
        std::string msg = fmt::format("--resume: the journal {} was written for other input or settings; its "
                                      "chunk and batch numbers would name other rows:", path.string());
        for (const auto& c : changes) msg += "\n  " + c;
        msg += "\nrestore them, or start over with --fresh (rows already imported would be imported again)";
        throw journal_refusal(msg);
    }
    opened_journal j{journal::journal_file::append_to(path, good), std::move(state), 0};
    j.part = static_cast<int>(j.state.parts.size()) + 1;
    return j;
}

opened_journal open_fresh(const std::filesystem::path& path, const run_config& config,
                          const nlohmann::json& fingerprint, bool fresh) {
    if (!fresh && std::filesystem::exists(path)) {
        std::string what;
        try {
            const journal::state old = journal::read(path, phase_infos(config));
            if (!old.finished) {
                std::uint64_t rows = 0;
                for (const auto& [name, p] : old.phases) rows += p.stats.rows_committed;
                what = fmt::format("holds an unfinished run ({} rows committed)", rows);
            }
        } catch (const journal::journal_error& e) {
            what = fmt::format("is not a journal this boltload can continue ({})", e.what());
        }
        if (!what.empty())
            throw journal_refusal(fmt::format("{} {}: --resume continues it; --fresh starts over and replaces "
                                              "it (rows it committed would be imported again)",
                                              path.string(), what));
    }
    opened_journal j{journal::journal_file::create(path), {}, 1};
    j.state.head = journal::header{journal::format_version, "boltload 0.1", config.file, fingerprint};
    j.file.append(j.state.head);
    return j;
}

/// Batches an earlier part allowed and never saw end are in doubt: recorded as such now, so they
/// are counted once and either run again (idempotent phases) or reported unknown.
void settle_open_batches(opened_journal& j, const run_config& config) {
    journal::replayer rp(phase_infos(config));
    for (const auto& p : config.phases) {
        auto it = j.state.phases.find(p.work.name);
        if (it == j.state.phases.end()) continue;
        const auto open = it->second.open;
        for (const auto& b : open) {
            journal::record r = journal::batch_doubt{p.work.name, b.chunk, b.batch, b.rows, b.first_line, p.work.idempotent,
                                                     "in doubt: the run ended while the batch ran", b.bad};
            j.file.append(r);
            rp.apply(r, j.state);
        }
    }
}

// ---- one import ---------------------------------------------------------------------------------

/// Below the summary table, for a Mix and Batch phase: what the schedule did and cost.
std::string schedule_line(const struct phase_outcome& p);

/// A phase's figures over every part of the run, and how this part ended it.
struct phase_outcome {
    phase_stats stats;
    std::string end;          ///< "completed", "interrupted", ..., or "complete earlier"
    nlohmann::json schedule;  ///< phase_result::schedule; null for a phase done earlier
};

std::string schedule_line(const phase_outcome& p) {
    const nlohmann::json& s = p.schedule;
    if (!s.is_object() || s.value("kind", "") != "mix_and_batch") return {};
    const auto n = [&](const char* key, const char* one) {
        const auto v = s.value(key, 0);
        return fmt::format("{} {}{}", v, one, v == 1 ? "" : "s");
    };
    return fmt::format("{}: schedule mix_and_batch ({}, {} by {}, {}): {} in {}; starting {:.2f} s, counting {:.2f} "
                       "s, partitioning {:.2f} s, rounds {:.2f} s; {} conflicts\n",
                       p.stats.name, s.value("structure", ""), n("groups", "group"), s.value("grouping", ""),
                       n("workers", "worker"), n("cells", "cell"), n("rounds", "round"), s.value("starting_s", 0.0),
                       s.value("counting_s", 0.0), s.value("partitioning_s", 0.0), s.value("rounds_s", 0.0),
                       p.stats.conflicts);
}

/// Which part of a scaled-out import this process is, and what its report says about it.
struct scale_out {
    run_scope scope;
    std::string run_id;
    std::string config_digest;
    std::string input_digest;
};

class import_run {
public:
    import_run(const import_options& options, run_config& config, opened_journal journal, bolt::driver& driver,
               run_info info, std::map<std::string, csv_inputs> inputs, scale_out scale)
        : options_(options),
          config_(config),
          journal_(std::move(journal)),
          driver_(driver),
          info_(std::move(info)),
          inputs_(std::move(inputs)),
          scale_(std::move(scale)) {}

    /// Runs what is left; returns the exit code.
    int run() {
        started_ = std::chrono::steady_clock::now();
        journal_.file.append(journal::run_start{journal_.part, started_at_ = info_.started_at});
        int code = exit_ok;
        try {
            code = run_steps();
        } catch (const std::exception& e) {
            std::cerr << "boltload: " << e.what() << "\n";
            code = exit_batches_failed;
        }
        if (code == exit_ok && (totals_.rows_failed > 0 || totals_.rows_unknown > 0)) code = exit_batches_failed;
        try {
            journal_.file.append(journal::run_end{code});
            journal_.file.sync();
        } catch (const std::exception& e) {
            std::cerr << "boltload: " << e.what() << "\n";
        }
        tell(code);
        write_report(code);
        return code;
    }

private:
    int run_steps() {
        const run_scope& scope = scale_.scope;
        if (scope.runs("before")) statements_once(config_.before, "before");
        for (const auto& phase : config_.phases) {
            if (!scope.runs_phase(phase.work.name)) continue;
            if (signals_received.load() > 0) return stop_at(exit_interrupted, "interrupted between phases");
            if (const int code = run_phase_part(phase); code != exit_ok) return code;
        }
        if (scope.runs("after")) statements_once(config_.after, "after");
        if (!scope.runs("verify")) return exit_ok;
        return run_verify(driver_, config_) ? exit_ok : exit_batches_failed;
    }

    int stop_at(int code, std::string why) {
        stop_message_ = std::move(why);
        return code;
    }

    /// Runs statements unless an earlier part did, then says so in the journal.
    void statements_once(const std::vector<std::string>& statements, const std::string& which) {
        if (journal_.state.statements.contains(which)) return;
        run_statements(driver_, config_.connection, statements, which);
        journal_.file.append(journal::statements_done{which});
        journal_.state.statements.insert(which);
    }

    int run_phase_part(const phase_config& phase) {
        const std::string& name = phase.work.name;
        journal::phase_state& earlier = journal_.state.phases[name];
        if (earlier.complete) {
            std::cerr << "phase " << name << ": completed by an earlier part of the run, skipped\n";
            phase_stats stats = earlier.stats;
            stats.name = name;
            stats.idempotent = phase.work.idempotent;
            stats.rows_input = earlier.rows_input;
            stats.rows_not_attempted = earlier.rows_not_attempted;
            record(std::move(stats), earlier.duration_s, "completed earlier");
            statements_once(phase.after, name + ".after");
            return exit_ok;
        }
        statements_once(phase.before, name + ".before");
        phase_run_options ro;
        ro.worker_program = worker_program();
        ro.connection = config_.connection;
        ro.resume = earlier;
        ro.journal = &journal_.file;
        ro.signals = &signals_received;
        ro.append_dead_letters = journal_.part > 1;
        ro.retry_seed = config_.seed;
        if (auto it = inputs_.find(name); it != inputs_.end()) ro.inputs = &it->second;
        if (scale_.scope.shard.sharded()) {
            ro.owned = [shard = scale_.scope.shard](std::uint64_t id) { return shard.owns(id); };
            ro.shards = scale_.scope.shard.count;
        }
        const bool progress = show_progress(config_, options_.quiet);
        if (progress) ro.on_status = [colour = use_colour()](const live_status& s) { draw_progress(s, colour); };
        phase_result r;
        try {
            r = run_phase(phase, ro);
        } catch (const std::exception& e) {  // before any worker: the input, settings or spill directory do not fit
            return stop_at(exit_usage, fmt::format("phase {}: {}", name, e.what()));
        }
        if (progress) std::fprintf(stderr, "\n");
        journal_.file.append(journal::phase_end{name, std::string(to_string(r.end)), r.stats.duration_s,
                                                r.stats.worker_restarts, r.stats.rows_input,
                                                r.stats.rows_not_attempted});
        journal_.file.sync();
        phase_stats whole = r.stats;  // its name and settings, and the input's accounting
        whole += earlier.stats;
        record(whole, earlier.duration_s + r.stats.duration_s, std::string(to_string(r.end)), r.schedule);
        if (r.end == phase_end::interrupted) return stop_at(exit_interrupted, r.message);
        if (r.end == phase_end::too_many_failures || r.end == phase_end::too_many_bad_rows)
            return stop_at(exit_batches_failed, r.message);
        if (r.end == phase_end::fatal) {
            return stop_at(r.fatal_error ? fatal_exit_code(*r.fatal_error) : exit_batches_failed,
                           r.message + connect_advice(r, phase));
        }
        statements_once(phase.after, name + ".after");
        return exit_ok;
    }

    void record(phase_stats stats, double duration_s, std::string end, nlohmann::json schedule = nullptr) {
        stats.duration_s = duration_s;
        totals_ += stats;
        phases_.push_back(phase_outcome{std::move(stats), std::move(end), std::move(schedule)});
    }

    /// What the user reads on stdout (summary) and stderr (why it stopped, what to do next).
    void tell(int code) const {
        std::vector<phase_stats> list;
        for (const auto& p : phases_) list.push_back(p.stats);
        if (!options_.quiet) {
            std::cout << summary_table(list, totals_);
            for (const auto& p : phases_) std::cout << schedule_line(p);
        }
        if (!stop_message_.empty()) std::cerr << "boltload: " << stop_message_ << "\n";
        if (totals_.rows_unknown > 0)
            std::cerr << fmt::format("boltload: {} rows in {} batches have an unknown outcome (the connection or the "
                                     "worker was lost after the batch started); their rows are in the .unknown files: "
                                     "replay them only if the query is idempotent\n",
                                     totals_.rows_unknown, totals_.unknown_outcome_batches);
        if (totals_.rows_bad > 0)
            std::cerr << fmt::format("boltload: {} bad rows were skipped (on_bad_row: skip); they are in {}\n",
                                     totals_.rows_bad, bad_rows_files());
        if (totals_.rows_not_attempted > 0)
            std::cerr << fmt::format("boltload: {} rows were not attempted; the journal {} has what is done: "
                                     "--resume continues\n",
                                     totals_.rows_not_attempted, journal_.file.path().string());
        else if (code == exit_interrupted)
            std::cerr << fmt::format("boltload: the journal {} has what is done: --resume continues\n",
                                     journal_.file.path().string());
    }

    /// The bad-rows files of the phases that have bad rows, for the user.
    std::string bad_rows_files() const {
        std::string out;
        for (const auto& p : phases_) {
            if (p.stats.rows_bad == 0) continue;
            for (const auto& phase : config_.phases) {
                if (phase.work.name != p.stats.name) continue;
                const bad_rows_paths paths = bad_rows_paths_for(phase);
                out += (out.empty() ? "" : ", ") + paths.rows.string() + " (why: " + paths.errors.string() + ")";
            }
        }
        return out;
    }

    void write_report(int code) const {
        const auto path = options_.report ? options_.report : config_.report;
        const auto html = options_.html ? options_.html : config_.report_html;
        if (!path && !html) return;
        std::vector<phase_stats> list;
        for (const auto& p : phases_) list.push_back(p.stats);
        nlohmann::json j = make_report(list, totals_, code, info_);
        for (std::size_t i = 0; i < phases_.size(); ++i) {
            j["phases"][i]["end"] = phases_[i].end;
            if (!phases_[i].schedule.is_null()) j["phases"][i]["schedule"] = phases_[i].schedule;
        }
        nlohmann::json runs = nlohmann::json::array();
        for (const auto& p : journal_.state.parts)
            runs.push_back({{"part", p.part}, {"started_at", p.started_at},
                            {"exit_code", p.exit_code ? nlohmann::json(*p.exit_code) : nlohmann::json(nullptr)},
                            {"rows_committed", p.rows_committed}});
        std::uint64_t earlier = 0;
        for (const auto& p : journal_.state.parts) earlier += p.rows_committed;
        runs.push_back({{"part", journal_.part}, {"started_at", started_at_}, {"exit_code", code},
                        {"rows_committed", totals_.rows_committed - std::min(earlier, totals_.rows_committed)}});
        j["runs"] = std::move(runs);
        j["journal"] = journal_.file.path().string();
        j["run_id"] = scale_.run_id;
        j["shard"] = {{"index", scale_.scope.shard.index}, {"count", scale_.scope.shard.count}};
        j["scope"] = scale_.scope.to_json(config_);
        j["config_digest"] = scale_.config_digest;
        j["input_digest"] = scale_.input_digest;
        if (path) {
            std::ofstream out(*path, std::ios::trunc);
            out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
            if (!out) std::cerr << "boltload: cannot write the report to " << *path << "\n";
        }
        if (html)
            if (auto problem = write_html_report(j, *html)) std::cerr << "boltload: " << *problem << "\n";
    }

    const import_options& options_;
    run_config& config_;
    opened_journal journal_;
    bolt::driver& driver_;
    run_info info_;
    std::chrono::steady_clock::time_point started_;
    std::string started_at_;
    std::vector<phase_outcome> phases_;
    phase_stats totals_;
    std::string stop_message_;
    std::map<std::string, csv_inputs> inputs_;  ///< the CSV phases' checked input
    scale_out scale_;
};

}  // namespace

std::string format_duration(double s) {
    if (s < 0 || s > 1e7) return "--:--";
    const auto t = static_cast<long>(s);
    return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                     : fmt::format("{:02}:{:02}", t / 60, t % 60);
}

void run_statements(const connection_spec& connection, const std::vector<std::string>& statements,
                    std::string_view where) {
    auto driver = open_driver(connection);
    run_statements(driver, connection, statements, where);
}

int run_import(const import_options& options) {
    const auto started = std::chrono::system_clock::now();
    auto loaded = load_and_report(options.config_file, options.overrides);
    if (!loaded) return exit_usage;
    run_config& config = *loaded;
    if (options.resume && options.fresh) {
        std::cerr << "boltload: --resume continues the journal's run and --fresh replaces it: give one\n";
        return exit_usage;
    }
    // Which part of the import this process runs (a shard, a phase, the statements).
    const auto shard = resolve_shard(options.shard, options.shards, process_env);
    if (const auto* problem = std::get_if<std::string>(&shard)) {
        std::cerr << "boltload: " << *problem << "\n";
        return exit_usage;
    }
    const auto scope = make_scope(config, std::get<shard_spec>(shard), options.phase, options.only);
    if (const auto* problem = std::get_if<std::string>(&scope)) {
        std::cerr << "boltload: " << *problem << "\n";
        return exit_usage;
    }
    scale_out scale{std::get<run_scope>(scope), {}, {}, {}};
    if (scale.scope.shard.sharded())
        std::cerr << fmt::format("boltload: shard {} (from {}): chunks whose id mod {} is {}\n",
                                 scale.scope.shard.to_string(), scale.scope.shard.source, scale.scope.shard.count,
                                 scale.scope.shard.index);
    // Every input file is checked before anything is written (the journal included): headers
    // alike, compressed files whole (a shard's own). A damaged file fails here, not after part
    // of the import.
    std::map<std::string, csv_inputs> inputs;
    nlohmann::json fp;
    try {
        if (scale.scope.only.empty()) {
            const shard_spec& s = scale.scope.shard;
            inputs = check_run_inputs(config, s.sharded() ? chunk_filter([s](std::uint64_t id) { return s.owns(id); })
                                                          : chunk_filter{});
        }
        fp = journal::fingerprint(config);
    } catch (const std::exception& e) {
        std::cerr << "boltload: " << e.what() << "\n";
        return exit_usage;
    }
    scale.config_digest = config_digest(config, fp);
    scale.input_digest = input_digest(fp);
    scale.run_id = resolve_run_id(options.run_id, process_env, scale.config_digest, scale.input_digest);
    fp["shard"] = scale.scope.shard.to_string();  // a journal belongs to one shard
    const auto path = journal_path(options, config, scale.scope);
    std::optional<opened_journal> journal;
    try {
        journal.emplace(options.resume ? open_for_resume(path, config, fp) : open_fresh(path, config, fp, options.fresh));
        if (options.resume) {
            if (journal->state.finished) {
                std::cerr << fmt::format("boltload: the run in {} is complete; nothing to resume\n", path.string());
                return exit_ok;
            }
            settle_open_batches(*journal, config);
        }
    } catch (const std::exception& e) {  // journal_refusal, journal_error, an unreadable input
        std::cerr << "boltload: " << e.what() << "\n";
        return exit_usage;
    }
    std::unique_ptr<server::bolt::server> embedded;
    if (options.embedded) {
        if (options.resume)
            std::cerr << "warning: --resume with --embedded: the embedded server starts empty, so it does not "
                         "hold what earlier parts of the run committed\n";
        if (!(embedded = start_embedded_and_connect(config))) return exit_connect;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    std::optional<bolt::driver> driver;
    bolt::server_info server;
    try {
        driver.emplace(open_driver(config.connection));
        server = driver->get_server_info();  // also proves the connection works
    } catch (const bolt::error& e) {
        std::cerr << "boltload: cannot connect to " << config.connection.uri << ": " << e.what() << "\n";
        return exit_connect;
    }
    import_run run(options, config, std::move(*journal), *driver, describe_run(config, server, started),
                   std::move(inputs), std::move(scale));
    return run.run();
}

int run_check(const check_options& options) {
    auto loaded = load_and_report(options.config_file, options.overrides);
    if (!loaded) return exit_usage;
    run_config& config = *loaded;
    if (options.phases) {  // for scripts that start one job per phase (deploy/slurm/submit.sh)
        for (const auto& p : config.phases) std::cout << p.work.name << "\n";
        return exit_ok;
    }
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
    imp->add_option("--html", import.html,
                    "Write the HTML report (one self-contained page of charts) to this file");
    imp->add_flag("--resume", import.resume,
                  "Continue the run in the journal (interrupted, crashed or stopped by failures): no "
                  "batch whose outcome is recorded runs again; batches in doubt are reported unknown, "
                  "or run again on idempotent phases");
    imp->add_flag("--fresh", import.fresh,
                  "Start over even though the journal holds an unfinished run (it is replaced; rows "
                  "that run committed would be imported again)");
    imp->add_option("--journal,--checkpoint", import.journal,
                    "The run journal (default: the config's `journal`, else CONFIG.journal.jsonl)");
    imp->add_flag("--quiet", import.quiet, "No progress bar and no summary table");
    imp->add_option("--shard", import.shard,
                    "Run only shard I of N (0 <= I < N): the chunks whose stable id mod N is I. Default: "
                    "from SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT, or "
                    "JOB_COMPLETION_INDEX of --shards N");
    imp->add_option("--shards", import.shards,
                    "With JOB_COMPLETION_INDEX (a Kubernetes Indexed Job): the shard count, the Job's completions");
    imp->add_option("--phase", import.phase, "Run only this phase (one job per phase: the barrier is the engine's)");
    imp->add_option("--only", import.only,
                    "Run only these statements: before, after, verify (comma-separated or repeated)")
        ->delimiter(',');
    imp->add_option("--run-id", import.run_id,
                    "The id every shard's report carries (default: SLURM_ARRAY_JOB_ID, JOB_NAME, or "
                    "derived from the config and input digests)");
    imp->footer(
        "Exit codes: 0 every row committed; 1 some batches failed permanently (dead-lettered), "
        "have an unknown outcome, or a verify check failed; 2 usage, config or input error "
        "(also: a journal that does not match, or an unfinished one without --resume/--fresh); "
        "3 could not connect or authenticate; 130 interrupted (SIGINT or SIGTERM: each worker "
        "finishes its batch; a second signal stops at once; --resume continues).\n"
        "The journal (CONFIG.journal.jsonl) is written as the run goes, so even a crash can be "
        "resumed.\n"
        "Progress bar on stderr when it is a terminal and NO_COLOR is unset; the summary "
        "table goes to stdout.");
    imp->callback([&] { action = [&] { return run_import(import); }; });

    auto* chk = app.add_subcommand("check", "Validate a config and connect (auth, version, indexes) without writing");
    chk->add_option("config", check.config_file, "The YAML config")->required();
    chk->add_option("--set", check.overrides, "Override a config key, as for import");
    chk->add_flag("--embedded", check.embedded, "Check against a fresh embedded server");
    chk->add_flag("--phases", check.phases,
                  "Only validate and print the phase names, one a line, without connecting (for scripts "
                  "that submit one job per phase)");
    chk->callback([&] { action = [&] { return run_check(check); }; });
}

}  // namespace boltload
