// Request handlers of the testkit backend. Managed transactions are the interesting part: the
// work function runs inside the client's retry loop and, from there, hands control back to
// testkit (RetryableTry) and serves its requests until testkit says commit or abort.
#include "testkit_backend.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <utility>

#include "bolt/errors.hpp"
#include "testkit_framing.hpp"
#include "testkit_responses.hpp"
#include "testkit_values.hpp"

namespace testkit {

namespace {

/// A request this backend cannot serve (unknown name, unsupported option, malformed data).
class backend_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Testkit's own transaction function failed (RetryableNegative without an error id).
class frontend_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The test client hung up while a transaction function was waiting for it.
class client_gone : public std::exception {
public:
    const char* what() const noexcept override { return "testkit closed the connection"; }
};

/// The client API has no such operation on this object (e.g. commit on a managed transaction).
/// Reported as a DriverError, like the Python backend's MarkdAsDriverError.
class api_unavailable : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

[[noreturn]] void unsupported(const std::string& what) {
    throw backend_error("the boltload backend does not support " + what);
}

bool present(const json& data, const char* key) {
    return data.is_object() && data.contains(key) && !data.at(key).is_null();
}

// A boolean option; absent and null both mean false.
bool flag(const json& data, const char* key) { return present(data, key) && data.at(key).get<bool>(); }

std::optional<std::string> opt_string(const json& data, const char* key) {
    if (!present(data, key)) return std::nullopt;
    return data.at(key).get<std::string>();
}

std::optional<std::int64_t> opt_int(const json& data, const char* key) {
    if (!present(data, key)) return std::nullopt;
    const json& v = data.at(key);
    if (v.is_number_float()) return static_cast<std::int64_t>(std::llround(v.get<double>()));
    return v.get<std::int64_t>();
}

std::optional<bolt::milliseconds> opt_ms(const json& data, const char* key) {
    if (auto ms = opt_int(data, key)) return bolt::milliseconds{*ms};
    return std::nullopt;
}

// Auth token parameters arrive as plain JSON, not as Cypher values.
bolt::value plain_to_value(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return bolt::null;
        case json::value_t::boolean: return j.get<bool>();
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return j.get<std::int64_t>();
        case json::value_t::number_float: return j.get<double>();
        case json::value_t::string: return j.get<std::string>();
        case json::value_t::array: {
            bolt::list l;
            for (const auto& item : j) l.push_back(plain_to_value(item));
            return l;
        }
        case json::value_t::object: {
            bolt::map m;
            for (const auto& [k, v] : j.items()) m.set(k, plain_to_value(v));
            return m;
        }
        default: throw backend_error("unsupported JSON value in auth parameters");
    }
}

bolt::auth_token auth_from(const json& token) {
    if (token.is_null()) return bolt::auth_token::none();
    const json& d = token.at("data");
    const std::string scheme = d.at("scheme").get<std::string>();
    const std::string principal = opt_string(d, "principal").value_or("");
    const std::string credentials = opt_string(d, "credentials").value_or("");
    const std::string realm = opt_string(d, "realm").value_or("");
    if (scheme == "basic") return bolt::auth_token::basic(principal, credentials, realm);
    if (scheme == "bearer") return bolt::auth_token::bearer(credentials);
    bolt::map parameters;
    if (present(d, "parameters")) parameters = plain_to_value(d.at("parameters")).as<bolt::map>();
    return bolt::auth_token::custom(opt_string(d, "principal"), credentials, realm, scheme, std::move(parameters));
}

// True when a testkit value (or a map/list of them) holds a CypherDateTime with a zone id.
bool has_zone_id(const json& j) {
    if (j.is_array()) {
        for (const auto& item : j)
            if (has_zone_id(item)) return true;
        return false;
    }
    if (!j.is_object()) return false;
    if (j.contains("name") && j.at("name") == "CypherDateTime" && j.contains("data") &&
        j.at("data").is_object() && present(j.at("data"), "timezone_id"))
        return true;
    for (const auto& [key, item] : j.items())
        if (has_zone_id(item)) return true;
    return false;
}

// Sends a query's parameters in the zoned DateTime layout the connection negotiated. The client
// keeps a zone-id DateTime in one layout (UTC seconds, or local seconds before Bolt 5 without
// the utc patch) and refuses to send it in the other, since converting needs a tz database; only
// the backend, which has testkit's calendar fields, can build either. The version is known only
// once the connection is up, so the UTC layout goes first and the legacy one if it is refused.
// The refusal happens before anything is written, so the retry sends the query once on the wire.
template <class Send>
auto send_with_params(const json& data, const Send& send) {
    const json params = present(data, "params") ? data.at("params") : json(nullptr);
    if (!has_zone_id(params)) return send(from_testkit_map(params));
    try {
        return send(from_testkit_map(params, zoned_layout::utc));
    } catch (const bolt::usage_error& e) {
        if (std::string_view(e.what()).find("negotiated Bolt version") == std::string_view::npos) throw;
    }
    return send(from_testkit_map(params, zoned_layout::legacy));
}

bolt::transaction_config tx_config_from(const json& data) {
    bolt::transaction_config config;
    config.timeout = opt_ms(data, "timeout");
    if (present(data, "txMeta")) config.metadata = from_testkit_map(data.at("txMeta"));
    return config;
}

bolt::access_mode access_mode_from(const std::optional<std::string>& mode) {
    if (!mode || *mode == "w") return bolt::access_mode::write;
    if (*mode == "r") return bolt::access_mode::read;
    throw backend_error("unknown access mode \"" + *mode + "\"");
}

// StartTest answers. Patterns are regular expressions matched against the whole test name
// (e.g. "stub.retry.test_retry.TestRetry.test_read"); the first match wins.
struct skip_rule {
    const char* pattern;
    const char* reason;
};
const skip_rule skip_rules[] = {
    {R"(neo4j\..*)", "integration tests need a Neo4j server; only stub tests are run"},
    {R"(stub\.notifications_config\.test_notification_mapping\..*)",
     "the client reports a notification's severity and category as the server's strings; it has "
     "no severity/category enums to map them to"},
    // testkit itself skips these for the Go, JavaScript and .NET drivers.
    {R"(stub\.versions\.test_versions\.TestProtocolVersions\.(test_server_agent|test_should_reject_server_using_verify_connectivity_.*))",
     "the client does not check the server agent string (Memgraph's starts with Neo4j/ anyway)"},
};

}  // namespace

