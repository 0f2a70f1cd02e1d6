// adjudicate(): the plan rules in payer order. Everything here is noexcept and allocation free:
// the plan is read through its indexes, history is scanned in place, and text is composed into
// the decision's own buffers. This file runs the claim-level steps (routing, claim key,
// eligibility, network, product, pricing); the rules that read history are in history_rules.cpp.
#include "rules/adjudicate.h"

#include <algorithm>

#include "rules/accumulators.h"
#include "rules/cob.h"
#include "rules/engine.h"
#include "rules/pricing.h"

namespace rxgate::rules {

namespace detail {

bool engine::route() noexcept {
  auto r = plans_.route(c_.bin, c_.pcn, c_.group_id, c_.date_of_service);
  switch (r.status) {
    case route_status::ok: break;
    case route_status::unknown_bin: reject("01", "A1"_fid); return false;
    case route_status::unknown_pcn: reject("04", "A4"_fid); return false;
    case route_status::unknown_group: reject("06", "C1"_fid); return false;
    case route_status::not_in_force:
      // The group exists but no version of its plan covers the date of service.
      if (r.found) d_.help_desk_phone = r.found->help_desk_phone;
      reject("65", "C1"_fid);
      return false;
  }
  p_ = r.found;
  d_.plan_id = p_->id;
  d_.wire_plan_id = p_->wire_plan_id;
  d_.plan_version = p_->version;
  d_.help_desk_phone = p_->help_desk_phone;
  // The plan takes this version only between its [ncpdp] dates, judged on the day the claim
  // is processed (the federal transition dates are about when a transaction is sent).
  if (!p_->accepts_version(c_.version, today_)) {
    reject("1R", "A2"_fid);
    return false;
  }
  return true;
}

// B1/B2/B3 against the claim already stored under the same claim key (DESIGN.md §3).
// Returns true when the decision is complete.
bool engine::decide_by_key() noexcept {
  const auto& k = h_.same_key;
  const bool active_paid = k && k->status == 'P' && !k->reversed;
  if (c_.transaction_code == "B2") {
    if (active_paid) {
      d_.status = 'A';
      d_.replaces_claim_id = k->claim_id;
      // The reversal takes back exactly what the reversed claim added to the accumulators.
      if (p_->accumulators.enabled) {
        d_.accumulator_year = plan_year_start(p_->accumulators, accumulator_date());
        d_.accumulated = accumulator_amounts{-k->applied.deductible, -k->applied.out_of_pocket, -k->applied.benefit};
      }
    } else if (k && (k->reversed || k->status == 'A')) {
      d_.status = 'S';
      d_.replaces_claim_id = k->claim_id;
    } else {
      reject("87");
    }
    return true;
  }
  // A retransmit of the paid claim that holds the key (same fingerprint) gets its stored answer,
  // whether it is a B1 or a B3 (a B3's fingerprint hashes its code, so a rebill with its B1's
  // fields still rebills). Rebilling a lost B3's retransmit would reverse the claim the pharmacy
  // holds an answer for and pay it again under a new authorization.
  const bool billing = c_.transaction_code == "B1" || c_.transaction_code == "B3";
  if (billing && active_paid && k->request_fingerprint == d_.request_fingerprint) {
    d_.status = 'D';
    d_.replaces_claim_id = k->claim_id;
    auto n = std::min(k->authorization_number.size(), d_.authorization_number.size());
    std::copy_n(k->authorization_number.data(), n, d_.authorization_number.data());
    d_.authorization_length = static_cast<std::uint8_t>(n);
    d_.price = k->price;
    return true;
  }
  if (c_.transaction_code == "B3") {
    if (!active_paid) {
      reject("87");
      return true;
    }
    d_.replaces_claim_id = k->claim_id;
    return false;
  }
  if (c_.transaction_code == "B1" && active_paid) {
    reject("83", "D2"_fid);
    text_builder t;
    t.add("A DIFFERENT CLAIM IS PAID FOR THIS RX/FILL/DATE. REVERSE IT FIRST (B2)");
    text(t);
    return true;
  }
  return false;
}

bool engine::eligibility() noexcept {
  m_ = p_->first_person(c_.cardholder_id);
  if (!m_) {
    reject("52", "C2"_fid);
    return false;
  }
  if (!c_.person_code.empty()) {
    m_ = p_->find_member(c_.cardholder_id, c_.person_code);
  } else if (c_.date_of_birth) {
    // No person code: the cardholder's person born that day, if exactly that one is.
    const member* found = nullptr;
    const member* end = p_->members.data() + p_->members.size();
    for (const member* x = m_; x != end && x->cardholder_id == c_.cardholder_id; ++x)
      if (x->date_of_birth == *c_.date_of_birth) found = x;
    m_ = found;
  }
  if (!m_) {
    reject("53", "C3"_fid);
    return false;
  }
  bool ok = true;
  if (m_->group != c_.group_id) reject("65", "C1"_fid), ok = false;
  if (c_.date_of_birth && *c_.date_of_birth != m_->date_of_birth) reject("09", "C4"_fid), ok = false;
  if (c_.gender && *c_.gender != 0 && m_->gender != 0 && *c_.gender != m_->gender) reject("10", "C5"_fid), ok = false;
  if (c_.relationship && *c_.relationship != 0 && *c_.relationship != m_->relationship)
    reject("11", "C6"_fid), ok = false;
  const auto dos = c_.date_of_service;
  if (dos < m_->coverage_from) {
    reject("67", "D1"_fid), ok = false;
  } else if (m_->terminated_on.valid() && dos > m_->terminated_on) {
    reject("69", "D1"_fid), ok = false;
    text_builder t;
    t.add("COVERAGE TERMINATED ").date(m_->terminated_on);
    text(t);
  } else if (m_->coverage_to.valid() && dos > m_->coverage_to) {
    reject("68", "D1"_fid), ok = false;
    text_builder t;
    t.add("COVERAGE ENDED ").date(m_->coverage_to);
    text(t);
  }
  return ok;
}

void engine::pharmacy_checks() noexcept {
  ph_ = p_->find_pharmacy(c_.provider_id);
  if (!ph_) reject("50", "B1"_fid);
  else if (!ph_->in_network) reject("40", "B1"_fid);
  if (ph_) cell_ = p_->benefit(*m_, *ph_);
}

// A specialty drug at a pharmacy outside the specialty network: the payer's code (G6 or 4W) and
// where to send the patient.
void engine::specialty_network() noexcept {
  reject(p_->specialty_reject_code, "B1"_fid);
  text_builder t;
  t.add("SPECIALTY DRUG: FILL AT ");
  if (const pharmacy* sp = p_->specialty_pharmacy()) {
    t.add(sp->name.empty() ? sp->npi : sp->name);
    if (!sp->phone.empty()) t.add(" PHONE ").add(sp->phone);
  } else {
    t.add("A SPECIALTY PHARMACY");
  }
  text(t);
}

std::int64_t engine::mac_unit(const product& d) const noexcept { return mac_unit_in_force(*p_, cell_, d); }

// The tier's copay at this network for this group, then the days-supply band's (pricing.h).
const copay_rule* engine::copay_rule_in_force(int tier, copay_rule& scratch) const noexcept {
  return rules::copay_rule_in_force(*p_, cell_, tier, c_.days_supply.value_or(0), scratch);
}

void engine::bill_primary_first(const other_coverage& o) noexcept {
  reject("41", "C8"_fid);
  text_builder t;
  t.add("BILL PRIMARY FIRST: BIN ").add(o.bin);
  if (!o.pcn.empty()) t.add(" PCN ").add(o.pcn);
  if (!o.group.empty()) t.add(" GRP ").add(o.group);
  text(t);
}

void engine::other_coverage_checks() noexcept {
  const other_coverage* o = m_->other_coverage_index < 0
                                ? nullptr
                                : &p_->other_coverages[static_cast<std::size_t>(m_->other_coverage_index)];
  if (o) {
    auto& op = d_.other_payers[0];
    op = {};
    op.coverage_type = "01";
    op.id_qualifier = "03";
    op.id = o->bin;
    op.pcn = o->pcn;
    op.group_id = o->group;
    op.cardholder_id = o->cardholder_id;
    op.person_code = o->person_code;
    op.help_desk_phone = o->help_desk_phone;
    d_.other_payer_count = 1;
  }
  if (c_.is_eligibility()) return;
  // 308-C8: 0/absent not specified, 1 none, 2 other payer paid, 3 other payer rejected, 4 other
  // payer paid nothing, 8 the patient's responsibility only (the codec rejected other values).
  const auto code = c_.other_coverage_code.empty() ? 0 : codec::parse_unsigned(c_.other_coverage_code).value_or(0);
  if (code >= 2) {
    cob_checks(static_cast<int>(code));
    return;
  }
  // A COB segment says another payer was billed: C8 must say what happened there.
  if (c_.has_cob) reject(code == 1 ? "557" : "13", "C8"_fid);
  else if (o) bill_primary_first(*o);
}

// A claim billed after other payers: the COB segment must carry what the other payer did, as its
// 308-C8 says. Decides whether the claim is coordinated or paid as primary (C8 = 3 after a reject
// the plan accepts as "not covered there").
void engine::cob_checks(int code) noexcept {
  const std::uint8_t payers = std::min<std::uint8_t>(c_.other_payer_count, static_cast<std::uint8_t>(c_.other_payers.size()));
  if (payers == 0) {
    reject("6G", "C8"_fid);
    text_builder t;
    t.add("COB SEGMENT REQUIRED WITH OTHER COVERAGE CODE ").number(code);
    text(t);
    return;
  }
  std::int64_t paid = 0;
  bool amounts = false;
  for (std::uint8_t i = 0; i < payers; ++i) {
    const auto& op = c_.other_payers[i];
    if (op.paid_date && *op.paid_date > today_) reject("9J", "E8"_fid, static_cast<std::uint8_t>(i + 1));
    paid += op.amount_paid;
    amounts = amounts || op.amount_count > 0;
  }
  const auto& last = c_.other_payers[payers - 1];
  const auto last_occurrence = payers;
  switch (code) {
    case 2:  // the other payer paid: its amount is required and above zero
      if (!amounts) {
        reject(p_->cob.missing_amount_code, "DV"_fid, last_occurrence);
        d_.add_text("OTHER PAYER AMOUNT PAID 431-DV REQUIRED WITH C8 2");
      } else if (paid <= 0) {
        reject("8W", "DV"_fid, last_occurrence);
      }
      coordinated_ = true;
      break;
    case 4:  // other coverage exists, nothing collected: no amount paid may be sent
      if (paid > 0) reject("8W", "DV"_fid, last_occurrence);
      coordinated_ = true;
      break;
    case 8:  // billing the patient's responsibility only: the other payer's 352-NQ is required
      if (last.responsibility_count == 0) {
        reject("NQ", "NQ"_fid, last_occurrence);
        d_.add_text("PATIENT RESPONSIBILITY 352-NQ REQUIRED WITH C8 8");
      }
      coordinated_ = true;
      by_responsibility_ = true;
      break;
    case 3: {  // the other payer rejected: its reject codes decide
      if (last.amount_paid > 0) reject("8W", "DV"_fid, last_occurrence);
      const auto codes = c_.reject_codes(last);
      if (codes.empty()) {
        reject("6E", "6E"_fid, last_occurrence);
        d_.add_text("OTHER PAYER REJECT CODE 472-6E REQUIRED WITH C8 3");
        return;
      }
      for (auto rc : codes)
        if (p_->cob.pays_as_primary_after(rc)) {
          coordinated_ = paid > 0;  // a tertiary still counts what the primary paid
          return;
        }
      reject("41", "6E"_fid, last_occurrence);
      text_builder t;
      t.add("OTHER PAYER REJECT ").add(codes[0]).add(": RESOLVE WITH THAT PAYER");
      text(t);
      break;
    }
    default: break;
  }
}

void engine::add_preferred(const product& d) noexcept {
  for (auto ndc : d.preferred) add_alternative(ndc, p_->find_product(ndc));
}

void engine::add_alternative(std::string_view ndc, const product* alt) noexcept {
  if (d_.preferred_count == d_.preferred.size()) return;
  auto& pp = d_.preferred[d_.preferred_count++];
  pp = {};
  pp.product_id = ndc;
  pp.description = alt ? alt->name : std::string_view{};
}

// 408-D8 against the plan's DAW policy ([daw]). A code the plan does not accept rejects 8K for
// any product; the other actions concern a multi-source brand only (a generic or a single-source
// brand is paid whatever the code says).
void engine::product_selection(const product& d) noexcept {
  const auto code = c_.daw.empty() ? std::size_t{0} : static_cast<std::size_t>(c_.daw[0] - '0');
  if (code >= p_->daw.size()) return;  // not a digit: the codec rejected it (22)
  const daw_action action = p_->daw[code];
  if (action == daw_action::not_supported) {
    reject("8K", "D8"_fid);
    text_builder t;
    t.add("DAW ").number(static_cast<std::int64_t>(code)).add(" NOT ACCEPTED BY THE PLAN");
    text(t);
    return;
  }
  const product* generic = p_->generic_of(d);
  if (!generic) return;
  switch (action) {
    case daw_action::penalty:
    case daw_action::generic_price:
      generic_ = generic;
      selection_ = action;
      break;
    case daw_action::generic_required: {
      // UU is NCPDP's code for exactly DAW 0 on a multi-source brand; AJ says "generic required"
      // for any other code the plan does not pay a brand under.
      if (code == 0) reject("UU", "D8"_fid);
      else reject("AJ", "D7"_fid);
      add_alternative(generic->ndc, generic);
      text_builder t;
      t.add("GENERIC REQUIRED: ").add(generic->ndc).add(" ").add(generic->name);
      text(t);
      break;
    }
    case daw_action::prior_auth:
      if (!d.pa_required) prior_auth_checks(d, c_.quantity.value_or(0), 0);
      break;
    case daw_action::brand:
    case daw_action::not_supported:
      break;
  }
}

// Does PA `a` cover product `d`: named by NDC, or by class when it names no NDC?

void engine::product_checks(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept {
  const auto field = occurrence ? "TE"_fid : "D7"_fid;
  if (!d.covered) {
    reject("70", field, occurrence);
    add_preferred(d);
    return;
  }
  if (!d.on_formulary) {
    const auto before = mark();
    reject("MR", field, occurrence);
    add_preferred(d);
    if (!d.preferred.empty()) {
      text_builder t;
      t.add("NOT ON FORMULARY. SEE PREFERRED PRODUCTS");
      text(t);
    }
    if (occurrence) return;
    lift(before, "MR", d);
    if (d_.rejects.count > before.rejects) return;
  }
  if (d.specialty && (!ph_ || !ph_->specialty)) specialty_network();
  if (d.min_age || d.max_age) {
    const int age = codec::age_in_years(m_->date_of_birth, c_.date_of_service);
    if ((d.min_age && age < d.min_age) || (d.max_age && age > d.max_age)) reject("60", "C4"_fid);
  }
  if (d.gender && m_->gender && d.gender != m_->gender) reject("61", "C5"_fid);
  if (d.diagnosis_required) diagnosis_checks(d);
  if (d.pa_required) {
    const auto before = mark();
    prior_auth_checks(d, qty, occurrence);
    if (!occurrence) lift(before, "75", d);
  }
  if (!d.step_prerequisites.empty()) {
    const auto before = mark();
    step_therapy(d, occurrence);
    if (!occurrence) lift(before, "608", d);
  }
}

// Diagnosis-required coverage: one 424-DO must start with a code the formulary lists. None sent is
// a missing field (39); codes sent that do not qualify are a drug-diagnosis mismatch (80).
void engine::diagnosis_checks(const product& d) noexcept {
  if (d_.rejects.contains("39") || d_.rejects.contains("80")) return;  // another ingredient said it
  const auto covered = p_->diagnosis_codes(d);
  const std::size_t n = std::min<std::size_t>(c_.diagnosis_count, c_.diagnoses.size());
  for (std::size_t i = 0; i < n; ++i)
    for (auto code : covered)
      if (c_.diagnoses[i].starts_with(code)) return;
  reject(n ? "80" : "39", "DO"_fid);
  text_builder t;
  t.add(n ? "DIAGNOSIS NOT COVERED FOR THIS DRUG. COVERED 424-DO:" : "DIAGNOSIS REQUIRED IN 424-DO:");
  for (auto code : covered) t.add(" ").add(code);
  text(t);
}

void engine::single_product() noexcept {
  const product* d = p_->find_product(c_.product_id);
  if (!d) {
    reject("54", "D7"_fid);
    return;
  }
  product_ = d;
  d_.product_name = d->name;
  d_.therapeutic_class = d->therapeutic_class;
  d_.tier = d->tier;
  product_checks(*d, c_.quantity.value_or(0), 0);
  if (!d->covered || !d->on_formulary) return;
  product_selection(*d);
  limits(*d);
  refill_too_soon(*d);
  dur(*d);
}

// A compound pays the sum of its ingredients. An ingredient the plan does not pay (excluded, not
// on the formulary, not compoundable) rejects the compound, unless the plan pays approved
// ingredients and the pharmacy asked for it with 420-DK 8: then that ingredient is left unpaid.
void engine::compound() noexcept {
  const std::uint8_t n = std::min<std::uint8_t>(c_.ingredient_count, static_cast<std::uint8_t>(c_.ingredients.size()));
  const bool approved_only = p_->compound.pay_approved_ingredients && has_scc(c_, 8);
  std::string_view basis;
  std::int64_t submitted = 0;       // ingredient cost asked for, of the ingredients paid
  std::int64_t first_quantity = 0;  // of the first paid ingredient: the compound's product for PA
  bool hinted = false;
  for (std::uint8_t i = 0; i < n; ++i) {
    const auto& ing = c_.ingredients[i];
    const auto occ = static_cast<std::uint8_t>(i + 1);
    const product* d = p_->find_product(ing.product_id);
    if (!d) {
      reject("54", "TE"_fid, occ);
      continue;
    }
    if (!(d->covered && d->on_formulary && d->compoundable)) {
      if (approved_only) {
        dropped_ingredients_ |= 1u << i;
        continue;
      }
      if (d->covered && d->on_formulary) reject("70", "TE"_fid, occ);  // not compoundable
      else product_checks(*d, ing.quantity, occ);                       // 70 or MR
      if (p_->compound.pay_approved_ingredients && !hinted) {
        text_builder t;
        t.add("RESUBMIT WITH 420-DK 8 TO PAY THE COVERED INGREDIENTS ONLY");
        text(t);
        hinted = true;
      }
      continue;
    }
    if (!product_) {
      product_ = d;
      d_.therapeutic_class = d->therapeutic_class;
      first_quantity = ing.quantity;
    }
    product_checks(*d, ing.quantity, occ);
    compound_tier_ = std::max(compound_tier_, d->tier);
    auto priced = price_ingredient(pricing_terms_in_force(), *d, mac_unit(*d), ing.quantity);
    std::int64_t cost = priced.cost;
    // Each ingredient is paid at the lower of the plan's price and the submitted cost.
    if (ing.cost && *ing.cost >= 0 && *ing.cost < cost) cost = *ing.cost;
    compound_cost_ += cost;
    // Without 449-EE the plan's own price stands for what the pharmacy asks (no way around the cap).
    submitted += ing.cost && *ing.cost >= 0 ? *ing.cost : priced.cost;
    if (basis.empty()) basis = priced.basis;
    else if (basis != priced.basis) basis = "8";  // mixed bases: contract pricing
  }
  compound_basis_ = basis;
  d_.product_name = "COMPOUND";
  d_.tier = compound_tier_;
  if (!product_ && d_.rejects.empty()) {
    reject("8A", "TE"_fid);  // 420-DK 8 left nothing to pay
    return;
  }
  if (dropped_ingredients_) {
    text_builder t;
    t.add("420-DK 8: NOT PAID INGREDIENT");
    for (std::uint8_t i = 0; i < n; ++i)
      if (dropped_ingredients_ & (1u << i)) t.add(" ").number(i + 1);
    text(t);
  }
  if (product_ && d_.rejects.empty()) {
    compound_cost(submitted, first_quantity);
    compound_limits(n);
    refill_too_soon(*product_);
    dur(*product_);
  }
}

// The plan's compound cost cap (78) and PA threshold (75 unless a PA covers the compound's first
// paid ingredient), both on the ingredient cost the pharmacy asks for; at the amount passes.
void engine::compound_cost(std::int64_t submitted, std::int64_t first_quantity) noexcept {
  const auto& policy = p_->compound;
  if (policy.cost_cap && submitted > policy.cost_cap) {
    reject("78", "D9"_fid);
    text_builder t;
    t.add("COMPOUND INGREDIENT COST ").money(submitted).add(" OVER PLAN MAXIMUM ").money(policy.cost_cap);
    text(t);
    return;
  }
  if (policy.pa_threshold && submitted > policy.pa_threshold) {
    const auto before = mark();
    prior_auth_checks(*product_, first_quantity, 0);
    if (d_.rejects.count > before.rejects) {
      text_builder t;
      t.add("COMPOUND INGREDIENT COST ").money(submitted).add(" OVER ").money(policy.pa_threshold)
          .add(" NEEDS PA");
      text(t);
    }
  }
}

void engine::price() noexcept {
  codec::pricing pr;
  const pricing_terms terms = pricing_terms_in_force();
  std::int64_t ingredient = 0, fee = terms.dispensing_fee;
  std::string_view basis;
  int tier = d_.tier;
  std::int64_t brand_penalty = 0;  // the brand-generic difference the patient pays (DAW penalty)
  std::int64_t share_base = -1;    // what the cost share is taken of when not the gross amount
  if (c_.compound_code == 2) {
    ingredient = compound_cost_;
    fee += terms.compound_fee;
    basis = compound_basis_;
    tier = compound_tier_;
  } else {
    const std::int64_t qty = c_.quantity.value_or(0);
    auto priced = price_ingredient(terms, *product_, mac_unit(*product_), qty);
    ingredient = priced.cost;
    basis = priced.basis;
    if (c_.ingredient_cost && *c_.ingredient_cost >= 0 && *c_.ingredient_cost < ingredient) {
      ingredient = *c_.ingredient_cost;
      basis = "1";
    }
    if (generic_) {
      // The generic as this pharmacy's network would price it (its terms and MAC list).
      const auto generic = price_ingredient(terms, *generic_, mac_unit(*generic_), qty);
      if (selection_ == daw_action::generic_price) {
        if (generic.cost < ingredient) {
          ingredient = generic.cost;
          basis = generic.basis;
        }
        tier = generic_->tier;
      } else if (selection_ == daw_action::penalty) {
        brand_penalty = std::max<std::int64_t>(0, ingredient - generic.cost);
        if (p_->daw_penalty_share == penalty_share::generic) {
          tier = generic_->tier;
          share_base = std::min(ingredient, generic.cost) + fee;
        }
      }
    }
  }
  // Lower of (ingredient + fee) and the pharmacy's usual and customary price.
  if (c_.usual_customary && *c_.usual_customary > 0 && *c_.usual_customary < ingredient + fee) {
    pr.usual_customary_reduction = ingredient + fee - *c_.usual_customary;
    ingredient = *c_.usual_customary;
    fee = 0;
    basis = "4";
  }
  // The patient's share: the tier's cost share (of share_base when the DAW policy says so) plus
  // any brand penalty, within the plan year's accumulators when the plan keeps them
  // (accumulators.h). A history of another plan year counts as nothing yet.
  const auto& acc = p_->accumulators;
  accumulator_state before;
  if (acc.enabled) {
    d_.accumulator_year = plan_year_start(acc, accumulator_date());
    if (h_.accumulators.year_start == d_.accumulator_year) before = h_.accumulators;
    // Only a non-embedded deductible asks how many persons the family has.
    if (acc.family_deductible_rule == family_rule::non_embedded) {
      before.family_size = 0;
      const member* end = p_->members.data() + p_->members.size();
      for (const member* m = p_->first_person(c_.cardholder_id); m && m != end && m->cardholder_id == c_.cardholder_id; ++m)
        ++before.family_size;
    }
  }
  copay_rule scratch;
  const cost_share_input input{ingredient + fee, share_base, copay_rule_in_force(tier, scratch), tier, brand_penalty};
  cost_share share = share_cost(acc, before, input);
  if (share.benefit_exhausted && acc.reject_over_benefit_max) {
    reject("76");
    d_.add_text("BENEFIT MAXIMUM FOR THE PLAN YEAR REACHED");
    return;
  }
  if (coordinated_) {
    // After the other payers (cob.h): this plan pays its part of the balance they left.
    const auto others = read_other_payments(c_, p_->cob);
    const auto cob = coordinate(p_->cob, cob_method_for(*p_, m_->group), acc, before, input, share, others,
                                by_responsibility_);
    if (cob.share.plan_pays == 0 && p_->cob.reject_zero_payment) {
      reject("622", "DV"_fid);
      d_.add_text("NOTHING LEFT TO PAY AFTER OTHER PAYERS");
      return;
    }
    share = cob.share;
    pr.other_payer_recognized = cob.recognized;
  }
  pr.ingredient_cost_paid = ingredient;
  pr.dispensing_fee_paid = fee;
  write_cost_share(acc, share, pr);
  d_.accumulated = share.applied;
  pr.basis_of_reimbursement = basis;
  // ncpdp-d0.md §6.5: F9 = F6 + F7 + ΣJ4 (+FL +J1) − F5, less J5 on a coordinated claim (what
  // the other payers paid is not this plan's to pay).
  pr.total_paid = pr.ingredient_cost_paid + pr.dispensing_fee_paid + pr.incentive_paid +
                  pr.professional_fee_paid - pr.patient_pay - pr.other_payer_recognized.value_or(0);
  d_.price = pr;
}

void engine::run() noexcept {
  d_.request_fingerprint = fingerprint(c_);
  if (!c_.rejects.empty()) {
    d_.rejects = c_.rejects;
    // Syntax rejects still say whom to call when the plan is known.
    auto r = plans_.route(c_.bin, c_.pcn, c_.group_id, c_.date_of_service);
    if (r.found) {
      d_.plan_id = r.found->id;
      d_.wire_plan_id = r.found->wire_plan_id;
      d_.plan_version = r.found->version;
      d_.help_desk_phone = r.found->help_desk_phone;
    }
    return;
  }
  if (!route()) return;
  if (c_.date_of_service > today_) {
    reject("82", "D1"_fid);
    return;
  }
  // A reversal, a PA cancel or an inquiry is about something already on file: no timely filing.
  const bool about_existing = c_.is_reversal() || c_.transaction_code == "P2" || c_.transaction_code == "P3";
  if (!about_existing && c_.date_of_service.days() < today_.days() - p_->timely_filing_days) {
    reject("81", "D1"_fid);
    return;
  }
  if (c_.is_prior_authorization()) {
    prior_authorization_transaction();
    return;
  }
  if (decide_by_key()) return;

  if (!eligibility()) return;
  if (c_.is_eligibility()) {
    other_coverage_checks();
    d_.status = 'A';
    return;
  }
  pharmacy_checks();
  other_coverage_checks();
  if (c_.compound_code == 2) compound();
  else single_product();
  if (!d_.rejects.empty()) return;

  price();
  if (!d_.rejects.empty()) return;
  if (product_ && p_->generic_of(*product_) && c_.compound_code != 2) approve("001");
  d_.status = 'P';
}

}  // namespace detail

void adjudicate(const codec::claim& c, const plan_set& plans, const member_history& history,
                codec::date today, decision& out) noexcept {
  out.clear();
  detail::engine(c, plans, history, today, out).run();
  if (!out.rejects.empty()) {
    out.status = 'R';
    out.price.reset();
    out.accumulated = {};
    out.accumulator_year = {};
    out.approved_message_count = 0;
    out.replaces_claim_id = 0;
  }
}

int fill_lookback_days(const codec::claim& c, const plan_set& plans) noexcept {
  const auto r = plans.route(c.bin, c.pcn, c.group_id, c.date_of_service);
  return r.found ? r.found->fill_lookback_days : -1;
}

void prefetch(const codec::claim& c, const plan_set& plans, int stage) noexcept {
  const auto r = plans.route(c.bin, c.pcn, c.group_id, c.date_of_service);
  if (!r.found) return;
  const plan& p = *r.found;
  if (stage == 0) {
    p.cardholder_index.prefetch_slot(c.cardholder_id);
    p.product_index.prefetch_slot(c.product_id);
    return;
  }
  auto rows = [](const void* row, std::size_t bytes) {
    const char* at = static_cast<const char*>(row);
    for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(at + off);
  };
  if (auto m = p.cardholder_index.probable_row(c.cardholder_id); m != string_index::npos)
    rows(&p.members[m], sizeof(member));
  if (auto d = p.product_index.probable_row(c.product_id); d != string_index::npos)
    rows(&p.products[d], sizeof(product));
}

}  // namespace rxgate::rules
