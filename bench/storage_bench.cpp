// Storage engine throughput and memory, in-process: the bulk-import shapes of issue 3
// (vertices with {id, name, score}; edges between vertices found by a label+property index).
// Items per second are rows; `bytes_per_vertex` counters come from the allocator and RSS.
#include "server/storage.hpp"

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <random>
#include <unistd.h>

namespace {

using namespace server::storage;
using bolt::value;

constexpr int batch = 10'000;  // rows per transaction, like an UNWIND chunk
constexpr int batches = 100;   // 1,000,000 rows per run

using row = std::array<std::pair<property_id, value>, 3>;

std::vector<row> make_rows(storage& db, int offset = 0) {
    const auto id = db.name_to_id("id"), name = db.name_to_id("name"), score = db.name_to_id("score");
    std::vector<row> rows;
    rows.reserve(batch);
    for (int i = 0; i < batch; ++i)
        rows.push_back(row{{{id, value(std::int64_t{offset + i})},
                            {name, value("user" + std::to_string(offset + i))},
                            {score, value(0.5 * i)}}});
    return rows;
}

std::uint64_t heap_bytes() {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

std::uint64_t rss_bytes() {
    unsigned long long size = 0, resident = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%llu %llu", &size, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

void create_vertices(benchmark::State& state, storage_mode mode) {
    for (auto _ : state) {
        state.PauseTiming();
        malloc_trim(0);
        const auto heap0 = heap_bytes();
        const auto rss0 = rss_bytes();
        auto db = std::make_unique<storage>(config{.mode = mode});
        const label_id n = db->name_to_id("N");
        const auto rows = make_rows(*db);
        const auto heap_rows = heap_bytes();
        state.ResumeTiming();
        for (int b = 0; b < batches; ++b) {
            auto tx = db->begin();
            for (const row& r : rows)
                if (!tx->create_vertex({&n, 1}, r)) state.SkipWithError("create failed");
            if (tx->commit()) state.SkipWithError("commit failed");
        }
        state.PauseTiming();
        db->collect_garbage();
        const double vertices = double(batch) * batches;
        state.counters["heap_bytes_per_vertex"] = double(heap_bytes() - heap_rows) / vertices;
        state.counters["rss_bytes_per_vertex"] = double(rss_bytes() - rss0) / vertices;
        (void)heap0;
        db.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * batch * batches);
}

void BM_create_vertices_analytical(benchmark::State& state) { create_vertices(state, storage_mode::in_memory_analytical); }
void BM_create_vertices_transactional(benchmark::State& state) { create_vertices(state, storage_mode::in_memory_transactional); }
BENCHMARK(BM_create_vertices_analytical)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_create_vertices_transactional)->Unit(benchmark::kMillisecond)->Iterations(3);

/// Several sessions importing at once (arg: storage mode): per-thread figures show how the
/// creation path scales (no shared lock on it: one atomic gid counter, per-object spinlocks).
void BM_create_vertices_concurrent(benchmark::State& state) {
    static std::unique_ptr<storage> db;
    if (state.thread_index() == 0) db = std::make_unique<storage>(config{.mode = static_cast<storage_mode>(state.range(0))});
    std::vector<row> rows;
    label_id n = 0;
    for (auto _ : state) {
        if (rows.empty()) {  // after the start barrier, so `db` is set
            state.PauseTiming();
            rows = make_rows(*db);
            n = db->name_to_id("N");
            state.ResumeTiming();
        }
        auto tx = db->begin();
        for (const row& r : rows)
            if (!tx->create_vertex({&n, 1}, r)) state.SkipWithError("create failed");
        if (tx->commit()) state.SkipWithError("commit failed");
    }
    state.SetItemsProcessed(state.iterations() * batch);
    if (state.thread_index() == 0) db.reset();
}
BENCHMARK(BM_create_vertices_concurrent)
    ->Arg(static_cast<int>(storage_mode::in_memory_transactional))
    ->Arg(static_cast<int>(storage_mode::in_memory_analytical))
    ->Threads(1)->Threads(2)->Iterations(20)->Unit(benchmark::kMillisecond);

/// MATCH (a:N {id: row.a}), (b:N {id: row.b}) CREATE (a)-[:R]->(b), with an index on :N(id).
void BM_create_edges_by_index(benchmark::State& state) {
    const auto mode = static_cast<storage_mode>(state.range(0));
    storage db(config{.mode = mode});
    const label_id n = db.name_to_id("N");
    const property_id id = db.name_to_id("id");
    const edge_type_id r = db.name_to_id("R");
    constexpr int vertex_count = 100'000;
    for (int b = 0; b < vertex_count / batch; ++b) {
        auto tx = db.begin();
        for (const row& x : make_rows(db, b * batch)) (void)tx->create_vertex({&n, 1}, x);
        (void)tx->commit();
    }
    if (db.create_label_property_index(n, id)) state.SkipWithError("index");
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::int64_t> pick(0, vertex_count - 1);
    std::vector<std::pair<value, value>> rows;
    for (int i = 0; i < batch; ++i) rows.emplace_back(value(pick(rng)), value(pick(rng)));
    std::int64_t edges = 0;
    for (auto _ : state) {
        auto tx = db.begin();
        for (auto& [a, b] : rows) {
            auto va = tx->vertices_with_property(n, id, a);
            auto vb = tx->vertices_with_property(n, id, b);
            if (va.size() != 1 || vb.size() != 1) { state.SkipWithError("lookup"); break; }
            if (!tx->create_edge(va[0], vb[0], r)) { state.SkipWithError("edge"); break; }
        }
        if (tx->commit()) state.SkipWithError("commit");
        edges += batch;
    }
    state.SetItemsProcessed(edges);
}
BENCHMARK(BM_create_edges_by_index)
    ->Arg(static_cast<int>(storage_mode::in_memory_transactional))
    ->Arg(static_cast<int>(storage_mode::in_memory_analytical))
    ->Unit(benchmark::kMillisecond);

}  // namespace
