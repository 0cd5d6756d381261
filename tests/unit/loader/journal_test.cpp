// The run journal: every record round-trips, hostile lines are errors and never exceptions, the
// replay tells done from in doubt from left (on one time axis across parts), a torn last write is
// ignored and cut off before appending, and the fingerprint names what changed.
#include "boltload/journal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "boltload/config.hpp"
#include "temp_dir.hpp"

namespace boltload::journal {
namespace {

namespace fs = std::filesystem;
using boltload::testing::temp_dir;


batch_result result(std::uint64_t chunk, std::uint32_t batch, std::uint64_t rows,
                    batch_outcome outcome = batch_outcome::committed) {
    batch_result r;
    r.chunk_id = chunk;
    r.batch = batch;
    r.rows = rows;
    r.outcome = outcome;
    r.attempts = 3;
    r.conflicts = 2;
    r.latency_us = 1500;
    r.counters = {{"nodes_created", static_cast<std::int64_t>(rows)}};
    if (outcome != batch_outcome::committed) r.error = "boom";
    return r;
}

std::vector<record> every_kind() {
    return {header{format_version, "boltload 0.1", "c.yaml", nlohmann::json{{"phases", nlohmann::json::array()}}},
            run_start{2, "2026-12-02T11:00:00Z"},
            statements_done{"nodes.before"},
            batch_begin{"nodes", 3, 1, 500, 1001, 2},
            batch_end{"nodes", 2, 1.25, true, result(3, 1, 500)},
            batch_doubt{"nodes", 3, 2, 500, 1501, false, "its worker died"},
            unknown_rows_written{"nodes", 3, 2},
            chunk_end{"nodes", 3, 1500},
            chunk_counted{"nodes", counted{4, 1500, 77}},
            chunk_partitioned{"nodes", partitioned{(1ull << 40) | 4, 1500,
                                                   {cell_part{{0, 2}, 0, 4096, 0, 1000}, cell_part{{1, 1}, 4096, 6000, 1000, 500}}}},
            phase_end{"nodes", "interrupted", 12.5, 1, 100000, 40000},
            run_end{130}};
}

TEST(Journal, EveryRecordRoundTripsOnOneLine) {
    for (const auto& r : every_kind()) {
        const std::string line = encode(r);
        ASSERT_EQ(line.find('\n'), line.size() - 1) << line;
        std::string error;
        const auto back = decode(line, error);
        ASSERT_TRUE(back) << line << ": " << error;
        EXPECT_EQ(encode(*back), line);
    }
}

TEST(Journal, HostileLinesAreErrorsNeverExceptions) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "not a JSON object"},
        {"[1,2]", "not a JSON object"},
        {"{\"t\":1}", "a record without a string 't' (its type)"},
        {"{\"t\":\"teleport\"}", "unknown record type 'teleport'"},
        {"{\"t\":\"begin\",\"phase\":\"n\",\"chunk\":-1,\"batch\":0,\"rows\":1}",
         "begin: field 'chunk' must be a non-negative integer"},
        {"{\"t\":\"batch\",\"phase\":\"n\",\"result\":{\"chunk_id\":1}}", "batch_result: field 'batch' is missing"},
        {"{\"journal\":99,\"fingerprint\":{}}", "header: journal format 99 is not the 1 this boltload reads"},
        {"{\"t\":\"doubt\",\"phase\":\"n\",\"chunk\":1,\"batch\":4294967296,\"rows\":1,\"replay\":false}",
         "doubt: field 'batch' must be a non-negative integer (at most 4294967295)"},
    };
    for (const auto& [line, expected] : cases) {
        std::string error;
        EXPECT_FALSE(decode(line, error)) << line;
        EXPECT_EQ(error, expected) << line;
    }
    // Random bytes and every prefix of valid records: never a crash, never a throw.
    std::mt19937 rng(7);
    for (const auto& r : every_kind()) {
        const std::string line = encode(r);
        for (std::size_t n = 0; n < line.size(); ++n) {
            std::string error;
            EXPECT_NO_THROW(decode(std::string_view(line).substr(0, n), error));
            std::string mutated = line;
            mutated[rng() % mutated.size()] = static_cast<char>(rng());
            EXPECT_NO_THROW(decode(mutated, error));
        }
    }
}

TEST(Journal, BatchRowsCutsEveryBatchSize) {
    EXPECT_EQ(batch_rows(25, 10, 0), 10u);
    EXPECT_EQ(batch_rows(25, 10, 2), 5u);
    EXPECT_EQ(batch_rows(25, 10, 3), 0u);
    EXPECT_EQ(batch_rows(0, 10, 0), 0u);
}

std::map<std::string, replayer::phase_info> nodes_phase(bool idempotent = false) {
    return {{"nodes", replayer::phase_info{500, idempotent}}};
}

state replay(const std::vector<record>& records, bool idempotent = false) {
    state s;
    replayer rp(nodes_phase(idempotent));
    for (const auto& r : records) rp.apply(r, s);
    rp.finish(s);
    return s;
}

