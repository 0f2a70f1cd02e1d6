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
  r.version = request.version == wire_version::f6 ? "F6" : "D0";  // answered in the version received
  r.transaction_code = request.request.transaction_code;
  r.provider_id_qualifier = request.request.provider_id_qualifier;
  r.provider_id = request.request.provider_id;
  r.date_of_service = request.request.date_of_service;
}

namespace {

// 132-UH qualifiers 01-09 are the free-text lines of the 2010 ECL; more lines are not sent.
constexpr std::size_t max_text_lines = 9;
constexpr std::size_t text_line_width = 40;  // 526-FQ

// The F6 fields that close the Status segment, in the order of NCPDPSerDe's F6 status segment.
void write_f6_status(writer& w, const response_transaction& t) {
  w.field("A7"_fid, t.internal_control_number, 30);
  w.field("MA"_fid, t.url, 200);
  w.field("34"_fid, t.reconciliation_id, 30);
  if (t.help_desk_support_type_count > 0) {
    const std::size_t n = std::min<std::size_t>(t.help_desk_support_type_count, max_help_desk_support_types);
    w.number("BH"_fid, n);
    for (std::size_t i = 0; i < n; ++i) w.field_always("BG"_fid, t.help_desk_support_types[i]);
  }
  if (t.help_desk_contact_count > 0) {
    const std::size_t n = std::min<std::size_t>(t.help_desk_contact_count, max_help_desk_contacts);
    w.number("BB"_fid, n);
    for (std::size_t i = 0; i < n; ++i) {
      const help_desk_contact& c = t.help_desk_contacts[i];
      w.field_always("BA"_fid, c.business_unit_type);
      w.field("BF"_fid, c.qualifier, 2);
      w.field("BC"_fid, c.information, 80);
    }
  }
  w.field("BD"_fid, t.help_desk_extension, 10);
  w.field("ZR"_fid, t.adjudicated_program_type, 2);
  if (t.next_available_fill_date) w.date_field("BT"_fid, *t.next_available_fill_date);
}

void write_status(writer& w, const response_transaction& t, bool f6) {
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
  if (f6) write_f6_status(w, t);
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
  // In the order of the standard's pricing segment (ncpdp-d0.md): J5 before F9, 4U before UK.
  auto optional_money = [&w](field_id id, const std::optional<std::int64_t>& v) {
    if (v) w.money(id, *v);
  };
  optional_money("J5"_fid, p.other_payer_recognized);
  w.money("F9"_fid, p.total_paid);
  w.field("FM"_fid, p.basis_of_reimbursement, 2);
  optional_money("FC"_fid, p.accumulated_deductible);
  optional_money("FD"_fid, p.remaining_deductible);
  optional_money("FE"_fid, p.remaining_benefit);
  optional_money("FH"_fid, p.deductible_applied);
  optional_money("FI"_fid, p.copay);
  optional_money("FK"_fid, p.over_benefit_maximum);
  optional_money("4U"_fid, p.coinsurance);
  optional_money("UK"_fid, p.product_selection_brand);
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

// AM26 in the standard's field order (ncpdp-d0.md §5): PR PS PT RA ... PY.
void write_prior_authorization(writer& w, const prior_authorization_response& pa) {
  w.segment(segment_id::response_prior_authorization);
  if (pa.processed) w.date_field("PR"_fid, *pa.processed);
  if (pa.effective) w.date_field("PS"_fid, *pa.effective);
  if (pa.expiration) w.date_field("PT"_fid, *pa.expiration);
  if (pa.quantity) w.number("RA"_fid, static_cast<std::uint64_t>(*pa.quantity));
  w.field("PY"_fid, pa.number, 11);
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
  const bool f6 = r.version == "F6";
  if (f6 && r.transaction_count > 1) return std::nullopt;
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
    if (!f6) w.group();  // F6: the transaction starts at its Status segment
    write_status(w, t, f6);
    write_claim(w, t);
    if (t.price) write_pricing(w, *t.price);
    if (t.dur_count > 0) write_dur(w, t);
    if (t.prior_authorization) write_prior_authorization(w, *t.prior_authorization);
    if (t.other_payer_count > 0) write_other_payers(w, t);
  }
  if (!w.ok()) return std::nullopt;
  return w.size();
}

}  // namespace rxgate::codec

