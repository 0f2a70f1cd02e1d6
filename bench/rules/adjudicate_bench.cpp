// adjudicate() against a large generated plan (default 100k formulary rows, 1M members, with
// accumulators; budget <= 1 us per claim), against the demo plan, and the load time of the large
// plan.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "rules/adjudicate.h"
#include "plan_tools/plan_generate.h"
#include "rules/plan_model.h"

namespace {

using namespace rxgate;
namespace fs = std::filesystem;

std::size_t env_size(const char* name, std::size_t def) {
  const char* v = std::getenv(name);
  return v && *v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : def;
}

struct large_plan {
  rules::generate_options options;
  fs::path dir;
  std::shared_ptr<const rules::plan_set> plans;

  large_plan() {
    options.products = env_size("RXGATE_BENCH_PRODUCTS", 100000);
    options.members = env_size("RXGATE_BENCH_MEMBERS", 1000000);
    options.seed = 42;
    // RXGATE_BENCH_ACCUMULATORS=0: the same plan without [accumulators], the reference for what
    // they cost (bench/RESULTS.md).
    options.accumulators = env_size("RXGATE_BENCH_ACCUMULATORS", 1) != 0;
    dir = fs::temp_directory_path() / ("rxgate-bench-plan-" + std::to_string(::getpid()));
    rules::generate_plan(dir / "bench", options);
    plans = rules::load_plans(dir);
  }
  ~large_plan() { fs::remove_all(dir); }
};

large_plan& plan() {
  static large_plan p;
  return p;
}

codec::date ymd(int v) {
  return {static_cast<std::int16_t>(v / 10000), static_cast<std::uint8_t>(v / 100 % 100), static_cast<std::uint8_t>(v % 100)};
}

// A mix of claims over random members, products and pharmacies, each with a short history
// (so refill-too-soon, quantity limits and DUR scan real fills). Like the server, which decides
// one freshly parsed claim at a time, the bench reuses one hot claim and changes only the
// member and product fields; their text lives in the bench's own storage, as it would in the
// request buffer, so every plan lookup is a real, cold one.
struct claim_mix {
  struct entry {
    std::string cardholder, person, ndc;
    codec::date dob;
    int gender = 0, relationship = 1;
  };
  std::vector<entry> entries;
  std::vector<rules::prior_fill> fills;  // 4 per entry, contiguous
  std::vector<char> fill_text;           // their NDCs and classes, as in the store's result buffer
  codec::claim claim;
  std::string provider = rules::generated_npi(0);

