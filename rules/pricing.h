// Ingredient pricing for adjudicate(): the plan's basis (AWP minus, MAC, WAC plus or the lowest)
// applied to a product's unit prices. Integer arithmetic only: money in cents, unit prices in
// 1/100000 dollar, quantities in thousandths, rates in basis points; halves round up.
#pragma once

#include <cstdint>
#include <string_view>

#include "rules/plan_model.h"

namespace rxgate::rules {

// amount * bp / 10000, half up.
std::int64_t scaled(std::int64_t amount, int bp) noexcept;

// Cents for `qty` thousandths at `unit` 1/100000 dollar per unit, half up, capped at what a
// response field carries (999999.99).
std::int64_t extended_cost(std::int64_t qty, std::int64_t unit) noexcept;

struct ingredient_price {
  std::int64_t cost = 0;
  std::string_view basis;  // 522-FM
  bool priced = false;
};

// The ingredient cost of `qty` of `d` under `p`'s basis; priced = false when the product has no
// unit price the basis can use.
ingredient_price price_ingredient(const plan& p, const product& d, std::int64_t qty) noexcept;

// The same under a network's `terms`, with `mac_unit` (its MAC list's price, 0 = none) in place
// of the formulary's.
ingredient_price price_ingredient(const pricing_terms& terms, const product& d, std::int64_t mac_unit,
                                  std::int64_t qty) noexcept;

// A copay rule scaled for a days-supply band: flat amount, coinsurance minimum and maximum times
// `multiplier_pct` / 100 (half up); the coinsurance rate is unchanged.
copay_rule scaled_copay(const copay_rule& r, int multiplier_pct) noexcept;

// The copay rule of `tier` for a claim of `days_supply` days at benefit cell `cell` (the member's
// group at the pharmacy's network; nullptr: the plan's own copays): the cell's copay, then the
// network's days-supply band, its own copay or its multiplier (`scratch` then holds the scaled
// copy). nullptr when the tier has no copay.
const copay_rule* copay_rule_in_force(const plan& p, const benefit_cell* cell, int tier, int days_supply,
                                      copay_rule& scratch) noexcept;

// The MAC unit price of `d` at `cell`'s network (its MAC list), else the formulary's.
std::int64_t mac_unit_in_force(const plan& p, const benefit_cell* cell, const product& d) noexcept;

// What a claim of `qty` thousandths of `d` for `days_supply` days at `cell` would cost the patient
// by the tier's copay or coinsurance alone, priced as adjudicate() prices it (the network's terms
// and MAC list, its dispensing fee). Accumulators (deductible, out-of-pocket and benefit maxima),
// DAW penalties, U&C and other payers are not applied: they depend on the claim and the member's
// plan year. known = false when the tier has no copay, or a coinsurance meets an unpriced product.
struct tier_copay {
  std::int64_t cents = 0;
  bool coinsurance = false;
  bool known = false;
};
tier_copay tier_copay_of(const plan& p, const benefit_cell* cell, const product& d, std::int64_t qty,
                         int days_supply) noexcept;

}  // namespace rxgate::rules
