// The query layer's bulk-import paths in process (no network): issue 3's node and relationship
// UNWIND queries through session::run/pull, reporting rows as items per second.
#include <benchmark/benchmark.h>

#include <random>

#include "server/query/session.hpp"

namespace {

using server::query::database;
using server::query::session;
namespace st = server::storage;

constexpr std::int64_t batch_rows = 10'000;

bolt::map node_batch(std::int64_t first) {
    bolt::list rows;
    rows.reserve(batch_rows);
    for (std::int64_t i = 0; i < batch_rows; ++i)
        rows.emplace_back(bolt::map{{"id", first + i}, {"name", "name" + std::to_string(first + i)}, {"score", 0.5 * static_cast<double>(i)}});
    return bolt::map{{"batch", std::move(rows)}};
}

void run_all(session& s, std::string_view text, bolt::map params) {
    s.run(text, std::move(params), {});
    std::vector<bolt::list> rows;
    auto out = s.pull(-1, rows);
    benchmark::DoNotOptimize(out);
}

constexpr std::string_view create_nodes =
    "UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name, score: row.score})";
constexpr std::string_view create_rels =
    "UNWIND $batch AS row MATCH (a:N {id: row.a}), (b:N {id: row.b}) CREATE (a)-[:R]->(b)";

void nodes(benchmark::State& state, st::storage_mode mode) {
    database db({.storage = {.mode = mode}});
    session s(db);
    std::int64_t next = 0;
    for (auto _ : state) {
        state.PauseTiming();
        bolt::map params = node_batch(next);  // the Bolt layer hands the decoded map over
        next += batch_rows;
        state.ResumeTiming();
        run_all(s, create_nodes, std::move(params));
    }
    state.SetItemsProcessed(state.iterations() * batch_rows);
    state.counters["bytes_per_node"] = static_cast<double>(db.graph().info().memory_tracked) / static_cast<double>(next);
}

void BM_unwind_create_nodes_analytical(benchmark::State& state) { nodes(state, st::storage_mode::in_memory_analytical); }
void BM_unwind_create_nodes_transactional(benchmark::State& state) { nodes(state, st::storage_mode::in_memory_transactional); }

void rels(benchmark::State& state, st::storage_mode mode) {
    constexpr std::int64_t node_count = 100'000;
    database db({.storage = {.mode = mode}});
    session s(db);
    run_all(s, "CREATE INDEX ON :N(id)", {});
    for (std::int64_t i = 0; i < node_count; i += batch_rows) run_all(s, create_nodes, node_batch(i));
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::int64_t> pick(0, node_count - 1);
    for (auto _ : state) {
        state.PauseTiming();
        bolt::list rows;
        rows.reserve(batch_rows);
        for (std::int64_t i = 0; i < batch_rows; ++i) rows.emplace_back(bolt::map{{"a", pick(rng)}, {"b", pick(rng)}});
        bolt::map params{{"batch", std::move(rows)}};
        state.ResumeTiming();
        run_all(s, create_rels, std::move(params));
    }
    state.SetItemsProcessed(state.iterations() * batch_rows);
}

void BM_unwind_match_create_rels_transactional(benchmark::State& state) { rels(state, st::storage_mode::in_memory_transactional); }
void BM_unwind_match_create_rels_analytical(benchmark::State& state) { rels(state, st::storage_mode::in_memory_analytical); }

void BM_return_literal(benchmark::State& state) {
    database db;
    session s(db);
    for (auto _ : state) run_all(s, "RETURN 1 AS x", {});
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

// Fixed iteration counts keep the graph (and the run's memory) bounded: 1M nodes per run.
BENCHMARK(BM_unwind_create_nodes_analytical)->Iterations(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_unwind_create_nodes_transactional)->Iterations(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_unwind_match_create_rels_transactional)->Iterations(50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_unwind_match_create_rels_analytical)->Iterations(50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_return_literal);
