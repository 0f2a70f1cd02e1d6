// adjudicate(): decide one claim against the plans. Pure: no I/O, no clock, no allocation
// beyond the decision itself; the same inputs always give the same decision.
#pragma once

#include "codec/claim.h"
#include "codec/numeric.h"
#include "rules/decision.h"
#include "rules/history.h"
#include "rules/plan.h"

namespace rxgate::rules {

// Decide `c` (already validated by codec::validate; if it carries rejects the decision repeats
// them and stops) against the plan that serves its BIN/PCN/group in the version in force on its
// date of service. `history` is what the store knows of the member and the claim key; `today`
// is the processing date (for future-dated claims and PA expiry). Writes `out` completely.
void adjudicate(const codec::claim& c, const plan_set& plans, const member_history& history,
                codec::date today, decision& out) noexcept;

// Optional memory hints for a caller that holds several claims (the batcher): stage 0 fetches
// the plan index slots of the claim's member and product, stage 1 (once those are cached) their
// rows. E.g. before deciding claim i: prefetch(claim i+2, 0), prefetch(claim i+1, 1). They never
// change a decision and cost a few nanoseconds when the data is already cached.
void prefetch(const codec::claim& c, const plan_set& plans, int stage) noexcept;

// How many days before its date of service the rules read every fill of `c`'s member: the
// fill_lookback_days of the plan it routes to (plan_model.h says what older fills are needed
// for). -1 when it routes nowhere or the plan never set it: the batch worker then loads every
// fill the store keeps.
int fill_lookback_days(const codec::claim& c, const plan_set& plans) noexcept;

// Hash of the fields that make two submissions "the same claim" for duplicate detection.
std::uint64_t fingerprint(const codec::claim& c) noexcept;

}  // namespace rxgate::rules
