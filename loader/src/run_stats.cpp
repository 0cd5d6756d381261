// Aggregation of batch results and the report built from it.
#include "boltload/run_stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <ctime>
#include <limits>

#include <fmt/format.h>

#include "bolt/summary.hpp"
#include "boltload/config.hpp"

namespace boltload {

// ---- latency histograms -------------------------------------------------------------------------

namespace {

// Log-linear buckets: values below 2^sub_bits exactly, then 2^sub_bits sub-buckets per power of
// two. One home for the bucketing of both histograms.
std::size_t bucket_of(std::uint64_t v, int sub_bits) {
    const std::uint64_t sub = std::uint64_t{1} << sub_bits;
    if (v < sub) return static_cast<std::size_t>(v);
    const int e = std::bit_width(v) - 1;  // v in [2^e, 2^(e+1)), e >= sub_bits
    const std::uint64_t s = (v >> (e - sub_bits)) & (sub - 1);
    return static_cast<std::size_t>((static_cast<std::uint64_t>(e - sub_bits + 1)) * sub + s);
}

std::uint64_t upper_edge(std::size_t bucket, int sub_bits) {
    const std::size_t sub = std::size_t{1} << sub_bits;
    if (bucket < sub) return bucket;
    const int e = static_cast<int>(bucket / sub) + sub_bits - 1;
    const std::uint64_t s = bucket % sub;
    const unsigned __int128 edge = (static_cast<unsigned __int128>(sub + s + 1) << (e - sub_bits)) - 1;
    return edge > std::numeric_limits<std::uint64_t>::max() ? std::numeric_limits<std::uint64_t>::max()
                                                             : static_cast<std::uint64_t>(edge);
}

/// The value at quantile q of `count` values in log-linear buckets, lowest first: the upper edge of
/// the bucket holding that rank, capped at the maximum. `each_bucket(visit)` calls visit(bucket, n)
/// in bucket order until it returns false. (A visitor rather than a view: clang 14 cannot compile
/// libstdc++ 12's std::views, and the fuzz build uses clang.)
template <class EachBucket>
std::uint64_t percentile_of(EachBucket each_bucket, std::uint64_t count, std::uint64_t max, double q,
                            int sub_bits) {
    if (count == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto rank =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count))));
    std::uint64_t seen = 0;
    std::uint64_t value = max;
    each_bucket([&](std::size_t b, std::uint64_t n) {
        seen += n;
        if (seen < rank) return true;
        value = std::min(upper_edge(b, sub_bits), max);
        return false;
    });
    return value;
}

}  // namespace

void latency_histogram::add(std::uint64_t value) {
    ++counts_[bucket_of(value, sub_bits)];
    ++count_;
    max_ = std::max(max_, value);
}

void latency_histogram::add(std::uint64_t value, std::uint64_t times) {
    if (times == 0) return;
    auto& c = counts_[bucket_of(value, sub_bits)];
    c = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{c} + times, ~std::uint32_t{0}));
    count_ += times;
    max_ = std::max(max_, value);
}

std::uint64_t latency_histogram::percentile(double q) const {
    const auto each_bucket = [this](auto visit) {
        for (std::size_t b = 0; b < counts_.size(); ++b)
            if (!visit(b, counts_[b])) return;
    };
    return percentile_of(each_bucket, count_, max_, q, sub_bits);
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> latency_histogram::buckets() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::size_t b = 0; b < counts_.size(); ++b)
        if (counts_[b] != 0) out.emplace_back(std::min(upper_edge(b, sub_bits), max_), counts_[b]);
    return out;
}

latency_histogram& latency_histogram::operator+=(const latency_histogram& o) {
    for (std::size_t b = 0; b < counts_.size(); ++b) counts_[b] += o.counts_[b];
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
    return *this;
}

void coarse_latency::add(std::uint64_t value) {
    ++counts_[static_cast<std::uint16_t>(bucket_of(value, sub_bits))];
    ++count_;
    max_ = std::max(max_, value);
}

