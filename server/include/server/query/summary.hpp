// Memgraph's summary of a finished query, as PULL/DISCARD's last SUCCESS carries it: `type`;
// `stats` with Memgraph's dashed counter names, only when something changed; `notifications`;
// `parsing_time`, `planning_time`, `plan_execution_time` (seconds); `cost_estimate`; `db`.
// Pure: the session gathers the facts, this writes the map (tested against the contract alone).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bolt/value.hpp"
#include "server/storage.hpp"

namespace server::query {

/// A notification in a summary (index created, index already exists, …).
struct notification {
    std::string code, title, description, severity = "INFO";
};

/// What a finished query's summary says.
struct summary_facts {
    std::string_view type;  ///< "r", "w", "rw" or "s"
    storage::counters counters;
    std::span<const notification> notes;
    double parsing_s = 0, planning_s = 0, execution_s = 0;
};

/// The summary map, keys in Memgraph's order.
bolt::map memgraph_summary(const summary_facts& facts);

/// Memgraph's counters from the storage's: properties given in CREATE patterns are counted by
/// the storage but not by Memgraph's `properties-set`.
storage::counters memgraph_counters(storage::counters c, std::int64_t properties_in_create_patterns);

}  // namespace server::query
