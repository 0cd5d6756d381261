// The phase's policy as a state machine: events in, commands out. See scheduler.hpp.
#include "boltload/scheduler.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace boltload {

using namespace sched;

std::string_view to_string(phase_end e) {
    switch (e) {
        case phase_end::completed: return "completed";
        case phase_end::interrupted: return "interrupted";
        case phase_end::too_many_failures: return "too_many_failures";
        case phase_end::too_many_bad_rows: return "too_many_bad_rows";
        case phase_end::fatal: return "fatal";
    }
    return "?";
}

namespace {

std::vector<std::uint32_t> sorted(const std::set<std::uint32_t>& s) { return {s.begin(), s.end()}; }

template <class Map>
std::set<std::uint32_t> take(Map& m, std::uint64_t key) {
    auto it = m.find(key);
    if (it == m.end()) return {};
    std::set<std::uint32_t> out = std::move(it->second);
    m.erase(it);
    return out;
}

}  // namespace

scheduler::scheduler(scheduler_settings settings, chunk_plan& plan, journal::phase_state resume)
    : settings_(std::move(settings)), plan_(plan), resume_(std::move(resume)) {
    stats_.name = settings_.phase;
    stats_.idempotent = settings_.idempotent;
}

std::vector<command> scheduler::start() {
    out o;
    if (!find_work()) {
        stopping_ = true;  // nothing to do: no worker is needed
        maybe_finish(o);
        return o;
    }
    for (int i = 0; i < std::max(1, settings_.workers); ++i) spawn(o);
    return o;
}

std::vector<command> scheduler::on(const event& e) {
    out o;
    if (!over_) std::visit([&](const auto& ev) { on_event(ev, o); }, e);
    return o;
}

double scheduler::fraction_done() const {
    const std::uint64_t total = plan_.total_units();
    if (total == 0) return over_ ? 1.0 : 0.0;
    std::uint64_t done = units_done_;
    for (const auto& [id, n] : units_in_progress_) done += n;
    return std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
}

// ---- events ------------------------------------------------------------------------------------

void scheduler::on_event(const worker_ready& e, out& o) {
    auto it = workers_.find(e.worker);
    if (it == workers_.end() || it->second.gone) return;
    it->second.ready = true;
    if (!started_ && settings_.start_together) return start_when_all_connected(o);
    started_ = true;
    dispatch(e.worker, o);
}

void scheduler::on_event(const batch_begun& e, out& o) {
    auto w = workers_.find(e.worker);
    if (w == workers_.end() || w->second.gone) return;
    const batch_begin& b = e.begin;
    auto c = chunks_.find(b.chunk_id);
    if (c == chunks_.end() || c->second.worker != e.worker)
        return protocol_violation(e.worker, fmt::format("batch_begin for chunk {}, which it was not given", b.chunk_id), o);
    live_chunk& lc = c->second;
    if (w->second.running)
        return protocol_violation(e.worker, "batch_begin while another batch is running", o);
    if (lc.settled.contains(b.batch) || lc.unknown_pending.contains(b.batch))
        return protocol_violation(e.worker, fmt::format("batch_begin for batch {} of chunk {}, which it was told not to run",
                                                        b.batch, b.chunk_id), o);
    if (b.rows != rows_of(lc, b.batch))
        return protocol_violation(e.worker, fmt::format("batch {} of chunk {} has {} rows, the plan cut {}", b.batch,
                                                        b.chunk_id, b.rows, rows_of(lc, b.batch)), o);
    w->second.running = b;  // in doubt if the worker dies before reporting it
}

