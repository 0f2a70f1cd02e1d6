// Gateways racing on one claim key: each thread is a node with its own store (own connection);
// exactly one claim is paid per key, the others see it after re-adjudication.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>
#include <vector>

#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

TEST(Race, EightNodesSubmittingOneKeyPayOnce) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = fresh_database_dsn();
  constexpr int nodes = 8;
  constexpr int keys = 20;
  std::vector<std::unique_ptr<store::claim_store>> stores;
  for (int i = 0; i < nodes; ++i) {
    store::store_options o;
    o.dsn = dsn;
    o.method = i % 3 == 0   ? store::insert_method::pipeline
               : i % 3 == 1 ? store::insert_method::copy
                            : store::insert_method::unnest;
    stores.push_back(store::open_store(o));
  }
  std::barrier start(nodes);
  std::vector<std::vector<char>> outcomes(nodes);
  std::vector<std::string> errors(nodes);
  std::vector<std::thread> threads;
  for (int n = 0; n < nodes; ++n) {
    threads.emplace_back([&, n] {
      claim_factory f;
      for (int k = 0; k < keys; ++k) {
        // Half the nodes send the identical claim (retransmits through different nodes), half a
        // different quantity under the same key.
        auto c = f.make("B1", "9" + std::to_string(100000 + k), day(2026, 11, 10), "M100", "1234567890",
                        "00071015523", n % 2 ? 30000 : 60000);
        std::vector<store::batch_entry> v(1);
        v[0].claim = &c;
        v[0].request_bytes = "request";
        v[0].response_bytes = "response";
        v[0].source = "test";
        start.arrive_and_wait();
        const auto e = run_batch(*stores[n], v);
        if (e) {
          errors[n] = e.message;
          outcomes[n].push_back('E');
        } else {
          outcomes[n].push_back(v[0].decision.status);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int n = 0; n < nodes; ++n) EXPECT_EQ(errors[n], "") << "node " << n;
  for (int k = 0; k < keys; ++k) {
    int paid = 0, duplicates = 0, rejected = 0;
    for (int n = 0; n < nodes; ++n) {
      const char s = outcomes[n][k];
      paid += s == 'P';
      duplicates += s == 'D';
      rejected += s == 'R';
    }
    EXPECT_EQ(paid, 1) << "key " << k;
    EXPECT_EQ(paid + duplicates + rejected, nodes) << "key " << k;
  }
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE status = 'P'"), std::to_string(keys));
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM active_paid_keys"), std::to_string(keys));
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims"), std::to_string(keys * nodes));
  // Every duplicate answer points at the paid claim of its key.
  EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claim_links l JOIN active_paid_keys a ON a.claim_id = l.replaces_claim_id WHERE l.kind = 'duplicate'"),
            query_value(dsn, "SELECT count(*) FROM claims WHERE status = 'D'"));
}

}  // namespace
}  // namespace rxgate::test
