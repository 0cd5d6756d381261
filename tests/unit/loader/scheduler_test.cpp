// The scheduler driven by scripted events, with no processes, pipes or clock: dispatch within
// max_in_flight, the start barrier, go only after the journal's begin, requeue and doubt after a
// worker dies, the restart budget, draining and stopping at once on signals, phases with nothing
// to do, resumed phases, protocol violations, and the accounting of every input row.
#include "boltload/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace boltload {
namespace {

using namespace sched;

/// A plan of generated chunks of the given row counts.
class scripted_plan final : public chunk_plan {
public:
    explicit scripted_plan(std::vector<std::uint64_t> rows) : rows_(std::move(rows)) {}
    std::optional<planned_chunk> next() override {
        if (next_ >= rows_.size()) return std::nullopt;
        planned_chunk p;
        p.work = chunk{next_, generate_range{static_cast<std::int64_t>(first_), static_cast<std::int64_t>(rows_[next_])}, {}, {}};
        p.rows = p.units = rows_[next_];
        first_ += rows_[next_++];
        return p;
    }
    std::uint64_t total_units() const override { return input_total(); }
    std::uint64_t input_rows() override { return input_total(); }
    std::uint64_t input_total() const {
        std::uint64_t n = 0;
        for (auto r : rows_) n += r;
        return n;
    }

private:
    std::vector<std::uint64_t> rows_;
    std::uint64_t next_ = 0;
    std::uint64_t first_ = 0;
};

/// A plan of rounds (as Mix and Batch's cells): each inner list is a round's chunks' rows.
class rounds_plan final : public chunk_plan {
public:
    explicit rounds_plan(std::vector<std::vector<std::uint64_t>> rounds) : rounds_(std::move(rounds)) {}
    std::optional<planned_chunk> next() override {
        if (round_ >= rounds_.size() || k_ >= rounds_[round_].size()) return std::nullopt;
        planned_chunk p;
        p.work = chunk{id(round_, k_), generate_range{0, static_cast<std::int64_t>(rounds_[round_][k_])}, {}, {}};
        p.rows = p.units = rounds_[round_][k_++];
        return p;
    }
    bool next_round() override {
        k_ = 0;
        return ++round_ < rounds_.size();
    }
    std::uint64_t total_units() const override { return 0; }
    std::uint64_t input_rows() override {
        std::uint64_t n = 0;
        for (const auto& r : rounds_)
            for (auto rows : r) n += rows;
        return n;
    }
    std::string stage() const override { return "round " + std::to_string(round_ + 1); }
    static std::uint64_t id(std::size_t round, std::size_t k) { return round * 100 + k; }

private:
    std::vector<std::vector<std::uint64_t>> rounds_;
    std::size_t round_ = 0;
    std::size_t k_ = 0;
};

template <class T>
std::vector<T> all(const std::vector<command>& cs) {
    std::vector<T> out;
    for (const auto& c : cs)
        if (const T* t = std::get_if<T>(&c)) out.push_back(*t);
    return out;
}

template <class T>
bool has(const std::vector<command>& cs) {
    return !all<T>(cs).empty();
}

/// The index of the first command of type T, or -1.
template <class T>
int index_of(const std::vector<command>& cs) {
    for (std::size_t i = 0; i < cs.size(); ++i)
        if (std::holds_alternative<T>(cs[i])) return static_cast<int>(i);
    return -1;
}

batch_result committed(std::uint64_t chunk, std::uint32_t batch, std::uint64_t rows) {
    batch_result r;
    r.chunk_id = chunk;
    r.batch = batch;
    r.rows = rows;
    return r;
}

/// A scheduler and the workers it started, with helpers that play a worker's part.
struct harness {
    scripted_plan plan;
    scheduler s;
    std::vector<command> last;

    harness(std::vector<std::uint64_t> rows, scheduler_settings settings, journal::phase_state resume = {})
        : plan(std::move(rows)), s(settings, plan, std::move(resume)) {}

    std::vector<command> on(const event& e) { return last = s.on(e); }

