// The HTML report page: reads a JSON report defensively (any key may be missing or odd: a saved
// report can come from an older build, a merge or a hand edit) and writes one page of HTML with
// inline SVG charts. Everything taken from the report is escaped; sizes are capped so a hostile or
// huge report still gives a page of bounded size.
#include "boltload/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "boltload/run_stats.hpp"
#include "boltload/svg_chart.hpp"
#include "boltload/sweep_plan.hpp"

namespace boltload {
namespace {

using nlohmann::json;
using svg::escape;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t max_chart_points = 200;  ///< per series: more are summed into wider buckets
constexpr std::size_t max_rects = 20000;       ///< per chart, so a huge report stays a small page
constexpr std::size_t max_table_rows = 500;

// ---- reading the report: every accessor tolerates a missing key and a wrong type --------------

const json* member(const json& j, std::string_view key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(std::string(key));
    return it == j.end() ? nullptr : &*it;
}

std::optional<double> number(const json& j, std::string_view key) {
    const json* v = member(j, key);
    if (v && v->is_number()) return v->get<double>();
    return std::nullopt;
}

/// Integers only (exit codes): a float or a huge value must not reach an integer cast.
std::optional<std::int64_t> integer(const json& j, std::string_view key) {
    const json* v = member(j, key);
    if (!v || !v->is_number_integer()) return std::nullopt;
    if (v->is_number_unsigned() &&
        v->get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max())
        return std::nullopt;
    return v->get<std::int64_t>();
}

double number_or_nan(const json& v) {
    return v.is_number() ? v.get<double>() : nan;
}

/// Scalars as text ("12", "true", the string itself); anything else as a short summary.
std::string scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    if (v.is_number()) return svg::short_number(v.get<double>());
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_null()) return "null";
    // Never dumped: a deeply nested value must not cost a deep recursion.
    return fmt::format("{}{} items{}", v.is_array() ? "[" : "{", v.size(),
                       v.is_array() ? "]" : "}");
}

std::string text(const json& j, std::string_view key) {
    const json* v = member(j, key);
    return v ? scalar_text(*v) : std::string();
}

const json* array_member(const json& j, std::string_view key) {
    const json* v = member(j, key);
    return v && v->is_array() ? v : nullptr;
}

// ---- formatting --------------------------------------------------------------------------------

/// "1,234,567" for whole numbers, two decimals otherwise.
std::string thousands(double v) {
    if (!std::isfinite(v)) return "-";
    if (v != std::floor(v) || std::abs(v) >= 1e15) return fmt::format("{:.2f}", v);
    std::string digits = fmt::format("{:.0f}", std::abs(v));
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<std::size_t>(i), ",");
    return v < 0 ? "-" + digits : digits;
}

std::string seconds_text(double s) {
    if (!std::isfinite(s)) return "-";
    if (s < 120 || s > 1e12) return fmt::format("{:.{}f} s", s, s < 120 ? 2 : 0);
    const auto t = static_cast<long long>(s);
    if (t < 7200) return fmt::format("{} min {} s", t / 60, t % 60);
    return fmt::format("{} h {} min", t / 3600, t / 60 % 60);
}

/// Milliseconds as a reader wants them: "0.85 ms", "14.3 ms", "1.04 s".
std::string ms_text(double ms) {
    if (!std::isfinite(ms)) return "-";
    if (ms >= 1000) return seconds_text(ms / 1000);
    return fmt::format("{:.{}f} ms", ms, ms < 10 ? 2 : 1);
}

std::string exit_meaning(std::int64_t code) {
    switch (code) {
        case 0:
            return "every row committed or skipped as bad within the tolerance";
        case 1:
            return "batches failed or have an unknown outcome, too many bad rows, or a verify check failed";
        case 2:
            return "usage, config or input error";
        case 3:
            return "could not connect or authenticate";
        case 130:
            return "interrupted";
        default:
            return "";
    }
}

std::string table_row(const std::vector<std::string>& cells, bool header = false) {
    std::string row = "<tr>";
    for (const auto& c : cells) row += header ? "<th>" + c + "</th>" : "<td>" + c + "</td>";
    return row + "</tr>\n";
}

std::string empty_note(std::string_view what) {
    return "<p class=\"empty\">" + escape(what) + "</p>\n";
}

// ---- cards and facts ---------------------------------------------------------------------------

struct card_spec {
    std::string_view key;
    std::string_view label;
    enum kind { count, time, rate, bad_if_positive, warn_if_positive } shown;
};

/// The figures worth a card, in order; a key the report lacks gets no card (the journal's keys
/// — rows_input, rows_bad, rows_not_attempted, batches_replayed — appear when a run has them).
constexpr card_spec card_specs[] = {
    {"rows_input", "rows read", card_spec::count},
    {"rows_committed", "rows committed", card_spec::count},
    {"rows_failed", "rows failed", card_spec::bad_if_positive},
    {"rows_unknown", "rows unknown", card_spec::warn_if_positive},
    {"rows_bad", "bad rows", card_spec::bad_if_positive},
    {"rows_not_attempted", "rows not attempted", card_spec::warn_if_positive},
    {"conflicts", "conflicts", card_spec::count},
    {"other_transient_errors", "other transient errors", card_spec::count},
    {"retries", "retries", card_spec::count},
    {"backoff_wait_s", "backoff time", card_spec::time},
    {"batches_replayed", "batches replayed", card_spec::warn_if_positive},
    {"duration_s", "duration", card_spec::time},
    {"rows_per_s", "rows/s", card_spec::rate},
};

std::string cards(const json& stats) {
    std::string out = "<div class=\"cards\">\n";
    for (const auto& spec : card_specs) {
        const auto v = number(stats, spec.key);
        if (!v) continue;
        std::string cls = "card";
        if (spec.shown == card_spec::bad_if_positive && *v > 0) cls += " bad";
        if (spec.shown == card_spec::warn_if_positive && *v > 0) cls += " warn";
        const std::string value = spec.shown == card_spec::time   ? seconds_text(*v)
                                  : spec.shown == card_spec::rate ? thousands(std::round(*v))
                                                                  : thousands(*v);
        out += fmt::format(
            "<div class=\"{}\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>\n", cls,
            escape(value), escape(spec.label));
    }
    if (const json* latency = member(stats, "latency_ms"))
        if (const auto p99 = number(*latency, "p99"))
            out += fmt::format(
                "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">batch latency "
                "p99</div></div>\n",
                escape(ms_text(*p99)));
    return out + "</div>\n";
}

