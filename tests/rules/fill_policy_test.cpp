// Transition and emergency fills and diagnosis-required coverage (issue 12, item 6). Demo plan:
// transition window 90 days, 30 days supply; emergency supply 3 days. DEMO1019 is covered from
// 20261116 (day 0 of the window; day 89 is 20270213). Nexium 90001000603 is not on the formulary
// (MR), aripiprazole 90001001407 needs a PA, semaglutide 90001000704 a PA and a step, orlistat
// 90001000902 is excluded; dulaglutide 90001000707 is covered for diagnoses E11* only.
#include "tests/rules/plan_variant.h"

namespace rxgate::rules::test {
namespace {

using namespace codec::literals;

int shift(int base, int days) {
  const auto d = codec::date::from_days(ymd(base).days() + days);
  return d.year * 10000 + d.month * 100 + d.day;
}

constexpr int coverage_from = 20261116;

// DEMO1019 on day `day` of coverage (processing date the same day), `ndc` 30 units for 30 days.
void new_member(scenario& s, int day, std::string_view ndc = "90001000603") {
  s.claim.cardholder_id = "DEMO1019";
  s.claim.date_of_birth = ymd(19910412);
  s.claim.gender = 2;
  s.claim.product_id = ndc;
  s.claim.date_of_service = ymd(shift(coverage_from, day));
  s.today = shift(coverage_from, day);
}

void long_member(scenario& s, std::string_view ndc) {  // DEMO1002, covered since 2025
  s.claim.cardholder_id = "DEMO1002";
  s.claim.date_of_birth = ymd(19581130);
  s.claim.gender = 2;
  s.claim.product_id = ndc;
}

void emergency(scenario& s, int days) {
  s.claim.level_of_service = "03";
  s.claim.days_supply = days;
  s.claim.quantity = days * 1000;
}

void diabetic(scenario& s, std::initializer_list<std::string_view> diagnoses) {
  s.claim.cardholder_id = "DEMO1011";
  s.claim.date_of_birth = ymd(19660606);
  s.claim.gender = 1;
  s.claim.product_id = "90001000707";
  s.claim.quantity = 4000;
  s.claim.days_supply = 28;
  s.claim.diagnosis_count = 0;
  for (auto dx : diagnoses) s.claim.diagnoses[s.claim.diagnosis_count++] = dx;
}

struct fill_case {
  const char* name;
  void (*setup)(scenario&);
  const char* codes;     // "" = paid
  const char* messages;  // 548-6F on a paid claim
};

const fill_case cases[] = {
    // transition window: days 0..89 of coverage
    {"transition_first_day", [](scenario& s) { new_member(s, 0); }, "", "006"},
    {"transition_day_89", [](scenario& s) { new_member(s, 89); }, "", "006"},
    {"transition_day_90", [](scenario& s) { new_member(s, 90); }, "MR", ""},
    {"transition_day_91", [](scenario& s) { new_member(s, 91); }, "MR", ""},
    {"transition_before_coverage", [](scenario& s) { new_member(s, -1); }, "67", ""},
    // transition days supply 30
    {"transition_days_at", [](scenario& s) { new_member(s, 10); s.claim.days_supply = 30; }, "", "006"},
    {"transition_days_over", [](scenario& s) { new_member(s, 10); s.claim.days_supply = 31; }, "MR RL", ""},
    // once per drug in the window; history decides
    {"transition_used", [](scenario& s) {
       new_member(s, 40);
       s.fills.push_back(fill("90001000603", "PPI", shift(coverage_from, 5), 30000, 30));
     }, "MR", ""},
    {"transition_used_on_day_0", [](scenario& s) {
       new_member(s, 40);
       s.fills.push_back(fill("90001000603", "PPI", coverage_from, 30000, 30));
     }, "MR", ""},
    {"transition_other_drug_filled", [](scenario& s) {
       new_member(s, 40);
       s.fills.push_back(fill("90001000102", "STATIN", shift(coverage_from, 5), 30000, 30));
     }, "", "006"},
    {"transition_fill_before_coverage_does_not_count", [](scenario& s) {
       new_member(s, 40);
       s.fills.push_back(fill("90001000603", "PPI", shift(coverage_from, -1), 30000, 30));
     }, "", "006"},
    // what a transition fill lifts: MR, 75, 608; not an exclusion
    {"transition_pa_drug", [](scenario& s) { new_member(s, 10, "90001001407"); }, "", "005"},
    {"transition_pa_and_step_drug", [](scenario& s) {
       new_member(s, 10, "90001000704");
       s.claim.quantity = 3000;
       s.claim.days_supply = 28;
     }, "", "005 007"},
    {"transition_pa_on_file_is_a_regular_fill", [](scenario& s) {
       new_member(s, 10, "90001001407");
       s.auths.push_back(pa("12345678901", "90001001407", coverage_from, 20271231));
     }, "", ""},
    {"transition_excluded_drug", [](scenario& s) { new_member(s, 10, "90001000902"); }, "70", ""},
    {"transition_not_for_long_members", [](scenario& s) { long_member(s, "90001000603"); }, "MR", ""},
    // emergency supply: 3 days of a PA drug, signalled by 418-DI 3 or 420-DK 13
    {"emergency_at", [](scenario& s) { long_member(s, "90001001407"); emergency(s, 3); }, "", "009"},
    {"emergency_under", [](scenario& s) { long_member(s, "90001001407"); emergency(s, 2); }, "", "009"},
    {"emergency_over", [](scenario& s) { long_member(s, "90001001407"); emergency(s, 4); }, "75 TN", ""},
    {"emergency_not_signalled", [](scenario& s) {
       long_member(s, "90001001407"); emergency(s, 3); s.claim.level_of_service = "02";
     }, "75", ""},
    {"emergency_level_of_service_one_digit", [](scenario& s) {
       long_member(s, "90001001407"); emergency(s, 3); s.claim.level_of_service = "3";
     }, "", "009"},
    {"emergency_by_scc_13", [](scenario& s) {
       long_member(s, "90001001407"); emergency(s, 3); s.claim.level_of_service = {};
       s.claim.scc[0] = 13; s.claim.scc_count = 1;
     }, "", "009"},
    {"emergency_does_not_lift_non_formulary", [](scenario& s) { long_member(s, "90001000603"); emergency(s, 3); }, "MR", ""},
    {"emergency_does_not_lift_step", [](scenario& s) {
       long_member(s, "90001000705"); emergency(s, 3);  // empagliflozin: step only
     }, "608", ""},
    {"emergency_pa_on_file_is_a_regular_fill", [](scenario& s) {
       long_member(s, "90001001407"); emergency(s, 3);
       s.auths.push_back(pa("12345678901", "90001001407", 20260101, 20261231));
     }, "", ""},
    {"transition_before_emergency", [](scenario& s) { new_member(s, 10, "90001001407"); emergency(s, 3); }, "", "005"},
    // diagnosis-required coverage
    {"diagnosis_missing", [](scenario& s) { diabetic(s, {}); }, "39", ""},
    {"diagnosis_full_code", [](scenario& s) { diabetic(s, {"E119"}); }, "", ""},
    {"diagnosis_category_itself", [](scenario& s) { diabetic(s, {"E11"}); }, "", ""},
    {"diagnosis_shorter_than_prefix", [](scenario& s) { diabetic(s, {"E1"}); }, "80", ""},
    {"diagnosis_neighbour_category", [](scenario& s) { diabetic(s, {"E10"}); }, "80", ""},
    {"diagnosis_second_matches", [](scenario& s) { diabetic(s, {"I10", "E1165"}); }, "", ""},
    {"diagnosis_other", [](scenario& s) { diabetic(s, {"I10"}); }, "80", ""},
    {"diagnosis_not_lifted_by_transition", [](scenario& s) {
       new_member(s, 10, "90001000707"); s.claim.quantity = 4000; s.claim.days_supply = 28;
     }, "39", ""},
};

class fill_policy : public ::testing::TestWithParam<fill_case> {};

TEST_P(fill_policy, decides) {
  scenario s;
  GetParam().setup(s);
  const auto d = s.run();
  EXPECT_EQ(codes(d), GetParam().codes);
  EXPECT_EQ(d.status, *GetParam().codes ? 'R' : 'P');
  EXPECT_EQ(messages(d), GetParam().messages);
}

INSTANTIATE_TEST_SUITE_P(table, fill_policy, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<fill_case>& p) { return std::string(p.param.name); });

TEST(fill_policy_detail, transition_fill_says_until_when) {
  scenario s;
  new_member(s, 10);
  const auto d = s.run();
  ASSERT_EQ(d.status, 'P') << codes(d);
  EXPECT_EQ(d.fill, fill_kind::transition);
  EXPECT_EQ(d.preferred_count, 0);
  EXPECT_EQ(all_text(d), "TRANSITION FILL. GET PA OR CHANGE DRUG BY 20270213|");
}

TEST(fill_policy_detail, over_the_days_supply_says_how_many) {
  scenario s;
  new_member(s, 10);
  s.claim.days_supply = 31;
  auto d = s.run();
  ASSERT_EQ(codes(d), "MR RL");
  EXPECT_EQ(d.rejects.items[1].field, "D5"_fid);
  EXPECT_NE(all_text(d).find("TRANSITION FILL PAYS UP TO 30 DAYS SUPPLY"), std::string::npos) << all_text(d);
  EXPECT_GT(d.preferred_count, 0);  // the MR's alternatives stay
  scenario e;
  long_member(e, "90001001407");
  emergency(e, 4);
  d = e.run();
  ASSERT_EQ(codes(d), "75 TN");
  EXPECT_NE(all_text(d).find("EMERGENCY FILL PAYS UP TO 3 DAYS SUPPLY"), std::string::npos) << all_text(d);
}

TEST(fill_policy_detail, emergency_fill_keeps_the_pa_state) {
  scenario s;
  long_member(s, "90001001407");
  emergency(s, 3);
  const auto d = s.run();
  ASSERT_EQ(d.status, 'P') << codes(d);
  EXPECT_EQ(d.fill, fill_kind::emergency);
  EXPECT_TRUE(d.pa.required);
  EXPECT_EQ(d.pa.state, pa_state::required_missing);
}

TEST(fill_policy_detail, plans_without_transition_or_emergency) {
  const auto& plans = demo_variant("no-fills", {{"window_days = 90", "window_days = 0"},
                                                {"[emergency]\ndays_supply = 3", "[emergency]\ndays_supply = 0"}});
  scenario s;
  new_member(s, 10);
  EXPECT_EQ(codes(decide_on(plans, s)), "MR");
  scenario e;
  long_member(e, "90001001407");
  emergency(e, 3);
  EXPECT_EQ(codes(decide_on(plans, e)), "75");
}

TEST(fill_policy_detail, diagnosis_reject_lists_the_codes) {
  scenario s;
  diabetic(s, {});
  auto d = s.run();
  ASSERT_EQ(codes(d), "39");
  EXPECT_EQ(d.rejects.items[0].field, "DO"_fid);
  EXPECT_EQ(all_text(d), "DIAGNOSIS REQUIRED IN 424-DO: E11|");
  diabetic(s, {"I10"});
  d = s.run();
  ASSERT_EQ(codes(d), "80");
  EXPECT_EQ(all_text(d), "DIAGNOSIS NOT COVERED FOR THIS DRUG. COVERED 424-DO: E11|");
}

}  // namespace
}  // namespace rxgate::rules::test
