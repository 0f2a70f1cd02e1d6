// The reject worklist against a real PostgreSQL (migration 0017): a reject opens when a claim is
// answered R, closes by itself when a later claim under the same pharmacy, Rx number and fill is
// paid (not one of another fill or pharmacy), reopens when that payment is reversed; technician
// close/reopen/assign/note with their conflicts; filters, counts per code, keyset pages, scope.
#include <gtest/gtest.h>

#include <set>

#include "sql/worklist.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using store::batch_entry;

class WorklistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RXGATE_REQUIRE_DB();
    store::store_options o;
    o.dsn = fresh_database_dsn();
    if (!store_) store_ = store::open_store(o).release();
    worklist_ = store::open_worklist(o);
  }

  // One claim in a batch of its own: paid (or reversed: B2) by the stand-in rules, or rejected
  // with `codes` when there are any. Returns its claim id.
  std::int64_t submit(std::string_view code, std::string_view rx, std::string_view pharmacy,
                      std::vector<std::string_view> codes = {}, int fill = 0, codec::date dos = day(2026, 12, 1),
                      std::string_view pcn = "RXGTEST") {
    claims_.push_back(factory_.make(code, factory_.keep(std::string(rx)), dos, "M1", factory_.keep(std::string(pharmacy))));
    auto& c = claims_.back();
    c.fill_number = fill;
    c.pcn = factory_.keep(std::string(pcn));
    batch_entry e;
    e.claim = &c;
    e.request_bytes = "REQ";
    e.response_bytes = "RESP";
    e.source = "test";
    std::vector<batch_entry> v{e};
    if (codes.empty()) {
      EXPECT_FALSE(run_batch(*store_, v));
    } else {
      std::unique_ptr<store::batch> b;
      EXPECT_FALSE(store_->begin(b));
      EXPECT_FALSE(b->load_history(v));
      v[0].decision = {};
      v[0].decision.status = 'R';
      for (auto k : codes) v[0].decision.rejects.push(k, 0, 0);
      EXPECT_FALSE(b->insert(v));
      EXPECT_FALSE(b->commit());
    }
    return v[0].claim_id;
  }

  store::worklist_entry entry(std::int64_t id) {
    store::worklist_entry e;
    std::vector<store::worklist_action_record> a;
    EXPECT_FALSE(worklist_->entry(id, e, a));
    return e;
  }
  std::vector<std::int64_t> ids(const store::worklist_filter& f) {
    store::worklist_page p;
    const auto e = worklist_->list(f, p);
    EXPECT_FALSE(e) << e.message;
    std::vector<std::int64_t> out;
    for (const auto& x : p.entries) out.push_back(x.claim_id);
    return out;
  }
  static store::worklist_filter open_at(std::string pharmacy) {
    store::worklist_filter f;
    f.pharmacy = std::move(pharmacy);
    f.open = true;
    return f;
  }
  store::error act(std::int64_t id, std::string pharmacy, std::string action, std::string reason = {},
                   std::string note = {}, std::string assignee = {}) {
    store::worklist_action a;
    a.claim_id = id;
    a.pharmacy = std::move(pharmacy);
    a.action = std::move(action);
    a.reason = std::move(reason);
    a.note = std::move(note);
    a.assignee = std::move(assignee);
    a.actor = "token:1:tech";
    a.token_id = 1;
    store::worklist_entry out;
    return worklist_->act(a, out);
  }

  static inline store::claim_store* store_ = nullptr;
  claim_factory factory_;
  std::deque<codec::claim> claims_;
  std::unique_ptr<store::worklist_store> worklist_;
};

bool contains(const std::vector<std::int64_t>& v, std::int64_t id) { return std::find(v.begin(), v.end(), id) != v.end(); }

TEST_F(WorklistTest, ARejectOpensWithItsCodes) {
  const auto id = submit("B1", "910001", "WL1", {"75", "MR"});
  const auto e = entry(id);
  EXPECT_TRUE(e.open);
  EXPECT_EQ(e.reject_codes, (std::vector<std::string>{"75", "MR"}));
  EXPECT_FALSE(e.for_pharmacist);
  EXPECT_FALSE(e.paid_by);
  EXPECT_EQ(e.assignee, "");
  EXPECT_EQ(e.provider_id, "WL1");
  EXPECT_EQ(e.rx_number, "910001");
  EXPECT_TRUE(contains(ids(open_at("WL1")), id));
  // A paid claim is no reject.
  const auto paid = submit("B1", "910099", "WL1");
  store::worklist_entry x;
  std::vector<store::worklist_action_record> a;
  EXPECT_EQ(worklist_->entry(paid, x, a).code, store::errc::not_found);
}

