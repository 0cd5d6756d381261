// Retry policies for transactions: the Memgraph guide's per-attempt backoff, the Neo4j drivers'
// time budget, and the AWS backoff strategies. The decision logic is pure (clock, sleep and
// randomness are injected) so it can be tested exactly and reused by the loader.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "bolt/errors.hpp"

namespace bolt {

enum class retry_kind : std::uint8_t {
    none,          // fail on the first error
    memgraph,      // the Memgraph guide: a number of retries, exponential wait plus jitter
    neo4j,         // the Neo4j drivers: retry until a time budget is spent
    full_jitter,   // AWS: U(0, min(cap, base·2^n))
    equal_jitter,  // AWS: t/2 + U(0, t/2), t = min(cap, base·2^n)
    decorrelated,  // AWS: min(cap, U(base, 3·previous))
};

/// The YAML spelling: "none", "memgraph", "neo4j", "full_jitter", "equal_jitter", "decorrelated".
std::string_view to_string(retry_kind k);
std::optional<retry_kind> parse_retry_kind(std::string_view name);

/// A retry policy. Field names are the YAML keys; times are in seconds. Only the fields of the
/// chosen kind matter; `max_wait` caps every wait of every kind.
struct retry_policy {
    retry_kind kind = retry_kind::memgraph;

    // memgraph — wait before retry n (n = 1, 2, ...):
    //   initial_wait_time·backoff_factor^(n−1) + U(0, jitter)·initial_wait_time
    // `max_retries` counts retries, so at most max_retries + 1 attempts (also for the AWS kinds).
    int max_retries = 100;
    double initial_wait_time = 0.2;
    double backoff_factor = 1.1;
    double jitter = 0.1;

    // neo4j — wait before retry n: d·(1−j) + 2·j·d·U(0,1), d =
    // initial_retry_delay·multiplier^(n−1); gives up once more than max_transaction_retry_time has
    // passed since the first attempt ended.
    double max_transaction_retry_time = 30.0;
    double initial_retry_delay = 1.0;
    double retry_delay_multiplier = 2.0;
    double retry_delay_jitter_factor = 0.2;

    // full_jitter / equal_jitter / decorrelated: base wait; the cap is max_wait (required).
    double base = 0.2;

    std::optional<double> max_wait;

    /// The defaults of a kind: memgraph 100 / 0.2 s / 1.1 / 0.1 (the guide's); neo4j 30 s / 1 s /
    /// 2.0 / 0.2 (the drivers'); AWS kinds 100 retries, base 0.2 s, max_wait 10 s.
    static retry_policy defaults(retry_kind kind);

    /// Every problem, one message each ("backoff_factor must be >= 1 (got 0.5)"); empty if valid.
    std::vector<std::string> validate() const;

    /// Sets a field by its YAML name, so the config reader and this struct cannot drift apart.
    /// `kind` is set with parse_retry_kind. Returns an error message for an unknown name or a
    /// value that does not fit the field (max_retries must be a whole number).
    std::optional<std::string> set(std::string_view name, double value);
};

/// "memgraph{max_retries: 100, initial_wait_time: 0.2, backoff_factor: 1.1, jitter: 0.1}" —
/// only the fields the kind uses, plus max_wait when set. For logs and reports.
std::string to_string(const retry_policy& p);

using retry_clock = std::chrono::steady_clock;

/// How an attempt ended.
struct attempt_outcome {
    std::optional<error_class> error;  // nullopt: success
    bool retryable = false;
    bool conflict = false;

    static attempt_outcome success() { return {}; }
    static attempt_outcome from(const bolt::error& e) {
        return {e.classification(), e.is_retryable(), e.is_conflict()};
    }
};

enum class attempt_verdict : std::uint8_t {
    succeeded,
    retrying,               // a wait was chosen; another attempt follows
    not_retryable,          // the error is not one a retry can fix
    retries_exhausted,      // max_retries reached (or kind none)
    time_budget_exhausted,  // neo4j: more than max_transaction_retry_time has passed
};
std::string_view to_string(attempt_verdict v);

struct retry_decision {
    attempt_verdict verdict = attempt_verdict::succeeded;
    std::chrono::nanoseconds wait{0};  // meaningful when verdict == retrying
    bool retry() const { return verdict == attempt_verdict::retrying; }
};

/// The pure retry state of one unit of work: feed it every failed attempt, it answers "give up"
/// or "wait d, then try again".
class retry_state {
public:
    /// Throws usage_error listing validate()'s messages when the policy is invalid.
    explicit retry_state(retry_policy policy);

