// The batch writer against a real PostgreSQL: rows written, idempotency and reversal rules, member
// history, in-batch conflicts, rollback. Together these run every prepared statement of the
// writer: history (with the claim ids it reserves), reserve_ids (insert without a history),
// write_keys (reversals, payments, duplicate checks and links: rxgate_write_keys, migration
// 0013) with COPY into claims, claim_rejects and claim_dur_alerts, or insert_batch (the unnest
// method: all of it in one statement); both methods are run.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "sql/reversal.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using store::batch_entry;
using store::insert_method;

// The claim that reversed claim `id`, as the readers find it (sql/reversal.h; empty when none).
std::string reversed_by(std::int64_t id) {
  return "SELECT rv.claim_id FROM claims c LEFT JOIN LATERAL (" + store::detail::reversal_of("c") +
         ") rv ON true WHERE c.id = " + std::to_string(id);
}

class StoreTest : public ::testing::TestWithParam<insert_method> {
 protected:
  void SetUp() override {
    RXGATE_REQUIRE_DB();
    dsn_ = fresh_database_dsn();
    // DELETE, not TRUNCATE: truncating ~150 partitions costs seconds, the rows here are few.
    exec_sql(dsn_, "DELETE FROM claims; DELETE FROM claim_rejects; DELETE FROM claim_dur_alerts; "
                   "DELETE FROM claim_links; DELETE FROM active_paid_keys; DELETE FROM prior_authorizations");
    store::store_options o;
    o.dsn = dsn_;
    o.method = GetParam();
    o.reconnect_min = std::chrono::milliseconds(10);
    store_ = store::open_store(o);
    ASSERT_TRUE(store_);
  }

  batch_entry entry(const codec::claim& c) {
    batch_entry e;
    e.claim = &claims_.emplace_back(c);
    e.request_bytes = f_.keep(std::string("610014D0B1\x1e\x1c" "AM07\x1c" "D2", 17) + std::string(c.rx_number));
    e.response_bytes = "D0B1 response";
    e.source = "test";
    return e;
  }

  // Runs one claim as its own batch and returns the entry.
  // The returned entry's views (history, replayed pricing) stay valid until the next submit or
  // begin (the store holds one open batch at a time, and the kept one counts until released).
  batch_entry submit(const codec::claim& c) {
    last_batch_.reset();
    std::vector<batch_entry> v{entry(c)};
    const auto e = run_batch(*store_, v, &last_batch_);
    EXPECT_FALSE(e) << e.message;
    return v[0];
  }

  store::error begin(std::unique_ptr<store::batch>& b) {
    last_batch_.reset();
    return store_->begin(b);
  }

  std::string q(const std::string& sql) { return query_value(dsn_, sql); }

  std::string dsn_;
  std::unique_ptr<store::claim_store> store_;
  claim_factory f_;
  std::deque<codec::claim> claims_;
  std::unique_ptr<store::batch> last_batch_;
};

TEST_P(StoreTest, PaidClaimIsStoredWithItsRowsAndDetail) {
  auto c = f_.make("B1", "100001", day(2026, 11, 2));
  batch_entry e = entry(c);
  std::vector<batch_entry> v{e};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(v));
  EXPECT_FALSE(v[0].history.same_key);
  decide(v[0]);
  ASSERT_EQ(v[0].decision.status, 'P');
  auto& d = v[0].decision;
  d.dur[0].reason = "ER";
  d.dur[0].significance = "1";
  d.dur[0].previous_fill = day(2026, 10, 20);
  d.dur[0].previous_quantity = 30000;
  d.dur[0].free_text = "OVERUSE \"quoted\" \\ back";
  d.dur_count = 1;
  d.preferred[0].product_id = "00093505698";
  d.preferred[0].description = "GENERIC ALT";
  d.preferred_count = 1;
  std::memcpy(d.text_storage[0].data(), "Paid; see plan.", 15);
  d.text_length[0] = 15;
  d.text_count = 1;
  ASSERT_FALSE(b->insert(v)) ;
  ASSERT_GT(v[0].claim_id, 0);
  ASSERT_FALSE(v[0].conflict);
  ASSERT_FALSE(b->commit());
  const std::string id = std::to_string(v[0].claim_id);
  EXPECT_EQ(q("SELECT status::text || ' ' || authorization_number || ' ' || total_paid || ' ' || other_amounts FROM claims WHERE id = " + id),
            "P " + std::string(d.authorization()) + " " + std::to_string(d.price->total_paid) + " 01:25");
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys WHERE claim_id = " + id), "1");
  EXPECT_EQ(q("SELECT reason || '|' || significance || '|' || previous_fill || '|' || free_text FROM claim_dur_alerts WHERE claim_id = " + id),
            "ER|1|2026-10-20|OVERUSE \"quoted\" \\ back");
  EXPECT_EQ(q("SELECT product_name || ' ' || therapeutic_class || ' ' || tier FROM claims WHERE id = " + id),
            "TESTPRODUCT 10MG TAB STATINS 1");
  // The detail does not repeat the row's columns (sql/claim_detail.h).
  EXPECT_EQ(q("SELECT (detail ?| array['product', 'quantity', 'days_supply'])::text FROM claims WHERE id = " + id), "false");
  EXPECT_EQ(q("SELECT detail->'preferred'->0->>'product_id' FROM claims WHERE id = " + id), "00093505698");
  EXPECT_EQ(q("SELECT detail->'dur'->0->>'free_text' FROM claims WHERE id = " + id), "OVERUSE \"quoted\" \\ back");
  EXPECT_EQ(q("SELECT detail->'texts'->>0 FROM claims WHERE id = " + id), "Paid; see plan.");
  // Raw bytes keep the separators exactly.
  EXPECT_EQ(q("SELECT encode(request, 'hex') FROM claims WHERE id = " + id).substr(0, 22), "36313030313444304231" "1e");
  EXPECT_EQ(q("SELECT tableoid::regclass::text FROM claims WHERE id = " + id), "claims_2026_11");
}

