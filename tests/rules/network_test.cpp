// Networks, channels and group benefits on the demo plan (config/plans/demo): each network's
// days-supply maximum at, under and over it; copay bands at their edges (34/35, 60/61, 90/91);
// network pricing and MAC list; group copays and maxima; specialty drugs outside the specialty
// network. Every amount is worked out by hand in the comment of its row.
//
// Demo settings used here: plan copays tier 1 $5, tier 2 $25; retail 34 days, mail 90; network
// retail90-preferred (pharmacy 7777777773): 90 days, AWP minus 18 %, fee 1.00, MAC list
// mac-retail90.csv, bands 1-34 x1, 35-60 x2, 61-90 x2.5 with tier 1 a written 7.50; group DEMO02:
// tier 1 $3, tier 2 $15, retail 30 days.
#include <functional>

#include "rules/pricing.h"
#include "tests/rules/support.h"

using namespace rxgate::codec::literals;

namespace rxgate::rules::test {
namespace {

constexpr std::string_view retail90 = "7777777773";  // DEMO PREFERRED 90-DAY PHARMACY
constexpr std::string_view mail = "3333333338";
constexpr std::string_view specialty_pharmacy = "2222222220";

void days(scenario& s, int n) {
  s.claim.days_supply = n;
  s.claim.quantity = n * 1000;
}
void apixaban(scenario& s, int n) {  // tier 2; AWP 8.90, WAC 7.40, no MAC
  s.claim.product_id = "90001000504";
  days(s, n);
}
void rosuvastatin(scenario& s, int n) {  // tier 1; AWP 0.90, formulary MAC 0.15, not on the network's MAC list
  s.claim.product_id = "90001000105";
  days(s, n);
}
void group_two(scenario& s) {  // DEMO1014/001, group DEMO02
  s.claim.cardholder_id = "DEMO1014";
  s.claim.group_id = "DEMO02";
  s.claim.date_of_birth = ymd(19830412);
}
void teriflunomide(scenario& s) {  // specialty, tier 4, no PA
  s.claim.product_id = "90001000805";
  days(s, 30);
}

struct network_case {
  const char* name;
  std::function<void(scenario&)> setup;
  const char* codes;                  // "" = paid
  std::int64_t patient_pay = -1;      // cents; -1 = not checked
};

const network_case cases[] = {
    // Network maximum: retail90-preferred pays 90 days at retail (7X beyond).
    {"retail90_days_under_max", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 89); }, ""},
    {"retail90_days_at_max", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 90); }, ""},
    {"retail90_days_over_max", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 91); }, "7X"},
    // The plain retail network keeps the plan's 34 days.
    {"retail_35_days_outside_retail90", [](scenario& s) { rosuvastatin(s, 35); }, "7X"},

    // Tier 2 bands (apixaban; gross far above the copay): 25.00, x2 = 50.00, x2.5 = 62.50.
    {"band_tier2_day_1", [](scenario& s) {  // 30 tablets for 1 day, so the cost stays above the copay
       s.claim.provider_id = retail90; apixaban(s, 1); s.claim.quantity = 30000;
     }, "", 2500},
    {"band_tier2_day_34", [](scenario& s) { s.claim.provider_id = retail90; apixaban(s, 34); }, "", 2500},
    {"band_tier2_day_35", [](scenario& s) { s.claim.provider_id = retail90; apixaban(s, 35); }, "", 5000},
    {"band_tier2_day_60", [](scenario& s) { s.claim.provider_id = retail90; apixaban(s, 60); }, "", 5000},
    {"band_tier2_day_61", [](scenario& s) { s.claim.provider_id = retail90; apixaban(s, 61); }, "", 6250},
    {"band_tier2_day_90", [](scenario& s) { s.claim.provider_id = retail90; apixaban(s, 90); }, "", 6250},
    {"band_tier2_day_91", [](scenario& s) { s.claim.provider_id = retail90; apixaban(s, 91); }, "7X"},
    // Tier 1 (rosuvastatin, gross 25.83 + 1.00 at 35 days): 5.00, x2 = 10.00, then the band's own 7.50.
    {"band_tier1_day_34", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 34); }, "", 500},
    {"band_tier1_day_35", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 35); }, "", 1000},
    {"band_tier1_day_60", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 60); }, "", 1000},
    {"band_tier1_day_61_written_amount", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 61); }, "", 750},
    {"band_tier1_day_90_written_amount", [](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 90); }, "", 750},
    // Networks without bands: the tier copay whatever the days (mail 90 days of apixaban: 25.00).
    {"mail_has_no_bands", [](scenario& s) { s.claim.provider_id = mail; apixaban(s, 90); }, "", 2500},

    // Group DEMO02: its own copays (tier 1 3.00 under a 4.75 gross; tier 2 15.00) ...
    {"group_tier1_copay", [](scenario& s) { group_two(s); }, "", 300},
    {"group_tier2_copay", [](scenario& s) { group_two(s); apixaban(s, 30); }, "", 1500},
    // ... the plan's where it states none (tier 3 brand: 30 % of 316.75 = 95.03) ...
    {"group_keeps_plan_tier3", [](scenario& s) { group_two(s); s.claim.product_id = "90001000104"; }, "", 9503},
    // ... and its copay under a network's band multiplier (15.00 x2).
    {"group_copay_in_band", [](scenario& s) { group_two(s); s.claim.provider_id = retail90; apixaban(s, 35); }, "", 3000},
    // Group DEMO02 retail maximum 30 (the plan's is 34).
    {"group_retail_days_under", [](scenario& s) { group_two(s); days(s, 29); }, ""},
    {"group_retail_days_at_max", [](scenario& s) { group_two(s); days(s, 30); }, ""},
    {"group_retail_days_over", [](scenario& s) { group_two(s); days(s, 31); }, "7X"},
    {"other_group_keeps_plan_max", [](scenario& s) { days(s, 31); }, ""},
    // A network's own maximum comes before the group's; the group states no mail maximum.
    {"group_at_retail90_network", [](scenario& s) { group_two(s); s.claim.provider_id = retail90; rosuvastatin(s, 90); }, ""},
    {"group_mail_plan_max", [](scenario& s) { group_two(s); s.claim.provider_id = mail; days(s, 90); }, ""},
    {"group_mail_over_plan_max", [](scenario& s) { group_two(s); s.claim.provider_id = mail; days(s, 91); }, "7X"},

    // Specialty drugs: only in the specialty network (G6 elsewhere, whatever the channel).
    {"specialty_at_specialty_network", [](scenario& s) { teriflunomide(s); s.claim.provider_id = specialty_pharmacy; },
     "", 25000},  // AWP 7800.00 - 16 % = 6552.00 + 1.75; 20 % = 1310.75 -> max 250.00
    {"specialty_at_retail", [](scenario& s) { teriflunomide(s); }, "G6"},
    {"specialty_at_mail", [](scenario& s) { teriflunomide(s); s.claim.provider_id = mail; }, "G6"},
    {"specialty_at_retail90", [](scenario& s) { teriflunomide(s); s.claim.provider_id = retail90; }, "G6"},
};

