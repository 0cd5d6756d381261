// The coordinator's event loop for one phase: worker processes on pipes, the user's signals and a
// status tick turned into scheduler events; the scheduler's commands carried out. No policy lives
// here (that is scheduler.cpp): only processes, pipes, files and the clock.
#include "boltload/coordinator.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boltload/chunk_plans.hpp"
#include "boltload/mix_and_batch_plan.hpp"
#include "process_v2.hpp"

namespace boltload {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using steady = std::chrono::steady_clock;

std::string csv_quote(const std::string& field, char delimiter, char quote) {
    if (field.find_first_of(std::string{delimiter, quote, '\n', '\r'}) == std::string::npos) return field;
    std::string out(1, quote);
    for (char ch : field) {
        if (ch == quote) out += quote;
        out += ch;
    }
    out += quote;
    return out;
}

/// Writes the CSV header line of a phase's input (for the files that keep its rows).
void write_csv_header(std::ostream& out, const csv_spec& csv, const std::vector<std::string>& header) {
    for (std::size_t i = 0; i < header.size(); ++i)
        out << (i ? std::string(1, csv.delimiter) : "") << csv_quote(header[i], csv.delimiter, csv.quote);
    out << '\n';
}

// ---- dead letters ------------------------------------------------------------------------------

/// The phase's dead-letter files, opened when first needed: failed rows, unknown rows, errors.
class dead_letter_files {
public:
    dead_letter_files(const phase_config& phase, std::vector<std::string> csv_header, bool append)
        : phase_(phase), paths_(dead_letter_paths_for(phase)), header_(std::move(csv_header)), append_(append) {}

    void write(const batch_result& r) {
        const bool unknown = r.outcome == batch_outcome::unknown;
        std::ofstream& rows = open_rows(unknown ? unknown_out_ : rows_out_, unknown ? paths_.unknown : paths_.rows);
        for (const auto& row : r.dead_letter_rows) rows << row << '\n';
        rows.flush();
        open(errors_out_, paths_.errors);
        nlohmann::json e = {{"phase", phase_.work.name},      {"chunk", r.chunk_id},   {"batch", r.batch},
                            {"rows", r.rows},                 {"outcome", to_string(r.outcome)},
                            {"attempts", r.attempts},         {"error_code", r.error_code}, {"error", r.error}};
        if (!r.file.empty()) e["file"] = r.file;
        if (r.first_line) e["first_line"] = r.first_line;
        errors_out_ << e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        errors_out_.flush();
        if (!rows || !errors_out_)
            throw std::runtime_error(fmt::format("cannot write the dead-letter files of phase {} ({})",
                                                 phase_.work.name, paths_.rows.string()));
    }

private:
    /// Opens a file for appending (a resumed run keeps what earlier parts wrote) or afresh.
    /// Returns whether it is empty.
    bool open(std::ofstream& out, const std::filesystem::path& path) {
        if (out.is_open()) return false;
        if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
        out.open(path, std::ios::binary | (append_ ? std::ios::app : std::ios::trunc));
        return out.tellp() == 0;
    }
    std::ofstream& open_rows(std::ofstream& out, const std::filesystem::path& path) {
        const bool empty = open(out, path);
        const auto* csv = std::get_if<csv_spec>(&phase_.work.source);
        if (empty && csv && csv->header) write_csv_header(out, *csv, header_);
        return out;
    }

    const phase_config& phase_;
    dead_letter_paths paths_;
    std::vector<std::string> header_;
    bool append_;
    std::ofstream rows_out_, unknown_out_, errors_out_;
};

// ---- bad rows ----------------------------------------------------------------------------------

/// The phase's bad-rows files, opened when first needed. A resumed run first cuts them back to
/// the journal's last mark: anything after it belongs to batches whose outcome the journal never
/// recorded, which run (or are reported) again and write their bad rows again.
class bad_rows_files {
public:
    bad_rows_files(const phase_config& phase, std::vector<std::string> csv_header, bool resumed,
                   std::optional<journal::bad_rows_mark> mark)
        : phase_(phase), paths_(bad_rows_paths_for(phase)), header_(std::move(csv_header)), resumed_(resumed),
          mark_(mark) {}