std::uint64_t coarse_latency::percentile(double q) const {
    const auto each_bucket = [this](auto visit) {
        for (const auto& [b, n] : counts_)
            if (!visit(b, n)) return;
    };
    return percentile_of(each_bucket, count_, max_, q, sub_bits);
}

coarse_latency& coarse_latency::operator+=(const coarse_latency& o) {
    for (const auto& [b, n] : o.counts_) counts_[b] += n;
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
    return *this;
}

// ---- time buckets ------------------------------------------------------------------------------

namespace {

constexpr std::array<std::string_view, timeline_outcome_count> outcome_names{
    "first_try", "retried", "failed", "unknown", "replayed"};

/// Phases last hours, not centuries: clamping keeps the casts below defined whatever the clock says.
double sane_time(double t_s) { return std::isfinite(t_s) ? std::clamp(t_s, 0.0, 1e9) : 0.0; }

std::uint64_t bucket_index(double t_s, double width_s) {
    return static_cast<std::uint64_t>(sane_time(t_s) / width_s);
}

/// Neighbouring buckets merged pairwise: the series at twice the width.
template <class T>
void merge_pairs(std::vector<T>& v) {
    std::vector<T> out((v.size() + 1) / 2);
    for (std::size_t i = 0; i < v.size(); ++i) out[i / 2] += v[i];
    v = std::move(out);
}

std::uint64_t retries_of(const batch_result& r) { return r.attempts > 0 ? r.attempts - 1 : 0; }

}  // namespace

std::string_view to_string(timeline_outcome o) { return outcome_names[static_cast<std::size_t>(o)]; }

timeline_outcome timeline_outcome_of(const batch_result& r, bool replayed) {
    switch (r.outcome) {
        case batch_outcome::failed: return timeline_outcome::failed;
        case batch_outcome::unknown: return timeline_outcome::unknown;
        case batch_outcome::committed: break;
    }
    if (replayed) return timeline_outcome::replayed;
    return r.attempts > 1 ? timeline_outcome::retried : timeline_outcome::first_try;
}

phase_timeline::bucket& phase_timeline::bucket::operator+=(const bucket& o) {
    batches += o.batches;
    rows += o.rows;
    conflicts += o.conflicts;
    other_transient += o.other_transient;
    retries += o.retries;
    latency_us += o.latency_us;
    return *this;
}

void phase_timeline::add(const batch_result& r, double at_s) {
    auto index = bucket_index(at_s, width_s_);
    while (index >= max_time_points) {
        merge_pairs(buckets_);
        width_s_ *= 2;
        index = bucket_index(at_s, width_s_);
    }
    if (buckets_.size() <= index) buckets_.resize(index + 1);
    bucket& b = buckets_[index];
    ++b.batches;
    if (r.outcome == batch_outcome::committed) b.rows += r.good_rows();
    b.conflicts += r.conflicts;
    b.other_transient += r.other_transient;
    b.retries += retries_of(r);
    b.latency_us.add(r.latency_us);
}

void worker_timeline::add(int worker, double start_s, double end_s, timeline_outcome o) {
    if (!spans_dropped_ && spans_.size() < max_spans) {
        spans_.push_back({worker, sane_time(start_s), sane_time(end_s), o});
    } else if (!spans_dropped_) {
        spans_dropped_ = true;  // too many to draw one by one: the cells tell the story
        std::vector<span>().swap(spans_);
    }
    auto index = bucket_index(end_s, width_s_);
    while (index >= max_time_points) {
        double_width();
        index = bucket_index(end_s, width_s_);
    }
    ++cells_[{worker, index}][static_cast<std::size_t>(o)];
    last_index_ = std::max(last_index_, index);
    // With more than max_cells workers in one bucket, doubling cannot help: stop at one bucket.
    while (cells_.size() > max_cells && last_index_ > 0) double_width();
}

