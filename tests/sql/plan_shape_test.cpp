// The writer's reads must stay index probes whatever the size of the tables when their plans were
// cached. The writer runs its statements (and rxgate_write_keys runs its own) on generic plans
// that PostgreSQL keeps until the next ANALYZE; a plan made on a young, nearly empty database that
// hash-joins a sequential scan of active_paid_keys keeps scanning the whole table as it grows.
// These tests force generic plans on empty tables, the worst case, and read the plans that
// auto_explain reports for every statement, nested ones included.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sql/access.h"
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

// How many times `what` occurs in `text`.
std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t found = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++found;
  return found;
}

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
                    "{M100}", "{01}", "{2026-01-01}", 1, "2025-12-03", "2026-06-01", "2026-06-01", "2026-06-01");
  EXPECT_NE(notices.text.find("active_paid_keys"), std::string::npos) << "no plan was reported";
  EXPECT_NE(notices.text.find("prior_authorizations"), std::string::npos);
  EXPECT_EQ(notices.text.find("Seq Scan on active_paid_keys"), std::string::npos) << notices.text;
  EXPECT_EQ(notices.text.find("Seq Scan on prior_authorizations"), std::string::npos) << notices.text;
  // The K probe (alias a) goes through the primary key, never the member index.
  EXPECT_NE(notices.text.find("active_paid_keys_pkey on active_paid_keys a "), std::string::npos) << notices.text;
  EXPECT_EQ(notices.text.find("active_paid_keys_member on active_paid_keys a "), std::string::npos) << notices.text;
  // The F probe (alias f) reads the member's fills from the member index alone (migration 0024),
  // and so does its search for the oldest fill whose supply reaches the date of service (alias o).
  EXPECT_NE(notices.text.find("Index Only Scan using active_paid_keys_member on active_paid_keys f "), std::string::npos)
      << notices.text;
  EXPECT_NE(notices.text.find("Index Only Scan using active_paid_keys_member on active_paid_keys o "), std::string::npos)
      << notices.text;
  // The Y probe (alias fy) sums the family's plan year with an index-only scan of the member index
  // (migration 0025 dropped the family-year index).
  EXPECT_NE(notices.text.find("Index Only Scan using active_paid_keys_member on active_paid_keys fy "), std::string::npos)
      << notices.text;
  EXPECT_EQ(notices.text.find("active_paid_keys_family_year"), std::string::npos) << notices.text;
  // The K probe of claims starts only the partitions of the batch's keyed dates ($19..$20): the
  // others are removed when the executor starts, not skipped by each entry's probe. So does its
  // probe for the reversing claim, whose date is the K claim's: two partition sets pruned at start
  // in every execution's plan (before, the reversal probe set up a scan of every partition).
  const auto count = [&](std::string_view what) { return occurrences(notices.text, what); };
  const std::size_t plans = count("CTE m\n");
  EXPECT_GE(plans, 6u) << notices.text;
  EXPECT_EQ(count("Subplans Removed: "), 2 * plans) << notices.text;
  EXPECT_EQ(count("Seq Scan on claims_"), 0u) << notices.text;
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

