// Coordination of benefits: a secondary or tertiary claim (308-C8 2, 3, 4, 8 with the COB segment)
// priced under each [cob] method at its edges (the others paying exactly the allowed amount, a
// cent under and over; exactly what this plan would pay as primary, a cent under and over), the
// COB data a payer requires, and the plan's policy keys. The claims are apixaban 5 mg (tier 2,
// flat 25.00 in the demo plan) with a usual and customary price of 439.75, so the allowed amount is
// 439.75 and this plan pays 414.75 as primary.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "rules/cob.h"
#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

namespace fs = std::filesystem;
using codec::other_payer_amount;
using namespace codec::literals;

// An other payer of coverage type `type` (338-5C), BIN `bin`, date `date` (443-E8).
codec::other_payer payer(std::string_view type, std::string_view bin, int date = dos_ymd) {
  codec::other_payer p;
  p.coverage_type = type;
  p.id_qualifier = "03";
  p.id = bin;
  p.paid_date = ymd(date);
  return p;
}

constexpr std::int64_t allowed = 43975;
constexpr std::int64_t copay = 2500;
constexpr std::int64_t as_primary = allowed - copay;  // 41475

// The claim of the rows: DEMO1001 (no other coverage on file: COB is read from the claim).
codec::claim apixaban(std::string_view other_coverage_code) {
  auto c = base_claim();
  c.product_id = "90001000504";
  c.quantity = 60000;
  c.days_supply = 30;
  c.usual_customary = allowed;
  c.other_coverage_code = other_coverage_code;
  return c;
}

// One other payer that paid `cents` (342-HC `qualifier`).
void paid_by(codec::claim& c, std::int64_t cents, std::string_view bin = "610111", std::string_view qualifier = "07") {
  const other_payer_amount paid[] = {{qualifier, cents}};
  const std::string_view type = c.other_payer_count == 0 ? "01" : "02";
  ASSERT_TRUE(c.add_other_payer(payer(type, bin), paid));
}

