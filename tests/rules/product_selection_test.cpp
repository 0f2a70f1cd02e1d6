// Product selection (issue 12, build item 3): 408-D8 DAW codes 0-9 against the plan's [daw]
// policy, the brand penalty reported in 134-UK, the generic-required rejects (UU on DAW 0, AJ
// otherwise), 8K for a code the plan does not accept, and DAW under a PA policy.
//
// The demo plan's Toprol-XL 50 mg (90001000207, tier 3, a multi-source brand through its drug key)
// and its generic metoprolol succinate ER 50 mg (90001000205, tier 1) for 30 tablets / 30 days:
//   brand:   AWP 87.00 - 16 % = 73.08 (lowest basis), fee 1.75: gross 74.83; tier 3 30 % min 40.00
//   generic: MAC 4.20, fee 1.75: gross 5.95; tier 1 flat 5.00
//   difference (brand - generic ingredient): 68.88
#include <functional>
#include <map>

#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

using namespace codec::literals;

constexpr std::string_view toprol = "90001000207";
constexpr std::string_view metoprolol = "90001000205";

// The demo plan with `edit` applied (a plan is plain data until a plan_set holds it).
std::shared_ptr<const plan_set> demo_with(const std::function<void(plan&)>& edit) {
  std::vector<std::string> problems;
  auto p = load_plan_folder(plans_dir() + "/demo", problems);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems[0]);
  edit(*p);
  std::vector<std::unique_ptr<plan>> plans;
  plans.push_back(std::move(p));
  return std::make_shared<const plan_set>(std::move(plans));
}

// The demo plan with every DAW code set to `action` (cached per action).
const plan_set& all_codes(daw_action action) {
  static std::map<daw_action, std::shared_ptr<const plan_set>> cache;
  auto& slot = cache[action];
  if (!slot) slot = demo_with([action](plan& p) { p.daw.fill(action); });
  return *slot;
}

codec::claim claim_for(std::string_view ndc, char daw) {
  codec::claim c = base_claim();
  c.product_id = ndc;
  static const std::string codes = "0123456789";
  c.daw = std::string_view(codes).substr(static_cast<std::size_t>(daw - '0'), 1);
  return c;
}

decision decide_on(const plan_set& plans, const codec::claim& c, const member_history& h = {}) {
  decision d;
  adjudicate(c, plans, h, ymd(today_ymd), d);
  return d;
}

TEST(product_selection, the_demo_resolves_generics_by_generic_ndc_and_by_drug_key) {
  const plan& p = *demo_plans().plans()[0];
  const product* lipitor = p.find_product("90001000104");
  const product* toprol_xl = p.find_product(toprol);
  const product* apixaban = p.find_product("90001000504");
  ASSERT_TRUE(lipitor && toprol_xl && apixaban);
  ASSERT_NE(p.generic_of(*lipitor), nullptr);
  EXPECT_EQ(p.generic_of(*lipitor)->ndc, "90001000102");  // its generic_ndc
  const product* generic = p.generic_of(*toprol_xl);
  ASSERT_NE(generic, nullptr);
  EXPECT_EQ(generic->ndc, metoprolol);          // no generic_ndc: the drug key's generic
  EXPECT_EQ(p.generic_of(*generic), nullptr);   // a generic has no generic
  EXPECT_EQ(p.generic_of(*apixaban), nullptr);  // no brand/generic information
}

// Every DAW code against the demo policy, on the multi-source brand and on its generic.
struct demo_case {
  char daw;
  const char* brand_codes;  // "" = paid
  std::int64_t brand_patient_pay;
  std::optional<std::int64_t> brand_penalty;  // 134-UK
  const char* generic_codes;
};

const demo_case demo_cases[] = {
    {'0', "", 4000, std::nullopt, ""},    // brand
    {'1', "", 4000, std::nullopt, ""},    // brand (prescriber)
    {'2', "", 7388, 6888, ""},            // penalty: 5.00 generic copay + 68.88
    {'3', "AJ", 0, std::nullopt, ""},     // generic required
    {'4', "", 4000, std::nullopt, ""},    // brand (generic not in stock)
    {'5', "", 500, std::nullopt, ""},     // generic price: 5.95 gross, 5.00 copay
    {'6', "8K", 0, std::nullopt, "8K"},   // not supported, whatever the product
    {'7', "", 4000, std::nullopt, ""},
    {'8', "", 4000, std::nullopt, ""},
    {'9', "", 4000, std::nullopt, ""},
};

