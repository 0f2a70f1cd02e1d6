// P1-P4 in the store against a real PostgreSQL (issue 15, migration 0019): the rules see only
// approved, unrevoked PAs; a batch's P transactions find the PA they are about and draw new
// numbers; the pending PAs they file and the PAs they cancel commit with the batch or not at all;
// a reviewer decides a pending request once (409-style conflict after), with the validity
// checked at its boundaries. Both insert methods' connections (pqxx and raw libpq) are run.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/pa_reviews.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using store::batch_entry;
using store::insert_method;

class PriorAuthorizationStoreTest : public ::testing::TestWithParam<insert_method> {
 protected:
  void SetUp() override {
    RXGATE_REQUIRE_DB();
    dsn_ = fresh_database_dsn();
    exec_sql(dsn_, "DELETE FROM claims; DELETE FROM claim_rejects; DELETE FROM active_paid_keys; "
                   "DELETE FROM prior_authorizations");
    store::store_options o;
    o.dsn = dsn_;
    o.method = GetParam();
    o.reconnect_min = std::chrono::milliseconds(10);
    store_ = store::open_store(o);
    reviews_ = store::open_pa_reviews(o);
    ASSERT_TRUE(store_ && reviews_);
  }

  // A P1 (or P4) for member M100: Rx `rx`, period begin .. end.
  codec::claim request(std::string_view code, std::string_view rx, codec::date begin, codec::date end) {
    auto c = f_.make(code, rx, day(2026, 11, 2));
    c.has_prior_authorization = true;
    c.pa_request_type = "1";
    c.pa_basis = "ME";
    c.pa_period_begin = begin;
    c.pa_period_end = end;
    return c;
  }
  // A P2/P3 of `cardholder` naming `number`.
  codec::claim naming(std::string_view code, std::string_view number, std::string_view cardholder = "M100") {
    auto c = f_.make(code, "", day(2026, 11, 2), cardholder);
    c.has_claim = false;
    c.has_prior_authorization = true;
    c.pa_number_assigned = f_.keep(std::string(number));
    return c;
  }
  batch_entry entry(const codec::claim& c) {
    batch_entry e;
    e.claim = &claims_.emplace_back(c);
    e.request_bytes = "P request";
    e.response_bytes = "P response";
    e.source = "test";
    return e;
  }
  // One batch: history and PA lookups, `decide` on the entries, record, insert, commit (or not).
  template <class Decide>
  void run(std::vector<batch_entry>& v, Decide decide, bool commit = true) {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(store_->begin(b));
    ASSERT_FALSE(b->load_history(v));
    ASSERT_FALSE(b->load_prior_authorizations(v));
    decide(v);
    ASSERT_FALSE(b->record_prior_authorizations(v));
    ASSERT_FALSE(b->insert(v));
    if (commit) {
      ASSERT_FALSE(b->commit());
    }
  }
  static void file_request(batch_entry& e) {
    e.decision.status = 'F';
    auto& a = e.decision.pa_answer.emplace();
    a.change = rules::pa_change::request;
    a.set_number(e.history.reserved_pa_number);
  }
  std::string q(const std::string& sql) { return query_value(dsn_, sql); }
  void insert_pa(std::string_view number, std::string_view state, bool revoked, std::string_view cardholder = "M100") {
    exec_sql(dsn_, "INSERT INTO prior_authorizations (number, bin, cardholder_id, person_code, product_id, effective, "
                   "expires, source, state, reviewed_at, revoked_at) VALUES ('" + std::string(number) +
                   "', '610014', '" + std::string(cardholder) + "', '001', '00071015523', '2026-01-01', '2026-12-31', "
                   "'test', '" + std::string(state) + "', " + (state == "pending" ? "NULL" : "now()") + ", " +
                   (revoked ? "now()" : "NULL") + ")");
  }

  std::string dsn_;
  std::unique_ptr<store::claim_store> store_;
  std::unique_ptr<store::pa_review_store> reviews_;
  claim_factory f_;
  std::deque<codec::claim> claims_;
};