    /// Runs one batch of `chunk` on `worker` to a committed end; returns the commands of both steps.
    std::vector<command> commit(int worker, std::uint64_t chunk, std::uint32_t batch, std::uint64_t rows) {
        auto begun = on(batch_begun{worker, batch_begin{chunk, batch, rows, 0}});
        auto reported = on(batch_reported{worker, committed(chunk, batch, rows), 1.0});
        begun.insert(begun.end(), reported.begin(), reported.end());
        return begun;
    }
};

scheduler_settings settings(int workers, int in_flight = 1, std::int64_t batch = 10) {
    scheduler_settings s;
    s.phase = "nodes";
    s.workers = workers;
    s.max_in_flight = in_flight;
    s.batch_size = batch;
    return s;
}

void expect_accounted(const phase_stats& st) {
    EXPECT_EQ(st.rows_committed + st.rows_failed + st.rows_unknown + st.rows_bad + st.rows_not_attempted,
              st.rows_input);
}

TEST(Scheduler, APhaseWithNothingToDoEndsAtOnceWithoutWorkers) {
    harness h({}, settings(4));
    const auto cs = h.s.start();
    EXPECT_FALSE(has<start_worker>(cs));
    EXPECT_TRUE(has<phase_over>(cs));
    EXPECT_TRUE(h.s.over());
    EXPECT_EQ(h.s.end(), phase_end::completed);
    EXPECT_EQ(h.s.stats().rows_input, 0u);
}

TEST(Scheduler, ChunksGoOutOnceEveryWorkerIsConnectedOneEachInTurn) {
    harness h({10, 10, 10, 10, 10}, settings(2, 2));
    ASSERT_EQ(all<start_worker>(h.s.start()).size(), 2u);
    EXPECT_FALSE(has<send_chunk>(h.on(worker_ready{0})));  // waits for worker 1
    const auto sent = all<send_chunk>(h.on(worker_ready{1}));
    ASSERT_EQ(sent.size(), 4u);  // max_in_flight 2 each, first round one each
    EXPECT_EQ(sent[0].worker, 0);
    EXPECT_EQ(sent[1].worker, 1);
    EXPECT_EQ(sent[2].worker, 0);
    EXPECT_EQ(sent[3].worker, 1);
    EXPECT_EQ(sent[0].work.chunk_id, 0u);
    EXPECT_EQ(sent[3].work.chunk_id, 3u);
}

TEST(Scheduler, ABatchRunsOnItsWorkersWordAndAChunkEndsWithItsRecord) {
    harness h({15}, settings(1, 1, 10));
    h.s.start();
    h.on(worker_ready{0});
    // The worker wrote the begin to the journal itself: nothing for the coordinator to do.
    EXPECT_TRUE(h.on(batch_begun{0, batch_begin{0, 0, 10, 7}}).empty());
    h.on(batch_reported{0, committed(0, 0, 10), 0.5});
    h.commit(0, 0, 1, 5);
    const auto done = h.on(chunk_finished{0, chunk_done{0, 15, 2}});
    EXPECT_TRUE(has<stop_worker>(done));  // nothing left
    const auto over = h.on(worker_exited{0});
    EXPECT_TRUE(has<phase_over>(over));
    EXPECT_EQ(h.s.end(), phase_end::completed);
    EXPECT_EQ(h.s.stats().rows_committed, 15u);
    EXPECT_EQ(h.s.stats().rows_input, 15u);
    expect_accounted(h.s.stats());
}

TEST(Scheduler, ABatchOfTheWrongSizeIsAProtocolViolation) {
    harness h({15}, settings(1, 1, 10));
    h.s.start();
    h.on(worker_ready{0});
    const auto cs = h.on(batch_begun{0, batch_begin{0, 1, 10, 0}});  // batch 1 holds 5 rows
    EXPECT_TRUE(has<kill_worker>(cs));
    h.on(worker_exited{0});
    EXPECT_EQ(h.s.end(), phase_end::fatal);
    ASSERT_TRUE(h.s.fatal_error());
    EXPECT_EQ(h.s.fatal_error()->kind, fatal_kind::protocol);
}

TEST(Scheduler, ChunkDoneWithOtherRowsThanPlannedIsAProtocolViolation) {
    harness h({10}, settings(1, 1, 10));
    h.s.start();
    h.on(worker_ready{0});
    h.commit(0, 0, 0, 10);
    EXPECT_TRUE(has<kill_worker>(h.on(chunk_finished{0, chunk_done{0, 9, 1}})));
}

TEST(Scheduler, AWorkerThatDiesMidBatchLeavesItInDoubtAndItsChunkToAReplacement) {
    harness h({30, 30}, settings(2, 1, 10));
    h.s.start();
    h.on(worker_ready{0});
    h.on(worker_ready{1});
    h.commit(0, 0, 0, 10);                               // batch 0 of chunk 0 committed
    h.on(batch_begun{0, batch_begin{0, 1, 10, 0}});      // batch 1 allowed...
    const auto died = h.on(worker_exited{0});            // ...and its worker dies
    const auto doubts = all<write_journal>(died);
    ASSERT_EQ(doubts.size(), 1u);
    const auto& d = std::get<journal::batch_doubt>(doubts[0].record);
    EXPECT_EQ(d.chunk, 0u);
    EXPECT_EQ(d.batch, 1u);
    EXPECT_FALSE(d.replay);  // not idempotent: never run again
    const auto started = all<start_worker>(died);
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].worker, 2);
    EXPECT_EQ(h.s.stats().worker_restarts, 1u);
    EXPECT_EQ(h.s.stats().rows_unknown, 10u);
    // The replacement gets chunk 0 again: batch 0 skipped, batch 1 reported unknown, not run.
    const auto sent = all<send_chunk>(h.on(worker_ready{2}));
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].work.chunk_id, 0u);
    EXPECT_EQ(sent[0].work.skip_batches, std::vector<std::uint32_t>{0});
    EXPECT_EQ(sent[0].work.unknown_batches, std::vector<std::uint32_t>{1});
    batch_result rows;
    rows.chunk_id = 0;
    rows.batch = 1;
    rows.rows = 10;
    rows.outcome = batch_outcome::unknown;
    rows.attempts = 0;
    rows.dead_letter_rows = {"{\"id\":10}"};
    const auto emitted = h.on(batch_reported{2, rows, 2.0});
    ASSERT_EQ(all<dead_letter>(emitted).size(), 1u);
    EXPECT_NE(all<dead_letter>(emitted)[0].result.error.find("worker died"), std::string::npos);
    EXPECT_TRUE(std::holds_alternative<journal::unknown_rows_written>(all<write_journal>(emitted)[0].record));
    EXPECT_EQ(h.s.stats().rows_unknown, 10u);  // counted once
    h.commit(2, 0, 2, 10);
    h.on(chunk_finished{2, chunk_done{0, 30, 3}});
    for (std::uint32_t b = 0; b < 3; ++b) h.commit(1, 1, b, 10);
    h.on(chunk_finished{1, chunk_done{1, 30, 3}});
    h.on(worker_exited{1});
    EXPECT_TRUE(has<phase_over>(h.on(worker_exited{2})));
    EXPECT_EQ(h.s.end(), phase_end::completed);
    EXPECT_EQ(h.s.stats().rows_committed, 50u);
    expect_accounted(h.s.stats());
}

