// Counters and histograms behind GET /metrics and the dashboard (server/core/metrics.h).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/core/metrics.h"

namespace rxgate::server {
namespace {

TEST(counter_family, counts_per_label_set) {
  counter_family f("rxgate_test_total", "help text", {"transaction", "status"});
  f.inc({"B1", "P"});
  f.inc({"B1", "P"}, 4);
  f.inc({"B2", "A"});
  EXPECT_EQ(f.value({"B1", "P"}), 5u);
  EXPECT_EQ(f.value({"B2", "A"}), 1u);
  EXPECT_EQ(f.value({"B1", "R"}), 0u);
  auto series = f.snapshot();
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].labels, (std::vector<std::string>{"B1", "P"}));
  EXPECT_EQ(series[0].count, 5u);
}

TEST(counter_family, renders_prometheus_text) {
  counter_family f("rxgate_test_total", "Things counted", {"code"});
  f.inc({"79"}, 2);
  std::string out;
  f.render(out);
  EXPECT_EQ(out,
            "# HELP rxgate_test_total Things counted\n# TYPE rxgate_test_total counter\n"
            "rxgate_test_total{code=\"79\"} 2\n");
}

TEST(counter_family, label_values_are_escaped_and_control_bytes_replaced) {
  counter_family f("rxgate_test_total", "h", {"bin"});
  f.inc({"a\"b\\c\nd\x01"});
  std::string out;
  f.render(out);
  EXPECT_NE(out.find("rxgate_test_total{bin=\"a\\\"b\\\\c\\nd?\"} 1\n"), std::string::npos) << out;
}

TEST(counter_family, series_past_the_cap_count_as_other) {
  counter_family f("rxgate_test_total", "h", {"bin", "pcn"}, 2);
  f.inc({"1", "A"});
  f.inc({"2", "B"});
  f.inc({"3", "C"});
  f.inc({"4", "D"}, 2);
  f.inc({"1", "A"});  // existing series keep counting
  EXPECT_EQ(f.value({"1", "A"}), 2u);
  EXPECT_EQ(f.value({"3", "C"}), 0u);
  EXPECT_EQ(f.value({"other", "other"}), 3u);
  EXPECT_EQ(f.snapshot().size(), 3u);
}

TEST(counter_family, concurrent_increments_are_all_counted) {
  counter_family f("rxgate_test_total", "h", {"status"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&f] {
      for (int i = 0; i < 1000; ++i) f.inc({i % 2 ? "P" : "R"});
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.value({"P"}) + f.value({"R"}), 4000u);
}

TEST(counter_family, label_sets_that_render_alike_share_one_series) {
  counter_family f("rxgate_test_total", "h", {"bin"});
  f.inc({"a\x01"});
  f.inc({"a\x02"}, 2);
  f.inc({"a\x01"});
  EXPECT_EQ(f.value({"a?"}), 4u);
  EXPECT_EQ(f.snapshot().size(), 1u);
}

TEST(counter_family, more_label_sets_than_the_lookup_table_holds_still_count) {
  // max_series 2: the lock-free table holds 8 label sets; the rest count through the lock.
  counter_family f("rxgate_test_total", "h", {"bin", "pcn"}, 2);
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 40; ++i) f.inc({std::to_string(i), "X"});
  EXPECT_EQ(f.value({"0", "X"}), 2u);
  EXPECT_EQ(f.value({"1", "X"}), 2u);
  EXPECT_EQ(f.value({"other", "other"}), 76u);
  EXPECT_EQ(f.snapshot().size(), 3u);
  std::string out;
  f.render(out);
  EXPECT_EQ(out,
            "# HELP rxgate_test_total h\n# TYPE rxgate_test_total counter\n"
            "rxgate_test_total{bin=\"0\",pcn=\"X\"} 2\n"
            "rxgate_test_total{bin=\"1\",pcn=\"X\"} 2\n"
            "rxgate_test_total{bin=\"other\",pcn=\"other\"} 76\n");
}

TEST(counter_family, series_are_rendered_in_label_order_whatever_the_order_of_first_use) {
  counter_family f("rxgate_test_total", "h", {"transaction", "status"});
  f.inc({"B2", "R"});
  f.inc({"B1", "P"}, 3);
  f.inc({"B1", "A"});
  f.inc({"B1"});  // fewer values than labels: a series of its own, as before
  std::string out;
  f.render(out);
  EXPECT_EQ(out,
            "# HELP rxgate_test_total h\n# TYPE rxgate_test_total counter\n"
            "rxgate_test_total{transaction=\"B1\"} 1\n"
            "rxgate_test_total{transaction=\"B1\",status=\"A\"} 1\n"
            "rxgate_test_total{transaction=\"B1\",status=\"P\"} 3\n"
            "rxgate_test_total{transaction=\"B2\",status=\"R\"} 1\n");
}

TEST(counter_family, new_label_sets_created_by_racing_threads_are_all_counted) {
  counter_family f("rxgate_test_total", "h", {"code"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&f, t] {
      for (int i = 0; i < 200; ++i) f.inc({std::to_string((i * 7 + t) % 50)});
    });
  std::string out;
  f.render(out);  // concurrently with the increments
  for (auto& t : threads) t.join();
  std::uint64_t total = 0;
  for (const auto& s : f.snapshot()) total += s.count;
  EXPECT_EQ(total, 800u);
  EXPECT_EQ(f.snapshot().size(), 50u);
}

TEST(histogram, buckets_are_cumulative_in_text_and_per_bucket_in_snapshots) {
  histogram h({0.001, 0.01});
  h.observe(0.0005);
  h.observe(0.001);  // on a bound: counted in that bucket (le)
  h.observe(0.005);
  h.observe(3);
  const auto s = h.snapshot();
  EXPECT_EQ(s.bounds, (std::vector<double>{0.001, 0.01}));
  EXPECT_EQ(s.buckets, (std::vector<std::uint64_t>{2, 1, 1}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_NEAR(s.sum, 3.0065, 1e-6);
  std::string out;
  h.render(out, "rxgate_test_seconds", "");
  EXPECT_NE(out.find("rxgate_test_seconds_bucket{le=\"0.001\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("rxgate_test_seconds_bucket{le=\"0.01\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("rxgate_test_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("rxgate_test_seconds_count 4\n"), std::string::npos) << out;
}

TEST(metrics, render_names_every_claim_counter) {
  metrics m;
  m.claims.inc({"B1", "P"});
  m.rejects.inc({"79"});
  m.claims_by_plan.inc({"610999", "RXGDEMO", "P"});
  const auto text = m.render();
  EXPECT_NE(text.find("rxgate_claims_total{transaction=\"B1\",status=\"P\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rxgate_claim_rejects_total{code=\"79\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("rxgate_claims_by_plan_total{bin=\"610999\",pcn=\"RXGDEMO\",status=\"P\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace rxgate::server
