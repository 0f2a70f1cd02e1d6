// Coordination of benefits (cob.h): the balance the other payers leave and this plan's part of it.
#include "rules/cob.h"

#include <algorithm>

namespace rxgate::rules {

namespace {

// The primary share cut down to what the member owes after COB, the parts paid in the order a
// payment meets them (deductible, brand penalty, copay or coinsurance, amount over the benefit
// maximum) so that they still add up to 505-F5. With `member_paid` the accumulators move by those
// parts and the reported 512-FC/513-FD/514-FE follow; otherwise they stay as if primary.
cost_share cut_to(const cost_share& s, std::int64_t patient_pay, std::int64_t plan_pays, const accumulator_rules& a,
                  bool member_paid) noexcept {
  cost_share r = s;
  std::int64_t rest = patient_pay;
  auto take = [&](std::int64_t part) {
    const std::int64_t taken = std::min(part, rest);
    rest -= taken;
    return taken;
  };
  r.deductible = take(s.deductible);
  r.brand_penalty = take(s.brand_penalty);
  std::int64_t& share = s.coinsurance_rule ? r.coinsurance : r.copay;
  share = take(share);
  r.over_benefit = take(s.over_benefit);
  r.patient_pay = patient_pay;
  r.plan_pays = plan_pays;
  if (!a.enabled || !member_paid) return r;
  std::int64_t out_of_pocket = r.deductible + share;
  if (a.brand_penalty_counts_to_out_of_pocket) out_of_pocket += r.brand_penalty;
  if (a.over_benefit_counts_to_out_of_pocket) out_of_pocket += r.over_benefit;
  out_of_pocket = std::min(out_of_pocket, s.applied.out_of_pocket);
  r.applied = accumulator_amounts{r.deductible, out_of_pocket, plan_pays};
  // The figures reported after the claim move by what the claim no longer applies.
  const std::int64_t deductible_back = s.deductible - r.deductible;
  if (!a.report_before_claim) {
    if (r.accumulated_deductible) *r.accumulated_deductible -= deductible_back;
    if (r.remaining_deductible) *r.remaining_deductible += deductible_back;
  }
  if (r.remaining_benefit)
    *r.remaining_benefit += a.remaining_benefit_is_out_of_pocket_room ? s.applied.out_of_pocket - out_of_pocket
                                                                      : s.plan_pays - plan_pays;
  return r;
}

}  // namespace

other_payments read_other_payments(const codec::claim& c, const cob_rules& r) noexcept {
  other_payments out;
  const std::size_t count = std::min<std::size_t>(c.other_payer_count, c.other_payers.size());
  if (count == 0) return out;
  for (std::size_t i = r.last_payer_only ? count - 1 : 0; i < count; ++i)
    for (const auto& a : c.amounts_paid(c.other_payers[i]))
      if (r.recognizes(a.qualifier)) out.recognized += std::max<std::int64_t>(0, a.amount);
  std::int64_t sum = 0;
  bool any = false;
  for (const auto& a : c.patient_responsibility(c.other_payers[count - 1])) {
    if (a.qualifier == "06") {
      out.patient_responsibility = std::max<std::int64_t>(0, a.amount);
      return out;
    }
    sum += std::max<std::int64_t>(0, a.amount);
    any = true;
  }
  if (any) out.patient_responsibility = sum;
  return out;
}

cob_method cob_method_for(const plan& p, std::string_view group) noexcept {
  const group_benefit* g = p.find_group_benefit(group);
  return g && g->cob ? *g->cob : p.cob.method;
}

cob_payment coordinate(const cob_rules& r, cob_method m, const accumulator_rules& a, const accumulator_state& before,
                       const cost_share_input& in, const cost_share& primary, const other_payments& others,
                       bool by_responsibility) noexcept {
  cob_payment out;
  const std::int64_t allowed = std::max<std::int64_t>(0, in.allowed);
  const std::int64_t recognized = std::min(others.recognized, allowed);
  std::int64_t balance = allowed - recognized;
  if ((by_responsibility || r.coordinate_patient_responsibility) && others.patient_responsibility)
    balance = std::min(balance, *others.patient_responsibility);
  out.balance = balance;
  out.recognized = allowed - balance;
  const bool member_paid = !r.accumulate_as_primary;
  if (m == cob_method::carve_out) {
    // This plan's cost share (deductible and accumulators included) taken of the balance.
    cost_share_input on_balance = in;
    on_balance.allowed = balance;
    cost_share s = share_cost(a, before, on_balance);
    if (!member_paid) {
      s.applied = primary.applied;
      s.accumulated_deductible = primary.accumulated_deductible;
      s.remaining_deductible = primary.remaining_deductible;
      s.remaining_benefit = primary.remaining_benefit;
    }
    out.share = s;
    return out;
  }
  std::int64_t pays = m == cob_method::standard ? primary.plan_pays
                                                : std::max<std::int64_t>(0, primary.plan_pays - recognized);
  pays = std::clamp<std::int64_t>(pays, 0, balance);
  out.share = cut_to(primary, balance - pays, pays, a, member_paid);
  return out;
}

}  // namespace rxgate::rules
