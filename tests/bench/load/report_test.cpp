// The report's figures as people and scripts read them: the table's latency format, the progress
// line, and the --json object (keys, their order and number format are what bench/e2e and
// tests/e2e read; strings go through the one JSON escaper).
#include "bench/load/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "bench/load/histogram.h"

namespace rxgate::load {
namespace {

report claims_report() {
  report r;
  r.open_loop = true;
  r.url = "https://127.0.0.1:8443/ncpdp";
  r.plan_id = "smoke";
  r.date_of_service = "20261202";
  r.run_id = 4242;
  r.rx_prefix = "04242";
  r.connections = 4;
  r.threads = 1;
  r.pipeline = 1;
  r.target_rate = 150;
  r.seconds = 3.0;
  r.scheduled = 450;
  r.sent = 450;
  r.answered = 450;
  r.measured = 449;
  r.throughput = 149.66;
  r.latency = {450, 35.86071, 21.6269, 90.70184, 125.8291, 138.8263, 138.8263};
  r.claim_transactions = 540;
  r.paid_transactions = 300;
  r.cpu_seconds = 0.0644;
  r.kinds[static_cast<std::size_t>(claim_kind::paid)] = {273, 273, 0};
  r.kinds[static_cast<std::size_t>(claim_kind::syntax)] = {22, 22, 0};
  r.per_second = {143, 151, 155};
  return r;
}

// What `print` writes to a FILE.
template <class Print>
std::string printed(Print print) {
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&text, &size);
  print(f);
  std::fclose(f);
  std::string out(text, size);
  std::free(text);
  return out;
}

std::string table_of(const report& r) {
  return printed([&](std::FILE* f) { print_table(r, f); });
}

TEST(report_format, latency_has_three_decimals_below_10_ms_and_one_above) {
  EXPECT_EQ(format_latency(0), "0.000");
  EXPECT_EQ(format_latency(0.2786), "0.279");
  EXPECT_EQ(format_latency(9.9991), "9.999");
  EXPECT_EQ(format_latency(10), "10.0");
  EXPECT_EQ(format_latency(21.6269), "21.6");
  EXPECT_EQ(format_latency(1234.56), "1234.6");
}

TEST(report_format, progress_line) {
  EXPECT_EQ(printed([](std::FILE* f) { print_progress({3, 155, 449, 1, 2, 0}, f); }),
            "[   3s]      155/s  answered        449  in flight     1  mismatches 2  errors 0\n");
}

TEST(report_format, summary_of_a_histogram_is_in_milliseconds) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);  // ns, exact below 256
  const auto s = summarize_ns(h);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5 / 1e6);
  EXPECT_DOUBLE_EQ(s.p50_ms, 50 / 1e6);
  EXPECT_DOUBLE_EQ(s.p90_ms, 90 / 1e6);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99 / 1e6);
  EXPECT_DOUBLE_EQ(s.p999_ms, 100 / 1e6);
  EXPECT_DOUBLE_EQ(s.max_ms, 100 / 1e6);
}

TEST(report_json, claims_report_keys_order_and_figures) {
  EXPECT_EQ(to_json(claims_report()),
            R"({"mode":"claims","loop":"open","url":"https://127.0.0.1:8443/ncpdp","connections":4,"threads":1,)"
            R"("pipeline":1,"target_rate":150,"plan":"smoke","date_of_service":"20261202","run_id":4242,)"
            R"("rx_prefix":"04242","seconds":3,"scheduled":450,"sent":450,"answered":450,"measured":449,)"
            R"("throughput":149.7,"latency_ms":{"count":450,"mean":35.8607,"p50":21.6269,"p90":90.7018,)"
            R"("p99":125.8291,"p999":138.8263,"max":138.8263},"mismatches":0,"http_errors":0,"transport_errors":0,)"
            R"("unanswered":0,"reconnects":0,"failed_reconnects":0,"idle_closes":0,"f6_requests":0,"claim_transactions":540,"paid_transactions":300,"generator_cpu_s":0.064,"ok":true,)"
            R"("kinds":{"paid":{"sent":273,"answered":273,"mismatches":0},"syntax":{"sent":22,"answered":22,)"
            R"("mismatches":0}},"examples":[],"per_second":[143,151,155]})");
}

