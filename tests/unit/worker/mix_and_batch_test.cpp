// Mix and Batch's pure part: the colouring (a property test over every group count), the default
// group count, key hashes, the greedy assignment, and the schedule's binary files under damage.
#include "boltload/mix_and_batch.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <unistd.h>
#include "temp_dir.hpp"

namespace boltload::mnb {
namespace {

namespace fs = std::filesystem;
using boltload::testing::temp_dir;

void expect_valid_colouring(structure st, std::uint32_t n) {
    const auto rs = rounds(st, n);
    std::map<cell, int> seen;
    for (std::size_t r = 0; r < rs.size(); ++r) {
        std::set<std::uint32_t> sources, targets, nodes;
        for (const cell& c : rs[r]) {
            ASSERT_LT(c.source, n);
            ASSERT_LT(c.target, n);
            ++seen[c];
            if (st == structure::bipartite) {
                EXPECT_TRUE(sources.insert(c.source).second) << "round " << r << " reuses source group " << c.source;
                EXPECT_TRUE(targets.insert(c.target).second) << "round " << r << " reuses target group " << c.target;
            } else {
                EXPECT_LE(c.source, c.target);
                EXPECT_TRUE(nodes.insert(c.source).second) << "N=" << n << " round " << r << " reuses group " << c.source;
                if (c.target != c.source) {
                    EXPECT_TRUE(nodes.insert(c.target).second) << "N=" << n << " round " << r << " reuses group " << c.target;
                }
            }
        }
    }
    const std::size_t cells = st == structure::bipartite ? std::size_t{n} * n : std::size_t{n} * (n + 1) / 2;
    EXPECT_EQ(seen.size(), cells) << "N=" << n;
    for (const auto& [c, times] : seen) EXPECT_EQ(times, 1) << "N=" << n << " cell " << label(st, c);
    EXPECT_EQ(rs.size(), n) << "N rounds, the fewest possible";
}

TEST(MixAndBatch, EveryCellIsInExactlyOneRoundAndNoRoundSharesAGroup) {
    for (std::uint32_t n = 1; n <= 64; ++n) {
        expect_valid_colouring(structure::monopartite, n);
        expect_valid_colouring(structure::bipartite, n);
    }
}

TEST(MixAndBatch, DefaultGroupsKeepWorkersBusyAndCellsAtLeastABatch) {
    EXPECT_EQ(default_groups(structure::monopartite, 8, 100'000'000, 1000), 15u);  // 2·8 − 1
    EXPECT_EQ(default_groups(structure::monopartite, 8, 50'000, 500), 7u);         // 28 cells of ≥ 1,500
    EXPECT_EQ(default_groups(structure::monopartite, 10, 10'000, 1000), 1u);       // 3 cells would not fit
    EXPECT_EQ(default_groups(structure::monopartite, 4, 10, 1000), 1u);
    EXPECT_EQ(default_groups(structure::bipartite, 8, 100'000'000, 1000), 8u);
    EXPECT_EQ(default_groups(structure::bipartite, 8, 30'000, 1000), 3u);
    EXPECT_EQ(default_groups(structure::bipartite, 0, 0, 0), 1u);
}

TEST(MixAndBatch, KeyHashesAreStableAndTellTypesApart) {
    EXPECT_EQ(key_hash(bolt::value(std::int64_t{42})), key_hash(bolt::value(std::int64_t{42})));
    EXPECT_NE(key_hash(bolt::value(std::int64_t{42})), key_hash(bolt::value("42")));
    EXPECT_EQ(key_hash(bolt::value("alice")), key_hash(bolt::value(std::string("alice"))));
    EXPECT_FALSE(key_hash(bolt::value()));
    // Fixed values: a resumed run, or another build, must put every key in the same group.
    EXPECT_EQ(*key_hash(bolt::value(std::int64_t{0})) % 1000, 0xe220a8397b1dcdafULL % 1000);
}

TEST(MixAndBatch, GreedyPutsTheHeaviestKeysInDifferentGroupsAndBalancesTheRest) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> degrees;
    for (std::uint64_t k = 0; k < 4; ++k) degrees.emplace_back(k, 1000);  // four supernodes
    for (std::uint64_t k = 4; k < 1004; ++k) degrees.emplace_back(k, 3);
    const group_map m = greedy_groups(degrees, 4);
    std::set<std::uint32_t> hot;
    for (std::uint64_t k = 0; k < 4; ++k) hot.insert(m.group_of(k));
    EXPECT_EQ(hot.size(), 4u);
    std::vector<std::uint64_t> rows(4);
    for (const auto& [k, d] : degrees) rows[m.group_of(k)] += d;
    for (auto r : rows) EXPECT_NEAR(static_cast<double>(r), 1750.0, 3.0);
    EXPECT_EQ(m.group_of(999'999) , 999'999 % 4);  // an unknown key falls back to the hash
}


TEST(MixAndBatch, SchedulFilesRoundTripAndDamageIsAClearError) {
    temp_dir dir{"boltload-mnb"};
    const group_map m = greedy_groups({{5, 9}, {1, 3}, {7, 7}}, 2);
    m.save(mnb::groups_path(dir.path));
    const group_map back = group_map::load(mnb::groups_path(dir.path));
    for (std::uint64_t k : {1, 5, 7, 11}) EXPECT_EQ(back.group_of(k), m.group_of(k));
    save_counts(counts_path(dir.path, 3), {{9, 1}, {2, 5}});
    EXPECT_EQ(load_counts(counts_path(dir.path, 3)), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{2, 5}, {9, 1}}));
    EXPECT_EQ(merge_counts({{1, 1}, {3, 2}}, {{2, 7}, {3, 1}}),
              (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1, 1}, {2, 7}, {3, 3}}));
    // Truncated, foreign and lying files.
    const auto size = fs::file_size(counts_path(dir.path, 3));
    fs::resize_file(counts_path(dir.path, 3), size - 3);
    EXPECT_THROW(load_counts(counts_path(dir.path, 3)), std::runtime_error);
    std::ofstream(dir.path / "x.bin") << "id,name\n1,a\n";
    EXPECT_THROW(load_counts(dir.path / "x.bin"), std::runtime_error);
    EXPECT_THROW(group_map::load(dir.path / "x.bin"), std::runtime_error);
    EXPECT_THROW(group_map::load(dir.path / "missing.bin"), std::runtime_error);
    std::ofstream(dir.path / "big.bin", std::ios::binary) << std::string("BLCNT001") << std::string(8, '\xff');
    EXPECT_THROW(load_counts(dir.path / "big.bin"), std::runtime_error);
    // A groups file whose count lies, or whose keys are out of order.
    std::string groups = std::string("BLGRP001") + std::string("\x02\0\0\0", 4) + std::string("\x05\0\0\0\0\0\0\0", 8);
    std::ofstream(dir.path / "g.bin", std::ios::binary) << groups << std::string(12, '\0');
    EXPECT_THROW(group_map::load(dir.path / "g.bin"), std::runtime_error);
    EXPECT_THROW(group_map::load(dir.path / "x.bin"), std::runtime_error);
}

TEST(MixAndBatch, ManyCountFilesMergeToTheSumsAndGroupsWrittenInPlaceMatch) {
    temp_dir dir{"boltload-mnb"};
    std::vector<fs::path> files;
    std::map<std::uint64_t, std::uint64_t> expected;
    for (std::uint64_t f = 0; f < 300; ++f) {  // more files than are opened at once
        std::vector<std::pair<std::uint64_t, std::uint64_t>> counts;
        for (std::uint64_t k = f % 7; k < 500; k += 3 + f % 5) {
            counts.emplace_back(k * 2654435761ULL, 1 + (k + f) % 4);
            expected[k * 2654435761ULL] += 1 + (k + f) % 4;
        }
        files.push_back(counts_path(dir.path, f));
        save_counts(files.back(), counts);
    }
    const auto merged = merge_count_files(files);
    EXPECT_EQ(merged, (std::vector<std::pair<std::uint64_t, std::uint64_t>>(expected.begin(), expected.end())));
    write_greedy_groups(groups_path(dir.path), merged, 6);
    const group_map mapped = group_map::load(groups_path(dir.path));
    const group_map direct = greedy_groups(merged, 6);
    EXPECT_EQ(mapped.assigned(), merged.size());
    for (const auto& [hash, n] : merged) EXPECT_EQ(mapped.group_of(hash), direct.group_of(hash));
    EXPECT_EQ(mapped.group_of(12345), 12345u % 6);
}

}  // namespace
}  // namespace boltload::mnb
