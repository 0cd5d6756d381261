// What a run did, aggregated from the workers' batch results: totals per phase and for the run,
// batch latency percentiles from a fixed-size histogram (memory does not grow with the input),
// attempts per batch, the server's counters summed, per worker and per second, and what the
// HTML report draws over time (bounded however long the run). Also the JSON report with the
// stable keys the README documents.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "boltload/worker_protocol.hpp"

namespace bolt {
struct server_info;
}

namespace boltload {

struct run_config;
struct phase_config;

/// The JSON report's format version; readers (`boltload report html`) accept this and older.
inline constexpr int report_version = 2;

/// Log-linear histogram of non-negative integers (microseconds): 16 sub-buckets per power of
/// two, so a percentile is within 1/16 (6 %) of the true value; 1 KiB whatever the count.
class latency_histogram {
public:
    void add(std::uint64_t value);
    /// `times` values in value's bucket at once: a report's buckets (upper edge, count) read back
    /// give the histogram its percentiles again (sweep figures, report merge). Saturates.
    void add(std::uint64_t value, std::uint64_t times);
    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    /// The value at quantile q in [0, 1] (upper edge of its bucket, capped at max); 0 when empty.
    std::uint64_t percentile(double q) const;
    /// The non-empty buckets as (upper edge, count), lowest first: what a report keeps so that
    /// reports can be merged bucket by bucket instead of by averaging percentiles.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets() const;
    latency_histogram& operator+=(const latency_histogram& o);

private:
    static constexpr int sub_bits = 4;
    static constexpr int bucket_count = 64 * (1 << sub_bits);
    std::array<std::uint32_t, bucket_count> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

/// The same bucketing at 1/8 precision, stored sparsely: one per time bucket of a phase, so a
/// bucket costs only the latency ranges its batches fell in.
class coarse_latency {
public:
    void add(std::uint64_t value);
    std::uint64_t count() const { return count_; }
    std::uint64_t percentile(double q) const;
    coarse_latency& operator+=(const coarse_latency& o);

private:
    static constexpr int sub_bits = 3;
    std::map<std::uint16_t, std::uint32_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

/// How a batch ended, as the per-worker timeline colours it. A replayed batch (run again after
/// its worker died) that committed is `replayed`; failed and unknown win over everything.
enum class timeline_outcome : std::uint8_t { first_try, retried, failed, unknown, replayed };
inline constexpr std::size_t timeline_outcome_count = 5;
/// "first_try", "retried", "failed", "unknown", "replayed" (the report's spelling).
std::string_view to_string(timeline_outcome o);
timeline_outcome timeline_outcome_of(const batch_result& r, bool replayed);

/// The width of the time buckets a phase is drawn in: it starts at 1/64 s, so a one-second phase
/// still gets a curve, and doubles whenever the phase outlasts max_time_points buckets, so memory
/// and the report stay bounded however long it runs. Powers of two keep every width exact.
inline constexpr std::size_t max_time_points = 512;
inline constexpr double first_bucket_width_s = 1.0 / 64;

/// A phase over time: counts and a coarse latency histogram per time bucket, by the time each
/// batch's result arrived.
class phase_timeline {
public:
    struct bucket {
        std::uint64_t batches = 0;
        std::uint64_t rows = 0;  ///< committed
        std::uint64_t conflicts = 0;
        std::uint64_t other_transient = 0;
        std::uint64_t retries = 0;
        coarse_latency latency_us;
        bucket& operator+=(const bucket& o);
    };
    void add(const batch_result& r, double at_s);
    double width_s() const { return width_s_; }
    const std::vector<bucket>& buckets() const { return buckets_; }

private:
    double width_s_ = first_bucket_width_s;
    std::vector<bucket> buckets_;
};

/// Which worker ran which batch when. Exact spans while a phase has at most `max_spans` batches;
/// always counts by outcome per (worker, time bucket), whose width doubles when there would be
/// more than `max_cells` of them or more than max_time_points buckets: bounded at any size.
class worker_timeline {
public:
    static constexpr std::size_t max_spans = 2000;
    static constexpr std::size_t max_cells = 8000;
    struct span {
        int worker = 0;
        double start_s = 0;
        double end_s = 0;
        timeline_outcome outcome = timeline_outcome::first_try;
    };
    using counts = std::array<std::uint64_t, timeline_outcome_count>;
    using cell_key = std::pair<int, std::uint64_t>;  ///< (worker, time bucket)