// ---- features ----------------------------------------------------------------------------------

const std::vector<std::string>& backend::features() {
    // Only what the client really does; testkit skips every test that needs anything else.
    static const std::vector<std::string> list = {
        // The pool: acquisition timeout (it bounds opening too) and the idle liveness check.
        "Feature:API:ConnectionAcquisitionTimeout",
        "Feature:API:Driver.ExecuteQuery",
        "Feature:API:Driver:GetServerInfo",
        "Feature:API:Driver.VerifyConnectivity",
        "Feature:API:Liveness.Check",
        "Feature:API:Result.List",
        "Feature:API:Result.Peek",
        "Feature:API:Result.Single",
        "Feature:API:RetryableExceptions",
        "Feature:API:Type.Spatial",
        "Feature:API:Type.Temporal",
        "Feature:Auth:Bearer",
        "Feature:Auth:Custom",
        "Feature:Bolt:4.1",
        "Feature:Bolt:4.2",
        "Feature:Bolt:4.3",
        "Feature:Bolt:4.4",
        "Feature:Bolt:5.0",
        "Feature:Bolt:5.1",
        "Feature:Bolt:5.2",
        "Feature:Bolt:5.3",
        "Feature:Bolt:5.4",
        "Feature:Bolt:Patch:UTC",
        "Feature:Impersonation",
        // HELLO's hints: connection.recv_timeout_seconds becomes the socket read timeout.
        "ConfHint:connection.recv_timeout_seconds",
        // The client pipelines PULL after RUN, pools connections, waits for BEGIN's SUCCESS
        // before the transaction function runs, and sends RESET only after a failure.
        "Optimization:ConnectionReuse",
        "Optimization:EagerTransactionBegin",
        "Optimization:MinimalResets",
        "Optimization:PullPipelining",
    };
    return list;
}