// What the writer's batch of one payment starts in rxgate_write_keys (migration 0029): the key
// INSERT unnests its 19 arrays in a select list (a ProjectSet, not 19 functions set up in a
// Function Scan), and with nothing lost no aggregate is started for the answer. The answer is
// still each lost claim once: WriteKeysProbesKeysByIndexOnAGenericPlan loses two.
TEST(PlanShape, WriteKeysOfAPaymentStartsNoFunctionScanAndNoAggregate) {
  RXGATE_REQUIRE_DB();
  pqxx::connection c(test::fresh_database_dsn());
  explain_everything(c);
  notice_collector notices(c);
  pqxx::work w(c);
  for (const bool fail_when_taken : {true, false}) {
    notices.text.clear();
    const auto lost = w.exec(std::string(R"(
      SELECT claim_id FROM rxgate_write_keys(
        '{}'::bigint[], '{}'::text[], '{}'::text[], '{}'::smallint[], '{}'::date[], '{}'::text[],
        '{}'::text[], '{}'::text[], '{}'::bigint[],
        '{9002}'::bigint[], '{1234567890}'::text[], '{1000002}'::text[], '{0}'::smallint[],
        '{2026-06-01}'::date[], '{610014}'::text[], '{RXG}'::text[], '{01}'::text[], '{M100}'::text[],
        '{01}'::text[], '{1111111111}'::text[], '{00071015523}'::text[], '{C1}'::text[],
        '{30000}'::bigint[], '{30}'::integer[], '{2026-01-01}'::date[], '{0}'::bigint[],
        '{0}'::bigint[], '{0}'::bigint[],
        '{}'::bigint[], '{}'::text[], '{}'::text[], '{}'::smallint[], '{}'::date[], '{}'::text[],
        '{}'::text[], '{}'::text[], '{}'::bigint[],
        '{}'::bigint[], '{}'::bigint[], '{}'::text[], fail_when_taken => )") +
                             (fail_when_taken ? "true" : "false") + ") AS claim_id");
    EXPECT_EQ(lost.size(), 0u);
    EXPECT_NE(notices.text.find("INSERT INTO active_paid_keys"), std::string::npos) << "no plan was reported";
    EXPECT_NE(notices.text.find("ProjectSet"), std::string::npos) << notices.text;
    EXPECT_EQ(notices.text.find("Function Scan on unnest"), std::string::npos) << notices.text;
    EXPECT_EQ(notices.text.find("Aggregate"), std::string::npos) << notices.text;
    // The key went in, once.
    EXPECT_EQ(w.exec("SELECT count(*) FROM active_paid_keys WHERE claim_id = 9002")[0][0].as<int>(), 1);
    w.exec("DELETE FROM active_paid_keys WHERE claim_id = 9002");
  }
  w.abort();
}

// The generic plans of the writer's one-statement insert (store_statements.cpp, insert_batch),
// made and not run: EXPLAIN EXECUTE with every parameter NULL.
// How many parameters the session's prepared statement `name` takes.
std::size_t prepared_parameters(pqxx::nontransaction& n, const std::string& name) {
  return n.exec("SELECT cardinality(parameter_types) FROM pg_prepared_statements WHERE name = " + n.quote(name))[0][0]
      .as<std::size_t>();
}

std::string insert_batch_plan(pqxx::connection& c, const std::string& name) {
  std::string sql;
  for (const auto& s : store::statements::writer_statements())
    if (s.name == name) sql = s.sql;
  if (sql.empty()) return {};
  pqxx::nontransaction n(c);
  n.exec("SET plan_cache_mode = force_generic_plan");
  n.exec("PREPARE " + name + " AS " + sql);
  const std::size_t parameters = prepared_parameters(n, name);
  std::string args = "(";
  for (std::size_t i = 0; i < parameters; ++i) args += i ? ", NULL" : "NULL";
  args += ")";
  std::string plan;
  for (const auto& row : n.exec("EXPLAIN (COSTS OFF) EXECUTE " + name + args)) plan += std::string(row[0].c_str()) + "\n";
  return plan;
}

// The answering form's INSERTs leave out the entries that lost their key: a hashed subplan over
// `lost` in each. The failing form (the pipeline's first try) fails whenever anything is lost,
// so its INSERTs start no subplan at all. A form without rejects or DUR alerts has no INSERT
// (and no parameters) for them.
TEST(PlanShape, InsertBatchFormsInsertWhatTheyNameAndFilterLostEntriesOnlyWhenAnswering) {
  RXGATE_REQUIRE_DB();
  pqxx::connection c(test::fresh_database_dsn());
  const auto count = occurrences;
  std::set<std::string> names;
  for (const bool fail : {false, true}) {
    for (const bool rejects : {false, true}) {
      for (const bool durs : {false, true}) {
        const std::string name = store::statements::insert_batch_name(fail, rejects, durs);
        names.insert(name);
        const std::string plan = insert_batch_plan(c, name);
        ASSERT_FALSE(plan.empty()) << name;
        EXPECT_EQ(count(plan, "Insert on claims"), 1u) << name << plan;
        EXPECT_EQ(count(plan, "Insert on claim_rejects"), rejects ? 1u : 0u) << name << plan;
        EXPECT_EQ(count(plan, "Insert on claim_dur_alerts"), durs ? 1u : 0u) << name << plan;
        EXPECT_EQ(count(plan, "Function Scan on unnest"), 0u) << name << plan;
        if (fail) {
          EXPECT_EQ(count(plan, "SubPlan"), 0u) << name << plan;
        } else {
          EXPECT_EQ(count(plan, "hashed SubPlan"), 1u + rejects + durs) << name << plan;
        }
      }
    }
  }
  EXPECT_EQ(names.size(), 8u);
  // Each form takes the full form's parameters but those insert_batch_unsent leaves out.
  pqxx::nontransaction n(c);
  const auto parameters = [&](const char* name) { return prepared_parameters(n, name); };
  const std::size_t full = parameters(store::statements::insert_batch_name(false, true, true));
  for (const bool rejects : {false, true}) {
    for (const bool durs : {false, true}) {
      std::size_t unsent = 0;
      for (const auto& r : store::statements::insert_batch_unsent(rejects, durs)) unsent += r.count;
      for (const bool fail : {false, true})
        EXPECT_EQ(parameters(store::statements::insert_batch_name(fail, rejects, durs)), full - unsent);
    }
  }
}

// True when an EXPLAIN (ANALYZE, FORMAT JSON) plan ran a Seq Scan on a relation whose name
// starts with `prefix` (a partition's name starts with its parent's). Scans run-time pruning
// skipped (Actual Loops 0) do not count.
bool seq_scan_on(const std::string& plan, const std::string& prefix) {
  for (auto at = plan.find("\"Node Type\": \"Seq Scan\""); at != std::string::npos;
       at = plan.find("\"Node Type\": \"Seq Scan\"", at + 1)) {
    const auto name = plan.find("\"Relation Name\": \"", at);
    const auto loops = plan.find("\"Actual Loops\": ", at);
    if (name == std::string::npos || loops == std::string::npos) continue;
    if (plan.compare(name + 18, prefix.size(), prefix) == 0 && plan.compare(loops + 16, 2, "0,") != 0) return true;
  }
  return false;
}

// A fresh database `name`, migrated.
std::string migrated_database(const std::string& name) {
  const std::string dsn = test::create_database(name);
  std::string report;
  EXPECT_FALSE(store::migrate(dsn, report)) << report;
  return dsn;
}

// Claims with ids 1..count (g in the SQL expressions), the first 3,000 at pharmacy 1234567890 and
// the rest at 2345678901; date, Rx, fill and status are SQL expressions of g.
void insert_claims(const std::string& dsn, int count, const std::string& date, const std::string& rx,
                   const std::string& fill, const std::string& status) {
  test::exec_sql(dsn, "INSERT INTO claims (id, date_of_service, source, transaction_code, bin, provider_id, rx_number, "
                      "fill_number, status, request, response) SELECT g, " + date + ", 'test', 'B1', '999999', "
                      "CASE WHEN g <= 3000 THEN '1234567890' ELSE '2345678901' END, " + rx + ", " + fill + ", (" + status +
                      ")::\"char\", '\\x00', '\\x00' FROM generate_series(1, " +
                      std::to_string(count) + ") g");
}

// The reader's search statement for the shape of `f`, prepared as `search` and planned as the
// reader plans it (one generic plan), explained with `args` (its sixteen parameters, the values of
// `f`): the plan as JSON.
std::string explain_search(pqxx::nontransaction& n, const store::search_filter& f, const std::string& args) {
  n.exec("SET plan_cache_mode = force_generic_plan");
  n.exec("PREPARE search AS " + store::detail::search_statement(f));
  std::string plan;
  for (const auto& row : n.exec("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) EXECUTE search" + args))
    plan += row[0].c_str();
  return plan;
}

// Every Sort of the plan sorts the page (the CTE `s`: its rows, and their ids for the audit
// row), never the claims or their rejects, which come merged in order from each partition's
// index. Returns how many Sorts there are.
int expect_sorts_only_the_page(const std::string& plan) {
  int sorts = 0;
  for (auto at = plan.find("\"Node Type\": \"Sort\""); at != std::string::npos;
       at = plan.find("\"Node Type\": \"Sort\"", at + 1)) {
    ++sorts;
    const auto key = plan.find("\"Sort Key\": [\"", at);
    EXPECT_NE(key, std::string::npos) << plan;
    if (key == std::string::npos) break;
    EXPECT_EQ(plan[key + 14], 's') << plan.substr(key, 60);  // s.* or s_1.*
  }
  return sorts;
}

// A technician's search for an Rx number at a pharmacy (reader `search` with pharmacy and rx,
// newest first, a page and one more row) reads the claims in its own order from claims_rx
// (migration 0021) and stops after the page: no Sort over every claim of the prescription.
TEST(PlanShape, SearchByRxReadsOnePageInOrder) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = migrated_database("rxgate_test_plan_rx");
  // 3,000 claims of one prescription over 300 days, and 3,000 of others.
  insert_claims(dsn, 6000, "current_date - (g % 300)", "CASE WHEN g <= 3000 THEN '7000001' ELSE (7000000 + g)::text END",
                "g % 12", "'P'");
  test::exec_sql(dsn, "ANALYZE claims");
  // The reader's own statement, planned as the reader plans it (one generic plan), with the values
  // a technician's search by Rx sends; no audit row (actor NULL).
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  store::search_filter f;
  f.pharmacy = "1234567890";
  f.rx_number = "7000001";
  const std::string plan = explain_search(
      n, f, "('{}', '1234567890', '7000001', NULL, NULL, NULL, NULL, NULL, NULL, 0, 26, NULL, '', '', 0, 'on')");
  // Each partition's index is named after the parent's columns.
  EXPECT_NE(plan.find("_provider_id_rx_number_date_of_service_id_idx"), std::string::npos) << plan;
  EXPECT_GE(expect_sorts_only_the_page(plan), 1) << plan;
  EXPECT_FALSE(seq_scan_on(plan, "claims")) << plan;
  EXPECT_EQ(test::query_value(dsn, "SELECT count(*) FROM pg_indexes WHERE indexname = 'claims_key'"), "0");
}