TEST_F(WorklistTest, ALaterPaidClaimUnderTheSameKeyClosesItAndIsLinked) {
  const auto rejected = submit("B1", "910002", "WL1", {"75"});
  const auto paid = submit("B1", "910002", "WL1");
  const auto e = entry(rejected);
  EXPECT_FALSE(e.open);
  ASSERT_TRUE(e.paid_by);
  EXPECT_EQ(*e.paid_by, paid);
  EXPECT_FALSE(e.paid_at.empty());
  EXPECT_TRUE(e.payment_reversed_at.empty());
  EXPECT_FALSE(contains(ids(open_at("WL1")), rejected));
  auto closed = open_at("WL1");
  closed.open = false;
  EXPECT_TRUE(contains(ids(closed), rejected));
  // A payment closed it: a technician cannot reopen it, nor close it again.
  EXPECT_EQ(act(rejected, "WL1", "reopen").code, store::errc::conflict);
  EXPECT_EQ(act(rejected, "WL1", "close", "resolved_by_resubmission").code, store::errc::conflict);
}

TEST_F(WorklistTest, APaidClaimOfAnotherFillOrPharmacyOrAnEarlierOneDoesNotCloseIt) {
  const auto earlier = submit("B1", "910003", "WL1", {}, 0, day(2026, 11, 30));
  const auto rejected = submit("B1", "910003", "WL1", {"79"});
  submit("B1", "910003", "WL1", {}, 1);             // another fill
  submit("B1", "910003", "WL2");                    // another pharmacy
  const auto e = entry(rejected);
  EXPECT_TRUE(e.open);
  EXPECT_FALSE(e.paid_by);
  EXPECT_LT(earlier, rejected);
}

TEST_F(WorklistTest, ReversingThePaymentReopensIt) {
  const auto rejected = submit("B1", "910004", "WL1", {"75"});
  const auto paid = submit("B1", "910004", "WL1");
  ASSERT_FALSE(entry(rejected).open);
  submit("B2", "910004", "WL1");
  const auto e = entry(rejected);
  EXPECT_TRUE(e.open);
  ASSERT_TRUE(e.paid_by);
  EXPECT_EQ(*e.paid_by, paid);
  EXPECT_FALSE(e.payment_reversed_at.empty());
  // A rebill that pays again closes it again, linked to the new payment.
  const auto again = submit("B1", "910004", "WL1");
  const auto f = entry(rejected);
  EXPECT_FALSE(f.open);
  EXPECT_EQ(f.paid_by.value_or(0), again);
}

TEST_F(WorklistTest, CloseReopenAssignAndNoteAreKeptInOrder) {
  const auto id = submit("B1", "910005", "WL1", {"70"});
  EXPECT_EQ(act(id, "WL1", "close").code, store::errc::invalid);                          // no reason
  EXPECT_EQ(act(id, "WL1", "close", "because").code, store::errc::invalid);               // not on the list
  EXPECT_EQ(act(id, "WL1", "close", "other").code, store::errc::invalid);                 // other needs a note
  EXPECT_EQ(act(id, "WL1", "note").code, store::errc::invalid);                           // empty note
  EXPECT_EQ(act(id, "WL1", "assign", "pa_requested").code, store::errc::invalid);         // reason on assign
  EXPECT_EQ(act(id, "WL1", "shred").code, store::errc::invalid);
  EXPECT_EQ(act(id, "WL1", "reopen").code, store::errc::conflict);                        // it is open
  EXPECT_EQ(act(id, "WL2", "close", "pa_requested").code, store::errc::not_found);        // another pharmacy
  EXPECT_EQ(act(999999999, "WL1", "note", {}, "x").code, store::errc::not_found);

  ASSERT_FALSE(act(id, "WL1", "close", "pa_requested"));
  auto e = entry(id);
  EXPECT_FALSE(e.open);
  EXPECT_EQ(e.close_reason, "pa_requested");
  EXPECT_EQ(e.state_actor, "token:1:tech");
  EXPECT_FALSE(e.state_at.empty());
  EXPECT_EQ(act(id, "WL1", "close", "sent_to_prescriber").code, store::errc::conflict);
  ASSERT_FALSE(act(id, "WL1", "reopen"));
  EXPECT_TRUE(entry(id).open);
  ASSERT_FALSE(act(id, "WL1", "assign", {}, {}, "alex"));
  EXPECT_EQ(entry(id).assignee, "alex");
  auto by_assignee = open_at("WL1");
  by_assignee.assignee = "alex";
  EXPECT_EQ(ids(by_assignee), (std::vector<std::int64_t>{id}));
  ASSERT_FALSE(act(id, "WL1", "assign", {}, {}, ""));  // unassign
  EXPECT_EQ(entry(id).assignee, "");
  EXPECT_TRUE(ids(by_assignee).empty());
  ASSERT_FALSE(act(id, "WL1", "note", {}, "called the prescriber"));
  ASSERT_FALSE(act(id, "WL1", "close", "other", "patient moved away"));

  store::worklist_entry x;
  std::vector<store::worklist_action_record> a;
  ASSERT_FALSE(worklist_->entry(id, x, a));
  std::vector<std::string> kinds;
  for (const auto& r : a) kinds.push_back(r.action);
  EXPECT_EQ(kinds, (std::vector<std::string>{"close", "reopen", "assign", "assign", "note", "close"}));
  EXPECT_EQ(a.back().reason, "other");
  EXPECT_EQ(a.back().note, "patient moved away");
  EXPECT_EQ(a[4].note, "called the prescriber");
  EXPECT_FALSE(x.open);
  // Append-only.
  EXPECT_ANY_THROW(exec_sql(fresh_database_dsn(), "UPDATE worklist_actions SET note = 'x'"));
  EXPECT_ANY_THROW(exec_sql(fresh_database_dsn(), "DELETE FROM worklist_actions"));
}