/// <dl> of (label, text) pairs, skipping empty texts.
std::string facts(const std::vector<std::pair<std::string, std::string>>& items) {
    std::string out = "<dl class=\"facts\">\n";
    for (const auto& [label, value] : items)
        if (!value.empty()) out += "<dt>" + escape(label) + "</dt><dd>" + escape(value) + "</dd>\n";
    return out + "</dl>\n";
}

/// Every scalar member of an object as (key, text); nested values summarised.
std::vector<std::pair<std::string, std::string>> scalar_members(const json& j) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!j.is_object()) return out;
    for (const auto& [k, v] : j.items()) out.emplace_back(k, scalar_text(v));
    return out;
}

// ---- series over time --------------------------------------------------------------------------

/// Counts per time bucket of `width_s` seconds from the phase's start.
struct series {
    double width_s = 1;
    std::vector<double> values;
};

/// Consecutive buckets summed so there are at most max_chart_points.
series binned(series s) {
    if (s.values.size() <= max_chart_points) return s;
    const std::size_t k = (s.values.size() + max_chart_points - 1) / max_chart_points;
    series out{s.width_s * static_cast<double>(k),
               std::vector<double>((s.values.size() + k - 1) / k, 0.0)};
    for (std::size_t i = 0; i < s.values.size(); ++i)
        if (std::isfinite(s.values[i])) out.values[i / k] += s.values[i];
    return out;
}

std::vector<double> numbers(const json* array) {
    std::vector<double> out;
    if (!array) return out;
    const std::size_t n = std::min<std::size_t>(array->size(), 1u << 20);
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(number_or_nan((*array)[i]));
    return out;
}

/// A count over time: the `timeline` (report v2, fine buckets) when present, else the per-second
/// series (`rows_per_second`, report v1). Empty when neither is there.
series over_time(const json& phase, std::string_view timeline_key,
                 std::string_view per_second_key) {
    const json* timeline = member(phase, "timeline");
    const auto width = timeline ? number(*timeline, "bucket_s") : std::nullopt;
    if (timeline && width && *width > 0 && array_member(*timeline, timeline_key))
        return binned({*width, numbers(array_member(*timeline, timeline_key))});
    return binned({1.0, numbers(array_member(phase, per_second_key))});
}

std::vector<double> per_second(const series& s) {
    std::vector<double> out = s.values;
    for (double& v : out) v /= s.width_s;
    return out;
}

double max_of(const std::vector<double>& v, double floor_value = 0) {
    double m = floor_value;
    for (double x : v)
        if (std::isfinite(x)) m = std::max(m, x);
    return m;
}

/// Where a phase's time axis ends: its duration, or the last thing drawn if that is later.
double phase_end_s(const json& phase) {
    double end = number(phase, "duration_s").value_or(0);
    if (const json* t = member(phase, "timeline")) {
        const auto w = number(*t, "bucket_s");
        if (const json* rows = array_member(*t, "rows"); w && rows && *w > 0)
            end = std::max(end, *w * static_cast<double>(rows->size()));
    }
    return std::isfinite(end) && end > 0 ? std::min(end, 1e9) : 1.0;
}

svg::axis time_axis(double end_s) {
    return svg::axis::linear(0, end_s, "seconds since the phase started");
}

std::string figure(std::string_view caption, const svg::chart& chart, std::string_view note = {}) {
    std::string out = "<figure><figcaption>" + escape(caption) + "</figcaption>\n" + chart.str();
    if (!note.empty()) out += "<p class=\"note\">" + escape(note) + "</p>";
    return out + "</figure>\n";
}

std::string missing_figure(std::string_view caption, std::string_view why) {
    return "<figure class=\"missing\"><figcaption>" + escape(caption) + "</figcaption>" +
           empty_note(why) + "</figure>\n";
}

// ---- phase charts ------------------------------------------------------------------------------

std::string rows_chart(const json& phase) {
    constexpr std::string_view caption = "Rows committed per second";
    const series rows = over_time(phase, "rows", "rows_per_second");
    if (rows.values.empty()) return missing_figure(caption, "no rows over time in this report");
    const auto rate = per_second(rows);
    svg::chart c(std::string(caption), time_axis(phase_end_s(phase)),
                 svg::axis::linear(0, max_of(rate), "rows/s"));
    c.steps(rate, 0, rows.width_s, "c-rows", true);
    return figure(caption, c, fmt::format("buckets of {} s", svg::short_number(rows.width_s)));
}

std::string errors_chart(const json& phase) {
    constexpr std::string_view caption = "Conflicts, other transient errors and retries per second";
    const std::array<std::tuple<series, std::string_view, std::string_view>, 3> lines{{
        {over_time(phase, "conflicts", "conflicts_per_second"), "c-conflicts", "conflicts"},
        {over_time(phase, "other_transient", "other_transient_per_second"), "c-other",
         "other transient errors"},
        {over_time(phase, "retries", "retries_per_second"), "c-retries wide", "retries"},
    }};
    double top = 0;
    bool any = false;
    for (const auto& [s, cls, label] : lines) {
        top = std::max(top, max_of(per_second(s)));
        any = any || !s.values.empty();
    }
    if (!any) return missing_figure(caption, "no error counts over time in this report");
    svg::chart c(std::string(caption), time_axis(phase_end_s(phase)),
                 svg::axis::linear(0, top, "per second"));
    std::vector<std::pair<std::string, std::string>> keys;
    // Retries first, wide and pale, conflicts last: when every retry follows a conflict the two
    // lines coincide, and both must stay visible.
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        const auto& [s, cls, label] = *it;
        if (s.values.empty()) continue;
        c.steps(per_second(s), 0, s.width_s, cls);
        keys.emplace(keys.begin(), cls, label);
    }
    c.legend(keys);
    return figure(caption, c);
}

