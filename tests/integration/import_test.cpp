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
#include <map>
#include <optional>
#include <algorithm>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bolt/driver.hpp"
#include "server/bolt/server.hpp"
#include "boltload_process.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using boltload::testing::temp_dir;
using namespace std::chrono_literals;

const fs::path bin_dir = BOLTLOAD_BIN_DIR;
const fs::path configs_dir = BOLTLOAD_CONFIGS_DIR;


using boltload::testing::read_file;
using child = boltload::testing::boltload_child;
/// The in-process server the imports write to, and a client to count with.
using server_fixture = boltload::testing::counting_server;

child start_boltload(const temp_dir& dir, std::vector<std::string> args, const std::string& tag = "run") {
    return boltload::testing::start_boltload_in(bin_dir, dir, std::move(args), tag);
}

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

// ---- bad rows (on_bad_row, max_bad_rows) --------------------------------------------------------

/// 300 rows `id,name,age` with five bad ones at known lines; the good rows' ids are 0..299 less
/// the bad ones'. Returns the CSV and fills `bad_lines` with the bad records' text.
std::string csv_with_bad_rows(std::vector<std::string>& bad_lines) {
    std::string csv = "id,name,age\n";
    for (int i = 0; i < 300; ++i) {
        std::string row = std::to_string(i) + ",user" + std::to_string(i) + "," + std::to_string(20 + i % 50);
        if (i == 10) row = "10,ten,abc";                                // not an integer
        if (i == 50) row = "50,fifty";                                  // a field short
        if (i == 120) row = "120,caf\xc3\x28,30";                       // invalid UTF-8
        if (i == 200) row = "200," + std::string(300, 'x') + ",40";     // over max_row_bytes
        if (i == 299) row = "299,\"never closed,1";                     // unterminated quote (last)
        if (i == 10 || i == 50 || i == 120 || i == 200 || i == 299) bad_lines.push_back(row);
        csv += row + "\n";
    }
    return csv;
}

std::string bad_rows_source() {
    return "      csv:\n        path: rows.csv\n        max_row_bytes: 256\n        columns:\n"
           "          - {name: id, type: int}\n          - {name: name, type: string}\n"
           "          - {name: age, type: int}\n"
           "    chunk_bytes: 1024\n";
}

