// The operators' dashboard: the sampler's points and alerts from real metrics objects (no
// database), then the pages, the history and the event stream over real TLS from an in-process
// gateway with PostgreSQL (tokens, scoping by role, figures that agree with /metrics, a clean
// end of the stream when the gateway stops).
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <simdjson.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/status/auth.h"
#include "server/console/dashboard.h"
#include "server/core/metrics.h"
#include "sql/access.h"
#include "tests/server/harness.h"

namespace rxgate::test {
namespace {

using namespace std::chrono_literals;
using server::dashboard;
using server::dashboard_options;
using server::metrics;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// ---- the sampler, driven by hand ----------------------------------------------------------------

std::chrono::system_clock::time_point at(int second) { return std::chrono::system_clock::time_point{} + std::chrono::seconds(1'700'000'000 + second); }

TEST(dashboard_quantile, interpolates_inside_the_bucket_like_prometheus) {
  const std::vector<double> bounds{1, 2, 4};
  EXPECT_EQ(server::histogram_quantile(0.5, bounds, {0, 0, 0, 0}), 0);
  // 10 in (1,2]: the median is half way through that bucket.
  EXPECT_DOUBLE_EQ(server::histogram_quantile(0.5, bounds, {0, 10, 0, 0}), 1.5);
  // 10 in [0,1] and 10 in (2,4]: p75 is half way through the third bucket.
  EXPECT_DOUBLE_EQ(server::histogram_quantile(0.75, bounds, {10, 0, 10, 0}), 3.0);
  // Everything above the last bound answers the last bound.
  EXPECT_DOUBLE_EQ(server::histogram_quantile(0.99, bounds, {0, 0, 0, 5}), 4.0);
}

TEST(dashboard_sampler, points_are_the_differences_between_samples) {
  metrics m;
  dashboard d(m, nullptr);
  d.sample(at(0));
  EXPECT_TRUE(d.points().empty()) << "the first sample is the baseline";

  m.claims.inc({"B1", "P"}, 7);
  m.claims.inc({"B1", "R"}, 3);
  m.claims.inc({"B2", "A"}, 2);
  m.rejects.inc({"75"}, 2);
  m.rejects.inc({"79"}, 1);
  m.claims_by_plan.inc({"610014", "DEMO", "P"}, 7);
  m.claims_by_plan.inc({"610014", "DEMO", "R"}, 3);
  m.claims_by_plan.inc({"610014", "DEMO", "A"}, 2);
  m.db_errors.inc({"connection"}, 1);
  for (int i = 0; i < 10; ++i) m.request_ncpdp.observe(0.0015);  // all in (1 ms, 2 ms]
  m.batch_size.observe(4);
  m.batch_size.observe(8);
  m.batch_commit.observe(0.004);
  m.batch_commit.observe(0.004);
  m.connections_open = 5;
  m.queue_depth = [] { return std::size_t{3}; };
  d.sample(at(1));

  auto points = d.points();
  ASSERT_EQ(points.size(), 1u);
  const auto& p = points[0];
  EXPECT_EQ(p.transactions, 12u);
  EXPECT_EQ(p.by_status.at("P"), 7u);
  EXPECT_EQ(p.by_status.at("R"), 3u);
  EXPECT_EQ(p.by_transaction_status.at("B2 A"), 2u);
  EXPECT_EQ(p.rejects_by_code.at("75"), 2u);
  EXPECT_EQ(p.by_plan.at("610014/DEMO").transactions, 12u);
  EXPECT_EQ(p.by_plan.at("610014/DEMO").rejected, 3u);
  EXPECT_EQ(p.requests, 10u);
  EXPECT_GT(p.latency_p50_ms, 1.0);
  EXPECT_LE(p.latency_p99_ms, 2.0);
  EXPECT_EQ(p.batches, 2u);
  EXPECT_DOUBLE_EQ(p.batch_size_mean, 6.0);
  EXPECT_GT(p.commit_p50_ms, 3.0);
  EXPECT_LE(p.commit_p99_ms, 5.0);
  EXPECT_EQ(p.queue_depth, 3);
  EXPECT_EQ(p.connections, 5);
  EXPECT_EQ(p.db_errors, 1u);

  // Nothing new: a point of zeros, not a repeat of the last one.
  d.sample(at(2));
  points = d.points();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[1].transactions, 0u);
  EXPECT_TRUE(points[1].by_status.empty());
  EXPECT_EQ(points[1].requests, 0u);

  // The history carries the totals as /metrics has them.
  const auto history = d.history_json();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(history).get(doc), simdjson::SUCCESS) << history;
  EXPECT_EQ(int64_t(doc["summary"]["totals"]["transactions"]), 12);
  EXPECT_EQ(int64_t(doc["summary"]["totals"]["by_status"]["P"]), 7);
  EXPECT_EQ(doc["points"].get_array().size(), 2u);
  EXPECT_EQ(std::string_view(doc["summary"]["window"]["top_reject_codes"].at(0)["code"]), "75");
}

TEST(dashboard_sampler, keeps_only_the_configured_number_of_points) {
  metrics m;
  dashboard_options o;
  o.points = 5;
  dashboard d(m, nullptr, o);
  for (int i = 0; i <= 12; ++i) {
    m.claims.inc({"B1", "P"}, static_cast<std::uint64_t>(i));
    d.sample(at(i));
  }
  const auto points = d.points();
  ASSERT_EQ(points.size(), 5u);
  EXPECT_EQ(points.front().transactions, 8u);
  EXPECT_EQ(points.back().transactions, 12u);
}

dashboard_options small_windows() {
  dashboard_options o;
  o.recent_volume = 3;
  o.volume_baseline = 10;
  o.volume_min_baseline_points = 5;
  o.recent_rejects = 5;
  o.reject_min_recent = 10;
  o.reject_min_baseline = 20;
  return o;
}

bool has_alert(const dashboard& d, std::string_view kind, std::string_view subject) {
  for (const auto& a : d.alerts())
    if (a.kind == kind && a.subject == subject) return true;
  return false;
}

TEST(dashboard_alerts, volume_drop_when_claims_fall_below_half_of_the_recent_average) {
  metrics m;
  dashboard d(m, nullptr, small_windows());
  d.sample(at(0));
  int t = 1;
  for (; t <= 12; ++t) {
    m.claims.inc({"B1", "P"}, 100);
    d.sample(at(t));
    EXPECT_FALSE(has_alert(d, "volume_drop", "all claims")) << "steady volume, second " << t;
  }
  // 60/s is above half of 100/s: no alert yet.
  for (int i = 0; i < 3; ++i, ++t) {
    m.claims.inc({"B1", "P"}, 60);
    d.sample(at(t));
  }
  EXPECT_FALSE(has_alert(d, "volume_drop", "all claims"));
  for (int i = 0; i < 3; ++i, ++t) {
    m.claims.inc({"B1", "P"}, 10);
    d.sample(at(t));
  }
  ASSERT_TRUE(has_alert(d, "volume_drop", "all claims"));
  const auto alerts = d.alerts();
  EXPECT_NE(alerts[0].message.find("10.0/s"), std::string::npos) << alerts[0].message;
  // Back to normal: the alert clears.
  for (int i = 0; i < 3; ++i, ++t) {
    m.claims.inc({"B1", "P"}, 100);
    d.sample(at(t));
  }
  EXPECT_FALSE(has_alert(d, "volume_drop", "all claims"));
}

TEST(dashboard_alerts, no_volume_alert_without_a_baseline_worth_watching) {
  metrics m;
  dashboard d(m, nullptr, small_windows());
  d.sample(at(0));
  // Half a claim a second, then nothing: below volume_min_baseline_rate, not an outage.
  for (int t = 1; t <= 20; ++t) {
    if (t < 12 && t % 2) m.claims.inc({"B1", "P"}, 1);
    d.sample(at(t));
  }
  EXPECT_FALSE(has_alert(d, "volume_drop", "all claims"));
}

void claims_for(metrics& m, std::string_view bin, std::string_view pcn, std::uint64_t paid, std::uint64_t rejected,
                std::string_view code) {
  m.claims.inc({"B1", "P"}, paid);
  m.claims.inc({"B1", "R"}, rejected);
  m.claims_by_plan.inc({bin, pcn, "P"}, paid);
  m.claims_by_plan.inc({bin, pcn, "R"}, rejected);
  if (rejected) m.rejects.inc({code}, rejected);
}

TEST(dashboard_alerts, reject_spike_per_bin_pcn_and_per_code) {
  metrics m;
  dashboard d(m, nullptr, small_windows());
  d.sample(at(0));
  int t = 1;
  // Baseline: 10 % rejects (code 70) on one BIN/PCN, a clean second one.
  for (; t <= 20; ++t) {
    claims_for(m, "610014", "DEMO", 45, 5, "70");
    claims_for(m, "999999", "OTHER", 20, 0, "");
    d.sample(at(t));
  }
  EXPECT_TRUE(d.alerts().empty());
  // Now 80 % of the first BIN/PCN rejects 75.
  for (int i = 0; i < 5; ++i, ++t) {
    claims_for(m, "610014", "DEMO", 10, 40, "75");
    claims_for(m, "999999", "OTHER", 20, 0, "");
    d.sample(at(t));
  }
  EXPECT_TRUE(has_alert(d, "reject_spike", "BIN/PCN 610014/DEMO"));
  EXPECT_TRUE(has_alert(d, "reject_spike", "code 75"));
  EXPECT_FALSE(has_alert(d, "reject_spike", "BIN/PCN 999999/OTHER"));
  EXPECT_FALSE(has_alert(d, "reject_spike", "code 70"));
  EXPECT_FALSE(has_alert(d, "volume_drop", "all claims"));
}

TEST(dashboard_alerts, a_steady_reject_rate_is_not_a_spike) {
  metrics m;
  dashboard d(m, nullptr, small_windows());
  d.sample(at(0));
  for (int t = 1; t <= 40; ++t) {
    claims_for(m, "610014", "DEMO", 20, 30, "79");
    d.sample(at(t));
    EXPECT_TRUE(d.alerts().empty()) << "second " << t << ": " << d.alerts().front().message;
  }
}

TEST(dashboard_events, a_subscriber_gets_the_history_first_then_one_tick_per_sample) {
  metrics m;
  dashboard d(m, nullptr);
  d.sample(at(0));
  m.claims.inc({"B1", "P"}, 4);
  d.sample(at(1));
  std::vector<std::string> frames;
  const auto id = d.subscribe([&](std::shared_ptr<const std::string> f) { frames.push_back(*f); });
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].starts_with("event: history\ndata: {")) << frames[0];
  EXPECT_TRUE(frames[0].ends_with("}\n\n"));
  EXPECT_NE(frames[0].find("\"transactions\":4"), std::string::npos);
  m.claims.inc({"B1", "R"}, 2);
  d.sample(at(2));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_TRUE(frames[1].starts_with("event: tick\ndata: {\"point\":{")) << frames[1];
  EXPECT_EQ(frames[1].find('\n', 12), frames[1].size() - 2) << "one data line per event";
  EXPECT_EQ(d.subscribers(), 1u);
  d.unsubscribe(id);
  d.sample(at(3));
  EXPECT_EQ(frames.size(), 2u);
  EXPECT_EQ(d.subscribers(), 0u);
}

