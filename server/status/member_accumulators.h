// The operator view of a member's plan-year accumulators, shared by the status API
// (GET /v1/members/{bin}/{cardholder}/accumulators) and `rxgate accumulators show`: the plan and
// its limits, what the member and the family have accumulated (paid claims + prior-carrier
// imports, the imports also listed with their source) and what remains. The sums come from the
// store's own plan-year statement and the remaining amounts from rules::room_left(), so the view
// shows exactly what the member's next claim reads. Every read is audited (sql/accumulator_imports.h).
#pragma once

#include <string>

#include "codec/numeric.h"
#include "rules/accumulators.h"
#include "rules/plan.h"
#include "sql/accumulator_imports.h"

namespace rxgate::server {

struct member_accumulators {
  store::member_ref member;
  codec::date on;                      // the date asked about
  const rules::plan* plan = nullptr;   // valid while the caller holds the plan snapshot
  store::member_year year;             // sums (claims + imports) and the imported rows
  rules::accumulator_room room;        // -1 = no such limit
};

enum class member_view_status : std::uint8_t {
  ok,
  unknown_bin,      // no loaded plan has the BIN
  no_accumulators,  // the BIN's plan keeps no [accumulators]
  store_failed,     // the audited read failed (`why`): nothing may be shown
};

// Picks the member's plan on `on` (store::accumulator_plan), reads the plan year containing `on`
// through `store` as `who` (audit first) and works out the room left. Blocks on PostgreSQL.
member_view_status read_member_accumulators(store::accumulator_store& store, const rules::plan_set& plans,
                                            const store::reader_identity& who, store::member_ref member,
                                            codec::date on, member_accumulators& out, store::error& why);

// The view as one JSON object (server/status/openapi.json: MemberAccumulators); money in dollars.
std::string member_accumulators_json(const member_accumulators& v);
// The view as text for the terminal.
std::string member_accumulators_text(const member_accumulators& v);

}  // namespace rxgate::server
