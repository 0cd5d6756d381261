// Shards: which one this process is (flag, Slurm, Kubernetes), what it owns, what it may run, and
// merging their reports (hostile input refused with the file's name).
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "boltload/commands.hpp"
#include "boltload/config.hpp"
#include "boltload/report_merge.hpp"
#include "boltload/shard.hpp"
#include "temp_dir.hpp"

namespace {

using namespace boltload;
using nlohmann::json;

env_lookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional(it->second);
    };
}

std::string error_of(const std::variant<shard_spec, std::string>& r) {
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "(none)";
}

TEST(shard, the_flag_takes_i_of_n_from_zero) {
    const auto s = std::get<shard_spec>(parse_shard("3/4"));
    EXPECT_EQ(s.index, 3u);
    EXPECT_EQ(s.count, 4u);
    EXPECT_TRUE(s.owns(7) && s.owns(3) && !s.owns(4));
    EXPECT_NE(error_of(parse_shard("4/4")).find("the index must be below the count (0..3)"), std::string::npos);
    EXPECT_NE(error_of(parse_shard("0/0")).find("the count must be at least 1"), std::string::npos);
    EXPECT_NE(error_of(parse_shard("1")).find("expected I/N"), std::string::npos);
    EXPECT_NE(error_of(parse_shard("-1/4")).find("expected I/N"), std::string::npos);
}

