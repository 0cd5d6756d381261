// `boltload import` end to end: the real executables (boltload and its boltload-worker
// processes) against an embedded server running in this test process, checked by counting what
// the server stores. Covers exact counts for CSV and generated data, a worker killed with SIGKILL
// mid-run, injected transient faults, dead letters, Ctrl-C with --resume, and the guide's
// conflicting relationship import.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bolt/driver.hpp"
#include "server/bolt/server.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using boltload::testing::temp_dir;
using namespace std::chrono_literals;

const fs::path bin_dir = BOLTLOAD_BIN_DIR;
const fs::path configs_dir = BOLTLOAD_CONFIGS_DIR;


std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A running `boltload` process; its stdout and stderr go to files in the temp dir.
struct child {
    pid_t pid = -1;
    fs::path out, err;
    int wait_exit(std::chrono::seconds limit = 120s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                ADD_FAILURE() << "boltload did not finish in " << limit.count() << " s";
                return -1;
            }
            std::this_thread::sleep_for(20ms);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::string stdout_text() const { return read_file(out); }
    std::string stderr_text() const { return read_file(err); }
};

child start_boltload(const temp_dir& dir, std::vector<std::string> args, const std::string& tag = "run") {
    child c;
    c.out = dir.path / (tag + ".out");
    c.err = dir.path / (tag + ".err");
    const std::string exe = (bin_dir / "boltload").string();
    args.insert(args.begin(), exe);
    c.pid = ::fork();
    if (c.pid == 0) {
        const int o = ::open(c.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open(c.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(o, 1);
        ::dup2(e, 2);
        ::chdir(dir.path.c_str());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(exe.c_str(), argv.data());
        ::_exit(127);
    }
    return c;
}

/// The in-process server the imports write to, and a client to count with.
struct server_fixture {
    server::bolt::server srv;
    std::optional<bolt::driver> client;

    explicit server_fixture(server::bolt::fault_options faults = {},
                            server::storage::storage_mode mode = server::storage::storage_mode::in_memory_transactional)
        : srv(make_options(faults, mode)) {
        srv.start();
        client.emplace(srv.uri());
    }
    static server::bolt::server_options make_options(server::bolt::fault_options faults,
                                                     server::storage::storage_mode mode) {
        server::bolt::server_options o;
        o.listen = "127.0.0.1:0";
        o.threads = 4;
        o.storage.mode = mode;
        o.connection.faults = faults;
        return o;
    }
    std::int64_t count(const std::string& query) {
        auto r = client->execute_query(query);
        return r.records.at(0)[0].as<std::int64_t>();
    }
    std::string uri() const { return srv.uri(); }
};

std::string node_config(const std::string& uri, const std::string& source, const std::string& query,
                        int workers, int batch, const std::string& extra = "") {
    return "connection:\n  uri: " + uri + "\n" + extra +
           "phases:\n"
           "  - name: nodes\n"
           "    source:\n" + source +
           "    query: \"" + query + "\"\n"
           "    batch_size: " + std::to_string(batch) + "\n"
           "    workers: " + std::to_string(workers) + "\n"
           "    retry: {kind: memgraph, max_retries: 50, initial_wait_time: 0.001, backoff_factor: 1.5, jitter: 0.001}\n";
}

std::string generated_nodes(int count, int chunk_rows = 0) {
    return "      generate: {entity: nodes, count: " + std::to_string(count) + "}\n" +
           (chunk_rows ? "    chunk_rows: " + std::to_string(chunk_rows) + "\n" : "");
}

nlohmann::json report_of(const fs::path& p) { return nlohmann::json::parse(read_file(p)); }

TEST(Import, GeneratedNodesEndWithExactCounts) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    dir.write("c.yaml", node_config(s.uri(), generated_nodes(25'000, 2'000),
                                    "UNWIND $batch AS row CREATE (:N {id: row.id})", 3, 500));
    auto c = start_boltload(dir, {"import", "c.yaml", "--report", "r.json"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 25'000);
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(DISTINCT n.id)"), 25'000);
    const auto r = report_of(dir.path / "r.json");
    EXPECT_EQ(r.at("rows_committed"), 25'000);
    EXPECT_EQ(r.at("batches"), 50);
    EXPECT_EQ(r.at("phases").at(0).at("name"), "nodes");
    EXPECT_NE(c.stdout_text().find("nodes"), std::string::npos);  // the summary table
}

TEST(Import, CsvWithQuotesTypesAndCrlfEndsWithExactValues) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    std::string csv = "id,name,score,tags\r\n";
    for (int i = 0; i < 3'000; ++i)
        csv += std::to_string(i) + ",\"user, \"\"" + std::to_string(i) + "\"\"\nline2\"," +
               std::to_string(i) + ".5,a;b\r\n";
    dir.write("users.csv", csv);
    const std::string source =
        "      csv:\n        path: users.csv\n        columns:\n"
        "          - {name: id, type: int}\n          - {name: name, type: string}\n"
        "          - {name: score, type: float}\n          - {name: tags, type: list}\n";
    dir.write("c.yaml", node_config(s.uri(), source + "    chunk_bytes: 4096\n",
                                    "UNWIND $batch AS row CREATE (:U {id: row.id, name: row.name, "
                                    "score: row.score, tags: row.tags})",
                                    2, 100));
    auto c = start_boltload(dir, {"import", "c.yaml"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (u:U) RETURN count(u)"), 3'000);
    auto r = s.client->execute_query("MATCH (u:U {id: 1234}) RETURN u.name, u.score, u.tags");
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0][0].as<std::string>(), "user, \"1234\"\nline2");
    EXPECT_DOUBLE_EQ(r.records[0][1].as<double>(), 1234.5);
    EXPECT_EQ(r.records[0][2], bolt::value(bolt::list{"a", "b"}));
}

/// Pids of the boltload-worker processes whose parent is `parent`.
std::vector<pid_t> workers_of(pid_t parent) {
    std::vector<pid_t> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(e.path() / "stat");
        std::string pid, comm, state;
        pid_t ppid = 0;
        if (!(stat >> pid >> comm >> state >> ppid)) continue;
        if (ppid == parent && comm.find("boltload-worker") != std::string::npos) out.push_back(std::stoi(pid));
    }
    return out;
}

TEST(Import, AWorkerKilledWithSigkillLosesNoRow) {
    server::bolt::fault_options slow;
    slow.latency_ms = 3;  // long enough to kill a worker in the middle
    server_fixture s(slow);
    temp_dir dir{"boltload-it"};
    // MERGE, marked idempotent: the batch the worker was running when it died is in doubt and
    // runs again, harmlessly.
    dir.write("c.yaml", node_config(s.uri(), generated_nodes(20'000, 1'000),
                                    "UNWIND $batch AS row MERGE (:N {id: row.id})", 3, 50) +
                            "    idempotent: true\n");
    auto c = start_boltload(dir, {"import", "c.yaml", "--report", "r.json"});
    bool killed = false;
    for (int i = 0; i < 500 && !killed; ++i) {
        std::this_thread::sleep_for(20ms);
        if (s.count("MATCH (n:N) RETURN count(n)") < 2'000) continue;
        auto pids = workers_of(c.pid);
        if (!pids.empty()) killed = ::kill(pids.front(), SIGKILL) == 0;
    }
    ASSERT_TRUE(killed);
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 20'000);
    const auto r = report_of(dir.path / "r.json");
    EXPECT_GE(r.at("worker_restarts").get<int>(), 1);
    EXPECT_EQ(r.at("rows_committed"), 20'000);
    EXPECT_EQ(r.at("rows_unknown"), 0);
    EXPECT_EQ(r.at("rows_input"), 20'000);
}

TEST(Import, InjectedTransientErrorsAreRetriedAndCounted) {
    server::bolt::fault_options faults;
    faults.transient_error_probability = 0.3;
    faults.seed = 42;
    server_fixture s(faults);
    temp_dir dir{"boltload-it"};
    dir.write("c.yaml", node_config(s.uri(), generated_nodes(5'000),
                                    "UNWIND $batch AS row CREATE (:N {id: row.id})", 2, 100));
    auto c = start_boltload(dir, {"import", "c.yaml", "--report", "r.json"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 5'000);
    const auto r = report_of(dir.path / "r.json");
    EXPECT_GT(r.at("other_transient_errors").get<int>(), 0);
    EXPECT_EQ(r.at("retries"), r.at("other_transient_errors").get<int>() + r.at("conflicts").get<int>());
}

TEST(Import, APermanentlyFailingBatchIsDeadLetteredAndExitsOne) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    // Row 42 divides by zero: its batch fails with a ClientError, which no retry can fix.
    std::string csv = "id,d\n";
    for (int i = 0; i < 200; ++i) csv += std::to_string(i) + "," + (i == 42 ? "0" : "1") + "\n";
    dir.write("rows.csv", csv);
    const std::string source =
        "      csv:\n        path: rows.csv\n        columns:\n"
        "          - {name: id, type: int}\n          - {name: d, type: int}\n";
    dir.write("c.yaml", node_config(s.uri(), source, "UNWIND $batch AS row CREATE (:N {id: row.id / row.d})", 1, 10) +
                            "    max_failed_batches: 5\n    dead_letter: dead.csv\n");
    auto c = start_boltload(dir, {"import", "c.yaml", "--report", "r.json"});
    EXPECT_EQ(c.wait_exit(), 1) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 190);
    const std::string dead = read_file(dir.path / "dead.csv");
    EXPECT_EQ(dead.substr(0, 5), "id,d\n");
    EXPECT_NE(dead.find("42,0\n"), std::string::npos);
    EXPECT_EQ(std::count(dead.begin(), dead.end(), '\n'), 11);  // header + the batch's 10 rows
    const std::string errors = read_file(dir.path / "dead.csv.errors.jsonl");
    EXPECT_NE(errors.find("\"first_line\":42"), std::string::npos) << errors;  // line 42 = ids 40..49 start at 42
    EXPECT_EQ(report_of(dir.path / "r.json").at("rows_failed"), 10);
}

TEST(Import, InterruptedThenResumedGivesExactCounts) {
    server::bolt::fault_options slow;
    slow.latency_ms = 5;
    server_fixture s(slow);
    temp_dir dir{"boltload-it"};
    dir.write("c.yaml", node_config(s.uri(), generated_nodes(6'000, 500),
                                    "UNWIND $batch AS row CREATE (:N {id: row.id})", 2, 20));
    auto c = start_boltload(dir, {"import", "c.yaml"}, "first");
    for (int i = 0; i < 500; ++i) {
        std::this_thread::sleep_for(20ms);
        if (s.count("MATCH (n:N) RETURN count(n)") >= 1'000) break;
    }
    ::kill(c.pid, SIGINT);
    EXPECT_EQ(c.wait_exit(), 130) << c.stderr_text();
    const auto partial = s.count("MATCH (n:N) RETURN count(n)");
    EXPECT_LT(partial, 6'000);
    ASSERT_TRUE(fs::exists(dir.path / "c.yaml.journal.jsonl")) << c.stderr_text();
    // A fresh run must not silently repeat what the interrupted one committed.
    auto again = start_boltload(dir, {"import", "c.yaml"}, "again");
    EXPECT_EQ(again.wait_exit(), 2);
    EXPECT_NE(again.stderr_text().find("--resume continues it"), std::string::npos) << again.stderr_text();
    auto resumed = start_boltload(dir, {"import", "c.yaml", "--resume", "--report", "r.json"}, "second");
    ASSERT_EQ(resumed.wait_exit(), 0) << resumed.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 6'000);
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(DISTINCT n.id)"), 6'000);
    // The report covers the whole import, with a line for each part.
    const auto r = report_of(dir.path / "r.json");
    EXPECT_EQ(r.at("rows_committed"), 6'000);
    EXPECT_EQ(r.at("rows_input"), 6'000);
    ASSERT_EQ(r.at("runs").size(), 2u);
    EXPECT_EQ(r.at("runs").at(0).at("exit_code"), 130);
    EXPECT_EQ(r.at("runs").at(0).at("rows_committed").get<std::int64_t>() +
                  r.at("runs").at(1).at("rows_committed").get<std::int64_t>(),
              6'000);
}

TEST(Import, TheGuidesRelationshipImportConflictsAndEndsWithTenThousand) {
    // As the README runs it: --embedded, with the config's `embedded:` block; its verify queries
    // (1,001 nodes, 10,000 relationships) decide the exit code.
    temp_dir dir{"boltload-it"};
    auto c = start_boltload(dir, {"import", (configs_dir / "guide-relationships.yaml").string(), "--embedded",
                                  "--report", "r.json"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_NE(c.stdout_text().find("verify ok  : MATCH ()-[r:RELATIONSHIP]->() RETURN count(r) (expected 10000, got 10000)"),
              std::string::npos) << c.stdout_text();
    const auto r = report_of(dir.path / "r.json");
    EXPECT_GT(r.at("phases").at(1).at("conflicts").get<int>(), 0);
    EXPECT_EQ(r.at("phases").at(1).at("retries"), r.at("phases").at(1).at("conflicts"));
    EXPECT_EQ(r.at("phases").at(1).at("rows_committed"), 10'000);
}

}  // namespace

// ---- schedule: mix_and_batch -------------------------------------------------------------------

namespace mnb_tests {

/// Nodes 0..nodes-1, then relationships from `source` with schedule mix_and_batch and `extra`.
std::string relationship_config(const std::string& uri, int nodes, const std::string& source,
                                const std::string& query, const std::string& extra) {
    return "connection:\n  uri: " + uri + "\n"
           "before: 'CREATE INDEX ON :N(id)'\n"
           "phases:\n"
           "  - name: nodes\n"
           "    source: {generate: {entity: nodes, count: " + std::to_string(nodes) + "}}\n"
           "    query: 'UNWIND $batch AS r CREATE (:N {id: r.id})'\n"
           "    batch_size: 1000\n"
           "  - name: rels\n"
           "    source:\n" + source +
           "    query: '" + query + "'\n"
           "    schedule: mix_and_batch\n" + extra;
}

const std::string create_rel = "UNWIND $batch AS r MATCH (a:N {id: r.a}), (b:N {id: r.b}) CREATE (a)-[:R]->(b)";

}  // namespace mnb_tests

TEST(MixAndBatch, HotspotRelationshipsLoadWithoutAConflictAndTheSpillGoes) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    dir.write("c.yaml", mnb_tests::relationship_config(
                            s.uri(), 2000,
                            "      generate: {entity: relationships, count: 30000, id_max: 1999, distribution: \"hotspot(10, 0.9)\", seed: 3}\n",
                            mnb_tests::create_rel,
                            "    batch_size: 200\n    workers: 4\n    mix_and_batch: {groups: 5}\n"
                            "    retry: {kind: none}\n"));
    auto c = start_boltload(dir, {"import", "c.yaml", "--report", "r.json"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH ()-[r:R]->() RETURN count(r)"), 30'000);
    const auto r = report_of(dir.path / "r.json");
    const auto& rels = r.at("phases").at(1);
    EXPECT_EQ(rels.at("conflicts"), 0);  // with retry kind none a conflict would have failed a batch
    EXPECT_EQ(rels.at("rows_committed"), 30'000);
    const auto& sched = rels.at("schedule");
    EXPECT_EQ(sched.at("kind"), "mix_and_batch");
    EXPECT_EQ(sched.at("groups"), 5);
    EXPECT_EQ(sched.at("rounds"), 5);
    std::int64_t rows = 0;
    for (const auto& cell : sched.at("rows_per_round_cell")) rows += cell.at(2).get<std::int64_t>();
    EXPECT_EQ(rows, 30'000);
    EXPECT_FALSE(fs::exists(dir.path / "c.yaml.rels.spill"));
    EXPECT_NE(c.stdout_text().find("rels: schedule mix_and_batch (monopartite, 5 groups by greedy"), std::string::npos)
        << c.stdout_text();
}

TEST(MixAndBatch, CsvRowsKeepTheirLinesInDeadLettersAndEndpointsAreFound) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    // from/to columns are guessed as the endpoints; one row divides by zero.
    std::string csv = "from,to,d\n";
    for (int i = 0; i < 3000; ++i) csv += std::to_string(i % 300) + "," + std::to_string((i * 7) % 300) + "," +
                                          (i == 2024 ? "0" : "1") + "\n";
    dir.write("rels.csv", csv);
    dir.write("c.yaml", mnb_tests::relationship_config(
                            s.uri(), 300,
                            "      csv:\n        path: rels.csv\n        columns: [{name: from, type: int}, "
                            "{name: to, type: int}, {name: d, type: int}]\n",
                            "UNWIND $batch AS r MATCH (a:N {id: r.from}), (b:N {id: r.to}) CREATE (a)-[:R {x: 1 / r.d}]->(b)",
                            "    batch_size: 50\n    workers: 3\n    chunk_bytes: 4KiB\n    max_failed_batches: 5\n"
                            "    mix_and_batch: {grouping: hash, groups: 3}\n    dead_letter: dead.csv\n"));
    auto c = start_boltload(dir, {"import", "c.yaml", "--report", "r.json"});
    EXPECT_EQ(c.wait_exit(), 1) << c.stderr_text();
    const auto r = report_of(dir.path / "r.json").at("phases").at(1);
    EXPECT_EQ(r.at("rows_failed").get<int>() + r.at("rows_committed").get<int>(), 3000);
    EXPECT_EQ(s.count("MATCH ()-[r:R]->() RETURN count(r)"), r.at("rows_committed").get<int>());
    const std::string dead = read_file(dir.path / "dead.csv");
    EXPECT_EQ(dead.substr(0, 10), "from,to,d\n");
    EXPECT_NE(dead.find("\n224,68,0\n"), std::string::npos) << dead;  // row 2024, as in the file
    const std::string errors = read_file(dir.path / "dead.csv.errors.jsonl");
    EXPECT_NE(errors.find("\"first_line\":"), std::string::npos);
    // Its batch's first line is a line of the input that holds a row of the same cell.
    const auto e = nlohmann::json::parse(errors.substr(0, errors.find('\n')));
    EXPECT_GE(e.at("first_line").get<int>(), 2);
    EXPECT_LE(e.at("first_line").get<int>(), 2026);
    EXPECT_FALSE(fs::exists(dir.path / "c.yaml.rels.spill"));  // the phase completed
}

TEST(MixAndBatch, AMissingEndpointFieldIsAClearErrorBeforeAnyWrite) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    dir.write("rels.csv", "x,y\n1,2\n");
    dir.write("c.yaml", mnb_tests::relationship_config(s.uri(), 3, "      csv: {path: rels.csv}\n", mnb_tests::create_rel,
                                                       ""));
    auto c = start_boltload(dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2);
    EXPECT_NE(c.stderr_text().find("mix_and_batch needs the columns that hold the two node keys"), std::string::npos)
        << c.stderr_text();
    EXPECT_NE(c.stderr_text().find("(the columns: x, y)"), std::string::npos) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH ()-[r:R]->() RETURN count(r)"), 0);
}

TEST(MixAndBatch, AnInterruptedScheduleResumesToExactCounts) {
    server::bolt::fault_options slow;
    slow.latency_ms = 4;
    server_fixture s(slow);
    temp_dir dir{"boltload-it"};
    dir.write("c.yaml", mnb_tests::relationship_config(
                            s.uri(), 1000,
                            "      generate: {entity: relationships, count: 40000, id_max: 999, distribution: zipf, seed: 5}\n",
                            mnb_tests::create_rel,
                            "    batch_size: 100\n    workers: 3\n    mix_and_batch: {groups: 5}\n"));
    auto c = start_boltload(dir, {"import", "c.yaml"}, "first");
    for (int i = 0; i < 1000; ++i) {
        std::this_thread::sleep_for(10ms);
        if (s.count("MATCH ()-[r:R]->() RETURN count(r)") >= 8'000) break;
    }
    ::kill(c.pid, SIGKILL);  // the coordinator dies mid-round; its workers finish their batch
    c.wait_exit();
    std::this_thread::sleep_for(500ms);
    auto resumed = start_boltload(dir, {"import", "c.yaml", "--resume", "--report", "r.json"}, "second");
    ASSERT_EQ(resumed.wait_exit() / 2, 0) << resumed.stderr_text();  // 0, or 1 for batches in doubt
    const auto r = report_of(dir.path / "r.json").at("phases").at(1);
    const auto committed = r.at("rows_committed").get<std::int64_t>();
    const auto unknown = r.at("rows_unknown").get<std::int64_t>();
    EXPECT_EQ(committed + unknown, 40'000);
    const auto in_db = s.count("MATCH ()-[r:R]->() RETURN count(r)");
    EXPECT_GE(in_db, committed);
    EXPECT_LE(in_db, committed + unknown);
    EXPECT_EQ(r.at("conflicts"), 0);
}

TEST(MixAndBatch, AFullSpillDiskStopsCleanlyAndAResumeElsewhereEndsExact) {
    temp_dir dir{"boltload-it"};
    const fs::path small = dir.path / "small";
    fs::create_directories(small);
    if (::system(("mount -t tmpfs -o size=64k tmpfs " + small.string() + " 2>/dev/null").c_str()) != 0)
        GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): the full-disk case is not run";
    struct unmount {
        fs::path p;
        ~unmount() { (void)::system(("umount " + p.string() + " 2>/dev/null").c_str()); }
    } guard{small};
    server_fixture s;
    std::string csv = "a,b\n";
    for (int i = 0; i < 30000; ++i) csv += std::to_string(i % 500) + "," + std::to_string((i * 13) % 500) + "\n";
    dir.write("rels.csv", csv);  // ~230 KB: its spill does not fit in 64 KiB
    dir.write("c.yaml", mnb_tests::relationship_config(
                            s.uri(), 500, "      csv: {path: rels.csv, columns: [{name: a, type: int}, {name: b, type: int}]}\n",
                            mnb_tests::create_rel, "    batch_size: 500\n    workers: 2\n    chunk_bytes: 32KiB\n"
                                                   "    mix_and_batch: {groups: 3, spill_dir: small/spill}\n"));
    auto c = start_boltload(dir, {"import", "c.yaml"}, "full");
    EXPECT_EQ(c.wait_exit(), 2) << c.stderr_text();
    EXPECT_NE(c.stderr_text().find("the disk full?"), std::string::npos) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH ()-[r:R]->() RETURN count(r)"), 0);  // the rounds never started
    auto r = start_boltload(dir, {"import", "c.yaml", "--resume", "--report", "r.json", "--set",
                                  "phases.1.mix_and_batch.spill_dir=big"},
                            "resumed");
    ASSERT_EQ(r.wait_exit(), 0) << r.stderr_text();
    EXPECT_EQ(s.count("MATCH ()-[r:R]->() RETURN count(r)"), 30'000);
    EXPECT_EQ(report_of(dir.path / "r.json").at("phases").at(1).at("conflicts"), 0);
}

TEST(MixAndBatch, AnEndpointHoldingAListIsAnErrorNamingTheLine) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    dir.write("rels.csv", "a,b\n1,2\n3,4;5\n");
    dir.write("c.yaml", mnb_tests::relationship_config(
                            s.uri(), 6, "      csv: {path: rels.csv, columns: [{name: a, type: int}, {name: b, type: list, element: int}]}\n",
                            mnb_tests::create_rel, "    mix_and_batch: {groups: 3}\n"));
    auto c = start_boltload(dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2);
    EXPECT_NE(c.stderr_text().find("rels.csv:2: mix_and_batch.endpoints.target: field 'b' holds a list"),
              std::string::npos) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH ()-[r:R]->() RETURN count(r)"), 0);
}

// ---- boltload sweep ------------------------------------------------------------------------------

namespace sweep_test {

/// A tiny conflicting workload: 2 cells (workers 1, 2) × 2 repeats, each trial on its own
/// embedded server.
const std::string sweep_config = R"(phases:
  - name: nodes
    source: {generate: {entity: nodes, count: 50}}
    query: 'UNWIND $batch AS row CREATE (:Node {id: row.id})'
    batch_size: 50
    workers: 1
  - name: rels
    source: {generate: {entity: relationships, count: 400, id_min: 0, id_max: 49, distribution: 'hotspot(3, 0.9)'}}
    query: 'UNWIND $batch AS row MATCH (a:Node {id: row.a}), (b:Node {id: row.b}) CREATE (a)-[:L]->(b)'
    batch_size: 20
    workers: 2
    retry: {kind: memgraph, max_retries: 200, initial_wait_time: 0.001, backoff_factor: 1.2, jitter: 0.5}
before: 'CREATE INDEX ON :Node(id)'
verify:
  - {query: 'MATCH ()-[r:L]->() RETURN count(r)', expect: 400}
sweep:
  vary:
    phases.rels.workers: [1, 2]
  repeat: 2
  trial_timeout: 60
)";

}  // namespace sweep_test

TEST(Sweep, TwoCellsTwoRepeatsOnEmbeddedServersEndToEnd) {
    temp_dir dir;
    dir.write("sweep.yaml", sweep_test::sweep_config);
    child c = start_boltload(dir, {"sweep", "sweep.yaml", "--embedded", "--report", "sweep.json", "--html", "sweep.html"});
    ASSERT_EQ(c.wait_exit(180s), 0) << c.stderr_text() << c.stdout_text();
    const std::string out = c.stdout_text();
    EXPECT_NE(out.find("recommended: cell "), std::string::npos) << out;
    EXPECT_NE(out.find("phases:\n  - name: rels\n    workers: "), std::string::npos) << out;
    EXPECT_NE(out.find("rule: among cells where no trial failed"), std::string::npos) << out;
    EXPECT_NE(c.stderr_text().find("trial 4/4: "), std::string::npos) << c.stderr_text();
    const auto report = nlohmann::json::parse(read_file(dir.path / "sweep.json"));
    const auto& sweep = report.at("sweep");
    ASSERT_EQ(sweep.at("trials").size(), 4u);
    for (const auto& t : sweep.at("trials")) {
        EXPECT_EQ(t.at("status"), "ok") << t.dump();
        EXPECT_EQ(t.at("exit_code"), 0);
        EXPECT_GT(t.at("metrics").at("makespan_s").get<double>(), 0);
        EXPECT_GE(t.at("metrics").at("attempts_per_batch").get<double>(), 1.0);
        EXPECT_TRUE(t.at("metrics").contains("latency_p95_ms"));
        EXPECT_TRUE(t.at("metrics").contains("imbalance"));
    }
    EXPECT_EQ(sweep.at("trials")[0].at("seed"), 1);
    EXPECT_EQ(sweep.at("trials")[2].at("seed"), 2);
    ASSERT_EQ(sweep.at("cells").size(), 2u);
    EXPECT_EQ(sweep.at("cells")[1].at("settings").at("phases.rels.workers"), 2);
    EXPECT_EQ(sweep.at("cells")[0].at("measured_trials"), 2);
    const auto& rec = sweep.at("recommendation");
    ASSERT_TRUE(rec.is_object());
    EXPECT_TRUE(rec.at("settings").contains("phases.rels.workers"));
    const std::string html = read_file(dir.path / "sweep.html");
    EXPECT_NE(html.find("Pareto"), std::string::npos);
    // The recommendation applies with --set as it stands in the report.
    const std::string set = "phases.rels.workers=" + rec.at("settings").at("phases.rels.workers").dump();
    child imp = start_boltload(dir, {"import", "sweep.yaml", "--embedded", "--quiet", "--set", set}, "import");
    EXPECT_EQ(imp.wait_exit(), 0) << imp.stderr_text();
    // `boltload report html` renders the same report.
    child page = start_boltload(dir, {"report", "html", "sweep.json", "-o", "again.html"}, "report");
    EXPECT_EQ(page.wait_exit(), 0) << page.stderr_text();
}

TEST(Sweep, ACrashingTrialIsRecordedAsFailedAndTheOthersStillRun) {
    temp_dir dir;
    // Cell 1's trials stall on every query until trial_timeout kills them.
    std::string cfg = sweep_test::sweep_config;
    cfg.replace(cfg.find("  trial_timeout: 60"), std::string("  trial_timeout: 60").size(), "  trial_timeout: 4");
    cfg.replace(cfg.find("    phases.rels.workers: [1, 2]"), std::string("    phases.rels.workers: [1, 2]").size(),
                "    embedded.faults.latency_ms: [0, 20000]");
    dir.write("sweep.yaml", cfg);
    child c = start_boltload(dir, {"sweep", "sweep.yaml", "--embedded", "--report", "sweep.json"});
    EXPECT_EQ(c.wait_exit(120s), 0) << c.stderr_text();
    const auto sweep = nlohmann::json::parse(read_file(dir.path / "sweep.json")).at("sweep");
    ASSERT_EQ(sweep.at("trials").size(), 4u);
    EXPECT_EQ(sweep.at("trials")[1].at("status"), "failed");
    EXPECT_NE(sweep.at("trials")[1].at("reason").get<std::string>().find("timed out after 4 s"), std::string::npos);
    EXPECT_EQ(sweep.at("cells")[1].at("failed_trials"), 2);
    EXPECT_EQ(sweep.at("recommendation").at("cell"), 0);
}
