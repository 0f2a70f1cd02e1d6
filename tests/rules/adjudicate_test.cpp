// Every rule of adjudicate() against the synthetic demo plan (config/plans/demo): one row per rule,
// override and outcome, each asserting the status, the reject codes in order and the field at fault.
#include <functional>
#include <vector>

#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

using namespace codec::literals;

struct rule_case {
  const char* name;
  std::function<void(scenario&)> setup;
  char status;
  const char* codes;            // reject codes in payer order, space separated
  codec::field_id first_field;  // field of the first reject (0 = none expected)
  std::uint8_t first_occurrence = 0;
};

const rule_case cases[] = {
    {"paid_generic", [](scenario&) {}, 'P', "", 0},
    // routing
    {"unknown_bin", [](scenario& s) { s.claim.bin = "610000"; }, 'R', "01", "A1"_fid},
    {"unknown_pcn", [](scenario& s) { s.claim.pcn = "OTHER"; }, 'R', "04", "A4"_fid},
    {"unknown_group", [](scenario& s) { s.claim.group_id = "NOPE"; }, 'R', "06", "C1"_fid},
    {"plan_not_in_force", [](scenario& s) { s.claim.date_of_service = ymd(20241215); s.today = 20241220; }, 'R', "65", "C1"_fid},
    {"routes_second_group", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1014"; s.claim.group_id = "DEMO02"; s.claim.date_of_birth = ymd(19830412);
     }, 'P', "", 0},
    {"routes_second_plan_by_bin", [](scenario& s) {
       s.claim.bin = "610998"; s.claim.pcn = "RXGMCD"; s.claim.group_id = "MCD01";
       s.claim.cardholder_id = "MCD2001"; s.claim.person_code = "01"; s.claim.date_of_birth = ymd(19990101);
       s.claim.product_id = "90001000101";
     }, 'P', "", 0},
    // dates
    {"post_dated", [](scenario& s) { s.claim.date_of_service = ymd(20261124); }, 'R', "82", "D1"_fid},
    {"too_old", [](scenario& s) { s.claim.date_of_service = ymd(20260801); }, 'R', "81", "D1"_fid},
    // eligibility
    {"member_not_found", [](scenario& s) { s.claim.cardholder_id = "NOBODY"; }, 'R', "52", "C2"_fid},
    {"person_code_unknown", [](scenario& s) { s.claim.person_code = "009"; }, 'R', "53", "C3"_fid},
    {"no_person_code_matches_dob", [](scenario& s) { s.claim.person_code = ""; }, 'P', "", 0},
    {"dob_mismatch", [](scenario& s) { s.claim.date_of_birth = ymd(19700316); }, 'R', "09", "C4"_fid},
    {"gender_mismatch", [](scenario& s) { s.claim.gender = 2; }, 'R', "10", "C5"_fid},
    {"relationship_mismatch", [](scenario& s) { s.claim.relationship = 3; }, 'R', "11", "C6"_fid},
    {"member_in_other_group", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1014"; s.claim.date_of_birth = ymd(19830412);
     }, 'R', "65", "C1"_fid},
    {"coverage_not_started", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1007"; s.claim.date_of_birth = ymd(19900909);
     }, 'R', "67", "D1"_fid},
    {"coverage_expired", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1006"; s.claim.date_of_birth = ymd(19750505); s.claim.gender = 2;
     }, 'R', "68", "D1"_fid},
    {"coverage_terminated", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1005"; s.claim.date_of_birth = ymd(19800101);
     }, 'R', "69", "D1"_fid},
    {"terminated_member_before_termination", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1005"; s.claim.date_of_birth = ymd(19800101);
       s.claim.date_of_service = ymd(20260615); s.today = 20260620;
     }, 'P', "", 0},
    // network
    {"pharmacy_unknown", [](scenario& s) { s.claim.provider_id = "9999999999"; }, 'R', "50", "B1"_fid},
    {"pharmacy_out_of_network", [](scenario& s) { s.claim.provider_id = "4444444446"; }, 'R', "40", "B1"_fid},
    {"specialty_drug_at_retail", [](scenario& s) {
       specialty(s); s.claim.provider_id = "1111111112";
       s.auths.push_back(pa("12345678901", "90001000801", 20260101, 20261231));
     }, 'R', "G6", "B1"_fid},
    // product
    {"product_unknown", [](scenario& s) { s.claim.product_id = "90001099999"; }, 'R', "54", "D7"_fid},
    {"product_excluded", [](scenario& s) { s.claim.product_id = "90001000902"; }, 'R', "70", "D7"_fid},
    {"product_not_on_formulary", [](scenario& s) { s.claim.product_id = "90001000603"; }, 'R', "MR", "D7"_fid},
    {"age_limit", [](scenario& s) { s.claim.product_id = "90001000906"; }, 'R', "60", "C4"_fid},
    {"age_limit_child_ok", [](scenario& s) {
       s.claim.product_id = "90001000906"; s.claim.person_code = "003"; s.claim.relationship = 3;
       s.claim.date_of_birth = ymd(20150402); s.claim.gender = 2;
     }, 'P', "", 0},
    {"gender_limit", [](scenario& s) { s.claim.product_id = "90001000903"; }, 'R', "61", "C5"_fid},
    // prior authorization
    {"pa_required", [](scenario& s) { specialty(s); }, 'R', "75", "EV"_fid},
    {"pa_on_file", [](scenario& s) {
       specialty(s); s.auths.push_back(pa("12345678901", "90001000801", 20260101, 20261231));
     }, 'P', "", 0},
    {"pa_for_class_on_file", [](scenario& s) {
       specialty(s);
       auto a = pa("12345678902", "", 20260101, 20261231);
       a.therapeutic_class = "TNF_BLOCKER";
       s.auths.push_back(a);
     }, 'P', "", 0},
    {"pa_number_submitted", [](scenario& s) {
       specialty(s); s.claim.pa_type = "1"; s.claim.pa_number = "12345678901";
       s.auths.push_back(pa("12345678901", "90001000801", 20260101, 20261231));
     }, 'P', "", 0},
    {"pa_expired", [](scenario& s) {
       specialty(s); s.auths.push_back(pa("12345678901", "90001000801", 20250101, 20251231));
     }, 'R', "75", "EV"_fid},
    {"pa_revoked", [](scenario& s) {
       specialty(s);
       auto a = pa("12345678901", "90001000801", 20260101, 20261231);
       a.revoked = true;
       s.auths.push_back(a);
     }, 'R', "75", "EV"_fid},
    {"pa_number_for_other_drug", [](scenario& s) {
       specialty(s); s.claim.pa_type = "1"; s.claim.pa_number = "12345678901";
       s.auths.push_back(pa("12345678901", "90001000802", 20260101, 20261231));
     }, 'R', "64", "EV"_fid},
    {"pa_quantity_over_authorized", [](scenario& s) {
       specialty(s);
       auto a = pa("12345678901", "90001000801", 20260101, 20261231);
       a.max_quantity = 1000;
       s.auths.push_back(a);
     }, 'R', "64", "EV"_fid},
    {"pa_emergency_override", [](scenario& s) {
       specialty(s); s.claim.pa_type = "9"; s.claim.pa_number = "91100000002";
     }, 'P', "", 0},
    // step therapy
    {"step_therapy_missing", [](scenario& s) { s.claim.product_id = "90001000705"; }, 'R', "608", "D7"_fid},
    {"step_therapy_met_by_class", [](scenario& s) {
       s.claim.product_id = "90001000705";
       s.fills.push_back(fill("90001000701", "BIGUANIDE", 20260601, 60000, 30));
     }, 'P', "", 0},
    {"step_therapy_fill_too_old", [](scenario& s) {
       s.claim.product_id = "90001000705";
       s.fills.push_back(fill("90001000701", "BIGUANIDE", 20250101, 60000, 30));
     }, 'R', "608", "D7"_fid},
    {"pa_and_step_both_missing", [](scenario& s) { s.claim.product_id = "90001000704"; s.claim.quantity = 3000; s.claim.days_supply = 28; },
     'R', "75 608", "EV"_fid},
    // limits
    {"days_supply_over_retail", [](scenario& s) { s.claim.days_supply = 60; s.claim.quantity = 60000; }, 'R', "7X", "D5"_fid},
    {"days_supply_mail_ok", [](scenario& s) {
       s.claim.days_supply = 90; s.claim.quantity = 90000; s.claim.provider_id = "3333333338";
     }, 'P', "", 0},
    // issue 12 loophole: 147-U7 = 6 (mail order) from a retail pharmacy does not buy mail day supplies
    {"mail_service_type_at_retail_pharmacy", [](scenario& s) {
       s.claim.days_supply = 90; s.claim.quantity = 90000; s.claim.pharmacy_service_type = "6";
     }, 'R', "7X", "D5"_fid},
    {"retail_service_type_at_mail_pharmacy", [](scenario& s) {
       s.claim.days_supply = 90; s.claim.quantity = 90000; s.claim.provider_id = "3333333338";
       s.claim.pharmacy_service_type = "1";
     }, 'P', "", 0},
    {"days_supply_product_limit", [](scenario& s) { s.claim.product_id = "90001001001"; s.claim.days_supply = 21; }, 'R', "AG", "D5"_fid},
    {"quantity_limit", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1012"; s.claim.date_of_birth = ymd(19880808);
       s.claim.product_id = "90001000401"; s.claim.quantity = 150000; s.claim.days_supply = 30;
     }, 'R', "76", "E7"_fid},
    {"quantity_limit_accumulated", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1012"; s.claim.date_of_birth = ymd(19880808);
       s.claim.product_id = "90001000401"; s.claim.quantity = 30000; s.claim.days_supply = 7;
       s.fills.push_back(fill("90001000401", "OPIOID", 20261020, 100000, 7));
     }, 'R', "76", "E7"_fid},
    // refill too soon
    {"refill_too_soon", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", 20261012, 30000, 30));
     }, 'R', "79", "D1"_fid},
    {"refill_on_time", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", 20261008, 30000, 30));
     }, 'P', "", 0},
    {"refill_too_soon_vacation_scc", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", 20261012, 30000, 30));
       s.claim.scc[0] = 3; s.claim.scc_count = 1;
     }, 'P', "", 0},
    {"refill_too_soon_scc_not_in_plan_list", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", 20261012, 30000, 30));
       s.claim.scc[0] = 7; s.claim.scc_count = 1;
     }, 'R', "79", "D1"_fid},
    {"refill_too_soon_emergency_pa", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", 20261012, 30000, 30));
       s.claim.pa_type = "9"; s.claim.pa_number = "91100000001";
     }, 'P', "", 0},
    // DUR
    {"dur_interaction_major", [](scenario& s) {
       s.claim.product_id = "90001000301";
       s.fills.push_back(fill("90001000305", "MAOI", 20261020, 60000, 30));
     }, 'R', "88", 0},
    {"dur_interaction_overridden", [](scenario& s) {
       s.claim.product_id = "90001000301";
       s.fills.push_back(fill("90001000305", "MAOI", 20261020, 60000, 30));
       s.claim.dur_pps_count = 1;
       s.claim.dur_pps[0] = {"DD", "M0", "1G", "11", "", ""};
     }, 'P', "", 0},
    {"dur_override_with_wrong_result", [](scenario& s) {
       s.claim.product_id = "90001000301";
       s.fills.push_back(fill("90001000305", "MAOI", 20261020, 60000, 30));
       s.claim.dur_pps_count = 1;
       s.claim.dur_pps[0] = {"DD", "M0", "2A", "11", "", ""};
     }, 'R', "88", 0},
    {"dur_interaction_finished_therapy", [](scenario& s) {
       s.claim.product_id = "90001000301";
       s.fills.push_back(fill("90001000305", "MAOI", 20260901, 60000, 30));
     }, 'P', "", 0},
    {"dur_interaction_moderate_informs", [](scenario& s) {
       s.claim.product_id = "90001000204";
       s.fills.push_back(fill("90001000201", "ACE_INHIBITOR", 20261020, 30000, 30));
     }, 'P', "", 0},
    {"dur_duplicate_therapy", [](scenario& s) {
       s.claim.product_id = "90001000301";
       s.fills.push_back(fill("90001000302", "SSRI", 20261020, 30000, 30));
     }, 'R', "88", 0},
    {"dur_drug_allergy", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1009"; s.claim.date_of_birth = ymd(19920202);
       s.claim.product_id = "90001001001"; s.claim.days_supply = 10; s.claim.quantity = 30000;
     }, 'R', "88", 0},
    {"dur_high_dose", [](scenario& s) {
       s.claim.product_id = "90001000402"; s.claim.quantity = 100000; s.claim.days_supply = 10;
     }, 'R', "88", 0},
    // other coverage
    {"other_primary_coverage", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1008"; s.claim.date_of_birth = ymd(19681010); s.claim.gender = 2;
     }, 'R', "41", "C8"_fid},
    {"secondary_after_primary_paid", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1008"; s.claim.date_of_birth = ymd(19681010); s.claim.gender = 2;
       s.claim.other_coverage_code = "2";
       const codec::other_payer_amount paid[] = {{"07", 300}};
       s.claim.add_other_payer({"01", "03", "610111", ymd(20261101)}, paid);
     }, 'P', "", 0},
    // compounds
    {"compound_paid", [](scenario& s) { compound(s); }, 'P', "", 0},
    {"compound_unknown_ingredient", [](scenario& s) {
       compound(s); s.claim.ingredients[1].product_id = "90001099999";
     }, 'R', "54", "TE"_fid, 2},
    {"compound_ingredient_not_compoundable", [](scenario& s) {
       compound(s); s.claim.ingredients[2].product_id = "90001000102";
     }, 'R', "70", "TE"_fid, 3},
    {"compound_ingredient_needs_pa", [](scenario& s) {
       compound(s); s.claim.ingredients[0].product_id = "90001001307";
     }, 'R', "75", "TE"_fid, 1},
    // issue 12 defect 2: compounds are held to the days-supply limits (retail 34 days here)
    {"compound_days_over_retail", [](scenario& s) { compound(s); s.claim.days_supply = 45; }, 'R', "7X", "D5"_fid},
    {"compound_days_at_retail_max", [](scenario& s) { compound(s); s.claim.days_supply = 34; }, 'P', "", 0},
    // transactions and the claim key
    {"eligibility", [](scenario& s) { s.claim.transaction_code = "E1"; s.claim.has_claim = false; }, 'A', "", 0},
    {"eligibility_unknown_member", [](scenario& s) {
       s.claim.transaction_code = "E1"; s.claim.cardholder_id = "NOBODY";
     }, 'R', "52", "C2"_fid},
    {"duplicate_of_paid", [](scenario& s) {
       key_match k; k.claim_id = 41; k.authorization_number = "RXG0000000041";
       k.request_fingerprint = fingerprint(s.claim); k.price = codec::pricing{}; k.price->total_paid = 1234;
       s.key = k;
     }, 'D', "", 0},
    {"different_claim_same_key", [](scenario& s) {
       key_match k; k.claim_id = 41; k.request_fingerprint = fingerprint(s.claim) + 1; s.key = k;
     }, 'R', "83", "D2"_fid},
    {"rebill_after_reversal_is_new", [](scenario& s) {
       key_match k; k.claim_id = 41; k.reversed = true; k.request_fingerprint = 1; s.key = k;
     }, 'P', "", 0},
    {"reversal_of_paid", [](scenario& s) {
       s.claim.transaction_code = "B2"; key_match k; k.claim_id = 41; s.key = k;
     }, 'A', "", 0},
    {"second_reversal", [](scenario& s) {
       s.claim.transaction_code = "B2"; key_match k; k.claim_id = 41; k.reversed = true; s.key = k;
     }, 'S', "", 0},
    {"reversal_without_claim", [](scenario& s) { s.claim.transaction_code = "B2"; }, 'R', "87", 0},
    {"rebill_of_paid", [](scenario& s) {
       s.claim.transaction_code = "B3"; key_match k; k.claim_id = 41; s.key = k;
       // The claim being rebilled is in the member's history; it must not trip refill-too-soon.
       s.fills.push_back(fill("90001000102", "STATIN", dos_ymd, 30000, 30, "1111111112", 41));
     }, 'P', "", 0},
    {"rebill_without_claim", [](scenario& s) { s.claim.transaction_code = "B3"; }, 'R', "87", 0},
    // A retransmit of the rebill that holds the key gets its stored answer, not a second rebill.
    {"rebill_retransmit", [](scenario& s) {
       s.claim.transaction_code = "B3";
       key_match k; k.claim_id = 42; k.authorization_number = "RXG0000000042";
       k.request_fingerprint = fingerprint(s.claim); k.price = codec::pricing{}; k.price->total_paid = 1234;
       s.key = k;
     }, 'D', "", 0},
    // A rebill with the very fields of the paid B1 is still a rebill.
    {"rebill_with_the_paid_claims_fields", [](scenario& s) {
       key_match k; k.claim_id = 41; k.request_fingerprint = fingerprint(s.claim); s.key = k;
       s.claim.transaction_code = "B3";
     }, 'P', "", 0},
    {"codec_rejects_repeat", [](scenario& s) { s.claim.rejects.push("E7", "E7"_fid); }, 'R', "E7", "E7"_fid},
};

