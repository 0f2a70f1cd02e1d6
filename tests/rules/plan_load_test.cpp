// Loading plans: the demo plans load; every kind of problem is reported with file, line and
// column and nothing half-loaded is returned; versions route by date of service.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

#include "plan_tools/plan_generate.h"
#include "tests/rules/support.h"
#include "tests/support/source_files.h"

namespace rxgate::rules::test {
namespace {

namespace fs = std::filesystem;

using test_support::read_file;
using test_support::write_file;

// A scratch folder of plans holding a copy of the demo plan.
class scratch : public ::testing::Test {
 protected:
  void SetUp() override {
    root = test_support::scratch_folder("plans");
    test_support::copy_demo_plan(RXGATE_SOURCE_DIR, root);
  }
  void TearDown() override { fs::remove_all(root); }

  void edit(const std::string& file, const std::string& from, const std::string& to) {
    test_support::replace_once(root / "demo" / file, from, to);
  }
  // Line number (1-based) of the first line containing `needle`.
  int line_of(const std::string& file, const std::string& needle) {
    std::istringstream in(read_file(root / "demo" / file));
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
      if (line.find(needle) != std::string::npos) return n;
    return 0;
  }
  std::vector<std::string> problems() {
    try {
      load_plans(root);
    } catch (const plan_error& e) {
      return e.problems();
    }
    return {};
  }
  fs::path root;
};

bool has(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p == text) return true;
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  ADD_FAILURE() << "missing problem: " << text << "\nproblems:\n" << all;
  return false;
}

TEST(demo_plans, load_and_describe) {
  const auto& plans = demo_plans();
  ASSERT_EQ(plans.plans().size(), 3u);
  const auto text = describe(plans);
  EXPECT_NE(text.find("demo v2 (demo) [synthetic demo]: BIN 610999 PCN RXGDEMO groups DEMO01 DEMO02"), std::string::npos) << text;
  EXPECT_NE(text.find("74 products, 25 members, 7 pharmacies"), std::string::npos) << text;
  EXPECT_NE(text.find("medicaid-demo v1"), std::string::npos) << text;
  EXPECT_NE(text.find("hdhp-demo v1 (hdhp-demo) [synthetic demo]: BIN 610997 PCN RXGHDHP groups HDHP01"), std::string::npos)
      << text;
}

TEST(demo_plans, demo_has_the_promised_breadth) {
  auto r = demo_plans().route("610999", "RXGDEMO", "DEMO01", ymd(20260101));
  ASSERT_EQ(r.status, route_status::ok);
  const plan& p = *r.found;
  EXPECT_GE(p.products.size(), 60u);
  EXPECT_GE(p.members.size(), 20u);
  EXPECT_GE(p.pharmacies.size(), 5u);
  const product* lipitor = p.find_product("90001000104");
  ASSERT_NE(lipitor, nullptr);
  EXPECT_EQ(lipitor->generic_ndc, "90001000102");
  EXPECT_EQ(lipitor->awp_unit, 1250000);  // 12.50000 dollars in 1/100000
  const member* child = p.find_member("DEMO1001", "003");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->relationship, 3);
  EXPECT_EQ(p.find_member("DEMO1001", "004"), nullptr);
  EXPECT_EQ(p.copay_for_tier(3)->rate_bp, 3000);
  EXPECT_EQ(p.dispensing_fee, 175);
}

TEST(routing, reports_what_did_not_match) {
  const auto& plans = demo_plans();
  EXPECT_EQ(plans.route("610999", "RXGDEMO", "DEMO02", ymd(20260101)).status, route_status::ok);
  EXPECT_EQ(plans.route("610998", "RXGMCD", "MCD01", ymd(20260101)).found->id, "medicaid-demo");
  EXPECT_EQ(plans.route("123456", "RXGDEMO", "DEMO01", ymd(20260101)).status, route_status::unknown_bin);
  EXPECT_EQ(plans.route("610999", "RXGMCD", "DEMO01", ymd(20260101)).status, route_status::unknown_pcn);
  EXPECT_EQ(plans.route("610999", "RXGDEMO", "MCD01", ymd(20260101)).status, route_status::unknown_group);
  EXPECT_EQ(plans.route("610999", "RXGDEMO", "DEMO01", ymd(20241231)).status, route_status::not_in_force);
}

TEST_F(scratch, versions_route_by_date_of_service) {
  // Version 1 ran through 2025 with a $10 generic copay; version 2 (the demo) starts in 2026.
  fs::copy(root / "demo", root / "demo-2025", fs::copy_options::recursive);
  {
    auto p = root / "demo-2025" / "plan.toml";
    auto s = read_file(p);
    s.replace(s.find("version = 2"), 11, "version = 1");
    s.replace(s.find("effective_from = 2025-01-01"), 27, "effective_from = 2025-01-01\neffective_to = 2025-12-31");
    s.replace(s.find("flat = \"5.00\""), 13, "flat = \"10.00\"");
    write_file(p, s);
  }
  edit("plan.toml", "effective_from = 2025-01-01", "effective_from = 2026-01-01");
  auto plans = load_plans(root);
  auto old = plans->route("610999", "RXGDEMO", "DEMO01", ymd(20251215));
  auto cur = plans->route("610999", "RXGDEMO", "DEMO01", ymd(20260101));
  ASSERT_EQ(old.status, route_status::ok);
  ASSERT_EQ(cur.status, route_status::ok);
  EXPECT_EQ(old.found->version, 1u);
  EXPECT_EQ(cur.found->version, 2u);

  // The same claim on each side of the boundary pays under each version's copay.
  auto c = base_claim();
  c.product_id = "90001000103";  // MAC 0.12 x 90 = 10.80 + 1.75
  c.quantity = 90000;
  c.days_supply = 90;
  c.provider_id = "3333333338";
  decision d;
  c.date_of_service = ymd(20251215);
  adjudicate(c, *plans, {}, ymd(20251220), d);
  ASSERT_EQ(d.status, 'P') << codes(d);
  EXPECT_EQ(d.plan_version, 1u);
  EXPECT_EQ(d.price->patient_pay, 1000);
  c.date_of_service = ymd(20260102);
  adjudicate(c, *plans, {}, ymd(20260105), d);
  ASSERT_EQ(d.status, 'P') << codes(d);
  EXPECT_EQ(d.plan_version, 2u);
  EXPECT_EQ(d.price->patient_pay, 500);
}

