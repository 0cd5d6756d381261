// Retry policies: validation, the wait formulas of every kind, and the real clock/sleep/random.
#include "bolt/retry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <limits>
#include <random>
#include <thread>

namespace bolt {

namespace {

struct kind_name {
    retry_kind kind;
    std::string_view name;
};
constexpr std::array<kind_name, 6> kind_names{{
    {retry_kind::none, "none"},
    {retry_kind::memgraph, "memgraph"},
    {retry_kind::neo4j, "neo4j"},
    {retry_kind::full_jitter, "full_jitter"},
    {retry_kind::equal_jitter, "equal_jitter"},
    {retry_kind::decorrelated, "decorrelated"},
}};

bool is_aws(retry_kind k) {
    return k == retry_kind::full_jitter || k == retry_kind::equal_jitter ||
           k == retry_kind::decorrelated;
}

// Longer waits are clamped: about 31 years, far below what nanoseconds can hold.
constexpr double longest_wait_seconds = 1e9;

std::chrono::nanoseconds to_wait(double seconds) {
    if (!(seconds > 0)) return std::chrono::nanoseconds{0};  // also NaN
    seconds = std::min(seconds, longest_wait_seconds);
    return std::chrono::round<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

double real_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    double u = std::generate_canonical<double, 53>(engine);
    // Some standard libraries can return exactly 1.0; keep the promise of [0, 1).
    return u < 1.0 ? u : std::nextafter(1.0, 0.0);
}

class problems {
public:
    void positive(std::string_view name, double v) {
        if (!std::isfinite(v) || v <= 0)
            add(fmt::format("{} must be a positive number of seconds (got {})", name, v));
    }
    void non_negative(std::string_view name, double v) {
        if (!std::isfinite(v) || v < 0)
            add(fmt::format("{} must be >= 0 seconds (got {})", name, v));
    }
    void at_least_one(std::string_view name, double v) {
        if (!std::isfinite(v) || v < 1) add(fmt::format("{} must be >= 1 (got {})", name, v));
    }
    void unit_interval(std::string_view name, double v) {
        if (!(v >= 0 && v <= 1)) add(fmt::format("{} must be between 0 and 1 (got {})", name, v));
    }
    void retries(int v) {
        if (v < 0) add(fmt::format("max_retries must be >= 0 (got {})", v));
    }
    void add(std::string s) { list_.push_back(std::move(s)); }
    std::vector<std::string> take() { return std::move(list_); }

private:
    std::vector<std::string> list_;
};

}  // namespace

std::string_view to_string(retry_kind k) {
    for (const auto& kn : kind_names) {
        if (kn.kind == k) return kn.name;
    }
    return "unknown";
}

std::optional<retry_kind> parse_retry_kind(std::string_view name) {
    for (const auto& kn : kind_names) {
        if (kn.name == name) return kn.kind;
    }
    return std::nullopt;
}

std::string_view to_string(attempt_verdict v) {
    switch (v) {
        case attempt_verdict::succeeded:
            return "succeeded";
        case attempt_verdict::retrying:
            return "retrying";
        case attempt_verdict::not_retryable:
            return "not_retryable";
        case attempt_verdict::retries_exhausted:
            return "retries_exhausted";
        case attempt_verdict::time_budget_exhausted:
            return "time_budget_exhausted";
    }
    return "unknown";
}

retry_policy retry_policy::defaults(retry_kind kind) {
    retry_policy p;  // the member initialisers are the memgraph and neo4j defaults
    p.kind = kind;
    if (is_aws(kind)) p.max_wait = 10.0;
    return p;
}

std::vector<std::string> retry_policy::validate() const {
    problems p;
    switch (kind) {
        case retry_kind::none:
            break;
        case retry_kind::memgraph:
            p.retries(max_retries);
            p.positive("initial_wait_time", initial_wait_time);
            p.at_least_one("backoff_factor", backoff_factor);
            p.unit_interval("jitter", jitter);
            break;
        case retry_kind::neo4j:
            p.non_negative("max_transaction_retry_time", max_transaction_retry_time);
            p.positive("initial_retry_delay", initial_retry_delay);
            p.at_least_one("retry_delay_multiplier", retry_delay_multiplier);
            p.unit_interval("retry_delay_jitter_factor", retry_delay_jitter_factor);
            break;
        case retry_kind::full_jitter:
        case retry_kind::equal_jitter:
        case retry_kind::decorrelated:
            p.retries(max_retries);
            p.positive("base", base);
            if (!max_wait) {
                p.add(fmt::format("{} needs max_wait (the cap on every wait)", to_string(kind)));
            } else if (std::isfinite(base) && std::isfinite(*max_wait) && *max_wait < base) {
                p.add(fmt::format("max_wait ({}) must be >= base ({})", *max_wait, base));
            }
            break;
    }
    if (max_wait) p.positive("max_wait", *max_wait);
    return p.take();
}

std::optional<std::string> retry_policy::set(std::string_view name, double value) {
    if (name == "max_retries") {
        if (!(value == std::floor(value)) || value < INT_MIN || value > INT_MAX) {
            return fmt::format("max_retries must be a whole number (got {})", value);
        }
        max_retries = static_cast<int>(value);
        return std::nullopt;
    }
    struct field {
        std::string_view name;
        double retry_policy::*member;
    };
    static constexpr std::array<field, 9> fields{{
        {"initial_wait_time", &retry_policy::initial_wait_time},
        {"backoff_factor", &retry_policy::backoff_factor},
        {"jitter", &retry_policy::jitter},
        {"max_transaction_retry_time", &retry_policy::max_transaction_retry_time},
        {"initial_retry_delay", &retry_policy::initial_retry_delay},
        {"retry_delay_multiplier", &retry_policy::retry_delay_multiplier},
        {"retry_delay_jitter_factor", &retry_policy::retry_delay_jitter_factor},
        {"base", &retry_policy::base},
        {"max_wait", nullptr},
    }};
    for (const auto& f : fields) {
        if (f.name != name) continue;
        if (f.member)
            this->*f.member = value;
        else
            max_wait = value;
        return std::nullopt;
    }
    return fmt::format(
        "unknown retry setting '{}' (known: kind, max_retries, initial_wait_time, backoff_factor, "
        "jitter, "
        "max_transaction_retry_time, initial_retry_delay, retry_delay_multiplier, "
        "retry_delay_jitter_factor, base, max_wait)",
        name);
}

std::string to_string(const retry_policy& p) {
    std::string s(to_string(p.kind));
    s += '{';
    switch (p.kind) {
        case retry_kind::none:
            break;
        case retry_kind::memgraph:
            s += fmt::format(
                "max_retries: {}, initial_wait_time: {}, backoff_factor: {}, jitter: {}",
                p.max_retries, p.initial_wait_time, p.backoff_factor, p.jitter);
            break;
        case retry_kind::neo4j:
            s += fmt::format(
                "max_transaction_retry_time: {}, initial_retry_delay: {}, retry_delay_multiplier: "
                "{}, "
                "retry_delay_jitter_factor: {}",
                p.max_transaction_retry_time, p.initial_retry_delay, p.retry_delay_multiplier,
                p.retry_delay_jitter_factor);
            break;
        case retry_kind::full_jitter:
        case retry_kind::equal_jitter:
        case retry_kind::decorrelated:
            s += fmt::format("max_retries: {}, base: {}", p.max_retries, p.base);
            break;
    }
    if (p.max_wait)
        s += fmt::format("{}max_wait: {}", p.kind == retry_kind::none ? "" : ", ", *p.max_wait);
    s += '}';
    return s;
}

// ---- retry_state -----------------------------------------------------------------------------

retry_state::retry_state(retry_policy policy) : policy_(std::move(policy)) {
    const std::vector<std::string> errors = policy_.validate();
    if (!errors.empty()) {
        std::string msg = fmt::format("invalid {} retry policy: ", to_string(policy_.kind));
        for (std::size_t i = 0; i < errors.size(); ++i) {
            if (i) msg += "; ";
            msg += errors[i];
        }
        throw usage_error(std::move(msg));
    }
}

retry_decision retry_state::on_failure(const attempt_outcome& outcome, retry_clock::time_point now,
                                       const std::function<double()>& random) {
    if (!outcome.error) return {attempt_verdict::succeeded, {}};
    ++failures_;
    // Neo4j drivers start the budget clock when the first attempt ends, not when it starts.
    if (!first_failure_end_) first_failure_end_ = now;
    if (!outcome.retryable) return {attempt_verdict::not_retryable, {}};

    switch (policy_.kind) {
        case retry_kind::none:
            return {attempt_verdict::retries_exhausted, {}};
        case retry_kind::neo4j: {
            const std::chrono::duration<double> elapsed = now - *first_failure_end_;
            if (elapsed.count() > policy_.max_transaction_retry_time) {
                return {attempt_verdict::time_budget_exhausted, {}};
            }
            break;
        }
        default:
            if (failures_ > policy_.max_retries) return {attempt_verdict::retries_exhausted, {}};
            break;
    }
    return {attempt_verdict::retrying, to_wait(next_wait_seconds(random()))};
}

double retry_state::next_wait_seconds(double u) {
    const retry_policy& p = policy_;
    const double n = failures_ - 1;  // 0 before the first retry
    const double cap = p.max_wait.value_or(std::numeric_limits<double>::infinity());
    double wait = 0;
    switch (p.kind) {
        case retry_kind::none:
            break;
        case retry_kind::memgraph:
            // The guide: initial_wait_time * backoff_factor**attempt + uniform(0, jitter) *
            // initial_wait_time
            wait = p.initial_wait_time * std::pow(p.backoff_factor, n) +
                   u * p.jitter * p.initial_wait_time;
            break;
        case retry_kind::neo4j: {
            // PY _retry_delay_generator: delay - jitter + 2 * jitter * random(), jitter = j * delay
            const double delay = p.initial_retry_delay * std::pow(p.retry_delay_multiplier, n);
            const double j = p.retry_delay_jitter_factor * delay;
            wait = delay - j + 2 * j * u;
            break;
        }
        case retry_kind::full_jitter:
            wait = u * std::min(cap, p.base * std::pow(2.0, n));
            break;
        case retry_kind::equal_jitter: {
            const double t = std::min(cap, p.base * std::pow(2.0, n));
            wait = t / 2 + u * (t / 2);
            break;
        }
        case retry_kind::decorrelated: {
            const double previous = failures_ == 1 ? p.base : previous_wait_;
            wait = std::min(cap, p.base + u * (previous * 3 - p.base));
            previous_wait_ = wait;
            break;
        }
    }
    return std::min(wait, cap);
}

namespace detail {

retry_hooks complete_hooks(const retry_hooks& hooks) {
    retry_hooks h = hooks;
    if (!h.clock) h.clock = [] { return retry_clock::now(); };
    if (!h.sleep) h.sleep = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
    if (!h.random) h.random = real_random;
    return h;
}

}  // namespace detail

}  // namespace bolt
