// Building D.0 responses (ncpdp-d0.md §3, §5, §6) into a caller buffer, without allocating.
//
// A `response` describes what to say: header echo, optional transmission-level segments and up
// to four transaction groups. Its string_views must stay valid while build_response() runs (they
// usually point into the request buffer and into the rules' decision). Output is strict: money is
// overpunched, values longer than their field are cut to the field width, the 40-character
// additional-message lines are split with the 131-UG continuity mark.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "codec/claim.h"
#include "codec/numeric.h"

namespace rxgate::codec {

inline constexpr std::size_t max_message_lines = 25;   // 130-UF
inline constexpr std::size_t max_approved_messages = 5;  // 547-5F
inline constexpr std::size_t max_preferred_products = 6; // 551-9F
inline constexpr std::size_t max_dur_alerts = 9;         // 567-J6
inline constexpr std::size_t max_response_other_payers = 3;  // 355-NT
inline constexpr std::size_t max_texts = 4;              // logical messages, split into FQ lines
inline constexpr std::size_t max_help_desk_support_types = 4;  // F6 BH count of BG
inline constexpr std::size_t max_help_desk_contacts = 4;       // F6 BB count of BA/BF/BC

struct preferred_product {
  std::string_view qualifier = "03", product_id, description;  // 552-AP 553-AR 556-AU
  std::optional<std::int64_t> incentive, cost_share_incentive;  // 554-AS 555-AT, cents

  friend bool operator==(const preferred_product&, const preferred_product&) = default;
};

struct dur_alert {
  std::string_view reason;              // 439-E4
  std::string_view significance;        // 528-FS (blank, 1, 2, 3, 9)
  std::string_view other_pharmacy;      // 529-FT
  std::optional<date> previous_fill;    // 530-FU
  std::optional<std::int64_t> previous_quantity;  // 531-FV, thousandths
  std::string_view database = "4";      // 532-FW: 4 = processor developed
  std::string_view other_prescriber;    // 533-FX
  std::string_view free_text;           // 544-FY (30)
  std::string_view additional_text;     // 570-NS (100)

  friend bool operator==(const dur_alert&, const dur_alert&) = default;
};

struct pricing {
  std::int64_t patient_pay = 0;          // 505-F5
  std::int64_t ingredient_cost_paid = 0; // 506-F6
  std::int64_t dispensing_fee_paid = 0;  // 507-F7
  std::int64_t incentive_paid = 0;       // 521-FL (sent when non-zero)
  std::int64_t professional_fee_paid = 0;// 562-J1 (sent when non-zero)
  std::array<other_amount, max_other_amounts> other_amounts{};  // 564-J3/565-J4
  std::uint8_t other_amount_count = 0;
  std::optional<std::int64_t> other_payer_recognized;  // 566-J5 (COB: what other payers paid, as counted)
  std::int64_t total_paid = 0;           // 509-F9
  std::string_view basis_of_reimbursement;  // 522-FM
  std::optional<std::int64_t> accumulated_deductible;  // 512-FC
  std::optional<std::int64_t> remaining_deductible;    // 513-FD
  std::optional<std::int64_t> remaining_benefit;       // 514-FE
  std::optional<std::int64_t> deductible_applied;  // 517-FH
  std::optional<std::int64_t> copay;        // 518-FI
  std::optional<std::int64_t> over_benefit_maximum;  // 520-FK
  std::optional<std::int64_t> coinsurance;  // 572-4U
  std::optional<std::int64_t> product_selection_brand;  // 134-UK
  std::optional<std::int64_t> usual_customary_reduction; // not on the wire: informational

  friend bool operator==(const pricing&, const pricing&) = default;
};

struct response_other_payer {
  std::string_view coverage_type = "01", id_qualifier = "03", id, pcn, cardholder_id, group_id,
      person_code, help_desk_phone, relationship;
  std::optional<date> effective, termination;

  friend bool operator==(const response_other_payer&, const response_other_payer&) = default;
};

// F6: one help-desk business unit of the Status segment (the repetition counted by BB).
struct help_desk_contact {
  std::string_view business_unit_type;  // BA
  std::string_view qualifier;           // BF: what kind of contact information BC holds
  std::string_view information;         // BC

  friend bool operator==(const help_desk_contact&, const help_desk_contact&) = default;
};

// AM26 Response Prior Authorization (P1-P4): what the payer says about the PA a P transaction
// requested, cancelled or asked about.
struct prior_authorization_response {
  std::optional<date> processed;   // 498-PR
  std::optional<date> effective;   // 498-PS
  std::optional<date> expiration;  // 498-PT
  std::optional<std::int64_t> quantity;  // 498-RA, thousandths
  std::string_view number;         // 498-PY, 11 digits