TEST_F(scratch, overlapping_versions_are_refused) {
  fs::copy(root / "demo", root / "demo-copy", fs::copy_options::recursive);
  auto p = problems();
  ASSERT_FALSE(p.empty());
  EXPECT_NE(p[0].find("overlaps"), std::string::npos) << p[0];
  EXPECT_EQ(p[0].rfind("demo-copy/plan.toml:1:1: BIN 610999 PCN RXGDEMO group DEMO01", 0), 0u) << p[0];
}

TEST_F(scratch, bad_ndc) {
  edit("formulary.csv", "90001000203,", "9000100020X,");
  const int line = line_of("formulary.csv", "9000100020X");
  has(problems(), "demo/formulary.csv:" + std::to_string(line) + ":1: ndc must be 11 digits, found \"9000100020X\"");
}

TEST_F(scratch, bad_tier_value_points_at_its_column) {
  edit("formulary.csv", "90001000201,LISINOPRIL 10 MG TABLET,ACE_INHIBITOR,1,", "90001000201,LISINOPRIL 10 MG TABLET,ACE_INHIBITOR,one,");
  const int line = line_of("formulary.csv", "90001000201");
  has(problems(), "demo/formulary.csv:" + std::to_string(line) + ":51: tier must be a whole number from 0 to 9, found \"one\"");
}

TEST_F(scratch, unknown_and_missing_columns) {
  edit("formulary.csv", "ndc,name,therapeutic_class,tier,", "ndc,name,class,tier,");
  const int line = line_of("formulary.csv", "ndc,name");
  auto p = problems();
  has(p, "demo/formulary.csv:" + std::to_string(line) + ":10: unknown column \"class\"");
  has(p, "demo/formulary.csv:" + std::to_string(line) + ":1: missing column \"therapeutic_class\"");
}

TEST_F(scratch, bad_member_date) {
  edit("members.csv", "DEMO1002,001,MORGAN,EXAMPLE,19581130", "DEMO1002,001,MORGAN,EXAMPLE,19581131");
  const int line = line_of("members.csv", "DEMO1002");
  // A member's date of birth is patient data: the problem names the cell, never its value.
  has(problems(), "demo/members.csv:" + std::to_string(line) + ":29: date_of_birth must be a date CCYYMMDD");
}

// Problems reach the log and the admin reload answer: no value of members.csv may appear in one,
// whatever the check that failed (cell parsers, the group check, a file without its header).
TEST_F(scratch, member_values_never_appear_in_problems) {
  edit("members.csv", "DEMO1004,001,TAYLOR,PLACEHOLDER,19450722,M,1,DEMO01,20250101",
       "DEMO1004,001,TAYLOR,PLACEHOLDER,19451322,Q,9q,DEMO77,2026AB01");
  const int line = line_of("members.csv", "DEMO1004");
  auto p = problems();
  ASSERT_GE(p.size(), 5u);
  const std::string at = "demo/members.csv:" + std::to_string(line) + ":";
  for (const char* column : {"date_of_birth", "gender", "relationship", "group_id", "coverage_from"}) {
    EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
      return x.rfind(at, 0) == 0 && x.find(column) != std::string::npos;
    })) << column;
  }
  for (const auto& x : p) {
    for (const char* value : {"19451322", "\"Q\"", "9q", "DEMO77", "2026AB01", "TAYLOR", "DEMO1004"})
      EXPECT_EQ(x.find(value), std::string::npos) << x;
  }

  // Without its header line the first member row is taken for the header.
  auto text = read_file(root / "demo" / "members.csv");
  const auto header_end = text.find("cardholder_id,");
  ASSERT_NE(header_end, std::string::npos);
  text.erase(header_end, text.find('\n', header_end) + 1 - header_end);
  write_file(root / "demo" / "members.csv", text);
  p = problems();
  ASSERT_FALSE(p.empty());
  for (const auto& x : p) {
    for (const char* value : {"DEMO1001", "ALEX", "SAMPLE", "19700315"}) {
      EXPECT_EQ(x.find(value), std::string::npos) << x;
    }
  }
}

TEST_F(scratch, duplicate_member) {
  edit("members.csv", "DEMO1003,004,", "DEMO1003,003,");
  const int first = line_of("members.csv", "DEMO1003,003,");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("duplicate member (cardholder_id, person_code); first at line " + std::to_string(first)), std::string::npos) << p[0];
  EXPECT_EQ(p[0].rfind("demo/members.csv:" + std::to_string(first + 1) + ":1:", 0), 0u) << p[0];
}

TEST_F(scratch, member_group_not_served) {
  edit("members.csv", "DEMO1004,001,TAYLOR,PLACEHOLDER,19450722,M,1,DEMO01", "DEMO1004,001,TAYLOR,PLACEHOLDER,19450722,M,1,DEMO09");
  const int line = line_of("members.csv", "DEMO1004");
  has(problems(), "demo/members.csv:" + std::to_string(line) + ":46: group_id is not one of the plan's groups ([plan] groups)");
}

TEST_F(scratch, unterminated_quote) {
  edit("pharmacies.csv", "5555555554,DEMO COMPOUNDING PHARMACY", "5555555554,\"DEMO COMPOUNDING PHARMACY");
  const int line = line_of("pharmacies.csv", "5555555554");
  has(problems(), "demo/pharmacies.csv:" + std::to_string(line) + ":12: unterminated quoted field");
}

TEST_F(scratch, quoted_fields_with_commas_load) {
  edit("pharmacies.csv", "5555555554,DEMO COMPOUNDING PHARMACY", "5555555554,\"DEMO COMPOUNDING, \"\"THE\"\" PHARMACY\"");
  auto plans = load_plans(root);
  auto r = plans->route("610999", "RXGDEMO", "DEMO01", ymd(20260101));
  EXPECT_EQ(r.found->find_pharmacy("5555555554")->name, "DEMO COMPOUNDING, \"THE\" PHARMACY");
}

TEST_F(scratch, wrong_field_count) {
  edit("pharmacies.csv", "1111111112,DEMO RETAIL PHARMACY #1,Y,N,N,retail,", "1111111112,DEMO RETAIL PHARMACY #1,Y,N,retail,");
  const int line = line_of("pharmacies.csv", "1111111112");
  has(problems(), "demo/pharmacies.csv:" + std::to_string(line) + ":1: expected 7 fields, found 6");
}

