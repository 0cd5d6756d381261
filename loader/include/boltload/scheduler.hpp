// The policy of one phase, without I/O: which chunk goes to which worker and when, when a batch
// may start, what happens when a worker dies or a signal comes, when the phase is over, and where
// every input row ends (committed, failed, unknown, bad, or not attempted).
//
// It has no clock, no processes and no sockets: the coordinator turns pipes, process exits and
// signals into events, calls on(), and carries out the commands it gets back, in order (a journal
// record always comes before the message that depends on it). Unit tests drive it with scripted
// events (tests/unit/loader/scheduler_test.cpp).
//
// The dispatch policy is `free`: any ready worker with fewer than max_in_flight chunks takes the
// next chunk, requeued chunks first.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "boltload/journal.hpp"
#include "boltload/run_stats.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

// ---- the plan ----------------------------------------------------------------------------------

/// A unit of work as a plan yields it.
struct planned_chunk {
    chunk work;               ///< id and range; skip lists empty
    std::uint64_t rows = 0;   ///< data rows in it
    std::uint64_t units = 0;  ///< its share of the phase's progress (bytes for CSV, rows generated)
};

/// Yields a phase's work in rounds: the items of a round in id order, then, once every item of
/// the round is done (the barrier), the next round's. Ids are stable from run to run (the
/// journal names them). The `free` plans have one round; Mix and Batch has its counting and
/// partition passes and then its rounds of cells.
class chunk_plan {
public:
    virtual ~chunk_plan() = default;
    /// The current round's next item; nullopt when the round has none left.
    virtual std::optional<planned_chunk> next() = 0;
    /// Called at the barrier (every item of the round done): moves to the next round; false
    /// when there is none.
    virtual bool next_round() { return false; }
    /// The current round's work in progress units.
    virtual std::uint64_t total_units() const = 0;
    /// The input's rows; called when the phase ends (a CSV plan reads the rest of the cut).
    virtual std::uint64_t input_rows() = 0;
    /// What the current round is, for the progress bar ("round 3 of 7"); empty for one round.
    virtual std::string stage() const { return {}; }
    /// Results of Mix and Batch's passes.
    virtual void on_counted(const counted&) {}
    virtual void on_partitioned(const partitioned&) {}
};

// ---- events (coordinator → scheduler) ----------------------------------------------------------

namespace sched {

struct worker_ready {
    int worker = 0;
};
/// The worker starts a batch (it wrote the begin to the journal first).
struct batch_begun {
    int worker = 0;
    batch_begin begin;
};
struct batch_reported {
    int worker = 0;
    batch_result result;
    double at_s = 0;  ///< seconds since the phase's part started
};
struct chunk_finished {
    int worker = 0;
    chunk_done done;
};
struct chunk_progress {
    int worker = 0;
    progress at;
};
/// A count or partition task is done (it ends its item as chunk_finished ends a load).
struct chunk_counted {
    int worker = 0;
    counted done;
};
struct chunk_partitioned {
    int worker = 0;
    partitioned done;
};
/// Its process is gone (its stdout ended).
struct worker_exited {
    int worker = 0;
};
/// It sent `fatal`, or broke the protocol (the coordinator kills it then).
struct worker_failed {
    int worker = 0;
    fatal error;
};
/// SIGINT or SIGTERM: the first drains (workers finish their batch), the second stops at once.
struct interrupt {
    bool hard = false;
};

using event = std::variant<worker_ready, batch_begun, batch_reported, chunk_finished, chunk_progress,
                           chunk_counted, chunk_partitioned, worker_exited, worker_failed, interrupt>;

// ---- commands (scheduler → coordinator) --------------------------------------------------------

struct start_worker {
    int worker = 0;
};
struct send_chunk {
    int worker = 0;
    chunk work;
};
/// Send `shutdown`: finish the current batch, exit.
struct stop_worker {
    int worker = 0;
};
/// Kill the process (second signal, or a worker that broke the protocol).
struct kill_worker {
    int worker = 0;
};
struct write_journal {
    journal::record record;
};
/// Write the batch's rows to the dead-letter file (failed) or the .unknown file (unknown), and
/// its error to the errors file.
struct dead_letter {
    batch_result result;
};
/// Write the batch's bad rows to <phase>.bad-rows.csv and their errors to
/// <phase>.bad-rows.errors.jsonl, then append `then` (the batch's outcome) to the journal with
/// `bad_files` set to where the files end: one record says both that the batch is settled and
/// how much of the files is accounted for (a resumed run cuts them back to that).
struct write_bad_rows {
    batch_result result;
    journal::record then;
};
/// The phase is over: every worker is gone.
struct phase_over {};

using command = std::variant<start_worker, send_chunk, stop_worker, kill_worker,
                             write_journal, dead_letter, write_bad_rows, phase_over>;

}  // namespace sched

enum class phase_end : std::uint8_t {
    completed,
    interrupted,        ///< a signal: what is done is in the journal
    too_many_failures,  ///< more dead-lettered batches than max_failed_batches
    too_many_bad_rows,  ///< on_bad_row: skip, and more bad rows than max_bad_rows
    fatal,              ///< a worker could not connect, authenticate or read its input, or died too often
};
std::string_view to_string(phase_end e);

