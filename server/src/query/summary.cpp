#include "server/query/summary.hpp"

#include <algorithm>

namespace server::query {

namespace {

bool anything_changed(const storage::counters& c) {
    return c.nodes_created || c.nodes_deleted || c.relationships_created || c.relationships_deleted ||
           c.labels_added || c.labels_removed || c.properties_set;
}

bolt::map stats_of(const storage::counters& c) {
    bolt::map stats;
    stats.append("labels-added", c.labels_added);
    stats.append("labels-removed", c.labels_removed);
    stats.append("nodes-created", c.nodes_created);
    stats.append("nodes-deleted", c.nodes_deleted);
    stats.append("properties-set", c.properties_set);
    stats.append("relationships-created", c.relationships_created);
    stats.append("relationships-deleted", c.relationships_deleted);
    return stats;
}

bolt::list notifications_of(std::span<const notification> notes) {
    bolt::list out;
    for (const auto& n : notes)
        out.emplace_back(bolt::map{
            {"severity", n.severity}, {"code", n.code}, {"title", n.title}, {"description", n.description}});
    return out;
}

}  // namespace

bolt::map memgraph_summary(const summary_facts& facts) {
    bolt::map summary;
    summary.append("type", std::string(facts.type));
    if (anything_changed(facts.counters)) summary.append("stats", stats_of(facts.counters));
    if (!facts.notes.empty()) summary.append("notifications", notifications_of(facts.notes));
    summary.append("parsing_time", facts.parsing_s);
    summary.append("planning_time", facts.planning_s);
    summary.append("plan_execution_time", facts.execution_s);
    summary.append("cost_estimate", 0.0);
    summary.append("db", "memgraph");
    return summary;
}

storage::counters memgraph_counters(storage::counters c, std::int64_t properties_in_create_patterns) {
    c.properties_set = std::max<std::int64_t>(0, c.properties_set - properties_in_create_patterns);
    return c;
}

}  // namespace server::query
