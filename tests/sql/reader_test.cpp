// The read side against a real PostgreSQL: claim by id, search filters and keyset pagination,
// pharmacy summary, prior authorizations, the access store's audit row. Together these run every
// prepared statement of the reader: token_claim (with its rejects, DUR and audit row), search, summary_status,
// summary_rejects, pa_insert, pa_list, pa_revoke.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include "sql/access.h"
#include "sql/claim_id.h"
#include "sql/migrations.h"
#include "sql/pg.h"
#include "sql/reader.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using store::batch_entry;

class ReaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fresh_database_dsn().empty()) return;
    const std::string dsn = fresh_database_dsn();
    store::store_options o;
    o.dsn = dsn;
    auto s = store::open_store(o);
    claim_factory f;
    std::deque<codec::claim> claims;
    std::vector<batch_entry> v;
    // 30 claims at pharmacy P1 over three days, 5 at P2; every third at P1 is rejected 79 + MR.
    for (int i = 0; i < 35; ++i) {
      const bool p2 = i >= 30;
      claims.push_back(f.make("B1", std::to_string(700000 + i), day(2026, 11, 20 + i % 3), "M" + std::to_string(i % 4),
                              p2 ? "P2" : "P1", i % 2 ? "00071015523" : "00093505698"));
      batch_entry e;
      e.claim = &claims.back();
      e.request_bytes = f.keep(std::string("REQ\x1c\x00\xff", 6) + std::to_string(i));
      e.response_bytes = "RESP";
      e.source = "test";
      v.push_back(e);
    }
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(s->begin(b));
    ASSERT_FALSE(b->load_history(v));
    for (std::size_t i = 0; i < v.size(); ++i) {
      decide(v[i]);
      if (i < 30 && i % 3 == 0) {
        auto& d = v[i].decision;
        d = {};
        d.status = 'R';
        d.rejects.items[0].code = {'7', '9', 0};
        d.rejects.items[0].field = codec::make_field_id('D', '3');
        d.rejects.items[1].code = {'M', 'R', 0};
        d.rejects.items[1].field = codec::make_field_id('D', '7');
        d.rejects.items[1].occurrence = 1;
        d.rejects.count = i % 2 ? 2 : 1;
        d.dur[0].reason = "ER";
        d.dur[0].previous_fill = day(2026, 11, 1);
        d.dur_count = 1;
      }
    }
    ASSERT_FALSE(b->insert(v));
    ASSERT_FALSE(b->commit());
    first_id_ = v[0].claim_id;
    paid_id_ = v[1].claim_id;

    // The token claims are read with (claim_for_token): an operator sees every pharmacy.
    store::access_options ao;
    ao.dsn = dsn;
    auto access = store::open_access_store(ao);
    operator_digest_.fill(0x5a);
    ASSERT_FALSE(access->create_token("reader-test", store::access_role::operator_role, {}, operator_digest_,
                                      store::default_token_lifetime, operator_id_));
  }

  void SetUp() override {
    RXGATE_REQUIRE_DB();
    store::store_options o;
    o.dsn = fresh_database_dsn();
    reader_ = store::open_reader(o);
  }

  // A claim read by the operator's token; `outcome` as audited.
  store::error read(std::int64_t id, bool raw, store::claim_record& out, std::string& outcome) {
    store::token_claim_read in;
    in.token = operator_digest_;
    in.claim_id = id;
    in.with_raw_bytes = raw;
    in.remote = "test";
    store::token_claim_result r;
    auto e = reader_->claim_for_token(in, r);
    outcome = r.outcome;
    out = std::move(r.claim);
    return e;
  }

  static inline std::int64_t first_id_ = 0, paid_id_ = 0, operator_id_ = 0;
  static inline store::token_digest operator_digest_{};
  // How many claims a search with `f` answers on one page of 500; a failed search fails the test.
  std::size_t found(store::search_filter f) {
    f.limit = 500;
    store::search_page page;
    EXPECT_FALSE(reader_->search(f, page));
    return page.claims.size();
  }

  std::unique_ptr<store::claim_reader> reader_;
};

