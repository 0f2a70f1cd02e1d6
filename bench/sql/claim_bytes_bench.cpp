// The writer's cost of packing a claim's raw request and response (sql/claim_bytes.h), and the
// reader's of unpacking them, on D.0-shaped transmissions of one plan with a dictionary trained on
// others of the same plan. No database.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "sql/claim_bytes.h"
#include "tests/support/d0_transmissions.h"

namespace {

using rxgate::store::bytes_kind;

using rxgate::test_support::d0_shaped_transmissions;

std::shared_ptr<rxgate::store::dictionary_set> dictionaries() {
  auto set = std::make_shared<rxgate::store::dictionary_set>();
  std::string d;
  if (rxgate::store::train_dictionary(d0_shaped_transmissions(5000, 1), 32768, 32768, d) ||
      set->add(32768, bytes_kind::request, d))
    std::abort();
  return set;
}

void BM_PackRequest(benchmark::State& state) {
  const auto values = d0_shaped_transmissions(1000, 2);
  rxgate::store::packer p(dictionaries());
  std::size_t i = 0, in = 0, out = 0;
  for (auto _ : state) {
    const auto& v = values[i++ % values.size()];
    const auto stored = p.pack(bytes_kind::request, v);
    benchmark::DoNotOptimize(stored.data());
    in += v.size();
    out += stored.size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(in));
  state.counters["stored_per_raw"] = double(out) / double(in);
}
BENCHMARK(BM_PackRequest);

void BM_UnpackRequest(benchmark::State& state) {
  const auto set = dictionaries();
  rxgate::store::packer p(set);
  std::vector<std::string> stored;
  for (const auto& v : d0_shaped_transmissions(1000, 3)) stored.emplace_back(p.pack(bytes_kind::request, v));
  rxgate::store::unpacker u;
  u.use(set);
  std::string raw;
  std::uint32_t missing = 0;
  std::size_t i = 0, out = 0;
  for (auto _ : state) {
    if (u.unpack(stored[i++ % stored.size()], raw, missing)) std::abort();
    out += raw.size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(out));
}
BENCHMARK(BM_UnpackRequest);

}  // namespace

BENCHMARK_MAIN();