// ---- over real TLS ------------------------------------------------------------------------------

// A raw HTTPS connection that reads with a deadline (an event stream never ends by itself).
class raw_connection {
 public:
  explicit raw_connection(std::uint16_t port) {
    ctx_.load_verify_file((tls_dir() / "ca.crt").string());
    ctx_.set_verify_mode(ssl::verify_peer);
    tcp::resolver resolver(ioc_);
    boost::system::error_code ec;
    net::connect(stream_.lowest_layer(), resolver.resolve("127.0.0.1", std::to_string(port)), ec);
    if (!ec) stream_.handshake(ssl::stream_base::client, ec);
    error_ = ec;
  }
  boost::system::error_code error() const { return error_; }

  bool send(const std::string& request) {
    boost::system::error_code ec;
    net::write(stream_, net::buffer(request), ec);
    return !ec;
  }

  // Reads until `done(data)` holds, the peer closes, or `limit` passes.
  bool read_until(const std::function<bool(const std::string&)>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done(data)) {
      if (closed || std::chrono::steady_clock::now() >= deadline) return false;
      bool finished = false;
      stream_.async_read_some(net::buffer(buffer_), [&](boost::system::error_code ec, std::size_t n) {
        finished = true;
        if (ec) closed = true;
        else data.append(buffer_.data(), n);
      });
      ioc_.restart();
      ioc_.run_until(deadline);
      if (!finished) {
        stream_.lowest_layer().cancel();
        ioc_.restart();
        ioc_.run();
        return done(data);
      }
    }
    return true;
  }

  std::string data;
  bool closed = false;

 private:
  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  ssl::stream<tcp::socket> stream_{ioc_, ctx_};
  std::array<char, 16384> buffer_{};
  boost::system::error_code error_;
};

