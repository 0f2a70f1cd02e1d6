#include "codec/claim.h"

#include <algorithm>

#include "codec/claim_reader.h"

namespace rxgate::codec {

using namespace literals;

reject reject::make(std::string_view code, field_id field, std::uint8_t occurrence,
                    std::uint32_t offset) noexcept {
  reject r;
  for (std::size_t i = 0; i < code.size() && i < r.code.size(); ++i) r.code[i] = code[i];
  r.field = field;
  r.occurrence = occurrence;
  r.offset = offset;
  return r;
}

bool reject_list::push(const reject& r) noexcept {
  // An empty code is no reject: kept, it would be sent as a NUL byte in 511-FB.
  if (r.code[0] == '\0') return false;
  for (std::size_t i = 0; i < count; ++i)
    if (items[i].code == r.code && items[i].occurrence == r.occurrence) return true;
  if (count == items.size()) {
    ++dropped;
    return false;
  }
  items[count++] = r;
  return true;
}

bool reject_list::contains(std::string_view code) const noexcept {
  for (std::size_t i = 0; i < count; ++i)
    if (items[i].code_view() == code) return true;
  return false;
}

bool claim::add_other_payer(const other_payer& p, std::span<const other_payer_amount> paid,
                            std::span<const std::string_view> codes,
                            std::span<const other_payer_amount> responsibility) noexcept {
  if (other_payer_count == other_payers.size() || paid.size() > cob_amounts.size() - cob_amount_count ||
      codes.size() > cob_reject_codes.size() - cob_reject_code_count ||
      responsibility.size() > cob_responsibilities.size() - cob_responsibility_count)
    return false;
  other_payer& out = other_payers[other_payer_count++] = p;
  out.amounts_first = cob_amount_count;
  out.amount_count = static_cast<std::uint8_t>(paid.size());
  out.amount_paid = 0;
  for (const auto& a : paid) {
    cob_amounts[cob_amount_count++] = a;
    out.amount_paid += a.amount;
  }
  out.rejects_first = cob_reject_code_count;
  out.reject_count = static_cast<std::uint8_t>(codes.size());
  for (auto r : codes) cob_reject_codes[cob_reject_code_count++] = r;
  out.responsibilities_first = cob_responsibility_count;
  out.responsibility_count = static_cast<std::uint8_t>(responsibility.size());
  for (const auto& r : responsibility) cob_responsibilities[cob_responsibility_count++] = r;
  has_cob = true;
  return true;
}

bool validation::any_rejects() const noexcept {
  if (transmission_rejected || !transmission_rejects.empty()) return true;
  for (std::size_t i = 0; i < claim_count; ++i)
    if (!claims[i].rejects.empty()) return true;
  return false;
}

bool is_supported_transaction(std::string_view code) noexcept {
  return code == "B1" || code == "B2" || code == "B3" || code == "E1" || code == "P1" || code == "P2" ||
         code == "P3" || code == "P4";
}

using detail::all_digits;
using detail::claim_reader;
using detail::is_digit;
using detail::header_offsets;
using detail::offsets_of;
using detail::usable_bin;

namespace {

// Transaction codes of the D.0 standard that rxgate does not answer (1S rather than 03).
bool is_known_transaction(std::string_view code) noexcept {
  constexpr std::string_view known[] = {"B1", "B2", "B3", "C1", "C2", "C3", "D1", "E1", "N1", "N2",
                                        "N3", "P1", "P2", "P3", "P4", "S1", "S2", "S3"};
  return std::find(std::begin(known), std::end(known), code) != std::end(known);
}

// Segment usage by transaction code (ncpdp-d0.md §7.2). 'M' mandatory, 'S' situational,
// 'N' not used. Index = segment number 1..16.
struct usage_row {
  std::string_view code;
  std::string_view usage;  // 16 characters, segment 01 first
};
//                                               0000000001111111
//                                               1234567890123456
constexpr usage_row segment_usage[] = {{"B1", "SSSMSSMSSSMNSSSS"},
                                       {"B3", "SSSMSSMSSSMNSSSS"},
                                       // Patient on a B2 is tolerated: real senders include it.
                                       {"B2", "SNNSSNMSNNSNNNNN"},
                                       {"E1", "SSSMNNNNNNNNNSNN"},
                                       // P1-P4 (§7.2): the PA segment 12 is mandatory. P2/P3
                                       // name a PA of a member: insurance is needed to say whose
                                       // (M here where §7.2 says S?); a patient segment is
                                       // tolerated as on a B2.
                                       {"P1", "SSSMSSMSSSMMSSSS"},
                                       {"P2", "SNNMNNNNNNNMNNNN"},
                                       {"P3", "SNNMNNNNNNNMNNNN"},
                                       {"P4", "SSSMNSMSNSNMSSSS"}};

char usage_of(std::string_view code, segment_id id) noexcept {
  const auto n = static_cast<int>(id);
  if (n < 1 || n > 16) return 'S';
  for (const auto& row : segment_usage)
    if (row.code == code) return row.usage[static_cast<std::size_t>(n - 1)];
  return 'S';
}

// "Segment is not used for this Transaction Code": 201 Patient ... 216 Narrative. The codes run
// in the order of the IG's segment list, not of the segment numbers.
std::string_view not_used_code(segment_id id) noexcept {
  switch (id) {
    case segment_id::patient: return "201";
    case segment_id::insurance: return "202";
    case segment_id::claim: return "203";
    case segment_id::pharmacy_provider: return "204";
    case segment_id::prescriber: return "205";
    case segment_id::cob: return "206";
    case segment_id::workers_comp: return "207";
    case segment_id::dur_pps: return "208";
    case segment_id::pricing: return "209";
    case segment_id::coupon: return "210";
    case segment_id::compound: return "211";
    case segment_id::prior_authorization: return "212";
    case segment_id::clinical: return "213";
    case segment_id::additional_documentation: return "214";
    case segment_id::facility: return "215";
    case segment_id::narrative: return "216";
    default: return "";
  }
}

void check_segment_usage(const message& m, std::string_view code, int group, claim& c) {
  for (const auto& seg : m.all_segments()) {
    if (seg.id == segment_id::vendor || seg.id == segment_id::none) continue;
    // Transmission-level segments count for every transaction; group segments for their own.
    if (seg.group != 0 && seg.group != group) continue;
    if (usage_of(code, seg.id) == 'N')
      c.rejects.push(not_used_code(seg.id), 0, 0, m.base_offset + seg.offset);
  }
}

void read_transaction(const message& m, int group, claim& c) {
  claim_reader r{m, c};
  r.read_header();
  const std::string_view code = c.transaction_code;
  const bool billing = code == "B1" || code == "B3" || code == "P1";
  check_segment_usage(m, code, group, c);

  const auto insurance = m.find_for(segment_id::insurance, group);
  if (insurance) r.read_insurance(insurance);
  else if (code != "B2") c.rejects.push("6J");
  if (const auto patient = m.find_for(segment_id::patient, group)) r.read_patient(patient);

  if (c.is_prior_authorization()) {
    // 6Q: a P transaction without its PA segment cannot be adjudicated.
    if (const auto pa = m.find(segment_id::prior_authorization, group)) r.read_prior_authorization(pa, c.is_pa_request());
    else c.rejects.push("6Q");
    // P2 and P3 carry no claim: the PA number names what they are about.
    if (!c.is_pa_request()) return;
  }

  if (code == "E1") {
    if (const auto p = m.find_for(segment_id::prescriber, group)) r.read_prescriber(p);
    if (const auto p = m.find_for(segment_id::pharmacy_provider, group)) r.read_pharmacy_provider(p);
    return;
  }

  const auto claim_seg = m.find(segment_id::claim, group);
  if (!claim_seg) {
    c.rejects.push("1Y");
    return;
  }
  r.read_claim(claim_seg, billing);
  if (const auto p = m.find(segment_id::prescriber, group)) r.read_prescriber(p);
  if (const auto p = m.find(segment_id::pharmacy_provider, group)) r.read_pharmacy_provider(p);
  if (const auto p = m.find(segment_id::pricing, group)) r.read_pricing(p, billing);
  else if (billing) c.rejects.push("6P");
  if (const auto d = m.find(segment_id::dur_pps, group)) r.read_dur(d);
  if (const auto cob = m.find(segment_id::cob, group)) r.read_cob(cob);
  if (const auto cl = m.find(segment_id::clinical, group)) r.read_clinical(cl);

  const auto compound = m.find(segment_id::compound, group);
  const bool is_compound = c.compound_code == 2;
  if (compound && billing) {
    if (!is_compound) c.rejects.push("8D", "D6"_fid, 0, m.base_offset + compound.offset());
    r.read_compound(compound);
  } else if (is_compound && billing) {
    c.rejects.push("8B", "D6"_fid, 0, m.base_offset + claim_seg.offset_of("D6"_fid));
  }
  if (is_compound && billing) {
    // A multi-ingredient compound is billed with 436-E1 = 00 and 407-D7 = 0.
    if (c.product_qualifier != "00") c.rejects.push("E1", "E1"_fid, 0, m.base_offset + claim_seg.offset_of("E1"_fid));
    if (c.product_id != "0") c.rejects.push("21", "D7"_fid, 0, m.base_offset + claim_seg.offset_of("D7"_fid));
  } else if (!c.product_id.empty() && c.product_qualifier == "03" &&
             (c.product_id.size() != 11 || !all_digits(c.product_id))) {
    c.rejects.push("21", "D7"_fid, 0, m.base_offset + claim_seg.offset_of("D7"_fid));
  }
}

}  // namespace

void validate(const message& m, validation& out) noexcept {
  out.transmission_rejected = false;
  out.transmission_rejects = {};
  out.claim_count = 0;
  const auto& h = m.request;
  const bool f6 = m.version == wire_version::f6;
  const header_offsets& at = offsets_of(m.version);

  // Transmission level first (ncpdp-d0.md §10.1): these reject every transaction, F1 = R.
  if (!usable_bin(h.bin, m.version))
    out.transmission_rejects.push("01", "A1"_fid, 0, m.base_offset + at.bin);
  // D.0 and F6 are both read; each only in its own header shape (an "F6" in a D.0-shaped header
  // is a version this layout does not carry). Whether a plan accepts the version on the day is
  // the rules' call (1R there too).
  if (h.version != (f6 ? "F6" : "D0"))
    out.transmission_rejects.push("1R", "A2"_fid, 0, m.base_offset + at.version);
  const std::string_view code = h.transaction_code;
  if (!is_supported_transaction(code))
    out.transmission_rejects.push(is_known_transaction(code) ? "1S" : "03", "A3"_fid, 0,
                                  m.base_offset + at.transaction_code);
  const int declared = m.declared_count();
  const bool e1 = code == "E1";
  // F6 carries one transaction: a count other than 1 is as wrong as a fifth D.0 transaction.
  const int most_declared = f6 ? 1 : static_cast<int>(max_transactions);
  if (declared < 1 || declared > most_declared || (e1 && declared != 1)) {
    out.transmission_rejects.push("A9", "A9"_fid, 0, m.base_offset + at.count);
  } else if (e1 ? m.group_count > 1 : m.group_count != declared) {
    out.transmission_rejects.push("1U", "A9"_fid, 0, m.base_offset + at.count);
  }
  out.transmission_rejected = !out.transmission_rejects.empty();

  const int groups = e1 ? 1 : std::max<int>(1, std::min<int>(m.group_count, max_transactions));
  // F6 carries exactly one transaction, whatever its header count says (the answer has one).
  const int most = m.version == wire_version::f6 ? 1 : static_cast<int>(max_transactions);
  out.claim_count = static_cast<std::uint8_t>(out.transmission_rejected ? std::clamp(declared, 1, most)
                                                                        : std::min(groups, most));
  for (std::uint8_t i = 0; i < out.claim_count; ++i) {
    claim& c = out.claims[i];
    c = claim{};
    c.index = i;
    if (out.transmission_rejected) {
      // Still read what can be read so the response can echo the Rx number.
      claim_reader r{m, c};
      r.read_header();
      if (const auto s = m.find(segment_id::claim, i + 1)) {
        c.rx_qualifier = s.get_or_empty("EM"_fid);
        c.rx_number = s.get_or_empty("D2"_fid);
      }
      c.rejects = out.transmission_rejects;
      continue;
    }
    read_transaction(m, e1 ? 0 : i + 1, c);
  }
  // A multi-ingredient compound must travel alone (1W).
  if (out.claim_count > 1)
    for (std::uint8_t i = 0; i < out.claim_count; ++i)
      if (out.claims[i].has_compound) out.claims[i].rejects.push("1W", "A9"_fid, 0, m.base_offset + at.count);
}

framing_reject framing_reject_for(errc e) noexcept {
  switch (e) {
    // A segment that does not start with FS "AM" + its ID: the segment identification is missing.
    case errc::missing_field_separator:
    case errc::missing_segment_identification:
    case errc::bad_segment_id:
      return {"AM", "AM"_fid};
    // Groups that cannot be matched to the transaction count.
    case errc::too_many_groups:
    case errc::empty_group:
    // F6 carries one transaction: a group separator or a second Claim segment is a second one.
    case errc::f6_group_separator:
    case errc::f6_second_transaction:
      return {"1U", "A9"_fid};
    // Anything else breaks the syntax of the body (no segment separator, a field without its ID,
    // bytes D.0 does not carry, more than a transmission holds).
    default:
      return {"R8", 0};
  }
}

void validate_decode_failure(const message& m, const decode_error& e, std::string_view input,
                             validation& out) noexcept {
  out = validation{};
  out.transmission_rejected = true;
  // What the header lets us read decides the code: a header too short or unreadable is an
  // unusable BIN/version; a broken body is a count/structure mismatch.
  const bool header_ok = e.code != errc::empty && e.code != errc::short_header &&
                         e.code != errc::bad_header && e.code != errc::unknown_kind &&
                         e.code != errc::bad_batch_record && e.code != errc::f6_iin_first_header;
  if (!header_ok) {
    // 1R only when the bytes read as a BIN followed by another version; anything else (garbage,
    // a broken batch record) is an unusable BIN.
    const bool bin_then_version = input.size() >= 8 && all_digits(input.substr(0, 6)) &&
                                  input[6] >= 'A' && input[6] <= 'Z' && is_digit(input[7]);
    if (e.code == errc::f6_iin_first_header)
      out.transmission_rejects.push("1R", "A2"_fid, 0, e.offset);
    else if (bin_then_version && input.substr(6, 2) != "D0")
      out.transmission_rejects.push("1R", "A2"_fid, 0, 6);
    else
      out.transmission_rejects.push("01", "A1"_fid, 0, 0);
  } else {
    const framing_reject r = framing_reject_for(e.code);
    // A framing error about one field (an F6 repetition count) points the reject at it.
    out.transmission_rejects.push(r.code, r.field != 0 ? r.field : e.field, 0, e.offset);
  }
  const int declared = header_ok ? m.declared_count() : 1;
  const int most = m.version == wire_version::f6 ? 1 : static_cast<int>(max_transactions);  // F6: one
  out.claim_count = static_cast<std::uint8_t>(std::clamp(declared, 1, most));
  for (std::uint8_t i = 0; i < out.claim_count; ++i) {
    claim& c = out.claims[i];
    c = claim{};
    c.index = i;
    if (header_ok && m.kind == message_kind::request) {
      c.bin = m.version == wire_version::f6 ? trim_value(m.request.bin) : m.request.bin;
      c.version = m.request.version;
      c.transaction_code = m.request.transaction_code;
      c.pcn = trim_value(m.request.pcn);
      c.provider_id_qualifier = trim_value(m.request.provider_id_qualifier);
      c.provider_id = trim_value(m.request.provider_id);
      if (auto d = parse_date(m.request.date_of_service)) c.date_of_service = *d;
    }
    c.rejects = out.transmission_rejects;
  }
}

}  // namespace rxgate::codec