TEST(Journal, ReplayTellsDoneFromInDoubtFromOpen) {
    const state s = replay({
        run_start{1, "t1"},
        statements_done{"before"},
        statements_done{"nodes.before"},
        batch_begin{"nodes", 0, 0, 500, 0, 0},
        batch_end{"nodes", 0, 1.0, false, result(0, 0, 500)},
        batch_begin{"nodes", 0, 1, 500, 0, 0},
        batch_end{"nodes", 0, 2.0, false, result(0, 1, 500)},
        chunk_end{"nodes", 0, 1000},
        batch_begin{"nodes", 1, 0, 500, 0, 1},
        batch_end{"nodes", 1, 2.5, false, result(1, 0, 500, batch_outcome::failed)},
        batch_begin{"nodes", 1, 1, 500, 0, 1},  // never ended: open
        batch_begin{"nodes", 2, 0, 500, 0, 2},
        batch_doubt{"nodes", 2, 0, 500, 0, false, "its worker died"},
        batch_begin{"other", 9, 9, 1, 0, 0},  // a phase the config no longer has: ignored
    });
    ASSERT_EQ(s.parts.size(), 1u);
    EXPECT_FALSE(s.parts[0].exit_code);  // it crashed
    EXPECT_EQ(s.parts[0].rows_committed, 1000u);
    const phase_state& p = s.phases.at("nodes");
    EXPECT_TRUE(p.started);
    EXPECT_FALSE(p.complete);
    EXPECT_EQ(p.done_chunks, (std::set<std::uint64_t>{0}));
    EXPECT_EQ(p.finished.at(1), (std::set<std::uint32_t>{0}));
    EXPECT_EQ(p.unknown_pending.at(2), (std::set<std::uint32_t>{0}));
    ASSERT_EQ(p.open.size(), 1u);
    EXPECT_EQ(p.open[0].chunk, 1u);
    EXPECT_EQ(p.open[0].batch, 1u);
    EXPECT_EQ(p.stats.rows_committed, 1000u);
    EXPECT_EQ(p.stats.rows_failed, 500u);
    EXPECT_EQ(p.stats.rows_unknown, 500u);
    EXPECT_DOUBLE_EQ(p.duration_s, 2.5);  // the last report of a part that crashed
    EXPECT_FALSE(s.phases.contains("other"));
    EXPECT_FALSE(s.finished);
}

TEST(Journal, PartsShareOneTimeAxisAndAFinishedRunSaysSo) {
    const state s = replay({
        run_start{1, "t1"},
        batch_begin{"nodes", 0, 0, 500, 0, 0},
        batch_end{"nodes", 0, 1.5, false, result(0, 0, 500)},
        phase_end{"nodes", "interrupted", 4.0, 0, 1000, 500},
        run_end{130},
        run_start{2, "t2"},
        batch_begin{"nodes", 0, 1, 500, 0, 0},
        batch_end{"nodes", 0, 0.5, false, result(0, 1, 500)},  // 4.5 s into the phase
        chunk_end{"nodes", 0, 1000},
        phase_end{"nodes", "completed", 1.0, 0, 1000, 0},
        statements_done{"after"},
        run_end{0},
    });
    ASSERT_EQ(s.parts.size(), 2u);
    EXPECT_EQ(s.parts[0].exit_code, 130);
    EXPECT_EQ(s.parts[1].exit_code, 0);
    const phase_state& p = s.phases.at("nodes");
    EXPECT_TRUE(p.complete);
    EXPECT_DOUBLE_EQ(p.duration_s, 5.0);
    EXPECT_EQ(p.rows_input, 1000u);
    EXPECT_EQ(p.rows_not_attempted, 0u);
    ASSERT_EQ(p.stats.rows_per_second.size(), 5u);
    EXPECT_EQ(p.stats.rows_per_second[1], 500u);
    EXPECT_EQ(p.stats.rows_per_second[4], 500u);
    EXPECT_TRUE(s.finished);
}

TEST(Journal, MixAndBatchPassesAreDoneAndPartitionsKept) {
    const partitioned p{(1ull << 40) | 2, 700, {cell_part{{0, 1}, 0, 10, 0, 700}}};
    const state s = replay({run_start{1, "t"}, chunk_counted{"nodes", counted{2, 700, 12}},
                            chunk_partitioned{"nodes", p}});
    const phase_state& ph = s.phases.at("nodes");
    EXPECT_EQ(ph.done_chunks, (std::set<std::uint64_t>{2, (1ull << 40) | 2}));
    ASSERT_EQ(ph.partitions.size(), 1u);
    EXPECT_EQ(ph.partitions.at((1ull << 40) | 2), p);
}