// A technician's search for a reject code at a pharmacy (reader `search_rejects`) takes the
// page's rejects newest first from claim_rejects_pharmacy_code and reads only the page's claims:
// no Sort below the page, and the claims are probed as often as the page has rows, however many
// rejected claims the pharmacy has. A claim rejected twice with the code is one row.
TEST(PlanShape, SearchByRejectCodeReadsOnlyThePagesClaims) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = migrated_database("rxgate_test_plan_reject");
  // 3,000 rejected claims of one pharmacy over 300 days, each rejected 79 (and every other one 76
  // too), 20,000 of another pharmacy today (so that this month's partitions are not small enough
  // for a sequential scan); claim 300 (today) carries 79 twice.
  insert_claims(dsn, 23000, "CASE WHEN g <= 3000 THEN current_date - (g % 300) ELSE current_date END",
                "(7000000 + g)::text", "0", "'R'");
  test::exec_sql(dsn, "INSERT INTO claim_rejects (claim_id, date_of_service, seq, code, provider_id) "
                      "SELECT id, date_of_service, 1, '79', provider_id FROM claims UNION ALL "
                      "SELECT id, date_of_service, 2, '76', provider_id FROM claims WHERE id % 2 = 0 UNION ALL "
                      "SELECT id, date_of_service, 3, '79', provider_id FROM claims WHERE id = 300");
  test::exec_sql(dsn, "ANALYZE claims, claim_rejects");
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  const std::string args = "('{}', '1234567890', NULL, NULL, '79', NULL, NULL, NULL, NULL, 0, 26, NULL, '', '', 0, 'on')";
  store::search_filter f;
  f.pharmacy = "1234567890";
  f.reject_code = "79";
  ASSERT_EQ(store::kind_of(f), store::search_kind::rejects);
  const std::string plan = explain_search(n, f, args);
  EXPECT_NE(plan.find("_provider_id_code_date_of_service_clai"), std::string::npos) << plan;
  EXPECT_FALSE(seq_scan_on(plan, "claim")) << plan;
  expect_sorts_only_the_page(plan);
  // The claims' scans run once per row of the page (26), not once per rejected claim (3,000).
  long claim_loops = 0;
  for (auto at = plan.find("\"Relation Name\": \"claims_"); at != std::string::npos;
       at = plan.find("\"Relation Name\": \"claims_", at + 1)) {
    const auto loops = plan.find("\"Actual Loops\": ", at);
    ASSERT_NE(loops, std::string::npos) << plan;
    claim_loops += std::stol(plan.substr(loops + 16, 8));
  }
  EXPECT_GE(claim_loops, 26) << plan;
  EXPECT_LE(claim_loops, 26) << plan;

  // The rows: the newest 26 distinct claims of the pharmacy, newest first; claim 300 (date
  // current_date, rejected 79 twice) is among them once.
  std::vector<long> ids;
  for (const auto& row : n.exec("EXECUTE search" + args)) ids.push_back(row[0].as<long>());
  ASSERT_EQ(ids.size(), 26u);
  EXPECT_EQ(ids[0], 3000);  // current_date, the highest id of that date
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 300L), 1);
  EXPECT_EQ(std::set<long>(ids.begin(), ids.end()).size(), 26u);
  const auto expected = test::query_value(
      dsn, "SELECT string_agg(id::text, ',' ORDER BY date_of_service DESC, id DESC) FROM (SELECT id, date_of_service "
           "FROM claims WHERE provider_id = '1234567890' ORDER BY date_of_service DESC, id DESC LIMIT 26) x");
  std::string got;
  for (auto id : ids) got += (got.empty() ? "" : ",") + std::to_string(id);
  EXPECT_EQ(got, expected);
}