std::string latency_over_time_chart(const json& phase) {
    constexpr std::string_view caption = "Batch latency over time (p50, p99)";
    const json* t = member(phase, "timeline");
    const auto width = t ? number(*t, "bucket_s") : std::nullopt;
    const auto p50 = numbers(t ? array_member(*t, "latency_p50_ms") : nullptr);
    const auto p99 = numbers(t ? array_member(*t, "latency_p99_ms") : nullptr);
    if (!width || *width <= 0 || (p50.empty() && p99.empty()))
        return missing_figure(caption, "no latency over time in this report (report version 1)");
    svg::chart c(std::string(caption), time_axis(phase_end_s(phase)),
                 svg::axis::linear(0, std::max(max_of(p50), max_of(p99)), "ms"));
    const auto points = [&](const std::vector<double>& v) {
        std::vector<std::pair<double, double>> out;
        for (std::size_t i = 0; i < v.size() && i < max_chart_points * 4; ++i)
            out.emplace_back((static_cast<double>(i) + 0.5) * *width, v[i]);
        return out;
    };
    const std::tuple<const std::vector<double>*, std::string_view, std::string_view> series[] = {
        {&p99, "c-p99", "p99"}, {&p50, "c-p50", "p50"}};
    for (const auto& [values, cls, name] : series) {
        const auto pts = points(*values);
        c.line(pts, cls);
        // A short phase has a few batches per bucket: points read better than short segments.
        const auto shown = std::count_if(pts.begin(), pts.end(),
                                         [](const auto& p) { return std::isfinite(p.second); });
        if (shown > 200) continue;
        for (const auto& [x, y] : pts)
            if (std::isfinite(y))
                c.dot(x, y, cls, fmt::format("{} {} at {:.2f} s", name, ms_text(y), x), 2.2);
    }
    c.legend({{"c-p50", "p50"}, {"c-p99", "p99"}});
    return figure(caption, c, "each point: the batches whose result arrived in that bucket");
}

/// x position of percentile q on an HdrHistogram-style axis: log10(1 / (1 − q)).
double percentile_x(double q, double x_max) {
    return q >= 1 ? x_max : std::min(x_max, -std::log10(1 - q));
}

svg::axis percentile_axis(double x_max) {
    std::vector<svg::axis::tick> ticks{{0, "0%"}};
    for (int d = 1; d <= static_cast<int>(x_max); ++d) {
        std::string label = "99.999999";
        label = d == 1 ? "90" : label.substr(0, static_cast<std::size_t>(d == 2 ? 2 : d + 1));
        ticks.push_back({static_cast<double>(d), label + "%"});
    }
    return svg::axis::custom(0, x_max, std::move(ticks),
                             "percentile (log scale: each step is ten times rarer)");
}

std::string latency_distribution_chart(const json& phase) {
    constexpr std::string_view caption = "Batch latency by percentile";
    std::vector<std::pair<double, double>> buckets;  // (upper edge ms, count)
    double total = 0;
    if (const json* h = array_member(phase, "latency_histogram_us")) {
        for (const auto& b : *h) {
            if (!b.is_array() || b.size() < 2 || !b[0].is_number() || !b[1].is_number()) continue;
            const double n = b[1].get<double>();
            if (n <= 0) continue;
            buckets.emplace_back(b[0].get<double>() / 1000, n);
            total += n;
        }
    }
    std::sort(buckets.begin(), buckets.end());
    if (buckets.empty() || total <= 0) {
        if (number(phase, "batches").value_or(0) == 0) return missing_figure(caption, "no batches");
        return missing_figure(caption, "no latency histogram in this report (report version 1)");
    }
    const double x_max = std::clamp(std::ceil(std::log10(total)), 2.0, 7.0);
    std::vector<std::pair<double, double>> points;
    double seen = 0;
    for (const auto& [edge, n] : buckets) {
        points.emplace_back(percentile_x(seen / total, x_max), edge);
        seen += n;
        points.emplace_back(percentile_x(seen / total, x_max), edge);
    }
    svg::chart c(std::string(caption), percentile_axis(x_max),
                 svg::axis::linear(0, buckets.back().first, "ms"));
    c.line(points, "c-lat");
    c.dot(x_max, buckets.back().first, "c-lat",
          fmt::format("max {} ms", svg::short_number(buckets.back().first)));
    return figure(caption, c,
                  fmt::format("{} batches; the value at each percentile is at most the one shown",
                              thousands(total)));
}

std::string attempts_chart(const json& phase) {
    constexpr std::string_view caption = "Attempts per batch";
    std::vector<std::pair<double, double>> bars;  // (attempts, batches)
    if (const json* h = member(phase, "attempts_histogram"); h && h->is_object()) {
        for (const auto& [k, v] : h->items()) {
            char* end = nullptr;
            const double attempts = std::strtod(k.c_str(), &end);
            if (end == k.c_str() || *end != '\0' || !std::isfinite(attempts) || !v.is_number())
                continue;
            bars.emplace_back(attempts, v.get<double>());
            if (bars.size() >= 2000) break;
        }
    }
    if (bars.empty()) return missing_figure(caption, "no attempts histogram in this report");
    double top_a = 1, top_n = 0;
    for (const auto& [a, n] : bars) top_a = std::max(top_a, a), top_n = std::max(top_n, n);
    // At least 0..4, so a phase where every batch took one attempt gets whole-number ticks.
    svg::chart c(
        std::string(caption),
        svg::axis::linear(0, std::max(4.0, top_a + 1), "attempts (1 = committed at the first try)"),
        svg::axis::linear(0, top_n, "batches"));
    for (const auto& [a, n] : bars)
        c.box(a - 0.4, a + 0.4, 0, n, a <= 1 ? "o-first_try" : "o-retried",
              fmt::format("{} batches took {} attempts", thousands(n), thousands(a)));
    return figure(caption, c);
}

// ---- the per-worker timeline -------------------------------------------------------------------

constexpr std::array<std::string_view, timeline_outcome_count> outcome_labels{
    "first try", "retried", "failed", "unknown", "replayed"};

/// Index of an outcome name (report spelling), or nullopt.
std::optional<std::size_t> outcome_index(const std::string& name) {
    for (std::size_t i = 0; i < timeline_outcome_count; ++i)
        if (to_string(static_cast<timeline_outcome>(i)) == name) return i;
    return std::nullopt;
}

/// The colour of a cell that holds several outcomes: the one a reader must not miss.
std::size_t most_severe(const std::array<double, timeline_outcome_count>& n) {
    for (timeline_outcome o : {timeline_outcome::failed, timeline_outcome::unknown,
                               timeline_outcome::replayed, timeline_outcome::retried})
        if (n[static_cast<std::size_t>(o)] > 0) return static_cast<std::size_t>(o);
    return static_cast<std::size_t>(timeline_outcome::first_try);
}

std::string outcome_class(std::size_t i) {
    return "o-" + std::string(to_string(static_cast<timeline_outcome>(i)));
}

struct worker_marks {
    struct mark {
        int worker;
        double start_s, end_s;
        std::size_t outcome;
        std::string tip;
    };
    std::vector<mark> marks;
    std::set<int> workers;
};

