// The writer's reads must stay index probes whatever the size of the tables when their plans were
// cached. The writer runs its statements (and rxgate_write_keys runs its own) on generic plans
// that PostgreSQL keeps until the next ANALYZE; a plan made on a young, nearly empty database that
// hash-joins a sequential scan of active_paid_keys keeps scanning the whole table as it grows.
// These tests force generic plans on empty tables, the worst case, and read the plans that
// auto_explain reports for every statement, nested ones included.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <string>
#include <vector>

#include "sql/connection.h"
#include "sql/migrations.h"
#include "sql/reader.h"
#include "sql/store_statements.h"
#include "tests/sql/db_fixture.h"

namespace rxgate {
namespace {

class notice_collector final : public pqxx::errorhandler {
 public:
  explicit notice_collector(pqxx::connection_base& c) : pqxx::errorhandler(c) {}
  bool operator()(const char message[]) noexcept override {
    text += message;
    return true;
  }
  std::string text;
};

// A session whose every statement is planned generically and explained to the client.
void explain_everything(pqxx::connection& c) {
  pqxx::nontransaction n(c);
  n.exec("LOAD 'auto_explain'");
  n.exec("SET plan_cache_mode = force_generic_plan");
  n.exec("SET auto_explain.log_min_duration = 0");
  n.exec("SET auto_explain.log_nested_statements = on");
  n.exec("SET auto_explain.log_level = notice");
}

std::string history_sql() {
  for (const auto& s : store::statements::writer_statements())
    if (s.name == "history") return s.sql;
  return {};
}

TEST(PlanShape, HistoryProbesEveryTableByIndexOnAGenericPlan) {
  RXGATE_REQUIRE_DB();
  pqxx::connection c(test::fresh_database_dsn());
  explain_everything(c);
  notice_collector notices(c);
  const std::string sql = history_sql();
  ASSERT_FALSE(sql.empty());
  c.prepare("history", sql);
  pqxx::nontransaction n(c);
  // Six executions (the first five may be custom plans under the default plan_cache_mode; this
  // session forces generic ones from the first).
  for (int i = 0; i < 6; ++i)
    n.exec_prepared("history", "{610014}", "{M100}", "{01}", "{610014}", "{RXG}", "{01}",
                    "{1234567890}", "{1000001}", "{0}", "2026-01-01", "{2026-06-01}", "{610014}",
                    "{M100}", "{01}", "{2026-01-01}", 1);
  EXPECT_NE(notices.text.find("active_paid_keys"), std::string::npos) << "no plan was reported";
  EXPECT_NE(notices.text.find("prior_authorizations"), std::string::npos);
  EXPECT_EQ(notices.text.find("Seq Scan on active_paid_keys"), std::string::npos) << notices.text;
  EXPECT_EQ(notices.text.find("Seq Scan on prior_authorizations"), std::string::npos) << notices.text;
  // The K probe (alias a) goes through the primary key, never the member index.
  EXPECT_NE(notices.text.find("active_paid_keys_pkey on active_paid_keys a "), std::string::npos) << notices.text;
  EXPECT_EQ(notices.text.find("active_paid_keys_member on active_paid_keys a "), std::string::npos) << notices.text;
}

TEST(PlanShape, WriteKeysProbesKeysByIndexOnAGenericPlan) {
  RXGATE_REQUIRE_DB();
  pqxx::connection c(test::fresh_database_dsn());
  explain_everything(c);
  notice_collector notices(c);
  pqxx::work w(c);
  // One entry in each group: a reversal and a duplicate of claims that hold no key (both lose),
  // a payment and a link. Rolled back at the end.
  const auto lost = w.exec(R"(
    SELECT claim_id FROM rxgate_write_keys(
      '{9001}'::bigint[], '{1234567890}'::text[], '{1000001}'::text[], '{0}'::smallint[],
      '{2026-06-01}'::date[], '{610014}'::text[], '{RXG}'::text[], '{01}'::text[], '{9101}'::bigint[],
      '{9002}'::bigint[], '{1234567890}'::text[], '{1000002}'::text[], '{0}'::smallint[],
      '{2026-06-01}'::date[], '{610014}'::text[], '{RXG}'::text[], '{01}'::text[], '{M100}'::text[],
      '{01}'::text[], '{1111111111}'::text[], '{00071015523}'::text[], '{C1}'::text[],
      '{30000}'::bigint[], '{30}'::integer[], '{2026-01-01}'::date[], '{0}'::bigint[],
      '{0}'::bigint[], '{0}'::bigint[],
      '{9003}'::bigint[], '{1234567890}'::text[], '{1000003}'::text[], '{0}'::smallint[],
      '{2026-06-01}'::date[], '{610014}'::text[], '{RXG}'::text[], '{01}'::text[], '{9103}'::bigint[],
      '{9002}'::bigint[], '{9001}'::bigint[], '{rebill}'::text[]) AS claim_id ORDER BY 1)");
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[0][0].as<long>(), 9101);
  EXPECT_EQ(lost[1][0].as<long>(), 9103);
  w.abort();
  EXPECT_NE(notices.text.find("DELETE FROM active_paid_keys"), std::string::npos) << "no plan was reported";
  EXPECT_NE(notices.text.find("FOR SHARE"), std::string::npos);
  EXPECT_EQ(notices.text.find("Seq Scan on active_paid_keys"), std::string::npos) << notices.text;
  EXPECT_NE(notices.text.find("active_paid_keys_pkey"), std::string::npos) << notices.text;
  EXPECT_EQ(notices.text.find("active_paid_keys_member"), std::string::npos) << notices.text;
}

// A technician's search for an Rx number at a pharmacy (reader `search` with pharmacy and rx,
// newest first, a page and one more row) reads the claims in its own order from claims_rx
// (migration 0021) and stops after the page: no Sort over every claim of the prescription.
TEST(PlanShape, SearchByRxReadsOnePageInOrder) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = test::create_database("rxgate_test_plan_rx");
  std::string report;
  ASSERT_FALSE(store::migrate(dsn, report));
  // 3,000 claims of one prescription over 300 days, and 3,000 of others.
  test::exec_sql(dsn, "INSERT INTO claims (date_of_service, source, transaction_code, bin, provider_id, rx_number, "
                      "fill_number, status, request, response) "
                      "SELECT current_date - (g % 300), 'test', 'B1', '999999', "
                      "CASE WHEN g <= 3000 THEN '1234567890' ELSE '2345678901' END, "
                      "CASE WHEN g <= 3000 THEN '7000001' ELSE (7000000 + g)::text END, g % 12, 'P', '\\x00', '\\x00' "
                      "FROM generate_series(1, 6000) g");
  test::exec_sql(dsn, "ANALYZE claims");
  // The reader's own statement, planned as the reader plans it (custom plans), with the values a
  // technician's search by Rx sends; no audit row (actor NULL).
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  n.exec("SET plan_cache_mode = force_custom_plan");
  n.exec("PREPARE search AS " + store::detail::search_statement(false));
  std::string plan;
  for (const auto& row : n.exec("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) EXECUTE search("
                                "'{}', '1234567890', '7000001', NULL, NULL, NULL, NULL, NULL, NULL, 0, 26, NULL, '', "
                                "'', 0, 'on')"))
    plan += row[0].c_str();
  // Each partition's index is named after the parent's columns.
  EXPECT_NE(plan.find("_provider_id_rx_number_date_of_service_id_idx"), std::string::npos) << plan;
  // Every Sort node sorts the page (the CTE `s`: its 26 rows, and their ids for the audit row),
  // never the claims: those come merged in order from each partition's index.
  int sorts = 0;
  for (auto at = plan.find("\"Node Type\": \"Sort\""); at != std::string::npos;
       at = plan.find("\"Node Type\": \"Sort\"", at + 1)) {
    ++sorts;
    const auto key = plan.find("\"Sort Key\": [\"", at);
    ASSERT_NE(key, std::string::npos) << plan;
    EXPECT_EQ(plan[key + 14], 's') << plan.substr(key, 60);  // s.* or s_1.*, not c.*
  }
  EXPECT_GE(sorts, 1) << plan;
  EXPECT_EQ(plan.find("Seq Scan on claims"), std::string::npos) << plan;
  EXPECT_EQ(test::query_value(dsn, "SELECT count(*) FROM pg_indexes WHERE indexname = 'claims_key'"), "0");
}

// Generic plans with correlated subqueries over every partition estimate high on small tables,
// high enough for PostgreSQL to compile them: a claim read then took 5.6 s (JIT) for 2 ms of work.
// Every connection rxgate opens turns JIT off.
TEST(PlanShape, EveryConnectionTurnsJitOff) {
  RXGATE_REQUIRE_DB();
  store::pg::connection_settings settings;
  settings.dsn = test::fresh_database_dsn();
  store::pg::connection c(settings);
  ASSERT_FALSE(c.open("jit test"));
  pqxx::nontransaction q(c.get());
  EXPECT_EQ(std::string(q.exec("SHOW jit")[0][0].c_str()), "off");
}

}  // namespace
}  // namespace rxgate