// ---- plumbing ----------------------------------------------------------------------------------

const std::map<std::string, backend::handler, std::less<>>& backend::handlers() {
    static const std::map<std::string, handler, std::less<>> table = {
        {"StartTest", &backend::start_test},
        {"StartSubTest", &backend::start_sub_test},
        {"GetFeatures", &backend::get_features},
        {"NewDriver", &backend::new_driver},
        {"DriverClose", &backend::driver_close},
        {"VerifyConnectivity", &backend::verify_connectivity},
        {"GetServerInfo", &backend::get_server_info},
        {"CheckMultiDBSupport", &backend::check_multi_db_support},
        {"GetConnectionPoolMetrics", &backend::get_connection_pool_metrics},
        {"ResolverResolutionCompleted", &backend::resolver_resolution_completed},
        {"ExecuteQuery", &backend::execute_query},
        {"NewSession", &backend::new_session},
        {"SessionClose", &backend::session_close},
        {"SessionRun", &backend::session_run},
        {"SessionBeginTransaction", &backend::session_begin_transaction},
        {"SessionReadTransaction", &backend::session_read_transaction},
        {"SessionWriteTransaction", &backend::session_write_transaction},
        {"SessionLastBookmarks", &backend::session_last_bookmarks},
        {"RetryablePositive", &backend::retryable_positive},
        {"RetryableNegative", &backend::retryable_negative},
        {"TransactionRun", &backend::transaction_run},
        {"TransactionCommit", &backend::transaction_commit},
        {"TransactionRollback", &backend::transaction_rollback},
        {"TransactionClose", &backend::transaction_close},
        {"ResultNext", &backend::result_next},
        {"ResultPeek", &backend::result_peek},
        {"ResultSingle", &backend::result_single},
        {"ResultList", &backend::result_list},
        {"ResultConsume", &backend::result_consume},
    };
    return table;
}

backend::backend(channel& ch, std::function<void(bolt::driver_config&)> configure)
    : channel_(ch), configure_(std::move(configure)) {}

backend::~backend() { close_all(); }

void backend::close_all() noexcept {
    // Innermost first: results, then transactions (rolled back), sessions, drivers.
    results_.clear();
    for (auto& [id, tx] : transactions_) {
        try {
            if (tx.explicit_tx) tx.explicit_tx->close();
        } catch (...) {
        }
    }
    transactions_.clear();
    for (auto& [id, s] : sessions_) {
        try {
            s.session->close();
        } catch (...) {
        }
    }
    sessions_.clear();
    for (auto& [id, d] : drivers_) {
        try {
            d->close();
        } catch (...) {
        }
    }
    drivers_.clear();
    errors_.clear();
}

bool backend::process_request() {
    std::string body;
    if (!channel_.read_request(body)) return false;
    dispatch(body);
    return true;
}

void backend::dispatch(const std::string& body) {
    try {
        const json request = json::parse(body);
        if (!request.is_object() || !request.contains("name") || !request.at("name").is_string())
            throw backend_error("a request must be {\"name\": ..., \"data\": ...}");
        const std::string& name = request.at("name").get_ref<const std::string&>();
        const auto it = handlers().find(name);
        if (it == handlers().end()) unsupported("the request " + name);
        static const json empty = json::object();
        const json& data = request.contains("data") && request.at("data").is_object()
                               ? request.at("data") : empty;
        (this->*(it->second))(data);
    } catch (const client_gone&) {
        throw;
    } catch (...) {
        send_exception(std::current_exception());
    }
}