worker_marks spans_of(const json& spans) {
    worker_marks out;
    for (const auto& s : spans) {
        if (out.marks.size() >= max_rects) break;
        if (!s.is_array() || s.size() < 4 || !s[0].is_number_integer() || !s[1].is_number() ||
            !s[2].is_number() || !s[3].is_string())
            continue;
        const auto o = outcome_index(s[3].get<std::string>());
        const int w = s[0].get<int>();
        const double a = s[1].get<double>(), b = s[2].get<double>();
        out.marks.push_back({w, a, b, o.value_or(0),
                             fmt::format("worker {}: {:.3f}–{:.3f} s, {}", w, a, b,
                                         outcome_labels[o.value_or(0)])});
        out.workers.insert(w);
    }
    return out;
}

worker_marks cells_of(const json& timeline) {
    worker_marks out;
    const double w = number(timeline, "bucket_s").value_or(0);
    const json* cells = array_member(timeline, "cells");
    if (w <= 0 || !cells) return out;
    std::vector<std::optional<std::size_t>> columns;  // the report's outcome columns, in its order
    if (const json* names = array_member(timeline, "outcomes"))
        for (const auto& n : *names)
            columns.push_back(n.is_string() ? outcome_index(n.get<std::string>()) : std::nullopt);
    for (const auto& c : *cells) {
        if (out.marks.size() >= max_rects) break;
        if (!c.is_array() || c.size() < 3 || !c[0].is_number_integer() || !c[1].is_number())
            continue;
        std::array<double, timeline_outcome_count> n{};
        std::string tip;
        for (std::size_t i = 2; i < c.size() && i - 2 < columns.size(); ++i) {
            if (!columns[i - 2] || !c[i].is_number() || c[i].get<double>() <= 0) continue;
            n[*columns[i - 2]] += c[i].get<double>();
            tip += fmt::format("{}{} {}", tip.empty() ? "" : ", ", thousands(c[i].get<double>()),
                               outcome_labels[*columns[i - 2]]);
        }
        const int worker = c[0].get<int>();
        const double t0 = c[1].get<double>() * w;
        out.marks.push_back(
            {worker, t0, t0 + w, most_severe(n),
             fmt::format("worker {}, {:.3f}–{:.3f} s: {}", worker, t0, t0 + w, tip)});
        out.workers.insert(worker);
    }
    return out;
}

std::string worker_timeline_chart(const json& phase) {
    constexpr std::string_view caption = "Batches per worker over time";
    const json* t = member(phase, "worker_timeline");
    if (!t) return missing_figure(caption, "no worker timeline in this report (report version 1)");
    const json* spans = array_member(*t, "spans");
    worker_marks m = spans ? spans_of(*spans) : cells_of(*t);
    if (m.marks.empty()) return missing_figure(caption, "no batches");
    const std::vector<int> ids(m.workers.begin(), m.workers.end());
    std::vector<std::string> names;
    for (int id : ids) names.push_back(fmt::format("w{}", id));
    double end = phase_end_s(phase);
    for (const auto& mk : m.marks) end = std::max(end, std::min(mk.end_s, 1e9));
    const int height = std::clamp(70 + 16 * static_cast<int>(ids.size()), 150, 640);
    svg::chart c(std::string(caption), time_axis(end), svg::axis::bands(names, "worker", true),
                 height);
    for (const auto& mk : m.marks) {
        const auto band =
            static_cast<double>(std::lower_bound(ids.begin(), ids.end(), mk.worker) - ids.begin());
        c.box(mk.start_s, mk.end_s, band + 0.15, band + 0.85, outcome_class(mk.outcome), mk.tip);
    }
    std::vector<std::pair<std::string, std::string>> keys;
    for (std::size_t i = 0; i < timeline_outcome_count; ++i)
        keys.emplace_back("key " + outcome_class(i), std::string(outcome_labels[i]));
    c.legend(keys);
    const auto width = number(*t, "bucket_s");
    return figure(
        caption, c,
        spans
            ? "each bar is one batch, from its first attempt's start to its last attempt's end"
            : fmt::format("each cell: the batches a worker finished in {} s, coloured by the most "
                          "severe outcome among them",
                          svg::short_number(width.value_or(0))));
}

// ---- Mix-and-Batch heatmap ---------------------------------------------------------------------

std::string schedule_heatmap(const json& schedule) {
    constexpr std::string_view caption = "Mix and Batch: rows per round and cell";
    const json* cells = array_member(schedule, "rows_per_round_cell");
    if (!cells) return missing_figure(caption, "no rows_per_round_cell in the schedule");
    constexpr double max_index = 4096;
    std::vector<std::array<double, 3>> entries;
    double rounds = 0, columns = 0, top = 0;
    for (const auto& e : *cells) {
        if (entries.size() >= max_rects) break;
        if (!e.is_array() || e.size() < 3 || !e[0].is_number() || !e[1].is_number() ||
            !e[2].is_number())
            continue;
        const double r = e[0].get<double>(), cell = e[1].get<double>(), rows = e[2].get<double>();
        if (r < 0 || cell < 0 || r >= max_index || cell >= max_index) continue;
        entries.push_back({std::floor(r), std::floor(cell), rows});
        rounds = std::max(rounds, std::floor(r) + 1);
        columns = std::max(columns, std::floor(cell) + 1);
        top = std::max(top, rows);
    }
    if (entries.empty()) return missing_figure(caption, "no cells");
    const auto names = [](double n, std::string_view prefix) {
        std::vector<std::string> out;
        for (int i = 0; i < static_cast<int>(n); ++i) out.push_back(fmt::format("{}{}", prefix, i));
        return out;
    };
    const int height = std::clamp(70 + 14 * static_cast<int>(rounds), 150, 640);
    svg::chart c(std::string(caption), svg::axis::bands(names(columns, ""), "cell"),
                 svg::axis::bands(names(rounds, "r"), "round", true), height);
    for (const auto& [r, cell, rows] : entries) {
        const int shade = top > 0 ? static_cast<int>(std::clamp(rows / top, 0.0, 1.0) * 7.999) : 0;
        c.box(cell + 0.04, cell + 0.96, r + 0.04, r + 0.96, fmt::format("heat h{}", shade),
              fmt::format("round {}, cell {}: {} rows", r, cell, thousands(rows)));
    }
    return figure(caption, c,
                  fmt::format("darker = more rows (at most {} in a cell)", thousands(top)));
}

