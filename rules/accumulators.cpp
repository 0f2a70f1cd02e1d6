// Plan-year accumulators (accumulators.h): the deductible, out-of-pocket and benefit phases of
// one claim, in integer cents.
#include "rules/accumulators.h"

#include <algorithm>
#include <limits>

#include "rules/pricing.h"

namespace rxgate::rules {

namespace {

constexpr std::int64_t unlimited = std::numeric_limits<std::int64_t>::max();

// What is left of `limit` after `used`; unlimited when the plan sets no such limit (0).
std::int64_t left_of(std::int64_t limit, std::int64_t used) noexcept {
  return limit > 0 ? std::clamp<std::int64_t>(limit - used, 0, limit) : unlimited;
}

// Sums never go below zero, even from a history that lacks what a reversal or rebill takes back.
void add_floored(accumulator_amounts& sum, const accumulator_amounts& delta) noexcept {
  sum += delta;
  sum.deductible = std::max<std::int64_t>(0, sum.deductible);
  sum.out_of_pocket = std::max<std::int64_t>(0, sum.out_of_pocket);
  sum.benefit = std::max<std::int64_t>(0, sum.benefit);
}

struct remaining {
  std::int64_t member = unlimited, family = unlimited;
  std::int64_t smaller() const noexcept { return std::min(member, family); }
};

remaining deductible_left(const accumulator_rules& a, const accumulator_state& s, std::int64_t applied) noexcept {
  remaining r{left_of(a.deductible, s.member.deductible + applied),
              left_of(a.family_deductible, s.family.deductible + applied)};
  // Non-embedded: in a family of two or more only the family amount ends the deductible.
  if (a.family_deductible_rule == family_rule::non_embedded && a.family_deductible > 0 && s.family_size > 1)
    r.member = unlimited;
  return r;
}

}  // namespace

codec::date plan_year_start(const accumulator_rules& a, codec::date on) noexcept {
  const auto month = static_cast<std::uint8_t>(a.year_start_month);
  const auto year = static_cast<std::int16_t>(on.month >= month ? on.year : on.year - 1);
  return codec::date{year, month, 1};
}

codec::date accumulator_year(const codec::claim& c, const plan_set& plans, codec::date today) noexcept {
  const auto r = plans.route(c.bin, c.pcn, c.group_id, c.date_of_service);
  if (!r.found || !r.found->accumulators.enabled) return {};
  const auto& a = r.found->accumulators;
  return plan_year_start(a, a.year_by_processing_date ? today : c.date_of_service);
}

void add_earlier(const codec::claim& earlier, const decision& d, const codec::claim& later,
                 accumulator_state& state) noexcept {
  if (!d.accumulator_year.valid() || d.accumulator_year != state.year_start) return;
  if (earlier.bin != later.bin || earlier.cardholder_id != later.cardholder_id) return;
  add_floored(state.family, d.accumulated);
  if (earlier.person_code == later.person_code) add_floored(state.member, d.accumulated);
}

void release_replaced(const codec::claim& rebill, const member_history& history, bool paid,
                      const codec::claim& later, accumulator_state& state) noexcept {
  const auto& k = history.same_key;
  if (!paid || rebill.transaction_code != "B3" || !k || k->status != 'P' || k->reversed) return;
  if (rebill.bin != later.bin || rebill.cardholder_id != later.cardholder_id) return;
  const accumulator_amounts gone{-k->applied.deductible, -k->applied.out_of_pocket, -k->applied.benefit};
  add_floored(state.family, gone);
  if (rebill.person_code == later.person_code) add_floored(state.member, gone);
}

accumulator_room room_left(const accumulator_rules& a, const accumulator_state& s) noexcept {
  auto shown = [](std::int64_t left) { return left == unlimited ? std::int64_t{-1} : left; };
  accumulator_room r;
  const remaining d = deductible_left(a, s, 0);
  r.deductible = shown(d.smaller());
  r.member_deductible = shown(left_of(a.deductible, s.member.deductible));
  r.family_deductible = shown(d.family);
  r.member_out_of_pocket = shown(left_of(a.out_of_pocket_max, s.member.out_of_pocket));
  r.family_out_of_pocket = shown(left_of(a.family_out_of_pocket_max, s.family.out_of_pocket));
  r.out_of_pocket = shown(std::min(left_of(a.out_of_pocket_max, s.member.out_of_pocket),
                                   left_of(a.family_out_of_pocket_max, s.family.out_of_pocket)));
  r.benefit = shown(left_of(a.benefit_max, s.member.benefit));
  return r;
}

std::int64_t tier_cost_share(const copay_rule* rule, std::int64_t amount, std::int64_t rate_base) noexcept {
  if (!rule || amount <= 0) return 0;
  if (!rule->coinsurance) return std::min(rule->flat, amount);
  const std::int64_t base = rate_base < 0 ? amount : std::min(rate_base, amount);
  std::int64_t share = std::max(scaled(base, rule->rate_bp), rule->minimum);
  if (rule->maximum) share = std::min(share, rule->maximum);
  return std::min(share, amount);
}

cost_share share_cost(const accumulator_rules& a, const accumulator_state& before, const cost_share_input& in) noexcept {
  cost_share s;
  const std::int64_t allowed = std::max<std::int64_t>(0, in.allowed);
  s.tier_rule = in.tier_rule != nullptr;
  s.coinsurance_rule = in.tier_rule && in.tier_rule->coinsurance;
  const bool exempt = in.tier >= 0 && in.tier < 32 && (a.exempt_tiers >> in.tier & 1u);

  // Deductible first: the patient pays the allowed amount until the deductible is met, then the
  // tier's cost share on the rest.
  std::int64_t deductible = 0;
  const bool has_deductible = a.deductible > 0 || a.family_deductible > 0;
  if (a.enabled && has_deductible && !exempt) deductible = std::min(allowed, deductible_left(a, before, 0).smaller());
  std::int64_t share = tier_cost_share(in.tier_rule, allowed - deductible, in.rate_base);

  // The out-of-pocket maximum cuts what is left of the patient's part.
  std::int64_t room = unlimited;
  if (a.enabled) {
    room = std::min(left_of(a.out_of_pocket_max, before.member.out_of_pocket),
                    left_of(a.family_out_of_pocket_max, before.family.out_of_pocket));
    const bool keep_copay = exempt && a.exempt_copay_after_out_of_pocket;
    if (deductible + share > room && !keep_copay) {
      const std::int64_t cut = deductible + share - room;
      if (a.out_of_pocket_cuts_deductible_first) {
        const std::int64_t from_deductible = std::min(deductible, cut);
        deductible -= from_deductible;
        share -= cut - from_deductible;
      } else {
        const std::int64_t from_share = std::min(share, cut);
        share -= from_share;
        deductible -= cut - from_share;
      }
    }
  }
  std::int64_t patient = deductible + share;
  std::int64_t out_of_pocket = std::min(patient, room);
  auto count_toward_room = [&](std::int64_t amount) {
    if (room != unlimited) out_of_pocket += std::min(amount, room - out_of_pocket);
    else out_of_pocket += amount;
  };

  // The brand penalty (134-UK) is the patient's on top of the cost share, never above the price.
  const std::int64_t penalty = std::min(std::max<std::int64_t>(0, in.brand_penalty), allowed - patient);
  patient += penalty;
  s.brand_penalty = penalty;
  if (a.enabled && a.brand_penalty_counts_to_out_of_pocket) count_toward_room(penalty);

  // The benefit maximum caps what the plan pays in the year; the rest is the patient's (520-FK).
  std::int64_t plan_pays = allowed - patient;
  const std::int64_t benefit_left = a.enabled ? left_of(a.benefit_max, before.member.benefit) : unlimited;
  if (plan_pays > benefit_left) {
    s.over_benefit = plan_pays - benefit_left;
    plan_pays = benefit_left;
    patient += s.over_benefit;
    if (a.over_benefit_counts_to_out_of_pocket) count_toward_room(s.over_benefit);
  }
  s.benefit_exhausted = s.over_benefit > 0;

  s.patient_pay = patient;
  s.plan_pays = plan_pays;
  s.deductible = deductible;
  (s.coinsurance_rule ? s.coinsurance : s.copay) = share;
  if (!a.enabled) return s;

  s.applied = accumulator_amounts{deductible, out_of_pocket, plan_pays};
  if (has_deductible) {
    const std::int64_t counted = a.report_before_claim ? 0 : deductible;
    const auto left = deductible_left(a, before, counted);
    s.accumulated_deductible = a.accumulated_report == amount_report::family
                                   ? before.family.deductible + counted
                                   : before.member.deductible + counted;
    const std::int64_t shown = a.remaining_report == amount_report::member   ? left.member
                               : a.remaining_report == amount_report::family ? left.family
                                                                             : left.smaller();
    s.remaining_deductible = shown == unlimited ? left.smaller() : shown;  // one of them is a limit
  }
  if (a.remaining_benefit_is_out_of_pocket_room) {
    if (room != unlimited) s.remaining_benefit = room - out_of_pocket;
  } else if (a.benefit_max > 0) {
    s.remaining_benefit = benefit_left - plan_pays;
  }
  return s;
}

void write_cost_share(const accumulator_rules& a, const cost_share& s, codec::pricing& out) noexcept {
  out.patient_pay = s.patient_pay;
  if (s.coinsurance_rule) out.coinsurance = s.coinsurance;
  else if (s.tier_rule) out.copay = s.copay;
  if (s.brand_penalty > 0) out.product_selection_brand = s.brand_penalty;
  if (a.enabled) {
    if (a.deductible > 0 || a.family_deductible > 0) out.deductible_applied = s.deductible;
    out.accumulated_deductible = s.accumulated_deductible;
    out.remaining_deductible = s.remaining_deductible;
    out.remaining_benefit = s.remaining_benefit;
    if (s.over_benefit > 0) out.over_benefit_maximum = s.over_benefit;
  }
}

}  // namespace rxgate::rules