TEST_F(ReaderTest, ClaimByIdHasRejectsDurDetailAndRawBytesOnRequest) {
  store::claim_record c;
  std::string outcome;
  ASSERT_FALSE(read(first_id_, true, c, outcome));
  EXPECT_EQ(outcome, "ok");
  EXPECT_EQ(c.id, first_id_);
  EXPECT_EQ(c.status, 'R');
  EXPECT_EQ(c.provider_id, "P1");
  EXPECT_EQ(c.rx_number, "700000");
  EXPECT_EQ(c.date_of_service, "2026-11-20");
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].code, "79");
  EXPECT_EQ(c.rejects[0].field, "D3");
  ASSERT_EQ(c.dur.size(), 1u);
  EXPECT_EQ(c.dur[0].reason, "ER");
  EXPECT_EQ(c.dur[0].previous_fill, "2026-11-01");
  // Its history comes in the same statement: alone under its key, itself with its reject codes.
  ASSERT_EQ(c.history.size(), 1u);
  EXPECT_EQ(c.history[0].id, first_id_);
  EXPECT_EQ(c.history[0].relation, "this");
  EXPECT_EQ(c.history[0].status, 'R');
  EXPECT_EQ(c.history[0].date_of_service, "2026-11-20");
  EXPECT_EQ(c.history[0].reject_codes, std::vector<std::string>{"79"});
  EXPECT_EQ(c.request, std::string("REQ\x1c\x00\xff" "0", 7));
  EXPECT_EQ(c.response, "RESP");
  EXPECT_NE(c.detail_json.find("\"rejects\""), std::string::npos);
  // The detail comes read too (sql/claim_detail.h), so nobody parses detail_json by its keys.
  ASSERT_EQ(c.detail.rejects.size(), 1u);
  EXPECT_EQ(c.detail.rejects[0].code, "79");
  EXPECT_EQ(c.detail.rejects[0].field, "D3");
  ASSERT_EQ(c.detail.dur.size(), 1u);
  EXPECT_EQ(c.detail.dur[0].previous_fill, "2026-11-01");
  EXPECT_EQ(c.received_at.size(), 27u);  // 2026-11-23T19:40:00.123456Z

  store::claim_record p;
  ASSERT_FALSE(read(paid_id_, false, p, outcome));
  EXPECT_EQ(outcome, "ok");
  EXPECT_EQ(p.status, 'P');
  EXPECT_TRUE(p.request.empty());
  EXPECT_TRUE(p.total_paid.has_value());
  EXPECT_EQ(p.product_name, "TESTPRODUCT 10MG TAB");
  EXPECT_EQ(p.plan_version, 3);
  // The product as the plan had it comes from the row's columns (the detail no longer repeats
  // them); a rejected claim decided before a plan was found has no tier.
  EXPECT_EQ(p.therapeutic_class, "STATINS");
  EXPECT_EQ(p.tier, 1);
  EXPECT_FALSE(c.tier);

  store::claim_record none;
  ASSERT_FALSE(read(-5, false, none, outcome));
  EXPECT_EQ(outcome, "not_found");
  EXPECT_EQ(none.id, 0);
  // Each read wrote its audit row in the same statement.
  EXPECT_EQ(query_value(fresh_database_dsn(), "SELECT string_agg(outcome || ':' || coalesce(claim_id::text, '') || ':' || "
                                              "remote || ':' || actor, ' ' ORDER BY id) FROM claim_reads WHERE token_id = " +
                                              std::to_string(operator_id_) + " AND action = 'get' AND remote = 'test'"),
            "ok:" + std::to_string(first_id_) + ":test:token:" + std::to_string(operator_id_) + ":reader-test ok:" +
                std::to_string(paid_id_) + ":test:token:" + std::to_string(operator_id_) + ":reader-test not_found:-5:test:token:" +
                std::to_string(operator_id_) + ":reader-test");
}

// An unknown token reads nothing and audits nothing; the token comes back with the claim.
TEST_F(ReaderTest, ClaimForAnUnknownTokenReadsAndAuditsNothing) {
  const auto rows = [] { return query_value(fresh_database_dsn(), "SELECT count(*) FROM claim_reads"); };
  const auto before = rows();
  store::token_claim_read in;
  in.token.fill(0x11);
  in.claim_id = first_id_;
  in.remote = "unknown-token";
  store::token_claim_result r;
  ASSERT_FALSE(reader_->claim_for_token(in, r));
  EXPECT_FALSE(r.token);
  EXPECT_TRUE(r.outcome.empty());
  EXPECT_EQ(r.claim.id, 0);
  EXPECT_TRUE(r.provider_id.empty());
  EXPECT_EQ(rows(), before);
  in.token = operator_digest_;
  ASSERT_FALSE(reader_->claim_for_token(in, r));
  ASSERT_TRUE(r.token);
  EXPECT_EQ(r.token->id, operator_id_);
  EXPECT_EQ(r.token->name, "reader-test");
  EXPECT_EQ(r.token->role, store::access_role::operator_role);
  EXPECT_FALSE(r.token->expired);
  EXPECT_EQ(r.claim.id, first_id_);
  EXPECT_EQ(r.provider_id, "P1");
}

