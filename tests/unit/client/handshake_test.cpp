// The version handshake: exact request bytes, reply parsing, and the server-side negotiation
// against the spec's, Memgraph's and real drivers' proposals.
#include "bolt/handshake.hpp"

#include <gtest/gtest.h>

#include <array>
#include <ostream>
#include <vector>

namespace bolt {
namespace {

using request_bytes = std::array<std::uint8_t, handshake_request_size>;

request_bytes request_of(std::array<std::uint32_t, 4> slots) {
    request_bytes r{0x60, 0x60, 0xB0, 0x17};
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t b = 0; b < 4; ++b)
            r[4 + i * 4 + b] = static_cast<std::uint8_t>(slots[i] >> (24 - 8 * b));
    return r;
}

std::vector<protocol_version> versions(std::initializer_list<protocol_version> v) { return v; }

// Memgraph 3.12 (MG constants.hpp kSupportedVersions): 1.0, 4.0, 4.1, 4.3, 4.4, 5.2.
const std::vector<protocol_version> memgraph = {{1, 0}, {4, 0}, {4, 1}, {4, 3}, {4, 4}, {5, 2}};
// Memgraph 3.11 and earlier: no 4.4.
const std::vector<protocol_version> memgraph_3_11 = {{1, 0}, {4, 0}, {4, 1}, {4, 3}, {5, 2}};

TEST(handshake_request, default_proposal_is_5_4_to_5_0_then_4_4_to_4_2_then_4_1) {
    const request_bytes expected = {0x60, 0x60, 0xB0, 0x17,  //
                                    0x00, 0x04, 0x04, 0x05,  // 5.4 .. 5.0
                                    0x00, 0x02, 0x04, 0x04,  // 4.4 .. 4.2
                                    0x00, 0x00, 0x01, 0x04,  // 4.1
                                    0x00, 0x00, 0x00, 0x00};
    EXPECT_EQ(make_handshake_request(), expected);
    EXPECT_EQ(make_handshake_request(default_proposal), expected);
}

TEST(handshake_request, matches_the_official_drivers_words) {
    // Python/Java/JS 5.x: 5.7..5.0, 4.4..4.2, 4.1, 3.0.
    const std::array<version_range, 4> drivers{{{{5, 7}, 7}, {{4, 4}, 2}, {{4, 1}, 0}, {{3, 0}, 0}}};
    EXPECT_EQ(make_handshake_request(drivers),
              request_of({0x00070705, 0x00020404, 0x00000104, 0x00000003}));
    // mgclient 1.6: 4.4, 4.3, 4.1, 1.0 (no ranges).
    const std::array<version_range, 4> mgclient{{{{4, 4}, 0}, {{4, 3}, 0}, {{4, 1}, 0}, {{1, 0}, 0}}};
    EXPECT_EQ(make_handshake_request(mgclient),
              request_of({0x00000404, 0x00000304, 0x00000104, 0x00000001}));
}

TEST(handshake_request, unused_slots_are_zero_and_extra_ranges_are_dropped) {
    EXPECT_EQ(make_handshake_request(std::span<const version_range>{}), request_of({0, 0, 0, 0}));
    const std::array<version_range, 1> one{{{{5, 2}, 0}}};
    EXPECT_EQ(make_handshake_request(one), request_of({0x00000205, 0, 0, 0}));
    const std::array<version_range, 5> five{
        {{{5, 4}, 0}, {{5, 3}, 0}, {{5, 2}, 0}, {{5, 1}, 0}, {{5, 0}, 0}}};
    EXPECT_EQ(make_handshake_request(five),
              request_of({0x00000405, 0x00000305, 0x00000205, 0x00000105}));
}

TEST(handshake_request, range_cannot_reach_below_minor_zero) {
    const std::array<version_range, 1> wide{{{{5, 2}, 9}}};
    EXPECT_EQ(make_handshake_request(wide), request_of({0x00020205, 0, 0, 0}));
}

TEST(handshake_response, parses_a_plain_version) {
    EXPECT_EQ(parse_handshake_response(std::array<std::uint8_t, 4>{0, 0, 2, 5}),
              (protocol_version{5, 2}));
    EXPECT_EQ(parse_handshake_response(std::array<std::uint8_t, 4>{0, 0, 0, 1}),
              (protocol_version{1, 0}));
    EXPECT_EQ(parse_handshake_response(std::array<std::uint8_t, 4>{0, 0, 4, 4}),
              (protocol_version{4, 4}));
}

TEST(handshake_response, rejects_no_match_and_non_versions) {
    EXPECT_EQ(parse_handshake_response(std::array<std::uint8_t, 4>{0, 0, 0, 0}), std::nullopt);
    // A manifest reply: we never offer the manifest, so it is not an answer we can use.
    EXPECT_EQ(parse_handshake_response(std::array<std::uint8_t, 4>{0, 0, 1, 0xFF}), std::nullopt);
    // What Memgraph sends when nothing matches: a chunked FAILURE, not a version.
    EXPECT_EQ(parse_handshake_response(std::array<std::uint8_t, 4>{0x00, 0x5A, 0xB1, 0x7F}),
              std::nullopt);
    // A range byte in a reply is not allowed.
    EXPECT_EQ(parse_handshake_response(std::array<std::uint8_t, 4>{0, 1, 2, 5}), std::nullopt);
}

TEST(handshake_response, proposal_covers_only_what_was_offered) {
    for (std::uint8_t minor = 0; minor <= 4; ++minor)
        EXPECT_TRUE(proposal_covers(default_proposal, {5, minor}));
    EXPECT_TRUE(proposal_covers(default_proposal, {4, 4}));
    EXPECT_TRUE(proposal_covers(default_proposal, {4, 2}));
    EXPECT_TRUE(proposal_covers(default_proposal, {4, 1}));
    EXPECT_FALSE(proposal_covers(default_proposal, {5, 5}));
    EXPECT_FALSE(proposal_covers(default_proposal, {4, 0}));
    EXPECT_TRUE(proposal_covers(default_proposal, {4, 3}));
    EXPECT_FALSE(proposal_covers(default_proposal, {3, 0}));
    EXPECT_FALSE(proposal_covers(default_proposal, {1, 0}));
}

struct negotiation_case {
    const char* name;
    request_bytes request;
    std::vector<protocol_version> supported;
    negotiation_status status;
    protocol_version version;
};

void PrintTo(const negotiation_case& c, std::ostream* os) { *os << c.name; }

class negotiation : public ::testing::TestWithParam<negotiation_case> {};

TEST_P(negotiation, picks_the_clients_first_supported_version) {
    const negotiation_case& c = GetParam();
    const negotiation_result r = negotiate(c.request, c.supported);
    EXPECT_EQ(r.status, c.status);
    if (c.status == negotiation_status::agreed) {
        EXPECT_EQ(r.version, c.version);
        const std::array<std::uint8_t, 4> reply{0, 0, c.version.minor, c.version.major};
        EXPECT_EQ(r.response, reply);
        // The client side reads the reply back as the same version.
        EXPECT_EQ(parse_handshake_response(r.response), c.version);
    } else {
        EXPECT_EQ(r.response, (std::array<std::uint8_t, 4>{0, 0, 0, 0}));
    }
}

const std::vector<protocol_version> neo4j_5_0_to_5_4 = {{5, 0}, {5, 1}, {5, 2}, {5, 3}, {5, 4}};

INSTANTIATE_TEST_SUITE_P(
    vectors, negotiation,
    ::testing::Values(
        // Memgraph tests/unit/bolt_session.cpp.
        negotiation_case{"memgraph_v1", request_of({0x00000001, 0, 0, 0}), memgraph,
                         negotiation_status::agreed, {1, 0}},
        negotiation_case{"memgraph_v4", request_of({0x00000004, 0, 0, 0}), memgraph,
                         negotiation_status::agreed, {4, 0}},
        negotiation_case{"memgraph_v4_1", request_of({0x00000104, 0, 0, 0}), memgraph,
                         negotiation_status::agreed, {4, 1}},
        negotiation_case{"memgraph_v4_3", request_of({0x00000304, 0, 0, 0}), memgraph,
                         negotiation_status::agreed, {4, 3}},
        // The 6.x driver trace (Go PR #619): manifest slot skipped, 5.7..5.0 range honoured.
        negotiation_case{"driver_6x_trace",
                         request_of({0x000001FF, 0x00070705, 0x00020404, 0x00000003}),
                         neo4j_5_0_to_5_4, negotiation_status::agreed, {5, 4}},
        negotiation_case{"driver_6x_against_memgraph",
                         request_of({0x000001FF, 0x00070705, 0x00020404, 0x00000003}), memgraph,
                         negotiation_status::agreed, {5, 2}},
        // Spec manifest example, legacy server: falls back to the next slot (4.4).
        negotiation_case{"spec_manifest_example_legacy",
                         request_of({0x000001FF, 0x00000404, 0x00000003, 0x00000002}), memgraph,
                         negotiation_status::agreed, {4, 4}},
        // Python/Java/JS 5.x against Memgraph: 5.2; against Memgraph 3.11 too.
        negotiation_case{"drivers_5x_memgraph",
                         request_of({0x00070705, 0x00020404, 0x00000104, 0x00000003}), memgraph,
                         negotiation_status::agreed, {5, 2}},
        // Our default against Memgraph and Neo4j.
        negotiation_case{"default_memgraph", make_handshake_request(), memgraph,
                         negotiation_status::agreed, {5, 2}},
        negotiation_case{"default_neo4j", make_handshake_request(), neo4j_5_0_to_5_4,
                         negotiation_status::agreed, {5, 4}},
        negotiation_case{"default_4x_server", make_handshake_request(),
                         versions({{4, 3}, {4, 4}}), negotiation_status::agreed, {4, 4}},
        // mgclient 1.6 (4.4, 4.3, 4.1, 1.0): 4.4 on Memgraph 3.12, 4.3 on 3.11.
        negotiation_case{"mgclient_memgraph",
                         request_of({0x00000404, 0x00000304, 0x00000104, 0x00000001}), memgraph,
                         negotiation_status::agreed, {4, 4}},
        negotiation_case{"mgclient_memgraph_3_11",
                         request_of({0x00000404, 0x00000304, 0x00000104, 0x00000001}),
                         memgraph_3_11, negotiation_status::agreed, {4, 3}},
        // Spec range example: 00 02 03 04 is 4.3, 4.2, 4.1, newest first.
        negotiation_case{"range_newest_first", request_of({0x00020304, 0, 0, 0}),
                         versions({{4, 1}, {4, 2}}), negotiation_status::agreed, {4, 2}},
        negotiation_case{"range_lowest_end", request_of({0x00020304, 0, 0, 0}),
                         versions({{4, 1}}), negotiation_status::agreed, {4, 1}},
        negotiation_case{"range_excludes_below", request_of({0x00020304, 0, 0, 0}),
                         versions({{4, 0}}), negotiation_status::no_match, {}},
        // A range byte larger than the minor stops at minor 0 (and never wraps into 4.255).
        negotiation_case{"range_clamped", request_of({0x00090204, 0, 0, 0}),
                         versions({{4, 0}, {4, 255}}), negotiation_status::agreed, {4, 0}},
        // The client's slot order wins over the server's preference.
        negotiation_case{"client_order_wins", request_of({0x00000104, 0x00000205, 0, 0}),
                         versions({{5, 2}, {4, 1}}), negotiation_status::agreed, {4, 1}},
        // A zero slot ends the proposals, as in Memgraph.
        negotiation_case{"zero_slot_stops", request_of({0x00000004, 0, 0x00000205, 0}),
                         versions({{5, 2}}), negotiation_status::no_match, {}},
        negotiation_case{"nothing_common", request_of({0x00000205, 0x00000104, 0, 0}),
                         versions({{4, 4}, {5, 4}}), negotiation_status::no_match, {}},
        negotiation_case{"only_manifest", request_of({0x000001FF, 0, 0, 0}), memgraph,
                         negotiation_status::no_match, {}},
        negotiation_case{"any_major_ff_skipped", request_of({0x000007FF, 0x00000104, 0, 0}),
                         versions({{255, 7}, {4, 1}}), negotiation_status::agreed, {4, 1}},
        negotiation_case{"empty_request", request_of({0, 0, 0, 0}), memgraph,
                         negotiation_status::no_match, {}},
        negotiation_case{"nothing_supported", make_handshake_request(),
                         std::vector<protocol_version>{}, negotiation_status::no_match, {}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(negotiation, bad_magic_is_told_apart_from_no_match) {
    request_bytes http{'G', 'E', 'T', ' '};
    const negotiation_result r = negotiate(http, memgraph);
    EXPECT_EQ(r.status, negotiation_status::bad_magic);

    request_bytes almost = make_handshake_request();
    almost[3] = 0x18;
    EXPECT_EQ(negotiate(almost, memgraph).status, negotiation_status::bad_magic);

    EXPECT_EQ(negotiate(make_handshake_request(), versions({{3, 0}})).status,
              negotiation_status::no_match);
}

TEST(negotiation, ignores_the_reserved_byte) {
    request_bytes r = request_of({0xAB000205, 0, 0, 0});
    const negotiation_result res = negotiate(r, memgraph);
    EXPECT_EQ(res.status, negotiation_status::agreed);
    EXPECT_EQ(res.version, (protocol_version{5, 2}));
}

}  // namespace
}  // namespace bolt