TEST_P(StoreTest, RejectedClaimKeepsRejectsWithFieldAndOccurrence) {
  auto c = f_.make("B1", "100002", day(2026, 11, 3));
  std::vector<batch_entry> v{entry(c)};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(v));
  auto& d = v[0].decision;
  d.status = 'R';
  d.rejects.items[0].code = {'7', '9', 0};
  d.rejects.items[0].field = codec::make_field_id('D', '3');
  d.rejects.items[1].code = {'M', 'R', 0};
  d.rejects.items[1].field = codec::make_field_id('D', '7');
  d.rejects.items[1].occurrence = 2;
  d.rejects.count = 2;
  d.refill_too_soon = rules::refill_too_soon_detail{day(2026, 10, 20), 30000, 30, true, day(2026, 11, 12)};
  ASSERT_FALSE(b->insert(v));
  ASSERT_FALSE(b->commit());
  const std::string id = std::to_string(v[0].claim_id);
  EXPECT_EQ(q("SELECT string_agg(code || ':' || field || ':' || occurrence, ',' ORDER BY seq) FROM claim_rejects WHERE claim_id = " + id),
            "79:D3:0,MR:D7:2");
  EXPECT_EQ(q("SELECT detail->'refill_too_soon'->>'next_allowed' FROM claims WHERE id = " + id), "2026-11-12");
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "0");
}

// Eligibility checks of one pharmacy on one day share every claim-key column (their Rx is
// empty), so a key probe for one walks all of them. Such an entry gets no claim key; a claim with
// an Rx still finds the rejected claim stored under its key (the control: a K row for a rejected
// claim is there to be found).
TEST_P(StoreTest, AClaimWithoutAnRxHasNoClaimKey) {
  auto rejected = [&](const codec::claim& c) {
    std::vector<batch_entry> v{entry(c)};
    std::unique_ptr<store::batch> b;
    EXPECT_FALSE(begin(b));
    EXPECT_FALSE(b->load_history(v));
    auto& d = v[0].decision;
    d.status = 'R';
    d.rejects.items[0].code = {'5', '2', 0};
    d.rejects.items[0].field = codec::make_field_id('C', '2');
    d.rejects.count = 1;
    EXPECT_FALSE(b->insert(v));
    EXPECT_FALSE(b->commit());
    return v[0];
  };
  const auto dos = day(2026, 11, 5);
  const batch_entry first_check = rejected(f_.make("E1", "", dos));
  EXPECT_FALSE(first_check.history.same_key);
  const batch_entry second_check = rejected(f_.make("E1", "", dos));
  EXPECT_FALSE(second_check.history.same_key);
  EXPECT_EQ(q("SELECT count(*) FROM claims WHERE transaction_code = 'E1' AND rx_number = '' AND status = 'R'"), "2");

  const batch_entry first_claim = rejected(f_.make("B1", "100010", dos));
  EXPECT_FALSE(first_claim.history.same_key);
  const batch_entry again = submit(f_.make("B1", "100010", dos));
  ASSERT_TRUE(again.history.same_key);
  EXPECT_EQ(again.history.same_key->claim_id, first_claim.claim_id);
  EXPECT_EQ(again.history.same_key->status, 'R');
  EXPECT_EQ(again.decision.status, 'P');
}

TEST_P(StoreTest, RetransmitOfPaidClaimGetsTheStoredAnswer) {
  auto c = f_.make("B1", "100003", day(2026, 11, 4));
  const batch_entry first = submit(c);
  ASSERT_EQ(first.decision.status, 'P');
  const batch_entry again = submit(c);
  ASSERT_TRUE(again.history.same_key);
  EXPECT_EQ(again.decision.status, 'D');
  EXPECT_EQ(again.decision.authorization(), first.decision.authorization());
  ASSERT_TRUE(again.decision.price);
  EXPECT_EQ(again.decision.price->total_paid, first.decision.price->total_paid);
  EXPECT_EQ(again.decision.price->other_amount_count, 1);
  EXPECT_EQ(again.decision.price->basis_of_reimbursement, "01");
  // Every amount of the stored answer, in its place (the history's K row carries them in one
  // array: sql_history).
  EXPECT_EQ(*again.decision.price, *first.decision.price);
  EXPECT_EQ(again.decision.replaces_claim_id, first.claim_id);
  EXPECT_EQ(q("SELECT kind FROM claim_links WHERE claim_id = " + std::to_string(again.claim_id)), "duplicate");
  EXPECT_EQ(q("SELECT count(*) FROM claims WHERE status = 'P'"), "1");
}

