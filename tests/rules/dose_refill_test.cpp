// Dose and refill rules (issue 12, build item 4): a quantity-per-day limit that scales with the
// days supply, and refill-too-soon thresholds per DEA schedule and per drug over the plan's.
// Demo plan values: losartan 50 mg (90001000204) at most 2 a day; plan threshold 80 %, schedules
// II-V 90 % (tramadol 90001000403 is C-IV), methylphenidate ER (90001000407, C-II) 100 % of its own.
#include <functional>

#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

int shift(int base, int days) {
  const auto d = codec::date::from_days(ymd(base).days() + days);
  return d.year * 10000 + d.month * 100 + d.day;
}

constexpr int dos = dos_ymd;

void losartan(scenario& s, int days, std::int64_t qty) {
  s.claim.product_id = "90001000204";
  s.claim.days_supply = days;
  s.claim.quantity = qty;
  if (days > 34) s.claim.provider_id = "3333333338";  // mail order: up to 90 days
}

void tramadol_filled(scenario& s, int days_ago, int days_supply = 30) {  // C-IV, 240 per 30 days
  s.claim.cardholder_id = "DEMO1012";
  s.claim.date_of_birth = ymd(19880808);
  s.claim.product_id = "90001000403";
  s.fills.push_back(fill("90001000403", "OPIOID", shift(dos, -days_ago), 30000, days_supply));
}

void methylphenidate_filled(scenario& s, int days_ago) {  // C-II with its own 100 %, 30 per 30 days
  s.claim.product_id = "90001000407";
  s.claim.quantity = 15000;  // with the fill, at the quantity limit
  s.fills.push_back(fill("90001000407", "CNS_STIMULANT", shift(dos, -days_ago), 15000, 30));
}

struct rule_case {
  const char* name;
  std::function<void(scenario&)> setup;
  const char* codes;  // "" = paid
};

const rule_case cases[] = {
    // 2 a day: 60 for 30 days, 180 for 90 days; equal passes, one thousandth more is 76
    {"per_day_30_at_limit", [](scenario& s) { losartan(s, 30, 60000); }, ""},
    {"per_day_30_under", [](scenario& s) { losartan(s, 30, 59999); }, ""},
    {"per_day_30_over", [](scenario& s) { losartan(s, 30, 60001); }, "76"},
    {"per_day_90_at_limit", [](scenario& s) { losartan(s, 90, 180000); }, ""},
    {"per_day_90_under", [](scenario& s) { losartan(s, 90, 179999); }, ""},
    {"per_day_90_over", [](scenario& s) { losartan(s, 90, 180001); }, "76"},
    {"per_day_1_at_limit", [](scenario& s) { losartan(s, 1, 2000); }, ""},
    {"per_day_1_over", [](scenario& s) { losartan(s, 1, 2001); }, "76"},
    {"per_day_emergency_override", [](scenario& s) {
       losartan(s, 30, 60001); s.claim.pa_type = "9"; s.claim.pa_number = "91100000003";
     }, ""},
    // schedule C-IV at 90 %: 27 of 30 days must pass (the plan's 80 % would be 24)
    {"schedule_at_threshold", [](scenario& s) { tramadol_filled(s, 27); }, ""},
    {"schedule_day_before", [](scenario& s) { tramadol_filled(s, 26); }, "79"},
    {"schedule_day_after", [](scenario& s) { tramadol_filled(s, 28); }, ""},
    {"schedule_plan_threshold_not_enough", [](scenario& s) { tramadol_filled(s, 24); }, "79"},
    // 90 % of 31 days = 27.9, rounded up to 28
    {"schedule_rounds_up", [](scenario& s) { tramadol_filled(s, 27, 31); }, "79"},
    {"schedule_rounded_reached", [](scenario& s) { tramadol_filled(s, 28, 31); }, ""},
    // the drug's own 100 % wins over its schedule's 90 %
    {"drug_at_threshold", [](scenario& s) { methylphenidate_filled(s, 30); }, ""},
    {"drug_day_before", [](scenario& s) { methylphenidate_filled(s, 29); }, "79"},
    {"drug_schedule_threshold_not_enough", [](scenario& s) { methylphenidate_filled(s, 27); }, "79"},
    // an override SCC still lifts a schedule's threshold
    {"schedule_override_scc", [](scenario& s) {
       tramadol_filled(s, 26); s.claim.scc[0] = 3; s.claim.scc_count = 1;
     }, ""},
};

class dose_refill : public ::testing::TestWithParam<rule_case> {};

TEST_P(dose_refill, decides) {
  const auto& rc = GetParam();
  scenario s;
  rc.setup(s);
  const decision d = s.run();
  EXPECT_EQ(codes(d), rc.codes);
  EXPECT_EQ(d.status, *rc.codes ? 'R' : 'P');
}