namespace rxgate::codec {

namespace {

std::optional<std::int64_t> money_of(const field_range& r, field_id id) noexcept {
  const auto v = r.get(id);
  return v ? parse_overpunch(*v) : std::nullopt;
}

std::optional<date> date_of(const field_range& r, field_id id) noexcept {
  const auto v = r.get(id);
  return v ? parse_date(*v) : std::nullopt;
}

// One entry of `items` per repetition of the group counted by `counter`, filled by fill(rep, item);
// false when they do not all fit.
template <class Item, std::size_t N, class Fill>
bool read_repetitions(const segment_view& s, field_id counter, std::array<Item, N>& items, std::uint8_t& count,
                      Fill fill) noexcept {
  const std::size_t n = s.repetition_count(counter);
  for (std::size_t k = 0; k < n; ++k) {
    if (count == items.size()) return false;
    fill(s.repetition(k, counter), items[count++]);
  }
  return true;
}

// The F6 Status fields (absent from a D.0 response, so they stay empty there).
bool read_f6_status(const segment_view& s, response_transaction& t) noexcept {
  bool fits = true;
  t.internal_control_number = s.get_or_empty("A7"_fid);
  t.url = s.get_or_empty("MA"_fid);
  t.reconciliation_id = s.get_or_empty("34"_fid);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.id(i) != "BG"_fid) continue;
    if (t.help_desk_support_type_count == t.help_desk_support_types.size()) {
      fits = false;
      break;
    }
    t.help_desk_support_types[t.help_desk_support_type_count++] = s.value(i);
  }
  fits &= read_repetitions(s, "BA"_fid, t.help_desk_contacts, t.help_desk_contact_count,
                           [](const field_range& rep, help_desk_contact& c) {
                             c.business_unit_type = rep.get_or_empty("BA"_fid);
                             c.qualifier = rep.get_or_empty("BF"_fid);
                             c.information = rep.get_or_empty("BC"_fid);
                           });
  t.help_desk_extension = s.get_or_empty("BD"_fid);
  t.adjudicated_program_type = s.get_or_empty("ZR"_fid);
  t.next_available_fill_date = date_of(s, "BT"_fid);
  return fits;
}

bool read_status(const segment_view& s, response_transaction& t, std::span<char> scratch,
                 std::size_t& used) noexcept {
  bool fits = true;
  const auto an = s.get_or_empty("AN"_fid);
  t.status = an.empty() ? ' ' : an[0];
  t.authorization_number = s.get_or_empty("F3"_fid);
  const std::size_t rejects = s.repetition_count("FB"_fid);
  for (std::size_t k = 0; k < rejects; ++k) {
    const auto rep = s.repetition(k, "FB"_fid);
    const auto occ = parse_unsigned(rep.get_or_empty("4F"_fid));
    const auto code = rep.get_or_empty("FB"_fid);
    // A blank 511-FB is no reject code: the model cannot hold it (it would be written back as a
    // NUL byte), so it is left out and the response reported as not fitting.
    if (code.empty()) {
      fits = false;
      continue;
    }
    fits &= t.rejects.push(code, 0, static_cast<std::uint8_t>(occ ? *occ : 0));
  }
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s.id(i) == "6F"_fid) fits &= t.add_approved_message(s.value(i));
  // FQ lines: a line whose UG is '+' continues in the next one.
  const std::size_t lines = s.repetition_count("UH"_fid);
  std::size_t text_start = used;
  for (std::size_t k = 0; k < lines; ++k) {
    const auto rep = s.repetition(k, "UH"_fid);
    const auto fq = rep.raw(static_cast<std::size_t>(std::max(rep.find("FQ"_fid), 0)));
    const auto line = rep.has("FQ"_fid) ? fq : std::string_view{};
    if (used + line.size() > scratch.size()) return false;
    std::copy(line.begin(), line.end(), scratch.begin() + static_cast<std::ptrdiff_t>(used));
    used += line.size();
    if (rep.get_or_empty("UG"_fid) != "+") {
      fits &= t.add_text(trim_value({scratch.data() + text_start, used - text_start}));
      text_start = used;
    }
  }
  if (used > text_start) fits &= t.add_text(trim_value({scratch.data() + text_start, used - text_start}));
  t.help_desk_qualifier = s.get_or_empty("7F"_fid);
  t.help_desk_phone = s.get_or_empty("8F"_fid);
  t.transaction_reference = s.get_or_empty("K5"_fid);
  fits &= read_f6_status(s, t);
  return fits;
}

