// The claim path end to end: real TLS sockets into an in-process gateway, the demo plan, and a
// fresh PostgreSQL database; every answer is decoded and checked against what was committed.
#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "codec/json.h"
#include "tests/server/harness.h"

namespace rxgate::test {
namespace {

class claims : public suite_gateway<claims> {
 public:
  static constexpr const char* suite_name = "claims";
  static void configure(config_text& c) {
    c.server_extra = "request_timeout_ms = 500\nmax_body_bytes = 4096\n";
  }

 protected:
  static std::uint16_t port() { return gateway_->port(); }
  static const std::string& dsn() { return *dsn_; }
  static answer send(std::string_view d0) { return client(port()).submit(d0); }
  static std::string rows_for_rx(const std::string& rx, std::string_view status) {
    return query_value(dsn(), "SELECT count(*) FROM claims WHERE rx_number = '" + rx + "' AND status = '" +
                                  std::string(status) + "'");
  }

};

// The next reply on a raw connection, decoded (`decoded` stays false when none came).
answer read_answer(server::tls_client& c) {
  auto r = c.read_reply();
  if (!r) {
    ADD_FAILURE() << r.error().message();
    return {};
  }
  return answer_of(std::move(r.value()));
}

TEST_F(claims, paid_claim_is_committed_before_it_is_answered) {
  const auto rx = next_rx();
  auto a = send(b1(alex(), {{rx, std::string(atorvastatin_20)}}));
  ASSERT_EQ(a.http, 200u);
  ASSERT_TRUE(a.decoded);
  EXPECT_EQ(a.response->header_status, 'A');
  ASSERT_EQ(a.status(), 'P') << a.rejects();
  const std::string auth(a.tx().authorization_number);
  EXPECT_FALSE(auth.empty());
  EXPECT_LE(auth.size(), 20u);
  EXPECT_TRUE(a.tx().price.has_value());
  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM claims WHERE status = 'P' AND authorization_number = '" + auth + "'"), "1");

  // A retransmit of the identical claim: D with the original authorization, nothing paid twice.
  auto again = send(b1(alex(), {{rx, std::string(atorvastatin_20)}}));
  ASSERT_TRUE(again.decoded);
  EXPECT_EQ(again.status(), 'D') << again.rejects();
  EXPECT_EQ(again.tx().authorization_number, auth);
  EXPECT_EQ(rows_for_rx(rx, "P"), "1");
}

// D.0 and F6 side by side (issue 16): each claim is answered in the version it came in, the
// claim key and the member's history are the same whichever version carried them, and the row
// records the version.
TEST_F(claims, f6_and_d0_claims_are_each_answered_in_their_own_version) {
  const auto m = demo_member(8);  // no other test here fills for this member
  const auto rx = next_rx();
  const auto f6 = as_f6(b1(m, {{rx, std::string(atorvastatin_20)}}));
  auto paid = send(f6);
  ASSERT_TRUE(paid.decoded) << paid.bytes.size();
  EXPECT_EQ(paid.response->version, "F6");
  EXPECT_EQ(paid.bytes.find('\x1d'), std::string::npos);  // F6 answers carry no group separator
  ASSERT_EQ(paid.status(), 'P') << paid.rejects();
  const std::string auth(paid.tx().authorization_number);
  EXPECT_EQ(query_value(dsn(), "SELECT detail->>'version' FROM claims WHERE authorization_number = '" + auth + "'"), "F6");

  // Its retransmit is a duplicate, in F6.
  auto again = send(f6);
  ASSERT_TRUE(again.decoded);
  EXPECT_EQ(again.response->version, "F6");
  EXPECT_EQ(again.status(), 'D') << again.rejects();
  EXPECT_EQ(again.tx().authorization_number, auth);

  // The same member's next fill of the same drug in D.0 sees the F6 fill: 79, answered in D.0,
  // which has no field for the next fill date.
  auto d0_soon = send(b1(m, {{next_rx(), std::string(atorvastatin_20)}}));
  ASSERT_TRUE(d0_soon.decoded);
  EXPECT_EQ(d0_soon.response->version, "D0");
  EXPECT_TRUE(d0_soon.has_reject("79")) << d0_soon.rejects();
  EXPECT_FALSE(d0_soon.tx().next_available_fill_date);
  // In F6 the 79 carries it: 80 % of 30 days after today.
  auto f6_soon = send(as_f6(b1(m, {{next_rx(), std::string(atorvastatin_20)}})));
  ASSERT_TRUE(f6_soon.decoded);
  EXPECT_EQ(f6_soon.response->version, "F6");
  EXPECT_TRUE(f6_soon.has_reject("79")) << f6_soon.rejects();
  ASSERT_TRUE(f6_soon.tx().next_available_fill_date);
  EXPECT_EQ(*f6_soon.tx().next_available_fill_date, codec::date::from_days(today().days() + 24));

  // A D.0 reversal finds the claim the F6 B1 paid (the claim key has no version in it).
  auto reversed = send(b2(m, rx, atorvastatin_20));
  ASSERT_TRUE(reversed.decoded);
  EXPECT_EQ(reversed.response->version, "D0");
  EXPECT_EQ(reversed.status(), 'A') << reversed.rejects();
  EXPECT_EQ(rows_for_rx(rx, "P"), "1");
}

// An F6 request that breaks F6's own rules is answered in F6 with the reject that names it.
TEST_F(claims, f6_transmission_rejects_are_answered_in_f6) {
  auto f6 = as_f6(b1(alex(), {{next_rx(), std::string(atorvastatin_20)}}));
  f6[22] = '2';  // 109-A9: F6 carries one transaction
  auto a = send(f6);
  ASSERT_TRUE(a.decoded);
  EXPECT_EQ(a.response->version, "F6");
  EXPECT_EQ(a.response->header_status, 'R');
  EXPECT_TRUE(a.has_reject("A9")) << a.rejects();
}

// A request that closes its connection (HTTP/1.0, or "Connection: close") is still answered:
// nothing else holds the session while the claim waits for its commit or the status API for
// PostgreSQL.
TEST_F(claims, connection_close_requests_are_answered_before_the_close) {
  const std::string rx = next_rx();
  // A drug no other test of this suite pays for this member: the suite's tests share its
  // database, and another test's fill of the same drug today would make this one a 79.
  const auto d0 = b1(alex(), {{rx, "90001000201"}});
  {
    server::tls_client c(client_for());
    ASSERT_FALSE(c.connect("127.0.0.1", std::to_string(port()), "localhost"));
    ASSERT_FALSE(c.write_raw("POST /ncpdp HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                             "Content-Type: application/octet-stream\r\nContent-Length: " +
                             std::to_string(d0.size()) + "\r\n\r\n" + d0));
    auto r = c.read_reply();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r.value().status, 200u);
    EXPECT_FALSE(r.value().keep_alive);
    const auto a = answer_of(std::move(r.value()));
    ASSERT_TRUE(a.decoded);
    EXPECT_EQ(a.status(), 'P') << a.rejects();
  }
  {
    server::tls_client c(client_for());
    ASSERT_FALSE(c.connect("127.0.0.1", std::to_string(port()), "localhost"));
    ASSERT_FALSE(c.write_raw("GET /v1/reject-codes/79 HTTP/1.0\r\nHost: localhost\r\n\r\n"));
    auto r = c.read_reply();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r.value().status, 200u);
    EXPECT_NE(r.value().body.find("Refill Too Soon"), std::string::npos);
  }
}

