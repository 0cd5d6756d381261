// Admin statements: index and constraint DDL, storage mode, users, SHOW … INFO, FREE MEMORY.
// Each kind has one function here, with the messages and notifications Memgraph gives; the
// session only routes to them. Cypher statements go through the planner instead.
#pragma once

#include <string_view>
#include <vector>

#include "exec.hpp"

namespace server::query::admin {

namespace st = server::storage;

/// Fills what an admin statement needs when it is prepared (kind, result columns, schema ids).
/// Throws query_error for a statement the embedded server does not support.
void prepare(exec::prepared& p, st::storage& graph);

/// Memgraph's refusal of this kind of statement inside an explicit transaction (BEGIN … COMMIT);
/// empty for Cypher, which is allowed.
std::string_view refusal_in_transaction(exec::stmt_kind kind);

/// What an admin statement answers: its rows (SHOW …) and notifications (DDL).
struct outcome {
    std::vector<bolt::list> rows;
    std::vector<notification> notes;
    /// Indexes changed: cached plans may pick other index lookups and must be planned again.
    bool plans_stale = false;
};

/// Runs a prepared admin statement against the graph. Throws query_error with Memgraph's message.
outcome run(const exec::prepared& p, st::storage& graph);

}  // namespace server::query::admin