// A search with search_filter::audit writes its row, with the ids of the page it returns (not the
// extra row that says another page follows), in the same statement.
TEST_F(ReaderTest, AnAuditedSearchWritesItsRowWithThePagesIds) {
  store::search_filter f;
  f.pharmacy = "P2";
  f.limit = 3;
  f.audit = store::search_audit{{"token:0:search-test", 0, "remote-x"}, "pharmacy=P2 ids=", "on"};
  store::search_page page;
  ASSERT_FALSE(reader_->search(f, page));
  ASSERT_EQ(page.claims.size(), 3u);
  EXPECT_FALSE(page.next_cursor.empty());
  std::string ids;
  for (const auto& c : page.claims) ids += (ids.empty() ? "" : ",") + std::to_string(c.id);
  EXPECT_EQ(query_value(fresh_database_dsn(), "SELECT action || ' ' || outcome || ' ' || detail || ' ' || remote || ' ' || "
                                              "(token_id IS NULL) FROM claim_reads WHERE actor = 'token:0:search-test'"),
            "search ok pharmacy=P2 ids=" + ids + " remote-x true");
  // Without an audit, no row.
  f.audit.reset();
  ASSERT_FALSE(reader_->search(f, page));
  EXPECT_EQ(query_value(fresh_database_dsn(), "SELECT count(*) FROM claim_reads WHERE actor = 'token:0:search-test'"), "1");
}

TEST_F(ReaderTest, SearchPagesThroughEveryMatchOnceNewestFirst) {
  store::search_filter f;
  f.pharmacy = "P1";
  f.limit = 7;
  std::set<std::int64_t> seen;
  std::pair<std::string, std::int64_t> previous{"9999-12-31", 0};
  int pages = 0;
  do {
    store::search_page page;
    ASSERT_FALSE(reader_->search(f, page));
    for (const auto& c : page.claims) {
      EXPECT_TRUE(seen.insert(c.id).second);
      const std::pair<std::string, std::int64_t> key{c.date_of_service, c.id};
      if (previous.second != 0) {
        EXPECT_LT(key, previous);
      }
      previous = key;
      EXPECT_EQ(c.provider_id, "P1");
    }
    f.cursor = page.next_cursor;
    ++pages;
  } while (!f.cursor.empty() && pages < 20);
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(pages, 5);
}

TEST_F(ReaderTest, SearchFilters) {
  store::search_page page;
  store::search_filter f;
  f.limit = 500;
  f.reject_code = "MR";
  ASSERT_FALSE(reader_->search(f, page));
  EXPECT_EQ(page.claims.size(), 5u);  // i in {3, 9, 15, 21, 27}
  for (const auto& c : page.claims) {
    ASSERT_EQ(c.reject_codes.size(), 2u);
    EXPECT_EQ(c.reject_codes[1], "MR");
  }
  f = {};
  f.status = "R";
  ASSERT_FALSE(reader_->search(f, page));
  EXPECT_EQ(page.claims.size(), 10u);
  f = {};
  f.rx_number = "700031";
  ASSERT_FALSE(reader_->search(f, page));
  ASSERT_EQ(page.claims.size(), 1u);
  EXPECT_EQ(page.claims[0].provider_id, "P2");
  f = {};
  f.from = "2026-11-21";
  f.to = "2026-11-21";
  f.pharmacy = "P1";
  f.product_id = "00071015523";
  ASSERT_FALSE(reader_->search(f, page));
  EXPECT_EQ(page.claims.size(), 5u);  // odd i with i % 3 == 1 below 30
  // Scope: a caller allowed only P2 never sees P1, even when asking for it.
  f = {};
  f.allowed_pharmacies = {"P2"};
  ASSERT_FALSE(reader_->search(f, page));
  EXPECT_EQ(page.claims.size(), 5u);
  f.pharmacy = "P1";
  ASSERT_FALSE(reader_->search(f, page));
  EXPECT_TRUE(page.claims.empty());
  f = {};
  f.cursor = "garbage";
  EXPECT_EQ(reader_->search(f, page).code, store::errc::invalid);
  f = {};
  f.limit = 0;
  EXPECT_EQ(reader_->search(f, page).code, store::errc::invalid);
}