// The values of a field of a FORMAT JSON plan ("Relation Name", "Index Name") that start with
// `prefix`, wherever they are in the plan, executed or not.
std::vector<std::string> plan_values(const std::string& plan, const std::string& field, const std::string& prefix) {
  std::vector<std::string> values;
  const std::string key = "\"" + field + "\": \"";
  for (auto at = plan.find(key + prefix); at != std::string::npos; at = plan.find(key + prefix, at + 1)) {
    const auto from = at + key.size();
    const auto end = plan.find('"', from);
    if (end != std::string::npos) values.push_back(plan.substr(from, end - from));
  }
  return values;
}

// A pharmacy's rejected claims since a date (the console's "rejects of 30 days"): status R is a
// constant in its statement, so its one generic plan reads only partial indexes of rejected claims
// (claims_rejected_pharmacy), and the date prunes the older months' partitions when the plan
// starts. The same plan then answers other dates: every rejected claim of the pharmacy from the
// date on, the date itself included.
TEST(PlanShape, SearchOfRejectedClaimsSinceADateReadsOnlyRejectedClaimsOfItsMonths) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = migrated_database("rxgate_test_plan_rejected");
  // 3,000 claims of pharmacy 1234567890 and 3,000 of another over 300 days (ten a day each), every
  // other one rejected.
  insert_claims(dsn, 6000, "current_date - (g % 300)", "(7000000 + g)::text", "0",
                "CASE WHEN g % 2 = 0 THEN 'R' ELSE 'P' END");
  test::exec_sql(dsn, "ANALYZE claims");
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  store::search_filter f;
  f.pharmacy = "1234567890";
  f.status = "R";
  f.from = test::query_value(dsn, "SELECT (current_date - 40)::text");
  const auto args = [](const std::string& from) {
    return "('{}', '1234567890', NULL, 'R', NULL, NULL, '" + from + "', NULL, NULL, 0, 501, NULL, '', '', 0, 'on')";
  };
  const std::string plan = explain_search(n, f, args(*f.from));
  const auto names = plan_values(plan, "Index Name", "");
  ASSERT_FALSE(names.empty()) << plan;
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "'" : ", '") + name + "'";
  // Every index the claims are read from is partial (WHERE status = 'R'); the rejects' probes
  // (the page's reject codes) read claim_rejects' keys.
  EXPECT_EQ(test::query_value(dsn, "SELECT count(*) FROM pg_indexes WHERE indexname IN (" + list +
                                       ") AND tablename LIKE 'claims%' AND indexdef NOT LIKE '%WHERE%'"),
            "0")
      << plan;
  EXPECT_NE(test::query_value(dsn, "SELECT count(*) FROM pg_indexes WHERE indexname IN (" + list +
                                       ") AND tablename LIKE 'claims%'"),
            "0")
      << plan;
  EXPECT_FALSE(seq_scan_on(plan, "claims")) << plan;
  const auto removed = plan.find("\"Subplans Removed\": ");
  ASSERT_NE(removed, std::string::npos) << plan;
  EXPECT_NE(plan.compare(removed + 20, 2, "0,"), 0) << plan;
  // The rows, for two dates on the same plan.
  for (const int days : {40, 8}) {
    const std::string from = test::query_value(dsn, "SELECT (current_date - " + std::to_string(days) + ")::text");
    std::string got;
    for (const auto& row : n.exec("EXECUTE search" + args(from))) got += (got.empty() ? "" : ",") + std::string(row[0].c_str());
    const auto expected = test::query_value(
        dsn, "SELECT string_agg(id::text, ',' ORDER BY date_of_service DESC, id DESC) FROM claims "
             "WHERE provider_id = '1234567890' AND status = 'R' AND date_of_service >= '" + from + "'");
    EXPECT_EQ(got, expected) << days;
    EXPECT_NE(test::query_value(dsn, "SELECT count(*) FROM claims WHERE provider_id = '1234567890' AND status = 'R' "
                                     "AND date_of_service = '" + from + "'"),
              "0");  // the date itself has rejected claims, which the page holds
  }
}