// The K probe reads only the claims partitions between the batch's earliest and latest keyed
// date of service (sql_history, $19..$20): retransmits of four months in one batch, the
// earliest and the latest in the middle of it and one in the default partition, each find the
// claim stored under their key.
TEST_P(StoreTest, RetransmitsOfSeveralMonthsInOneBatchEachFindTheirClaim) {
  const codec::date dates[] = {day(2026, 11, 4), day(2026, 8, 3), day(2045, 5, 1), day(2027, 2, 27)};
  std::vector<codec::claim> originals;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    originals.push_back(f_.make("B1", "10010" + std::to_string(i), dates[i]));
    const batch_entry paid = submit(originals.back());
    ASSERT_EQ(paid.decision.status, 'P') << i;
    ids.push_back(paid.claim_id);
  }
  std::vector<batch_entry> v;
  for (const auto& c : originals) v.push_back(entry(c));
  // From the first read (a probe that missed would pay, lose the key at insert and be read again:
  // right in the end, but not by this statement).
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(v));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(v[i].history.same_key) << i;
    EXPECT_EQ(v[i].history.same_key->claim_id, ids[i]) << i;
    decide(v[i]);
    EXPECT_EQ(v[i].decision.status, 'D') << i;
  }
  ASSERT_FALSE(b->insert(v));
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(v[i].conflict) << i;
  ASSERT_FALSE(b->commit());
  EXPECT_EQ(q("SELECT count(*) FROM claims WHERE status = 'P'"), "4");
  b.reset();
  // A claim whose date did not parse is stored and probed under today's date, which bounds the
  // range like any other (here its latest end).
  const auto undated = f_.make("B1", "100109", codec::date{});
  const batch_entry stored = submit(undated);
  std::vector<batch_entry> w{entry(originals[1]), entry(undated)};
  std::unique_ptr<store::batch> b2;
  ASSERT_FALSE(begin(b2));
  ASSERT_FALSE(b2->load_history(w));
  ASSERT_TRUE(w[1].history.same_key);
  EXPECT_EQ(w[1].history.same_key->claim_id, stored.claim_id);
}

// Reversals of claims from three dates in two months (two partitions) in one batch, in another
// order than the claims were paid: each reversed claim names its own reversal, and a paid claim
// among them that the batch does not reverse stays as it was.
TEST_P(StoreTest, ReversalsOfOneBatchEachMarkTheirOwnClaim) {
  const codec::date dates[] = {day(2026, 10, 30), day(2026, 11, 3), day(2026, 11, 6)};
  std::vector<batch_entry> paid;
  for (int i = 0; i < 3; ++i) {
    paid.push_back(submit(f_.make("B1", std::to_string(100100 + i), dates[i])));
    ASSERT_EQ(paid.back().decision.status, 'P');
  }
  const batch_entry kept = submit(f_.make("B1", "100110", day(2026, 11, 3)));
  ASSERT_EQ(kept.decision.status, 'P');
  std::vector<batch_entry> v;
  for (int i : {2, 0, 1}) v.push_back(entry(f_.make("B2", std::to_string(100100 + i), dates[i])));
  last_batch_.reset();
  const auto e = run_batch(*store_, v);
  ASSERT_FALSE(e) << e.message;
  for (const auto& x : v) ASSERT_EQ(x.decision.status, 'A');
  for (int j = 0; j < 3; ++j) {
    const int i = std::array{2, 0, 1}[j];
    EXPECT_EQ(q(reversed_by(paid[i].claim_id)),
              std::to_string(v[j].claim_id));
  }
  EXPECT_EQ(q("SELECT count(*) FROM claims WHERE EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill'))"), "3");
  EXPECT_EQ(q("SELECT NOT EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill')) FROM claims WHERE id = " + std::to_string(kept.claim_id)), "t");
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "1");
}

TEST_P(StoreTest, DifferentClaimUnderAnActivePaidKeyIsRejected83) {
  auto c = f_.make("B1", "100004", day(2026, 11, 4));
  ASSERT_EQ(submit(c).decision.status, 'P');
  auto other = f_.make("B1", "100004", day(2026, 11, 4), "M100", "1234567890", "00071015523", 60000);
  const batch_entry e = submit(other);
  EXPECT_EQ(e.decision.status, 'R');
  EXPECT_EQ(e.decision.rejects.items[0].code_view(), "83");
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "1");
}

TEST_P(StoreTest, ReversalThenRepeatThenNothingToReverse) {
  auto paid = f_.make("B1", "100005", day(2026, 11, 5));
  const batch_entry p = submit(paid);
  ASSERT_EQ(p.decision.status, 'P');
  // The reversed claim's row is written once (migration 0027): the same row version before and
  // after its reversal, which is the reversing claim's link.
  const std::string row_version = "SELECT ctid::text || '/' || xmin::text FROM claims WHERE id = " + std::to_string(p.claim_id);
  const std::string paid_row = q(row_version);
  const batch_entry r = submit(f_.make("B2", "100005", day(2026, 11, 5)));
  EXPECT_EQ(r.decision.status, 'A');
  EXPECT_EQ(q(reversed_by(p.claim_id)), std::to_string(r.claim_id));
  EXPECT_EQ(q(row_version), paid_row);
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "0");
  EXPECT_EQ(q("SELECT kind FROM claim_links WHERE claim_id = " + std::to_string(r.claim_id)), "reversal");
  const batch_entry r2 = submit(f_.make("B2", "100005", day(2026, 11, 5)));
  EXPECT_EQ(r2.decision.status, 'S');
  // The repeat links to the claim too; the reversal stays the first one.
  EXPECT_EQ(q("SELECT kind FROM claim_links WHERE claim_id = " + std::to_string(r2.claim_id)), "reversal");
  EXPECT_EQ(q(reversed_by(p.claim_id)), std::to_string(r.claim_id));
  const batch_entry none = submit(f_.make("B2", "999999", day(2026, 11, 5)));
  EXPECT_EQ(none.decision.status, 'R');
  EXPECT_EQ(none.decision.rejects.items[0].code_view(), "87");
  // The key is free again: the same claim pays anew.
  const batch_entry p2 = submit(paid);
  EXPECT_EQ(p2.decision.status, 'P');
  EXPECT_NE(p2.claim_id, p.claim_id);
}

