#include "bench/load/worker.h"

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <cstdio>

#include "codec/decode.h"
#include "codec/response.h"

namespace rxgate::load {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {
constexpr unsigned max_reconnect_failures = 5;  // the backoff's cap: 50 ms << 5 > 1 s
}  // namespace

worker::worker(run_state& s, unsigned index, unsigned threads, unsigned connections)
    : s_(s), tls_(ssl::context::tls_client), timer_(io_), end_timer_(io_), drain_timer_(io_),
      message_(std::make_unique<codec::message>()), response_(std::make_unique<codec::response>()) {
  index_ = index;
  tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (s.opt->verify) {
    if (s.opt->ca_file.empty()) tls_.set_default_verify_paths();
    else tls_.load_verify_file(s.opt->ca_file);
    tls_.set_verify_mode(ssl::verify_peer);
  } else {
    tls_.set_verify_mode(ssl::verify_none);
  }
  for (unsigned i = 0; i < connections; ++i)
    conns_.push_back(std::make_unique<connection>(*this, io_, tls_, std::max(1u, s.opt->pipeline)));
  ready_.assign(conns_.size(), nullptr);
  if (s.opt->rate > 0) rate_per_ns_ = s.opt->rate / threads / 1e9;
  if (s.opt->count) limit_ = s.opt->count / threads + (index < s.opt->count % threads ? 1 : 0);
  if (s.sc) claims_.emplace(*s.sc, s.mix, s.run_id, index, threads, s.f6_percent);
}

worker::~worker() = default;

void worker::connect_all(std::string& why) {
  asio::ip::tcp::resolver resolver(io_);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(s_.url.host, s_.url.port, ec);
  if (ec) {
    why = s_.url.host + ":" + s_.url.port + ": " + ec.message();
    return;
  }
  for (auto& c : conns_)
    if (!c->connect(endpoints, s_.url.host, s_.opt->verify, why)) return;
}

void worker::run() {
  for (auto& c : conns_) c->start_reading();
  for (auto& c : conns_) mark_ready(*c);
  // pump() runs when a connection can take a request or an open-loop request is due; if every
  // connection is closed and none can be opened again, neither happens, and only this ends the run.
  if (s_.duration_ns) {
    end_timer_.expires_at(s_.start + std::chrono::nanoseconds(s_.duration_ns));
    end_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) pump();
    });
  }
  pump();
  io_.run();
}

std::uint64_t worker::now_ns() const noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - s_.start).count());
}

void worker::mark_ready(connection& c) {
  if (!c.ready_listed && c.can_take()) {
    c.ready_listed = true;
    ready_[(ready_head_ + ready_count_++) % ready_.size()] = &c;
  }
}

connection* worker::take_ready() {
  while (ready_count_ > 0) {
    connection* c = ready_[ready_head_];
    ready_head_ = (ready_head_ + 1) % ready_.size();
    --ready_count_;
    c->ready_listed = false;
    if (c->can_take()) return c;
  }
  return nullptr;
}

// Hands due requests to ready connections. Open loop: request n is due at n / rate; one that is
// not due yet arms the timer.
void worker::pump() {
  while (!done_issuing_) {
    const auto now = now_ns();
    if ((s_.duration_ns && now >= s_.duration_ns) || (limit_ && issued_ >= limit_)) {
      finish_issuing();
      break;
    }
    std::uint64_t intended = now;
    if (rate_per_ns_ > 0) {
      intended = static_cast<std::uint64_t>(static_cast<double>(issued_) / rate_per_ns_);
      if (intended > now) {
        arm_timer(intended);
        break;
      }
    }
    connection* c = take_ready();
    if (!c) break;
    issue(*c, intended);
  }
  maybe_finish();
}

void worker::arm_timer(std::uint64_t at_ns) {
  if (timer_armed_ && timer_at_ <= at_ns) return;
  timer_armed_ = true;
  timer_at_ = at_ns;
  timer_.expires_at(s_.start + std::chrono::nanoseconds(at_ns));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    timer_armed_ = false;
    if (!ec) pump();
  });
}

void worker::finish_issuing() {
  if (done_issuing_) return;
  done_issuing_ = true;
  timer_.cancel();
  end_timer_.cancel();
  // In-flight answers may take a while; give them `drain` and then close regardless.
  drain_timer_.expires_after(s_.opt->drain);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    for (auto& c : conns_) c->close();
  });
}

void worker::maybe_finish() {
  if (!done_issuing_ || closing_) return;
  for (auto& c : conns_)
    if (c->open() && c->in_flight()) return;
  closing_ = true;
  drain_timer_.cancel();
  for (auto& c : conns_) c->close();
}

// The next claim as a whole HTTP request in request_; false when no more claims can be made.
bool worker::build_request(claim_spec& spec, expectation& e) {
  std::size_t n = 0;
  if (!claims_->next(spec, e) || (n = build_body(*s_.sc, spec, body_)) == 0) return false;
  if (spec.f6) ++tally_.f6_requests;
  request_.assign(s_.request_head.begin(), s_.request_head.end());
  char len[24];
  const int l = std::snprintf(len, sizeof len, "%zu\r\n\r\n", n);
  request_.insert(request_.end(), len, len + l);
  request_.insert(request_.end(), body_.data(), body_.data() + n);
  return true;
}

