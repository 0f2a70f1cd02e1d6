// The writer's pipeline (sql/pg_pipeline.h): a statement that fails inside a pipelined exchange
// rolls the whole batch back; a key lost between history and insert leaves the batch open
// instead of committing; a connection lost after the COMMIT went out is an unknown outcome.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <pqxx/pqxx>

#include "sql/store_statements.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using namespace std::chrono_literals;

void execute(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  n.exec(sql);
}

// A writer with the default options.
std::unique_ptr<store::claim_store> default_store(const std::string& dsn) {
  store::store_options o;
  o.dsn = dsn;
  return store::open_store(o);
}

// Begins a batch, reads its history and decides its entries, as the batcher does before it
// inserts.
void begin_decided(store::claim_store& s, std::vector<store::batch_entry>& v, std::unique_ptr<store::batch>& b) {
  ASSERT_FALSE(s.begin(b));
  ASSERT_FALSE(b->load_history(v));
  for (auto& e : v) decide(e);
}

// An AFTER INSERT trigger on claims that raises `condition` for Rx number `rx`.
void fail_inserts_of(const std::string& dsn, const std::string& rx, const std::string& condition) {
  execute(dsn, "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "IF NEW.rx_number = '" + rx + "' THEN RAISE EXCEPTION USING ERRCODE = '" + condition +
               "'; END IF; RETURN NULL; END $$");
  execute(dsn, "CREATE TRIGGER test_refuse AFTER INSERT ON claims FOR EACH ROW EXECUTE FUNCTION test_refuse()");
}

// A writer with `statement_timeout` whose every COMMIT runs a deferred trigger (on rows inserted
// into `table`) that sleeps `seconds`.
std::unique_ptr<store::claim_store> store_with_slow_commits(const std::string& dsn, const std::string& table,
                                                            const std::string& seconds,
                                                            std::chrono::milliseconds statement_timeout) {
  execute(dsn, "CREATE OR REPLACE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "PERFORM pg_sleep(" + seconds + "); RETURN NULL; END $$");
  execute(dsn, "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON " + table +
               " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()");
  store::store_options o;
  o.dsn = dsn;
  o.statement_timeout = statement_timeout;
  return store::open_store(o);
}

// Ten paid claims, the one at `failing` refused by the trigger: nothing of the batch is stored,
// the store says so (`expected`: how it maps the condition), and the next batch (without it)
// pays every claim.
void expect_whole_batch_rolled_back(const std::string& dsn, const std::string& condition,
                                    store::errc expected = store::errc::internal) {
  const std::string failing = "820005";
  fail_inserts_of(dsn, failing, condition);
  auto s = reconnecting_store(dsn, 10ms);
  claim_factory f;
  const std::vector<codec::claim> claims = b1_claims(f, 10, 820000, day(2026, 11, 14));
  std::vector<store::batch_entry> v = entries_for(claims);
  const auto e = run_batch(*s, v);
  EXPECT_EQ(e.code, expected) << e.message;
  EXPECT_NE(e.message.find(condition), std::string::npos) << e.message;
  EXPECT_FALSE(s->healthy());
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number LIKE '8200%'"), "0");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM active_paid_keys WHERE rx_number LIKE '8200%'"), "0");

  std::vector<store::batch_entry> rest;
  for (const auto& c : claims) {
    if (c.rx_number != failing) rest.push_back(entry_for(c));
  }
  store::error again;
  for (int attempt = 0; attempt < 300; ++attempt) {  // the connection was dropped: reconnect
    again = run_batch(*s, rest);
    if (again.code != store::errc::unavailable) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(again) << again.message;
  for (const auto& x : rest) EXPECT_EQ(x.decision.status, 'P');
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number LIKE '8200%'"), "9");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM active_paid_keys WHERE rx_number LIKE '8200%'"), "9");
}

TEST(Pipeline, StatementErrorMidPipelineRollsBackTheWholeBatch) {
  RXGATE_REQUIRE_DB();
  expect_whole_batch_rolled_back(fresh_database_dsn(), "P0001");
}

// 22012 is what insert_batch_or_fail raises for a lost reversal or duplicate answer: a real 22012
// goes back to the savepoint, fails again in insert_batch, and still ends the batch with nothing
// stored.
TEST(Pipeline, StatementErrorThatLooksLikeALostKeyStillRollsBack) {
  RXGATE_REQUIRE_DB();
  expect_whole_batch_rolled_back(fresh_database_dsn(), "22012");
}

// 23505 is what insert_batch_or_fail's plain key insert raises for a key another transaction
// took (migration 0026): a unique_violation from anything else fails insert_batch too and ends the
// batch with nothing stored (a conflict to the caller, where a real 22012 is an internal error).
TEST(Pipeline, UniqueViolationThatLooksLikeATakenKeyStillRollsBack) {
  RXGATE_REQUIRE_DB();
  expect_whole_batch_rolled_back(fresh_database_dsn(), "23505", store::errc::conflict);
}