// A claim's id carries the date its rows are stored under (migration 0022, sql/claim_id.h), as
// the database reads it back: at both ends of the range five digits hold and just past them (no
// date, 0), and for a claim without a date of service (stored under today, UTC). The database's
// rxgate_claim_id makes the same ids as the writer, and ids still grow claim by claim.
TEST_P(StoreTest, EveryIdCarriesTheDateItsRowsAreStoredUnder) {
  struct dated {
    codec::date dos;
    const char* stored;   // the rows' date_of_service
    const char* carried;  // rxgate_claim_id_date(id), "" for NULL
  };
  const dated cases[] = {{day(2026, 11, 5), "2026-11-05", "2026-11-05"},
                         {day(1999, 12, 31), "1999-12-31", ""},
                         {day(2000, 1, 1), "2000-01-01", "2000-01-01"},
                         {day(2273, 10, 14), "2273-10-14", "2273-10-14"},
                         {day(2273, 10, 15), "2273-10-15", ""}};
  std::int64_t previous = 0;
  int rx = 500100;
  for (const auto& k : cases) {
    const batch_entry e = submit(f_.make("B1", std::to_string(++rx), k.dos));
    ASSERT_EQ(e.decision.status, 'P') << k.stored;
    EXPECT_GT(e.claim_id, previous) << k.stored;
    previous = e.claim_id;
    const std::string id = std::to_string(e.claim_id);
    EXPECT_EQ(q("SELECT date_of_service FROM claims WHERE id = " + id), k.stored);
    EXPECT_EQ(q("SELECT coalesce(rxgate_claim_id_date(" + id + ")::text, '')"), k.carried) << k.stored;
    EXPECT_EQ(q("SELECT date_of_service FROM active_paid_keys WHERE claim_id = " + id), k.stored);
  }
  codec::claim undated = f_.make("B1", "500199", day(2026, 11, 5));
  undated.date_of_service = {};
  const batch_entry u = submit(undated);
  const std::string id = std::to_string(u.claim_id);
  EXPECT_EQ(q("SELECT date_of_service = (now() AT TIME ZONE 'UTC')::date FROM claims WHERE id = " + id), "t");
  EXPECT_EQ(q("SELECT rxgate_claim_id_date(" + id + ") = (now() AT TIME ZONE 'UTC')::date"), "t");
  EXPECT_EQ(q("SELECT count(*) FROM claims WHERE rxgate_claim_id(id / 100000, date_of_service) <> id"), "0");
}

TEST_P(StoreTest, RebillReversesAndPaysAtomically) {
  const batch_entry p = submit(f_.make("B1", "100006", day(2026, 11, 6)));
  ASSERT_EQ(p.decision.status, 'P');
  const batch_entry b3 = submit(f_.make("B3", "100006", day(2026, 11, 6), "M100", "1234567890", "00071015523", 45000));
  ASSERT_EQ(b3.decision.status, 'P');
  EXPECT_EQ(q(reversed_by(p.claim_id)), std::to_string(b3.claim_id));
  EXPECT_EQ(q("SELECT claim_id FROM active_paid_keys"), std::to_string(b3.claim_id));
  EXPECT_EQ(q("SELECT kind FROM claim_links WHERE claim_id = " + std::to_string(b3.claim_id)), "rebill");
}

TEST_P(StoreTest, HistoryHoldsEachMembersPaidFillsAndAuthorizations) {
  ASSERT_FALSE(submit(f_.make("B1", "200001", day(2026, 9, 1), "MA")).decision.status != 'P');
  ASSERT_FALSE(submit(f_.make("B1", "200002", day(2026, 10, 1), "MA", "1234567890", "00093505698")).decision.status != 'P');
  ASSERT_FALSE(submit(f_.make("B1", "200003", day(2026, 10, 2), "MB")).decision.status != 'P');
  // reversed fills are not history
  ASSERT_FALSE(submit(f_.make("B1", "200004", day(2026, 10, 3), "MA")).decision.status != 'P');
  ASSERT_EQ(submit(f_.make("B2", "200004", day(2026, 10, 3), "MA")).decision.status, 'A');
  exec_sql(dsn_, "INSERT INTO prior_authorizations (number, bin, cardholder_id, person_code, product_id, effective, expires, max_quantity, source) "
                 "VALUES ('12345678901', '610014', 'MA', '001', '00071015523', '2026-01-01', '2026-12-31', 90000, 'test'), "
                 "       ('12345678902', '610014', 'MC', '001', '00071015523', '2026-01-01', '2026-12-31', 0, 'test')");
  std::vector<batch_entry> v{entry(f_.make("B1", "300001", day(2026, 11, 1), "MA")),
                             entry(f_.make("B1", "300002", day(2026, 11, 1), "MB")),
                             entry(f_.make("B1", "300003", day(2026, 11, 1), "MA"))};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(v));
  ASSERT_EQ(v[0].history.fills.size(), 2u);
  EXPECT_EQ(v[0].history.fills[0].rx_number, "200002");  // most recent first
  EXPECT_EQ(v[0].history.fills[0].product_id, "00093505698");
  EXPECT_EQ(v[0].history.fills[0].fill_date, day(2026, 10, 1));
  EXPECT_EQ(v[0].history.fills[0].quantity, 30000);
  EXPECT_EQ(v[0].history.fills[0].days_supply, 30);
  EXPECT_EQ(v[0].history.fills[0].therapeutic_class, "STATINS");
  EXPECT_EQ(v[0].history.fills[1].rx_number, "200001");
  ASSERT_EQ(v[0].history.authorizations.size(), 1u);
  EXPECT_EQ(v[0].history.authorizations[0].number, "12345678901");
  EXPECT_EQ(v[0].history.authorizations[0].max_quantity, 90000);
  EXPECT_EQ(v[0].history.authorizations[0].expires, day(2026, 12, 31));
  EXPECT_FALSE(v[0].history.authorizations[0].revoked);
  ASSERT_EQ(v[1].history.fills.size(), 1u);
  EXPECT_EQ(v[1].history.fills[0].rx_number, "200003");
  EXPECT_TRUE(v[1].history.authorizations.empty());
  EXPECT_EQ(v[2].history.fills.data(), v[0].history.fills.data());
  // Members met out of their keys' order: each entry still gets its own member's history (the
  // store numbers members in key order, not in the entries').
  b.reset();
  std::vector<batch_entry> w{entry(f_.make("B1", "300004", day(2026, 11, 1), "MB")),
                             entry(f_.make("B1", "300005", day(2026, 11, 1), "MA")),
                             entry(f_.make("B1", "300006", day(2026, 11, 1), "MB"))};
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(w));
  ASSERT_EQ(w[0].history.fills.size(), 1u);
  EXPECT_EQ(w[0].history.fills[0].rx_number, "200003");
  EXPECT_TRUE(w[0].history.authorizations.empty());
  ASSERT_EQ(w[1].history.fills.size(), 2u);
  EXPECT_EQ(w[1].history.fills[0].rx_number, "200002");
  ASSERT_EQ(w[1].history.authorizations.size(), 1u);
  EXPECT_EQ(w[2].history.fills.data(), w[0].history.fills.data());
}