TEST_F(claims, refill_too_soon_rejects_79) {
  const auto m = demo_member(1);
  auto first = send(b1(m, {{next_rx(), std::string(atorvastatin_20)}}));
  ASSERT_EQ(first.status(), 'P') << first.rejects();
  auto second = send(b1(m, {{next_rx(), std::string(atorvastatin_20)}}));
  EXPECT_EQ(second.status(), 'R');
  EXPECT_TRUE(second.has_reject("79")) << second.rejects();
}

TEST_F(claims, each_reject_family_is_answered_with_its_code_and_recorded) {
  struct family {
    const char* name;
    std::string d0;
    const char* code;
    std::string rx;
  };
  std::vector<family> families;
  auto add = [&](const char* name, const member& m, const char* ndc, int qty, int days, const char* code,
                 std::string_view provider = demo_pharmacy) {
    auto rx = next_rx();
    families.push_back({name, b1(m, {{rx, ndc, qty, days, 900}}, provider), code, rx});
  };
  add("eligibility", nobody(), "90001000102", 30, 30, "52");
  add("coverage", alex(), "90001000902", 90, 30, "70");
  add("prior authorization", morgan(), "90001000704", 3, 28, "75");
  add("plan limits", morgan(), "90001000401", 200, 30, "76");
  add("DUR", chris(), "90001001001", 30, 10, "88");
  add("network", alex(), "90001000201", 30, 30, "40", other_pharmacy);
  member no_cardholder = alex();
  no_cardholder.cardholder.clear();
  add("syntax", no_cardholder, "90001000102", 30, 30, "07");

  for (const auto& f : families) {
    SCOPED_TRACE(f.name);
    auto a = send(f.d0);
    ASSERT_EQ(a.http, 200u);
    ASSERT_TRUE(a.decoded);
    EXPECT_EQ(a.status(), 'R');
    EXPECT_TRUE(a.has_reject(f.code)) << "got " << a.rejects();
    EXPECT_TRUE(a.tx().authorization_number.empty());
    // Rejected claims are recorded too, syntax rejects included, so a technician can find them.
    EXPECT_EQ(rows_for_rx(f.rx, "R"), "1");
  }
}