// A reject code at one pharmacy (given, or the whole scope), with at most dates besides, is
// read from the rejects first (search_kind::rejects); with an Rx, status or product, or over
// several pharmacies, from the claims (claims_with_reject). Both page newest first through every
// match once and answer the same claims.
TEST_F(ReaderTest, SearchByRejectCodePagesEveryMatchOnceWhicheverStatementAnswers) {
  store::search_filter f;
  f.pharmacy = "P1";
  f.reject_code = "79";
  f.limit = 3;
  EXPECT_EQ(store::kind_of(f), store::search_kind::rejects);
  std::vector<std::int64_t> ids;
  std::pair<std::string, std::int64_t> previous{"9999-12-31", 0};
  int pages = 0;
  do {
    store::search_page page;
    ASSERT_FALSE(reader_->search(f, page));
    EXPECT_LE(page.claims.size(), 3u);
    for (const auto& c : page.claims) {
      ids.push_back(c.id);
      const std::pair<std::string, std::int64_t> key{c.date_of_service, c.id};
      EXPECT_LT(key, previous);
      previous = key;
      EXPECT_EQ(c.provider_id, "P1");
      EXPECT_EQ(c.status, 'R');
      ASSERT_FALSE(c.reject_codes.empty());
      EXPECT_EQ(c.reject_codes[0], "79");
      EXPECT_FALSE(c.rx_number.empty());
    }
    f.cursor = page.next_cursor;
    ++pages;
  } while (!f.cursor.empty() && pages < 20);
  EXPECT_EQ(ids.size(), 10u);  // i in {0, 3, ..., 27}
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), 10u);
  EXPECT_EQ(pages, 4);  // 3 + 3 + 3 + 1: the last page says no page follows

  {
    store::search_filter k;
    k.reject_code = "79";
    EXPECT_EQ(store::kind_of(k), store::search_kind::claims_with_reject);  // every pharmacy
    k.allowed_pharmacies = {"P1", "P2"};
    EXPECT_EQ(store::kind_of(k), store::search_kind::claims_with_reject);
    k.allowed_pharmacies = {"P1"};
    EXPECT_EQ(store::kind_of(k), store::search_kind::rejects);
    k.allowed_pharmacies.clear();
    k.pharmacy = "P1";
    EXPECT_EQ(store::kind_of(k), store::search_kind::rejects);
    k.product_id = "00071015523";
    EXPECT_EQ(store::kind_of(k), store::search_kind::claims_with_reject);
    k.product_id.reset();
    k.status = "R";
    EXPECT_EQ(store::kind_of(k), store::search_kind::claims_with_reject);
    k.status.reset();
    k.rx_number = "700003";
    EXPECT_EQ(store::kind_of(k), store::search_kind::claims_with_reject);
    k.rx_number.reset();
    k.reject_code.reset();
    EXPECT_EQ(store::kind_of(k), store::search_kind::claims);
  }

  // Status R answers the same claims from the claims side.
  store::search_page all;
  f = {};
  f.pharmacy = "P1";
  f.reject_code = "79";
  f.status = "R";
  f.limit = 500;
  EXPECT_EQ(store::kind_of(f), store::search_kind::claims_with_reject);
  ASSERT_FALSE(reader_->search(f, all));
  std::vector<std::int64_t> by_claims;
  for (const auto& c : all.claims) by_claims.push_back(c.id);
  EXPECT_EQ(by_claims, ids);
  f.status = "P";
  EXPECT_EQ(found(f), 0u);

  // MR with an Rx number or a product (claims side).
  f = {};
  f.reject_code = "MR";
  f.rx_number = "700003";
  EXPECT_EQ(found(f), 1u);
  f.rx_number = "700006";  // rejected 79 only
  EXPECT_EQ(found(f), 0u);
  f.rx_number.reset();
  f.product_id = "00071015523";  // odd i: every MR claim
  EXPECT_EQ(found(f), 5u);
  f.product_id = "00093505698";
  EXPECT_EQ(found(f), 0u);

  // Dates bound the rejects: every rejected claim is of 2026-11-20 (i % 3 == 0).
  // Either statement: over every pharmacy (claims side), at P1 (rejects side).
  for (const bool at_p1 : {false, true}) {
    f = {};
    f.reject_code = "79";
    if (at_p1) f.pharmacy = "P1";
    for (const auto& [from, to, n] : {std::tuple{"2026-11-20", "2026-11-20", 10u}, {"2026-11-21", "2026-11-22", 0u},
                                      {"2026-11-19", "2026-11-19", 0u}, {"2026-11-20", "2026-11-19", 0u}}) {
      f.from = from;
      f.to = to;
      EXPECT_EQ(found(f), n) << from << ".." << to << " at P1 " << at_p1;
    }
  }

  // Scope: P2 has no rejects; asking for P1 with a P2 scope finds nothing; a P1 scope finds all.
  f = {};
  f.reject_code = "79";
  f.allowed_pharmacies = {"P2"};
  EXPECT_EQ(found(f), 0u);
  f.pharmacy = "P1";
  EXPECT_EQ(found(f), 0u);
  f.allowed_pharmacies = {"P1", "P2"};
  EXPECT_EQ(found(f), 10u);
  f.pharmacy = "P2";
  EXPECT_EQ(found(f), 0u);
  f.pharmacy.reset();
  EXPECT_EQ(found(f), 10u);  // two pharmacies: claims side
  f.allowed_pharmacies = {"P1"};
  EXPECT_EQ(found(f), 10u);  // the scope's one pharmacy: rejects side
}

