#include "bench/load/scenario.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "rules/plan_model.h"

namespace rxgate::load {
namespace {

bool covered_on(const rules::member& m, codec::date dos) {
  if (!m.coverage_from.valid() || m.coverage_from > dos) return false;
  if (m.coverage_to.valid() && dos > m.coverage_to) return false;
  if (m.terminated_on.valid() && dos > m.terminated_on) return false;
  return true;
}

bool in_groups(const rules::plan& p, std::string_view g) {
  return std::find(p.groups.begin(), p.groups.end(), g) != p.groups.end();
}

// Classes named by a DUR interaction or duplicate-therapy rule: their products may reject 88.
std::unordered_set<std::string_view> dur_classes(const rules::plan& p) {
  std::unordered_set<std::string_view> classes;
  for (const auto& i : p.interactions) classes.insert(i.class_a), classes.insert(i.class_b);
  for (const auto& d : p.duplicates) classes.insert(d.therapeutic_class);
  return classes;
}

// Each product goes to at most one list: the one fault it has, or plain when it has none.
void sort_products(const rules::plan& p, scenario& s) {
  const auto dur = dur_classes(p);
  for (std::uint32_t i = 0; i < p.products.size(); ++i) {
    const auto& d = p.products[i];
    const bool restricted = d.min_age || d.max_age || d.gender || d.specialty || !d.step_prerequisites.empty() ||
                            (d.max_days_supply && d.max_days_supply < 30) || !p.copay_for_tier(d.tier) ||
                            p.find_dose_limit(d.ndc) || (!d.awp_unit && !d.mac_unit && !d.wac_unit);
    if (!d.covered) {
      if (!d.specialty) s.excluded_products.push_back(i);
      continue;
    }
    if (restricted) continue;
    if (!d.on_formulary) {
      s.off_formulary_products.push_back(i);
      continue;
    }
    if (d.pa_required) {
      if (!d.quantity_limit) s.pa_products.push_back(i);
      continue;
    }
    if (d.quantity_limit) {
      if (d.quantity_limit_days > 0) s.ql_products.push_back(i);
      continue;
    }
    if (!dur.contains(d.therapeutic_class)) s.plain_products.push_back(i);
  }
}

using class_product = std::pair<std::string_view, std::uint32_t>;

// Products a plain member may be allergic to: otherwise plain apart from their class. Sorted by class.
std::vector<class_product> allergy_candidates(const rules::plan& p) {
  std::vector<class_product> by_class;
  for (std::uint32_t i = 0; i < p.products.size(); ++i) {
    const auto& d = p.products[i];
    if (d.covered && d.on_formulary && !d.pa_required && !d.quantity_limit && !d.min_age && !d.max_age &&
        !d.gender && !d.specialty && d.step_prerequisites.empty() && (!d.max_days_supply || d.max_days_supply >= 10) &&
        p.copay_for_tier(d.tier))
      by_class.emplace_back(d.therapeutic_class, i);
  }
  std::sort(by_class.begin(), by_class.end());
  return by_class;
}

void sort_members(const rules::plan& p, codec::date dos, scenario& s) {
  const auto by_class = allergy_candidates(p);
  for (std::uint32_t i = 0; i < p.members.size(); ++i) {
    const auto& m = p.members[i];
    if (!in_groups(p, m.group) || m.cardholder_id.empty()) continue;
    if (!covered_on(m, dos)) {
      if (m.coverage_from.valid() && m.coverage_from <= dos) s.ended_members.push_back(i);
      continue;
    }
    if (m.other_coverage_index >= 0) continue;
    if (!m.allergy_classes.empty()) {
      if (s.allergy_pairs.size() < 4096) {
        for (auto cls : m.allergy_classes) {
          auto it = std::lower_bound(by_class.begin(), by_class.end(), class_product{cls, 0});
          if (it != by_class.end() && it->first == cls) {
            s.allergy_pairs.emplace_back(i, it->second);
            break;
          }
        }
      }
      continue;
    }
    if (!m.date_of_birth.valid()) continue;
    s.plain_members.push_back(i);
  }
}

}  // namespace

bool scenario::supports(claim_kind k) const noexcept {
  const bool base = !plain_members.empty() && !plain_products.empty() && !plain_pharmacies.empty();
  switch (k) {
    case claim_kind::multi: return base && plain_products.size() >= 4;
    case claim_kind::terminated: return base && !ended_members.empty();
    case claim_kind::not_covered: return base && !excluded_products.empty();
    case claim_kind::not_on_formulary: return base && !off_formulary_products.empty();
    case claim_kind::prior_auth: return base && !pa_products.empty();
    case claim_kind::plan_limit: return base && !ql_products.empty();
    case claim_kind::dur: return base && !allergy_pairs.empty();
    case claim_kind::network: return base && !oon_pharmacies.empty();
    case claim_kind::paid:
    case claim_kind::retransmit:
    case claim_kind::refill_too_soon:
    case claim_kind::reversal:
    case claim_kind::rebill:
      return base && !override_scc.empty();
    default: return base;
  }
}

scenario build_scenario(const rules::plan& p, codec::date dos) {
  scenario s;
  s.plan = &p;
  s.dos = dos;
  codec::format_date(dos, s.dos_text);
  if (!p.refill_override_scc.empty()) s.override_scc = std::to_string(p.refill_override_scc.front());
  while (p.first_person(s.unknown_cardholder)) s.unknown_cardholder.back() = static_cast<char>(s.unknown_cardholder.back() - 1);
  sort_products(p, s);
  sort_members(p, dos, s);
  for (std::uint32_t i = 0; i < p.pharmacies.size(); ++i) {
    const auto& ph = p.pharmacies[i];
    if (!ph.in_network) s.oon_pharmacies.push_back(i);
    else if (!ph.specialty && !ph.mail_order) s.plain_pharmacies.push_back(i);
  }
  return s;
}

claim_mix supported_mix(const scenario& s, const claim_mix& wanted, std::vector<claim_kind>& dropped) {
  claim_mix mix = wanted;
  for (std::size_t k = 0; k < kind_count; ++k) {
    if (mix[k] && !s.supports(static_cast<claim_kind>(k))) {
      dropped.push_back(static_cast<claim_kind>(k));
      mix[k] = 0;
    }
  }
  return mix;
}

}  // namespace rxgate::load