std::string schedule_block(const json& schedule) {
    std::string out = facts(scalar_members(schedule));
    if (text(schedule, "kind") == "mix_and_batch")
        out += "<div class=\"charts\">" + schedule_heatmap(schedule) + "</div>\n";
    return out;
}

// ---- tables ------------------------------------------------------------------------------------

std::string dead_letters_table(const json& phase) {
    const json* groups = array_member(phase, "dead_letters");
    if (!groups) return {};
    std::string out = "<h3>Dead letters by error code</h3>\n";
    if (groups->empty())
        return out + empty_note("None: no batch failed or ended with an unknown outcome.");
    out += "<table class=\"dead\">\n" +
           table_row({"outcome", "code", "batches", "rows", "first messages"}, true);
    std::size_t shown = 0;
    for (const auto& g : *groups) {
        if (++shown > max_table_rows) break;
        std::string messages;
        if (const json* m = array_member(g, "messages"))
            for (const auto& msg : *m)
                messages += "<div class=\"msg\">" + escape(scalar_text(msg)) + "</div>";
        out +=
            table_row({escape(text(g, "outcome")), "<code>" + escape(text(g, "code")) + "</code>",
                       escape(thousands(number(g, "batches").value_or(nan))),
                       escape(thousands(number(g, "rows").value_or(nan))), messages});
    }
    return out + "</table>\n";
}

std::string key_value_table(std::string_view title,
                            const std::vector<std::pair<std::string, std::string>>& rows) {
    if (rows.empty()) return {};
    std::string out = "<h3>" + escape(title) + "</h3>\n<table class=\"kv\">\n";
    std::size_t shown = 0;
    for (const auto& [k, v] : rows) {
        if (++shown > max_table_rows) break;
        out += table_row({escape(k), escape(v)});
    }
    return out + "</table>\n";
}

std::string server_counters_table(const json& phase) {
    std::vector<std::pair<std::string, std::string>> rows;
    if (const json* c = member(phase, "server_counters"); c && c->is_object())
        for (const auto& [k, v] : c->items())
            rows.emplace_back(k, v.is_number() ? thousands(v.get<double>()) : scalar_text(v));
    return key_value_table("Server counters (summed over committed batches)", rows);
}

/// A table of a list of objects (the journal's `runs`): one column per scalar key seen.
std::string object_list_table(std::string_view title, const json& list) {
    std::vector<std::string> columns;
    for (std::size_t i = 0; i < list.size() && i < max_table_rows; ++i)
        if (list[i].is_object())
            for (const auto& [k, v] : list[i].items())
                if (columns.size() < 12 &&
                    std::find(columns.begin(), columns.end(), k) == columns.end())
                    columns.push_back(k);
    if (columns.empty()) return {};
    std::string out = "<h3>" + escape(title) + "</h3>\n<table class=\"list\">\n";
    std::vector<std::string> head;
    for (const auto& c : columns) head.push_back(escape(c));
    out += table_row(head, true);
    for (std::size_t i = 0; i < list.size() && i < max_table_rows; ++i) {
        std::vector<std::string> cells;
        for (const auto& c : columns) cells.push_back(escape(text(list[i], c)));
        out += table_row(cells);
    }
    return out + "</table>\n";
}

// ---- a phase -----------------------------------------------------------------------------------

std::string settings_block(const json& phase) {
    const json* s = member(phase, "settings");
    std::vector<std::pair<std::string, std::string>> rows;
    if (s)
        for (const auto& [k, v] : s->items())
            if (k != "query" && k != "retry") rows.emplace_back(k, scalar_text(v));
    if (const json* retry = s ? member(*s, "retry") : nullptr)
        rows.emplace_back("retry", retry->is_object()
                                       ? (text(*retry, "policy").empty() ? text(*retry, "kind")
                                                                         : text(*retry, "policy"))
                                       : scalar_text(*retry));
    if (const json* idem = member(phase, "idempotent"))
        rows.emplace_back("idempotent", scalar_text(*idem));
    if (const json* schedule = member(phase, "schedule"))
        rows.emplace_back("schedule", text(*schedule, "kind"));
    std::string out = rows.empty() ? std::string() : facts(rows);
    if (s && member(*s, "query"))
        out += "<pre class=\"query\">" + escape(text(*s, "query")) + "</pre>\n";
    return out;
}

std::string phase_section(const json& phase, std::size_t index) {
    const std::string name = text(phase, "name");
    std::string out =
        fmt::format("<section class=\"phase\" id=\"phase-{}\">\n<h2>Phase {}: {}</h2>\n", index + 1,
                    index + 1, escape(name.empty() ? "(unnamed)" : name));
    out += cards(phase) + settings_block(phase);
    if (number(phase, "batches").value_or(0) <= 0) {
        out += empty_note("No batches ran in this phase.");
    } else {
        out += "<div class=\"charts\">\n" + rows_chart(phase) + errors_chart(phase) +
               latency_over_time_chart(phase) + latency_distribution_chart(phase) +
               attempts_chart(phase) + worker_timeline_chart(phase) + "</div>\n";
    }
    if (const json* schedule = member(phase, "schedule"); schedule && schedule->is_object())
        out += "<h3>Schedule</h3>\n" + schedule_block(*schedule);
    out += dead_letters_table(phase) + server_counters_table(phase);
    return out + "</section>\n";
}

// ---- a sweep -----------------------------------------------------------------------------------

struct sweep_cell {
    std::size_t index = 0;
    const json* settings = nullptr;
    std::map<std::string, std::array<double, 3>> metrics;  ///< name → (median, min, max)
    bool failed = false;
    bool pareto = false;
    bool recommended = false;
    double metric(const std::string& name) const {
        const auto it = metrics.find(name);
        return it == metrics.end() ? nan : it->second[0];
    }
};

std::vector<sweep_cell> sweep_cells(const json& sweep) {
    std::vector<sweep_cell> cells;
    const json* list = array_member(sweep, "cells");
    if (!list) return cells;
    for (std::size_t i = 0; i < list->size() && cells.size() < max_table_rows; ++i) {
        const json& c = (*list)[i];
        if (!c.is_object()) continue;
        sweep_cell cell;
        cell.index = i;
        cell.settings = member(c, "settings");
        for (const auto& [k, v] : c.items())
            if (const auto median = number(v, "median"))
                cell.metrics[k] = {*median, number(v, "min").value_or(*median),
                                   number(v, "max").value_or(*median)};
        cell.failed = number(c, "failed_trials").value_or(0) > 0 ||
                      (member(c, "failed") && text(c, "failed") == "true");
        cells.push_back(std::move(cell));
    }
    return cells;
}