class demo_daw : public ::testing::TestWithParam<demo_case> {};

TEST_P(demo_daw, brand_and_generic) {
  const auto& dc = GetParam();
  const decision brand = decide(claim_for(toprol, dc.daw));
  EXPECT_EQ(codes(brand), dc.brand_codes);
  if (!*dc.brand_codes) {
    ASSERT_TRUE(brand.price);
    EXPECT_EQ(brand.price->patient_pay, dc.brand_patient_pay);
    EXPECT_EQ(brand.price->product_selection_brand, dc.brand_penalty);
    EXPECT_EQ(brand.price->total_paid,
              brand.price->ingredient_cost_paid + brand.price->dispensing_fee_paid - brand.price->patient_pay);
    ASSERT_EQ(brand.approved_message_count, 1);
    EXPECT_EQ(brand.approved_messages[0], "001");  // generic available
  }
  const decision generic = decide(claim_for(metoprolol, dc.daw));
  EXPECT_EQ(codes(generic), dc.generic_codes);
  if (!*dc.generic_codes) {
    ASSERT_TRUE(generic.price);
    EXPECT_EQ(generic.price->patient_pay, 500);
    EXPECT_FALSE(generic.price->product_selection_brand);
    EXPECT_EQ(generic.approved_message_count, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(demo, demo_daw, ::testing::ValuesIn(demo_cases),
                         [](const ::testing::TestParamInfo<demo_case>& p) { return std::string("daw_") + p.param.daw; });

// Every action with every DAW code: the brand's outcome, the generic's and a brand without
// generic (apixaban, no multi_source information) are decided as the action says.
TEST(product_selection, every_action_with_every_code) {
  const daw_action actions[] = {daw_action::brand, daw_action::penalty, daw_action::generic_price,
                                daw_action::generic_required, daw_action::prior_auth, daw_action::not_supported};
  for (auto action : actions) {
    for (char daw = '0'; daw <= '9'; ++daw) {
      SCOPED_TRACE(std::string(to_string(action)) + " DAW " + daw);
      const auto& plans = all_codes(action);
      std::string brand_expected;
      if (action == daw_action::generic_required) brand_expected = daw == '0' ? "UU" : "AJ";
      if (action == daw_action::prior_auth) brand_expected = "75";
      if (action == daw_action::not_supported) brand_expected = "8K";
      const decision brand = decide_on(plans, claim_for(toprol, daw));
      EXPECT_EQ(codes(brand), brand_expected);
      const std::string other_expected = action == daw_action::not_supported ? "8K" : "";
      EXPECT_EQ(codes(decide_on(plans, claim_for(metoprolol, daw))), other_expected);
      EXPECT_EQ(codes(decide_on(plans, claim_for("90001000504", daw))), other_expected);
      if (!brand_expected.empty()) {
        ASSERT_EQ(brand.rejects.count, 1);
        const auto field = brand.rejects.items[0].field;
        EXPECT_EQ(field, brand_expected == "AJ" ? "D7"_fid : brand_expected == "75" ? "EV"_fid : "D8"_fid);
      }
      if (brand_expected == "UU" || brand_expected == "AJ") {
        ASSERT_EQ(brand.preferred_count, 1);  // the generic to dispense
        EXPECT_EQ(brand.preferred[0].product_id, metoprolol);
      }
    }
  }
}

TEST(product_selection, penalty_on_the_brand_cost_share) {
  const auto plans = demo_with([](plan& p) {
    p.daw.fill(daw_action::penalty);
    p.daw_penalty_share = penalty_share::brand;
  });
  const decision d = decide_on(*plans, claim_for(toprol, '2'));
  ASSERT_TRUE(d.price) << codes(d);
  // Tier 3: 40.00 minimum; the difference 68.88 is cut to what is left of the 74.83 price.
  EXPECT_EQ(d.price->coinsurance, 4000);
  EXPECT_EQ(d.price->product_selection_brand, 3483);
  EXPECT_EQ(d.price->patient_pay, 7483);
  EXPECT_EQ(d.price->total_paid, 0);
}

TEST(product_selection, generic_price_pays_the_generic_ingredient_cost) {
  const decision d = decide(claim_for(toprol, '5'));
  ASSERT_TRUE(d.price) << codes(d);
  EXPECT_EQ(d.price->ingredient_cost_paid, 420);
  EXPECT_EQ(d.price->basis_of_reimbursement, "7");  // MAC, as the generic is priced
  EXPECT_EQ(d.price->copay, 500);
  EXPECT_EQ(d.price->total_paid, 95);
  EXPECT_EQ(d.tier, 3);  // the product is still reported as dispensed
}

// The penalty and the price: patient pay never exceeds the price (U&C lowers it), the penalty is
// never negative (a submitted cost under the generic's), and it is sent only when above zero.
struct penalty_case {
  const char* name;
  std::optional<std::int64_t> usual_customary, ingredient_cost;
  std::optional<std::int64_t> penalty;
  std::int64_t patient_pay, total_paid;
};

const penalty_case penalty_cases[] = {
    {"plain", std::nullopt, std::nullopt, 6888, 7388, 95},
    // U&C at copay + difference: the patient pays the whole price, the plan nothing
    {"uc_at_copay_plus_difference", 7388, std::nullopt, 6888, 7388, 0},
    {"uc_a_cent_under", 7387, std::nullopt, 6887, 7387, 0},
    {"uc_a_cent_over", 7389, std::nullopt, 6888, 7388, 1},
    {"uc_under_the_copay", 400, std::nullopt, std::nullopt, 400, 0},
    // submitted ingredient cost at, under and over the generic's 4.20
    {"cost_at_generic", std::nullopt, 420, std::nullopt, 500, 95},
    {"cost_under_generic", std::nullopt, 419, std::nullopt, 500, 94},
    {"cost_a_cent_over_generic", std::nullopt, 421, 1, 501, 95},
};

class brand_penalty : public ::testing::TestWithParam<penalty_case> {};

TEST_P(brand_penalty, prices) {
  const auto& pc = GetParam();
  codec::claim c = claim_for(toprol, '2');
  c.usual_customary = pc.usual_customary;
  c.ingredient_cost = pc.ingredient_cost;
  const decision d = decide(c);
  ASSERT_TRUE(d.price) << codes(d);
  EXPECT_EQ(d.price->product_selection_brand, pc.penalty);
  EXPECT_EQ(d.price->patient_pay, pc.patient_pay);
  EXPECT_EQ(d.price->total_paid, pc.total_paid);
  EXPECT_LE(d.price->patient_pay, d.price->ingredient_cost_paid + d.price->dispensing_fee_paid);
  EXPECT_GE(d.price->total_paid, 0);
}

INSTANTIATE_TEST_SUITE_P(demo, brand_penalty, ::testing::ValuesIn(penalty_cases),
                         [](const ::testing::TestParamInfo<penalty_case>& p) { return std::string(p.param.name); });

TEST(product_selection, prior_auth_policy_pays_the_brand_under_a_pa) {
  const auto& plans = all_codes(daw_action::prior_auth);
  const codec::claim c = claim_for(toprol, '1');
  const decision without = decide_on(plans, c);
  EXPECT_EQ(codes(without), "75");
  EXPECT_EQ(without.pa.pa_type, "1");
  std::vector<prior_authorization> auths = {pa("12345678901", toprol, 20260101, 20261231)};
  member_history h;
  h.authorizations = auths;
  const decision with = decide_on(plans, c, h);
  EXPECT_EQ(codes(with), "");
  ASSERT_TRUE(with.price);
  EXPECT_EQ(with.price->patient_pay, 4000);  // the brand's own cost share, no penalty
  EXPECT_FALSE(with.price->product_selection_brand);
}

TEST(product_selection, missing_daw_is_code_0) {
  codec::claim c = claim_for(toprol, '0');
  c.daw = {};
  EXPECT_EQ(codes(decide_on(all_codes(daw_action::generic_required), c)), "UU");
}

TEST(product_selection, compounds_are_not_subject_to_daw) {
  scenario s;
  compound(s);
  s.claim.daw = "6";
  member_history h;
  EXPECT_EQ(codes(decide_on(all_codes(daw_action::not_supported), s.claim, h)), "");
}

}  // namespace
}  // namespace rxgate::rules::test
