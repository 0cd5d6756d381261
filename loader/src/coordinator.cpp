// The coordinator's event loop for one phase: worker processes on pipes, chunk dispatch,
// aggregation, dead letters, worker replacement, interruption.
#include "boltload/coordinator.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boltload/csv.hpp"
#include "process_v2.hpp"

namespace boltload {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using steady = std::chrono::steady_clock;

// ---- chunk plans -------------------------------------------------------------------------------

/// Hands out the phase's chunks in id order; ids are stable from run to run, so a checkpoint can
/// name them.
class chunk_plan {
public:
    virtual ~chunk_plan() = default;
    /// The next chunk's range (skip_batches empty), or nullopt when the input is exhausted.
    virtual std::optional<chunk> next() = 0;
    /// Size of a chunk in the plan's unit (bytes for CSV, rows for generated data).
    virtual std::uint64_t size_of(const chunk& c) const = 0;
    /// The whole input in that unit.
    virtual std::uint64_t total() const = 0;
};

class csv_chunk_plan final : public chunk_plan {
public:
    csv_chunk_plan(const csv_spec& spec, std::uint64_t target_bytes)
        : source_(csv_source::open_file(spec.path)),
          cutter_(source_, spec, csv_cut_options{.target_chunk_bytes = target_bytes}),
          tiled_to_(cutter_.header().data_begin) {}
    /// Checks as it goes that the chunks tile the data exactly (each begins where the last one
    /// ended, the last ends at the end of the file): a gap would lose rows, an overlap repeat them.
    std::optional<chunk> next() override {
        auto c = cutter_.next();
        if (!c) {
            if (tiled_to_ != source_.size())
                throw std::logic_error(fmt::format("{}: chunks end at byte {} of {}", source_.name(),
                                                   tiled_to_, source_.size()));
            return std::nullopt;
        }
        if (c->begin != tiled_to_ || c->end <= c->begin)
            throw std::logic_error(fmt::format("{}: chunk [{}, {}) does not follow byte {}", source_.name(),
                                               c->begin, c->end, tiled_to_));
        tiled_to_ = c->end;
        return chunk{next_id_++, csv_range{c->begin, c->end, c->first_line}, {}};
    }
    std::uint64_t size_of(const chunk& c) const override {
        const auto& r = std::get<csv_range>(c.range);
        return r.end - r.begin;
    }
    std::uint64_t total() const override { return source_.size() - cutter_.header().data_begin; }
    const csv_header& header() const { return cutter_.header(); }

private:
    csv_source source_;
    csv_cutter cutter_;
    std::uint64_t tiled_to_;
    std::uint64_t next_id_ = 0;
};

class generate_chunk_plan final : public chunk_plan {
public:
    generate_chunk_plan(const generate_spec& spec, std::int64_t chunk_rows)
        : total_(static_cast<std::uint64_t>(std::max<std::int64_t>(0, spec.count * std::max<std::int64_t>(1, spec.repeat)))),
          chunk_rows_(static_cast<std::uint64_t>(std::max<std::int64_t>(1, chunk_rows))) {}
    std::optional<chunk> next() override {
        if (first_ >= total_) return std::nullopt;
        const std::uint64_t n = std::min(chunk_rows_, total_ - first_);
        chunk c{next_id_++, generate_range{static_cast<std::int64_t>(first_), static_cast<std::int64_t>(n)}, {}};
        first_ += n;
        return c;
    }
    std::uint64_t size_of(const chunk& c) const override {
        return static_cast<std::uint64_t>(std::get<generate_range>(c.range).count);
    }
    std::uint64_t total() const override { return total_; }

private:
    std::uint64_t total_;
    std::uint64_t chunk_rows_;
    std::uint64_t first_ = 0;
    std::uint64_t next_id_ = 0;
};

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

// ---- workers -----------------------------------------------------------------------------------

struct worker_process {
    explicit worker_process(asio::io_context& io, int id_) : id(id_), in(io), out(io) {}
    int id;
    asio::writable_pipe in;   // its stdin
    asio::readable_pipe out;  // its stdout
    std::unique_ptr<bp::process> process;
    std::string buffer;
    line_splitter lines;
    std::vector<std::uint64_t> in_flight;  // chunk ids
    bool ready = false;
    bool told_to_stop = false;
    bool gone = false;
};

class phase_runner {
public:
    phase_runner(const phase_config& phase, const phase_run_options& options)
        : phase_(phase), options_(options), status_timer_(io_) {
        result_.stats.name = phase.work.name;
        result_.stats.idempotent = phase.idempotent;
        result_.progress = options.resume;
        if (const auto* csv = std::get_if<csv_spec>(&phase.work.source)) {
            auto plan = std::make_unique<csv_chunk_plan>(*csv, static_cast<std::uint64_t>(phase.chunk_bytes));
            csv_header_ = plan->header().names;
            plan_ = std::move(plan);
        } else {
            const auto& gen = std::get<generate_spec>(phase.work.source);
            const std::int64_t rows = phase.chunk_rows > 0 ? phase.chunk_rows : 10 * phase.work.batch_size;
            plan_ = std::make_unique<generate_chunk_plan>(gen, rows);
        }
        paths_ = dead_letter_paths_for(phase);
    }

