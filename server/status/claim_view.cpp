// The claim page: one stored claim as a technician reads it. Everything shown comes from what the
// store persisted when the claim was decided (columns, the typed `detail` of sql/claim_detail.h, the
// request and the response bytes) plus the plan snapshot for what a plan accepts (tiers, SCCs, DUR override
// codes) and what a covered alternative's tier costs (the rules' pricing); the claim is never re-adjudicated.
#include "server/status/claim_view.h"

#include <memory>
#include <string>

#include "codec/decode.h"
#include "codec/dictionary.h"
#include "codec/json.h"
#include "codec/json_writer.h"
#include "rules/reject_catalog.h"
#include "server/status/claim_context.h"
#include "server/status/code_help.h"
#include "server/status/code_names.h"

namespace rxgate::server::status {

namespace {

// What was received and what was answered, decoded; owns what a claim_context points into. The codec structures are large, hence on the heap.
struct decoded_claim {
  std::unique_ptr<codec::message> request = std::make_unique<codec::message>();
  std::unique_ptr<codec::validation> validation = std::make_unique<codec::validation>();
  std::unique_ptr<codec::message> response = std::make_unique<codec::message>();
  std::unique_ptr<codec::response> answer = std::make_unique<codec::response>();
  std::vector<char> scratch = std::vector<char>(4096);
  bool request_ok = false;
  bool response_ok = false;

  explicit decoded_claim(const store::claim_record& rec) {
    request_ok = !rec.request.empty() && !codec::decode(rec.request, *request) &&
                 request->kind == codec::message_kind::request;
    if (request_ok) codec::validate(*request, *validation);
    response_ok = !rec.response.empty() && !codec::decode(rec.response, *response) &&
                  response->kind == codec::message_kind::response;
    if (response_ok) codec::read_response(*response, *answer, scratch);
  }

