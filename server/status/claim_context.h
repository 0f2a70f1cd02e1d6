// Everything one claim's page is built from: the stored record (with its typed `detail`,
// sql/claim_detail.h), the plan it was decided under, and the decoded request and response.
// Internal to server/status (claim_view.cpp builds it, code_help.cpp and claim_view.cpp read it).
//
// Lifetimes: a claim_context only points; the record, the decoded messages and the plan snapshot
// are owned by claim_view_json()'s caller and frame and outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "codec/view.h"
#include "codec/response.h"
#include "rules/plan_model.h"
#include "sql/claim_detail.h"
#include "sql/reader.h"

namespace rxgate::server::status {

struct claim_context {
  const store::claim_record& rec;                       // rec.detail: the stored detail, typed
  const rules::plan* plan = nullptr;                    // null when the plan is no longer loaded
  const codec::message* request = nullptr;              // decoded request, or null when it did not decode
  const codec::claim* claim = nullptr;                  // the validated transaction of this claim, or null
  int group = 1;                                        // its transaction group (1-based)
  const codec::response_transaction* answer = nullptr;  // what we answered, or null
};

// The plan `id` at `version` in `set`, else its latest version there; null when none.
const rules::plan* find_plan(const rules::plan_set* set, std::string_view id, std::optional<int> version);

// Would the plan have rejected the DUR alert (`reason`, `significance`) given the DUR/PPS
// answers sent with the claim? The decision's own mask is not persisted; this repeats its test
// (rules/adjudicate.cpp dur()).
bool alert_rejected(const claim_context& x, std::string_view reason, std::string_view significance);

// The value sent for `id` in transaction group `group` (1-based), its `occurrence`-th repetition
// (0 = the first), looking at the header and transmission-level segments too.
std::optional<std::string_view> sent_value(const codec::message& m, int group, codec::field_id id, int occurrence);

}  // namespace rxgate::server::status
