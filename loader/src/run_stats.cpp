// Aggregation of batch results and the report built from it.
#include "boltload/run_stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace boltload {

// ---- latency_histogram -------------------------------------------------------------------------

std::size_t latency_histogram::bucket_of(std::uint64_t v) {
    constexpr std::uint64_t sub = 1u << sub_bits;
    if (v < sub) return static_cast<std::size_t>(v);
    const int e = std::bit_width(v) - 1;  // v in [2^e, 2^(e+1)), e >= sub_bits
    const std::uint64_t s = (v >> (e - sub_bits)) & (sub - 1);
    return static_cast<std::size_t>((e - sub_bits + 1) * sub + s);
}

std::uint64_t latency_histogram::upper_edge(std::size_t bucket) {
    constexpr std::size_t sub = 1u << sub_bits;
    if (bucket < sub) return bucket;
    const int e = static_cast<int>(bucket / sub) + sub_bits - 1;
    const std::uint64_t s = bucket % sub;
    const unsigned __int128 edge = (static_cast<unsigned __int128>(sub + s + 1) << (e - sub_bits)) - 1;
    return edge > std::numeric_limits<std::uint64_t>::max() ? std::numeric_limits<std::uint64_t>::max()
                                                             : static_cast<std::uint64_t>(edge);
}

void latency_histogram::add(std::uint64_t value) {
    ++counts_[bucket_of(value)];
    ++count_;
    max_ = std::max(max_, value);
}

std::uint64_t latency_histogram::percentile(double q) const {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < counts_.size(); ++b) {
        seen += counts_[b];
        if (seen >= rank) return std::min(upper_edge(b), max_);
    }
    return max_;
}

latency_histogram& latency_histogram::operator+=(const latency_histogram& o) {
    for (std::size_t b = 0; b < counts_.size(); ++b) counts_[b] += o.counts_[b];
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
    return *this;
}

// ---- phase_stats -------------------------------------------------------------------------------

