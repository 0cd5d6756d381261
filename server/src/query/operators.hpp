// The executor's operators: immutable specs built once per parsed query (shared by every run
// through the cache) and the cursors one run creates from them, Volcano-style (pull a row).
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "exec.hpp"

namespace server::query::exec {

using spec_ptr = std::shared_ptr<const op_spec>;
/// A per-row action or predicate compiled by the planner.
using row_action = std::function<void(exec_ctx&)>;
using row_predicate = std::function<bool(exec_ctx&)>;

/// One row per reset: the start of a plan, and the leaf of OPTIONAL MATCH / MERGE sub-plans
/// (where it stands for the outer row).
spec_ptr make_once();

enum class scan_kind : std::uint8_t { all, label, label_property };
/// For each input row, binds `slot` to each vertex found.
spec_ptr make_scan(spec_ptr input, std::int32_t slot, scan_kind kind, st::label_id label,
                   st::property_id prop, cy::expr_id value);

struct expand_params {
    std::int32_t from = -1, edge = -1, to = -1;
    bool to_bound = false;
    cy::direction dir = cy::direction::both;
    std::vector<st::edge_type_id> types;
    /// Edges bound earlier in the same MATCH: a pattern never uses one relationship twice.
    std::vector<std::int32_t> distinct_from;
    /// [*min..max]: the edge slot holds the list of relationships walked (max < 0: unbounded).
    bool variable = false;
    std::int64_t min_hops = 1, max_hops = -1;
};
spec_ptr make_expand(spec_ptr input, expand_params p);

spec_ptr make_filter(spec_ptr input, row_predicate pred);
/// Runs `action` on every row (CREATE, SET, REMOVE, DELETE, path building, projections).
spec_ptr make_apply(spec_ptr input, row_action action);
/// OPTIONAL MATCH: `sub` starts from a once leaf; when it yields nothing, `slots` become null.
spec_ptr make_optional(spec_ptr input, spec_ptr sub, std::vector<std::int32_t> slots);
/// MERGE: rows of `sub` (with on_match), or one row made by `create` (with on_create).
spec_ptr make_merge(spec_ptr input, spec_ptr sub, row_action create, row_action on_match, row_action on_create);
spec_ptr make_unwind(spec_ptr input, cy::expr_id list, std::int32_t slot);

struct aggregate_item {
    cy::expr_id expr = cy::no_expr;  ///< the aggregate call
    cy::aggregate kind = cy::aggregate::count;
    bool distinct = false;
    bool star = false;               ///< count(*)
    cy::expr_id arg = cy::no_expr;
    std::int32_t slot = -1;          ///< where the result goes
};
/// Groups by `keys` (expression → slot), computes `aggs`, then runs `finish` per group (the
/// projection of items that contain aggregates).
spec_ptr make_aggregate(spec_ptr input, std::vector<std::pair<cy::expr_id, std::int32_t>> keys,
                        std::vector<aggregate_item> aggs, row_action finish);
spec_ptr make_distinct(spec_ptr input, std::vector<std::int32_t> slots);
struct sort_key {
    cy::expr_id expr;
    bool descending;
};
spec_ptr make_sort(spec_ptr input, std::vector<sort_key> keys);
spec_ptr make_skip(spec_ptr input, cy::expr_id count);
spec_ptr make_limit(spec_ptr input, cy::expr_id count);

}  // namespace server::query::exec