/// Lines of a file (its header included).
std::vector<std::string> lines_of(const fs::path& p) {
    std::vector<std::string> out;
    std::istringstream in(read_file(p));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(BadRows, SkippedWithinTheToleranceGoToTheirFilesAndTheRunExitsZero) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    std::vector<std::string> bad;
    const std::string csv = csv_with_bad_rows(bad);
    dir.write("rows.csv", csv);
    dir.write("c.yaml", node_config(s.uri(), bad_rows_source(),
                                    "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name})", 2, 20) +
                            "    on_bad_row: skip\n    max_bad_rows: 5\n");
    auto c = start_boltload(dir, {"import", "c.yaml", "--report", "r.json"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 295);
    EXPECT_EQ(s.count("MATCH (n:N) WHERE n.id IN [10, 50, 120, 200, 299] RETURN count(n)"), 0);
    // The report's buckets add up to the rows read; the summary table shows the bad ones.
    const auto r = report_of(dir.path / "r.json");
    EXPECT_EQ(r.at("rows_bad"), 5);
    EXPECT_EQ(r.at("rows_committed"), 295);
    EXPECT_EQ(r.at("rows_input"), 300);
    EXPECT_EQ(r.at("rows_committed").get<int>() + r.at("rows_failed").get<int>() + r.at("rows_unknown").get<int>() +
                  r.at("rows_bad").get<int>() + r.at("rows_not_attempted").get<int>(),
              r.at("rows_input").get<int>());
    EXPECT_EQ(r.at("phases").at(0).at("rows_bad"), 5);
    EXPECT_NE(c.stdout_text().find(" bad "), std::string::npos) << c.stdout_text();
    EXPECT_NE(c.stderr_text().find("5 bad rows were skipped"), std::string::npos) << c.stderr_text();
    // Each bad row with its original bytes, after the input's header; each reason with its place.
    auto rows = lines_of(dir.path / "nodes.bad-rows.csv");
    ASSERT_EQ(rows.size(), 6u) << read_file(dir.path / "nodes.bad-rows.csv");
    EXPECT_EQ(rows[0], "id,name,age");
    rows.erase(rows.begin());
    std::sort(rows.begin(), rows.end());
    std::sort(bad.begin(), bad.end());
    EXPECT_EQ(rows, bad);
    std::map<int, nlohmann::json> errors;
    for (const auto& line : lines_of(dir.path / "nodes.bad-rows.errors.jsonl")) {
        const auto e = nlohmann::json::parse(line);
        errors[e.at("line").get<int>()] = e;
    }
    ASSERT_EQ(errors.size(), 5u);
    EXPECT_EQ(errors.at(12).at("column"), 3);
    EXPECT_NE(errors.at(12).at("error").get<std::string>().find("rows.csv:12: column 'age' (3): expected an integer"),
              std::string::npos);
    EXPECT_EQ(errors.at(52).at("column"), 3);  // the record ended before field 3
    EXPECT_NE(errors.at(52).at("error").get<std::string>().find("expected 3 fields, found 2"), std::string::npos);
    EXPECT_EQ(errors.at(122).at("column"), 2);
    EXPECT_NE(errors.at(122).at("error").get<std::string>().find("invalid UTF-8"), std::string::npos);
    EXPECT_NE(errors.at(202).at("error").get<std::string>().find("longer than max_row_bytes (256)"), std::string::npos);
    EXPECT_NE(errors.at(301).at("error").get<std::string>().find("unterminated quoted field"), std::string::npos);
    EXPECT_EQ(errors.at(301).at("phase"), "nodes");
}

TEST(BadRows, InvalidUtf8InAStringColumnStopsTheRunByDefault) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    dir.write("rows.csv", "id,name\n1,ok\n2,caf\xe9\n3,fine\n");  // Latin-1, not UTF-8
    dir.write("c.yaml", node_config(s.uri(), "      csv:\n        path: rows.csv\n",
                                    "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name})", 1, 10));
    auto c = start_boltload(dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2) << c.stderr_text();
    EXPECT_NE(c.stderr_text().find("rows.csv:3: column 'name' (2): invalid UTF-8 at byte 4 of the field (0xe9)"),
              std::string::npos)
        << c.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 0);  // the batch holding it never ran
}

TEST(BadRows, OverTheToleranceTheRunStopsWithOneAndResumeWritesEachBadRowOnce) {
    server_fixture s;
    temp_dir dir{"boltload-it"};
    std::vector<std::string> bad;
    dir.write("rows.csv", csv_with_bad_rows(bad));
    dir.write("c.yaml", node_config(s.uri(), bad_rows_source(),
                                    "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name})", 1, 20) +
                            "    on_bad_row: skip\n    max_bad_rows: 2\n");
    auto first = start_boltload(dir, {"import", "c.yaml", "--report", "r1.json"}, "first");
    EXPECT_EQ(first.wait_exit(), 1) << first.stderr_text();
    EXPECT_NE(first.stderr_text().find("3 bad rows (max_bad_rows: 2)"), std::string::npos) << first.stderr_text();
    const auto r1 = report_of(dir.path / "r1.json");
    EXPECT_EQ(r1.at("phases").at(0).at("end"), "too_many_bad_rows");
    // The batches the worker ran while the stop was on its way count too: at least the third.
    EXPECT_GE(r1.at("rows_bad").get<int>(), 3);
    EXPECT_EQ(r1.at("rows_committed").get<int>() + r1.at("rows_bad").get<int>() + r1.at("rows_not_attempted").get<int>(),
              300);
    // Bytes past the journal's mark belong to batches whose outcome it never recorded (as after
    // a crash between the two writes): a resume cuts them off before those batches run again.
    {
        std::ofstream(dir.path / "nodes.bad-rows.csv", std::ios::app) << "999,stale,1\n";
        std::ofstream(dir.path / "nodes.bad-rows.errors.jsonl", std::ios::app) << "{\"line\":999}\n";
    }
    auto resumed = start_boltload(dir, {"import", "c.yaml", "--resume", "--set", "phases.0.max_bad_rows=10",
                                        "--report", "r2.json"},
                                  "second");
    ASSERT_EQ(resumed.wait_exit(), 0) << resumed.stderr_text();
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(n)"), 295);
    EXPECT_EQ(s.count("MATCH (n:N) RETURN count(DISTINCT n.id)"), 295);
    const auto r2 = report_of(dir.path / "r2.json");
    EXPECT_EQ(r2.at("rows_bad"), 5);
    EXPECT_EQ(r2.at("rows_committed"), 295);
    EXPECT_EQ(r2.at("rows_not_attempted"), 0);
    auto rows = lines_of(dir.path / "nodes.bad-rows.csv");
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0], "id,name,age");
    rows.erase(rows.begin());
    std::sort(rows.begin(), rows.end());
    std::sort(bad.begin(), bad.end());
    EXPECT_EQ(rows, bad);  // each once, the stale line gone
    EXPECT_EQ(lines_of(dir.path / "nodes.bad-rows.errors.jsonl").size(), 5u);
}

