#include "codec/claim.h"

#include <algorithm>

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
  return code == "B1" || code == "B2" || code == "B3" || code == "E1";
}

namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

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
                                       {"E1", "SSSMNNNNNNNNNSNN"}};

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

// The M/I reject code for a field (ncpdp-d0.md §10.3); most D.0 M/I codes reuse the field ID.
std::string_view missing_code(field_id id) noexcept {
  switch (id) {
    case "A1"_fid: return "01";
    case "A2"_fid: return "02";
    case "A3"_fid: return "03";
    case "A4"_fid: return "04";
    case "B1"_fid: return "05";
    case "C1"_fid: return "06";
    case "C2"_fid: return "07";
    case "C3"_fid: return "08";
    case "C4"_fid: return "09";
    case "C5"_fid: return "10";
    case "C6"_fid: return "11";
    case "C7"_fid: return "12";
    case "C8"_fid: return "13";
    case "D1"_fid: return "15";
    case "D2"_fid: return "16";
    case "D3"_fid: return "17";
    case "D5"_fid: return "19";
    case "D6"_fid: return "20";
    case "D7"_fid: return "21";
    case "D8"_fid: return "22";
    case "D9"_fid: return "23";
    case "DB"_fid: return "25";
    case "28"_fid: return "26";
    case "DE"_fid: return "28";
    case "DF"_fid: return "29";
    case "DK"_fid: return "34";
    case "DO"_fid: return "39";
    default: {
      // The field ID itself (E7, DU, DN, EE, EM ...): a static table keeps the view alive. The
      // count fields (NX, SE, 4C, VE, 5E, MU ...) have M/I codes of their own too; a field missing
      // here falls back to 85, which tells the pharmacy nothing it can fix.
      static constexpr char ids[] =
          "E1E7EMDUDNDQDCDXE3BEEUEVEZETERECEDEEEFEGE4E5E6H7H8H9HBHCDVNRNPNQ5C6C7CE85E6E7E8EJ9H6CXCYB2A9"
          "NXSE4CVEMU";
      const auto chars = field_chars(id);
      for (std::size_t i = 0; i + 1 < sizeof(ids); i += 2)
        if (ids[i] == chars[0] && ids[i + 1] == chars[1]) return {ids + i, 2};
      return "";
    }
  }
}

class claim_reader {
 public:
  claim_reader(const message& m, claim& c) noexcept : m_(m), c_(c) {}

  void reject(std::string_view code, field_id field, std::uint8_t occurrence, std::uint32_t offset) {
    c_.rejects.push(code, field, occurrence, m_.base_offset + offset);
  }
  void reject_field(const field_range& seg, field_id id, std::uint8_t occurrence = 0) {
    const auto code = missing_code(id);
    reject(code.empty() ? std::string_view{"85"} : code, id, occurrence, seg.offset_of(id));
  }

  std::string_view text(const field_range& seg, field_id id) { return seg.get_or_empty(id); }

  std::string_view required_text(const field_range& seg, field_id id, std::uint8_t occ = 0) {
    auto v = seg.get_or_empty(id);
    if (v.empty() || std::all_of(v.begin(), v.end(), [](char ch) { return ch == ' '; }))
      reject_field(seg, id, occ);
    return v;
  }

  // The value of `id` read by `parse` (nullopt = unreadable) and judged by `acceptable`; an empty
  // or absent value rejects only when required, an unreadable or unacceptable one always does.
  template <class Parse, class Acceptable>
  auto checked(const field_range& seg, field_id id, bool required, std::uint8_t occ, Parse parse,
               Acceptable acceptable) -> decltype(parse(std::string_view{})) {
    const auto v = seg.get(id);
    if (!v || v->empty()) {
      if (required) reject_field(seg, id, occ);
      return std::nullopt;
    }
    const auto n = parse(*v);
    if (!n || !acceptable(*n)) {
      reject_field(seg, id, occ);
      return std::nullopt;
    }
    return n;
  }

