// The shape of `claims.detail` (jsonb, migration 0001): what the technician status API shows
// about a decision without re-running the rules. This module is its only writer and its only
// reader; tests/sql/claim_detail_test.cpp holds the two together.
//
// Contract:
// - write_claim_detail() appends one JSON object built from a claim and its decision to a
//   caller-owned string (reuse it between claims: no allocation once grown). Keys with nothing to
//   say are left out, and so is what the claims row already holds in its own columns (the
//   product, its tier and class, quantity, days supply): rows written before issue 14 still carry
//   "product", "quantity" and "days_supply" keys, which the reader ignores. Strings go through
//   codec::json_writer; bytes from 0x7F up become '?', as in every other text column of the store.
// - read_claim_detail() fills a claim_detail from stored JSON and never throws. A key that is
//   missing (rows written by an older binary) leaves its member empty, zero, false or absent; a
//   value of the wrong type counts as missing. Malformed JSON leaves `out` empty and returns false.
// - claim_detail owns its strings: it stays valid after the row or buffer it came from is gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "rules/decision.h"

namespace rxgate::store {

// A reject as decided ("rejects"); the claim_rejects table holds the same rows.
struct detail_reject {
  std::string code;
  std::string field;   // two-character NCPDP field id, empty when the code names none
  int occurrence = 0;  // 0 = none
};

// A DUR alert ("dur"), as answered in the response's DUR segment.
struct detail_dur_alert {
  std::string reason, significance, other_pharmacy;
  std::string previous_fill;                      // YYYY-MM-DD or empty
  std::optional<std::int64_t> previous_quantity;  // thousandths
  std::string database, other_prescriber, free_text, additional_text;
};

// Why a refill came too soon ("refill_too_soon").
struct detail_refill_too_soon {
  std::string last_fill, next_allowed;  // YYYY-MM-DD or empty
  std::int64_t last_quantity = 0;       // thousandths
  int last_days_supply = 0;
  bool same_pharmacy = false;
  // The threshold in force (share of the last days supply that had to pass) and where it came
  // from: "plan", "dea_schedule" or "drug"; 0 and empty on rows written before they were stored.
  int threshold_pct = 0;
  std::string threshold_source;
  int dea_schedule = 0;  // 0 = not controlled
};

// The plan limit a claim ran into ("limit").
struct detail_limit {
  std::int64_t max_quantity = 0;  // thousandths per per_days, 0 = none
  int per_days = 0;
  int max_days_supply = 0;        // 0 = none
  std::int64_t allowed_quantity = 0;
  std::int64_t max_quantity_per_day = 0;  // thousandths per day of supply, 0 = none
};

// What the claim applied to the accumulators of its plan year ("accumulators"), in cents;
// negative on an accepted reversal (what the reversed claim had applied). Absent when the plan
// keeps none.
struct detail_accumulators {
  std::string year_start;  // YYYY-MM-DD, first day of the plan year
  std::int64_t deductible = 0, out_of_pocket = 0, benefit = 0;
};

// Prior authorization and step therapy ("pa").
struct detail_prior_authorization {
  bool required = false;
  std::string type;    // PA type from the formulary ("1" ...), may be empty
  std::string state;   // not_required | required_missing | on_file | number_accepted | on_file_expired
  std::string number;  // the PA that covered the claim
  std::string expired_on;  // YYYY-MM-DD or empty
  bool step_therapy_required = false;
  bool step_therapy_satisfied = false;
};

// What a P1-P4 answered about a PA (AM26) and did to it (issue 15).
struct detail_pa_transaction {
  std::string number;      // 498-PY
  std::string change;      // none | request (filed pending) | cancel (revoked)
  std::string processed, effective, expires;  // YYYY-MM-DD or empty
  std::optional<std::int64_t> quantity;       // 498-RA, thousandths
};

// A covered alternative ("preferred").
struct detail_preferred_product {
  std::string qualifier, product_id, description;
  std::optional<std::int64_t> incentive, cost_share_incentive;  // cents
};

struct claim_detail {
  std::vector<detail_reject> rejects;
  std::vector<detail_dur_alert> dur;
  std::optional<detail_refill_too_soon> refill_too_soon;
  std::optional<detail_limit> limit;
  std::optional<detail_accumulators> accumulators;
  std::optional<detail_prior_authorization> pa;
  std::optional<detail_pa_transaction> pa_transaction;  // P1-P4 only
  std::vector<detail_preferred_product> preferred;
  std::vector<std::string> approved_messages;
  std::vector<std::string> texts;  // additional message lines sent with the answer
  std::string help_desk_phone;
  std::optional<std::int64_t> replaces_claim_id;
  // 102-A2 the claim came in ("D0", "F6"); rows written before the version was recorded read "D0".
  std::string version = "D0";
  int rejects_dropped = 0;  // rejects beyond the five a response carries
};

// Appends the detail of `d` (decided for `c`) to `out`. Views in both are read during the call only.
void write_claim_detail(std::string& out, const codec::claim& c, const rules::decision& d);

// Reads a stored detail into `out` (reset first). False when `json` is not a JSON object.
bool read_claim_detail(std::string_view json, claim_detail& out);

}  // namespace rxgate::store
