// The sweep's pure part: the block and its errors, the grid (vary, cases, both), key paths checked
// as --set checks them (same did-you-mean, the sweep file's line and column), seeds, a trial's
// figures from its report, medians and ranges, the Pareto frontier and the recommendation rule.
#include "boltload/sweep_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

namespace {

using namespace boltload;
using namespace boltload::sweep;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string config_yaml = R"(phases:
  - name: nodes
    source: {generate: {count: 10}}
    query: 'UNWIND $batch AS row CREATE (:N {id: row.id})'
  - name: rels
    source: {generate: {entity: relationships, count: 10, id_max: 9}}
    query: 'UNWIND $batch AS row MATCH (a:N {id: row.a}) RETURN a'
    workers: 4
    retry:
      kind: memgraph
      initial_wait_time: 0.2
      backoff_factor: 1.1
      jitter: 0.1
)";

/// The problems of a sweep block (with the config above), or empty.
std::vector<std::string> problems_of(const std::string& sweep_yaml) {
    try {
        const auto s = parse(sweep_yaml, "sweep.yaml");
        const auto cells = expand(*s);
        std::vector<std::string> warnings;
        check_cells(config_yaml, "cfg.yaml", {}, cells, false, warnings);
    } catch (const config_error& e) {
        return e.problems();
    }
    return {};
}

spec parsed(const std::string& yaml) { return *parse(yaml, "sweep.yaml"); }

// ---- the block ---------------------------------------------------------------------------------

TEST(sweep_block, reads_every_key_with_defaults) {
    const spec d = parsed("vary: {phases.rels.workers: [1, 2]}\n");
    EXPECT_EQ(d.repeat, 3);
    EXPECT_EQ(d.max_amplification, 2);
    EXPECT_EQ(d.max_trials, 500);
    EXPECT_EQ(d.trial_timeout_s, 0);
    EXPECT_TRUE(d.measure.empty());
    const spec s = parsed(R"(sweep:
  vary:
    phases.rels.retry.kind: [memgraph, 'none']
  repeat: 2
  measure: [rels]
  reset: MATCH (n) DETACH DELETE n
  max_amplification: 1.5
  max_trials: 10
  trial_timeout: 30
  seed: 9
)");
    ASSERT_EQ(s.vary.size(), 1u);
    EXPECT_EQ(s.vary[0].values[1].yaml, "\"none\"");  // quoted: a string, whatever it looks like
    EXPECT_EQ(s.vary[0].values[0].origin, "sweep.yaml:3:30");
    EXPECT_EQ(s.repeat, 2);
    EXPECT_THAT(s.measure, ElementsAre("rels"));
    EXPECT_THAT(s.reset, ElementsAre("MATCH (n) DETACH DELETE n"));
    EXPECT_EQ(s.max_amplification, 1.5);
    EXPECT_EQ(s.max_trials, 10);
    EXPECT_EQ(s.trial_timeout_s, 30);
    EXPECT_EQ(s.seed, 9u);
}

TEST(sweep_block, a_config_without_a_sweep_has_none) {
    EXPECT_FALSE(parse(config_yaml, "cfg.yaml").has_value());
}

TEST(sweep_block, values_keep_their_types_in_json) {
    const spec s = parsed("vary: {a: [1, 0.5, true, text, '7', {kind: none}]}\n");
    const auto& v = s.vary[0].values;
    EXPECT_EQ(v[0].value, 1);
    EXPECT_EQ(v[1].value, 0.5);
    EXPECT_EQ(v[2].value, true);
    EXPECT_EQ(v[3].value, "text");
    EXPECT_EQ(v[4].value, "7");
    EXPECT_EQ(v[5].value, nlohmann::json({{"kind", "none"}}));
    EXPECT_EQ(v[5].yaml, "{kind: none}");
}

TEST(sweep_block, bad_blocks_say_where) {
    EXPECT_THAT(problems_of("sweep: {vary: {a: [1]}, repeats: 2}\n"),
                ElementsAre("sweep.yaml:1:25: sweep.repeats: unknown key 'repeats' (did you mean 'repeat'?)"));
    EXPECT_THAT(problems_of("vary: {phases.rels.workers: []}\n"),
                ElementsAre("sweep.yaml:1:29: sweep.vary.phases.rels.workers: empty list: the grid would have no cells"));
    EXPECT_THAT(problems_of("repeat: 2\n"),
                ElementsAre("sweep.yaml:1:1: sweep: the grid is empty: give vary: (key path → list of values) or "
                            "cases:"));
    EXPECT_THAT(problems_of("vary: {phases.rels.workers: 4}\n"),
                ElementsAre("sweep.yaml:1:29: sweep.vary.phases.rels.workers: expected a list of values, got '4'"));
    EXPECT_THAT(problems_of("vary: {phases.rels.workers: [1]}\nrepeat: 0\n"),
                ElementsAre("sweep.yaml:2:9: sweep.repeat: expected a number of runs per cell, 1 to 1000, got '0'"));
    EXPECT_THAT(problems_of("vary: [1, 2\n"), ElementsAre(HasSubstr("sweep.yaml:")));
}