    void add(int worker, double start_s, double end_s, timeline_outcome o);
    /// Every batch's span, or nothing once the phase had more than max_spans batches.
    const std::vector<span>& spans() const { return spans_; }
    bool spans_complete() const { return !spans_dropped_; }
    double width_s() const { return width_s_; }
    const std::map<cell_key, counts>& cells() const { return cells_; }

private:
    void double_width();
    double width_s_ = first_bucket_width_s;
    std::map<cell_key, counts> cells_;
    std::uint64_t last_index_ = 0;  ///< the latest time bucket with a cell
    std::vector<span> spans_;
    bool spans_dropped_ = false;
};

/// Failed and unknown-outcome batches grouped by error code, with the first few distinct messages.
struct error_group {
    std::uint64_t batches = 0;
    std::uint64_t rows = 0;
    std::vector<std::string> messages;  ///< at most max_messages, each at most max_message_bytes
    static constexpr std::size_t max_messages = 3;
    static constexpr std::size_t max_message_bytes = 300;
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
    std::map<int, double> busy_s_per_worker;         ///< time in batches (sleeps included), by worker
    std::vector<std::uint64_t> rows_per_second;      ///< committed rows in each second of the phase
    std::vector<std::uint64_t> conflicts_per_second;
    std::vector<std::uint64_t> other_transient_per_second;
    std::vector<std::uint64_t> retries_per_second;
    /// (outcome "failed"/"unknown", error code) → the group; at most max_error_groups keys, the
    /// rest counted under the code "(other codes)".
    std::map<std::pair<std::string, std::string>, error_group> dead_letters;
    static constexpr std::size_t max_error_groups = 50;
    // Per phase only (their times are the phase's own): not summed into the run's totals.
    phase_timeline timeline;
    worker_timeline worker_activity;

    /// Adds one batch's result. `at_s` is the time since the phase started when the result
    /// arrived (the batch ran from at_s − latency to at_s); `replayed`: it is a run again of a
    /// batch whose worker died.
    void add(const batch_result& r, int worker, double at_s, bool replayed = false);
    /// A batch whose worker died after it was allowed to start: its outcome is unknown.
    /// `why` joins the dead letters' messages.
    void add_in_doubt(std::uint64_t rows, const std::string& why = {});
    double rows_per_s() const { return duration_s > 0 ? static_cast<double>(rows_committed) / duration_s : 0; }
    /// Sums another phase into this one (for the run's totals).
    phase_stats& operator+=(const phase_stats& o);
};

/// What the report says about the run besides its figures: where it came from and each phase's
/// settings (the header and settings tables of the HTML report).
struct run_info {
    std::string config_file;
    std::string server_agent;  ///< HELLO's `server`, e.g. "Neo4j/v5.11.0 compatible ... Memgraph"
    std::string bolt_version;  ///< negotiated, e.g. "5.2"
    std::string started_at;    ///< ISO-8601 UTC, e.g. "2026-11-24T10:00:00Z"
    std::map<std::string, nlohmann::json> phase_settings;  ///< phase name → settings_of(phase)
};

/// A phase's settings as the report shows them: query, batch_size, workers, max_in_flight,
/// transaction, retry ({kind, the settings given, the effective policy as text}).
nlohmann::json settings_of(const phase_config& phase);
run_info describe_run(const run_config& config, const bolt::server_info& server,
                      std::chrono::system_clock::time_point started);
/// "2026-11-24T10:00:00Z".
std::string iso8601_utc(std::chrono::system_clock::time_point t);

/// The report: run totals at the top level and the same keys per phase under "phases".
nlohmann::json to_json(const phase_stats& s);
nlohmann::json make_report(const std::vector<phase_stats>& phases, const phase_stats& totals,
                           int exit_code, const run_info& info = {});

/// The summary table printed at the end of a run.
std::string summary_table(const std::vector<phase_stats>& phases, const phase_stats& totals);

}  // namespace boltload