TEST_F(claims, reversal_then_repeated_reversal_then_rebill) {
  const auto m = demo_member(3);
  const auto rx = next_rx();
  auto paid = send(b1(m, {{rx, "90001000201"}}));
  ASSERT_EQ(paid.status(), 'P') << paid.rejects();

  auto reversed = send(b2(m, rx, "90001000201"));
  ASSERT_TRUE(reversed.decoded);
  EXPECT_EQ(reversed.status(), 'A') << reversed.rejects();
  auto again = send(b2(m, rx, "90001000201"));
  EXPECT_EQ(again.status(), 'S') << again.rejects();
  auto unknown = send(b2(m, next_rx(), "90001000201"));
  EXPECT_EQ(unknown.status(), 'R');
  EXPECT_TRUE(unknown.has_reject("87")) << unknown.rejects();
  EXPECT_NE(query_value(dsn(), "SELECT EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill')) FROM claims WHERE rx_number = '" + rx + "' AND status = 'P'"), "f");

  // B3: reverse and rebill in one transaction, on a fresh paid claim.
  const auto m2 = demo_member(4);
  const auto rx2 = next_rx();
  ASSERT_EQ(send(b1(m2, {{rx2, "90001000701", 60, 30, 500}})).status(), 'P');
  auto rebill = send(b1(m2, {{rx2, "90001000701", 90, 30, 700}}, demo_pharmacy, "B3"));
  ASSERT_TRUE(rebill.decoded);
  EXPECT_EQ(rebill.status(), 'P') << rebill.rejects();
  EXPECT_FALSE(rebill.tx().authorization_number.empty());

  // The rebill sent again (its answer lost on the way): the rebill's stored answer, not a second
  // rebill; one claim of the two is paid and active.
  auto rebill_again = send(b1(m2, {{rx2, "90001000701", 90, 30, 700}}, demo_pharmacy, "B3"));
  ASSERT_TRUE(rebill_again.decoded);
  EXPECT_EQ(rebill_again.status(), 'D') << rebill_again.rejects();
  EXPECT_EQ(rebill_again.tx().authorization_number, rebill.tx().authorization_number);
  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM claims WHERE rx_number = '" + rx2 +
                                   "' AND status = 'P' AND NOT EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill'))"), "1");
}

