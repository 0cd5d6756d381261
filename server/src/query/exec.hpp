// Internal to the query layer: the runtime value of a frame slot, the compiled query (plan of
// operators with slots and name ids resolved once) and the execution context of one run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bolt/value.hpp"
#include "server/cypher/ast.hpp"
#include "server/cypher/semantic.hpp"
#include "server/query/functions.hpp"
#include "server/query/session.hpp"
#include "server/query/summary.hpp"
#include "server/storage.hpp"

namespace server::query::exec {

namespace st = server::storage;
namespace cy = server::cypher;

struct path_value {
    std::vector<st::vertex_handle> nodes;
    std::vector<st::edge_handle> edges;
};

class qvalue;
using qlist = std::vector<qvalue>;

/// What a frame slot holds: a plain value (owned, or borrowed from the parameters so that
/// `UNWIND $batch AS row` never copies a row), or a graph object by handle (converted to a Bolt
/// structure only when it leaves the server), or a list that holds graph objects.
class qvalue {
public:
    using variant_type = std::variant<bolt::value, const bolt::value*, st::vertex_handle, st::edge_handle,
                                      std::shared_ptr<const path_value>, std::shared_ptr<const qlist>>;
    qvalue() = default;
    qvalue(bolt::value v) : v_(std::move(v)) {}  // NOLINT: implicit by design
    qvalue(st::vertex_handle v) : v_(v) {}       // NOLINT
    qvalue(st::edge_handle e) : v_(e) {}         // NOLINT
    qvalue(std::shared_ptr<const path_value> p) : v_(std::move(p)) {}  // NOLINT
    qvalue(std::shared_ptr<const qlist> l) : v_(std::move(l)) {}       // NOLINT
    static qvalue borrow(const bolt::value& v) {
        qvalue q;
        q.v_ = &v;
        return q;
    }

    /// The plain value (owned or borrowed), nullptr for graph objects and entity lists.
    const bolt::value* plain() const noexcept {
        if (auto* p = std::get_if<bolt::value>(&v_)) return p;
        if (auto* p = std::get_if<const bolt::value*>(&v_)) return *p;
        return nullptr;
    }
    bool is_null() const noexcept {
        const bolt::value* p = plain();
        return p && p->is_null();
    }
    const st::vertex_handle* vertex() const noexcept { return std::get_if<st::vertex_handle>(&v_); }
    const st::edge_handle* edge() const noexcept { return std::get_if<st::edge_handle>(&v_); }
    const path_value* path() const noexcept {
        auto* p = std::get_if<std::shared_ptr<const path_value>>(&v_);
        return p ? p->get() : nullptr;
    }
    const qlist* entity_list() const noexcept {
        auto* p = std::get_if<std::shared_ptr<const qlist>>(&v_);
        return p ? p->get() : nullptr;
    }
    /// Makes a borrowed value owned (before it outlives the parameters, e.g. in a cache).
    void own() {
        if (auto* p = std::get_if<const bolt::value*>(&v_)) v_ = bolt::value(**p);
    }
    const variant_type& variant() const noexcept { return v_; }
    /// The value when owned (so it can be moved out), else nullptr.
    bolt::value* owned_value() noexcept { return std::get_if<bolt::value>(&v_); }

private:
    variant_type v_;
};

inline const qvalue null_q{};

// ---- compiled expressions: the AST's arena plus side tables filled by the planner ----------------

enum class fn : std::uint8_t {
    none, id, labels, type, properties, keys, start_node, end_node, nodes, relationships, size,
    length, exists, value_function,
};

struct expr_info {
    std::int32_t slot = -1;        ///< variable: frame index; aggregate: where its result is
    st::name_id key = 0;           ///< property key / label id
    bool has_key = false;
    std::int32_t param = -1;       ///< parameter index
    fn function = fn::none;
    std::string lower_name;        ///< function name, lowercase
    std::vector<st::name_id> labels;  ///< has_labels
};

// ---- operators -------------------------------------------------------------------------------

struct exec_ctx;

class cursor {
public:
    virtual ~cursor() = default;
    /// Produces the next row into the frame; false when exhausted.
    virtual bool pull(exec_ctx& ctx) = 0;
    /// Starts over (the input row changed): used under OPTIONAL MATCH and MERGE.
    virtual void reset() = 0;
};

class op_spec {
public:
    virtual ~op_spec() = default;
    virtual std::unique_ptr<cursor> make_cursor() const = 0;
};

enum class stmt_kind : std::uint8_t {
    cypher, create_index, drop_index, create_constraint, drop_constraint, show_index_info,
    show_constraint_info, show_storage_info, show_users, storage_mode, create_user, drop_user,
    free_memory,
};

/// A parsed and planned query, shared (immutable) by every run of the same text.
struct prepared {
    cy::query ast;
    cy::query_type type = cy::query_type::read;
    stmt_kind kind = stmt_kind::cypher;
    std::vector<std::string> columns;
    std::vector<std::int32_t> column_slots;
    std::vector<expr_info> info;  ///< by expr_id
    std::size_t slots = 0;
    std::shared_ptr<const op_spec> root;
    double parsing_time = 0, planning_time = 0;
    bool writes = false;
    // schema statements
    st::name_id label = 0, property = 0;
    bool has_property = false;
};

struct exec_ctx {
    st::storage* graph = nullptr;
    st::transaction* tx = nullptr;
    const prepared* plan = nullptr;
    std::vector<qvalue> frame;
    std::vector<const bolt::value*> params;  ///< by parameter index
    /// Properties given in CREATE patterns: storage counts them, Memgraph's summary does not.
    std::int64_t create_props = 0;
    function_context fn_context;
    /// Reused for the property lists of created objects (no allocation per row).
    st::property_list scratch;
};

/// Plans a parsed Cypher statement (fills info, slots, root, columns). Throws query_error.
void plan_query(prepared& p, st::storage& graph);

// ---- evaluation ------------------------------------------------------------------------------

qvalue eval(cy::expr_id e, exec_ctx& ctx);
/// Three-valued truth for WHERE: only true passes.
bool eval_true(cy::expr_id e, exec_ctx& ctx);
/// A plain value for a slot leaving the server (graph objects as Bolt structures).
bolt::value to_bolt(const qvalue& v, st::transaction& tx);
/// Borrowed view as a plain value, converting graph objects when needed.
bolt::value to_plain(const qvalue& v, st::transaction& tx);

/// Cypher equality with nulls: nullopt when unknown.
std::optional<bool> q_equals(const qvalue& a, const qvalue& b, st::transaction& tx);
/// Total order for ORDER BY (nulls last ascending).
int q_order(const qvalue& a, const qvalue& b, st::transaction& tx);
/// Grouping equivalence and hash (1 and 1.0 together, null with null).
bool q_equivalent(const qvalue& a, const qvalue& b, st::transaction& tx);
std::size_t q_hash(const qvalue& v, st::transaction& tx);

[[noreturn]] void fail(std::string_view message);
[[noreturn]] void fail_storage(std::error_code ec, st::transaction* tx = nullptr);

}  // namespace server::query::exec