/// Cells no other successful cell beats on both makespan and attempts (medians): the sweep's own
/// definition, so the page and `boltload sweep` agree.
void mark_pareto(std::vector<sweep_cell>& cells) {
    std::vector<std::pair<double, double>> points;
    for (const auto& c : cells)
        points.emplace_back(c.failed ? nan : c.metric("makespan_s"), c.failed ? nan : c.metric("attempts_per_batch"));
    const auto front = sweep::pareto_front(points);
    for (std::size_t i = 0; i < cells.size(); ++i) cells[i].pareto = front[i];
}

/// Two settings maps with the same scalar values. Not json's operator==, which recurses: a
/// hostile report may nest deeper than the stack.
bool same_settings(const json& a, const json& b) {
    if (!a.is_object() || !b.is_object() || a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) {
        const json* w = member(b, k);
        if (!w || v.is_structured() || w->is_structured() || v != *w) return false;
    }
    return true;
}

void mark_recommended(std::vector<sweep_cell>& cells, const json& sweep) {
    const json* r = member(sweep, "recommendation");
    if (!r || !r->is_object()) return;
    const auto index = number(*r, "cell");
    const json* settings = member(*r, "settings");
    for (auto& c : cells)
        if ((index && static_cast<double>(c.index) == *index) ||
            (!index && settings && c.settings && same_settings(*settings, *c.settings)))
            c.recommended = true;
}

std::string cell_label(const sweep_cell& c) {
    std::string out = fmt::format("cell {}", c.index);
    if (c.settings && c.settings->is_object())
        for (const auto& [k, v] : c.settings->items())
            out += fmt::format(", {}={}", k, scalar_text(v));
    return out;
}

std::string point_class(const sweep_cell& c) {
    return c.recommended ? "pt best" : c.failed ? "pt failed" : "pt";
}

std::string pareto_chart(const std::vector<sweep_cell>& cells) {
    constexpr std::string_view caption = "Makespan vs attempts per batch (Pareto frontier)";
    std::vector<const sweep_cell*> drawn;
    double top_x = 0, top_y = 0;
    for (const auto& c : cells) {
        const double x = c.metric("makespan_s"), y = c.metric("attempts_per_batch");
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        drawn.push_back(&c);
        top_x = std::max(top_x, x);
        top_y = std::max(top_y, y);
    }
    if (drawn.empty())
        return missing_figure(caption, "no cell has makespan_s and attempts_per_batch");
    svg::chart c(std::string(caption), svg::axis::linear(0, top_x, "makespan (s, median)"),
                 svg::axis::linear(0, top_y, "attempts per committed batch (median)"), 300);
    std::vector<std::pair<double, double>> frontier;
    for (const auto* cell : drawn)
        if (cell->pareto)
            frontier.emplace_back(cell->metric("makespan_s"), cell->metric("attempts_per_batch"));
    std::sort(frontier.begin(), frontier.end());  // a staircase from fastest to fewest attempts
    if (frontier.size() > 1) c.line(frontier, "frontier");
    for (const auto* cell : drawn) {
        const double x = cell->metric("makespan_s"), y = cell->metric("attempts_per_batch");
        c.dot(x, y, point_class(*cell),
              fmt::format("{}: makespan {} s, {} attempts/batch{}", cell_label(*cell),
                          svg::short_number(x), svg::short_number(y),
                          cell->failed ? " (a trial failed)" : ""),
              cell->recommended ? 7 : 4);
        if (cell->recommended) c.note(x, y, "recommended");
    }
    c.legend({{"key pt", "cell"},
              {"key frontier-key", "Pareto frontier"},
              {"key best-key", "recommended"},
              {"key failed-key", "a trial failed"}});
    return figure(caption, c, "lower left is better: faster, with less work thrown away");
}

/// The varied key paths: the sweep's `parameters`, else every key of the cells' settings.
std::vector<std::string> sweep_parameters(const json& sweep, const std::vector<sweep_cell>& cells) {
    std::vector<std::string> out;
    if (const json* p = array_member(sweep, "parameters")) {
        for (const auto& v : *p)
            if (v.is_string()) out.push_back(v.get<std::string>());
    } else {
        for (const auto& c : cells)
            if (c.settings && c.settings->is_object())
                for (const auto& [k, v] : c.settings->items())
                    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    }
    if (out.size() > 6) out.resize(6);
    return out;
}

/// The charted figures: the sweep's `metrics` when it names them, else makespan and attempts and
/// the first others.
std::vector<std::string> sweep_metrics(const json& sweep, const std::vector<sweep_cell>& cells) {
    std::vector<std::string> out;
    if (const json* named = array_member(sweep, "metrics")) {
        for (const auto& m : *named)
            if (m.is_string() && out.size() < 4 &&
                std::any_of(cells.begin(), cells.end(), [&](const auto& c) { return c.metrics.contains(m.get<std::string>()); }))
                out.push_back(m.get<std::string>());
        if (!out.empty()) return out;
    }
    for (const char* first : {"makespan_s", "attempts_per_batch"})
        if (std::any_of(cells.begin(), cells.end(),
                        [&](const auto& c) { return c.metrics.contains(first); }))
            out.emplace_back(first);
    std::set<std::string> others;
    for (const auto& c : cells)
        for (const auto& [k, v] : c.metrics)
            if (k != "makespan_s" && k != "attempts_per_batch") others.insert(k);
    for (const auto& k : others)
        if (out.size() < 4) out.push_back(k);
    return out;
}

std::string parameter_value(const sweep_cell& c, const std::string& parameter) {
    const json* v = c.settings ? member(*c.settings, parameter) : nullptr;
    return v ? scalar_text(*v) : "(unset)";
}

/// The distinct values of a parameter: numeric order when they are all numbers.
std::vector<std::string> parameter_values(const std::vector<sweep_cell>& cells,
                                          const std::string& parameter) {
    std::vector<std::string> values;
    bool numeric = true;
    for (const auto& c : cells) {
        const std::string v = parameter_value(c, parameter);
        if (std::find(values.begin(), values.end(), v) != values.end()) continue;
        values.push_back(v);
        char* end = nullptr;
        std::strtod(v.c_str(), &end);
        numeric = numeric && end != v.c_str() && *end == '\0';
    }
    if (numeric)
        std::sort(values.begin(), values.end(), [](const std::string& a, const std::string& b) {
            return std::strtod(a.c_str(), nullptr) < std::strtod(b.c_str(), nullptr);
        });
    return values;
}