decision priced(const std::function<void(scenario&)>& setup) {
  scenario s;
  setup(s);
  return s.run();
}

class network_rules : public ::testing::TestWithParam<network_case> {};

TEST_P(network_rules, decides) {
  const decision d = priced(GetParam().setup);
  const auto& tc = GetParam();
  EXPECT_EQ(codes(d), tc.codes);
  if (tc.codes[0] == '\0' && tc.patient_pay >= 0) {
    ASSERT_TRUE(d.price.has_value());
    EXPECT_EQ(d.price->patient_pay, tc.patient_pay);
  }
}

INSTANTIATE_TEST_SUITE_P(demo, network_rules, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<network_case>& p) { return std::string(p.param.name); });

TEST(network_pricing, network_terms_and_mac_list_replace_the_plans) {
  // Atorvastatin 20 mg x 30 at the network: its MAC list 0.09 x 30 = 2.70 (formulary MAC 0.10),
  // fee 1.00 (plan 1.75); gross 3.70, so the 5.00 copay is capped at 3.70.
  auto d = priced([](scenario& s) { s.claim.provider_id = retail90; });
  ASSERT_EQ(d.status, 'P') << codes(d);
  EXPECT_EQ(d.price->ingredient_cost_paid, 270);
  EXPECT_EQ(d.price->dispensing_fee_paid, 100);
  EXPECT_EQ(d.price->basis_of_reimbursement, "7");
  EXPECT_EQ(d.price->patient_pay, 370);
  // The same claim at plain retail: formulary MAC 3.00, fee 1.75.
  d = priced([](scenario&) {});
  EXPECT_EQ(d.price->ingredient_cost_paid, 300);
  EXPECT_EQ(d.price->dispensing_fee_paid, 175);
}

