// Codec micro benchmarks against README.md, Budgets: decode a typical B1 (~600 bytes) <= 300 ns with 0
// heap allocations, build a paid response <= 200 ns. Each benchmark checks its output once before
// timing (a decode error skips it) and reports the heap allocations made inside the timed loop
// as the counter "allocs" (counted by the replaced global operator new below; must be 0).
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/response.h"
#include "codec/writer.h"
#include "tests/codec/vector_util.h"

namespace {

std::atomic<long> allocations{0};

void* counted_alloc(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace rxgate::codec;
using namespace rxgate::codec::literals;

namespace {

// Allocations made between start() and the end of the timed loop, as a counter.
class allocation_counter {
 public:
  void start() { before_ = allocations.load(); }
  void report(benchmark::State& state) const {
    state.counters["allocs"] = static_cast<double>(allocations.load() - before_);
  }

 private:
  long before_ = 0;
};

request_header_values retail_header(int count = 1) {
  request_header_values h;
  h.bin = "610014";
  h.pcn = "RXGATEPCN";
  h.count = count;
  h.provider_id = "1234567893";
  h.date_of_service = date{2024, 1, 15};
  h.software_id = "RXG0000001";
  return h;
}

void retail_transmission_segments(writer& w) {
  w.segment(segment_id::insurance).field("C2"_fid, "ZXK123456789012").field("C1"_fid, "RXG00123")
      .field("C3"_fid, "001").field("C6"_fid, "1").field("C9"_fid, "0").field("FO"_fid, "PLAN01");
  w.segment(segment_id::patient).field("CX"_fid, "99").field("CY"_fid, "MBR000123456")
      .field("C4"_fid, "19800512").field("C5"_fid, "2").field("CA"_fid, "JANE")
      .field("CB"_fid, "DOE").field("CM"_fid, "1200 MAIN STREET APT 4").field("CN"_fid, "SPRINGFIELD")
      .field("CO"_fid, "IL").field("CP"_fid, "627040000").field("CQ"_fid, "2175550100")
      .field("C7"_fid, "01").field("4X"_fid, "01");
}

void retail_claim_segments(writer& w, std::string_view rx_number) {
  w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, rx_number)
      .field("E1"_fid, "03").field("D7"_fid, "00002322730").field("D3"_fid, "00")
      .field("E7"_fid, "0000030000").field("D5"_fid, "030").field("D6"_fid, "1").field("D8"_fid, "0")
      .field("DE"_fid, "20240110").field("DF"_fid, "05").field("DJ"_fid, "1").field("C8"_fid, "1")
      .field("NX"_fid, "1").field("DK"_fid, "1").field("28"_fid, "EA").field("DI"_fid, "0")
      .field("U7"_fid, "1").field("ET"_fid, "0000030000").field("EK"_fid, "0000180000")
      .field("K5"_fid, "REF0000123");
  w.segment(segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1234567890")
      .field("DR"_fid, "SMITH").field("2J"_fid, "JOHN").field("2K"_fid, "400 CLINIC WAY")
      .field("2M"_fid, "SPRINGFIELD").field("2N"_fid, "IL").field("2P"_fid, "627010000")
      .field("PM"_fid, "2175550199");
  w.segment(segment_id::pricing).money("D9"_fid, 125067).money("DC"_fid, 175).money("DQ"_fid, 150000)
      .money("DU"_fid, 125242).money("DX"_fid, 0).money("E3"_fid, 0).field("DN"_fid, "01")
      .money("HA"_fid, 0).money("GE"_fid, 0);
}

// A one-transaction retail B1 of about 600 bytes, shaped like what a pharmacy system sends.
std::string retail_b1() {
  std::array<char, 4096> buf{};
  writer w{buf};
  write_request_header(w, retail_header());
  retail_transmission_segments(w);
  w.group();
  retail_claim_segments(w, "000012345678");
  return std::string(w.view());
}

// A multi-ingredient compound B1 with 25 ingredients (the most 447-EC allows).
std::string compound_b1() {
  std::array<char, 8192> buf{};
  writer w{buf};
  write_request_header(w, retail_header());
  retail_transmission_segments(w);
  w.group();
  w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, "000012345679")
      .field("E1"_fid, "00").field("D7"_fid, "0").field("D3"_fid, "0").field("E7"_fid, "240000")
      .field("D5"_fid, "30").field("D6"_fid, "2").field("D8"_fid, "0").field("DE"_fid, "20240110")
      .field("DF"_fid, "2").field("DJ"_fid, "1").field("28"_fid, "GM");
  w.segment(segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1234567890");
  w.segment(segment_id::compound).field("EF"_fid, "11").field("EG"_fid, "3").number("EC"_fid, 25);
  for (int i = 0; i < 25; ++i) {
    const char ndc[11] = {'0', '0', '0', '0', '2', '3', '2', '2', '7', static_cast<char>('0' + i / 10),
                          static_cast<char>('0' + i % 10)};
    w.field("RE"_fid, "03").field("TE"_fid, {ndc, sizeof ndc}).number("ED"_fid, 9600, 4)
        .money("EE"_fid, 1234 + i).field("UE"_fid, "01");
  }
  w.segment(segment_id::pricing).money("D9"_fid, 31475).money("DC"_fid, 1500).money("DQ"_fid, 40000)
      .money("DU"_fid, 32975).field("DN"_fid, "01");
  return std::string(w.view());
}

struct worker_state {
  message m;
  validation v;
  response r;
  std::array<char, 4096> out{};
};

void check_decodes(benchmark::State& state, const std::string& input, worker_state& w,
                   bool validate_too) {
  if (const auto err = decode(input, w.m)) {
    state.SkipWithError(("decode failed: " + std::string(to_string(err.code))).c_str());
    return;
  }
  if (validate_too) {
    validate(w.m, w.v);
    if (w.v.transmission_rejected) state.SkipWithError("validate rejected the transmission");
  }
}

void decode_only(benchmark::State& state, const std::string& input) {
  auto w = std::make_unique<worker_state>();
  check_decodes(state, input, *w, false);
  allocation_counter allocs;
  allocs.start();
  for (auto _ : state) {
    auto err = decode(input, w->m);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(w->m.field_count);
  }
  allocs.report(state);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(input.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * w->m.group_count);
  state.counters["bytes"] = static_cast<double>(input.size());
}

void decode_and_validate(benchmark::State& state, const std::string& input, bool expect_clean) {
  auto w = std::make_unique<worker_state>();
  check_decodes(state, input, *w, true);
  if (expect_clean && w->v.any_rejects()) state.SkipWithError("the claim has validation rejects");
  allocation_counter allocs;
  allocs.start();
  for (auto _ : state) {
    auto err = decode(input, w->m);
    benchmark::DoNotOptimize(err);
    validate(w->m, w->v);
    benchmark::DoNotOptimize(w->v.claim_count);
  }
  allocs.report(state);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(input.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * w->v.claim_count);
  state.counters["bytes"] = static_cast<double>(input.size());
}

void BM_decode_b1(benchmark::State& state) { decode_only(state, retail_b1()); }
BENCHMARK(BM_decode_b1);

// The same claim sent in F6: the 58-byte header (version first, the BIN as an 8-character IIN)
// and no group separator (tests/data/f6/make-f6-vectors.py).
std::string as_f6(const std::string& d0) {
  std::string f6 = "F6" + d0.substr(8, 2) + d0.substr(0, 6) + "  " + d0.substr(10, request_header_size - 10);
  for (char c : d0.substr(request_header_size))
    if (c != group_separator) f6 += c;
  return f6;
}

void BM_decode_f6_b1(benchmark::State& state) { decode_only(state, as_f6(retail_b1())); }
BENCHMARK(BM_decode_f6_b1);

void BM_decode_f6_b1_cob_payer_ids(benchmark::State& state) {
  decode_only(state, rxgate::testing::load_vector("b1-cob-payer-ids.txt",
                                                  std::filesystem::path(RXGATE_TEST_DATA) / "f6"));
}
BENCHMARK(BM_decode_f6_b1_cob_payer_ids);

void BM_decode_validate_b1(benchmark::State& state) { decode_and_validate(state, retail_b1(), true); }
BENCHMARK(BM_decode_validate_b1);

void BM_decode_b1_four_transactions(benchmark::State& state) {
  decode_only(state, rxgate::testing::load_vector("src-NCPDPSerDe-2.txt"));
}
BENCHMARK(BM_decode_b1_four_transactions);

void BM_decode_validate_b1_four_transactions(benchmark::State& state) {
  // The vector has known flaws (INDEX.md), so claim-level rejects are expected; the
  // transmission must still be accepted.
  decode_and_validate(state, rxgate::testing::load_vector("src-NCPDPSerDe-2.txt"), false);
}
BENCHMARK(BM_decode_validate_b1_four_transactions);

void BM_decode_compound_25(benchmark::State& state) { decode_only(state, compound_b1()); }
BENCHMARK(BM_decode_compound_25);

void BM_decode_validate_compound_25(benchmark::State& state) {
  decode_and_validate(state, compound_b1(), true);
}
BENCHMARK(BM_decode_validate_compound_25);

// The paid answer to the retail B1: AM21 P + F3, AM22 echo, AM23 pricing.
void paid_answer(const message& m, const validation& v, response& r) {
  r = response{};
  echo_header(m, r);
  r.transaction_count = 1;
  auto& t = r.transactions[0];
  const claim& c = v.claims[0];
  t.status = 'P';
  t.authorization_number = "A240115000123";
  t.rx_qualifier = c.rx_qualifier;
  t.rx_number = c.rx_number;
  t.transaction_reference = c.transaction_reference;
  pricing p;
  p.ingredient_cost_paid = 118512;
  p.dispensing_fee_paid = 175;
  p.patient_pay = 1000;
  p.copay = 1000;
  p.total_paid = 117687;
  p.basis_of_reimbursement = "03";
  t.price = p;
}

// A rejected answer: five codes (one with its occurrence) and three message lines.
void rejected_answer(const message& m, const validation& v, response& r) {
  r = response{};
  echo_header(m, r);
  r.transaction_count = 1;
  auto& t = r.transactions[0];
  t.status = 'R';
  t.rx_qualifier = v.claims[0].rx_qualifier;
  t.rx_number = v.claims[0].rx_number;
  t.rejects.push("75");
  t.rejects.push("79");
  t.rejects.push("88");
  t.rejects.push("MR");
  t.rejects.push("E7", "E7"_fid, 1);
  t.add_text("PRIOR AUTHORIZATION REQUIRED - CALL 8005551212");
  t.add_text("NEXT FILL ON OR AFTER 20240201");
  t.add_text("FORMULARY ALTERNATIVE: 00093-0058-01");
  t.help_desk_phone = "8005551212";
}

void build_answer(benchmark::State& state, void (*fill)(const message&, const validation&, response&),
                  std::string_view version = "D0") {
  const std::string input = retail_b1();
  auto w = std::make_unique<worker_state>();
  check_decodes(state, input, *w, true);
  fill(w->m, w->v, w->r);
  w->r.version = version;  // F6: the same answer in F6 form (no GS, F6 Status fields)
  const auto once = build_response(w->r, w->out);
  if (!once) {
    state.SkipWithError("build_response did not fit");
    return;
  }
  auto back = std::make_unique<message>();
  if (decode({w->out.data(), *once}, *back) || back->kind != message_kind::response) {
    state.SkipWithError("the built response does not decode as a response");
    return;
  }
  allocation_counter allocs;
  allocs.start();
  for (auto _ : state) {
    auto used = build_response(w->r, w->out);
    benchmark::DoNotOptimize(used);
    benchmark::ClobberMemory();
  }
  allocs.report(state);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(*once));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["bytes"] = static_cast<double>(*once);
}

void BM_build_paid_response(benchmark::State& state) { build_answer(state, paid_answer); }
BENCHMARK(BM_build_paid_response);

void BM_build_rejected_response(benchmark::State& state) { build_answer(state, rejected_answer); }
BENCHMARK(BM_build_rejected_response);

// The F6 equivalents of the two answers above (issue 16), to read as a ratio to them.
void BM_build_paid_response_f6(benchmark::State& state) { build_answer(state, paid_answer, "F6"); }
BENCHMARK(BM_build_paid_response_f6);

void BM_build_rejected_response_f6(benchmark::State& state) { build_answer(state, rejected_answer, "F6"); }
BENCHMARK(BM_build_rejected_response_f6);

// Decoding an answer and reading it back into the model (what the load generator and the CLI do
// with every answer), D.0 and F6 forms of the same rejected answer (refill-too-soon with its Next
// Available Fill Date in F6).
void decode_answer(benchmark::State& state, std::string_view version) {
  const std::string input = retail_b1();
  auto w = std::make_unique<worker_state>();
  check_decodes(state, input, *w, true);
  rejected_answer(w->m, w->v, w->r);
  w->r.version = version;
  w->r.transactions[0].next_available_fill_date = date{2024, 2, 1};
  const auto once = build_response(w->r, w->out);
  if (!once) {
    state.SkipWithError("build_response did not fit");
    return;
  }
  const std::string wire(w->out.data(), *once);
  auto back = std::make_unique<message>();
  auto model = std::make_unique<response>();
  std::array<char, 1024> scratch{};
  if (decode(wire, *back) || back->kind != message_kind::response || !read_response(*back, *model, scratch)) {
    state.SkipWithError("the built response does not decode and read back");
    return;
  }
  allocation_counter allocs;
  allocs.start();
  for (auto _ : state) {
    auto e = decode(wire, *back);
    benchmark::DoNotOptimize(e);
    auto fits = read_response(*back, *model, scratch);
    benchmark::DoNotOptimize(fits);
    benchmark::ClobberMemory();
  }
  allocs.report(state);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["bytes"] = static_cast<double>(wire.size());
}

void BM_decode_read_rejected_response(benchmark::State& state) { decode_answer(state, "D0"); }
BENCHMARK(BM_decode_read_rejected_response);

void BM_decode_read_rejected_response_f6(benchmark::State& state) { decode_answer(state, "F6"); }
BENCHMARK(BM_decode_read_rejected_response_f6);

}  // namespace

BENCHMARK_MAIN();
