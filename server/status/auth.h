// Bearer tokens of the status API: making them, hashing them, checking them, and what the
// caller behind a token may see (server/status/README.md).
//
// A token is "rxg_" followed by 43 base64url characters (32 random bytes from OpenSSL). Only its
// SHA-256 digest reaches PostgreSQL (sql/access.h); the raw token is printed once by
// `rxgate token create` and never stored or logged.
//
// Roles: a technician sees the claims of the pharmacies (service provider IDs) listed on its
// token and nothing else; an operator sees every claim and manages prior authorizations; an
// admin may do everything an operator may.
#pragma once

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

  bool sees_every_pharmacy() const noexcept { return role != store::access_role::technician; }
  bool may_see(std::string_view provider_id) const noexcept;
  bool manages_prior_authorizations() const noexcept { return role != store::access_role::technician; }
  // "token:<id>:<name>", the audit log's actor.
  std::string actor() const;
};

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
  unavailable,  // the database could not say -> 503
};

// Checks the Authorization header against the stored tokens (one indexed query, no cache, so a
// revoked token stops working at once). Blocks on PostgreSQL.
auth_result authenticate(store::access_store& tokens, std::string_view authorization, principal& out,
                         store::error& why);

}  // namespace rxgate::server