TEST_P(PriorAuthorizationStoreTest, HistoryHoldsOnlyApprovedUnrevokedAuthorizations) {
  insert_pa("20000000101", "approved", false);
  insert_pa("20000000102", "pending", false);
  insert_pa("20000000103", "denied", false);
  insert_pa("20000000104", "approved", true);
  std::vector<batch_entry> v{entry(f_.make("B1", "500001", day(2026, 11, 2)))};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(store_->begin(b));
  ASSERT_FALSE(b->load_history(v));
  ASSERT_EQ(v[0].history.authorizations.size(), 1u);
  EXPECT_EQ(v[0].history.authorizations[0].number, "20000000101");
  // A B1 batch runs no PA statement: nothing named, no number drawn.
  ASSERT_FALSE(b->load_prior_authorizations(v));
  EXPECT_FALSE(v[0].history.named_authorization);
  EXPECT_TRUE(v[0].history.reserved_pa_number.empty());
}

TEST_P(PriorAuthorizationStoreTest, RequestFilesAPendingPaWithTheBatchAndARetransmitFindsIt) {
  std::vector<batch_entry> v{entry(request("P1", "600001", day(2026, 11, 1), day(2027, 4, 30)))};
  std::string number;
  run(v, [&](std::vector<batch_entry>& es) {
    EXPECT_FALSE(es[0].history.named_authorization);
    number = std::string(es[0].history.reserved_pa_number);
    file_request(es[0]);
  });
  ASSERT_EQ(number.size(), 11u);
  EXPECT_EQ(q("SELECT state || ' ' || effective || ' ' || expires || ' ' || request_transaction_code || ' ' || "
              "request_rx_number || ' ' || created_by FROM prior_authorizations WHERE number = '" + number + "'"),
            "pending 2026-11-01 2027-04-30 P1 600001 P1 1234567890");
  // The same request again: the PA it filed, pending, and no number drawn.
  std::vector<batch_entry> again{entry(request("P1", "600001", day(2026, 11, 1), day(2027, 4, 30)))};
  run(again, [&](std::vector<batch_entry>& es) {
    ASSERT_TRUE(es[0].history.named_authorization);
    EXPECT_EQ(es[0].history.named_authorization->number, number);
    EXPECT_EQ(es[0].history.named_authorization->state, rules::pa_review_state::pending);
    EXPECT_TRUE(es[0].history.reserved_pa_number.empty());
  });
  EXPECT_EQ(q("SELECT count(*) FROM prior_authorizations"), "1");
}

TEST_P(PriorAuthorizationStoreTest, NothingIsFiledWhenTheBatchDoesNotCommit) {
  std::vector<batch_entry> v{entry(request("P4", "600002", day(2026, 11, 1), day(2026, 11, 1)))};
  run(v, [](std::vector<batch_entry>& es) { file_request(es[0]); }, false);
  EXPECT_EQ(q("SELECT count(*) FROM prior_authorizations"), "0");
  EXPECT_EQ(q("SELECT count(*) FROM claims"), "0");
}

TEST_P(PriorAuthorizationStoreTest, InquiryAndCancelFindTheirMembersPaInAnyState) {
  insert_pa("20000000201", "denied", false);
  insert_pa("20000000202", "pending", false, "M200");  // another member's
  std::vector<batch_entry> v{entry(naming("P3", "20000000201")), entry(naming("P2", "20000000202")),
                             entry(naming("P3", "20000000299"))};
  run(v, [](std::vector<batch_entry>& es) {
    ASSERT_TRUE(es[0].history.named_authorization);
    EXPECT_EQ(es[0].history.named_authorization->state, rules::pa_review_state::denied);
    EXPECT_EQ(es[0].history.named_authorization->effective, day(2026, 1, 1));
    EXPECT_FALSE(es[1].history.named_authorization);  // another member's number: not found
    EXPECT_FALSE(es[2].history.named_authorization);
    for (auto& e : es) EXPECT_TRUE(e.history.reserved_pa_number.empty());
  });
}

TEST_P(PriorAuthorizationStoreTest, CancelRevokesWithTheBatch) {
  insert_pa("20000000301", "approved", false);
  std::vector<batch_entry> v{entry(naming("P2", "20000000301"))};
  run(v, [](std::vector<batch_entry>& es) {
    ASSERT_TRUE(es[0].history.named_authorization);
    es[0].decision.status = 'A';
    auto& a = es[0].decision.pa_answer.emplace();
    a.change = rules::pa_change::cancel;
    a.record_id = es[0].history.named_authorization->id;
    a.set_number("20000000301");
  });
  EXPECT_EQ(q("SELECT revoked_by FROM prior_authorizations WHERE number = '20000000301'"), "P2 1234567890");
  // The cancelled PA is no history for a B1 any more.
  std::vector<batch_entry> b1{entry(f_.make("B1", "500002", day(2026, 11, 2)))};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(store_->begin(b));
  ASSERT_FALSE(b->load_history(b1));
  EXPECT_TRUE(b1[0].history.authorizations.empty());
}

