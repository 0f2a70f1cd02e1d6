// Migrations from an empty database, re-runs, and refusal of a newer schema.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sql/migrations.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

TEST(Migrate, FromEmptyThenAgainIsANoOp) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_test_migrate_empty");
  std::string report;
  auto e = store::migrate(dsn, report);
  ASSERT_FALSE(e) << e.message;
  EXPECT_NE(report.find("applied 0001_claims.sql"), std::string::npos) << report;
  EXPECT_EQ(query_value(dsn, "SELECT max(version) FROM rxgate_schema_migrations"), std::to_string(store::known_schema_version()));
  EXPECT_EQ(query_value(dsn, "SELECT count(*) > 0 FROM pg_inherits WHERE inhparent = 'claims'::regclass"), "t");
  const std::string tables = query_value(dsn, "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p')");
  report.clear();
  e = store::migrate(dsn, report);
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(report.find("applied"), std::string::npos) << report;
  EXPECT_NE(report.find("up to date"), std::string::npos) << report;
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p')"), tables);
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM rxgate_schema_migrations"), std::to_string(store::detail::embedded_migrations().size()));
}

// A database migrated to the latest version, then taken back to how it was before `version`:
// `undo` runs, and `version` is no longer recorded as applied.
std::string database_before(const std::string& name, int version, const std::vector<std::string>& undo) {
  const std::string dsn = create_database(name);
  std::string report;
  const auto e = store::migrate(dsn, report);
  EXPECT_FALSE(e) << e.message;
  for (const auto& sql : undo) exec_sql(dsn, sql);
  exec_sql(dsn, "DELETE FROM rxgate_schema_migrations WHERE version = " + std::to_string(version));
  return dsn;
}

// 0020 on a database that already holds rejects: each learns its claim's pharmacy, so a search
// by reject code (which reads claim_rejects.provider_id) finds the rejects stored before it.
TEST(Migrate, RejectsStoredBefore0020LearnTheirPharmacy) {
  RXGATE_REQUIRE_DB();
  // The database as 0019 left it: no pharmacy on rejects, the old index.
  const std::string dsn = database_before("rxgate_test_migrate_0020", 20,
                                          {"ALTER TABLE claim_rejects DROP COLUMN provider_id",
                                           "CREATE INDEX claim_rejects_code_date ON claim_rejects (code, date_of_service)"});
  std::string report;
  for (const char* pharmacy : {"1234567890", "2345678901"}) {
    exec_sql(dsn, std::string("WITH c AS (INSERT INTO claims (id, date_of_service, source, transaction_code, bin, "
                              "provider_id, status, request, response) VALUES (rxgate_claim_id(nextval('claim_id_seq'), "
                              "current_date), current_date, 'test', 'B1', '999999', '") +
                      pharmacy + "', 'R', '\\x00', '\\x00') RETURNING id, date_of_service) "
                      "INSERT INTO claim_rejects (claim_id, date_of_service, seq, code) "
                      "SELECT id, date_of_service, 1, '79' FROM c");
  }
  const auto e = store::migrate(dsn, report);
  ASSERT_FALSE(e) << e.message;
  EXPECT_NE(report.find("applied 0020_rejects_by_pharmacy.sql"), std::string::npos) << report;
  EXPECT_EQ(query_value(dsn, "SELECT string_agg(r.provider_id, ',' ORDER BY r.provider_id) FROM claim_rejects r "
                             "JOIN claims c ON c.id = r.claim_id AND c.provider_id = r.provider_id"),
            "1234567890,2345678901");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM pg_indexes WHERE indexname = 'claim_rejects_code_date'"), "0");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM pg_indexes WHERE indexname = 'claim_rejects_pharmacy_code'"), "1");
}

