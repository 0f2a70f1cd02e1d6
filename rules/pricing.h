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

}  // namespace rxgate::rules