// ---- the grid ------------------------------------------------------------------------------------

TEST(sweep_grid, vary_is_the_product_in_file_order) {
    const auto cells = expand(parsed("vary:\n  phases.rels.workers: [1, 2]\n  phases.rels.batch_size: [10, 20, 30]\n"));
    ASSERT_EQ(cells.size(), 6u);
    EXPECT_EQ(describe(cells[0]), "phases.rels.workers=1, phases.rels.batch_size=10");
    EXPECT_EQ(describe(cells[2]), "phases.rels.workers=1, phases.rels.batch_size=30");
    EXPECT_EQ(describe(cells[5]), "phases.rels.workers=2, phases.rels.batch_size=30");
    EXPECT_EQ(cells[5].index, 5u);
}

TEST(sweep_grid, cases_alone_and_crossed_with_vary) {
    const std::string cases = R"(cases:
  - {phases.rels.retry.kind: memgraph, phases.rels.retry.initial_wait_time: 0.01}
  - {phases.rels.retry.kind: full_jitter, phases.rels.retry.base: 0.01}
)";
    const auto alone = expand(parsed(cases));
    ASSERT_EQ(alone.size(), 2u);
    EXPECT_EQ(describe(alone[1]), "phases.rels.retry.kind=full_jitter, phases.rels.retry.base=0.01");
    const auto crossed = expand(parsed(cases + "vary: {phases.rels.workers: [1, 2, 3]}\n"));
    ASSERT_EQ(crossed.size(), 6u);
    EXPECT_EQ(describe(crossed[4]),
              "phases.rels.retry.kind=full_jitter, phases.rels.retry.base=0.01, phases.rels.workers=2");
    std::vector<std::string> warnings;
    const auto configs = check_cells(config_yaml, "cfg.yaml", {}, crossed, false, warnings);
    EXPECT_EQ(configs[4].phases[1].workers, 2);
    EXPECT_EQ(configs[4].phases[1].work.retry.kind, bolt::retry_kind::full_jitter);
    // The file's memgraph settings are dropped for full_jitter, with one warning for those cells.
    EXPECT_THAT(warnings, ElementsAre(HasSubstr("sweep.yaml:3:30: phases[1].retry: initial_wait_time, backoff_factor, "
                                                "jitter not read by the full_jitter policy: dropped")));
}

TEST(sweep_grid, more_trials_than_max_trials_is_refused_before_anything_runs) {
    try {
        expand(parsed("vary: {a: [1, 2, 3], b: [1, 2, 3]}\nrepeat: 3\nmax_trials: 20\n"));
        FAIL();
    } catch (const config_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("sweep: 9 cells × 3 repeats = 27 trials, more than max_trials (20)"));
    }
    // A product far too big to hold is refused as it grows.
    std::string big = "vary:\n";
    for (int i = 0; i < 40; ++i) big += fmt::format("  k{}: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", i);
    EXPECT_THROW(expand(parsed(big)), config_error);
    EXPECT_EQ(expand(parsed("vary: {a: [1, 2]}\nrepeat: 250\n")).size(), 2u);  // 500: the default limit
}

TEST(sweep_grid, a_key_set_twice_in_a_cell_is_refused) {
    EXPECT_THAT(problems_of("cases: [{phases.rels.workers: 1}]\nvary: {phases.rels.workers: [2]}\n"),
                ElementsAre("sweep.yaml:2:30: phases.rels.workers: set twice in one cell (also at sweep.yaml:1:31)"));
}

// ---- key paths, checked as --set checks them ----------------------------------------------------