TEST_P(PriorAuthorizationStoreTest, ReviewerDecidesAPendingRequestOnce) {
  std::vector<batch_entry> v{entry(request("P1", "600003", day(2026, 11, 1), day(2027, 4, 30)))};
  run(v, [](std::vector<batch_entry>& es) { file_request(es[0]); });
  std::vector<store::pa_request_record> pending;
  ASSERT_FALSE(reviews_->pending(10, pending));
  ASSERT_EQ(pending.size(), 1u);
  const auto& p = pending[0];
  EXPECT_EQ(p.pa.effective, "2026-11-01");  // the period requested, until approved
  EXPECT_EQ(p.pa.expires, "2027-04-30");
  EXPECT_EQ(p.pa.source, "p-transaction");
  EXPECT_EQ(p.transaction_code, "P1");
  EXPECT_EQ(p.provider_id, "1234567890");
  EXPECT_EQ(p.rx_number, "600003");
  EXPECT_EQ(p.basis, "ME");
  store::pa_review_outcome out;
  // Validity: expires one day before effective is refused; expires on effective is a one-day PA.
  EXPECT_EQ(reviews_->approve(p.pa.id, "2026-11-02", "2026-11-01", 0, "token:1:r", out).code, store::errc::invalid);
  EXPECT_EQ(reviews_->approve(999999, "2026-11-02", "2026-11-02", 0, "token:1:r", out).code, store::errc::not_found);
  ASSERT_FALSE(reviews_->approve(p.pa.id, "2026-11-02", "2026-11-02", 3000, "token:1:r", out));
  EXPECT_EQ(out.state, "approved");
  EXPECT_EQ(out.effective, "2026-11-02");
  EXPECT_EQ(out.max_quantity, 3000);
  // Decided: neither approve nor deny again.
  EXPECT_EQ(reviews_->approve(p.pa.id, "2026-11-02", "2026-11-30", 0, "token:1:r", out).code, store::errc::conflict);
  EXPECT_EQ(reviews_->deny(p.pa.id, "no", "token:1:r", out).code, store::errc::conflict);
  pending.clear();
  ASSERT_FALSE(reviews_->pending(10, pending));
  EXPECT_TRUE(pending.empty());
  // Now it is history for the member's B1s.
  std::vector<batch_entry> b1{entry(f_.make("B1", "500003", day(2026, 11, 2)))};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(store_->begin(b));
  ASSERT_FALSE(b->load_history(b1));
  ASSERT_EQ(b1[0].history.authorizations.size(), 1u);
  EXPECT_EQ(b1[0].history.authorizations[0].expires, day(2026, 11, 2));
}

TEST_P(PriorAuthorizationStoreTest, DeniedRequestKeepsItsReasonAndIsNoHistory) {
  std::vector<batch_entry> v{entry(request("P4", "600004", day(2026, 11, 1), day(2026, 12, 1)))};
  run(v, [](std::vector<batch_entry>& es) { file_request(es[0]); });
  const auto id = std::stoll(q("SELECT id FROM prior_authorizations"));
  store::pa_review_outcome out;
  ASSERT_FALSE(reviews_->deny(id, "not medically necessary", "token:2:r", out));
  EXPECT_EQ(out.state, "denied");
  EXPECT_EQ(out.denial_reason, "not medically necessary");
  EXPECT_EQ(reviews_->approve(id, "2026-11-01", "2026-12-01", 0, "token:2:r", out).code, store::errc::conflict);
  std::vector<batch_entry> b1{entry(f_.make("B1", "500004", day(2026, 11, 2)))};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(store_->begin(b));
  ASSERT_FALSE(b->load_history(b1));
  EXPECT_TRUE(b1[0].history.authorizations.empty());
}

INSTANTIATE_TEST_SUITE_P(Methods, PriorAuthorizationStoreTest,
                         ::testing::Values(insert_method::pipeline, insert_method::unnest),
                         [](const auto& param_info) {
                           return std::string(param_info.param == insert_method::pipeline ? "pipeline" : "unnest");
                         });

}  // namespace
}  // namespace rxgate::test