TEST(shard, slurm_and_kubernetes_name_the_shard_and_say_so) {
    const auto slurm = std::get<shard_spec>(resolve_shard(
        std::nullopt, std::nullopt, env_of({{"SLURM_ARRAY_TASK_ID", "12"}, {"SLURM_ARRAY_TASK_MIN", "10"}, {"SLURM_ARRAY_TASK_COUNT", "4"}})));
    EXPECT_EQ(slurm.to_string(), "2/4");
    EXPECT_NE(slurm.source.find("SLURM_ARRAY_TASK_ID=12"), std::string::npos);
    const auto k8s = std::get<shard_spec>(resolve_shard(std::nullopt, 4, env_of({{"JOB_COMPLETION_INDEX", "3"}})));
    EXPECT_EQ(k8s.to_string(), "3/4");
    EXPECT_EQ(k8s.source, "JOB_COMPLETION_INDEX=3 of --shards 4");
    // The flag wins over the environment.
    EXPECT_EQ(std::get<shard_spec>(resolve_shard("1/2", std::nullopt, env_of({{"SLURM_ARRAY_TASK_ID", "0"}}))).to_string(), "1/2");
    EXPECT_FALSE(std::get<shard_spec>(resolve_shard(std::nullopt, std::nullopt, env_of({}))).sharded());
    EXPECT_NE(error_of(resolve_shard(std::nullopt, std::nullopt, env_of({{"JOB_COMPLETION_INDEX", "1"}}))).find("--shards N is not"),
              std::string::npos);
    EXPECT_NE(error_of(resolve_shard(std::nullopt, 2, env_of({{"JOB_COMPLETION_INDEX", "2"}}))).find("not an index below"),
              std::string::npos);
    EXPECT_NE(error_of(resolve_shard(std::nullopt, std::nullopt,
                                     env_of({{"SLURM_ARRAY_TASK_ID", "8"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_COUNT", "4"}})))
                  .find("no steps or lists"),
              std::string::npos);
    EXPECT_NE(error_of(resolve_shard(std::nullopt, 4, env_of({}))).find("needs JOB_COMPLETION_INDEX"), std::string::npos);
}

TEST(shard, the_run_id_comes_from_the_flag_the_engine_or_the_digests) {
    EXPECT_EQ(resolve_run_id("mine", env_of({{"SLURM_ARRAY_JOB_ID", "77"}}), "c", "i"), "mine");
    EXPECT_EQ(resolve_run_id(std::nullopt, env_of({{"SLURM_ARRAY_JOB_ID", "77"}}), "c", "i"), "77");
    EXPECT_EQ(resolve_run_id(std::nullopt, env_of({{"JOB_NAME", "import-nodes"}}), "c", "i"), "import-nodes");
    const std::string derived = resolve_run_id(std::nullopt, env_of({}), "c", "i");
    EXPECT_EQ(derived, resolve_run_id(std::nullopt, env_of({}), "c", "i"));  // shards started by hand agree
    EXPECT_EQ(derived.size(), 20u);
}

// ---- report merge ------------------------------------------------------------------------------

json shard_report(int index, int count, std::uint64_t rows, std::uint64_t latency_us) {
    const json h = json::array({json::array({latency_us, 1})});
    const json phase = {{"name", "nodes"}, {"rows_committed", rows}, {"rows_input", rows}, {"batches", 1},
                        {"latency_histogram_us", h}, {"duration_s", 1.0 + index}, {"end", "completed"},
                        {"server_counters", {{"nodes_created", rows}}}};
    return {{"report_version", 2}, {"run_id", "r"}, {"config_digest", "c"}, {"input_digest", "i"},
            {"shard", {{"index", index}, {"count", count}}}, {"scope", {{"phases", {"nodes"}}, {"only", json::array()}}},
            {"exit_code", 0}, {"rows_committed", rows}, {"rows_input", rows}, {"batches", 1}, {"duration_s", 1.0 + index},
            {"latency_histogram_us", h}, {"server_counters", {{"nodes_created", rows}}}, {"phases", {phase}}};
}

std::string refusal(const std::vector<std::pair<std::string, json>>& reports) {
    auto r = merge_reports(reports);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "(merged)";
}

TEST(report_merge, sums_counters_and_merges_histograms_by_bucket) {
    std::vector<std::pair<std::string, json>> in;
    for (int i = 0; i < 4; ++i) in.emplace_back("s" + std::to_string(i) + ".json", shard_report(i, 4, 100, i < 3 ? 1'000 : 100'000));
    const json m = std::get<json>(merge_reports(in));
    EXPECT_EQ(m.at("rows_committed"), 400);
    EXPECT_EQ(m.at("batches"), 4);
    EXPECT_EQ(m.at("server_counters").at("nodes_created"), 400);
    EXPECT_EQ(m.at("phases").at(0).at("rows_input"), 400);
    EXPECT_DOUBLE_EQ(m.at("phases").at(0).at("duration_s").get<double>(), 4.0);  // the slowest shard
    // p50 is 1 ms from the buckets; an average of the shards' p50s would say ~25.7 ms.
    EXPECT_LT(m.at("latency_ms").at("p50").get<double>(), 1.1);
    EXPECT_GT(m.at("latency_ms").at("max").get<double>(), 99.0);
    EXPECT_EQ(m.at("shards").size(), 4u);
    EXPECT_EQ(m.at("run_id"), "r");
}

TEST(report_merge, refuses_missing_duplicated_foreign_and_other_versions_naming_the_file) {
    const auto two = [](json a, json b) { return std::vector<std::pair<std::string, json>>{{"a.json", a}, {"b.json", b}}; };
    EXPECT_NE(refusal(two(shard_report(0, 3, 1, 1), shard_report(2, 3, 1, 1))).find("shard 1/3 of phases nodes: missing"),
              std::string::npos);
    EXPECT_NE(refusal(two(shard_report(0, 2, 1, 1), shard_report(0, 2, 1, 1))).find("b.json: shard 0/2 of phases nodes twice (also a.json)"),
              std::string::npos);
    json foreign = shard_report(1, 2, 1, 1);
    foreign["input_digest"] = "other";
    EXPECT_NE(refusal(two(shard_report(0, 2, 1, 1), foreign)).find("b.json: a foreign shard: its input_digest other"),
              std::string::npos);
    json old = shard_report(1, 2, 1, 1);
    old["report_version"] = 1;
    EXPECT_NE(refusal(two(shard_report(0, 2, 1, 1), old)).find("b.json: report_version 1 differs from a.json's 2"),
              std::string::npos);
    json bad = shard_report(1, 2, 1, 1);
    bad["phases"][0]["rows_input"] = "many";
    EXPECT_NE(refusal(two(shard_report(0, 2, 1, 1), bad)).find("b.json.phases[0].rows_input: expected a non-negative integer"),
              std::string::npos);
    EXPECT_NE(refusal({{"x.json", json::array()}}).find("x.json: not a boltload report"), std::string::npos);
    EXPECT_NE(refusal({{"x.json", json{{"report_version", 2}}}}).find("x.json: not a shard report: no run_id"), std::string::npos);
}

TEST(check, phases_prints_the_phase_names_without_connecting) {
    // deploy/slurm/submit.sh submits one job array per phase from this list. Nothing listens on
    // the config's port: a connection attempt would end in exit 3.
    boltload::testing::temp_dir dir;
    const auto config = dir.write("c.yaml", "connection: {uri: 'bolt://127.0.0.1:1'}\n"
                                            "phases:\n"
                                            "  - {name: people, source: {generate: {count: 5}}, query: 'UNWIND $batch AS r CREATE (:P)'}\n"
                                            "  - {name: knows, source: {generate: {entity: relationships, count: 5}},\n"
                                            "     query: 'UNWIND $batch AS r CREATE ()-[:K]->()'}\n");
    check_options options;
    options.config_file = config.string();
    options.phases = true;
    std::ostringstream out;
    auto* saved = std::cout.rdbuf(out.rdbuf());
    const int code = run_check(options);
    std::cout.rdbuf(saved);
    EXPECT_EQ(code, exit_ok);
    EXPECT_EQ(out.str(), "people\nknows\n");
}

}  // namespace
