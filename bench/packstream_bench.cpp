// The bulk loader's hot path: PackStream encode and decode of one RUN's `$batch` of 10,000 rows,
// each a map of 5 mixed properties. bench/peers/packstream_peer.js runs the same batch through the
// JavaScript driver's PackStream; scripts/bench-packstream.sh prints both and the ratios.
#include <benchmark/benchmark.h>

#include <string>

#include "bolt/packstream.hpp"

namespace {

using namespace bolt;

constexpr int batch_rows = 10'000;

// Shape 0: {id, name, score, active, tags: [2 short strings]}; shape 1: the same with
// `born: date` in place of the tags. Keep in step with make_batch in packstream_peer.js.
value make_batch(int rows, int shape) {
    list l;
    l.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) {
        map m;
        m.reserve(5);
        m.append("id", i);
        m.append("name", "user_" + std::to_string(i));
        m.append("score", i * 0.5);
        m.append("active", i % 2 == 0);
        if (shape == 0)
            m.append("tags", list{"alpha", "beta"});
        else
            m.append("born", date{18000 + i % 3650});
        l.emplace_back(std::move(m));
    }
    return map{{"batch", std::move(l)}};
}

const char* shape_name(int shape) { return shape == 0 ? "tags" : "date"; }

void encode_batch(benchmark::State& state) {
    const int shape = static_cast<int>(state.range(0));
    const value batch = make_batch(batch_rows, shape);
    buffer out;
    for (auto _ : state) {
        out.clear();  // the message layer reuses its buffer from one RUN to the next
        packstream::encoder e(out);
        e.write(batch);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetLabel(shape_name(shape));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
    state.SetItemsProcessed(state.iterations() * batch_rows);
    state.counters["batch_bytes"] = static_cast<double>(out.size());
}

void decode_batch(benchmark::State& state) {
    const int shape = static_cast<int>(state.range(0));
    const buffer in = packstream::encode(make_batch(batch_rows, shape));
    for (auto _ : state) {
        value v;  // built and freed every time, as a server decoding RUNs does
        if (packstream::decode(in, v)) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(v);
    }
    state.SetLabel(shape_name(shape));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
    state.SetItemsProcessed(state.iterations() * batch_rows);
    state.counters["batch_bytes"] = static_cast<double>(in.size());
}

// The same batch decoded again and again into one value, as a connection that keeps its request
// or record value does: the decoder reads over the storage the value already has.
void decode_batch_reused(benchmark::State& state) {
    const int shape = static_cast<int>(state.range(0));
    const buffer in = packstream::encode(make_batch(batch_rows, shape));
    value v;
    for (auto _ : state) {
        if (packstream::decode(in, v)) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(v);
    }
    state.SetLabel(shape_name(shape));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
    state.SetItemsProcessed(state.iterations() * batch_rows);
    state.counters["batch_bytes"] = static_cast<double>(in.size());
}

BENCHMARK(encode_batch)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(decode_batch)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(decode_batch_reused)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
