// Pricing paths of the demo plan (AWP 16% off, MAC, WAC + 4%, lowest of them; fee 1.75; compound
// fee 10.00; copays: tier 1 $5, tier 2 $25, tier 3 30% min 40 max 120, tier 4 20% min 100 max 250).
// Every amount below is worked out by hand in the comment of its row.
#include <functional>

#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

struct price_case {
  const char* name;
  std::function<void(codec::claim&)> setup;
  std::int64_t ingredient, fee, patient, total;
  const char* basis;
  bool coinsurance;
  std::optional<std::int64_t> uc_reduction = std::nullopt;
};

void brand(codec::claim& c) { c.product_id = "90001000104"; }  // LIPITOR: AWP 12.50, WAC 10.40

const price_case cases[] = {
    // MAC 0.10 x 30 = 3.00 (AWP 18.00-16% = 15.12); gross 4.75; copay $5 capped at 4.75.
    {"mac_copay_capped_at_cost", [](codec::claim&) {}, 300, 175, 475, 0, "7", false},
    // atorvastatin 40 x 90 at mail: MAC 0.12 x 90 = 10.80; gross 12.55; copay 5.00; F9 7.55.
    {"mac_flat_copay", [](codec::claim& c) {
       c.product_id = "90001000103"; c.quantity = 90000; c.days_supply = 90; c.provider_id = "3333333338";
     }, 1080, 175, 500, 755, "7", false},
    // AWP 375.00 - 60.00 = 315.00 < WAC 312.00 + 12.48; gross 316.75; 30% = 95.03; F9 221.72.
    {"awp_minus_coinsurance", brand, 31500, 175, 9503, 22172, "3", true},
    // Submitted ingredient cost 300.00 is lower: paid as submitted; gross 301.75; 30% = 90.53.
    {"submitted_cost_lower", [](codec::claim& c) { brand(c); c.ingredient_cost = 30000; },
     30000, 175, 9053, 21122, "1", true},
    // U&C 200.00 below 316.75: pay U&C, no fee; 30% = 60.00; F9 140.00; reduction 116.75.
    {"usual_and_customary_lower", [](codec::claim& c) { brand(c); c.usual_customary = 20000; },
     20000, 0, 6000, 14000, "4", true, 11675},
    // U&C above the plan price changes nothing.
    {"usual_and_customary_higher", [](codec::claim& c) { brand(c); c.usual_customary = 50000; },
     31500, 175, 9503, 22172, "3", true},
    // 5 tablets: AWP 62.50 - 10.00 = 52.50; gross 54.25; 30% = 16.28 -> minimum 40.00; F9 14.25.
    {"coinsurance_minimum", [](codec::claim& c) { brand(c); c.quantity = 5000; c.days_supply = 5; },
     5250, 175, 4000, 1425, "3", true},
    // LEXAPRO 90 at mail: AWP 1188.00 - 190.08 = 997.92; gross 999.67; 30% = 299.90 -> max 120.00.
    {"coinsurance_maximum", [](codec::claim& c) {
       c.product_id = "90001000304"; c.quantity = 90000; c.days_supply = 90; c.provider_id = "3333333338";
     }, 99792, 175, 12000, 87967, "3", true},
    // insulin glargine 15 mL: AWP 147.00 - 23.52 = 123.48 < WAC 123.00 + 4.92; tier 2 $25.
    {"tier2_flat", [](codec::claim& c) { c.product_id = "90001000706"; c.quantity = 15000; },
     12348, 175, 2500, 10023, "3", false},
    // apixaban has only WAC: 8.90 AWP? no: AWP 8.90 x 30 = 267.00 - 42.72 = 224.28 vs WAC 7.40 x 30
    // = 222.00 + 8.88 = 230.88 -> AWP wins; tier 2 $25; F9 201.03.
    {"awp_beats_wac", [](codec::claim& c) { c.product_id = "90001000504"; },
     22428, 175, 2500, 20103, "3", false},
    // compound: ketoprofen 30 g 144.00-23.04 = 120.96, lidocaine 10 g 39.00-6.24 = 32.76, base 60 g
    // 15.00-2.40 = 12.60 -> 166.32; fee 1.75 + 10.00; tier 2 $25; F9 153.07.
    {"compound_sum_of_ingredients", [](codec::claim& c) {
       c.cardholder_id = "DEMO1015"; c.date_of_birth = ymd(19790919); c.gender = 2; c.provider_id = "5555555554";
       c.product_qualifier = "00"; c.product_id = "0"; c.compound_code = 2; c.quantity = 100000;
       c.has_compound = true; c.ingredient_count = 3;
       c.ingredients[0] = {"03", "90001001301", 30000, std::nullopt, "01"};
       c.ingredients[1] = {"03", "90001001302", 10000, std::nullopt, "01"};
       c.ingredients[2] = {"03", "90001001305", 60000, std::nullopt, "01"};
     }, 16632, 1175, 2500, 15307, "3", false},
    // The same compound with the lidocaine submitted at 20.00: that ingredient is paid at 20.00.
    {"compound_ingredient_submitted_lower", [](codec::claim& c) {
       c.cardholder_id = "DEMO1015"; c.date_of_birth = ymd(19790919); c.gender = 2; c.provider_id = "5555555554";
       c.product_qualifier = "00"; c.product_id = "0"; c.compound_code = 2; c.quantity = 100000;
       c.has_compound = true; c.ingredient_count = 3;
       c.ingredients[0] = {"03", "90001001301", 30000, std::nullopt, "01"};
       c.ingredients[1] = {"03", "90001001302", 10000, 2000, "01"};
       c.ingredients[2] = {"03", "90001001305", 60000, std::nullopt, "01"};
     }, 15356, 1175, 2500, 14031, "3", false},
    // Medicaid-like plan: MAC basis, fee 10.50, $1 copay. lisinopril 10 x 30: MAC 0.04 x 30 = 1.20.
    {"second_plan_pricing", [](codec::claim& c) {
       c.bin = "610998"; c.pcn = "RXGMCD"; c.group_id = "MCD01"; c.cardholder_id = "MCD2001"; c.person_code = "01";
       c.date_of_birth = ymd(19990101); c.product_id = "90001000201";
     }, 120, 1050, 100, 1070, "7", false},
};

