// Bearer tokens of the status API: making them, hashing them, checking them, and what the
// caller behind a token may see (server/status/README.md).
//
// A token is "rxg_" followed by 43 base64url characters (32 random bytes from OpenSSL). Only its
// SHA-256 digest reaches PostgreSQL (sql/access.h); the raw token is printed once by
// `rxgate token create` and never stored or logged.
//
// A token has a lifetime (default 90 days, sql/access.h default_token_lifetime); past it, it is
// refused as expired.
//
// Roles: a technician sees the claims of the pharmacies (service provider IDs) listed on its
// token and nothing else; an operator sees every claim and manages prior authorizations; an
// admin may do everything an operator or a reviewer may. A reviewer (issue 15) sees the pending
// prior authorization requests and approves or denies them; it reads no claims, issues and
// revokes no PAs, and sees no operator data. Operators see the pending requests but do not
// decide them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/access.h"

namespace rxgate::server {

// The caller behind a valid token.
struct principal {
  std::int64_t token_id = 0;
  std::string name;
  store::access_role role = store::access_role::technician;
  std::vector<std::string> pharmacies;

  bool is_operator_or_admin() const noexcept {
    return role == store::access_role::operator_role || role == store::access_role::admin;
  }
  bool sees_every_pharmacy() const noexcept { return is_operator_or_admin(); }
  bool may_see(std::string_view provider_id) const noexcept;
  bool manages_prior_authorizations() const noexcept { return is_operator_or_admin(); }
  // GET /v1/prior-authorizations?state=pending
  bool sees_pending_prior_authorizations() const noexcept {
    return is_operator_or_admin() || role == store::access_role::reviewer;
  }
  // POST /v1/prior-authorizations/{id}/approve and /deny
  bool decides_prior_authorizations() const noexcept {
    return role == store::access_role::admin || role == store::access_role::reviewer;
  }
  // "token:<id>:<name>", the audit log's actor.
  std::string actor() const;
};

// Tokens are 47 characters; anything past this is not one of ours and never reaches the database.
inline constexpr std::size_t max_token_size = 200;

// A new random token; empty when the system's random source fails (the caller reports it).
std::string make_token();

// SHA-256 of the token text.
store::token_digest digest_of(std::string_view token) noexcept;

// The token of an Authorization header value ("Bearer <token>", scheme case-insensitive), or
// empty when the header is absent or names another scheme.
std::string_view bearer_token(std::string_view authorization) noexcept;

enum class auth_result : std::uint8_t {
  ok,
  missing,      // no Authorization: Bearer header -> 401
  invalid,      // unknown or revoked token -> 401
  expired,      // a token past its lifetime (rxgate token create --ttl) -> 401 "token expired"
  unavailable,  // the database could not say -> 503
};

// The body and WWW-Authenticate value of a 401 for `r` (missing, invalid or expired). An expired
// token is told so and nothing more; an unknown and a revoked one read the same.
std::string_view unauthorized_message(auth_result r) noexcept;
std::string_view unauthorized_challenge(auth_result r) noexcept;

// A token lifetime as `rxgate token create --ttl` takes it: a whole number and a unit, d (days), h
// (hours) or m (minutes), from 1 minute to 3650 days ("30d", "12h"). nullopt when it is none.
std::optional<std::chrono::seconds> parse_token_lifetime(std::string_view text) noexcept;

// Checks the Authorization header against the stored tokens (one indexed query, no cache, so a
// revoked token stops working at once). Blocks on PostgreSQL.
auth_result authenticate(store::access_store& tokens, std::string_view authorization, principal& out,
                         store::error& why);

}  // namespace rxgate::server