  std::optional<int> number(const field_range& seg, field_id id, int lo, int hi,
                            bool required = false, std::uint8_t occ = 0) {
    const auto n = checked(seg, id, required, occ, [](std::string_view v) { return parse_unsigned(v); },
                           [&](std::int64_t x) { return x >= lo && x <= hi; });
    return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
  }

  std::optional<std::int64_t> quantity(const field_range& seg, field_id id, bool required,
                                       std::uint8_t occ = 0) {
    return checked(seg, id, required, occ, [](std::string_view v) { return parse_unsigned(v); },
                   [&](std::int64_t x) { return !required || x != 0; });
  }

  std::optional<std::int64_t> money(const field_range& seg, field_id id, bool required = false,
                                    std::uint8_t occ = 0) {
    return checked(seg, id, required, occ, [](std::string_view v) { return parse_overpunch(v); },
                   [](std::int64_t) { return true; });
  }


  std::optional<date> date_of(const field_range& seg, field_id id, bool required = false) {
    const auto v = seg.get(id);
    if (!v || v->empty()) {
      if (required) reject_field(seg, id);
      return std::nullopt;
    }
    const auto d = parse_date(*v);
    if (!d) reject_field(seg, id);
    return d;
  }

  // A count field against the repetitions actually sent; returns the repetitions (all kept).
  std::size_t counted(const field_range& seg, field_id count_field, field_id start,
                      std::string_view mismatch_code, std::size_t max_supported,
                      std::string_view over_code, field_id alt_start = 0) {
    const std::size_t reps = seg.repetition_count(start, alt_start);
    const auto declared = seg.get(count_field);
    if (declared) {
      const auto n = parse_unsigned(*declared);
      if (!n) {
        reject_field(seg, count_field);
      } else if (static_cast<std::size_t>(*n) > max_supported && !over_code.empty()) {
        reject(over_code, count_field, 0, seg.offset_of(count_field));
      } else if (static_cast<std::size_t>(*n) != reps) {
        reject(mismatch_code, count_field, 0, seg.offset_of(count_field));
      }
    } else if (reps > 0) {
      reject_field(seg, count_field);
    }
    return reps;
  }

  void read_header();
  void read_insurance(const segment_view& s);
  void read_patient(const segment_view& s);
  void read_claim(const segment_view& s, bool billing);
  void read_prescriber(const segment_view& s);
  void read_pharmacy_provider(const segment_view& s);
  void read_pricing(const segment_view& s, bool billing);
  void read_dur(const segment_view& s);
  void read_compound(const segment_view& s);
  void read_cob(const segment_view& s);
  void read_clinical(const segment_view& s);

 private:
  const message& m_;
  claim& c_;
};

void claim_reader::read_header() {
  const auto& h = m_.request;
  c_.bin = h.bin;
  c_.version = h.version;
  c_.transaction_code = h.transaction_code;
  c_.pcn = trim_value(h.pcn);
  c_.provider_id_qualifier = trim_value(h.provider_id_qualifier);
  c_.provider_id = trim_value(h.provider_id);
  c_.software_id = trim_value(h.software_id);
  if (auto d = parse_date(h.date_of_service)) c_.date_of_service = *d;
  else c_.rejects.push("15", "D1"_fid, 0, m_.base_offset + 38);
  if (c_.provider_id_qualifier.size() != 2 || !all_digits(c_.provider_id_qualifier))
    c_.rejects.push("B2", "B2"_fid, 0, m_.base_offset + 21);
  if (c_.provider_id.empty()) c_.rejects.push("05", "B1"_fid, 0, m_.base_offset + 23);
}

void claim_reader::read_insurance(const segment_view& s) {
  c_.has_insurance = true;
  const bool eligibility = c_.is_eligibility();
  c_.cardholder_id = required_text(s, "C2"_fid);
  c_.group_id = text(s, "C1"_fid);
  c_.person_code = text(s, "C3"_fid);
  c_.plan_id = text(s, "FO"_fid);
  c_.eligibility_clarification = text(s, "C9"_fid);
  c_.relationship = number(s, "C6"_fid, 0, 4);
  (void)eligibility;
}

