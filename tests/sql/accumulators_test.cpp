// Plan-year accumulators in the store against a real PostgreSQL (migration 0011): load_history sums
// what a member's and a family's paid, unreversed claims of the plan year applied plus imported
// amounts; a reversal gives back exactly what its claim applied; a duplicate replays 512-FC ..
// 566-J5; the plan year's boundary; and the family lock that serializes batches of one family.
// Decisions are the stand-in rules of db_fixture with accumulator amounts set by hand (the
// arithmetic is the rules' and is tested in tests/rules).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "rules/accumulators.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using store::batch_entry;
using store::insert_method;

const codec::date year_2026 = day(2026, 1, 1);

class Accumulators : public ::testing::TestWithParam<insert_method> {
 protected:
  void SetUp() override {
    RXGATE_REQUIRE_DB();
    dsn_ = fresh_database_dsn();
    exec_sql(dsn_, "DELETE FROM claims; DELETE FROM claim_rejects; DELETE FROM claim_links; "
                   "DELETE FROM active_paid_keys; DELETE FROM accumulator_imports");
    store_ = open(GetParam());
  }
  std::unique_ptr<store::claim_store> open(insert_method m) {
    store::store_options o;
    o.dsn = dsn_;
    o.method = m;
    return store::open_store(o);
  }

  // A claim of member (cardholder, person) dated `dos` whose plan counts it in plan year `year`
  // (invalid: a plan without accumulators).
  batch_entry entry(std::string_view code, std::string_view rx, codec::date dos, std::string_view cardholder,
                    std::string_view person, codec::date year) {
    codec::claim c = f_.make(code, rx, dos, cardholder);
    c.person_code = f_.keep(std::string(person));
    batch_entry e;
    e.claim = &claims_.emplace_back(c);
    e.request_bytes = "request";
    e.response_bytes = "response";
    e.source = "test";
    e.accumulator_year = year;
    return e;
  }

  // Decides `v` with the stand-in rules: a paid claim applies `applied[i]` to its year, an
  // accepted reversal takes back what its claim applied. Then inserts and commits.
  void run(std::vector<batch_entry>& v, const std::vector<rules::accumulator_amounts>& applied = {},
           store::claim_store* s = nullptr) {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE((s ? *s : *store_).begin(b));
    ASSERT_FALSE(b->load_history(v));
    for (std::size_t i = 0; i < v.size(); ++i) decide_with(v[i], i < applied.size() ? applied[i] : rules::accumulator_amounts{});
    ASSERT_FALSE(b->insert(v));
    for (const auto& e : v) ASSERT_FALSE(e.conflict);
    ASSERT_FALSE(b->commit());
  }
  static void decide_with(batch_entry& e, const rules::accumulator_amounts& applied) {
    decide(e);
    if (!e.accumulator_year.valid()) return;
    auto& d = e.decision;
    if (d.status == 'P') {
      d.accumulator_year = e.accumulator_year;
      d.accumulated = applied;
      d.price->deductible_applied = applied.deductible;
      d.price->accumulated_deductible = e.history.accumulators.member.deductible + applied.deductible;
      d.price->remaining_deductible = 150000 - *d.price->accumulated_deductible;
      d.price->remaining_benefit = 7;
      d.price->over_benefit_maximum = 8;
      d.price->other_payer_recognized = 9;
    } else if (d.status == 'A') {
      const auto& k = *e.history.same_key;
      d.accumulator_year = e.accumulator_year;
      d.accumulated = {-k.applied.deductible, -k.applied.out_of_pocket, -k.applied.benefit};
    }
  }

  // What load_history gives member (cardholder, person) for `year`.
  rules::accumulator_state load(std::string_view cardholder, std::string_view person, codec::date year) {
    std::vector<batch_entry> v{entry("B1", "999999", day(2026, 11, 30), cardholder, person, year)};
    std::unique_ptr<store::batch> b;
    EXPECT_FALSE(store_->begin(b));
    EXPECT_FALSE(b->load_history(v));
    return v[0].history.accumulators;
  }

  std::string q(const std::string& sql) { return query_value(dsn_, sql); }

  std::string dsn_;
  std::unique_ptr<store::claim_store> store_;
  claim_factory f_;
  std::deque<codec::claim> claims_;
};