// ---- inputs that cannot be read ------------------------------------------------------------------

/// Runs boltload as `nobody` (setpriv), for checks that root's permissions would bypass; the exit
/// code and stderr. nullopt when that is not possible here.
std::optional<std::pair<int, std::string>> boltload_as_nobody(const temp_dir& dir, const std::string& args) {
    if (::geteuid() != 0) return std::nullopt;  // not root: the caller runs it directly instead
    if (std::system("command -v setpriv > /dev/null 2>&1") != 0) return std::nullopt;
    const fs::path err = dir.path / "nobody.err";
    const std::string cmd = "cd " + dir.path.string() + " && setpriv --reuid=nobody --regid=nogroup --clear-groups " +
                            (bin_dir / "boltload").string() + " " + args + " > /dev/null 2> " + err.string();
    const int status = std::system(cmd.c_str());
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(err));
}

TEST(Inputs, AnUnreadableCsvIsAnInputErrorForCheckAndImport) {
    temp_dir dir{"boltload-it"};
    fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
    dir.write("rows.csv", "id\n1\n");
    fs::permissions(dir.path / "rows.csv", fs::perms::none);
    dir.write("c.yaml", node_config("bolt://127.0.0.1:1", "      csv:\n        path: rows.csv\n",
                                    "UNWIND $batch AS row CREATE (:N {id: row.id})", 1, 10));
    fs::permissions(dir.path / "c.yaml", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    std::vector<std::pair<int, std::string>> runs;
    if (::geteuid() == 0) {
        for (const char* command : {"check c.yaml", "import c.yaml"}) {
            auto r = boltload_as_nobody(dir, command);
            if (!r) GTEST_SKIP() << "running as root without setpriv: chmod 000 cannot make a file unreadable for root";
            runs.push_back(*r);
        }
    } else {
        for (const char* command : {"check", "import"}) {
            auto c = start_boltload(dir, {command, "c.yaml"}, command);
            runs.emplace_back(c.wait_exit(), c.stderr_text());
        }
    }
    for (const auto& [code, err] : runs) {
        EXPECT_EQ(code, 2) << err;  // a config/input error, before anything connects
        EXPECT_NE(err.find("c.yaml:7:15: phases[0].source.csv.path: cannot read rows.csv: Permission denied"),
                  std::string::npos)
            << err;
    }
}

TEST(Inputs, ADirectoryAsTheCsvPathSaysItIsADirectory) {
    temp_dir dir{"boltload-it"};
    fs::create_directory(dir.path / "data");
    dir.write("c.yaml", node_config("bolt://127.0.0.1:1", "      csv:\n        path: data\n",
                                    "UNWIND $batch AS row CREATE (:N {id: row.id})", 1, 10));
    auto c = start_boltload(dir, {"check", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 2);
    EXPECT_NE(c.stderr_text().find("c.yaml:7:15: phases[0].source.csv.path: data is a directory, not a CSV file"),
              std::string::npos)
        << c.stderr_text();
}

// ---- connections -----------------------------------------------------------------------------

TEST(Import, VerifyRunsOnALiveConnectionAfterTheServerClosedTheIdleOne) {
    // The server closes connections silent for 1 s; boltload's own is silent while the workers
    // import (2 s of 20 ms RUNs), and verify must not report that as a check result.
    server::bolt::server_options o = server_fixture::options({}, server::storage::storage_mode::in_memory_transactional);
    o.connection.limits.idle_timeout = 1s;
    o.connection.faults.latency_ms = 20;
    server::bolt::server srv(o);
    srv.start();
    temp_dir dir{"boltload-it"};
    dir.write("c.yaml", node_config(srv.uri(), generated_nodes(2'000), "UNWIND $batch AS row CREATE (:N {id: row.id})", 1,
                                    20) +
                            "verify:\n  - query: MATCH (n:N) RETURN count(n)\n    expect: 2000\n");
    auto c = start_boltload(dir, {"import", "c.yaml"});
    ASSERT_EQ(c.wait_exit(), 0) << c.stdout_text() << c.stderr_text();
    EXPECT_NE(c.stdout_text().find("verify ok"), std::string::npos) << c.stdout_text();
}

TEST(Import, AFullServerIsSaidToBeFullWithAdviceNotAResetConnection) {
    server::bolt::server_options o = server_fixture::options({}, server::storage::storage_mode::in_memory_transactional);
    o.connection.limits.max_connections = 2;  // boltload's own connection and one worker
    server::bolt::server srv(o);
    srv.start();
    temp_dir dir{"boltload-it"};
    dir.write("c.yaml", node_config(srv.uri(), generated_nodes(100), "UNWIND $batch AS row CREATE (:N {id: row.id})", 4,
                                    10));
    auto c = start_boltload(dir, {"import", "c.yaml"});
    EXPECT_EQ(c.wait_exit(), 3) << c.stderr_text();
    const std::string err = c.stderr_text();
    EXPECT_NE(err.find("The server is full"), std::string::npos) << err;
    EXPECT_NE(err.find("use fewer workers"), std::string::npos) << err;
    EXPECT_EQ(err.find("reset by peer"), std::string::npos) << err;
}

// ---- boltload-worker's stdin --------------------------------------------------------------------

/// Runs `input_command | boltload-worker`; returns the worker's exit code and stdout.
std::pair<int, std::string> worker_fed_by(const temp_dir& dir, const std::string& input_command) {
    const fs::path out = dir.path / "worker.out";
    const std::string cmd = input_command + " | " + (bin_dir / "boltload-worker").string() + " > " + out.string() +
                            " 2>/dev/null";
    const int status = std::system(("sh -c '" + cmd + "'").c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
}

/// The worker's last stdout line, parsed: it must be JSON (so valid UTF-8) whatever it was fed.
nlohmann::json last_message(const std::string& out) {
    std::istringstream in(out);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    return nlohmann::json::parse(last);  // throws (failing the test) on invalid UTF-8
}

TEST(WorkerStdin, GarbageIsAProtocolErrorEscapedAndNonZero) {
    temp_dir dir{"boltload-it"};
    dir.write("garbage", std::string("\xff\xfe\x01not json \xc3\x28\n", 15));
    const auto [code, out] = worker_fed_by(dir, "cat " + (dir.path / "garbage").string());
    EXPECT_NE(code, 0);
    const auto m = last_message(out);
    EXPECT_EQ(m.at("type"), "fatal");
    EXPECT_EQ(m.at("kind"), "protocol");
    EXPECT_EQ(m.at("message"), "unreadable message on stdin: not a JSON object: '\\xff\\xfe\\x01not json \\xc3('");
}

TEST(WorkerStdin, AHugeLineWithoutNewlineIsAProtocolErrorNotASilentExit) {
    temp_dir dir{"boltload-it"};
    // 100 MB and no newline: refused once it passes the line limit, not read to the end.
    const auto [code, out] = worker_fed_by(dir, "head -c 100000000 /dev/zero | tr \"\\000\" a");
    EXPECT_NE(code, 0);
    const auto m = last_message(out);
    EXPECT_EQ(m.at("kind"), "protocol");
    EXPECT_NE(m.at("message").get<std::string>().find("a line on stdin is longer than 67108864 bytes"), std::string::npos)
        << m.dump();
    // A short unfinished message at the end of the input is an error too.
    dir.write("partial", "{\"type\":\"hello\",\"protocol\":3");
    const auto [code2, out2] = worker_fed_by(dir, "cat " + (dir.path / "partial").string());
    EXPECT_NE(code2, 0);
    EXPECT_EQ(last_message(out2).at("message"), "stdin ended inside a message (28 bytes without a newline)");
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