TEST(Scheduler, OnAnIdempotentPhaseTheBatchInDoubtRunsAgainAndIsCountedAsReplayed) {
    auto st = settings(1, 1, 10);
    st.idempotent = true;
    harness h({20}, st);
    h.s.start();
    h.on(worker_ready{0});
    h.on(batch_begun{0, batch_begin{0, 0, 10, 0}});
    const auto died = h.on(worker_exited{0});
    EXPECT_TRUE(std::get<journal::batch_doubt>(all<write_journal>(died)[0].record).replay);
    EXPECT_EQ(h.s.stats().rows_unknown, 0u);
    const auto sent = all<send_chunk>(h.on(worker_ready{1}));
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_TRUE(sent[0].work.skip_batches.empty());
    EXPECT_TRUE(sent[0].work.unknown_batches.empty());
    const auto again = h.commit(1, 0, 0, 10);
    const auto ends = all<write_journal>(again);
    EXPECT_TRUE(std::get<journal::batch_end>(ends.back().record).replayed);
    EXPECT_EQ(h.s.stats().batches_replayed, 1u);
    h.commit(1, 0, 1, 10);
    h.on(chunk_finished{1, chunk_done{0, 20, 2}});
    h.on(worker_exited{1});
    EXPECT_EQ(h.s.stats().rows_committed, 20u);
    expect_accounted(h.s.stats());
}

