// The batcher's ordering rules (server/pipeline/claim_queue.h), without threads or a database.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/pipeline/batcher.h"
#include "server/pipeline/claim_queue.h"
#include "tests/server/pipeline/pipeline_support.h"

namespace rxgate::server {
namespace {

using test::keyed;
using jobs_t = std::vector<std::shared_ptr<transmission>>;

struct taken {
  jobs_t jobs;
  std::vector<queue_key> keys;
};

taken take(claim_queue& q) {
  taken t;
  q.take(t.jobs, t.keys);
  return t;
}

void push(claim_queue& q, const std::shared_ptr<transmission>& t) {
  auto copy = t;
  ASSERT_TRUE(q.push(copy));
}

TEST(claim_queue, takes_everything_in_order_when_no_keys_are_shared) {
  claim_queue q(100, 100);
  auto a = keyed({{"1", "M1"}}), b = keyed({{"2", "M2"}}), c = keyed({{"3", "M3"}});
  push(q, a), push(q, b), push(q, c);
  auto batch = take(q);
  EXPECT_EQ(batch.jobs, (jobs_t{a, b, c}));
  EXPECT_EQ(batch.keys.size(), 6u);  // a claim key and a member key each
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(a->status.load(), transmission::state::taken);
}

TEST(claim_queue, a_claim_key_appears_once_per_batch_and_its_order_is_kept) {
  claim_queue q(100, 100);
  auto first = keyed({{"1", "M1"}}), other = keyed({{"2", "M2"}}), retransmit = keyed({{"1", "M1"}}),
       after = keyed({{"1", "M1", "B2"}});
  push(q, first), push(q, other), push(q, retransmit), push(q, after);
  auto batch1 = take(q);
  EXPECT_EQ(batch1.jobs, (jobs_t{first, other}));
  EXPECT_EQ(q.size(), 2u);
  // The batch is in flight: the key's later transmissions wait, even for a second worker.
  EXPECT_TRUE(take(q).jobs.empty());
  EXPECT_EQ(retransmit->status.load(), transmission::state::queued);
  q.release(batch1.keys);
  auto batch2 = take(q);
  EXPECT_EQ(batch2.jobs, (jobs_t{retransmit}));
  q.release(batch2.keys);
  EXPECT_EQ(take(q).jobs, (jobs_t{after}));
}

TEST(claim_queue, a_member_in_flight_waits_but_may_repeat_within_a_batch) {
  claim_queue q(100, 100);
  auto fill1 = keyed({{"1", "M1"}}), fill2 = keyed({{"2", "M1"}});
  push(q, fill1), push(q, fill2);
  EXPECT_EQ(take(q).jobs, (jobs_t{fill1, fill2}));  // same member, different claim keys

  auto fill3 = keyed({{"3", "M1"}}), stranger = keyed({{"4", "M9"}});
  push(q, fill3), push(q, stranger);
  // M1 is in flight (the batch above was not released): fill3 waits, the stranger goes.
  auto batch = take(q);
  EXPECT_EQ(batch.jobs, (jobs_t{stranger}));
  EXPECT_EQ(q.size(), 1u);
}

TEST(claim_queue, a_waiting_transmission_holds_back_later_ones_sharing_its_keys) {
  claim_queue q(100, 100);
  auto busy = keyed({{"1", "M1"}});
  push(q, busy);
  auto in_flight = take(q);
  // Waits on claim key 1; its member M2 must then not overtake it through `later`.
  auto waiting = keyed({{"1", "M1"}, {"5", "M2"}});
  auto later = keyed({{"6", "M2"}});
  auto free = keyed({{"7", "M3"}});
  push(q, waiting), push(q, later), push(q, free);
  EXPECT_EQ(take(q).jobs, (jobs_t{free}));
  EXPECT_EQ(q.size(), 2u);
  q.release(in_flight.keys);
  EXPECT_EQ(take(q).jobs, (jobs_t{waiting, later}));
}

TEST(claim_queue, the_batch_cap_counts_transactions_and_one_transmission_always_fits) {
  claim_queue q(100, 3);
  auto two = keyed({{"1", "M1"}, {"2", "M2"}}), two_more = keyed({{"3", "M3"}, {"4", "M4"}}),
       one = keyed({{"5", "M5"}});
  push(q, two), push(q, two_more), push(q, one);
  // 2 + 2 > 3: the batch ends before two_more, and `one`, which would fit, does not overtake it.
  EXPECT_EQ(take(q).jobs, (jobs_t{two}));
  EXPECT_EQ(take(q).jobs, (jobs_t{two_more, one}));

  claim_queue tiny(100, 1);
  auto four = keyed({{"1", "M1"}, {"2", "M2"}, {"3", "M3"}, {"4", "M4"}});
  push(tiny, four);
  EXPECT_EQ(take(tiny).jobs, (jobs_t{four}));  // all transactions of a transmission stay together
}

TEST(claim_queue, expired_transmissions_are_dropped_not_taken) {
  claim_queue q(100, 100);
  auto expired = keyed({{"1", "M1"}}), live = keyed({{"1", "M1"}});
  push(q, expired), push(q, live);
  ASSERT_TRUE(expired->try_expire());
  EXPECT_EQ(take(q).jobs, (jobs_t{live}));  // the expired one neither answers nor blocks the key
  EXPECT_TRUE(q.empty());
}

TEST(claim_queue, unkeyed_transactions_never_wait) {
  claim_queue q(100, 100);
  auto paid = keyed({{"1", "M1"}});
  push(q, paid);
  auto in_flight = take(q);
  auto eligibility = keyed({{"1", "M1", "E1"}});
  auto syntax_reject = keyed({{"1", "M1"}});
  syntax_reject->validation.transmission_rejected = true;
  push(q, eligibility), push(q, syntax_reject);
  auto batch = take(q);
  EXPECT_EQ(batch.jobs, (jobs_t{eligibility, syntax_reject}));
  EXPECT_TRUE(batch.keys.empty());
}

TEST(claim_queue, push_refuses_past_max_queue) {
  claim_queue q(2, 100);
  auto a = keyed({{"1"}}), b = keyed({{"2"}}), c = keyed({{"3"}});
  EXPECT_TRUE(q.push(a));
  EXPECT_TRUE(q.push(b));
  EXPECT_FALSE(q.push(c));
  EXPECT_NE(c, nullptr);  // refused: still the caller's
  EXPECT_EQ(q.size(), 2u);
}

TEST(claim_queue, release_frees_exactly_the_batch_keys) {
  claim_queue q(100, 100);
  auto a = keyed({{"1", "M1"}});
  push(q, a);
  auto batch = take(q);
  EXPECT_EQ(q.keys_in_flight(), 2u);
  q.release(batch.keys);
  EXPECT_EQ(q.keys_in_flight(), 0u);
}

TEST(claim_queue, keys_differ_where_one_field_ends_and_the_next_begins) {
  // Same bytes, shifted between the Rx number and the cardholder or BIN: different keys, so
  // neither waits for the other.
  claim_queue q(100, 100);
  auto a = keyed({{"12", "3M"}});
  auto b = keyed({{"123", "M"}});
  auto c = keyed({{"12", "M1", "B1", "6109991"}});
  push(q, a), push(q, b), push(q, c);
  auto batch = take(q);
  EXPECT_EQ(batch.jobs, (jobs_t{a, b, c}));
  EXPECT_EQ(q.keys_in_flight(), 6u);
}

TEST(claim_queue, a_deep_queue_keeps_its_order_across_many_takes) {
  // More waiting transmissions than one pass of take() leaves; the ring wraps around.
  claim_queue q(8, 100);
  std::vector<std::shared_ptr<transmission>> all;
  for (int round = 0; round < 5; ++round) {
    auto first = keyed({{"1", "M1"}});
    auto second = keyed({{"1", "M1"}});  // waits for first: same claim key
    auto other = keyed({{"2", "M2"}});
    push(q, first), push(q, second), push(q, other);
    auto batch1 = take(q);
    EXPECT_EQ(batch1.jobs, (jobs_t{first, other}));
    EXPECT_EQ(q.size(), 1u);
    q.release(batch1.keys);
    auto batch2 = take(q);
    EXPECT_EQ(batch2.jobs, (jobs_t{second}));
    q.release(batch2.keys);
    EXPECT_EQ(q.keys_in_flight(), 0u);
    EXPECT_TRUE(q.empty());
  }
}

TEST(claim_queue_key_set, agrees_with_a_std_set_through_inserts_and_erases) {
  // Keys crowded into few home places make long probe runs, so erase has to shift them back.
  claim_queue::key_set keys;
  std::set<queue_key> expected;
  std::mt19937_64 random(14);
  for (int i = 0; i < 20000; ++i) {
    const queue_key k = ((random() % 300) << 7) | 2u | (random() & 1u);
    if (random() % 3 == 0) {
      keys.erase(k);
      expected.erase(k);
    } else {
      keys.insert(k);
      expected.insert(k);
    }
    ASSERT_EQ(keys.size(), expected.size());
  }
  for (queue_key k = 2; k < (300u << 7); k += 64) EXPECT_EQ(keys.contains(k), expected.count(k) == 1) << k;
  for (auto k : expected) EXPECT_TRUE(keys.contains(k));
  keys.clear();
  EXPECT_EQ(keys.size(), 0u);
  for (auto k : expected) EXPECT_FALSE(keys.contains(k));
}

TEST(batcher_wakeups, helpers_take_a_batch_from_helper_depth_queued_or_to_drain) {
  struct row {
    std::size_t queued;
    bool stopping, wanted;
  };
  for (const auto& r : {row{31, false, false}, row{32, false, true}, row{33, false, true}, row{0, false, false},
                        row{0, true, false}, row{1, true, true}, row{31, true, true}})
    EXPECT_EQ(helpers_wanted(r.queued, 32, r.stopping), r.wanted) << r.queued << (r.stopping ? " stopping" : "");
}

}  // namespace
}  // namespace rxgate::server