  // Points `x` at this claim's transaction in the request and the response.
  void fill(claim_context& x) {
    if (request_ok) {
      x.request = request.get();
      for (std::size_t i = 0; i < validation->claim_count; ++i) {
        if (validation->claims[i].rx_number == x.rec.rx_number) {
          x.claim = &validation->claims[i];
          x.group = static_cast<int>(i) + 1;
          break;
        }
      }
      if (!x.claim && validation->claim_count) x.claim = &validation->claims[0];
    }
    if (response_ok && answer->transaction_count) {
      const auto index = static_cast<std::size_t>(x.group - 1);
      x.answer = &answer->transactions[index < answer->transaction_count ? index : 0];
    }
  }
};

void write_reject(codec::json_writer& j, const store::reject_record& r, const claim_context& x, std::string_view phone) {
  const auto* info = rules::find_reject(r.code);
  j.begin_object().field("code", r.code);
  j.field("short_name", info ? info->short_name : std::string_view("Unknown reject code"));
  j.field("category", info ? info->category : std::string_view("other"));
  const auto id = codec::make_field_id(r.field);
  if (id) {
    const auto* f = codec::find_field(id);
    j.key("field").begin_object().field("id", r.field);
    j.field_or_null("number", f ? f->number : std::string_view{});
    j.field_or_null("name", f ? f->name : std::string_view{});
    j.field("occurrence", r.occurrence);
    const auto sent = x.request ? sent_value(*x.request, x.group, id, r.occurrence) : std::nullopt;
    if (sent) j.field("value_sent", *sent); else j.key("value_sent").null();
    j.end_object();
  } else {
    j.key("field").null();
  }
  j.field_or_null("explanation", info ? info->explanation : std::string_view{});
  j.field_or_null("fix", info ? info->fix : std::string_view{});
  write_code_help(j, r.code, x, phone);
  j.end_object();
}

void write_pricing(codec::json_writer& j, const claim_context& x) {
  const codec::pricing* p = x.answer && x.answer->price ? &*x.answer->price : nullptr;
  if (!p && !x.rec.total_paid) {
    j.key("pricing").null();
    return;
  }
  j.key("pricing").begin_object();
  if (p) {
    j.key("ingredient_cost_paid").decimal(p->ingredient_cost_paid, 2);
    j.key("dispensing_fee_paid").decimal(p->dispensing_fee_paid, 2);
    j.key("incentive_paid").decimal(p->incentive_paid, 2);
    j.key("professional_fee_paid").decimal(p->professional_fee_paid, 2);
    j.key("other_amounts_paid").begin_array();
    for (std::size_t i = 0; i < p->other_amount_count && i < p->other_amounts.size(); ++i)
      j.begin_object().field("qualifier", p->other_amounts[i].qualifier).key("amount").decimal(p->other_amounts[i].amount, 2).end_object();
    j.end_array();
    j.key("total_paid").decimal(p->total_paid, 2);
    j.key("patient_pay").decimal(p->patient_pay, 2);
    j.money_or_null("copay", p->copay).money_or_null("coinsurance", p->coinsurance);
    j.money_or_null("deductible_applied", p->deductible_applied);
    j.money_or_null("accumulated_deductible", p->accumulated_deductible);
    j.money_or_null("remaining_deductible", p->remaining_deductible);
    j.money_or_null("remaining_benefit", p->remaining_benefit);
    j.money_or_null("over_benefit_maximum", p->over_benefit_maximum);
    j.money_or_null("product_selection_brand", p->product_selection_brand);
    j.field_or_null("basis_of_reimbursement", p->basis_of_reimbursement);
  } else {
    j.money_or_null("ingredient_cost_paid", x.rec.ingredient_cost_paid);
    j.money_or_null("dispensing_fee_paid", x.rec.dispensing_fee_paid);
    j.key("incentive_paid").null().key("professional_fee_paid").null();
    j.key("other_amounts_paid").begin_array().end_array();
    j.money_or_null("total_paid", x.rec.total_paid).money_or_null("patient_pay", x.rec.patient_pay);
    j.key("copay").null().key("coinsurance").null().key("deductible_applied").null();
    j.key("accumulated_deductible").null().key("remaining_deductible").null();
    j.key("remaining_benefit").null().key("over_benefit_maximum").null();
    j.key("product_selection_brand").null().key("basis_of_reimbursement").null();
  }
  j.end_object();
}

// What the claim applied to its plan year's accumulators (negative on an accepted reversal).
void write_accumulators(codec::json_writer& j, const claim_context& x) {
  const auto& a = x.rec.detail.accumulators;
  if (!a) {
    j.key("accumulators").null();
    return;
  }
  j.key("accumulators").begin_object().field("plan_year_start", a->year_start);
  j.key("deductible_applied").decimal(a->deductible, 2);
  j.key("out_of_pocket_applied").decimal(a->out_of_pocket, 2);
  j.key("benefit_applied").decimal(a->benefit, 2);
  j.end_object();
}

void write_dur_alerts(codec::json_writer& j, const claim_context& x, bool rejected_88) {
  j.key("dur_alerts").begin_array();
  for (const auto& a : x.rec.detail.dur) {
    j.begin_object().field("reason", a.reason).field("reason_name", rules::dur_reason_name(a.reason));
    j.field_or_null("significance", a.significance).field("significance_name", significance_name(a.significance));
    j.field_or_null("other_pharmacy", a.other_pharmacy);
    j.field_or_null("previous_fill", a.previous_fill);
    if (a.previous_quantity) j.key("previous_quantity").decimal(*a.previous_quantity, 3);
    else j.key("previous_quantity").null();
    j.field_or_null("free_text", a.free_text);
    j.field_or_null("additional_text", a.additional_text);
    j.field("caused_reject", rejected_88 && alert_rejected(x, a.reason, a.significance));
    j.end_object();
  }
  j.end_array();
}

void write_prior_authorization_flags(codec::json_writer& j, const claim_context& x) {
  const auto& pa = x.rec.detail.pa;
  if (!pa) {
    j.key("prior_authorization").null();
    return;
  }
  j.key("prior_authorization").begin_object();
  j.field("required", pa->required).field_or_null("pa_type", pa->type).field("pa_type_name", pa_type_name(pa->type));
  j.field("state", pa->state).field_or_null("number", pa->number);
  j.field_or_null("expired_on", pa->expired_on);
  j.field("step_therapy_required", pa->step_therapy_required);
  j.field("step_therapy_satisfied", pa->step_therapy_satisfied);
  j.end_object();
}

// P1-P4 (issue 15): the PA the transaction answered about (AM26) and what it did to it; null for
// other transactions.
void write_pa_transaction(codec::json_writer& j, const claim_context& x) {
  const auto& t = x.rec.detail.pa_transaction;
  if (!t) {
    j.key("pa_transaction").null();
    return;
  }
  j.key("pa_transaction").begin_object().field("number", t->number).field("change", t->change);
  j.field_or_null("processed", t->processed).field_or_null("effective", t->effective).field_or_null("expires", t->expires);
  if (t->quantity) j.key("max_quantity").decimal(*t->quantity, 3); else j.key("max_quantity").null();
  j.end_object();
}

// Who, what and for whom: ids, status, pharmacy, payer, member, product, quantities.
void write_claim_header(codec::json_writer& j, const claim_context& x, std::string_view phone) {
  const auto& rec = x.rec;
  const rules::pharmacy* pharmacy = x.plan ? x.plan->find_pharmacy(rec.provider_id) : nullptr;
  j.field("id", rec.id).field("version", rec.detail.version).field("transaction_code", rec.transaction_code);
  j.field("status", std::string_view(&rec.status, 1)).field("status_name", status_name(rec.status));
  j.field("date_of_service", rec.date_of_service).field("received_at", rec.received_at).field("source", rec.source);
  j.key("pharmacy").begin_object().field("id", rec.provider_id).field_or_null("qualifier", rec.provider_id_qualifier);
  j.field_or_null("name", pharmacy ? pharmacy->name : std::string_view{}).end_object();
  j.key("payer").begin_object().field("bin", rec.bin).field_or_null("pcn", rec.pcn).field_or_null("group", rec.group_id);
  j.field_or_null("plan_id", rec.plan_id);
  if (rec.plan_version) j.field("plan_version", *rec.plan_version); else j.key("plan_version").null();
  j.field_or_null("help_desk_phone", phone).end_object();
  j.key("member").begin_object().field("cardholder_id", rec.cardholder_id).field_or_null("person_code", rec.person_code).end_object();
  j.field("rx_number", rec.rx_number).field("fill_number", rec.fill_number);
  j.key("product").begin_object().field_or_null("qualifier", rec.product_qualifier).field_or_null("id", rec.product_id);
  j.field_or_null("name", rec.product_name).field_or_null("therapeutic_class", rec.therapeutic_class);
  const rules::product* product = x.plan ? x.plan->find_product(rec.product_id) : nullptr;
  if (rec.tier)
    j.field("tier", *rec.tier);
  else if (product)
    j.field("tier", product->tier);
  else
    j.key("tier").null();
  j.end_object();
  if (rec.quantity) j.key("quantity").decimal(*rec.quantity, 3); else j.key("quantity").null();
  if (rec.days_supply) j.field("days_supply", *rec.days_supply); else j.key("days_supply").null();
  j.field_or_null("authorization_number", rec.authorization_number);
}

// "key": [strings] (messages sent back with the answer).
void write_strings(codec::json_writer& j, std::string_view key, const std::vector<std::string>& strings) {
  j.key(key).begin_array();
  for (const auto& s : strings) j.value(s);
  j.end_array();
}

void write_preferred_alternatives(codec::json_writer& j, const claim_context& x) {
  j.key("preferred_alternatives").begin_array();
  for (const auto& p : x.rec.detail.preferred) {
    const rules::product* d = x.plan ? x.plan->find_product(p.product_id) : nullptr;
    j.begin_object().field("product_id", p.product_id).field_or_null("name", p.description);
    if (d) j.field("tier", d->tier); else j.key("tier").null();
    write_tier_copay(j, x, d);
    j.end_object();
  }
  j.end_array();
}

void write_other_payers(codec::json_writer& j, const claim_context& x) {
  j.key("other_payers").begin_array();
  if (x.answer)
    for (std::size_t i = 0; i < x.answer->other_payer_count && i < x.answer->other_payers.size(); ++i) {
      const auto& o = x.answer->other_payers[i];
      j.begin_object().field("bin", o.id).field_or_null("pcn", o.pcn).field_or_null("group", o.group_id);
      j.field_or_null("cardholder_id", o.cardholder_id).field_or_null("help_desk_phone", o.help_desk_phone).end_object();
    }
  j.end_array();
}

// The reversal of this claim, and every claim stored under its key.
void write_reversal_and_history(codec::json_writer& j, const store::claim_record& rec,
                                const std::vector<store::related_claim>& history) {
  if (!rec.reversed_at.empty()) {
    j.key("reversed").begin_object().field("at", rec.reversed_at);
    if (rec.reversed_by) j.field("by_claim_id", *rec.reversed_by); else j.key("by_claim_id").null();
    j.end_object();
  } else {
    j.key("reversed").null();
  }
  j.key("history").begin_array();
  for (const auto& h : history) {
    j.begin_object().field("id", h.id).field("relation", h.relation).field("transaction_code", h.transaction_code);
    j.field("status", std::string_view(&h.status, 1)).field("status_name", status_name(h.status));
    j.field("received_at", h.received_at).field("date_of_service", h.date_of_service);
    j.field_or_null("authorization_number", h.authorization_number);
    j.key("reject_codes").begin_array();
    for (const auto& code : h.reject_codes) j.value(code);
    j.end_array().end_object();
  }
  j.end_array();
}

// "request" and "response" as decode --json prints them, or null when they did not decode.
void write_exchange(codec::json_writer& j, const decoded_claim& d) {
  std::string decoded;
  if (d.request_ok) {
    codec::to_json(*d.request, decoded);
    j.key("request").raw(decoded);
  } else {
    j.key("request").null();
  }
  decoded.clear();
  if (d.response_ok) {
    codec::to_json(*d.response, decoded);
    j.key("response").raw(decoded);
  } else {
    j.key("response").null();
  }
}

}  // namespace

std::string claim_view_json(const store::claim_record& rec, const std::vector<store::related_claim>& history,
                            const rules::plan_set* plans) {
  decoded_claim decoded(rec);
  claim_context x{rec, find_plan(plans, rec.plan_id, rec.plan_version), nullptr, nullptr, 1, nullptr};
  decoded.fill(x);

  std::string_view phone = rec.detail.help_desk_phone;
  if (phone.empty() && x.plan) phone = x.plan->help_desk_phone;

  std::string out;
  codec::json_writer j(out);
  j.begin_object();
  write_claim_header(j, x, phone);
  bool rejected_88 = false;
  j.key("rejects").begin_array();
  for (const auto& r : rec.rejects) {
    if (r.code == "88") rejected_88 = true;
    write_reject(j, r, x, phone);
  }
  j.end_array();
  write_strings(j, "messages", rec.detail.texts);
  write_strings(j, "approved_messages", rec.detail.approved_messages);
  write_prior_authorization_flags(j, x);
  write_pa_transaction(j, x);
  write_pricing(j, x);
  write_accumulators(j, x);
  write_dur_alerts(j, x, rejected_88);
  write_preferred_alternatives(j, x);
  write_other_payers(j, x);
  write_reversal_and_history(j, rec, history);
  write_exchange(j, decoded);
  j.end_object();
  return out;
}

}  // namespace rxgate::server::status
