// What the claims store knows about a member and a claim key, handed to adjudicate() as input.
//
// The store (sql/) loads it for a whole batch in one query; adjudicate() never does I/O. Every
// string_view points into memory the caller owns (the store's result buffers) and must outlive
// the adjudicate() call that reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "codec/numeric.h"
#include "codec/response.h"

namespace rxgate::rules {

// A paid (not reversed) claim of the member, most recent first.
struct prior_fill {
  std::int64_t claim_id = 0;
  std::string_view provider_id;    // service provider (pharmacy) that filled it
  std::string_view prescriber_id;
  std::string_view rx_number;
  int fill_number = 0;
  std::string_view product_id;     // NDC (for compounds: the first ingredient)
  std::string_view therapeutic_class;  // as the plan classified it when it paid
  codec::date fill_date;
  std::int64_t quantity = 0;       // thousandths
  int days_supply = 0;
};

// A prior authorization on file (issued by an operator or a P-transaction), active or not.
struct prior_authorization {
  std::string_view number;          // 11 digits, as sent in 462-EV
  std::string_view product_id;      // NDC, or empty when it covers a class
  std::string_view therapeutic_class;
  codec::date effective, expires;   // inclusive
  std::int64_t max_quantity = 0;    // thousandths per fill; 0 = no limit
  bool revoked = false;
};

// Where a prior authorization on file stands (migration 0019): a P1/P4 request waits as pending
// until a reviewer approves or denies it; operator-issued PAs are approved from the start.
// Revocation (an operator's DELETE, a P2) is separate: `revoked`.
enum class pa_review_state : std::uint8_t { pending, approved, denied };

// The one PA a P transaction is about, whatever its state: for a P2/P3 the PA its 498-PY names,
// if it belongs to the transaction's member (BIN + cardholder ID); for a P1/P4 the PA already
// requested under the same claim key (a retransmit answers it instead of requesting again).
struct prior_authorization_on_file {
  std::int64_t id = 0;
  std::string_view number;            // 11 digits
  pa_review_state state = pa_review_state::pending;
  bool revoked = false;
  codec::date requested_on;           // created (the P1/P4, or the operator's issue)
  codec::date reviewed_on;            // approved or denied; invalid while pending
  codec::date effective, expires;     // approved: the validity; pending: the period requested
  std::int64_t max_quantity = 0;      // thousandths per fill; 0 = no limit
};

// Money counted toward a plan year's limits (cents).
struct accumulator_amounts {
  std::int64_t deductible = 0;     // applied to the deductible
  std::int64_t out_of_pocket = 0;  // counted toward the out-of-pocket maximum
  std::int64_t benefit = 0;        // paid by the plan, counted toward the benefit maximum
  accumulator_amounts& operator+=(const accumulator_amounts& o) noexcept {
    deductible += o.deductible, out_of_pocket += o.out_of_pocket, benefit += o.benefit;
    return *this;
  }
  friend bool operator==(const accumulator_amounts&, const accumulator_amounts&) = default;
};

// What the member and the member's family (same BIN and cardholder ID) had accumulated in one
// plan year before this claim: the paid, unreversed claims of that year plus amounts imported
// from a prior carrier. year_start invalid = not loaded (the plan keeps no accumulators).
struct accumulator_state {
  codec::date year_start;
  accumulator_amounts member, family;
  int family_size = 1;  // persons of the cardholder ID on the plan (set by adjudicate(), not the store)
};

// The claim already stored under this transaction's claim key (DESIGN.md §3), if any.
struct key_match {
  std::int64_t claim_id = 0;
  char status = 'P';                 // P paid (active), R rejected, A reversal recorded
  bool reversed = false;             // the paid claim has since been reversed
  std::string_view authorization_number;
  std::uint64_t request_fingerprint = 0;  // hash of the claim's significant fields
  std::optional<codec::pricing> price;    // what was paid, replayed on a duplicate
  accumulator_amounts applied;            // what it added to the accumulators (a B2 takes it back)
};

struct member_history {
  std::span<const prior_fill> fills;
  // Approved, unrevoked PAs only: a pending or denied PA never pays a claim.
  std::span<const prior_authorization> authorizations;
  // P transactions only (the store loads them for batches that hold one): the PA the transaction
  // is about (prior_authorization_on_file above), and for a P1/P4 a fresh number from
  // prior_authorization_number_seq for the pending PA it may create (empty when none was drawn).
  std::optional<prior_authorization_on_file> named_authorization;
  std::string_view reserved_pa_number;
  // Paid claim(s) under this transaction's key; at most one is active (unique index).
  std::optional<key_match> same_key;
  accumulator_state accumulators;
};

}  // namespace rxgate::rules