std::size_t count_of(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

// The data of the last complete `tick` event, or empty.
std::string last_tick(const std::string& stream) {
  const auto pos = stream.rfind("event: tick\ndata: ");
  if (pos == std::string::npos) return {};
  const auto start = pos + std::string_view("event: tick\ndata: ").size();
  const auto end = stream.find("\n\n", start);
  return end == std::string::npos ? std::string{} : stream.substr(start, end - start);
}

class dashboard_http : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (admin_dsn().empty()) return;
    dsn_ = new std::string(create_database("rxgate_server_dashboard"));
    store::access_options ao;
    ao.dsn = *dsn_;
    access_ = new std::shared_ptr<store::access_store>(store::open_access_store(ao));
    operator_ = new std::string(make("ops", store::access_role::operator_role, {}));
    technician_ = new std::string(make("tech", store::access_role::technician, {std::string(demo_pharmacy)}));
  }
  static void TearDownTestSuite() {
    delete access_;
    delete operator_;
    delete technician_;
    delete dsn_;
  }
  void SetUp() override { RXGATE_REQUIRE_DB(); }

  static std::string make(const std::string& name, store::access_role role, const std::vector<std::string>& pharmacies) {
    const auto token = server::make_token();
    std::int64_t id = 0;
    const auto e = (*access_)->create_token(name, role, pharmacies, server::digest_of(token), store::default_token_lifetime, id);
    EXPECT_FALSE(e) << e.message;
    return token;
  }

  // A gateway of its own: the stop test stops it. A long shutdown grace, so that a stream which
  // did not end on stop would keep the gateway (and the test's read) waiting instead of being
  // cut off by the grace period.
  static std::unique_ptr<running_gateway> start_gateway(const std::string& name) {
    config_text c;
    c.dsn = *dsn_;
    c.tls_extra = "client_certificates = \"off\"\n";
    c.server_extra = "shutdown_grace_ms = 600000\n";
    return std::make_unique<running_gateway>(server::load_config(write_config(make_temp_dir(name), c)));
  }

  static std::string get(std::uint16_t port, const std::string& target, const std::string& bearer = {}) {
    raw_connection c(port);
    EXPECT_FALSE(c.error()) << c.error().message();
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: rxgate\r\nConnection: close\r\n";
    if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
    EXPECT_TRUE(c.send(req + "\r\n"));
    c.read_until([](const std::string&) { return false; }, 30s);
    return c.data;
  }

  static inline std::string* dsn_ = nullptr;
  static inline std::shared_ptr<store::access_store>* access_ = nullptr;
  static inline std::string* operator_ = nullptr;
  static inline std::string* technician_ = nullptr;
};