void claim_reader::read_patient(const segment_view& s) {
  c_.has_patient = true;
  c_.patient_id_qualifier = text(s, "CX"_fid);
  c_.patient_id = text(s, "CY"_fid);
  c_.patient_first_name = text(s, "CA"_fid);
  c_.patient_last_name = text(s, "CB"_fid);
  c_.date_of_birth = date_of(s, "C4"_fid);
  c_.gender = number(s, "C5"_fid, 0, 2);
  c_.patient_residence = text(s, "4X"_fid);
  c_.place_of_service = text(s, "C7"_fid);
}

void claim_reader::read_claim(const segment_view& s, bool billing) {
  c_.has_claim = true;
  c_.rx_qualifier = required_text(s, "EM"_fid);
  if (!c_.rx_qualifier.empty() && c_.rx_qualifier != "1" && c_.rx_qualifier != "2")
    reject_field(s, "EM"_fid);
  c_.rx_number = required_text(s, "D2"_fid);
  if (!c_.rx_number.empty() && (c_.rx_number.size() > 12 || !all_digits(c_.rx_number)))
    reject_field(s, "D2"_fid);
  c_.product_qualifier = required_text(s, "E1"_fid);
  c_.product_id = required_text(s, "D7"_fid);
  c_.fill_number = number(s, "D3"_fid, 0, 99, billing);
  if (!billing && !c_.fill_number) c_.fill_number = number(s, "D3"_fid, 0, 99);
  c_.quantity = quantity(s, "E7"_fid, billing);
  c_.days_supply = number(s, "D5"_fid, billing ? 1 : 0, 999, billing);
  c_.compound_code = number(s, "D6"_fid, 0, 2);
  c_.daw = text(s, "D8"_fid);
  if (!c_.daw.empty() && (c_.daw.size() != 1 || !is_digit(c_.daw[0]))) reject_field(s, "D8"_fid);
  c_.date_written = date_of(s, "DE"_fid);
  c_.refills_authorized = number(s, "DF"_fid, 0, 99);
  c_.origin = text(s, "DJ"_fid);
  c_.other_coverage_code = text(s, "C8"_fid);
  if (!c_.other_coverage_code.empty()) {
    const auto occ = parse_unsigned(c_.other_coverage_code);
    if (!occ || *occ > 8 || *occ == 5 || *occ == 6 || *occ == 7) reject_field(s, "C8"_fid);
  }
  c_.pa_type = text(s, "EU"_fid);
  c_.pa_number = text(s, "EV"_fid);
  if (!c_.pa_type.empty() && (!all_digits(c_.pa_type) || c_.pa_type.size() > 2))
    reject_field(s, "EU"_fid);
  if (!c_.pa_number.empty() && (!all_digits(c_.pa_number) || c_.pa_number.size() > 11))
    reject_field(s, "EV"_fid);
  c_.unit_of_measure = text(s, "28"_fid);
  if (!c_.unit_of_measure.empty() && c_.unit_of_measure != "EA" && c_.unit_of_measure != "GM" &&
      c_.unit_of_measure != "ML")
    reject_field(s, "28"_fid);
  c_.pharmacy_service_type = text(s, "U7"_fid);
  c_.level_of_service = text(s, "DI"_fid);
  c_.transaction_reference = text(s, "K5"_fid);
  if (s.has("ET"_fid)) c_.quantity_prescribed = quantity(s, "ET"_fid, false);

  // Submission Clarification Codes: 354-NX counts 420-DK (max 3).
  const std::size_t scc_reps = counted(s, "NX"_fid, "DK"_fid, "SG", max_scc, "");
  for (std::size_t k = 0; k < scc_reps && k < max_scc; ++k) {
    const auto rep = s.repetition(k, "DK"_fid);
    const auto occ = static_cast<std::uint8_t>(k + 1);
    const auto v = parse_unsigned(rep.get_or_empty("DK"_fid));
    if (!v || *v < 1 || *v > 99) {
      reject("34", "DK"_fid, occ, rep.offset_of("DK"_fid));
      continue;
    }
    c_.scc[c_.scc_count++] = static_cast<int>(*v);
  }
  // Procedure modifiers: 458-SE counts 459-ER (mismatch has no code of its own in D.0: ER).
  counted(s, "SE"_fid, "ER"_fid, "ER", 10, "");
}