// Fills older than the rules' lookback are loaded only from the oldest one whose supply reaches
// past the batch's date of service (store.h, "fills"); history_days (400) bounds what is read
// unless a plan looks farther back. Dates are days before 2026-11-01, the batch's date.
TEST_P(StoreTest, HistoryLeavesOutOnlyFillsWhoseSupplyRanOutBeforeTheLookback) {
  int claim_id = 700000;
  auto fill = [&](const char* cardholder, int days_before, int days_supply) {
    const int id = ++claim_id;
    exec_sql(dsn_, "INSERT INTO active_paid_keys (bin, pcn, provider_id_qualifier, provider_id, rx_number, fill_number, "
                   "date_of_service, claim_id, cardholder_id, person_code, product_id, days_supply) VALUES "
                   "('610014', 'RXG', '01', '1234567890', '" + std::to_string(id) + "', 0, DATE '2026-11-01' - " +
                   std::to_string(days_before) + ", " + std::to_string(id) + ", '" + cardholder + "', '001', "
                   "'00071015523', " + std::to_string(days_supply) + ")");
    return std::to_string(id);
  };
  // MA: nothing of the older fills lasts to the batch's date.
  const auto ma_at_lookback = fill("MA", 100, 1);
  const auto ma_ends_on_the_date = fill("MA", 101, 101);  // supply through 2026-10-31
  const auto ma_old = fill("MA", 300, 30);
  // MB: a 201-day supply 200 days back lasts past the date; from it on, every fill is loaded.
  const auto mb_recent = fill("MB", 50, 30);
  const auto mb_used_up_after = fill("MB", 150, 10);
  const auto mb_lasting = fill("MB", 200, 201);
  fill("MB", 201, 10);
  // MC: at and beyond history_days.
  const auto mc_at_history_days = fill("MC", 400, 401);
  fill("MC", 401, 500);
  // MD: beyond history_days, for a plan that looks farther back.
  const auto md_far = fill("MD", 450, 1);

  auto rx_numbers = [&](std::span<const rules::prior_fill> fills) {
    std::vector<std::string> out;
    for (const auto& f : fills) out.emplace_back(f.rx_number);
    return out;
  };
  auto load = [&](int lookback, std::initializer_list<const char*> members) {
    std::vector<batch_entry> v;
    for (const char* m : members) {
      v.push_back(entry(f_.make("B1", "900001", day(2026, 11, 1), m)));
      v.back().fill_lookback_days = lookback;
    }
    std::unique_ptr<store::batch> b;
    EXPECT_FALSE(begin(b));
    EXPECT_FALSE(b->load_history(v));
    std::vector<std::vector<std::string>> out;
    for (const auto& e : v) out.push_back(rx_numbers(e.history.fills));
    return out;
  };
  using rows = std::vector<std::vector<std::string>>;
  EXPECT_EQ(load(100, {"MA", "MB", "MC", "MD"}),
            (rows{{ma_at_lookback}, {mb_recent, mb_used_up_after, mb_lasting}, {mc_at_history_days}, {}}));
  // One day more of lookback takes in the fill whose supply ended the day before.
  EXPECT_EQ(load(101, {"MA"}), (rows{{ma_at_lookback, ma_ends_on_the_date}}));
  // -1 (a claim whose plan is unknown): every fill of history_days.
  EXPECT_EQ(load(-1, {"MA", "MD"}), (rows{{ma_at_lookback, ma_ends_on_the_date, ma_old}, {}}));
  // A plan that looks back 450 days reads them all; 449 stops a day short.
  EXPECT_EQ(load(450, {"MD"}), (rows{{md_far}}));
  EXPECT_EQ(load(449, {"MD"}), (rows{{}}));
}

