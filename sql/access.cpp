// Tokens, audit rows, claim history and PA numbers for the status API, on a small pool of its own
// (one or two connections: token checks and audit inserts are single-row statements).
#include "sql/access.h"

#include <pqxx/pqxx>

#include "sql/connection.h"
#include "sql/pg.h"

namespace rxgate::store {

std::string_view to_string(access_role r) noexcept {
  switch (r) {
    case access_role::technician: return "technician";
    case access_role::operator_role: return "operator";
    case access_role::admin: return "admin";
    case access_role::reviewer: return "reviewer";
  }
  return "technician";
}

std::optional<access_role> parse_role(std::string_view s) noexcept {
  if (s == "technician") return access_role::technician;
  if (s == "operator") return access_role::operator_role;
  if (s == "admin") return access_role::admin;
  if (s == "reviewer") return access_role::reviewer;
  return std::nullopt;
}

namespace {

#define RXGATE_TS(x) "coalesce(to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"

std::string sql_find_token() {
  return "SELECT id, name, role, array_to_string(pharmacies, ','), expired FROM (" + token_select_sql("$1") + ") t";
}
constexpr const char* sql_insert_token =
    "INSERT INTO access_tokens (name, role, token_sha256, expires_at) "
    "VALUES ($1, $2, decode($3, 'hex'), now() + make_interval(secs => $4::bigint)) RETURNING id";
constexpr const char* sql_insert_token_pharmacies =
    "INSERT INTO access_token_pharmacies (token_id, provider_id) "
    "SELECT $1::bigint, p FROM unnest($2::text[]) AS p ON CONFLICT DO NOTHING";
constexpr const char* sql_list_tokens =
    "SELECT t.id, t.name, t.role, coalesce(string_agg(p.provider_id, ',' ORDER BY p.provider_id), ''), "
    RXGATE_TS("t.created_at") ", " RXGATE_TS("t.revoked_at") ", " RXGATE_TS("t.expires_at")
    " FROM access_tokens t LEFT JOIN access_token_pharmacies p ON p.token_id = t.id "
    "GROUP BY t.id ORDER BY t.id";
constexpr const char* sql_revoke_token =
    "UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id";


// One statement in its own implicit transaction: one round trip, and set_config(..., true)
// decides how that transaction commits (access_options::audit).
constexpr const char* sql_audit =
    "INSERT INTO claim_reads (actor, action, claim_id, detail, remote, token_id, outcome) "
    "SELECT $1::text, $2::text, NULLIF($3::bigint, 0), $4::text, $5::text, NULLIF($6::bigint, 0), $7::text "
    "FROM (SELECT set_config('synchronous_commit', $8::text, true)) AS commit_mode";

constexpr const char* sql_next_pa_number =
    "SELECT lpad(nextval('prior_authorization_number_seq')::text, 11, '0')";

pg::connection_settings access_settings(const access_options& o) {
  pg::connection_settings s;
  s.dsn = o.dsn;
  s.application_name = "rxgate-status-api";
  s.statement_timeout = o.statement_timeout;
  // Every statement here is a probe by key: generic plans, planned once per connection.
  s.plan_cache_mode = "force_generic_plan";
  s.statements = {{"find_token", sql_find_token()},
                  {"insert_token", sql_insert_token},
                  {"insert_token_pharmacies", sql_insert_token_pharmacies},
                  {"list_tokens", sql_list_tokens},
                  {"revoke_token", sql_revoke_token},
                  {"audit", sql_audit},
                  {"next_pa_number", sql_next_pa_number}};
  return s;
}

// ---- value helpers --------------------------------------------------------------------------

using pg::text;

using pg::split_commas;


// ---- the store -------------------------------------------------------------------------------

class pg_access_store final : public access_store {
 public:
  explicit pg_access_store(const access_options& o)
      : pool_(access_settings(o), o.pool_size, o.acquire_timeout, "status API database"),
        synchronous_commit_(synchronous_commit_of(o.audit)) {}