bool read_claim_segment(const segment_view& s, response_transaction& t) noexcept {
  t.rx_qualifier = s.get_or_empty("EM"_fid);
  t.rx_number = s.get_or_empty("D2"_fid);
  const std::size_t n = s.repetition_count("AP"_fid);
  for (std::size_t k = 0; k < n; ++k) {
    if (t.preferred_count == t.preferred.size()) return false;
    const auto rep = s.repetition(k, "AP"_fid);
    preferred_product& p = t.preferred[t.preferred_count++];
    p.qualifier = rep.get_or_empty("AP"_fid);
    p.product_id = rep.get_or_empty("AR"_fid);
    p.incentive = money_of(rep, "AS"_fid);
    p.cost_share_incentive = money_of(rep, "AT"_fid);
    p.description = rep.get_or_empty("AU"_fid);
  }
  return true;
}

void read_pricing(const segment_view& s, pricing& p) noexcept {
  p.patient_pay = money_of(s, "F5"_fid).value_or(0);
  p.ingredient_cost_paid = money_of(s, "F6"_fid).value_or(0);
  p.dispensing_fee_paid = money_of(s, "F7"_fid).value_or(0);
  p.incentive_paid = money_of(s, "FL"_fid).value_or(0);
  p.professional_fee_paid = money_of(s, "J1"_fid).value_or(0);
  const std::size_t n = s.repetition_count("J3"_fid);
  for (std::size_t k = 0; k < n && p.other_amount_count < p.other_amounts.size(); ++k) {
    const auto rep = s.repetition(k, "J3"_fid);
    p.other_amounts[p.other_amount_count++] =
        other_amount{rep.get_or_empty("J3"_fid), money_of(rep, "J4"_fid).value_or(0)};
  }
  p.total_paid = money_of(s, "F9"_fid).value_or(0);
  p.basis_of_reimbursement = s.get_or_empty("FM"_fid);
  p.other_payer_recognized = money_of(s, "J5"_fid);
  p.accumulated_deductible = money_of(s, "FC"_fid);
  p.remaining_deductible = money_of(s, "FD"_fid);
  p.remaining_benefit = money_of(s, "FE"_fid);
  p.deductible_applied = money_of(s, "FH"_fid);
  p.copay = money_of(s, "FI"_fid);
  p.over_benefit_maximum = money_of(s, "FK"_fid);
  p.coinsurance = money_of(s, "4U"_fid);
  p.product_selection_brand = money_of(s, "UK"_fid);
}

// The fill lambdas name their parameter types: inside a generic lambda clang left the consteval
// _fid literal as an undefined symbol (the fuzz preset failed to link); gcc folded it.
bool read_dur(const segment_view& s, response_transaction& t) noexcept {
  return read_repetitions(s, "J6"_fid, t.dur, t.dur_count, [](const field_range& rep, dur_alert& a) {
    a.reason = rep.get_or_empty("E4"_fid);
    a.significance = rep.get_or_empty("FS"_fid);
    a.other_pharmacy = rep.get_or_empty("FT"_fid);
    a.previous_fill = date_of(rep, "FU"_fid);
    const auto fv = rep.get("FV"_fid);
    a.previous_quantity = fv ? parse_unsigned(*fv) : std::nullopt;
    a.database = rep.get_or_empty("FW"_fid);
    a.other_prescriber = rep.get_or_empty("FX"_fid);
    a.free_text = rep.get_or_empty("FY"_fid);
    a.additional_text = rep.get_or_empty("NS"_fid);
  });
}

