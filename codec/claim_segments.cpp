// The per-segment readers of claim_reader (codec/claim_reader.h): header, insurance, patient,
// claim, prescriber, pharmacy provider, pricing, DUR/PPS, compound, clinical; and the M/I codes.
#include "codec/claim_reader.h"

namespace rxgate::codec::detail {

using namespace literals;

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
    // AM12 (P1-P4): the M/I codes of the PA request's own fields.
    case "PA"_fid: return "3A";
    case "PB"_fid: return "3B";
    case "PC"_fid: return "3C";
    case "PD"_fid: return "3D";
    case "PY"_fid: return "3N";
    case "PP"_fid: return "3S";
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

void claim_reader::read_header() {
  const auto& h = m_.request;
  const header_offsets& at = offsets_of(m_.version);
  c_.bin = m_.version == wire_version::f6 ? trim_value(h.bin) : h.bin;
  c_.version = h.version;
  c_.transaction_code = h.transaction_code;
  c_.pcn = trim_value(h.pcn);
  c_.provider_id_qualifier = trim_value(h.provider_id_qualifier);
  c_.provider_id = trim_value(h.provider_id);
  c_.software_id = trim_value(h.software_id);
  if (auto d = parse_date(h.date_of_service)) c_.date_of_service = *d;
  else c_.rejects.push("15", "D1"_fid, 0, m_.base_offset + at.date_of_service);
  if (c_.provider_id_qualifier.size() != 2 || !all_digits(c_.provider_id_qualifier))
    c_.rejects.push("B2", "B2"_fid, 0, m_.base_offset + at.provider_id_qualifier);
  if (c_.provider_id.empty()) c_.rejects.push("05", "B1"_fid, 0, m_.base_offset + at.provider_id);
}

void claim_reader::read_insurance(const segment_view& s) {
  c_.has_insurance = true;
  c_.cardholder_id = required_text(s, "C2"_fid);
  c_.group_id = text(s, "C1"_fid);
  c_.person_code = text(s, "C3"_fid);
  c_.plan_id = text(s, "FO"_fid);
  c_.eligibility_clarification = text(s, "C9"_fid);
  c_.relationship = number(s, "C6"_fid, 0, 4);
}

constexpr text_field<claim> patient_texts[] = {
    {"CX"_fid, &claim::patient_id_qualifier}, {"CY"_fid, &claim::patient_id},
    {"CA"_fid, &claim::patient_first_name},   {"CB"_fid, &claim::patient_last_name},
    {"4X"_fid, &claim::patient_residence},    {"C7"_fid, &claim::place_of_service}};

void claim_reader::read_patient(const segment_view& s) {
  c_.has_patient = true;
  texts(s, patient_texts, c_);
  c_.date_of_birth = date_of(s, "C4"_fid);
  c_.gender = number(s, "C5"_fid, 0, 2);
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
  each_counted(s, "NX"_fid, "DK"_fid, "SG", max_scc, "", 0, [&](const field_range& rep, std::uint8_t occ) {
    const auto v = parse_unsigned(rep.get_or_empty("DK"_fid));
    if (!v || *v < 1 || *v > 99) {
      reject("34", "DK"_fid, occ, rep.offset_of("DK"_fid));
      return;
    }
    c_.scc[c_.scc_count++] = static_cast<int>(*v);
  });
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

// The Pricing segment's amounts in the order they are checked; 409-D9 and 430-DU are required
// on a billing.
struct pricing_amount {
  field_id id;
  std::optional<std::int64_t> claim::*member;
  bool required_on_billing;
};
constexpr pricing_amount pricing_amounts[] = {
    {"D9"_fid, &claim::ingredient_cost, true},   {"DC"_fid, &claim::dispensing_fee, false},
    {"DQ"_fid, &claim::usual_customary, false},  {"DU"_fid, &claim::gross_amount_due, true},
    {"DX"_fid, &claim::patient_paid, false},     {"E3"_fid, &claim::incentive, false},
    {"BE"_fid, &claim::professional_fee, false}, {"HA"_fid, &claim::flat_tax, false},
    {"GE"_fid, &claim::percentage_tax, false}};

void claim_reader::read_pricing(const segment_view& s, bool billing) {
  c_.has_pricing = true;
  for (const auto& a : pricing_amounts) c_.*a.member = money(s, a.id, billing && a.required_on_billing);
  c_.basis_of_cost = text(s, "DN"_fid);
  if (!c_.basis_of_cost.empty()) {
    const auto b = parse_unsigned(c_.basis_of_cost);
    if (!b || *b > 13) reject_field(s, "DN"_fid);
  }
  each_counted(s, "H7"_fid, "H8"_fid, "R1", max_other_amounts, "", 0, [&](const field_range& rep, std::uint8_t occ) {
    other_amount a;
    a.qualifier = rep.get_or_empty("H8"_fid);
    if (auto v = money(rep, "H9"_fid, true, occ)) a.amount = *v;
    c_.other_amounts[c_.other_amount_count++] = a;
  });
}

constexpr text_field<dur_pps_entry> dur_pps_texts[] = {
    {"E4"_fid, &dur_pps_entry::reason},          {"E5"_fid, &dur_pps_entry::professional},
    {"E6"_fid, &dur_pps_entry::result},          {"8E"_fid, &dur_pps_entry::level_of_effort},
    {"J9"_fid, &dur_pps_entry::co_agent_qualifier},
    {"H6"_fid, &dur_pps_entry::co_agent_id}};

void claim_reader::read_dur(const segment_view& s) {
  const std::size_t reps = s.repetition_count("7E"_fid);
  if (reps == 0 && !s.empty()) reject_field(s, "7E"_fid);
  if (reps > max_dur_pps) reject("9W", "7E"_fid, 0, s.offset_of("7E"_fid));
  for (std::size_t k = 0; k < reps && k < max_dur_pps; ++k) {
    const auto rep = s.repetition(k, "7E"_fid);
    const auto counter = parse_unsigned(rep.get_or_empty("7E"_fid));
    const auto occ = static_cast<std::uint8_t>(k + 1);
    if (!counter || *counter < 1 || *counter > 9) reject("7E", "7E"_fid, occ, rep.offset_of("7E"_fid));
    dur_pps_entry& e = c_.dur_pps[c_.dur_pps_count++] = {};
    texts(rep, dur_pps_texts, e);
  }
}

void claim_reader::read_compound(const segment_view& s) {
  c_.has_compound = true;
  c_.compound_dosage_form = text(s, "EF"_fid);
  c_.compound_dispensing_unit = text(s, "EG"_fid);
  if (!c_.compound_dispensing_unit.empty() && c_.compound_dispensing_unit != "1" &&
      c_.compound_dispensing_unit != "2" && c_.compound_dispensing_unit != "3")
    reject_field(s, "EG"_fid);
  const std::size_t reps = each_counted(
      s, "EC"_fid, "RE"_fid, "P3", max_ingredients, "9K", "TE"_fid, [&](const field_range& rep, std::uint8_t occ) {
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
      });
  if (reps == 0) reject_field(s, "EC"_fid);
}

void claim_reader::read_clinical(const segment_view& s) {
  each_counted(s, "VE"_fid, "WE"_fid, "P7", max_diagnoses, "", "DO"_fid, [&](const field_range& rep, std::uint8_t) {
    c_.diagnoses[c_.diagnosis_count++] = rep.get_or_empty("DO"_fid);
  });
}

void claim_reader::read_prior_authorization(const segment_view& s, bool request) {
  c_.has_prior_authorization = true;
  c_.pa_supporting_documentation = text(s, "PP"_fid);
  // 498-PY is 9(11): an assigned number is exactly 11 digits (a P2/P3 names one; a request may
  // repeat one it was given).
  const auto number = s.get("PY"_fid);
  if (number && !number->empty()) {
    const auto v = trim_value(*number);
    if (v.size() != 11 || !all_digits(v)) reject_field(s, "PY"_fid);
    else c_.pa_number_assigned = v;
  } else if (!request) {
    reject_field(s, "PY"_fid);
  }
  if (!request) return;
  const auto type = trim_value(required_text(s, "PA"_fid));
  if (type == "1" || type == "2" || type == "3") c_.pa_request_type = type;
  else if (!type.empty()) reject_field(s, "PA"_fid);
  c_.pa_period_begin = date_of(s, "PB"_fid, true);
  c_.pa_period_end = date_of(s, "PC"_fid, true);
  // A period that ends before it begins has no valid end.
  if (c_.pa_period_begin && c_.pa_period_end && *c_.pa_period_end < *c_.pa_period_begin) {
    reject_field(s, "PC"_fid);
    c_.pa_period_end.reset();
  }
  const auto basis = trim_value(required_text(s, "PD"_fid));
  if (!basis.empty() && basis != "ME" && basis != "PR" && basis != "PL") reject_field(s, "PD"_fid);
  else c_.pa_basis = basis;
}

}  // namespace rxgate::codec::detail
