// Aggregation of batch results and the report's stable keys.
#include "boltload/run_stats.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "bolt/summary.hpp"
#include "boltload/config.hpp"

namespace boltload {
namespace {

batch_result batch(batch_outcome o, std::uint64_t rows, std::uint32_t attempts, std::uint32_t conflicts,
                   std::uint64_t latency_us) {
    batch_result r;
    r.outcome = o;
    r.rows = rows;
    r.attempts = attempts;
    r.conflicts = conflicts;
    r.latency_us = latency_us;
    return r;
}

TEST(LatencyHistogram, PercentilesAreWithinABucketOfTheTruth) {
    latency_histogram h;
    std::vector<std::uint64_t> values;
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(8.0, 1.5);
    for (int i = 0; i < 100000; ++i) {
        const auto v = static_cast<std::uint64_t>(dist(rng));
        values.push_back(v);
        h.add(v);
    }
    std::sort(values.begin(), values.end());
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
        const auto truth = values[static_cast<std::size_t>(std::ceil(q * values.size())) - 1];
        const auto got = h.percentile(q);
        EXPECT_GE(got, truth) << q;
        EXPECT_LE(static_cast<double>(got), static_cast<double>(truth) * (1 + 1.0 / 16) + 1) << q;
    }
    EXPECT_EQ(h.percentile(1.0), values.back());
    EXPECT_EQ(h.max(), values.back());
}

TEST(LatencyHistogram, SmallValuesAreExactAndEmptyIsZero) {
    latency_histogram h;
    EXPECT_EQ(h.percentile(0.5), 0u);
    for (std::uint64_t v = 0; v < 16; ++v) h.add(v);
    EXPECT_EQ(h.percentile(0.5), 7u);
    h.add(~std::uint64_t{0});
    EXPECT_EQ(h.percentile(1.0), ~std::uint64_t{0});
}

TEST(PhaseStats, CountsOutcomesConflictsAndRetries) {
    phase_stats s;
    s.name = "relationships";
    auto ok = batch(batch_outcome::committed, 1000, 3, 2, 5000);
    ok.other_transient = 0;
    ok.backoff_wait_ms = 440;
    ok.counters = {{"relationships_created", 1000}};
    s.add(ok, 0, 0);
    s.add(batch(batch_outcome::committed, 1000, 1, 0, 3000), 1, 1);
    s.add(batch(batch_outcome::failed, 500, 101, 101, 90000), 1, 1);
    s.add(batch(batch_outcome::unknown, 200, 1, 0, 100), 0, 2);
    EXPECT_EQ(s.rows_committed, 2000u);
    EXPECT_EQ(s.rows_failed, 500u);
    EXPECT_EQ(s.rows_unknown, 200u);
    EXPECT_EQ(s.batches, 4u);
    EXPECT_EQ(s.batches_failed, 1u);
    EXPECT_EQ(s.unknown_outcome_batches, 1u);
    EXPECT_EQ(s.conflicts, 103u);
    EXPECT_EQ(s.retries, 2u + 100u);
    EXPECT_EQ(s.backoff_wait_ms, 440u);
    EXPECT_EQ(s.attempts_histogram.at(1), 2u);
    EXPECT_EQ(s.attempts_histogram.at(3), 1u);
    EXPECT_EQ(s.server_counters.at("relationships_created"), 1000);
    EXPECT_EQ(s.rows_per_worker.at(0), 1000u);
    EXPECT_EQ(s.rows_per_second, (std::vector<std::uint64_t>{1000, 1000}));
    EXPECT_EQ(s.conflicts_per_second, (std::vector<std::uint64_t>{2, 101}));
}

TEST(Report, HasTheDocumentedKeysAtTheTopAndPerPhase) {
    phase_stats nodes, rels, totals;
    nodes.name = "nodes";
    rels.name = "relationships";
    nodes.add(batch(batch_outcome::committed, 10, 1, 0, 100), 0, 0);
    rels.add(batch(batch_outcome::committed, 5, 2, 1, 200), 0, 0);
    nodes.duration_s = 1;
    rels.duration_s = 0.5;
    totals += nodes;
    totals += rels;
    const auto j = make_report({nodes, rels}, totals, 0);
    for (const char* key : {"rows_committed", "rows_failed", "batches", "conflicts", "other_transient_errors",
                            "retries", "unknown_outcome_batches", "duration_s", "rows_per_s", "latency_ms"}) {
        EXPECT_TRUE(j.contains(key)) << key;
        for (const auto& p : j.at("phases")) EXPECT_TRUE(p.contains(key)) << key;
    }
    EXPECT_EQ(j.at("rows_committed"), 15);
    EXPECT_EQ(j.at("phases").size(), 2u);
    EXPECT_EQ(j.at("phases")[1].at("name"), "relationships");
    EXPECT_EQ(j.at("phases")[1].at("conflicts"), 1);
    EXPECT_DOUBLE_EQ(j.at("duration_s").get<double>(), 1.5);
    EXPECT_DOUBLE_EQ(j.at("rows_per_s").get<double>(), 10.0);
    for (const char* p : {"p50", "p90", "p99", "max"}) EXPECT_TRUE(j.at("latency_ms").contains(p)) << p;
}

// ---- report v2: what the HTML report draws --------------------------------------------------

std::uint64_t sum(const nlohmann::json& a) {
    std::uint64_t n = 0;
    for (const auto& v : a) n += v.get<std::uint64_t>();
    return n;
}

TEST(run_stats_series, retries_and_other_transient_errors_per_second) {
    phase_stats s;
    auto r = batch(batch_outcome::committed, 10, 4, 1, 100);
    r.other_transient = 2;
    s.add(r, 0, 0.4);
    s.add(r, 0, 2.9);
    EXPECT_EQ(s.retries_per_second, (std::vector<std::uint64_t>{3, 0, 3}));
    EXPECT_EQ(s.other_transient_per_second, (std::vector<std::uint64_t>{2, 0, 2}));
    const auto j = to_json(s);
    EXPECT_EQ(j.at("retries_per_second"), nlohmann::json({3, 0, 3}));
    EXPECT_EQ(j.at("other_transient_per_second"), nlohmann::json({2, 0, 2}));
}

TEST(run_stats_histogram, buckets_are_ascending_and_sum_to_the_count) {
    latency_histogram h;
    for (std::uint64_t v : {3u, 3u, 100u, 5000u, 5001u, 1'000'000u}) h.add(v);
    const auto b = h.buckets();
    ASSERT_FALSE(b.empty());
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        n += b[i].second;
        if (i > 0) {
            EXPECT_LT(b[i - 1].first, b[i].first);
        }
    }
    EXPECT_EQ(n, 6u);
    EXPECT_EQ(b.front(), (std::pair<std::uint64_t, std::uint64_t>{3, 2}));
    EXPECT_EQ(b.back().first, 1'000'000u);  // capped at the maximum
    phase_stats s;
    s.add(batch(batch_outcome::committed, 1, 1, 0, 3), 0, 0);
    EXPECT_EQ(to_json(s).at("latency_histogram_us"), nlohmann::json::array({{3, 1}}));
}