class rule : public ::testing::TestWithParam<rule_case> {};

TEST_P(rule, decides) {
  const auto& rc = GetParam();
  scenario s;
  rc.setup(s);
  const decision d = s.run();
  EXPECT_EQ(d.status, rc.status);
  EXPECT_EQ(codes(d), rc.codes);
  if (d.rejects.count > 0) {
    EXPECT_EQ(d.rejects.items[0].field, rc.first_field) << "first reject's field";
    EXPECT_EQ(d.rejects.items[0].occurrence, rc.first_occurrence);
    EXPECT_FALSE(d.price.has_value());
  }
  if (rc.status == 'P') {
    ASSERT_TRUE(d.price.has_value());
    const auto& p = *d.price;
    EXPECT_EQ(p.total_paid, p.ingredient_cost_paid + p.dispensing_fee_paid - p.patient_pay -
                                p.other_payer_recognized.value_or(0)) << "F9 arithmetic";
  }
}

INSTANTIATE_TEST_SUITE_P(demo, rule, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<rule_case>& p) { return std::string(p.param.name); });

// ---- details the table does not show --------------------------------------------------------

TEST(details, refill_too_soon_next_date_and_alert) {
  scenario s;
  s.fills.push_back(fill("90001000102", "STATIN", 20261012, 30000, 30, "6666666662"));
  const auto d = s.run();
  ASSERT_TRUE(d.refill_too_soon);
  // 80% of 30 days = 24 days after 2026-10-12.
  EXPECT_EQ(d.refill_too_soon->next_allowed, ymd(20261105));
  EXPECT_EQ(d.refill_too_soon->last_fill, ymd(20261012));
  EXPECT_FALSE(d.refill_too_soon->same_pharmacy);
  ASSERT_EQ(d.dur_count, 1);
  EXPECT_EQ(d.dur[0].reason, "ER");
  EXPECT_EQ(d.dur[0].other_pharmacy, "3");
  EXPECT_EQ(d.dur[0].previous_fill, ymd(20261012));
  EXPECT_EQ(d.dur[0].previous_quantity, 30000);
  ASSERT_GE(d.text_count, 1);
  EXPECT_NE(d.text(0).find("20261105"), std::string_view::npos) << d.text(0);
}