TEST_F(claims, eligibility_check_is_accepted) {
  auto a = send(e1(alex()));
  ASSERT_TRUE(a.decoded);
  EXPECT_EQ(a.response->transaction_code, "E1");
  EXPECT_EQ(a.status(), 'A') << a.rejects();
}

TEST_F(claims, four_transaction_claim_is_answered_together) {
  const auto m = demo_member(5);
  std::vector<line_item> items = {{next_rx(), "90001000201"}, {next_rx(), "90001000701", 60},
                                  {next_rx(), "90001001401"}, {next_rx(), "90001001201"}};
  auto a = send(b1(m, items));
  ASSERT_TRUE(a.decoded);
  ASSERT_EQ(a.response->transaction_count, 4);
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(a.status(i), 'P') << a.rejects(i);
    EXPECT_EQ(a.tx(i).rx_number, items[i].rx);
    EXPECT_EQ(rows_for_rx(items[i].rx, "P"), "1");
  }
  std::set<std::string_view> auths;
  for (std::size_t i = 0; i < 4; ++i) auths.insert(a.tx(i).authorization_number);
  EXPECT_EQ(auths.size(), 4u);
}

TEST_F(claims, json_claims_are_answered_as_json) {
  const auto d0 = b1(alex(), {{next_rx(), "90001001201"}});
  auto m = std::make_unique<codec::message>();
  ASSERT_FALSE(codec::decode(d0, *m));
  std::string json;
  codec::to_json(*m, json);
  auto [status, body] = https_post(port(), "/v1/claims", json, "application/json");
  EXPECT_EQ(status, 200u);
  EXPECT_NE(body.find("\"kind\":\"response\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"AN\",\"P\""), std::string::npos) << body;

  auto [bad_status, bad_body] = https_post(port(), "/v1/claims", "{not json", "application/json");
  EXPECT_EQ(bad_status, 400u);
  EXPECT_NE(bad_body.find("error"), std::string::npos);
}

TEST_F(claims, malformed_transmissions_get_a_transmission_reject) {
  const std::vector<std::string> inputs = {
      "", "garbage", std::string(20, 'x'), "610999D0B1RXGDEMO   1011111111112     2026",
      "{\"kind\":\"request\"}", std::string("610999D0B1RXGDEMO   1011111111112     20260101          \x1e\x1c")};
  for (const auto& in : inputs) {
    SCOPED_TRACE(in.size());
    auto a = send(in);
    ASSERT_EQ(a.http, 200u);
    ASSERT_TRUE(a.decoded) << "not a D.0 response";
    EXPECT_EQ(a.response->header_status, 'R');
    ASSERT_GE(a.response->transaction_count, 1);
    EXPECT_EQ(a.status(), 'R');
    EXPECT_FALSE(a.tx().rejects.empty());
  }
}

TEST_F(claims, oversized_body_is_refused_413) {
  auto [status, body] = https_post(port(), "/ncpdp", std::string(5000, '9'));
  EXPECT_EQ(status, 413u) << body;
}

TEST_F(claims, slow_client_is_cut_off) {
  server::client_options o = client_for();
  server::tls_client c(o);
  ASSERT_FALSE(c.connect("127.0.0.1", std::to_string(port()), "localhost"));
  ASSERT_FALSE(c.write_raw("POST /ncpdp HTTP/1.1\r\nHost: rxgate\r\nContent-Le"));
  // The server closes the connection (request_timeout_ms = 500). The client's own 30 s socket
  // timeout would surface as would_block/timed_out instead, which is a failure.
  auto r = c.read_reply();
  ASSERT_FALSE(r.has_value()) << "the server answered a request it never received";
  EXPECT_NE(r.error(), boost::system::errc::make_error_code(boost::system::errc::resource_unavailable_try_again))
      << r.error().message();
  EXPECT_NE(r.error(), boost::system::errc::make_error_code(boost::system::errc::timed_out)) << r.error().message();
}

