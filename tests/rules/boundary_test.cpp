// Every limit, threshold and window of adjudicate() at its edge: one case at the boundary, one just
// inside and one just outside, so that flipping a comparison (< for <=), an off-by-one in a
// window or a dropped cap fails a row. Values come from the demo plan (config/plans/demo): retail
// 34 days, mail 90, refill-too-soon 80 %, step lookback 180 days, timely filing 90 days.
#include <functional>

#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

// `base` moved by `days` calendar days, as CCYYMMDD.
int shift(int base, int days) {
  const auto d = codec::date::from_days(ymd(base).days() + days);
  return d.year * 10000 + d.month * 100 + d.day;
}

// The date of service and the processing date together (for dates far from the default today).
// From 20280414 only F6 is taken (the demo plan's D.0 ends on the federal date), so a claim
// processed then is sent in F6 as a pharmacy would.
void on(scenario& s, int date) {
  s.claim.date_of_service = ymd(date);
  s.today = date;
  s.claim.version = date > 20280413 ? "F6" : "D0";
}

void opioid_member(scenario& s) {  // DEMO1012, oxycodone 5 mg: 120 per 30 days, 30 days max
  s.claim.cardholder_id = "DEMO1012";
  s.claim.date_of_birth = ymd(19880808);
  s.claim.product_id = "90001000401";
  s.claim.days_supply = 30;
}

void sertraline_on_phenelzine(scenario& s, int fill_date) {  // SSRI + MAOI: major, rejects 88
  s.claim.product_id = "90001000301";
  s.fills.push_back(fill("90001000305", "MAOI", fill_date, 30000, 30));
}

void empagliflozin_after_metformin(scenario& s, int fill_date) {  // step: BIGUANIDE in 180 days
  s.claim.product_id = "90001000705";
  s.fills.push_back(fill("90001000701", "BIGUANIDE", fill_date, 60000, 30));
}

struct boundary_case {
  const char* name;
  std::function<void(scenario&)> setup;
  const char* codes;  // "" = paid
};

constexpr int dos = dos_ymd;      // 20261101
constexpr int today = today_ymd;  // 20261123