TEST(Pipeline, KeyLostBetweenHistoryAndInsertLeavesTheBatchOpen) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  auto s = default_store(dsn);
  claim_factory f;
  const auto lost = f.make("B1", "821001", day(2026, 11, 15));
  const auto kept = f.make("B1", "821002", day(2026, 11, 15));
  std::vector<store::batch_entry> v{entry_for(lost), entry_for(kept)};
  std::unique_ptr<store::batch> b;
  begin_decided(*s, v, b);
  // Another node pays the first key meanwhile (the first try's plain key insert fails with 23505).
  execute(dsn,
          "INSERT INTO active_paid_keys (bin, pcn, provider_id_qualifier, provider_id, rx_number, fill_number, "
          "date_of_service, claim_id) VALUES ('" + std::string(lost.bin) + "', '" + std::string(lost.pcn) + "', '" +
              std::string(lost.provider_id_qualifier) + "', '" + std::string(lost.provider_id) +
              "', '821001', 0, '2026-11-15', -1)");
  bool committed = true;
  ASSERT_FALSE(b->insert_and_commit(v, committed));
  EXPECT_FALSE(committed);
  EXPECT_TRUE(v[0].conflict);
  EXPECT_FALSE(v[1].conflict);
  EXPECT_NE(v[1].claim_id, 0);
  // Nothing is committed yet: the batch is open for the conflict to be settled.
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number LIKE '8210%'"), "0");
  ASSERT_FALSE(b->commit());
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '821002'"), "1");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '821001'"), "0");
  EXPECT_EQ(query_value(dsn, "SELECT claim_id FROM active_paid_keys WHERE rx_number = '821001'"), "-1");
}

// rxgate_write_keys paying key rx at pharmacy 1234567 for claim `claim` (the other groups
// empty), on the first try's terms or the answering form's.
std::string pay_one_key(const std::string& rx, const std::string& claim, bool fail_when_taken) {
  return "SELECT claim_id FROM rxgate_write_keys('{}'::bigint[], '{}'::text[], '{}'::text[], '{}'::smallint[], "
         "'{}'::date[], '{}'::text[], '{}'::text[], '{}'::text[], '{}'::bigint[], "
         "'{" + claim + "}'::bigint[], '{1234567}'::text[], '{" + rx + "}'::text[], '{0}'::smallint[], "
         "'{2026-11-16}'::date[], '{610014}'::text[], '{RXG}'::text[], '{01}'::text[], '{M100}'::text[], "
         "'{01}'::text[], '{1000001}'::text[], '{00071015523}'::text[], '{C1}'::text[], '{30000}'::bigint[], "
         "'{30}'::integer[], '{NULL}'::date[], '{0}'::bigint[], '{0}'::bigint[], '{0}'::bigint[], "
         "'{}'::bigint[], '{}'::text[], '{}'::text[], '{}'::smallint[], '{}'::date[], '{}'::text[], "
         "'{}'::text[], '{}'::text[], '{}'::bigint[], '{}'::bigint[], '{}'::bigint[], '{}'::text[], "
         "fail_when_taken => " + std::string(fail_when_taken ? "true" : "false") + ") AS claim_id";
}

// Migration 0026: the first try's plain INSERT fails on a key another transaction holds
// (unique_violation) and pays a free one; the answering form names the claim that lost and
// leaves the holder's row. Only the pipeline's first try uses the former.
TEST(Pipeline, FirstTryFailsOnATakenKeyAndTheAnsweringFormNamesItsClaim) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  execute(dsn,
          "INSERT INTO active_paid_keys (bin, pcn, provider_id_qualifier, provider_id, rx_number, fill_number, "
          "date_of_service, claim_id) VALUES ('610014', 'RXG', '01', '1234567', '823001', 0, '2026-11-16', -1)");
  {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    EXPECT_THROW(n.exec(pay_one_key("823001", "42", true)), pqxx::unique_violation);
  }
  EXPECT_EQ(query_value(dsn, pay_one_key("823001", "42", false)), "42");
  EXPECT_EQ(query_value(dsn, "SELECT claim_id FROM active_paid_keys WHERE rx_number = '823001'"), "-1");
  EXPECT_EQ(query_value(dsn, pay_one_key("823002", "43", true)), "");
  EXPECT_EQ(query_value(dsn, "SELECT claim_id FROM active_paid_keys WHERE rx_number = '823002'"), "43");

  std::string first_try, answering;
  for (const auto& st : store::statements::writer_statements()) {
    if (st.name == "insert_batch_or_fail") first_try = st.sql;
    if (st.name == "insert_batch") answering = st.sql;
  }
  EXPECT_NE(first_try.find("fail_when_taken => true"), std::string::npos) << first_try;
  EXPECT_EQ(answering.find("fail_when_taken"), std::string::npos) << answering;
}