TEST_P(Accumulators, SumsTheMembersAndTheFamilysClaimsOfThePlanYear) {
  std::vector<batch_entry> v{
      entry("B1", "300001", day(2026, 3, 1), "FAM1", "001", year_2026),
      entry("B1", "300002", day(2026, 4, 1), "FAM1", "001", year_2026),
      entry("B1", "300003", day(2026, 5, 1), "FAM1", "002", year_2026),
      entry("B1", "300004", day(2025, 12, 1), "FAM1", "001", day(2025, 1, 1)),  // last year
      entry("B1", "300005", day(2026, 5, 1), "FAM2", "001", year_2026),        // another family
      entry("B1", "300006", day(2026, 6, 1), "FAM1", "001", {}),               // no accumulators
  };
  run(v, {{100, 110, 1000}, {20, 30, 2000}, {300, 300, 3000}, {5000, 5000, 5000}, {7000, 7000, 7000}, {}});
  const auto s = load("FAM1", "001", year_2026);
  EXPECT_EQ(s.year_start, year_2026);
  EXPECT_EQ(s.member, (rules::accumulator_amounts{120, 140, 3000}));
  EXPECT_EQ(s.family, (rules::accumulator_amounts{420, 440, 6000}));
  const auto other = load("FAM1", "002", year_2026);
  EXPECT_EQ(other.member, (rules::accumulator_amounts{300, 300, 3000}));
  EXPECT_EQ(other.family, s.family);
  EXPECT_EQ(load("FAM1", "001", day(2025, 1, 1)).member.deductible, 5000);
  // A plan without accumulators: nothing loaded.
  EXPECT_FALSE(load("FAM1", "001", {}).year_start.valid());
  // One batch meeting the member years out of their keys' order, one twice and one without
  // accumulators between them: each entry gets its own year's sums (the store numbers member
  // years in key order, not in the entries').
  {
    std::vector<batch_entry> w{entry("B1", "999991", day(2026, 11, 30), "FAM2", "001", year_2026),
                               entry("B1", "999992", day(2026, 11, 30), "FAM1", "002", year_2026),
                               entry("B1", "999993", day(2026, 11, 30), "FAM1", "001", {}),
                               entry("B1", "999994", day(2026, 11, 30), "FAM1", "001", day(2025, 1, 1)),
                               entry("B1", "999995", day(2026, 11, 30), "FAM1", "001", year_2026),
                               entry("B1", "999996", day(2026, 11, 30), "FAM2", "001", year_2026)};
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(store_->begin(b));
    ASSERT_FALSE(b->load_history(w));
    EXPECT_EQ(w[0].history.accumulators.member, (rules::accumulator_amounts{7000, 7000, 7000}));
    EXPECT_EQ(w[1].history.accumulators.member, other.member);
    EXPECT_EQ(w[1].history.accumulators.family, s.family);
    EXPECT_FALSE(w[2].history.accumulators.year_start.valid());
    EXPECT_EQ(w[3].history.accumulators.member.deductible, 5000);
    EXPECT_EQ(w[4].history.accumulators.member, s.member);
    EXPECT_EQ(w[4].history.accumulators.year_start, year_2026);
    EXPECT_EQ(w[5].history.accumulators.member, w[0].history.accumulators.member);
  }
  // Written on both tables: the key row (what the sums read) and the claim.
  EXPECT_EQ(q("SELECT accumulator_year || ' ' || deductible_applied || ' ' || out_of_pocket_applied || ' ' || benefit_applied "
              "FROM active_paid_keys WHERE rx_number = '300001'"),
            "2026-01-01 100 110 1000");
  EXPECT_EQ(q("SELECT accumulator_year || ' ' || deductible_applied || ' ' || out_of_pocket_applied || ' ' || benefit_applied || ' ' || "
              "accumulated_deductible || ' ' || remaining_deductible || ' ' || remaining_benefit || ' ' || "
              "over_benefit_maximum || ' ' || other_payer_recognized FROM claims WHERE rx_number = '300001'"),
            "2026-01-01 100 110 1000 100 149900 7 8 9");
  EXPECT_EQ(q("SELECT coalesce(accumulator_year::text, 'none') || ' ' || out_of_pocket_applied FROM active_paid_keys WHERE rx_number = '300006'"),
            "none 0");
}

