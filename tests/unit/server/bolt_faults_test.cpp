// Testbed faults of the embedded server, on the sans-I/O connection: injected transient errors,
// latency, drops and stalls, all reproducible from the seed.
#include <gtest/gtest.h>

#include "bolt_test_peer.hpp"

namespace {

using namespace bolt_test;
using server::bolt::connection_phase;

constexpr std::string_view transient_code = "Memgraph.TransientError.MemgraphError.MemgraphError";

// Runs `n` auto-commit transactions; returns which ones failed (RESET after each failure).
std::vector<bool> transient_pattern(std::uint64_t seed, double p, int n) {
    server::bolt::connection_settings s;
    s.faults.seed = seed;
    s.faults.transient_error_probability = p;
    peer c(s);
    c.open({5, 2});
    std::vector<bool> failed;
    for (int i = 0; i < n; ++i) {
        auto r = c.send([](auto& w) {
            w.run("RETURN 1", {}, {});
            w.pull(-1);
        });
        EXPECT_FALSE(r.closed);
        if (r.responses.size() == 2 && is_failure(r.responses[1])) {
            EXPECT_EQ(code(r.responses[1]), transient_code);
            EXPECT_NE(meta(r.responses[1]).at("message").as<std::string>().find("injected"),
                      std::string::npos);
            failed.push_back(true);
            auto reset = c.send([](auto& w) { w.reset(); });
            EXPECT_TRUE(is_success(reset.responses.at(0)));
        } else {
            EXPECT_EQ(r.responses.size(), 3u);
            failed.push_back(false);
        }
    }
    return failed;
}

TEST(BoltFaults, TransientErrorsAreReproducibleFromTheSeed) {
    const auto a = transient_pattern(7, 0.3, 200);
    const auto b = transient_pattern(7, 0.3, 200);
    const auto other = transient_pattern(8, 0.3, 200);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, other);
    const auto failures = std::count(a.begin(), a.end(), true);
    EXPECT_GT(failures, 20);  // p = 0.3 of 200; the seed fixes the exact number
    EXPECT_LT(failures, 100);
}

TEST(BoltFaults, NoFaultsByDefault) {
    const auto a = transient_pattern(1, 0.0, 50);
    EXPECT_EQ(std::count(a.begin(), a.end(), true), 0);
}

TEST(BoltFaults, ExplicitTransactionFailsAtFirstPullAndNeedsReset) {
    server::bolt::connection_settings s;
    s.faults.transient_error_probability = 1.0;
    peer c(s);
    c.open({5, 2});
    auto r = c.send([](auto& w) {
        w.begin({});
        w.run("RETURN 1", {}, {});
        w.pull(-1);
        w.commit();
        w.reset();
    });
    ASSERT_EQ(r.responses.size(), 5u);
    EXPECT_TRUE(is_success(r.responses[0]));
    EXPECT_TRUE(is_success(r.responses[1]));
    ASSERT_TRUE(is_failure(r.responses[2]));
    EXPECT_EQ(code(r.responses[2]), transient_code);
    EXPECT_TRUE(is_ignored(r.responses[3]));
    EXPECT_TRUE(is_success(r.responses[4]));
    EXPECT_EQ(c.conn().phase(), connection_phase::ready);
    EXPECT_EQ(c.conn().stats().faults_transient, 1u);
}

TEST(BoltFaults, CommitWithoutStatementsFailsWhenDoomed) {
    server::bolt::connection_settings s;
    s.faults.transient_error_probability = 1.0;
    peer c(s);
    c.open({5, 2});
    auto r = c.send([](auto& w) {
        w.begin({});
        w.commit();
    });
    ASSERT_EQ(r.responses.size(), 2u);
    EXPECT_EQ(code(r.responses[1]), transient_code);
}

TEST(BoltFaults, DropAfterNMessagesLosesTheReplyOfMessageNPlusOne) {
    server::bolt::connection_settings s;
    s.faults.drop_after_messages = 3;  // HELLO, LOGON, RUN answered; PULL dropped
    peer c(s);
    c.open({5, 2});
    auto r = c.send([](auto& w) {
        w.run("RETURN 1", {}, {});
        w.pull(-1);
    });
    EXPECT_TRUE(r.closed);
    ASSERT_EQ(r.responses.size(), 1u);  // RUN's SUCCESS only
    EXPECT_TRUE(is_success(r.responses[0]));
    EXPECT_EQ(c.conn().stats().faults_dropped, 1u);
}

std::size_t messages_until_drop(std::uint64_t seed) {
    server::bolt::connection_settings s;
    s.faults.seed = seed;
    s.faults.drop_probability = 0.05;
    peer c(s);
    const bolt::version_range v[] = {{{4, 4}, 0}};
    c.handshake(v);
    auto r = c.send([](auto& w) { w.hello({{"user_agent", "t/1"}}); });
    for (int i = 0; i < 1000 && !r.closed; ++i) r = c.send([](auto& w) { w.reset(); });
    return c.conn().stats().messages;
}

TEST(BoltFaults, RandomDropsAreReproducibleFromTheSeed) {
    const auto a = messages_until_drop(11);
    EXPECT_EQ(a, messages_until_drop(11));
    EXPECT_LT(a, 1000u);
    bool differs = false;
    for (std::uint64_t seed = 12; seed < 20 && !differs; ++seed) differs = messages_until_drop(seed) != a;
    EXPECT_TRUE(differs);
}

TEST(BoltFaults, StallOnceAfterNMessages) {
    server::bolt::connection_settings s;
    s.faults.stall_after_messages = 2;
    s.faults.stall_ms = 1500;
    peer c(s);
    c.open({5, 2});  // HELLO, LOGON: no stall yet
    auto r = c.send([](auto& w) {
        w.run("RETURN 1", {}, {});
        w.pull(-1);
        w.run("RETURN 1", {}, {});
        w.pull(-1);
    });
    ASSERT_EQ(r.pauses.size(), 1u);
    EXPECT_EQ(r.pauses[0], std::chrono::milliseconds(1500));
    EXPECT_EQ(r.responses.size(), 6u);
    EXPECT_EQ(c.conn().stats().faults_stalled, 1u);
}

TEST(BoltFaults, LatencyBeforeEveryRun) {
    server::bolt::connection_settings s;
    s.faults.latency_ms = 25;
    peer c(s);
    c.open({5, 2});
    auto r = c.send([](auto& w) {
        w.run("RETURN 1", {}, {});
        w.pull(-1);
        w.begin({});
        w.run("RETURN 1", {}, {});
        w.pull(-1);
        w.commit();
    });
    EXPECT_EQ(r.pauses, (std::vector<std::chrono::milliseconds>(2, std::chrono::milliseconds(25))));
    EXPECT_EQ(r.responses.size(), 8u);
}

TEST(BoltFaults, OptionsSayWhetherAnyFaultIsOn) {
    server::bolt::fault_options f;
    EXPECT_FALSE(f.any());
    f.stall_after_messages = 3;
    EXPECT_FALSE(f.any());  // no duration
    f.stall_ms = 10;
    EXPECT_TRUE(f.any());
}

}  // namespace
