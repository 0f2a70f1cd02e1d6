#include "rules/decision.h"

#include <algorithm>

namespace rxgate::rules {

std::string_view to_string(pa_state s) noexcept {
  switch (s) {
    case pa_state::not_required: return "not_required";
    case pa_state::required_missing: return "required_missing";
    case pa_state::on_file: return "on_file";
    case pa_state::number_accepted: return "number_accepted";
    case pa_state::on_file_expired: return "on_file_expired";
  }
  return "unknown";
}

std::string_view to_string(threshold_source s) noexcept {
  switch (s) {
    case threshold_source::plan: return "plan";
    case threshold_source::dea_schedule: return "dea_schedule";
    case threshold_source::drug: return "drug";
  }
  return "plan";
}

void pa_transaction_answer::set_number(std::string_view n) noexcept {
  number_length = static_cast<std::uint8_t>(std::min(n.size(), number.size()));
  std::copy_n(n.data(), number_length, number.data());
}

bool decision::add_text(std::string_view t) noexcept {
  if (text_count == text_storage.size() || t.empty()) return false;
  auto n = std::min(t.size(), text_storage[text_count].size());
  std::copy_n(t.data(), n, text_storage[text_count].data());
  text_length[text_count] = static_cast<std::uint8_t>(n);
  ++text_count;
  return true;
}

void decision::clear() noexcept {
  status = 'R';
  rejects = {};
  plan_id = {};
  wire_plan_id = {};
  plan_version = 0;
  authorization_number.fill(0);
  authorization_length = 0;
  request_fingerprint = 0;
  replaces_claim_id = 0;
  product_name = therapeutic_class = {};
  tier = 0;
  pa = {};
  fill = fill_kind::regular;
  dur_count = 0;
  dur_reject_mask = 0;
  price.reset();
  accumulated = {};
  accumulator_year = {};
  approved_message_count = 0;
  preferred_count = 0;
  other_payer_count = 0;
  refill_too_soon.reset();
  limit.reset();
  help_desk_phone = {};
  pa_answer.reset();
  text_count = 0;
}

void to_response(const decision& d, const codec::claim& c, codec::response_transaction& out) noexcept {
  out = codec::response_transaction{};
  out.status = d.status;
  out.authorization_number = d.authorization();
  out.rejects = d.rejects;
  for (std::size_t i = 0; i < d.approved_message_count; ++i) out.add_approved_message(d.approved_messages[i]);
  for (std::size_t i = 0; i < d.text_count; ++i) out.add_text(d.text(i));
  if (!d.help_desk_phone.empty()) {
    out.help_desk_qualifier = "03";  // processor/PBM
    out.help_desk_phone = d.help_desk_phone;
  }
  // F6 answers a refill-too-soon with its Next Available Fill Date (BT); D.0 has no field for it
  // and build_response() leaves it out there.
  if (d.refill_too_soon) out.next_available_fill_date = d.refill_too_soon->next_allowed;
  out.transaction_reference = c.transaction_reference;
  out.rx_qualifier = c.rx_qualifier;
  out.rx_number = c.rx_number;
  out.preferred_count = d.preferred_count;
  std::copy_n(d.preferred.begin(), d.preferred_count, out.preferred.begin());
  // Pricing goes with paid, duplicate-of-paid and captured answers only (ncpdp-d0.md §6.2).
  if (d.status == 'P' || d.status == 'D' || d.status == 'C') out.price = d.price;
  out.dur_count = d.dur_count;
  std::copy_n(d.dur.begin(), d.dur_count, out.dur.begin());
  out.other_payer_count = d.other_payer_count;
  std::copy_n(d.other_payers.begin(), d.other_payer_count, out.other_payers.begin());
  if (d.pa_answer && d.pa_answer->number_length > 0) {
    const auto& a = *d.pa_answer;
    out.prior_authorization = codec::prior_authorization_response{a.processed, a.effective, a.expiration, a.quantity,
                                                                  a.number_view()};
  }
}

}  // namespace rxgate::rules
