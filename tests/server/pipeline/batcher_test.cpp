// The batcher against a real PostgreSQL (label db): racing workers, per-key ordering, conflict
// re-adjudication when another node pays a claim key first, and the claim counters. Claims are
// D.0 transmissions for the demo plan, adjudicated by the real rules.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "codec/numeric.h"
#include "rules/plan.h"
#include "server/core/metrics.h"
#include "server/pipeline/batcher.h"
#include "sql/store.h"
#include "tests/server/pipeline/pipeline_support.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::server {
namespace {

constexpr std::string_view atorvastatin_20 = "90001000102";

std::shared_ptr<const rules::plan_set> demo_plans() {
  static const auto plans = rules::load_plans(std::filesystem::path(RXGATE_SOURCE_ROOT) / "config/plans");
  return plans;
}

std::unique_ptr<store::claim_store> open_writer() {
  store::store_options o;
  o.dsn = test::fresh_database_dsn();
  return store::open_store(o);
}

// A batcher with `workers` writer connections of its own (one node).
struct node {
  explicit node(std::size_t workers, batcher_options options = {}) {
    std::vector<store::claim_store*> writers;
    for (std::size_t i = 0; i < workers; ++i) {
      stores.push_back(open_writer());
      writers.push_back(stores.back().get());
    }
    claims = std::make_unique<batcher>(options, std::move(writers), [] { return demo_plans(); }, stats);
  }
  metrics stats;
  std::vector<std::unique_ptr<store::claim_store>> stores;
  std::unique_ptr<batcher> claims;
};

std::string count_rows(std::string_view where) {
  return test::query_value(test::fresh_database_dsn(), "SELECT count(*) FROM claims WHERE " + std::string(where));
}

class pipeline_batcher : public ::testing::Test {
 protected:
  void SetUp() override { RXGATE_REQUIRE_DB(); }
};

TEST_F(pipeline_batcher, racing_workers_pay_each_key_once_and_answer_retransmits_as_duplicates) {
  test::answers got;  // outlives the workers that call into it
  node n(4);
  const auto paid_before = std::stoul(count_rows("status = 'P'"));
  const auto keys_before = std::stoul(test::query_value(test::fresh_database_dsn(), "SELECT count(*) FROM active_paid_keys"));
  // Ten keys (five members, two prescriptions each), each sent four times from four threads at
  // once: every copy is the same claim, so whichever the workers decide first pays and the
  // other three are duplicates carrying its authorization number.
  const std::vector<std::string_view> members = {"DEMO1001", "DEMO1002", "DEMO1003", "DEMO1001", "DEMO1002",
                                                 "DEMO1003", "DEMO1001", "DEMO1002", "DEMO1003", "DEMO1001"};
  std::vector<std::string> claims;
  for (auto m : members) claims.push_back(test::b1(m, test::next_rx(), atorvastatin_20));
  std::vector<std::shared_ptr<transmission>> made;
  for (int copy = 0; copy < 4; ++copy)
    for (const auto& c : claims) made.push_back(got.make(c));
  std::vector<std::thread> senders;
  for (int s = 0; s < 4; ++s)
    senders.emplace_back([&, s] {
      for (std::size_t i = static_cast<std::size_t>(s); i < made.size(); i += 4)
        EXPECT_EQ(n.claims->submit(made[i]), batcher::submit_result::queued);
    });
  for (auto& t : senders) t.join();
  got.wait_for(made.size());

  std::size_t paid_keys = 0;
  for (std::size_t key = 0; key < claims.size(); ++key) {
    std::map<char, int> statuses;
    std::string paid_authorization;
    for (int copy = 0; copy < 4; ++copy) {
      const std::size_t i = static_cast<std::size_t>(copy) * claims.size() + key;
      ++statuses[got.status(i)];
      if (got.status(i) == 'P') paid_authorization = got.authorization(i);
    }
    if (statuses.count('P') == 0) {  // the plan rejects this one: then every copy says so
      EXPECT_EQ(statuses.size(), 1u) << "key " << key;
      continue;
    }
    ++paid_keys;
    EXPECT_EQ(statuses['P'], 1) << "key " << key;
    EXPECT_EQ(statuses['D'], 3) << "key " << key;
    for (int copy = 0; copy < 4; ++copy) {
      const std::size_t i = static_cast<std::size_t>(copy) * claims.size() + key;
      EXPECT_EQ(got.authorization(i), paid_authorization) << "key " << key;
    }
  }
  EXPECT_GE(paid_keys, 3u);  // at least each member's first prescription
  EXPECT_EQ(std::stoul(count_rows("status = 'P'")) - paid_before, paid_keys);
  EXPECT_EQ(std::stoul(test::query_value(test::fresh_database_dsn(), "SELECT count(*) FROM active_paid_keys")) - keys_before,
            paid_keys);
}

TEST_F(pipeline_batcher, one_key_is_decided_in_the_order_it_was_queued) {
  test::answers got;
  node n(3);
  // Paid, reversed, paid again, reversed again, and a second reversal that finds nothing active
  // (S): any other order answers differently (87 for a reversal first, D for a rebill too early).
  const auto rx = test::next_rx();
  std::vector<std::shared_ptr<transmission>> made;
  made.push_back(got.make(test::b1("DEMO1002", rx, atorvastatin_20)));
  made.push_back(got.make(test::b2("DEMO1002", rx, atorvastatin_20)));
  made.push_back(got.make(test::b1("DEMO1002", rx, atorvastatin_20)));
  made.push_back(got.make(test::b2("DEMO1002", rx, atorvastatin_20)));
  made.push_back(got.make(test::b2("DEMO1002", rx, atorvastatin_20)));
  for (auto& t : made) ASSERT_EQ(n.claims->submit(t), batcher::submit_result::queued);
  got.wait_for(made.size());
  EXPECT_EQ(got.status(0), 'P') << got.rejects(0);
  EXPECT_EQ(got.status(1), 'A') << got.rejects(1);
  EXPECT_EQ(got.status(2), 'P') << got.rejects(2);
  EXPECT_NE(got.authorization(2), got.authorization(0));
  EXPECT_EQ(got.status(3), 'A') << got.rejects(3);
  EXPECT_EQ(got.status(4), 'S') << got.rejects(4);
  EXPECT_EQ(got.arrival(), (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

// A store that lets "another node" commit right after this node loaded its history: the claim
// key this node is about to pay is then taken, insert() reports a conflict, and the batch must
// decide that claim again against the winner.
class interleaving_store : public store::claim_store {
 public:
  interleaving_store(std::unique_ptr<store::claim_store> inner, std::function<void()> after_first_history)
      : inner_(std::move(inner)), hook_(std::move(after_first_history)) {}
  store::error begin(std::unique_ptr<store::batch>& out) override {
    std::unique_ptr<store::batch> b;
    if (auto err = inner_->begin(b)) return err;
    out = std::make_unique<hooked_batch>(std::move(b), *this);
    return {};
  }
  bool healthy() const noexcept override { return inner_->healthy(); }
  store::error connect() override { return inner_->connect(); }
  int history_loads = 0;

 private:
  struct hooked_batch : store::batch {
    hooked_batch(std::unique_ptr<store::batch> b, interleaving_store& s) : inner(std::move(b)), owner(s) {}
    store::error load_history(std::span<store::batch_entry> entries) override {
      auto err = inner->load_history(entries);
      if (!err && owner.history_loads++ == 0 && owner.hook_) owner.hook_();
      return err;
    }
    store::error insert(std::span<store::batch_entry> entries) override { return inner->insert(entries); }
    store::error commit() override { return inner->commit(); }
    std::unique_ptr<store::batch> inner;
    interleaving_store& owner;
  };
  std::unique_ptr<store::claim_store> inner_;
  std::function<void()> hook_;
};

// P1-P4 (issue 15): a PA request sent again files one pending PA and every copy answers F with its
// number: twice in one transmission (so in one batch: the second sees the first's, rather than
// failing the batch on the request key's unique index) and again in later transmissions (the
// store finds it); the claim queued with them is decided as usual.
TEST_F(pipeline_batcher, a_pa_request_sent_again_files_one_pending_pa_and_every_copy_answers_its_number) {
  test::answers got;
  node n(1);
  const auto rx = test::next_rx();
  std::string p1 = test::b1("DEMO1002", rx, "90001000704");  // semaglutide: PA required
  p1.replace(8, 2, "P1");
  std::array<char, 8> today{};
  const std::string day(codec::format_date(test::today_utc(), today));
  p1 += "\x1e\x1c" "AM12\x1c" "PA1\x1c" "PB" + day + "\x1c" "PC" + day + "\x1c" "PDME";
  // The same transaction twice in one transmission: count 2, the group repeated.
  std::string twice = p1;
  twice[20] = '2';
  twice += p1.substr(p1.find('\x1d'));
  std::vector<std::shared_ptr<transmission>> made;
  made.push_back(got.make(twice));
  for (int copy = 0; copy < 2; ++copy) made.push_back(got.make(p1));
  made.push_back(got.make(test::b1("DEMO1003", test::next_rx(), atorvastatin_20)));
  for (auto& t : made) ASSERT_EQ(n.claims->submit(t), batcher::submit_result::queued);
  got.wait_for(made.size());
  const auto number = got.pa_number(0);
  EXPECT_EQ(number.size(), 11u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got.status(i), 'F') << got.rejects(i);
    EXPECT_EQ(got.pa_number(i), number);
  }
  EXPECT_EQ(got.rejects(3).find("99"), std::string::npos) << got.rejects(3);
  EXPECT_EQ(test::query_value(test::fresh_database_dsn(),
                              "SELECT count(*) || ' ' || min(state) || ' ' || min(number) FROM prior_authorizations "
                              "WHERE request_rx_number = '" + rx + "'"),
            "1 pending " + number);
  // Both transactions of the first transmission are stored with its answer.
  EXPECT_EQ(count_rows("rx_number = '" + rx + "' AND status = 'F'"), "4");
}

TEST_F(pipeline_batcher, a_key_paid_by_another_node_meanwhile_is_readjudicated_as_a_duplicate) {
  test::answers got;
  node other(1);
  const auto claim = test::b1("DEMO1003", test::next_rx(), atorvastatin_20);
  auto mine = got.make(claim);
  auto theirs = got.make(claim);
  interleaving_store store(open_writer(), [&] {
    ASSERT_EQ(other.claims->submit(theirs), batcher::submit_result::queued);
    got.wait_for(1);  // the other node has committed its payment
  });
  metrics stats;
  {
    batcher here(batcher_options{}, store, [] { return demo_plans(); }, stats);
    ASSERT_EQ(here.submit(mine), batcher::submit_result::queued);
    got.wait_for(2);
  }
  EXPECT_EQ(got.arrival(), (std::vector<std::size_t>{1, 0}));
  ASSERT_EQ(got.status(1), 'P') << got.rejects(1);
  EXPECT_EQ(got.status(0), 'D') << got.rejects(0);  // not a second payment
  EXPECT_EQ(got.authorization(0), got.authorization(1));
  EXPECT_EQ(store.history_loads, 2);  // the batch's load, then the conflict's
  EXPECT_EQ(stats.claims.value({"B1", "D"}), 1u);
  EXPECT_EQ(stats.claims.value({"B1", "P"}), 0u);
}

// The store leaves out fills older than the plan's lookback (180 days in the demo plan) whose
// supply has run out; one whose supply lasts must still stop an early refill. Fills paid 200
// days ago (as by an earlier plan version that allowed a year's supply), put in the key table
// directly; members this file uses nowhere else.
TEST_F(pipeline_batcher, a_fill_older_than_the_lookback_whose_supply_lasts_still_stops_a_refill) {
  const std::string dsn = test::fresh_database_dsn();
  auto paid_long_ago = [&](const char* member, const char* rx, int days_supply) {
    test::exec_sql(dsn, "DELETE FROM active_paid_keys WHERE cardholder_id = '" + std::string(member) + "'");
    test::exec_sql(dsn, "INSERT INTO active_paid_keys (bin, pcn, provider_id_qualifier, provider_id, rx_number, "
                        "fill_number, date_of_service, claim_id, cardholder_id, person_code, product_id, "
                        "therapeutic_class, quantity, days_supply) VALUES ('610999', 'RXGDEMO', '01', '1111111112', '" +
                        std::string(rx) + "', 0, (now() AT TIME ZONE 'UTC')::date - 200, 1, '" + member + "', '001', '" +
                        std::string(atorvastatin_20) + "', 'STATIN', 30000, " + std::to_string(days_supply) + ")");
  };
  paid_long_ago("DEMO1010", "8800001", 365);  // lasts another 165 days
  paid_long_ago("DEMO1011", "8800002", 30);   // used up 170 days ago
  auto claim = [](const char* member, const char* first, const char* last, const char* born, const char* gender,
                  const std::string& rx) {
    test::claim_spec c;
    c.cardholder = member;
    c.first_name = first;
    c.last_name = last;
    c.date_of_birth = born;
    c.gender = gender;
    c.rx = rx;
    c.ndc = atorvastatin_20;
    return test::claim_d0(c);
  };
  test::answers got;
  node n(1);
  ASSERT_EQ(n.claims->submit(got.make(claim("DEMO1010", "ROBIN", "SPECIALTY", "19770707", "2", test::next_rx()))), batcher::submit_result::queued);
  ASSERT_EQ(n.claims->submit(got.make(claim("DEMO1011", "LEE", "DIABETIC", "19660606", "1", test::next_rx()))), batcher::submit_result::queued);
  got.wait_for(2);
  EXPECT_EQ(got.status(0), 'R');
  EXPECT_NE(got.rejects(0).find("79"), std::string::npos) << got.rejects(0);
  EXPECT_EQ(got.status(1), 'P') << got.rejects(1);
}

TEST_F(pipeline_batcher, claim_counters_add_up_what_was_answered) {
  test::answers got;
  node n(2);
  const auto rx = test::next_rx();
  std::vector<std::shared_ptr<transmission>> made;
  made.push_back(got.make(test::b1("DEMO1001", rx, atorvastatin_20)));
  made.push_back(got.make(test::b1("DEMO1001", rx, atorvastatin_20)));     // duplicate
  made.push_back(got.make(test::b2("DEMO1001", test::next_rx(), atorvastatin_20)));  // nothing to reverse
  made.push_back(got.make(test::b1("DEMO9999", test::next_rx(), atorvastatin_20)));  // not a member
  made.push_back(got.make("not a transmission"));
  for (auto& t : made) ASSERT_EQ(n.claims->submit(t), batcher::submit_result::queued);
  got.wait_for(made.size());
  n.claims->stop();

  // What each transmission was answered (the statuses the batcher reports with the response).
  std::map<std::pair<std::string, char>, std::uint64_t> expected;
  for (const auto& t : made) {
    const auto code = t->validation.claims[0].transaction_code;
    ++expected[{code == "B1" || code == "B2" ? std::string(code) : "other", t->statuses[0]}];
  }
  std::uint64_t counted = 0;
  for (const auto& [label, n_expected] : expected) {
    const char status[2] = {label.second, 0};
    EXPECT_EQ(n.stats.claims.value({label.first, status}), n_expected) << label.first << " " << label.second;
    counted += n.stats.claims.value({label.first, status});
  }
  EXPECT_EQ(counted, made.size());
  EXPECT_EQ((expected[{"other", 'R'}]), 1u);  // the transmission that did not decode
  EXPECT_EQ(got.status(0), 'P');
  EXPECT_EQ(got.status(1), 'D');
  EXPECT_EQ(got.status(2), 'R');
  EXPECT_EQ(n.stats.claims_by_plan.value({"610999", "RXGDEMO", "P"}), 1u);
  EXPECT_EQ(n.stats.rejects.value({"87"}), 1u);
  EXPECT_GE(n.stats.batches.load(), 1u);
  EXPECT_EQ(n.stats.batch_in_flight.load(), 0);
  EXPECT_EQ(n.stats.db_errors.value({"unavailable"}), 0u);
}

TEST_F(pipeline_batcher, an_unreachable_database_answers_every_claim_with_a_host_reject) {
  store::store_options o;
  o.dsn = "host=127.0.0.1 port=1 dbname=nowhere connect_timeout=1";
  auto dead = store::open_store(o);
  metrics stats;
  test::answers got;
  {
    batcher b(batcher_options{}, *dead, [] { return demo_plans(); }, stats);
    ASSERT_EQ(b.submit(got.make(test::b1("DEMO1001", test::next_rx(), atorvastatin_20))), batcher::submit_result::queued);
    got.wait_for(1);
  }
  EXPECT_EQ(got.status(0), 'R');
  EXPECT_EQ(got.rejects(0), "92");
  EXPECT_EQ(stats.host_rejects.value({"92", "unavailable"}), 1u);
  EXPECT_EQ(stats.claims.value({"B1", "R"}), 1u);
  EXPECT_EQ(stats.db_errors.value({"unavailable"}), 1u);
}

}  // namespace
}  // namespace rxgate::server