// 0022 on a database that already holds claims: their ids (plain sequence values) carry no date
// and read as such, even where their last five digits could pass for one; every id made after it
// is above every older one and carries its date. The id column loses its default (an id from
// nextval alone would read as a wrong date).
TEST(Migrate, ClaimIdsFromBefore0022CarryNoDate) {
  RXGATE_REQUIRE_DB();
  // The database as 0021 left it, 99,999 claim ids drawn, then three claims: 100000..100002.
  const std::string dsn = database_before("rxgate_test_migrate_0022", 22,
                                          {"DROP FUNCTION rxgate_claim_id_date(bigint)",
                                           "DROP FUNCTION rxgate_claim_id(bigint, date)",
                                           "ALTER TABLE claims ALTER COLUMN id SET DEFAULT nextval('claim_id_seq')"});
  std::string report;
  exec_sql(dsn, "SELECT setval('claim_id_seq', 99999)");
  exec_sql(dsn, "INSERT INTO claims (date_of_service, source, transaction_code, bin, provider_id, status, request, "
                "response) SELECT current_date, 'test', 'B1', '999999', '1234567890', 'P', '\\x00', '\\x00' "
                "FROM generate_series(1, 3)");
  const auto e = store::migrate(dsn, report);
  ASSERT_FALSE(e) << e.message;
  EXPECT_NE(report.find("applied 0022_claim_ids_carry_dates.sql"), std::string::npos) << report;
  EXPECT_EQ(query_value(dsn, "SELECT string_agg(id::text || ':' || coalesce(rxgate_claim_id_date(id)::text, '-'), "
                             "',' ORDER BY id) FROM claims"),
            "100000:-,100001:-,100002:-");
  // The next value is 100003: ids from 100003 * 100000 on carry a date, those below do not.
  EXPECT_EQ(query_value(dsn, "SELECT coalesce(rxgate_claim_id_date(10000299999)::text, '-')"), "-");
  EXPECT_EQ(query_value(dsn, "SELECT rxgate_claim_id_date(10000300001)"), "2000-01-01");
  EXPECT_EQ(query_value(dsn, "SELECT coalesce(rxgate_claim_id_date(10000400000)::text, '-')"), "-");  // d = 0
  EXPECT_EQ(query_value(dsn, "SELECT rxgate_claim_id(nextval('claim_id_seq'), current_date) / 100000"), "100003");
  EXPECT_EQ(query_value(dsn, "SELECT column_default IS NULL FROM information_schema.columns "
                             "WHERE table_name = 'claims' AND column_name = 'id'"),
            "t");
}

// 0027 on a database whose reversals are in the claims row: each keeps its reversing claim and
// time as a link (one written by an older writer without its link gets one; one that has its
// link keeps it alone), and the two columns go.
TEST(Migrate, ReversalsFromBefore0027BecomeLinks) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = database_before("rxgate_test_migrate_0027", 27,
                                          {"ALTER TABLE claims ADD COLUMN reversed_at timestamptz, "
                                           "ADD COLUMN reversed_by bigint"});
  // Six claims of one day: 1 paid, reversed by 2 (a B2, linked); 3 paid, reversed by 4 (a B3,
  // not linked); 5 paid and standing; 6 rejected.
  exec_sql(dsn, "INSERT INTO claims (id, date_of_service, source, transaction_code, bin, provider_id, status, "
                "request, response, reversed_at, reversed_by) "
                "SELECT rxgate_claim_id(n, DATE '2026-11-20'), DATE '2026-11-20', 'test', t, '999999', '1234567890', "
                "s::\"char\", '\\x00', '\\x00', r::timestamptz, rxgate_claim_id(b, DATE '2026-11-20') "
                "FROM (VALUES (1, 'B1', 'P', '2026-11-20 10:00:00+00', 2), (2, 'B2', 'A', NULL, NULL), "
                "  (3, 'B1', 'P', '2026-11-20 11:00:00+00', 4), (4, 'B3', 'P', NULL, NULL), "
                "  (5, 'B1', 'P', NULL, NULL), (6, 'B1', 'R', NULL, NULL)) v(n, t, s, r, b)");
  exec_sql(dsn, "INSERT INTO claim_links (claim_id, replaces_claim_id, kind, created_at) "
                "VALUES (rxgate_claim_id(2, DATE '2026-11-20'), rxgate_claim_id(1, DATE '2026-11-20'), 'reversal', "
                "'2026-11-20 10:00:00+00')");
  std::string report;
  const auto e = store::migrate(dsn, report);
  ASSERT_FALSE(e) << e.message;
  EXPECT_NE(report.find("applied 0027_reversal_is_a_link.sql"), std::string::npos) << report;
  EXPECT_EQ(query_value(dsn, "SELECT string_agg(rxgate_claim_id_date(claim_id)::text || ' ' || claim_id / 100000 || ' ' "
                             "|| replaces_claim_id / 100000 || ' ' || kind || ' ' || "
                             "to_char(created_at AT TIME ZONE 'UTC', 'HH24:MI'), ',' ORDER BY claim_id) FROM claim_links"),
            "2026-11-20 2 1 reversal 10:00,2026-11-20 4 3 rebill 11:00");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'claims' "
                             "AND column_name IN ('reversed_at', 'reversed_by')"),
            "0");
}

TEST(Migrate, RefusesASchemaNewerThanTheBinary) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_test_migrate_newer");
  std::string report;
  ASSERT_FALSE(store::migrate(dsn, report));
  exec_sql(dsn, "INSERT INTO rxgate_schema_migrations (version, name) VALUES (9999, '9999_future.sql')");
  report.clear();
  const auto e = store::migrate(dsn, report);
  EXPECT_EQ(e.code, store::errc::schema) << e.message;
  // The store refuses it too, as a typed error.
  store::store_options o;
  o.dsn = dsn;
  auto s = store::open_store(o);
  std::unique_ptr<store::batch> b;
  EXPECT_EQ(s->begin(b).code, store::errc::schema);
  EXPECT_FALSE(b);
}