class pricing : public ::testing::TestWithParam<price_case> {};

TEST_P(pricing, pays) {
  const auto& pc = GetParam();
  auto c = base_claim();
  pc.setup(c);
  const auto d = decide(c);
  ASSERT_EQ(d.status, 'P') << codes(d);
  ASSERT_TRUE(d.price);
  const auto& p = *d.price;
  EXPECT_EQ(p.ingredient_cost_paid, pc.ingredient);
  EXPECT_EQ(p.dispensing_fee_paid, pc.fee);
  EXPECT_EQ(p.patient_pay, pc.patient);
  EXPECT_EQ(p.total_paid, pc.total);
  EXPECT_EQ(p.total_paid, p.ingredient_cost_paid + p.dispensing_fee_paid - p.patient_pay);
  EXPECT_EQ(p.basis_of_reimbursement, pc.basis);
  if (pc.coinsurance) {
    EXPECT_EQ(p.coinsurance, pc.patient);
    EXPECT_FALSE(p.copay);
  } else {
    EXPECT_EQ(p.copay, pc.patient);
    EXPECT_FALSE(p.coinsurance);
  }
  EXPECT_EQ(p.usual_customary_reduction, pc.uc_reduction);
}

INSTANTIATE_TEST_SUITE_P(demo, pricing, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<price_case>& p) { return std::string(p.param.name); });

TEST(approved_messages, brand_with_generic_says_generic_available) {
  auto c = base_claim();
  c.product_id = "90001000104";
  const auto d = decide(c);
  ASSERT_EQ(d.approved_message_count, 1);
  EXPECT_EQ(d.approved_messages[0], "001");
  EXPECT_EQ(decide(base_claim()).approved_message_count, 0);
}

}  // namespace
}  // namespace rxgate::rules::test
