// A dry run for plan administrators and tests: one D.0 transmission in, the decisions and the D.0
// response out, against a plan snapshot and a member history given as text. No database, no
// clock. Tooling only (it allocates and may throw on bad history text); the claim path is
// adjudicate() itself.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/response.h"
#include "rules/adjudicate.h"
#include "rules/transmission.h"

namespace rxgate::rules {

// Member history written as CSV lines, one record per line, kind first ('#' lines are comments):
//   fill,<claim_id>,<fill_date>,<ndc>,<quantity>,<days_supply>[,<pharmacy_npi>[,<prescriber_id>[,<class>]]]
//   pa,<number>,<ndc or empty>,<effective>,<expires>[,<max_quantity>[,<class>]]
//   key,<claim_id>,<paid|reversed>,<authorization>,<same|different>[,<total_paid>,<patient_pay>,<ingredient>,<fee>
//       [,<basis 522-FM>[,<copay>[,<coinsurance>[,<deductible>[,<brand penalty 134-UK>
//       [,<applied deductible>,<applied out of pocket>,<applied benefit>]]]]]]]
//   accumulators,<plan year start>,<member deductible>,<member out of pocket>,<member benefit>,
//       <family deductible>,<family out of pocket>,<family benefit>
// Dates are CCYYMMDD, quantities decimal units ("30", "2.5"), money decimal dollars ("12.50").
// A fill's class defaults to the plan's class of its NDC. `key` is the claim already stored under
// the transaction's claim key; `same` means the same submission (its fingerprint matches).
// `accumulators` is what the member and the family had accumulated in the plan year starting on
// that date (none: zero).
class history_file {
 public:
  // Parses `text`; throws plan_error with "name:line:column: message" problems.
  history_file(std::string name, std::string_view text, const plan_set* plans = nullptr);
  history_file() = default;

  // The history as adjudicate() reads it for `c` (spans into this object).
  member_history for_claim(const codec::claim& c) const;

 private:
  std::deque<std::string> strings_;
  std::vector<prior_fill> fills_;
  std::vector<prior_authorization> authorizations_;
  std::optional<key_match> key_;
  accumulator_state accumulators_;
  bool key_same_ = false;
};

struct dry_run_result {
  codec::message request;
  codec::decode_error decode_error;
  codec::validation validation;
  transmission_decision transmission;  // decisions and response, as decide_transmission() made them
  std::array<decision, codec::max_transactions>& decisions = transmission.decisions;
  codec::response& response = transmission.response;
  std::string response_bytes;
};

// Decode, validate and decide the transmission exactly as the gateway does
// (rules/transmission.h: earlier transactions are history for later ones, E1 coverage, 503-F3
// numbers 0000000000000000001, 2, ... in order; a P1/P4 request is answered F with PA number
// 00000000001 and files nothing), and build the response. The result views
// `transmission`, `plans` and `history`: they must outlive it.
std::unique_ptr<dry_run_result> dry_run(std::string_view transmission, const plan_set& plans,
                                        const history_file& history, codec::date today);

}  // namespace rxgate::rules