TEST(sweep_keys, an_unknown_key_gets_the_same_did_you_mean_as_set) {
    EXPECT_THAT(problems_of("vary: {phases.rels.wrkers: [1, 2]}\n"),
                ElementsAre("sweep.yaml:1:29: phases[1].wrkers: unknown key 'wrkers' (did you mean 'workers'?)"));
    try {
        load_options lo;
        lo.check_files = false;
        lo.overrides = {"phases.rels.wrkers=1"};
        parse_config(config_yaml, "cfg.yaml", lo);
        FAIL();
    } catch (const config_error& e) {
        EXPECT_THAT(e.problems(),
                    ElementsAre("--set phases.rels.wrkers=1: phases[1].wrkers: unknown key 'wrkers' (did you mean "
                                "'workers'?)"));
    }
}

TEST(sweep_keys, phases_by_index_or_name) {
    EXPECT_THAT(problems_of("vary:\n  phases.1.workers: [1]\n  phases[0].batch_size: [5]\n"), ElementsAre());
    EXPECT_THAT(problems_of("vary: {phases.relationships.workers: [1]}\n"),
                ElementsAre("sweep.yaml:1:39: phases.relationships.workers: no phase is named 'relationships' "
                            "(phases: nodes, rels; or give an index)"));
    EXPECT_THAT(problems_of("vary: {phases.rel.workers: [1]}\n"),
                ElementsAre(HasSubstr("no phase is named 'rel' (did you mean 'rels'?)")));
}

TEST(sweep_keys, a_value_of_the_wrong_type_names_the_sweep_file_line_and_column) {
    EXPECT_THAT(problems_of("vary:\n  phases.rels.workers: [2, many]\n"),
                ElementsAre("sweep.yaml:2:28: phases[1].workers: expected a positive integer (at most 4096), got "
                            "'many' (in 1 of 2 cells, such as cell 1: phases.rels.workers=many)"));
    EXPECT_THAT(problems_of("vary:\n  phases.rels.retry.kind: [memgraph, fast]\n"),
                ElementsAre(HasSubstr("sweep.yaml:2:38: phases[1].retry.kind: expected none, memgraph")));
}

TEST(sweep_keys, a_setting_of_another_retry_kind_is_refused_for_the_cells_it_does_not_fit) {
    const auto p = problems_of(
        "vary:\n  phases.rels.retry.kind: [memgraph, full_jitter]\n  phases.rels.retry.initial_wait_time: [0.01]\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_THAT(p[0], HasSubstr("phases[1].retry.initial_wait_time: not a setting of the full_jitter policy"));
    EXPECT_THAT(p[0], HasSubstr("(in 1 of 2 cells, such as cell 1: phases.rels.retry.kind=full_jitter"));
}

TEST(sweep_keys, measure_names_phases) {
    std::vector<std::string> warnings;
    const auto configs = check_cells(config_yaml, "cfg.yaml", {}, expand(parsed("vary: {phases.1.workers: [1]}\n")),
                                     false, warnings);
    EXPECT_THAT(measured_phases(parsed("vary: {a: [1]}\n"), configs[0]), ElementsAre(1u));
    EXPECT_THAT(measured_phases(parsed("vary: {a: [1]}\nmeasure: [rels, 0]\n"), configs[0]), ElementsAre(0u, 1u));
    EXPECT_THROW(measured_phases(parsed("vary: {a: [1]}\nmeasure: relationships\n"), configs[0]), config_error);
}

TEST(sweep_keys, the_recommended_sections_are_ready_to_paste) {
    const std::string yaml = changed_sections_yaml(
        config_yaml, "cfg.yaml",
        {{"phases.rels.retry.kind", "full_jitter", "s:1:1"}, {"phases.rels.retry.base", "0.01", "s:1:1"},
         {"phases.1.workers", "2", "s:1:1"}});
    EXPECT_EQ(yaml, "phases:\n  - name: rels\n    retry:\n      kind: full_jitter\n      base: 0.01\n    workers: 2\n");
    load_options lo;
    lo.check_files = false;
    lo.values = {{"phases.rels.retry.kind", "full_jitter", "s:1:1"}, {"phases.rels.retry.base", "0.01", "s:1:1"}};
    EXPECT_NO_THROW(parse_config(config_yaml, "cfg.yaml", lo));
}

// ---- trials and seeds ----------------------------------------------------------------------------

TEST(sweep_trials, repeat_by_repeat_with_one_seed_per_repeat) {
    const spec s = parsed("vary: {a: [1, 2]}\nrepeat: 2\nseed: 40\n");
    const auto t = plan_trials(s, 2);
    ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t[1].cell, 1u);
    EXPECT_EQ(t[1].repeat, 0);
    EXPECT_EQ(t[1].seed, 40u);
    EXPECT_EQ(t[2].cell, 0u);
    EXPECT_EQ(t[2].seed, 41u);
    const auto cells = expand(s);
    EXPECT_THAT(seed_overrides(cells[0], t[2], true), ElementsAre("seed=41", "embedded.faults.seed=41"));
    EXPECT_THAT(seed_overrides(cells[0], t[2], false), ElementsAre("seed=41"));
    const auto own = expand(parsed("vary: {embedded.faults.seed: [5]}\n"));
    EXPECT_THAT(seed_overrides(own[0], t[0], true), ElementsAre("seed=40"));
}

