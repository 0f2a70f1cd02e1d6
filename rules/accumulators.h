// Plan-year accumulators: deductible, out-of-pocket maximum and benefit maximum, per member and
// per family, as adjudicate() applies them to a priced claim. Pure and allocation-free.
//
// Who keeps what: the store sums what paid, unreversed claims of the plan year applied (and
// amounts imported from a prior carrier) into member_history::accumulators before a batch; the
// batch worker and decide_transmission() add what earlier claims of the same batch or
// transmission applied (add_earlier()); adjudicate() decides this claim's share and records
// what it applies in decision::accumulated, which the store writes with the claim. A reversal
// takes back exactly what the reversed claim applied.
#pragma once

#include <cstdint>

#include "codec/claim.h"
#include "codec/response.h"
#include "rules/decision.h"
#include "rules/history.h"
#include "rules/plan_model.h"

namespace rxgate::rules {

// First day of the plan year that `on` falls in (plan year starting on day 1 of
// accumulators.year_start_month).
codec::date plan_year_start(const accumulator_rules& a, codec::date on) noexcept;

// The plan year whose accumulators claim `c` reads and moves, or an invalid date when the plan
// it routes to keeps none (or it routes nowhere). The batch worker asks before loading history.
codec::date accumulator_year(const codec::claim& c, const plan_set& plans, codec::date today) noexcept;

// Adds what `earlier` (decided as `d`) applied to `state` when it counts for `later`: same
// BIN and cardholder ID (the family), same plan year; the member's figures when the person code
// matches too.
void add_earlier(const codec::claim& earlier, const decision& d, const codec::claim& later,
                 accumulator_state& state) noexcept;

// A rebill (B3) replaces the paid claim under its key, and what that claim applied leaves the
// plan year's sums. Takes it out of `state` (the accumulators `later` reads) when `rebill`, whose
// history is `history`, is such a rebill of the same family and is paid (`paid`: decided as paid,
// or about to be decided, for the rebill itself).
void release_replaced(const codec::claim& rebill, const member_history& history, bool paid,
                      const codec::claim& later, accumulator_state& state) noexcept;

// What is left of each limit of `a` for a member whose plan year stands at `s` (the operator
// view, rxgate accumulators show): -1 where the plan sets no such limit. `deductible` and
// `out_of_pocket` are what the member's next claim faces: the smaller of the member's and the
// family's room, the member's own deductible not counting under a non-embedded family rule.
struct accumulator_room {
  std::int64_t deductible = -1, member_deductible = -1, family_deductible = -1;
  std::int64_t out_of_pocket = -1, member_out_of_pocket = -1, family_out_of_pocket = -1;
  std::int64_t benefit = -1;
};
accumulator_room room_left(const accumulator_rules& a, const accumulator_state& s) noexcept;

// The patient's share of a claim whose allowed amount is `allowed` cents, and what it applies.
struct cost_share_input {
  std::int64_t allowed = 0;          // ingredient cost + fees the plan allows
  std::int64_t rate_base = -1;       // what a coinsurance rate is taken of (DAW penalty: the
                                     // generic's price); -1 = the amount it applies to
  const copay_rule* tier_rule = nullptr;  // the tier's copay or coinsurance; nullptr = none
  int tier = 0;
  std::int64_t brand_penalty = 0;    // 134-UK, already decided; the patient pays it on top
};
struct cost_share {
  std::int64_t patient_pay = 0;      // 505-F5 (includes the brand penalty and any 520-FK)
  std::int64_t plan_pays = 0;        // allowed - patient pay (>= 0)
  std::int64_t deductible = 0;       // 517-FH
  std::int64_t copay = 0, coinsurance = 0;  // 518-FI / 572-4U (one of them, after any cut)
  std::int64_t brand_penalty = 0;    // 134-UK as charged (never past the price)
  bool tier_rule = false, coinsurance_rule = false;  // which of 518-FI / 572-4U the tier reports
  std::int64_t over_benefit = 0;     // 520-FK
  bool benefit_exhausted = false;    // nothing left of the benefit maximum (a plan may reject)
  accumulator_amounts applied;       // what the claim adds to the accumulators
  std::optional<std::int64_t> accumulated_deductible, remaining_deductible, remaining_benefit;
};

// The tier's copay or coinsurance on `amount` cents, capped at the amount; a coinsurance rate is
// taken of `rate_base` when it is given (>= 0) and smaller.
std::int64_t tier_cost_share(const copay_rule* rule, std::int64_t amount, std::int64_t rate_base = -1) noexcept;

// Splits the claim between plan and patient under `a` and the state before the claim. With
// accumulators disabled: the tier's cost share only, nothing applied.
cost_share share_cost(const accumulator_rules& a, const accumulator_state& before, const cost_share_input& in) noexcept;

// Fills the patient's fields of `out` (F5, FC, FD, FE, FH, FI, FK, 4U, UK) from `s`; the caller
// sets F6/F7/FM and F9.
void write_cost_share(const accumulator_rules& a, const cost_share& s, codec::pricing& out) noexcept;

}  // namespace rxgate::rules