    phase_result run() {
        start_ = steady::now();
        const int n = std::max(1, phase_.workers);
        for (int i = 0; i < n; ++i) spawn();
        tick();
        io_.run();
        report_status();  // the final figures, not those of the last tick
        result_.stats.duration_s = std::chrono::duration<double>(steady::now() - start_).count();
        if (result_.end == phase_end::completed) result_.progress.complete = true;
        return std::move(result_);
    }

private:
    // ---- processes ----
    void spawn() {
        auto w = std::make_unique<worker_process>(io_, next_worker_id_++);
        w->process = std::make_unique<bp::process>(io_, options_.worker_program.string(),
                                                   std::vector<std::string>{},
                                                   bp::process_stdio{w->in, w->out, {}});
        worker_process& ref = *w;
        workers_.push_back(std::move(w));
        send(ref, hello{protocol_version, "boltload 0.1"});
        configure c;
        c.worker_id = ref.id;
        c.connection = options_.connection;
        c.phase = phase_.work;
        send(ref, c);
        read(ref);
    }

    void send(worker_process& w, const coordinator_message& m) {
        if (w.gone) return;
        const std::string line = encode(m);
        boost::system::error_code ec;
        asio::write(w.in, asio::buffer(line), ec);  // small lines; the worker reads between batches
        // A write error means the worker died; its stdout's end-of-file handles that.
    }

    void read(worker_process& w) {
        w.buffer.resize(65536);
        w.out.async_read_some(asio::buffer(w.buffer), [this, &w](boost::system::error_code ec, std::size_t n) {
            if (ec) return on_exit(w);
            w.lines.feed(std::string_view(w.buffer.data(), n));
            while (auto line = w.lines.next()) handle_line(w, *line);
            if (w.lines.failed()) protocol_failure(w, "a message line from the worker is too long");
            read(w);  // until end of file, which is how a worker's exit is noticed
        });
    }

    void on_exit(worker_process& w) {
        w.gone = true;
        boost::system::error_code ignored;
        w.in.close(ignored);
        w.out.close(ignored);
        if (w.process && w.process->running(ignored)) {
            w.process->async_wait([](boost::system::error_code, int) {});
        }
        start_when_all_connected();  // a worker that died before `ready` must not hold the start
        if (!w.told_to_stop && !stopping_) {
            // Died unexpectedly: its chunks go back to the queue; what it reported stays done.
            ++result_.stats.worker_restarts;
            for (auto id : w.in_flight) requeue(id);
            w.in_flight.clear();
            if (static_cast<int>(result_.stats.worker_restarts) > options_.max_worker_restarts) {
                stop(phase_end::fatal, fmt::format("workers died {} times; giving up (see their "
                                                   "messages above)", result_.stats.worker_restarts));
            } else {
                spawn();
            }
        }
        maybe_finish();
    }

    // ---- messages ----
    void handle_line(worker_process& w, const std::string& line) {
        std::string error;
        auto m = decode_worker_message(line, error);
        if (!m) return protocol_failure(w, "unreadable message from worker: " + error);
        std::visit([&](auto& msg) { on_message(w, msg); }, *m);
    }

    /// A worker that breaks the protocol cannot be trusted to stop: it is killed, and the phase
    /// stops as for any fatal error.
    void protocol_failure(worker_process& w, const std::string& why) {
        fatal f{fatal_kind::protocol, why, std::nullopt};
        on_message(w, f);
        boost::system::error_code ignored;
        if (w.process) w.process->terminate(ignored);
    }