    /// `now` is the clock when the failed attempt ended. `random` yields U[0,1) and is called at
    /// most once, only when a wait is chosen.
    retry_decision on_failure(const attempt_outcome& outcome, retry_clock::time_point now,
                              const std::function<double()>& random);

    /// Failed attempts seen so far.
    int failures() const { return failures_; }
    const retry_policy& policy() const { return policy_; }

private:
    double next_wait_seconds(double u);

    retry_policy policy_;
    int failures_ = 0;
    std::optional<retry_clock::time_point> first_failure_end_;
    double previous_wait_ = 0;  // decorrelated jitter feeds on its last wait
};

/// What the observer learns about each attempt.
struct attempt_record {
    int attempt = 1;                   // 1-based
    std::optional<error_class> error;  // nullopt: the attempt succeeded
    bool retryable = false;
    bool conflict = false;
    attempt_verdict verdict = attempt_verdict::succeeded;
    std::chrono::nanoseconds wait{0};  // the wait chosen before the next attempt (verdict retrying)
    const std::exception* exception = nullptr;  // the error; valid only during the call
};

/// Injected effects for run_with_retry; an empty function means the real one (steady_clock,
/// std::this_thread::sleep_for, a per-thread Mersenne Twister seeded from random_device).
struct retry_hooks {
    std::function<retry_clock::time_point()> clock;
    std::function<void(std::chrono::nanoseconds)> sleep;
    std::function<double()> random;                       // U[0,1)
    std::function<void(const attempt_record&)> observer;  // called for every attempt
};

namespace detail {
/// Fills empty hooks with the real clock, sleep and random source.
retry_hooks complete_hooks(const retry_hooks& hooks);
}  // namespace detail

/// Runs `work` (callable as work() or work(int attempt), attempt 1-based) until it succeeds or
/// the policy gives up. bolt::error decides retryability through is_retryable(); any other
/// exception is class `other` and propagates at once. When the policy gives up, the last error
/// is rethrown as it was thrown (same dynamic type).
template <class F>
auto run_with_retry(const retry_policy& policy, F&& work, const retry_hooks& hooks = {}) {
    constexpr bool takes_attempt = std::is_invocable_v<F&, int>;
    using result_type = typename std::conditional_t<takes_attempt, std::invoke_result<F&, int>,
                                                    std::invoke_result<F&>>::type;
    const retry_hooks h = detail::complete_hooks(hooks);
    retry_state state(policy);
    for (int attempt = 1;; ++attempt) {
        attempt_record record;
        record.attempt = attempt;
        // Only the work is inside the try: an observer that throws must not count as a failure.
        std::optional<
            std::conditional_t<std::is_void_v<result_type>, bool, std::remove_cvref_t<result_type>>>
            result;
        try {
            if constexpr (std::is_void_v<result_type>) {
                if constexpr (takes_attempt)
                    work(attempt);
                else
                    work();
            } else {
                if constexpr (takes_attempt)
                    result.emplace(work(attempt));
                else
                    result.emplace(work());
            }
        } catch (const bolt::error& e) {
            const attempt_outcome outcome = attempt_outcome::from(e);
            const retry_decision decision = state.on_failure(outcome, h.clock(), h.random);
            record.error = outcome.error;
            record.retryable = outcome.retryable;
            record.conflict = outcome.conflict;
            record.verdict = decision.verdict;
            record.wait = decision.retry() ? decision.wait : std::chrono::nanoseconds{0};
            record.exception = &e;
            if (h.observer) h.observer(record);
            if (!decision.retry()) throw;
        } catch (const std::exception& e) {
            record.error = error_class::other;
            record.verdict = attempt_verdict::not_retryable;
            record.exception = &e;
            if (h.observer) h.observer(record);
            throw;
        } catch (...) {
            record.error = error_class::other;
            record.verdict = attempt_verdict::not_retryable;
            if (h.observer) h.observer(record);
            throw;
        }
        if (record.error) {
            h.sleep(record.wait);  // outside the handler, so the exception object is already gone
            continue;
        }
        if (h.observer) h.observer(record);
        if constexpr (!std::is_void_v<result_type>)
            return std::move(*result);
        else
            return;
    }
}

}  // namespace bolt
