// Generated rows: reproducible from the seed whatever the chunking, the guide's sequential rows
// exactly, and key distributions whose frequencies look like what their names promise.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "boltload/generate.hpp"

namespace {

using namespace boltload;

bolt::list rows_of(const row_generator& g, std::int64_t first, std::int64_t count) {
    bolt::list rows;
    g.fill(first, count, rows);
    return rows;
}

generate_spec relationships(distribution_kind kind, std::int64_t count, std::int64_t id_min, std::int64_t id_max) {
    generate_spec s;
    s.kind = generate_spec::entity::relationships;
    s.count = count;
    s.id_min = id_min;
    s.id_max = id_max;
    s.keys.kind = kind;
    s.seed = 42;
    return s;
}

TEST(generate, nodes_have_consecutive_ids_and_repeat) {
    generate_spec s;
    s.count = 5;
    s.repeat = 3;
    s.id_min = 100;
    const row_generator g(s);
    EXPECT_EQ(g.total_rows(), 15);
    const bolt::list rows = rows_of(g, 0, 15);
    for (std::int64_t i = 0; i < 15; ++i)
        EXPECT_EQ(rows[static_cast<std::size_t>(i)], bolt::value(bolt::map{{"id", 100 + i % 5}}));
}

// The guide: 10 identical chunks of 1,000 {a: i, b: i+1}.
TEST(generate, sequential_relationships_are_the_guides_rows) {
    generate_spec s;
    s.kind = generate_spec::entity::relationships;
    s.count = 1000;
    s.repeat = 10;
    const row_generator g(s);
    ASSERT_EQ(g.total_rows(), 10000);
    for (std::int64_t chunk = 0; chunk < 10; ++chunk) {
        const bolt::list rows = rows_of(g, chunk * 1000, 1000);
        for (std::int64_t i = 0; i < 1000; ++i)
            ASSERT_EQ(rows[static_cast<std::size_t>(i)], bolt::value(bolt::map{{"a", i}, {"b", i + 1}}));
    }
    // With an explicit id range, both ends wrap inside it.
    const row_generator wrapped(relationships(distribution_kind::sequential, 5, 10, 12));
    EXPECT_EQ(rows_of(wrapped, 0, 5), (bolt::list{bolt::map{{"a", 10}, {"b", 11}}, bolt::map{{"a", 11}, {"b", 12}},
                                                  bolt::map{{"a", 12}, {"b", 10}}, bolt::map{{"a", 10}, {"b", 11}},
                                                  bolt::map{{"a", 11}, {"b", 12}}}));
}

TEST(generate, same_seed_same_rows_whatever_the_chunking) {
    generate_spec s = relationships(distribution_kind::zipf, 3000, 0, 499);
    s.keys.zipf_s = 1.1;
    s.properties = {{"weight", generated_type::float_, 0, 10}, {"label", generated_type::string_, 3, 12},
                    {"n", generated_type::integer, -5, 5}, {"flag", generated_type::boolean, 0, 1}};
    const row_generator g(s);
    const bolt::list all = rows_of(g, 0, 3000);
    for (std::int64_t step : {1, 7, 999, 1000, 2999}) {
        bolt::list joined;
        bolt::list chunk;  // reused across chunks, as a worker does
        for (std::int64_t first = 0; first < 3000; first += step) {
            g.fill(first, std::min(step, 3000 - first), chunk);
            joined.insert(joined.end(), chunk.begin(), chunk.end());
        }
        EXPECT_EQ(joined, all) << step;
    }
    EXPECT_EQ(rows_of(row_generator(s), 0, 3000), all);  // a fresh generator (another worker)
    s.seed = 43;
    EXPECT_NE(rows_of(row_generator(s), 0, 3000), all);
}

TEST(generate, properties_stay_in_their_ranges) {
    generate_spec s;
    s.count = 2000;
    s.properties = {{"i", generated_type::integer, -3, 3}, {"f", generated_type::float_, 5, 6},
                    {"s", generated_type::string_, 2, 4}, {"b", generated_type::boolean, 0, 1}};
    const row_generator g(s);
    std::map<std::int64_t, int> ints;
    int trues = 0;
    for (const bolt::value& row : rows_of(g, 0, 2000)) {
        const auto i = row["i"].as<std::int64_t>();
        EXPECT_TRUE(i >= -3 && i <= 3);
        ++ints[i];
        const double f = row["f"].as<double>();
        EXPECT_TRUE(f >= 5 && f < 6);
        const auto& str = row["s"].as<std::string>();
        EXPECT_TRUE(str.size() >= 2 && str.size() <= 4);
        for (char c : str) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
        trues += row["b"].as<bool>() ? 1 : 0;
    }
    EXPECT_EQ(ints.size(), 7u);  // every value of the range shows up
    EXPECT_NEAR(trues, 1000, 150);
}

TEST(generate, uniform_keys_cover_the_range_evenly) {
    const row_generator g(relationships(distribution_kind::uniform, 100000, 1000, 1009));
    std::map<std::int64_t, int> counts;
    for (const bolt::value& row : rows_of(g, 0, 100000)) {
        ++counts[row["a"].as<std::int64_t>()];
        ++counts[row["b"].as<std::int64_t>()];
    }
    ASSERT_EQ(counts.size(), 10u);
    EXPECT_EQ(counts.begin()->first, 1000);
    EXPECT_EQ(counts.rbegin()->first, 1009);
    for (const auto& [key, n] : counts) EXPECT_NEAR(n, 20000, 1000) << key;  // ~7 sigma
}

double zipf_share(std::int64_t rank, std::int64_t n, double s) {
    double h = 0;
    for (std::int64_t k = 1; k <= n; ++k) h += std::pow(static_cast<double>(k), -s);
    return std::pow(static_cast<double>(rank), -s) / h;
}

TEST(generate, zipf_frequencies_follow_the_power_law) {
    for (double s : {1.0, 0.8, 2.0}) {
        generate_spec spec = relationships(distribution_kind::zipf, 100000, 1, 100);
        spec.keys.zipf_s = s;
        const row_generator g(spec);
        std::map<std::int64_t, int> counts;
        for (std::int64_t i = 0; i < 100000; ++i) ++counts[g.draw_key(i, 0)];
        EXPECT_GE(counts.begin()->first, 1);
        EXPECT_LE(counts.rbegin()->first, 100);
        for (std::int64_t rank : {1, 2, 3, 10, 50}) {
            const double expected = zipf_share(rank, 100, s) * 100000;
            EXPECT_NEAR(counts[rank], expected, 5 * std::sqrt(expected) + 10) << "s=" << s << " rank " << rank;
        }
    }
}

TEST(generate, zipf_handles_huge_ranges_and_s_zero) {
    generate_spec spec = relationships(distribution_kind::zipf, 10000, 0, std::int64_t{1} << 60);
    spec.keys.zipf_s = 1.0;
    const row_generator g(spec);
    int first = 0;
    for (std::int64_t i = 0; i < 10000; ++i) {
        const std::int64_t k = g.draw_key(i, 1);
        ASSERT_TRUE(k >= 0 && k <= (std::int64_t{1} << 60));
        first += k == 0;
    }
    // P(rank 1) = 1/H_n with H_n ≈ ln(2^60) + 0.577 ≈ 42.2.
    EXPECT_NEAR(first, 10000 / 42.2, 5 * std::sqrt(10000 / 42.2));
    spec.keys.zipf_s = 0;
    const row_generator flat(spec);
    EXPECT_GT(flat.draw_key(5, 0), 1000);  // uniform over 2^60: small keys are vanishingly rare
}

TEST(generate, hotspot_sends_the_configured_share_to_the_hot_keys) {
    generate_spec spec = relationships(distribution_kind::hotspot, 100000, 0, 999);
    spec.keys.hotspot_keys = 10;
    spec.keys.hotspot_probability = 0.9;
    const row_generator g(spec);
    int hot = 0;
    std::map<std::int64_t, int> counts;
    for (std::int64_t i = 0; i < 100000; ++i) {
        const std::int64_t k = g.draw_key(i, 0);
        ASSERT_TRUE(k >= 0 && k <= 999);
        hot += k < 10;
        ++counts[k];
    }
    EXPECT_NEAR(hot, 90000, 600);
    EXPECT_NEAR(counts[3], 9000, 500);
    EXPECT_GT(counts.size(), 900u);  // the cold keys are still drawn
    spec.keys.hotspot_keys = 5000;   // more hot keys than the range: everything is hot
    const row_generator all_hot(spec);
    for (std::int64_t i = 0; i < 1000; ++i) ASSERT_LE(all_hot.draw_key(i, 0), 999);
}

TEST(generate, invalid_specs_are_rejected) {
    auto bad = [](auto edit) {
        generate_spec s = relationships(distribution_kind::uniform, 10, 0, 9);
        edit(s);
        EXPECT_THROW(row_generator{s}, std::invalid_argument);
    };
    bad([](generate_spec& s) { s.count = -1; });
    bad([](generate_spec& s) { s.repeat = 0; });
    bad([](generate_spec& s) { s.id_max = -1; });
    bad([](generate_spec& s) { s.keys = {distribution_kind::zipf, -1.0}; });
    bad([](generate_spec& s) { s.keys = {distribution_kind::hotspot, 1.0, 0, 0.5}; });
    bad([](generate_spec& s) { s.keys = {distribution_kind::hotspot, 1.0, 10, 1.5}; });
    bad([](generate_spec& s) { s.properties = {{"w", generated_type::integer, 5, 1}}; });
    bad([](generate_spec& s) { s.properties = {{"a", generated_type::integer, 0, 1}}; });
    bad([](generate_spec& s) { s.properties = {{"", generated_type::integer, 0, 1}}; });
    bad([](generate_spec& s) {
        s.count = std::int64_t{1} << 40;
        s.repeat = std::int64_t{1} << 30;
    });
    const row_generator g(relationships(distribution_kind::uniform, 10, 0, 9));
    bolt::list rows;
    EXPECT_THROW(g.fill(5, 6, rows), std::out_of_range);
    EXPECT_THROW(g.fill(-1, 1, rows), std::out_of_range);
    EXPECT_NO_THROW(g.fill(10, 0, rows));
}

}  // namespace