// A scratch copy of the config/plans folder whose demo plan has `cob` as its [cob] table.
class plans_with : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("rxgate-cob-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
             std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    fs::copy(plans_dir() + "/demo", root_ / "demo", fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Replaces the demo's [cob] table (up to the comment that follows it) with `cob`, and `from`
  // with `to` elsewhere in plan.toml when given.
  void cob(const std::string& table, const std::string& from = "", const std::string& to = "") {
    const auto file = root_ / "demo" / "plan.toml";
    std::stringstream ss;
    ss << std::ifstream(file).rdbuf();
    std::string s = ss.str();
    const auto begin = s.find("[cob]\n");
    const auto end = s.find("# Pharmacy networks");
    ASSERT_NE(begin, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    s.replace(begin, end - begin, table + "\n");
    if (!from.empty()) {
      const auto at = s.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      s.replace(at, from.size(), to);
    }
    std::ofstream(file) << s;
    plans_ = load_plans(root_);
  }
  decision decide(const codec::claim& c, int today = today_ymd) const {
    decision d;
    adjudicate(c, *plans_, {}, ymd(today), d);
    return d;
  }

  fs::path root_;
  std::shared_ptr<const plan_set> plans_;
};

// What a paid coordinated claim answers: 509-F9, 505-F5, 566-J5.
struct paid_amounts {
  std::int64_t plan, patient, recognized;
};

void expect_paid(const decision& d, paid_amounts want) {
  ASSERT_EQ(d.status, 'P') << codes(d);
  ASSERT_TRUE(d.price);
  const auto& p = *d.price;
  EXPECT_EQ(p.total_paid, want.plan) << "509-F9";
  EXPECT_EQ(p.patient_pay, want.patient) << "505-F5";
  EXPECT_EQ(p.other_payer_recognized, want.recognized) << "566-J5";
  // ncpdp-d0.md §6.5 with J5: F9 = F6 + F7 - F5 - J5, and the two payers never pass the allowed.
  EXPECT_EQ(p.total_paid, p.ingredient_cost_paid + p.dispensing_fee_paid - p.patient_pay -
                              p.other_payer_recognized.value_or(0));
  EXPECT_GE(p.total_paid, 0);
  EXPECT_LE(p.total_paid + p.other_payer_recognized.value_or(0) + p.patient_pay, allowed);
}

struct method_case {
  const char* name;
  const char* method;
  std::int64_t others_paid;  // one other payer, 342-HC 07; -1: a tertiary claim 300.00 + 100.00
  paid_amounts want;
};

const method_case method_cases[] = {
    // standard: min(own payment as primary, allowed - others)
    {"standard_others_paid_allowed", "standard", allowed, {0, 0, allowed}},
    {"standard_others_paid_a_cent_under_allowed", "standard", allowed - 1, {1, 0, allowed - 1}},
    {"standard_others_paid_a_cent_over_allowed", "standard", allowed + 1, {0, 0, allowed}},
    {"standard_others_paid_the_copay", "standard", copay, {as_primary, 0, copay}},
    {"standard_others_paid_a_cent_under_the_copay", "standard", copay - 1, {as_primary, 1, copay - 1}},
    {"standard_others_paid_a_cent_over_the_copay", "standard", copay + 1, {as_primary - 1, 0, copay + 1}},
    {"standard_others_paid_nothing", "standard", 0, {as_primary, copay, 0}},
    {"standard_tertiary", "standard", -1, {3975, 0, 40000}},
    // non-duplication: only what this plan's payment exceeds the others' by
    {"non_duplication_others_paid_own_payment", "non_duplication", as_primary, {0, copay, as_primary}},
    {"non_duplication_others_paid_a_cent_under", "non_duplication", as_primary - 1, {1, copay, as_primary - 1}},
    {"non_duplication_others_paid_a_cent_over", "non_duplication", as_primary + 1, {0, copay - 1, as_primary + 1}},
    {"non_duplication_others_paid_allowed", "non_duplication", allowed, {0, 0, allowed}},
    {"non_duplication_others_paid_a_cent_under_allowed", "non_duplication", allowed - 1, {0, 1, allowed - 1}},
    {"non_duplication_others_paid_a_cent_over_allowed", "non_duplication", allowed + 1, {0, 0, allowed}},
    {"non_duplication_others_paid_nothing", "non_duplication", 0, {as_primary, copay, 0}},
    {"non_duplication_tertiary", "non_duplication", -1, {as_primary - 40000, copay, 40000}},
    // carve-out: this plan's cost share (25.00) taken of the balance
    {"carve_out_balance_is_the_copay", "carve_out", allowed - copay, {0, copay, allowed - copay}},
    {"carve_out_balance_a_cent_over_the_copay", "carve_out", allowed - copay - 1, {1, copay, allowed - copay - 1}},
    {"carve_out_balance_a_cent_under_the_copay", "carve_out", allowed - copay + 1, {0, copay - 1, allowed - copay + 1}},
    {"carve_out_others_paid_allowed", "carve_out", allowed, {0, 0, allowed}},
    {"carve_out_others_paid_a_cent_over_allowed", "carve_out", allowed + 1, {0, 0, allowed}},
    {"carve_out_others_paid_nothing", "carve_out", 0, {as_primary, copay, 0}},
    {"carve_out_tertiary", "carve_out", -1, {3975 - copay, copay, 40000}},
};

class method : public plans_with, public ::testing::WithParamInterface<method_case> {};

TEST_P(method, pays_the_balance) {
  const auto& mc = GetParam();
  cob(std::string("[cob]\nmethod = \"") + mc.method + "\"");
  auto c = apixaban("2");
  if (mc.others_paid < 0) {
    paid_by(c, 30000);
    paid_by(c, 10000, "610222");
  } else {
    paid_by(c, mc.others_paid);
  }
  if (mc.others_paid == 0) c.other_coverage_code = "4";  // other coverage, nothing collected
  expect_paid(decide(c), mc.want);
}

INSTANTIATE_TEST_SUITE_P(cob, method, ::testing::ValuesIn(method_cases),
                         [](const ::testing::TestParamInfo<method_case>& p) { return std::string(p.param.name); });

// Issue 13: the primary paid 400.00 of 439.75 allowed, and rxgate paid 421.75 more as if primary.
TEST_F(plans_with, issue_13_secondary_pays_only_the_balance) {
  cob("[cob]\nmethod = \"standard\"", "tier = 2\nflat = \"25.00\"", "tier = 2\nflat = \"18.00\"");
  auto c = apixaban("2");
  paid_by(c, 40000);
  expect_paid(decide(c), {3975, 0, 40000});
}

// The demo plan as shipped: DEMO01 standard, DEMO02 non-duplication ([[group]] cob_method), only
// 342-HC 07 recognized.
TEST(demo_cob, group_method_and_recognized_qualifiers) {
  auto c = apixaban("2");
  paid_by(c, 40000);
  expect_paid(decide(c), {3975, 0, 40000});
  auto non_dup = apixaban("2");
  non_dup.cardholder_id = "DEMO1014";
  non_dup.group_id = "DEMO02";
  non_dup.date_of_birth = ymd(19830412);
  paid_by(non_dup, 40000);
  const auto d = decide(non_dup);
  // DEMO02's tier 2 is 15.00: as primary the plan pays 424.75; the primary paid 400.00.
  expect_paid(d, {2475, 1500, 40000});
  auto shipping = apixaban("2");
  paid_by(shipping, 40000);
  const other_payer_amount extra[] = {{"07", 1000}, {"02", 500}};
  ASSERT_TRUE(shipping.add_other_payer(payer("02", "610222"), extra));
  expect_paid(decide(shipping), {2975, 0, 41000});  // the 5.00 shipping (02) is not counted
}

TEST_F(plans_with, last_payer_only) {
  cob("[cob]\nrecognized_payers = \"last\"");
  auto c = apixaban("2");
  paid_by(c, 30000);
  paid_by(c, 10000, "610222");
  expect_paid(decide(c), {33975, 0, 10000});
}

TEST_F(plans_with, zero_payment_rejects_622_when_the_plan_says_so) {
  cob("[cob]\nzero_payment = \"reject\"");
  auto c = apixaban("2");
  paid_by(c, allowed);
  EXPECT_EQ(codes(decide(c)), "622");
  auto cent = apixaban("2");
  paid_by(cent, allowed - 1);
  expect_paid(decide(cent), {1, 0, allowed - 1});
}

TEST_F(plans_with, zero_payment_is_paid_by_default) {
  cob("[cob]");
  auto c = apixaban("2");
  paid_by(c, allowed);
  expect_paid(decide(c), {0, 0, allowed});
}

// The other payer's patient responsibility (352-NQ): coordinated on when the plan says so, and
// always on a C8 = 8 claim (billing the patient's responsibility only).
codec::claim with_responsibility(std::string_view occ, std::int64_t paid, std::int64_t responsibility) {
  auto c = apixaban(occ);
  const other_payer_amount amounts[] = {{"07", paid}};
  const other_payer_amount owed[] = {{"05", 999}, {"06", responsibility}};
  c.add_other_payer(payer("01", "610111"), std::span(amounts, paid ? 1 : 0), {}, owed);
  return c;
}

TEST_F(plans_with, patient_responsibility_coordinated) {
  cob("[cob]\npatient_responsibility = \"coordinate\"");
  expect_paid(decide(with_responsibility("2", 40000, 1000)), {1000, 0, allowed - 1000});
  expect_paid(decide(with_responsibility("2", 40000, 3975)), {3975, 0, 40000});
  expect_paid(decide(with_responsibility("2", 40000, 3976)), {3975, 0, 40000});
}

TEST_F(plans_with, patient_responsibility_informational) {
  cob("[cob]\npatient_responsibility = \"informational\"");
  expect_paid(decide(with_responsibility("2", 40000, 1000)), {3975, 0, 40000});
  // C8 = 8 coordinates on it whatever the plan says.
  expect_paid(decide(with_responsibility("8", 0, 2000)), {2000, 0, allowed - 2000});
}

// C8 = 3: the other payer rejected; its reject code says whether this plan pays as primary.
codec::claim rejected_by_primary(std::string_view code) {
  auto c = apixaban("3");
  const std::string_view codes[] = {code};
  c.add_other_payer(payer("01", "610111"), {}, codes);
  return c;
}

TEST_F(plans_with, primary_rejected) {
  cob("[cob]");
  const auto d = decide(rejected_by_primary("70"));
  ASSERT_EQ(d.status, 'P') << codes(d);
  EXPECT_EQ(d.price->total_paid, as_primary);
  EXPECT_FALSE(d.price->other_payer_recognized);
  const auto pa = decide(rejected_by_primary("75"));
  EXPECT_EQ(codes(pa), "41");
  EXPECT_EQ(pa.rejects.items[0].field, "6E"_fid);
  cob("[cob]\npay_as_primary_after = [\"75\"]");
  EXPECT_EQ(decide(rejected_by_primary("75")).status, 'P');
  EXPECT_EQ(codes(decide(rejected_by_primary("70"))), "41");
}

// Missing or inconsistent COB data: the code a payer sends, with the field and occurrence.
struct data_case {
  const char* name;
  std::function<void(codec::claim&)> setup;
  const char* codes;
  codec::field_id field;
  std::uint8_t occurrence;
};

const data_case data_cases[] = {
    {"c8_2_without_cob_segment", [](codec::claim&) {}, "6G", "C8"_fid, 0},
    {"c8_2_without_amount_paid", [](codec::claim& c) { c.add_other_payer(payer("01", "610111"), {}); }, "DV", "DV"_fid, 1},
    {"c8_2_amount_paid_zero", [](codec::claim& c) { paid_by(c, 0); }, "8W", "DV"_fid, 1},
    {"c8_2_amount_paid_a_cent", [](codec::claim& c) { paid_by(c, 1); }, "", 0, 0},
    {"c8_4_with_amount_paid", [](codec::claim& c) { c.other_coverage_code = "4"; paid_by(c, 1); }, "8W", "DV"_fid, 1},
    {"c8_3_without_reject_codes",
     [](codec::claim& c) { c.other_coverage_code = "3"; c.add_other_payer(payer("01", "610111"), {}); }, "6E", "6E"_fid, 1},
    {"c8_8_without_responsibility", [](codec::claim& c) { c.other_coverage_code = "8"; c.add_other_payer(payer("01", "610111"), {}); },
     "NQ", "NQ"_fid, 1},
    {"c8_absent_with_cob_segment", [](codec::claim& c) { c.other_coverage_code = ""; paid_by(c, 100); }, "13", "C8"_fid, 0},
    {"c8_1_with_cob_segment", [](codec::claim& c) { c.other_coverage_code = "1"; paid_by(c, 100); }, "557", "C8"_fid, 0},
    {"other_payer_date_today", [](codec::claim& c) {
       const other_payer_amount paid[] = {{"07", 100}};
       c.add_other_payer(payer("01", "610111", today_ymd), paid);
     }, "", 0, 0},
    {"other_payer_date_after_today", [](codec::claim& c) {
       const other_payer_amount paid[] = {{"07", 100}};
       c.add_other_payer(payer("01", "610111", today_ymd + 1), paid);
     }, "9J", "E8"_fid, 1},
    {"tertiary_second_payer_without_amount", [](codec::claim& c) {
       paid_by(c, 100);
       c.add_other_payer(payer("02", "610222"), {});
     }, "", 0, 0},
};

class cob_data : public ::testing::TestWithParam<data_case> {};

TEST_P(cob_data, rejects_with_the_field) {
  const auto& dc = GetParam();
  auto c = apixaban("2");
  dc.setup(c);
  const auto d = decide(c);
  EXPECT_EQ(codes(d), dc.codes);
  if (d.rejects.count) {
    EXPECT_EQ(d.rejects.items[0].field, dc.field);
    EXPECT_EQ(d.rejects.items[0].occurrence, dc.occurrence);
  }
}

INSTANTIATE_TEST_SUITE_P(cob, cob_data, ::testing::ValuesIn(data_cases),
                         [](const ::testing::TestParamInfo<data_case>& p) { return std::string(p.param.name); });

TEST_F(plans_with, missing_amount_reject_8W) {
  cob("[cob]\nmissing_amount_reject = \"8W\"");
  auto c = apixaban("2");
  c.add_other_payer(payer("01", "610111"), {});
  EXPECT_EQ(codes(decide(c)), "8W");
}

// The member with other coverage on file (DEMO1008) still gets 41 unless billed as secondary.
TEST(demo_cob, on_file_other_coverage) {
  auto c = apixaban("");
  c.cardholder_id = "DEMO1008";
  c.date_of_birth = ymd(19681010);
  c.gender = 2;
  EXPECT_EQ(codes(decide(c)), "41");
  paid_by(c, 40000);
  c.other_coverage_code = "2";
  expect_paid(decide(c), {3975, 0, 40000});
}

// Accumulators: a secondary moves them by what the member paid, or as if primary.
TEST_F(plans_with, accumulators_member_paid_or_as_primary) {
  const std::string accumulators = "\n[accumulators]\ndeductible = \"500.00\"\nout_of_pocket_max = \"2000.00\"\n";
  cob("[cob]\naccumulators = \"member_paid\"" + accumulators);
  auto c = apixaban("2");
  paid_by(c, 40000);
  // As primary the whole 439.75 goes to the deductible (plan pays 0); after the primary's 400.00
  // the member owes 39.75, all of it deductible.
  auto d = decide(c);
  expect_paid(d, {0, 3975, 40000});
  EXPECT_EQ(d.price->deductible_applied, 3975);
  EXPECT_EQ(d.accumulated.deductible, 3975);
  EXPECT_EQ(d.accumulated.out_of_pocket, 3975);
  EXPECT_EQ(d.price->remaining_deductible, 50000 - 3975);
  cob("[cob]\naccumulators = \"as_primary\"" + accumulators);
  d = decide(c);
  expect_paid(d, {0, 3975, 40000});
  EXPECT_EQ(d.price->deductible_applied, 3975);  // 517-FH is still part of what the member pays
  EXPECT_EQ(d.accumulated.deductible, allowed);
  EXPECT_EQ(d.price->remaining_deductible, 50000 - allowed);
}

TEST_F(plans_with, unknown_and_bad_cob_keys_refuse_to_load) {
  EXPECT_THROW(cob("[cob]\nmethod = \"coordinated\""), plan_error);
  EXPECT_THROW(cob("[cob]\nmetod = \"standard\""), plan_error);
  EXPECT_THROW(cob("[cob]\nrecognized_qualifiers = [\"7\"]"), plan_error);
  EXPECT_THROW(cob("[cob]", "max_days_supply_retail = 30\n", "max_days_supply_retail = 30\ncob_method = \"x\"\n"), plan_error);
}

}  // namespace
}  // namespace rxgate::rules::test