TEST(details, pa_flags) {
  scenario s;
  specialty(s);
  auto d = s.run();
  EXPECT_TRUE(d.pa.required);
  EXPECT_EQ(d.pa.pa_type, "1");
  EXPECT_EQ(d.pa.state, pa_state::required_missing);
  EXPECT_EQ(d.help_desk_phone, "8005550100");

  s.auths.push_back(pa("12345678901", "90001000801", 20260101, 20261231));
  d = s.run();
  EXPECT_EQ(d.pa.state, pa_state::on_file);
  EXPECT_EQ(d.pa.pa_number, "12345678901");

  s.auths[0] = pa("12345678901", "90001000801", 20250101, 20251231);
  d = s.run();
  EXPECT_EQ(d.pa.state, pa_state::on_file_expired);
  EXPECT_EQ(d.pa.expired_on, ymd(20251231));

  s.auths[0] = pa("12345678901", "90001000801", 20260101, 20261231);
  s.claim.pa_type = "1";
  s.claim.pa_number = "12345678901";
  d = s.run();
  EXPECT_EQ(d.pa.state, pa_state::number_accepted);
}

TEST(details, step_therapy_flags) {
  scenario s;
  s.claim.product_id = "90001000705";
  auto d = s.run();
  EXPECT_TRUE(d.pa.step_therapy_required);
  EXPECT_FALSE(d.pa.step_therapy_satisfied);
  s.fills.push_back(fill("90001000703", "SULFONYLUREA", 20260901, 30000, 30));
  d = s.run();
  EXPECT_TRUE(d.pa.step_therapy_satisfied);
}

