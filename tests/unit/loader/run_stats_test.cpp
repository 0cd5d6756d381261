// Aggregation of batch results and the report's stable keys.
#include "boltload/run_stats.hpp"

#include <gtest/gtest.h>

#include <random>

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

}  // namespace
}  // namespace boltload