TEST(run_stats_timeline, short_phases_get_fine_buckets) {
    phase_stats s;
    s.add(batch(batch_outcome::committed, 100, 1, 0, 2000), 0, 0.01);
    s.add(batch(batch_outcome::committed, 100, 3, 2, 9000), 1, 0.5);
    const auto t = to_json(s).at("timeline");
    EXPECT_DOUBLE_EQ(t.at("bucket_s").get<double>(), first_bucket_width_s);
    EXPECT_EQ(t.at("rows").size(), 33u);  // 0.5 s at 1/64 s
    EXPECT_EQ(sum(t.at("rows")), 200u);
    EXPECT_EQ(sum(t.at("retries")), 2u);
    EXPECT_EQ(sum(t.at("conflicts")), 2u);
    EXPECT_DOUBLE_EQ(t.at("latency_p50_ms")[0].get<double>(), 2.0);
    EXPECT_TRUE(t.at("latency_p50_ms")[1].is_null());  // no batch: no latency, not 0
    EXPECT_NEAR(t.at("latency_p99_ms")[32].get<double>(), 9.0, 9.0 / 8);
}

TEST(run_stats_timeline, long_phases_stay_bounded_and_lose_no_count) {
    phase_stats s;
    for (int i = 0; i < 100'000; ++i)
        s.add(batch(batch_outcome::committed, 7, 1 + i % 3, 0, 1000 + i % 5000), i % 16, i * 0.1);
    const auto t = to_json(s).at("timeline");
    EXPECT_LE(t.at("rows").size(), max_time_points);
    EXPECT_GE(t.at("rows").size(), max_time_points / 2);
    const double w = t.at("bucket_s").get<double>();
    EXPECT_DOUBLE_EQ(std::exp2(std::round(std::log2(w))), w);  // a power of two: exact
    EXPECT_EQ(sum(t.at("rows")), 700'000u);
    EXPECT_EQ(sum(t.at("batches")), 100'000u);
    EXPECT_EQ(sum(t.at("retries")), s.retries);
    const auto wt = to_json(s).at("worker_timeline");
    EXPECT_FALSE(wt.contains("spans"));  // too many batches to draw one by one
    EXPECT_LE(wt.at("cells").size(), worker_timeline::max_cells);
    std::uint64_t batches = 0;
    for (const auto& c : wt.at("cells")) {
        ASSERT_EQ(c.size(), 2 + timeline_outcome_count);
        for (std::size_t i = 2; i < c.size(); ++i) batches += c[i].get<std::uint64_t>();
        EXPECT_LT(c[1].get<std::uint64_t>(), max_time_points);
    }
    EXPECT_EQ(batches, 100'000u);
}

TEST(run_stats_timeline, many_workers_in_one_bucket_do_not_loop) {
    worker_timeline t;
    for (int w = 0; w < static_cast<int>(worker_timeline::max_cells) + 10; ++w)
        t.add(w, 0, 0.001, timeline_outcome::first_try);
    EXPECT_EQ(t.cells().size(), worker_timeline::max_cells + 10);
    t.add(0, 5, 100, timeline_outcome::first_try);  // a later bucket makes merging possible again
    EXPECT_LE(t.cells().size(), worker_timeline::max_cells + 11);
}

TEST(run_stats_timeline, spans_say_who_ran_what_and_how_it_ended) {
    phase_stats s;
    s.add(batch(batch_outcome::committed, 1, 1, 0, 500'000), 3, 1.0);
    s.add(batch(batch_outcome::committed, 1, 2, 1, 250'000), 4, 1.5);
    s.add(batch(batch_outcome::failed, 1, 101, 101, 100), 4, 2.0);
    s.add(batch(batch_outcome::unknown, 1, 1, 0, 100), 3, 2.0);
    s.add(batch(batch_outcome::committed, 1, 1, 0, 2'000'000), 5, 1.0, /*replayed=*/true);
    const auto wt = to_json(s).at("worker_timeline");
    EXPECT_EQ(wt.at("outcomes"), nlohmann::json({"first_try", "retried", "failed", "unknown", "replayed"}));
    const auto& spans = wt.at("spans");
    ASSERT_EQ(spans.size(), 5u);
    EXPECT_EQ(spans[0], nlohmann::json({3, 0.5, 1.0, "first_try"}));
    EXPECT_EQ(spans[1], nlohmann::json({4, 1.25, 1.5, "retried"}));
    EXPECT_EQ(spans[2][3], "failed");
    EXPECT_EQ(spans[3][3], "unknown");
    EXPECT_EQ(spans[4], nlohmann::json({5, 0.0, 1.0, "replayed"}));  // started before the phase: clamped
}

TEST(run_stats_dead_letters, grouped_by_code_with_the_first_distinct_messages) {
    phase_stats s;
    for (int i = 0; i < 5; ++i) {
        auto r = batch(batch_outcome::failed, 10, 1, 0, 100);
        r.error_code = "Memgraph.ClientError.MemgraphError.MemgraphError";
        r.error = "message " + std::to_string(i % 4);
        s.add(r, 0, 0);
    }
    auto u = batch(batch_outcome::unknown, 3, 1, 0, 100);
    u.error_code = "ServiceUnavailable";
    u.error = std::string(299, 'x') + "\u00e9" + std::string(100, 'x');  // é straddles the cut
    s.add(u, 0, 0);
    s.add(u, 0, 0);
    const auto d = to_json(s).at("dead_letters");
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].at("outcome"), "failed");
    EXPECT_EQ(d[0].at("batches"), 5);
    EXPECT_EQ(d[0].at("rows"), 50);
    EXPECT_EQ(d[0].at("messages"), nlohmann::json({"message 0", "message 1", "message 2"}));
    EXPECT_EQ(d[1].at("outcome"), "unknown");
    EXPECT_EQ(d[1].at("batches"), 2);
    ASSERT_EQ(d[1].at("messages").size(), 1u);  // the same message once
    EXPECT_LE(d[1].at("messages")[0].get<std::string>().size(), error_group::max_message_bytes + 3);  // and "…"
    EXPECT_EQ(d[1].at("messages")[0].get<std::string>().substr(299), "\u2026");
    EXPECT_NO_THROW((void)d.dump());  // cut at a character boundary: still valid UTF-8
}

TEST(run_stats_dead_letters, codes_beyond_the_limit_share_one_group) {
    phase_stats s, totals;
    for (std::size_t i = 0; i < phase_stats::max_error_groups + 20; ++i) {
        auto r = batch(batch_outcome::failed, 1, 1, 0, 1);
        r.error_code = "Code" + std::to_string(i);
        s.add(r, 0, 0);
    }
    EXPECT_EQ(s.dead_letters.size(), phase_stats::max_error_groups + 1);
    EXPECT_EQ(s.dead_letters.at({"failed", "(other codes)"}).batches, 20u);
    totals += s;
    EXPECT_EQ(totals.dead_letters.size(), s.dead_letters.size());
}

TEST(run_stats_report, version_2_with_the_run_facts_and_phase_settings) {
    phase_stats nodes, totals;
    nodes.name = "nodes";
    nodes.add(batch(batch_outcome::committed, 10, 1, 0, 100), 0, 0.2);
    totals += nodes;
    run_info info;
    info.config_file = "configs/x.yaml";
    info.server_agent = "Neo4j/v5.11.0 compatible graph database server - Memgraph";
    info.bolt_version = "5.2";
    info.started_at = iso8601_utc(std::chrono::system_clock::time_point{} + std::chrono::seconds(1'790'000'000));
    info.phase_settings["nodes"] = {{"batch_size", 10}};
    const auto j = make_report({nodes}, totals, 0, info);
    EXPECT_EQ(j.at("report_version"), 2);
    EXPECT_EQ(j.at("started_at"), "2026-09-21T14:13:20Z");
    EXPECT_EQ(j.at("config_file"), "configs/x.yaml");
    EXPECT_EQ(j.at("bolt_version"), "5.2");
    EXPECT_TRUE(j.at("server_agent").get<std::string>().ends_with("Memgraph"));
    EXPECT_EQ(j.at("phases")[0].at("settings").at("batch_size"), 10);
    for (const char* key : {"latency_histogram_us", "retries_per_second", "other_transient_per_second",
                            "dead_letters", "timeline", "worker_timeline"})
        EXPECT_TRUE(j.at("phases")[0].contains(key)) << key;
    EXPECT_FALSE(j.contains("timeline"));  // phase times do not add up across phases
    EXPECT_FALSE(j.contains("worker_timeline"));
    EXPECT_TRUE(j.contains("latency_histogram_us"));
    EXPECT_FALSE(make_report({}, totals, 0).contains("config_file"));  // unknown facts are left out
}

TEST(run_stats_report, settings_of_a_phase_show_query_batching_and_retry) {
    const auto cfg = parse_config(R"(phases:
  - name: rels
    source: {generate: {entity: relationships, count: 10}}
    query: 'UNWIND $batch AS r MERGE (:N {id: r.a})'
    batch_size: 5
    workers: 3
    retry: {kind: memgraph, max_retries: 7}
)",
                                  "x.yaml", load_options{.check_files = false});
    const auto s = settings_of(cfg.phases.at(0));
    EXPECT_EQ(s.at("query"), "UNWIND $batch AS r MERGE (:N {id: r.a})");
    EXPECT_EQ(s.at("batch_size"), 5);
    EXPECT_EQ(s.at("workers"), 3);
    EXPECT_EQ(s.at("transaction"), "explicit");
    EXPECT_EQ(s.at("retry").at("kind"), "memgraph");
    EXPECT_EQ(s.at("retry").at("settings").at("max_retries"), 7);
    EXPECT_NE(s.at("retry").at("policy").get<std::string>().find("max_retries: 7"), std::string::npos);
    bolt::server_info server;
    server.agent = "agent";
    server.protocol_version = "5.2";
    const auto info = describe_run(cfg, server, std::chrono::system_clock::now());
    EXPECT_EQ(info.config_file, "x.yaml");
    EXPECT_EQ(info.bolt_version, "5.2");
    EXPECT_EQ(info.phase_settings.at("rels"), s);
}

TEST(run_stats_summary, the_table_shows_backoff_time) {
    phase_stats s;
    s.name = "rels";
    auto r = batch(batch_outcome::committed, 10, 3, 2, 100);
    r.backoff_wait_ms = 4300;
    s.add(r, 0, 0);
    const auto table = summary_table({s}, s);
    EXPECT_NE(table.find("backoff s"), std::string::npos);
    EXPECT_NE(table.find(" 4.3 "), std::string::npos) << table;
}

}  // namespace
}  // namespace boltload
