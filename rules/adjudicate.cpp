// adjudicate(): the plan rules in payer order. Everything here is noexcept and allocation free:
// the plan is read through its indexes, history is scanned in place, and text is composed into
// the decision's own buffers.
#include "rules/adjudicate.h"

#include <algorithm>

#include "rules/plan_model.h"
#include "rules/pricing.h"
#include "rules/text_builder.h"

namespace rxgate::rules {

using namespace codec::literals;

namespace {

constexpr std::string_view significance_text(int s) noexcept {
  switch (s) {
    case 1: return "1";
    case 2: return "2";
    case 3: return "3";
    default: return "9";
  }
}

bool has_scc(const codec::claim& c, int code) noexcept {
  for (std::size_t i = 0; i < c.scc_count && i < c.scc.size(); ++i)
    if (c.scc[i] == code) return true;
  return false;
}

// 461-EU 9 with the ECL's fixed emergency-preparedness override numbers (ncpdp-d0.md §9).
bool emergency_override(const codec::claim& c, std::string_view specific) noexcept {
  if (c.pa_type != "9" && c.pa_type != "09") return false;
  return c.pa_number == specific || c.pa_number == "91100000005";
}

bool contains(const std::vector<std::string_view>& list, std::string_view v) noexcept {
  return std::find(list.begin(), list.end(), v) != list.end();
}

class engine {
 public:
  engine(const codec::claim& c, const plan_set& plans, const member_history& h, codec::date today,
         decision& d) noexcept
      : c_(c), plans_(plans), h_(h), today_(today), d_(d) {
    fill_drug_cache_.fill(unresolved);
  }

  void run() noexcept;