void backend::send(std::string_view name, json data) { channel_.write(frame_response(name, std::move(data))); }

void backend::send_exception(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const client_gone&) {
        throw;
    } catch (const frontend_error& ex) {
        send("FrontendError", json{{"msg", ex.what()}});
    } catch (const backend_error& ex) {
        send("BackendError", json{{"msg", ex.what()}});
    } catch (const json::exception& ex) {
        // The request did not have the shape testkit's protocol promises.
        send("BackendError", json{{"msg", std::string("malformed request: ") + ex.what()}});
    } catch (const std::exception& ex) {
        // Kept by id: RetryableNegative may hand it back to be rethrown inside the retry loop.
        const std::int64_t id = next_id();
        errors_[id] = e;
        send("DriverError", driver_error_data(ex, id));
    } catch (...) {
        send("BackendError", json{{"msg", "unknown exception"}});
    }
}

bolt::driver& backend::driver_at(const json& data, const char* key) {
    const auto it = drivers_.find(data.at(key).get<std::int64_t>());
    if (it == drivers_.end()) throw backend_error("no driver with id " + data.at(key).dump());
    return *it->second;
}

backend::session_entry& backend::session_at(const json& data) {
    const auto it = sessions_.find(data.at("sessionId").get<std::int64_t>());
    if (it == sessions_.end()) throw backend_error("no session with id " + data.at("sessionId").dump());
    return it->second;
}

bolt::result& backend::result_at(const json& data) {
    const auto it = results_.find(data.at("resultId").get<std::int64_t>());
    if (it == results_.end()) throw backend_error("no result with id " + data.at("resultId").dump());
    return it->second;
}

backend::transaction_entry& backend::transaction_at(const json& data) {
    const auto it = transactions_.find(data.at("txId").get<std::int64_t>());
    if (it == transactions_.end()) throw backend_error("no transaction with id " + data.at("txId").dump());
    return it->second;
}

void backend::send_result(bolt::result r) {
    const std::int64_t id = next_id();
    json keys = r.keys();
    results_.emplace(id, std::move(r));
    send("Result", json{{"id", id}, {"keys", std::move(keys)}});
}

// ---- test control ------------------------------------------------------------------------------

void backend::start_test(const json& data) {
    const std::string name = data.at("testName").get<std::string>();
    for (const auto& rule : skip_rules) {
        if (std::regex_match(name, std::regex(rule.pattern))) {
            send("SkipTest", json{{"reason", rule.reason}});
            return;
        }
    }
    send("RunTest");
}

void backend::start_sub_test(const json&) { send("RunTest"); }

void backend::get_features(const json&) {
    json list = features();
    // Probing aid: TESTKIT_BACKEND_EXTRA_FEATURES="A,B" claims more features for one run, to see
    // which optional behaviours the client already meets. Never needed for a normal run.
    if (const char* extra = std::getenv("TESTKIT_BACKEND_EXTRA_FEATURES")) {
        std::string_view rest(extra);
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const std::string_view item = rest.substr(0, comma);
            if (!item.empty()) list.push_back(std::string(item));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
    }
    send("FeatureList", json{{"features", std::move(list)}});
}

// ---- driver ------------------------------------------------------------------------------------

