// Drug identity (issue 12, defect 1): refill-too-soon, accumulated quantity, PA, step therapy and
// DUR work by drug key, so switching from a brand to its generic, or to another labeler's package
// of the same drug, neither resets the refill clock nor the quantity used. The demo plan groups
// Lipitor 20 mg with atorvastatin 20 mg; a scratch copy of it adds other labelers' packages (and
// limits on a compound ingredient, for the compound limit tests at the end).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

namespace fs = std::filesystem;
using namespace codec::literals;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::string join(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cells[i];
  return out;
}

// The demo plans, with the demo formulary grown by a second labeler's package (NDC 90002...) of
// oxycodone 5 mg, glipizide 5 mg and adalimumab, each sharing the drug key of the 90001 package;
// empagliflozin's step prerequisite is the glipizide NDC 90001000703 alone; ketoprofen powder
// (a compound ingredient) gets a 14-day maximum and 60 g per 30 days.
const plan_set& labeler_plans() {
  static std::shared_ptr<const plan_set> plans = [] {
    const auto root = fs::temp_directory_path() / ("rxgate-drug-identity-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root);
    fs::copy(plans_dir() + "/demo", root / "demo", fs::copy_options::recursive);
    const std::vector<std::pair<std::string, std::string>> grouped = {
        {"90001000401", "OXYCODONE 5 MG TAB ORAL"},
        {"90001000703", "GLIPIZIDE 5 MG TAB ORAL"},
        {"90001000801", "ADALIMUMAB 40 MG/0.4 ML PEN SUBQ"}};
    std::ifstream in(root / "demo/formulary.csv");
    std::string line, text;
    std::vector<std::string> header;
    auto column = [&](const std::string& name) {
      return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    while (std::getline(in, line)) {
      if (line.starts_with("ndc,")) header = split(line);
      auto cells = split(line);
      if (!header.empty() && cells.size() == header.size()) {
        if (cells[0] == "90001000705") cells[column("step_prerequisites")] = "90001000703";
        if (cells[0] == "90001001301") {
          cells[column("max_days_supply")] = "14";
          cells[column("quantity_limit")] = "60";
          cells[column("quantity_limit_days")] = "30";
        }
        for (const auto& [ndc, key] : grouped) {
          if (cells[0] != ndc) continue;
          cells[column("drug_key")] = key;
          auto other = cells;
          other[0] = "90002" + ndc.substr(5);
          other[column("name")] += " (LABELER B)";
          text += join(cells) + "\n";
          cells = other;
        }
      }
      text += join(cells) + "\n";
    }
    in.close();
    std::ofstream(root / "demo/formulary.csv") << text;
    auto loaded = load_plans(root);
    fs::remove_all(root);
    return loaded;
  }();
  return *plans;
}

decision decide_with_labelers(const scenario& s) {
  member_history h;
  h.fills = s.fills;
  h.authorizations = s.auths;
  decision d;
  adjudicate(s.claim, labeler_plans(), h, ymd(s.today), d);
  return d;
}

void opioid_member(scenario& s, std::string_view ndc) {
  s.claim.cardholder_id = "DEMO1012";
  s.claim.date_of_birth = ymd(19880808);
  s.claim.product_id = ndc;
  s.claim.quantity = 30000;
  s.claim.days_supply = 7;
}

TEST(drug_identity, demo_formulary_groups_brand_and_generic) {
  auto r = demo_plans().route("610999", "RXGDEMO", "DEMO01", ymd(20260101));
  ASSERT_EQ(r.status, route_status::ok);
  const plan& p = *r.found;
  EXPECT_TRUE(p.groups_drugs);
  const product* lipitor = p.find_product("90001000104");
  const product* generic = p.find_product("90001000102");
  const product* other_strength = p.find_product("90001000101");
  ASSERT_TRUE(lipitor && generic && other_strength);
  EXPECT_EQ(lipitor->drug_key, "ATORVASTATIN 20 MG TAB ORAL");
  EXPECT_EQ(lipitor->drug_id, generic->drug_id);
  EXPECT_NE(other_strength->drug_id, generic->drug_id);
  EXPECT_EQ(other_strength->drug_key, "90001000101") << "no drug_key: the NDC is the drug";
}

TEST(drug_identity, plan_without_drug_keys_compares_ndcs) {
  auto r = demo_plans().route("610998", "RXGMCD", "MCD01", ymd(20260101));
  ASSERT_EQ(r.status, route_status::ok);
  EXPECT_FALSE(r.found->groups_drugs);
  for (const auto& d : r.found->products) EXPECT_EQ(d.drug_key, d.ndc);
}

TEST(drug_identity, brand_after_generic_is_refill_too_soon) {
  scenario s;
  s.claim.product_id = "90001000104";  // Lipitor 20 mg
  s.fills.push_back(fill("90001000102", "STATIN", 20261012, 30000, 30));
  const auto d = s.run();
  EXPECT_EQ(codes(d), "79");
  ASSERT_TRUE(d.refill_too_soon);
  EXPECT_EQ(d.refill_too_soon->next_allowed, ymd(20261105));
  // The same drug is refill-too-soon's business, not a duplicate therapy alert.
  ASSERT_EQ(d.dur_count, 1);
  EXPECT_EQ(d.dur[0].reason, "ER");
}

TEST(drug_identity, generic_after_brand_is_refill_too_soon) {
  scenario s;
  s.fills.push_back(fill("90001000104", "STATIN", 20261012, 30000, 30));
  EXPECT_EQ(codes(s.run()), "79");
}

TEST(drug_identity, another_strength_is_another_drug) {
  scenario s;
  s.claim.product_id = "90001000101";  // atorvastatin 10 mg
  s.fills.push_back(fill("90001000102", "STATIN", 20261012, 30000, 30));
  const auto d = s.run();
  EXPECT_EQ(d.status, 'P') << codes(d);
  ASSERT_EQ(d.dur_count, 1);
  EXPECT_EQ(d.dur[0].reason, "TD");  // the same class, a different drug: duplicate therapy informs
}

TEST(drug_identity, other_labeler_is_refill_too_soon) {
  scenario s;
  opioid_member(s, "90002000401");
  s.fills.push_back(fill("90001000401", "OPIOID", 20261030, 30000, 7));
  EXPECT_EQ(codes(decide_with_labelers(s)), "79");
}

TEST(drug_identity, other_labeler_counts_toward_the_quantity_limit) {
  scenario s;
  opioid_member(s, "90002000401");  // 30 more of a 120 per 30 days limit
  s.fills.push_back(fill("90001000401", "OPIOID", 20261010, 100000, 0));
  const auto d = decide_with_labelers(s);
  EXPECT_EQ(codes(d), "76");
  ASSERT_TRUE(d.limit);
  EXPECT_EQ(d.limit->allowed_quantity, 20000);
  s.claim.quantity = 20000;
  EXPECT_EQ(decide_with_labelers(s).status, 'P');
}

TEST(drug_identity, pa_for_one_package_covers_the_drug) {
  scenario s;
  specialty(s);
  s.claim.product_id = "90002000801";
  s.auths.push_back(pa("12345678901", "90001000801", 20260101, 20261231));
  EXPECT_EQ(decide_with_labelers(s).status, 'P');
  s.auths[0].product_id = "90001000802";  // etanercept: another drug
  EXPECT_EQ(codes(decide_with_labelers(s)), "75");
}

TEST(drug_identity, step_prerequisite_met_by_another_package) {
  scenario s;
  s.claim.product_id = "90001000705";  // empagliflozin after 90001000703 (glipizide 5 mg)
  s.fills.push_back(fill("90002000703", "SULFONYLUREA", 20260901, 30000, 30));
  EXPECT_EQ(decide_with_labelers(s).status, 'P');
  s.fills[0] = fill("90001000701", "BIGUANIDE", 20260901, 60000, 30);  // metformin is not named
  EXPECT_EQ(codes(decide_with_labelers(s)), "608");
}

// Compounds are held to their ingredients' limits (issue 12, defect 2): the smallest maximum days
// supply of an ingredient, and each ingredient's quantity limit on its occurrence (448-ED).
TEST(compound_limits, ingredient_days_supply_maximum) {
  scenario s;
  compound(s);  // ketoprofen 30 g, lidocaine 10 g, cream base 60 g
  s.claim.days_supply = 14;
  EXPECT_EQ(decide_with_labelers(s).status, 'P') << codes(decide_with_labelers(s));
  s.claim.days_supply = 15;
  const auto d = decide_with_labelers(s);
  EXPECT_EQ(codes(d), "AG");
  ASSERT_TRUE(d.limit);
  EXPECT_EQ(d.limit->max_days_supply, 14);
}

TEST(compound_limits, ingredient_quantity_limit_counts_earlier_fills) {
  scenario s;
  compound(s);
  s.claim.days_supply = 14;
  s.claim.ingredients[0].quantity = 60000;  // ketoprofen at its 60 g
  EXPECT_EQ(decide_with_labelers(s).status, 'P');
  s.claim.ingredients[0].quantity = 60001;
  auto d = decide_with_labelers(s);
  EXPECT_EQ(codes(d), "76");
  EXPECT_EQ(d.rejects.items[0].field, "ED"_fid);
  EXPECT_EQ(d.rejects.items[0].occurrence, 1);
  s.claim.ingredients[0].quantity = 30000;
  s.fills.push_back(fill("90001001301", "COMPOUND_NSAID", 20261020, 30001, 0));
  EXPECT_EQ(codes(decide_with_labelers(s)), "76");
}

}  // namespace
}  // namespace rxgate::rules::test
