#include "codec/response.h"

#include "codec/writer.h"

namespace rxgate::codec {

using namespace literals;

bool response_transaction::add_text(std::string_view t) noexcept {
  if (text_count == texts.size() || t.empty()) return false;
  texts[text_count++] = t;
  return true;
}

bool response_transaction::add_approved_message(std::string_view code) noexcept {
  if (approved_message_count == approved_messages.size()) return false;
  approved_messages[approved_message_count++] = code;
  return true;
}

void echo_header(const message& request, response& r) noexcept {
  if (request.kind != message_kind::request) return;
  r.transaction_code = request.request.transaction_code;
  r.provider_id_qualifier = request.request.provider_id_qualifier;
  r.provider_id = request.request.provider_id;
  r.date_of_service = request.request.date_of_service;
}

namespace {

// 132-UH qualifiers 01-09 are the free-text lines of the 2010 ECL; more lines are not sent.
constexpr std::size_t max_text_lines = 9;
constexpr std::size_t text_line_width = 40;  // 526-FQ

void write_status(writer& w, const response_transaction& t) {
  w.segment(segment_id::response_status);
  const char status[1] = {t.status};
  w.field_always("AN"_fid, {status, 1});
  w.field("F3"_fid, t.authorization_number, 20);
  if (t.rejects.count > 0) {
    w.number("FA"_fid, t.rejects.count);
    for (const auto& r : t.rejects) {
      w.field_always("FB"_fid, r.code_view());
      if (r.occurrence > 0) w.number("4F"_fid, r.occurrence);
    }
  }
  if (t.approved_message_count > 0) {
    w.number("5F"_fid, t.approved_message_count);
    for (std::size_t i = 0; i < t.approved_message_count; ++i)
      w.field("6F"_fid, t.approved_messages[i], 3);
  }
  // Additional message lines: each text split into 40-character lines, UG '+' joining the
  // lines of one text.
  std::size_t lines = 0;
  for (std::size_t i = 0; i < t.text_count; ++i)
    lines += (t.texts[i].size() + text_line_width - 1) / text_line_width;
  lines = std::min(lines, max_text_lines);
  if (lines > 0) {
    w.number("UF"_fid, lines);
    std::size_t line = 0;
    for (std::size_t i = 0; i < t.text_count && line < lines; ++i) {
      std::string_view text = t.texts[i];
      while (!text.empty() && line < lines) {
        const auto chunk = text.substr(0, text_line_width);
        text.remove_prefix(chunk.size());
        ++line;
        w.number("UH"_fid, line, 2);
        w.field_always("FQ"_fid, chunk);
        if (!text.empty() && line < lines) w.field_always("UG"_fid, "+");
      }
    }
  }
  if (!t.help_desk_phone.empty()) {
    w.field("7F"_fid, t.help_desk_qualifier.empty() ? std::string_view{"03"} : t.help_desk_qualifier, 2);
    w.field("8F"_fid, t.help_desk_phone, 18);
  }
  w.field("K5"_fid, t.transaction_reference, 10);
}

void write_claim(writer& w, const response_transaction& t) {
  if (t.rx_number.empty() && t.preferred_count == 0) return;
  w.segment(segment_id::response_claim);
  w.field("EM"_fid, t.rx_qualifier, 1);
  w.field("D2"_fid, t.rx_number, 12);
  if (t.preferred_count > 0) {
    w.number("9F"_fid, t.preferred_count);
    for (std::size_t i = 0; i < t.preferred_count; ++i) {
      const auto& p = t.preferred[i];
      w.field_always("AP"_fid, p.qualifier.empty() ? std::string_view{"03"} : p.qualifier);
      w.field("AR"_fid, p.product_id, 19);
      if (p.incentive) w.money("AS"_fid, *p.incentive);
      if (p.cost_share_incentive) w.money("AT"_fid, *p.cost_share_incentive);
      w.field("AU"_fid, p.description, 40);
    }
  }
}

void write_pricing(writer& w, const pricing& p) {
  w.segment(segment_id::response_pricing);
  w.money("F5"_fid, p.patient_pay);
  w.money("F6"_fid, p.ingredient_cost_paid);
  w.money("F7"_fid, p.dispensing_fee_paid);
  if (p.incentive_paid != 0) w.money("FL"_fid, p.incentive_paid);
  if (p.professional_fee_paid != 0) w.money("J1"_fid, p.professional_fee_paid);
  if (p.other_amount_count > 0) {
    w.number("J2"_fid, p.other_amount_count);
    for (std::size_t i = 0; i < p.other_amount_count; ++i) {
      w.field_always("J3"_fid, p.other_amounts[i].qualifier);
      w.money("J4"_fid, p.other_amounts[i].amount);
    }
  }
  w.money("F9"_fid, p.total_paid);
  w.field("FM"_fid, p.basis_of_reimbursement, 2);
  if (p.deductible_applied) w.money("FH"_fid, *p.deductible_applied);
  if (p.copay) w.money("FI"_fid, *p.copay);
  if (p.product_selection_brand) w.money("UK"_fid, *p.product_selection_brand);
  if (p.coinsurance) w.money("4U"_fid, *p.coinsurance);
}

void write_dur(writer& w, const response_transaction& t) {
  w.segment(segment_id::response_dur);
  for (std::size_t i = 0; i < t.dur_count; ++i) {
    const auto& a = t.dur[i];
    w.number("J6"_fid, i + 1);
    w.field("E4"_fid, a.reason, 2);
    w.field("FS"_fid, a.significance, 1);
    w.field("FT"_fid, a.other_pharmacy, 1);
    if (a.previous_fill) w.date_field("FU"_fid, *a.previous_fill);
    if (a.previous_quantity) w.number("FV"_fid, static_cast<std::uint64_t>(*a.previous_quantity));
    w.field("FW"_fid, a.database, 1);
    w.field("FX"_fid, a.other_prescriber, 1);
    w.field("FY"_fid, a.free_text, 30);
    w.field("NS"_fid, a.additional_text, 100);
  }
}

void write_other_payers(writer& w, const response_transaction& t) {
  w.segment(segment_id::response_cob);
  w.number("NT"_fid, t.other_payer_count);
  for (std::size_t i = 0; i < t.other_payer_count; ++i) {
    const auto& p = t.other_payers[i];
    w.field_always("5C"_fid, p.coverage_type);
    w.field("6C"_fid, p.id_qualifier, 2);
    w.field("7C"_fid, p.id, 10);
    w.field("MH"_fid, p.pcn, 10);
    w.field("NU"_fid, p.cardholder_id, 20);
    w.field("MJ"_fid, p.group_id, 15);
    w.field("UV"_fid, p.person_code, 3);
    w.field("UB"_fid, p.help_desk_phone, 18);
    w.field("UW"_fid, p.relationship, 1);
    if (p.effective) w.date_field("UX"_fid, *p.effective);
    if (p.termination) w.date_field("UY"_fid, *p.termination);
  }
}

}  // namespace

std::optional<std::size_t> build_response(const response& r, std::span<char> out) noexcept {
  writer w{out};
  const char count = static_cast<char>('0' + std::min<int>(r.transaction_count, 9));
  const char status[1] = {r.header_status};
  w.fixed(r.version, 2)
      .fixed(r.transaction_code, 2)
      .raw(count)
      .raw(std::string_view{status, 1})
      .fixed(r.provider_id_qualifier, 2)
      .fixed(r.provider_id, 15)
      .fixed(r.date_of_service, 8);

  if (!r.message.empty()) {
    w.segment(segment_id::response_message);
    w.field("F4"_fid, r.message, 200);
  }
  if (!r.group_id.empty() || !r.plan_id.empty() || !r.cardholder_id.empty()) {
    w.segment(segment_id::response_insurance);
    w.field("C1"_fid, r.group_id, 15);
    w.field("FO"_fid, r.plan_id, 8);
    w.field("C2"_fid, r.cardholder_id, 20);
  }
  if (!r.patient_first_name.empty() || !r.patient_last_name.empty() || r.patient_date_of_birth) {
    w.segment(segment_id::response_patient);
    w.field("CA"_fid, r.patient_first_name, 12);
    w.field("CB"_fid, r.patient_last_name, 15);
    if (r.patient_date_of_birth) w.date_field("C4"_fid, *r.patient_date_of_birth);
  }
  for (std::size_t i = 0; i < r.transaction_count && i < r.transactions.size(); ++i) {
    const auto& t = r.transactions[i];
    w.group();
    write_status(w, t);
    write_claim(w, t);
    if (t.price) write_pricing(w, *t.price);
    if (t.dur_count > 0) write_dur(w, t);
    if (t.other_payer_count > 0) write_other_payers(w, t);
  }
  if (!w.ok()) return std::nullopt;
  return w.size();
}

}  // namespace rxgate::codec