TEST_F(scratch, unknown_product_referenced) {
  edit("formulary.csv", "90001000601;90001000602", "90001000601;90001000699");
  const int line = line_of("formulary.csv", "90001000601;90001000699");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("demo/formulary.csv:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("unknown product 90001000699 referenced"), std::string::npos);
}

TEST_F(scratch, tier_without_copay) {
  edit("formulary.csv", "90001000201,LISINOPRIL 10 MG TABLET,ACE_INHIBITOR,1,", "90001000201,LISINOPRIL 10 MG TABLET,ACE_INHIBITOR,7,");
  const int line = line_of("formulary.csv", "90001000201");
  has(problems(), "demo/formulary.csv:" + std::to_string(line) + ":51: tier 7 has no [[copay]] in plan.toml");
}

TEST_F(scratch, dur_kind_unknown) {
  edit("dur.csv", "duplicate_therapy,PPI", "duplicated,PPI");
  const int line = line_of("dur.csv", "duplicated,PPI");
  has(problems(), "demo/dur.csv:" + std::to_string(line) + ":1: kind must be interaction, duplicate_therapy or max_daily_dose, found \"duplicated\"");
}

TEST_F(scratch, toml_syntax_error) {
  edit("plan.toml", "pcn = \"RXGDEMO\"", "pcn = \"RXGDEMO");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  const int line = line_of("plan.toml", "pcn = ");
  EXPECT_EQ(p[0].rfind("demo/plan.toml:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("TOML syntax error"), std::string::npos) << p[0];
}

TEST_F(scratch, bin_must_be_a_string) {
  edit("plan.toml", "bin = \"610999\"", "bin = 610999");
  const int line = line_of("plan.toml", "bin = ");
  has(problems(), "demo/plan.toml:" + std::to_string(line) + ":7: bin must be a string (quote IDs so leading zeros survive)");
}

// [ncpdp]: the Telecommunication versions a plan takes, by processing date (issue 16).
TEST(ncpdp_versions, default_to_the_federal_dates_each_day_inclusive) {
  const plan* medicaid = nullptr;
  for (const auto& p : demo_plans().plans())
    if (p->id == "medicaid-demo") medicaid = p.get();
  ASSERT_NE(medicaid, nullptr);  // states no [ncpdp]
  EXPECT_EQ(medicaid->d0_until, ymd(20280413));
  EXPECT_EQ(medicaid->f6_from, ymd(20270815));
  EXPECT_FALSE(medicaid->accepts_version("F6", ymd(20270814)));
  EXPECT_TRUE(medicaid->accepts_version("F6", ymd(20270815)));
  EXPECT_TRUE(medicaid->accepts_version("D0", ymd(20280413)));
  EXPECT_FALSE(medicaid->accepts_version("D0", ymd(20280414)));
  EXPECT_TRUE(medicaid->accepts_version("F6", ymd(20280414)));
  EXPECT_FALSE(medicaid->accepts_version("D1", ymd(20270101)));
  EXPECT_FALSE(medicaid->accepts_version("", ymd(20270101)));
}

TEST_F(scratch, ncpdp_dates_as_stated_and_a_day_without_a_version_refused) {
  edit("plan.toml", "f6_from = 2026-01-01", "f6_from = 2026-01-01\nd0_until = 2027-12-31");
  auto plans = load_plans(root);
  EXPECT_EQ(plans->plans().front()->f6_from, ymd(20260101));
  EXPECT_EQ(plans->plans().front()->d0_until, ymd(20271231));
  // F6 from the day after D.0's last day leaves no gap; two days after does.
  edit("plan.toml", "f6_from = 2026-01-01", "f6_from = 2028-01-01");
  EXPECT_EQ(load_plans(root)->plans().front()->f6_from, ymd(20280101));
  edit("plan.toml", "f6_from = 2028-01-01", "f6_from = 2028-01-02");
  const int line = line_of("plan.toml", "f6_from");
  has(problems(), "demo/plan.toml:" + std::to_string(line) +
                      ":11: f6_from is more than a day after d0_until: between them the plan would accept no version");
}

TEST_F(scratch, ncpdp_unknown_key_is_refused) {
  edit("plan.toml", "f6_from = 2026-01-01", "f6_form = 2026-01-01");
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("f6_form"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("[ncpdp]"), std::string::npos) << p[0];
}

TEST_F(scratch, bin_is_six_digits_or_an_eight_digit_iin) {
  edit("plan.toml", "bin = \"610999\"", "bin = \"61099900\"");
  EXPECT_EQ(load_plans(root)->plans().front()->bin, "61099900");
  std::string current = "bin = \"61099900\"";
  for (const char* bad : {"6109990", "610999000", "61099", "6109990A"}) {
    SCOPED_TRACE(bad);
    const std::string next = std::string("bin = \"") + bad + "\"";
    edit("plan.toml", current, next);
    current = next;
    const int line = line_of("plan.toml", "bin = ");
    has(problems(), "demo/plan.toml:" + std::to_string(line) + ":7: bin must be a 6-digit BIN or an 8-digit IIN (101-A1)");
  }
}

TEST_F(scratch, missing_key) {
  edit("plan.toml", "help_desk_phone = \"8005550100\"\n", "");
  edit("plan.toml", "basis = \"lowest\"", "# no basis");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("missing key \"basis\""), std::string::npos) << p[0];
  EXPECT_EQ(p[0].rfind("demo/plan.toml:", 0), 0u) << p[0];
}

TEST_F(scratch, bad_basis_and_copay_together_all_reported) {
  edit("plan.toml", "basis = \"lowest\"", "basis = \"cheapest\"");
  edit("plan.toml", "coinsurance_pct = \"30\"", "coinsurance_pct = \"130\"");
  edit("members.csv", "DEMO1002,001,MORGAN,EXAMPLE,19581130,F", "DEMO1002,001,MORGAN,EXAMPLE,19581130,X");
  auto p = problems();
  EXPECT_EQ(p.size(), 3u);
  const int basis_line = line_of("plan.toml", "basis = ");
  has(p, "demo/plan.toml:" + std::to_string(basis_line) + ":9: basis must be awp, mac, wac or lowest");
  const int member_line = line_of("members.csv", "DEMO1002");
  has(p, "demo/members.csv:" + std::to_string(member_line) + ":38: gender must be M, F, 1, 2 or empty");
}

TEST_F(scratch, a_broken_plan_never_serves_and_others_are_not_half_loaded) {
  fs::copy(plans_dir() + "/medicaid-demo", root / "medicaid-demo", fs::copy_options::recursive);
  edit("formulary.csv", "90001000203,", "9000100020X,");
  EXPECT_THROW(load_plans(root), plan_error);
}

// ---- meaning checks (issue 12, build 7) ------------------------------------------------------

TEST_F(scratch, unknown_key_in_plan_toml) {
  edit("plan.toml", "refill_threshold_pct = 80", "refill_treshold_pct = 80");
  const int line = line_of("plan.toml", "refill_treshold_pct");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("demo/plan.toml:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("unknown key \"refill_treshold_pct\" in [benefit]"), std::string::npos) << p[0];
}

// 524-FO is x(8): the configured wire plan ID, else the id upper-cased when it fits, never cut.
TEST_F(scratch, wire_plan_id_as_configured) {
  EXPECT_EQ(load_plans(root)->plans().front()->wire_plan_id, "RXGDEMO2");
  edit("plan.toml", "wire_plan_id = \"RXGDEMO2\"", "wire_plan_id = \"A\"");
  EXPECT_EQ(load_plans(root)->plans().front()->wire_plan_id, "A");
}

TEST_F(scratch, wire_plan_id_defaults_to_the_id_upper_cased_when_it_fits) {
  edit("plan.toml", "wire_plan_id = \"RXGDEMO2\"", "");
  EXPECT_EQ(load_plans(root)->plans().front()->wire_plan_id, "DEMO");
  edit("plan.toml", "id = \"demo\"", "id = \"demo-ab8\"");  // 8 characters
  EXPECT_EQ(load_plans(root)->plans().front()->wire_plan_id, "DEMO-AB8");
  edit("plan.toml", "id = \"demo-ab8\"", "id = \"demo-abc9\"");  // 9: not sent rather than cut
  EXPECT_EQ(load_plans(root)->plans().front()->wire_plan_id, "");
}

TEST_F(scratch, wire_plan_id_of_8_characters_loads_and_9_do_not) {
  edit("plan.toml", "wire_plan_id = \"RXGDEMO2\"", "wire_plan_id = \"ABCDEFGH\"");
  EXPECT_EQ(load_plans(root)->plans().front()->wire_plan_id, "ABCDEFGH");
  edit("plan.toml", "wire_plan_id = \"ABCDEFGH\"", "wire_plan_id = \"ABCDEFGHI\"");
  const int line = line_of("plan.toml", "wire_plan_id");
  has(problems(), "demo/plan.toml:" + std::to_string(line) +
                      ":16: wire_plan_id must be 1 to 8 printable characters without blanks (524-FO Plan ID)");
}

TEST_F(scratch, wire_plan_id_empty_or_with_a_blank_is_refused) {
  edit("plan.toml", "wire_plan_id = \"RXGDEMO2\"", "wire_plan_id = \"\"");
  EXPECT_EQ(problems().size(), 1u);
  edit("plan.toml", "wire_plan_id = \"\"", "wire_plan_id = \"RXG DEMO\"");
  EXPECT_EQ(problems().size(), 1u);
}

TEST_F(scratch, unknown_section_and_copay_key) {
  edit("plan.toml", "[dur]", "[durr]");
  edit("plan.toml", "flat = \"5.00\"", "flat = \"5.00\"\nflatt = \"6.00\"");
  auto p = problems();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[0].find("unknown key \"durr\" in plan.toml"), std::string::npos) << p[0];
  EXPECT_NE(p[1].find("unknown key \"flatt\" in [[copay]]"), std::string::npos) << p[1];
  EXPECT_EQ(p[1].rfind("demo/plan.toml:" + std::to_string(line_of("plan.toml", "flatt")) + ":", 0), 0u) << p[1];
}

