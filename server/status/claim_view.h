// The claim page (GET /v1/claims/{id}): one stored claim as a technician reads it, with every
// reject explained (field at fault, value sent, specific help), pricing, DUR alerts, PA flags,
// alternatives, other payers, the claims under the same key and the decoded request and
// response. Internal to server/status; status_api.cpp checks access and audits before calling it.
#pragma once

#include <string>
#include <vector>

#include "rules/plan.h"
#include "sql/access.h"
#include "sql/reader.h"

namespace rxgate::server::status {

// The claim page's JSON (one object, no trailing newline). `rec` must carry its raw request and
// response bytes (claim_for_token with_raw_bytes); `plans` is the snapshot in force, or null, and is
// used for what a plan accepts (tiers, SCCs, DUR override codes, pharmacy names). Pure: no I/O.
std::string claim_view_json(const store::claim_record& rec, const std::vector<store::related_claim>& history,
                            const rules::plan_set* plans);

}  // namespace rxgate::server::status
