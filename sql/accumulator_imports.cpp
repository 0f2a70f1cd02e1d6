// Accumulator imports and the audited operator read (accumulator_imports.h), on a small pool of
// their own. The family lock and the plan-year sums are the writer's statements.
#include "sql/accumulator_imports.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <utility>

#include "sql/connection.h"
#include "sql/pg.h"
#include "sql/store_statements.h"

namespace rxgate::store {

namespace {

// $1..$7 the rows, $8 the source. A row whose amounts did not change is left alone (no RETURNING
// row); xmax = 0 tells a fresh row from a replaced one.
constexpr const char* sql_import =
    "INSERT INTO accumulator_imports AS i (bin, cardholder_id, person_code, plan_year_start, deductible, "
    "out_of_pocket, benefit, source) "
    "SELECT u.*, $8::text FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::bigint[], "
    "$6::bigint[], $7::bigint[]) AS u "
    "ON CONFLICT (bin, cardholder_id, person_code, plan_year_start, source) DO UPDATE "
    "SET deductible = EXCLUDED.deductible, out_of_pocket = EXCLUDED.out_of_pocket, benefit = EXCLUDED.benefit, "
    "imported_at = now() "
    "WHERE (i.deductible, i.out_of_pocket, i.benefit) IS DISTINCT FROM "
    "(EXCLUDED.deductible, EXCLUDED.out_of_pocket, EXCLUDED.benefit) "
    "RETURNING (i.xmax = 0) AS inserted";

// The read audit log (0001, 0010) with the member read (0014).
// set_config(..., true) decides how the read's transaction commits (access_options::audit).
constexpr const char* sql_audit_member =
    "INSERT INTO claim_reads (actor, action, detail, remote, token_id, outcome, bin, cardholder_id, person_code) "
    "SELECT $1::text, 'accumulators', $2::text, $3::text, NULLIF($4::bigint, 0), 'ok', $5::text, $6::text, $7::text "
    "FROM (SELECT set_config('synchronous_commit', $8::text, true)) AS commit_mode";

constexpr const char* sql_family_imports =
    "SELECT person_code, source, "
    "to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), deductible, out_of_pocket, benefit "
    "FROM accumulator_imports WHERE bin = $1 AND cardholder_id = $2 AND plan_year_start = $3::date "
    "ORDER BY person_code, source";

pg::connection_settings accumulator_settings(const access_options& o) {
  pg::connection_settings s;
  s.dsn = o.dsn;
  s.application_name = "rxgate-accumulators";
  s.statement_timeout = o.statement_timeout;
  s.statements = statements::accumulator_statements();
  s.statements.push_back({"import", sql_import});
  s.statements.push_back({"audit_member", sql_audit_member});
  s.statements.push_back({"family_imports", sql_family_imports});
  return s;
}

class pg_accumulator_store final : public accumulator_store {
 public:
  explicit pg_accumulator_store(const access_options& o)
      : pool_(accumulator_settings(o), o.pool_size, o.acquire_timeout, "accumulators database"),
        synchronous_commit_(synchronous_commit_of(o.audit)) {}

  error import(std::span<const accumulator_import_row> rows, std::string_view source, bool dry_run,
               import_summary& out) override {
    out = {};
    if (source.empty()) return {errc::invalid, "import: the source is empty"};
    std::vector<std::string> bins, cardholders, persons, years, deductibles, out_of_pockets, benefits;
    std::vector<std::pair<std::string, std::string>> families;
    for (const auto& r : rows) {
      bins.push_back(r.bin);
      cardholders.push_back(r.cardholder_id);
      persons.push_back(r.person_code);
      years.push_back(pg::format_date(r.plan_year_start));
      deductibles.push_back(std::to_string(r.amounts.deductible));
      out_of_pockets.push_back(std::to_string(r.amounts.out_of_pocket));
      benefits.push_back(std::to_string(r.amounts.benefit));
      families.emplace_back(r.bin, r.cardholder_id);
    }
    std::sort(families.begin(), families.end());
    families.erase(std::unique(families.begin(), families.end()), families.end());
    std::vector<std::string> family_bins, family_cardholders;
    for (auto& [b, c] : families) {
      family_bins.push_back(std::move(b));
      family_cardholders.push_back(std::move(c));
    }
    return pool_.run("accumulator import", [&](pqxx::connection& c) {
      pqxx::work w(c);
      if (!family_bins.empty())
        w.exec_prepared("lock_families", pg::text_array(family_bins), pg::text_array(family_cardholders));
      const auto result = w.exec_prepared("import", pg::text_array(bins), pg::text_array(cardholders),
                                          pg::text_array(persons), pg::text_array(years), pg::text_array(deductibles),
                                          pg::text_array(out_of_pockets), pg::text_array(benefits),
                                          pg::clean_text(source));
      for (const auto& r : result) ++(r[0].as<bool>() ? out.inserted : out.replaced);
      out.unchanged = rows.size() - out.inserted - out.replaced;
      if (dry_run) w.abort();
      else w.commit();
    });
  }

  error read_member_year(const reader_identity& who, const member_ref& member, codec::date year_start,
                         member_year& out) override {
    out = {};
    if (!year_start.valid()) return {errc::invalid, "read member year: no plan year"};
    const std::string year = pg::format_date(year_start);
    return pool_.run("read member accumulators", [&](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_prepared("audit_member", who.actor, "plan_year=" + year, who.remote, who.token_id,
                      pg::clean_text(member.bin), pg::clean_text(member.cardholder_id),
                      pg::clean_text(member.person_code), synchronous_commit_);
      const auto sums = w.exec_prepared("year_sums", pg::clean_text(member.bin), pg::clean_text(member.cardholder_id),
                                        pg::clean_text(member.person_code), year);
      const auto imports =
          w.exec_prepared("family_imports", pg::clean_text(member.bin), pg::clean_text(member.cardholder_id), year);
      w.commit();  // the audit row is committed (access_options::audit) before anything is shown
      out.sums.year_start = year_start;
      const auto& s = sums[0];
      out.sums.member = {s[0].as<std::int64_t>(), s[1].as<std::int64_t>(), s[2].as<std::int64_t>()};
      out.sums.family = {s[3].as<std::int64_t>(), s[4].as<std::int64_t>(), s[5].as<std::int64_t>()};
      for (const auto& r : imports) {
        imported_amount a;
        a.person_code = std::string(pg::text_view(r[0]));
        a.source = std::string(pg::text_view(r[1]));
        a.imported_at = std::string(pg::text_view(r[2]));
        a.amounts = {r[3].as<std::int64_t>(), r[4].as<std::int64_t>(), r[5].as<std::int64_t>()};
        out.imports.push_back(std::move(a));
      }
    });
  }

 private:
  pg::connection_pool pool_;
  std::string synchronous_commit_;
};

}  // namespace

std::unique_ptr<accumulator_store> open_accumulator_store(const access_options& options) {
  return std::make_unique<pg_accumulator_store>(options);
}

}  // namespace rxgate::store
