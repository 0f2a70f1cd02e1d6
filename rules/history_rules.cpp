// The rules that read the member's history: prior authorization, step therapy, day-supply and
// quantity limits, refill-too-soon and DUR, and drug identity (NDCs of one drug key are one drug).
#include "rules/engine.h"

namespace rxgate::rules::detail {

bool engine::pa_covers(const prior_authorization& a, const product& d) const noexcept {
  return !a.revoked && (pa_names_drug(a, d) || (a.product_id.empty() && a.therapeutic_class == d.therapeutic_class));
}

// The PA names `d`: its NDC, another NDC of the same drug, or the drug key itself.
bool engine::pa_names_drug(const prior_authorization& a, const product& d) const noexcept {
  if (a.product_id == d.ndc) return true;
  return p_->groups_drugs && !a.product_id.empty() && p_->drug_id(a.product_id) == d.drug_id;
}

// In force on the date of service (both dates inclusive) and for this quantity.
bool engine::pa_active(const prior_authorization& a, std::int64_t qty) const noexcept {
  return pa_dated(a) && (a.max_quantity == 0 || qty <= a.max_quantity);
}

bool engine::pa_dated(const prior_authorization& a) const noexcept {
  return c_.date_of_service >= a.effective && c_.date_of_service <= a.expires;
}

void engine::prior_auth_checks(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept {
  d_.pa.required = true;
  // A brand under a DAW prior_auth policy, or a compound over the PA threshold, may carry no PA
  // type of its own: a plain PA (1).
  d_.pa.pa_type = d.pa_type.empty() ? std::string_view("1") : d.pa_type;
  const bool submitted = !c_.pa_number.empty() && c_.pa_number.find_first_not_of('0') != std::string_view::npos;
  if (submitted && submitted_pa(d, qty, occurrence)) return;
  pa_on_file(d, qty, occurrence);
}

// 462-EV names a PA: accept it, or reject 75/64 when it does not fit. False when the number is
// not on file (the PAs on file are searched as if none had been sent).
bool engine::submitted_pa(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept {
  if (emergency_override(c_, "91100000002")) {
    d_.pa.state = pa_state::number_accepted;
    d_.pa.pa_number = c_.pa_number;
    return true;
  }
  for (const auto& a : h_.authorizations) {
    if (a.number != c_.pa_number) continue;
    if (pa_covers(a, d) && pa_active(a, qty)) {
      d_.pa.state = pa_state::number_accepted;
      d_.pa.pa_number = c_.pa_number;
      return true;
    }
    if (pa_covers(a, d) && !pa_dated(a)) {
      d_.pa.state = pa_state::on_file_expired;
      d_.pa.expired_on = a.expires;
      reject("75", occurrence ? "TE"_fid : "EV"_fid, occurrence);
      text_builder t;
      t.add("PA ").add(a.number).add(" NOT VALID ON DOS. EXPIRES ").date(a.expires);
      text(t);
      return true;
    }
    // A known number that does not cover this product or quantity.
    d_.pa.state = pa_state::required_missing;
    reject("64", "EV"_fid, occurrence);
    return true;
  }
  return false;
}

// No usable number on the claim: an active PA on file covers it, else 64 (a PA covers the date
// but not the quantity) or 75 (none, or only expired ones).
void engine::pa_on_file(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept {
  const auto occ_field = occurrence ? "TE"_fid : "EV"_fid;
  const prior_authorization* expired = nullptr;
  bool quantity_over = false;
  for (const auto& a : h_.authorizations) {
    if (!pa_covers(a, d)) continue;
    if (pa_active(a, qty)) {
      d_.pa.state = pa_state::on_file;
      d_.pa.pa_number = a.number;
      return;
    }
    if (pa_dated(a)) quantity_over = true;
    else if (!expired || a.expires > expired->expires) expired = &a;
  }
  if (quantity_over) {
    d_.pa.state = pa_state::required_missing;
    reject("64", occ_field, occurrence);
    text_builder t;
    t.add("QUANTITY OVER THE PA ON FILE");
    text(t);
    return;
  }
  reject("75", occ_field, occurrence);
  text_builder t;
  if (expired) {
    d_.pa.state = pa_state::on_file_expired;
    d_.pa.expired_on = expired->expires;
    t.add("PA EXPIRED ").date(expired->expires).add(". RENEW PA");
  } else {
    d_.pa.state = pa_state::required_missing;
    t.add("PRIOR AUTH REQUIRED, PA TYPE ").add(d_.pa.pa_type);
  }
  if (!p_->help_desk_phone.empty()) t.add(". CALL ").add(p_->help_desk_phone);
  text(t);
  add_preferred(d);
}

void engine::step_therapy(const product& d, std::uint8_t occurrence) noexcept {
  d_.pa.step_therapy_required = true;
  const auto since = c_.date_of_service.days() - p_->step_lookback_days;
  for (const auto& f : h_.fills) {
    if (!counts(f) || f.fill_date.days() < since || f.fill_date > c_.date_of_service) continue;
    const bool met = contains(d.step_prerequisites, f.product_id) || contains(d.step_prerequisites, f.therapeutic_class) ||
                     (p_->groups_drugs && fill_drug(f) != string_index::npos &&
                      contains(d.step_prerequisite_drugs, p_->drug_keys[fill_drug(f)]));
    if (met) {
      d_.pa.step_therapy_satisfied = true;
      return;
    }
  }
  // A PA on file for the drug, or the emergency step-therapy override, lifts the step.
  if (emergency_override(c_, "91100000004")) return;
  for (const auto& a : h_.authorizations)
    if (!a.revoked && pa_names_drug(a, d) && pa_dated(a))
      return;
  reject("608", occurrence ? "TE"_fid : "D7"_fid, occurrence);
  text_builder t;
  t.add("STEP THERAPY: NO FILL OF ");
  bool first = true;
  for (auto s : d.step_prerequisites) {
    t.add(first ? "" : " OR ").add(s);
    first = false;
  }
  t.add(" IN ").number(p_->step_lookback_days).add(" DAYS");
  text(t);
  add_preferred(d);
}

// A transition fill lifts MR, 75 or 608 and an emergency fill 75, when the reject is the only one
// its check raised: the reject is undone and the approved message (548-6F) says why the claim paid.
// Over the fill's days supply the reject stays, with RL or TN telling the pharmacy to resubmit.
void engine::lift(const checkpoint& before, std::string_view code, const product& d) noexcept {
  if (d_.rejects.count != before.rejects + 1 || d_.rejects.items[before.rejects].code_view() != code) return;
  const bool transition = transition_open(d);
  const bool emergency = !transition && code == "75" && p_->fills.emergency_days_supply && emergency_signalled();
  if (!transition && !emergency) return;
  const int max_days = transition ? p_->fills.transition_days_supply : p_->fills.emergency_days_supply;
  if (c_.days_supply.value_or(0) > max_days) {
    reject(transition ? "RL" : "TN", "D5"_fid);
    text_builder t;
    t.add(transition ? "TRANSITION" : "EMERGENCY").add(" FILL PAYS UP TO ").number(max_days)
        .add(" DAYS SUPPLY: RESUBMIT 405-D5");
    text(t);
    return;
  }
  d_.rejects.count = before.rejects;
  d_.text_count = before.texts;
  d_.preferred_count = before.preferred;
  // 548-6F: 005/006/007 transition fill of a PA / non-formulary / other-edit drug; 009 emergency
  // fill of a PA drug.
  approve(emergency ? "009" : code == "75" ? "005" : code == "MR" ? "006" : "007");
  if (d_.fill != fill_kind::regular) return;  // one message for the fill
  text_builder t;
  if (transition) {
    d_.fill = fill_kind::transition;
    const auto last = codec::date::from_days(m_->coverage_from.days() + p_->fills.transition_window_days - 1);
    t.add("TRANSITION FILL. GET PA OR CHANGE DRUG BY ").date(last);
  } else {
    d_.fill = fill_kind::emergency;
    t.add("EMERGENCY SUPPLY. PA STILL REQUIRED FOR MORE");
  }
  text(t);
}

// The member is in the first transition_window_days of coverage (the first day is day 0) and has
// had no fill of this drug since coverage began: one transition fill per drug.
bool engine::transition_open(const product& d) noexcept {
  const int window = p_->fills.transition_window_days;
  if (!window) return false;
  const auto start = m_->coverage_from.days();
  const auto day = c_.date_of_service.days() - start;
  if (day < 0 || day >= window) return false;
  for (const auto& f : h_.fills)
    if (counts(f) && f.fill_date.days() >= start && f.fill_date <= c_.date_of_service && same_drug(f, d)) return false;
  return true;
}

// 418-DI 3 (emergency) or 420-DK 13 (payer-recognized emergency/disaster).
bool engine::emergency_signalled() const noexcept {
  return c_.level_of_service == "3" || c_.level_of_service == "03" || has_scc(c_, 13);
}

void engine::approve(std::string_view message) noexcept {
  for (std::size_t i = 0; i < d_.approved_message_count; ++i)
    if (d_.approved_messages[i] == message) return;
  if (d_.approved_message_count < d_.approved_messages.size()) d_.approved_messages[d_.approved_message_count++] = message;
}

void engine::limits(const product& d) noexcept {
  limit_detail detail;
  bool hit = days_supply_limit(d.max_days_supply, detail);
  if (d.quantity_limit) hit |= quantity_limit(d, c_.quantity.value_or(0), "E7"_fid, 0, detail);
  if (d.max_quantity_per_day) hit |= quantity_per_day_limit(d, detail);
  if (hit) limit_hit(detail);
}

// A compound is held to the same limits as a single product: its days supply to the channel's
// maximum and to the smallest maximum of its ingredients, each ingredient's quantity to that
// ingredient's limit. Ingredients left unpaid (420-DK 8) are not held to anything.
void engine::compound_limits(std::uint8_t ingredients) noexcept {
  int product_max = 0;
  for (std::uint8_t i = 0; i < ingredients; ++i)
    if (const product* d = paid_ingredient(i))
      if (d->max_days_supply && (!product_max || d->max_days_supply < product_max)) product_max = d->max_days_supply;
  limit_detail detail;
  bool hit = days_supply_limit(product_max, detail);
  for (std::uint8_t i = 0; i < ingredients; ++i) {
    const product* d = paid_ingredient(i);
    if (d && d->quantity_limit)
      hit |= quantity_limit(*d, c_.ingredients[i].quantity, "ED"_fid, static_cast<std::uint8_t>(i + 1), detail);
  }
  if (hit) limit_hit(detail);
}

// Days supply over the product's maximum (AG) or the network's (7X, or the plan's choice for
// retail). The network and channel are the pharmacy's in the plan's own table: 147-U7 on the
// claim is the pharmacy's word, not the plan's.
bool engine::days_supply_limit(int product_max, limit_detail& detail) noexcept {
  const int days = c_.days_supply.value_or(0);
  const bool mail = ph_ && ph_->mail_order;
  // The network's maximum for the member's group (benefit_cell); without one, the plan's channel.
  const int plan_max = cell_ ? cell_->max_days_supply : mail ? p_->max_days_supply_mail : p_->max_days_supply_retail;
  const bool retail = cell_ ? cell_->net->kind == channel::retail : !mail;
  if (product_max && days > product_max) {
    reject("AG", "D5"_fid);
    detail.max_days_supply = product_max;
  } else if (days > plan_max) {
    // Over the retail maximum the payer may say "not in the 90-day retail network" (G9).
    reject(retail ? p_->retail_days_supply_reject_code : std::string_view("7X"), "D5"_fid);
    detail.max_days_supply = plan_max;
  } else {
    return false;
  }
  return true;
}

// The limits' outcome: the days supply message follows any quantity message.
void engine::limit_hit(const limit_detail& detail) noexcept {
  if (detail.max_days_supply) {
    text_builder t;
    t.add("MAX DAYS SUPPLY ").number(detail.max_days_supply);
    text(t);
  }
  d_.limit = detail;
}

// `qty` plus what the member got of the same drug in the limit's window (the quantity_limit_days
// ending on the date of service) over the limit: 76.
bool engine::quantity_limit(const product& d, std::int64_t qty, codec::field_id field, std::uint8_t occurrence,
                            limit_detail& detail) noexcept {
  const auto since = c_.date_of_service.days() - d.quantity_limit_days;
  std::int64_t used = 0;
  for (const auto& f : h_.fills)
    if (counts(f) && f.fill_date.days() > since && f.fill_date <= c_.date_of_service && same_drug(f, d))
      used += f.quantity;
  if (used + qty <= d.quantity_limit || emergency_override(c_, "91100000003")) return false;
  reject("76", field, occurrence);
  detail.max_quantity = d.quantity_limit;
  detail.per_days = d.quantity_limit_days;
  detail.allowed_quantity = std::max<std::int64_t>(0, d.quantity_limit - used);
  text_builder t;
  t.add("QTY LIMIT ").quantity(d.quantity_limit).add(" PER ").number(d.quantity_limit_days)
      .add(" DAYS. ALLOWED NOW ").quantity(detail.allowed_quantity);
  text(t);
  return true;
}

// The quantity over the product's per-day maximum times the days supply (76): 2 a day allows 60
// for 30 days and 180 for 90; equal passes. One 76 when the period limit rejected too, with the
// smaller of the two quantities as what would pass.
bool engine::quantity_per_day_limit(const product& d, limit_detail& detail) noexcept {
  const int days = c_.days_supply.value_or(0);
  const std::int64_t allowed = d.max_quantity_per_day * std::max(days, 0);
  if (c_.quantity.value_or(0) <= allowed || emergency_override(c_, "91100000003")) return false;
  const bool period_hit = detail.max_quantity != 0;
  if (!period_hit) reject("76", "E7"_fid);
  detail.max_quantity_per_day = d.max_quantity_per_day;
  detail.allowed_quantity = period_hit ? std::min(detail.allowed_quantity, allowed) : allowed;
  text_builder t;
  t.add("QTY LIMIT ").quantity(d.max_quantity_per_day).add(" PER DAY: ").quantity(allowed).add(" FOR ")
      .number(days).add(" DAYS");
  text(t);
  return true;
}

bool engine::same_drug(const prior_fill& f, const product& d) noexcept {
  if (f.product_id == d.ndc) return true;
  if (!p_->groups_drugs) return false;
  // The packages of one drug share its class (checked at load), so a fill of another class is
  // another drug without a lookup.
  if (!f.therapeutic_class.empty() && f.therapeutic_class != d.therapeutic_class) return false;
  return fill_drug(f) == d.drug_id;
}

std::uint32_t engine::fill_drug(const prior_fill& f) noexcept {
  const auto i = static_cast<std::size_t>(&f - h_.fills.data());
  if (i >= fill_drug_cache_.size()) return p_->drug_id(f.product_id);
  if (fill_drug_cache_[i] == unresolved) fill_drug_cache_[i] = p_->drug_id(f.product_id);
  return fill_drug_cache_[i];
}

// The last fill of the same drug must be used up to the threshold in force for the drug (its own,
// its DEA schedule's, else the plan's): 79 before.
void engine::refill_too_soon(const product& d) noexcept {
  const prior_fill* last = nullptr;
  for (const auto& f : h_.fills) {
    if (!counts(f) || f.fill_date > c_.date_of_service || !same_drug(f, d)) continue;
    if (!last || f.fill_date > last->fill_date) last = &f;
  }
  if (!last || last->days_supply <= 0) return;
  // Days that must pass: the threshold share of the last days supply, rounded up.
  const refill_threshold threshold = p_->threshold_for(d);
  const int wait = (last->days_supply * threshold.pct + 99) / 100;
  const auto next = codec::date::from_days(last->fill_date.days() + wait);
  if (c_.date_of_service >= next) return;
  for (int scc : p_->refill_override_scc)
    if (has_scc(c_, scc)) return;
  if (emergency_override(c_, "91100000001")) return;

  refill_too_soon_detail r;
  r.last_fill = last->fill_date;
  r.last_quantity = last->quantity;
  r.last_days_supply = last->days_supply;
  r.same_pharmacy = last->provider_id == c_.provider_id;
  r.next_allowed = next;
  r.threshold_pct = threshold.pct;
  r.threshold_from = threshold.source;
  r.dea_schedule = d.dea_schedule;
  d_.refill_too_soon = r;
  reject("79", "D1"_fid);
  add_alert("ER", 0, last, {});
  text_builder t;
  t.add("REFILL TOO SOON. NEXT FILL ON/AFTER ").date(next).add(". LAST FILL ").date(last->fill_date);
  if (threshold.source == threshold_source::dea_schedule)
    t.add(". CONTROLLED SUBSTANCE C").number(d.dea_schedule).add(": ").number(threshold.pct).add("% OF DAYS SUPPLY");
  else if (threshold.source == threshold_source::drug)
    t.add(". THIS DRUG: ").number(threshold.pct).add("% OF DAYS SUPPLY");
  text(t);
}

void engine::add_alert(std::string_view reason, int severity, const prior_fill* other,
                       std::string_view free_text) noexcept {
  if (d_.dur_count == d_.dur.size()) return;
  auto& a = d_.dur[d_.dur_count++];
  a = {};
  a.reason = reason;
  a.significance = severity ? significance_text(severity) : std::string_view{};
  a.database = "4";
  a.free_text = free_text.substr(0, 30);
  if (other) {
    a.previous_fill = other->fill_date;
    a.previous_quantity = other->quantity;
    a.other_pharmacy = other->provider_id == c_.provider_id ? "1" : "3";
    a.other_prescriber = other->prescriber_id.empty() || c_.prescriber_id.empty()
                             ? "0"
                             : (other->prescriber_id == c_.prescriber_id ? "1" : "2");
  }
}

void engine::dur(const product& d) noexcept {
  const auto first_alert = d_.dur_count;
  const auto dos = c_.date_of_service.days();
  // Conflicts with drugs the member is still taking.
  for (const auto& f : h_.fills) {
    if (!counts(f) || f.fill_date > c_.date_of_service || f.fill_date.days() + f.days_supply <= dos) continue;
    if (same_drug(f, d)) continue;  // same drug: refill-too-soon's business
    const auto other = p_->class_id(f.therapeutic_class);
    if (const interaction* i = p_->find_interaction(d.class_id, other))
      add_alert("DD", i->severity, &f, i->text.empty() ? (i->class_a == d.therapeutic_class ? i->class_b : i->class_a) : i->text);
    else if (other == d.class_id)
      if (const duplicate_therapy* t = p_->find_duplicate(d.class_id))
        add_alert("TD", t->severity, &f, t->therapeutic_class);
  }
  if (contains(m_->allergy_classes, d.therapeutic_class)) add_alert("DA", 1, nullptr, d.therapeutic_class);
  if (const dose_limit* l = p_->find_dose_limit(d.ndc)) {
    const int days = c_.days_supply.value_or(0);
    const std::int64_t qty = c_.quantity.value_or(0);
    if (days > 0 && qty > l->max_daily * days) add_alert("HD", l->severity, nullptr, "DAILY DOSE OVER PLAN MAXIMUM");
  }
  // An alert rejects unless the pharmacist answered it in the DUR/PPS segment with a
  // professional service and an accepted result for the same reason.
  bool rejected = false;
  for (std::size_t i = first_alert; i < d_.dur_count; ++i) {
    const auto& a = d_.dur[i];
    const int sev = a.significance.empty() ? 9 : a.significance[0] - '0';
    if (sev > p_->dur_reject_severity) continue;
    bool overridden = false;
    for (std::size_t k = 0; k < c_.dur_pps_count && k < c_.dur_pps.size(); ++k) {
      const auto& e = c_.dur_pps[k];
      if (e.reason == a.reason && !e.professional.empty() && contains(p_->dur_override_results, e.result))
        overridden = true;
    }
    if (!overridden) {
      d_.dur_reject_mask = static_cast<std::uint16_t>(d_.dur_reject_mask | (1u << i));
      rejected = true;
    }
  }
  if (rejected) {
    reject("88");
    text_builder t;
    t.add("DUR REJECT:");
    for (std::size_t i = first_alert; i < d_.dur_count; ++i)
      if (d_.dur_reject_mask & (1u << i)) t.add(" ").add(d_.dur[i].reason);
    t.add(". OVERRIDE WITH DUR/PPS E4/E5/E6");
    text(t);
  }
}

}  // namespace rxgate::rules::detail
