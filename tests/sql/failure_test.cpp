// Failures: a batch whose connection dies mid-transaction, a statement that times out, and
// PostgreSQL stopped and restarted under a running store.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include <pqxx/pqxx>

#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using namespace std::chrono_literals;

// Retries a whole batch until the store has reconnected; a bounded number of attempts, no
// timing assertion.
store::error run_until_ok(store::claim_store& s, std::vector<store::batch_entry>& v, int attempts = 300) {
  store::error e;
  for (int i = 0; i < attempts; ++i) {
    e = run_batch(s, v);
    if (!e) return e;
    std::this_thread::sleep_for(100ms);
  }
  return e;
}

TEST(Failure, BatchWhoseConnectionDiesMidTransactionLeavesNothing) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  auto s = reconnecting_store(dsn, 10ms);
  claim_factory f;
  const std::vector<codec::claim> claims = b1_claims(f, 50, 800000, day(2026, 11, 11));
  std::vector<store::batch_entry> v = entries_for(claims);

  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(s->begin(b));
  ASSERT_FALSE(b->load_history(v));
  for (auto& e : v) decide(e);
  ASSERT_FALSE(b->insert(v));
  // Kill the writer's backend between the inserts and COMMIT.
  pqxx::connection admin(dsn);
  pqxx::nontransaction n(admin);
  const auto killed = n.exec_params(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'rxgate-writer' AND datname = current_database()");
  ASSERT_EQ(killed.size(), 1u);
  const auto e = b->commit();
  EXPECT_EQ(e.code, store::errc::unavailable) << e.message;
  b.reset();
  EXPECT_FALSE(s->healthy());
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number LIKE '8000%'"), "0");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM active_paid_keys a JOIN claims c ON c.id = a.claim_id WHERE c.rx_number LIKE '8000%'"), "0");

  // The store reconnects by itself and the same claims pay.
  ASSERT_FALSE(run_until_ok(*s, v));
  EXPECT_TRUE(s->healthy());
  for (const auto& x : v) EXPECT_EQ(x.decision.status, 'P');
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number LIKE '8000%'"), "50");
}

TEST(Failure, StatementBlockedPastTheTimeoutIsATimeoutAndRollsBack) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  claim_factory f;
  auto c = f.make("B1", "810001", day(2026, 11, 12));
  // Another node holds the key, uncommitted.
  pqxx::connection other(dsn);
  pqxx::work hold(other);
  hold.exec_params("INSERT INTO active_paid_keys (bin, pcn, provider_id_qualifier, provider_id, rx_number, fill_number, date_of_service, claim_id) "
                   "VALUES ($1, $2, $3, $4, $5, 0, '2026-11-12', -1)",
                   std::string(c.bin), std::string(c.pcn), std::string(c.provider_id_qualifier),
                   std::string(c.provider_id), std::string(c.rx_number));
  store::store_options o;
  o.dsn = dsn;
  o.statement_timeout = 300ms;
  auto s = store::open_store(o);
  std::vector<store::batch_entry> v{entry_for(c)};
  const auto e = run_batch(*s, v);
  EXPECT_EQ(e.code, store::errc::timeout) << e.message;
  hold.abort();
  // The connection survived the timeout and the next batch goes through.
  std::vector<store::batch_entry> again{entry_for(c)};
  const auto ok = run_batch(*s, again);
  EXPECT_FALSE(ok) << ok.message;
  EXPECT_EQ(again[0].decision.status, 'P');
}

// A private cluster on its own port, so stopping it disturbs no other test.
class PrivateCluster {
 public:
  PrivateCluster() {
    const char* port = std::getenv("RXGATE_TEST_RESTART_PORT");
    port_ = port ? port : "55491";
    data_ = "/var/tmp/rxgate-pg-restart-test-" + port_;
  }
  ~PrivateCluster() {
    run("stop");
    std::error_code ec;
    std::filesystem::remove_all(data_, ec);
  }
  int run(const std::string& action) const {
    const std::string cmd = "RXGATE_PG_PORT=" + port_ + " RXGATE_PG_DATA=" + data_ + " " +
                            RXGATE_SOURCE_ROOT "/deploy/pg.sh " + action + " >/dev/null 2>&1";
    return std::system(cmd.c_str());
  }
  std::string dsn() const { return "host=127.0.0.1 port=" + port_ + " user=postgres dbname=rxgate"; }

 private:
  std::string port_, data_;
};

TEST(Failure, PostgresStoppedAndRestartedUnderARunningStore) {
  RXGATE_REQUIRE_DB();
  PrivateCluster cluster;
  ASSERT_EQ(cluster.run("start"), 0) << "deploy/pg.sh start failed for the private cluster";
  std::string report;
  auto m = store::migrate(cluster.dsn(), report);
  ASSERT_FALSE(m) << m.message;
  store::store_options o;
  o.dsn = cluster.dsn();
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  auto s = store::open_store(o);
  claim_factory f;
  std::deque<codec::claim> claims;
  std::set<std::int64_t> acknowledged;
  auto submit = [&](int i) {
    claims.push_back(f.make("B1", std::to_string(900000 + i), day(2026, 11, 13)));
    std::vector<store::batch_entry> v{entry_for(claims.back())};
    const auto e = run_batch(*s, v);
    if (!e) acknowledged.insert(v[0].claim_id);
    return e;
  };
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(submit(i));
  EXPECT_TRUE(s->healthy());

  ASSERT_EQ(cluster.run("stop"), 0);
  for (int i = 20; i < 25; ++i) {
    const auto e = submit(i);
    EXPECT_EQ(e.code, store::errc::unavailable) << e.message;
  }
  EXPECT_FALSE(s->healthy());

  ASSERT_EQ(cluster.run("start"), 0);
  store::error e;
  for (int attempt = 0; attempt < 300; ++attempt) {
    e = submit(25);
    if (!e) break;
    claims.pop_back();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(e) << e.message;
  EXPECT_TRUE(s->healthy());
  for (int i = 26; i < 30; ++i) ASSERT_FALSE(submit(i));

  // Everything acknowledged is there, nothing else.
  EXPECT_EQ(acknowledged.size(), 25u);
  pqxx::connection c(cluster.dsn());
  pqxx::nontransaction n(c);
  std::set<std::int64_t> stored;
  for (const auto& row : n.exec("SELECT id FROM claims")) stored.insert(row[0].as<std::int64_t>());
  EXPECT_EQ(stored, acknowledged);
}

}  // namespace
}  // namespace rxgate::test