TEST_F(ReaderTest, PharmacySummaryCountsStatusesAndTopRejects) {
  store::pharmacy_summary s;
  ASSERT_FALSE(reader_->summary("P1", "2026-11-01", "2026-11-30", s));
  ASSERT_EQ(s.by_status.size(), 2u);
  EXPECT_EQ(s.by_status[0], (std::pair<char, std::int64_t>{'P', 20}));
  EXPECT_EQ(s.by_status[1], (std::pair<char, std::int64_t>{'R', 10}));
  ASSERT_EQ(s.top_reject_codes.size(), 2u);
  EXPECT_EQ(s.top_reject_codes[0], (std::pair<std::string, std::int64_t>{"79", 10}));
  EXPECT_EQ(s.top_reject_codes[1], (std::pair<std::string, std::int64_t>{"MR", 5}));
  EXPECT_EQ(reader_->summary("P1", "11/01/2026", "2026-11-30", s).code, store::errc::invalid);
}

TEST_F(ReaderTest, PriorAuthorizationsCreateListRevokeAndFeedHistory) {
  store::prior_authorization_record pa;
  pa.number = "55500000001";
  pa.bin = "610014";
  pa.cardholder_id = "MPA";
  pa.person_code = "001";
  pa.therapeutic_class = "STATINS";
  pa.effective = "2026-01-01";
  pa.expires = "2026-12-31";
  pa.source = "operator";
  pa.created_by = "tech1";
  ASSERT_FALSE(reader_->create_prior_authorization(pa));
  EXPECT_GT(pa.id, 0);
  EXPECT_FALSE(pa.created_at.empty());
  store::prior_authorization_record dup = pa;
  EXPECT_EQ(reader_->create_prior_authorization(dup).code, store::errc::conflict);
  store::prior_authorization_record bad = pa;
  bad.number = "55500000002";
  bad.expires = "2025-01-01";
  EXPECT_EQ(reader_->create_prior_authorization(bad).code, store::errc::invalid);

  std::vector<store::prior_authorization_record> list;
  ASSERT_FALSE(reader_->list_prior_authorizations("610014", "MPA", "001", false, list));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].therapeutic_class, "STATINS");

  // The writer hands it to the rules as history; revoked ones come flagged.
  store::store_options o;
  o.dsn = fresh_database_dsn();
  auto s = store::open_store(o);
  claim_factory f;
  auto c = f.make("B1", "710001", day(2026, 11, 22), "MPA");
  std::vector<batch_entry> v(1);
  v[0].claim = &c;
  {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(s->begin(b));
    ASSERT_FALSE(b->load_history(v));
    ASSERT_EQ(v[0].history.authorizations.size(), 1u);
    EXPECT_FALSE(v[0].history.authorizations[0].revoked);
  }
  ASSERT_FALSE(reader_->revoke_prior_authorization(pa.id, "tech2"));
  EXPECT_EQ(reader_->revoke_prior_authorization(pa.id, "tech2").code, store::errc::not_found);
  ASSERT_FALSE(reader_->list_prior_authorizations("610014", "MPA", "001", false, list));
  EXPECT_TRUE(list.empty());
  ASSERT_FALSE(reader_->list_prior_authorizations("610014", "MPA", "001", true, list));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].revoked_by, "tech2");
  {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(s->begin(b));
    ASSERT_FALSE(b->load_history(v));
    // A revoked PA is no history any more (migration 0019: approved, unrevoked PAs only).
    EXPECT_TRUE(v[0].history.authorizations.empty());
  }
}

// The audit row of a read, in both commit modes (access_options::audit): the same row, with its
// outcome, whoever reads after it.
TEST_F(ReaderTest, AuditLogRecordsWhoReadWhatInBothCommitModes) {
  using mode = store::access_options::audit_commit;
  for (const auto m : {mode::async, mode::durable}) {
    store::access_options o;
    o.dsn = fresh_database_dsn();
    o.pool_size = 1;
    o.audit = m;
    const auto access = store::open_access_store(o);
    const std::string actor = m == mode::async ? "token:1:async" : "token:2:durable";
    const store::reader_identity who{actor, 0, "127.0.0.1"};
    ASSERT_FALSE(access->audit(who, "get", first_id_, "pharmacy=1234567890", "ok"));
    ASSERT_FALSE(access->audit(who, "search", std::nullopt, "pharmacy,status", "denied"));
    EXPECT_EQ(query_value(fresh_database_dsn(), "SELECT outcome || ' ' || remote FROM claim_reads WHERE actor = '" +
                                                    actor + "' AND claim_id = " + std::to_string(first_id_)),
              "ok 127.0.0.1");
    EXPECT_EQ(query_value(fresh_database_dsn(), "SELECT outcome || ' ' || detail FROM claim_reads WHERE actor = '" +
                                                    actor + "' AND claim_id IS NULL"),
              "denied pharmacy,status");
  }
  EXPECT_EQ(store::synchronous_commit_of(mode::async), "off");
  EXPECT_EQ(store::synchronous_commit_of(mode::durable), "on");
}