std::string metric_by_parameter_chart(const std::vector<sweep_cell>& cells,
                                      const std::string& parameter, const std::string& metric) {
    const std::string caption = fmt::format("{} by {}", metric, parameter);
    const auto values = parameter_values(cells, parameter);
    std::map<std::string, std::vector<const sweep_cell*>> by_value;
    double top = 0;
    for (const auto& c : cells) {
        const auto it = c.metrics.find(metric);
        if (it == c.metrics.end()) continue;
        by_value[parameter_value(c, parameter)].push_back(&c);
        top = std::max({top, max_of({it->second[0], it->second[2]})});
    }
    if (by_value.empty()) return missing_figure(caption, "no cell has this metric");
    svg::chart c(caption, svg::axis::bands(values, parameter), svg::axis::linear(0, top, metric));
    for (std::size_t band = 0; band < values.size(); ++band) {
        const auto& in_band = by_value[values[band]];
        for (std::size_t j = 0; j < in_band.size(); ++j) {
            const auto& m = in_band[j]->metrics.at(metric);
            const double x = static_cast<double>(band) +
                             static_cast<double>(j + 1) / static_cast<double>(in_band.size() + 1);
            c.whisker(x, m[1], m[2], "range");
            c.dot(
                x, m[0], point_class(*in_band[j]),
                fmt::format("{}: {} {}", cell_label(*in_band[j]), metric, svg::short_number(m[0])),
                in_band[j]->recommended ? 6 : 3.5);
        }
    }
    return figure(caption, c, "each cell's median, its range over the repeats as a line");
}

std::string sweep_table(std::vector<sweep_cell> cells, const std::vector<std::string>& parameters,
                        const std::vector<std::string>& metrics) {
    std::stable_sort(cells.begin(), cells.end(), [](const sweep_cell& a, const sweep_cell& b) {
        const double x = a.metric("makespan_s"), y = b.metric("makespan_s");
        return std::isfinite(x) && (!std::isfinite(y) || x < y);
    });
    std::vector<std::string> head{"cell"};
    for (const auto& p : parameters) head.push_back(escape(p));
    for (const auto& m : metrics) head.push_back(escape(m));
    head.insert(head.end(), {"failed", "Pareto", "recommended"});
    std::string out = "<table class=\"sweep\">\n" + table_row(head, true);
    for (const auto& c : cells) {
        std::vector<std::string> row{std::to_string(c.index)};
        for (const auto& p : parameters) row.push_back(escape(parameter_value(c, p)));
        for (const auto& m : metrics) {
            const auto it = c.metrics.find(m);
            row.push_back(it == c.metrics.end()
                              ? ""
                              : escape(fmt::format("{} ({}–{})", svg::short_number(it->second[0]),
                                                   svg::short_number(it->second[1]),
                                                   svg::short_number(it->second[2]))));
        }
        row.insert(row.end(), {c.failed ? "yes" : "", c.pareto ? "yes" : "",
                               c.recommended ? "<strong>yes</strong>" : ""});
        out += table_row(row);
    }
    return out + "</table>\n";
}

std::string sweep_section(const json& sweep) {
    auto cells = sweep_cells(sweep);
    mark_pareto(cells);
    mark_recommended(cells, sweep);
    std::string out = "<section class=\"sweep\" id=\"sweep\">\n<h2>Sweep</h2>\n";
    if (const auto rule = text(sweep, "rule"); !rule.empty())
        out += "<p class=\"rule\">" + escape(rule) + "</p>\n";
    const json* r = member(sweep, "recommendation");
    if (r && r->is_object() && member(*r, "settings")) {
        std::string yaml;
        for (const auto& [k, v] : scalar_members(*member(*r, "settings")))
            yaml += k + ": " + v + "\n";
        out += "<h3>Recommended settings</h3>\n<pre class=\"query\">" + escape(yaml) + "</pre>\n";
    } else {
        out += empty_note("No recommendation: no cell met the rule.");
    }
    if (cells.empty()) return out + empty_note("The sweep has no cells.") + "</section>\n";
    const auto parameters = sweep_parameters(sweep, cells);
    const auto metrics = sweep_metrics(sweep, cells);
    out += "<div class=\"charts\">\n" + pareto_chart(cells);
    for (const auto& p : parameters)
        for (const auto& m : metrics) out += metric_by_parameter_chart(cells, p, m);
    out += "</div>\n<h3>Cells</h3>\n" + sweep_table(cells, parameters, metrics);
    return out + "</section>\n";
}

// ---- the page ----------------------------------------------------------------------------------

