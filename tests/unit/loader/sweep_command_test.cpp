// `boltload sweep` around a fake trial runner (no processes): checks before the first trial
// (--allow-reset, bad blocks), failed and crashed trials recorded, "every cell failed" (exit 1),
// and Ctrl-C: the sweep stops after the running trial and still reports what was measured.
#include "boltload/sweep_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "boltload/commands.hpp"
#include "temp_dir.hpp"

namespace {

using namespace boltload;
using ::testing::HasSubstr;

const std::string config = R"(phases:
  - name: rels
    source: {generate: {count: 10}}
    query: 'UNWIND $batch AS row CREATE (:N {id: row.id})'
    workers: 2
sweep:
  vary:
    phases.rels.workers: [1, 2]
  repeat: 2
)";

/// A report of one phase: `makespan` seconds, `failed` failed batches.
void write_report(const std::filesystem::path& dir, double makespan, int failed = 0) {
    nlohmann::json phase = {{"name", "rels"},         {"duration_s", makespan}, {"rows_committed", 100},
                            {"batches", 10 + failed}, {"batches_failed", failed}, {"unknown_outcome_batches", 0},
                            {"attempts_histogram", {{"1", 10 + failed}}}};
    std::ofstream(dir / "report.json") << nlohmann::json({{"report_version", 2}, {"phases", {phase}}}).dump();
}

struct sweep_fixture : ::testing::Test {
    boltload::testing::temp_dir dir{"boltload-sweep"};
    sweep_options options;
    std::ostringstream out, err;
    std::atomic<int> signals{0};
    std::vector<trial_request> requests;

    void SetUp() override {
        options.config_file = dir.write("cfg.yaml", config).string();
        options.work_dir = (dir.path / "work").string();
        options.report = (dir.path / "sweep.json").string();
        options.quiet = true;
    }
    int run(const std::function<trial_exit(const trial_request&)>& f) {
        return run_sweep(options, out, err, [&](const trial_request& r) {
            requests.push_back(r);
            return f(r);
        }, &signals);
    }
    nlohmann::json report() const {
        std::ifstream in(dir.path / "sweep.json");
        return nlohmann::json::parse(in);
    }
};

TEST_F(sweep_fixture, runs_every_trial_and_recommends_the_fastest_cell) {
    const int code = run([&](const trial_request& r) {
        write_report(r.dir, requests.size() % 2 ? 2.0 : 1.0);  // trials 0, 2 (cell 0) are slower
        return trial_exit{0, "", false, 0.1};
    });
    EXPECT_EQ(code, exit_ok) << err.str();
    ASSERT_EQ(requests.size(), 4u);
    const auto& args = requests[1].args;
    EXPECT_NE(std::find(args.begin(), args.end(), "phases.rels.workers=2"), args.end());
    EXPECT_NE(std::find(args.begin(), args.end(), "seed=1"), args.end());
    EXPECT_THAT(out.str(), HasSubstr("recommended: cell 1 (phases.rels.workers=2)"));
    EXPECT_THAT(out.str(), HasSubstr("phases:\n  - name: rels\n    workers: 2\n"));
    const auto j = report();
    EXPECT_EQ(j["sweep"]["recommendation"]["settings"]["phases.rels.workers"], 2);
    EXPECT_EQ(j["sweep"]["trials"].size(), 4u);
}

TEST_F(sweep_fixture, reset_against_a_server_needs_allow_reset) {
    dir.write("cfg.yaml", config + "  reset: MATCH (n) DETACH DELETE n\n");
    EXPECT_EQ(run([](const trial_request&) { return trial_exit{0, "", false, 0}; }), exit_usage);
    EXPECT_TRUE(requests.empty());
    EXPECT_THAT(err.str(), HasSubstr("sweep.reset: these statements run against bolt://"));
    EXPECT_THAT(err.str(), HasSubstr("give --allow-reset"));
    options.embedded = true;  // a fresh server per trial: nothing to reset
    err.str("");
    run([&](const trial_request& r) {
        write_report(r.dir, 1);
        return trial_exit{0, "", false, 0};
    });
    EXPECT_EQ(requests.size(), 4u);
    EXPECT_THAT(err.str(), HasSubstr("sweep.reset is not run with --embedded"));
}

