// Typed claims and payer validation of a decoded request.
//
// validate() walks a decoded request (codec/decode.h) the way a payer's front end would: version,
// transaction code, transaction count, segments allowed and required for the transaction code,
// mandatory fields, field syntax, repeating-group counts. It fills one `claim` per transaction:
// typed values (integers with their implied decimals, dates) and string_views into the message
// buffer, plus the NCPDP reject codes found, each with the field at fault and its occurrence
// (546-4F). Rules (rules/) read only `claim`; they never see raw segments. Nothing allocates.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "codec/decode.h"
#include "codec/numeric.h"
#include "codec/view.h"

namespace rxgate::codec {

// A reject code (511-FB) with the field it points at and the repetition (546-4F, 0 = none).
struct reject {
  std::array<char, 3> code{};  // 2 or 3 characters, NUL padded
  std::uint8_t occurrence = 0;
  field_id field = 0;          // 0 when the code points at no field (85, 92, 99 ...)
  std::uint32_t offset = 0;    // byte offset of the value at fault in the request, when known

  std::string_view code_view() const noexcept {
    return {code.data(), code[2] ? std::size_t{3} : (code[1] ? std::size_t{2} : std::size_t{1})};
  }
  friend bool operator==(const reject&, const reject&) = default;
  static reject make(std::string_view code, field_id field = 0, std::uint8_t occurrence = 0,
                     std::uint32_t offset = 0) noexcept;
};

// Up to 5 rejects in payer order (510-FA max 5). Extra pushes are counted but dropped; an empty
// code is refused (push returns false, nothing is counted).
struct reject_list {
  std::array<reject, 5> items{};
  std::uint8_t count = 0;
  std::uint8_t dropped = 0;

  bool push(const reject& r) noexcept;
  bool push(std::string_view code, field_id field = 0, std::uint8_t occurrence = 0,
            std::uint32_t offset = 0) noexcept {
    return push(reject::make(code, field, occurrence, offset));
  }
  bool contains(std::string_view code) const noexcept;
  friend bool operator==(const reject_list&, const reject_list&) = default;
  bool empty() const noexcept { return count == 0; }
  const reject* begin() const noexcept { return items.data(); }
  const reject* end() const noexcept { return items.data() + count; }
};

inline constexpr std::size_t max_scc = 3;
inline constexpr std::size_t max_dur_pps = 9;
inline constexpr std::size_t max_ingredients = 25;
inline constexpr std::size_t max_other_payers = 9;
inline constexpr std::size_t max_other_amounts = 3;
inline constexpr std::size_t max_diagnoses = 5;
// COB repetitions kept per claim, shared by its other payers (a payer's own maxima: 341-HB 9,
// 471-5E 5, 353-NR 9 here though D.0 allows 25); more rejects 7R / YC / YD.
inline constexpr std::size_t max_cob_amounts = 18;
inline constexpr std::size_t max_cob_reject_codes = 10;
inline constexpr std::size_t max_cob_responsibilities = 18;
inline constexpr std::size_t max_payer_amounts = 9;
inline constexpr std::size_t max_payer_reject_codes = 5;
inline constexpr std::size_t max_payer_responsibilities = 9;

struct dur_pps_entry {
  std::string_view reason;        // 439-E4
  std::string_view professional;  // 440-E5
  std::string_view result;        // 441-E6
  std::string_view level_of_effort;  // 474-8E
  std::string_view co_agent_qualifier, co_agent_id;  // 475-J9, 476-H6
};

struct compound_ingredient {
  std::string_view qualifier;   // 488-RE
  std::string_view product_id;  // 489-TE
  std::int64_t quantity = 0;    // 448-ED, thousandths
  std::optional<std::int64_t> cost;  // 449-EE, cents (absent in some real claims)
  std::string_view basis_of_cost;    // 490-UE
};

// A qualified amount of an other payer: 342-HC/431-DV (paid) or 351-NP/352-NQ (the patient's
// responsibility), cents.
struct other_payer_amount {
  std::string_view qualifier;
  std::int64_t amount = 0;
  friend bool operator==(const other_payer_amount&, const other_payer_amount&) = default;
};

// One other-payer group of the COB segment (AM05). Its repeating fields sit in the claim's pools
// (claim::cob_amounts ...) from *_first on; read them through claim::amounts_paid() and friends.
struct other_payer {
  std::string_view coverage_type, id_qualifier, id;  // 338-5C 339-6C 340-7C
  std::optional<date> paid_date;                     // 443-E8
  std::int64_t amount_paid = 0;                      // sum of 431-DV, cents
  std::uint8_t reject_count = 0;                     // 472-6E kept
  std::uint8_t amounts_first = 0, amount_count = 0;  // 342-HC/431-DV pairs
  std::uint8_t rejects_first = 0;                    // 472-6E codes (reject_count of them)
  std::uint8_t responsibilities_first = 0, responsibility_count = 0;  // 351-NP/352-NQ pairs
};

struct other_amount {
  std::string_view qualifier;  // 479-H8
  std::int64_t amount = 0;     // 480-H9, cents
  friend bool operator==(const other_amount&, const other_amount&) = default;
};

// One transaction of a request, typed. Absent optional fields stay empty / nullopt.
struct claim {
  // header (ncpdp-d0.md §2), trimmed
  std::string_view bin, version, transaction_code, pcn, provider_id_qualifier, provider_id,
      software_id;
  date date_of_service;
  std::uint8_t index = 0;  // 0-based transaction in the transmission