TEST_F(scratch, string_where_a_list_belongs_is_one_error) {
  // Without care, every member's group and every product's tier would be reported too.
  edit("plan.toml", "groups = [\"DEMO01\", \"DEMO02\"]", "groups = \"DEMO01\"");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u) << p[0];
  EXPECT_NE(p[0].find("groups must be a non-empty array of strings"), std::string::npos) << p[0];
}

TEST_F(scratch, string_where_copays_belong_is_one_error) {
  // A root key must come before the first [table]; after [pricing] it would be pricing's (and
  // reported as an unknown key of [pricing]).
  auto text = read_file(root / "demo" / "plan.toml");
  // (The [[copay]] tables go; the networks and groups after them stay.)
  text = "copay = \"tier 1 five dollars\"\n" + text.substr(0, text.find("[[copay]]")) +
         text.substr(text.find("# Pharmacy networks"));
  write_file(root / "demo" / "plan.toml", text);
  auto p = problems();
  ASSERT_EQ(p.size(), 1u) << p[0];
  EXPECT_NE(p[0].find("copay must be an array of tables"), std::string::npos) << p[0];
}

TEST_F(scratch, list_settings_given_as_strings) {
  edit("plan.toml", "refill_override_scc = [3, 4, 5, 13]", "refill_override_scc = \"3,4,5,13\"");
  edit("plan.toml", "override_results = [", "override_results = \"1A\"\nx_results = [");
  auto p = problems();
  EXPECT_EQ(p.size(), 3u);  // the two strings, and the renamed key is unknown
  has(p, "demo/plan.toml:" + std::to_string(line_of("plan.toml", "refill_override_scc")) +
             ":23: refill_override_scc must be an array of 420-DK codes, such as [3, 4]");
}

TEST_F(scratch, dur_rule_naming_an_unknown_class) {
  edit("dur.csv", "interaction,SSRI,MAOI,1", "interaction,SSRI,MAOIS,1");
  const int line = line_of("dur.csv", "MAOIS");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "demo/dur.csv:" + std::to_string(line) +
                      ":18: therapeutic class MAOIS is not the class of any product of the formulary");
}