const boundary_case cases[] = {
    // processing date: no date of service after today (82)
    {"future_at_today", [](scenario& s) { s.claim.date_of_service = ymd(today); }, ""},
    {"future_day_after_today", [](scenario& s) { s.claim.date_of_service = ymd(shift(today, 1)); }, "82"},
    // timely filing: 90 days back from today still counts (81 beyond)
    {"timely_at_limit", [](scenario& s) { s.claim.date_of_service = ymd(shift(today, -90)); }, ""},
    {"timely_inside", [](scenario& s) { s.claim.date_of_service = ymd(shift(today, -89)); }, ""},
    {"timely_past", [](scenario& s) { s.claim.date_of_service = ymd(shift(today, -91)); }, "81"},
    // versions by processing date: the demo plan takes F6 from 20260101, D.0 through the federal
    // 20280413 (1R outside; F6 and D.0 both stay open on the other side)
    {"f6_day_before_f6_from", [](scenario& s) { on(s, 20251231); s.claim.version = "F6"; }, "1R"},
    {"f6_on_f6_from", [](scenario& s) { on(s, 20260101); s.claim.version = "F6"; }, ""},
    {"d0_before_f6_from", [](scenario& s) { on(s, 20251231); s.claim.version = "D0"; }, ""},
    {"d0_on_d0_until", [](scenario& s) { on(s, 20280413); s.claim.version = "D0"; }, ""},
    {"d0_day_after_d0_until", [](scenario& s) { on(s, 20280414); s.claim.version = "D0"; }, "1R"},
    {"f6_day_after_d0_until", [](scenario& s) { on(s, 20280414); s.claim.version = "F6"; }, ""},
    // plan effective_from 20250101 (65 before)
    {"plan_first_day", [](scenario& s) { on(s, 20250101); }, ""},
    {"plan_day_before", [](scenario& s) { on(s, 20241231); }, "65"},
    // member coverage_from: DEMO1007 from 20270101 (67 before)
    {"coverage_first_day", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1007"; s.claim.date_of_birth = ymd(19900909); on(s, 20270101);
     }, ""},
    {"coverage_day_before", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1007"; s.claim.date_of_birth = ymd(19900909); on(s, 20261231);
     }, "67"},
    // coverage_to: DEMO1006 to 20251231 inclusive (68 after)
    {"coverage_last_day", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1006"; s.claim.date_of_birth = ymd(19750505); s.claim.gender = 2;
       on(s, 20251231);
     }, ""},
    {"coverage_day_after", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1006"; s.claim.date_of_birth = ymd(19750505); s.claim.gender = 2;
       on(s, 20260101);
     }, "68"},
    // terminated_on: DEMO1005 on 20260630 inclusive (69 after)
    {"terminated_last_day", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1005"; s.claim.date_of_birth = ymd(19800101); on(s, 20260630);
     }, ""},
    {"terminated_day_after", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1005"; s.claim.date_of_birth = ymd(19800101); on(s, 20260701);
     }, "69"},
    // min_age: donepezil from 40; DEMO1009 born 19920202 turns 40 on 20320202
    {"min_age_birthday", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1009"; s.claim.date_of_birth = ymd(19920202);
       s.claim.product_id = "90001000907"; on(s, 20320202);
     }, ""},
    {"min_age_day_before", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1009"; s.claim.date_of_birth = ymd(19920202);
       s.claim.product_id = "90001000907"; on(s, 20320201);
     }, "60"},
    {"min_age_above", [](scenario& s) {
       s.claim.cardholder_id = "DEMO1009"; s.claim.date_of_birth = ymd(19920202);
       s.claim.product_id = "90001000907"; on(s, 20330202);
     }, ""},
    // max_age: fluoride up to 16; DEMO1001/003 born 20150402 is 16 until 20320401
    {"max_age_last_day", [](scenario& s) {
       s.claim.person_code = "003"; s.claim.relationship = 3; s.claim.date_of_birth = ymd(20150402);
       s.claim.gender = 2; s.claim.product_id = "90001000906"; on(s, 20320401);
     }, ""},
    {"max_age_birthday_over", [](scenario& s) {
       s.claim.person_code = "003"; s.claim.relationship = 3; s.claim.date_of_birth = ymd(20150402);
       s.claim.gender = 2; s.claim.product_id = "90001000906"; on(s, 20320402);
     }, "60"},
    {"max_age_below", [](scenario& s) {
       s.claim.person_code = "003"; s.claim.relationship = 3; s.claim.date_of_birth = ymd(20150402);
       s.claim.gender = 2; s.claim.product_id = "90001000906"; on(s, 20310401);
     }, ""},
    // plan days supply: retail 34, mail 90 (7X over)
    {"retail_days_at_max", [](scenario& s) { s.claim.days_supply = 34; s.claim.quantity = 34000; }, ""},
    {"retail_days_under", [](scenario& s) { s.claim.days_supply = 33; s.claim.quantity = 33000; }, ""},
    {"retail_days_over", [](scenario& s) { s.claim.days_supply = 35; s.claim.quantity = 35000; }, "7X"},
    {"mail_days_at_max", [](scenario& s) {
       s.claim.provider_id = "3333333338"; s.claim.days_supply = 90; s.claim.quantity = 90000;
     }, ""},
    {"mail_days_over", [](scenario& s) {
       s.claim.provider_id = "3333333338"; s.claim.days_supply = 91; s.claim.quantity = 91000;
     }, "7X"},
    // product max_days_supply: amoxicillin 14 (AG over)
    {"product_days_at_max", [](scenario& s) { s.claim.product_id = "90001001001"; s.claim.days_supply = 14; }, ""},
    {"product_days_under", [](scenario& s) { s.claim.product_id = "90001001001"; s.claim.days_supply = 13; }, ""},
    {"product_days_over", [](scenario& s) { s.claim.product_id = "90001001001"; s.claim.days_supply = 15; }, "AG"},
    // quantity limit: 120 per 30 days, one thousandth over rejects 76
    {"quantity_at_limit", [](scenario& s) { opioid_member(s); s.claim.quantity = 120000; }, ""},
    {"quantity_under_limit", [](scenario& s) { opioid_member(s); s.claim.quantity = 119999; }, ""},
    {"quantity_over_limit", [](scenario& s) { opioid_member(s); s.claim.quantity = 120001; }, "76"},
    // accumulated quantity: the window is the 30 days ending on the date of service; a fill exactly
    // 30 days back has left it. Fills carry 0 days supply so refill-too-soon stays out of the way.
    {"accumulated_at_limit", [](scenario& s) {
       opioid_member(s); s.claim.quantity = 60000;
       s.fills.push_back(fill("90001000401", "OPIOID", shift(dos, -29), 60000, 0));
     }, ""},
    {"accumulated_over_limit", [](scenario& s) {
       opioid_member(s); s.claim.quantity = 60001;
       s.fills.push_back(fill("90001000401", "OPIOID", shift(dos, -29), 60000, 0));
     }, "76"},
    {"accumulated_fill_left_window", [](scenario& s) {
       opioid_member(s); s.claim.quantity = 120000;
       s.fills.push_back(fill("90001000401", "OPIOID", shift(dos, -30), 60000, 0));
     }, ""},
    {"accumulated_fill_on_dos_counts", [](scenario& s) {
       opioid_member(s); s.claim.quantity = 120000;
       s.fills.push_back(fill("90001000401", "OPIOID", dos, 1000, 0));
     }, "76"},
    {"accumulated_fill_after_dos_ignored", [](scenario& s) {
       opioid_member(s); s.claim.quantity = 120000;
       s.fills.push_back(fill("90001000401", "OPIOID", shift(dos, 1), 60000, 0));
     }, ""},
    // refill too soon: 80 % of 30 days = 24 days; of 31 days = 24.8, rounded up to 25
    {"refill_at_threshold", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -24), 30000, 30));
     }, ""},
    {"refill_day_before_threshold", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -23), 30000, 30));
     }, "79"},
    {"refill_day_after_threshold", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -25), 30000, 30));
     }, ""},
    {"refill_threshold_rounds_up", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -24), 31000, 31));
     }, "79"},
    {"refill_rounded_threshold_reached", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -25), 31000, 31));
     }, ""},
    {"refill_latest_fill_decides", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -60), 30000, 30, "1111111112", 1));
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -23), 30000, 30, "1111111112", 2));
     }, "79"},
    {"refill_fill_after_dos_ignored", [](scenario& s) {
       s.fills.push_back(fill("90001000102", "STATIN", shift(dos, 1), 30000, 30));
     }, ""},
    // DUR: a fill is current while fill_date <= dos < fill_date + days_supply
    {"dur_fill_last_day_of_supply", [](scenario& s) { sertraline_on_phenelzine(s, shift(dos, -29)); }, "88"},
    {"dur_fill_supply_ended", [](scenario& s) { sertraline_on_phenelzine(s, shift(dos, -30)); }, ""},
    {"dur_fill_on_dos", [](scenario& s) { sertraline_on_phenelzine(s, dos); }, "88"},
    {"dur_fill_after_dos_ignored", [](scenario& s) { sertraline_on_phenelzine(s, shift(dos, 1)); }, ""},
    // DUR high dose: gabapentin 300 mg at most 12 a day (major)
    {"dose_at_max", [](scenario& s) {
       s.claim.product_id = "90001001403"; s.claim.days_supply = 20; s.claim.quantity = 240000;
     }, ""},
    {"dose_over_max", [](scenario& s) {
       s.claim.product_id = "90001001403"; s.claim.days_supply = 20; s.claim.quantity = 240001;
     }, "88"},
    // DUR significance: major (1) rejects, moderate (2) informs at reject_severity 1
    {"dur_moderate_informs", [](scenario& s) {
       s.claim.product_id = "90001000204";
       s.fills.push_back(fill("90001000201", "ACE_INHIBITOR", shift(dos, -5), 30000, 30));
     }, ""},
    // step therapy: a prerequisite filled 180 days back still counts
    {"step_at_lookback", [](scenario& s) { empagliflozin_after_metformin(s, shift(dos, -180)); }, ""},
    {"step_inside_lookback", [](scenario& s) { empagliflozin_after_metformin(s, shift(dos, -179)); }, ""},
    {"step_past_lookback", [](scenario& s) { empagliflozin_after_metformin(s, shift(dos, -181)); }, "608"},
    {"step_fill_on_dos", [](scenario& s) { empagliflozin_after_metformin(s, dos); }, ""},
    {"step_fill_after_dos_ignored", [](scenario& s) { empagliflozin_after_metformin(s, shift(dos, 1)); }, "608"},
    // PA on file: effective and expires both inclusive
    {"pa_effective_on_dos", [](scenario& s) {
       specialty(s); s.auths.push_back(pa("12345678901", "90001000801", dos, 20261231));
     }, ""},
    {"pa_effective_day_after_dos", [](scenario& s) {
       specialty(s); s.auths.push_back(pa("12345678901", "90001000801", shift(dos, 1), 20261231));
     }, "75"},
    {"pa_expires_on_dos", [](scenario& s) {
       specialty(s); s.auths.push_back(pa("12345678901", "90001000801", 20260101, dos));
     }, ""},
    {"pa_expired_day_before_dos", [](scenario& s) {
       specialty(s); s.auths.push_back(pa("12345678901", "90001000801", 20260101, shift(dos, -1)));
     }, "75"},
    // PA number on the claim: the same dates
    {"pa_number_expires_on_dos", [](scenario& s) {
       specialty(s); s.claim.pa_type = "1"; s.claim.pa_number = "12345678901";
       s.auths.push_back(pa("12345678901", "90001000801", 20260101, dos));
     }, ""},
    {"pa_number_expired_day_before", [](scenario& s) {
       specialty(s); s.claim.pa_type = "1"; s.claim.pa_number = "12345678901";
       s.auths.push_back(pa("12345678901", "90001000801", 20260101, shift(dos, -1)));
     }, "75"},
    {"pa_number_effective_day_after", [](scenario& s) {
       specialty(s); s.claim.pa_type = "1"; s.claim.pa_number = "12345678901";
       s.auths.push_back(pa("12345678901", "90001000801", shift(dos, 1), 20261231));
     }, "75"},
    // PA quantity: at the authorized maximum passes, one thousandth more is 64 (the product's own
    // limit, 2 per 28 days, is not reached)
    {"pa_quantity_at_max", [](scenario& s) {
       specialty(s); s.claim.quantity = 1500;
       auto a = pa("12345678901", "90001000801", 20260101, 20261231);
       a.max_quantity = 1500;
       s.auths.push_back(a);
     }, ""},
    {"pa_quantity_over_max", [](scenario& s) {
       specialty(s); s.claim.quantity = 1501;
       auto a = pa("12345678901", "90001000801", 20260101, 20261231);
       a.max_quantity = 1500;
       s.auths.push_back(a);
     }, "64"},
};

class boundary : public ::testing::TestWithParam<boundary_case> {};

TEST_P(boundary, decides) {
  const auto& bc = GetParam();
  scenario s;
  bc.setup(s);
  const decision d = s.run();
  EXPECT_EQ(codes(d), bc.codes);
  EXPECT_EQ(d.status, *bc.codes ? 'R' : 'P');
}

INSTANTIATE_TEST_SUITE_P(demo, boundary, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<boundary_case>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace rxgate::rules::test
