// Plan-year accumulators through the batch worker against a real PostgreSQL (label db): claims of
// one family in one batch see each other, later batches see the ledger, a reversal gives back what
// its claim applied, a duplicate replays the answer, and two gateway nodes paying toward the same
// family deductible at the same moment end with the exact sum. Claims are D.0 transmissions for
// the synthetic high-deductible plan (config/plans/hdhp-demo: deductible 1500.00 each and
// 3000.00 per family, embedded; tier 2 is 20 % coinsurance), adjudicated by the real rules.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rules/plan.h"
#include "server/core/metrics.h"
#include "server/pipeline/batch.h"
#include "server/pipeline/batcher.h"
#include "sql/store.h"
#include "tests/server/pipeline/pipeline_support.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::server {
namespace {

// DEMOBRAND 50 MG, tier 2: 30 tablets at AWP 12.50 less 20 % plus the 1.00 fee = 301.00 allowed.
constexpr std::string_view brand = "90001002001";
constexpr std::int64_t allowed = 30100;
constexpr std::int64_t member_deductible = 150000, family_deductible = 300000;

struct person {
  std::string_view cardholder, code, relationship, dob, gender, first;
};
const person riley{"HDHP2001", "001", "1", "19800105", "2", "RILEY"};
const person sam{"HDHP2001", "002", "2", "19811111", "1", "SAM"};
const person robin{"HDHP2001", "003", "3", "20120606", "2", "ROBIN"};

std::shared_ptr<const rules::plan_set> plans() {
  static const auto p = rules::load_plans(std::filesystem::path(RXGATE_SOURCE_ROOT) / "config/plans");
  return p;
}

// A claim of `who` for the tier 2 brand, one day's supply, `days_ago` days before today: each
// member's claims of one test take distinct dates so that none is a refill too soon of another.
struct hdhp_claim {
  person who;
  std::string rx;
  codec::date dos;
  std::string d0(std::string_view code = "B1") const {
    test::claim_spec s;
    s.code = code;
    s.bin = "610997";
    s.pcn = "RXGHDHP";
    s.group = "HDHP01";
    s.cardholder = who.cardholder;
    s.person_code = who.code;
    s.relationship = who.relationship;
    s.date_of_birth = who.dob;
    s.gender = who.gender;
    s.first_name = who.first;
    s.last_name = "FAMILYDEMO";
    s.rx = rx;
    s.ndc = brand;
    s.days_supply = 1;  // a refill is due the next day
    s.ingredient_cost = s.usual_customary = s.gross_amount_due = 100000;
    s.date_of_service = dos;
    return test::claim_d0(s);
  }
};
hdhp_claim claim_of(const person& who, int days_ago) {
  return {who, test::next_rx(), codec::date::from_days(test::today_utc().days() - days_ago)};
}

const std::string& dsn() { return test::fresh_database_dsn(); }
std::int64_t number(const std::string& sql) { return std::stoll(test::query_value(dsn(), sql)); }
// What the family's (or one member's) active paid claims of this plan year applied.
std::int64_t deductible_of(std::string_view person_code = {}) {
  std::string sql = "SELECT coalesce(sum(deductible_applied), 0) FROM active_paid_keys WHERE bin = '610997' "
                    "AND cardholder_id = 'HDHP2001' AND accumulator_year = date_trunc('year', current_date)::date";
  if (!person_code.empty()) sql += " AND person_code = '" + std::string(person_code) + "'";
  return number(sql);
}
// Each test starts the family from zero (its rows only; claims stay as history).
void forget_family() {
  test::exec_sql(dsn(), "DELETE FROM active_paid_keys WHERE bin = '610997' AND cardholder_id = 'HDHP2001'");
}

std::unique_ptr<store::claim_store> open_writer() {
  store::store_options o;
  o.dsn = dsn();
  return store::open_store(o);
}

// One gateway node: a batcher with `workers` writer connections of its own.
struct node {
  explicit node(std::size_t workers) {
    std::vector<store::claim_store*> writers;
    for (std::size_t i = 0; i < workers; ++i) {
      stores.push_back(open_writer());
      writers.push_back(stores.back().get());
    }
    claims = std::make_unique<batcher>(batcher_options{}, std::move(writers), [] { return plans(); }, stats);
  }
  metrics stats;
  std::vector<std::unique_ptr<store::claim_store>> stores;
  std::unique_ptr<batcher> claims;
};

// Runs `d0s` as ONE batch of the worker's steps on `s` (so their order inside the batch is known)
// and records the answers in `got`.
void one_batch(store::claim_store& s, test::answers& got, const std::vector<std::string>& d0s) {
  std::vector<std::shared_ptr<transmission>> jobs;
  for (const auto& d : d0s) jobs.push_back(got.make(d));
  metrics m;
  authorization_numbers numbers(7);
  bool failing = false;
  batch_pass(jobs, s, plans(), m, numbers, failing).run();
  for (auto& j : jobs) {
    auto done = std::move(j->done);
    done(std::move(j));
  }
}

class pipeline_accumulators : public ::testing::Test {
 protected:
  void SetUp() override {
    RXGATE_REQUIRE_DB();
    forget_family();
  }
};

TEST_F(pipeline_accumulators, a_family_in_one_batch_and_across_batches_walks_the_deductible_and_back) {
  test::answers got;
  auto s = open_writer();
  // One batch: five of Riley's claims (the fifth meets her 1500.00: 4 x 301.00 + 296.00) and one
  // of Sam's, in that order.
  std::vector<hdhp_claim> c;
  for (int k = 0; k < 5; ++k) c.push_back(claim_of(riley, 10 - k));
  c.push_back(claim_of(sam, 10));
  std::vector<std::string> d0s;
  for (const auto& x : c) d0s.push_back(x.d0());
  one_batch(*s, got, d0s);
  const std::int64_t expected_fh[] = {allowed, allowed, allowed, allowed, member_deductible - 4 * allowed, allowed};
  for (std::size_t i = 0; i < 6; ++i) {
    ASSERT_EQ(got.status(i), 'P') << i << " " << got.rejects(i);
    EXPECT_EQ(got.amounts(i).deductible_applied, expected_fh[i]) << i;
  }
  // 513-FD: the smaller of the member's and the family's remaining deductible.
  EXPECT_EQ(got.amounts(0).remaining_deductible, member_deductible - allowed);
  EXPECT_EQ(got.amounts(4).remaining_deductible, 0);
  EXPECT_EQ(got.amounts(5).remaining_deductible, member_deductible - allowed);
  // Past the deductible the 5.00 left of the fifth claim takes 20 % coinsurance.
  EXPECT_EQ(got.amounts(4).patient_pay, member_deductible - 4 * allowed + 100);
  EXPECT_EQ(deductible_of("001"), member_deductible);
  EXPECT_EQ(deductible_of(), member_deductible + allowed);

  // A later batch sees the ledger: Riley pays no more deductible, Sam his second 301.00.
  const auto riley_after = claim_of(riley, 3);
  const auto sam_second = claim_of(sam, 9);
  one_batch(*s, got, {riley_after.d0(), sam_second.d0()});
  EXPECT_EQ(got.amounts(6).deductible_applied, 0);
  EXPECT_EQ(got.amounts(6).remaining_deductible, 0);
  EXPECT_EQ(got.amounts(7).deductible_applied, allowed);
  EXPECT_EQ(deductible_of(), member_deductible + 2 * allowed);

  // The same claim again: a duplicate that replays the answer, accumulator fields included,
  // and changes nothing.
  one_batch(*s, got, {sam_second.d0()});
  EXPECT_EQ(got.status(8), 'D');
  EXPECT_EQ(got.amounts(8).deductible_applied, got.amounts(7).deductible_applied);
  EXPECT_EQ(got.amounts(8).accumulated_deductible, got.amounts(7).accumulated_deductible);
  EXPECT_EQ(got.amounts(8).remaining_deductible, got.amounts(7).remaining_deductible);
  EXPECT_EQ(got.amounts(8).patient_pay, got.amounts(7).patient_pay);
  EXPECT_EQ(deductible_of(), member_deductible + 2 * allowed);

  // Reversing Riley's fifth claim gives back its 296.00; a reversal and a new claim of hers in
  // one batch: the new claim sees the reversal before it and applies the 296.00 again.
  const auto riley_new = claim_of(riley, 2);
  one_batch(*s, got, {c[4].d0("B2"), riley_new.d0()});
  EXPECT_EQ(got.status(9), 'A');
  EXPECT_EQ(got.status(10), 'P') << got.rejects(10);
  EXPECT_EQ(got.amounts(10).deductible_applied, member_deductible - 4 * allowed);
  EXPECT_EQ(deductible_of("001"), member_deductible);
  EXPECT_EQ(number("SELECT deductible_applied FROM claims WHERE transaction_code = 'B2' AND rx_number = '" + c[4].rx + "'"),
            -(member_deductible - 4 * allowed));
  // A reversal alone: the member is 296.00 short again.
  one_batch(*s, got, {riley_new.d0("B2")});
  EXPECT_EQ(got.status(11), 'A');
  EXPECT_EQ(deductible_of("001"), 4 * allowed);
}

TEST_F(pipeline_accumulators, a_rebill_is_priced_without_the_claim_it_replaces) {
  test::answers got;
  auto s = open_writer();
  std::vector<hdhp_claim> c;
  for (int k = 0; k < 5; ++k) c.push_back(claim_of(riley, 20 - k));
  std::vector<std::string> d0s;
  for (const auto& x : c) d0s.push_back(x.d0());
  one_batch(*s, got, d0s);
  ASSERT_EQ(deductible_of("001"), member_deductible);
  // B3 of the fifth claim (296.00 of deductible) then a new claim, in one batch: the rebill
  // applies the same 296.00 (not 0: its own original does not count), the new claim none.
  const auto after = claim_of(riley, 5);
  one_batch(*s, got, {c[4].d0("B3"), after.d0()});
  ASSERT_EQ(got.status(5), 'P') << got.rejects(5);
  EXPECT_EQ(got.amounts(5).deductible_applied, member_deductible - 4 * allowed);
  EXPECT_EQ(got.amounts(6).deductible_applied, 0);
  EXPECT_EQ(deductible_of("001"), member_deductible);
}

// Two nodes (two workers each, four writer connections) take one family's claims at the same
// moment. Without the family lock two batches read the same remaining deductible and the family
// pays more than 3000.00; with it the ledger ends at exactly the limit, no member above 1500.00,
// and what the answers said adds up to what is stored.
TEST_F(pipeline_accumulators, two_nodes_paying_one_family_deductible_at_once_end_with_the_exact_sum) {
  for (int iteration = 0; iteration < 6; ++iteration) {
    forget_family();
    test::answers got;
    node a(2), b(2);
    std::vector<hdhp_claim> c;
    for (int k = 0; k < 6; ++k)
      for (const person* p : {&riley, &sam, &robin}) c.push_back(claim_of(*p, 30 + iteration * 8 + k));
    std::vector<std::shared_ptr<transmission>> made;
    for (const auto& x : c) made.push_back(got.make(x.d0()));
    std::vector<std::thread> senders;
    for (int t = 0; t < 2; ++t)
      senders.emplace_back([&, t] {
        for (std::size_t i = static_cast<std::size_t>(t); i < made.size(); i += 2)
          EXPECT_EQ((t == 0 ? a : b).claims->submit(made[i]), batcher::submit_result::queued);
      });
    for (auto& t : senders) t.join();
    got.wait_for(made.size());

    std::map<std::string_view, std::int64_t> answered;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
      ASSERT_EQ(got.status(i), 'P') << "iteration " << iteration << " claim " << i << " " << got.rejects(i);
      const std::int64_t fh = got.amounts(i).deductible_applied.value_or(-1);
      EXPECT_GE(fh, 0);
      answered[c[i].who.code] += fh;
      total += fh;
    }
    EXPECT_EQ(total, family_deductible) << "iteration " << iteration;
    EXPECT_EQ(deductible_of(), family_deductible) << "iteration " << iteration;
    for (const person* p : {&riley, &sam, &robin}) {
      EXPECT_LE(answered[p->code], member_deductible) << "iteration " << iteration << " person " << p->code;
      EXPECT_EQ(deductible_of(p->code), answered[p->code]) << "iteration " << iteration;
    }
  }
}