TEST_F(scratch, duplicate_therapy_naming_an_unknown_class) {
  edit("dur.csv", "duplicate_therapy,PPI,", "duplicate_therapy,PPIS,");
  has(problems(), "demo/dur.csv:" + std::to_string(line_of("dur.csv", "PPIS")) +
                      ":19: therapeutic class PPIS is not the class of any product of the formulary");
}

TEST_F(scratch, step_prerequisite_naming_nothing) {
  edit("formulary.csv", ",BIGUANIDE;SULFONYLUREA,", ",BIGUANIDE;SULFONYLUREAS,");
  const int line = line_of("formulary.csv", "SULFONYLUREAS");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("demo/formulary.csv:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("step prerequisite SULFONYLUREAS is no NDC, drug key or therapeutic class"), std::string::npos) << p[0];
}

TEST_F(scratch, step_prerequisite_by_ndc_or_drug_key_loads) {
  edit("formulary.csv", ",BIGUANIDE;SULFONYLUREA,", ",90001000701;ATORVASTATIN 20 MG TAB ORAL,");
  EXPECT_TRUE(problems().empty());
}

TEST_F(scratch, drug_key_spanning_two_classes) {
  edit("formulary.csv", "90001000303,ESCITALOPRAM 10 MG TABLET,SSRI,", "90001000303,ESCITALOPRAM 10 MG TABLET,SNRI,");
  const int line = line_of("formulary.csv", "90001000304");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("demo/formulary.csv:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("drug_key ESCITALOPRAM 10 MG TAB ORAL: product 90001000304 is in class SSRI but "
                      "90001000303 of the same drug is in SNRI"), std::string::npos) << p[0];
}

TEST_F(scratch, a_single_plan_folder_loads) {
  auto plans = load_plans(root / "demo");
  ASSERT_EQ(plans->plans().size(), 1u);
  EXPECT_EQ(plans->plans()[0]->id, "demo");
  EXPECT_EQ(plans->plans()[0]->folder, "demo");
}

TEST_F(scratch, a_single_broken_plan_folder_reports_its_files) {
  edit("formulary.csv", "90001000203,", "9000100020X,");
  try {
    load_plans(root / "demo");
    FAIL() << "loaded";
  } catch (const plan_error& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0].rfind("demo/formulary.csv:", 0), 0u) << e.problems()[0];
  }
}

// ---- networks, channels and group benefits: meaning errors and the payer's choices ------------

// A problem of `file` at `line` whose message contains `fragment`.
bool has_at(const std::vector<std::string>& problems, const std::string& file, int line, const std::string& fragment) {
  const std::string where = "demo/" + file + ":" + std::to_string(line) + ":";
  for (const auto& p : problems)
    if (p.rfind(where, 0) == 0 && p.find(fragment) != std::string::npos) return true;
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  ADD_FAILURE() << "missing problem at " << where << " containing: " << fragment << "\nproblems:\n" << all;
  return false;
}

TEST_F(scratch, pharmacy_naming_an_undeclared_network) {
  edit("pharmacies.csv", "retail90-preferred,", "retail-90,");
  auto p = problems();
  EXPECT_EQ(p.size(), 1u);
  has_at(p, "pharmacies.csv", line_of("pharmacies.csv", "7777777773"),
         "network retail-90 is not declared in plan.toml (known: retail, mail, retail90-preferred, specialty)");
}

TEST_F(scratch, mail_order_pharmacy_in_a_retail_network) {
  edit("pharmacies.csv", "Y,N,Y,mail,", "Y,N,Y,retail,");
  has_at(problems(), "pharmacies.csv", line_of("pharmacies.csv", "3333333338"),
         "pharmacy 3333333338 is mail_order but network retail has channel retail");
}

TEST_F(scratch, copay_band_gap) {
  edit("plan.toml", "from_days = 35", "from_days = 36");
  auto p = problems();
  EXPECT_EQ(p.size(), 1u);
  has_at(p, "plan.toml", line_of("plan.toml", "from_days = 36") - 1, "copay bands leave day 35 of network retail90-preferred without a band");
}

TEST_F(scratch, copay_band_overlap) {
  edit("plan.toml", "from_days = 61", "from_days = 60");
  has_at(problems(), "plan.toml", line_of("plan.toml", "from_days = 60") - 1,
         "copay band 60-90 overlaps the band before it (network retail90-preferred)");
}

TEST_F(scratch, copay_bands_not_from_day_one) {
  edit("plan.toml", "from_days = 1\n", "from_days = 2\n");
  has_at(problems(), "plan.toml", line_of("plan.toml", "from_days = 2") - 1, "copay bands leave day 1 of network");
}

TEST_F(scratch, copay_band_backwards) {
  edit("plan.toml", "to_days = 60", "to_days = 30");
  has_at(problems(), "plan.toml", line_of("plan.toml", "to_days = 30") - 2, "copay band to_days 30 is before from_days 35");
}

TEST_F(scratch, copay_band_multiplier_range) {
  // Just outside the range at each end.
  edit("plan.toml", "multiplier = 2\n", "multiplier = 0\n");
  edit("plan.toml", "multiplier = \"2.5\"", "multiplier = \"100.01\"");
  const auto p = problems();
  for (const char* written : {"multiplier = 0", "multiplier = \"100.01\""})
    has_at(p, "plan.toml", line_of("plan.toml", written), "multiplier must be above 0 and at most 100");
}

TEST_F(scratch, copay_bands_short_of_the_network_maximum) {
  edit("plan.toml", "to_days = 90\nmultiplier", "to_days = 89\nmultiplier");
  auto p = problems();
  EXPECT_EQ(p.size(), 1u);
  has_at(p, "plan.toml", line_of("plan.toml", "to_days = 89") - 2,
         "copay bands of network retail90-preferred end at day 89 but the network pays up to 90 days");
}

TEST_F(scratch, network_declared_twice_or_without_channel) {
  edit("plan.toml", "name = \"specialty\"                  # may dispense formulary specialty drugs\nchannel = \"specialty\"",
       "name = \"retail\"\nchannel = \"retail\"\n\n[[network]]\nname = \"nochannel\"");
  auto p = problems();
  has_at(p, "plan.toml", line_of("plan.toml", "name = \"nochannel\"") - 5, "network retail is declared twice");
  has_at(p, "plan.toml", line_of("plan.toml", "name = \"nochannel\"") - 1, "missing key \"channel\"");
}

