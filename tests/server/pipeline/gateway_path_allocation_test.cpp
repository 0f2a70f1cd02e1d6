// The gateway's claim path outside SQL allocates nothing once warm: a pooled transmission,
// prepare() (decode, validate, provider scope), the batcher's queue (push, take, release), the
// rules' decision and the D.0 response as batch.cpp makes them, the claim counters, the
// completion, and the transmission back in its pool. Not covered (server/pipeline/README.md,
// "Allocations"): the request body and the HTTP answer (Beast), the post back to the connection
// (Asio), batch.cpp's per-batch vectors and the store.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/response.h"
#include "rules/plan.h"
#include "rules/transmission.h"
#include "server/core/metrics.h"
#include "server/pipeline/authorization_numbers.h"
#include "server/pipeline/claim_queue.h"
#include "server/pipeline/transmission.h"
#include "tests/server/pipeline/pipeline_support.h"
#include "tests/support/allocation_counter.h"

namespace rxgate::server {
namespace {

using test::counting_scope;
constexpr std::string_view atorvastatin_20 = "90001000102";

// What the gateway's completion does before it posts: read the transmission's routing fields.
std::uint64_t last_tag = 0;
void answered(std::shared_ptr<transmission> t) { last_tag = t->owner_tag; }

// One worker's state, made before counting; claim() is one request from the pool to the pool.
struct gateway_path {
  std::shared_ptr<const rules::plan_set> plans =
      rules::load_plans(std::filesystem::path(RXGATE_SOURCE_ROOT) / "config/plans");
  transmission_pool pool{4};
  claim_queue queue{64, 256};
  metrics stats;
  authorization_numbers numbers{1};
  provider_scope scope;
  codec::date today = test::today_utc();
  std::vector<std::shared_ptr<transmission>> jobs;
  std::vector<queue_key> keys;
  rules::decision decision;
  std::uint64_t next_tag = 0;

  gateway_path() {
    jobs.reserve(64);
    keys.reserve(512);
  }

  // The 112-AN of the first transaction, '!' when the queue refused it.
  char claim(std::string_view d0) {
    auto t = pool.acquire();
    t->request.assign(d0);  // the gateway moves the HTTP body in instead
    prepare(*t, scope);
    t->owner_tag = ++next_tag;
    t->done = &answered;
    if (!queue.push(t)) return '!';
    queue.take(jobs, keys);
    char first = '?';
    for (auto& job : jobs) {
      codec::response r;
      rules::respond_header(job->message, job->validation, r);
      for (std::uint8_t i = 0; i < job->validation.claim_count; ++i) {
        const auto& c = job->validation.claims[i];
        if (rules::decided_by_rules(job->validation, c))
          rules::decide_transaction(c, *plans, {}, today, numbers, decision);
        else
          rules::decide_unusable(job->validation, c, decision);
        rules::respond_transaction(c, decision, i, r);
        job->statuses[i] = decision.status;
        const char status[2] = {decision.status, 0};
        stats.claims.inc({c.transaction_code, status});
        stats.claims_by_plan.inc({c.bin, c.pcn, status});
        for (const auto& reject : decision.rejects) stats.rejects.inc({reject.code_view()});
      }
      if (!rules::write_response(r, job->response)) return 'W';
      first = job->statuses[0];
      auto done = std::move(job->done);
      done(std::move(job));
    }
    jobs.clear();
    queue.release(keys);
    keys.clear();
    return first;
  }
};

TEST(gateway_path_allocations, the_counter_sees_an_allocation) {
  counting_scope counting;
  auto keep = std::make_unique<std::string>(100, 'x');
  EXPECT_GE(counting.stop(), 1);
}

TEST(gateway_path_allocations, claims_through_pool_queue_rules_and_counters_allocate_nothing_once_warm) {
  gateway_path path;
  std::vector<std::string> requests;
  for (int i = 0; i < 40; ++i) requests.push_back(test::b1("DEMO1001", test::next_rx(), atorvastatin_20));
  requests.push_back(test::b1("NOSUCHMEMBER", test::next_rx(), atorvastatin_20));  // a reject
  requests.push_back(test::b1("DEMO1002", test::next_rx(), "00000000000"));         // unknown product
  requests.push_back("not a D.0 transmission at all");                               // transmission reject
  // Warm-up: the pool, the queue's key sets, the counters' series and the strings' capacities.
  for (const auto& r : requests) path.claim(r);
  for (const auto& r : requests) path.claim(r);

  std::string statuses;
  statuses.reserve(2 * requests.size());
  counting_scope counting;
  for (int round = 0; round < 2; ++round)
    for (const auto& r : requests) statuses += path.claim(r);
  EXPECT_EQ(counting.stop(), 0);
  EXPECT_EQ(statuses.find_first_of("!W?"), std::string::npos) << statuses;
  EXPECT_NE(statuses.find('P'), std::string::npos) << statuses;
  EXPECT_NE(statuses.find('R'), std::string::npos) << statuses;
  EXPECT_EQ(last_tag, path.next_tag);
}

TEST(transmission_pool, a_released_transmission_is_reset_and_handed_out_again) {
  transmission_pool pool(2);
  transmission* first = nullptr;
  {
    auto t = pool.acquire();
    first = t.get();
    t->request = "bytes";
    t->response = "answer";
    t->probe = true;
    t->validation.claim_count = 2;
    t->owner_tag = 7;
    t->owner = std::make_shared<int>(1);
    t->done = [](std::shared_ptr<transmission>) {};
    ASSERT_TRUE(t->try_take());
  }
  EXPECT_EQ(pool.idle(), 1u);
  auto again = pool.acquire();
  EXPECT_EQ(again.get(), first);
  EXPECT_TRUE(again->request.empty());
  EXPECT_TRUE(again->response.empty());
  EXPECT_FALSE(again->probe);
  EXPECT_EQ(again->validation.claim_count, 0u);
  EXPECT_EQ(again->message.segment_count, 0u);
  EXPECT_EQ(again->owner_tag, 0u);
  EXPECT_EQ(again->owner, nullptr);
  EXPECT_FALSE(again->done);
  EXPECT_EQ(again->status.load(), transmission::state::queued);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(transmission_pool, an_empty_pool_makes_new_ones_and_keeps_at_most_its_capacity_idle) {
  transmission_pool pool(2);
  {
    std::vector<std::shared_ptr<transmission>> in_flight;
    for (int i = 0; i < 5; ++i) in_flight.push_back(pool.acquire());  // empty: never refuses
    EXPECT_EQ(pool.idle(), 0u);
  }
  EXPECT_EQ(pool.idle(), 2u);  // three were freed
  auto a = pool.acquire(), b = pool.acquire(), c = pool.acquire();
  EXPECT_NE(a, nullptr);
  EXPECT_NE(c, nullptr);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(transmission_pool, transmissions_may_outlive_their_pool) {
  std::shared_ptr<transmission> kept;
  {
    transmission_pool pool(2);
    kept = pool.acquire();
    kept->request = "still here";
  }
  EXPECT_EQ(kept->request, "still here");
  kept.reset();  // returns to the pool's state, which goes with it
}

}  // namespace
}  // namespace rxgate::server
