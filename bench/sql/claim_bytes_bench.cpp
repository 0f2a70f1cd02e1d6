// The writer's cost of packing a claim's raw request and response (sql/claim_bytes.h), and the
// reader's of unpacking them, on D.0-shaped transmissions of one plan with a dictionary trained on
// others of the same plan. No database.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sql/claim_bytes.h"

namespace {

using rxgate::store::bytes_kind;

std::vector<std::string> transmissions(int count, unsigned seed) {
  std::mt19937 random(seed);
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + random() % 10));
    return s;
  };
  const char* products[] = {"00071015523", "00093505698", "00378395177", "00591555110", "68180051309"};
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    std::string s = "610014D0B1PCNDEMO  1011" + digits(10) + "     20261120          ";
    s += "\x1e\x1c" "AM04\x1c" "C2" + digits(9) + "\x1c" "CCJANE\x1c" "CDDOE\x1c" "C1GRP" + digits(3);
    s += "\x1d\x1e\x1c" "AM07\x1c" "EM1\x1c" "D2" + digits(12) + "\x1c" "E103\x1c" "D7" + products[random() % 5];
    s += "\x1c" "E7" + digits(4) + "000\x1c" "D30\x1c" "D530\x1c" "D61\x1c" "D80\x1c" "DE20261120\x1c" "DJ1";
    s += "\x1e\x1c" "AM11\x1c" "D9" + digits(4) + "{\x1c" "DC250{\x1c" "DQ" + digits(4) + "{\x1c" "DU" + digits(4) + "{";
    out.push_back(std::move(s));
  }
  return out;
}

std::shared_ptr<rxgate::store::dictionary_set> dictionaries() {
  auto set = std::make_shared<rxgate::store::dictionary_set>();
  std::string d;
  if (rxgate::store::train_dictionary(transmissions(5000, 1), 32768, 32768, d) ||
      set->add(32768, bytes_kind::request, d))
    std::abort();
  return set;
}

void BM_PackRequest(benchmark::State& state) {
  const auto values = transmissions(1000, 2);
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
  for (const auto& v : transmissions(1000, 3)) stored.emplace_back(p.pack(bytes_kind::request, v));
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