void scheduler::on_event(const batch_reported& e, out& o) {
    if (hard_stopped_) return;  // its batch is already recorded as in doubt
    auto w = workers_.find(e.worker);
    if (w == workers_.end()) return;
    const batch_result& r = e.result;
    auto c = chunks_.find(r.chunk_id);
    if (c == chunks_.end() || c->second.worker != e.worker)
        return protocol_violation(e.worker, fmt::format("batch_result for chunk {}, which it was not given", r.chunk_id), o);
    live_chunk& lc = c->second;
    if (r.outcome == batch_outcome::unknown && r.attempts == 0 && lc.unknown_pending.contains(r.batch)) {
        // The rows of a batch in doubt, read by this worker for the .unknown file.
        batch_result rows = r;
        rows.error = lc.doubt_why[r.batch];
        rows.bad_rows.clear();
        if (rows.good_rows() > 0) o.push_back(dead_letter{std::move(rows)});
        stats_.rows_bad += r.bad;  // its other rows were counted unknown when it went in doubt
        settle(r, journal::unknown_rows_written{settings_.phase, r.chunk_id, r.batch, r.bad, std::nullopt}, o);
        lc.unknown_pending.erase(r.batch);
        lc.settled.insert(r.batch);
        check_bad_rows(r, o);
        return;
    }
    const auto& running = w->second.running;
    if (!running || running->chunk_id != r.chunk_id || running->batch != r.batch || (r.attempts == 0 && r.good_rows() > 0))
        return protocol_violation(e.worker, fmt::format("batch_result for batch {} of chunk {}, which was not running",
                                                        r.batch, r.chunk_id), o);
    w->second.running.reset();
    const bool replayed = lc.replay.erase(r.batch) > 0;
    stats_.add(r, e.worker, settings_.time_offset_s + e.at_s, replayed);
    if (replayed) ++stats_.batches_replayed;
    lc.settled.insert(r.batch);
    // The rows reach their file before the journal says the batch is settled: a crash between
    // the two leaves the batch in doubt, never rows that are nowhere.
    if (r.outcome != batch_outcome::committed) {
        batch_result letters = r;
        letters.bad_rows.clear();
        o.push_back(dead_letter{std::move(letters)});
    }
    batch_result recorded = r;
    recorded.dead_letter_rows.clear();
    recorded.bad_rows.clear();
    settle(r, journal::batch_end{settings_.phase, e.worker, e.at_s, replayed, std::move(recorded), std::nullopt}, o);
    check_bad_rows(r, o);
    if (r.outcome == batch_outcome::failed &&
        static_cast<std::int64_t>(stats_.batches_failed + resume_.stats.batches_failed) > settings_.max_failed_batches)
        stop(phase_end::too_many_failures,
             fmt::format("{} batches failed permanently (max_failed_batches: {}); last error: {}",
                         stats_.batches_failed + resume_.stats.batches_failed, settings_.max_failed_batches, r.error),
             o);
}

void scheduler::on_event(const chunk_finished& e, out& o) {
    if (!finish_item(e.worker, e.done.chunk_id, chunk_task::load, e.done.rows, o)) return;
    o.push_back(write_journal{journal::chunk_end{settings_.phase, e.done.chunk_id, e.done.rows}});
    after_item(e.worker, o);
}

void scheduler::on_event(const chunk_counted& e, out& o) {
    if (!finish_item(e.worker, e.done.chunk_id, chunk_task::count, e.done.rows, o)) return;
    plan_.on_counted(e.done);
    o.push_back(write_journal{journal::chunk_counted{settings_.phase, e.done}});
    after_item(e.worker, o);
}

void scheduler::on_event(const chunk_partitioned& e, out& o) {
    if (!finish_item(e.worker, e.done.chunk_id, chunk_task::partition, e.done.rows, o)) return;
    plan_.on_partitioned(e.done);
    o.push_back(write_journal{journal::chunk_partitioned{settings_.phase, e.done}});
    after_item(e.worker, o);
}

bool scheduler::finish_item(int worker, std::uint64_t chunk_id, chunk_task task, std::uint64_t rows, out& o) {
    auto w = workers_.find(worker);
    if (w == workers_.end()) return false;
    auto c = chunks_.find(chunk_id);
    if (c == chunks_.end() || c->second.worker != worker || c->second.plan.work.task != task) {
        protocol_violation(worker, fmt::format("the end of a {} task for chunk {}, which it was not given",
                                               to_string(task), chunk_id), o);
        return false;
    }
    const live_chunk& lc = c->second;
    if (rows != lc.plan.rows) {
        protocol_violation(worker, fmt::format("it read {} rows from chunk {}, where the plan cut {}", rows, chunk_id,
                                               lc.plan.rows), o);
        return false;
    }
    if (task == chunk_task::load &&
        (lc.settled.size() != batches_in(lc.plan.rows) || !lc.unknown_pending.empty() || !lc.replay.empty())) {
        protocol_violation(worker, fmt::format("chunk_done for chunk {} with batches still open", chunk_id), o);
        return false;
    }
    units_done_ += lc.plan.units;
    units_in_progress_.erase(chunk_id);
    std::erase(w->second.chunks, chunk_id);
    chunks_.erase(c);
    return true;
}

void scheduler::after_item(int worker, out& o) {
    dispatch(worker, o);
    maybe_finish(o);
}

void scheduler::on_event(const chunk_progress& e, out&) {
    if (chunks_.contains(e.at.chunk_id))
        units_in_progress_[e.at.chunk_id] = e.at.bytes_done ? e.at.bytes_done : e.at.rows_done;
}