TEST_P(StoreTest, SecondPaymentOfAKeyInOneBatchIsAConflictAndIsReadjudicated) {
  auto a = f_.make("B1", "400001", day(2026, 11, 7));
  auto b2 = f_.make("B1", "400001", day(2026, 11, 7), "M100", "1234567890", "00071015523", 90000);
  std::vector<batch_entry> v{entry(a), entry(b2)};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(v));
  decide(v[0]);
  decide(v[1]);
  ASSERT_EQ(v[1].decision.status, 'P');  // both looked free when the history was read
  ASSERT_FALSE(b->insert(v));
  EXPECT_FALSE(v[0].conflict);
  EXPECT_TRUE(v[1].conflict);
  EXPECT_EQ(v[1].claim_id, 0);
  std::vector<batch_entry> again{v[1]};
  ASSERT_FALSE(b->load_history(again));
  ASSERT_TRUE(again[0].history.same_key);
  EXPECT_EQ(again[0].history.same_key->claim_id, v[0].claim_id);
  decide(again[0]);
  EXPECT_EQ(again[0].decision.rejects.items[0].code_view(), "83");
  ASSERT_FALSE(b->insert(again));
  EXPECT_FALSE(again[0].conflict);
  ASSERT_FALSE(b->commit());
  EXPECT_EQ(q("SELECT count(*) FROM claims"), "2");
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "1");
}

// Both were decided against the same paid claim; its key row is deleted once, so only the first
// reversal wins. The rebill that lost its reversal pays nothing and links nothing.
TEST_P(StoreTest, ReversalAndRebillOfOneClaimInOneBatchOnlyTheFirstReverses) {
  const batch_entry p = submit(f_.make("B1", "400101", day(2026, 11, 7)));
  ASSERT_EQ(p.decision.status, 'P');
  last_batch_.reset();
  std::vector<batch_entry> v{entry(f_.make("B2", "400101", day(2026, 11, 7))),
                             entry(f_.make("B3", "400101", day(2026, 11, 7), "M100", "1234567890", "00071015523", 45000))};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(v));
  decide(v[0]);
  decide(v[1]);
  ASSERT_EQ(v[0].decision.status, 'A');
  ASSERT_EQ(v[1].decision.status, 'P');
  ASSERT_EQ(v[1].decision.replaces_claim_id, p.claim_id);
  ASSERT_FALSE(b->insert(v));
  EXPECT_FALSE(v[0].conflict);
  EXPECT_GT(v[0].claim_id, 0);
  EXPECT_TRUE(v[1].conflict);
  EXPECT_EQ(v[1].claim_id, 0);
  ASSERT_FALSE(b->commit());
  EXPECT_EQ(q(reversed_by(p.claim_id)), std::to_string(v[0].claim_id));
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "0");
  EXPECT_EQ(q("SELECT count(*) FROM claims"), "2");
  EXPECT_EQ(q("SELECT string_agg(kind, ',') FROM claim_links"), "reversal");
}

// The writer's K row is the key's active paid claim even when a reversed paid claim under the same
// key has a higher id (ids do not always follow payment order: a claim restored or moved by hand,
// or one paid through another node's sequence range): a B2 reverses the active one.
TEST_P(StoreTest, KeyHistoryPrefersTheActivePaidClaimOverAHigherReversedOne) {
  const batch_entry p = submit(f_.make("B1", "400103", day(2026, 11, 7)));
  ASSERT_EQ(p.decision.status, 'P');
  // A copy of the paid claim under a higher id, without a key row, reversed by a B3 (a rebill
  // link from a paid claim).
  exec_sql(dsn_, "CREATE TEMP TABLE k AS SELECT * FROM claims WHERE id = " + std::to_string(p.claim_id) +
                     "; UPDATE k SET id = rxgate_claim_id(nextval('claim_id_seq'), date_of_service); "
                     "INSERT INTO claims SELECT * FROM k; "
                     "UPDATE k SET id = rxgate_claim_id(nextval('claim_id_seq'), date_of_service), transaction_code = 'B3'; "
                     "INSERT INTO claims SELECT * FROM k; "
                     "INSERT INTO claim_links (claim_id, replaces_claim_id, kind) "
                     "SELECT max(id), min(id), 'rebill' FROM claims WHERE id > " + std::to_string(p.claim_id));
  const std::string higher = q("SELECT min(id) FROM claims WHERE id > " + std::to_string(p.claim_id));
  EXPECT_EQ(q(reversed_by(std::stoll(higher))), q("SELECT max(id) FROM claims"));
  const batch_entry r = submit(f_.make("B2", "400103", day(2026, 11, 7)));
  EXPECT_EQ(r.decision.status, 'A');
  EXPECT_EQ(r.decision.replaces_claim_id, p.claim_id);
  EXPECT_EQ(q(reversed_by(p.claim_id)), std::to_string(r.claim_id));
}

