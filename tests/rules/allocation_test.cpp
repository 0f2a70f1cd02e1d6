// adjudicate() allocates nothing: counted with a replaced global operator new over paid,
// rejected (79, 88, 75, MR), compound and network-priced (banded copay) claims with history,
// compounds under 420-DK 8 and over the PA threshold and cap, transition and emergency fills and
// diagnosis checks.
#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "tests/rules/support.h"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace

namespace {
void* counted_alloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): every form a delete
// above frees must come from malloc, or AddressSanitizer reports a new/free mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace rxgate::rules::test {
namespace {

long allocations_during(const std::function<void()>& f) {
  g_allocations = 0;
  g_counting = true;
  f();
  g_counting = false;
  return g_allocations.load();
}

TEST(allocations, the_counter_sees_an_allocation) {
  std::unique_ptr<std::string> keep;
  EXPECT_GE(allocations_during([&] { keep = std::make_unique<std::string>(100, 'x'); }), 1);
}

TEST(allocations, adjudicate_allocates_nothing) {
  const auto& plans = demo_plans();  // loaded before counting
  std::vector<prior_fill> fills{fill("90001000102", "STATIN", 20261012, 30000, 30, "6666666662"),
                                fill("90001000305", "MAOI", 20261020, 60000, 30)};
  std::vector<prior_authorization> auths(1);
  auths[0].number = "12345678901";
  auths[0].product_id = "90001000801";
  auths[0].effective = ymd(20250101);
  auths[0].expires = ymd(20251231);
  member_history h;
  h.fills = fills;
  h.authorizations = auths;

  std::vector<codec::claim> claims(7, base_claim());
  claims.reserve(16);  // the references below outlive the push_backs
  claims[1].product_id = "90001000301";  // 88 with the MAOI fill
  claims[2].product_id = "90001000801";  // 75 (expired PA) + G6
  claims[3].product_id = "90001000603";  // MR with alternatives
  claims[4].product_id = "90001000104";  // paid brand, 001
  auto& c = claims[5];                   // compound
  c.cardholder_id = "DEMO1015";
  c.date_of_birth = ymd(19790919);
  c.gender = 2;
  c.product_qualifier = "00";
  c.product_id = "0";
  c.compound_code = 2;
  c.ingredient_count = 2;
  c.ingredients[0] = {"03", "90001001301", 30000, std::nullopt, "01"};
  c.ingredients[1] = {"03", "90001001305", 60000, std::nullopt, "01"};

  auto& banded = claims[6];  // network pricing, MAC list and a band multiplier (retail-90, 45 days)
  banded.provider_id = "7777777773";
  banded.product_id = "90001000504";
  banded.days_supply = 45;
  banded.quantity = 45000;

  auto scc8 = c;  // an excluded ingredient left unpaid (420-DK 8)
  scc8.ingredients[1].product_id = "90001001308";
  scc8.scc[0] = 8;
  scc8.scc_count = 1;
  claims.push_back(scc8);
  auto costly = c;  // over the PA threshold (75), then over the cap (78)
  costly.ingredients[0].cost = 40000;
  claims.push_back(costly);
  costly.ingredients[0].cost = 200000;
  claims.push_back(costly);
  auto transition = base_claim();  // DEMO1019 in the transition window: MR lifted (006)
  transition.cardholder_id = "DEMO1019";
  transition.date_of_birth = ymd(19910412);
  transition.gender = 2;
  transition.product_id = "90001000603";
  claims.push_back(transition);
  transition.days_supply = 31;  // RL
  claims.push_back(transition);
  auto emergency = base_claim();  // aripiprazole, PA required, 3-day emergency supply (009)
  emergency.product_id = "90001001407";
  emergency.level_of_service = "03";
  emergency.days_supply = 3;
  claims.push_back(emergency);
  auto diagnosis = base_claim();  // dulaglutide: 80 with a diagnosis that does not qualify
  diagnosis.product_id = "90001000707";
  diagnosis.quantity = 4000;
  diagnosis.days_supply = 28;
  diagnosis.diagnoses[0] = "I10";
  diagnosis.diagnosis_count = 1;
  claims.push_back(diagnosis);
  const int today = 20261201;  // the new claims on it: inside DEMO1019's window (from 20261116)
  for (std::size_t i = 7; i < claims.size(); ++i) claims[i].date_of_service = ymd(today);
  // A secondary claim coordinated under the demo's standard method, and a C8 3 after a reject.
  auto secondary = base_claim();
  secondary.product_id = "90001000504";
  secondary.quantity = 60000;
  secondary.other_coverage_code = "2";
  const codec::other_payer_amount paid[] = {{"07", 40000}};
  codec::other_payer primary;
  primary.coverage_type = "01";
  primary.id = "610111";
  secondary.add_other_payer(primary, paid);
  claims.push_back(secondary);
  auto after_reject = base_claim();
  after_reject.other_coverage_code = "3";
  const std::string_view rejected[] = {"75"};
  after_reject.add_other_payer(primary, {}, rejected);
  claims.push_back(after_reject);

  decision d;
  std::string seen;
  seen.reserve(64);
  const long n = allocations_during([&] {
    for (const auto& claim : claims) {
      adjudicate(claim, plans, h, ymd(today), d);
      seen.push_back(d.status);  // capacity reserved below: no allocation
    }
  });
  EXPECT_EQ(n, 0);
  EXPECT_EQ(seen, "RRRRRPPPRRPRPRPR") << "each path ran as meant (the last two: a secondary paid, a C8 3 after a 75 rejected 41)";
}

}  // namespace
}  // namespace rxgate::rules::test