void scheduler::on_event(const worker_exited& e, out& o) {
    auto w = workers_.find(e.worker);
    if (w == workers_.end() || w->second.gone) return;
    worker_slot& slot = w->second;
    slot.gone = true;
    if (slot.running) put_in_doubt(*slot.running, "its worker died while the batch ran", o);
    slot.running.reset();
    for (auto it = slot.chunks.rbegin(); it != slot.chunks.rend(); ++it) requeue(*it);
    slot.chunks.clear();
    if (!slot.told_to_stop && !stopping_) {
        ++stats_.worker_restarts;
        if (static_cast<int>(stats_.worker_restarts) > settings_.max_worker_restarts)
            stop(phase_end::fatal,
                 fmt::format("workers died {} times; giving up (see their messages above)", stats_.worker_restarts), o);
        else
            spawn(o);
    }
    start_when_all_connected(o);  // a worker that died before `ready` must not hold the start
    if (started_)
        for (const auto& entry : workers_) dispatch(entry.first, o);
    maybe_finish(o);
}

void scheduler::on_event(const worker_failed& e, out& o) {
    auto w = workers_.find(e.worker);
    if (w == workers_.end()) return;
    w->second.told_to_stop = true;  // it exits after a fatal: not a crash to recover from
    if (e.error.kind == fatal_kind::protocol) o.push_back(kill_worker{e.worker});
    if (!fatal_) fatal_ = e.error;
    stop(phase_end::fatal, e.error.message, o);
}

void scheduler::on_event(const interrupt& e, out& o) {
    if (!e.hard) {
        if (!stopping_)
            stop(phase_end::interrupted,
                 "interrupted: each worker finished its current batch; the journal has what is done", o);
        return;
    }
    if (hard_stopped_) return;
    hard_stopped_ = true;
    if (!stopping_) end_ = phase_end::interrupted;
    stopping_ = true;
    message_ = "stopped at once (second signal): the batches that were running are in doubt";
    for (auto& [id, slot] : workers_) {
        if (slot.gone) continue;
        if (slot.running) put_in_doubt(*slot.running, "the run was stopped at once while the batch ran", o);
        slot.running.reset();
        slot.told_to_stop = true;
        o.push_back(kill_worker{id});
    }
    maybe_finish(o);
}

// ---- helpers -----------------------------------------------------------------------------------

void scheduler::spawn(out& o) {
    const int id = next_worker_++;
    workers_[id] = worker_slot{};
    o.push_back(start_worker{id});
}

bool scheduler::pull_from_plan() {
    while (!round_done_) {
        auto c = plan_.next();
        if (!c) {
            round_done_ = true;
            break;
        }
        const std::uint64_t id = c->work.chunk_id;
        if (resume_.done_chunks.contains(id)) {  // done by an earlier part of the run
            units_done_ += c->units;
            continue;
        }
        live_chunk lc;
        lc.plan = std::move(*c);
        lc.settled = take(resume_.finished, id);
        lc.unknown_pending = take(resume_.unknown_pending, id);
        lc.replay = take(resume_.replay, id);
        for (auto b : lc.unknown_pending) lc.doubt_why[b] = "in doubt when an earlier part of the run ended";
        chunks_.emplace(id, std::move(lc));
        queue_.push_back(id);
        return true;
    }
    return false;
}

/// An item to hand out, in this round or a later one (rounds whose items an earlier part of the
/// run finished are passed through); false when the plan has nothing left.
bool scheduler::find_work() {
    while (!next_chunk()) {
        if (!plan_.next_round()) return false;
        round_done_ = false;
        units_done_ = 0;
    }
    return true;
}

std::optional<std::uint64_t> scheduler::next_chunk() {
    if (queue_.empty() && !pull_from_plan()) return std::nullopt;
    return queue_.front();
}

void scheduler::dispatch(int worker, out& o, int limit) {
    auto w = workers_.find(worker);
    if (w == workers_.end()) return;
    worker_slot& slot = w->second;
    if (!slot.ready || slot.gone || stopping_) return;
    if (limit <= 0) limit = std::max(1, settings_.max_in_flight);
    while (static_cast<int>(slot.chunks.size()) < limit) {
        const auto id = next_chunk();
        if (!id) break;
        queue_.pop_front();
        live_chunk& lc = chunks_.at(*id);
        lc.worker = worker;
        slot.chunks.push_back(*id);
        chunk msg = lc.plan.work;
        msg.skip_batches = sorted(lc.settled);
        msg.unknown_batches = sorted(lc.unknown_pending);
        o.push_back(send_chunk{worker, std::move(msg)});
    }
}