// Searches that differ only in their values share one statement (one plan per connection); a
// filter present or absent, or status R against another status, makes another.
TEST(SearchStatement, OneStatementPerShapeOfFilters) {
  const auto text = [](const store::search_filter& f) { return store::detail::search_statement(f); };
  store::search_filter a, b;
  a.pharmacy = "1234567890";
  b.pharmacy = "2345678901";
  EXPECT_EQ(text(a), text(b));
  a.status = "P";
  b.status = "A";
  EXPECT_EQ(text(a), text(b));
  b.status = "R";
  EXPECT_NE(text(a), text(b));
  a.status.reset();
  b.status.reset();
  using field = std::optional<std::string> store::search_filter::*;
  for (const field present : {&store::search_filter::rx_number, &store::search_filter::product_id,
                              &store::search_filter::from, &store::search_filter::to,
                              &store::search_filter::reject_code}) {
    auto c = b;
    c.*present = "x";
    EXPECT_NE(text(a), text(c));
  }
  // A scope of one pharmacy, with no pharmacy asked for, is searched as that pharmacy; a scope of
  // more, or a scope with a pharmacy asked for, keeps its own condition.
  store::search_filter scoped;
  scoped.allowed_pharmacies = {"2345678901"};
  EXPECT_EQ(text(scoped), text(a));
  scoped.allowed_pharmacies.push_back("1234567890");
  EXPECT_NE(text(scoped), text(a));
  b.allowed_pharmacies = {"2345678901"};
  EXPECT_NE(text(a), text(b));
  b.allowed_pharmacies.clear();
  b.cursor = "2026-11-01.5";
  EXPECT_NE(text(a), text(b));
}

