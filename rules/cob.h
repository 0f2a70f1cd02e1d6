// Coordination of benefits for adjudicate(): what a plan recognizes of the other payers' amounts
// on a secondary or tertiary claim (the COB segment, AM05) and how it pays the balance they leave
// under its [cob] method. Pure, allocation-free, integer cents.
//
// The claim is first priced as if this plan were primary (allowed amount, the member's cost share
// within the accumulators); coordinate() then decides what this plan pays of what is left:
//   balance   = allowed - recognized other payments (never below 0), at most the other payer's
//               patient responsibility (352-NQ) when the plan coordinates on it
//   standard        pays min(own payment as primary, balance)
//   non_duplication pays min(max(0, own payment as primary - recognized), balance)
//   carve_out       pays the balance less this plan's cost share taken of the balance
// The member owes the rest of the balance (505-F5); 566-J5 reports allowed - balance, so that
// 509-F9 = F6 + F7 - F5 - J5 is what this plan pays.
#pragma once

#include <cstdint>
#include <optional>

#include "codec/claim.h"
#include "rules/accumulators.h"
#include "rules/plan_model.h"

namespace rxgate::rules {

// The other payers' amounts of claim `c` as plan rules `r` count them.
struct other_payments {
  std::int64_t recognized = 0;  // 431-DV with a recognized 342-HC, of every payer or the last
  // The last payer's 352-NQ: the one qualified 06 (patient pay amount) if sent, else their sum;
  // empty when that payer sent none.
  std::optional<std::int64_t> patient_responsibility;
};
other_payments read_other_payments(const codec::claim& c, const cob_rules& r) noexcept;

// The COB method for a member of `group`: its [[group]] cob_method, else [cob] method.
cob_method cob_method_for(const plan& p, std::string_view group) noexcept;

struct cob_payment {
  cost_share share;             // as reported: F5 and its parts, what the claim applies
  std::int64_t recognized = 0;  // 566-J5
  std::int64_t balance = 0;     // what the others left, the most this plan and the member owe
};

// The payment of a coordinated claim. `in` and `before` are what share_cost() was given for the
// claim as primary and `primary` what it returned; `by_responsibility` coordinates on the patient
// responsibility whatever the plan says (308-C8 = 8).
cob_payment coordinate(const cob_rules& r, cob_method m, const accumulator_rules& a, const accumulator_state& before,
                       const cost_share_input& in, const cost_share& primary, const other_payments& others,
                       bool by_responsibility) noexcept;

}  // namespace rxgate::rules
