// deploy/: the Kubernetes manifests and Slurm scripts, read as files of the repository. Checks
// the fields that boltload's shard flags rely on (deploy/k8s/README.md, "What the shard flags
// rely on"): an Indexed Job per phase whose completions equal --shards, retries per index that
// fail at once on exit code 2, one run id for every step, the ConfigMap mounted where the command
// reads the config (and the config in it valid); and the Slurm chain's arrays and afterok lines.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "boltload/config.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path source_dir = BOLTLOAD_SOURCE_DIR;
const fs::path k8s_dir = source_dir / "deploy" / "k8s";
const fs::path slurm_dir = source_dir / "deploy" / "slurm";

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// node.a.b.c, or an undefined node when a key is missing (yaml-cpp throws on indexing one).
YAML::Node get(const YAML::Node& node, std::initializer_list<const char*> path) {
    YAML::Node cur = YAML::Clone(node);
    for (const char* key : path) {
        if (!cur.IsMap() || !cur[key]) return YAML::Node(YAML::NodeType::Undefined);
        cur = cur[key];
    }
    return cur;
}

std::string text_at(const YAML::Node& node, std::initializer_list<const char*> path, const std::string& fallback = "") {
    const YAML::Node v = get(node, path);
    return v.IsScalar() ? v.as<std::string>() : fallback;
}

struct manifest {
    std::string file;
    YAML::Node doc;
    std::string kind() const { return doc["kind"].as<std::string>(""); }
    std::string name() const { return text_at(doc, {"metadata", "name"}); }
};

/// Every document of every deploy/k8s/*.yaml, in file-name order (the order they are applied).
std::vector<manifest> load_manifests() {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(k8s_dir))
        if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<manifest> out;
    for (const auto& f : files)
        for (const auto& doc : YAML::LoadAllFromFile(f.string()))
            if (doc && !doc.IsNull()) out.push_back({f.filename().string(), doc});
    return out;
}

/// A Job's one container (named boltload: the podFailurePolicy's rules name it).
YAML::Node container_of(const manifest& job) {
    const YAML::Node containers = get(job.doc, {"spec", "template", "spec", "containers"});
    EXPECT_TRUE(containers.IsSequence() && containers.size() == 1) << job.file;
    return containers[0];
}

/// The container's command and args as one text: the flags are searched in it.
std::string command_of(const YAML::Node& container) {
    std::string text;
    for (const char* key : {"command", "args"})
        for (const auto& part : container[key]) text += part.as<std::string>() + " ";
    return text;
}

std::optional<std::string> match(const std::string& text, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) return std::nullopt;
    return m[1].str();
}

const manifest* find_kind(const std::vector<manifest>& all, const std::string& kind) {
    for (const auto& m : all)
        if (m.kind() == kind) return &m;
    return nullptr;
}

TEST(deploy_k8s, every_manifest_parses_and_names_itself) {
    const auto all = load_manifests();
    ASSERT_GE(all.size(), 6u);
    for (const auto& m : all) {
        EXPECT_FALSE(m.doc["apiVersion"].as<std::string>("").empty()) << m.file;
        EXPECT_FALSE(m.kind().empty()) << m.file;
        EXPECT_FALSE(m.name().empty()) << m.file;
    }
}

TEST(deploy_k8s, the_configmap_holds_a_valid_config_and_a_run_id) {
    const auto all = load_manifests();
    const manifest* cm = find_kind(all, "ConfigMap");
    ASSERT_NE(cm, nullptr);
    ASSERT_TRUE(get(cm->doc, {"data", "import.yaml"}).IsScalar());
    EXPECT_FALSE(text_at(cm->doc, {"data", "run-id"}).empty());
    boltload::load_options options;
    options.check_files = false;
    const auto config = boltload::parse_config(text_at(cm->doc, {"data", "import.yaml"}),
                                               k8s_dir / "00-config.yaml (import.yaml)", options);
    EXPECT_GE(config.phases.size(), 2u);
    for (const auto& p : config.phases) EXPECT_EQ(p.schedule, boltload::schedule_kind::free) << p.work.name;
}

