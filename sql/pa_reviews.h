// Reviewing prior authorization requests (issue 15, migration 0019): the pending PAs P1/P4 filed
// over the wire, and a reviewer's decision on one.
//
// Contract:
// - pending() lists every pending, unrevoked request, oldest first (at most `limit`).
// - approve() and deny() decide one pending request: approve sets its validity (effective ..
//   expires, inclusive) and quantity per fill (thousandths, 0 = no limit) and makes it count for
//   the rules from the next batch on; deny keeps the reason. Only a pending, unrevoked PA can be
//   decided: one already decided or cancelled is errc::conflict, an unknown id errc::not_found.
//   The row is locked while it is decided, so two reviewers cannot both decide it.
// - Blocks on PostgreSQL (its own small pool), safe from any number of threads, never throws;
//   messages name what failed, never values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sql/reader.h"
#include "sql/store.h"

namespace rxgate::store {

// One pending request as a reviewer sees it: the PA as on file (its effective/expires are the
// period requested until it is approved) and the request. Dates YYYY-MM-DD, timestamps ISO 8601
// UTC, quantity in thousandths.
struct pa_request_record {
  prior_authorization_record pa;                        // sql/reader.h; revoked_* empty
  std::string request_type, basis;                      // 498-PA / 498-PD
  std::string transaction_code, provider_id, rx_number;  // the requesting pharmacy and claim
  std::string date_of_service;
};

// A decided PA (what approve/deny return).
struct pa_review_outcome {
  std::int64_t id = 0;
  std::string number, state, effective, expires, reviewed_by, reviewed_at, denial_reason;
  std::int64_t max_quantity = 0;
};

class pa_review_store {
 public:
  virtual ~pa_review_store() = default;
  virtual error pending(int limit, std::vector<pa_request_record>& out) = 0;
  // `effective` <= `expires` (YYYY-MM-DD) else errc::invalid.
  virtual error approve(std::int64_t id, const std::string& effective, const std::string& expires,
                        std::int64_t max_quantity, const std::string& reviewer, pa_review_outcome& out) = 0;
  virtual error deny(std::int64_t id, const std::string& reason, const std::string& reviewer,
                     pa_review_outcome& out) = 0;
};

// Connects lazily (read_pool_size connections); nullptr only when out of memory.
std::unique_ptr<pa_review_store> open_pa_reviews(const store_options& options);

}  // namespace rxgate::store