void claim_reader::read_prescriber(const segment_view& s) {
  c_.prescriber_id_qualifier = text(s, "EZ"_fid);
  c_.prescriber_id = text(s, "DB"_fid);
  c_.prescriber_last_name = text(s, "DR"_fid);
  if (!c_.prescriber_id.empty() && c_.prescriber_id_qualifier.empty()) reject_field(s, "EZ"_fid);
}

void claim_reader::read_pharmacy_provider(const segment_view& s) {
  c_.pharmacist_id_qualifier = text(s, "EY"_fid);
  c_.pharmacist_id = text(s, "E9"_fid);
}

void claim_reader::read_pricing(const segment_view& s, bool billing) {
  c_.has_pricing = true;
  c_.ingredient_cost = money(s, "D9"_fid, billing);
  c_.dispensing_fee = money(s, "DC"_fid);
  c_.usual_customary = money(s, "DQ"_fid);
  c_.gross_amount_due = money(s, "DU"_fid, billing);
  c_.patient_paid = money(s, "DX"_fid);
  c_.incentive = money(s, "E3"_fid);
  c_.professional_fee = money(s, "BE"_fid);
  c_.flat_tax = money(s, "HA"_fid);
  c_.percentage_tax = money(s, "GE"_fid);
  c_.basis_of_cost = text(s, "DN"_fid);
  if (!c_.basis_of_cost.empty()) {
    const auto b = parse_unsigned(c_.basis_of_cost);
    if (!b || *b > 13) reject_field(s, "DN"_fid);
  }
  const std::size_t reps = counted(s, "H7"_fid, "H8"_fid, "R1", max_other_amounts, "");
  for (std::size_t k = 0; k < reps && k < max_other_amounts; ++k) {
    const auto rep = s.repetition(k, "H8"_fid);
    const auto occ = static_cast<std::uint8_t>(k + 1);
    other_amount a;
    a.qualifier = rep.get_or_empty("H8"_fid);
    if (auto v = money(rep, "H9"_fid, true, occ)) a.amount = *v;
    c_.other_amounts[c_.other_amount_count++] = a;
  }
}

void claim_reader::read_dur(const segment_view& s) {
  const std::size_t reps = s.repetition_count("7E"_fid);
  if (reps == 0 && !s.empty()) reject_field(s, "7E"_fid);
  if (reps > max_dur_pps) reject("9W", "7E"_fid, 0, s.offset_of("7E"_fid));
  for (std::size_t k = 0; k < reps && k < max_dur_pps; ++k) {
    const auto rep = s.repetition(k, "7E"_fid);
    const auto counter = parse_unsigned(rep.get_or_empty("7E"_fid));
    const auto occ = static_cast<std::uint8_t>(k + 1);
    if (!counter || *counter < 1 || *counter > 9) reject("7E", "7E"_fid, occ, rep.offset_of("7E"_fid));
    dur_pps_entry e;
    e.reason = rep.get_or_empty("E4"_fid);
    e.professional = rep.get_or_empty("E5"_fid);
    e.result = rep.get_or_empty("E6"_fid);
    e.level_of_effort = rep.get_or_empty("8E"_fid);
    e.co_agent_qualifier = rep.get_or_empty("J9"_fid);
    e.co_agent_id = rep.get_or_empty("H6"_fid);
    c_.dur_pps[c_.dur_pps_count++] = e;
  }
}