TEST(details, not_on_formulary_lists_alternatives) {
  scenario s;
  s.claim.product_id = "90001000603";
  const auto d = s.run();
  ASSERT_EQ(d.preferred_count, 2);
  EXPECT_EQ(d.preferred[0].product_id, "90001000601");
  EXPECT_EQ(d.preferred[0].description, "OMEPRAZOLE 20 MG CAPSULE");
  EXPECT_EQ(d.preferred[1].product_id, "90001000602");
}

TEST(details, quantity_limit_detail) {
  scenario s;
  s.claim.cardholder_id = "DEMO1012";
  s.claim.date_of_birth = ymd(19880808);
  s.claim.product_id = "90001000401";
  s.claim.quantity = 30000;
  s.claim.days_supply = 7;
  s.fills.push_back(fill("90001000401", "OPIOID", 20261020, 100000, 7));
  const auto d = s.run();
  ASSERT_TRUE(d.limit);
  EXPECT_EQ(d.limit->max_quantity, 120000);
  EXPECT_EQ(d.limit->per_days, 30);
  EXPECT_EQ(d.limit->allowed_quantity, 20000);
}

TEST(details, days_supply_limit_detail) {
  scenario s;
  s.claim.days_supply = 60;
  const auto d = s.run();
  ASSERT_TRUE(d.limit);
  EXPECT_EQ(d.limit->max_days_supply, 34);
}