TEST(report_json, raw_report_has_no_plan_keys_and_no_kinds) {
  report r;
  r.raw = true;
  r.url = "https://127.0.0.1:443/";
  r.connections = r.threads = r.pipeline = 1;
  r.seconds = 0.05;
  r.sent = r.answered = r.measured = 50;
  r.throughput = 996.54;
  r.latency = {50, 0.27994, 0.2785, 0.3031, 0.5064, 0.5064, 0.5064};
  r.cpu_seconds = 0.0021;
  EXPECT_EQ(to_json(r),
            R"({"mode":"raw","loop":"closed","url":"https://127.0.0.1:443/","connections":1,"threads":1,"pipeline":1,)"
            R"("target_rate":0,"seconds":0.05,"scheduled":0,"sent":50,"answered":50,"measured":50,"throughput":996.5,)"
            R"("latency_ms":{"count":50,"mean":0.2799,"p50":0.2785,"p90":0.3031,"p99":0.5064,"p999":0.5064,)"
            R"("max":0.5064},"mismatches":0,"http_errors":0,"transport_errors":0,"unanswered":0,)"
            R"("reconnects":0,"failed_reconnects":0,"idle_closes":0,"f6_requests":0,"claim_transactions":0,"paid_transactions":0,"generator_cpu_s":0.002,"ok":true,"kinds":{},)"
            R"("examples":[],"per_second":[]})");
}

TEST(report_json, examples_are_escaped_not_cut) {
  auto r = claims_report();
  r.mismatches = 1;
  r.examples = {"paid: expected 1x P, got header A 1x R \"8\x01\"\\"};
  const auto j = to_json(r);
  EXPECT_NE(j.find(R"("ok":false)"), std::string::npos);
  EXPECT_NE(j.find(R"("examples":["paid: expected 1x P, got header A 1x R \"8\u0001\"\\"])"), std::string::npos) << j;
}

TEST(report_json, a_figure_that_is_not_a_number_is_null) {
  auto r = claims_report();
  r.target_rate = std::numeric_limits<double>::infinity();
  r.throughput = std::nan("");
  const auto j = to_json(r);
  EXPECT_NE(j.find(R"("target_rate":null,)"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("throughput":null,)"), std::string::npos) << j;
}

TEST(report_table, claims_table) {
  auto r = claims_report();
  r.examples = {"dur: expected 1x R 88, got header A 1x P"};
  r.mismatches = 1;
  EXPECT_EQ(table_of(r),
            "\nrxgate load: claims, open loop, 4 connections on 1 io thread(s), pipeline 1, https://127.0.0.1:8443/ncpdp\n"
            "  target rate      150/s (latency from the intended send time)\n"
            "  plan             smoke, date of service 20261202, run id 4242 (Rx numbers 04242.......)\n"
            "  sent 450  answered 450  unanswered 0  transport errors 0  HTTP errors 0  mismatches 1\n"
            "  throughput       150 requests/s over 3.0 s measured\n"
            "  latency (ms)     p50 21.6  p90 90.7  p99 125.8  p99.9 138.8  max 138.8  mean 35.9  (450 samples)\n"
            "  generator CPU    0.06 s (143.1 us per answer)\n"
            "  transactions     540 answered, 300 paid (P)\n"
            "  kind                     sent   answered   mismatch\n"
            "  paid                      273        273          0\n"
            "  syntax                     22         22          0\n"
            "  mismatch: dur: expected 1x R 88, got header A 1x P\n"
            "  result           FAILED\n");
}

TEST(report_table, open_loop_that_fell_behind_says_so) {
  auto r = claims_report();
  r.scheduled = 500;
  EXPECT_NE(table_of(r).find("  fell behind      50 requests were due but not sent when the run ended"), std::string::npos);
}

TEST(report_table, a_connection_that_could_not_be_opened_again_fails_the_run) {
  auto r = claims_report();
  ASSERT_TRUE(r.ok());
  r.reconnects = 2;
  EXPECT_TRUE(r.ok());
  r.failed_reconnects = 3;
  EXPECT_FALSE(r.ok());
  const auto t = table_of(r);
  EXPECT_NE(t.find("  reconnected      2 times"), std::string::npos);
  EXPECT_NE(t.find("  not reopened     3 tries to open a closed connection again failed"), std::string::npos);
  EXPECT_NE(t.find("  result           FAILED"), std::string::npos);
}

}  // namespace
}  // namespace rxgate::load