void claim_reader::read_compound(const segment_view& s) {
  c_.has_compound = true;
  c_.compound_dosage_form = text(s, "EF"_fid);
  c_.compound_dispensing_unit = text(s, "EG"_fid);
  if (!c_.compound_dispensing_unit.empty() && c_.compound_dispensing_unit != "1" &&
      c_.compound_dispensing_unit != "2" && c_.compound_dispensing_unit != "3")
    reject_field(s, "EG"_fid);
  const std::size_t reps =
      counted(s, "EC"_fid, "RE"_fid, "P3", max_ingredients, "9K", "TE"_fid);
  if (reps == 0) reject_field(s, "EC"_fid);
  for (std::size_t k = 0; k < reps && k < max_ingredients; ++k) {
    const auto rep = s.repetition(k, "RE"_fid, "TE"_fid);
    const auto occ = static_cast<std::uint8_t>(k + 1);
    compound_ingredient g;
    g.qualifier = rep.get_or_empty("RE"_fid);
    g.product_id = required_text(rep, "TE"_fid, occ);
    if (auto q = quantity(rep, "ED"_fid, true, occ)) g.quantity = *q;
    g.cost = money(rep, "EE"_fid, true, occ);
    g.basis_of_cost = rep.get_or_empty("UE"_fid);
    // Per-ingredient modifiers: 362-2G counts 363-2H.
    const auto declared = rep.get("2G"_fid);
    if (declared) {
      const auto n = parse_unsigned(*declared);
      if (!n || static_cast<std::size_t>(*n) != rep.count("2H"_fid))
        reject("4M", "2G"_fid, occ, rep.offset_of("2G"_fid));
    }
    c_.ingredients[c_.ingredient_count++] = g;
  }
}