TEST_F(WorklistTest, DurRejectsAreMarkedForAPharmacistAndCountedPerCode) {
  const auto dur = submit("B1", "920001", "WL3", {"88"});
  const auto pa = submit("B1", "920002", "WL3", {"75"});
  const auto both = submit("B1", "920003", "WL3", {"75", "E4"});
  EXPECT_TRUE(entry(dur).for_pharmacist);
  EXPECT_FALSE(entry(pa).for_pharmacist);
  EXPECT_TRUE(entry(both).for_pharmacist);
  auto f = open_at("WL3");
  f.for_pharmacist = true;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{both, dur}));
  f.for_pharmacist = false;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{pa}));

  store::worklist_counts k;
  ASSERT_FALSE(worklist_->counts(open_at("WL3"), k));
  EXPECT_EQ(k.rejects, 3);
  EXPECT_EQ(k.for_pharmacist, 2);
  using row = std::pair<std::string, std::int64_t>;
  EXPECT_EQ(k.by_code, (std::vector<row>{{"75", 2}, {"88", 1}, {"E4", 1}}));
  // Closed ones leave the open counts.
  ASSERT_FALSE(act(pa, "WL3", "close", "patient_paid_cash"));
  ASSERT_FALSE(worklist_->counts(open_at("WL3"), k));
  EXPECT_EQ(k.rejects, 2);
  EXPECT_EQ(k.by_code, (std::vector<row>{{"75", 1}, {"88", 1}, {"E4", 1}}));
  EXPECT_TRUE(store::is_pharmacist_reject("88"));
  EXPECT_FALSE(store::is_pharmacist_reject("79"));
}

TEST_F(WorklistTest, FiltersAndKeysetPages) {
  std::vector<std::int64_t> made;
  for (int i = 0; i < 5; ++i)
    made.push_back(submit("B1", "93000" + std::to_string(i), "WL4", {i % 2 ? "79" : "70"}, 0, day(2026, 12, 1 + i % 2),
                          i == 4 ? "OTHERPCN" : "RXGTEST"));
  // Newest date first, then highest id; pages of 2 without overlap.
  auto f = open_at("WL4");
  f.limit = 2;
  std::vector<std::int64_t> seen;
  std::set<std::string> dates;
  for (int page = 0; page < 4; ++page) {
    store::worklist_page p;
    ASSERT_FALSE(worklist_->list(f, p));
    for (const auto& e : p.entries) seen.push_back(e.claim_id);
    if (p.next_cursor.empty()) break;
    f.cursor = p.next_cursor;
  }
  const std::vector<std::int64_t> expected{made[3], made[1], made[4], made[2], made[0]};
  EXPECT_EQ(seen, expected);
  auto g = open_at("WL4");
  g.reject_code = "79";
  EXPECT_EQ(ids(g), (std::vector<std::int64_t>{made[3], made[1]}));
  g = open_at("WL4");
  g.pcn = "OTHERPCN";
  EXPECT_EQ(ids(g), (std::vector<std::int64_t>{made[4]}));
  g = open_at("WL4");
  g.bin = "999999";
  EXPECT_TRUE(ids(g).empty());
  g = open_at("WL4");
  g.from = g.to = "2026-12-02";
  EXPECT_EQ(ids(g), (std::vector<std::int64_t>{made[3], made[1]}));
  g.to = "2026-12-01";  // from after to: nothing
  EXPECT_TRUE(ids(g).empty());
  // Bad input.
  store::worklist_page p;
  g = open_at("WL4");
  g.cursor = "yesterday";
  EXPECT_EQ(worklist_->list(g, p).code, store::errc::invalid);
  g = open_at("WL4");
  g.from = "2026-13-01";
  EXPECT_EQ(worklist_->list(g, p).code, store::errc::invalid);
  g = open_at("WL4");
  g.limit = 0;
  EXPECT_EQ(worklist_->list(g, p).code, store::errc::invalid);
  g.limit = 501;
  EXPECT_EQ(worklist_->list(g, p).code, store::errc::invalid);
  g.limit = 500;
  EXPECT_FALSE(worklist_->list(g, p));
  g.pharmacy.clear();
  EXPECT_EQ(worklist_->list(g, p).code, store::errc::invalid);
}

}  // namespace
}  // namespace rxgate::test
