// codec/json.h both ways for a one-transaction B1 request (vector src-NCPDPSerDe-1: AM04, AM01,
// then AM07, AM03, AM11; 510 bytes on the wire). Each benchmark checks its output once before
// timing and stops with an error if it is wrong.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "codec/decode.h"
#include "codec/json.h"

namespace {

using namespace rxgate::codec;

std::string load_b1() {
  std::ifstream in(std::filesystem::path(RXGATE_TEST_DATA) / "vectors" / "src-NCPDPSerDe-1.txt", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  auto p = all.find('\n');
  p = p == std::string::npos ? p : all.find('\n', p + 1);
  return p == std::string::npos ? std::string{} : all.substr(p + 1);
}

struct fixture {
  std::string input = load_b1();
  std::unique_ptr<message> msg = std::make_unique<message>();
  std::string json;
  bool ok = false;

  fixture() {
    if (input.empty() || decode(input, *msg)) return;
    to_json(*msg, json);
    std::string wire;
    ok = !from_json(json, wire) && wire == msg->bytes &&
         json.rfind(R"({"kind":"request","header":{"A1":"880151","A2":"D0","A3":"B1",)", 0) == 0;
  }
};

const fixture& data() {
  static const fixture f;
  return f;
}

void BM_ToJson(benchmark::State& state) {
  const auto& f = data();
  if (!f.ok) return state.SkipWithError("vector src-NCPDPSerDe-1 did not decode or round-trip");
  std::string out;
  for (auto _ : state) {
    out.clear();
    to_json(*f.msg, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.json.size()));
  state.counters["json_bytes"] = static_cast<double>(f.json.size());
}
BENCHMARK(BM_ToJson);

void BM_DecodeThenToJson(benchmark::State& state) {
  const auto& f = data();
  if (!f.ok) return state.SkipWithError("vector src-NCPDPSerDe-1 did not decode or round-trip");
  auto m = std::make_unique<message>();
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (decode(f.input, *m)) return state.SkipWithError("decode failed");
    to_json(*m, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_DecodeThenToJson);

void BM_FromJson(benchmark::State& state) {
  const auto& f = data();
  if (!f.ok) return state.SkipWithError("vector src-NCPDPSerDe-1 did not decode or round-trip");
  std::string wire;
  for (auto _ : state) {
    const json_error err = from_json(f.json, wire);
    if (err) return state.SkipWithError("from_json failed");
    benchmark::DoNotOptimize(wire.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.json.size()));
  state.counters["wire_bytes"] = static_cast<double>(f.msg->bytes.size());
}
BENCHMARK(BM_FromJson);

void BM_FromJsonThenDecode(benchmark::State& state) {
  // What POST /v1/claims does before validation: JSON -> D.0 bytes -> views.
  const auto& f = data();
  if (!f.ok) return state.SkipWithError("vector src-NCPDPSerDe-1 did not decode or round-trip");
  std::string wire;
  auto m = std::make_unique<message>();
  for (auto _ : state) {
    if (from_json(f.json, wire)) return state.SkipWithError("from_json failed");
    if (decode(wire, *m)) return state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(m->field_count);
  }
}
BENCHMARK(BM_FromJsonThenDecode);

}  // namespace

BENCHMARK_MAIN();