// The executed scans of an EXPLAIN (ANALYZE, FORMAT JSON) plan on relations whose name starts
// with `prefix`: their names, one per node (run-time pruned ones, Actual Loops 0, left out).
std::vector<std::string> scanned(const std::string& plan, const std::string& prefix) {
  std::vector<std::string> names;
  const std::string key = "\"Relation Name\": \"" + prefix;
  for (auto at = plan.find(key); at != std::string::npos; at = plan.find(key, at + 1)) {
    const auto name_end = plan.find('"', at + 18);
    const auto loops = plan.find("\"Actual Loops\": ", at);
    if (name_end == std::string::npos || loops == std::string::npos) continue;
    if (plan.compare(loops + 16, 2, "0,") != 0) names.push_back(plan.substr(at + 18, name_end - at - 18));
  }
  return names;
}

// The relations whose name starts with `prefix` anywhere in a plan (FORMAT JSON), executed or not.
std::vector<std::string> planned(const std::string& plan, const std::string& prefix) {
  return plan_values(plan, "Relation Name", prefix);
}

// A read by id (the reader's statement of its claim's month, on a generic plan as the reader runs
// it) plans the partitions of that month only: the month is in the statement, so the generic plan
// is made over one month's partitions (cheap to make and to remake after an ANALYZE) and needs no
// pruning when it starts. A rejected claim's read scans no claim_links index: nothing links to or
// from it. The statement for ids without a date plans every month (so the checks below can fail).
TEST(PlanShape, ReadByIdPlansOnlyItsMonthsPartitions) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = migrated_database("rxgate_test_plan_by_id");
  // A rejected claim every 30 days over the last year, each with a reject and a DUR alert.
  test::exec_sql(dsn, "INSERT INTO claims (id, date_of_service, source, transaction_code, bin, provider_id, rx_number, "
                      "fill_number, status, request, response) SELECT rxgate_claim_id(nextval('claim_id_seq'), "
                      "current_date - 30 * g), current_date - 30 * g, 'test', 'B1', '999999', '1234567890', "
                      "(7000000 + g)::text, 0, 'R', '\\x00', '\\x00' FROM generate_series(0, 11) g");
  test::exec_sql(dsn, "INSERT INTO claim_rejects (claim_id, date_of_service, seq, code, provider_id) "
                      "SELECT id, date_of_service, 1, '79', provider_id FROM claims");
  test::exec_sql(dsn, "INSERT INTO claim_dur_alerts (claim_id, date_of_service, seq, reason) "
                      "SELECT id, date_of_service, 1, 'ER' FROM claims");
  test::exec_sql(dsn, "ANALYZE claims, claim_rejects, claim_dur_alerts");
  store::access_options ao;
  ao.dsn = dsn;
  store::token_digest digest{};
  digest.fill(0x44);
  std::int64_t token_id = 0;
  ASSERT_FALSE(store::open_access_store(ao)->create_token("plan", store::access_role::operator_role, {}, digest,
                                                           store::default_token_lifetime, token_id));
  const std::string id = test::query_value(dsn, "SELECT id FROM claims WHERE date_of_service = current_date - 150");
  const std::string month = test::query_value(dsn, "SELECT to_char(current_date - 150, 'YYYY_MM')");
  const int year = std::stoi(month.substr(0, 4)), month_number = std::stoi(month.substr(5));
  const std::string args = "('" + std::string(64, '4') + "', " + id + ", false, 'test', 'on')";

  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  n.exec("SET plan_cache_mode = force_generic_plan");
  n.exec("PREPARE of_month AS " + store::detail::token_claim_statement({year, month_number}));
  n.exec("PREPARE every AS " + store::detail::token_claim_statement({}));
  auto explain = [&](const std::string& statement, const std::string& options) {
    std::string plan;
    for (const auto& row : n.exec("EXPLAIN (" + options + ", FORMAT JSON) EXECUTE " + statement + args))
      plan += row[0].c_str();
    return plan;
  };
  // The generic plan as made (EXPLAIN without ANALYZE), where what the executor's start prunes
  // would show as "Subplans Removed" above 0.
  const std::string made = explain("of_month", "COSTS OFF");
  for (const std::string table : {"claims_", "claim_rejects_", "claim_dur_alerts_"}) {
    const auto names = planned(made, table);
    EXPECT_FALSE(names.empty()) << table << made;
    for (const auto& name : names) EXPECT_EQ(name, table + month) << made;
  }
  for (auto at = made.find("\"Subplans Removed\": "); at != std::string::npos;
       at = made.find("\"Subplans Removed\": ", at + 1))
    EXPECT_EQ(made.compare(at + 20, 2, "0,") == 0 || made.compare(at + 20, 2, "0\n") == 0, true) << made;
  const std::string plan = explain("of_month", "ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF");
  EXPECT_TRUE(scanned(plan, "claim_links").empty()) << plan;
  // Its audit row goes through rxgate_audit_claim_read (migration 0023): the read's plan does not
  // refer to claim_reads, whose every autovacuum would otherwise make each connection replan it.
  EXPECT_TRUE(planned(plan, "claim_reads").empty()) << plan;
  bool other_month = false;
  for (const auto& name : planned(explain("every", "COSTS OFF"), "claims_")) other_month |= name != "claims_" + month;
  EXPECT_TRUE(other_month);
  // And the read answers: the claim, audited ok.
  const auto row = n.exec("EXECUTE of_month" + args)[0];
  EXPECT_EQ(row["outcome"].as<std::string>(), "ok");
  EXPECT_FALSE(row["undated"].as<bool>());
  EXPECT_EQ(row[8].as<std::string>(), id);  // the claim's columns follow the token's eight
  // Another month's statement does not find it (its partitions are not that month's).
  const int other = month_number == 12 ? 1 : month_number + 1;
  n.exec("PREPARE next_month AS " + store::detail::token_claim_statement({other == 1 ? year + 1 : year, other}));
  EXPECT_EQ(n.exec("EXECUTE next_month" + args)[0]["outcome"].as<std::string>(), "not_found");
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
