// Shared helpers for the rules tests: the demo plans and a typed B1 claim that pays against them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>
#include <string>

#include "codec/claim.h"
#include "rules/adjudicate.h"
#include "rules/plan_model.h"

namespace rxgate::rules::test {

inline codec::date ymd(int v) {
  return codec::date{static_cast<std::int16_t>(v / 10000), static_cast<std::uint8_t>(v / 100 % 100),
                     static_cast<std::uint8_t>(v % 100)};
}

inline std::string plans_dir() { return std::string(RXGATE_SOURCE_DIR) + "/config/plans"; }

inline const plan_set& demo_plans() {
  static std::shared_ptr<const plan_set> plans = load_plans(plans_dir());
  return *plans;
}

inline constexpr int today_ymd = 20261123;
inline constexpr int dos_ymd = 20261101;

// A B1 for DEMO1001/001 (male cardholder born 19700315) at DEMO RETAIL PHARMACY #1:
// 30 atorvastatin 20 mg for 30 days. Pays $0.00 plan / $4.75 patient (MAC 3.00 + fee 1.75).
inline codec::claim base_claim() {
  codec::claim c;
  c.bin = "610999";
  c.version = "D0";
  c.transaction_code = "B1";
  c.pcn = "RXGDEMO";
  c.provider_id_qualifier = "01";
  c.provider_id = "1111111112";
  c.software_id = "TEST";
  c.date_of_service = ymd(dos_ymd);
  c.has_insurance = true;
  c.cardholder_id = "DEMO1001";
  c.group_id = "DEMO01";
  c.person_code = "001";
  c.relationship = 1;
  c.has_patient = true;
  c.date_of_birth = ymd(19700315);
  c.gender = 1;
  c.has_claim = true;
  c.rx_qualifier = "1";
  c.rx_number = "100001";
  c.product_qualifier = "03";
  c.product_id = "90001000102";
  c.fill_number = 0;
  c.quantity = 30000;
  c.days_supply = 30;
  c.compound_code = 1;
  c.daw = "0";
  c.prescriber_id_qualifier = "01";
  c.prescriber_id = "1999999991";
  c.has_pricing = true;
  return c;
}

inline decision decide(const codec::claim& c, const member_history& h = {}, int today = today_ymd) {
  decision d;
  adjudicate(c, demo_plans(), h, ymd(today), d);
  return d;
}

inline std::string codes(const decision& d) {
  std::string s;
  for (const auto& r : d.rejects) {
    if (!s.empty()) s += ' ';
    s += r.code_view();
  }
  return s;
}

inline prior_fill fill(std::string_view ndc, std::string_view cls, int date, std::int64_t qty, int days,
                       std::string_view provider = "1111111112", std::int64_t id = 1) {
  prior_fill f;
  f.claim_id = id;
  f.provider_id = provider;
  f.prescriber_id = "1999999991";
  f.rx_number = "900001";
  f.product_id = ndc;
  f.therapeutic_class = cls;
  f.fill_date = ymd(date);
  f.quantity = qty;
  f.days_supply = days;
  return f;
}

// A claim with the member history adjudicate() sees for it.
struct scenario {
  codec::claim claim = base_claim();
  std::vector<prior_fill> fills;
  std::vector<prior_authorization> auths;
  std::optional<key_match> key;
  int today = today_ymd;

  decision run() const {
    member_history h;
    h.fills = fills;
    h.authorizations = auths;
    h.same_key = key;
    return decide(claim, h, today);
  }
};

inline prior_authorization pa(std::string_view number, std::string_view ndc, int from, int to) {
  prior_authorization a;
  a.number = number;
  a.product_id = ndc;
  a.effective = ymd(from);
  a.expires = ymd(to);
  return a;
}

inline void specialty(scenario& s) {
  s.claim.product_id = "90001000801";  // adalimumab: tier 4, PA type 1, specialty, 2 per 28 days
  s.claim.quantity = 2000;
  s.claim.days_supply = 28;
  s.claim.provider_id = "2222222220";  // DEMO SPECIALTY PHARMACY
}

inline void compound(scenario& s) {
  s.claim.cardholder_id = "DEMO1015";
  s.claim.date_of_birth = ymd(19790919);
  s.claim.gender = 2;
  s.claim.provider_id = "5555555554";
  s.claim.product_qualifier = "00";
  s.claim.product_id = "0";
  s.claim.compound_code = 2;
  s.claim.quantity = 100000;
  s.claim.has_compound = true;
  s.claim.ingredient_count = 3;
  s.claim.ingredients[0] = {"03", "90001001301", 30000, std::nullopt, "01"};  // ketoprofen 30 g
  s.claim.ingredients[1] = {"03", "90001001302", 10000, std::nullopt, "01"};  // lidocaine 10 g
  s.claim.ingredients[2] = {"03", "90001001305", 60000, std::nullopt, "01"};  // cream base 60 g
}

}  // namespace rxgate::rules::test