TEST_F(scratch, implicit_network_names_keep_their_channel) {
  edit("plan.toml", "channel = \"mail\"", "channel = \"retail\"");
  has_at(problems(), "plan.toml", line_of("plan.toml", "name = \"mail\"") - 1, "network mail must have channel \"mail\"");
}

TEST_F(scratch, group_benefit_for_an_unknown_group) {
  edit("plan.toml", "id = \"DEMO02\"", "id = \"DEMO03\"");
  has_at(problems(), "plan.toml", line_of("plan.toml", "id = \"DEMO03\""), "group DEMO03 is not one of the plan's groups");
}

TEST_F(scratch, specialty_pharmacy_must_be_a_specialty_pharmacy) {
  edit("plan.toml", "specialty_pharmacy = \"2222222220\"", "specialty_pharmacy = \"1111111112\"");
  has_at(problems(), "plan.toml", line_of("plan.toml", "specialty_pharmacy ="),
         "specialty_pharmacy 1111111112 is not an in-network specialty pharmacy");
  edit("plan.toml", "specialty_pharmacy = \"1111111112\"", "specialty_pharmacy = \"9999999999\"");
  has_at(problems(), "plan.toml", line_of("plan.toml", "specialty_pharmacy ="), "specialty_pharmacy 9999999999 is not in pharmacies.csv");
}

TEST_F(scratch, reject_code_choices_are_checked) {
  edit("plan.toml", "specialty_reject_code = \"G6\"", "specialty_reject_code = \"40\"");
  edit("plan.toml", "retail_days_supply_reject_code = \"7X\"", "retail_days_supply_reject_code = \"76\"");
  auto p = problems();
  has_at(p, "plan.toml", line_of("plan.toml", "specialty_reject_code"), "specialty_reject_code must be one of G6, 4W");
  has_at(p, "plan.toml", line_of("plan.toml", "retail_days_supply_reject_code"), "retail_days_supply_reject_code must be one of 7X, G9");
}

TEST_F(scratch, unknown_network_and_group_keys) {
  edit("plan.toml", "dispensing_fee = \"1.00\"", "dispensing_fees = \"1.00\"");
  edit("plan.toml", "multiplier = 2\n", "multiplyer = 2\n");
  edit("plan.toml", "max_days_supply_retail = 30", "max_days_supply = 30");
  auto p = problems();
  has_at(p, "plan.toml", line_of("plan.toml", "dispensing_fees"), "unknown key \"dispensing_fees\" in [[network]]");
  has_at(p, "plan.toml", line_of("plan.toml", "multiplyer"), "unknown key \"multiplyer\" in [[network.copay_band]]");
  has_at(p, "plan.toml", line_of("plan.toml", "max_days_supply = 30"), "unknown key \"max_days_supply\" in [[group]]");
}

TEST_F(scratch, mac_list_problems) {
  edit("mac-retail90.csv", "90001000103,0.10000", "90001000199,0.10000\n90001000101,0.05000");
  auto p = problems();
  has_at(p, "mac-retail90.csv", line_of("mac-retail90.csv", "90001000199"), "unknown product 90001000199");
  has_at(p, "mac-retail90.csv", line_of("mac-retail90.csv", "90001000101,0.05"), "second price for 90001000101; first at line");
  fs::remove(root / "demo" / "mac-retail90.csv");
  has_at(problems(), "plan.toml", line_of("plan.toml", "mac_list ="), "mac_list mac-retail90.csv of network retail90-preferred is not in the plan folder");
}

// Adjudicates the claim `setup` makes against the scratch plans as they stand.
decision decide_scratch(const fs::path& root, const std::function<void(codec::claim&)>& setup) {
  auto plans = load_plans(root);
  auto c = base_claim();
  setup(c);
  decision d;
  adjudicate(c, *plans, {}, ymd(today_ymd), d);
  return d;
}

void teriflunomide_at(codec::claim& c, std::string_view npi) {
  c.product_id = "90001000805";
  c.provider_id = npi;
}

TEST_F(scratch, payer_chooses_4W_for_specialty_outside_the_network) {
  edit("plan.toml", "specialty_reject_code = \"G6\"", "specialty_reject_code = \"4W\"");
  EXPECT_EQ(codes(decide_scratch(root, [](codec::claim& c) { teriflunomide_at(c, "1111111112"); })), "4W");
}

TEST_F(scratch, payer_chooses_G9_over_the_retail_maximum) {
  edit("plan.toml", "retail_days_supply_reject_code = \"7X\"", "retail_days_supply_reject_code = \"G9\"");
  auto days = [](std::string_view npi, int n) {
    return [npi, n](codec::claim& c) { c.provider_id = npi; c.days_supply = n; c.quantity = n * 1000; };
  };
  EXPECT_EQ(codes(decide_scratch(root, days("1111111112", 34))), "");
  EXPECT_EQ(codes(decide_scratch(root, days("1111111112", 35))), "G9");
  EXPECT_EQ(codes(decide_scratch(root, days("7777777773", 91))), "G9");  // a retail-channel network
  EXPECT_EQ(codes(decide_scratch(root, days("3333333338", 91))), "7X");  // mail stays 7X
}

TEST_F(scratch, without_the_network_column_mail_order_picks_the_channel) {
  // Today's behaviour: no network column, mail_order decides retail (34 days) or mail (90 days).
  auto text = read_file(root / "demo" / "pharmacies.csv");
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line[0] != '#') line = line.substr(0, line.rfind(',', line.rfind(',') - 1));
    out += line + "\n";
  }
  write_file(root / "demo" / "pharmacies.csv", out);
  auto days = [](std::string_view npi, int n) {
    return [npi, n](codec::claim& c) { c.provider_id = npi; c.days_supply = n; c.quantity = n * 1000; };
  };
  EXPECT_EQ(codes(decide_scratch(root, days("1111111112", 35))), "7X");
  EXPECT_EQ(codes(decide_scratch(root, days("7777777773", 35))), "7X");  // back in plain retail
  EXPECT_EQ(codes(decide_scratch(root, days("3333333338", 90))), "");
  EXPECT_EQ(codes(decide_scratch(root, days("3333333338", 91))), "7X");
  // The specialty flag alone still admits specialty drugs; the G6 message names the first one.
  EXPECT_EQ(codes(decide_scratch(root, [](codec::claim& c) { teriflunomide_at(c, "2222222220"); })), "");
  auto d = decide_scratch(root, [](codec::claim& c) { teriflunomide_at(c, "1111111112"); });
  EXPECT_EQ(codes(d), "G6");
  EXPECT_EQ(d.text(0), "SPECIALTY DRUG: FILL AT DEMO SPECIALTY PHARMACY");
}

