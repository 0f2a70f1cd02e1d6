// plan_tools/plan_diff.h: two copies of the demo plan, one edited the way a plan administrator would,
// and what the diff says about each edit; member values never appear.
#include "plan_tools/plan_diff.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rules/plan.h"
#include "rules/plan_model.h"
#include "tests/support/source_files.h"

namespace rxgate::rules {
namespace {

namespace fs = std::filesystem;

using test_support::replace_once;

class plan_diff_test : public ::testing::Test {
 protected:
  void SetUp() override {
    root = test_support::scratch_folder("plan-diff");
    test_support::copy_demo_plan(RXGATE_SOURCE_DIR, root / "old");
    test_support::copy_demo_plan(RXGATE_SOURCE_DIR, root / "new");
  }
  void TearDown() override { fs::remove_all(root); }

  plan_diff diff() { return diff_plans(*load_plans(root / "old"), *load_plans(root / "new")); }
  fs::path edited(const char* file) { return root / "new" / "demo" / file; }

  const plan_change* find(const plan_diff& d, std::string_view table, std::string_view key) {
    for (const auto& c : d.changes)
      if (c.table == table && c.key == key) return &c;
    return nullptr;
  }

  fs::path root;
};

TEST_F(plan_diff_test, identical_plans_have_no_changes) {
  const auto d = diff();
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(diff_text(d), "no changes\n");
  EXPECT_EQ(diff_json(d), "{\"changes\":[],\"summary\":{}}\n");
}

TEST_F(plan_diff_test, a_setting_change_names_the_key_and_both_values) {
  replace_once(edited("plan.toml"), "refill_threshold_pct = 80", "refill_threshold_pct = 85");
  replace_once(edited("plan.toml"), "dispensing_fee = \"1.75\"", "dispensing_fee = \"2.05\"");
  replace_once(edited("plan.toml"), "wire_plan_id = \"RXGDEMO2\"", "wire_plan_id = \"RXGDEMO3\"");
  const auto d = diff();
  ASSERT_EQ(d.changes.size(), 1u);
  const auto& c = d.changes[0];
  EXPECT_EQ(c.table, "setting");
  EXPECT_EQ(c.change, "changed");
  const std::vector<std::array<std::string, 3>> expected = {
      {"wire_plan_id", "RXGDEMO2", "RXGDEMO3"}, {"refill_threshold_pct", "80", "85"}, {"dispensing_fee", "1.75", "2.05"}};
  ASSERT_EQ(c.fields.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ((std::array<std::string, 3>{c.fields[i].field, c.fields[i].before, c.fields[i].after}), expected[i]);
  EXPECT_NE(diff_text(d).find("~ plan.toml: wire_plan_id RXGDEMO2 -> RXGDEMO3 refill_threshold_pct 80 -> 85 "
                              "dispensing_fee 1.75 -> 2.05"),
            std::string::npos)
      << diff_text(d);
}

TEST_F(plan_diff_test, daw_policy_schedule_thresholds_and_dose_columns) {
  replace_once(edited("plan.toml"), "2 = \"penalty\"", "2 = \"generic_required\"");
  replace_once(edited("plan.toml"), "4 = 90", "4 = 85");
  replace_once(edited("plan.toml"), "penalty_cost_share = \"generic\"", "penalty_cost_share = \"brand\"");
  replace_once(edited("formulary.csv"), "0.11000,,,,,2", "0.11000,,,,,3");  // losartan: 3 a day
  const auto d = diff();
  const auto* settings = find(d, "setting", "plan.toml");
  ASSERT_NE(settings, nullptr);
  ASSERT_EQ(settings->fields.size(), 3u);
  EXPECT_EQ(settings->fields[0].field, "refill_threshold_by_schedule");
  EXPECT_EQ(settings->fields[0].before, "2:90,3:90,4:90,5:90");
  EXPECT_EQ(settings->fields[0].after, "2:90,3:90,4:85,5:90");
  EXPECT_EQ(settings->fields[1].field, "daw");
  EXPECT_NE(settings->fields[1].after.find("2:generic_required"), std::string::npos) << settings->fields[1].after;
  EXPECT_EQ(settings->fields[2].field, "daw_penalty_cost_share");
  EXPECT_EQ(settings->fields[2].after, "brand");
  const auto* losartan = find(d, "product", "90001000204");
  ASSERT_NE(losartan, nullptr);
  ASSERT_EQ(losartan->fields.size(), 1u);
  EXPECT_EQ(losartan->fields[0].field, "max_quantity_per_day");
  EXPECT_EQ(losartan->fields[0].before, "2");
  EXPECT_EQ(losartan->fields[0].after, "3");
}

TEST_F(plan_diff_test, cob_settings_and_group_method) {
  replace_once(edited("plan.toml"), "method = \"standard\"", "method = \"carve_out\"");
  replace_once(edited("plan.toml"), "zero_payment = \"pay\"", "zero_payment = \"reject\"");
  replace_once(edited("plan.toml"), "cob_method = \"non_duplication\"", "cob_method = \"standard\"");
  const auto d = diff();
  const auto* settings = find(d, "setting", "plan.toml");
  ASSERT_NE(settings, nullptr);
  ASSERT_EQ(settings->fields.size(), 2u);
  EXPECT_EQ(settings->fields[0].field, "cob_method");
  EXPECT_EQ(settings->fields[0].before, "standard");
  EXPECT_EQ(settings->fields[0].after, "carve_out");
  EXPECT_EQ(settings->fields[1].field, "cob_zero_payment");
  EXPECT_EQ(settings->fields[1].after, "reject");
  const auto* group = find(d, "group", "DEMO02");
  ASSERT_NE(group, nullptr);
  ASSERT_EQ(group->fields.size(), 1u);
  EXPECT_EQ(group->fields[0].field, "cob_method");
  EXPECT_EQ(group->fields[0].before, "non_duplication");
  EXPECT_EQ(group->fields[0].after, "standard");
}

TEST_F(plan_diff_test, products_added_removed_and_changed) {
  const std::string first = "90001000101,ATORVASTATIN 10 MG TABLET,STATIN,1,";
  std::string formulary = test_support::read_file(edited("formulary.csv"));
  // Tier 1 -> 2 for the first product; one product only in the old plan, one only in the new.
  const auto at = formulary.find(first);
  ASSERT_NE(at, std::string::npos);
  formulary.replace(at, first.size(), "90001000101,ATORVASTATIN 10 MG TABLET,STATIN,2,");
  formulary += "90009999901,TESTDRUG 5 MG TABLET,STATIN,3,Y,Y,N,,,,,,,,N,N,,,,1.00000,,,,,,,,\n";
  test_support::write_file(edited("formulary.csv"), formulary);
  const fs::path old_formulary = root / "old" / "demo" / "formulary.csv";
  test_support::write_file(old_formulary, test_support::read_file(old_formulary) + "90009999902,TESTDRUG 10 MG TABLET,STATIN,3,Y,Y,N,,,,,,,,N,N,,,,1.00000,,,,,,,,\n");
  const std::string second_ndc = "90009999902";

  const auto d = diff();
  const auto* changed = find(d, "product", "90001000101");
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(changed->change, "changed");
  ASSERT_EQ(changed->fields.size(), 1u);
  EXPECT_EQ(changed->fields[0].field, "tier");
  EXPECT_EQ(changed->fields[0].before, "1");
  EXPECT_EQ(changed->fields[0].after, "2");
  const auto* removed = find(d, "product", second_ndc);
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(removed->change, "removed");
  const auto* added = find(d, "product", "90009999901");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->change, "added");
  EXPECT_NE(diff_text(d).find("summary: product +1 -1 ~1\n"), std::string::npos) << diff_text(d);
  EXPECT_NE(diff_json(d).find("\"summary\":{\"product\":{\"added\":1,\"removed\":1,\"changed\":1}}"), std::string::npos)
      << diff_json(d);
}

// Compound, transition and emergency settings and the diagnosis-required column are compared too.
TEST_F(plan_diff_test, compound_fill_and_diagnosis_settings) {
  replace_once(edited("plan.toml"), "cost_cap = \"1000.00\"", "cost_cap = \"800.00\"");
  replace_once(edited("plan.toml"), "window_days = 90", "window_days = 60");
  replace_once(edited("plan.toml"), "[emergency]\ndays_supply = 3", "[emergency]\ndays_supply = 5");
  replace_once(edited("plan.toml"), "pay_approved_ingredients = true", "pay_approved_ingredients = false");
  replace_once(edited("formulary.csv"), ",,,E11\n", ",,,E11;E10\n");
  const auto d = diff();
  const auto text = diff_text(d);
  EXPECT_NE(text.find("compound_pay_approved_ingredients yes -> no"), std::string::npos) << text;
  EXPECT_NE(text.find("compound_cost_cap 1000 -> 800"), std::string::npos) << text;
  EXPECT_NE(text.find("transition_window_days 90 -> 60"), std::string::npos) << text;
  EXPECT_NE(text.find("emergency_days_supply 3 -> 5"), std::string::npos) << text;
  const auto* product = find(d, "product", "90001000707");
  ASSERT_NE(product, nullptr) << text;
  ASSERT_EQ(product->fields.size(), 1u);
  EXPECT_EQ(product->fields[0].field, "diagnosis_required");
  EXPECT_EQ(product->fields[0].before, "E11");
  EXPECT_EQ(product->fields[0].after, "E11,E10");
}

TEST_F(plan_diff_test, member_changes_name_fields_but_never_values) {
  replace_once(edited("members.csv"), "DEMO1001,001,ALEX,SAMPLE,19700315", "DEMO1001,001,ALEXIS,SAMPLE,19700316");
  const auto d = diff();
  const auto* m = find(d, "member", "DEMO1001/001");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->fields.size(), 2u);
  EXPECT_EQ(m->fields[0].field, "first_name");
  EXPECT_TRUE(m->fields[0].hidden);
  EXPECT_EQ(m->fields[1].field, "date_of_birth");
  for (const auto& out : {diff_text(d), diff_json(d)}) {
    EXPECT_EQ(out.find("ALEX"), std::string::npos) << out;
    EXPECT_EQ(out.find("1970"), std::string::npos) << out;
  }
  EXPECT_NE(diff_json(d).find("{\"field\":\"first_name\",\"before\":null,\"after\":null}"), std::string::npos);
}

TEST_F(plan_diff_test, pharmacy_network_change) {
  replace_once(edited("pharmacies.csv"), "1111111112,DEMO RETAIL PHARMACY #1,Y,N,N", "1111111112,DEMO RETAIL PHARMACY #1,N,N,N");
  const auto d = diff();
  const auto* p = find(d, "pharmacy", "1111111112");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->fields.size(), 1u);
  EXPECT_EQ(p->fields[0].field, "in_network");
  EXPECT_EQ(p->fields[0].before, "yes");
  EXPECT_EQ(p->fields[0].after, "no");
}