// A reversal on one node and a new claim of the same family on the other, at once. The family's
// deductible is met; the reversal frees 301.00. Whichever commits first, the new claim applies
// either nothing (it came first) or the 301.00 the reversal freed (it came second), and the
// ledger holds exactly that.
TEST_F(pipeline_accumulators, a_reversal_racing_a_new_claim_of_the_family_leaves_a_consistent_ledger) {
  for (int iteration = 0; iteration < 6; ++iteration) {
    forget_family();
    test::answers got;
    auto s = open_writer();
    std::vector<hdhp_claim> c;
    for (int k = 0; k < 5; ++k) c.push_back(claim_of(riley, 40 + iteration * 6 + k));
    for (int k = 0; k < 5; ++k) c.push_back(claim_of(sam, 40 + iteration * 6 + k));
    std::vector<std::string> d0s;
    for (const auto& x : c) d0s.push_back(x.d0());
    one_batch(*s, got, d0s);
    ASSERT_EQ(deductible_of(), family_deductible) << "iteration " << iteration;
    s.reset();

    node a(1), b(1);
    const auto robins = claim_of(robin, 40 + iteration * 6);
    auto reversal = got.make(c[0].d0("B2"));  // Riley's first: 301.00 of deductible
    auto fresh = got.make(robins.d0());
    std::thread t1([&] { EXPECT_EQ(a.claims->submit(reversal), batcher::submit_result::queued); });
    std::thread t2([&] { EXPECT_EQ(b.claims->submit(fresh), batcher::submit_result::queued); });
    t1.join();
    t2.join();
    got.wait_for(12);
    ASSERT_EQ(got.status(10), 'A');
    ASSERT_EQ(got.status(11), 'P') << got.rejects(11);
    const std::int64_t fh = got.amounts(11).deductible_applied.value_or(-1);
    EXPECT_TRUE(fh == 0 || fh == allowed) << "iteration " << iteration << ": " << fh;
    EXPECT_EQ(deductible_of("003"), fh);
    EXPECT_EQ(deductible_of(), family_deductible - allowed + fh) << "iteration " << iteration;
  }
}

}  // namespace
}  // namespace rxgate::server