TEST(details, dur_alert_fields) {
  scenario s;
  s.claim.product_id = "90001000301";
  s.claim.prescriber_id = "1888888881";
  s.fills.push_back(fill("90001000305", "MAOI", 20261020, 60000, 30, "6666666662"));
  const auto d = s.run();
  ASSERT_EQ(d.dur_count, 1);
  EXPECT_EQ(d.dur[0].reason, "DD");
  EXPECT_EQ(d.dur[0].significance, "1");
  EXPECT_EQ(d.dur[0].other_pharmacy, "3");
  EXPECT_EQ(d.dur[0].other_prescriber, "2");
  EXPECT_EQ(d.dur[0].previous_fill, ymd(20261020));
  EXPECT_EQ(d.dur[0].free_text, "SEROTONIN SYNDROME RISK");
  EXPECT_EQ(d.dur_reject_mask, 1);
}

TEST(details, overridden_alert_stays_informational) {
  scenario s;
  s.claim.product_id = "90001000301";
  s.fills.push_back(fill("90001000305", "MAOI", 20261020, 60000, 30));
  s.claim.dur_pps_count = 1;
  s.claim.dur_pps[0] = {"DD", "M0", "1G", "", "", ""};
  const auto d = s.run();
  EXPECT_EQ(d.status, 'P');
  ASSERT_EQ(d.dur_count, 1);
  EXPECT_EQ(d.dur_reject_mask, 0);
}