TEST_F(dashboard_http, pages_and_assets_are_served_with_a_strict_content_security_policy) {
  auto g = start_gateway("dashboard_pages");
  const auto page = get(g->port(), "/dashboard");
  EXPECT_TRUE(page.starts_with("HTTP/1.1 200")) << page.substr(0, 200);
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy: default-src 'self'"), std::string::npos);
  EXPECT_NE(page.find("<script src=\"/assets/dashboard.js\""), std::string::npos);
  EXPECT_EQ(page.find("rxg_"), page.find("placeholder=\"rxg_...\"") + 13) << "no token in the page";
  EXPECT_EQ(page.find("http://"), std::string::npos) << "nothing from outside";
  EXPECT_EQ(page.find("https://"), std::string::npos) << "nothing from outside";

  const auto console = get(g->port(), "/console");
  EXPECT_TRUE(console.starts_with("HTTP/1.1 200"));
  EXPECT_NE(console.find("/assets/console.js"), std::string::npos);
  EXPECT_LT(console.find("/assets/worklist.js"), console.find("/assets/console.js")) << "the worklist before the console that routes to it";

  const auto chart = get(g->port(), "/assets/chart.js");
  EXPECT_TRUE(chart.starts_with("HTTP/1.1 200"));
  EXPECT_NE(chart.find("Content-Type: text/javascript"), std::string::npos);
  EXPECT_NE(chart.find("Chart.js v"), std::string::npos) << "Debian's Chart.js build";
  EXPECT_NE(chart.find("X-Content-Type-Options: nosniff"), std::string::npos);

  for (const char* asset : {"/assets/app.css", "/assets/common.js", "/assets/dashboard.js", "/assets/worklist.js", "/assets/console.js"})
    EXPECT_TRUE(get(g->port(), asset).starts_with("HTTP/1.1 200")) << asset;
  // The console shows wire values in words by the field's format: overpunch money, implied decimals.
  const auto dictionary = get(g->port(), "/assets/ncpdp-dictionary.json");
  EXPECT_NE(dictionary.find(R"("D9":{"number":"409","name":"Ingredient Cost Submitted","format":"money","decimals":2})"), std::string::npos);
  EXPECT_NE(dictionary.find(R"("E7":{"number":"442","name":"Quantity Dispensed","format":"quantity","decimals":3})"), std::string::npos);
  EXPECT_TRUE(get(g->port(), "/assets/missing.js").starts_with("HTTP/1.1 404"));
}

