// Retry policies driven with a fake clock, sleep and random source: the exact waits of every
// kind, the Neo4j time budget, caps, what the observer sees, what is and is not retried, and a
// statistical check that jitter stays inside its bounds.
#include "bolt/retry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using bolt::attempt_verdict;
using bolt::error_class;
using bolt::retry_kind;
using bolt::retry_policy;

constexpr const char* mg_transient = "Memgraph.TransientError.MemgraphError.MemgraphError";
constexpr const char* conflict =
    "Cannot resolve conflicting transactions. Retry this transaction when the "
    "conflicting transaction is finished.";

[[noreturn]] void throw_conflict() {
    bolt::throw_server_error(mg_transient, conflict);
}
[[noreturn]] void throw_timeout() {
    bolt::throw_server_error(mg_transient,
                             "Transaction was asked to abort because of transaction timeout.");
}

/// A fake world: the clock only moves when the code sleeps or the work says it took time.
struct fake_env {
    bolt::retry_clock::time_point now{};
    std::vector<std::chrono::nanoseconds> sleeps;
    std::vector<bolt::attempt_record> records;
    double u = 0.5;
    int random_calls = 0;

    bolt::retry_hooks hooks() {
        bolt::retry_hooks h;
        h.clock = [this] { return now; };
        h.sleep = [this](std::chrono::nanoseconds d) {
            sleeps.push_back(d);
            now += d;
        };
        h.random = [this] {
            ++random_calls;
            return u;
        };
        h.observer = [this](const bolt::attempt_record& r) { records.push_back(r); };
        return h;
    }
};