void worker_timeline::double_width() {
    std::map<cell_key, counts> merged;
    for (const auto& [key, n] : cells_) {
        auto& into = merged[{key.first, key.second / 2}];
        for (std::size_t i = 0; i < n.size(); ++i) into[i] += n[i];
    }
    cells_ = std::move(merged);
    width_s_ *= 2;
    last_index_ /= 2;
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

/// At most `limit` bytes of `text`, cut at a character boundary (a report is UTF-8 JSON).
std::string truncated_utf8(const std::string& text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut) + "\u2026";
}

void add_message(error_group& g, const std::string& message) {
    if (message.empty() || g.messages.size() >= error_group::max_messages) return;
    std::string m = truncated_utf8(message, error_group::max_message_bytes);
    if (std::find(g.messages.begin(), g.messages.end(), m) == g.messages.end()) g.messages.push_back(std::move(m));
}

void merge_group(error_group& into, const error_group& from) {
    into.batches += from.batches;
    into.rows += from.rows;
    for (const auto& m : from.messages) add_message(into, m);
}

constexpr std::string_view other_codes = "(other codes)";

/// The group a failed or unknown batch counts in: its own code while there is room.
error_group& group_for(std::map<std::pair<std::string, std::string>, error_group>& groups,
                       std::string outcome, std::string code) {
    std::pair key{std::move(outcome), std::move(code)};
    if (!groups.contains(key)) {
        const auto named = std::count_if(groups.begin(), groups.end(),
                                         [](const auto& g) { return g.first.second != other_codes; });
        if (static_cast<std::size_t>(named) >= phase_stats::max_error_groups) key.second = other_codes;
    }
    return groups[key];
}

}  // namespace

void phase_stats::add(const batch_result& r, int worker, double at_s, bool replayed) {
    const auto second = static_cast<std::uint64_t>(sane_time(at_s));
    const std::uint64_t rows = r.good_rows();  // the batch's bad rows were never sent
    rows_bad += r.bad;
    ++batches;
    if (r.attempts == 0 && rows == 0 && r.outcome == batch_outcome::committed) return;  // all bad: nothing ran
    switch (r.outcome) {
        case batch_outcome::committed:
            rows_committed += rows;
            rows_per_worker[worker] += rows;
            bump(rows_per_second, second, rows);
            break;
        case batch_outcome::failed:
            rows_failed += rows;
            ++batches_failed;
            break;
        case batch_outcome::unknown:
            rows_unknown += rows;
            ++unknown_outcome_batches;
            break;
    }
    if (r.outcome != batch_outcome::committed) {
        error_group& g = group_for(dead_letters, std::string(to_string(r.outcome)), r.error_code);
        merge_group(g, {1, rows, {}});
        add_message(g, r.error);
    }
    conflicts += r.conflicts;
    bump(conflicts_per_second, second, r.conflicts);
    other_transient_errors += r.other_transient;
    bump(other_transient_per_second, second, r.other_transient);
    retries += retries_of(r);
    bump(retries_per_second, second, retries_of(r));
    backoff_wait_ms += r.backoff_wait_ms;
    ++attempts_histogram[r.attempts];
    latency_us.add(r.latency_us);
    for (const auto& [key, n] : r.counters) server_counters[key] += n;
    timeline.add(r, at_s);
    const double latency_s = static_cast<double>(r.latency_us) * 1e-6;
    busy_s_per_worker[worker] += latency_s;
    worker_activity.add(worker, at_s - latency_s, at_s, timeline_outcome_of(r, replayed));
}

void phase_stats::add_in_doubt(std::uint64_t rows, const std::string& why) {
    ++batches;
    rows_unknown += rows;
    ++unknown_outcome_batches;
    error_group& g = group_for(dead_letters, "unknown", "boltload.InDoubt");
    merge_group(g, {1, rows, {}});
    if (!why.empty()) add_message(g, why);
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
    for (const auto& [w, t] : o.busy_s_per_worker) busy_s_per_worker[w] += t;
    add_series(rows_per_second, o.rows_per_second);
    add_series(conflicts_per_second, o.conflicts_per_second);
    add_series(other_transient_per_second, o.other_transient_per_second);
    add_series(retries_per_second, o.retries_per_second);
    for (const auto& [key, g] : o.dead_letters) merge_group(group_for(dead_letters, key.first, key.second), g);
    return *this;
}