TEST_F(sweep_fixture, bad_input_is_refused_before_any_trial) {
    for (const char* bad : {"    phases.rels.wrkers: [1]\n", "    phases.rels.workers: [1, lots]\n",
                            "    phases.rels.workers: []\n"}) {
        dir.write("cfg.yaml", config.substr(0, config.find("    phases.rels.workers")) + bad);
        err.str("");
        EXPECT_EQ(run([](const trial_request&) { return trial_exit{0, "", false, 0}; }), exit_usage) << bad;
        EXPECT_THAT(err.str(), HasSubstr("cfg.yaml:8:")) << err.str();
    }
    EXPECT_TRUE(requests.empty());
    dir.write("cfg.yaml", config.substr(0, config.find("sweep:")));
    EXPECT_EQ(run([](const trial_request&) { return trial_exit{0, "", false, 0}; }), exit_usage);
    EXPECT_THAT(err.str(), HasSubstr("has no sweep: block"));
}

TEST_F(sweep_fixture, crashed_and_timed_out_trials_are_recorded_as_failed) {
    const int code = run([&](const trial_request& r) {
        switch (requests.size()) {
            case 1: return trial_exit{std::nullopt, "the import was killed by signal 11", false, 0.2};
            case 3: return trial_exit{std::nullopt, "timed out after 5 s (trial_timeout)", false, 5};
            default: write_report(r.dir, 1); return trial_exit{0, "", false, 0.1};
        }
    });
    EXPECT_EQ(code, exit_ok);  // cell 1 failed, cell 0 did not
    const auto j = report();
    EXPECT_EQ(j["sweep"]["trials"][0]["status"], "failed");
    EXPECT_EQ(j["sweep"]["trials"][0]["reason"], "the import was killed by signal 11");
    EXPECT_EQ(j["sweep"]["trials"][2]["reason"], "timed out after 5 s (trial_timeout)");
    EXPECT_EQ(j["sweep"]["cells"][0]["failed_trials"], 2);
    EXPECT_EQ(j["sweep"]["recommendation"]["cell"], 1);
}

TEST_F(sweep_fixture, every_cell_failed_exits_1_and_says_so) {
    const int code = run([&](const trial_request& r) {
        write_report(r.dir, 1, 3);
        return trial_exit{1, "", false, 0.1};
    });
    EXPECT_EQ(code, exit_batches_failed);
    EXPECT_THAT(out.str(), HasSubstr("no recommendation: every cell failed"));
    EXPECT_TRUE(report()["sweep"]["recommendation"].is_null());
}

TEST_F(sweep_fixture, ctrl_c_stops_after_the_running_trial_and_reports_what_was_measured) {
    options.html = (dir.path / "sweep.html").string();
    const int code = run([&](const trial_request& r) {
        write_report(r.dir, 1);
        if (requests.size() == 2) signals = 1;  // Ctrl-C while the second trial runs
        return trial_exit{0, "", false, 0.1};
    });
    EXPECT_EQ(code, exit_interrupted);
    EXPECT_EQ(requests.size(), 2u);
    const auto j = report();
    EXPECT_EQ(j["sweep"]["trials"].size(), 2u);
    EXPECT_EQ(j["sweep"]["interrupted"], true);
    EXPECT_EQ(j["sweep"]["trials"][1]["status"], "ok");  // the running trial finished
    EXPECT_THAT(out.str(), HasSubstr("2 of 4 trials run (interrupted)"));
    EXPECT_TRUE(std::filesystem::exists(dir.path / "sweep.html"));
}

TEST_F(sweep_fixture, a_second_ctrl_c_stops_the_running_trial_which_is_left_out) {
    const int code = run([&](const trial_request& r) {
        write_report(r.dir, 1);
        if (requests.size() == 3) {
            signals = 2;
            return trial_exit{130, "interrupted by the user", true, 0.1};
        }
        return trial_exit{0, "", false, 0.1};
    });
    EXPECT_EQ(code, exit_interrupted);
    const auto j = report();
    EXPECT_EQ(j["sweep"]["trials"][2]["status"], "interrupted");
    EXPECT_EQ(j["sweep"]["cells"][0]["measured_trials"], 1);
    EXPECT_EQ(j["sweep"]["cells"][0]["interrupted_trials"], 1);
}

}  // namespace