  error create_token(const std::string& name, access_role role, const std::vector<std::string>& pharmacies,
                     const token_digest& digest, std::chrono::seconds lifetime, std::int64_t& id) override {
    return run("create token", [&](pqxx::connection& c) {
      pqxx::work w(c);
      id = w.exec_prepared("insert_token", pg::clean_text(name), std::string(to_string(role)), digest_hex(digest),
                           static_cast<std::int64_t>(lifetime.count()))[0][0]
               .as<std::int64_t>();
      if (!pharmacies.empty()) w.exec_prepared("insert_token_pharmacies", id, pg::text_array(pharmacies));
      w.commit();
    });
  }

  error list_tokens(std::vector<token_listing>& out) override {
    out.clear();
    return run("list tokens", [&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      for (const auto& r : w.exec_prepared("list_tokens")) {
        token_listing t;
        t.token.id = r[0].as<std::int64_t>();
        t.token.name = text(r[1]);
        t.token.role = parse_role(text(r[2])).value_or(access_role::technician);
        t.token.pharmacies = split_commas(text(r[3]));
        t.created_at = text(r[4]);
        t.revoked_at = text(r[5]);
        t.expires_at = text(r[6]);
        out.push_back(std::move(t));
      }
    });
  }

  error revoke_token(std::int64_t id, bool& found) override {
    found = false;
    return run("revoke token", [&](pqxx::connection& c) {
      pqxx::work w(c);
      found = !w.exec_prepared("revoke_token", id).empty();
      w.commit();
    });
  }

  error find_token(const token_digest& digest, std::optional<token_identity>& out) override {
    out.reset();
    return run("find token", [&](pqxx::connection& c) {
      pqxx::nontransaction w(c);
      const auto r = w.exec_prepared("find_token", digest_hex(digest));
      if (r.empty()) return;
      token_identity t;
      t.id = r[0][0].as<std::int64_t>();
      t.name = text(r[0][1]);
      const auto role = parse_role(text(r[0][2]));
      if (!role) return;  // the CHECK constraint makes this unreachable; refuse rather than guess
      t.role = *role;
      t.pharmacies = split_commas(text(r[0][3]));
      t.expired = r[0][4].as<bool>();
      out = std::move(t);
    });
  }

  error next_prior_authorization_number(std::string& out) override {
    out.clear();
    return run("next prior authorization number", [&](pqxx::connection& c) {
      pqxx::nontransaction w(c);
      out = text(w.exec_prepared("next_pa_number")[0][0]);
    });
  }

  error audit(const reader_identity& who, std::string_view action, std::optional<std::int64_t> claim_id,
              std::string_view detail, std::string_view outcome) override {
    return run("audit", [&](pqxx::connection& c) {
      pqxx::nontransaction w(c);
      w.exec_prepared("audit", who.actor, std::string(action), claim_id.value_or(0), pg::clean_text(detail),
                      who.remote, who.token_id, std::string(outcome), synchronous_commit_);
    });
  }

  std::string_view audit_synchronous_commit() const noexcept override { return synchronous_commit_; }

 private:
  // Runs `body` on a pooled connection; no exception leaves it.
  template <class Body>
  error run(std::string_view what, Body&& body) noexcept {
    return pool_.run(what, body);
  }

  pg::connection_pool pool_;
  std::string synchronous_commit_;
};

}  // namespace

std::string token_select_sql(std::string_view digest_param) {
  return "SELECT t.id, t.name, t.role, coalesce((SELECT array_agg(p.provider_id ORDER BY p.provider_id) "
         "FROM access_token_pharmacies p WHERE p.token_id = t.id), '{}'::text[]) AS pharmacies, "
         "t.expires_at <= now() AS expired FROM access_tokens t WHERE t.token_sha256 = decode(" +
         std::string(digest_param) + ", 'hex') AND t.revoked_at IS NULL";
}

std::string digest_hex(const token_digest& d) {
  return pg::hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

std::string_view synchronous_commit_of(access_options::audit_commit a) noexcept {
  return a == access_options::audit_commit::durable ? "on" : "off";
}

std::unique_ptr<access_store> open_access_store(const access_options& options) {
  return std::make_unique<pg_access_store>(options);
}

}  // namespace rxgate::store