// ---- a trial's figures ---------------------------------------------------------------------------

nlohmann::json phase_report(double duration, int committed_batches, int retried, int failed) {
    return {{"name", "p"},
            {"duration_s", duration},
            {"rows_committed", committed_batches * 10},
            {"batches", committed_batches + failed},
            {"batches_failed", failed},
            {"unknown_outcome_batches", 0},
            {"conflicts", retried},
            {"other_transient_errors", 1},
            {"backoff_wait_s", 0.5},
            {"attempts_histogram", {{"1", committed_batches + failed - retried}, {"2", retried}}},
            {"latency_histogram_us", {{1023, 90}, {5119, 9}, {40000, 1}}},  // upper edges, the last the max
            {"busy_s_per_worker", {{"0", 3.0}, {"1", 1.0}}},
            {"settings", {{"workers", 2}}}};
}

TEST(sweep_figures, from_the_measured_phases_of_a_report) {
    const nlohmann::json report = {{"report_version", 2},
                                   {"phases", {phase_report(100, 1, 0, 0), phase_report(2.0, 10, 5, 0)}}};
    const auto m = metrics_of(report, {1});
    EXPECT_DOUBLE_EQ(m.at("makespan_s"), 2.0);
    EXPECT_DOUBLE_EQ(m.at("rows_per_s"), 50);
    EXPECT_DOUBLE_EQ(m.at("attempts_per_batch"), 1.5);  // 15 attempts, 10 committed batches
    EXPECT_DOUBLE_EQ(m.at("conflicts"), 5);
    EXPECT_DOUBLE_EQ(m.at("backoff_s"), 0.5);
    EXPECT_DOUBLE_EQ(m.at("latency_p50_ms"), 1.023);
    EXPECT_DOUBLE_EQ(m.at("latency_p95_ms"), 5.119);
    EXPECT_DOUBLE_EQ(m.at("latency_p99_ms"), 5.119);
    EXPECT_DOUBLE_EQ(m.at("latency_max_ms"), 40.0);
    EXPECT_DOUBLE_EQ(m.at("imbalance"), 1.5);  // 3 s against a mean of 2 s
    const auto both = metrics_of(report, {0, 1});
    EXPECT_DOUBLE_EQ(both.at("makespan_s"), 102.0);
    EXPECT_THROW(metrics_of(report, {2}), std::invalid_argument);
    EXPECT_THROW(metrics_of(nlohmann::json::array(), {0}), std::invalid_argument);
}

TEST(sweep_figures, a_failed_batch_or_a_bad_exit_fails_the_trial) {
    const nlohmann::json report = {{"phases", {phase_report(1, 10, 0, 2)}}};
    EXPECT_EQ(judge(1, metrics_of(report, {0})).first, trial_status::failed);
    EXPECT_EQ(judge(0, {{"batches_failed", 0}}).first, trial_status::ok);
    EXPECT_EQ(judge(3, {}).second, "the import exited with 3");
}

// ---- cells, frontier, rule -----------------------------------------------------------------------

/// Results for cells with the given (makespan, attempts) per trial; failed marks a failed trial.
struct fake_trial {
    std::size_t cell;
    double makespan;
    double attempts;
    trial_status status = trial_status::ok;
};

std::vector<trial_result> results_of(const std::vector<fake_trial>& trials) {
    std::vector<trial_result> out;
    for (const auto& f : trials) {
        trial_result r;
        r.t.index = out.size();
        r.t.cell = f.cell;
        r.status = f.status;
        if (f.status != trial_status::interrupted && f.makespan > 0)
            r.metrics = {{"makespan_s", f.makespan}, {"attempts_per_batch", f.attempts}};
        out.push_back(r);
    }
    return out;
}

std::vector<cell> cells_n(std::size_t n) {
    std::vector<cell> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back({i, {}});
    return out;
}