 private:
  void reject(std::string_view code, codec::field_id field = 0, std::uint8_t occurrence = 0) noexcept {
    d_.rejects.push(code, field, occurrence);
  }
  void text(const text_builder& t) noexcept { d_.add_text(t.view()); }
  bool route() noexcept;
  bool decide_by_key() noexcept;
  bool eligibility() noexcept;
  void pharmacy_checks() noexcept;
  void other_coverage_checks() noexcept;
  void product_checks(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  void single_product() noexcept;
  void compound() noexcept;
  void prior_auth_checks(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  bool submitted_pa(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  void pa_on_file(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  bool pa_covers(const prior_authorization& a, const product& d) const noexcept;
  bool pa_active(const prior_authorization& a, std::int64_t qty) const noexcept;
  bool pa_dated(const prior_authorization& a) const noexcept;
  void step_therapy(const product& d, std::uint8_t occurrence) noexcept;
  void limits(const product& d) noexcept;
  void compound_limits(std::uint8_t ingredients) noexcept;
  bool days_supply_limit(int product_max, limit_detail& detail) noexcept;
  void limit_hit(const limit_detail& detail) noexcept;
  bool quantity_limit(const product& d, std::int64_t qty, codec::field_id field, std::uint8_t occurrence,
                      limit_detail& detail) noexcept;
  void refill_too_soon(const product& d) noexcept;
  // Drug identity (DESIGN.md 7b): NDCs sharing a drug key are one drug.
  bool same_drug(const prior_fill& f, const product& d) noexcept;
  std::uint32_t fill_drug(const prior_fill& f) noexcept;
  bool pa_names_drug(const prior_authorization& a, const product& d) const noexcept;
  void dur(const product& d) noexcept;
  void add_alert(std::string_view reason, int severity, const prior_fill* other, std::string_view free_text) noexcept;
  void add_preferred(const product& d) noexcept;
  void price() noexcept;
  bool counts(const prior_fill& f) const noexcept {
    // The claim a B3 reverses is not history for its own rebill.
    return !(h_.same_key && f.claim_id == h_.same_key->claim_id && d_.replaces_claim_id == f.claim_id);
  }

  const codec::claim& c_;
  const plan_set& plans_;
  const member_history& h_;
  codec::date today_;
  decision& d_;
  const plan* p_ = nullptr;
  const member* m_ = nullptr;
  const pharmacy* ph_ = nullptr;
  const product* product_ = nullptr;
  int compound_tier_ = 0;
  // Drug ids of the first fills of the history, resolved on first use (a plan lookup each).
  static constexpr std::uint32_t unresolved = string_index::npos - 1;
  std::array<std::uint32_t, 16> fill_drug_cache_;
  std::int64_t compound_cost_ = 0;
  std::string_view compound_basis_;
};

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
  d_.plan_version = p_->version;
  d_.help_desk_phone = p_->help_desk_phone;
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
    } else if (k && (k->reversed || k->status == 'A')) {
      d_.status = 'S';
      d_.replaces_claim_id = k->claim_id;
    } else {
      reject("87");
    }
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
    if (k->request_fingerprint == d_.request_fingerprint) {
      d_.status = 'D';
      d_.replaces_claim_id = k->claim_id;
      auto n = std::min(k->authorization_number.size(), d_.authorization_number.size());
      std::copy_n(k->authorization_number.data(), n, d_.authorization_number.data());
      d_.authorization_length = static_cast<std::uint8_t>(n);
      d_.price = k->price;
    } else {
      reject("83", "D2"_fid);
      text_builder t;
      t.add("A DIFFERENT CLAIM IS PAID FOR THIS RX/FILL/DATE. REVERSE IT FIRST (B2)");
      text(t);
    }
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
}

void engine::other_coverage_checks() noexcept {
  if (m_->other_coverage_index < 0) return;
  const auto& o = p_->other_coverages[static_cast<std::size_t>(m_->other_coverage_index)];
  auto& op = d_.other_payers[0];
  op = {};
  op.coverage_type = "01";
  op.id_qualifier = "03";
  op.id = o.bin;
  op.pcn = o.pcn;
  op.group_id = o.group;
  op.cardholder_id = o.cardholder_id;
  op.person_code = o.person_code;
  op.help_desk_phone = o.help_desk_phone;
  d_.other_payer_count = 1;
  if (c_.is_eligibility()) return;
  // Billed as secondary: the other payer was billed (C8 2/4 with the COB segment, or 3 = other
  // coverage billed and not covered). Anything else goes to the primary payer first.
  const auto occ = c_.other_coverage_code;
  const bool billed_primary =
      ((occ == "2" || occ == "02" || occ == "4" || occ == "04") && c_.other_payer_count > 0) ||
      occ == "3" || occ == "03" || occ == "8" || occ == "08";
  if (!billed_primary) {
    reject("41", "C8"_fid);
    text_builder t;
    t.add("BILL PRIMARY FIRST: BIN ").add(o.bin);
    if (!o.pcn.empty()) t.add(" PCN ").add(o.pcn);
    if (!o.group.empty()) t.add(" GRP ").add(o.group);
    text(t);
  }
}

void engine::add_preferred(const product& d) noexcept {
  for (auto ndc : d.preferred) {
    if (d_.preferred_count == d_.preferred.size()) break;
    const product* alt = p_->find_product(ndc);
    auto& pp = d_.preferred[d_.preferred_count++];
    pp = {};
    pp.product_id = ndc;
    pp.description = alt ? alt->name : std::string_view{};
  }
}

// Does PA `a` cover product `d`: named by NDC, or by class when it names no NDC?
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
  d_.pa.pa_type = d.pa_type;
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
    t.add("PRIOR AUTH REQUIRED, PA TYPE ").add(d.pa_type);
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

void engine::limits(const product& d) noexcept {
  limit_detail detail;
  bool hit = days_supply_limit(d.max_days_supply, detail);
  if (d.quantity_limit) hit |= quantity_limit(d, c_.quantity.value_or(0), "E7"_fid, 0, detail);
  if (hit) limit_hit(detail);
}

// A compound is held to the same limits as a single product: its days supply to the channel's
// maximum and to the smallest maximum of its ingredients, each ingredient's quantity to that
// ingredient's limit.
void engine::compound_limits(std::uint8_t ingredients) noexcept {
  int product_max = 0;
  for (std::uint8_t i = 0; i < ingredients; ++i)
    if (const product* d = p_->find_product(c_.ingredients[i].product_id))
      if (d->max_days_supply && (!product_max || d->max_days_supply < product_max)) product_max = d->max_days_supply;
  limit_detail detail;
  bool hit = days_supply_limit(product_max, detail);
  for (std::uint8_t i = 0; i < ingredients; ++i) {
    const product* d = p_->find_product(c_.ingredients[i].product_id);
    if (d && d->quantity_limit)
      hit |= quantity_limit(*d, c_.ingredients[i].quantity, "ED"_fid, static_cast<std::uint8_t>(i + 1), detail);
  }
  if (hit) limit_hit(detail);
}

// Days supply over the product's maximum (AG) or the channel's (7X). The channel is the
// pharmacy's in the plan's own table: 147-U7 on the claim is the pharmacy's word, not the plan's.
bool engine::days_supply_limit(int product_max, limit_detail& detail) noexcept {
  const int days = c_.days_supply.value_or(0);
  const bool mail = ph_ && ph_->mail_order;
  const int plan_max = mail ? p_->max_days_supply_mail : p_->max_days_supply_retail;
  if (product_max && days > product_max) {
    reject("AG", "D5"_fid);
    detail.max_days_supply = product_max;
  } else if (days > plan_max) {
    reject("7X", "D5"_fid);
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

// The last fill of the same drug must be used up to the plan's threshold (79 before).
void engine::refill_too_soon(const product& d) noexcept {
  const prior_fill* last = nullptr;
  for (const auto& f : h_.fills) {
    if (!counts(f) || f.fill_date > c_.date_of_service || !same_drug(f, d)) continue;
    if (!last || f.fill_date > last->fill_date) last = &f;
  }
  if (!last || last->days_supply <= 0) return;
  // Days that must pass: the threshold share of the last days supply, rounded up.
  const int wait = (last->days_supply * p_->refill_threshold_pct + 99) / 100;
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
  d_.refill_too_soon = r;
  reject("79", "D1"_fid);
  add_alert("ER", 0, last, {});
  text_builder t;
  t.add("REFILL TOO SOON. NEXT FILL ON/AFTER ").date(next).add(". LAST FILL ").date(last->fill_date);
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

void engine::product_checks(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept {
  const auto field = occurrence ? "TE"_fid : "D7"_fid;
  if (!d.covered) {
    reject("70", field, occurrence);
    add_preferred(d);
    return;
  }
  if (!d.on_formulary) {
    reject("MR", field, occurrence);
    add_preferred(d);
    if (!d.preferred.empty()) {
      text_builder t;
      t.add("NOT ON FORMULARY. SEE PREFERRED PRODUCTS");
      text(t);
    }
    return;
  }
  if (d.specialty && (!ph_ || !ph_->specialty)) {
    reject("G6", "B1"_fid);
    text_builder t;
    t.add("SPECIALTY DRUG: FILL AT A SPECIALTY PHARMACY");
    text(t);
  }
  if (d.min_age || d.max_age) {
    const int age = codec::age_in_years(m_->date_of_birth, c_.date_of_service);
    if ((d.min_age && age < d.min_age) || (d.max_age && age > d.max_age)) reject("60", "C4"_fid);
  }
  if (d.gender && m_->gender && d.gender != m_->gender) reject("61", "C5"_fid);
  if (d.pa_required) prior_auth_checks(d, qty, occurrence);
  if (!d.step_prerequisites.empty()) step_therapy(d, occurrence);
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
  limits(*d);
  refill_too_soon(*d);
  dur(*d);
}

void engine::compound() noexcept {
  const std::uint8_t n = std::min<std::uint8_t>(c_.ingredient_count, static_cast<std::uint8_t>(c_.ingredients.size()));
  std::string_view basis;
  for (std::uint8_t i = 0; i < n; ++i) {
    const auto& ing = c_.ingredients[i];
    const auto occ = static_cast<std::uint8_t>(i + 1);
    const product* d = p_->find_product(ing.product_id);
    if (!d) {
      reject("54", "TE"_fid, occ);
      continue;
    }
    if (i == 0) {
      product_ = d;
      d_.therapeutic_class = d->therapeutic_class;
    }
    if (!d->compoundable && d->covered && d->on_formulary) {
      reject("70", "TE"_fid, occ);
      continue;
    }
    product_checks(*d, ing.quantity, occ);
    compound_tier_ = std::max(compound_tier_, d->tier);
    auto priced = price_ingredient(*p_, *d, ing.quantity);
    std::int64_t cost = priced.cost;
    // Each ingredient is paid at the lower of the plan's price and the submitted cost.
    if (ing.cost && *ing.cost >= 0 && *ing.cost < cost) cost = *ing.cost;
    compound_cost_ += cost;
    if (basis.empty()) basis = priced.basis;
    else if (basis != priced.basis) basis = "8";  // mixed bases: contract pricing
  }
  compound_basis_ = basis;
  d_.product_name = "COMPOUND";
  d_.tier = compound_tier_;
  if (product_ && d_.rejects.empty()) {
    compound_limits(n);
    refill_too_soon(*product_);
    dur(*product_);
  }
}

void engine::price() noexcept {
  codec::pricing pr;
  std::int64_t ingredient = 0, fee = p_->dispensing_fee;
  std::string_view basis;
  int tier = d_.tier;
  if (c_.compound_code == 2) {
    ingredient = compound_cost_;
    fee += p_->compound_fee;
    basis = compound_basis_;
    tier = compound_tier_;
  } else {
    auto priced = price_ingredient(*p_, *product_, c_.quantity.value_or(0));
    ingredient = priced.cost;
    basis = priced.basis;
    if (c_.ingredient_cost && *c_.ingredient_cost >= 0 && *c_.ingredient_cost < ingredient) {
      ingredient = *c_.ingredient_cost;
      basis = "1";
    }
  }
  // Lower of (ingredient + fee) and the pharmacy's usual and customary price.
  if (c_.usual_customary && *c_.usual_customary > 0 && *c_.usual_customary < ingredient + fee) {
    pr.usual_customary_reduction = ingredient + fee - *c_.usual_customary;
    ingredient = *c_.usual_customary;
    fee = 0;
    basis = "4";
  }
  const std::int64_t gross = ingredient + fee;
  std::int64_t patient = 0;
  if (const copay_rule* rule = p_->copay_for_tier(tier)) {
    if (rule->coinsurance) {
      patient = std::max(scaled(gross, rule->rate_bp), rule->minimum);
      if (rule->maximum) patient = std::min(patient, rule->maximum);
      patient = std::min(patient, gross);
      pr.coinsurance = patient;
    } else {
      patient = std::min(rule->flat, gross);
      pr.copay = patient;
    }
  }
  pr.ingredient_cost_paid = ingredient;
  pr.dispensing_fee_paid = fee;
  pr.patient_pay = patient;
  pr.basis_of_reimbursement = basis;
  // ncpdp-d0.md §6.5: F9 = F6 + F7 + ΣJ4 (+FL +J1) − F5.
  pr.total_paid = pr.ingredient_cost_paid + pr.dispensing_fee_paid + pr.incentive_paid +
                  pr.professional_fee_paid - pr.patient_pay;
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
  if (!c_.is_reversal() && c_.date_of_service.days() < today_.days() - p_->timely_filing_days) {
    reject("81", "D1"_fid);
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
  if (product_ && !product_->generic_ndc.empty() && c_.compound_code != 2) d_.approved_messages[d_.approved_message_count++] = "001";
  d_.status = 'P';
}

}  // namespace

void adjudicate(const codec::claim& c, const plan_set& plans, const member_history& history,
                codec::date today, decision& out) noexcept {
  out.clear();
  engine(c, plans, history, today, out).run();
  if (!out.rejects.empty()) {
    out.status = 'R';
    out.price.reset();
    out.approved_message_count = 0;
    out.replaces_claim_id = 0;
  }
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
