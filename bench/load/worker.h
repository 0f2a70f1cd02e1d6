// One io thread of the load generator: its connections, its pacing (closed loop: send when a
// connection is free; open loop: send at the intended times of the target rate) and the check of
// every answer. The runner (runner.cpp) makes one worker per thread, runs them and merges their
// tallies into the report; workers share only run_state.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/load/claim.h"
#include "bench/load/connection.h"
#include "bench/load/histogram.h"
#include "bench/load/load.h"
#include "bench/load/scenario.h"
#include "bench/load/tls_client.h"

namespace rxgate::codec {
struct message;
struct response;
}

namespace rxgate::load {

using steady = std::chrono::steady_clock;

// Set up by the runner before the workers start; afterwards only the atomics and the examples
// (under their mutex) change.
struct run_state {
  const options* opt = nullptr;
  const scenario* sc = nullptr;     // claims mode
  claim_mix mix{};                  // the kinds the plan supports
  unsigned f6_percent = 0;          // options::f6_percent
  unsigned run_id = 0;
  server::url_parts url;
  std::string request_head;  // "POST /path HTTP/1.1\r\nHost: ...\r\n...Content-Length: "
  std::vector<std::string> raw_requests;  // raw mode: whole requests, sent in turn (one per --targets line)
  steady::time_point start{};
  std::uint64_t warmup_ns = 0, duration_ns = 0;  // duration 0: until the count
  std::atomic<std::uint64_t> answered{0}, in_flight{0}, mismatches{0}, errors{0};  // progress line
  std::mutex examples_mutex;
  std::vector<std::string> examples;
};

// What one worker counted; the report is their sum.
struct worker_tally {
  latency_histogram histogram;  // ns, answers of requests meant to go after the warm-up
  std::array<kind_stats, kind_count> kinds{};
  std::uint64_t sent = 0, answered = 0, measured = 0, mismatches = 0, http_errors = 0, transport_errors = 0,
                unanswered = 0, paid_transactions = 0, claim_transactions = 0, reconnects = 0,
                failed_reconnects = 0, idle_closes = 0, f6_requests = 0;
  std::string paid_log;  // authorization numbers of P transactions, one a line
};

class worker final : public connection_events {
 public:
  // Throws when the trust anchors cannot be read (a start-up error).
  worker(run_state& s, unsigned index, unsigned threads, unsigned connections);
  ~worker();

  // Blocking connect and handshake of every connection; `why` says what failed.
  void connect_all(std::string& why);
  // Runs the io loop until every connection is done (on the calling thread).
  void run();
  const worker_tally& tally() const noexcept { return tally_; }

  void on_answer(request_slot& sent, unsigned http_status, std::string_view body) override;
  void on_lost(const request_slot& sent) override;
  void on_transport_error() override;
  void on_idle_close() override;
  void on_ready(connection& c) override;
  void on_closed(connection& c) override;
  void on_reconnected(connection& c, bool ok) override;

 private:
  void mark_ready(connection& c);
  connection* take_ready();
  void pump();
  void arm_timer(std::uint64_t at_ns);
  void finish_issuing();
  void maybe_finish();
  void issue(connection& c, std::uint64_t intended);
  bool build_request(claim_spec& spec, expectation& e);
  void check_claim_answer(const request_slot& sent, std::string_view body);
  void mismatch(const request_slot& sent, std::string_view what);
  std::uint64_t now_ns() const noexcept;

  run_state& s_;
  worker_tally tally_;
  boost::asio::io_context io_{1};
  boost::asio::ssl::context tls_;
  // timer_: the next open-loop request; end_timer_: the end of --duration, which ends the run even
  // when no connection is open to send on; drain_timer_: the wait for answers after that.
  boost::asio::steady_timer timer_, end_timer_, drain_timer_;
  bool timer_armed_ = false, done_issuing_ = false, closing_ = false;
  std::uint64_t timer_at_ = 0;
  std::vector<std::unique_ptr<connection>> conns_;
  // Connections that can take a request, oldest first, in a ring of conns_.size() slots (each is
  // listed at most once): used in turn, so that no connection of an open loop slower than the
  // closed one sits unused into the server's keep-alive timeout, where a request sent just as
  // the server closes it is lost in transit.
  std::vector<connection*> ready_;
  std::size_t ready_head_ = 0, ready_count_ = 0;
  double rate_per_ns_ = 0;
  std::uint64_t issued_ = 0, limit_ = 0;
  unsigned index_ = 0;  // this worker's number among the io threads
  std::optional<claim_source> claims_;
  std::array<char, 8192> body_{};
  std::vector<char> request_;
  std::unique_ptr<codec::message> message_;
  std::unique_ptr<codec::response> response_;
  std::array<char, 4096> scratch_{};
};

}  // namespace rxgate::load
