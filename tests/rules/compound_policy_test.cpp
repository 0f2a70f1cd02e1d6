// Compounds under the plan's [compound] policy (issue 12, item 5): 420-DK 8 pays the approved
// ingredients only where the plan allows it; the ingredient cost asked (449-EE, or the plan's own
// price where a cost is not sent) above cost_cap rejects 78 and above pa_threshold needs a PA.
// Demo plan: pay_approved_ingredients, cap 1000.00, PA threshold 300.00; the demo compound is
// ketoprofen 30 g + lidocaine 10 g + cream base 60 g at DEMO COMPOUNDING PHARMACY.
#include "tests/rules/plan_variant.h"

namespace rxgate::rules::test {
namespace {

using namespace codec::literals;

// 449-EE of the three ingredients, in cents.
void costs(scenario& s, std::int64_t a, std::int64_t b, std::int64_t c) {
  s.claim.ingredients[0].cost = a;
  s.claim.ingredients[1].cost = b;
  s.claim.ingredients[2].cost = c;
}

void scc8(scenario& s) {
  s.claim.scc[0] = 8;
  s.claim.scc_count = 1;
}

constexpr const char* flurbiprofen = "90001001308";  // excluded bulk powder, compoundable
constexpr const char* atorvastatin = "90001000102";  // covered, not compoundable
constexpr const char* nexium = "90001000603";        // not on the formulary

struct compound_case {
  const char* name;
  void (*setup)(scenario&);
  const char* codes;  // "" = paid
};

const compound_case cases[] = {
    // PA threshold 300.00: at it pays, a cent over needs a PA
    {"pa_threshold_at", [](scenario& s) { costs(s, 28000, 1000, 1000); }, ""},
    {"pa_threshold_under", [](scenario& s) { costs(s, 27999, 1000, 1000); }, ""},
    {"pa_threshold_over", [](scenario& s) { costs(s, 28001, 1000, 1000); }, "75"},
    {"pa_threshold_over_pa_on_file", [](scenario& s) {
       costs(s, 28001, 1000, 1000);
       s.auths.push_back(pa("12345678901", "90001001301", 20260101, 20261231));
     }, ""},
    {"pa_threshold_over_pa_for_the_class", [](scenario& s) {
       costs(s, 28001, 1000, 1000);
       auto a = pa("12345678902", "", 20260101, 20261231);
       a.therapeutic_class = "COMPOUND_NSAID";
       s.auths.push_back(a);
     }, ""},
    {"pa_threshold_over_pa_expired", [](scenario& s) {
       costs(s, 28001, 1000, 1000);
       s.auths.push_back(pa("12345678903", "90001001301", 20250101, 20251231));
     }, "75"},
    {"pa_threshold_over_pa_for_another_ingredient", [](scenario& s) {
       costs(s, 28001, 1000, 1000);
       s.auths.push_back(pa("12345678904", "90001001302", 20260101, 20261231));  // lidocaine: not the first
     }, "75"},
    // without 449-EE the plan's price counts: ketoprofen 60 g 241.92 + 32.76 + 12.60 = 287.28;
    // 70 g 282.24 + 32.76 + 12.60 = 327.60
    {"no_cost_sent_under_threshold", [](scenario& s) { s.claim.ingredients[0].quantity = 60000; }, ""},
    {"no_cost_sent_over_threshold", [](scenario& s) { s.claim.ingredients[0].quantity = 70000; }, "75"},
    // cost cap 1000.00, even with a PA on file
    {"cap_at", [](scenario& s) {
       costs(s, 98000, 1000, 1000);
       s.auths.push_back(pa("12345678901", "90001001301", 20260101, 20261231));
     }, ""},
    {"cap_over", [](scenario& s) {
       costs(s, 98001, 1000, 1000);
       s.auths.push_back(pa("12345678901", "90001001301", 20260101, 20261231));
     }, "78"},
    {"cap_over_without_pa", [](scenario& s) { costs(s, 98001, 1000, 1000); }, "78"},
    // 420-DK 8: the covered ingredients pay, the others are left out
    {"excluded_ingredient_without_scc8", [](scenario& s) { s.claim.ingredients[1].product_id = flurbiprofen; }, "70"},
    {"excluded_ingredient_with_scc8", [](scenario& s) {
       s.claim.ingredients[1].product_id = flurbiprofen;
       scc8(s);
     }, ""},
    {"not_compoundable_with_scc8", [](scenario& s) {
       s.claim.ingredients[2].product_id = atorvastatin;
       scc8(s);
     }, ""},
    {"not_on_formulary_without_scc8", [](scenario& s) { s.claim.ingredients[2].product_id = nexium; }, "MR"},
    {"not_on_formulary_with_scc8", [](scenario& s) {
       s.claim.ingredients[2].product_id = nexium;
       scc8(s);
     }, ""},
    {"unknown_ingredient_with_scc8", [](scenario& s) {
       s.claim.ingredients[1].product_id = "90001099999";
       scc8(s);
     }, "54"},
    {"no_covered_ingredient_with_scc8", [](scenario& s) {
       s.claim.ingredient_count = 2;
       s.claim.ingredients[0].product_id = flurbiprofen;
       s.claim.ingredients[1].product_id = atorvastatin;
       scc8(s);
     }, "8A"},
    {"first_ingredient_left_out_with_scc8", [](scenario& s) {
       s.claim.ingredients[0].product_id = flurbiprofen;
       scc8(s);
     }, ""},
    // a left-out ingredient's cost does not count toward the threshold or the cap
    {"left_out_cost_not_counted", [](scenario& s) {
       costs(s, 28000, 500000, 2000);
       s.claim.ingredients[1].product_id = flurbiprofen;
       scc8(s);
     }, ""},
    {"paid_ingredient_needing_pa_still_needs_it_with_scc8", [](scenario& s) {
       s.claim.ingredients[1].product_id = "90001001307";  // baclofen: PA required
       scc8(s);
     }, "75"},
};

class compound_policy : public ::testing::TestWithParam<compound_case> {};

TEST_P(compound_policy, decides) {
  scenario s;
  compound(s);
  GetParam().setup(s);
  const auto d = s.run();
  EXPECT_EQ(codes(d), GetParam().codes);
  EXPECT_EQ(d.status, *GetParam().codes ? 'R' : 'P');
}

INSTANTIATE_TEST_SUITE_P(table, compound_policy, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<compound_case>& p) { return std::string(p.param.name); });

TEST(compound_policy_detail, scc8_pays_the_covered_ingredients_only) {
  scenario s;
  compound(s);
  const auto whole = s.run();
  ASSERT_TRUE(whole.price);
  s.claim.ingredients[1].product_id = flurbiprofen;
  scc8(s);
  const auto d = s.run();
  ASSERT_EQ(d.status, 'P') << codes(d);
  ASSERT_TRUE(d.price);
  // 120.96 ketoprofen + 12.60 cream base; lidocaine's 32.76 is gone with the ingredient it replaced.
  EXPECT_EQ(d.price->ingredient_cost_paid, 13356);
  EXPECT_EQ(whole.price->ingredient_cost_paid, 16632);
  EXPECT_NE(all_text(d).find("420-DK 8: NOT PAID INGREDIENT 2"), std::string::npos) << all_text(d);
  EXPECT_EQ(d.tier, 2);
}

TEST(compound_policy_detail, reject_names_the_ingredient_and_suggests_scc8) {
  scenario s;
  compound(s);
  s.claim.ingredients[1].product_id = flurbiprofen;
  const auto d = s.run();
  ASSERT_EQ(codes(d), "70");
  EXPECT_EQ(d.rejects.items[0].field, "TE"_fid);
  EXPECT_EQ(d.rejects.items[0].occurrence, 2);
  EXPECT_NE(all_text(d).find("RESUBMIT WITH 420-DK 8"), std::string::npos) << all_text(d);
}

TEST(compound_policy_detail, plan_without_scc8_rejects_as_before) {
  const auto& plans = demo_variant("no-scc8", {{"pay_approved_ingredients = true", "pay_approved_ingredients = false"}});
  scenario s;
  compound(s);
  s.claim.ingredients[1].product_id = flurbiprofen;
  scc8(s);
  const auto d = decide_on(plans, s);
  EXPECT_EQ(codes(d), "70");
  EXPECT_EQ(all_text(d).find("420-DK 8"), std::string::npos) << all_text(d);
  s.claim.ingredient_count = 2;
  s.claim.ingredients[0].product_id = flurbiprofen;
  s.claim.ingredients[1].product_id = atorvastatin;
  EXPECT_EQ(codes(decide_on(plans, s)), "70 70");
}

TEST(compound_policy_detail, plan_without_cap_or_threshold_pays_any_cost) {
  const auto& plans = demo_variant("no-cap", {{"cost_cap = \"1000.00\"", ""}, {"pa_threshold = \"300.00\"", ""}});
  scenario s;
  compound(s);
  costs(s, 500000, 1000, 1000);
  EXPECT_EQ(decide_on(plans, s).status, 'P') << codes(decide_on(plans, s));
}

TEST(compound_policy_detail, cap_and_threshold_texts) {
  scenario s;
  compound(s);
  costs(s, 98001, 1000, 1000);
  auto d = s.run();
  ASSERT_EQ(codes(d), "78");
  EXPECT_EQ(d.rejects.items[0].field, "D9"_fid);
  EXPECT_NE(all_text(d).find("COMPOUND INGREDIENT COST 1000.01 OVER PLAN MAXIMUM 1000.00"), std::string::npos)
      << all_text(d);
  costs(s, 28001, 1000, 1000);
  d = s.run();
  ASSERT_EQ(codes(d), "75");
  EXPECT_EQ(d.rejects.items[0].field, "EV"_fid);
  EXPECT_EQ(d.pa.pa_type, "1");
  EXPECT_NE(all_text(d).find("COMPOUND INGREDIENT COST 300.01 OVER 300.00 NEEDS PA"), std::string::npos) << all_text(d);
}

}  // namespace
}  // namespace rxgate::rules::test