TEST(Scheduler, WorkersThatKeepDyingExhaustTheRestartBudget) {
    auto st = settings(1);
    st.max_worker_restarts = 2;
    harness h({10}, st);
    h.s.start();
    EXPECT_TRUE(has<start_worker>(h.on(worker_exited{0})));
    EXPECT_TRUE(has<start_worker>(h.on(worker_exited{1})));
    const auto last = h.on(worker_exited{2});
    EXPECT_FALSE(has<start_worker>(last));
    EXPECT_TRUE(has<phase_over>(last));
    EXPECT_EQ(h.s.end(), phase_end::fatal);
    EXPECT_EQ(h.s.stats().rows_not_attempted, 10u);
    expect_accounted(h.s.stats());
}

TEST(Scheduler, TheFirstSignalDrainsTheSecondStopsAtOnce) {
    harness h({10, 10, 10}, settings(2, 1, 10));
    h.s.start();
    h.on(worker_ready{0});
    h.on(worker_ready{1});
    h.on(batch_begun{0, batch_begin{0, 0, 10, 0}});
    h.on(batch_begun{1, batch_begin{1, 0, 10, 0}});
    const auto drain = h.on(interrupt{false});
    EXPECT_EQ(all<stop_worker>(drain).size(), 2u);
    EXPECT_FALSE(has<kill_worker>(drain));
    h.on(batch_reported{0, committed(0, 0, 10), 1});  // worker 0 finishes its batch
    const auto hard = h.on(interrupt{true});
    EXPECT_EQ(all<kill_worker>(hard).size(), 2u);
    const auto doubts = all<write_journal>(hard);
    ASSERT_EQ(doubts.size(), 1u);  // worker 1's batch was still running
    EXPECT_EQ(std::get<journal::batch_doubt>(doubts[0].record).chunk, 1u);
    EXPECT_FALSE(has<write_journal>(h.on(batch_reported{1, committed(1, 0, 10), 2})));  // too late
    h.on(worker_exited{0});
    EXPECT_TRUE(has<phase_over>(h.on(worker_exited{1})));
    EXPECT_EQ(h.s.end(), phase_end::interrupted);
    const auto& st = h.s.stats();
    EXPECT_EQ(st.rows_committed, 10u);
    EXPECT_EQ(st.rows_unknown, 10u);
    EXPECT_EQ(st.rows_not_attempted, 10u);
    EXPECT_EQ(st.rows_input, 30u);
    expect_accounted(st);
}

TEST(Scheduler, TooManyFailedBatchesStopThePhase) {
    auto st = settings(1, 1, 10);
    st.max_failed_batches = 1;
    harness h({40}, st);
    h.s.start();
    h.on(worker_ready{0});
    batch_result failed = committed(0, 0, 10);
    failed.outcome = batch_outcome::failed;
    failed.error = "Division by zero";
    failed.dead_letter_rows = {"1,0"};
    h.on(batch_begun{0, batch_begin{0, 0, 10, 0}});
    const auto first = h.on(batch_reported{0, failed, 1});
    EXPECT_LT(index_of<dead_letter>(first), index_of<write_journal>(first));  // rows before the record
    EXPECT_FALSE(has<stop_worker>(first));
    failed.batch = 1;
    h.on(batch_begun{0, batch_begin{0, 1, 10, 0}});
    EXPECT_TRUE(has<stop_worker>(h.on(batch_reported{0, failed, 2})));
    h.on(worker_exited{0});
    EXPECT_EQ(h.s.end(), phase_end::too_many_failures);
    EXPECT_NE(h.s.message().find("Division by zero"), std::string::npos);
    EXPECT_EQ(h.s.stats().rows_failed, 20u);
    EXPECT_EQ(h.s.stats().rows_not_attempted, 20u);
    expect_accounted(h.s.stats());
}