    void on_message(worker_process& w, const hello& h) {
        if (auto problem = check_hello(h)) protocol_failure(w, *problem);
    }
    void on_message(worker_process& w, const ready&) {
        w.ready = true;
        // The first chunks go out once every worker of the first start is connected, so the
        // workers start together: that is what makes conflicts reproducible (a worker that is
        // still connecting while the others run would serialise the workload).
        if (!started_)
            start_when_all_connected();
        else
            dispatch(w);
    }
    void on_message(worker_process& w, const batch_result& r) {
        result_.stats.add(r, w.id, std::chrono::duration<double>(steady::now() - start_).count());
        result_.progress.finished_batches[r.chunk_id].insert(r.batch);
        if (r.outcome != batch_outcome::committed) dead_letter(r);
        if (r.outcome == batch_outcome::failed &&
            static_cast<std::int64_t>(result_.stats.batches_failed) > phase_.max_failed_batches) {
            stop(phase_end::too_many_failures,
                 fmt::format("{} batches failed permanently (max_failed_batches: {}); last error: {}",
                             result_.stats.batches_failed, phase_.max_failed_batches, r.error));
        }
    }
    void on_message(worker_process&, const progress& p) { chunk_progress_[p.chunk_id] = p.bytes_done ? p.bytes_done : p.rows_done; }
    void on_message(worker_process& w, const chunk_done& d) {
        result_.progress.done_chunks.insert(d.chunk_id);
        result_.progress.finished_batches.erase(d.chunk_id);
        chunk_progress_.erase(d.chunk_id);
        if (auto it = chunks_.find(d.chunk_id); it != chunks_.end()) {
            units_done_ += plan_->size_of(it->second);
            chunks_.erase(it);
        }
        std::erase(w.in_flight, d.chunk_id);
        dispatch(w);
        maybe_finish();
    }
    void on_message(worker_process& w, const fatal& f) {
        w.told_to_stop = true;  // it exits after a fatal; not a crash to recover from
        if (!result_.fatal_error) result_.fatal_error = f;
        stop(phase_end::fatal, f.message);
    }

    // ---- dispatch ----
    std::optional<chunk> next_chunk() {
        if (!requeued_.empty()) {
            chunk c = std::move(requeued_.front());
            requeued_.pop_front();
            return c;
        }
        while (!plan_done_) {
            auto c = plan_->next();
            if (!c) {
                plan_done_ = true;
                break;
            }
            if (result_.progress.done_chunks.contains(c->chunk_id)) {
                units_done_ += plan_->size_of(*c);
                continue;
            }
            attach_skips(*c);
            return c;
        }
        return std::nullopt;
    }

    void attach_skips(chunk& c) {
        c.skip_batches.clear();
        if (auto it = result_.progress.finished_batches.find(c.chunk_id); it != result_.progress.finished_batches.end())
            c.skip_batches.assign(it->second.begin(), it->second.end());
    }

    void requeue(std::uint64_t id) {
        auto it = chunks_.find(id);
        if (it == chunks_.end()) return;
        attach_skips(it->second);
        chunk_progress_.erase(id);
        requeued_.push_front(it->second);
    }

    /// The first round: one chunk to each worker in turn, then a second each, and so on, so every
    /// worker has work before any has a queue.
    void start_dispatch() {
        started_ = true;
        for (int round = 1; round <= std::max(1, phase_.max_in_flight); ++round)
            for (auto& x : workers_) dispatch(*x, round);
    }

    void dispatch(worker_process& w, int limit = 0) {
        if (!w.ready || w.gone || stopping_) return;
        if (limit <= 0) limit = std::max(1, phase_.max_in_flight);
        while (static_cast<int>(w.in_flight.size()) < limit) {
            auto c = next_chunk();
            if (!c) break;
            w.in_flight.push_back(c->chunk_id);
            chunks_[c->chunk_id] = *c;
            send(w, *c);
        }
    }

    bool all_chunks_done() const {
        if (!plan_done_ || !requeued_.empty()) return false;
        return std::all_of(workers_.begin(), workers_.end(),
                           [](const auto& w) { return w->gone || w->in_flight.empty(); });
    }

