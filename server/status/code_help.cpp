// Specific help per reject code: what the technician does next for 79 (next fill date from the
// threshold in force, override SCCs), 75 (how to request the PA), 70/MR (covered alternatives), 50
// (the client certificate or the enrolment), 608 (step therapy), 76/7X/AG/G9 (plan limits, per day
// too), 88 (DUR override codes), 41 (bill the other payer first), G6/4W (the plan's specialty pharmacy), UU/AJ (dispense the generic), 8K (the
// DAW codes the plan accepts), 39/80 (the diagnoses the drug is covered for), RL/TN (a transition
// or emergency fill's days supply), 78 (a compound's cost cap) and 8A (which compound ingredients
// the plan pays). Built only from what was stored with the claim and what the plan accepts; the
// rules are never re-run.
#include "server/status/code_help.h"

#include <cstdio>
#include <optional>
#include <string>

#include "rules/pricing.h"
#include "rules/reject_catalog.h"
#include "server/status/code_names.h"

namespace rxgate::server::status {

rules::tier_copay tier_copay_for(const claim_context& x, const rules::product* d);

namespace {

std::string quantity_text(std::int64_t thousandths) {
  std::string out;
  codec::append_json_decimal(out, thousandths, 3);
  return out;
}

void write_code_list(codec::json_writer& j, std::string_view key, const std::vector<std::string_view>& codes,
                     std::string_view (*name)(std::string_view) noexcept) {
  j.key(key).begin_array();
  for (auto c : codes) j.begin_object().field("code", c).field("name", name(c)).end_object();
  j.end_array();
}

void help_refill_too_soon(codec::json_writer& j, const claim_context& x) {
  const auto& rts = x.rec.detail.refill_too_soon;
  if (!rts) return;
  const std::string& last_fill = rts->last_fill;
  const std::string& next = rts->next_allowed;
  const std::int64_t qty = rts->last_quantity;
  const int days = rts->last_days_supply;
  const bool same = rts->same_pharmacy;
  j.key("help").begin_object().field("kind", "refill_too_soon");
  j.key("last_fill").begin_object().field("date", last_fill).key("quantity").decimal(qty, 3)
      .field("days_supply", days).field("same_pharmacy", same).end_object();
  j.field("next_fill_date", next);
  std::string scc_list;
  j.key("accepted_submission_clarification_codes").begin_array();
  if (x.plan) {
    for (int scc : x.plan->refill_override_scc) {
      j.begin_object().field("code", scc).field("name", rules::scc_name(scc)).end_object();
      if (!scc_list.empty()) scc_list += ", ";
      scc_list += std::to_string(scc) + " (" + std::string(rules::scc_name(scc)) + ")";
    }
  }
  j.end_array();
  // The threshold stored with the claim; rows from before it was stored show the plan's.
  int threshold = rts->threshold_pct;
  std::string_view source = rts->threshold_source;
  if (!threshold && x.plan) threshold = x.plan->refill_threshold_pct, source = "plan";
  if (threshold) j.field("refill_threshold_percent", threshold);
  j.field_or_null("refill_threshold_source", source);
  if (rts->dea_schedule) j.field("dea_schedule", rts->dea_schedule); else j.key("dea_schedule").null();
  std::string what = "Last filled " + last_fill + " at " + (same ? "this pharmacy" : "another pharmacy") +
                     ": quantity " + quantity_text(qty) + " for " + std::to_string(days) +
                     " days. The plan allows the refill on or after " + next;
  if (threshold) {
    what += ", once " + std::to_string(threshold) + " % of the last days supply has passed";
    if (source == "dea_schedule")
      what += " (the plan's threshold for DEA schedule " + std::to_string(rts->dea_schedule) + " drugs)";
    else if (source == "drug")
      what += " (the plan's threshold for this drug)";
  }
  what += ".";
  if (!scc_list.empty())
    what += " To fill earlier for a reason the plan accepts, resubmit with 420-DK Submission Clarification Code "
            "set to one of: " + scc_list + ".";
  j.field("what_to_do", what).end_object();
}

void help_prior_authorization(codec::json_writer& j, const claim_context& x, std::string_view phone) {
  const auto& pa = x.rec.detail.pa;
  if (!pa) return;
  const std::string_view type = pa->type;
  const std::string_view state = pa->state;
  const std::string_view expired_on = pa->expired_on;
  const bool expired = state == "on_file_expired";
  j.key("help").begin_object().field("kind", "prior_authorization");
  j.field_or_null("pa_type", type).field("pa_type_name", pa_type_name(type)).field("state", state);
  j.field("pa_on_file_expired", expired).field_or_null("expired_on", expired_on);
  j.field("step_therapy_required", pa->step_therapy_required);
  j.field_or_null("help_desk_phone", phone);
  std::string how = "Ask the prescriber to request a prior authorization (PA type " + std::string(type.empty() ? "1" : type) +
                    ", " + std::string(pa_type_name(type)) + ") from the plan";
  if (!phone.empty()) how += " (help desk " + std::string(phone) + ")";
  how += ". Once it is approved, resubmit the claim unchanged; if the plan gives you a PA number, send it in "
         "462-EV with 461-EU " + std::string(type.empty() ? "1" : type) + ".";
  if (expired) how = "The PA on file expired on " + std::string(expired_on) + ". " + how;
  j.field("how_to_request", how).end_object();
}

// 70 (benefit exclusion) and MR (not on formulary) carry preferred products only when the plan
// lists some for the drug; the advice then names them, and otherwise promises none.
void help_alternatives(codec::json_writer& j, const claim_context& x, bool excluded) {
  j.key("help").begin_object().field("kind", "formulary_alternatives");
  j.key("alternatives").begin_array();
  std::string names;
  for (const auto& p : x.rec.detail.preferred) {
    const std::string_view id = p.product_id;
    const rules::product* d = x.plan ? x.plan->find_product(id) : nullptr;
    std::string_view name = p.description;
    if (name.empty() && d) name = d->name;
    j.begin_object().field("product_id", id).field_or_null("name", name);
    if (d) {
      j.field("tier", d->tier).field("on_formulary", d->on_formulary).field("pa_required", d->pa_required);
    } else {
      j.key("tier").null();
    }
    write_tier_copay(j, x, d);
    j.end_object();
    if (!names.empty()) names += ", ";
    names += std::string(name.empty() ? id : name);
    if (d) {
      // What the patient would pay is what a technician tells the prescriber's office.
      const rules::tier_copay copay = tier_copay_for(x, d);
      names += " (tier " + std::to_string(d->tier);
      if (copay.known) names += std::string(copay.coinsurance ? ", coinsurance $" : ", copay $") + dollars(copay.cents);
      names += ")";
    }
  }
  j.end_array();
  std::string what;
  if (!names.empty()) what = "Ask the prescriber to change to a covered alternative: " + names + ".";
  else if (excluded)
    what = "The plan excludes this drug and names no alternative for it; ask the prescriber for a covered "
           "therapy, or the patient may pay cash.";
  else
    what = "The plan names no alternative for this drug; ask the prescriber for another therapy or a formulary "
           "exception (prior authorization).";
  j.field("what_to_do", what);
  j.end_object();
}

void help_step_therapy(codec::json_writer& j, const claim_context& x) {
  const rules::product* d = x.plan ? x.plan->find_product(x.rec.product_id) : nullptr;
  j.key("help").begin_object().field("kind", "step_therapy");
  j.key("prerequisites").begin_array();
  std::string names;
  if (d) {
    for (auto p : d->step_prerequisites) {
      j.value(p);
      const rules::product* pre = x.plan->find_product(p);
      if (!names.empty()) names += " or ";
      names += std::string(pre ? pre->name : p);
    }
  }
  j.end_array();
  if (x.plan) j.field("lookback_days", x.plan->step_lookback_days); else j.key("lookback_days").null();
  std::string what = names.empty()
                         ? std::string("The plan pays for this drug only after a first-line therapy.")
                         : "The plan pays for this drug only after a fill of " + names + " in the last " +
                               std::to_string(x.plan->step_lookback_days) + " days, and none is on file.";
  what += " Ask the prescriber to start with the first-line therapy, or to request a prior authorization for "
          "this drug: an approved PA on file lifts the step.";
  j.field("what_to_do", what).end_object();
}

void help_limit(codec::json_writer& j, const claim_context& x) {
  const auto& limit = x.rec.detail.limit;
  if (!limit) return;
  const std::int64_t max_qty = limit->max_quantity;
  const int per_days = limit->per_days;
  const int max_days = limit->max_days_supply;
  const std::int64_t allowed = limit->allowed_quantity;
  const std::int64_t per_day = limit->max_quantity_per_day;
  const auto sent_qty = x.rec.quantity;
  const auto sent_days = x.rec.days_supply;
  j.key("help").begin_object().field("kind", "plan_limit");
  if (max_qty) j.key("max_quantity").decimal(max_qty, 3); else j.key("max_quantity").null();
  if (per_days) j.field("per_days", per_days); else j.key("per_days").null();
  if (max_days) j.field("max_days_supply", max_days); else j.key("max_days_supply").null();
  if (per_day) j.key("max_quantity_per_day").decimal(per_day, 3); else j.key("max_quantity_per_day").null();
  if (max_qty || per_day) j.key("allowed_quantity").decimal(allowed, 3); else j.key("allowed_quantity").null();
  if (sent_qty) j.key("submitted_quantity").decimal(*sent_qty, 3); else j.key("submitted_quantity").null();
  if (sent_days) j.field("submitted_days_supply", *sent_days); else j.key("submitted_days_supply").null();
  std::string what;
  if (max_qty) {
    what = "The plan allows " + quantity_text(max_qty) + " per " + std::to_string(per_days) + " days; " +
           quantity_text(allowed) + " can be filled now";
    if (sent_days) what += " for the submitted " + std::to_string(*sent_days) + " days supply";
    what += ". Resubmit with 442-E7 quantity " + quantity_text(allowed) +
            " (and the days supply it covers), or ask the prescriber for a limit override.";
  }
  if (per_day) {
    if (!what.empty()) what += " ";
    what += "The plan allows " + quantity_text(per_day) + " per day of supply";
    if (sent_days) what += ": " + quantity_text(per_day * *sent_days) + " for the submitted " + std::to_string(*sent_days) + " days";
    what += ". Resubmit with 442-E7 quantity " + quantity_text(allowed) +
            " or less, or a 405-D5 days supply that covers the quantity at that rate (within the plan's maximum).";
  }
  if (max_days) {
    if (!what.empty()) what += " ";
    what += "The most days supply the plan pays is " + std::to_string(max_days) + "; resubmit 405-D5 at " +
            std::to_string(max_days) + " days or less with the matching quantity.";
  }
  j.field("what_to_do", what).end_object();
}

std::string_view daw_sent(const claim_context& x) { return x.claim ? x.claim->daw : std::string_view{}; }

// UU/AJ: the plan pays the generic, not the brand, under the DAW code sent.
void help_generic_required(codec::json_writer& j, const claim_context& x) {
  const auto daw = daw_sent(x);
  j.key("help").begin_object().field("kind", "generic_required");
  j.field("daw_submitted", daw.empty() ? std::string_view("0") : daw).field("daw_name", daw_name(daw));
  std::string generic;
  j.key("generic");
  if (!x.rec.detail.preferred.empty()) {
    const auto& g = x.rec.detail.preferred.front();
    j.begin_object().field("product_id", g.product_id).field_or_null("name", g.description).end_object();
    generic = (g.description.empty() ? g.product_id : g.description) + " (NDC " + g.product_id + ")";
  } else {
    j.null();
  }
  std::string what = "Dispense the generic" + (generic.empty() ? std::string() : " " + generic) +
                     " and bill its NDC in 407-D7. If the prescriber required the brand, resubmit with 408-D8 = 1";
  if (x.plan && x.plan->daw[2] != rules::daw_action::generic_required && x.plan->daw[2] != rules::daw_action::not_supported)
    what += "; if the patient asked for the brand, 408-D8 = 2 (the patient pays the price difference)";
  what += ".";
  j.field("what_to_do", what).end_object();
}

// 8K: the plan does not accept the DAW code sent; list the ones it does.
void help_daw_not_supported(codec::json_writer& j, const claim_context& x) {
  const auto daw = daw_sent(x);
  j.key("help").begin_object().field("kind", "daw_not_supported");
  j.field("daw_submitted", daw.empty() ? std::string_view("0") : daw).field("daw_name", daw_name(daw));
  j.key("accepted_daw_codes").begin_array();
  std::string list;
  static constexpr std::string_view digits = "0123456789";
  if (x.plan) {
    for (std::size_t i = 0; i < x.plan->daw.size(); ++i) {
      if (x.plan->daw[i] == rules::daw_action::not_supported) continue;
      const auto code = digits.substr(i, 1);
      j.begin_object().field("code", code).field("name", daw_name(code)).end_object();
      if (!list.empty()) list += ", ";
      list += std::string(code) + " (" + std::string(daw_name(code)) + ")";
    }
  }
  j.end_array();
  j.field("what_to_do", "Check 408-D8 against the prescription and resubmit with a code the plan accepts" +
                            (list.empty() ? std::string(".") : ": " + list + "."));
  j.end_object();
}

void help_dur(codec::json_writer& j, const claim_context& x) {
  std::vector<std::string_view> results;
  if (x.plan) results = x.plan->dur_override_results;
  static const std::vector<std::string_view> professional = {"M0", "R0", "P0"};
  j.key("help").begin_object().field("kind", "dur_conflict");
  j.key("conflicts").begin_array();
  std::string what;
  for (const auto& a : x.rec.detail.dur) {
    const std::string_view reason = a.reason;
    const std::string_view sig = a.significance;
    const bool rejected = alert_rejected(x, reason, sig);
    j.begin_object().field("reason", reason).field("reason_name", rules::dur_reason_name(reason));
    j.field_or_null("significance", sig).field("significance_name", significance_name(sig));
    j.field_or_null("previous_fill", a.previous_fill);
    const std::string_view other = a.other_pharmacy;
    j.field_or_null("other_pharmacy", other.empty() ? other : other_pharmacy_name(other));
    j.field_or_null("free_text", a.free_text);
    j.field("caused_reject", rejected);
    j.key("override").begin_object().field("reason_for_service", reason);
    write_code_list(j, "professional_service_codes", professional, rules::dur_professional_name);
    write_code_list(j, "result_of_service_codes", results, rules::dur_result_name);
    j.end_object().end_object();
    if (rejected) {
      if (!what.empty()) what += " ";
      what += std::string(reason) + " (" + std::string(rules::dur_reason_name(reason)) +
              "): after the pharmacist's review, resubmit with a DUR/PPS segment (AM08): 473-7E counter, 439-E4=" +
              std::string(reason) + ", 440-E5 professional service (e.g. M0 prescriber consulted)";
      if (!results.empty()) {
        what += " and 441-E6 one of";
        for (auto r : results) what += " " + std::string(r);
      }
      what += ".";
    }
  }
  j.end_array();
  j.field("what_to_do", what.empty() ? std::string("Review the alerts and resubmit with DUR/PPS codes.") : what);
  j.end_object();
}

void help_other_payer(codec::json_writer& j, const claim_context& x) {
  j.key("help").begin_object().field("kind", "other_payer");
  j.key("other_payers").begin_array();
  std::string what;
  if (x.answer) {
    for (std::size_t i = 0; i < x.answer->other_payer_count && i < x.answer->other_payers.size(); ++i) {
      const auto& o = x.answer->other_payers[i];
      j.begin_object().field("bin", o.id).field_or_null("pcn", o.pcn).field_or_null("group", o.group_id);
      j.field_or_null("cardholder_id", o.cardholder_id).field_or_null("person_code", o.person_code);
      j.field_or_null("help_desk_phone", o.help_desk_phone).end_object();
      if (what.empty()) {
        what = "Bill the primary payer first: BIN " + std::string(o.id);
        if (!o.pcn.empty()) what += " PCN " + std::string(o.pcn);
        if (!o.group_id.empty()) what += " group " + std::string(o.group_id);
        what += ". Then resubmit here as secondary with 308-C8 other coverage code 2 (paid) or 3 (not covered) "
                "and the COB segment (AM05) carrying the other payer's answer.";
      }
    }
  }
  j.end_array();
  j.field("what_to_do", what.empty() ? std::string("Bill the member's other coverage first.") : what);
  j.end_object();
}

// COB data a secondary claim lacks or contradicts (6G, DV, 8W, 6E, NQ, 13, 557, 9J, 622) and a
// 41 after the primary's reject: what to send, with the plan's COB terms.
void help_cob(codec::json_writer& j, std::string_view code, const claim_context& x) {
  j.key("help").begin_object().field("kind", "coordination_of_benefits");
  j.field_or_null("other_coverage_code", x.claim ? x.claim->other_coverage_code : std::string_view{});
  if (x.plan) {
    j.field("cob_method", rules::to_string(x.plan->cob.method));
    j.key("recognized_qualifiers").begin_array();
    for (auto q : x.plan->cob.recognized_qualifiers) j.value(q);
    j.end_array();
    j.key("pay_as_primary_after").begin_array();
    for (auto c : x.plan->cob.pay_as_primary_codes) j.value(c);
    j.end_array();
  }
  std::string what;
  if (code == "6G")
    what = "Add the COB/Other Payments segment (AM05) with the other payer's answer: 337-4C count, 338-5C 01, "
           "339-6C 03 and 340-7C its BIN, then 342-HC/431-DV what it paid (C8 2), 472-6E its reject codes (C8 3) "
           "or 351-NP/352-NQ the patient's responsibility (C8 8).";
  else if (code == "DV" || code == "8W")
    what = "Make 308-C8 and the amounts agree: C8 2 needs 342-HC 07 with 431-DV the amount the other payer paid "
           "(above 0.00); C8 4 means it paid nothing, so send no amount; C8 3 sends its reject codes instead.";
  else if (code == "6E" || code == "41")
    what = "Copy the other payer's reject codes into 472-6E with 471-5E counting them. This plan pays as primary "
           "only after the reject codes listed in pay_as_primary_after; for any other reject, resolve it with the "
           "other payer (e.g. get its prior authorization) and bill it again.";
  else if (code == "NQ")
    what = "C8 8 bills only the patient's share: send the other payer's 351-NP 06 and 352-NQ patient pay amount "
           "from its response, with 353-NR counting the pairs.";
  else if (code == "13" || code == "557")
    what = "A COB segment was sent: set 308-C8 to 2 (other payer paid), 3 (rejected), 4 (paid nothing) or 8 "
           "(patient's share only); if no other payer was billed, send C8 1 without the COB segment.";
  else if (code == "9J")
    what = "Send 443-E8 as the date the other payer adjudicated the claim, from its response; it cannot be after today.";
  else
    what = "The other payers paid all this plan allows; collect from the patient what the other payer's response "
           "says they owe.";
  j.field("what_to_do", what).end_object();
}

// G6/4W: a specialty drug outside the specialty network; where to send the patient is the
// plan's specialty pharmacy ([benefit] specialty_pharmacy, name and phone from pharmacies.csv).
void help_specialty_network(codec::json_writer& j, const claim_context& x, std::string_view phone) {
  const rules::pharmacy* sp = x.plan ? x.plan->specialty_pharmacy() : nullptr;
  j.key("help").begin_object().field("kind", "specialty_network");
  if (sp) {
    j.key("specialty_pharmacy").begin_object().field("npi", sp->npi).field_or_null("name", sp->name);
    j.field_or_null("phone", sp->phone).end_object();
  } else {
    j.key("specialty_pharmacy").null();
  }
  j.field_or_null("help_desk_phone", phone);
  std::string what = "The plan pays for this drug only when a pharmacy of its specialty network fills it. ";
  if (sp) {
    what += "Transfer the prescription to " + std::string(sp->name.empty() ? sp->npi : sp->name) + " (NPI " +
            std::string(sp->npi) + (sp->phone.empty() ? std::string() : ", phone " + std::string(sp->phone)) +
            ") and tell the patient that pharmacy will fill it.";
  } else {
    what += "Ask the plan's help desk" + (phone.empty() ? std::string() : " (" + std::string(phone) + ")") +
            " which specialty pharmacy to send the prescription to, and tell the patient.";
  }
  j.field("what_to_do", what).end_object();
}

// 39 / 80: the diagnoses (ICD-10 codes or prefixes) the plan covers the drug for.
void help_diagnosis(codec::json_writer& j, const claim_context& x) {
  const rules::product* d = x.plan ? x.plan->find_product(x.rec.product_id) : nullptr;
  j.key("help").begin_object().field("kind", "diagnosis_required");
  j.key("diagnosis_codes").begin_array();
  std::string codes;
  if (d)
    for (auto c : x.plan->diagnosis_codes(*d)) {
      j.value(c);
      codes += (codes.empty() ? "" : ", ") + std::string(c);
    }
  j.end_array();
  std::string what = "The plan covers this drug only for certain diagnoses";
  if (!codes.empty()) what += " (ICD-10 codes starting with " + codes + ")";
  what += ". Get the diagnosis from the prescriber and resubmit with the clinical segment (AM13): 491-VE count, "
          "492-WE qualifier 02 and 424-DO Diagnosis Code without the decimal point. If the patient's diagnosis is "
          "not among them, the prescriber can request a prior authorization.";
  j.field("what_to_do", what).end_object();
}

// RL / TN: the transition or emergency fill pays, at or under its days supply.
void help_special_fill(codec::json_writer& j, const claim_context& x, bool transition) {
  const int max_days = !x.plan ? 0
                       : transition ? x.plan->fills.transition_days_supply
                                    : x.plan->fills.emergency_days_supply;
  const auto sent_days = x.rec.days_supply;
  j.key("help").begin_object().field("kind", transition ? "transition_fill" : "emergency_fill");
  if (max_days) j.field("max_days_supply", max_days); else j.key("max_days_supply").null();
  if (sent_days) j.field("submitted_days_supply", *sent_days); else j.key("submitted_days_supply").null();
  std::string what = transition ? "The member is in the plan's transition window: one fill of this drug pays"
                                : "The plan pays an emergency supply of this prior-authorization drug";
  if (max_days) what += " for up to " + std::to_string(max_days) + " days";
  what += ". Resubmit with 405-D5 Days Supply and 442-E7 Quantity Dispensed cut to that supply";
  what += transition ? ", then ask the prescriber for a prior authorization or a formulary alternative before the "
                       "window ends."
                     : " (keep 418-DI Level of Service 3), then ask the prescriber to request the prior authorization.";
  j.field("what_to_do", what).end_object();
}

// 50 has two causes that need different people. The gateway rejects a claim whose TLS client
// certificate may not bill for its 201-B1 before any plan sees it, so such a claim is stored
// without a plan; a 50 decided by a plan means the pharmacy is not on that plan's file.
void help_pharmacy_not_matched(codec::json_writer& j, const claim_context& x, std::string_view phone) {
  const std::string pharmacy = x.rec.provider_id.empty() ? std::string("the 201-B1 sent") : x.rec.provider_id;
  j.key("help").begin_object();
  if (x.rec.plan_id.empty()) {
    j.field("kind", "certificate_not_allowed").field("provider_id", x.rec.provider_id);
    j.field("what_to_do", "Nothing in the claim is wrong and the plan never saw it: the client certificate of the "
                          "connection it came in on is not allowed to bill for pharmacy " + pharmacy +
                          ". Ask the gateway operator to add " + pharmacy + " to that certificate's providers "
                          "([[tls.identity]] in rxgate.toml), or send the claim over the pharmacy's own "
                          "connection; then resubmit.");
  } else {
    j.field("kind", "pharmacy_not_enrolled").field("provider_id", x.rec.provider_id);
    std::string what = "The plan has no pharmacy " + pharmacy + " on file. Check 202-B2 Service Provider ID "
                       "Qualifier (01 for NPI) and 201-B1 Service Provider ID in the store setup; if both are "
                       "right, the pharmacy's enrolment with the plan is missing or has lapsed: call the help desk";
    what += phone.empty() ? std::string(".") : " (" + std::string(phone) + ").";
    j.field("what_to_do", what);
  }
  j.end_object();
}

// 78 on a compound: the plan's cap on the ingredient cost.
void help_compound_cost(codec::json_writer& j, const claim_context& x) {
  if (!x.plan || !x.plan->compound.cost_cap || !x.claim || x.claim->compound_code != 2) return;
  const auto cap = x.plan->compound.cost_cap;
  j.key("help").begin_object().field("kind", "compound_cost");
  j.key("max_amount").decimal(cap, 2);
  std::string amount;
  codec::append_json_decimal(amount, cap, 2);
  j.field("what_to_do", "The plan pays a compound only while the total of its 449-EE Compound Ingredient Drug Cost "
                        "is at most " + amount + ". Check each ingredient's 448-ED quantity and cost; if they are "
                        "right, ask the prescriber for a less costly formulation or a covered commercial product.");
  j.end_object();
}

// 8A: the ingredients sent and whether the plan pays each.
void help_compound_ingredients(codec::json_writer& j, const claim_context& x) {
  if (!x.claim) return;
  j.key("help").begin_object().field("kind", "compound_ingredients");
  j.key("ingredients").begin_array();
  const std::size_t n = std::min<std::size_t>(x.claim->ingredient_count, x.claim->ingredients.size());
  for (std::size_t k = 0; k < n; ++k) {
    const auto id = x.claim->ingredients[k].product_id;
    const rules::product* d = x.plan ? x.plan->find_product(id) : nullptr;
    j.begin_object().field("product_id", id).field_or_null("name", d ? d->name : std::string_view{});
    j.field("paid_by_plan", d && d->covered && d->on_formulary && d->compoundable).end_object();
  }
  j.end_array();
  j.field("what_to_do", "None of the ingredients is one the plan pays in a compound. Ask the prescriber for a "
                        "formulation with at least one covered ingredient, or bill the patient.");
  j.end_object();
}

}  // namespace

void write_code_help(codec::json_writer& j, std::string_view code, const claim_context& x, std::string_view phone) {
  if (code == "79") help_refill_too_soon(j, x);
  else if (code == "75") help_prior_authorization(j, x, phone);
  else if (code == "70" || code == "MR") help_alternatives(j, x, code == "70");
  else if (code == "50") help_pharmacy_not_matched(j, x, phone);
  else if (code == "608") help_step_therapy(j, x);
  else if (code == "76" || code == "7X" || code == "AG" || code == "G9") help_limit(j, x);
  else if (code == "G6" || code == "4W") help_specialty_network(j, x, phone);
  else if (code == "88") help_dur(j, x);
  else if (code == "41" && x.claim && x.claim->other_coverage_code == "3") help_cob(j, code, x);
  else if (code == "41") help_other_payer(j, x);
  else if (code == "6G" || code == "DV" || code == "8W" || code == "6E" || code == "NQ" || code == "13" ||
           code == "557" || code == "9J" || code == "622")
    help_cob(j, code, x);
  else if (code == "UU" || code == "AJ") help_generic_required(j, x);
  else if (code == "8K") help_daw_not_supported(j, x);
  else if (code == "39" || code == "80") help_diagnosis(j, x);
  else if (code == "RL" || code == "TN") help_special_fill(j, x, code == "RL");
  else if (code == "78") help_compound_cost(j, x);
  else if (code == "8A") help_compound_ingredients(j, x);
}

std::string dollars(std::int64_t cents) {
  const std::uint64_t v = cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  char out[32];
  std::snprintf(out, sizeof out, "%s%llu.%02llu", cents < 0 ? "-" : "", static_cast<unsigned long long>(v / 100),
                static_cast<unsigned long long>(v % 100));
  return out;
}

rules::tier_copay tier_copay_for(const claim_context& x, const rules::product* d) {
  rules::tier_copay copay;
  if (d && x.plan) {
    // The member's group at the pharmacy's network, as the claim met them; the plan's own copays
    // when either is no longer in the plan.
    const rules::member* m = x.plan->find_member(x.rec.cardholder_id, x.rec.person_code);
    const rules::pharmacy* ph = x.plan->find_pharmacy(x.rec.provider_id);
    const rules::benefit_cell* cell = m && ph ? x.plan->benefit(*m, *ph) : nullptr;
    copay = rules::tier_copay_of(*x.plan, cell, *d, x.rec.quantity.value_or(0), x.rec.days_supply.value_or(0));
  }
  return copay;
}

void write_tier_copay(codec::json_writer& j, const claim_context& x, const rules::product* d) {
  const rules::tier_copay copay = tier_copay_for(x, d);
  // Dollars, exact, like every amount of this API (json_writer::decimal).
  j.money_or_null("tier_copay", copay.known ? std::optional<std::int64_t>(copay.cents) : std::nullopt);
  if (copay.known) j.field("tier_copay_kind", copay.coinsurance ? "coinsurance" : "copay");
  else j.key("tier_copay_kind").null();
}

}  // namespace rxgate::server::status