TEST(Migrate, StoreOnAnUnmigratedDatabaseSaysSchema) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_test_migrate_none");
  store::store_options o;
  o.dsn = dsn;
  auto s = store::open_store(o);
  EXPECT_EQ(s->connect().code, store::errc::schema);
  std::unique_ptr<store::batch> b;
  const auto e = s->begin(b);
  EXPECT_EQ(e.code, store::errc::schema) << e.message;
  EXPECT_FALSE(s->healthy());
  // Migrated, the same store connects (after its back-off) and is healthy.
  std::string report;
  ASSERT_FALSE(store::migrate(dsn, report));
  store::error c;
  for (int attempt = 0; attempt < 100; ++attempt) {
    c = s->connect();
    if (!c) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(c) << c.message;
  EXPECT_TRUE(s->healthy());
}

TEST(Migrate, ConcurrentRunsApplyEachMigrationOnce) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_test_migrate_concurrent");
  std::string r1, r2;
  store::error e1, e2;
  std::thread t1([&] { e1 = store::migrate(dsn, r1); });
  std::thread t2([&] { e2 = store::migrate(dsn, r2); });
  t1.join();
  t2.join();
  EXPECT_FALSE(e1) << e1.message;
  EXPECT_FALSE(e2) << e2.message;
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM rxgate_schema_migrations"), std::to_string(store::detail::embedded_migrations().size()));
}

// One B1 of member M100 through the store, as its own batch.
store::error insert_claim(const std::string& dsn, std::string_view rx, codec::date dos) {
  store::store_options o;
  o.dsn = dsn;
  auto s = store::open_store(o);
  claim_factory f;
  const codec::claim c = f.make("B1", rx, dos);
  store::batch_entry entry;
  entry.claim = &c;
  entry.request_bytes = "request";
  entry.response_bytes = "response";
  entry.source = "test";
  std::vector<store::batch_entry> v{entry};
  return run_batch(*s, v);
}

// The gateway's partition check (every few hours): a month whose partitions are missing gets them,
// a claim that landed in the default partition meanwhile is moved into its month, and a second
// check creates nothing.
TEST(Migrate, PartitionCheckCreatesMissingMonthsAndMovesDefaultRows) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_test_migrate_partitions");
  std::string report;
  ASSERT_FALSE(store::migrate(dsn, report));
  // The month after next: inside the check's window (next 3 months), after today.
  const std::string month = query_value(dsn, "SELECT to_char(date_trunc('month', current_date) + interval '2 months', 'YYYY_MM')");
  const std::string first = query_value(dsn, "SELECT (date_trunc('month', current_date) + interval '2 months')::date");
  exec_sql(dsn, "DROP TABLE claims_" + month);

  store::partition_check found;
  store::error e = store::ensure_partitions(dsn, found);
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(found.created, 1);
  EXPECT_EQ(found.rows_in_default, 0);
  EXPECT_EQ(query_value(dsn, "SELECT to_regclass('claims_" + month + "') IS NOT NULL"), "t");

  // A claim dated in a month without a partition lands in the default one and is counted ...
  exec_sql(dsn, "DROP TABLE claims_" + month);
  const int y = std::stoi(first.substr(0, 4)), m = std::stoi(first.substr(5, 2));
  ASSERT_FALSE(insert_claim(dsn, "900001", day(y, m, 3)));
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims_default"), "1");
  // ... and the check moves it into the month's new partition.
  e = store::ensure_partitions(dsn, found);
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(found.created, 1);
  EXPECT_EQ(found.rows_in_default, 0);
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims_" + month), "1");
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims"), "1");

  e = store::ensure_partitions(dsn, found);
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(found.created, 0);
}

// Outside the window nothing is created: a claim dated years ahead stays in the default partition
// and the check reports it (the gateway logs claims_in_default_partition).
TEST(Migrate, PartitionCheckCountsClaimsOutsideTheWindow) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_test_migrate_default");
  std::string report;
  ASSERT_FALSE(store::migrate(dsn, report));
  ASSERT_FALSE(insert_claim(dsn, "900002", day(2099, 1, 5)));
  store::partition_check found;
  const store::error e = store::ensure_partitions(dsn, found);
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(found.created, 0);
  EXPECT_EQ(found.rows_in_default, 1);
}

TEST(Migrate, PartitionCheckOnAnUnreachableServerIsUnavailable) {
  store::partition_check found;
  const auto e = store::ensure_partitions("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2", found);
  EXPECT_EQ(e.code, store::errc::unavailable) << e.message;
}

TEST(Migrate, UnreachableServerIsUnavailable) {
  RXGATE_REQUIRE_DB();
  std::string report;
  // Port 1 on loopback: nothing listens there.
  const auto e = store::migrate("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2", report);
  EXPECT_EQ(e.code, store::errc::unavailable) << e.message;
}

}  // namespace
}  // namespace rxgate::test
