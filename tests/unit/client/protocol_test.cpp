// protocol_version, message tags and the per-version feature table.
#include "bolt/protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bolt {
namespace {

TEST(protocol_version, orders_by_major_then_minor) {
    EXPECT_LT((protocol_version{4, 4}), (protocol_version{5, 0}));
    EXPECT_LT((protocol_version{5, 0}), (protocol_version{5, 4}));
    EXPECT_GT((protocol_version{5, 10}), (protocol_version{5, 4}));
    EXPECT_EQ((protocol_version{5, 2}), (protocol_version{5, 2}));
    EXPECT_NE((protocol_version{4, 3}), (protocol_version{3, 4}));
}

TEST(protocol_version, prints_major_dot_minor) {
    EXPECT_EQ((protocol_version{5, 2}.to_string()), "5.2");
    EXPECT_EQ((protocol_version{4, 10}.to_string()), "4.10");
    EXPECT_EQ((protocol_version{1, 0}.to_string()), "1.0");
}

TEST(message_tag, signatures_match_the_spec) {
    struct row {
        message_tag tag;
        std::uint8_t byte;
        const char* name;
    };
    const row rows[] = {
        {message_tag::hello, 0x01, "HELLO"},       {message_tag::goodbye, 0x02, "GOODBYE"},
        {message_tag::ack_failure, 0x0E, "ACK_FAILURE"}, {message_tag::reset, 0x0F, "RESET"},
        {message_tag::run, 0x10, "RUN"},           {message_tag::begin, 0x11, "BEGIN"},
        {message_tag::commit, 0x12, "COMMIT"},     {message_tag::rollback, 0x13, "ROLLBACK"},
        {message_tag::discard, 0x2F, "DISCARD"},   {message_tag::pull, 0x3F, "PULL"},
        {message_tag::telemetry, 0x54, "TELEMETRY"}, {message_tag::route, 0x66, "ROUTE"},
        {message_tag::logon, 0x6A, "LOGON"},       {message_tag::logoff, 0x6B, "LOGOFF"},
        {message_tag::success, 0x70, "SUCCESS"},   {message_tag::record, 0x71, "RECORD"},
        {message_tag::ignored, 0x7E, "IGNORED"},   {message_tag::failure, 0x7F, "FAILURE"},
    };
    for (const row& r : rows) {
        EXPECT_EQ(static_cast<std::uint8_t>(r.tag), r.byte) << r.name;
        EXPECT_EQ(to_string(r.tag), r.name);
    }
    EXPECT_EQ(to_string(static_cast<message_tag>(0x55)), "UNKNOWN");
}

// One row per version: what a user of that version relies on.
struct features_row {
    protocol_version v;
    bool init, hello_extra_tx, pull_n_qid;
    route_layout route;
    bool imp_user, element_ids, utc, utc_patchable, logon, notif, agent, telemetry;
};

class features_table : public ::testing::TestWithParam<features_row> {};

TEST_P(features_table, matches_the_version_history) {
    const features_row& r = GetParam();
    const protocol_features f = features_for(r.v);
    SCOPED_TRACE(r.v.to_string());
    EXPECT_EQ(f.version, r.v);
    EXPECT_EQ(f.init_message, r.init);
    EXPECT_EQ(f.ack_failure, r.init);
    EXPECT_EQ(f.explicit_transactions, r.hello_extra_tx);
    EXPECT_EQ(f.pull_n_qid, r.pull_n_qid);
    EXPECT_EQ(f.route, r.route);
    EXPECT_EQ(f.imp_user, r.imp_user);
    EXPECT_EQ(f.element_ids, r.element_ids);
    EXPECT_EQ(f.utc_datetime, r.utc);
    EXPECT_EQ(f.utc_patch_negotiable, r.utc_patchable);
    EXPECT_EQ(f.logon_message, r.logon);
    EXPECT_EQ(f.notification_filters, r.notif);
    EXPECT_EQ(f.bolt_agent, r.agent);
    EXPECT_EQ(f.telemetry, r.telemetry);
    EXPECT_EQ(f.dialect, (packstream::dialect{r.element_ids, r.utc}));
    EXPECT_EQ(f.dialect, packstream::dialect::for_version(r.v.major, r.v.minor));
}

constexpr auto none = route_layout::none;
constexpr auto db_string = route_layout::db_string;
constexpr auto extra_dict = route_layout::extra_dict;

INSTANTIATE_TEST_SUITE_P(
    versions, features_table,
    ::testing::Values(
        //           v      init  tx     n/qid  route       imp    eid    utc    patch  logon  notif  agent  telem
        features_row{{1, 0}, true, false, false, none, false, false, false, false, false, false, false, false},
        features_row{{2, 0}, true, false, false, none, false, false, false, false, false, false, false, false},
        features_row{{3, 0}, false, true, false, none, false, false, false, false, false, false, false, false},
        features_row{{4, 0}, false, true, true, none, false, false, false, false, false, false, false, false},
        features_row{{4, 1}, false, true, true, none, false, false, false, false, false, false, false, false},
        features_row{{4, 2}, false, true, true, none, false, false, false, false, false, false, false, false},
        features_row{{4, 3}, false, true, true, db_string, false, false, false, true, false, false, false, false},
        features_row{{4, 4}, false, true, true, extra_dict, true, false, false, true, false, false, false, false},
        features_row{{5, 0}, false, true, true, extra_dict, true, true, true, false, false, false, false, false},
        features_row{{5, 1}, false, true, true, extra_dict, true, true, true, false, true, false, false, false},
        features_row{{5, 2}, false, true, true, extra_dict, true, true, true, false, true, true, false, false},
        features_row{{5, 3}, false, true, true, extra_dict, true, true, true, false, true, true, true, false},
        features_row{{5, 4}, false, true, true, extra_dict, true, true, true, false, true, true, true, true},
        features_row{{5, 7}, false, true, true, extra_dict, true, true, true, false, true, true, true, true}),
    [](const auto& info) {
        return "v" + std::to_string(info.param.v.major) + "_" + std::to_string(info.param.v.minor);
    });

TEST(protocol_features, utc_patch_switches_datetimes_on_4_4_only) {
    const protocol_features patched = features_for({4, 4}, true);
    EXPECT_TRUE(patched.utc_datetime);
    EXPECT_FALSE(patched.element_ids);  // the patch is about DateTime, not graph ids
    EXPECT_EQ(patched.dialect, (packstream::dialect{false, true}));
    EXPECT_EQ(patched.dialect, packstream::dialect::for_version(4, 4, true));

    EXPECT_TRUE(features_for({4, 3}, true).utc_datetime);  // patch_bolt exists since 4.3
    EXPECT_FALSE(features_for({4, 2}, true).utc_datetime);
    EXPECT_FALSE(features_for({4, 1}, true).utc_datetime);
    EXPECT_FALSE(features_for({3, 0}, true).utc_datetime);
    EXPECT_EQ(features_for({5, 2}, true), features_for({5, 2}));
}

TEST(protocol_errc, has_its_own_category_and_readable_messages) {
    const std::error_code ec = protocol_errc::wrong_field_count;
    EXPECT_EQ(&ec.category(), &protocol_category());
    EXPECT_STREQ(ec.category().name(), "bolt.protocol");
    EXPECT_EQ(ec.message(), "message has the wrong number of fields");
    EXPECT_NE(ec, std::error_code(packstream::errc::bad_struct));
    for (int e = 1; e <= static_cast<int>(protocol_errc::trailing_bytes); ++e)
        EXPECT_NE(make_error_code(static_cast<protocol_errc>(e)).message(),
                  "unknown bolt protocol error");
    EXPECT_FALSE(std::error_code(protocol_errc::ok));
}

}  // namespace
}  // namespace bolt
