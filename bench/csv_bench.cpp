// Throughput of the worker's data sources: the coordinator's cut-point pass (MB/s), the chunk
// reader, reading plus typed conversion into reused rows (ns per row), and the generators.
// The CSV is 1,000,000 rows of `id,name,score,city` (the end-to-end benchmark's shape) with
// every fourth name quoted and holding a comma or an escaped quote, written once to /tmp.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "boltload/csv.hpp"
#include "boltload/generate.hpp"

namespace {

using namespace boltload;

constexpr int csv_rows = 1'000'000;

std::filesystem::path csv_file() {
    return std::filesystem::temp_directory_path() / ("boltload_csv_bench_" + std::to_string(::getpid()) + ".csv");
}

const std::string& csv_path() {
    static const std::string path = [] {
        const auto p = csv_file();
        std::ofstream out(p, std::ios::binary);
        std::string line;
        out << "id,name,score,city\n";
        for (int i = 0; i < csv_rows; ++i) {
            line.clear();
            line += std::to_string(i);
            switch (i % 4) {
                case 0: line += ",\"Doe, Jane " + std::to_string(i) + "\""; break;
                case 1: line += ",user" + std::to_string(i * 7919 % 100000); break;
                case 2: line += ",\"say \"\"hi\"\" " + std::to_string(i) + "\""; break;
                default: line += ",plain name"; break;
            }
            line += "," + std::to_string(i % 1000) + "." + std::to_string(i % 97) + ",Zagreb\n";
            out << line;
        }
        std::atexit([] { std::filesystem::remove(csv_file()); });
        return p.string();
    }();
    return path;
}

csv_spec typed_spec() {
    csv_spec spec;
    spec.path = csv_path();
    spec.columns = {{.name = "id", .type = column_type::integer},
                    {.name = "name"},
                    {.name = "score", .type = column_type::float_},
                    {.name = "city"}};
    return spec;
}

void BM_cut_points(benchmark::State& state) {
    const csv_spec spec = typed_spec();
    const csv_source src = csv_source::open_file(spec.path);
    std::size_t chunks = 0;
    for (auto _ : state) {
        csv_cutter cutter(src, spec, {.target_chunk_bytes = static_cast<std::uint64_t>(state.range(0)) << 20});
        chunks = 0;
        while (cutter.next()) ++chunks;
        benchmark::DoNotOptimize(cutter.records());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * src.size()));
    state.counters["chunks"] = static_cast<double>(chunks);
}
BENCHMARK(BM_cut_points)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);

void BM_read_records(benchmark::State& state) {
    const csv_spec spec = typed_spec();
    const csv_source src = csv_source::open_file(spec.path);
    const csv_plan plan = plan_csv(src, spec);
    std::int64_t records = 0;
    for (auto _ : state) {
        for (const csv_chunk& c : plan.chunks) {
            csv_chunk_reader reader(src, spec, c, {.expected_fields = 4});
            while (reader.next()) {
                benchmark::DoNotOptimize(reader.record().fields.data());
                ++records;
            }
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * src.size()));
    state.SetItemsProcessed(records);
}
BENCHMARK(BM_read_records)->Unit(benchmark::kMillisecond);

// What a worker does per batch: read records and convert them into the batch's reused rows.
void BM_read_and_convert(benchmark::State& state) {
    const csv_spec spec = typed_spec();
    const csv_source src = csv_source::open_file(spec.path);
    const csv_plan plan = plan_csv(src, spec);
    const row_converter convert(spec, plan.header.names);
    const auto batch = static_cast<std::size_t>(state.range(0));
    bolt::list rows;
    std::int64_t records = 0;
    for (auto _ : state) {
        for (const csv_chunk& c : plan.chunks) {
            csv_chunk_reader reader(src, spec, c, {.expected_fields = 4});
            std::size_t n = 0;
            while (reader.next()) {
                convert.convert_into(reader.record(), rows, n);
                if (++n == batch) n = 0;
                ++records;
            }
        }
        benchmark::DoNotOptimize(rows.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * src.size()));
    state.SetItemsProcessed(records);
}
BENCHMARK(BM_read_and_convert)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_generate(benchmark::State& state) {
    generate_spec spec;
    spec.count = 1'000'000;
    if (state.range(0) == 1) {
        spec.kind = generate_spec::entity::relationships;
        spec.id_max = 999'999;
        spec.keys.kind = distribution_kind::zipf;
        spec.keys.zipf_s = 1.0;
    } else {
        spec.properties = {{"name", generated_type::string_, 8, 16}, {"score", generated_type::float_, 0, 100},
                           {"age", generated_type::integer, 18, 99}};
    }
    const row_generator g(spec);
    bolt::list rows;
    std::int64_t produced = 0;
    for (auto _ : state) {
        for (std::int64_t first = 0; first < spec.count; first += 10000) {
            g.fill(first, 10000, rows);
            produced += 10000;
        }
        benchmark::DoNotOptimize(rows.data());
    }
    state.SetItemsProcessed(produced);
    state.SetLabel(state.range(0) == 1 ? "relationships zipf(1)" : "nodes with 3 properties");
}
BENCHMARK(BM_generate)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
