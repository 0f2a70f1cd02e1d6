// The plan snapshot's lookups (the ones adjudicate() calls on the claim path: noexcept, no
// allocation) and the routing table of a plan_set.
#include <algorithm>
#include <array>
#include <utility>
#include <cstring>

#include "rules/plan_load_support.h"
#include "rules/plan_model.h"

namespace rxgate::rules {

// ---- string_pool -------------------------------------------------------------------------------

std::string_view string_pool::intern(std::string_view s) {
  if (s.empty()) return {};
  if (used_ + s.size() > capacity_) {
    std::size_t size = std::max<std::size_t>(1 << 20, s.size());
    chunks_.push_back(std::make_unique<char[]>(size));
    capacity_ = size;
    used_ = 0;
  }
  char* p = chunks_.back().get() + used_;
  std::memcpy(p, s.data(), s.size());
  used_ += s.size();
  bytes_ += s.size();
  return {p, s.size()};
}

// ---- plan lookups ------------------------------------------------------------------------------

std::string_view to_string(daw_action a) noexcept {
  switch (a) {
    case daw_action::brand: return "brand";
    case daw_action::penalty: return "penalty";
    case daw_action::generic_price: return "generic_price";
    case daw_action::generic_required: return "generic_required";
    case daw_action::prior_auth: return "prior_auth";
    case daw_action::not_supported: return "not_supported";
  }
  return "brand";
}

std::string_view to_string(cob_method m) noexcept {
  switch (m) {
    case cob_method::standard: return "standard";
    case cob_method::non_duplication: return "non_duplication";
    case cob_method::carve_out: return "carve_out";
  }
  return "standard";
}

refill_threshold plan::threshold_for(const product& d) const noexcept {
  if (d.refill_threshold_pct) return {d.refill_threshold_pct, threshold_source::drug};
  if (d.dea_schedule && d.dea_schedule < refill_threshold_by_schedule.size() &&
      refill_threshold_by_schedule[d.dea_schedule])
    return {refill_threshold_by_schedule[d.dea_schedule], threshold_source::dea_schedule};
  return {refill_threshold_pct, threshold_source::plan};
}

const product* plan::find_product(std::string_view ndc) const noexcept {
  auto r = product_index.find(ndc, [this](std::uint32_t i) { return products[i].ndc; });
  return r == string_index::npos ? nullptr : &products[r];
}
const pharmacy* plan::find_pharmacy(std::string_view npi) const noexcept {
  auto r = pharmacy_index.find(npi, [this](std::uint32_t i) { return pharmacies[i].npi; });
  return r == string_index::npos ? nullptr : &pharmacies[r];
}
const copay_rule* plan::copay_for_tier(int tier) const noexcept {
  for (const auto& c : copays)
    if (c.tier == tier) return &c;
  return nullptr;
}
const member* plan::first_person(std::string_view cardholder_id) const noexcept {
  auto r = cardholder_index.find(cardholder_id, [this](std::uint32_t i) { return members[i].cardholder_id; });
  return r == string_index::npos ? nullptr : &members[r];
}
const member* plan::find_member(std::string_view cardholder_id, std::string_view person_code) const noexcept {
  const member* m = first_person(cardholder_id);
  if (!m) return nullptr;
  const member* end = members.data() + members.size();
  for (; m != end && m->cardholder_id == cardholder_id; ++m)
    if (m->person_code == person_code) return m;
  return nullptr;
}
std::uint32_t plan::class_id(std::string_view cls) const noexcept {
  return class_index.find(cls, [this](std::uint32_t i) { return classes[i]; });
}
const interaction* plan::find_interaction(std::uint32_t a, std::uint32_t b) const noexcept {
  if (a == string_index::npos || b == string_index::npos || interaction_pairs.empty()) return nullptr;
  const std::uint64_t key = a < b ? (std::uint64_t{a} << 32 | b) : (std::uint64_t{b} << 32 | a);
  auto it = std::lower_bound(interaction_pairs.begin(), interaction_pairs.end(), std::pair{key, std::uint32_t{0}});
  return it != interaction_pairs.end() && it->first == key ? &interactions[it->second] : nullptr;
}
const duplicate_therapy* plan::find_duplicate(std::uint32_t cls) const noexcept {
  if (cls >= duplicate_by_class.size() || duplicate_by_class[cls] < 0) return nullptr;
  return &duplicates[static_cast<std::size_t>(duplicate_by_class[cls])];
}
const dose_limit* plan::find_dose_limit(std::string_view ndc) const noexcept {
  auto r = dose_index.find(ndc, [this](std::uint32_t i) { return dose_limits[i].ndc; });
  return r == string_index::npos ? nullptr : &dose_limits[r];
}

std::string_view to_string(channel c) noexcept {
  switch (c) {
    case channel::retail: return "retail";
    case channel::mail: return "mail";
    case channel::specialty: return "specialty";
  }
  return "retail";
}

const copay_rule* copay_band::copay_for_tier(int tier) const noexcept {
  for (const auto& c : copays)
    if (c.tier == tier) return &c;
  return nullptr;
}

const copay_band* network::band_for(int days) const noexcept {
  for (const auto& b : bands)
    if (days >= b.from_days && days <= b.to_days) return &b;
  return nullptr;
}

const network* plan::find_network(std::string_view network_name) const noexcept {
  for (const auto& n : networks)
    if (n.name == network_name) return &n;
  return nullptr;
}

const group_benefit* plan::find_group_benefit(std::string_view group_id) const noexcept {
  for (const auto& g : group_benefits)
    if (g.id == group_id) return &g;
  return nullptr;
}

void plan::resolve_benefits() {
  using implicit = std::pair<std::string_view, channel>;
  for (auto [network_name, kind] : std::array<implicit, 2>{implicit{"retail", channel::retail}, implicit{"mail", channel::mail}}) {
    if (find_network(network_name)) continue;
    network n;
    n.name = network_name;
    n.kind = kind;
    n.pricing = plan_pricing();
    networks.push_back(std::move(n));
  }
  auto index_of_network = [this](std::string_view network_name) -> std::uint16_t {
    for (std::size_t i = 0; i < networks.size(); ++i)
      if (networks[i].name == network_name) return static_cast<std::uint16_t>(i);
    return 0;  // unknown: reported by the loader
  };
  for (auto& ph : pharmacies) {
    ph.network_index = index_of_network(ph.network.empty() ? (ph.mail_order ? "mail" : "retail") : ph.network);
    if (networks[ph.network_index].kind == channel::specialty) ph.specialty = true;
  }
  for (auto& m : members) {
    auto it = std::find(groups.begin(), groups.end(), m.group);
    m.group_index = it == groups.end() ? 0 : static_cast<std::uint16_t>(it - groups.begin());
  }
  specialty_pharmacy_index = -1;
  for (std::size_t i = 0; i < pharmacies.size() && specialty_pharmacy_index < 0; ++i)
    if (specialty_pharmacy_npi.empty() ? pharmacies[i].specialty && pharmacies[i].in_network
                                       : pharmacies[i].npi == specialty_pharmacy_npi)
      specialty_pharmacy_index = static_cast<std::int32_t>(i);
  // Cells: one per (group, network). A plan always has a group; keep one row when it has none so
  // that group_index 0 is always a row.
  const std::size_t group_rows = std::max<std::size_t>(groups.size(), 1);
  benefits.assign(group_rows * networks.size(), benefit_cell{});
  for (std::size_t g = 0; g < group_rows; ++g) {
    const group_benefit* gb = g < groups.size() ? find_group_benefit(groups[g]) : nullptr;
    for (std::size_t n = 0; n < networks.size(); ++n) {
      const network& net = networks[n];
      benefit_cell& cell = benefits[g * networks.size() + n];
      cell.net = &net;
      const bool mail = net.kind == channel::mail;
      int channel_max = mail ? max_days_supply_mail : max_days_supply_retail;
      if (gb && mail && gb->max_days_supply_mail) channel_max = gb->max_days_supply_mail;
      if (gb && !mail && gb->max_days_supply_retail) channel_max = gb->max_days_supply_retail;
      cell.max_days_supply = net.max_days_supply ? net.max_days_supply : channel_max;
      for (int tier = 1; tier < static_cast<int>(cell.copay.size()); ++tier) {
        const copay_rule* rule = nullptr;
        for (const auto& c : net.copays)
          if (c.tier == tier) rule = &c;
        if (!rule && gb)
          for (const auto& c : gb->copays)
            if (c.tier == tier) rule = &c;
        if (!rule) rule = copay_for_tier(tier);
        if (rule) cell.copay[static_cast<std::size_t>(tier)] = *rule;
      }
    }
  }
}

void plan::index_classes() {
  auto number = [this](std::string_view cls) {
    auto key_of = [this](std::uint32_t i) { return classes[i]; };
    auto found = class_index.find(cls, key_of);
    if (found != string_index::npos) return found;
    const auto next = static_cast<std::uint32_t>(classes.size());
    classes.push_back(cls);
    class_index.insert(cls, next, key_of);
    return next;
  };
  // Products of one class share the bytes of its name: comparing a product's class on the claim
  // path then reads a few hot cache lines rather than one cold line per product.
  for (auto& d : products) {
    d.class_id = number(d.therapeutic_class);
    d.therapeutic_class = classes[d.class_id];
  }
  for (std::uint32_t i = 0; i < interactions.size(); ++i) {
    auto a = number(interactions[i].class_a), b = number(interactions[i].class_b);
    interaction_pairs.emplace_back(a < b ? (std::uint64_t{a} << 32 | b) : (std::uint64_t{b} << 32 | a), i);
  }
  std::sort(interaction_pairs.begin(), interaction_pairs.end());
  for (const auto& d : duplicates) number(d.therapeutic_class);
  duplicate_by_class.assign(classes.size(), -1);
  for (std::size_t i = 0; i < duplicates.size(); ++i) {
    auto cls = number(duplicates[i].therapeutic_class);
    if (duplicate_by_class[cls] < 0) duplicate_by_class[cls] = static_cast<std::int32_t>(i);
  }
}
std::uint32_t plan::drug_id(std::string_view ndc_or_key) const noexcept {
  if (const product* d = find_product(ndc_or_key)) return d->drug_id;
  return drug_key_index.find(ndc_or_key, [this](std::uint32_t i) { return drug_keys[i]; });
}

std::string_view plan::drug_key_of(std::string_view ndc) const noexcept {
  const product* d = find_product(ndc);
  return d ? d->drug_key : ndc;
}

void plan::index_drugs() {
  auto key_of = [this](std::uint32_t i) { return drug_keys[i]; };
  drug_key_index.reserve(products.size());
  for (auto& d : products) {
    if (d.drug_key.empty()) d.drug_key = d.ndc;
    auto found = drug_key_index.find(d.drug_key, key_of);
    if (found == string_index::npos) {
      found = static_cast<std::uint32_t>(drug_keys.size());
      drug_keys.push_back(d.drug_key);
      drug_key_index.insert(d.drug_key, found, key_of);
    }
    d.drug_id = found;
  }
  groups_drugs = drug_keys.size() < products.size();
  for (auto& d : products) {
    d.step_prerequisite_drugs.clear();
    for (auto s : d.step_prerequisites) d.step_prerequisite_drugs.push_back(drug_key_of(s));
  }
}

void plan::resolve_fill_lookback() noexcept {
  int days = std::max(step_lookback_days, fills.transition_window_days);
  for (const auto& d : products) days = std::max(days, d.quantity_limit_days);
  fill_lookback_days = days;
}

// ---- plan_set ----------------------------------------------------------------------------------

plan_set::plan_set(std::vector<std::unique_ptr<plan>> plans) : plans_(std::move(plans)) {
  using loading::date_text;
  for (const auto& p : plans_) {
    for (auto g : p->groups) {
      auto it = std::find_if(routes_.begin(), routes_.end(), [&](const route_entry& r) {
        return r.bin == p->bin && r.pcn == p->pcn && r.group == g;
      });
      if (it == routes_.end()) {
        routes_.push_back({p->bin, p->pcn, g, {}});
        it = routes_.end() - 1;
      }
      it->versions.push_back(p.get());
    }
  }
  std::vector<std::string> problems;
  for (auto& r : routes_) {
    std::sort(r.versions.begin(), r.versions.end(),
              [](const plan* a, const plan* b) { return a->effective_from < b->effective_from; });
    for (std::size_t i = 1; i < r.versions.size(); ++i) {
      const plan* a = r.versions[i - 1];
      const plan* b = r.versions[i];
      if (!a->effective_to.valid() || a->effective_to >= b->effective_from)
        problems.push_back(std::string(b->folder) + "/plan.toml:1:1: BIN " + std::string(r.bin) +
                           " PCN " + std::string(r.pcn) + " group " + std::string(r.group) +
                           ": version " + std::to_string(b->version) + " (from " +
                           date_text(b->effective_from) + ") overlaps " + std::string(a->folder) +
                           " version " + std::to_string(a->version) + " (to " +
                           date_text(a->effective_to) + ")");
    }
  }
  if (!problems.empty()) throw plan_error(std::move(problems));
}

route_result plan_set::route(std::string_view bin, std::string_view pcn, std::string_view group,
                             codec::date dos) const noexcept {
  bool bin_seen = false, pcn_seen = false;
  for (const auto& r : routes_) {
    if (r.bin != bin) continue;
    bin_seen = true;
    if (r.pcn != pcn) continue;
    pcn_seen = true;
    if (r.group != group) continue;
    for (const plan* p : r.versions)
      if (p->in_force(dos)) return {route_status::ok, p};
    return {route_status::not_in_force, r.versions.empty() ? nullptr : r.versions.back()};
  }
  if (!bin_seen) return {route_status::unknown_bin, nullptr};
  if (!pcn_seen) return {route_status::unknown_pcn, nullptr};
  return {route_status::unknown_group, nullptr};
}

std::span<const std::string_view> plan::diagnosis_codes(const product& d) const noexcept {
  if (!d.diagnosis_required || &d < products.data() || &d >= products.data() + products.size()) return {};
  const auto row = static_cast<std::uint32_t>(&d - products.data());
  const auto it = std::lower_bound(diagnosis_lists.begin(), diagnosis_lists.end(), row,
                                   [](const auto& entry, std::uint32_t r) { return entry.first < r; });
  if (it == diagnosis_lists.end() || it->first != row) return {};
  return it->second;
}

}  // namespace rxgate::rules