// ---- report ------------------------------------------------------------------------------------

namespace {

using nlohmann::json;

double ms_of(std::uint64_t us) { return static_cast<double>(us) * 1e-3; }

/// Seconds rounded to the microsecond: the report's times, short and exact enough.
double rounded_s(double s) { return std::round(s * 1e6) / 1e6; }

json latency_buckets_json(const latency_histogram& h) {
    json out = json::array();
    for (const auto& [edge, n] : h.buckets()) out.push_back({edge, n});
    return out;
}

json dead_letters_json(const std::map<std::pair<std::string, std::string>, error_group>& groups) {
    json out = json::array();
    for (const auto& [key, g] : groups)
        out.push_back({{"outcome", key.first}, {"code", key.second}, {"batches", g.batches},
                       {"rows", g.rows}, {"messages", g.messages}});
    return out;
}

json timeline_json(const phase_timeline& t) {
    json j = {{"bucket_s", t.width_s()}};
    json batches = json::array(), rows = json::array(), conflicts = json::array(),
         other = json::array(), retries = json::array(), p50 = json::array(), p99 = json::array();
    for (const auto& b : t.buckets()) {
        batches.push_back(b.batches);
        rows.push_back(b.rows);
        conflicts.push_back(b.conflicts);
        other.push_back(b.other_transient);
        retries.push_back(b.retries);
        // No batch in a bucket: no latency to show (null), not a latency of 0.
        p50.push_back(b.batches ? json(ms_of(b.latency_us.percentile(0.50))) : json());
        p99.push_back(b.batches ? json(ms_of(b.latency_us.percentile(0.99))) : json());
    }
    j["batches"] = std::move(batches);
    j["rows"] = std::move(rows);
    j["conflicts"] = std::move(conflicts);
    j["other_transient"] = std::move(other);
    j["retries"] = std::move(retries);
    j["latency_p50_ms"] = std::move(p50);
    j["latency_p99_ms"] = std::move(p99);
    return j;
}

json worker_timeline_json(const worker_timeline& t) {
    json outcomes = json::array();
    for (std::size_t i = 0; i < timeline_outcome_count; ++i) outcomes.push_back(to_string(static_cast<timeline_outcome>(i)));
    json cells = json::array();
    for (const auto& [key, n] : t.cells()) {
        json cell = {key.first, key.second};
        for (auto c : n) cell.push_back(c);
        cells.push_back(std::move(cell));
    }
    json j = {{"bucket_s", t.width_s()}, {"outcomes", std::move(outcomes)}, {"cells", std::move(cells)}};
    if (t.spans_complete()) {
        json spans = json::array();
        for (const auto& s : t.spans())
            spans.push_back({s.worker, rounded_s(s.start_s), rounded_s(s.end_s), to_string(s.outcome)});
        j["spans"] = std::move(spans);
    }
    return j;
}

}  // namespace

nlohmann::json to_json(const phase_stats& s) {
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
        {"backoff_wait_s", static_cast<double>(s.backoff_wait_ms) * 1e-3},
        {"worker_restarts", s.worker_restarts},
        {"duration_s", s.duration_s},
        {"rows_per_s", s.rows_per_s()},
        {"latency_ms",
         {{"p50", ms_of(s.latency_us.percentile(0.50))},
          {"p90", ms_of(s.latency_us.percentile(0.90))},
          {"p99", ms_of(s.latency_us.percentile(0.99))},
          {"max", ms_of(s.latency_us.max())}}},
        {"latency_histogram_us", latency_buckets_json(s.latency_us)},
        {"server_counters", s.server_counters},
        {"rows_per_second", s.rows_per_second},
        {"conflicts_per_second", s.conflicts_per_second},
        {"other_transient_per_second", s.other_transient_per_second},
        {"retries_per_second", s.retries_per_second},
        {"dead_letters", dead_letters_json(s.dead_letters)},
        {"timeline", timeline_json(s.timeline)},
        {"worker_timeline", worker_timeline_json(s.worker_activity)},
    };
    json attempts = json::object();
    for (const auto& [a, n] : s.attempts_histogram) attempts[std::to_string(a)] = n;
    j["attempts_histogram"] = attempts;
    json workers = json::object();
    for (const auto& [w, n] : s.rows_per_worker) workers[std::to_string(w)] = n;
    j["rows_per_worker"] = workers;
    json busy = json::object();
    for (const auto& [w, t] : s.busy_s_per_worker) busy[std::to_string(w)] = rounded_s(t);
    j["busy_s_per_worker"] = busy;
    return j;
}

