#include "rules/pricing.h"

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

}  // namespace rxgate::rules
