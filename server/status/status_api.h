// The technician status API: why a claim rejected and what to do now (server/status/README.md).
//
// A transport-free handler: the gateway hands it a request (method, target, body, the
// Authorization header value and the peer address) and writes the reply it returns. Routes:
//   GET    /v1/claims/{id}                   one claim as a technician reads it (token, scoped)
//   GET    /v1/claims?pharmacy=&rx=&status=&reject=&product=&from=&to=&cursor=&limit=
//   GET    /v1/reject-codes, /v1/reject-codes/{code}      the catalog (no token)
//   GET    /v1/pharmacies/{id}/summary?from=&to=           counts by status, top reject codes
//   POST   /v1/prior-authorizations, GET ?cardholder_id=&bin=&person_code=, DELETE /{id}
//                                                          operators and admins only
//   GET    /v1/prior-authorizations?state=pending           requests filed by P1/P4 (reviewers,
//                                                          operators, admins)
//   POST   /v1/prior-authorizations/{id}/approve|deny      decide one (reviewers and admins)
//   GET    /v1/members/{bin}/{cardholder}/accumulators?person=&date=
//                                                          a member's plan-year accumulators
//                                                          (operators and admins; audited)
//   GET    /v1/pharmacies/{id}/worklist?state=&today=&from=&to=&reject=&bin=&pcn=&assignee=
//          &pharmacist=&cursor=&limit=            the pharmacy's rejects (open ones by default)
//   GET    /v1/pharmacies/{id}/worklist/counts?(same filters)   rejects per reject code
//   GET    /v1/worklist/{claim_id}             one reject with its actions
//   POST   /v1/worklist/{claim_id}/{close|reopen|assign|note}   a technician's action
//   GET    /v1/openapi.json                   the OpenAPI 3 document of all of the above
// Claims outside a technician's pharmacies answer 404 exactly like claims that do not exist.
// Every read of a claim, search, summary and PA action is written to the audit log before any
// data is returned; when the audit row cannot be written the answer is 503 and no data.
//
// Threading: handle() blocks on PostgreSQL (token check, reads, audit). Run it on a worker
// pool, never on an io thread. It is safe to call from any number of threads at once; the reader,
// the access store and the plan accessor must be too (they are). is_status_route() is cheap and
// does no I/O, so an io thread can use it to decide where a request goes.
//
// Logs: one line per request with the route, status, claim id, pharmacy id and duration; never
// the target (query strings may carry member IDs), bodies or any claim content.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/plan.h"
#include "sql/access.h"
#include "sql/accumulator_imports.h"
#include "sql/pa_reviews.h"
#include "sql/reader.h"
#include "sql/worklist.h"

namespace rxgate::server {

struct api_request {
  std::string_view method;         // "GET", "POST", "DELETE" ...
  std::string_view target;         // path and query as received ("/v1/claims?rx=123")
  std::string_view body;
  std::string_view authorization;  // the Authorization header value, empty when absent
  std::string_view remote;         // peer address, for the audit log
};

struct api_reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (WWW-Authenticate)
  // The route pattern the request matched ("/v1/claims/{id}", "other", ...; never the target):
  // a string literal, so it outlives the reply. The server's latency histogram is keyed by it.
  std::string_view route = "other";
};

struct status_api_options {
  int default_page_size = 25;
  int max_page_size = 100;  // a larger limit is a 400, not silently cut
  int summary_top_rejects = 10;
};

class status_api {
 public:
  using plan_accessor = std::function<std::shared_ptr<const rules::plan_set>()>;

  // `reader` and `access` are shared with whoever else uses them; `plans` returns the snapshot in
  // force (used for product tiers, accepted SCCs, DUR override codes, pharmacy names).
  // `accumulators` serves the member accumulators route, `worklist` the worklist routes (503
  // without them).
  status_api(std::shared_ptr<store::claim_reader> reader, std::shared_ptr<store::access_store> access,
             plan_accessor plans, status_api_options options = {},
             std::shared_ptr<store::accumulator_store> accumulators = nullptr,
             std::shared_ptr<store::worklist_store> worklist = nullptr,
             std::shared_ptr<store::pa_review_store> pa_reviews = nullptr);

  // True when `method` + `target` belongs to this API (POST /v1/claims does not: that is the
  // JSON claim route of the gateway).
  static bool is_status_route(std::string_view method, std::string_view target) noexcept;

  // nullopt: not one of this API's routes. Never throws.
  std::optional<api_reply> handle(const api_request& request) const noexcept;

  // The refusal of a request for operator data (GET /metrics) carrying `authorization`: nullopt
  // when its token is an operator's or an admin's, else 401 (no, unknown or expired token), 403
  // (a technician) or 503 (the token store could not say). Blocks on PostgreSQL like handle().
  std::optional<api_reply> refuse_unless_operator(std::string_view authorization) const noexcept;

  // Opens the claim reader's connections and makes their first plans (store::claim_reader::warm);
  // blocks on PostgreSQL: run it once at start, off the request path.
  void warm() const noexcept;

  // The embedded OpenAPI document (server/status/openapi.json).
  static std::string_view openapi_document() noexcept;

 private:
  std::shared_ptr<store::claim_reader> reader_;
  std::shared_ptr<store::access_store> access_;
  plan_accessor plans_;
  status_api_options options_;
  std::shared_ptr<store::accumulator_store> accumulators_;
  std::shared_ptr<store::worklist_store> worklist_;
  std::shared_ptr<store::pa_review_store> pa_reviews_;  // the PA review routes (503 without)

  struct call;
  api_reply route(call& c) const;
  // The bearer token's check for `c`: nullopt with c.who set, or the 401/503 to answer.
  std::optional<api_reply> authenticate_call(call& c) const;
  api_reply get_claim(call& c, std::string_view id) const;
  api_reply search_claims(call& c) const;
  api_reply token_self(call& c) const;  // GET /v1/me
  api_reply reject_codes(call& c, std::string_view code) const;
  api_reply pharmacy_summary(call& c, std::string_view pharmacy) const;
  api_reply create_prior_authorization(call& c) const;
  api_reply list_prior_authorizations(call& c) const;
  api_reply revoke_prior_authorization(call& c, std::string_view id) const;
  // 403 for a role that does not manage PAs, the attempt audited as denied.
  api_reply refuse_prior_authorizations(call& c, bool collection) const;
  // The review routes (prior_authorizations.cpp): GET ?state=..., POST /{id}/approve|deny;
  // nullopt for the other PA routes.
  std::optional<api_reply> pa_review_route(call& c) const;
  api_reply pending_prior_authorizations(call& c) const;
  api_reply decide_prior_authorization(call& c, std::string_view id, bool approve) const;
  api_reply member_accumulators_route(call& c, std::string_view rest) const;  // member_accumulators.cpp
  // worklist.cpp
  api_reply worklist_list(call& c, std::string_view pharmacy, bool counts) const;
  api_reply worklist_route(call& c, std::string_view rest) const;
};

}  // namespace rxgate::server