  // insurance AM04
  bool has_insurance = false;
  std::string_view cardholder_id, group_id, person_code, plan_id, eligibility_clarification;
  std::optional<int> relationship;  // 306-C6
  // patient AM01
  bool has_patient = false;
  std::string_view patient_id_qualifier, patient_id, patient_first_name, patient_last_name;
  std::optional<date> date_of_birth;  // 304-C4
  std::optional<int> gender;          // 305-C5
  std::string_view patient_residence, place_of_service;
  // claim AM07
  bool has_claim = false;
  std::string_view rx_qualifier, rx_number;  // 455-EM 402-D2
  std::string_view product_qualifier, product_id;  // 436-E1 407-D7
  std::optional<int> fill_number;       // 403-D3
  std::optional<std::int64_t> quantity; // 442-E7, thousandths
  std::optional<int> days_supply;       // 405-D5
  std::optional<int> compound_code;     // 406-D6
  std::string_view daw;                 // 408-D8
  std::optional<date> date_written;     // 414-DE
  std::optional<int> refills_authorized;  // 415-DF
  std::string_view origin;              // 419-DJ
  std::array<int, max_scc> scc{};       // 420-DK
  std::uint8_t scc_count = 0;
  std::string_view other_coverage_code;   // 308-C8
  std::string_view pa_type, pa_number;    // 461-EU 462-EV
  std::string_view unit_of_measure;       // 600-28
  std::string_view pharmacy_service_type; // 147-U7
  std::string_view level_of_service;      // 418-DI
  std::optional<std::int64_t> quantity_prescribed;  // 460-ET
  std::string_view transaction_reference;  // 880-K5
  // pharmacy provider AM02, prescriber AM03
  std::string_view pharmacist_id_qualifier, pharmacist_id;   // 465-EY 444-E9
  std::string_view prescriber_id_qualifier, prescriber_id, prescriber_last_name;  // 466-EZ 411-DB 427-DR
  // pricing AM11 (cents)
  bool has_pricing = false;
  std::optional<std::int64_t> ingredient_cost, dispensing_fee, usual_customary, gross_amount_due,
      patient_paid, incentive, professional_fee, flat_tax, percentage_tax;
  std::string_view basis_of_cost;  // 423-DN
  std::array<other_amount, max_other_amounts> other_amounts{};
  std::uint8_t other_amount_count = 0;
  // DUR/PPS AM08
  std::array<dur_pps_entry, max_dur_pps> dur_pps{};
  std::uint8_t dur_pps_count = 0;
  // compound AM10
  bool has_compound = false;
  std::string_view compound_dosage_form, compound_dispensing_unit;
  std::array<compound_ingredient, max_ingredients> ingredients{};
  std::uint8_t ingredient_count = 0;
  // COB AM05 (has_cob: the segment was sent, even with no payer in it)
  bool has_cob = false;
  std::array<other_payer, max_other_payers> other_payers{};
  std::uint8_t other_payer_count = 0;
  std::array<other_payer_amount, max_cob_amounts> cob_amounts{};
  std::uint8_t cob_amount_count = 0;
  std::array<std::string_view, max_cob_reject_codes> cob_reject_codes{};
  std::uint8_t cob_reject_code_count = 0;
  std::array<other_payer_amount, max_cob_responsibilities> cob_responsibilities{};
  std::uint8_t cob_responsibility_count = 0;
  // clinical AM13
  std::array<std::string_view, max_diagnoses> diagnoses{};
  std::uint8_t diagnosis_count = 0;
  // prior authorization AM12 (P1-P4 only; has_prior_authorization: the segment was sent)
  bool has_prior_authorization = false;
  std::string_view pa_request_type;                    // 498-PA: 1 initial, 2 reauthorization, 3 deferred
  std::optional<date> pa_period_begin, pa_period_end;  // 498-PB 498-PC, inclusive
  std::string_view pa_basis;                           // 498-PD: ME, PR, PL
  std::string_view pa_number_assigned;                 // 498-PY (P2/P3: the PA they name)
  std::string_view pa_supporting_documentation;        // 498-PP: a view only, never stored