struct scheduler_settings {
    std::string phase;
    int workers = 4;
    int max_in_flight = 2;
    int max_worker_restarts = 8;
    std::int64_t batch_size = 1000;
    std::int64_t max_failed_batches = 0;
    /// on_bad_row: skip: bad rows the phase tolerates, every part included; -1: no limit.
    std::int64_t max_bad_rows = -1;
    bool idempotent = false;
    /// Added to report times in the statistics, so a resumed part continues the earlier parts'
    /// time axis (the journal keeps each part's own times).
    double time_offset_s = 0;
    /// Hand out the first chunks only once every worker is connected, so the workers start
    /// together (what makes conflicts reproducible under `free`). Mix and Batch has no conflicts
    /// to reproduce: its workers start as each connects.
    bool start_together = true;
};

class scheduler {
public:
    /// `resume` says what earlier parts of the run settled; `plan` must outlive the scheduler.
    scheduler(scheduler_settings settings, chunk_plan& plan, journal::phase_state resume = {});

    /// The first commands: a worker each, or phase_over at once when there is nothing to do.
    std::vector<sched::command> start();
    std::vector<sched::command> on(const sched::event& e);

    bool over() const { return over_; }
    phase_end end() const { return end_; }
    /// Why the phase stopped early, for the user.
    const std::string& message() const { return message_; }
    const std::optional<fatal>& fatal_error() const { return fatal_; }
    /// This part's batches, plus the input's accounting (rows_input, rows_not_attempted for the
    /// whole phase, every part included) once the phase is over.
    const phase_stats& stats() const { return stats_; }
    /// Share of the current round done, 0..1.
    double fraction_done() const;
    /// What the current round is ("partitioning", "round 3 of 7"; empty for a one-round plan), or
    /// "starting" while the workers connect.
    std::string stage() const { return started_ || over_ ? plan_.stage() : "starting"; }

private:
    struct worker_slot {
        bool ready = false;
        bool told_to_stop = false;
        bool gone = false;
        std::vector<std::uint64_t> chunks;  ///< handed out and not done, in order
        std::optional<batch_begin> running;  ///< allowed to start, not reported
    };
    struct live_chunk {
        planned_chunk plan;
        std::set<std::uint32_t> settled;          ///< outcome known: skipped by the next worker
        std::set<std::uint32_t> unknown_pending;  ///< in doubt: rows to report, not to run
        std::set<std::uint32_t> replay;           ///< in doubt: run again (idempotent)
        std::map<std::uint32_t, std::string> doubt_why;
        int worker = -1;  ///< -1: queued
    };
    using out = std::vector<sched::command>;

    void on_event(const sched::worker_ready& e, out& o);
    void on_event(const sched::batch_begun& e, out& o);
    void on_event(const sched::batch_reported& e, out& o);
    void on_event(const sched::chunk_finished& e, out& o);
    void on_event(const sched::chunk_progress& e, out& o);
    void on_event(const sched::chunk_counted& e, out& o);
    void on_event(const sched::chunk_partitioned& e, out& o);
    /// The worker's item `chunk_id` of task `task` and `rows` rows is done: checks, then ends it.
    bool finish_item(int worker, std::uint64_t chunk_id, chunk_task task, std::uint64_t rows, out& o);
    void after_item(int worker, out& o);
    void on_event(const sched::worker_exited& e, out& o);
    void on_event(const sched::worker_failed& e, out& o);
    void on_event(const sched::interrupt& e, out& o);

    void spawn(out& o);
    std::optional<std::uint64_t> next_chunk();
    bool find_work();
    bool pull_from_plan();
    void dispatch(int worker, out& o, int limit = 0);
    void start_when_all_connected(out& o);
    void put_in_doubt(const batch_begin& b, const std::string& why, out& o);
    /// Journals a settled batch, through its bad rows' files when it has some.
    void settle(const batch_result& r, journal::record record, out& o);
    void check_bad_rows(const batch_result& r, out& o);
    void requeue(std::uint64_t chunk_id);
    void stop(phase_end why, std::string message, out& o);
    void maybe_finish(out& o);
    void protocol_violation(int worker, const std::string& what, out& o);
    std::uint64_t rows_of(const live_chunk& c, std::uint32_t batch) const;
    std::size_t batches_in(std::uint64_t rows) const;
    bool all_gone() const;

    scheduler_settings settings_;
    chunk_plan& plan_;
    journal::phase_state resume_;
    std::map<int, worker_slot> workers_;
    int next_worker_ = 0;
    std::map<std::uint64_t, live_chunk> chunks_;  ///< pulled from the plan, not done
    std::deque<std::uint64_t> queue_;             ///< chunks waiting for a worker (requeued first)
    bool round_done_ = false;                     ///< the plan has no more items this round
    bool started_ = false;  ///< the first chunks went out
    bool stopping_ = false;
    bool hard_stopped_ = false;  ///< second signal: workers killed, late reports ignored
    bool over_ = false;
    phase_end end_ = phase_end::completed;
    std::string message_;
    std::optional<fatal> fatal_;
    phase_stats stats_;
    std::uint64_t units_done_ = 0;  ///< of the current round
    std::map<std::uint64_t, std::uint64_t> units_in_progress_;
};

}  // namespace boltload