void claim_reader::read_cob(const segment_view& s) {
  c_.has_cob = true;
  const std::size_t reps = counted(s, "4C"_fid, "5C"_fid, "P4", max_other_payers, "7P");
  for (std::size_t k = 0; k < reps && k < max_other_payers; ++k) {
    const auto rep = s.repetition(k, "5C"_fid);
    const auto occ = static_cast<std::uint8_t>(k + 1);
    other_payer p;
    p.coverage_type = rep.get_or_empty("5C"_fid);
    if (p.coverage_type.size() != 2 || !all_digits(p.coverage_type))
      reject("5C", "5C"_fid, occ, rep.offset_of("5C"_fid));
    p.id_qualifier = rep.get_or_empty("6C"_fid);
    p.id = rep.get_or_empty("7C"_fid);
    p.paid_date = date_of(rep, "E8"_fid);
    // A count field of this payer against its repetitions: not a number -> M/I of the count,
    // over what rxgate keeps -> `over`, different -> `mismatch`.
    auto count_of = [&](field_id count_field, field_id repeated, std::size_t max, std::string_view over,
                        std::string_view mismatch) {
      const auto v = rep.get(count_field);
      if (!v) return;
      const auto n = parse_unsigned(*v);
      const auto code = missing_code(count_field);
      if (!n) reject(code.empty() ? mismatch : code, count_field, occ, rep.offset_of(count_field));
      else if (static_cast<std::size_t>(*n) > max) reject(over, count_field, occ, rep.offset_of(count_field));
      else if (static_cast<std::size_t>(*n) != rep.count(repeated)) reject(mismatch, count_field, occ, rep.offset_of(count_field));
    };
    count_of("HB"_fid, "HC"_fid, max_payer_amounts, "7R", "SF");
    count_of("5E"_fid, "6E"_fid, max_payer_reject_codes, "YC", "R2");
    count_of("NR"_fid, "NP"_fid, max_payer_responsibilities, "YD", "SH");
    count_of("MU"_fid, "MV"_fid, 4, "MX", "MX");
    p.amounts_first = c_.cob_amount_count;
    p.rejects_first = c_.cob_reject_code_count;
    p.responsibilities_first = c_.cob_responsibility_count;
    // Amounts paid (342-HC then 431-DV) and patient responsibility (351-NP then 352-NQ) pair a
    // qualifier with the amount after it; an amount without its qualifier, or a qualifier
    // without its amount, is M/I at that field. `kept` is false when the pools are full (the
    // over-count reject is sent and the amount that follows is skipped).
    struct pair_state {
      bool open = false, kept = false;
    } paid_pair, responsibility_pair;
    auto add_pair = [&](bool paid, std::string_view qualifier, std::uint32_t offset) {
      auto& pool = paid ? c_.cob_amounts : c_.cob_responsibilities;
      auto& pool_count = paid ? c_.cob_amount_count : c_.cob_responsibility_count;
      auto& own = paid ? p.amount_count : p.responsibility_count;
      const std::size_t own_max = paid ? max_payer_amounts : max_payer_responsibilities;
      if (pool_count == pool.size() || own == own_max) {
        reject(paid ? "7R" : "YD", paid ? "HB"_fid : "NR"_fid, occ, offset);
        return false;
      }
      pool[pool_count++] = other_payer_amount{qualifier, 0};
      ++own;
      return true;
    };
    for (std::size_t i = 0; i < rep.size(); ++i) {
      const auto id = rep.id(i);
      const auto value = rep.value(i);
      const auto offset = rep.ref(i).offset;
      if (id == "HC"_fid || id == "NP"_fid) {
        const bool paid = id == "HC"_fid;
        auto& state = paid ? paid_pair : responsibility_pair;
        if (state.open) reject(paid ? "DV" : "NQ", paid ? "DV"_fid : "NQ"_fid, occ, offset);
        if (value.size() != 2) reject(paid ? "HC" : "NP", id, occ, offset);
        state = {true, add_pair(paid, value, offset)};
      } else if (id == "DV"_fid || id == "NQ"_fid) {
        const bool paid = id == "DV"_fid;
        auto& state = paid ? paid_pair : responsibility_pair;
        if (!state.open) {
          reject(paid ? "HC" : "NP", paid ? "HC"_fid : "NP"_fid, occ, offset);
          state.kept = add_pair(paid, {}, offset);
        }
        state.open = false;
        if (!state.kept) continue;
        const auto amount = parse_overpunch(value);
        if (!amount) reject(paid ? "DV" : "NQ", id, occ, offset);
        else if (paid && *amount < 0) reject("8V", id, occ, offset);
        const std::int64_t cents = amount.value_or(0);
        if (paid) {
          c_.cob_amounts[c_.cob_amount_count - 1].amount = cents;
          p.amount_paid += cents;
        } else {
          c_.cob_responsibilities[c_.cob_responsibility_count - 1].amount = cents;
        }
      } else if (id == "6E"_fid) {
        const auto code = trim_value(value);
        if (code.empty() || code.size() > 3) reject("6E", id, occ, offset);
        if (c_.cob_reject_code_count == c_.cob_reject_codes.size() || p.reject_count == max_payer_reject_codes) {
          reject("YC", "5E"_fid, occ, offset);
          continue;
        }
        c_.cob_reject_codes[c_.cob_reject_code_count++] = code;
        ++p.reject_count;
      }
    }
    if (paid_pair.open) reject("DV", "DV"_fid, occ, rep.offset_of("HC"_fid));
    if (responsibility_pair.open) reject("NQ", "NQ"_fid, occ, rep.offset_of("NP"_fid));
    c_.other_payers[c_.other_payer_count++] = p;
  }
}

