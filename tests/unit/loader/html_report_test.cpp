// The HTML report: page structure, axis scaling, empty and one-batch phases, escaping, the size
// of a million-batch report, the CSP, reports of other shapes (version 1, journal keys, Mix and
// Batch, sweeps) and hostile input.
#include "boltload/html_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "boltload/run_stats.hpp"
#include "boltload/svg_chart.hpp"

namespace boltload {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view payload = "</script><img src=x onerror=alert(1)>";
constexpr std::string_view escaped_payload = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;";

batch_result batch(batch_outcome o, std::uint64_t rows, std::uint32_t attempts,
                   std::uint64_t latency_us) {
    batch_result r;
    r.outcome = o;
    r.rows = rows;
    r.attempts = attempts;
    r.conflicts = attempts - 1;
    r.latency_us = latency_us;
    if (o == batch_outcome::committed)
        r.counters = {{"relationships_created", static_cast<std::int64_t>(rows)}};
    return r;
}

/// A report as `import` writes it: two phases, a few batches of every outcome.
json sample_report() {
    phase_stats nodes, rels, totals;
    nodes.name = "nodes";
    rels.name = "relationships";
    for (int i = 0; i < 20; ++i)
        nodes.add(batch(batch_outcome::committed, 1000, 1, 2000 + 100 * i), i % 2, 0.01 * i);
    for (int i = 0; i < 40; ++i)
        rels.add(batch(batch_outcome::committed, 1000, 1 + i % 4, 5000 + 900 * i), i % 10,
                 0.05 * i);
    auto failed = batch(batch_outcome::failed, 1000, 101, 90'000);
    failed.error_code = "Memgraph.TransientError.MemgraphError.MemgraphError";
    failed.error = "Cannot resolve conflicting transactions.";
    rels.add(failed, 3, 2.0);
    nodes.duration_s = 0.25;
    rels.duration_s = 2.1;
    totals += nodes;
    totals += rels;
    run_info info{"configs/guide-relationships.yaml",
                  "Neo4j/v5.11.0 compatible graph database server - Memgraph (boltload embedded)",
                  "5.4",
                  "2026-11-24T10:00:00Z",
                  {}};
    info.phase_settings["relationships"] = {
        {"query", "UNWIND $batch AS r CREATE (a)-[:R]->(b)"},
        {"batch_size", 1000},
        {"workers", 10},
        {"transaction", "explicit"},
        {"retry", {{"kind", "memgraph"}, {"policy", "memgraph{max_retries: 100}"}}}};
    return make_report({nodes, rels}, totals, 1, info);
}

/// Each `<svg class="chart">…</svg>` of the page.
std::vector<std::string> charts_of(const std::string& page) {
    std::vector<std::string> out;
    for (auto at = page.find("<svg class=\"chart\""); at != std::string::npos;
         at = page.find("<svg class=\"chart\"", at + 1))
        out.push_back(page.substr(at, page.find("</svg>", at) - at));
    return out;
}

int count_of(const std::string& text, std::string_view what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
        ++n;
    return n;
}

/// The part of the page from `from` to the next phase (or the end).
std::string section_of(const std::string& page, std::string_view from) {
    const auto at = page.find(from);
    if (at == std::string::npos) return {};
    return page.substr(at, page.find("<section", at + 1) - at);
}

// ---- structure ---------------------------------------------------------------------------------

TEST(html_report_structure, header_cards_and_one_section_with_six_charts_per_phase) {
    const std::string page = render_html_report(sample_report());
    EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
    EXPECT_THAT(page, HasSubstr("<meta charset=\"utf-8\">"));
    EXPECT_THAT(page,
                HasSubstr("<title>boltload report — configs/guide-relationships.yaml</title>"));
    EXPECT_THAT(page,
                HasSubstr("<dd>Neo4j/v5.11.0 compatible graph database server - Memgraph (boltload "
                          "embedded), Bolt 5.4</dd>"));
    EXPECT_THAT(page, HasSubstr("<dd>2026-11-24T10:00:00Z</dd>"));
    EXPECT_THAT(
        page,
        HasSubstr(
            "<dd>1 (batches failed or have an unknown outcome, too many bad rows, or a verify check failed)</dd>"));
    EXPECT_THAT(page,
                HasSubstr("<dd>free</dd>"));  // no schedule in the report: the default one ran
    EXPECT_THAT(page,
                HasSubstr("<div class=\"v\">60,000</div><div class=\"k\">rows committed</div>"));
    EXPECT_THAT(
        page,
        HasSubstr(
            "<div class=\"card bad\"><div class=\"v\">1,000</div><div class=\"k\">rows failed"));
    EXPECT_THAT(page, HasSubstr("backoff time"));
    EXPECT_THAT(page, HasSubstr("<section class=\"phase\" id=\"phase-1\">"));
    EXPECT_THAT(page, HasSubstr("<section class=\"phase\" id=\"phase-2\">"));
    EXPECT_THAT(page, HasSubstr("<a href=\"#phase-2\">Phase 2: relationships</a>"));
    EXPECT_EQ(charts_of(page).size(), 12u);
    for (const auto& chart : charts_of(page))
        EXPECT_GE(count_of(chart, "class=\"mark"), 1) << chart.substr(0, 200);
    const std::string rels = section_of(page, "id=\"phase-2\"");
    for (const char* caption :
         {"Rows committed per second", "Conflicts, other transient errors and retries per second",
          "Batch latency over time (p50, p99)", "Batch latency by percentile", "Attempts per batch",
          "Batches per worker over time"})
        EXPECT_THAT(rels, HasSubstr(std::string("<figcaption>") + caption + "</figcaption>"));
    EXPECT_THAT(rels,
                HasSubstr("<pre class=\"query\">UNWIND $batch AS r CREATE (a)-[:R]-&gt;(b)</pre>"));
    EXPECT_THAT(rels, HasSubstr("<dt>retry</dt><dd>memgraph{max_retries: 100}</dd>"));
    EXPECT_THAT(rels,
                HasSubstr("<code>Memgraph.TransientError.MemgraphError.MemgraphError</code>"));
    EXPECT_THAT(rels, HasSubstr("Cannot resolve conflicting transactions."));
    EXPECT_THAT(rels, HasSubstr("<td>relationships_created</td><td>40,000</td>"));
}

TEST(html_report_structure, worker_timeline_draws_one_bar_per_batch_coloured_by_outcome) {
    const std::string rels = section_of(render_html_report(sample_report()), "id=\"phase-2\"");
    const auto charts = charts_of(rels);
    const auto timeline = std::find_if(charts.begin(), charts.end(), [](const auto& c) {
        return c.find("Batches per worker") != std::string::npos;
    });
    ASSERT_NE(timeline, charts.end());
    EXPECT_EQ(count_of(*timeline, "<rect class=\"mark o-"), 41);
    EXPECT_EQ(count_of(*timeline, "<rect class=\"mark o-failed\""), 1);
    EXPECT_EQ(count_of(*timeline, "<rect class=\"mark o-first_try\""), 10);
    EXPECT_EQ(count_of(*timeline, "<rect class=\"mark o-retried\""), 30);
    EXPECT_THAT(*timeline, HasSubstr(">w9<"));  // a band per worker
}

TEST(html_report_structure, server_counters_without_committed_batches_are_left_out) {
    json report = sample_report();
    report["phases"][0].erase("server_counters");
    const std::string nodes = section_of(render_html_report(report), "id=\"phase-1\"");
    EXPECT_THAT(nodes, Not(HasSubstr("Server counters")));
}

// ---- axis scaling ------------------------------------------------------------------------------

TEST(html_report_axes, nice_ticks_are_round_and_cover_the_range) {
    EXPECT_EQ(svg::nice_ticks(0, 937), (std::vector<double>{0, 200, 400, 600, 800, 1000}));
    EXPECT_EQ(svg::nice_ticks(0, 64000),
              (std::vector<double>{0, 10000, 20000, 30000, 40000, 50000, 60000, 70000}));
    EXPECT_EQ(svg::nice_ticks(0, 0),
              (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
    const auto small = svg::nice_ticks(0.0013, 0.0042);
    EXPECT_LE(small.front(), 0.0013);
    EXPECT_GE(small.back(), 0.0042);
    EXPECT_EQ(svg::nice_ticks(5, 5).front(), 5);  // a flat series still gets an axis
    EXPECT_EQ(svg::nice_ticks(std::nan(""), 1).size(), 6u);
    const auto a = svg::axis::linear(0, 937, "x");
    EXPECT_DOUBLE_EQ(a.hi(), 1000);
    EXPECT_DOUBLE_EQ(a.fraction(500), 0.5);
    EXPECT_DOUBLE_EQ(a.fraction(5000), 1.0);  // clamped: a mark never leaves the plot
    const auto bands = svg::axis::bands({"w0", "w1", "w2", "w3"}, "worker", true);
    EXPECT_DOUBLE_EQ(bands.fraction(0), 1.0);  // the first band on top
    EXPECT_EQ(bands.ticks().size(), 4u);
}

TEST(html_report_axes, tick_labels_are_short) {
    EXPECT_EQ(svg::short_number(0), "0");
    EXPECT_EQ(svg::short_number(0.25), "0.25");
    EXPECT_EQ(svg::short_number(12), "12");
    EXPECT_EQ(svg::short_number(1500), "1.5k");
    EXPECT_EQ(svg::short_number(70000), "70k");
    EXPECT_EQ(svg::short_number(2e6), "2M");
    EXPECT_EQ(svg::short_number(0.0005), "0.0005");
}

TEST(html_report_axes, the_rate_axis_ends_on_the_round_value_above_the_peak) {
    phase_stats s, totals;
    s.name = "p";
    s.add(batch(batch_outcome::committed, 1000, 1, 1000), 0,
          0.001);  // 1,000 rows in 1/64 s: 64,000 rows/s
    s.duration_s = 0.5;
    totals += s;
    const auto charts = charts_of(render_html_report(make_report({s}, totals, 0)));
    ASSERT_FALSE(charts.empty());
    EXPECT_THAT(charts[0], HasSubstr("text-anchor=\"end\">70k</text>"));
    EXPECT_THAT(charts[0], Not(HasSubstr(">80k<")));
    EXPECT_THAT(
        charts[0],
        HasSubstr("text-anchor=\"middle\">0.5</text>"));  // the time axis: the phase's duration
}

// ---- empty and tiny phases ---------------------------------------------------------------------

TEST(html_report_phases, an_empty_phase_says_so_and_draws_no_chart) {
    phase_stats empty, totals;
    empty.name = "nothing";
    const std::string page = render_html_report(make_report({empty}, totals, 0));
    EXPECT_THAT(page, HasSubstr("No batches ran in this phase."));
    EXPECT_TRUE(charts_of(page).empty());
    EXPECT_THAT(page, HasSubstr("None: no batch failed"));
}

TEST(html_report_phases, a_report_without_phases_still_renders) {
    const std::string page = render_html_report(json{{"report_version", 2}});
    EXPECT_THAT(page, HasSubstr("<h1>boltload report</h1>"));
    EXPECT_THAT(page, Not(HasSubstr("<section class=\"phase\"")));
}

TEST(html_report_phases, a_phase_with_one_batch_draws_every_chart) {
    phase_stats one, totals;
    one.name = "one";
    one.add(batch(batch_outcome::committed, 10, 1, 1234), 0, 0.3);
    one.duration_s = 0.3;
    totals += one;
    const std::string page = render_html_report(make_report({one}, totals, 0));
    const auto charts = charts_of(page);
    ASSERT_EQ(charts.size(), 6u);
    for (const auto& c : charts) EXPECT_GE(count_of(c, "class=\"mark"), 1) << c.substr(0, 300);
    // A line through one point would draw nothing: it is a dot.
    EXPECT_GE(count_of(charts[2], "<circle class=\"mark"), 2);
}

// ---- escaping and safety -----------------------------------------------------------------------

json hostile_report() {
    phase_stats p, totals;
    p.name = std::string(payload);
    auto failed = batch(batch_outcome::failed, 5, 1, 100);
    failed.error_code = std::string(payload);
    failed.error = std::string(payload) + " and bad bytes \xff\xfe";
    p.add(failed, 0, 0.1);
    totals += p;
    run_info info{
        std::string(payload), std::string(payload), std::string(payload), std::string(payload), {}};
    info.phase_settings[p.name] = {
        {"query", payload}, {"retry", {{"policy", payload}}}, {std::string(payload), payload}};
    json report = make_report({p}, totals, 1, info);
    report["schedule"] = {{"kind", "mix_and_batch"},
                          {std::string(payload), payload},
                          {"rows_per_round_cell", {{0, 0, 5}}}};
    report["runs"] = json::array({{{"started_at", payload}}});
    report["journal"] = {{"path", payload}};
    report["sweep"] = {
        {"rule", payload},
        {"parameters", {payload}},
        {"cells",
         {{{"settings", {{std::string(payload), payload}}}, {"makespan_s", {{"median", 1}}}}}},
        {"recommendation", {{"cell", 0}, {"settings", {{std::string(payload), payload}}}}}};
    return report;
}

TEST(html_report_escaping, report_text_renders_as_text_never_as_markup) {
    const std::string page = render_html_report(hostile_report());
    EXPECT_THAT(page, Not(HasSubstr("<img")));
    EXPECT_THAT(page, Not(HasSubstr("</script>")));
    EXPECT_THAT(page, Not(HasSubstr("<script")));
    EXPECT_THAT(page, Not(HasSubstr("onerror=alert(1)>")));
    EXPECT_GE(count_of(page, escaped_payload),
              10);  // name, query, code, message, facts, sweep, schedule, ...
    EXPECT_THAT(page, HasSubstr("and bad bytes \xEF\xBF\xBD\xEF\xBF\xBD"));  // not UTF-8: replaced
}

TEST(html_report_escaping, escape_handles_every_special_character_and_bad_utf8) {
    EXPECT_EQ(svg::escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    EXPECT_EQ(svg::escape("é ü 日本 🙂"), "é ü 日本 🙂");
    EXPECT_EQ(svg::escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
    EXPECT_EQ(svg::escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    EXPECT_EQ(svg::escape(std::string("a\0b", 3)),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(svg::escape("\xE6\x97"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
    EXPECT_EQ(svg::escape("tab\tnew\nline"), "tab\tnew\nline");
}

TEST(html_report_safety, csp_forbids_everything_external_and_nothing_points_outside) {
    const std::string page = render_html_report(sample_report());
    EXPECT_THAT(
        page,
        HasSubstr(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"));
    EXPECT_EQ(page.find("http://"), std::string::npos);
    EXPECT_EQ(page.find("https://"), std::string::npos);
    EXPECT_EQ(page.find("@import"), std::string::npos);
    EXPECT_EQ(page.find("url("), std::string::npos);
    EXPECT_EQ(page.find("<script"), std::string::npos);
    const std::regex link(R"re((src|href|xlink:href)\s*=\s*["']?\s*([^"'#\s>][^"'\s>]*))re");
    EXPECT_FALSE(std::regex_search(page, link)) << "only in-page links (#phase-N) are allowed";
    EXPECT_GE(count_of(page, "href=\"#phase-"), 2);
}

TEST(html_report_safety, bad_reports_are_refused_with_a_reason) {
    EXPECT_THAT(report_problem(json::array()).value_or(""), HasSubstr("not an object"));
    EXPECT_THAT(report_problem(json{{"phases", json::array()}}).value_or(""),
                HasSubstr("no report_version"));
    EXPECT_THAT(report_problem(json{{"report_version", 3}}).value_or(""),
                HasSubstr("unknown report_version 3"));
    EXPECT_THAT(report_problem(json{{"report_version", "2"}}).value_or(""),
                HasSubstr("unknown report_version"));
    EXPECT_THAT(report_problem(json{{"report_version", 0}}).value_or(""),
                HasSubstr("unknown report_version 0"));
    EXPECT_FALSE(report_problem(json{{"report_version", 1}}));
    EXPECT_FALSE(report_problem(sample_report()));
    EXPECT_THROW(render_html_report(json{{"report_version", 9}}), std::invalid_argument);
}

TEST(html_report_safety, odd_values_anywhere_in_a_report_are_left_out_not_fatal) {
    const json base = sample_report();
    const std::vector<json> odd{
        nullptr,
        "text",
        -1,
        1e300,
        json::array(),
        json::object(),
        json::array({json::array({"a"}), 1}),
        json{{"cells", json::array({json::array({1}), "x", json::array({1, 2, "a"})})},
             {"bucket_s", -3}}};
    std::size_t rendered = 0;
    for (const auto& [key, value] : base.at("phases")[1].items()) {
        for (const auto& v : odd) {
            json r = base;
            r["phases"][1][key] = v;
            EXPECT_NO_THROW(render_html_report(r)) << key << " = " << v.dump();
            ++rendered;
        }
    }
    for (const auto& [key, value] : base.items()) {
        if (key == "report_version") continue;
        for (const auto& v : odd) {
            json r = base;
            r[key] = v;
            EXPECT_NO_THROW(render_html_report(r)) << key << " = " << v.dump();
        }
    }
    EXPECT_GT(rendered, 100u);
}

// ---- size --------------------------------------------------------------------------------------

TEST(html_report_size, a_million_batches_give_a_json_and_a_page_under_5_mb) {
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> latency(9.0, 0.8);
    phase_stats p, totals;
    p.name = "relationships";
    constexpr int batches = 1'000'000, workers = 64;
    for (int i = 0; i < batches; ++i) {
        const int attempts = i % 10 == 0 ? 2 + i % 7 : 1;
        auto r = batch(i % 5000 == 0   ? batch_outcome::failed
                       : i % 7919 == 0 ? batch_outcome::unknown
                                       : batch_outcome::committed,
                       100, static_cast<std::uint32_t>(attempts),
                       static_cast<std::uint64_t>(latency(rng)));
        r.error_code = "Code" + std::to_string(i % 97);
        r.error = "message " + std::to_string(i % 13);
        p.add(r, i % workers, i * 0.002, i % 9973 == 0);
    }
    p.duration_s = batches * 0.002;
    totals += p;
    const json report = make_report({p}, totals, 1);
    const std::string json_text = report.dump(2);
    const std::string page = render_html_report(report);
    std::cout << "1M-batch report: JSON " << json_text.size() << " bytes, HTML " << page.size()
              << " bytes\n";
    EXPECT_LT(json_text.size(), 5u << 20);
    EXPECT_LT(page.size(), 5u << 20);
    EXPECT_LT(json_text.size(), 2u << 20);  // headroom: today's figure is far below the limit
    for (const auto& chart : charts_of(page)) EXPECT_GE(count_of(chart, "class=\"mark"), 1);
    const std::string roundtrip = render_html_report(json::parse(json_text));
    EXPECT_EQ(roundtrip, page);  // the saved report renders the same page
}

// ---- other report shapes -----------------------------------------------------------------------

TEST(html_report_shapes, a_version_1_report_renders_from_its_per_second_series) {
    const json v1 = json::parse(
        R"({"report_version": 1, "exit_code": 0, "rows_committed": 15, "duration_s": 1.5,
      "phases": [{"name": "nodes", "rows_committed": 10, "batches": 2, "duration_s": 1.0,
                  "rows_per_second": [5, 5], "conflicts_per_second": [0, 1],
                  "attempts_histogram": {"1": 2}, "latency_ms": {"p50": 1, "p90": 2, "p99": 3, "max": 3}}]})");
    const std::string page = render_html_report(v1);
    const auto charts = charts_of(page);
    EXPECT_EQ(charts.size(), 3u);  // rows, errors, attempts; the rest say what is missing
    EXPECT_THAT(page, HasSubstr("no latency over time in this report (report version 1)"));
    EXPECT_THAT(page, HasSubstr("no worker timeline in this report (report version 1)"));
}

TEST(html_report_shapes, journal_keys_show_as_cards_and_tables_when_present) {
    json report = sample_report();
    report["rows_input"] = 61000;
    report["rows_bad"] = 3;
    report["rows_not_attempted"] = 997;
    report["batches_replayed"] = 2;
    report["phases"][1]["rows_bad"] = 3;
    report["runs"] = json::array(
        {{{"started_at", "2026-11-24T10:00:00Z"}, {"exit_code", 130}, {"rows_committed", 40000}},
         {{"started_at", "2026-11-24T10:05:00Z"}, {"exit_code", 1}, {"rows_committed", 20000}}});
    report["journal"] = {{"path", "run.journal"}, {"records", 1234}, {"fingerprint", {{"a", 1}}}};
    const std::string page = render_html_report(report);
    EXPECT_THAT(page, HasSubstr("<div class=\"v\">61,000</div><div class=\"k\">rows read</div>"));
    EXPECT_THAT(
        page,
        HasSubstr(
            "<div class=\"card bad\"><div class=\"v\">3</div><div class=\"k\">bad rows</div>"));
    EXPECT_THAT(page, HasSubstr("<div class=\"card warn\"><div class=\"v\">997</div><div "
                                "class=\"k\">rows not attempted"));
    EXPECT_THAT(page, HasSubstr("<div class=\"k\">batches replayed</div>"));
    EXPECT_THAT(page, HasSubstr("<th>exit_code</th><th>rows_committed</th><th>started_at</th>"));
    EXPECT_THAT(page, HasSubstr("<td>1</td><td>20000</td><td>2026-11-24T10:05:00Z</td>"));
    EXPECT_THAT(page, HasSubstr("<td>path</td><td>run.journal</td>"));
    EXPECT_THAT(page, HasSubstr("<td>fingerprint</td><td>{1 items}</td>"));
    EXPECT_THAT(section_of(page, "id=\"phase-2\""), HasSubstr("bad rows"));
    // A version-1 report has none of these keys: the page leaves their cards out.
    json v1 = sample_report();
    for (const char* key : {"rows_input", "rows_bad", "rows_not_attempted", "batches_replayed"}) {
        v1.erase(key);
        for (auto& phase : v1["phases"]) phase.erase(key);
    }
    EXPECT_THAT(render_html_report(v1), Not(HasSubstr("rows not attempted")));
}

json mix_and_batch_schedule() {
    json cells = json::array();
    for (int round = 0; round < 5; ++round)
        for (int cell = 0; cell < 5; ++cell)
            cells.push_back({round, cell, 100 * (1 + (round + cell) % 5)});
    return {{"kind", "mix_and_batch"},      {"groups", 10},       {"rounds", 5},
            {"rows_per_round_cell", cells}, {"counting_s", 0.02}, {"partitioning_s", 0.05}};
}

TEST(html_report_shapes, mix_and_batch_gets_a_heatmap_of_rows_per_round_and_cell) {
    json report = sample_report();
    report["phases"][1]["schedule"] = mix_and_batch_schedule();
    const std::string page = render_html_report(report);
    EXPECT_THAT(page, HasSubstr("<dd>mix_and_batch</dd>"));  // the header's schedule
    const std::string rels = section_of(page, "id=\"phase-2\"");
    EXPECT_THAT(rels, HasSubstr("<figcaption>Mix and Batch: rows per round and cell</figcaption>"));
    EXPECT_THAT(rels, HasSubstr("<dt>partitioning_s</dt><dd>0.05</dd>"));
    const auto charts = charts_of(rels);
    const auto heat = std::find_if(charts.begin(), charts.end(), [](const auto& c) {
        return c.find("Mix and Batch") != std::string::npos;
    });
    ASSERT_NE(heat, charts.end());
    EXPECT_EQ(count_of(*heat, "<rect class=\"mark heat"), 25);
    EXPECT_EQ(count_of(*heat, "<rect class=\"mark heat h7\""), 5);  // the 500-row cells: darkest
    EXPECT_EQ(count_of(*heat, "<rect class=\"mark heat h1\""), 5);
    EXPECT_THAT(*heat, HasSubstr("<title>round 4, cell 0: 500 rows</title>"));

    json top = sample_report();
    top["schedule"] = mix_and_batch_schedule();  // a run-wide schedule section works the same way
    EXPECT_THAT(render_html_report(top), HasSubstr("<h2>Schedule</h2>"));
    json other = sample_report();
    other["phases"][1]["schedule"] = {{"kind", "free"}};
    EXPECT_THAT(render_html_report(other), Not(HasSubstr("Mix and Batch")));
}

json sweep_report() {
    json cells = json::array();
    const char* kinds[] = {"memgraph", "neo4j", "full_jitter"};
    const double waits[] = {0.01, 0.2};
    const double makespan[3][2] = {{1.2, 3.0}, {2.5, 4.0}, {0.9, 1.1}};
    const double attempts[3][2] = {{1.8, 1.4}, {1.3, 1.2}, {2.4, 1.9}};
    for (int k = 0; k < 3; ++k)
        for (int w = 0; w < 2; ++w)
            cells.push_back(
                {{"settings",
                  {{"phases.0.retry.kind", kinds[k]},
                   {"phases.0.retry.initial_wait_time", waits[w]}}},
                 {"trials", 3},
                 {"failed_trials", k == 1 && w == 0 ? 1 : 0},
                 {"makespan_s",
                  {{"median", makespan[k][w]},
                   {"min", makespan[k][w] * 0.9},
                   {"max", makespan[k][w] * 1.2}}},
                 {"attempts_per_batch",
                  {{"median", attempts[k][w]}, {"min", 1.0}, {"max", attempts[k][w] + 0.3}}},
                 {"conflicts", {{"median", 10 * k + w}}}});
    return {{"report_version", 2},
            {"sweep",
             {{"parameters", {"phases.0.retry.kind", "phases.0.retry.initial_wait_time"}},
              {"rule",
               "lowest median makespan with median attempts per batch <= 2 and no failed trial"},
              {"max_amplification", 2},
              {"cells", cells},
              {"recommendation", {{"cell", 5}, {"settings", cells[5]["settings"]}}}}}};
}

TEST(html_report_shapes, a_sweep_gets_a_pareto_chart_and_metric_by_parameter_charts) {
    const std::string page = render_html_report(sweep_report());
    EXPECT_THAT(page, HasSubstr("<a href=\"#sweep\">Sweep</a>"));
    EXPECT_THAT(page, HasSubstr("lowest median makespan"));
    EXPECT_THAT(
        page,
        HasSubstr("phases.0.retry.initial_wait_time: 0.2\nphases.0.retry.kind: full_jitter\n"));
    const auto charts = charts_of(page);
    ASSERT_EQ(charts.size(), 1u + 2 * 3);  // Pareto + 2 parameters × 3 metrics
    const std::string& pareto = charts[0];
    EXPECT_THAT(pareto, HasSubstr("Pareto"));
    EXPECT_EQ(count_of(pareto, "<circle class=\"mark pt"), 6);
    EXPECT_EQ(count_of(pareto, "<circle class=\"mark pt best\""), 1);
    EXPECT_EQ(count_of(pareto, "<circle class=\"mark pt failed\""), 1);
    EXPECT_THAT(pareto, HasSubstr(">recommended</text>"));
    EXPECT_EQ(count_of(pareto, "<polyline class=\"mark line frontier\""), 1);
    // Frontier: (0.9, 2.4), (1.1, 1.9), (1.2, 1.8), (3.0, 1.4), (4.0, 1.2); (2.5, 1.3) failed a
    // trial.
    const std::string table = section_of(page, "<table class=\"sweep\">");
    EXPECT_EQ(count_of(table, "<td>yes</td><td><strong>yes</strong></td>"), 1);
    for (const char* caption : {"makespan_s by phases.0.retry.kind",
                                "attempts_per_batch by phases.0.retry.initial_wait_time",
                                "conflicts by phases.0.retry.kind"})
        EXPECT_THAT(page, HasSubstr(std::string("<figcaption>") + caption + "</figcaption>"));
    const auto by_kind = std::find_if(charts.begin(), charts.end(), [](const auto& c) {
        return c.find("<title>makespan_s by phases.0.retry.kind</title>") != std::string::npos;
    });
    ASSERT_NE(by_kind, charts.end());
    EXPECT_EQ(count_of(*by_kind, "<line class=\"mark whisker"), 6);
    EXPECT_THAT(*by_kind, HasSubstr(">full_jitter<"));
}

TEST(html_report_shapes, a_sweep_without_recommendation_says_so) {
    json report = sweep_report();
    report["sweep"]["recommendation"] = nullptr;
    const std::string page = render_html_report(report);
    EXPECT_THAT(page, HasSubstr("No recommendation"));
    EXPECT_EQ(count_of(page, "pt best"), 0);
}

}  // namespace
}  // namespace boltload
