// The outcome of adjudicating one claim: what the pharmacy is told and why.
//
// A decision is plain data with fixed capacities. Text it composes (additional message lines, the
// authorization number) lives in its own buffers; other string_views point into the plan
// snapshot (product names, alternatives, help-desk phone) or into the request buffer, so the
// snapshot and the request must outlive the decision. to_response() turns it into the codec's
// response transaction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/claim.h"
#include "codec/response.h"
#include "rules/history.h"

namespace rxgate::rules {

enum class pa_state : std::uint8_t {
  not_required = 0,
  required_missing,     // 75
  on_file,              // an active PA on file covers the claim
  number_accepted,      // 462-EV matched a PA on file (or an EP override)
  on_file_expired,      // a PA exists but not on the date of service (75 still)
};
// The state's name as stored in the claim detail and printed by the dry run ("required_missing").
std::string_view to_string(pa_state s) noexcept;

struct pa_flags {
  bool required = false;
  std::string_view pa_type;          // from the formulary (e.g. "1" PA, "2" medical cert)
  pa_state state = pa_state::not_required;
  std::string_view pa_number;        // the PA that covered it
  codec::date expired_on;            // for on_file_expired
  bool step_therapy_required = false;
  bool step_therapy_satisfied = false;  // a prerequisite was filled in the lookback window
};

// Where the refill-too-soon threshold in force came from: the plan's refill_threshold_pct, the
// drug's DEA schedule ([refill_threshold_by_schedule]) or the drug's own formulary row.
enum class threshold_source : std::uint8_t { plan, dea_schedule, drug };
std::string_view to_string(threshold_source s) noexcept;  // "plan", "dea_schedule", "drug"
// A fill the plan paid although a formulary edit would have rejected it (plan.toml [transition],
// [emergency]); 548-6F carries the matching approved message.
enum class fill_kind : std::uint8_t { regular = 0, transition, emergency };

// Detail a technician needs for specific rejects (issue: status API); kept in the decision so
// the store can persist it and the explanation never has to re-run the rules.
struct refill_too_soon_detail {
  codec::date last_fill;
  std::int64_t last_quantity = 0;  // thousandths
  int last_days_supply = 0;
  bool same_pharmacy = true;
  codec::date next_allowed;
  int threshold_pct = 0;  // the share of the last days supply that had to pass (next_allowed from it)
  threshold_source threshold_from = threshold_source::plan;
  int dea_schedule = 0;   // of the claimed drug, 0 = not controlled
};
struct limit_detail {
  std::int64_t max_quantity = 0;  // thousandths per `per_days`
  int per_days = 0;
  int max_days_supply = 0;
  std::int64_t allowed_quantity = 0;  // what would pass for the submitted days supply
  std::int64_t max_quantity_per_day = 0;  // thousandths per day of supply, when that limit was hit
};

// What a P transaction does to the PAs on file (the store applies it in the batch's transaction)
// and what its AM26 says.
enum class pa_change : std::uint8_t {
  none = 0,
  request,  // P1/P4: create a pending PA numbered `number` for the claim's member and drug
  cancel,   // P2: revoke the PA `record_id`
};
struct pa_transaction_answer {
  pa_change change = pa_change::none;
  std::int64_t record_id = 0;  // cancel: the PA revoked
  std::array<char, 11> number{};
  std::uint8_t number_length = 0;
  std::optional<codec::date> processed, effective, expiration;  // 498-PR PS PT
  std::optional<std::int64_t> quantity;                          // 498-RA, thousandths
  std::string_view number_view() const noexcept { return {number.data(), number_length}; }
  void set_number(std::string_view n) noexcept;
};

struct decision {
  char status = 'R';  // 112-AN
  codec::reject_list rejects;
  std::string_view plan_id;       // the plan's internal id (logs, store, status API)
  std::string_view wire_plan_id;  // what 524-FO carries (plan::wire_plan_id)
  std::uint32_t plan_version = 0;
  std::array<char, 20> authorization_number{};  // 503-F3, NUL padded
  std::uint8_t authorization_length = 0;
  std::uint64_t request_fingerprint = 0;  // for duplicate detection by the store
  std::int64_t replaces_claim_id = 0;     // B2/B3: the paid claim reversed; D: the original

  // product as the plan knows it
  std::string_view product_name, therapeutic_class;
  int tier = 0;

  pa_flags pa;
  fill_kind fill = fill_kind::regular;
  std::array<codec::dur_alert, codec::max_dur_alerts> dur{};
  std::uint8_t dur_count = 0;
  std::uint16_t dur_reject_mask = 0;  // bit i: alert dur[i] caused the 88 (not overridden)
  std::optional<codec::pricing> price;
  // What this claim adds to the accumulators of the plan year starting at accumulator_year
  // (negative for an accepted reversal: what the reversed claim had added). Invalid year: none.
  accumulator_amounts accumulated;
  codec::date accumulator_year;
  std::array<std::string_view, codec::max_approved_messages> approved_messages{};
  std::uint8_t approved_message_count = 0;
  std::array<codec::preferred_product, codec::max_preferred_products> preferred{};
  std::uint8_t preferred_count = 0;
  std::array<codec::response_other_payer, codec::max_response_other_payers> other_payers{};
  std::uint8_t other_payer_count = 0;
  std::optional<refill_too_soon_detail> refill_too_soon;
  std::optional<limit_detail> limit;
  std::string_view help_desk_phone;
  // P1-P4: the AM26 answer and the change to the PAs on file (nullopt for other transactions).
  std::optional<pa_transaction_answer> pa_answer;

  // Composed free text (UF/UH/FQ lines); at most codec::max_texts messages.
  std::array<std::array<char, 200>, codec::max_texts> text_storage{};
  std::array<std::uint8_t, codec::max_texts> text_length{};
  std::uint8_t text_count = 0;

  std::string_view authorization() const noexcept {
    return {authorization_number.data(), authorization_length};
  }
  std::string_view text(std::size_t i) const noexcept {
    return {text_storage[i].data(), text_length[i]};
  }
  bool add_text(std::string_view t) noexcept;
  // Back to a fresh decision without touching the contents of the fixed arrays beyond their
  // counts (cheaper than assigning decision{}; entries past a count are never read).
  void clear() noexcept;
  bool paid() const noexcept { return status == 'P' || status == 'D'; }
};

// The response transaction for a decision; views point into `d` and the claim.
void to_response(const decision& d, const codec::claim& c, codec::response_transaction& out) noexcept;

}  // namespace rxgate::rules
