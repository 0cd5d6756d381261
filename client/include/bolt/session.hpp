// Sessions and transactions. A session is a sequence of transactions on one logical
// connection; it is not thread-safe (one per thread or process, like the official drivers).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bolt/config.hpp"
#include "bolt/result.hpp"
#include "bolt/retry.hpp"
#include "bolt/value.hpp"

namespace bolt {

/// Sees every attempt of a session's managed transactions (the loader counts them).
using retry_observer = std::function<void(const attempt_record&)>;

namespace detail {
class driver_core;
struct session_state;
struct transaction_state;
}  // namespace detail

/// Explicit transaction: run, then commit or rollback. Destroying or closing an open
/// transaction rolls it back.
class transaction {
public:
    transaction(transaction&&) noexcept;
    transaction& operator=(transaction&&) noexcept;
    ~transaction();

    result run(std::string_view query, const map& parameters = {});
    void commit();
    void rollback();
    /// Rolls back when still open; does nothing otherwise.
    void close();
    bool is_open() const;

private:
    friend class session;
    friend class managed_transaction;
    explicit transaction(std::shared_ptr<detail::transaction_state> state);
    std::shared_ptr<detail::transaction_state> state_;
};

/// The transaction handed to execute_read/execute_write work: run only; the session commits.
class managed_transaction {
public:
    result run(std::string_view query, const map& parameters = {}) { return tx_.run(query, parameters); }

private:
    friend class session;
    explicit managed_transaction(transaction& tx) : tx_(tx) {}
    transaction& tx_;
};

/// What run_in_transaction returns: records, summary, and the server's answers timing.
using batch_result = eager_result;

class session {
public:
    session(session&&) noexcept;
    session& operator=(session&&) noexcept;
    ~session();

    /// Auto-commit ("implicit") transaction. Not retried.
    result run(std::string_view query, const map& parameters = {},
               const transaction_config& config = {});
    transaction begin_transaction(const transaction_config& config = {});

    /// Managed transactions: `work(managed_transaction&)` runs inside BEGIN..COMMIT and the whole
    /// transaction is retried by the session's retry policy on retryable errors.
    template <class F>
    auto execute_read(F&& work, const transaction_config& config = {}) {
        return execute(access_mode::read, std::forward<F>(work), config);
    }
    template <class F>
    auto execute_write(F&& work, const transaction_config& config = {}) {
        return execute(access_mode::write, std::forward<F>(work), config);
    }

    /// The loader's hot path: BEGIN, RUN, PULL(all) and COMMIT written in one go, one round trip.
    /// Not retried (the caller owns the retry loop). Throws incomplete_commit when the connection
    /// is lost after COMMIT was sent without a FAILURE having been seen (outcome unknown).
    batch_result run_in_transaction(std::string_view query, const map& parameters,
                                    access_mode mode = access_mode::write,
                                    const transaction_config& config = {});

    /// Bookmarks of the last committed transaction (none with Memgraph).
    std::vector<std::string> last_bookmarks() const;
    /// The retry observer sees every attempt of this session's managed transactions.
    void set_retry_observer(retry_observer observer);
    /// Rolls back an open transaction and DISCARDs an open result. The session is closed
    /// afterwards in any case; an error from the rollback is thrown (the destructor swallows it).
    void close();

private:
    friend class driver;
    explicit session(std::shared_ptr<detail::session_state> state);
    transaction begin_in_mode(access_mode mode, const transaction_config& config);
    template <class F>
    auto execute(access_mode mode, F&& work, const transaction_config& config);
    /// Runs one managed attempt: begin, work, commit; rethrows errors after cleaning up.
    void run_managed_attempt(access_mode mode, const transaction_config& config,
                             const std::function<void(managed_transaction&)>& body);
    const retry_policy& retry() const;
    const retry_observer& observer() const;
    /// A managed call starts: its attempts owe the server one TELEMETRY between them.
    void owe_managed_telemetry();

    std::shared_ptr<detail::session_state> state_;
};

template <class F>
auto session::execute(access_mode mode, F&& work, const transaction_config& config) {
    using R = std::invoke_result_t<F&, managed_transaction&>;
    retry_hooks hooks;
    hooks.observer = observer();
    owe_managed_telemetry();
    if constexpr (std::is_void_v<R>) {
        run_with_retry(retry(), [&] {
            run_managed_attempt(mode, config, [&](managed_transaction& tx) { work(tx); });
        }, hooks);
    } else {
        return run_with_retry(retry(), [&] {
            std::optional<R> out;
            run_managed_attempt(mode, config, [&](managed_transaction& tx) { out.emplace(work(tx)); });
            return std::move(*out);
        }, hooks);
    }
}

}  // namespace bolt
