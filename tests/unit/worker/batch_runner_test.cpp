// The worker's batch runner against an in-process Bolt peer: what it reports for each way a
// batch can end (committed after conflicts, failed, retries exhausted, unknown outcome), per
// transaction mode.
#include "boltload/batch_runner.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "fake_bolt_peer.hpp"

namespace boltload {
namespace {

using bolt::list;
using bolt::map;
using bolt::response_writer;
using bolt::testing::fake_bolt_peer;
using bolt::testing::peer_log;
using bolt::testing::scripted_server;

const map conflict{{"code", "Memgraph.TransientError.MemgraphError.MemgraphError"},
                   {"message", "Cannot resolve conflicting transactions. Retry this transaction "
                               "when the conflicting transaction is finished."}};
const map syntax_error{{"code", "Memgraph.ClientError.MemgraphError.MemgraphError"},
                       {"message", "line 1:1 mismatched input 'CRATE'"}};
const map other_transient{{"code", "Neo.TransientError.General.DatabaseUnavailable"},
                          {"message", "database unavailable"}};

struct fixture {
    std::shared_ptr<peer_log> log = std::make_shared<peer_log>();
    scripted_server server;
    int fail_at_io = -1;
    std::vector<std::chrono::nanoseconds> sleeps;

    bolt::driver make_driver() {
        bolt::driver_config config;
        config.transport_factory = [this](const bolt::address&, std::unique_ptr<bolt::transport>& out) {
            auto peer = std::make_unique<fake_bolt_peer>(
                bolt::protocol_version{5, 2},
                [this](const bolt::request& r, response_writer& w) { server(r, w); }, log);
            peer->fail_at_io = fail_at_io;
            out = std::move(peer);
            return std::error_code{};
        };
        return bolt::driver("bolt://fake:7687", bolt::auth_token::none(), std::move(config));
    }

