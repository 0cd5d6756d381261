// Shards without an engine: `--only before`, then 4 node shards at once, then 4 relationship
// shards at once, then `--only after,verify`, all against one `boltload serve`. The shards are
// disjoint and cover the input (exact counts, no id twice), the merged report equals a
// one-process run of the same config, and a missing shard report makes the merge fail naming it.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "boltload_process.hpp"
#include "compress.hpp"

namespace {

namespace fs = std::filesystem;
using boltload::testing::boltload_child;
using boltload::testing::gzip_bytes;
using boltload::testing::read_file;
using boltload::testing::read_json;
using boltload::testing::start_boltload_in;
using boltload::testing::temp_dir;

const fs::path bin_dir = BOLTLOAD_BIN_DIR;
constexpr int nodes = 6'000;
constexpr int rels = 4'000;

/// `boltload serve` on a free port, stopped with SIGTERM when the test ends.
struct serve_process {
    boltload_child child;
    std::string uri;
    std::optional<bolt::driver> client;
    explicit serve_process(const temp_dir& dir, const std::string& tag) {
        child = start_boltload_in(bin_dir, dir, {"serve", "--listen", "127.0.0.1:0"}, tag);
        for (int i = 0; i < 400 && uri.empty(); ++i) {
            const std::string out = child.stdout_text();
            if (const auto at = out.find("bolt://"); at != std::string::npos && out.find('\n', at) != std::string::npos)
                uri = out.substr(at, out.find('\n', at) - at);
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        if (!uri.empty()) client.emplace(uri);
    }
    ~serve_process() {
        client.reset();
        ::kill(child.pid, SIGTERM);
        child.wait_exit(std::chrono::seconds(20));
    }
    std::int64_t count(const std::string& q) { return client->execute_query(q).records.at(0)[0].as<std::int64_t>(); }
};

void write_input(const temp_dir& dir) {
    fs::create_directories(dir.path / "data");
    for (int f = 0; f < 6; ++f) {  // nodes: 6 files, two of them gzip
        std::string text = "id\n";
        for (int i = f * 1'000; i < (f + 1) * 1'000; ++i) text += std::to_string(i) + "\n";
        if (f % 3 == 2)
            dir.write(fmt::format("data/nodes-{}.csv.gz", f), gzip_bytes(text));
        else
            dir.write(fmt::format("data/nodes-{}.csv", f), text);
    }
    std::string r = "a,b\n";
    for (int i = 0; i < rels; ++i) r += std::to_string((i * 7) % nodes) + "," + std::to_string((i * 13 + 1) % nodes) + "\n";
    dir.write("data/rels.csv", r);
}

std::string config(const std::string& uri) {
    return "connection:\n  uri: " + uri +
           "\nbefore: ['CREATE INDEX ON :N(id)']\n"
           "phases:\n"
           "  - name: nodes\n"
           "    source: {csv: {path: 'data/nodes-*', columns: [{name: id, type: int}]}}\n"
           "    query: 'UNWIND $batch AS r CREATE (:N {id: r.id})'\n"
           "    batch_size: 100\n    chunk_bytes: 1000\n    workers: 2\n"
           "  - name: rels\n"
           "    source: {csv: {path: data/rels.csv, columns: [{name: a, type: int}, {name: b, type: int}]}}\n"
           "    query: 'UNWIND $batch AS r MATCH (a:N {id: r.a}), (b:N {id: r.b}) CREATE (a)-[:R]->(b)'\n"
           "    batch_size: 100\n    chunk_bytes: 2000\n    workers: 2\n"
           "    retry: {kind: memgraph, max_retries: 1000, initial_wait_time: 0.001, backoff_factor: 1.2, jitter: 0.5}\n"
           "verify:\n"
           "  - {query: 'MATCH (n:N) RETURN count(n)', expect: " + std::to_string(nodes) + "}\n"
           "  - {query: 'MATCH ()-[r:R]->() RETURN count(r)', expect: " + std::to_string(rels) + "}\n";
}

/// Runs `args` as 4 shards at once; every shard must exit 0.
void run_shards(const temp_dir& dir, const std::string& phase) {
    std::vector<boltload_child> shards;
    for (int i = 0; i < 4; ++i)
        shards.push_back(start_boltload_in(bin_dir, dir,
                                           {"import", "c.yaml", "--phase", phase, "--shard", fmt::format("{}/4", i),
                                            "--run-id", "t1", "--report", fmt::format("{}-{}.json", phase, i), "--quiet"},
                                           fmt::format("{}-{}", phase, i)));
    for (auto& s : shards) EXPECT_EQ(s.wait_exit(), 0) << s.stderr_text();
}

TEST(Shards, FourShardsAtOnceEqualOneRunAndMergeNeedsEveryShard) {
    temp_dir dir{"boltload-shards"};
    write_input(dir);
    serve_process serve(dir, "serve");
    ASSERT_FALSE(serve.uri.empty()) << serve.child.stderr_text();
    dir.write("c.yaml", config(serve.uri));

    auto before = start_boltload_in(bin_dir, dir, {"import", "c.yaml", "--only", "before", "--run-id", "t1", "--report", "before.json"}, "before");
    ASSERT_EQ(before.wait_exit(), 0) << before.stderr_text();
    run_shards(dir, "nodes");
    // Disjoint and complete: every id once.
    EXPECT_EQ(serve.count("MATCH (n:N) RETURN count(n)"), nodes);
    EXPECT_EQ(serve.count("MATCH (n:N) RETURN count(DISTINCT n.id)"), nodes);
    std::uint64_t node_rows = 0;
    for (int i = 0; i < 4; ++i) {
        const auto r = read_json(dir.path / fmt::format("nodes-{}.json", i));
        EXPECT_EQ(r.at("shard").at("index"), i);
        EXPECT_EQ(r.at("run_id"), "t1");
        EXPECT_GT(r.at("rows_committed").get<std::uint64_t>(), 0u) << "shard " << i << " got no chunk";
        node_rows += r.at("rows_input").get<std::uint64_t>();
    }
    EXPECT_EQ(node_rows, static_cast<std::uint64_t>(nodes));
    EXPECT_NE(read_file(dir.path / "nodes-1.err").find("shard 1/4 (from --shard 1/4)"), std::string::npos);
    run_shards(dir, "rels");
    auto after = start_boltload_in(bin_dir, dir, {"import", "c.yaml", "--only", "after,verify", "--run-id", "t1", "--report", "after.json"}, "after");
    ASSERT_EQ(after.wait_exit(), 0) << after.stderr_text() << after.stdout_text();  // the verify checks pass
    EXPECT_EQ(serve.count("MATCH ()-[r:R]->() RETURN count(r)"), rels);

    std::vector<std::string> merge = {"report", "merge", "before.json", "after.json"};
    for (const char* phase : {"nodes", "rels"})
        for (int i = 0; i < 4; ++i) merge.push_back(fmt::format("{}-{}.json", phase, i));
    merge.insert(merge.end(), {"-o", "merged.json"});
    auto m = start_boltload_in(bin_dir, dir, merge, "merge");
    ASSERT_EQ(m.wait_exit(), 0) << m.stderr_text();
    auto html = start_boltload_in(bin_dir, dir, {"report", "html", "merged.json"}, "html");
    EXPECT_EQ(html.wait_exit(), 0) << html.stderr_text();
    EXPECT_TRUE(fs::exists(dir.path / "merged.html"));

    // The same config as one process, into a second server.
    temp_dir one{"boltload-shards"};
    write_input(one);
    serve_process single(one, "serve");
    one.write("c.yaml", config(single.uri));
    auto whole = start_boltload_in(bin_dir, one, {"import", "c.yaml", "--report", "single.json", "--quiet"}, "single");
    ASSERT_EQ(whole.wait_exit(), 0) << whole.stderr_text();
    const auto merged = read_json(dir.path / "merged.json");
    const auto single_report = read_json(one.path / "single.json");
    for (const char* key : {"rows_committed", "rows_input", "rows_failed", "rows_unknown", "batches"})
        EXPECT_EQ(merged.at(key), single_report.at(key)) << key;
    EXPECT_EQ(merged.at("server_counters").at("nodes_created"), single_report.at("server_counters").at("nodes_created"));
    EXPECT_EQ(merged.at("server_counters").at("relationships_created"),
              single_report.at("server_counters").at("relationships_created"));
    ASSERT_EQ(merged.at("phases").size(), 2u);
    for (std::size_t p = 0; p < 2; ++p)
        for (const char* key : {"name", "rows_committed", "rows_input", "batches"})
            EXPECT_EQ(merged.at("phases").at(p).at(key), single_report.at("phases").at(p).at(key)) << key;
    std::uint64_t histogram = 0;  // every batch's latency is in the merged histogram
    for (const auto& b : merged.at("latency_histogram_us")) histogram += b.at(1).get<std::uint64_t>();
    EXPECT_EQ(histogram, merged.at("batches").get<std::uint64_t>());
    EXPECT_EQ(merged.at("shards").size(), 10u);

    // A shard report missing: the merge names it.
    fs::remove(dir.path / "nodes-2.json");
    merge.erase(std::find(merge.begin(), merge.end(), "nodes-2.json"));
    auto broken = start_boltload_in(bin_dir, dir, merge, "broken");
    EXPECT_EQ(broken.wait_exit(), 2);
    EXPECT_NE(broken.stderr_text().find("shard 2/4 of phases nodes: missing"), std::string::npos) << broken.stderr_text();
}

TEST(Shards, BadShardsAndCombinationsExitTwo) {
    temp_dir dir{"boltload-shards"};
    write_input(dir);
    dir.write("c.yaml", config("bolt://127.0.0.1:1"));
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--phase", "nodes", "--shard", "4/4"}, "--shard 4/4: the index must be below the count"},
        {{"--phase", "nodes", "--shard", "0/0"}, "--shard 0/0: the count must be at least 1"},
        {{"--shard", "1/4"}, "a sharded run needs --phase NAME"},
        {{"--phase", "edges"}, "--phase edges: the config has no such phase (it has: nodes, rels)"},
        {{"--only", "later"}, "--only later: expected before, after or verify"},
        {{"--phase", "rels", "--shard", "0/2", "--set", "phases.1.schedule=mix_and_batch"},
         "phase rels: schedule: mix_and_batch cannot run as shards yet"},
    };
    for (const auto& [args, message] : cases) {
        std::vector<std::string> all = {"import", "c.yaml"};
        all.insert(all.end(), args.begin(), args.end());
        auto c = start_boltload_in(bin_dir, dir, all);
        EXPECT_EQ(c.wait_exit(), 2) << message;
        EXPECT_NE(c.stderr_text().find(message), std::string::npos) << c.stderr_text();
    }
    // A Slurm array task names its shard through the environment, and says so.
    auto slurm = start_boltload_in(bin_dir, dir, {"import", "c.yaml", "--phase", "nodes"}, "slurm",
                                   {"SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_MIN=4", "SLURM_ARRAY_TASK_COUNT=4"});
    EXPECT_EQ(slurm.wait_exit(), 3);  // nothing listens on port 1: it got as far as connecting
    EXPECT_NE(slurm.stderr_text().find("shard 3/4 (from SLURM_ARRAY_TASK_ID=7 − SLURM_ARRAY_TASK_MIN=4 of "
                                       "SLURM_ARRAY_TASK_COUNT=4)"),
              std::string::npos)
        << slurm.stderr_text();
}

}  // namespace