void read_prior_authorization(const segment_view& s, prior_authorization_response& pa) noexcept {
  pa.processed = date_of(s, "PR"_fid);
  pa.effective = date_of(s, "PS"_fid);
  pa.expiration = date_of(s, "PT"_fid);
  const auto ra = s.get("RA"_fid);
  pa.quantity = ra ? parse_unsigned(*ra) : std::nullopt;
  pa.number = s.get_or_empty("PY"_fid);
}

bool read_cob(const segment_view& s, response_transaction& t) noexcept {
  return read_repetitions(s, "5C"_fid, t.other_payers, t.other_payer_count, [](const field_range& rep, response_other_payer& p) {
    p.coverage_type = rep.get_or_empty("5C"_fid);
    p.id_qualifier = rep.get_or_empty("6C"_fid);
    p.id = rep.get_or_empty("7C"_fid);
    p.pcn = rep.get_or_empty("MH"_fid);
    p.cardholder_id = rep.get_or_empty("NU"_fid);
    p.group_id = rep.get_or_empty("MJ"_fid);
    p.person_code = rep.get_or_empty("UV"_fid);
    p.help_desk_phone = rep.get_or_empty("UB"_fid);
    p.relationship = rep.get_or_empty("UW"_fid);
    p.effective = date_of(rep, "UX"_fid);
    p.termination = date_of(rep, "UY"_fid);
  });
}

}  // namespace

bool read_response(const message& m, response& out, std::span<char> scratch) noexcept {
  out = response{};
  if (m.kind != message_kind::response) return false;
  bool fits = true;
  out.version = m.response.version;
  out.transaction_code = m.response.transaction_code;
  out.header_status = m.response.status.empty() ? ' ' : m.response.status[0];
  out.provider_id_qualifier = m.response.provider_id_qualifier;
  out.provider_id = trim_value(m.response.provider_id);
  out.date_of_service = m.response.date_of_service;
  if (const auto s = m.find(segment_id::response_message, 0)) out.message = s.get_or_empty("F4"_fid);
  if (const auto s = m.find(segment_id::response_insurance, 0)) {
    out.group_id = s.get_or_empty("C1"_fid);
    out.plan_id = s.get_or_empty("FO"_fid);
    out.cardholder_id = s.get_or_empty("C2"_fid);
  }
  if (const auto s = m.find(segment_id::response_patient, 0)) {
    out.patient_first_name = s.get_or_empty("CA"_fid);
    out.patient_last_name = s.get_or_empty("CB"_fid);
    out.patient_date_of_birth = date_of(s, "C4"_fid);
  }
  std::size_t used = 0;
  const int groups = std::min<int>(m.group_count, max_transactions);
  out.transaction_count = static_cast<std::uint8_t>(groups);
  for (int g = 1; g <= groups; ++g) {
    response_transaction& t = out.transactions[static_cast<std::size_t>(g - 1)];
    if (const auto s = m.find(segment_id::response_status, g)) fits &= read_status(s, t, scratch, used);
    else fits = false;
    if (const auto s = m.find(segment_id::response_claim, g)) fits &= read_claim_segment(s, t);
    if (const auto s = m.find(segment_id::response_pricing, g)) read_pricing(s, t.price.emplace());
    if (const auto s = m.find(segment_id::response_dur, g)) fits &= read_dur(s, t);
    if (const auto s = m.find(segment_id::response_prior_authorization, g))
      read_prior_authorization(s, t.prior_authorization.emplace());
    if (const auto s = m.find(segment_id::response_cob, g)) fits &= read_cob(s, t);
  }
  return fits;
}

}  // namespace rxgate::codec
