// What every route handler of the status API shares: the request being handled (its parsed
// query, the caller behind its token, the fields of its log line) and the reply builders.
// Internal to server/status; the handlers are status_api's member functions, spread over
// status_api.cpp (router, claims, reject codes, summary) and prior_authorizations.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/status/auth.h"
#include "server/status/query.h"
#include "server/status/status_api.h"
#include "sql/reader.h"

namespace rxgate::server {

// One request on its way through the router. Lives on handle()'s stack; `request` is the caller's.
struct status_api::call {
  const api_request& request;
  std::string_view path;          // the target without its query string
  status::query_params query;
  std::string_view route = "other";  // for the log line: the route pattern, never the target
  std::optional<principal> who;      // set once the token checked out
  std::int64_t claim_id = 0;         // for the log line, when one claim was asked for
  std::string pharmacy;              // for the log line, when one pharmacy was asked for

  // Who is reading, as the audit log records it.
  store::reader_identity identity() const;
};

namespace status {

// `body` (one JSON value) with a trailing newline, as application/json.
api_reply json_reply(unsigned status, std::string body);
// {"error": message}
api_reply error_reply(unsigned status, std::string_view message);
api_reply not_found();
// 503 when PostgreSQL could not answer a read; the client may retry.
api_reply store_unavailable();

// A filter value as the audit log keeps it: at most 64 characters; a longer one is cut there and
// marked "...", so a caller cannot grow the audit table with one request.
std::string audited(std::string_view value);
std::string audited_filter(const std::optional<std::string>& value);
// Records a read that failed (the answer is already an error, so a failing audit only logs).
void audit_error(store::access_store& access, const store::reader_identity& who, std::string_view action,
                 std::optional<std::int64_t> claim_id, std::string_view detail);

}  // namespace status
}  // namespace rxgate::server