TEST_F(dashboard_http, history_needs_an_operator_token) {
  auto g = start_gateway("dashboard_history");
  const auto anonymous = get(g->port(), "/v1/dashboard/history");
  EXPECT_TRUE(anonymous.starts_with("HTTP/1.1 401")) << anonymous.substr(0, 300);
  EXPECT_TRUE(get(g->port(), "/v1/dashboard/history", "rxg_notatoken").starts_with("HTTP/1.1 401"));
  EXPECT_TRUE(get(g->port(), "/v1/dashboard/history", *technician_).starts_with("HTTP/1.1 403"));
  EXPECT_TRUE(get(g->port(), "/v1/dashboard/stream", *technician_).starts_with("HTTP/1.1 403"));
  const auto ok = get(g->port(), "/v1/dashboard/history", *operator_);
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200")) << ok.substr(0, 300);
  EXPECT_NE(ok.find("\"interval_ms\":1000"), std::string::npos);
  EXPECT_NE(ok.find("\"points\":["), std::string::npos);
}

// A technician's requests are timed in /metrics by the route they matched: reads by id and
// searches (the two with a latency budget) apart, the rest together, each request once.
TEST_F(dashboard_http, technician_requests_are_timed_by_route_in_metrics) {
  auto g = start_gateway("dashboard_status_timing");
  EXPECT_TRUE(get(g->port(), "/v1/claims/1", *technician_).starts_with("HTTP/1.1 4"));
  EXPECT_TRUE(get(g->port(), "/v1/claims/2", *technician_).starts_with("HTTP/1.1 4"));
  const auto search = get(g->port(), "/v1/claims?pharmacy=" + std::string(demo_pharmacy) + "&limit=5", *technician_);
  EXPECT_TRUE(search.starts_with("HTTP/1.1 200")) << search.substr(0, 300);
  EXPECT_TRUE(get(g->port(), "/v1/reject-codes", *technician_).starts_with("HTTP/1.1 200"));
  EXPECT_TRUE(get(g->port(), "/v1/reject-codes/75", *technician_).starts_with("HTTP/1.1 200"));
  EXPECT_TRUE(get(g->port(), "/v1/claims?pharmacy=" + std::string(demo_pharmacy)).starts_with("HTTP/1.1 401"));
  const auto [status, text] = https_get(g->port(), "/metrics");
  ASSERT_EQ(status, 200u);
  EXPECT_EQ(metric_value(text, "rxgate_status_request_duration_seconds_count{route=\"/v1/claims/{id}\"}"), 2);
  EXPECT_EQ(metric_value(text, "rxgate_status_request_duration_seconds_count{route=\"/v1/claims\"}"), 1);
  EXPECT_EQ(metric_value(text, "rxgate_status_request_duration_seconds_count{route=\"other\"}"), 3);
  EXPECT_EQ(metric_value(text, "rxgate_status_request_duration_seconds_bucket{route=\"/v1/claims/{id}\",le=\"+Inf\"}"), 2);
  // Claims are not technician requests.
  EXPECT_EQ(metric_value(text, "rxgate_request_duration_seconds_count{route=\"/ncpdp\"}"), 0);
}