void backend::new_driver(const json& data) {
    if (present(data, "authTokenManagerId")) unsupported("auth token managers");
    if (flag(data, "domainNameResolverRegistered")) unsupported("custom DNS resolvers");
    if (present(data, "clientCertificate") || present(data, "clientCertificateProviderId"))
        unsupported("client certificates");
    if (present(data, "notificationsMinSeverity") || present(data, "notificationsDisabledCategories") ||
        present(data, "notificationsDisabledClassifications"))
        unsupported("notification filters");
    if (present(data, "trustedCertificates") || flag(data, "encrypted"))
        unsupported("TLS options in NewDriver (the client takes TLS from the URI scheme)");

    bolt::driver_config config;
    config.telemetry_disabled = flag(data, "telemetryDisabled");
    if (flag(data, "resolverRegistered"))
        config.resolver = [this](const bolt::address& a) { return resolve_with_testkit(a); };
    if (auto agent = opt_string(data, "userAgent")) config.user_agent = *agent;
    if (auto t = opt_ms(data, "connectionTimeoutMs")) config.connection_timeout = *t;
    if (auto t = opt_ms(data, "connectionAcquisitionTimeoutMs")) config.connection_acquisition_timeout = *t;
    if (auto t = opt_ms(data, "livenessCheckTimeoutMs")) config.liveness_check_timeout = *t;
    if (auto n = opt_int(data, "maxConnectionPoolSize")) config.max_connection_pool_size = static_cast<std::size_t>(*n);
    if (auto n = opt_int(data, "fetchSize")) config.fetch_size = *n;
    if (auto t = opt_int(data, "maxTxRetryTimeMs"))
        config.retry.max_transaction_retry_time = static_cast<double>(*t) / 1000.0;
    if (configure_) configure_(config);

    const json token = data.contains("authorizationToken") ? data.at("authorizationToken") : json(nullptr);
    auto d = std::make_unique<bolt::driver>(data.at("uri").get<std::string>(), auth_from(token), config);
    const std::int64_t id = next_id();
    drivers_.emplace(id, std::move(d));
    send("Driver", json{{"id", id}});
}

void backend::driver_close(const json& data) {
    driver_at(data).close();
    send("Driver", json{{"id", data.at("driverId")}});
}

void backend::verify_connectivity(const json& data) {
    driver_at(data).verify_connectivity();
    send("Driver", json{{"id", data.at("driverId")}});
}

void backend::get_server_info(const json& data) {
    send("ServerInfo", server_info_data(driver_at(data).get_server_info()));
}

void backend::check_multi_db_support(const json& data) {
    const bool available = driver_at(data).supports_multi_db();
    send("MultiDBSupport", json{{"id", next_id()}, {"available", available}});
}

// The driver's resolver callback: testkit runs the test's resolver function. Ask it, then serve
// requests until its ResolverResolutionCompleted for this request arrives.
std::vector<bolt::address> backend::resolve_with_testkit(const bolt::address& a) {
    const std::int64_t id = next_id();
    send("ResolverResolutionRequired", json{{"id", id}, {"address", a.to_string()}});
    for (;;) {
        if (const auto it = resolutions_.find(id); it != resolutions_.end()) {
            std::vector<bolt::address> out = std::move(it->second);
            resolutions_.erase(it);
            return out;
        }
        if (!process_request()) throw client_gone();
    }
}

void backend::resolver_resolution_completed(const json& data) {
    std::vector<bolt::address> addresses;
    for (const auto& text : data.at("addresses")) {
        std::string error;
        auto a = bolt::address::parse(text.get<std::string>(), &error);
        if (!a) throw backend_error("ResolverResolutionCompleted: " + error);
        addresses.push_back(std::move(*a));
    }
    resolutions_[data.at("requestId").get<std::int64_t>()] = std::move(addresses);
}

void backend::get_connection_pool_metrics(const json& data) {
    const auto m = driver_at(data).connection_pool_metrics(data.at("address").get<std::string>());
    send("ConnectionPoolMetrics", json{{"inUse", m.in_use}, {"idle", m.idle}});
}

void backend::execute_query(const json& data) {
    bolt::driver& d = driver_at(data);
    static const json empty = json::object();
    const json& config = present(data, "config") ? data.at("config") : empty;
    if (present(config, "authorizationToken")) unsupported("per-query auth tokens");
    if (auto bmm = opt_int(config, "bookmarkManagerId"); bmm && *bmm != -1)
        unsupported("bookmark managers");
    bolt::execute_query_config q;
    q.routing = access_mode_from(opt_string(config, "routing"));
    q.database = opt_string(config, "database").value_or("");
    q.impersonated_user = opt_string(config, "impersonatedUser").value_or("");
    q.transaction = tx_config_from(config);
    const std::string cypher = data.at("cypher").get<std::string>();
    const bolt::eager_result r =
        send_with_params(data, [&](const bolt::map& params) { return d.execute_query(cypher, params, q); });
    send("EagerResult", eager_result_data(r));
}

