#include "plan_tools/plan_generate.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace rxgate::rules {

namespace {

// splitmix64: small, fast and the same on every platform.
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
};

std::string digits(std::uint64_t v, int width) {
  std::string s(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0 && v; --i, v /= 10) s[static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  return s;
}

std::string price(std::uint64_t hundred_thousandths) {
  return std::to_string(hundred_thousandths / 100000) + "." + digits(hundred_thousandths % 100000, 5);
}

std::string klass(std::size_t i) { return "CLASS" + digits(i, 3); }

std::ofstream open(const std::filesystem::path& p) {
  std::ofstream out(p, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + p.string());
  return out;
}

}  // namespace

std::string generated_ndc(std::size_t i) { return "8" + digits(i, 10); }
std::string generated_cardholder(std::size_t i) { return "G" + digits(i, 9); }
std::string generated_npi(std::size_t i) { return "19" + digits(i, 8); }

void generate_plan(const std::filesystem::path& folder, const generate_options& o) {
  std::filesystem::create_directories(folder);
  rng r{o.seed};
  // Every 3 consecutive NDCs are packages of one drug (one drug_key, one class), and every class
  // the DUR table names has products, as plan check demands.
  constexpr std::size_t packages_per_drug = 3;
  const std::size_t drugs = (o.products + packages_per_drug - 1) / packages_per_drug;
  const std::size_t classes = std::max<std::size_t>(1, std::min<std::size_t>(200, drugs));
  {
    auto f = open(folder / "plan.toml");
    f << "# SYNTHETIC generated plan (rxgate plan generate): made-up products, members and pharmacies.\n"
      << "[plan]\nid = \"" << o.id << "\"\nname = \"generated synthetic plan\"\nversion = 1\ndemo = true\n"
      << "bin = \"" << o.bin << "\"\npcn = \"" << o.pcn << "\"\ngroups = [\"" << o.group << "\"]\n"
      << "effective_from = 2025-01-01\nhelp_desk_phone = \"8005550123\"\n\n"
      << "[ncpdp]\nf6_from = 2025-01-01  # takes F6 beside D.0 now, so load runs can mix them\n\n"
      << "[benefit]\nrefill_threshold_pct = 80\nrefill_override_scc = [3, 4, 13]\n\n"
      << "[pricing]\nbasis = \"lowest\"\nawp_discount_pct = \"15.00\"\nwac_markup_pct = \"3.00\"\n"
      << "dispensing_fee = \"1.50\"\ncompound_fee = \"8.00\"\n\n"
      << "[[copay]]\ntier = 1\nflat = \"5.00\"\n\n[[copay]]\ntier = 2\nflat = \"20.00\"\n\n"
      << "[[copay]]\ntier = 3\ncoinsurance_pct = \"25\"\nmin = \"30.00\"\nmax = \"100.00\"\n\n"
      << "[[copay]]\ntier = 4\ncoinsurance_pct = \"20\"\nmin = \"75.00\"\nmax = \"250.00\"\n";
    if (o.accumulators)
      f << "\n[accumulators]\ndeductible = \"500.00\"\nfamily_deductible = \"1000.00\"\n"
        << "out_of_pocket_max = \"3000.00\"\nfamily_out_of_pocket_max = \"6000.00\"\ndeductible_exempt_tiers = [1]\n";
  }
  {
    auto f = open(folder / "formulary.csv");
    f << "# SYNTHETIC generated formulary\n"
      << "ndc,name,therapeutic_class,tier,covered,on_formulary,pa_required,pa_type,quantity_limit,"
         "quantity_limit_days,max_days_supply,specialty,compoundable,preferred_alternatives,awp_unit,"
         "wac_unit,mac_unit,drug_key\n";
    std::size_t drug_class = 0;
    for (std::size_t i = 0; i < o.products; ++i) {
      const std::size_t drug = i / packages_per_drug, drawn = r.below(classes);
      if (i % packages_per_drug == 0) drug_class = drug < classes ? drug : drawn;
      const auto tier = 1 + r.below(4);
      const bool covered = !r.chance(1);
      const bool formulary = covered && !r.chance(2);
      const bool pa = r.chance(5);
      const bool ql = r.chance(5);
      const bool specialty = tier == 4 && r.chance(30);
      const auto awp = 1000 + r.next() % (tier == 4 ? 500000000 : 2000000);
      f << generated_ndc(i) << ",GENERATED PRODUCT " << i << "," << klass(drug_class) << "," << tier
        << "," << (covered ? "Y" : "N") << "," << (formulary ? "Y" : "N") << "," << (pa ? "Y,1" : "N,") << ","
        << (ql ? "60,30" : ",") << "," << (r.chance(10) ? "30" : "") << "," << (specialty ? "Y" : "N") << ","
        << (r.chance(3) ? "Y" : "N") << ",";
      if (!formulary && i > 0) f << generated_ndc(r.below(i));
      f << "," << price(awp) << "," << price(awp * 80 / 100) << "," << (tier <= 2 ? price(awp / 5) : "") << ",DRUG "
        << digits(drug, 9) << "\n";
    }
  }
  {
    auto f = open(folder / "members.csv");
    f << "# SYNTHETIC generated members\n"
      << "cardholder_id,person_code,first_name,last_name,date_of_birth,gender,relationship,group_id,"
         "coverage_from,coverage_to,terminated_on,allergy_classes\n";
    std::size_t written = 0;
    for (std::size_t i = 0; written < o.members; ++i) {
      const std::size_t persons = r.chance(70) ? 1 : 1 + r.below(4);
      for (std::size_t p = 0; p < persons && written < o.members; ++p, ++written) {
        const auto year = p == 0 ? 1940 + r.below(60) : (p == 1 ? 1945 + r.below(55) : 2000 + r.below(24));
        f << generated_cardholder(i) << "," << digits(p + 1, 3) << ",FIRST" << written << ",LAST" << i << ","
          << year << digits(1 + r.below(12), 2) << digits(1 + r.below(28), 2) << "," << (r.chance(50) ? "M" : "F")
          << "," << (p == 0 ? 1 : (p == 1 ? 2 : 3)) << "," << o.group << ",20250101,"
          << (r.chance(2) ? "20251231" : "") << "," << (r.chance(1) ? "20250630" : "") << ","
          << (r.chance(3) ? klass(r.below(classes)) : "") << "\n";
      }
    }
  }
  {
    auto f = open(folder / "pharmacies.csv");
    f << "# SYNTHETIC generated pharmacies\nnpi,name,in_network,specialty,mail_order\n";
    for (std::size_t i = 0; i < o.pharmacies; ++i)
      f << generated_npi(i) << ",GENERATED PHARMACY " << i << "," << (r.chance(95) || i == 0 ? "Y" : "N") << ","
        << (r.chance(5) ? "Y" : "N") << "," << (r.chance(2) ? "Y" : "N") << "\n";
  }
  {
    auto f = open(folder / "dur.csv");
    f << "# SYNTHETIC generated DUR knowledge\nkind,subject,other,severity,max_daily_dose,text\n";
    for (std::size_t i = 0; i < 60; ++i)
      f << "interaction," << klass(r.below(classes)) << "," << klass(r.below(classes)) << "," << 1 + r.below(3)
        << ",,GENERATED INTERACTION\n";
    for (std::size_t i = 0; i < 20; ++i) f << "duplicate_therapy," << klass(i * 7 % classes) << ",," << 1 + r.below(3) << ",,\n";
    for (std::size_t i = 0; i < 200 && i < o.products; ++i)
      f << "max_daily_dose," << generated_ndc(i * (o.products / 200 ? o.products / 200 : 1)) << ",,1," << 4 + r.below(8) << ",\n";
  }
}

}  // namespace rxgate::rules