void claim_reader::read_clinical(const segment_view& s) {
  const std::size_t reps = counted(s, "VE"_fid, "WE"_fid, "P7", max_diagnoses, "", "DO"_fid);
  for (std::size_t k = 0; k < reps && k < max_diagnoses; ++k) {
    const auto rep = s.repetition(k, "WE"_fid, "DO"_fid);
    c_.diagnoses[c_.diagnosis_count++] = rep.get_or_empty("DO"_fid);
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
  const bool billing = code == "B1" || code == "B3";
  check_segment_usage(m, code, group, c);

  const auto insurance = m.find_for(segment_id::insurance, group);
  if (insurance) r.read_insurance(insurance);
  else if (code != "B2") c.rejects.push("6J");
  if (const auto patient = m.find_for(segment_id::patient, group)) r.read_patient(patient);

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

  // Transmission level first (ncpdp-d0.md §10.1): these reject every transaction, F1 = R.
  if (h.bin.size() != 6 || !all_digits(h.bin))
    out.transmission_rejects.push("01", "A1"_fid, 0, m.base_offset + 0);
  if (h.version != "D0") out.transmission_rejects.push("1R", "A2"_fid, 0, m.base_offset + 6);
  const std::string_view code = h.transaction_code;
  if (!is_supported_transaction(code))
    out.transmission_rejects.push(is_known_transaction(code) ? "1S" : "03", "A3"_fid, 0,
                                  m.base_offset + 8);
  const int declared = m.declared_count();
  const bool e1 = code == "E1";
  if (declared < 1 || declared > static_cast<int>(max_transactions) || (e1 && declared != 1)) {
    out.transmission_rejects.push("A9", "A9"_fid, 0, m.base_offset + 20);
  } else if (e1 ? m.group_count > 1 : m.group_count != declared) {
    out.transmission_rejects.push("1U", "A9"_fid, 0, m.base_offset + 20);
  }
  out.transmission_rejected = !out.transmission_rejects.empty();

  const int groups = e1 ? 1 : std::max<int>(1, std::min<int>(m.group_count, max_transactions));
  out.claim_count = static_cast<std::uint8_t>(out.transmission_rejected
                                                  ? std::clamp(declared, 1, static_cast<int>(max_transactions))
                                                  : groups);
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
      if (out.claims[i].has_compound) out.claims[i].rejects.push("1W", "A9"_fid, 0, m.base_offset + 20);
}

void validate_decode_failure(const message& m, const decode_error& e, std::string_view input,
                             validation& out) noexcept {
  out = validation{};
  out.transmission_rejected = true;
  // What the header lets us read decides the code: a header too short or unreadable is an
  // unusable BIN/version; a broken body is a count/structure mismatch.
  const bool header_ok = e.code != errc::empty && e.code != errc::short_header &&
                         e.code != errc::bad_header && e.code != errc::unknown_kind &&
                         e.code != errc::bad_batch_record;
  if (!header_ok) {
    // 1R only when the bytes read as a BIN followed by another version; anything else (garbage,
    // a broken batch record) is an unusable BIN.
    const bool bin_then_version = input.size() >= 8 && all_digits(input.substr(0, 6)) &&
                                  input[6] >= 'A' && input[6] <= 'Z' && is_digit(input[7]);
    if (bin_then_version && input.substr(6, 2) != "D0")
      out.transmission_rejects.push("1R", "A2"_fid, 0, 6);
    else
      out.transmission_rejects.push("01", "A1"_fid, 0, 0);
  } else if (e.code == errc::too_many_groups) {
    out.transmission_rejects.push("1U", "A9"_fid, 0, e.offset);
  } else {
    // The body breaks the framing: the transaction count cannot be matched to the groups.
    out.transmission_rejects.push("1U", "A9"_fid, 0, e.offset);
  }
  const int declared = header_ok ? m.declared_count() : 1;
  out.claim_count = static_cast<std::uint8_t>(std::clamp(declared, 1, static_cast<int>(max_transactions)));
  for (std::uint8_t i = 0; i < out.claim_count; ++i) {
    claim& c = out.claims[i];
    c = claim{};
    c.index = i;
    if (header_ok && m.kind == message_kind::request) {
      c.bin = m.request.bin;
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