  explicit claim_mix(const rules::plan& p, std::size_t n) {
    std::uint64_t s = 12345;
    auto next = [&] {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      return s >> 33;
    };
    const std::size_t members = p.cardholder_first.size();
    entries.reserve(n);
    fills.reserve(n * 4);
    fill_text.reserve(n * 4 * 40);
    auto keep = [this](std::string_view v) {
      const char* at = fill_text.data() + fill_text.size();
      fill_text.insert(fill_text.end(), v.begin(), v.end());
      return std::string_view(at, v.size());
    };
    for (std::size_t i = 0; i < n; ++i) {
      const auto& m = p.members[p.cardholder_first[next() % members]];
      const auto& d = p.products[next() % p.products.size()];
      entries.push_back({std::string(m.cardholder_id), std::string(m.person_code), std::string(d.ndc),
                         m.date_of_birth, m.gender, m.relationship});
      for (int k = 0; k < 4; ++k) {
        const auto& other = p.products[next() % p.products.size()];
        rules::prior_fill pf;
        pf.claim_id = static_cast<std::int64_t>(i * 4 + k);
        pf.provider_id = provider;
        pf.product_id = keep(k == 0 ? d.ndc : other.ndc);
        pf.therapeutic_class = keep(k == 0 ? d.therapeutic_class : other.therapeutic_class);
        pf.fill_date = ymd(20250801 + k);
        pf.quantity = 30000;
        pf.days_supply = 30;
        fills.push_back(pf);
      }
    }
    codec::claim& c = claim;
    c.bin = p.bin;
    c.pcn = p.pcn;
    c.group_id = p.groups.front();
    c.transaction_code = "B1";
    c.version = "D0";
    c.provider_id_qualifier = "01";
    c.provider_id = provider;
    c.date_of_service = ymd(20250915);
    c.has_insurance = c.has_patient = c.has_claim = c.has_pricing = true;
    c.rx_qualifier = "1";
    c.rx_number = "100001";
    c.product_qualifier = "03";
    c.fill_number = 1;
    c.quantity = 30000;
    c.days_supply = 30;
    c.compound_code = 1;
    c.usual_customary = 250000;
  }
  const codec::claim& at(std::size_t k) {
    const auto& e = entries[k];
    claim.cardholder_id = e.cardholder;
    claim.person_code = e.person;
    claim.product_id = e.ndc;
    claim.date_of_birth = e.dob;
    claim.gender = e.gender;
    claim.relationship = e.relationship;
    return claim;
  }
  std::span<const rules::prior_fill> history(std::size_t k) const { return {fills.data() + k * 4, 4}; }
  // What the member and family have accumulated this plan year: spread over the deductible, the
  // coinsurance and the out-of-pocket phases (the generated plan keeps accumulators).
  rules::accumulator_state accumulators(std::size_t k) const {
    rules::accumulator_state s;
    s.year_start = codec::date{2025, 1, 1};
    const std::int64_t spent = static_cast<std::int64_t>((k * 7919) % 4000) * 100;  // 0 .. 3999.00
    s.member = {std::min<std::int64_t>(spent, 50000), std::min<std::int64_t>(spent, 300000), spent};
    s.family = {std::min<std::int64_t>(spent * 2, 100000), std::min<std::int64_t>(spent * 2, 600000), spent * 2};
    return s;
  }
};

void BM_adjudicate_large_plan(benchmark::State& state) {
  auto& lp = plan();
  const auto& p = *lp.plans->plans().front();
  static claim_mix mix(p, 65536);
  rules::decision d;
  std::size_t i = 0, paid = 0;
  const auto today = ymd(20250920);
  for (auto _ : state) {
    const auto k = i++ & 65535;
    rules::member_history h;
    h.fills = mix.history(k);
    h.accumulators = mix.accumulators(k);
    rules::adjudicate(mix.at(k), *lp.plans, h, today, d);
    paid += d.status == 'P';
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["paid_share"] = benchmark::Counter(static_cast<double>(paid) / static_cast<double>(state.iterations()));
  state.counters["members"] = static_cast<double>(p.members.size());
  state.counters["products"] = static_cast<double>(p.products.size());
}
BENCHMARK(BM_adjudicate_large_plan);

// The same claims decided the way the batcher can run a batch: while deciding claim k, the index
// slots of claim k+2 and the rows of claim k+1 are already on their way (rules::prefetch).
void BM_adjudicate_large_plan_prefetched(benchmark::State& state) {
  auto& lp = plan();
  const auto& p = *lp.plans->plans().front();
  static claim_mix mix(p, 65536);
  static claim_mix ahead1(p, 65536), ahead2(p, 65536);  // same seed: same claims, own buffers
  rules::decision d;
  std::size_t i = 0, paid = 0;
  const auto today = ymd(20250920);
  for (auto _ : state) {
    const auto k = i++ & 65535;
    rules::prefetch(ahead2.at((k + 2) & 65535), *lp.plans, 0);
    rules::prefetch(ahead1.at((k + 1) & 65535), *lp.plans, 1);
    rules::member_history h;
    h.fills = mix.history(k);
    h.accumulators = mix.accumulators(k);
    rules::adjudicate(mix.at(k), *lp.plans, h, today, d);
    paid += d.status == 'P';
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["paid_share"] = benchmark::Counter(static_cast<double>(paid) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_adjudicate_large_plan_prefetched);

void BM_adjudicate_demo_paid(benchmark::State& state) {
  static auto plans = rules::load_plans(std::string(RXGATE_SOURCE_DIR) + "/config/plans");
  codec::claim c;
  c.bin = "610999";
  c.pcn = "RXGDEMO";
  c.version = "D0";  // the plan's accepted versions are checked first (1R otherwise)
  c.group_id = "DEMO01";
  c.transaction_code = "B1";
  c.provider_id = "1111111112";
  c.date_of_service = ymd(20261101);
  c.cardholder_id = "DEMO1001";
  c.person_code = "001";
  c.relationship = 1;
  c.date_of_birth = ymd(19700315);
  c.gender = 1;
  c.rx_number = "100001";
  c.product_id = "90001000104";
  c.quantity = 30000;
  c.days_supply = 30;
  c.compound_code = 1;
  rules::decision d;
  for (auto _ : state) {
    rules::adjudicate(c, *plans, {}, ymd(20261123), d);
    benchmark::DoNotOptimize(d);
  }
  if (d.status != 'P') state.SkipWithError("the demo claim did not pay");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_adjudicate_demo_paid);

void BM_plan_load(benchmark::State& state) {
  auto& lp = plan();
  for (auto _ : state) {
    auto plans = rules::load_plans(lp.dir);
    benchmark::DoNotOptimize(plans);
  }
  state.counters["members"] = static_cast<double>(lp.options.members);
  state.counters["products"] = static_cast<double>(lp.options.products);
}
BENCHMARK(BM_plan_load)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_fingerprint(benchmark::State& state) {
  const auto& p = *plan().plans->plans().front();
  static claim_mix mix(p, 64);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(rules::fingerprint(mix.at(i++ & 63)));
}
BENCHMARK(BM_fingerprint);

}  // namespace

BENCHMARK_MAIN();