TEST(deploy_k8s, jobs_run_before_then_each_phase_as_an_indexed_job_then_after_and_merge) {
    const auto all = load_manifests();
    const manifest* cm = find_kind(all, "ConfigMap");
    const manifest* pvc = find_kind(all, "PersistentVolumeClaim");
    ASSERT_TRUE(cm && pvc);
    boltload::load_options options;
    options.check_files = false;
    const auto config = boltload::parse_config(text_at(cm->doc, {"data", "import.yaml"}), "import.yaml", options);
    std::vector<std::string> steps;  // in the order the files are applied
    for (const auto& job : all) {
        if (job.kind() != "Job") continue;
        SCOPED_TRACE(job.file);
        const YAML::Node spec = job.doc["spec"];
        const YAML::Node pod = get(spec, {"template", "spec"});
        EXPECT_EQ(pod["restartPolicy"].as<std::string>(""), "Never");  // podFailurePolicy needs it
        const YAML::Node container = container_of(job);
        EXPECT_EQ(container["name"].as<std::string>(""), "boltload");
        const std::string command = command_of(container);

        // The config: read from where the ConfigMap is mounted, under one of its keys.
        const auto config_path = match(command, R"(boltload import (\S+))");
        ASSERT_TRUE(config_path) << command;
        const fs::path path(*config_path);
        std::map<std::string, std::string> volume_of_mount;
        for (const auto& m : container["volumeMounts"])
            volume_of_mount[m["mountPath"].as<std::string>()] = m["name"].as<std::string>();
        ASSERT_TRUE(volume_of_mount.contains(path.parent_path().string())) << "nothing mounted at " << path.parent_path();
        const std::string volume = volume_of_mount[path.parent_path().string()];
        bool config_mounted = false, output_mounted = false;
        for (const auto& v : pod["volumes"]) {
            if (text_at(v, {"name"}) == volume && text_at(v, {"configMap", "name"}) == cm->name())
                config_mounted = true;
            if (text_at(v, {"persistentVolumeClaim", "claimName"}) == pvc->name() &&
                volume_of_mount["/out"] == v["name"].as<std::string>())
                output_mounted = true;
        }
        EXPECT_TRUE(config_mounted) << path.parent_path() << " is not ConfigMap " << cm->name();
        EXPECT_TRUE(get(cm->doc, {"data", path.filename().c_str()}).IsScalar()) << "ConfigMap has no key " << path.filename();
        EXPECT_TRUE(output_mounted) << "PVC " << pvc->name() << " not mounted at /out";

        // One run id for every step: --run-id from the ConfigMap's run-id.
        EXPECT_NE(command.find(R"(--run-id "$RUN_ID")"), std::string::npos) << command;
        bool run_id_env = false;
        for (const auto& e : container["env"])
            run_id_env = run_id_env || (e["name"].as<std::string>() == "RUN_ID" &&
                                        text_at(e, {"valueFrom", "configMapKeyRef", "name"}) == cm->name() &&
                                        text_at(e, {"valueFrom", "configMapKeyRef", "key"}) == "run-id");
        EXPECT_TRUE(run_id_env);

        // Exit code 2 (config or input error) is not retried: FailIndex for shards, FailJob else.
        const auto phase = match(command, R"(--phase (\S+))");
        const std::string fail_action = phase ? "FailIndex" : "FailJob";
        bool fails_on_2 = false;
        for (const auto& rule : get(spec, {"podFailurePolicy", "rules"})) {
            if (rule["action"].as<std::string>("") != fail_action) continue;
            if (text_at(rule, {"onExitCodes", "operator"}) != "In" ||
                text_at(rule, {"onExitCodes", "containerName"}) != "boltload")
                continue;
            for (const auto& v : get(rule, {"onExitCodes", "values"})) fails_on_2 = fails_on_2 || v.as<int>() == 2;
        }
        EXPECT_TRUE(fails_on_2) << "no podFailurePolicy rule: exit code 2 → " << fail_action;

        if (phase) {
            // An Indexed Job: JOB_COMPLETION_INDEX of --shards N, N = completions.
            steps.push_back("phase " + *phase);
            EXPECT_EQ(spec["completionMode"].as<std::string>(""), "Indexed");
            const auto shards = match(command, R"(--shards (\d+))");
            ASSERT_TRUE(shards) << command;
            const int completions = spec["completions"].as<int>(0);
            EXPECT_EQ(completions, std::stoi(*shards));
            const int parallelism = spec["parallelism"].as<int>(0);
            EXPECT_TRUE(parallelism >= 1 && parallelism <= completions) << parallelism;
            EXPECT_GE(spec["backoffLimitPerIndex"].as<int>(-1), 0);
            EXPECT_EQ(spec["maxFailedIndexes"].as<int>(-1), 0);  // one failed shard fails the Job
            EXPECT_EQ(command.find("--shard "), std::string::npos);  // the index comes from the Job
            EXPECT_NE(command.find("$JOB_COMPLETION_INDEX"), std::string::npos);  // names its report
        } else {
            EXPECT_NE(spec["completionMode"].as<std::string>("NonIndexed"), "Indexed");
            EXPECT_EQ(spec["completions"].as<int>(1), 1);
            const auto only = match(command, R"(--only (\S+))");
            ASSERT_TRUE(only) << command;
            steps.push_back("only " + *only);
            if (*only != "before") {
                EXPECT_NE(command.find("boltload report merge"), std::string::npos);
            }
        }
    }
    std::vector<std::string> expected = {"only before"};
    for (const auto& p : config.phases) expected.push_back("phase " + p.work.name);
    expected.push_back("only after,verify");
    EXPECT_EQ(steps, expected);
}

TEST(deploy_slurm, the_chain_is_before_then_an_array_per_phase_then_after_each_afterok) {
    const std::string submit = read_text(slurm_dir / "submit.sh");
    EXPECT_NE(submit.find("--parsable"), std::string::npos);
    EXPECT_NE(submit.find(R"x(--array="0-$((n - 1))")x"), std::string::npos);  // SLURM_ARRAY_TASK_MIN 0, no steps
    EXPECT_NE(submit.find(R"(--dependency="afterok:$previous")"), std::string::npos);
    EXPECT_NE(submit.find("--kill-on-invalid-dep=yes"), std::string::npos);
    EXPECT_NE(submit.find("check \"$config\" \"${sets[@]}\" --phases"), std::string::npos);
    for (const char* script : {"before.sbatch", "phase.sbatch", "after.sbatch"}) {
        SCOPED_TRACE(script);
        const std::string text = read_text(slurm_dir / script);
        ASSERT_FALSE(text.empty());
        EXPECT_NE(submit.find(std::string("$here/") + script), std::string::npos);
        EXPECT_NE(text.find(R"(--run-id "$run_id")"), std::string::npos);  // one run id for every report
    }
    const std::string phase = read_text(slurm_dir / "phase.sbatch");
    EXPECT_NE(phase.find(R"(--phase "$phase")"), std::string::npos);
    EXPECT_EQ(phase.find("--shard "), std::string::npos);  // the shard comes from SLURM_ARRAY_TASK_*
    EXPECT_NE(phase.find(R"($phase.shard-$i-of-$n.json)"), std::string::npos);
    EXPECT_NE(read_text(slurm_dir / "after.sbatch").find("report merge \"$out\"/reports/*.json"), std::string::npos);
}

}  // namespace