// ---- sessions ----------------------------------------------------------------------------------

void backend::new_session(const json& data) {
    bolt::driver& d = driver_at(data);
    if (present(data, "bookmarkManagerId")) unsupported("bookmark managers");
    if (present(data, "authorizationToken")) unsupported("session auth tokens");
    if (present(data, "notificationsMinSeverity") || present(data, "notificationsDisabledCategories") ||
        present(data, "notificationsDisabledClassifications"))
        unsupported("notification filters");
    bolt::session_config config;
    config.default_access_mode = access_mode_from(opt_string(data, "accessMode"));
    config.database = opt_string(data, "database").value_or("");
    config.impersonated_user = opt_string(data, "impersonatedUser").value_or("");
    if (auto n = opt_int(data, "fetchSize")) config.fetch_size = *n;
    if (present(data, "bookmarks")) config.bookmarks = data.at("bookmarks").get<std::vector<std::string>>();
    auto s = std::make_unique<bolt::session>(d.session(config));
    const std::int64_t id = next_id();
    session_entry entry;
    entry.session = std::move(s);
    sessions_.emplace(id, std::move(entry));
    send("Session", json{{"id", id}});
}

void backend::session_close(const json& data) {
    const std::int64_t id = data.at("sessionId").get<std::int64_t>();
    session_entry& s = session_at(data);
    if (s.in_function) throw backend_error("SessionClose inside the session's own transaction function");
    s.session->close();
    sessions_.erase(id);
    send("Session", json{{"id", id}});
}

void backend::session_run(const json& data) {
    session_entry& s = session_at(data);
    const std::string cypher = data.at("cypher").get<std::string>();
    const bolt::transaction_config config = tx_config_from(data);
    send_result(send_with_params(data, [&](const bolt::map& params) { return s.session->run(cypher, params, config); }));
}

void backend::session_begin_transaction(const json& data) {
    session_entry& s = session_at(data);
    bolt::transaction tx = s.session->begin_transaction(tx_config_from(data));
    const std::int64_t id = next_id();
    transaction_entry entry;
    entry.explicit_tx.emplace(std::move(tx));
    transactions_.emplace(id, std::move(entry));
    send("Transaction", json{{"id", id}});
}

void backend::session_read_transaction(const json& data) { run_transaction_function(data, bolt::access_mode::read); }

void backend::session_write_transaction(const json& data) { run_transaction_function(data, bolt::access_mode::write); }

void backend::run_transaction_function(const json& data, bolt::access_mode mode) {
    const std::int64_t session_id = data.at("sessionId").get<std::int64_t>();
    session_entry& s = session_at(data);
    const bolt::transaction_config config = tx_config_from(data);
    if (s.in_function) throw backend_error("a transaction function inside another on the same session");
    s.in_function = true;
    struct leave {
        bool& flag;
        ~leave() { flag = false; }
    } leave_guard{s.in_function};

    // Each attempt: register the managed transaction, tell testkit to run its function
    // (RetryableTry), then serve its requests until it answers RetryablePositive (commit) or
    // RetryableNegative (fail the attempt with its error, which the retry policy then judges).
    auto work = [&](bolt::managed_transaction& tx) {
        const std::int64_t tx_id = next_id();
        transaction_entry entry;
        entry.managed = &tx;
        transactions_.emplace(tx_id, std::move(entry));
        struct unregister {
            std::map<std::int64_t, transaction_entry>& txs;
            std::int64_t id;
            ~unregister() { txs.erase(id); }
        } guard{transactions_, tx_id};

        auto entry_it = sessions_.find(session_id);
        entry_it->second.verdict = retry_verdict::pending;
        entry_it->second.error_id.reset();
        send("RetryableTry", json{{"id", tx_id}});
        for (;;) {
            if (!process_request()) throw client_gone();
            entry_it = sessions_.find(session_id);
            if (entry_it == sessions_.end()) throw backend_error("session closed inside its transaction function");
            const retry_verdict verdict = entry_it->second.verdict;
            if (verdict == retry_verdict::commit) return;
            if (verdict == retry_verdict::abort) {
                if (const auto err = entry_it->second.error_id) {
                    const auto it = errors_.find(*err);
                    if (it == errors_.end()) throw backend_error("no error with id " + std::to_string(*err));
                    std::rethrow_exception(it->second);
                }
                throw frontend_error("Client said no");
            }
        }
    };
    if (mode == bolt::access_mode::read) s.session->execute_read(work, config);
    else s.session->execute_write(work, config);
    send("RetryableDone");
}