std::chrono::nanoseconds secs(double s) {
    return std::chrono::round<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

/// Waits must match to the nanosecond (1 ns slack for the last rounding step).
void expect_waits(const std::vector<std::chrono::nanoseconds>& actual,
                  const std::vector<double>& seconds) {
    ASSERT_EQ(actual.size(), seconds.size());
    for (std::size_t i = 0; i < seconds.size(); ++i) {
        EXPECT_NEAR(static_cast<double>(actual[i].count()),
                    static_cast<double>(secs(seconds[i]).count()), 1.0)
            << "wait #" << i + 1;
    }
}

// ---- memgraph (the guide's policy) -----------------------------------------------------------

TEST(RetryMemgraph, GuideWaitsThenSuccessAndObserverSeesEveryAttempt) {
    fake_env env;
    int calls = 0;
    const int result = bolt::run_with_retry(
        retry_policy::defaults(retry_kind::memgraph),
        [&] {
            if (++calls <= 3) throw_conflict();
            return 42;
        },
        env.hooks());
    EXPECT_EQ(result, 42);
    EXPECT_EQ(calls, 4);
    // 0.2·1.1^n + U·0.1·0.2 with U = 0.5
    expect_waits(env.sleeps, {0.21, 0.23, 0.252});
    ASSERT_EQ(env.records.size(), 4u);
    for (int i = 0; i < 3; ++i) {
        const auto& r = env.records[static_cast<std::size_t>(i)];
        EXPECT_EQ(r.attempt, i + 1);
        EXPECT_EQ(r.error, error_class::transient);
        EXPECT_TRUE(r.retryable);
        EXPECT_TRUE(r.conflict);
        EXPECT_EQ(r.verdict, attempt_verdict::retrying);
        EXPECT_EQ(r.wait, env.sleeps[static_cast<std::size_t>(i)]);
        ASSERT_NE(r.exception, nullptr);
    }
    EXPECT_EQ(env.records[3].attempt, 4);
    EXPECT_FALSE(env.records[3].error.has_value());
    EXPECT_EQ(env.records[3].verdict, attempt_verdict::succeeded);
    EXPECT_EQ(env.records[3].wait, 0ns);
}

TEST(RetryMemgraph, JitterExtremes) {
    fake_env env;
    env.u = 0.0;
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.initial_wait_time = 1.0;
    p.backoff_factor = 2.0;
    p.jitter = 0.5;
    int calls = 0;
    bolt::run_with_retry(
        p,
        [&] {
            if (++calls <= 2) throw_timeout();
        },
        env.hooks());
    expect_waits(env.sleeps, {1.0, 2.0});

    fake_env env2;
    env2.u = 0.75;
    calls = 0;
    bolt::run_with_retry(
        p,
        [&] {
            if (++calls <= 2) throw_timeout();
        },
        env2.hooks());
    expect_waits(env2.sleeps, {1.375, 2.375});  // + 0.75·0.5·1.0
}

TEST(RetryMemgraph, MaxRetriesCountsRetriesThenRethrowsTheLastError) {
    fake_env env;
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.max_retries = 2;
    int calls = 0;
    try {
        bolt::run_with_retry(
            p,
            [&] {
                ++calls;
                bolt::throw_server_error(mg_transient,
                                         "conflict #" + std::to_string(calls) +
                                             ": Cannot resolve conflicting transactions");
            },
            env.hooks());
        FAIL() << "expected the last error";
    } catch (const bolt::transient_error& e) {
        EXPECT_EQ(e.server_message(), "conflict #3: Cannot resolve conflicting transactions");
    }
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(env.sleeps.size(), 2u);
    ASSERT_EQ(env.records.size(), 3u);
    EXPECT_EQ(env.records[2].verdict, attempt_verdict::retries_exhausted);
    EXPECT_EQ(env.records[2].wait, 0ns);
}

TEST(RetryMemgraph, ZeroRetriesMeansOneAttempt) {
    fake_env env;
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.max_retries = 0;
    int calls = 0;
    EXPECT_THROW(bolt::run_with_retry(
                     p,
                     [&] {
                         ++calls;
                         throw_conflict();
                     },
                     env.hooks()),
                 bolt::transient_error);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(env.sleeps.empty());
}

TEST(RetryMemgraph, MaxWaitCapsEveryWait) {
    fake_env env;
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.initial_wait_time = 1.0;
    p.backoff_factor = 2.0;
    p.jitter = 0.0;
    p.max_wait = 3.0;
    int calls = 0;
    bolt::run_with_retry(
        p,
        [&] {
            if (++calls <= 4) throw_conflict();
        },
        env.hooks());
    expect_waits(env.sleeps, {1.0, 2.0, 3.0, 3.0});
}

// ---- neo4j (time budget) ---------------------------------------------------------------------

TEST(RetryNeo4j, DriverWaitsUntilTheBudgetIsSpent) {
    fake_env env;
    env.u = 0.25;  // delay·0.8 + 0.4·delay·0.25 = 0.9·delay
    int calls = 0;
    EXPECT_THROW(bolt::run_with_retry(
                     retry_policy::defaults(retry_kind::neo4j),
                     [&] {
                         ++calls;
                         throw_conflict();
                     },
                     env.hooks()),
                 bolt::transient_error);
    // Failures end at t = 0, 0.9, 2.7, 6.3, 13.5, 27.9, 56.7 s; the last is past the 30 s budget.
    expect_waits(env.sleeps, {0.9, 1.8, 3.6, 7.2, 14.4, 28.8});
    EXPECT_EQ(calls, 7);
    EXPECT_EQ(env.records.back().verdict, attempt_verdict::time_budget_exhausted);
}

TEST(RetryNeo4j, BudgetStartsWhenTheFirstAttemptEnds) {
    fake_env env;
    retry_policy p = retry_policy::defaults(retry_kind::neo4j);
    p.max_transaction_retry_time = 1.0;
    p.retry_delay_jitter_factor = 0.0;
    int calls = 0;
    EXPECT_THROW(bolt::run_with_retry(
                     p,
                     [&] {
                         if (++calls == 1)
                             env.now += 100s;  // a slow first attempt does not eat the budget
                         throw_conflict();
                     },
                     env.hooks()),
                 bolt::transient_error);
    // Failure 2 ends exactly 1.0 s after failure 1: not *more* than the budget, so one more retry.
    expect_waits(env.sleeps, {1.0, 2.0});
    EXPECT_EQ(calls, 3);
}

TEST(RetryNeo4j, WorkTimeCountsAgainstTheBudget) {
    fake_env env;
    retry_policy p = retry_policy::defaults(retry_kind::neo4j);
    p.max_transaction_retry_time = 5.0;
    p.retry_delay_jitter_factor = 0.0;
    int calls = 0;
    EXPECT_THROW(bolt::run_with_retry(
                     p,
                     [&] {
                         ++calls;
                         env.now += 3s;
                         throw_conflict();
                     },
                     env.hooks()),
                 bolt::transient_error);
    // Ends: 3, 7 (+1 wait +3 work), 12 -> 9 s elapsed > 5.
    EXPECT_EQ(calls, 3);
    expect_waits(env.sleeps, {1.0, 2.0});
}

TEST(RetryNeo4j, MaxWaitCapsTheJitteredDelay) {
    fake_env env;
    env.u = 0.25;
    retry_policy p = retry_policy::defaults(retry_kind::neo4j);
    p.max_wait = 2.5;
    int calls = 0;
    bolt::run_with_retry(
        p,
        [&] {
            if (++calls <= 4) throw_conflict();
        },
        env.hooks());
    expect_waits(env.sleeps, {0.9, 1.8, 2.5, 2.5});
}

// ---- AWS strategies --------------------------------------------------------------------------

retry_policy aws(retry_kind k) {
    retry_policy p = retry_policy::defaults(k);
    p.base = 0.1;
    p.max_wait = 1.0;
    return p;
}

TEST(RetryAws, FullJitter) {
    fake_env env;
    int calls = 0;
    bolt::run_with_retry(
        aws(retry_kind::full_jitter),
        [&] {
            if (++calls <= 5) throw_conflict();
        },
        env.hooks());
    expect_waits(env.sleeps, {0.05, 0.1, 0.2, 0.4, 0.5});  // U·min(1, 0.1·2^n), U = 0.5
}

TEST(RetryAws, EqualJitter) {
    fake_env env;
    int calls = 0;
    bolt::run_with_retry(
        aws(retry_kind::equal_jitter),
        [&] {
            if (++calls <= 5) throw_conflict();
        },
        env.hooks());
    expect_waits(env.sleeps, {0.075, 0.15, 0.3, 0.6, 0.75});  // t/2 + U·t/2
}

TEST(RetryAws, Decorrelated) {
    fake_env env;
    int calls = 0;
    bolt::run_with_retry(
        aws(retry_kind::decorrelated),
        [&] {
            if (++calls <= 5) throw_conflict();
        },
        env.hooks());
    // min(1, 0.1 + U·(3·prev − 0.1)), prev starts at base
    expect_waits(env.sleeps, {0.2, 0.35, 0.575, 0.9125, 1.0});
}

TEST(RetryAws, MaxRetriesApplies) {
    fake_env env;
    retry_policy p = aws(retry_kind::full_jitter);
    p.max_retries = 3;
    int calls = 0;
    EXPECT_THROW(bolt::run_with_retry(
                     p,
                     [&] {
                         ++calls;
                         throw_conflict();
                     },
                     env.hooks()),
                 bolt::transient_error);
    EXPECT_EQ(calls, 4);
}

// ---- what is retried -------------------------------------------------------------------------

TEST(RetryWhat, NoneFailsOnTheFirstError) {
    fake_env env;
    int calls = 0;
    EXPECT_THROW(bolt::run_with_retry(
                     retry_policy::defaults(retry_kind::none),
                     [&] {
                         ++calls;
                         throw_conflict();
                     },
                     env.hooks()),
                 bolt::transient_error);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(env.sleeps.empty());
    ASSERT_EQ(env.records.size(), 1u);
    EXPECT_EQ(env.records[0].verdict, attempt_verdict::retries_exhausted);
}

TEST(RetryWhat, NonRetryableErrorsPropagateAtOnce) {
    struct thrower {
        const char* name;
        void (*fn)();
        error_class cls;
    };
    const thrower cases[] = {
        {"client",
         [] {
             bolt::throw_server_error("Memgraph.ClientError.MemgraphError.MemgraphError", "syntax");
         },
         error_class::client},
        {"old-memgraph conflict",
         [] {
             bolt::throw_server_error("Memgraph.ClientError.MemgraphError.MemgraphError", conflict);
         },
         error_class::client},
        {"memory limit",
         [] { bolt::throw_server_error(mg_transient, "Memory limit exceeded! ..."); },
         error_class::transient},
        {"auth",
         [] {
             bolt::throw_server_error("Memgraph.ClientError.Security.Unauthenticated",
                                      "Authentication failure");
         },
         error_class::auth},
        {"terminated",
         [] { bolt::throw_server_error("Neo.TransientError.Transaction.Terminated", "x"); },
         error_class::client},
        {"incomplete commit", [] { throw bolt::incomplete_commit("connection lost after COMMIT"); },
         error_class::incomplete_commit},
        {"protocol", [] { throw bolt::protocol_error("bad marker"); }, error_class::protocol},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        fake_env env;
        int calls = 0;
        EXPECT_THROW(bolt::run_with_retry(
                         retry_policy::defaults(retry_kind::memgraph),
                         [&] {
                             ++calls;
                             c.fn();
                         },
                         env.hooks()),
                     bolt::error);
        EXPECT_EQ(calls, 1);
        EXPECT_TRUE(env.sleeps.empty());
        EXPECT_EQ(env.random_calls, 0);
        ASSERT_EQ(env.records.size(), 1u);
        EXPECT_EQ(env.records[0].error, c.cls);
        EXPECT_EQ(env.records[0].verdict, attempt_verdict::not_retryable);
    }
}

TEST(RetryWhat, ConnectionLossBeforeCommitIsRetried) {
    fake_env env;
    int calls = 0;
    bolt::run_with_retry(
        retry_policy::defaults(retry_kind::memgraph),
        [&] {
            ++calls;
            if (calls == 1) throw bolt::service_unavailable("connection refused");
            if (calls == 2) throw bolt::session_expired("connection lost");
        },
        env.hooks());
    EXPECT_EQ(calls, 3);
    ASSERT_EQ(env.records.size(), 3u);
    EXPECT_EQ(env.records[0].error, error_class::service_unavailable);
    EXPECT_FALSE(env.records[0].conflict);
    EXPECT_EQ(env.records[1].error, error_class::session_expired);
}

TEST(RetryWhat, ConflictsAndOtherTransientErrorsAreToldApart) {
    fake_env env;
    int calls = 0;
    bolt::run_with_retry(
        retry_policy::defaults(retry_kind::memgraph),
        [&] {
            ++calls;
            if (calls == 1) throw_conflict();
            if (calls == 2) throw_timeout();
        },
        env.hooks());
    ASSERT_EQ(env.records.size(), 3u);
    EXPECT_TRUE(env.records[0].conflict);
    EXPECT_FALSE(env.records[1].conflict);
    EXPECT_EQ(env.records[1].error, error_class::transient);
}

TEST(RetryWhat, ForeignExceptionsPropagateAsOther) {
    fake_env env;
    EXPECT_THROW(bolt::run_with_retry(
                     retry_policy::defaults(retry_kind::memgraph),
                     [] { throw std::out_of_range("row 7"); }, env.hooks()),
                 std::out_of_range);
    ASSERT_EQ(env.records.size(), 1u);
    EXPECT_EQ(env.records[0].error, error_class::other);
    EXPECT_EQ(env.records[0].verdict, attempt_verdict::not_retryable);
    EXPECT_TRUE(env.sleeps.empty());
}

TEST(RetryRunner, WorkMayTakeTheAttemptNumber) {
    fake_env env;
    std::vector<int> seen;
    const std::string r = bolt::run_with_retry(
        retry_policy::defaults(retry_kind::memgraph),
        [&](int attempt) -> std::string {
            seen.push_back(attempt);
            if (attempt < 3) throw_conflict();
            return "done";
        },
        env.hooks());
    EXPECT_EQ(r, "done");
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

TEST(RetryRunner, ThrowingObserverIsNotAFailedAttempt) {
    fake_env env;
    bolt::retry_hooks h = env.hooks();
    h.observer = [](const bolt::attempt_record& r) {
        if (!r.error) throw bolt::service_unavailable("observer failed");
    };
    int calls = 0;
    EXPECT_THROW(bolt::run_with_retry(
                     retry_policy::defaults(retry_kind::memgraph), [&] { ++calls; }, h),
                 bolt::service_unavailable);
    EXPECT_EQ(calls, 1);
}

TEST(RetryRunner, MoveOnlyResults) {
    fake_env env;
    int calls = 0;
    const auto p = bolt::run_with_retry(
        retry_policy::defaults(retry_kind::memgraph),
        [&] {
            if (++calls == 1) throw_conflict();
            return std::make_unique<int>(7);
        },
        env.hooks());
    EXPECT_EQ(*p, 7);
}

TEST(RetryRunner, RandomIsDrawnOncePerWait) {
    fake_env env;
    int calls = 0;
    bolt::run_with_retry(
        retry_policy::defaults(retry_kind::neo4j),
        [&] {
            if (++calls <= 3) throw_conflict();
        },
        env.hooks());
    EXPECT_EQ(env.random_calls, 3);
}

TEST(RetryRunner, InvalidPolicyIsAUsageError) {
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.backoff_factor = 0.5;
    fake_env env;
    int calls = 0;
    try {
        bolt::run_with_retry(
            p, [&] { ++calls; }, env.hooks());
        FAIL() << "expected usage_error";
    } catch (const bolt::usage_error& e) {
        EXPECT_NE(std::string(e.what()).find("backoff_factor must be >= 1 (got 0.5)"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(calls, 0);
}

TEST(RetryRunner, RealHooksWork) {
    // Default clock, sleep and random: tiny waits, no timing assertions.
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.initial_wait_time = 0.001;
    int calls = 0;
    int observed = 0;
    bolt::retry_hooks h;
    h.observer = [&](const bolt::attempt_record&) { ++observed; };
    bolt::run_with_retry(
        p,
        [&] {
            if (++calls <= 2) throw_conflict();
        },
        h);
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(observed, 3);
}

// ---- retry_state directly --------------------------------------------------------------------

TEST(RetryState, SuccessOutcomeIsNotAFailure) {
    bolt::retry_state s(retry_policy::defaults(retry_kind::memgraph));
    const auto d = s.on_failure(bolt::attempt_outcome::success(), {}, [] { return 0.5; });
    EXPECT_EQ(d.verdict, attempt_verdict::succeeded);
    EXPECT_EQ(s.failures(), 0);
}

TEST(RetryState, AnswersGiveUpOrWait) {
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.max_retries = 1;
    bolt::retry_state s(p);
    const bolt::attempt_outcome transient{error_class::transient, true, true};
    auto d = s.on_failure(transient, {}, [] { return 0.0; });
    EXPECT_TRUE(d.retry());
    EXPECT_EQ(d.wait, 200ms);
    d = s.on_failure(transient, {}, [] { return 0.0; });
    EXPECT_FALSE(d.retry());
    EXPECT_EQ(d.verdict, attempt_verdict::retries_exhausted);
    EXPECT_EQ(s.failures(), 2);
}

// ---- statistics: jitter stays in bounds and covers them --------------------------------------

struct bounds_case {
    retry_kind kind;
    double lo;
    double hi;
};

TEST(RetryStatistics, FirstWaitStaysWithinJitterBounds) {
    const bounds_case cases[] = {
        {retry_kind::memgraph, 0.2, 0.22},     // 0.2 + U(0, 0.1)·0.2
        {retry_kind::neo4j, 0.8, 1.2},         // 1.0 ± 20 %
        {retry_kind::full_jitter, 0.0, 0.2},   // U(0, base)
        {retry_kind::equal_jitter, 0.1, 0.2},  // base/2 + U(0, base/2)
        {retry_kind::decorrelated, 0.2, 0.6},  // U(base, 3·base)
    };
    const bolt::attempt_outcome transient{error_class::transient, true, false};
    // Both the real random source and a seeded engine.
    std::mt19937_64 engine(12345);
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    const std::function<double()> seeded = [&] { return dist(engine); };
    const std::function<double()> real = bolt::detail::complete_hooks({}).random;
    for (const auto* source : {&seeded, &real}) {
        for (const auto& c : cases) {
            SCOPED_TRACE(std::string(bolt::to_string(c.kind)) +
                         (source == &real ? " (real random)" : " (seeded)"));
            const double range = c.hi - c.lo;
            double lo_seen = std::numeric_limits<double>::infinity();
            double hi_seen = -lo_seen;
            double sum = 0;
            constexpr int samples = 20000;
            for (int i = 0; i < samples; ++i) {
                bolt::retry_state s(retry_policy::defaults(c.kind));
                const auto d = s.on_failure(transient, {}, *source);
                ASSERT_TRUE(d.retry());
                const double w = std::chrono::duration<double>(d.wait).count();
                ASSERT_GE(w, c.lo - 1e-9);
                ASSERT_LE(w, c.hi + 1e-9);
                lo_seen = std::min(lo_seen, w);
                hi_seen = std::max(hi_seen, w);
                sum += w;
            }
            // Uniform over the range: both ends are reached and the mean sits in the middle.
            EXPECT_LT(lo_seen, c.lo + 0.01 * range);
            EXPECT_GT(hi_seen, c.hi - 0.01 * range);
            EXPECT_NEAR(sum / samples, c.lo + range / 2, 0.02 * range);
        }
    }
}

TEST(RetryStatistics, RealRandomIsInUnitInterval) {
    const auto random = bolt::detail::complete_hooks({}).random;
    for (int i = 0; i < 100000; ++i) {
        const double u = random();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
    }
}

// ---- the policy as configuration -------------------------------------------------------------

TEST(RetryPolicy, DefaultsAreTheGuidesAndTheDrivers) {
    const retry_policy mg = retry_policy::defaults(retry_kind::memgraph);
    EXPECT_EQ(mg.max_retries, 100);
    EXPECT_DOUBLE_EQ(mg.initial_wait_time, 0.2);
    EXPECT_DOUBLE_EQ(mg.backoff_factor, 1.1);
    EXPECT_DOUBLE_EQ(mg.jitter, 0.1);
    EXPECT_FALSE(mg.max_wait.has_value());
    const retry_policy neo = retry_policy::defaults(retry_kind::neo4j);
    EXPECT_DOUBLE_EQ(neo.max_transaction_retry_time, 30.0);
    EXPECT_DOUBLE_EQ(neo.initial_retry_delay, 1.0);
    EXPECT_DOUBLE_EQ(neo.retry_delay_multiplier, 2.0);
    EXPECT_DOUBLE_EQ(neo.retry_delay_jitter_factor, 0.2);
    for (retry_kind k :
         {retry_kind::none, retry_kind::memgraph, retry_kind::neo4j, retry_kind::full_jitter,
          retry_kind::equal_jitter, retry_kind::decorrelated}) {
        EXPECT_TRUE(retry_policy::defaults(k).validate().empty()) << bolt::to_string(k);
        EXPECT_EQ(bolt::parse_retry_kind(bolt::to_string(k)), k);
    }
    EXPECT_FALSE(bolt::parse_retry_kind("exponential").has_value());
}

TEST(RetryPolicy, ValidationMessagesNameTheFieldAndValue) {
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    p.max_retries = -1;
    p.initial_wait_time = 0;
    p.backoff_factor = 0.9;
    p.jitter = 1.5;
    p.max_wait = -2;
    EXPECT_EQ(p.validate(), (std::vector<std::string>{
                                "max_retries must be >= 0 (got -1)",
                                "initial_wait_time must be a positive number of seconds (got 0)",
                                "backoff_factor must be >= 1 (got 0.9)",
                                "jitter must be between 0 and 1 (got 1.5)",
                                "max_wait must be a positive number of seconds (got -2)",
                            }));

    retry_policy n = retry_policy::defaults(retry_kind::neo4j);
    n.max_transaction_retry_time = -1;
    n.initial_retry_delay = -0.5;
    n.retry_delay_multiplier = 0.5;
    n.retry_delay_jitter_factor = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(n.validate(),
              (std::vector<std::string>{
                  "max_transaction_retry_time must be >= 0 seconds (got -1)",
                  "initial_retry_delay must be a positive number of seconds (got -0.5)",
                  "retry_delay_multiplier must be >= 1 (got 0.5)",
                  "retry_delay_jitter_factor must be between 0 and 1 (got nan)",
              }));

    retry_policy a = retry_policy::defaults(retry_kind::decorrelated);
    a.max_wait.reset();
    EXPECT_EQ(a.validate(),
              (std::vector<std::string>{"decorrelated needs max_wait (the cap on every wait)"}));
    a.max_wait = 0.1;
    EXPECT_EQ(a.validate(), (std::vector<std::string>{"max_wait (0.1) must be >= base (0.2)"}));

    // Fields of other kinds are not checked.
    retry_policy only_neo = retry_policy::defaults(retry_kind::neo4j);
    only_neo.backoff_factor = 0;
    EXPECT_TRUE(only_neo.validate().empty());
}

TEST(RetryPolicy, SetByYamlName) {
    retry_policy p = retry_policy::defaults(retry_kind::memgraph);
    EXPECT_FALSE(p.set("max_retries", 5));
    EXPECT_FALSE(p.set("initial_wait_time", 0.05));
    EXPECT_FALSE(p.set("backoff_factor", 1.5));
    EXPECT_FALSE(p.set("jitter", 0.3));
    EXPECT_FALSE(p.set("max_transaction_retry_time", 60));
    EXPECT_FALSE(p.set("initial_retry_delay", 0.5));
    EXPECT_FALSE(p.set("retry_delay_multiplier", 3));
    EXPECT_FALSE(p.set("retry_delay_jitter_factor", 0.1));
    EXPECT_FALSE(p.set("base", 0.01));
    EXPECT_FALSE(p.set("max_wait", 4));
    EXPECT_EQ(p.max_retries, 5);
    EXPECT_DOUBLE_EQ(p.initial_wait_time, 0.05);
    EXPECT_DOUBLE_EQ(p.backoff_factor, 1.5);
    EXPECT_DOUBLE_EQ(p.jitter, 0.3);
    EXPECT_DOUBLE_EQ(p.max_transaction_retry_time, 60);
    EXPECT_DOUBLE_EQ(p.initial_retry_delay, 0.5);
    EXPECT_DOUBLE_EQ(p.retry_delay_multiplier, 3);
    EXPECT_DOUBLE_EQ(p.retry_delay_jitter_factor, 0.1);
    EXPECT_DOUBLE_EQ(p.base, 0.01);
    EXPECT_EQ(p.max_wait, 4.0);

    const auto unknown = p.set("max_retry", 3);
    ASSERT_TRUE(unknown);
    EXPECT_NE(unknown->find("unknown retry setting 'max_retry'"), std::string::npos);
    const auto fractional = p.set("max_retries", 2.5);
    ASSERT_TRUE(fractional);
    EXPECT_EQ(*fractional, "max_retries must be a whole number (got 2.5)");
    EXPECT_EQ(p.max_retries, 5);
}

TEST(RetryPolicy, ToStringShowsTheKindsFields) {
    EXPECT_EQ(
        bolt::to_string(retry_policy::defaults(retry_kind::memgraph)),
        "memgraph{max_retries: 100, initial_wait_time: 0.2, backoff_factor: 1.1, jitter: 0.1}");
    EXPECT_EQ(
        bolt::to_string(retry_policy::defaults(retry_kind::neo4j)),
        "neo4j{max_transaction_retry_time: 30, initial_retry_delay: 1, retry_delay_multiplier: 2, "
        "retry_delay_jitter_factor: 0.2}");
    EXPECT_EQ(bolt::to_string(retry_policy::defaults(retry_kind::full_jitter)),
              "full_jitter{max_retries: 100, base: 0.2, max_wait: 10}");
    EXPECT_EQ(bolt::to_string(retry_policy::defaults(retry_kind::none)), "none{}");
}

}  // namespace
