// What a run did, aggregated from the workers' batch results: totals per phase and for the run,
// batch latency percentiles from a fixed-size histogram (memory does not grow with the input),
// attempts per batch, the server's counters summed, per worker and per second. Also the JSON
// report with the stable keys the README documents.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "boltload/worker_protocol.hpp"

namespace boltload {

/// Log-linear histogram of non-negative integers (microseconds): 16 sub-buckets per power of
/// two, so a percentile is within 1/16 (6 %) of the true value; 1 KiB whatever the count.
class latency_histogram {
public:
    void add(std::uint64_t value);
    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    /// The value at quantile q in [0, 1] (upper edge of its bucket, capped at max); 0 when empty.
    std::uint64_t percentile(double q) const;
    latency_histogram& operator+=(const latency_histogram& o);

private:
    static constexpr int sub_bits = 4;
    static constexpr int buckets = 64 * (1 << sub_bits);
    static std::size_t bucket_of(std::uint64_t v);
    static std::uint64_t upper_edge(std::size_t bucket);
    std::array<std::uint32_t, buckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

/// Totals of one phase (or of the whole run).
struct phase_stats {
    std::string name;
    bool idempotent = false;              ///< the phase's query may be replayed (config `idempotent`)
    std::uint64_t rows_committed = 0;
    std::uint64_t rows_failed = 0;        ///< in batches that failed permanently (dead-lettered)
    std::uint64_t rows_unknown = 0;       ///< in batches whose commit outcome is unknown
    std::uint64_t rows_bad = 0;           ///< rows that could not be read or converted (skipped)
    std::uint64_t rows_not_attempted = 0; ///< never run: the run stopped before them
    std::uint64_t rows_input = 0;         ///< the input's rows: the five buckets above sum to it
    std::uint64_t batches = 0;            ///< batches reported, whatever their outcome
    std::uint64_t batches_failed = 0;
    std::uint64_t unknown_outcome_batches = 0;
    std::uint64_t batches_replayed = 0;   ///< in doubt after a worker died, run again (idempotent)
    std::uint64_t conflicts = 0;          ///< failed attempts that were write-write conflicts
    std::uint64_t other_transient_errors = 0;
    std::uint64_t retries = 0;            ///< attempts beyond the first
    std::uint64_t backoff_wait_ms = 0;
    std::uint64_t worker_restarts = 0;
    double duration_s = 0;
    std::map<std::uint32_t, std::uint64_t> attempts_histogram;  ///< attempts → batches
    latency_histogram latency_us;
    std::map<std::string, std::int64_t> server_counters;
    std::map<int, std::uint64_t> rows_per_worker;
    std::vector<std::uint64_t> rows_per_second;      ///< committed rows in each second of the phase
    std::vector<std::uint64_t> conflicts_per_second;

    /// Adds one batch's result, reported `at_s` seconds after the phase started.
    void add(const batch_result& r, int worker, double at_s);
    /// A batch whose worker died after it was allowed to start: its outcome is unknown.
    void add_in_doubt(std::uint64_t rows);
    double rows_per_s() const { return duration_s > 0 ? static_cast<double>(rows_committed) / duration_s : 0; }
    /// Sums another phase into this one (for the run's totals).
    phase_stats& operator+=(const phase_stats& o);
};

/// The report: run totals at the top level and the same keys per phase under "phases".
nlohmann::json to_json(const phase_stats& s);
nlohmann::json make_report(const std::vector<phase_stats>& phases, const phase_stats& totals,
                           int exit_code);

/// The summary table printed at the end of a run.
std::string summary_table(const std::vector<phase_stats>& phases, const phase_stats& totals);

}  // namespace boltload