// The other way an entry loses: a reversal whose original another node reversed meanwhile
// (the first try fails with 22012; the payment beside it goes in with the second try).
TEST(Pipeline, ReversalLostBetweenHistoryAndInsertLeavesTheBatchOpen) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  auto s = default_store(dsn);
  claim_factory f;
  const auto paid = f.make("B1", "822001", day(2026, 11, 15));
  std::vector<store::batch_entry> first{entry_for(paid)};
  ASSERT_FALSE(run_batch(*s, first));
  ASSERT_EQ(first[0].decision.status, 'P');
  const auto reversal = f.make("B2", "822001", day(2026, 11, 15));
  const auto kept = f.make("B1", "822002", day(2026, 11, 15));
  std::vector<store::batch_entry> v{entry_for(reversal), entry_for(kept)};
  std::unique_ptr<store::batch> b;
  begin_decided(*s, v, b);
  ASSERT_EQ(v[0].decision.status, 'A');
  // Another node reverses the original meanwhile.
  execute(dsn, "DELETE FROM active_paid_keys WHERE rx_number = '822001'");
  bool committed = true;
  ASSERT_FALSE(b->insert_and_commit(v, committed));
  EXPECT_FALSE(committed);
  EXPECT_TRUE(v[0].conflict);
  EXPECT_FALSE(v[1].conflict);
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '822002'"), "0");
  ASSERT_FALSE(b->commit());
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM active_paid_keys WHERE rx_number = '822002'"), "1");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '822001' AND transaction_code = 'B2'"),
            "0");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '822001' AND EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill'))"),
            "0");
}

// A statement timeout must never reach a COMMIT: under synchronous replication, a COMMIT whose
// wait for the standby is cancelled is already committed locally and may be lost on failover,
// yet the client is told it committed. The writer relies on PostgreSQL for this: it stops the
// statement timer before it runs the commit (deferred triggers, the commit record, the wait for
// the standby), so the writer's statement_timeout never cancels a COMMIT and only the write
// deadline (a dropped connection, outcome unknown) ends one. This pins that: COMMIT runs a
// deferred trigger that takes 5x the writer's statement_timeout, and completes, on both ways a
// batch commits.
TEST(Pipeline, StatementTimeoutNeverReachesCommit) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  auto s = store_with_slow_commits(dsn, "claims", "0.5", 100ms);
  claim_factory f;
  // insert_and_commit: SAVEPOINT, insert, COMMIT in one pipeline.
  const auto first = f.make("B1", "840001", day(2026, 11, 17));
  std::vector<store::batch_entry> v{entry_for(first)};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(s->begin(b));
  ASSERT_FALSE(b->load_history(v));
  decide(v[0]);
  bool committed = false;
  const auto e = b->insert_and_commit(v, committed);
  EXPECT_FALSE(e) << e.message;
  EXPECT_TRUE(committed);
  b.reset();
  // insert, then commit() (how a batch with a lost key ends).
  const auto second = f.make("B1", "840002", day(2026, 11, 17));
  std::vector<store::batch_entry> w{entry_for(second)};
  ASSERT_FALSE(s->begin(b));
  ASSERT_FALSE(b->load_history(w));
  decide(w[0]);
  ASSERT_FALSE(b->insert(w));
  const auto c = b->commit();
  EXPECT_FALSE(c) << c.message;
  b.reset();
  execute(dsn, "DROP TRIGGER test_slow_commit ON claims");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number IN ('840001', '840002')"), "2");
}

TEST(Pipeline, ConnectionLostAfterCommitWasSentIsOutcomeUnknown) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  // COMMIT runs a deferred trigger that sleeps, so the backend can be killed while COMMIT is
  // under way.
  auto s = store_with_slow_commits(dsn, "active_paid_keys", "60", 120s);
  claim_factory f;
  const auto c = f.make("B1", "830001", day(2026, 11, 16));
  std::vector<store::batch_entry> v{entry_for(c)};
  std::thread killer([&] {
    pqxx::connection admin(dsn);
    for (int attempt = 0; attempt < 6000; ++attempt) {
      pqxx::nontransaction n(admin);
      const auto r = n.exec(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rxgate-writer' "
          "AND datname = current_database() AND wait_event = 'PgSleep'");
      if (!r.empty()) return;
      n.commit();
      std::this_thread::sleep_for(10ms);
    }
  });
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(s->begin(b));
  ASSERT_FALSE(b->load_history(v));
  decide(v[0]);
  bool committed = true;
  const auto e = b->insert_and_commit(v, committed);
  killer.join();
  EXPECT_FALSE(committed);
  EXPECT_EQ(e.code, store::errc::unavailable) << e.message;
  EXPECT_NE(e.message.find("outcome unknown"), std::string::npos) << e.message;
  b.reset();
  EXPECT_FALSE(s->healthy());
  // Killed inside COMMIT, before its commit record: nothing of it is stored.
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '830001'"), "0");
}

}  // namespace
}  // namespace rxgate::test