  friend bool operator==(const prior_authorization_response&, const prior_authorization_response&) = default;
};

struct response_transaction {
  char status = 'R';                      // 112-AN: P D C Q R A S F B
  std::string_view authorization_number;  // 503-F3
  reject_list rejects;                    // 510-FA/511-FB/546-4F
  std::array<std::string_view, max_approved_messages> approved_messages{};  // 548-6F
  std::uint8_t approved_message_count = 0;
  std::array<std::string_view, max_texts> texts{};  // split into UF/UH/FQ/UG lines
  std::uint8_t text_count = 0;
  std::string_view help_desk_qualifier, help_desk_phone;  // 549-7F 550-8F
  std::string_view transaction_reference;  // 880-K5 echo
  // F6 Status fields (written only in an F6 response; field IDs and order as in
  // transactrx/NCPDPSerDe's F6 status segment): A7 internal control number, MA URL, 34
  // reconciliation ID, BH/BG support types, BB/BA/BF/BC contacts, BD contact extension, ZR
  // adjudicated program type, BT Next Available Fill Date (a refill-too-soon answer carries it).
  std::string_view internal_control_number, url, reconciliation_id;  // A7 MA 34
  std::array<std::string_view, max_help_desk_support_types> help_desk_support_types{};  // BG
  std::uint8_t help_desk_support_type_count = 0;
  std::array<help_desk_contact, max_help_desk_contacts> help_desk_contacts{};
  std::uint8_t help_desk_contact_count = 0;
  std::string_view help_desk_extension;       // BD
  std::string_view adjudicated_program_type;  // ZR
  std::optional<date> next_available_fill_date;  // BT
  // AM22 echo
  std::string_view rx_qualifier, rx_number;
  std::array<preferred_product, max_preferred_products> preferred{};
  std::uint8_t preferred_count = 0;
  std::optional<pricing> price;            // AM23
  std::array<dur_alert, max_dur_alerts> dur{};  // AM24
  std::uint8_t dur_count = 0;
  std::array<response_other_payer, max_response_other_payers> other_payers{};  // AM28
  std::uint8_t other_payer_count = 0;
  std::optional<prior_authorization_response> prior_authorization;  // AM26 (P1-P4)

  bool add_text(std::string_view t) noexcept;
  bool add_approved_message(std::string_view code) noexcept;

  friend bool operator==(const response_transaction&, const response_transaction&) = default;
};

struct response {
  std::string_view version = "D0";         // "F6": F6 framing (no group separator, one transaction)
  std::string_view transaction_code;      // echo
  char header_status = 'A';               // 501-F1
  std::string_view provider_id_qualifier, provider_id;  // echo
  std::string_view date_of_service;       // echo, CCYYMMDD as sent
  std::string_view message;               // AM20 504-F4 (200)
  // AM25 (optional)
  std::string_view group_id, plan_id, cardholder_id;
  // AM29 (E1)
  std::string_view patient_first_name, patient_last_name;
  std::optional<date> patient_date_of_birth;
  std::uint8_t transaction_count = 0;
  std::array<response_transaction, max_transactions> transactions{};

  friend bool operator==(const response&, const response&) = default;
};

// Writes the response; returns the bytes used, or nullopt if `out` is too small (nothing useful
// is left in `out` then). 4 KiB holds any single-transaction response rxgate produces.
// version "F6" writes the F6 form: the same 31-byte header with 102-A2 F6, no group separator
// before the transaction's segments, the F6 Status fields; more than one transaction is refused
// (nullopt: F6 carries exactly one). Any other version writes D.0 and never an F6-only field.
std::optional<std::size_t> build_response(const response& r, std::span<char> out) noexcept;

// Fill the header echo of `r` from a decoded request (version: F6 for an F6 request, else D0;
// transaction code, provider, DOS).
void echo_header(const message& request, response& r) noexcept;

// Read a decoded response back into the model (the CLI, the load generator and tests check
// answers this way). Views point into `m`'s buffer; additional-message lines joined by 131-UG
// are concatenated into `scratch`, which must outlive `out`. Returns false when `m` is not a
// response or does not fit the model's capacities (the fields that fit are still filled).
bool read_response(const message& m, response& out, std::span<char> scratch) noexcept;

}  // namespace rxgate::codec