    bool all_gone() const {
        return std::all_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->gone; });
    }

    void start_when_all_connected() {
        const bool all_connected = std::all_of(workers_.begin(), workers_.end(),
                                               [](const auto& w) { return w->ready || w->gone; });
        if (!started_ && !stopping_ && all_connected) start_dispatch();
    }

    /// Workers stop after their current batch and exit.
    void shut_down_workers() {
        stopping_ = true;
        for (auto& w : workers_) {
            w->told_to_stop = true;
            send(*w, shutdown{});
        }
    }

    void maybe_finish() {
        if (!stopping_ && all_chunks_done()) shut_down_workers();  // every chunk is done
        if (stopping_ && all_gone()) status_timer_.cancel();
    }

    void stop(phase_end why, std::string message) {
        if (!stopping_) {
            result_.end = why;
            result_.message = std::move(message);
            shut_down_workers();
        }
        maybe_finish();
    }

    // ---- status ----
    void report_status() {
        if (!options_.on_status) return;
        live_status s;
        s.phase = phase_.work.name;
        s.rows_committed = result_.stats.rows_committed;
        s.conflicts = result_.stats.conflicts;
        s.retries = result_.stats.retries;
        s.failed_batches = result_.stats.batches_failed;
        std::uint64_t in_progress = 0;
        for (const auto& [id, n] : chunk_progress_) in_progress += n;
        const std::uint64_t total = plan_->total();
        s.fraction_done = total ? std::min(1.0, static_cast<double>(units_done_ + in_progress) / static_cast<double>(total)) : 1.0;
        s.elapsed_s = std::chrono::duration<double>(steady::now() - start_).count();
        options_.on_status(s);
    }

    void tick() {
        if (options_.interrupted && options_.interrupted->load() && !stopping_)
            stop(phase_end::interrupted, "interrupted: in-flight batches finished, progress saved");
        report_status();
        if (stopping_ && all_gone()) return;
        status_timer_.expires_after(std::chrono::milliseconds(200));
        status_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) tick();
        });
    }

    // ---- dead letters ----
    void dead_letter(const batch_result& r) {
        const bool unknown = r.outcome == batch_outcome::unknown;
        std::ofstream& rows = unknown ? unknown_out_ : rows_out_;
        const auto& path = unknown ? paths_.unknown : paths_.rows;
        if (!rows.is_open()) {
            if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
            rows.open(path, std::ios::binary | std::ios::trunc);
            if (const auto* csv = std::get_if<csv_spec>(&phase_.work.source); csv && csv->header) {
                for (std::size_t i = 0; i < csv_header_.size(); ++i)
                    rows << (i ? std::string(1, csv->delimiter) : "")
                         << csv_quote(csv_header_[i], csv->delimiter, csv->quote);
                rows << '\n';
            }
        }
        for (const auto& row : r.dead_letter_rows) rows << row << '\n';
        rows.flush();
        if (!errors_out_.is_open()) {
            if (paths_.errors.has_parent_path()) std::filesystem::create_directories(paths_.errors.parent_path());
            errors_out_.open(paths_.errors, std::ios::binary | std::ios::trunc);
        }
        nlohmann::json e = {{"phase", phase_.work.name}, {"chunk", r.chunk_id},
                            {"batch", r.batch},          {"rows", r.rows},
                            {"outcome", to_string(r.outcome)}, {"attempts", r.attempts},
                            {"error_code", r.error_code}, {"error", r.error}};
        if (r.first_line) e["first_line"] = r.first_line;
        errors_out_ << e.dump() << '\n';
        errors_out_.flush();
    }

    const phase_config& phase_;
    const phase_run_options& options_;
    asio::io_context io_;
    asio::steady_timer status_timer_;
    std::unique_ptr<chunk_plan> plan_;
    std::vector<std::string> csv_header_;
    bool plan_done_ = false;
    std::deque<chunk> requeued_;
    std::map<std::uint64_t, chunk> chunks_;  // handed out and not done
    std::map<std::uint64_t, std::uint64_t> chunk_progress_;
    std::uint64_t units_done_ = 0;
    std::vector<std::unique_ptr<worker_process>> workers_;
    int next_worker_id_ = 0;
    bool stopping_ = false;
    bool started_ = false;  // first chunks handed out
    steady::time_point start_;
    phase_result result_;
    dead_letter_paths paths_;
    std::ofstream rows_out_, unknown_out_, errors_out_;
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

phase_result run_phase(const phase_config& phase, const phase_run_options& options) {
    phase_runner runner(phase, options);
    return runner.run();
}

}  // namespace boltload