  // What validation found for this transaction (syntax and structure, before any plan rule).
  reject_list rejects;
  bool is_reversal() const noexcept { return transaction_code == "B2"; }
  bool is_eligibility() const noexcept { return transaction_code == "E1"; }
  // P1 request and billing, P2 reversal, P3 inquiry, P4 request only.
  bool is_prior_authorization() const noexcept {
    return transaction_code.size() == 2 && transaction_code[0] == 'P' && transaction_code[1] >= '1' &&
           transaction_code[1] <= '4';
  }
  // P1 and P4: a new prior authorization request.
  bool is_pa_request() const noexcept { return transaction_code == "P1" || transaction_code == "P4"; }

  // An other payer's repetitions, as views into the pools above.
  std::span<const other_payer_amount> amounts_paid(const other_payer& p) const noexcept {
    return std::span(cob_amounts).subspan(p.amounts_first, p.amount_count);
  }
  std::span<const std::string_view> reject_codes(const other_payer& p) const noexcept {
    return std::span(cob_reject_codes).subspan(p.rejects_first, p.reject_count);
  }
  std::span<const other_payer_amount> patient_responsibility(const other_payer& p) const noexcept {
    return std::span(cob_responsibilities).subspan(p.responsibilities_first, p.responsibility_count);
  }
  // Appends an other payer with its repetitions (builders, tests and JSON claims); false when a
  // pool or the payer array is full (nothing is added then).
  bool add_other_payer(const other_payer& p, std::span<const other_payer_amount> paid,
                       std::span<const std::string_view> codes = {},
                       std::span<const other_payer_amount> responsibility = {}) noexcept;
};

// Outcome of validating a whole transmission.
struct validation {
  // True when the transmission itself is unusable (501-F1 = R): unknown version, transaction
  // code or count, or a framing error. transmission_rejects then apply to every transaction.
  bool transmission_rejected = false;
  reject_list transmission_rejects;
  std::uint8_t claim_count = 0;  // transactions described in `claims`
  std::array<claim, max_transactions> claims{};

  bool any_rejects() const noexcept;
};

// Transaction codes this codec validates and rxgate answers (B1 B2 B3 E1 P1 P2 P3 P4).
bool is_supported_transaction(std::string_view code) noexcept;

// Validate a decoded request. `m.kind` must be message_kind::request.
void validate(const message& m, validation& out) noexcept;

// The reject a payer sends for a body that does not frame (the header was read): AM "M/I Segment
// Identification" for a segment without FS "AM" and its ID, 1U for groups that do not match the
// count, R8 "Syntax Error" for the rest. `field` is 0 when no field is at fault.
struct framing_reject {
  std::string_view code;
  field_id field = 0;
};
framing_reject framing_reject_for(errc e) noexcept;

// Build the validation of a transmission that failed to decode: every transaction (per the header
// count when it is readable, else one) carries the reject a payer sends for it (01/1R for an
// unreadable header, else framing_reject_for()). `m` is what decode() left behind.
void validate_decode_failure(const message& m, const decode_error& e,
                             std::string_view input, validation& out) noexcept;

}  // namespace rxgate::codec