    /// Writes the rows and their errors; returns where both files end.
    journal::bad_rows_mark write(const batch_result& r) {
        open();
        for (const bad_row& b : r.bad_rows) {
            rows_out_ << b.text;
            if (b.text.empty() || b.text.back() != '\n') rows_out_ << '\n';  // an unterminated quote kept its own
            nlohmann::json e = {{"phase", phase_.work.name}, {"file", b.file.empty() ? file_ : b.file},         {"line", b.line},
                                {"column", b.column},         {"error", b.error},     {"chunk", r.chunk_id},
                                {"batch", r.batch}};
            errors_out_ << e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        }
        rows_out_.flush();
        errors_out_.flush();
        if (!rows_out_ || !errors_out_)
            throw std::runtime_error(fmt::format("cannot write the bad-rows files of phase {} ({})", phase_.work.name,
                                                 paths_.rows.string()));
        return journal::bad_rows_mark{static_cast<std::uint64_t>(rows_out_.tellp()),
                                      static_cast<std::uint64_t>(errors_out_.tellp())};
    }

private:
    void open() {
        if (rows_out_.is_open()) return;
        const auto& csv = std::get<csv_spec>(phase_.work.source);  // only CSV rows can be bad
        file_ = csv.path;
        for (const auto* path : {&paths_.rows, &paths_.errors})
            if (path->has_parent_path()) std::filesystem::create_directories(path->parent_path());
        const journal::bad_rows_mark keep = resumed_ && mark_ ? *mark_ : journal::bad_rows_mark{};
        cut(paths_.rows, keep.rows_bytes);
        cut(paths_.errors, keep.errors_bytes);
        rows_out_.open(paths_.rows, std::ios::binary | std::ios::app);
        errors_out_.open(paths_.errors, std::ios::binary | std::ios::app);
        if (keep.rows_bytes == 0 && csv.header) write_csv_header(rows_out_, csv, header_);
    }

    /// Keeps the first `size` bytes of the file (creating it when it is missing).
    static void cut(const std::filesystem::path& path, std::uint64_t size) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            std::ofstream(path, std::ios::binary);
            return;
        }
        std::filesystem::resize_file(path, std::min<std::uint64_t>(size, std::filesystem::file_size(path, ec)), ec);
        if (ec) throw std::runtime_error(fmt::format("cannot truncate {}: {}", path.string(), ec.message()));
    }

    const phase_config& phase_;
    bad_rows_paths paths_;
    std::vector<std::string> header_;
    bool resumed_;
    std::optional<journal::bad_rows_mark> mark_;
    std::string file_;
    std::ofstream rows_out_, errors_out_;
};

// ---- workers -----------------------------------------------------------------------------------

struct worker_process {
    explicit worker_process(asio::io_context& io, int id_) : id(id_), in(io), out(io) {}
    int id;
    asio::writable_pipe in;   // its stdin
    asio::readable_pipe out;  // its stdout
    std::unique_ptr<bp::process> process;
    std::string buffer;
    line_splitter lines;
    bool gone = false;
};

class phase_runner {
public:
    phase_runner(const phase_config& phase, const phase_run_options& options)
        : phase_(phase),
          options_(options),
          status_timer_(io_),
          input_(make_chunk_plan(phase, options.inputs, options.owned, options.shards)),
          work_(phase.work),
          resume_(options.resume),
          mix_(make_mix_plan()),
          scheduler_(settings_for(phase, options, mix_.get()), mix_ ? *mix_ : *input_, resume_),
          dead_letters_(phase, csv_header_names(*input_), options.append_dead_letters),
          bad_rows_(phase, csv_header_names(*input_), options.append_dead_letters, options.resume.bad_files) {}

