// What the status API needs from PostgreSQL beyond sql/reader.h: bearer tokens and the pharmacies
// they may see, audit rows with where the read came from and its outcome, a claim's history
// under its claim key, and prior authorization numbers (migration 0010).
//
// Contract:
// - Tokens reach this module only as their SHA-256 digest (server/auth.h hashes them); a raw
//   token is never stored or passed to PostgreSQL.
// - Every call blocks on PostgreSQL (its own small pool of connections, opened lazily and
//   reopened after a failure) and is safe from any number of threads. Run it off io threads.
// - Failures come back as store::error; no exception leaves this module. Messages name what
//   failed, never values (claims carry patient data).
// - Results are plain owning values: nothing points into the pool.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/store.h"

namespace rxgate::store {

// reviewer (issue 15, migration 0019): decides prior authorization requests filed by P1/P4.
enum class access_role : std::uint8_t { technician, operator_role, admin, reviewer };
std::string_view to_string(access_role r) noexcept;  // "technician" | "operator" | "admin" | "reviewer"
std::optional<access_role> parse_role(std::string_view s) noexcept;

using token_digest = std::array<unsigned char, 32>;  // SHA-256 of the raw token
// The digest as PostgreSQL's decode(..., 'hex') takes it: 64 lowercase hex digits.
std::string digest_hex(const token_digest& d);
// The live (not revoked) token whose digest is the hex text parameter `digest_param` ("$1"): one
// SELECT with the columns id, name, role, pharmacies (text[], sorted), expired (bool). The one
// token check in SQL: find_token and the reader's claim read (sql/reader.h) both embed it.
std::string token_select_sql(std::string_view digest_param);

// Who a (not revoked) token belongs to.
struct token_identity {
  std::int64_t id = 0;
  std::string name;
  access_role role = access_role::technician;
  std::vector<std::string> pharmacies;  // service provider IDs; technicians only
  bool expired = false;                 // past expires_at (migration 0015): refuse it
};

struct token_listing {
  token_identity token;
  std::string created_at;  // ISO 8601 UTC
  std::string revoked_at;  // empty while active
  std::string expires_at;  // ISO 8601 UTC
};

// A new token's lifetime when none is asked for.
inline constexpr std::chrono::seconds default_token_lifetime{std::chrono::hours(24 * 90)};

// Who reads, for the audit log (claim_reads with the columns of migration 0010).
struct reader_identity {
  std::string actor;  // "token:<id>:<name>"
  std::int64_t token_id = 0;
  std::string remote;  // peer address as the server saw it
};

struct access_options {
  std::string dsn;
  int pool_size = 2;
  std::chrono::milliseconds statement_timeout{2000};
  std::chrono::milliseconds acquire_timeout{2000};  // wait for a free connection
  // How an audit row of a read commits before the answer is shown. durable: the commit waits for
  // its WAL flush (and a synchronous standby). async: it does not wait; the row is written and
  // visible, and the next flush makes it durable (any claim commit, or the WAL writer within
  // three wal_writer_delay periods). Only a PostgreSQL or host crash inside that window loses it;
  // an rxgate crash never does. Claims always commit durably, whatever this says.
  enum class audit_commit : std::uint8_t { async, durable };
  audit_commit audit = audit_commit::durable;
};

// The synchronous_commit value an audit row commits with.
std::string_view synchronous_commit_of(access_options::audit_commit a) noexcept;

class access_store {
 public:
  virtual ~access_store() = default;

  // Tokens (rxgate token create|list|revoke and every API request).
  // The token expires `lifetime` after now (the database's clock).
  virtual error create_token(const std::string& name, access_role role,
                             const std::vector<std::string>& pharmacies, const token_digest& digest,
                             std::chrono::seconds lifetime, std::int64_t& id) = 0;
  virtual error list_tokens(std::vector<token_listing>& out) = 0;
  // `found` false when no token has that id; revoking twice keeps the first time.
  virtual error revoke_token(std::int64_t id, bool& found) = 0;
  // The token with this digest, or nullopt (unknown or revoked); an expired one comes back with
  // `expired` set, so the caller can say so.
  virtual error find_token(const token_digest& digest, std::optional<token_identity>& out) = 0;

  // A fresh prior authorization number (462-EV, 11 digits) from migration 0010's sequence.
  virtual error next_prior_authorization_number(std::string& out) = 0;

  // One audit row: `who` did `action` ("get", "search", "summary", "pa_create" ...) on
  // `claim_id` (nullopt: not one claim) with `outcome` ("ok", "denied", "not_found", "error": the
  // read failed and showed nothing). `detail` names filters and ids, never patient data.
  virtual error audit(const reader_identity& who, std::string_view action,
                      std::optional<std::int64_t> claim_id, std::string_view detail,
                      std::string_view outcome) = 0;
  // The synchronous_commit an audit row commits with (access_options::audit), for reads that
  // write their audit row in their own statement (sql/reader.h).
  virtual std::string_view audit_synchronous_commit() const noexcept = 0;
};

// Connects lazily; never throws.
std::unique_ptr<access_store> open_access_store(const access_options& options);

}  // namespace rxgate::store