TEST(details, other_payer_details) {
  scenario s;
  s.claim.cardholder_id = "DEMO1008";
  s.claim.date_of_birth = ymd(19681010);
  s.claim.gender = 2;
  const auto d = s.run();
  ASSERT_EQ(d.other_payer_count, 1);
  EXPECT_EQ(d.other_payers[0].id_qualifier, "03");
  EXPECT_EQ(d.other_payers[0].id, "610111");
  EXPECT_EQ(d.other_payers[0].pcn, "OTHERPCN");
  EXPECT_EQ(d.other_payers[0].group_id, "PRIM01");
  EXPECT_EQ(d.other_payers[0].cardholder_id, "OTH5550001");
  EXPECT_EQ(d.other_payers[0].help_desk_phone, "8005550199");
}

TEST(details, eligibility_reports_other_coverage) {
  scenario s;
  s.claim.transaction_code = "E1";
  s.claim.cardholder_id = "DEMO1008";
  s.claim.date_of_birth = ymd(19681010);
  s.claim.gender = 2;
  const auto d = s.run();
  EXPECT_EQ(d.status, 'A');
  EXPECT_EQ(d.other_payer_count, 1);
  EXPECT_FALSE(d.price);
}

TEST(details, duplicate_replays_original) {
  scenario s;
  key_match k;
  k.claim_id = 77;
  k.authorization_number = "RXG0000000077";
  k.request_fingerprint = fingerprint(s.claim);
  k.price = codec::pricing{};
  k.price->total_paid = 4321;
  s.key = k;
  const auto d = s.run();
  EXPECT_EQ(d.status, 'D');
  EXPECT_EQ(d.authorization(), "RXG0000000077");
  EXPECT_EQ(d.replaces_claim_id, 77);
  ASSERT_TRUE(d.price);
  EXPECT_EQ(d.price->total_paid, 4321);
}