namespace {

void bump(std::vector<std::uint64_t>& series, std::uint64_t second, std::uint64_t n) {
    if (n == 0) return;
    if (series.size() <= second) series.resize(second + 1, 0);
    series[second] += n;
}

void add_series(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
    if (into.size() < from.size()) into.resize(from.size(), 0);
    for (std::size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

}  // namespace

void phase_stats::add(const batch_result& r, int worker, double at_s) {
    const auto second = static_cast<std::uint64_t>(std::max(0.0, at_s));
    ++batches;
    switch (r.outcome) {
        case batch_outcome::committed:
            rows_committed += r.rows;
            rows_per_worker[worker] += r.rows;
            bump(rows_per_second, second, r.rows);
            break;
        case batch_outcome::failed:
            rows_failed += r.rows;
            ++batches_failed;
            break;
        case batch_outcome::unknown:
            rows_unknown += r.rows;
            ++unknown_outcome_batches;
            break;
    }
    conflicts += r.conflicts;
    bump(conflicts_per_second, second, r.conflicts);
    other_transient_errors += r.other_transient;
    retries += r.attempts > 0 ? r.attempts - 1 : 0;
    backoff_wait_ms += r.backoff_wait_ms;
    ++attempts_histogram[r.attempts];
    latency_us.add(r.latency_us);
    for (const auto& [key, n] : r.counters) server_counters[key] += n;
}

void phase_stats::add_in_doubt(std::uint64_t rows) {
    ++batches;
    rows_unknown += rows;
    ++unknown_outcome_batches;
}

phase_stats& phase_stats::operator+=(const phase_stats& o) {
    rows_committed += o.rows_committed;
    rows_failed += o.rows_failed;
    rows_unknown += o.rows_unknown;
    rows_bad += o.rows_bad;
    rows_not_attempted += o.rows_not_attempted;
    rows_input += o.rows_input;
    batches += o.batches;
    batches_replayed += o.batches_replayed;
    batches_failed += o.batches_failed;
    unknown_outcome_batches += o.unknown_outcome_batches;
    conflicts += o.conflicts;
    other_transient_errors += o.other_transient_errors;
    retries += o.retries;
    backoff_wait_ms += o.backoff_wait_ms;
    worker_restarts += o.worker_restarts;
    duration_s += o.duration_s;
    for (const auto& [a, n] : o.attempts_histogram) attempts_histogram[a] += n;
    latency_us += o.latency_us;
    for (const auto& [k, n] : o.server_counters) server_counters[k] += n;
    for (const auto& [w, n] : o.rows_per_worker) rows_per_worker[w] += n;
    add_series(rows_per_second, o.rows_per_second);
    add_series(conflicts_per_second, o.conflicts_per_second);
    return *this;
}

// ---- report ------------------------------------------------------------------------------------

nlohmann::json to_json(const phase_stats& s) {
    using nlohmann::json;
    const double ms = 1e-3;
    json j = {
        {"name", s.name},
        {"idempotent", s.idempotent},
        {"rows_committed", s.rows_committed},
        {"rows_failed", s.rows_failed},
        {"rows_unknown", s.rows_unknown},
        {"rows_bad", s.rows_bad},
        {"rows_not_attempted", s.rows_not_attempted},
        {"rows_input", s.rows_input},
        {"batches", s.batches},
        {"batches_replayed", s.batches_replayed},
        {"batches_failed", s.batches_failed},
        {"unknown_outcome_batches", s.unknown_outcome_batches},
        {"conflicts", s.conflicts},
        {"other_transient_errors", s.other_transient_errors},
        {"retries", s.retries},
        {"backoff_wait_s", static_cast<double>(s.backoff_wait_ms) * ms},
        {"worker_restarts", s.worker_restarts},
        {"duration_s", s.duration_s},
        {"rows_per_s", s.rows_per_s()},
        {"latency_ms",
         {{"p50", static_cast<double>(s.latency_us.percentile(0.50)) * ms},
          {"p90", static_cast<double>(s.latency_us.percentile(0.90)) * ms},
          {"p99", static_cast<double>(s.latency_us.percentile(0.99)) * ms},
          {"max", static_cast<double>(s.latency_us.max()) * ms}}},
        {"server_counters", s.server_counters},
        {"rows_per_second", s.rows_per_second},
        {"conflicts_per_second", s.conflicts_per_second},
    };
    json attempts = json::object();
    for (const auto& [a, n] : s.attempts_histogram) attempts[std::to_string(a)] = n;
    j["attempts_histogram"] = attempts;
    json workers = json::object();
    for (const auto& [w, n] : s.rows_per_worker) workers[std::to_string(w)] = n;
    j["rows_per_worker"] = workers;
    return j;
}

nlohmann::json make_report(const std::vector<phase_stats>& phases, const phase_stats& totals,
                           int exit_code) {
    nlohmann::json j = to_json(totals);
    j.erase("name");
    j["report_version"] = 1;
    j["exit_code"] = exit_code;
    j.erase("idempotent");
    j["unknown_outcome_note"] =
        totals.unknown_outcome_batches == 0
            ? "none"
            : "batches with an unknown outcome may or may not have committed: replaying them is "
              "safe only for idempotent queries (MERGE; phases marked idempotent), not for CREATE";
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : phases) list.push_back(to_json(p));
    j["phases"] = std::move(list);
    return j;
}

std::string summary_table(const std::vector<phase_stats>& phases, const phase_stats& totals) {
    std::string out = fmt::format("{:<16} {:>12} {:>8} {:>9} {:>10} {:>8} {:>8} {:>10} {:>9}\n",
                                  "phase", "rows", "failed", "batches", "conflicts", "other",
                                  "retries", "rows/s", "p99 ms");
    const auto line = [&out](const phase_stats& s, const std::string& name) {
        out += fmt::format("{:<16} {:>12} {:>8} {:>9} {:>10} {:>8} {:>8} {:>10.0f} {:>9.1f}\n",
                           name, s.rows_committed, s.rows_failed + s.rows_unknown, s.batches,
                           s.conflicts, s.other_transient_errors, s.retries, s.rows_per_s(),
                           static_cast<double>(s.latency_us.percentile(0.99)) / 1000.0);
    };
    for (const auto& p : phases) line(p, p.name);
    if (phases.size() > 1) line(totals, "total");
    return out;
}

}  // namespace boltload