void worker::issue(connection& c, std::uint64_t intended) {
  ++issued_;
  claim_spec spec;
  expectation e;
  if (s_.opt->raw) {
    // Workers start at different paths so a short run still reads many of them.
    const auto& all = s_.raw_requests;
    c.send(all[(issued_ + index_ * 7919) % all.size()], spec, e, intended);
  } else {
    if (!build_request(spec, e)) {
      finish_issuing();
      return;
    }
    c.send({request_.data(), request_.size()}, spec, e, intended);
    ++tally_.kinds[static_cast<std::size_t>(spec.kind)].sent;
  }
  ++tally_.sent;
  s_.in_flight.fetch_add(1, std::memory_order_relaxed);
  mark_ready(c);
}

void worker::mismatch(const request_slot& sent, std::string_view what) {
  ++tally_.mismatches;
  s_.mismatches.fetch_add(1, std::memory_order_relaxed);
  if (!s_.opt->raw) ++tally_.kinds[static_cast<std::size_t>(sent.spec.kind)].mismatches;
  std::lock_guard lock(s_.examples_mutex);
  if (s_.examples.size() < s_.opt->max_examples) s_.examples.emplace_back(what);
}

void worker::on_answer(request_slot& sent, unsigned http_status, std::string_view body) {
  const std::uint64_t done_ns = now_ns();
  ++tally_.answered;
  s_.answered.fetch_add(1, std::memory_order_relaxed);
  s_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  // Requests meant to go during the warm-up are checked but not measured.
  if (sent.intended >= s_.warmup_ns) {
    tally_.histogram.record(done_ns > sent.intended ? done_ns - sent.intended : 0);
    if (!s_.duration_ns || done_ns <= s_.duration_ns) ++tally_.measured;
  }
  const auto kind = s_.opt->raw ? std::string_view("raw") : to_string(sent.spec.kind);
  if (http_status != 200) {
    ++tally_.http_errors;
    char what[64];
    std::snprintf(what, sizeof what, "%.*s: HTTP %u", static_cast<int>(kind.size()), kind.data(), http_status);
    mismatch(sent, what);
    return;
  }
  if (!s_.opt->raw) check_claim_answer(sent, body);
}

void worker::check_claim_answer(const request_slot& sent, std::string_view body) {
  ++tally_.kinds[static_cast<std::size_t>(sent.spec.kind)].answered;
  auto& m = *message_;
  auto& r = *response_;
  if (auto err = codec::decode(body, m); err || m.kind != codec::message_kind::response) {
    mismatch(sent, std::string(to_string(sent.spec.kind)) + ": the answer is not an NCPDP response");
    return;
  }
  codec::read_response(m, r, scratch_);  // resets `r` itself
  tally_.claim_transactions += r.transaction_count;
  for (std::size_t i = 0; i < r.transaction_count; ++i)
    if (r.transactions[i].status == 'P') {
      ++tally_.paid_transactions;
      tally_.paid_log.append(r.transactions[i].authorization_number);
      tally_.paid_log.push_back('\n');
    }
  const auto& e = sent.expect;
  if (!answer_matches(e, r)) {
    mismatch(sent, describe_mismatch(sent.spec.kind, e, r));
    return;
  }
  // A single paid claim may be followed up on later.
  if (e.status == 'P' && e.transactions == 1 && sent.spec.kind == claim_kind::paid)
    claims_->paid(sent.spec, r.transactions[0].authorization_number);
}

void worker::on_lost(const request_slot&) {
  ++tally_.unanswered;
  s_.in_flight.fetch_sub(1, std::memory_order_relaxed);
}

void worker::on_transport_error() {
  ++tally_.transport_errors;
  s_.errors.fetch_add(1, std::memory_order_relaxed);
}

void worker::on_idle_close() { ++tally_.idle_closes; }

void worker::on_ready(connection& c) {
  mark_ready(c);
  pump();
}

// A connection the server closed while requests are still due is opened again, after 50 ms and
// then twice as long after each failed try (at most 1 s), as a pharmacy system would; its lost
// requests stay counted as unanswered, and each try that fails is counted (the server refused
// connections: the run fails). A run with --duration keeps trying until its end; a run with only
// --count stops after five failed tries in a row on one connection.
void worker::on_closed(connection& c) {
  if (done_issuing_ || closing_) return maybe_finish();
  c.reconnect_after(std::chrono::milliseconds(50));
}

void worker::on_reconnected(connection& c, bool ok) {
  if (done_issuing_ || closing_) return maybe_finish();
  if (!ok) {
    ++tally_.failed_reconnects;
    c.reconnect_failures = std::min(c.reconnect_failures + 1, max_reconnect_failures);
    // A run with no --duration (a count) has no end timer: it gives up after this many tries in a
    // row, about 1.5 s of a server refusing connections, instead of waiting for it for ever.
    if (!s_.duration_ns && c.reconnect_failures == max_reconnect_failures) {
      finish_issuing();
      return maybe_finish();
    }
    return c.reconnect_after(std::chrono::milliseconds(std::min(1000u, 50u << c.reconnect_failures)));
  }
  c.reconnect_failures = 0;
  ++tally_.reconnects;
  c.start_reading();
  mark_ready(c);
  pump();
}

}  // namespace rxgate::load