/// A batch of `rows` records of which the first `bad` could not be read.
batch_result with_bad(batch_result r, std::uint64_t bad) {
    r.bad = bad;
    for (std::uint64_t i = 0; i < bad; ++i)
        r.bad_rows.push_back(bad_row{100 + i, 2, "rows.csv:" + std::to_string(100 + i) + ": column 'id' (2): bad", "x,y"});
    return r;
}

TEST(Scheduler, BadRowsAreTheirOwnBucketWrittenBeforeTheBatchIsJournaled) {
    auto st = settings(1, 1, 10);
    harness h({20, 10}, st);
    h.s.start();
    h.on(worker_ready{0});
    h.on(batch_begun{0, batch_begin{0, 0, 10, 0, 3}});
    const auto first = h.on(batch_reported{0, with_bad(committed(0, 0, 10), 3), 1});
    // The bad rows and the batch's record go out together: files first, then the journal line
    // that marks where they end.
    const auto written = all<write_bad_rows>(first);
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(written[0].result.bad_rows.size(), 3u);
    const auto& end = std::get<journal::batch_end>(written[0].then);
    EXPECT_TRUE(end.result.bad_rows.empty());  // the journal keeps the count only
    EXPECT_EQ(end.result.bad, 3u);
    EXPECT_FALSE(has<write_journal>(first));
    // A batch of bad rows only: nothing ran (0 attempts), still settled.
    h.on(batch_begun{0, batch_begin{0, 1, 10, 0, 10}});
    batch_result all_bad = with_bad(committed(0, 1, 10), 10);
    all_bad.attempts = 0;
    EXPECT_TRUE(has<write_bad_rows>(h.on(batch_reported{0, all_bad, 2})));
    h.on(chunk_finished{0, chunk_done{0, 20, 2}});
    // A failed batch with a bad row: its good rows are dead letters, the bad one is bad.
    batch_result failed = with_bad(committed(1, 0, 10), 1);
    failed.outcome = batch_outcome::failed;
    failed.dead_letter_rows = std::vector<std::string>(9, "1,0");
    h.on(batch_begun{0, batch_begin{1, 0, 10, 0, 1}});
    const auto third = h.on(batch_reported{0, failed, 3});
    ASSERT_EQ(all<dead_letter>(third).size(), 1u);
    EXPECT_TRUE(all<dead_letter>(third)[0].result.bad_rows.empty());
    h.on(worker_exited{0});
    const auto& s = h.s.stats();
    EXPECT_EQ(s.rows_bad, 14u);
    EXPECT_EQ(s.rows_committed, 7u);
    EXPECT_EQ(s.rows_failed, 9u);
    EXPECT_EQ(s.rows_input, 30u);
    expect_accounted(s);
}

TEST(Scheduler, BadRowsOfABatchInDoubtCountWhenItsRowsAreReported) {
    harness h({10, 10}, settings(1, 1, 10));
    h.s.start();
    h.on(worker_ready{0});
    h.on(batch_begun{0, batch_begin{0, 0, 10, 0, 4}});
    const auto died = h.on(worker_exited{0});
    EXPECT_EQ(std::get<journal::batch_doubt>(all<write_journal>(died)[0].record).bad, 4u);
    EXPECT_EQ(h.s.stats().rows_unknown, 6u);  // the good rows only
    const auto sent = all<send_chunk>(h.on(worker_ready{1}));
    ASSERT_FALSE(sent.empty());
    batch_result rows = with_bad(committed(0, 0, 10), 4);
    rows.outcome = batch_outcome::unknown;
    rows.attempts = 0;
    rows.dead_letter_rows = std::vector<std::string>(6, "1,1");
    const auto reported = h.on(batch_reported{1, rows, 1});
    const auto written = all<write_bad_rows>(reported);
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(std::get<journal::unknown_rows_written>(written[0].then).bad, 4u);
    EXPECT_LT(index_of<dead_letter>(reported), index_of<write_bad_rows>(reported));
    h.on(chunk_finished{1, chunk_done{0, 10, 1}});
    h.commit(1, 1, 0, 10);
    h.on(chunk_finished{1, chunk_done{1, 10, 1}});
    h.on(worker_exited{1});
    EXPECT_EQ(h.s.stats().rows_bad, 4u);
    EXPECT_EQ(h.s.stats().rows_unknown, 6u);
    EXPECT_EQ(h.s.stats().rows_committed, 10u);
    expect_accounted(h.s.stats());
}

