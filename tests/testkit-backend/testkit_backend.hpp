// The testkit backend proper: keeps drivers, sessions, transactions, results and errors by id
// and turns each testkit request into calls on the boltload client.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bolt/config.hpp"
#include "bolt/driver.hpp"
#include "bolt/result.hpp"
#include "bolt/session.hpp"

namespace testkit {

using json = nlohmann::json;

/// Where requests come from and responses go: the test client's TCP connection in production, a
/// script in unit tests.
class channel {
public:
    virtual ~channel() = default;
    /// Blocks for the next request body. False once the client has gone.
    virtual bool read_request(std::string& body) = 0;
    /// Sends one framed response block.
    virtual void write(std::string_view framed) = 0;
};

/// Everything testkit may ask for, and how to answer it.
class backend {
public:
    /// `configure` (optional) sees every driver_config before its driver is built: unit tests
    /// use it to put an in-process Bolt peer under the driver.
    explicit backend(channel& ch, std::function<void(bolt::driver_config&)> configure = {});
    ~backend();
    backend(const backend&) = delete;
    backend& operator=(const backend&) = delete;

    /// Reads and answers one request. False once the client has gone.
    bool process_request();

    /// The features this backend lists in FeatureList (exposed for tests and the README).
    static const std::vector<std::string>& features();

private:
    enum class retry_verdict { pending, commit, abort };

    struct session_entry {
        std::unique_ptr<bolt::session> session;
        retry_verdict verdict = retry_verdict::pending;
        std::optional<std::int64_t> error_id;
        bool in_function = false;  // a transaction function of this session is running
    };

    struct transaction_entry {
        std::optional<bolt::transaction> explicit_tx;
        bolt::managed_transaction* managed = nullptr;  // valid while its work function runs
    };

    using handler = void (backend::*)(const json&);
    static const std::map<std::string, handler, std::less<>>& handlers();

    void dispatch(const std::string& body);
    void send(std::string_view name, json data = json::object());
    void send_exception(std::exception_ptr e);
    std::int64_t next_id() { return ++last_id_; }
    std::map<std::int64_t, std::vector<bolt::address>> resolutions_;  // resolver answers by request id
    void close_all() noexcept;

    bolt::driver& driver_at(const json& data, const char* key = "driverId");
    session_entry& session_at(const json& data);
    bolt::result& result_at(const json& data);
    transaction_entry& transaction_at(const json& data);

    void send_result(bolt::result r);
    void run_transaction_function(const json& data, bolt::access_mode mode);

    // Request handlers, one per testkit request name.
    void start_test(const json& data);
    void start_sub_test(const json& data);
    void get_features(const json& data);
    void new_driver(const json& data);
    void driver_close(const json& data);
    void verify_connectivity(const json& data);
    void get_server_info(const json& data);
    void check_multi_db_support(const json& data);
    void get_connection_pool_metrics(const json& data);
    void resolver_resolution_completed(const json& data);
    std::vector<bolt::address> resolve_with_testkit(const bolt::address& a);
    void execute_query(const json& data);
    void new_session(const json& data);
    void session_close(const json& data);
    void session_run(const json& data);
    void session_begin_transaction(const json& data);
    void session_read_transaction(const json& data);
    void session_write_transaction(const json& data);
    void session_last_bookmarks(const json& data);
    void retryable_positive(const json& data);
    void retryable_negative(const json& data);
    void transaction_run(const json& data);
    void transaction_commit(const json& data);
    void transaction_rollback(const json& data);
    void transaction_close(const json& data);
    void result_next(const json& data);
    void result_peek(const json& data);
    void result_single(const json& data);
    void result_list(const json& data);
    void result_consume(const json& data);

    channel& channel_;
    std::function<void(bolt::driver_config&)> configure_;
    std::int64_t last_id_ = 0;
    std::map<std::int64_t, std::unique_ptr<bolt::driver>> drivers_;
    std::map<std::int64_t, session_entry> sessions_;
    std::map<std::int64_t, transaction_entry> transactions_;
    std::map<std::int64_t, bolt::result> results_;
    std::map<std::int64_t, std::exception_ptr> errors_;
};

}  // namespace testkit