nlohmann::json settings_of(const phase_config& phase) {
    const auto& w = phase.work;
    return {{"query", w.query},
            {"batch_size", w.batch_size},
            {"workers", phase.workers},
            {"max_in_flight", phase.max_in_flight},
            {"transaction", to_string(w.transaction)},
            {"retry",
             {{"kind", to_string(w.retry.kind)},
              {"settings", w.retry.settings},
              {"policy", to_string(retry_policy_of(phase))}}}};
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    ::gmtime_r(&secs, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

run_info describe_run(const run_config& config, const bolt::server_info& server,
                      std::chrono::system_clock::time_point started) {
    run_info info{config.file, server.agent, server.protocol_version, iso8601_utc(started), {}};
    for (const auto& p : config.phases) info.phase_settings[p.work.name] = settings_of(p);
    return info;
}

nlohmann::json make_report(const std::vector<phase_stats>& phases, const phase_stats& totals,
                           int exit_code, const run_info& info) {
    json j = to_json(totals);
    for (const char* per_phase_only : {"name", "idempotent", "timeline", "worker_timeline"}) j.erase(per_phase_only);
    j["report_version"] = report_version;
    j["exit_code"] = exit_code;
    j["unknown_outcome_note"] =
        totals.unknown_outcome_batches == 0
            ? "none"
            : "batches with an unknown outcome may or may not have committed: replaying them is "
              "safe only for idempotent queries (MERGE; phases marked idempotent), not for CREATE";
    const std::pair<const char*, const std::string*> facts[] = {{"config_file", &info.config_file},
                                                                {"server_agent", &info.server_agent},
                                                                {"bolt_version", &info.bolt_version},
                                                                {"started_at", &info.started_at}};
    for (const auto& [key, value] : facts)
        if (!value->empty()) j[key] = *value;
    json list = json::array();
    for (const auto& p : phases) {
        json pj = to_json(p);
        if (auto it = info.phase_settings.find(p.name); it != info.phase_settings.end()) pj["settings"] = it->second;
        list.push_back(std::move(pj));
    }
    j["phases"] = std::move(list);
    return j;
}

std::string summary_table(const std::vector<phase_stats>& phases, const phase_stats& totals) {
    std::string out = fmt::format("{:<16} {:>12} {:>8} {:>8} {:>9} {:>10} {:>8} {:>8} {:>10} {:>10} {:>9}\n",
                                  "phase", "rows", "failed", "bad", "batches", "conflicts", "other",
                                  "retries", "backoff s", "rows/s", "p99 ms");
    const auto line = [&out](const phase_stats& s, const std::string& name) {
        out += fmt::format("{:<16} {:>12} {:>8} {:>8} {:>9} {:>10} {:>8} {:>8} {:>10.1f} {:>10.0f} {:>9.1f}\n",
                           name, s.rows_committed, s.rows_failed + s.rows_unknown, s.rows_bad, s.batches,
                           s.conflicts, s.other_transient_errors, s.retries,
                           static_cast<double>(s.backoff_wait_ms) / 1000.0, s.rows_per_s(),
                           static_cast<double>(s.latency_us.percentile(0.99)) / 1000.0);
    };
    for (const auto& p : phases) line(p, p.name);
    if (phases.size() > 1) line(totals, "total");
    return out;
}

}  // namespace boltload