void backend::retryable_positive(const json& data) { session_at(data).verdict = retry_verdict::commit; }

void backend::retryable_negative(const json& data) {
    session_entry& s = session_at(data);
    s.verdict = retry_verdict::abort;
    s.error_id.reset();
    if (data.contains("errorId")) {
        const json& e = data.at("errorId");
        if (e.is_number_integer()) s.error_id = e.get<std::int64_t>();
        else if (e.is_string() && !e.get_ref<const std::string&>().empty()) {
            const std::string& text = e.get_ref<const std::string&>();
            std::int64_t id = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
            if (ec != std::errc{} || end != text.data() + text.size())
                throw backend_error("RetryableNegative: errorId \"" + text + "\" is no error id of this backend");
            s.error_id = id;
        }
    }
}

void backend::session_last_bookmarks(const json& data) {
    send("Bookmarks", json{{"bookmarks", session_at(data).session->last_bookmarks()}});
}

// ---- transactions ------------------------------------------------------------------------------

void backend::transaction_run(const json& data) {
    transaction_entry& tx = transaction_at(data);
    const std::string cypher = data.at("cypher").get<std::string>();
    send_result(send_with_params(data, [&](const bolt::map& params) {
        return tx.managed ? tx.managed->run(cypher, params) : tx.explicit_tx->run(cypher, params);
    }));
}

void backend::transaction_commit(const json& data) {
    transaction_entry& tx = transaction_at(data);
    if (tx.managed) throw api_unavailable("a managed transaction is committed by its session");
    tx.explicit_tx->commit();
    send("Transaction", json{{"id", data.at("txId")}});
}

void backend::transaction_rollback(const json& data) {
    transaction_entry& tx = transaction_at(data);
    if (tx.managed) throw api_unavailable("a managed transaction is rolled back by its session");
    tx.explicit_tx->rollback();
    send("Transaction", json{{"id", data.at("txId")}});
}

void backend::transaction_close(const json& data) {
    transaction_entry& tx = transaction_at(data);
    if (tx.managed) throw api_unavailable("a managed transaction is closed by its session");
    tx.explicit_tx->close();
    send("Transaction", json{{"id", data.at("txId")}});
}

// ---- results -----------------------------------------------------------------------------------

void backend::result_next(const json& data) {
    if (auto rec = result_at(data).next()) send("Record", record_data(*rec));
    else send("NullRecord");
}

void backend::result_peek(const json& data) {
    if (const bolt::record* rec = result_at(data).peek()) send("Record", record_data(*rec));
    else send("NullRecord");
}

void backend::result_single(const json& data) { send("Record", record_data(result_at(data).single())); }

void backend::result_list(const json& data) {
    json records = json::array();
    for (const auto& rec : result_at(data).list()) records.push_back(record_data(rec));
    send("RecordList", json{{"records", std::move(records)}});
}

void backend::result_consume(const json& data) { send("Summary", summary_data(result_at(data).consume())); }

}  // namespace testkit