TEST(sweep_cells, median_and_range_over_repeats) {
    const auto s = summarize(cells_n(1), results_of({{0, 3, 1}, {0, 1, 1.2}, {0, 2, 1.1}, {0, 4, 1.3}}));
    EXPECT_DOUBLE_EQ(s[0].metrics.at("makespan_s").median, 2.5);
    EXPECT_DOUBLE_EQ(s[0].metrics.at("makespan_s").min, 1);
    EXPECT_DOUBLE_EQ(s[0].metrics.at("makespan_s").max, 4);
    EXPECT_EQ(s[0].measured, 4u);
}

TEST(sweep_cells, pareto_front_of_makespan_and_attempts) {
    EXPECT_THAT(pareto_front({{1, 3}, {2, 2}, {3, 1}, {3, 3}, {2, 2}, {std::nan(""), 0}}),
                ElementsAre(true, true, true, false, false, false));
}

TEST(sweep_rule, lowest_median_makespan_within_the_amplification_limit) {
    const auto cells = summarize(cells_n(4), results_of({{0, 1.0, 2.5},      // fastest, but too much rework
                                                          {1, 2.0, 1.5},
                                                          {2, 1.5, 1.9},      // the winner
                                                          {3, 1.2, 1.1, trial_status::failed}}));
    const auto r = recommend(cells, 2);
    ASSERT_TRUE(r.cell);
    EXPECT_EQ(*r.cell, 2u);
    EXPECT_EQ(recommend(cells, 3).cell, 0u);
    EXPECT_TRUE(cells[0].pareto && cells[2].pareto && cells[1].pareto);
    EXPECT_FALSE(cells[3].pareto);  // failed cells are never on the frontier
}

TEST(sweep_rule, ties_go_to_fewer_attempts) {
    const auto cells = summarize(cells_n(2), results_of({{0, 1.0, 1.8}, {1, 1.0, 1.2}}));
    EXPECT_EQ(recommend(cells, 2).cell, 1u);
}

TEST(sweep_rule, every_cell_failed_says_so) {
    const auto cells = summarize(
        cells_n(2), results_of({{0, 1.0, 1.0, trial_status::failed}, {1, 0, 0, trial_status::failed}, {1, 2, 1}}));
    const auto r = recommend(cells, 2);
    EXPECT_FALSE(r.cell);
    EXPECT_EQ(r.why_none, "every cell failed: each of the 2 measured cells had a failed trial");
    EXPECT_THAT(recommend(summarize(cells_n(1), results_of({{0, 1, 5}})), 2).why_none,
                HasSubstr("no cell without failures stays within 2 attempts per committed batch (the fewest: 5, cell 0)"));
}

TEST(sweep_rule, interrupted_trials_are_left_out) {
    const auto cells = summarize(cells_n(2), results_of({{0, 1, 1}, {1, 0, 0, trial_status::interrupted}}));
    EXPECT_EQ(cells[1].interrupted, 1u);
    EXPECT_EQ(cells[1].measured, 0u);
    EXPECT_EQ(recommend(cells, 2).cell, 0u);
}

TEST(sweep_report, has_the_shape_the_html_report_reads) {
    const spec s = parsed("vary: {phases.rels.workers: [1, 2]}\n");
    outcome o;
    o.s = &s;
    o.config_file = "cfg.yaml";
    o.cells = expand(s);
    o.results = results_of({{0, 2, 1.1}, {1, 1, 1.2}});
    o.planned = 6;
    o.interrupted = true;
    const auto cells = summarize(o.cells, o.results);
    const auto r = recommend(cells, 2);
    const auto j = report(o, cells, r);
    EXPECT_EQ(j["report_version"], 2);
    EXPECT_EQ(j["sweep"]["recommendation"]["settings"], nlohmann::json({{"phases.rels.workers", 2}}));
    EXPECT_EQ(j["sweep"]["cells"][0]["makespan_s"]["median"], 2.0);
    EXPECT_EQ(j["sweep"]["trials"].size(), 2u);
    EXPECT_EQ(j["sweep"]["trials_planned"], 6);
    EXPECT_EQ(j["sweep"]["interrupted"], true);
    EXPECT_EQ(j["sweep"]["seeds"], nlohmann::json({1, 2, 3}));
    const std::string t = table(o, cells, r);
    EXPECT_THAT(t, HasSubstr("recommended: cell 1 (phases.rels.workers=2)"));
    EXPECT_THAT(t, HasSubstr("2 of 6 trials run (interrupted)"));
    EXPECT_THAT(t, HasSubstr("rule: among cells where no trial failed"));
}

}  // namespace