TEST(Scheduler, MoreBadRowsThanMaxBadRowsStopThePhaseEarlierPartsIncluded) {
    auto st = settings(1, 1, 10);
    st.max_bad_rows = 5;
    journal::phase_state resume;
    resume.stats.rows_bad = 3;  // an earlier part's bad rows count towards the tolerance
    harness h({40}, st, resume);
    h.s.start();
    h.on(worker_ready{0});
    h.on(batch_begun{0, batch_begin{0, 0, 10, 0, 2}});
    EXPECT_FALSE(has<stop_worker>(h.on(batch_reported{0, with_bad(committed(0, 0, 10), 2), 1})));  // 5: within
    h.on(batch_begun{0, batch_begin{0, 1, 10, 0, 1}});
    EXPECT_TRUE(has<stop_worker>(h.on(batch_reported{0, with_bad(committed(0, 1, 10), 1), 2})));  // 6: over
    h.on(worker_exited{0});
    EXPECT_EQ(h.s.end(), phase_end::too_many_bad_rows);
    EXPECT_NE(h.s.message().find("6 bad rows (max_bad_rows: 5); last: rows.csv:100"), std::string::npos)
        << h.s.message();
    EXPECT_EQ(h.s.stats().rows_not_attempted, 20u - 3u);  // the earlier part's bad rows are settled rows
}

TEST(Scheduler, AResumedPhaseSkipsWhatTheJournalSettled) {
    journal::phase_state resume;
    resume.done_chunks = {0};
    resume.finished[1] = {0};
    resume.unknown_pending[1] = {1};
    resume.stats.rows_committed = 20;  // what earlier parts reported: not this part's figures
    resume.stats.rows_unknown = 10;
    harness h({10, 30, 10}, settings(1, 2, 10), resume);
    h.s.start();
    const auto sent = all<send_chunk>(h.on(worker_ready{0}));
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].work.chunk_id, 1u);
    EXPECT_EQ(sent[0].work.skip_batches, std::vector<std::uint32_t>{0});
    EXPECT_EQ(sent[0].work.unknown_batches, std::vector<std::uint32_t>{1});
    EXPECT_EQ(sent[1].work.chunk_id, 2u);
    EXPECT_GT(h.s.fraction_done(), 0.15);  // chunk 0's share is done
    h.on(interrupt{false});
    h.on(worker_exited{0});
    // Rows settled by earlier parts are not "not attempted": 10 (chunk 0) + 10 (committed) + 10 (unknown).
    EXPECT_EQ(h.s.stats().rows_input, 50u);
    EXPECT_EQ(h.s.stats().rows_not_attempted, 20u);
}

TEST(Scheduler, AResumedPhaseWhoseChunksAreAllDoneEndsAtOnce) {
    journal::phase_state resume;
    resume.done_chunks = {0, 1};
    resume.stats.rows_committed = 20;
    harness h({10, 10}, settings(3), resume);
    const auto cs = h.s.start();
    EXPECT_FALSE(has<start_worker>(cs));
    EXPECT_TRUE(has<phase_over>(cs));
    EXPECT_EQ(h.s.stats().rows_input, 20u);
    EXPECT_EQ(h.s.stats().rows_not_attempted, 0u);
}