/// The first round: one chunk to each worker in turn, then a second each, and so on, so every
/// worker has work before any has a queue.
void scheduler::start_when_all_connected(out& o) {
    if (started_ || stopping_) return;
    for (const auto& [id, slot] : workers_)
        if (!slot.ready && !slot.gone) return;
    started_ = true;
    for (int round = 1; round <= std::max(1, settings_.max_in_flight); ++round)
        for (const auto& [id, slot] : workers_) dispatch(id, o, round);
    maybe_finish(o);
}

void scheduler::put_in_doubt(const batch_begin& b, const std::string& why, out& o) {
    auto c = chunks_.find(b.chunk_id);
    if (c == chunks_.end()) return;
    live_chunk& lc = c->second;
    if (settings_.idempotent) {
        lc.replay.insert(b.batch);
    } else {
        lc.unknown_pending.insert(b.batch);
        lc.doubt_why[b.batch] = why;
        stats_.add_in_doubt(b.rows - std::min(b.bad, b.rows), why);  // its bad rows count when reported
    }
    o.push_back(write_journal{journal::batch_doubt{settings_.phase, b.chunk_id, b.batch, b.rows, b.first_line,
                                                   settings_.idempotent, why, b.bad}});
}

void scheduler::settle(const batch_result& r, journal::record record, out& o) {
    if (r.bad_rows.empty()) return o.push_back(write_journal{std::move(record)});
    batch_result bad = r;
    bad.dead_letter_rows.clear();
    o.push_back(write_bad_rows{std::move(bad), std::move(record)});
}

void scheduler::check_bad_rows(const batch_result& r, out& o) {
    if (r.bad == 0 || settings_.max_bad_rows < 0) return;
    const std::uint64_t bad = stats_.rows_bad + resume_.stats.rows_bad;
    if (bad <= static_cast<std::uint64_t>(settings_.max_bad_rows)) return;
    const std::string last = r.bad_rows.empty() ? std::string() : "; last: " + r.bad_rows.back().error;
    stop(phase_end::too_many_bad_rows,
         fmt::format("{} bad rows (max_bad_rows: {}){}", bad, settings_.max_bad_rows, last), o);
}

void scheduler::requeue(std::uint64_t chunk_id) {
    auto c = chunks_.find(chunk_id);
    if (c == chunks_.end()) return;
    c->second.worker = -1;
    units_in_progress_.erase(chunk_id);
    queue_.push_front(chunk_id);
}

void scheduler::stop(phase_end why, std::string message, out& o) {
    if (!stopping_) {
        end_ = why;
        message_ = std::move(message);
        stopping_ = true;
        for (auto& [id, slot] : workers_) {
            if (slot.gone || slot.told_to_stop) continue;
            slot.told_to_stop = true;
            o.push_back(stop_worker{id});
        }
    }
    maybe_finish(o);
}

void scheduler::maybe_finish(out& o) {
    if (over_) return;
    if (!stopping_ && started_ && chunks_.empty()) {
        // The barrier: every item of the round is done; the plan moves to its next round.
        if (!find_work()) return stop(phase_end::completed, "", o);
        for (const auto& entry : workers_) dispatch(entry.first, o);
        return;
    }
    if (!stopping_ || !all_gone()) return;
    // Every input row ends in one bucket; what the run never reached is "not attempted".
    const auto settled = [](const phase_stats& s) { return s.rows_committed + s.rows_failed + s.rows_unknown + s.rows_bad; };
    stats_.rows_input = plan_.input_rows();
    const std::uint64_t done = settled(stats_) + settled(resume_.stats);
    stats_.rows_not_attempted = stats_.rows_input > done ? stats_.rows_input - done : 0;
    over_ = true;
    o.push_back(phase_over{});
}

void scheduler::protocol_violation(int worker, const std::string& what, out& o) {
    o.push_back(kill_worker{worker});
    if (auto w = workers_.find(worker); w != workers_.end()) w->second.told_to_stop = true;
    if (!fatal_) fatal_ = fatal{fatal_kind::protocol, "worker " + std::to_string(worker) + " broke the protocol: " + what, std::nullopt};
    stop(phase_end::fatal, fatal_->message, o);
}

std::uint64_t scheduler::rows_of(const live_chunk& c, std::uint32_t batch) const {
    return journal::batch_rows(c.plan.rows, settings_.batch_size, batch);
}

std::size_t scheduler::batches_in(std::uint64_t rows) const {
    const auto size = static_cast<std::uint64_t>(std::max<std::int64_t>(1, settings_.batch_size));
    return static_cast<std::size_t>((rows + size - 1) / size);
}

bool scheduler::all_gone() const {
    return std::all_of(workers_.begin(), workers_.end(), [](const auto& w) { return w.second.gone; });
}

}  // namespace boltload
