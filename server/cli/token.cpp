// `rxgate token create|list|revoke`: bearer tokens of the status API.
//
//   rxgate token create --dsn DSN --role technician --pharmacy 1000000001 [--pharmacy ...] --name NAME [--ttl 30d]
//       prints the new token once (only its SHA-256 digest is stored), its id and when it expires
//       (--ttl: days, hours or minutes, "90d" by default; an expired token is refused with 401)
//   rxgate token list --dsn DSN
//       id, name, role, pharmacies, created, expires, revoked; never a token
//   rxgate token revoke --dsn DSN ID
// --dsn defaults to $RXGATE_DSN. Exit codes: 0 done, 1 database failure, 2 bad arguments or no
// such token.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "server/status/auth.h"
#include "server/cli/command.h"
#include "sql/access.h"

namespace {

using rxgate::cli::set_exit_code;

struct token_args {
  std::string dsn, role = "technician", name, ttl = "90d";
  std::vector<std::string> pharmacies;
  std::int64_t id = 0;
};

std::unique_ptr<rxgate::store::access_store> open(const token_args& a, const char* command) {
  std::string dsn = a.dsn;
  if (!rxgate::cli::resolve_dsn(dsn, (std::string("token ") + command).c_str())) return nullptr;
  rxgate::store::access_options o;
  o.dsn = dsn;
  o.pool_size = 1;
  return rxgate::store::open_access_store(o);
}

void create(const token_args& a) {
  const auto role = rxgate::store::parse_role(a.role);
  if (!role) {
    std::fprintf(stderr, "rxgate token create: --role must be technician, operator, admin or reviewer\n");
    return set_exit_code(2);
  }
  if (a.name.empty()) {
    std::fprintf(stderr, "rxgate token create: --name is required (who holds the token)\n");
    return set_exit_code(2);
  }
  if (*role == rxgate::store::access_role::technician && a.pharmacies.empty()) {
    std::fprintf(stderr, "rxgate token create: a technician token needs at least one --pharmacy\n");
    return set_exit_code(2);
  }
  if (*role != rxgate::store::access_role::technician && !a.pharmacies.empty()) {
    std::fprintf(stderr, "rxgate token create: --pharmacy applies to technician tokens only (%s tokens are not scoped to pharmacies)\n",
                 a.role.c_str());
    return set_exit_code(2);
  }
  const auto lifetime = rxgate::server::parse_token_lifetime(a.ttl);
  if (!lifetime) {
    std::fprintf(stderr, "rxgate token create: --ttl must be a number of days, hours or minutes (30d, 12h, 90m), "
                         "1 minute to 3650 days\n");
    return set_exit_code(2);
  }
  auto store = open(a, "create");
  if (!store) return;
  const std::string token = rxgate::server::make_token();
  if (token.empty()) {
    std::fprintf(stderr, "rxgate token create: the system's random source failed\n");
    return set_exit_code(1);
  }
  std::int64_t id = 0;
  if (auto e = store->create_token(a.name, *role, a.pharmacies, rxgate::server::digest_of(token), *lifetime, id)) {
    std::fprintf(stderr, "rxgate token create: %s\n", e.message.c_str());
    return set_exit_code(1);
  }
  std::printf("token %lld (%s, %s, expires in %s)\n%s\nStore it now: it is not shown again, only its digest is kept.\n",
              static_cast<long long>(id), a.name.c_str(), a.role.c_str(), a.ttl.c_str(), token.c_str());
  set_exit_code(0);
}

void list(const token_args& a) {
  auto store = open(a, "list");
  if (!store) return;
  std::vector<rxgate::store::token_listing> tokens;
  if (auto e = store->list_tokens(tokens)) {
    std::fprintf(stderr, "rxgate token list: %s\n", e.message.c_str());
    return set_exit_code(1);
  }
  std::printf("%-6s %-24s %-11s %-28s %-28s %-28s %s\n", "id", "name", "role", "pharmacies", "created", "expires",
              "revoked");
  for (const auto& t : tokens) {
    std::string pharmacies;
    for (const auto& p : t.token.pharmacies) pharmacies += (pharmacies.empty() ? "" : ",") + p;
    if (pharmacies.empty()) pharmacies = "*";
    std::printf("%-6lld %-24s %-11s %-28s %-28s %-28s %s\n", static_cast<long long>(t.token.id), t.token.name.c_str(),
                std::string(rxgate::store::to_string(t.token.role)).c_str(), pharmacies.c_str(),
                t.created_at.c_str(), t.expires_at.c_str(), t.revoked_at.empty() ? "-" : t.revoked_at.c_str());
  }
  set_exit_code(0);
}

void revoke(const token_args& a) {
  auto store = open(a, "revoke");
  if (!store) return;
  bool found = false;
  if (auto e = store->revoke_token(a.id, found)) {
    std::fprintf(stderr, "rxgate token revoke: %s\n", e.message.c_str());
    return set_exit_code(1);
  }
  if (!found) {
    std::fprintf(stderr, "rxgate token revoke: no token with id %lld\n", static_cast<long long>(a.id));
    return set_exit_code(2);
  }
  std::printf("token %lld revoked\n", static_cast<long long>(a.id));
  set_exit_code(0);
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("token", "Manage the bearer tokens of the technician status API");
  cmd->require_subcommand(1);
  auto args = std::make_shared<token_args>();

  auto* c = cmd->add_subcommand("create", "Create a token and print it once");
  c->add_option("--dsn", args->dsn, "PostgreSQL connection string (default: $RXGATE_DSN)");
  c->add_option("--role", args->role, "technician | operator | admin | reviewer")->capture_default_str();
  c->add_option("--pharmacy", args->pharmacies, "service provider ID (201-B1) a technician may see; repeat");
  c->add_option("--name", args->name, "who holds the token")->required();
  c->add_option("--ttl", args->ttl, "lifetime: 30d, 12h or 90m (1 minute to 3650 days)")->capture_default_str();
  c->callback([args] { create(*args); });

  auto* l = cmd->add_subcommand("list", "List tokens (never the tokens themselves)");
  l->add_option("--dsn", args->dsn, "PostgreSQL connection string (default: $RXGATE_DSN)");
  l->callback([args] { list(*args); });

  auto* r = cmd->add_subcommand("revoke", "Revoke a token by id; it stops working at once");
  r->add_option("--dsn", args->dsn, "PostgreSQL connection string (default: $RXGATE_DSN)");
  r->add_option("id", args->id, "token id (see rxgate token list)")->required();
  r->callback([args] { revoke(*args); });
}

const rxgate::cli::command_registrar registrar{setup};

}  // namespace
