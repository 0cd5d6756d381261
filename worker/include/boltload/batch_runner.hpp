// Runs one batch of rows as one transaction on the worker's Bolt session, retrying by the
// phase's policy, and reports how it ended: the protocol's batch_result without the fields only
// the caller knows (chunk id, batch index, dead-letter rows, first line).
#pragma once

#include <memory>
#include <string>

#include "bolt/driver.hpp"
#include "bolt/retry.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

class batch_runner {
public:
    /// Opens the session the runner uses for every batch. `hooks` replace the real clock, sleep
    /// and random source of explicit-mode retries (tests); their observer is called too.
    batch_runner(bolt::driver& driver, const connection_spec& connection, const phase_work& phase,
                 bolt::retry_hooks hooks = {});
    ~batch_runner();
    batch_runner(const batch_runner&) = delete;
    batch_runner& operator=(const batch_runner&) = delete;

    /// Runs `parameters` (the phase's parameter bound to the batch's rows) through the phase's
    /// query in one transaction:
    /// - explicit: BEGIN+RUN+PULL+COMMIT pipelined (one round trip), retried by the policy;
    /// - managed: a driver-managed write transaction, retried by the policy;
    /// - implicit: one auto-commit RUN, never retried (the guide's warning).
    /// Never throws for server or connection errors: they end up in the result's outcome
    /// (committed, failed, or unknown when the connection died after COMMIT was sent).
    batch_result run(const bolt::map& parameters, std::uint64_t rows);

private:
    batch_result run_explicit(const bolt::map& parameters);
    batch_result run_managed(const bolt::map& parameters);
    batch_result run_implicit(const bolt::map& parameters);

    bolt::session session_;
    phase_work phase_;
    bolt::retry_policy policy_;
    bolt::transaction_config transaction_;
    bolt::retry_hooks hooks_;
};

/// The non-zero counters of a summary under the Python driver's names (nodes_created, ...).
std::map<std::string, std::int64_t> counters_map(const bolt::summary_counters& c);

}  // namespace boltload