// tier_copay_of() (what the status API shows for a covered alternative) is the copay adjudicate()
// charges: for every paid row above (flat copays and coinsurance; no deductible in the demo plan,
// no DAW penalty, U&C above the price) the patient pays exactly the tier copay of the product at
// the claim's pharmacy network, member group, quantity and days supply.
TEST(network_pricing, tier_copay_of_is_the_copay_adjudicate_charges) {
  const plan& p = *demo_plans().route("610999", "RXGDEMO", "DEMO01", ymd(dos_ymd)).found;
  int compared = 0;
  for (const auto& tc : cases) {
    if (tc.codes[0] != '\0' || tc.patient_pay < 0) continue;
    scenario s;
    tc.setup(s);
    const member* m = p.find_member(s.claim.cardholder_id, s.claim.person_code);
    const pharmacy* ph = p.find_pharmacy(s.claim.provider_id);
    const product* d = p.find_product(s.claim.product_id);
    ASSERT_TRUE(m && ph && d) << tc.name;
    const tier_copay copay = tier_copay_of(p, p.benefit(*m, *ph), *d, s.claim.quantity.value_or(0),
                                           s.claim.days_supply.value_or(0));
    ASSERT_TRUE(copay.known) << tc.name;
    EXPECT_EQ(copay.coinsurance, d->tier >= 3) << tc.name;  // tiers 3 and 4 are coinsurance in the demo plan
    EXPECT_EQ(copay.cents, tc.patient_pay) << tc.name;
    ++compared;
  }
  EXPECT_GE(compared, 8);
  // A coinsurance tier: Crestor (tier 3, 30 %, min 40.00, max 120.00) x 30 at retail, lowest of
  // AWP 11.80 - 16 % = 297.36 and WAC 9.80 + 4 % = 305.76, plus the 1.75 fee: 30 % of 299.11 =
  // 89.73.
  const product* crestor = p.find_product("90001000106");
  ASSERT_NE(crestor, nullptr);
  const tier_copay co = tier_copay_of(p, nullptr, *crestor, 30000, 30);
  EXPECT_TRUE(co.known && co.coinsurance);
  EXPECT_EQ(co.cents, 8973);
}

TEST(network_pricing, product_off_the_mac_list_has_no_mac_at_the_network) {
  // Rosuvastatin x 30: at retail formulary MAC 0.15 x 30 = 4.50; at the network no MAC, so AWP
  // 27.00 minus 18 % (4.86) = 22.14.
  auto d = priced([](scenario& s) { rosuvastatin(s, 30); });
  EXPECT_EQ(d.price->ingredient_cost_paid, 450);
  EXPECT_EQ(d.price->basis_of_reimbursement, "7");
  d = priced([](scenario& s) { s.claim.provider_id = retail90; rosuvastatin(s, 30); });
  EXPECT_EQ(d.price->ingredient_cost_paid, 2214);
  EXPECT_EQ(d.price->basis_of_reimbursement, "3");
}

TEST(specialty_network, reject_names_the_plans_specialty_pharmacy) {
  auto d = priced([](scenario& s) { teriflunomide(s); });
  ASSERT_EQ(codes(d), "G6");
  EXPECT_EQ(d.rejects.begin()->field, "B1"_fid);
  ASSERT_GE(d.text_count, 1);
  EXPECT_EQ(d.text(0), "SPECIALTY DRUG: FILL AT DEMO SPECIALTY PHARMACY PHONE 8005550123");
}

TEST(networks, resolved_at_load) {
  const plan& p = *demo_plans().route("610999", "RXGDEMO", "DEMO01", ymd(dos_ymd)).found;
  const network* n = p.find_network("retail90-preferred");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->kind, channel::retail);
  EXPECT_EQ(n->pricing.awp_discount_bp, 1800);
  EXPECT_EQ(n->pricing.wac_markup_bp, 400);  // left out: the plan's
  ASSERT_EQ(n->bands.size(), 3u);
  EXPECT_EQ(n->bands[2].multiplier_pct, 250);
  const pharmacy* ph = p.find_pharmacy("2222222220");
  ASSERT_NE(ph, nullptr);
  EXPECT_EQ(p.networks[ph->network_index].name, "specialty");
  ASSERT_NE(p.specialty_pharmacy(), nullptr);
  EXPECT_EQ(p.specialty_pharmacy()->npi, "2222222220");
  // One cell per (group, network).
  EXPECT_EQ(p.benefits.size(), p.groups.size() * p.networks.size());
}

}  // namespace
}  // namespace rxgate::rules::test