TEST(Journal, OnIdempotentPhasesADoubtIsReplayedNotUnknown) {
    const state s = replay({run_start{1, "t"}, batch_doubt{"nodes", 0, 3, 500, 0, true, "its worker died"}}, true);
    const phase_state& p = s.phases.at("nodes");
    EXPECT_EQ(p.replay.at(0), (std::set<std::uint32_t>{3}));
    EXPECT_EQ(p.stats.rows_unknown, 0u);
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(Journal, ATornLastWriteIsIgnoredAndCutOffBeforeAppending) {
    temp_dir dir{"boltload-journal"};
    const fs::path p = dir.path / "j.jsonl";
    {
        auto f = journal_file::create(p);
        f.append(header{format_version, "boltload", "c.yaml", nlohmann::json::object()});
        f.append(run_start{1, "t"});
        f.append(batch_begin{"nodes", 0, 0, 500, 0, 0});
    }
    const std::string good = slurp(p);
    write(p, good + "{\"t\":\"batch\",\"phase\":\"no");  // the process died mid-write
    std::uint64_t good_bytes = 0;
    const state s = read(p, nodes_phase(), &good_bytes);
    EXPECT_EQ(good_bytes, good.size());
    EXPECT_EQ(s.phases.at("nodes").open.size(), 1u);
    {
        auto f = journal_file::append_to(p, good_bytes);
        f.append(run_start{2, "t2"});
    }
    EXPECT_EQ(slurp(p), good + encode(run_start{2, "t2"}));
}

TEST(Journal, ADamagedOrForeignFileIsAClearError) {
    temp_dir dir{"boltload-journal"};
    const fs::path p = dir.path / "j.jsonl";
    const std::string head = encode(header{format_version, "boltload", "c.yaml", nlohmann::json::object()});
    const auto error_of = [&](const std::string& text) {
        write(p, text);
        try {
            read(p, nodes_phase());
        } catch (const journal_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(error_of(head + "garbage\n" + encode(run_end{0})).find("j.jsonl:2: not a boltload journal record"),
              std::string::npos);
    EXPECT_NE(error_of(encode(run_start{1, "t"})).find("j.jsonl:1: not a boltload journal (no header)"),
              std::string::npos);
    EXPECT_NE(error_of("").find("empty"), std::string::npos);
    EXPECT_NE(error_of(head + head).find("a second header"), std::string::npos);
    EXPECT_NE(error_of("name,age\nAda,36\n").find("j.jsonl:1"), std::string::npos);
}

run_config config_with(const fs::path& dir, const std::string& yaml) {
    std::ofstream(dir / "c.yaml") << yaml;
    return load_config(dir / "c.yaml");
}

TEST(Journal, TheFingerprintNamesWhatChanged) {
    temp_dir dir{"boltload-journal"};
    std::string csv = "id\n";
    for (int i = 0; i < 1000; ++i) csv += std::to_string(i) + "\n";
    write(dir.path / "a.csv", csv);
    const std::string yaml =
        "phases:\n"
        "  - name: nodes\n"
        "    source: {csv: {path: a.csv}}\n"
        "    query: 'UNWIND $batch AS r CREATE (:N {id: r.id})'\n"
        "    batch_size: 500\n";
    const auto before = fingerprint(config_with(dir.path, yaml));
    EXPECT_TRUE(fingerprint_changes(before, fingerprint(config_with(dir.path, yaml))).empty());

    auto changes = fingerprint_changes(before, fingerprint(config_with(dir.path, yaml + "    chunk_bytes: 1KiB\n")));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0], "phase 'nodes': chunk_bytes was 8388608, is now 1024");

    std::string other = yaml;
    other.replace(other.find("batch_size: 500"), 15, "batch_size: 100");
    changes = fingerprint_changes(before, fingerprint(config_with(dir.path, other)));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0], "phase 'nodes': batch_size was 500, is now 100");

    csv[4] = '9';  // same size, one byte changed in the first MiB
    write(dir.path / "a.csv", csv);
    changes = fingerprint_changes(before, fingerprint(config_with(dir.path, yaml)));
    bool names_digest = false;
    for (const auto& c : changes) names_digest |= c.find("input.first_mib_sha256 was") != std::string::npos;
    EXPECT_TRUE(names_digest);

    changes = fingerprint_changes(before, fingerprint(config_with(
                                              dir.path, yaml + "  - name: more\n    source: {generate: {count: 5}}\n"
                                                               "    query: 'UNWIND $batch AS r CREATE (:M)'\n")));
    EXPECT_NE(std::find(changes.begin(), changes.end(), "phase 'more' is new"), changes.end());
}

TEST(Journal, AnUnreadableInputIsAnErrorNamingIt) {
    temp_dir dir{"boltload-journal"};
    write(dir.path / "a.csv", "id\n1\n");
    const run_config c = config_with(dir.path,
                                     "phases:\n  - name: n\n    source: {csv: {path: a.csv}}\n"
                                     "    query: 'UNWIND $batch AS r CREATE (:N)'\n");
    fs::remove(dir.path / "a.csv");
    try {
        fingerprint(c);
        FAIL() << "expected an error";
    } catch (const journal_error& e) {
        EXPECT_NE(std::string(e.what()).find("a.csv: No such file or directory"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace boltload::journal
