// Response payloads built from the client's results, summaries and exceptions.
#include "testkit_responses.hpp"

#include "bolt/errors.hpp"
#include "testkit_values.hpp"

namespace testkit {

json record_data(const bolt::record& r) {
    json values = json::array();
    for (const auto& v : r.values()) values.push_back(to_testkit(v));
    return json{{"values", std::move(values)}};
}

json server_info_data(const bolt::server_info& s) {
    return json{{"address", s.address}, {"agent", s.agent}, {"protocolVersion", s.protocol_version}};
}

namespace {

json counters_data(const bolt::summary_counters& c) {
    return json{
        {"constraintsAdded", c.constraints_added},
        {"constraintsRemoved", c.constraints_removed},
        {"containsSystemUpdates", c.contains_system_updates()},
        {"containsUpdates", c.contains_updates()},
        {"indexesAdded", c.indexes_added},
        {"indexesRemoved", c.indexes_removed},
        {"labelsAdded", c.labels_added},
        {"labelsRemoved", c.labels_removed},
        {"nodesCreated", c.nodes_created},
        {"nodesDeleted", c.nodes_deleted},
        {"propertiesSet", c.properties_set},
        {"relationshipsCreated", c.relationships_created},
        {"relationshipsDeleted", c.relationships_deleted},
        {"systemUpdates", c.system_updates},
    };
}

// Without Feature:API:Driver:NotificationsConfig testkit compares notifications to exactly what
// the server sent: severity, description, code, title and, when present, position.
json notification_data(const bolt::notification& n) {
    json o = json{{"severity", n.severity},
                  {"description", n.description},
                  {"code", n.code},
                  {"title", n.title}};
    if (n.position)
        o["position"] = json{{"column", n.position->column},
                             {"offset", n.position->offset},
                             {"line", n.position->line}};
    return o;
}

template <class T>
json optional_json(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json metadata_plain(const bolt::map& metadata, std::string_view key) {
    const bolt::value* v = metadata.find(key);
    return v ? to_plain_json(*v) : json(nullptr);
}

}  // namespace

json summary_data(const bolt::result_summary& s) {
    json notifications = nullptr;
    if (s.metadata.contains("notifications")) {
        notifications = json::array();
        for (const auto& n : s.notifications) notifications.push_back(notification_data(n));
    }
    json query_type = nullptr;
    if (s.query_type) query_type = std::string(bolt::to_string(*s.query_type));
    return json{
        {"serverInfo", server_info_data(s.server)},
        {"counters", counters_data(s.counters)},
        {"database", optional_json(s.database)},
        {"notifications", std::move(notifications)},
        {"plan", metadata_plain(s.metadata, "plan")},
        {"profile", metadata_plain(s.metadata, "profile")},
        {"query", json{{"text", s.query}, {"parameters", to_testkit_object(s.parameters)}}},
        {"queryType", std::move(query_type)},
        {"resultAvailableAfter", optional_json(s.result_available_after)},
        {"resultConsumedAfter", optional_json(s.result_consumed_after)},
    };
}

json eager_result_data(const bolt::eager_result& r) {
    json records = json::array();
    for (const auto& rec : r.records) records.push_back(record_data(rec));
    return json{{"keys", r.keys}, {"records", std::move(records)}, {"summary", summary_data(r.summary)}};
}

std::string error_type_name(const std::exception& e) {
    // Most derived first: testkit compares the name, so a base name would hide the real type.
    if (dynamic_cast<const bolt::auth_error*>(&e)) return "bolt::auth_error";
    if (dynamic_cast<const bolt::client_error*>(&e)) return "bolt::client_error";
    if (dynamic_cast<const bolt::transient_error*>(&e)) return "bolt::transient_error";
    if (dynamic_cast<const bolt::database_error*>(&e)) return "bolt::database_error";
    if (dynamic_cast<const bolt::server_error*>(&e)) return "bolt::server_error";
    if (dynamic_cast<const bolt::service_unavailable*>(&e)) return "bolt::service_unavailable";
    if (dynamic_cast<const bolt::session_expired*>(&e)) return "bolt::session_expired";
    if (dynamic_cast<const bolt::incomplete_commit*>(&e)) return "bolt::incomplete_commit";
    if (dynamic_cast<const bolt::protocol_error*>(&e)) return "bolt::protocol_error";
    if (dynamic_cast<const bolt::usage_error*>(&e)) return "bolt::usage_error";
    if (dynamic_cast<const bolt::error*>(&e)) return "bolt::error";
    if (dynamic_cast<const bolt::value_error*>(&e)) return "bolt::value_error";
    if (dynamic_cast<const conversion_error*>(&e)) return "testkit::conversion_error";
    if (dynamic_cast<const std::invalid_argument*>(&e)) return "std::invalid_argument";
    if (dynamic_cast<const std::out_of_range*>(&e)) return "std::out_of_range";
    if (dynamic_cast<const std::logic_error*>(&e)) return "std::logic_error";
    if (dynamic_cast<const std::runtime_error*>(&e)) return "std::runtime_error";
    return "std::exception";
}

json driver_error_data(const std::exception& e, std::int64_t id) {
    json data = json::object();
    data["id"] = id;
    data["errorType"] = error_type_name(e);
    if (const auto* be = dynamic_cast<const bolt::error*>(&e)) {
        // Server errors: testkit compares msg with the FAILURE message and code with its code.
        if (!be->code().empty()) {
            data["msg"] = be->server_message();
            data["code"] = be->code();
        } else {
            data["msg"] = std::string(e.what());
        }
        data["retryable"] = be->is_retryable();
    } else {
        data["msg"] = std::string(e.what());
        data["retryable"] = false;
    }
    return data;
}

}  // namespace testkit