constexpr std::string_view style = R"css(
:root{--ok:#2e7d32;--retry:#e69500;--fail:#c62828;--unknown:#7b1fa2;--replay:#1565c0;--ink:#1d2329;--muted:#5b6670;--rule:#d8dee4}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);margin:0;background:#f5f7f9}
header,section,nav{max-width:1560px;margin:0 auto;padding:12px 24px}
header{background:#fff;border-bottom:1px solid var(--rule);max-width:none}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:18px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--rule)}h3{font-size:15px;margin:16px 0 6px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{background:#fff;border:1px solid var(--rule);border-radius:6px;padding:6px 12px;min-width:118px}
.card .v{font-size:19px;font-weight:600;font-variant-numeric:tabular-nums}.card .k{color:var(--muted);font-size:12px}
.card.bad{border-color:var(--fail)}.card.bad .v{color:var(--fail)}.card.warn{border-color:var(--unknown)}.card.warn .v{color:var(--unknown)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}
figure{margin:0;background:#fff;border:1px solid var(--rule);border-radius:6px;padding:8px 10px}
figcaption{font-weight:600;margin-bottom:2px}
svg.chart{width:100%;height:auto;display:block}
.grid line{stroke:#e3e8ed;stroke-width:1}.frame{fill:none;stroke:#9aa5b1}
.tick,.legend,.note{font-size:11px;fill:var(--muted)}.axis-title{font-size:11px;fill:var(--ink)}
p.note{margin:2px 0 0;color:var(--muted);font-size:12px}
.c-rows{stroke:#1f77b4;fill:#1f77b4}.c-conflicts{stroke:#d62728;fill:#d62728}.c-other{stroke:#ff7f0e;fill:#ff7f0e}
.c-retries{stroke:#9467bd;fill:#9467bd}.c-p50{stroke:#1f77b4;fill:#1f77b4}.c-p99{stroke:#d62728;fill:#d62728}.c-lat{stroke:#17becf;fill:#17becf}
.line{fill:none;stroke-width:1.6}.line.wide{stroke-width:5;stroke-opacity:.45}.area{fill-opacity:.25;stroke-width:1.2}
.o-first_try{fill:var(--ok)}.o-retried{fill:var(--retry)}.o-failed{fill:var(--fail)}.o-unknown{fill:var(--unknown)}.o-replayed{fill:var(--replay)}
.h0{fill:#e3eef9}.h1{fill:#c6dbef}.h2{fill:#9ecae1}.h3{fill:#6baed6}.h4{fill:#4292c6}.h5{fill:#2171b5}.h6{fill:#08519c}.h7{fill:#08306b}
.pt{fill:#1f77b4;stroke:#fff}.pt.failed{fill:#fff;stroke:#888}.pt.best{fill:var(--ok);stroke:#111;stroke-width:2}
.frontier{stroke:#ff7f0e;stroke-dasharray:4 3}.range{stroke:#8aa;stroke-width:1.5}
.key.frontier-key{fill:#ff7f0e}.key.best-key{fill:var(--ok)}.key.failed-key{fill:#fff;stroke:#888}
table{border-collapse:collapse;background:#fff;margin:4px 0}td,th{border:1px solid var(--rule);padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef2f5}td .msg{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;overflow-wrap:anywhere;max-width:70ch}
pre.query{background:#fff;border:1px solid var(--rule);border-radius:6px;padding:8px 10px;white-space:pre-wrap;overflow-wrap:anywhere;margin:6px 0}
.warning{background:#fff4e5;border:1px solid #f0b46b;padding:8px 12px;border-radius:6px}
.empty{color:var(--muted);font-style:italic}
nav ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:14px}
@media print{body{background:#fff}.charts{grid-template-columns:1fr 1fr}figure,table{break-inside:avoid}}
)css";

/// Nothing from elsewhere may load or run: no script, no request, no frame, no form.
constexpr std::string_view content_security_policy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action "
    "'none'";

std::string schedule_kind(const json& report) {
    if (const json* s = member(report, "schedule")) return text(*s, "kind");
    std::set<std::string> kinds;
    if (const json* phases = array_member(report, "phases"))
        for (const auto& p : *phases)
            if (const json* s = member(p, "schedule")) kinds.insert(text(*s, "kind"));
    if (kinds.empty()) return "free";
    std::string out;
    for (const auto& k : kinds) out += (out.empty() ? "" : ", ") + k;
    return out;
}

std::string header(const json& report) {
    const std::string config = text(report, "config_file");
    std::string out =
        "<header>\n<h1>boltload report" + (config.empty() ? "" : ": " + escape(config)) + "</h1>\n";
    const auto code = integer(report, "exit_code");
    const std::string meaning = code ? exit_meaning(*code) : "";
    const std::string exit = !code             ? text(report, "exit_code")
                             : meaning.empty() ? std::to_string(*code)
                                               : fmt::format("{} ({})", *code, meaning);
    const auto duration = number(report, "duration_s");
    std::string server = text(report, "server_agent");
    if (const auto bolt = text(report, "bolt_version"); !bolt.empty())
        server += (server.empty() ? "" : ", ") + ("Bolt " + bolt);
    out += facts({{"config file", config},
                  {"server", server},
                  {"started", text(report, "started_at")},
                  {"duration", duration ? seconds_text(*duration) : ""},
                  {"exit code", exit},
                  {"schedule", schedule_kind(report)},
                  {"report version", text(report, "report_version")}});
    out += cards(report);
    if (const auto note = text(report, "unknown_outcome_note"); !note.empty() && note != "none")
        out += "<p class=\"warning\">" + escape(note) + "</p>\n";
    return out + "</header>\n";
}

std::string navigation(const json& report) {
    const json* phases = array_member(report, "phases");
    std::string items;
    for (std::size_t i = 0; phases && i < phases->size(); ++i)
        items += fmt::format("<li><a href=\"#phase-{}\">Phase {}: {}</a></li>", i + 1, i + 1,
                             escape(text((*phases)[i], "name")));
    if (member(report, "sweep")) items += "<li><a href=\"#sweep\">Sweep</a></li>";
    return items.empty() ? std::string() : "<nav><ul>" + items + "</ul></nav>\n";
}

/// What the run journal adds at the top: the parts of a resumed run and the journal's facts.
std::string journal_section(const json& report) {
    std::string out;
    if (const json* schedule = member(report, "schedule"); schedule && schedule->is_object())
        out += "<h2>Schedule</h2>\n" + schedule_block(*schedule);
    if (const json* runs = array_member(report, "runs"))
        out += object_list_table("Runs (parts of a resumed import)", *runs);
    if (const json* journal = member(report, "journal"); journal && journal->is_object())
        out += key_value_table("Journal", scalar_members(*journal));
    return out.empty() ? out : "<section class=\"run\">\n" + out + "</section>\n";
}

}  // namespace

std::optional<std::string> report_problem(const nlohmann::json& report) {
    if (!report.is_object()) return "not a boltload report: the JSON is not an object";
    const json* version = member(report, "report_version");
    if (!version) return "not a boltload report: no report_version";
    if (!version->is_number_integer() || version->get<std::int64_t>() < 1 ||
        version->get<std::int64_t>() > report_version)
        return fmt::format("unknown report_version {} (this boltload reads 1 to {})",
                           scalar_text(*version), report_version);
    return std::nullopt;
}

std::string render_html_report(const nlohmann::json& report) {
    if (auto problem = report_problem(report)) throw std::invalid_argument(*problem);
    const std::string config = text(report, "config_file");
    std::string page = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"boltload\">\n<title>boltload "
        "report{}</title>\n<style>{}</style>\n"
        "</head>\n<body>\n",
        content_security_policy, config.empty() ? "" : " — " + escape(config), style);
    page += header(report) + navigation(report) + journal_section(report);
    if (const json* sweep = member(report, "sweep"); sweep && sweep->is_object())
        page += sweep_section(*sweep);
    if (const json* phases = array_member(report, "phases"))
        for (std::size_t i = 0; i < phases->size(); ++i)
            if ((*phases)[i].is_object()) page += phase_section((*phases)[i], i);
    return page + "</body>\n</html>\n";
}

}  // namespace boltload