TEST_F(scratch, a_specialty_network_admits_specialty_drugs_without_the_flag) {
  edit("pharmacies.csv", "2222222220,DEMO SPECIALTY PHARMACY,Y,Y,N", "2222222220,DEMO SPECIALTY PHARMACY,Y,N,N");
  EXPECT_EQ(codes(decide_scratch(root, [](codec::claim& c) { teriflunomide_at(c, "2222222220"); })), "");
  edit("pharmacies.csv", "Y,N,N,specialty,", "Y,N,N,retail,");
  edit("plan.toml", "specialty_pharmacy = \"2222222220\"", "");
  EXPECT_EQ(codes(decide_scratch(root, [](codec::claim& c) { teriflunomide_at(c, "2222222220"); })), "G6");
}

// [compound], [transition], [emergency] and diagnosis_required (issue 12 items 5 and 6).
TEST_F(scratch, compound_pa_threshold_at_or_over_the_cap_is_refused) {
  edit("plan.toml", "pa_threshold = \"300.00\"", "pa_threshold = \"1000.00\"");
  const int line = line_of("plan.toml", "pa_threshold");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("demo/plan.toml:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("pa_threshold must be below cost_cap"), std::string::npos) << p[0];
}

TEST_F(scratch, compound_pa_threshold_just_under_the_cap_loads) {
  edit("plan.toml", "pa_threshold = \"300.00\"", "pa_threshold = \"999.99\"");
  EXPECT_TRUE(problems().empty());
}

TEST_F(scratch, unknown_keys_of_the_new_sections) {
  edit("plan.toml", "cost_cap =", "cost_cao =");
  edit("plan.toml", "window_days = 90", "window_dayz = 90");
  auto p = problems();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[0].find("unknown key \"cost_cao\" in [compound]"), std::string::npos) << p[0];
  EXPECT_EQ(p[1].rfind("demo/plan.toml:" + std::to_string(line_of("plan.toml", "window_dayz")) + ":", 0), 0u) << p[1];
  EXPECT_NE(p[1].find("unknown key \"window_dayz\" in [transition]"), std::string::npos) << p[1];
}

TEST_F(scratch, transition_window_over_a_year_is_refused) {
  edit("plan.toml", "window_days = 90", "window_days = 366");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("window_days must be a whole number from 0 to 365"), std::string::npos) << p[0];
}

TEST_F(scratch, diagnosis_code_with_a_decimal_point_is_refused) {
  edit("formulary.csv", ",,,E11\n", ",,,E11;E11.9\n");
  const int line = line_of("formulary.csv", "E11.9");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("demo/formulary.csv:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("diagnosis code E11.9 of product 90001000707"), std::string::npos) << p[0];
}

TEST_F(scratch, diagnosis_prefix_shorter_than_a_category_is_refused) {
  edit("formulary.csv", ",,,E11\n", ",,,E1\n");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("diagnosis code E1 of product"), std::string::npos) << p[0];
}

// How far back the store must load every fill for a plan's rules: the farthest of the step
// therapy lookback, the transition window and the formulary's quantity-limit windows.
TEST_F(scratch, fill_lookback_is_the_farthest_window_a_rule_reads_every_fill_in) {
  auto lookback = [&] {
    const auto plans = load_plans(root);
    return plans->route("610999", "RXGDEMO", "DEMO01", ymd(20260101)).found->fill_lookback_days;
  };
  EXPECT_EQ(lookback(), 180);  // step_lookback_days, over the 90-day transition window
  edit("plan.toml", "step_lookback_days = 180", "step_lookback_days = 20");
  EXPECT_EQ(lookback(), 90);   // the transition window, over the 30-day quantity limits
  edit("plan.toml", "window_days = 90", "window_days = 10");
  EXPECT_EQ(lookback(), 30);   // the formulary's largest quantity_limit_days
  edit("formulary.csv", ",240,30,", ",240,31,");
  EXPECT_EQ(lookback(), 31);
}

TEST(demo_plans, fill_lookback_of_a_claim_is_its_plans_or_everything_when_it_routes_nowhere) {
  codec::claim c;
  c.bin = "610999";
  c.pcn = "RXGDEMO";
  c.group_id = "DEMO01";
  c.date_of_service = ymd(20260101);
  EXPECT_EQ(fill_lookback_days(c, demo_plans()), 180);
  c.bin = "123456";
  EXPECT_EQ(fill_lookback_days(c, demo_plans()), -1);
}

// The Medicaid demo plan states none of them: every one is off.
TEST(demo_plans, plans_without_the_new_settings_default_to_off) {
  const auto& mcd = *demo_plans().route("610998", "RXGMCD", "MCD01", ymd(20260101)).found;
  EXPECT_FALSE(mcd.compound.pay_approved_ingredients);
  EXPECT_EQ(mcd.compound.cost_cap, 0);
  EXPECT_EQ(mcd.compound.pa_threshold, 0);
  EXPECT_EQ(mcd.fills.transition_window_days, 0);
  EXPECT_EQ(mcd.fills.transition_days_supply, 30);
  EXPECT_EQ(mcd.fills.emergency_days_supply, 0);
}

