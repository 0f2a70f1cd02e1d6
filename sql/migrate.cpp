// rxgate migrate: apply the embedded migrations that a database lacks.
#include <pqxx/pqxx>

#include <algorithm>

#include "sql/connection.h"
#include "sql/migrations.h"
#include "sql/pg.h"
#include "sql/store.h"

namespace rxgate::store {
namespace {

// Any constant works; it only has to be the same for every rxgate binary.
constexpr const char* sql_lock = "SELECT pg_advisory_lock(7208405101)";
constexpr const char* sql_unlock = "SELECT pg_advisory_unlock(7208405101)";
constexpr const char* sql_create_versions =
    "CREATE TABLE IF NOT EXISTS rxgate_schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
constexpr const char* sql_applied = "SELECT version FROM rxgate_schema_migrations ORDER BY version";
constexpr const char* sql_record = "INSERT INTO rxgate_schema_migrations (version, name) VALUES ($1, $2)";
// Partitions for the months claims can arrive for: timely filing reaches back about a year, and
// the next months exist before the first claim of each arrives.
constexpr const char* sql_partitions =
    "SELECT rxgate_ensure_claim_partitions("
    "(date_trunc('month', current_date) - interval '13 months')::date, 17)";

constexpr const char* sql_default_rows = "SELECT count(*) FROM claims_default";

}  // namespace

error ensure_partitions(const std::string& dsn, partition_check& out) noexcept {
  out = {};
  try {
    // Moving rows out of the default partition may take a while on a grown database.
    pg::connection_settings settings;
    settings.dsn = dsn;
    settings.application_name = "rxgate partitions";
    settings.statement_timeout = std::chrono::minutes(5);
    settings.schema_version = known_schema_version();
    pg::connection c(settings);
    return c.run("partitions", [&](pqxx::connection& conn) {
      pqxx::work w(conn, "rxgate_partitions");
      out.created = w.exec(sql_partitions)[0][0].as<std::int64_t>();
      out.rows_in_default = w.exec(sql_default_rows)[0][0].as<std::int64_t>();
      w.commit();
    });
  } catch (...) {
    return {errc::internal, "partitions: out of memory"};
  }
}

error migrate(const std::string& dsn, std::string& report) {
  try {
    pqxx::connection c(dsn);
    c.prepare("record", sql_record);
    {
      pqxx::nontransaction n(c);
      n.exec(sql_lock);
      n.exec(sql_create_versions);
    }
    std::vector<int> applied;
    {
      pqxx::nontransaction n(c);
      for (const auto& row : n.exec(sql_applied)) applied.push_back(row[0].as<int>());
    }
    const int known = known_schema_version();
    if (!applied.empty() && applied.back() > known) {
      return {errc::schema, "database schema version " + std::to_string(applied.back()) +
                                " is newer than this binary (" + std::to_string(known) +
                                "); refusing to migrate"};
    }
    int count = 0;
    for (const auto& m : detail::embedded_migrations()) {
      if (std::find(applied.begin(), applied.end(), m.version) != applied.end()) continue;
      pqxx::work w(c, "rxgate_migrate");
      // A migration file is trusted SQL of this repository with several statements: the simple
      // query protocol runs it as one string. No claim data is involved.
      w.exec(std::string(m.sql));
      w.exec_prepared("record", m.version, std::string(m.name));
      w.commit();
      report += "applied " + std::string(m.name) + "\n";
      ++count;
    }
    if (known > 0) {
      pqxx::work w(c, "rxgate_partitions");
      const auto r = w.exec(sql_partitions);
      w.commit();
      report += "partitions created: " + r[0][0].as<std::string>() + "\n";
    }
    report += count ? "schema now at version " + std::to_string(known) + "\n"
                    : "schema up to date at version " + std::to_string(known) + "\n";
    try {
      pqxx::nontransaction n(c);
      n.exec(sql_unlock);
    } catch (...) {
      // The lock ends with the session anyway.
    }
    return {};
  } catch (...) {
    bool lost = false;
    return pg::translate_current_exception("migrate", lost);
  }
}

}  // namespace rxgate::store