TEST(details, reversal_sets_replaced_claim) {
  scenario s;
  s.claim.transaction_code = "B2";
  key_match k;
  k.claim_id = 55;
  s.key = k;
  EXPECT_EQ(s.run().replaces_claim_id, 55);
  s.claim.transaction_code = "B3";
  EXPECT_EQ(s.run().replaces_claim_id, 55);
  EXPECT_EQ(s.run().status, 'P');
}

TEST(details, authorization_left_to_the_server) {
  scenario s;
  EXPECT_EQ(s.run().authorization(), "");
}

TEST(details, routing_records_plan) {
  scenario s;
  const auto d = s.run();
  EXPECT_EQ(d.plan_id, "demo");
  EXPECT_EQ(d.plan_version, 2u);
}

TEST(details, fingerprint_tracks_significant_fields) {
  auto a = base_claim();
  auto b = base_claim();
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  b.quantity = 31000;
  EXPECT_NE(fingerprint(a), fingerprint(b));
  b = base_claim();
  b.software_id = "OTHER";  // not significant
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  b = base_claim();
  b.transaction_code = "B3";  // a rebill is not a retransmit of the claim it replaces
  EXPECT_NE(fingerprint(a), fingerprint(b));
}

TEST(details, rebill_retransmit_gets_the_rebills_stored_answer) {
  scenario s;
  s.claim.transaction_code = "B3";
  key_match k;
  k.claim_id = 42;
  k.authorization_number = "RXG0000000042";
  k.request_fingerprint = fingerprint(s.claim);
  k.price = codec::pricing{};
  k.price->total_paid = 1234;
  s.key = k;
  const auto d = s.run();
  EXPECT_EQ(d.status, 'D');
  EXPECT_EQ(d.replaces_claim_id, 42);
  EXPECT_EQ(d.authorization(), "RXG0000000042");
  ASSERT_TRUE(d.price);
  EXPECT_EQ(d.price->total_paid, 1234);
}

TEST(details, eligibility_rejects_accumulate) {
  scenario s;
  s.claim.date_of_birth = ymd(19700316);
  s.claim.gender = 2;
  s.claim.relationship = 3;
  s.claim.cardholder_id = "DEMO1005";
  s.claim.person_code = "001";
  const auto d = s.run();
  EXPECT_EQ(codes(d), "09 10 11 69");
}

}  // namespace
}  // namespace rxgate::rules::test

namespace rxgate::rules::test {
namespace {

TEST(prefetch, never_changes_a_decision) {
  auto c = base_claim();
  const auto before = decide(c);
  prefetch(c, demo_plans(), 0);
  prefetch(c, demo_plans(), 1);
  auto unknown = base_claim();
  unknown.bin = "000000";
  unknown.cardholder_id = "NOBODY";
  prefetch(unknown, demo_plans(), 0);
  prefetch(unknown, demo_plans(), 1);
  const auto after = decide(c);
  EXPECT_EQ(after.status, before.status);
  EXPECT_EQ(after.price->total_paid, before.price->total_paid);
  EXPECT_EQ(after.price->patient_pay, 475);
}

}  // namespace
}  // namespace rxgate::rules::test