    phase_result run() {
        start_ = steady::now();
        last_sync_ = start_;
        stage_ = scheduler_.stage();
        execute(scheduler_.start());
        tick();
        io_.run();
        time_stage();
        if (options_.journal) options_.journal->sync();
        report_status();  // the final figures, not those of the last tick
        phase_result r;
        r.end = scheduler_.end();
        r.stats = scheduler_.stats();
        r.stats.duration_s = seconds_since_start();
        r.fatal_error = scheduler_.fatal_error();
        r.message = scheduler_.message();
        r.schedule = schedule_report();
        if (mix_ && r.end == phase_end::completed) {
            std::error_code ignored;  // kept otherwise: --resume reads them
            std::filesystem::remove_all(phase_.mix.spill_dir, ignored);
        }
        if (!io_error_.empty()) {
            r.end = phase_end::fatal;
            r.message = io_error_;
            r.fatal_error = fatal{fatal_kind::internal, io_error_, std::nullopt};
        }
        return r;
    }

private:
    static scheduler_settings settings_for(const phase_config& p, const phase_run_options& o,
                                           const mix_and_batch_plan* mix) {
        scheduler_settings s;
        s.phase = p.work.name;
        // Mix and Batch keeps at most a round's cells busy at once: more workers would only wait
        // (and cost their start-up and connection).
        s.workers = mix ? static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(p.workers), mix->widest_round()))
                        : p.workers;
        s.max_in_flight = p.max_in_flight;
        s.max_worker_restarts = o.max_worker_restarts;
        s.batch_size = p.work.batch_size;
        s.max_failed_batches = p.max_failed_batches;
        s.max_bad_rows = p.work.on_bad_row == bad_row_policy::skip ? p.max_bad_rows : -1;
        s.idempotent = p.work.idempotent;
        s.time_offset_s = o.resume.duration_s;
        s.start_together = mix == nullptr;
        return s;
    }

    double seconds_since_start() const { return std::chrono::duration<double>(steady::now() - start_).count(); }

    /// For a Mix and Batch phase: the endpoint fields, the spill directory (emptied when the
    /// phase starts afresh), and the plan over the input's chunks. Throws std::invalid_argument
    /// (endpoints) or std::runtime_error (the spill directory) before any worker starts.
    std::unique_ptr<mix_and_batch_plan> make_mix_plan() {
        if (phase_.schedule != schedule_kind::mix_and_batch) return nullptr;
        const auto [source, target] = endpoint_fields(phase_, row_keys());
        const std::filesystem::path dir = std::filesystem::absolute(phase_.mix.spill_dir);
        const bool fresh = resume_.done_chunks.empty() && resume_.partitions.empty();
        std::error_code ec;
        if (fresh) std::filesystem::remove_all(dir, ec);
        std::filesystem::create_directories(dir, ec);
        if (ec || !std::filesystem::is_directory(dir))
            throw std::runtime_error(fmt::format("cannot create the spill directory {}: {}", dir.string(),
                                                 ec ? ec.message() : "not a directory"));
        forget_lost_passes(dir);
        work_.mix = mix_work{phase_.mix.structure, phase_.mix.grouping, dir.string(), source, target};
        mix_and_batch_settings s{phase_.mix.structure, phase_.mix.grouping, phase_.mix.groups, phase_.workers,
                                 phase_.work.batch_size, dir};
        return std::make_unique<mix_and_batch_plan>(*input_, s, resume_);
    }

    /// A resumed phase whose spill files are gone (another spill_dir, a cleaned disk) runs its
    /// passes again for the chunks that lost them: they give the same counts, groups and cells,
    /// so the journal's batches still name the same rows.
    void forget_lost_passes(const std::filesystem::path& dir) {
        for (auto it = resume_.partitions.begin(); it != resume_.partitions.end();) {
            const std::uint64_t id = it->first;
            if (std::filesystem::exists(mnb::part_rows_path(dir, id)) && std::filesystem::exists(mnb::part_lines_path(dir, id))) {
                ++it;
                continue;
            }
            resume_.done_chunks.erase(id);
            it = resume_.partitions.erase(it);
        }
        for (auto it = resume_.done_chunks.begin(); it != resume_.done_chunks.end();) {
            const bool count_item = *it < (std::uint64_t{1} << 40);
            if (count_item && !std::filesystem::exists(mnb::counts_path(dir, *it)))
                it = resume_.done_chunks.erase(it);
            else
                ++it;
        }
    }

    /// The keys of a row map: the CSV columns kept (named by `columns` or the header), or the
    /// generator's fields.
    std::vector<std::string> row_keys() const {
        const auto* csv = std::get_if<csv_spec>(&phase_.work.source);
        if (!csv) return {"a", "b"};
        const std::vector<std::string> header = csv_header_names(*input_);
        if (csv->columns.empty()) return header;
        std::vector<std::string> keys;
        for (std::size_t i = 0; i < csv->columns.size(); ++i) {
            if (csv->columns[i].type == column_type::skip) continue;
            keys.push_back(!csv->columns[i].name.empty() ? csv->columns[i].name : i < header.size() ? header[i] : "");
        }
        return keys;
    }

    nlohmann::json schedule_report() const {
        if (!mix_) return {{"kind", "free"}};
        nlohmann::json j = mix_->report();
        j["counting_s"] = 0.0;
        j["partitioning_s"] = 0.0;
        for (const auto& [stage, seconds] : stage_seconds_)
            if (stage == "counting" || stage == "partitioning") j[stage + "_s"] = seconds;
        double rounds = 0;  // everything after the passes: the rounds (or the one group's run)
        for (const auto& [stage, seconds] : stage_seconds_)
            if (stage != "counting" && stage != "partitioning" && stage != "starting") rounds += seconds;
        j["rounds_s"] = rounds;
        j["starting_s"] = stage_seconds_.contains("starting") ? stage_seconds_.at("starting") : 0.0;
        return j;
    }

    /// Charges the time since the last call to the stage that ran (Mix and Batch's passes).
    void time_stage() {
        const double now = seconds_since_start();
        stage_seconds_[stage_] += now - stage_started_;
        stage_started_ = now;
        stage_ = scheduler_.stage();
    }

    // ---- commands ----
    void execute(const std::vector<sched::command>& commands) {
        for (const auto& c : commands) std::visit([this](const auto& cmd) { run(cmd); }, c);
    }

    void run(const sched::start_worker& c) {
        auto w = std::make_unique<worker_process>(io_, c.worker);
        w->process = std::make_unique<bp::process>(io_, options_.worker_program.string(), std::vector<std::string>{},
                                                   bp::process_stdio{w->in, w->out, {}});
        worker_process& ref = *w;
        workers_[c.worker] = std::move(w);
        send(ref, hello{protocol_version, "boltload 0.1"});
        configure msg;
        msg.worker_id = ref.id;
        msg.connection = options_.connection;
        msg.phase = work_;
        msg.retry_seed = options_.retry_seed;
        if (options_.journal) msg.journal = std::filesystem::absolute(options_.journal->path()).string();
        send(ref, msg);
        read(ref);
    }
    void run(const sched::send_chunk& c) { send_to(c.worker, c.work); }
    void run(const sched::stop_worker& c) { send_to(c.worker, shutdown{}); }
    void run(const sched::kill_worker& c) {
        auto it = workers_.find(c.worker);
        boost::system::error_code ignored;
        if (it != workers_.end() && it->second->process) it->second->process->terminate(ignored);
    }
    void run(const sched::write_journal& c) {
        if (!options_.journal || !io_error_.empty()) return;
        try {
            options_.journal->append(c.record);
        } catch (const std::exception& e) {
            fail_hard(e.what());
        }
    }
    void run(const sched::dead_letter& c) {
        try {
            dead_letters_.write(c.result);
        } catch (const std::exception& e) {
            fail_hard(e.what());
        }
    }
    void run(const sched::write_bad_rows& c) {
        if (!io_error_.empty()) return;
        try {
            journal::record then = c.then;
            const journal::bad_rows_mark mark = bad_rows_.write(c.result);
            std::visit(
                [&](auto& r) {
                    if constexpr (requires { r.bad_files; }) r.bad_files = mark;
                },
                then);
            if (options_.journal) options_.journal->append(then);
        } catch (const std::exception& e) {
            fail_hard(e.what());
        }
    }
    void run(const sched::phase_over&) { status_timer_.cancel(); }

    /// The journal or a dead-letter file cannot be written: nothing that follows could be
    /// resumed exactly, so the phase stops at once (batches running stay in doubt).
    void fail_hard(const std::string& why) {
        if (!io_error_.empty()) return;
        io_error_ = why;
        post(sched::interrupt{true});
    }

    void send_to(int worker, const coordinator_message& m) {
        if (auto it = workers_.find(worker); it != workers_.end()) send(*it->second, m);
    }

    void send(worker_process& w, const coordinator_message& m) {
        if (w.gone) return;
        const std::string line = encode(m);
        boost::system::error_code ec;
        asio::write(w.in, asio::buffer(line), ec);  // small lines; the worker reads between batches
        // A write error means the worker died; its stdout's end of file reports that.
    }

    /// Feeds an event to the scheduler and carries out what it answers.
    void post(const sched::event& e) {
        execute(scheduler_.on(e));
        if (scheduler_.stage() != stage_) time_stage();
    }

    // ---- reading workers ----
    void read(worker_process& w) {
        w.buffer.resize(65536);
        w.out.async_read_some(asio::buffer(w.buffer), [this, &w](boost::system::error_code ec, std::size_t n) {
            if (ec) return on_exit(w);
            w.lines.feed(std::string_view(w.buffer.data(), n));
            while (auto line = w.lines.next()) handle_line(w, *line);
            if (w.lines.failed()) broke_protocol(w, "a message line from the worker is too long");
            read(w);  // until end of file, which is how a worker's exit is noticed
        });
    }

    void on_exit(worker_process& w) {
        if (w.gone) return;
        w.gone = true;
        boost::system::error_code ignored;
        w.in.close(ignored);
        w.out.close(ignored);
        if (w.process && w.process->running(ignored)) w.process->async_wait([](boost::system::error_code, int) {});
        post(sched::worker_exited{w.id});
    }

    void handle_line(worker_process& w, const std::string& line) {
        std::string error;
        auto m = decode_worker_message(line, error);
        if (!m) return broke_protocol(w, "unreadable message from worker: " + error);
        std::visit([&](auto& msg) { on_message(w, msg); }, *m);
    }

    void broke_protocol(worker_process& w, const std::string& why) {
        post(sched::worker_failed{w.id, fatal{fatal_kind::protocol, why, std::nullopt}});
    }

    void on_message(worker_process& w, const hello& h) {
        if (auto problem = check_hello(h)) broke_protocol(w, *problem);
    }
    void on_message(worker_process& w, const ready&) { post(sched::worker_ready{w.id}); }
    void on_message(worker_process& w, const batch_begin& b) { post(sched::batch_begun{w.id, b}); }
    void on_message(worker_process& w, const batch_result& r) {
        post(sched::batch_reported{w.id, r, seconds_since_start()});
    }
    void on_message(worker_process& w, const progress& p) { post(sched::chunk_progress{w.id, p}); }
    void on_message(worker_process& w, const chunk_done& d) { post(sched::chunk_finished{w.id, d}); }
    void on_message(worker_process& w, const fatal& f) { post(sched::worker_failed{w.id, f}); }
    void on_message(worker_process& w, const counted& c) { post(sched::chunk_counted{w.id, c}); }
    void on_message(worker_process& w, const partitioned& p) { post(sched::chunk_partitioned{w.id, p}); }

    // ---- status, signals, journal sync ----
    void report_status() {
        if (!options_.on_status) return;
        const phase_stats& s = scheduler_.stats();
        live_status l;
        l.phase = phase_.work.name;
        if (const std::string stage = scheduler_.stage(); !stage.empty()) l.phase += " (" + stage + ")";
        l.rows_committed = s.rows_committed + options_.resume.stats.rows_committed;
        l.conflicts = s.conflicts;
        l.retries = s.retries;
        l.failed_batches = s.batches_failed + options_.resume.stats.batches_failed;
        l.fraction_done = scheduler_.fraction_done();
        l.elapsed_s = seconds_since_start();
        options_.on_status(l);
    }

    void tick() {
        if (options_.signals) {
            const int n = options_.signals->load();
            while (signals_seen_ < n) post(sched::interrupt{++signals_seen_ >= 2});
        }
        if (scheduler_.over()) return;
        if (options_.journal && steady::now() - last_sync_ >= std::chrono::seconds(1)) {
            options_.journal->sync();  // the journal survives a machine crash up to a second back
            last_sync_ = steady::now();
        }
        report_status();
        status_timer_.expires_after(std::chrono::milliseconds(100));
        status_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) tick();
        });
    }

    const phase_config& phase_;
    const phase_run_options& options_;
    asio::io_context io_;
    asio::steady_timer status_timer_;
    std::unique_ptr<chunk_plan> input_;  ///< the input's chunks
    phase_work work_;                    ///< what workers are configured with
    journal::phase_state resume_;        ///< what earlier parts did (less the passes whose files are gone)
    std::unique_ptr<mix_and_batch_plan> mix_;
    scheduler scheduler_;
    dead_letter_files dead_letters_;
    bad_rows_files bad_rows_;
    std::map<int, std::unique_ptr<worker_process>> workers_;
    steady::time_point start_;
    steady::time_point last_sync_;
    int signals_seen_ = 0;
    std::string io_error_;
    std::string stage_;  ///< the scheduler's stage being timed
    double stage_started_ = 0;
    std::map<std::string, double> stage_seconds_;
};

}  // namespace

dead_letter_paths dead_letter_paths_for(const phase_config& phase) {
    std::filesystem::path rows = phase.dead_letter;
    if (rows.empty()) {
        const bool csv = std::holds_alternative<csv_spec>(phase.work.source);
        rows = phase.work.name + (csv ? ".dead-letter.csv" : ".dead-letter.jsonl");
    }
    dead_letter_paths p;
    p.rows = rows;
    p.errors = rows.string() + ".errors.jsonl";
    p.unknown = rows.string() + ".unknown";
    return p;
}

bad_rows_paths bad_rows_paths_for(const phase_config& phase) {
    return {phase.work.name + ".bad-rows.csv", phase.work.name + ".bad-rows.errors.jsonl"};
}

phase_result run_phase(const phase_config& phase, const phase_run_options& options) {
    phase_runner runner(phase, options);
    return runner.run();
}

}  // namespace boltload