TEST_P(Accumulators, AReversalGivesBackExactlyWhatItsClaimApplied) {
  std::vector<batch_entry> v{entry("B1", "300101", day(2026, 3, 1), "FAM1", "001", year_2026),
                             entry("B1", "300102", day(2026, 3, 2), "FAM1", "002", year_2026)};
  run(v, {{100, 150, 900}, {40, 60, 500}});
  std::vector<batch_entry> r{entry("B2", "300101", day(2026, 3, 1), "FAM1", "001", year_2026)};
  {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(store_->begin(b));
    ASSERT_FALSE(b->load_history(r));
    ASSERT_TRUE(r[0].history.same_key);
    // What the key's active claim applied, for the reversal to take back.
    EXPECT_EQ(r[0].history.same_key->applied, (rules::accumulator_amounts{100, 150, 900}));
    EXPECT_EQ(r[0].history.accumulators.family, (rules::accumulator_amounts{140, 210, 1400}));
  }
  run(r);
  EXPECT_EQ(r[0].decision.status, 'A');
  const auto s = load("FAM1", "001", year_2026);
  EXPECT_EQ(s.member, (rules::accumulator_amounts{}));
  EXPECT_EQ(s.family, (rules::accumulator_amounts{40, 60, 500}));
  EXPECT_EQ(q("SELECT deductible_applied || ' ' || out_of_pocket_applied || ' ' || benefit_applied FROM claims "
              "WHERE transaction_code = 'B2' AND rx_number = '300101'"),
            "-100 -150 -900");
  // Once reversed the claim applies nothing any more: a second reversal finds no amounts.
  std::vector<batch_entry> again{entry("B2", "300101", day(2026, 3, 1), "FAM1", "001", year_2026)};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(store_->begin(b));
  ASSERT_FALSE(b->load_history(again));
  ASSERT_TRUE(again[0].history.same_key);
  EXPECT_TRUE(again[0].history.same_key->reversed);
  EXPECT_EQ(again[0].history.same_key->applied, (rules::accumulator_amounts{}));
}

TEST_P(Accumulators, ADuplicateReplaysTheAccumulatorFieldsOfTheAnswer) {
  std::vector<batch_entry> v{entry("B1", "300201", day(2026, 3, 1), "FAM1", "001", year_2026)};
  run(v, {{2500, 2500, 100}});
  std::vector<batch_entry> d{entry("B1", "300201", day(2026, 3, 1), "FAM1", "001", year_2026)};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(store_->begin(b));
  ASSERT_FALSE(b->load_history(d));
  ASSERT_TRUE(d[0].history.same_key && d[0].history.same_key->price);
  const auto& p = *d[0].history.same_key->price;
  EXPECT_EQ(p.deductible_applied, 2500);
  EXPECT_EQ(p.accumulated_deductible, 2500);
  EXPECT_EQ(p.remaining_deductible, 147500);
  EXPECT_EQ(p.remaining_benefit, 7);
  EXPECT_EQ(p.over_benefit_maximum, 8);
  EXPECT_EQ(p.other_payer_recognized, 9);
  // The duplicate is written but applies nothing: the sums stay.
  decide_with(d[0], {});
  ASSERT_EQ(d[0].decision.status, 'D');
  ASSERT_FALSE(b->insert(d));
  ASSERT_FALSE(b->commit());
  b.reset();
  EXPECT_EQ(load("FAM1", "001", year_2026).member, (rules::accumulator_amounts{2500, 2500, 100}));
}

TEST_P(Accumulators, AmountsImportedFromAPriorCarrierCountForTheirPlanYear) {
  exec_sql(dsn_, "INSERT INTO accumulator_imports (bin, cardholder_id, person_code, plan_year_start, deductible, "
                 "out_of_pocket, benefit, source) VALUES "
                 "('610014', 'FAM1', '001', '2026-01-01', 50000, 60000, 0, 'prior-a.csv'), "
                 "('610014', 'FAM1', '001', '2026-01-01', 1000, 1000, 0, 'prior-b.csv'), "
                 "('610014', 'FAM1', '002', '2026-01-01', 20000, 20000, 0, 'prior-a.csv'), "
                 "('610014', 'FAM1', '001', '2025-01-01', 99999, 99999, 0, 'prior-a.csv'), "
                 "('610015', 'FAM1', '001', '2026-01-01', 88888, 88888, 0, 'prior-a.csv')");
  std::vector<batch_entry> v{entry("B1", "300301", day(2026, 3, 1), "FAM1", "001", year_2026)};
  run(v, {{100, 100, 0}});
  const auto s = load("FAM1", "001", year_2026);
  EXPECT_EQ(s.member, (rules::accumulator_amounts{51100, 61100, 0}));
  EXPECT_EQ(s.family, (rules::accumulator_amounts{71100, 81100, 0}));
  // One row per member, year and source: importing the same file again cannot count it twice.
  EXPECT_THROW(exec_sql(dsn_, "INSERT INTO accumulator_imports (bin, cardholder_id, person_code, plan_year_start, "
                              "deductible, source) VALUES ('610014', 'FAM1', '001', '2026-01-01', 1, 'prior-a.csv')"),
               std::exception);
}