    bolt::retry_hooks hooks() {
        bolt::retry_hooks h;
        h.sleep = [this](std::chrono::nanoseconds d) { sleeps.push_back(d); };
        h.random = [] { return 0.5; };
        return h;
    }
};

phase_work phase(transaction_mode mode, int max_retries = 5) {
    phase_work p;
    p.name = "nodes";
    p.query = "UNWIND $batch AS row CREATE (:N {id: row.id})";
    p.transaction = mode;
    p.retry.kind = bolt::retry_kind::memgraph;
    p.retry.settings = {{"max_retries", max_retries}, {"initial_wait_time", 0.2},
                        {"backoff_factor", 2.0}, {"jitter", 0.0}};
    return p;
}

map batch_of(int rows) {
    list l;
    for (int i = 0; i < rows; ++i) l.emplace_back(map{{"id", i}});
    return map{{"batch", std::move(l)}};
}

/// Answers every RUN with `failures` (in order) before succeeding with `created` nodes.
void fail_then_succeed(scripted_server& s, std::vector<map> failures, int created) {
    auto remaining = std::make_shared<std::vector<map>>(std::move(failures));
    s.on_run = [remaining](const bolt::run_request&, response_writer& w) {
        if (!remaining->empty()) {
            w.failure(remaining->front());
            remaining->erase(remaining->begin());
            return;
        }
        w.success(map{{"fields", list{}}});
    };
    s.on_pull = [created](const bolt::pull_request&, response_writer& w) {
        w.success(map{{"type", "w"},
                      {"stats", map{{"nodes-created", created}, {"nodes-deleted", 0},
                                    {"relationships-created", 0}, {"relationships-deleted", 0},
                                    {"labels-added", created}, {"labels-removed", 0},
                                    {"properties-set", created}}}});
    };
}

TEST(BatchRunner, ExplicitRetriesConflictsAndCountsThem) {
    fixture f;
    fail_then_succeed(f.server, {conflict, conflict, other_transient}, 3);
    auto driver = f.make_driver();
    batch_runner runner(driver, connection_spec{}, phase(transaction_mode::explicit_), f.hooks());
    const batch_result r = runner.run(batch_of(3), 3);
    EXPECT_EQ(r.outcome, batch_outcome::committed);
    EXPECT_EQ(r.rows, 3u);
    EXPECT_EQ(r.attempts, 4u);
    EXPECT_EQ(r.conflicts, 2u);
    EXPECT_EQ(r.other_transient, 1u);
    // Waits 0.2, 0.4, 0.8 s (factor 2, no jitter): slept by the injected sleep, counted in ms.
    ASSERT_EQ(f.sleeps.size(), 3u);
    EXPECT_EQ(r.backoff_wait_ms, 1400u);
    EXPECT_EQ(r.counters, (std::map<std::string, std::int64_t>{
                              {"labels_added", 3}, {"nodes_created", 3}, {"properties_set", 3}}));
    EXPECT_TRUE(r.error.empty());
    // One pipelined write per attempt: BEGIN, RUN, PULL, COMMIT each time.
    EXPECT_EQ(f.log->count(bolt::message_tag::begin), 4u);
}

TEST(BatchRunner, ExplicitGivesUpAfterMaxRetries) {
    fixture f;
    fail_then_succeed(f.server, std::vector<map>(10, conflict), 1);
    auto driver = f.make_driver();
    batch_runner runner(driver, connection_spec{}, phase(transaction_mode::explicit_, 2), f.hooks());
    const batch_result r = runner.run(batch_of(1), 1);
    EXPECT_EQ(r.outcome, batch_outcome::failed);
    EXPECT_EQ(r.attempts, 3u);
    EXPECT_EQ(r.conflicts, 3u);
    EXPECT_EQ(r.error_code, "Memgraph.TransientError.MemgraphError.MemgraphError");
    EXPECT_NE(r.error.find("Cannot resolve conflicting transactions"), std::string::npos);
    EXPECT_TRUE(r.counters.empty());
}

TEST(BatchRunner, ClientErrorsAreNotRetried) {
    fixture f;
    fail_then_succeed(f.server, {syntax_error}, 1);
    auto driver = f.make_driver();
    batch_runner runner(driver, connection_spec{}, phase(transaction_mode::explicit_), f.hooks());
    const batch_result r = runner.run(batch_of(1), 1);
    EXPECT_EQ(r.outcome, batch_outcome::failed);
    EXPECT_EQ(r.attempts, 1u);
    EXPECT_EQ(r.conflicts, 0u);
    EXPECT_EQ(r.error_code, "Memgraph.ClientError.MemgraphError.MemgraphError");
    EXPECT_TRUE(f.sleeps.empty());
    // The session recovered: the next batch commits.
    const batch_result next = runner.run(batch_of(1), 1);
    EXPECT_EQ(next.outcome, batch_outcome::committed);
}

TEST(BatchRunner, ImplicitIsNeverRetried) {
    fixture f;
    fail_then_succeed(f.server, {conflict}, 1);
    auto driver = f.make_driver();
    batch_runner runner(driver, connection_spec{}, phase(transaction_mode::implicit), f.hooks());
    const batch_result r = runner.run(batch_of(1), 1);
    EXPECT_EQ(r.outcome, batch_outcome::failed);
    EXPECT_EQ(r.attempts, 1u);
    EXPECT_EQ(r.conflicts, 1u);
    EXPECT_EQ(f.log->count(bolt::message_tag::begin), 0u);
    EXPECT_EQ(runner.run(batch_of(1), 1).outcome, batch_outcome::committed);
}

TEST(BatchRunner, ManagedRetriesThroughTheSessionPolicy) {
    fixture f;
    fail_then_succeed(f.server, {conflict}, 2);
    auto driver = f.make_driver();
    auto p = phase(transaction_mode::managed);
    p.retry.settings["initial_wait_time"] = 0.0001;  // managed mode sleeps for real
    batch_runner runner(driver, connection_spec{}, p, f.hooks());
    const batch_result r = runner.run(batch_of(2), 2);
    EXPECT_EQ(r.outcome, batch_outcome::committed);
    EXPECT_EQ(r.attempts, 2u);
    EXPECT_EQ(r.conflicts, 1u);
    EXPECT_EQ(r.counters.at("nodes_created"), 2);
}

TEST(BatchRunner, ConnectionLostAfterCommitIsAnUnknownOutcome) {
    // Learn how many I/O calls a clean batch takes, then fail the last one: the read of the
    // pipelined answers, after COMMIT went out.
    int total = 0;
    {
        fixture f;
        fail_then_succeed(f.server, {}, 1);
        auto driver = f.make_driver();
        batch_runner runner(driver, connection_spec{}, phase(transaction_mode::explicit_), f.hooks());
        ASSERT_EQ(runner.run(batch_of(1), 1).outcome, batch_outcome::committed);
        total = f.log->io_calls;
    }
    fixture f;
    fail_then_succeed(f.server, {}, 1);
    f.fail_at_io = total - 1;
    auto driver = f.make_driver();
    batch_runner runner(driver, connection_spec{}, phase(transaction_mode::explicit_), f.hooks());
    const batch_result r = runner.run(batch_of(1), 1);
    EXPECT_EQ(r.outcome, batch_outcome::unknown);
    EXPECT_EQ(r.attempts, 1u);
    EXPECT_FALSE(r.error.empty());
}

TEST(BatchRunner, AnIdempotentPhaseRunsABatchWithAnUnknownOutcomeAgain) {
    // As above, the connection dies after COMMIT went out; on an idempotent phase (MERGE) the
    // batch is simply run again, on a new connection, and ends committed.
    int total = 0;
    {
        fixture f;
        fail_then_succeed(f.server, {}, 1);
        auto driver = f.make_driver();
        batch_runner runner(driver, connection_spec{}, phase(transaction_mode::explicit_), f.hooks());
        runner.run(batch_of(1), 1);
        total = f.log->io_calls;
    }
    fixture f;
    fail_then_succeed(f.server, {}, 1);
    f.fail_at_io = total - 1;
    auto driver = f.make_driver();
    phase_work p = phase(transaction_mode::explicit_);
    p.idempotent = true;
    batch_runner runner(driver, connection_spec{}, p, f.hooks());
    const batch_result r = runner.run(batch_of(1), 1);
    EXPECT_EQ(r.outcome, batch_outcome::committed);
    EXPECT_EQ(r.attempts, 2u);
    EXPECT_EQ(r.other_transient, 1u);
    EXPECT_EQ(r.conflicts, 0u);
}

}  // namespace
}  // namespace boltload