TEST_F(dashboard_http, the_stream_follows_claims_agrees_with_metrics_and_ends_when_the_gateway_stops) {
  auto g = start_gateway("dashboard_stream");
  raw_connection stream(g->port());
  ASSERT_FALSE(stream.error()) << stream.error().message();
  ASSERT_TRUE(stream.send("GET /v1/dashboard/stream HTTP/1.1\r\nHost: rxgate\r\nAuthorization: Bearer " + *operator_ + "\r\n\r\n"));
  ASSERT_TRUE(stream.read_until([](const std::string& d) { return d.find("event: history\ndata: ") != std::string::npos && d.find("}\n\n") != std::string::npos; }, 30s))
      << stream.data.substr(0, 500);
  EXPECT_TRUE(stream.data.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(stream.data.find("Content-Type: text/event-stream\r\n"), std::string::npos);

  // Claims while the page watches: paid and rejected, over their own connection.
  client c(g->port());
  ASSERT_FALSE(c.connect_error()) << c.connect_error().message();
  auto paid = c.submit(b1(alex(), {{next_rx(), std::string(atorvastatin_20)}}));
  ASSERT_EQ(paid.http, 200u);
  auto rejected = c.submit(b1(nobody(), {{next_rx(), std::string(atorvastatin_20)}}));
  ASSERT_EQ(rejected.http, 200u);
  const auto [status, text] = https_get(g->port(), "/metrics");
  ASSERT_EQ(status, 200u);
  const double paid_total = metric_value(text, "rxgate_claims_total{transaction=\"B1\",status=\"P\"}");
  const double rejected_total = metric_value(text, "rxgate_claims_total{transaction=\"B1\",status=\"R\"}");
  ASSERT_GE(paid_total, 1);
  ASSERT_GE(rejected_total, 1);
  const auto expected = static_cast<std::int64_t>(paid_total + rejected_total);

  // A later tick carries the same totals as /metrics (nothing else sends claims here).
  simdjson::dom::parser parser;
  std::int64_t seen = -1;
  const bool agreed = stream.read_until([&](const std::string& d) {
    const auto tick = last_tick(d);
    simdjson::dom::element doc;
    if (tick.empty() || parser.parse(tick).get(doc) != simdjson::SUCCESS) return false;
    seen = int64_t(doc["summary"]["totals"]["transactions"]);
    return seen == expected && int64_t(doc["summary"]["totals"]["by_status"]["P"]) == static_cast<std::int64_t>(paid_total);
  }, 60s);
  EXPECT_TRUE(agreed) << "dashboard totals " << seen << ", /metrics " << expected;
  EXPECT_GE(count_of(stream.data, "event: tick\n"), 1u);

  // Stopping the gateway ends the stream with a clean close, and the gateway stops.
  std::thread stopper([&] { g.reset(); });
  const bool ended = stream.read_until([](const std::string&) { return false; }, 120s) == false && stream.closed;
  stopper.join();
  EXPECT_TRUE(ended) << "the event stream was still open after the gateway was asked to stop";
}

}  // namespace
}  // namespace rxgate::test