TEST_F(plan_diff_test, networks_groups_and_mac_lists) {
  replace_once(edited("plan.toml"), "dispensing_fee = \"1.00\"", "dispensing_fee = \"1.25\"");
  replace_once(edited("plan.toml"), "multiplier = 2\n", "multiplier = \"1.5\"\n");
  replace_once(edited("plan.toml"), "flat = \"15.00\"", "flat = \"12.00\"");
  replace_once(edited("mac-retail90.csv"), "90001000102,0.09000", "90001000102,0.08500");
  replace_once(edited("pharmacies.csv"), "6666666662,DEMO RETAIL PHARMACY #2,Y,N,N,retail,",
               "6666666662,DEMO RETAIL PHARMACY #2,Y,N,N,retail90-preferred,");
  const auto d = diff();
  const std::string text = diff_text(d);
  EXPECT_NE(text.find("~ retail90-preferred: dispensing_fee 1 -> 1.25 copay_bands "
                      "1-34 x1; 35-60 x2; 61-90 x2.5 (1: flat 7.5) -> 1-34 x1; 35-60 x1.5; 61-90 x2.5 (1: flat 7.5)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("~ DEMO02: copays 1: flat 3; 2: flat 15 -> 1: flat 3; 2: flat 12"), std::string::npos) << text;
  EXPECT_NE(text.find("~ retail90-preferred 90001000102: mac_unit 0.09 -> 0.085"), std::string::npos) << text;
  EXPECT_NE(text.find("~ 6666666662: network retail -> retail90-preferred"), std::string::npos) << text;
  EXPECT_EQ(d.changes.size(), 4u) << text;
}

TEST_F(plan_diff_test, a_plan_pricing_change_is_not_repeated_for_networks_that_follow_it) {
  replace_once(edited("plan.toml"), "wac_markup_pct = \"4.00\"", "wac_markup_pct = \"5.00\"");
  const auto d = diff();
  ASSERT_EQ(d.changes.size(), 1u) << diff_text(d);
  EXPECT_EQ(d.changes[0].table, "setting");
}

TEST_F(plan_diff_test, plans_only_on_one_side_are_added_or_removed) {
  fs::copy(std::string(RXGATE_SOURCE_DIR) + "/config/plans/medicaid-demo", root / "new" / "medicaid-demo",
           fs::copy_options::recursive);
  const auto d = diff();
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].table, "plan");
  EXPECT_EQ(d.changes[0].change, "added");
}

TEST_F(plan_diff_test, two_single_plan_folders_compare_whatever_their_ids) {
  replace_once(edited("plan.toml"), "refill_threshold_pct = 80", "refill_threshold_pct = 90");
  const auto d = diff_plans(*load_plans(root / "old" / "demo"), *load_plans(root / "new" / "demo"));
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].fields[0].after, "90");
}

}  // namespace
}  // namespace rxgate::rules