// The store sums by the plan year the rules gave each claim: a claim dated the last day of a plan
// year and one dated the first day of the next never count together.
TEST_P(Accumulators, ThePlanYearBoundaryStartsFromZero) {
  rules::accumulator_rules january, july;
  january.enabled = july.enabled = true;
  january.year_start_month = 1;
  july.year_start_month = 7;
  const codec::date dec31 = day(2025, 12, 31), jan1 = day(2026, 1, 1), jun30 = day(2026, 6, 30), jul1 = day(2026, 7, 1);
  ASSERT_EQ(rules::plan_year_start(january, dec31), day(2025, 1, 1));
  ASSERT_EQ(rules::plan_year_start(january, jan1), day(2026, 1, 1));
  ASSERT_EQ(rules::plan_year_start(july, jun30), day(2025, 7, 1));
  ASSERT_EQ(rules::plan_year_start(july, jul1), day(2026, 7, 1));
  std::vector<batch_entry> v{
      entry("B1", "300401", dec31, "FAMJ", "001", rules::plan_year_start(january, dec31)),
      entry("B1", "300402", jan1, "FAMJ", "001", rules::plan_year_start(january, jan1)),
      entry("B1", "300403", jun30, "FAMY", "001", rules::plan_year_start(july, jun30)),
      entry("B1", "300404", jul1, "FAMY", "001", rules::plan_year_start(july, jul1)),
  };
  run(v, {{1231, 1231, 0}, {101, 101, 0}, {630, 630, 0}, {701, 701, 0}});
  EXPECT_EQ(load("FAMJ", "001", day(2025, 1, 1)).family.deductible, 1231);
  EXPECT_EQ(load("FAMJ", "001", day(2026, 1, 1)).family.deductible, 101);
  EXPECT_EQ(load("FAMY", "001", day(2025, 7, 1)).family.deductible, 630);
  EXPECT_EQ(load("FAMY", "001", day(2026, 7, 1)).family.deductible, 701);
  EXPECT_EQ(load("FAMY", "001", day(2026, 1, 1)).family.deductible, 0);  // no such plan year
}

// A batch that reads a family's accumulators holds the family until it ends: a second batch of
// the same family (another connection, as another node) waits in load_history and then sees
// what the first committed; a batch of another family does not wait.
TEST_P(Accumulators, BatchesOfOneFamilyRunOneAfterTheOther) {
  auto other_node = open(GetParam());
  std::vector<batch_entry> first{entry("B1", "300501", day(2026, 3, 1), "FAML", "001", year_2026)};
  std::unique_ptr<store::batch> b;
  ASSERT_FALSE(store_->begin(b));
  ASSERT_FALSE(b->load_history(first));
  decide_with(first[0], {700, 700, 0});
  ASSERT_FALSE(b->insert(first));

  // Another family: no wait.
  std::vector<batch_entry> stranger{entry("B1", "300502", day(2026, 3, 1), "FAMM", "001", year_2026)};
  run(stranger, {{5, 5, 0}}, other_node.get());

  std::atomic<bool> loaded{false};
  std::vector<batch_entry> second{entry("B1", "300503", day(2026, 3, 2), "FAML", "002", year_2026)};
  std::unique_ptr<store::batch> b2;
  ASSERT_FALSE(other_node->begin(b2));
  std::thread t([&] {
    EXPECT_FALSE(b2->load_history(second));
    loaded = true;
  });
  // Wait until the second batch is seen waiting on the advisory lock (bounded by the test's timeout).
  while (q("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") != "1")
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(loaded);
  ASSERT_FALSE(b->commit());
  t.join();
  EXPECT_TRUE(loaded);
  EXPECT_EQ(second[0].history.accumulators.family.deductible, 700);
  EXPECT_EQ(second[0].history.accumulators.member.deductible, 0);
}

INSTANTIATE_TEST_SUITE_P(Methods, Accumulators,
                         ::testing::Values(insert_method::unnest, insert_method::copy, insert_method::pipeline),
                         [](const auto& p) {
                           return p.param == insert_method::unnest ? "unnest"
                                  : p.param == insert_method::copy ? "copy"
                                                                   : "pipeline";
                         });

}  // namespace
}  // namespace rxgate::test