// A paid claim whose key row went without a reversal (an archived month's keys deleted, then the
// month restored) is not taken for reversed: a B2 finds it active, as before migration 0027,
// rather than answering S (which would record it reversed); the key delete then finds nothing,
// so the B2 never settles and is not written (the server answers its batch 92/99 once its
// rounds run out: server/pipeline/batch.cpp, settle_conflicts).
TEST_P(StoreTest, APaidClaimWithoutItsKeyRowIsNotReversed) {
  const batch_entry p = submit(f_.make("B1", "400104", day(2026, 11, 7)));
  ASSERT_EQ(p.decision.status, 'P');
  exec_sql(dsn_, "DELETE FROM active_paid_keys WHERE claim_id = " + std::to_string(p.claim_id));
  const batch_entry r = submit(f_.make("B2", "400104", day(2026, 11, 7)));
  EXPECT_EQ(r.decision.status, 'A');
  EXPECT_TRUE(r.conflict);
  EXPECT_EQ(r.claim_id, 0);
  EXPECT_EQ(q(reversed_by(p.claim_id)), "NULL");
  EXPECT_EQ(q("SELECT count(*) FROM claim_links"), "0");
}

// Two reversals of one claim in one batch: the first reverses it (A), the second finds it
// reversed (S). Both link to it in the same transaction (one created_at); the reversal is the
// first by id (sql/reversal.h), the claim ids following the batch's order.
TEST_P(StoreTest, ReversalRepeatedInItsOwnBatchIsNotTheReversal) {
  const batch_entry p = submit(f_.make("B1", "400102", day(2026, 11, 7)));
  ASSERT_EQ(p.decision.status, 'P');
  last_batch_.reset();
  std::vector<batch_entry> v{entry(f_.make("B2", "400102", day(2026, 11, 7))),
                             entry(f_.make("B2", "400102", day(2026, 11, 7)))};
  const auto e = run_batch(*store_, v);
  ASSERT_FALSE(e) << e.message;
  ASSERT_EQ(v[0].decision.status, 'A');
  ASSERT_EQ(v[1].decision.status, 'S');
  EXPECT_LT(v[0].claim_id, v[1].claim_id);
  EXPECT_EQ(q("SELECT count(DISTINCT created_at) || ' ' || count(*) FROM claim_links WHERE replaces_claim_id = " +
              std::to_string(p.claim_id)),
            "1 2");
  EXPECT_EQ(q(reversed_by(p.claim_id)), std::to_string(v[0].claim_id));
}

// insert() without a load_history before it (the history reserves the claim ids) reserves its
// own; ids reserved by a history and not used are skipped, never reused.
TEST_P(StoreTest, InsertReservesItsOwnIdsWhenNoHistoryReservedThem) {
  std::vector<batch_entry> v{entry(f_.make("B1", "400201", day(2026, 11, 7))),
                             entry(f_.make("B1", "400202", day(2026, 11, 7)))};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  decide(v[0]);
  decide(v[1]);
  ASSERT_FALSE(b->insert(v));
  ASSERT_GT(v[0].claim_id, 0);
  ASSERT_GT(v[1].claim_id, 0);
  EXPECT_NE(v[0].claim_id, v[1].claim_id);
  std::vector<batch_entry> w{entry(f_.make("B1", "400203", day(2026, 11, 7))),
                             entry(f_.make("B1", "400204", day(2026, 11, 7)))};
  ASSERT_FALSE(b->load_history(w));
  decide(w[0]);
  decide(w[1]);
  ASSERT_FALSE(b->insert(std::span(w).first(1)));  // one of the two reserved ids left over
  ASSERT_FALSE(b->insert(std::span(w).subspan(1)));
  ASSERT_FALSE(b->commit());
  EXPECT_GT(w[0].claim_id, v[1].claim_id);
  EXPECT_GT(w[1].claim_id, w[0].claim_id);
  EXPECT_EQ(q("SELECT count(DISTINCT id) FROM claims"), "4");
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "4");
}

TEST_P(StoreTest, BatchEndedWithoutCommitLeavesNothing) {
  std::vector<batch_entry> v{entry(f_.make("B1", "500001", day(2026, 11, 8)))};
  {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(begin(b));
    ASSERT_FALSE(b->load_history(v));
    decide(v[0]);
    ASSERT_FALSE(b->insert(v));
    ASSERT_GT(v[0].claim_id, 0);
  }
  EXPECT_EQ(q("SELECT count(*) FROM claims"), "0");
  EXPECT_EQ(q("SELECT count(*) FROM active_paid_keys"), "0");
  // The writer is free for the next batch.
  EXPECT_EQ(submit(*v[0].claim).decision.status, 'P');
}

TEST_P(StoreTest, ClaimsOutsideTheCreatedMonthsLandInTheDefaultPartition) {
  // A year of its own per parameter: the partition created below stays for the next run.
  const int year = GetParam() == insert_method::copy ? 2041 : GetParam() == insert_method::unnest ? 2042 : 2043;
  const batch_entry far = submit(f_.make("B1", "600001", day(year, 3, 1)));
  EXPECT_EQ(q("SELECT tableoid::regclass::text FROM claims WHERE id = " + std::to_string(far.claim_id)), "claims_default");
  // Creating that month later moves the row into its partition.
  exec_sql(dsn_, "SELECT rxgate_ensure_claim_partitions('" + std::to_string(year) + "-03-01', 1)");
  EXPECT_EQ(q("SELECT tableoid::regclass::text FROM claims WHERE id = " + std::to_string(far.claim_id)),
            "claims_" + std::to_string(year) + "_03");
  // A claim whose date of service did not parse is stored under today's date.
  const batch_entry bad = submit(f_.make("B1", "600002", codec::date{}));
  EXPECT_EQ(q("SELECT date_of_service = current_date FROM claims WHERE id = " + std::to_string(bad.claim_id)), "t");
}