TEST(Scheduler, AFatalFromAWorkerStopsThePhaseAndIsKept) {
    harness h({10, 10}, settings(2));
    h.s.start();
    h.on(worker_ready{0});
    const auto cs = h.on(worker_failed{1, fatal{fatal_kind::auth, "authentication failed", std::nullopt}});
    EXPECT_EQ(all<stop_worker>(cs).size(), 1u);  // the other one; the failed one exits by itself
    h.on(worker_exited{1});
    EXPECT_EQ(h.s.stats().worker_restarts, 0u);  // a fatal is not a crash
    h.on(worker_exited{0});
    EXPECT_EQ(h.s.end(), phase_end::fatal);
    EXPECT_EQ(h.s.fatal_error()->kind, fatal_kind::auth);
}

TEST(Scheduler, ARoundStartsOnlyWhenEveryCellOfTheLastOneIsDone) {
    rounds_plan plan({{10, 10}, {10, 10}});
    scheduler s(settings(2, 2, 10), plan);
    s.start();
    s.on(worker_ready{0});
    const auto first = all<send_chunk>(s.on(worker_ready{1}));
    ASSERT_EQ(first.size(), 2u);  // round 1's two cells, one to each worker, nothing of round 2
    EXPECT_EQ(first[0].work.chunk_id, rounds_plan::id(0, 0));
    EXPECT_EQ(first[1].work.chunk_id, rounds_plan::id(0, 1));
    EXPECT_NE(first[0].worker, first[1].worker);
    EXPECT_EQ(s.stage(), "round 1");
    const auto run = [&](int w, std::uint64_t c) {
        s.on(batch_begun{w, batch_begin{c, 0, 10, 0}});
        s.on(batch_reported{w, committed(c, 0, 10), 1});
        return s.on(chunk_finished{w, chunk_done{c, 10, 1}});
    };
    EXPECT_FALSE(has<send_chunk>(run(0, rounds_plan::id(0, 0))));  // the barrier holds worker 0
    const auto second = all<send_chunk>(run(1, rounds_plan::id(0, 1)));
    ASSERT_EQ(second.size(), 2u);
    EXPECT_EQ(second[0].work.chunk_id, rounds_plan::id(1, 0));
    EXPECT_EQ(s.stage(), "round 2");
    run(second[0].worker, rounds_plan::id(1, 0));
    const auto last = run(second[1].worker, rounds_plan::id(1, 1));
    EXPECT_EQ(all<stop_worker>(last).size(), 2u);
    s.on(worker_exited{0});
    s.on(worker_exited{1});
    EXPECT_EQ(s.end(), phase_end::completed);
    EXPECT_EQ(s.stats().rows_committed, 40u);
    expect_accounted(s.stats());
}

TEST(Scheduler, ACellWhoseWorkerDiesIsRunByAnotherFromItsFirstUnreportedBatch) {
    rounds_plan plan({{30, 10}, {10}});
    scheduler s(settings(2, 1, 10), plan);
    s.start();
    s.on(worker_ready{0});
    s.on(worker_ready{1});
    const std::uint64_t cell = rounds_plan::id(0, 0);
    s.on(batch_begun{0, batch_begin{cell, 0, 10, 0}});
    s.on(batch_reported{0, committed(cell, 0, 10), 1});
    s.on(batch_begun{1, batch_begin{rounds_plan::id(0, 1), 0, 10, 0}});
    s.on(batch_reported{1, committed(rounds_plan::id(0, 1), 0, 10), 1});
    EXPECT_FALSE(has<send_chunk>(s.on(chunk_finished{1, chunk_done{rounds_plan::id(0, 1), 10, 1}})));
    const auto died = s.on(worker_exited{0});  // between batches: nothing in doubt
    EXPECT_FALSE(has<write_journal>(died));
    EXPECT_TRUE(has<start_worker>(died));
    // The idle worker takes the cell at once, before round 2, with batch 0 skipped.
    const auto again = all<send_chunk>(died);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].worker, 1);
    EXPECT_EQ(again[0].work.chunk_id, cell);
    EXPECT_EQ(again[0].work.skip_batches, std::vector<std::uint32_t>{0});
    EXPECT_FALSE(has<send_chunk>(s.on(worker_ready{2})));  // round 2 waits for the cell
}

}  // namespace
}  // namespace boltload
