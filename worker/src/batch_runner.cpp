// One batch, one transaction: the retry loop around the client's pipelined transaction, and the
// bookkeeping the coordinator reports (attempts, conflicts, other transient errors, backoff).
#include "boltload/batch_runner.hpp"

#include <chrono>
#include <exception>

namespace boltload {
namespace {

using clock_type = std::chrono::steady_clock;

std::uint64_t microseconds_since(clock_type::time_point start) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start).count());
}

/// Counts what every failed attempt was; the last error becomes the batch's error.
struct attempt_tally {
    batch_result& out;

    void operator()(const bolt::attempt_record& a) {
        out.attempts = static_cast<std::uint32_t>(a.attempt);
        if (!a.error) return;
        if (a.conflict)
            ++out.conflicts;
        else if (a.retryable)
            ++out.other_transient;
        if (a.verdict == bolt::attempt_verdict::retrying)
            out.backoff_wait_ms += static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::milliseconds>(a.wait).count());
    }
};

void record_failure(batch_result& out, const bolt::error& e) {
    out.outcome = dynamic_cast<const bolt::incomplete_commit*>(&e) ? batch_outcome::unknown
                                                                   : batch_outcome::failed;
    out.error_code = e.code();
    out.error = e.what();
}

bolt::session_config session_config_for(const connection_spec& c, const bolt::retry_policy& p) {
    bolt::session_config s;
    if (!c.database.empty()) s.database = c.database;
    s.fetch_size = c.fetch_size;
    s.retry = p;
    return s;
}

bolt::transaction_config transaction_config_for(const connection_spec& c) {
    bolt::transaction_config t;
    if (c.transaction_timeout) t.timeout = *c.transaction_timeout;
    return t;
}

}  // namespace

std::map<std::string, std::int64_t> counters_map(const bolt::summary_counters& c) {
    std::map<std::string, std::int64_t> m;
    const auto put = [&m](const char* name, std::int64_t v) {
        if (v != 0) m.emplace(name, v);
    };
    put("nodes_created", c.nodes_created);
    put("nodes_deleted", c.nodes_deleted);
    put("relationships_created", c.relationships_created);
    put("relationships_deleted", c.relationships_deleted);
    put("properties_set", c.properties_set);
    put("labels_added", c.labels_added);
    put("labels_removed", c.labels_removed);
    put("indexes_added", c.indexes_added);
    put("indexes_removed", c.indexes_removed);
    put("constraints_added", c.constraints_added);
    put("constraints_removed", c.constraints_removed);
    return m;
}

batch_runner::batch_runner(bolt::driver& driver, const connection_spec& connection,
                           const phase_work& phase, bolt::retry_hooks hooks)
    : session_(driver.session(session_config_for(connection, to_retry_policy(phase.retry)))),
      phase_(phase),
      policy_(to_retry_policy(phase.retry)),
      transaction_(transaction_config_for(connection)),
      hooks_(std::move(hooks)) {}

batch_runner::~batch_runner() = default;

batch_result batch_runner::run(const bolt::map& parameters, std::uint64_t rows) {
    const auto start = clock_type::now();
    batch_result out;
    switch (phase_.transaction) {
        case transaction_mode::explicit_: out = run_explicit(parameters); break;
        case transaction_mode::managed: out = run_managed(parameters); break;
        case transaction_mode::implicit: out = run_implicit(parameters); break;
    }
    out.rows = rows;
    out.latency_us = microseconds_since(start);
    return out;
}

batch_result batch_runner::run_explicit(const bolt::map& parameters) {
    batch_result out;
    bolt::retry_hooks hooks = hooks_;
    hooks.observer = [&out, user = hooks_.observer](const bolt::attempt_record& a) {
        attempt_tally{out}(a);
        if (user) user(a);
    };
    try {
        auto done = bolt::run_with_retry(policy_, [&] {
            try {
                return session_.run_in_transaction(phase_.query, parameters, bolt::access_mode::write,
                                                   transaction_);
            } catch (const bolt::incomplete_commit& e) {
                // The commit's outcome is unknown. Running an idempotent batch again is harmless,
                // so it is retried like a connection lost before COMMIT; otherwise it is final.
                if (!phase_.idempotent) throw;
                throw bolt::service_unavailable(std::string(e.what()) + " (idempotent phase: run again)");
            }
        }, hooks);
        out.counters = counters_map(done.summary.counters);
    } catch (const bolt::error& e) {
        record_failure(out, e);
    }
    return out;
}

batch_result batch_runner::run_managed(const bolt::map& parameters) {
    batch_result out;
    session_.set_retry_observer([&out, user = hooks_.observer](const bolt::attempt_record& a) {
        attempt_tally{out}(a);
        if (user) user(a);
    });
    try {
        auto summary = session_.execute_write([&](bolt::managed_transaction& tx) {
            return tx.run(phase_.query, parameters).consume();
        }, transaction_);
        out.counters = counters_map(summary.counters);
    } catch (const bolt::error& e) {
        record_failure(out, e);
    }
    session_.set_retry_observer({});
    return out;
}

batch_result batch_runner::run_implicit(const bolt::map& parameters) {
    batch_result out;
    try {
        auto summary = session_.run(phase_.query, parameters, transaction_).consume();
        out.counters = counters_map(summary.counters);
    } catch (const bolt::error& e) {
        const bolt::attempt_outcome o = bolt::attempt_outcome::from(e);
        if (o.conflict)
            out.conflicts = 1;
        else if (o.retryable)
            out.other_transient = 1;
        record_failure(out, e);
    }
    return out;
}

}  // namespace boltload
