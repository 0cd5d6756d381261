// The data parts of testkit responses built from client results: Record, Summary, ServerInfo,
// EagerResult and DriverError.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "bolt/record.hpp"
#include "bolt/result.hpp"
#include "bolt/summary.hpp"

namespace testkit {

using json = nlohmann::json;

/// Record data: {"values": [cypher values...]}.
json record_data(const bolt::record& r);

/// ServerInfo data: {"address", "agent", "protocolVersion"}.
json server_info_data(const bolt::server_info& s);

/// Summary data with the Python backend's fields. `notifications` is null when the server sent
/// no notifications key at all (testkit tells "absent" from "empty"); `counters` is always set.
json summary_data(const bolt::result_summary& s);

/// EagerResult data: {"keys", "records", "summary"}.
json eager_result_data(const bolt::eager_result& r);

/// The C++ type testkit sees as errorType, e.g. "bolt::transient_error".
std::string error_type_name(const std::exception& e);

/// DriverError data for an exception the backend keeps under `id`: errorType, msg, code (server
/// errors only) and retryable.
json driver_error_data(const std::exception& e, std::int64_t id);

}  // namespace testkit