TEST(generator, writes_a_plan_that_loads) {
  auto dir = fs::temp_directory_path() / ("rxgate-generated-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  generate_options o;
  o.products = 500;
  o.members = 2000;
  o.pharmacies = 20;
  o.seed = 7;
  generate_plan(dir / "bench", o);
  auto plans = load_plans(dir);
  auto r = plans->route("610900", "RXGBENCH", "BENCH01", ymd(20260101));
  ASSERT_EQ(r.status, route_status::ok);
  EXPECT_EQ(r.found->products.size(), 500u);
  EXPECT_EQ(r.found->members.size(), 2000u);
  EXPECT_NE(r.found->find_product(generated_ndc(499)), nullptr);
  EXPECT_NE(r.found->find_member(generated_cardholder(0), "001"), nullptr);
  EXPECT_NE(r.found->find_pharmacy(generated_npi(0)), nullptr);
  // Same seed, same files.
  generate_plan(dir / "again", o);
  EXPECT_EQ(read_file(dir / "bench" / "members.csv"), read_file(dir / "again" / "members.csv"));
  fs::remove_all(dir);
}

// ---- product selection and dose/refill settings (issue 12, items 3 and 4) ----------------------

TEST_F(scratch, multi_source_brand_without_a_generic) {
  edit("formulary.csv", "METOPROLOL SUCC ER 50 MG TAB ORAL,Y,", "METOPROLOL SUCC ER 50 MG TAB ORAL,N,");
  const int line = line_of("formulary.csv", "90001000207");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("demo/formulary.csv:" + std::to_string(line) + ":", 0), 0u) << p[0];
  EXPECT_NE(p[0].find("product 90001000207 is a multi-source brand (M) without a generic equivalent"), std::string::npos)
      << p[0];
}

TEST_F(scratch, generic_ndc_on_a_product_that_is_no_multi_source_brand) {
  edit("formulary.csv", "ATORVASTATIN 20 MG TAB ORAL,M,", "ATORVASTATIN 20 MG TAB ORAL,N,");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("product 90001000104 has a generic_ndc but multi_source N"), std::string::npos) << p[0];
}

TEST_F(scratch, bad_multi_source_schedule_threshold_and_per_day_cells) {
  edit("formulary.csv", "METOPROLOL SUCC ER 50 MG TAB ORAL,Y,,,", "METOPROLOL SUCC ER 50 MG TAB ORAL,G,6,101,two");
  const int line = line_of("formulary.csv", "90001000205");
  auto p = problems();
  const std::string at = "demo/formulary.csv:" + std::to_string(line) + ":";
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind(at, 0) == 0 && x.find("multi_source must be M, N, O, Y or empty, found \"G\"") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind(at, 0) == 0 && x.find("dea_schedule must be a whole number from 0 to 5, found \"6\"") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind(at, 0) == 0 && x.find("refill_threshold_pct must be a whole number from 1 to 100, found \"101\"") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind(at, 0) == 0 && x.find("max_quantity_per_day must be a non-negative number") != std::string::npos;
  }));
}

TEST_F(scratch, the_cheapest_generic_of_the_drug_key_is_the_comparison) {
  // A second labeler's metoprolol ER 50 mg, cheaper by MAC than 90001000205.
  auto p = root / "demo" / "formulary.csv";
  write_file(p, read_file(p) + "90002000205,METOPROLOL SUCC ER 50 MG TABLET (LABELER 2),BETA_BLOCKER,1,Y,Y,N,,,,,,,,N,N,,,,0.80000,,"
                     "0.12000,METOPROLOL SUCC ER 50 MG TAB ORAL,Y,,,,\n");
  auto plans = load_plans(root);
  const plan& demo = *plans->plans()[0];
  const product* generic = demo.generic_of(*demo.find_product("90001000207"));
  ASSERT_NE(generic, nullptr);
  EXPECT_EQ(generic->ndc, "90002000205");
}

TEST_F(scratch, without_multi_source_a_product_with_generic_ndc_is_the_brand) {
  // The medicaid demo has no multi_source column: its rows with a generic_ndc are brands.
  auto plans = load_plans(plans_dir());
  const plan* medicaid = nullptr;
  for (const auto& x : plans->plans())
    if (x->id == "medicaid-demo") medicaid = x.get();
  ASSERT_NE(medicaid, nullptr);
  for (const auto& d : medicaid->products) {
    EXPECT_EQ(d.multi_source, 0);
    EXPECT_EQ(medicaid->generic_of(d) != nullptr, !d.generic_ndc.empty()) << d.ndc;
  }
}

TEST_F(scratch, daw_policy_problems_at_their_lines) {
  edit("plan.toml", "2 = \"penalty\"", "2 = \"penalise\"");
  edit("plan.toml", "9 = \"brand\"", "9 = \"brand\"\n10 = \"brand\"");
  edit("plan.toml", "penalty_cost_share = \"generic\"", "penalty_cost_share = \"both\"");
  auto p = problems();
  ASSERT_EQ(p.size(), 3u);
  const auto at = [&](const std::string& needle) { return "demo/plan.toml:" + std::to_string(line_of("plan.toml", needle)) + ":"; };
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind(at("penalise"), 0) == 0 &&
           x.find("DAW 2 must be one of brand, penalty, generic_price, generic_required, prior_auth, not_supported") !=
               std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind(at("10 = "), 0) == 0 && x.find("unknown key \"10\" in [daw]") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind(at("\"both\""), 0) == 0 && x.find("penalty_cost_share must be") != std::string::npos;
  }));
}

TEST_F(scratch, schedule_threshold_problems_at_their_lines) {
  edit("plan.toml", "2 = 90 ", "2 = 0 ");
  edit("plan.toml", "5 = 90", "5 = 90\n6 = 90");
  auto p = problems();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind("demo/plan.toml:" + std::to_string(line_of("plan.toml", "2 = 0 ")) + ":", 0) == 0 &&
           x.find("2 must be a whole number from 1 to 100") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const std::string& x) {
    return x.rfind("demo/plan.toml:" + std::to_string(line_of("plan.toml", "6 = 90")) + ":", 0) == 0 &&
           x.find("unknown key \"6\" in [refill_threshold_by_schedule]") != std::string::npos;
  }));
}

TEST_F(scratch, without_the_new_keys_every_code_pays_the_brand_at_the_plans_threshold) {
  auto text = read_file(root / "demo" / "plan.toml");
  const auto from = text.find("[refill_threshold_by_schedule]");
  const auto to = text.find("[dur]");
  ASSERT_NE(from, std::string::npos);
  text.erase(from, to - from);
  write_file(root / "demo" / "plan.toml", text);
  auto plans = load_plans(root);
  const plan& demo = *plans->plans()[0];
  for (auto a : demo.daw) EXPECT_EQ(a, daw_action::brand);
  EXPECT_EQ(demo.daw_penalty_share, penalty_share::generic);
  EXPECT_EQ(demo.threshold_for(*demo.find_product("90001000403")).pct, 80);
}

}  // namespace
}  // namespace rxgate::rules::test
