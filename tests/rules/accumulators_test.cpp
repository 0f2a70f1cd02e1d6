// Plan-year accumulators (rules/accumulators.h): each limit at, a cent under and a cent over; the
// policy choices of config/plans/README.md; the plan year; what earlier claims add; and the
// hdhp-demo plan through the dry run (deductible, OOP maximum, reversal, a new plan year).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>

#include "rules/accumulators.h"
#include "rules/dry_run.h"

namespace rxgate::rules {
namespace {

accumulator_rules hdhp() {
  accumulator_rules a;
  a.enabled = true;
  a.deductible = 150000;
  a.family_deductible = 300000;
  a.out_of_pocket_max = 400000;
  a.family_out_of_pocket_max = 800000;
  a.exempt_tiers = 1u << 1;
  return a;
}

const copay_rule flat5{1, false, 500, 0, 0, 0};
const copay_rule coins20{2, true, 0, 2000, 0, 0};

accumulator_state state(std::int64_t member_ded, std::int64_t family_ded, std::int64_t member_oop = 0,
                        std::int64_t family_oop = 0, int family_size = 3) {
  accumulator_state s;
  s.year_start = codec::date{2026, 1, 1};
  s.member = {member_ded, member_oop, 0};
  s.family = {family_ded, family_oop, 0};
  s.family_size = family_size;
  return s;
}

cost_share share(const accumulator_rules& a, const accumulator_state& s, std::int64_t allowed,
                 const copay_rule* rule = &coins20, std::int64_t penalty = 0) {
  return share_cost(a, s, cost_share_input{allowed, -1, rule, rule ? rule->tier : 0, penalty});
}

// --- the deductible -------------------------------------------------------------------------

TEST(deductible, a_claim_of_exactly_the_remaining_deductible_meets_it) {
  const auto s = share(hdhp(), state(0, 0), 150000);
  EXPECT_EQ(s.deductible, 150000);
  EXPECT_EQ(s.coinsurance, 0);
  EXPECT_EQ(s.patient_pay, 150000);
  EXPECT_EQ(s.plan_pays, 0);
  EXPECT_EQ(*s.remaining_deductible, 0);
  EXPECT_EQ(*s.accumulated_deductible, 150000);
}

TEST(deductible, a_cent_under_leaves_a_cent_to_meet) {
  const auto s = share(hdhp(), state(0, 0), 149999);
  EXPECT_EQ(s.deductible, 149999);
  EXPECT_EQ(*s.remaining_deductible, 1);
}

TEST(deductible, past_it_the_rest_gets_the_tier_cost_share) {
  const auto s = share(hdhp(), state(0, 0), 160000);
  EXPECT_EQ(s.deductible, 150000);
  EXPECT_EQ(s.coinsurance, 2000);  // 20 % of the 100.00 past the deductible
  EXPECT_EQ(s.patient_pay, 152000);
  EXPECT_EQ(s.plan_pays, 8000);
  EXPECT_EQ(s.applied, (accumulator_amounts{150000, 152000, 8000}));
}

TEST(deductible, once_met_only_the_cost_share) {
  const auto met = share(hdhp(), state(150000, 150000), 10000);
  EXPECT_EQ(met.deductible, 0);
  EXPECT_EQ(met.coinsurance, 2000);
  const auto cent_short = share(hdhp(), state(149999, 149999), 10000);
  EXPECT_EQ(cent_short.deductible, 1);
  EXPECT_EQ(cent_short.patient_pay, 1 + 2000);  // 20 % of 99.99 rounds half up to 20.00
}

TEST(deductible, embedded_family_amount_ends_everyones_deductible) {
  // The member has paid nothing, but the family has paid 3000.00 (the family deductible).
  EXPECT_EQ(share(hdhp(), state(0, 300000), 10000).deductible, 0);
  EXPECT_EQ(share(hdhp(), state(0, 299999), 10000).deductible, 1);
  EXPECT_EQ(share(hdhp(), state(0, 300001), 10000).deductible, 0);
}

TEST(deductible, non_embedded_family_counts_only_the_family_amount) {
  auto a = hdhp();
  a.family_deductible_rule = family_rule::non_embedded;
  // The member's own 1500.00 is met, but only the family's amount counts in a family of three.
  EXPECT_EQ(share(a, state(150000, 150000), 10000).deductible, 10000);
  EXPECT_EQ(share(a, state(150000, 299999), 10000).deductible, 1);
  // A single member (family of one) has the individual deductible.
  EXPECT_EQ(share(a, state(150000, 150000, 0, 0, 1), 10000).deductible, 0);
}

TEST(deductible, exempt_tier_pays_its_copay_from_the_first_dollar) {
  const auto s = share(hdhp(), state(0, 0), 1300, &flat5);
  EXPECT_EQ(s.deductible, 0);
  EXPECT_EQ(s.copay, 500);
  EXPECT_EQ(s.patient_pay, 500);
  EXPECT_EQ(s.applied.out_of_pocket, 500);
  // The same claim on tier 2 goes to the deductible.
  EXPECT_EQ(share(hdhp(), state(0, 0), 1300, &coins20).deductible, 1300);
}

TEST(deductible, none_without_a_limit) {
  auto a = hdhp();
  a.deductible = a.family_deductible = 0;
  const auto s = share(a, state(0, 0), 10000);
  EXPECT_EQ(s.deductible, 0);
  EXPECT_FALSE(s.accumulated_deductible);
  EXPECT_FALSE(s.remaining_deductible);
}

// --- the out-of-pocket maximum --------------------------------------------------------------

TEST(out_of_pocket, a_share_of_exactly_the_room_is_paid_whole) {
  // 20 % of 100.00 = 20.00 with 20.00 of room left.
  const auto s = share(hdhp(), state(150000, 150000, 398000), 10000);
  EXPECT_EQ(s.patient_pay, 2000);
  EXPECT_EQ(s.applied.out_of_pocket, 2000);
}

TEST(out_of_pocket, a_cent_less_room_cuts_a_cent) {
  const auto s = share(hdhp(), state(150000, 150000, 398001), 10000);
  EXPECT_EQ(s.patient_pay, 1999);
  EXPECT_EQ(s.coinsurance, 1999);
  EXPECT_EQ(s.plan_pays, 8001);
  EXPECT_EQ(s.applied.out_of_pocket, 1999);
}

TEST(out_of_pocket, past_the_maximum_the_patient_pays_nothing) {
  const auto at = share(hdhp(), state(150000, 150000, 400000), 10000);
  EXPECT_EQ(at.patient_pay, 0);
  EXPECT_EQ(at.plan_pays, 10000);
  EXPECT_EQ(at.applied.out_of_pocket, 0);
  // The family's maximum ends everyone's.
  EXPECT_EQ(share(hdhp(), state(0, 300000, 0, 800000), 10000).patient_pay, 0);
  EXPECT_EQ(share(hdhp(), state(0, 300000, 0, 799999), 10000).patient_pay, 1);
}

TEST(out_of_pocket, the_cut_takes_the_cost_share_first_by_default) {
  // Deductible 100.00 left, then 20 % of 100.00; only 110.00 of room.
  const auto s = share(hdhp(), state(140000, 140000, 389000), 20000);
  EXPECT_EQ(s.patient_pay, 11000);
  EXPECT_EQ(s.deductible, 10000);
  EXPECT_EQ(s.coinsurance, 1000);
}

TEST(out_of_pocket, deductible_first_takes_the_deductible_dollars_first) {
  auto a = hdhp();
  a.out_of_pocket_cuts_deductible_first = true;
  const auto s = share(a, state(140000, 140000, 389000), 20000);
  EXPECT_EQ(s.patient_pay, 11000);
  EXPECT_EQ(s.deductible, 9000);
  EXPECT_EQ(s.coinsurance, 2000);
}

TEST(out_of_pocket, exempt_copay_kept_after_the_maximum_when_the_plan_says_so) {
  auto a = hdhp();
  EXPECT_EQ(share(a, state(0, 0, 400000), 1300, &flat5).patient_pay, 0);
  a.exempt_copay_after_out_of_pocket = true;
  const auto s = share(a, state(0, 0, 400000), 1300, &flat5);
  EXPECT_EQ(s.patient_pay, 500);
  EXPECT_EQ(s.applied.out_of_pocket, 0);  // nothing left to count toward
}

// --- the benefit maximum and what else counts -----------------------------------------------

TEST(benefit_maximum, the_plan_pays_what_is_left_and_520_FK_carries_the_rest) {
  auto a = hdhp();
  a.deductible = a.family_deductible = 0;
  a.benefit_max = 500000;
  auto s0 = state(0, 0);
  s0.member.benefit = 492000;  // 80.00 left; the plan would pay 80.00 of 100.00
  EXPECT_EQ(share(a, s0, 10000).over_benefit, 0);
  EXPECT_EQ(*share(a, s0, 10000).remaining_benefit, 0);
  s0.member.benefit = 492001;  // a cent less left
  const auto s = share(a, s0, 10000);
  EXPECT_EQ(s.over_benefit, 1);
  EXPECT_EQ(s.plan_pays, 7999);
  EXPECT_EQ(s.patient_pay, 2001);
  EXPECT_TRUE(s.benefit_exhausted);
  EXPECT_EQ(s.applied.out_of_pocket, 2000);  // the amount over does not count by default
  a.over_benefit_counts_to_out_of_pocket = true;
  EXPECT_EQ(share(a, s0, 10000).applied.out_of_pocket, 2001);
  s0.member.benefit = 491999;  // a cent more left: nothing over
  EXPECT_EQ(share(a, s0, 10000).over_benefit, 0);
}

TEST(brand_penalty, is_the_patients_and_counts_toward_the_maximum_unless_the_plan_says_not) {
  auto a = hdhp();
  auto s = share(a, state(150000, 150000), 10000, &coins20, 3000);
  EXPECT_EQ(s.patient_pay, 5000);
  EXPECT_EQ(s.brand_penalty, 3000);
  EXPECT_EQ(s.applied.out_of_pocket, 5000);
  a.brand_penalty_counts_to_out_of_pocket = false;
  s = share(a, state(150000, 150000), 10000, &coins20, 3000);
  EXPECT_EQ(s.patient_pay, 5000);
  EXPECT_EQ(s.applied.out_of_pocket, 2000);
  // Never past the price.
  EXPECT_EQ(share(a, state(150000, 150000), 10000, &coins20, 9000).patient_pay, 10000);
}

// --- what 512-FC, 513-FD and 514-FE report --------------------------------------------------

TEST(reports, accumulated_and_remaining_deductible_by_policy) {
  auto a = hdhp();
  const auto st = state(100000, 250000);  // member 1000.00, family 2500.00 before
  auto s = share(a, st, 10000);          // 100.00 more to the deductible
  EXPECT_EQ(*s.accumulated_deductible, 110000);
  EXPECT_EQ(*s.remaining_deductible, 40000);  // smaller of member 400.00 and family 400.00
  a.accumulated_report = amount_report::family;
  a.remaining_report = amount_report::family;
  s = share(a, st, 10000);
  EXPECT_EQ(*s.accumulated_deductible, 260000);
  EXPECT_EQ(*s.remaining_deductible, 40000);
  a.remaining_report = amount_report::member;
  EXPECT_EQ(*share(a, state(100000, 280000), 10000).remaining_deductible, 40000);
  a.remaining_report = amount_report::smaller;
  EXPECT_EQ(*share(a, state(100000, 280000), 10000).remaining_deductible, 10000);
  a.report_before_claim = true;
  a.accumulated_report = amount_report::member;
  s = share(a, st, 10000);
  EXPECT_EQ(*s.accumulated_deductible, 100000);
  EXPECT_EQ(*s.remaining_deductible, 50000);
}

TEST(reports, remaining_benefit_is_the_out_of_pocket_room_when_the_plan_says_so) {
  auto a = hdhp();
  EXPECT_FALSE(share(a, state(150000, 150000, 100000), 10000).remaining_benefit);  // no benefit maximum
  a.remaining_benefit_is_out_of_pocket_room = true;
  EXPECT_EQ(*share(a, state(150000, 150000, 100000), 10000).remaining_benefit, 300000 - 2000);
}

TEST(disabled, only_the_tier_cost_share_and_nothing_applied) {
  accumulator_rules off;
  const auto s = share(off, state(0, 0), 10000);
  EXPECT_EQ(s.patient_pay, 2000);
  EXPECT_EQ(s.deductible, 0);
  EXPECT_EQ(s.applied, accumulator_amounts{});
  codec::pricing p;
  write_cost_share(off, s, p);
  EXPECT_FALSE(p.deductible_applied);
  EXPECT_FALSE(p.accumulated_deductible);
  EXPECT_EQ(*p.coinsurance, 2000);
  EXPECT_FALSE(p.copay);
}

// --- the plan year and earlier claims -------------------------------------------------------

TEST(plan_year, starts_on_day_one_of_its_month) {
  accumulator_rules a;
  EXPECT_EQ(plan_year_start(a, codec::date{2026, 12, 31}), (codec::date{2026, 1, 1}));
  EXPECT_EQ(plan_year_start(a, codec::date{2027, 1, 1}), (codec::date{2027, 1, 1}));
  a.year_start_month = 7;
  EXPECT_EQ(plan_year_start(a, codec::date{2026, 6, 30}), (codec::date{2025, 7, 1}));
  EXPECT_EQ(plan_year_start(a, codec::date{2026, 7, 1}), (codec::date{2026, 7, 1}));
  EXPECT_EQ(plan_year_start(a, codec::date{2026, 7, 2}), (codec::date{2026, 7, 1}));
}

TEST(add_earlier, counts_the_family_and_the_member_of_the_same_plan_year_only) {
  codec::claim earlier, later;
  earlier.bin = later.bin = "610997";
  earlier.cardholder_id = later.cardholder_id = "HDHP2001";
  earlier.person_code = "001";
  later.person_code = "002";
  decision d;
  d.accumulator_year = codec::date{2026, 1, 1};
  d.accumulated = {100, 200, 300};
  accumulator_state s;
  s.year_start = codec::date{2026, 1, 1};
  add_earlier(earlier, d, later, s);
  EXPECT_EQ(s.family, (accumulator_amounts{100, 200, 300}));
  EXPECT_EQ(s.member, accumulator_amounts{});
  later.person_code = "001";
  add_earlier(earlier, d, later, s);
  EXPECT_EQ(s.member, (accumulator_amounts{100, 200, 300}));
  later.cardholder_id = "HDHP3001";
  add_earlier(earlier, d, later, s);
  EXPECT_EQ(s.family, (accumulator_amounts{200, 400, 600}));
  later.cardholder_id = "HDHP2001";
  d.accumulator_year = codec::date{2025, 1, 1};
  add_earlier(earlier, d, later, s);
  EXPECT_EQ(s.family, (accumulator_amounts{200, 400, 600}));
}

// --- hdhp-demo through the dry run ----------------------------------------------------------

const plan_set& hdhp_plans() {
  static const std::unique_ptr<plan_set> plans = [] {
    std::vector<std::string> problems;
    std::vector<std::unique_ptr<plan>> v;
    v.push_back(load_plan_folder(std::filesystem::path(RXGATE_SOURCE_DIR) / "config/plans/hdhp-demo", problems));
    EXPECT_TRUE(problems.empty()) << problems.front();
    return std::make_unique<plan_set>(std::move(v));
  }();
  return *plans;
}

// A B1 (or B2) for a member of hdhp-demo: DEMOSPEC (tier 3, 1501.00 allowed for 30) by default.
std::string claim(const std::string& code, const std::string& person, const std::string& dos,
                  const std::string& ndc = "90001002101") {
  const std::string rs = "\x1e", fs = "\x1c", gs = "\x1d";
  std::string h = "610997D0" + code + "RXGHDHP   101" + std::string("1111111112     ") + dos + "          ";
  std::string body = rs + fs + "AM04" + fs + "C2HDHP2001" + fs + "C1HDHP01" + fs + "C3" + person + fs + "C6" + person.substr(2) +
                     gs + rs + fs + "AM07" + fs + "EM1" + fs + "D2700001" + fs + "E103" + fs + "D7" + ndc;
  if (code != "B2") body += fs + "E730000" + fs + "D30" + fs + "D530" + fs + "D61" + fs + "D80";
  else body += fs + "D30";
  if (code == "B2") return h + body;
  body += rs + fs + "AM03" + fs + "EZ01" + fs + "DB1234567893";
  // Submitted amounts above what the plan allows, so the plan's price stands.
  body += rs + fs + "AM11" + fs + "D925000{" + fs + "DC100{" + fs + "DQ25000{" + fs + "DU25010{" + fs + "DN01";
  return h + body;
}

const codec::pricing& paid(const dry_run_result& r) {
  EXPECT_EQ(r.decisions[0].status, 'P');
  return *r.decisions[0].price;
}

TEST(hdhp_demo, first_dollar_goes_to_the_deductible_then_coinsurance_to_the_out_of_pocket_maximum) {
  const history_file none("h.csv", "", &hdhp_plans());
  auto r = dry_run(claim("B1", "001", "20260301"), hdhp_plans(), none, codec::date{2026, 3, 2});
  const auto& p = paid(*r);
  EXPECT_EQ(p.ingredient_cost_paid + p.dispensing_fee_paid, 150100);
  EXPECT_EQ(*p.deductible_applied, 150000);
  EXPECT_EQ(*p.coinsurance, 30);  // 30 % of the 1.00 past the deductible
  EXPECT_EQ(p.patient_pay, 150030);
  EXPECT_EQ(p.total_paid, 70);
  EXPECT_EQ(*p.accumulated_deductible, 150000);
  EXPECT_EQ(*p.remaining_deductible, 0);
  EXPECT_EQ(r->decisions[0].accumulated, (accumulator_amounts{150000, 150030, 70}));
  EXPECT_EQ(r->decisions[0].accumulator_year, (codec::date{2026, 1, 1}));
  EXPECT_NE(r->response_bytes.find("\x1c" "FH15000{"), std::string::npos);

  // 3760.00 of the 4000.00 maximum used: 30 % of 1501.00 is 450.30, cut to the 240.00 left.
  const history_file near("h.csv", "accumulators,20260101,1500.00,3760.00,0,1500.00,3760.00,0\n", &hdhp_plans());
  r = dry_run(claim("B1", "001", "20260401"), hdhp_plans(), near, codec::date{2026, 4, 2});
  EXPECT_EQ(paid(*r).patient_pay, 24000);
  EXPECT_EQ(r->decisions[0].accumulated.out_of_pocket, 24000);

  // The same history is last year's for a claim of the next plan year: it starts from zero.
  const history_file last_year("h.csv", "accumulators,20250101,1500.00,4000.00,0,1500.00,4000.00,0\n", &hdhp_plans());
  r = dry_run(claim("B1", "001", "20260105"), hdhp_plans(), last_year, codec::date{2026, 1, 6});
  EXPECT_EQ(*paid(*r).deductible_applied, 150000);
}

TEST(hdhp_demo, a_reversal_takes_back_exactly_what_its_claim_applied) {
  const history_file stored(
      "h.csv", "key,41,paid,0000000000000000041,different,0.70,1500.30,1500.10,1.00,00,,0.30,1500.00,,1500.00,1500.30,0.70\n",
      &hdhp_plans());
  auto r = dry_run(claim("B2", "001", "20260301"), hdhp_plans(), stored, codec::date{2026, 3, 2});
  EXPECT_EQ(r->decisions[0].status, 'A');
  EXPECT_EQ(r->decisions[0].accumulated, (accumulator_amounts{-150000, -150030, -70}));
  EXPECT_EQ(r->decisions[0].accumulator_year, (codec::date{2026, 1, 1}));
}

TEST(hdhp_demo, a_rebill_is_priced_without_the_claim_it_replaces) {
  // The stored claim applied the member's whole deductible; the B3 replacing it meets it again.
  const history_file stored(
      "h.csv",
      "accumulators,20260101,1500.00,1500.30,0.70,1500.00,1500.30,0.70\n"
      "key,41,paid,0000000000000000041,different,0.70,1500.30,1500.10,1.00,03,,0.30,1500.00,,1500.00,1500.30,0.70\n",
      &hdhp_plans());
  auto r = dry_run(claim("B3", "001", "20260301"), hdhp_plans(), stored, codec::date{2026, 3, 2});
  EXPECT_EQ(*paid(*r).deductible_applied, 150000);
  EXPECT_EQ(r->decisions[0].replaces_claim_id, 41);
  // A history that lacks what the rebill takes back never leaves more than the limit to meet.
  const history_file key_only(
      "h.csv", "key,41,paid,0000000000000000041,different,0.70,1500.30,1500.10,1.00,03,,0.30,1500.00,,1500.00,1500.30,0.70\n",
      &hdhp_plans());
  r = dry_run(claim("B3", "001", "20260301"), hdhp_plans(), key_only, codec::date{2026, 3, 2});
  EXPECT_EQ(*paid(*r).deductible_applied, 150000);
  EXPECT_EQ(*paid(*r).remaining_deductible, 0);
}

TEST(hdhp_demo, a_member_pays_only_what_is_left_of_the_family_deductible) {
  const history_file fam("h.csv", "accumulators,20260101,0,0,0,2000.00,2000.00,0\n", &hdhp_plans());
  auto r = dry_run(claim("B1", "002", "20260301"), hdhp_plans(), fam, codec::date{2026, 3, 2});
  // Family 2000.00 of 3000.00 met: 1000.00 left of the family's, 1500.00 of the member's.
  EXPECT_EQ(*paid(*r).deductible_applied, 100000);
  EXPECT_EQ(*paid(*r).remaining_deductible, 0);
}

TEST(hdhp_demo, non_embedded_family_deductible_counts_the_familys_persons_from_the_plan) {
  // hdhp-demo with a non-embedded family deductible: SAM's own 1500.00 is met, but in a family of
  // three only the family's 3000.00 counts, and the family has paid 1500.00 of it.
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("rxgate-accumulators-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  fs::copy(fs::path(RXGATE_SOURCE_DIR) / "config/plans/hdhp-demo", root / "hdhp-demo", fs::copy_options::recursive);
  {
    std::ifstream in(root / "hdhp-demo/plan.toml");
    std::stringstream read;
    read << in.rdbuf();
    std::string text = read.str();
    text.replace(text.find("\"embedded\""), 10, "\"non_embedded\"");
    std::ofstream(root / "hdhp-demo/plan.toml") << text;
  }
  std::vector<std::string> problems;
  std::vector<std::unique_ptr<plan>> v;
  v.push_back(load_plan_folder(root / "hdhp-demo", problems));
  ASSERT_TRUE(problems.empty()) << problems.front();
  const plan_set plans(std::move(v));
  fs::remove_all(root);
  const history_file met("h.csv", "accumulators,20260101,1500.00,1500.00,0,1500.00,1500.00,0\n", &plans);
  auto r = dry_run(claim("B1", "002", "20260301"), plans, met, codec::date{2026, 3, 2});
  EXPECT_EQ(*paid(*r).deductible_applied, 150000);
  // Embedded (the demo as shipped): his own deductible is met.
  r = dry_run(claim("B1", "002", "20260301"), hdhp_plans(), met, codec::date{2026, 3, 2});
  EXPECT_EQ(*paid(*r).deductible_applied, 0);
}

TEST(hdhp_demo, a_later_transaction_of_the_transmission_sees_what_an_earlier_one_applied) {
  // DEMOSPEC, then DEMOBRAND (tier 2, 301.00 allowed), for person 001 in one transmission.
  std::string two = claim("B1", "001", "20260301");
  two[20] = '2';  // 109-A9 transaction count
  const auto first = two.find("\x1d");
  std::string second = two.substr(first);
  second.replace(second.find("D2700001"), 8, "D2700002");
  second.replace(second.find("D790001002101"), 13, "D790001002001");
  two += second;
  const history_file none("h.csv", "", &hdhp_plans());
  auto r = dry_run(two, hdhp_plans(), none, codec::date{2026, 3, 2});
  ASSERT_EQ(r->decisions[0].status, 'P');
  ASSERT_EQ(r->decisions[1].status, 'P');
  EXPECT_EQ(*r->decisions[0].price->deductible_applied, 150000);
  EXPECT_EQ(*r->decisions[1].price->deductible_applied, 0);
  EXPECT_EQ(*r->decisions[1].price->coinsurance, 6020);
  EXPECT_EQ(*r->decisions[1].price->accumulated_deductible, 150000);
}

// --- the room left (the operator view, rules::room_left) ------------------------------------

// Each limit at, a cent under and a cent over: what is left never goes below zero.
TEST(room_left, each_limit_at_under_and_over) {
  auto a = hdhp();
  a.benefit_max = 1000000;
  struct room_case {
    std::int64_t used;
    std::int64_t left;
  };
  for (const auto c : {room_case{149999, 1}, room_case{150000, 0}, room_case{150001, 0}}) {
    accumulator_state s = state(c.used, c.used, 0, 0);
    const auto r = room_left(a, s);
    EXPECT_EQ(r.member_deductible, c.left) << c.used;
    EXPECT_EQ(r.deductible, c.left) << c.used;
    EXPECT_EQ(r.family_deductible, 300000 - c.used) << c.used;
  }
  for (const auto c : {room_case{299999, 1}, room_case{300000, 0}, room_case{300001, 0}}) {
    const auto r = room_left(a, state(0, c.used));
    EXPECT_EQ(r.family_deductible, c.left) << c.used;
    EXPECT_EQ(r.deductible, c.left) << c.used;  // the family's room is the smaller one
    EXPECT_EQ(r.member_deductible, 150000);
  }
  for (const auto c : {room_case{399999, 1}, room_case{400000, 0}, room_case{400001, 0}}) {
    const auto r = room_left(a, state(0, 0, c.used, c.used));
    EXPECT_EQ(r.member_out_of_pocket, c.left) << c.used;
    EXPECT_EQ(r.out_of_pocket, c.left) << c.used;
    EXPECT_EQ(r.family_out_of_pocket, 800000 - c.used);
  }
  for (const auto c : {room_case{799999, 1}, room_case{800000, 0}, room_case{800001, 0}}) {
    const auto r = room_left(a, state(0, 0, 0, c.used));
    EXPECT_EQ(r.family_out_of_pocket, c.left) << c.used;
    EXPECT_EQ(r.out_of_pocket, c.left) << c.used;
  }
  for (const auto c : {room_case{999999, 1}, room_case{1000000, 0}, room_case{1000001, 0}}) {
    accumulator_state s = state(0, 0);
    s.member.benefit = c.used;
    EXPECT_EQ(room_left(a, s).benefit, c.left) << c.used;
  }
}

TEST(room_left, no_limit_is_minus_one_and_a_non_embedded_family_counts_the_family_only) {
  accumulator_rules none;
  none.enabled = true;
  const auto r = room_left(none, state(100, 100));
  EXPECT_EQ(r.deductible, -1);
  EXPECT_EQ(r.member_deductible, -1);
  EXPECT_EQ(r.family_deductible, -1);
  EXPECT_EQ(r.out_of_pocket, -1);
  EXPECT_EQ(r.benefit, -1);

  auto a = hdhp();
  a.family_deductible_rule = family_rule::non_embedded;
  // The member met 1500.00 alone, but in a family of three only the family's 3000.00 counts.
  EXPECT_EQ(room_left(a, state(150000, 150000, 0, 0, 3)).deductible, 150000);
  // A family of one: the member's own deductible ends it.
  EXPECT_EQ(room_left(a, state(150000, 150000, 0, 0, 1)).deductible, 0);
}

}  // namespace
}  // namespace rxgate::rules