// A database of its own, migrated, with a store, a reader and an operator's token (the fixture's
// claims stay as its tests count them).
struct own_database {
  explicit own_database(const std::string& name) : dsn(create_database(name)) {
    std::string report;
    EXPECT_FALSE(store::migrate(dsn, report)) << report;
    store::store_options o;
    o.dsn = dsn;
    writer = store::open_store(o);
    reader = store::open_reader(o);
    store::access_options ao;
    ao.dsn = dsn;
    digest.fill(0x33);
    std::int64_t token_id = 0;
    EXPECT_FALSE(store::open_access_store(ao)->create_token("own", store::access_role::operator_role, {}, digest,
                                                             store::default_token_lifetime, token_id));
  }
  // Claim `c` in a batch of its own; its id, after checking the status it was answered.
  std::int64_t submit(const codec::claim& c, char status) {
    claims.push_back(c);
    std::vector<batch_entry> v{entry_for(claims.back())};
    EXPECT_FALSE(run_batch(*writer, v));
    EXPECT_EQ(v[0].decision.status, status) << c.transaction_code << " " << c.rx_number;
    return v[0].claim_id;
  }
  store::token_claim_result read(std::int64_t id) {
    store::token_claim_read in;
    in.token = digest;
    in.claim_id = id;
    in.remote = "test";
    store::token_claim_result r;
    EXPECT_FALSE(reader->claim_for_token(in, r));
    return r;
  }
  // The outcomes audited for reads of claim `id`, oldest first.
  std::string audited(std::int64_t id) {
    return query_value(dsn, "SELECT string_agg(outcome, ',' ORDER BY id) FROM claim_reads WHERE claim_id = " +
                                std::to_string(id));
  }

  std::string dsn;
  std::unique_ptr<store::claim_store> writer;
  std::unique_ptr<store::claim_reader> reader;
  store::token_digest digest{};
  std::deque<codec::claim> claims;
  claim_factory factory;
};

// How each claim of a claim's history relates to it, by id.
std::map<std::int64_t, std::string> relations(const store::claim_record& c) {
  std::map<std::int64_t, std::string> out;
  for (const auto& h : c.history) out[h.id] = h.relation;
  return out;
}

