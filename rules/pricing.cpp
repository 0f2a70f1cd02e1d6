#include "rules/pricing.h"

#include "rules/accumulators.h"

namespace rxgate::rules {

std::int64_t scaled(std::int64_t amount, int bp) noexcept {
  return (amount * bp + 5000) / 10000;
}

// The product can pass 2^63 for absurd inputs, so the multiplication is done in 128 bits.
std::int64_t extended_cost(std::int64_t qty, std::int64_t unit) noexcept {
  __extension__ using wide = __int128;
  wide v = static_cast<wide>(qty) * unit;
  v = (v + 500000) / 1000000;
  constexpr std::int64_t cap = 99999999;  // s9(6)v99 is the widest a response field carries
  return v > cap ? cap : static_cast<std::int64_t>(v);
}

ingredient_price price_ingredient(const plan& p, const product& d, std::int64_t qty) noexcept {
  return price_ingredient(p.plan_pricing(), d, d.mac_unit, qty);
}

copay_rule scaled_copay(const copay_rule& r, int multiplier_pct) noexcept {
  copay_rule out = r;
  auto times = [multiplier_pct](std::int64_t cents) { return (cents * multiplier_pct + 50) / 100; };
  out.flat = times(r.flat);
  out.minimum = times(r.minimum);
  out.maximum = times(r.maximum);
  return out;
}

ingredient_price price_ingredient(const pricing_terms& p, const product& d, std::int64_t mac_unit,
                                  std::int64_t qty) noexcept {
  ingredient_price awp, mac, wac;
  if (d.awp_unit) awp = {extended_cost(qty, d.awp_unit) - scaled(extended_cost(qty, d.awp_unit), p.awp_discount_bp), "3", true};
  if (mac_unit) mac = {extended_cost(qty, mac_unit), "7", true};
  if (d.wac_unit) wac = {extended_cost(qty, d.wac_unit) + scaled(extended_cost(qty, d.wac_unit), p.wac_markup_bp), "13", true};
  switch (p.basis) {
    case pricing_basis::awp: if (awp.priced) return awp; break;
    case pricing_basis::mac: if (mac.priced) return mac; break;
    case pricing_basis::wac: if (wac.priced) return wac; break;
    case pricing_basis::lowest: break;
  }
  ingredient_price best;
  for (const auto* c : {&awp, &mac, &wac})
    if (c->priced && (!best.priced || c->cost < best.cost)) best = *c;
  return best;
}

const copay_rule* copay_rule_in_force(const plan& p, const benefit_cell* cell, int tier, int days_supply,
                                      copay_rule& scratch) noexcept {
  if (!cell) return p.copay_for_tier(tier);
  if (tier < 1 || tier >= static_cast<int>(cell->copay.size())) return nullptr;
  const copay_rule* rule = &cell->copay[static_cast<std::size_t>(tier)];
  if (rule->tier == 0) return nullptr;
  const copay_band* band = cell->net->band_for(days_supply);
  if (!band) return rule;
  if (const copay_rule* own = band->copay_for_tier(tier)) return own;
  if (band->multiplier_pct == 100) return rule;
  scratch = scaled_copay(*rule, band->multiplier_pct);
  return &scratch;
}

std::int64_t mac_unit_in_force(const plan& p, const benefit_cell* cell, const product& d) noexcept {
  if (!cell || cell->net->mac_units.empty()) return d.mac_unit;
  return cell->net->mac_units[static_cast<std::size_t>(&d - p.products.data())];
}

tier_copay tier_copay_of(const plan& p, const benefit_cell* cell, const product& d, std::int64_t qty,
                         int days_supply) noexcept {
  copay_rule scratch;
  const copay_rule* rule = copay_rule_in_force(p, cell, d.tier, days_supply, scratch);
  if (!rule) return {};
  const pricing_terms terms = cell ? cell->net->pricing : p.plan_pricing();
  const ingredient_price priced = price_ingredient(terms, d, mac_unit_in_force(p, cell, d), qty);
  if (!priced.priced) {
    // A flat copay needs no price; a coinsurance does.
    if (rule->coinsurance) return {0, true, false};
    return {rule->flat, false, true};
  }
  return {tier_cost_share(rule, priced.cost + terms.dispensing_fee), rule->coinsurance, true};
}

}  // namespace rxgate::rules