INSTANTIATE_TEST_SUITE_P(demo, dose_refill, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<rule_case>& p) { return std::string(p.param.name); });

TEST(dose_refill_detail, per_day_limit_tells_what_passes) {
  scenario s;
  losartan(s, 90, 200000);
  const decision d = s.run();
  ASSERT_TRUE(d.limit);
  EXPECT_EQ(d.limit->max_quantity_per_day, 2000);
  EXPECT_EQ(d.limit->allowed_quantity, 180000);
  EXPECT_EQ(d.limit->max_quantity, 0);
  ASSERT_GE(d.text_count, 1);
  EXPECT_EQ(d.text(0), "QTY LIMIT 2 PER DAY: 180 FOR 90 DAYS");
}

// A product with a period limit and a per-day limit that both reject: one 76, the smaller
// quantity as what would pass.
TEST(dose_refill_detail, per_day_and_period_limit_together) {
  std::vector<std::string> problems;
  auto p = load_plan_folder(plans_dir() + "/demo", problems);
  ASSERT_TRUE(p) << (problems.empty() ? "" : problems[0]);
  const_cast<product*>(p->find_product("90001000401"))->max_quantity_per_day = 4000;  // oxycodone: 120 per 30 days too
  std::vector<std::unique_ptr<plan>> v;
  v.push_back(std::move(p));
  const plan_set plans(std::move(v));
  codec::claim c = base_claim();
  c.cardholder_id = "DEMO1012";
  c.date_of_birth = ymd(19880808);
  c.product_id = "90001000401";
  c.quantity = 121000;
  c.days_supply = 30;
  const std::vector<prior_fill> fills = {fill("90001000401", "OPIOID", shift(dos, -10), 60000, 0)};
  member_history h;
  h.fills = fills;
  decision d;
  adjudicate(c, plans, h, ymd(today_ymd), d);
  EXPECT_EQ(codes(d), "76");
  ASSERT_TRUE(d.limit);
  EXPECT_EQ(d.limit->allowed_quantity, 60000);  // 120 - 60 used, under the 120 per day allows
  EXPECT_EQ(d.limit->max_quantity_per_day, 4000);
  EXPECT_EQ(d.limit->max_quantity, 120000);
}

TEST(dose_refill_detail, threshold_in_force_and_its_source) {
  {
    scenario s;
    tramadol_filled(s, 26);
    const decision d = s.run();
    ASSERT_TRUE(d.refill_too_soon);
    EXPECT_EQ(d.refill_too_soon->threshold_pct, 90);
    EXPECT_EQ(d.refill_too_soon->threshold_from, threshold_source::dea_schedule);
    EXPECT_EQ(d.refill_too_soon->dea_schedule, 4);
    EXPECT_EQ(d.refill_too_soon->next_allowed, ymd(shift(dos, 1)));  // filled 26 days ago + 27
    ASSERT_GE(d.text_count, 1);
    EXPECT_NE(d.text(0).find("CONTROLLED SUBSTANCE C4: 90% OF DAYS SUPPLY"), std::string_view::npos) << d.text(0);
  }
  {
    scenario s;
    methylphenidate_filled(s, 29);
    const decision d = s.run();
    ASSERT_TRUE(d.refill_too_soon);
    EXPECT_EQ(d.refill_too_soon->threshold_pct, 100);
    EXPECT_EQ(d.refill_too_soon->threshold_from, threshold_source::drug);
    EXPECT_EQ(d.refill_too_soon->next_allowed, ymd(shift(dos, 1)));
  }
  {
    scenario s;
    s.fills.push_back(fill("90001000102", "STATIN", shift(dos, -23), 30000, 30));
    const decision d = s.run();
    ASSERT_TRUE(d.refill_too_soon);
    EXPECT_EQ(d.refill_too_soon->threshold_pct, 80);
    EXPECT_EQ(d.refill_too_soon->threshold_from, threshold_source::plan);
    EXPECT_EQ(d.refill_too_soon->dea_schedule, 0);
  }
}

TEST(dose_refill_detail, a_schedule_without_its_own_threshold_uses_the_plans) {
  const plan& demo = *demo_plans().plans()[0];
  product scheduled = *demo.find_product("90001000403");
  EXPECT_EQ(demo.threshold_for(scheduled).pct, 90);
  scheduled.dea_schedule = 1;  // the demo gives schedule I no threshold
  EXPECT_EQ(demo.threshold_for(scheduled).pct, 80);
  EXPECT_EQ(demo.threshold_for(scheduled).source, threshold_source::plan);
  scheduled.refill_threshold_pct = 75;
  EXPECT_EQ(demo.threshold_for(scheduled).pct, 75);
  EXPECT_EQ(demo.threshold_for(scheduled).source, threshold_source::drug);
}

}  // namespace
}  // namespace rxgate::rules::test