TEST_P(StoreTest, BytesThatAreNotTextNeverFailABatch) {
  auto c = f_.make("B1", "700001", day(2026, 11, 9));
  c.cardholder_id = f_.keep(std::string("M\0\xff\x1c" "1", 5));
  batch_entry e = entry(c);
  e.request_bytes = f_.keep(std::string("\\x\0\x01\xff\xfe\\", 7));
  std::vector<batch_entry> v{e};
  ASSERT_FALSE(run_batch(*store_, v));
  const std::string id = std::to_string(v[0].claim_id);
  EXPECT_EQ(q("SELECT cardholder_id FROM claims WHERE id = " + id), "M???1");
  EXPECT_EQ(q("SELECT encode(request, 'hex') FROM claims WHERE id = " + id), "5c780001fffe5c");
}

TEST_P(StoreTest, EveryTypeIsStoredAtTheEdgesOfItsRange) {
  // The pipeline method sends binary arrays (store_rows.h): each type's edges must read back as
  // the text methods store them.
  auto c = f_.make("B1", "800001", day(2026, 11, 10));
  c.fill_number = 99;
  c.quantity = std::int64_t{9007199254740993};  // over 2^53: a double would lose the last bit
  batch_entry e = entry(c);
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  e.request_bytes = f_.keep(every_byte);
  std::vector<batch_entry> v{e};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(begin(b));
  ASSERT_FALSE(b->load_history(v));
  decide(v[0]);
  ASSERT_EQ(v[0].decision.status, 'P');
  auto& d = v[0].decision;
  d.dur[0].reason = "ER";
  d.dur[0].previous_fill = day(1999, 12, 31);  // the day before PostgreSQL's date epoch
  d.dur[0].previous_quantity = INT64_MIN;
  d.dur[1].reason = "TD";
  d.dur[1].previous_fill = day(2000, 1, 1);
  d.dur[1].previous_quantity = INT64_MAX;
  d.dur[2].reason = "DD";
  d.dur[2].previous_fill = std::nullopt;
  d.dur[2].previous_quantity = std::nullopt;
  d.dur_count = 3;
  ASSERT_FALSE(b->insert(v));
  ASSERT_FALSE(b->commit());
  const std::string id = std::to_string(v[0].claim_id);
  EXPECT_EQ(q("SELECT fill_number || ' ' || quantity || ' ' || status::text || ' ' || transaction_code FROM claims WHERE id = " + id),
            "99 9007199254740993 P B1");
  EXPECT_EQ(q("SELECT string_agg(reason || ':' || coalesce(previous_fill::text, '-') || ':' || coalesce(previous_quantity::text, '-'), ',' ORDER BY seq) "
              "FROM claim_dur_alerts WHERE claim_id = " + id),
            "ER:1999-12-31:-9223372036854775808,TD:2000-01-01:9223372036854775807,DD:-:-");
  EXPECT_EQ(q("SELECT md5(request) = md5(decode(string_agg(lpad(to_hex(g), 2, '0'), '' ORDER BY g), 'hex')) "
              "FROM claims, generate_series(0, 255) g WHERE id = " + id + " GROUP BY request"),
            "t");
  EXPECT_EQ(q("SELECT fill_number || ' ' || date_of_service FROM active_paid_keys WHERE claim_id = " + id), "99 2026-11-10");
  EXPECT_EQ(q("SELECT jsonb_typeof(detail) FROM claims WHERE id = " + id), "object");

  // The widest smallint and integer a claim can carry store as they are; one over fails the batch
  // (nothing written) in every method, as a literal out of range would.
  b.reset();  // one open batch at a time
  auto widest = f_.make("B1", "800002", day(2026, 11, 10));
  widest.fill_number = 32767;
  widest.days_supply = 2147483647;
  std::vector<batch_entry> wv{entry(widest)};
  std::unique_ptr<store::batch> wb;
  ASSERT_FALSE(begin(wb));
  ASSERT_FALSE(wb->load_history(wv));
  decide(wv[0]);
  wv[0].decision.plan_version = 2147483647u;
  ASSERT_FALSE(wb->insert(wv));
  ASSERT_FALSE(wb->commit());
  const batch_entry& w = wv[0];
  ASSERT_GT(w.claim_id, 0);
  EXPECT_EQ(q("SELECT fill_number || ' ' || days_supply || ' ' || plan_version FROM claims WHERE id = " +
              std::to_string(w.claim_id)),
            "32767 2147483647 2147483647");
  wb.reset();
  // plan_version goes only into the insert (not the history), so this fails the insert itself.
  auto over = f_.make("B1", "800003", day(2026, 11, 10));
  std::vector<batch_entry> too_wide{entry(over)};
  std::unique_ptr<store::batch> ob;
  ASSERT_FALSE(begin(ob));
  ASSERT_FALSE(ob->load_history(too_wide));
  decide(too_wide[0]);
  too_wide[0].decision.plan_version = 2147483648u;  // one over integer
  EXPECT_TRUE(ob->insert(too_wide));
  ob.reset();
  EXPECT_EQ(q("SELECT count(*) FROM claims WHERE rx_number = '800003'"), "0");
  // The store goes on after the failed batch.
  EXPECT_EQ(submit(f_.make("B1", "800004", day(2026, 11, 10))).decision.status, 'P');
}

INSTANTIATE_TEST_SUITE_P(Methods, StoreTest,
                         ::testing::Values(insert_method::unnest, insert_method::copy, insert_method::pipeline),
                         [](const auto& param_info) {
                           return param_info.param == insert_method::copy     ? std::string("copy")
                                  : param_info.param == insert_method::unnest ? std::string("unnest")
                                                                              : std::string("pipeline");
                         });

}  // namespace
}  // namespace rxgate::test