TEST_F(claims, pipelined_requests_are_answered_in_order) {
  server::tls_client c(client_for());
  ASSERT_FALSE(c.connect("127.0.0.1", std::to_string(port()), "localhost"));
  std::vector<std::string> rxs;
  std::string wire;
  for (int i = 0; i < 3; ++i) {
    rxs.push_back(next_rx());
    const auto body = b1(demo_member(7 + static_cast<std::size_t>(i)), {{rxs.back(), "90001001402"}});
    wire += "POST /ncpdp HTTP/1.1\r\nHost: rxgate\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  ASSERT_FALSE(c.write_raw(wire));
  for (int i = 0; i < 3; ++i) {
    const auto a = read_answer(c);
    ASSERT_TRUE(a.decoded);
    EXPECT_EQ(a.tx().rx_number, rxs[static_cast<std::size_t>(i)]);
  }
}

// The first bytes of a request are parsed where they land (session.cpp, parse_buffered); a request
// cut mid-header and again mid-body goes on with a read for each missing piece, and is answered once.
TEST_F(claims, a_request_in_three_pieces_is_answered_once_whole) {
  server::tls_client c(client_for());
  ASSERT_FALSE(c.connect("127.0.0.1", std::to_string(port()), "localhost"));
  const auto rx = next_rx();
  const auto body = b1(demo_member(4), {{rx, "90001001402"}});
  const std::string wire = "POST /ncpdp HTTP/1.1\r\nHost: rxgate\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::size_t cut1 = 20;  // inside the request line's headers
  const std::size_t cut2 = wire.size() - body.size() / 2;  // inside the body
  ASSERT_FALSE(c.write_raw(wire.substr(0, cut1)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_FALSE(c.write_raw(wire.substr(cut1, cut2 - cut1)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_FALSE(c.write_raw(wire.substr(cut2)));
  const auto a = read_answer(c);
  ASSERT_TRUE(a.decoded);
  EXPECT_EQ(a.http, 200u);
  EXPECT_EQ(a.tx().rx_number, rx);
  EXPECT_EQ(a.status(), 'P');
}

TEST_F(claims, tls_sessions_are_resumed) {
  server::tls_client c(client_for());
  ASSERT_FALSE(c.connect("127.0.0.1", std::to_string(port()), "localhost"));
  EXPECT_FALSE(c.session_reused());
  ASSERT_TRUE(c.get("/healthz").has_value());  // TLS 1.3 tickets arrive after the handshake
  c.close();
  ASSERT_FALSE(c.connect("127.0.0.1", std::to_string(port()), "localhost"));
  EXPECT_TRUE(c.session_reused());
  auto m = c.get("/metrics");
  ASSERT_TRUE(m.has_value());
  EXPECT_GT(metric_value(m.value().body, "rxgate_tls_handshakes_total{result=\"resumed\"}"), 0);
}

TEST_F(claims, operations_endpoints_show_the_traffic) {
  send(b1(demo_member(2), {{next_rx(), "90001001201"}}));
  auto [hs, hb] = https_get(port(), "/healthz");
  EXPECT_EQ(hs, 200u);
  auto [rs, rb] = https_get(port(), "/readyz");
  EXPECT_EQ(rs, 200u) << rb;
  EXPECT_NE(rb.find("\"database\":\"ok\""), std::string::npos);
  auto [ms, metrics] = https_get(port(), "/metrics");
  ASSERT_EQ(ms, 200u);
  EXPECT_GT(metric_value(metrics, "rxgate_claims_total{transaction=\"B1\",status=\"P\"}"), 0);
  EXPECT_GT(metric_value(metrics, "rxgate_claims_by_plan_total{bin=\"610999\",pcn=\"RXGDEMO\",status=\"P\"}"), 0);
  EXPECT_GT(metric_value(metrics, "rxgate_request_duration_seconds_count{route=\"/ncpdp\"}"), 0);
  EXPECT_GT(metric_value(metrics, "rxgate_batch_commit_duration_seconds_count"), 0);
  // Every batch is timed in its three steps too (and only batches: the probes are not).
  for (const char* step : {"read", "decide", "write"})
    EXPECT_EQ(metric_value(metrics, std::string("rxgate_batch_step_duration_seconds_count{step=\"") + step + "\"}"),
              metric_value(metrics, "rxgate_batch_commit_duration_seconds_count"))
        << step;
  // Each claim answered through a batch waited once in the queue and once for its answer.
  const double queued = metric_value(metrics, "rxgate_claim_wait_duration_seconds_count{wait=\"queued\"}");
  EXPECT_GT(queued, 0);
  EXPECT_EQ(metric_value(metrics, "rxgate_claim_wait_duration_seconds_count{wait=\"answer\"}"), queued);
  EXPECT_GT(metric_value(metrics, "rxgate_tls_handshakes_total{result=\"full\"}"), 0);
  EXPECT_GE(metric_value(metrics, "rxgate_queue_depth"), 0);
  auto [ns, nb] = https_get(port(), "/nowhere");
  EXPECT_EQ(ns, 404u);
}

// Two batch workers, each with its own writer connection ([batcher] workers = 2): the same
// transaction sent on two connections at once, many times. Whichever way the two land (one
// batch, two concurrent batches, one after the other), exactly one is paid, the other is its
// duplicate with the same authorization number, and one paid row exists. Then two identical
// reversals at once (one A, one S), and a rebill racing its reversal.
class claims_race : public suite_gateway<claims_race> {
 public:
  static constexpr const char* suite_name = "claims_race";
  static void configure(config_text& c) { c.batcher_extra = "workers = 2\n"; }

 protected:
  // Sends `first` and `second` at the same moment on two connections (opened beforehand).
  // (Answers are built in place: their decoded views point into themselves.)
  using answer_ptr = std::unique_ptr<answer>;
  static std::pair<answer_ptr, answer_ptr> race(const std::string& first, const std::string& second) {
    client a(gateway_->port()), b(gateway_->port());
    std::atomic<int> ready{0};
    answer_ptr ra, rb;
    auto go = [&](client& c, const std::string& body, answer_ptr& out) {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      out.reset(new answer(c.submit(body)));
    };
    std::thread t([&] { go(b, second, rb); });
    go(a, first, ra);
    t.join();
    return {std::move(ra), std::move(rb)};
  }
  static std::string count(const std::string& where) {
    return query_value(*dsn_, "SELECT count(*) FROM claims WHERE " + where);
  }

};

TEST_F(claims_race, retransmit_racing_its_original_is_a_duplicate) {
  const auto m = alex();
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto rx = next_rx();
    const auto claim = b1(m, {{rx, std::string(atorvastatin_20)}});
    auto [xp, yp] = race(claim, claim);
    const answer& x = *xp;
    const answer& y = *yp;
    ASSERT_TRUE(x.decoded && y.decoded);
    const answer& paid = x.status() == 'P' ? x : y;
    const answer& dup = x.status() == 'P' ? y : x;
    ASSERT_EQ(paid.status(), 'P') << paid.rejects() << " / " << dup.rejects();
    ASSERT_EQ(dup.status(), 'D') << dup.rejects();
    EXPECT_FALSE(paid.tx().authorization_number.empty());
    EXPECT_EQ(dup.tx().authorization_number, paid.tx().authorization_number);
    EXPECT_EQ(count("rx_number = '" + rx + "' AND status = 'P'"), "1");

    // Two identical reversals at once: one A, the other S; the paid claim is reversed once.
    const auto reversal = b2(m, rx, atorvastatin_20);
    auto [r1p, r2p] = race(reversal, reversal);
    const answer& r1 = *r1p;
    const answer& r2 = *r2p;
    ASSERT_TRUE(r1.decoded && r2.decoded);
    std::string statuses{r1.status(), r2.status()};
    std::sort(statuses.begin(), statuses.end());
    EXPECT_EQ(statuses, "AS") << r1.rejects() << " / " << r2.rejects();
    EXPECT_EQ(count("rx_number = '" + rx + "' AND status = 'P' AND EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill'))"), "1");
  }
  // Nothing paid twice under one key, nothing left active.
  EXPECT_EQ(query_value(*dsn_, "SELECT count(*) FROM (SELECT authorization_number FROM claims WHERE status = 'P' "
                               "GROUP BY authorization_number HAVING count(*) > 1) d"), "0");
}

TEST_F(claims_race, reversal_racing_its_claim_sees_it_or_finds_nothing) {
  const auto m = morgan();
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto rx = next_rx();
    auto [paid_p, rev_p] = race(b1(m, {{rx, "90001000201"}}), b2(m, rx, "90001000201"));
    const answer& paid = *paid_p;
    const answer& rev = *rev_p;
    ASSERT_TRUE(paid.decoded && rev.decoded);
    ASSERT_EQ(paid.status(), 'P') << paid.rejects();
    if (rev.status() == 'A') {  // decided after the claim committed: it reversed it
      EXPECT_EQ(count("rx_number = '" + rx + "' AND status = 'P' AND EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill'))"), "1");
    } else {  // decided first: nothing to reverse yet
      ASSERT_EQ(rev.status(), 'R');
      EXPECT_TRUE(rev.has_reject("87")) << rev.rejects();
      EXPECT_EQ(count("rx_number = '" + rx + "' AND status = 'P' AND NOT EXISTS (SELECT 1 FROM claim_links x WHERE x.replaces_claim_id = claims.id AND x.kind IN ('reversal', 'rebill'))"), "1");
      const answer undo = client(gateway_->port()).submit(b2(m, rx, "90001000201"));
      ASSERT_EQ(undo.status(), 'A') << undo.rejects();
    }
  }
}

// The keep-alive timeout ends an idle connection as a client's TLS library expects: close_notify,
// then the TCP close. Without the close_notify the client reads a truncated stream, which TLS
// libraries report as an error (OpenSSL 3: "unexpected eof while reading").
class claims_idle : public suite_gateway<claims_idle> {
 public:
  static constexpr const char* suite_name = "claims_idle";
  static void configure(config_text& c) { c.server_extra = "idle_timeout_ms = 300\n"; }
};

TEST_F(claims_idle, a_connection_idle_after_an_answer_is_closed_with_a_tls_close_notify) {
  client c(gateway_->port());
  ASSERT_FALSE(c.connect_error()) << c.connect_error().message();
  const auto a = c.submit(e1(alex()));
  ASSERT_EQ(a.http, 200u);
  // Nothing more is sent: the server closes after 300 ms (the client's own timeout is 30 s).
  auto r = c.raw().read_reply();
  ASSERT_FALSE(r.has_value()) << "an answer to no request";
  EXPECT_EQ(r.error(), boost::beast::http::error::end_of_stream) << r.error().message();
}

TEST_F(claims_idle, a_connection_idle_from_its_handshake_is_closed_with_a_tls_close_notify) {
  client c(gateway_->port());
  ASSERT_FALSE(c.connect_error()) << c.connect_error().message();
  auto r = c.raw().read_reply();
  ASSERT_FALSE(r.has_value()) << "an answer to no request";
  EXPECT_EQ(r.error(), boost::beast::http::error::end_of_stream) << r.error().message();
}

}  // namespace
}  // namespace rxgate::test