// Every kind of link under one key, read from each of its claims: the reader probes
// claim_links only for claims that can have a link (a rejected claim replaces nothing and
// nothing replaces it), and reads the history in the claim's own partition (migration 0022).
TEST(ReaderLinks, ClaimByIdShowsEachLinkOfItsKeyFromBothSides) {
  RXGATE_REQUIRE_DB();
  own_database db("rxgate_test_reader_links");
  auto& f = db.factory;
  const auto dos = day(2026, 11, 25);
  const auto paid = db.submit(f.make("B1", "710001", dos), 'P');
  const auto duplicate = db.submit(f.make("B1", "710001", dos), 'D');
  const auto rejected = db.submit(f.make("B1", "710001", dos, "M100", "1234567890", "00071015523", 60000), 'R');
  const auto reversal = db.submit(f.make("B2", "710001", dos), 'A');
  const auto reversed_again = db.submit(f.make("B2", "710001", dos), 'S');
  const auto repaid = db.submit(f.make("B1", "710001", dos), 'P');
  const auto rebill = db.submit(f.make("B3", "710001", dos, "M100", "1234567890", "00071015523", 45000), 'P');
  const std::vector<std::int64_t> all{paid, duplicate, rejected, reversal, reversed_again, repaid, rebill};
  // The S's link may be the older one: its transaction can start before the reversal's (a batch
  // that lost the reversal to a later one is decided again as S in its own transaction).
  exec_sql(db.dsn, "UPDATE claim_links SET created_at = created_at - interval '1 hour' WHERE claim_id = " +
                       std::to_string(reversed_again));
  // What each claim's page says of the others (same_key where nothing links them).
  const std::map<std::int64_t, std::map<std::int64_t, std::string>> expected{
      {paid, {{duplicate, "duplicate_received"}, {reversal, "reversed_by"}, {reversed_again, "reversed_by"}}},
      {duplicate, {{paid, "duplicate_of"}}},
      {rejected, {}},
      {reversal, {{paid, "reverses"}}},
      {reversed_again, {{paid, "reverses"}}},
      {repaid, {{rebill, "rebilled_by"}}},
      {rebill, {{repaid, "rebills"}}}};
  const std::map<std::int64_t, std::pair<std::int64_t, std::string>> own_link{
      {duplicate, {paid, "duplicate"}}, {reversal, {paid, "reversal"}},
      {reversed_again, {paid, "reversal"}}, {rebill, {repaid, "rebill"}}};
  const std::map<std::int64_t, std::int64_t> reversed_by{{paid, reversal}, {repaid, rebill}};
  for (const auto id : all) {
    const auto r = db.read(id);
    ASSERT_EQ(r.outcome, "ok") << id;
    EXPECT_EQ(r.claim.id, id);
    std::map<std::int64_t, std::string> want;
    for (const auto other : all) want[other] = other == id ? "this" : "same_key";
    for (const auto& [other, relation] : expected.at(id)) want[other] = relation;
    EXPECT_EQ(relations(r.claim), want) << "claim " << id;
    const auto link = own_link.find(id);
    EXPECT_EQ(r.claim.replaces_claim_id.value_or(0), link == own_link.end() ? 0 : link->second.first) << id;
    EXPECT_EQ(r.claim.link_kind, link == own_link.end() ? "" : link->second.second) << id;
    // The reversal is the reversing link from a claim that is not an S (migration 0027): the B2
    // answered S links to the paid claim too, here with the older link, and is not its reversal.
    const auto reverser = reversed_by.find(id);
    EXPECT_EQ(r.claim.reversed_by.value_or(0), reverser == reversed_by.end() ? 0 : reverser->second) << id;
    EXPECT_EQ(r.claim.reversed_at.empty(), reverser == reversed_by.end()) << id;
    for (const auto& h : r.claim.history) {
      EXPECT_EQ(h.reject_codes, h.id == rejected ? std::vector<std::string>{"83"} : std::vector<std::string>{}) << h.id;
    }
    EXPECT_EQ(db.audited(id), "ok") << id;
  }
  EXPECT_EQ(db.read(rejected).claim.rejects.size(), 1u);
}

// A claim without an Rx shares no prescription: two eligibility checks (E1) of one pharmacy on one
// day each show only themselves in their history, where their empty Rx once made one key of every
// such claim of the pharmacy that day (checked to fail without the reader's gate).
TEST(ReaderLinks, AClaimWithoutAnRxHasNoKeyHistory) {
  RXGATE_REQUIRE_DB();
  own_database db("rxgate_test_reader_no_rx");
  auto& f = db.factory;
  const auto dos = day(2026, 11, 25);
  const auto first = db.submit(f.make("E1", "", dos), 'A');
  const auto second = db.submit(f.make("E1", "", dos), 'A');
  const auto paid = db.submit(f.make("B1", "710002", dos), 'P');
  const auto again = db.submit(f.make("B1", "710002", dos), 'D');
  for (const auto id : {first, second}) {
    const auto r = db.read(id);
    ASSERT_EQ(r.outcome, "ok") << id;
    EXPECT_EQ(relations(r.claim), (std::map<std::int64_t, std::string>{{id, "this"}})) << id;
  }
  // A claim with an Rx still shows its key.
  EXPECT_EQ(relations(db.read(paid).claim),
            (std::map<std::int64_t, std::string>{{paid, "this"}, {again, "duplicate_received"}}));
}

// Claims stored before migration 0022 have ids that carry no date (plain sequence values, below
// the boundary 0022 wrote into rxgate_claim_id_date): the reader finds them in every partition,
// with rejects, DUR alerts and history, and audits each read once, as it does a dated id's. An id
// found nowhere is audited once as not_found, dated or not.
TEST(ReaderUndated, ClaimsFromBeforeMigration0022AreReadFromEveryPartition) {
  RXGATE_REQUIRE_DB();
  own_database db("rxgate_test_reader_undated");
  exec_sql(db.dsn, "INSERT INTO claims (id, date_of_service, source, transaction_code, bin, provider_id, rx_number, "
                   "fill_number, status, request, response) VALUES "
                   "(4242, '2026-11-10', 'test', 'B1', '610014', '1234567890', '720001', 0, 'R', '\\x00', '\\x00'), "
                   "(4243, '2026-11-10', 'test', 'B1', '610014', '1234567890', '720001', 0, 'P', '\\x00', '\\x00')");
  exec_sql(db.dsn, "INSERT INTO claim_rejects (claim_id, date_of_service, seq, code, provider_id) "
                   "VALUES (4242, '2026-11-10', 1, '79', '1234567890')");
  exec_sql(db.dsn, "INSERT INTO claim_dur_alerts (claim_id, date_of_service, seq, reason) "
                   "VALUES (4242, '2026-11-10', 1, 'ER')");
  ASSERT_EQ(query_value(db.dsn, "SELECT rxgate_claim_id_date(4242) IS NULL"), "t");
  const auto old = db.read(4242);
  ASSERT_EQ(old.outcome, "ok");
  EXPECT_EQ(old.claim.date_of_service, "2026-11-10");
  ASSERT_EQ(old.claim.rejects.size(), 1u);
  EXPECT_EQ(old.claim.rejects[0].code, "79");
  EXPECT_EQ(old.claim.dur.size(), 1u);
  EXPECT_EQ(relations(old.claim), (std::map<std::int64_t, std::string>{{4242, "this"}, {4243, "same_key"}}));
  EXPECT_EQ(db.audited(4242), "ok");
  EXPECT_EQ(db.read(4244).outcome, "not_found");
  EXPECT_EQ(db.audited(4244), "not_found");
  const auto missing = store::make_claim_id(777, day(2026, 11, 10));
  EXPECT_EQ(db.read(missing).outcome, "not_found");
  EXPECT_EQ(db.audited(missing), "not_found");
  // A claim written now, under the same key, reads through its own partition and sees the old ones.
  const auto now = db.submit(db.factory.make("B1", "720001", day(2026, 11, 10)), 'P');
  ASSERT_GT(now, 4243);
  const auto dated = db.read(now);
  ASSERT_EQ(dated.outcome, "ok");
  EXPECT_EQ(relations(dated.claim),
            (std::map<std::int64_t, std::string>{{4242, "same_key"}, {4243, "same_key"}, {now, "this"}}));
  EXPECT_EQ(db.audited(now), "ok");
}

// Reads by id run the statement of their claim's month (a generic plan per month, prepared on a
// connection the first time it reads that month, 18 months kept per connection): warm() opens the
// by-id connections; one connection
// reads claims of 20 months, some older than the partitions made ahead (the default partition),
// in turn and twice over, each its own claim, audited once per read.
TEST(ReaderMonths, OneConnectionReadsClaimsOfMoreMonthsThanItKeepsPrepared) {
  RXGATE_REQUIRE_DB();
  own_database db("rxgate_test_reader_months");
  store::store_options o;
  o.dsn = db.dsn;
  o.read_pool_size = 2;  // reads one at a time borrow the first
  db.reader = store::open_reader(o);
  db.reader->warm();  // today's month prepared first on every by-id connection, as at a server's start
  // warm() opened its pools: the by-id connections, the search connections and those of
  // summaries and PAs.
  for (const char* pool : {"rxgate-reader-claims", "rxgate-reader-search", "rxgate-reader"})
    EXPECT_EQ(query_value(db.dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND application_name = '" + std::string(pool) + "'"),
              "2")
        << pool;
  const codec::date today = store::pg::today_utc();
  std::vector<std::pair<std::int64_t, codec::date>> claims;
  for (int back = 0; back < 20; ++back) {
    int year = today.year, month = today.month - back;
    while (month < 1) month += 12, --year;
    const codec::date d{static_cast<std::int16_t>(year), static_cast<std::uint8_t>(month), 10};
    claims.emplace_back(db.submit(db.factory.make("B1", std::to_string(730000 + back), d), 'P'), d);
  }
  ASSERT_NE(query_value(db.dsn, "SELECT count(*) FROM claims_default"), "0");
  for (int round = 0; round < 2; ++round) {
    for (const auto& [id, d] : claims) {
      const auto r = db.read(id);
      ASSERT_EQ(r.outcome, "ok") << id;
      EXPECT_EQ(r.claim.id, id);
      char date[16];
      std::snprintf(date, sizeof date, "%04d-%02d-%02d", d.year, d.month, d.day);
      EXPECT_EQ(r.claim.date_of_service, date);
    }
  }
  for (const auto& [id, d] : claims) EXPECT_EQ(db.audited(id), "ok,ok") << id;
}

TEST_F(ReaderTest, UnreachableServerIsATypedError) {
  store::store_options o;
  o.dsn = "host=127.0.0.1 port=1 dbname=x user=x";
  auto r = store::open_reader(o);
  store::token_claim_read in;
  in.claim_id = 1;
  store::token_claim_result c;
  EXPECT_EQ(r->claim_for_token(in, c).code, store::errc::unavailable);
  // Backing off: the next call fails fast with the same code.
  EXPECT_EQ(r->claim_for_token(in, c).code, store::errc::unavailable);
}

}  // namespace
}  // namespace rxgate::test
