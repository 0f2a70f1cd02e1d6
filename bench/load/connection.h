// One TLS keep-alive connection of the load generator: up to `pipeline` requests in flight,
// answered in order (HTTP/1.1 pipelining, Content-Length framing).
//
// A connection lives on one io_context thread and reports to its owner (the worker of that
// thread) through connection_events: each answer, each request lost when the connection fails or
// is closed, transport errors, closes by the server while idle, and when it can take another request. After connect() it
// allocates nothing per request: write and read buffers are reserved once and reused.
// A connection the server closed (a restart, a failover behind a proxy) can be opened again with
// reconnect_after(): a new TCP connection and TLS handshake, made without blocking the thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/load/claim.h"
#include "bench/load/outcome.h"

namespace rxgate::load {

// A request in flight: what was sent and when it was meant to go.
struct request_slot {
  claim_spec spec;
  expectation expect;
  std::uint64_t intended = 0;  // ns since the run's start: latency is measured from here
};

class connection;

class connection_events {
 public:
  virtual void on_answer(request_slot& sent, unsigned http_status, std::string_view body) = 0;
  virtual void on_lost(const request_slot& sent) = 0;  // never answered (closed or failed)
  virtual void on_transport_error() = 0;
  // The server closed the connection while nothing was in flight or being written (its keep-alive
  // timeout, a drain): what an HTTP client expects of a server, not an error.
  virtual void on_idle_close() = 0;
  // `c` read its answers and may take more requests.
  virtual void on_ready(connection& c) = 0;
  // `c` failed and closed itself.
  virtual void on_closed(connection& c) = 0;
  // The reconnect_after() of `c` ended: open again (true), or it failed (false, `c` stays closed).
  virtual void on_reconnected(connection& c, bool ok) = 0;

 protected:
  ~connection_events() = default;
};

// One HTTP/1.1 response at the start of `bytes`, framed by Content-Length.
struct http_frame {
  enum class state : std::uint8_t { incomplete, complete, bad } result = state::incomplete;
  unsigned status = 0;
  std::string_view body;  // a view into `bytes`
  std::size_t size = 0;   // head and body
};
// A head without a status line or Content-Length, or a body over `max_body`, is bad.
http_frame read_http_frame(std::string_view bytes, std::size_t max_body) noexcept;

class connection {
 public:
  connection(connection_events& owner, boost::asio::io_context& io, boost::asio::ssl::context& tls, std::size_t pipeline);

  // Blocking TCP connect and TLS handshake (before the run starts). `host` is the SNI name and,
  // with `verify`, the name the certificate must carry. False with `why` on failure.
  bool connect(const boost::asio::ip::tcp::resolver::results_type& endpoints, const std::string& host, bool verify,
               std::string& why);
  // After `delay`, a new TCP connection and TLS handshake to the endpoints and host of connect();
  // the outcome goes to on_reconnected(). Nothing happens once close() was called.
  void reconnect_after(std::chrono::milliseconds delay);
  bool can_take() const noexcept { return open_ && in_flight_ < slots_.size(); }
  // Queue one request; `bytes` is copied before it returns.
  void send(std::string_view bytes, const claim_spec& spec, const expectation& e, std::uint64_t intended);
  void start_reading();
  // Close now, for good; requests in flight are reported lost.
  void close();
  std::size_t in_flight() const noexcept { return in_flight_; }
  bool open() const noexcept { return open_; }
  bool ready_listed = false;  // owned by the worker: the connection is on its ready list
  unsigned reconnect_failures = 0;  // owned by the worker: failed reconnects in a row

 private:
  void write_next();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void fail(const boost::system::error_code& ec);
  void lose_in_flight();

  void start_handshake();
  bool set_up_tls();

  connection_events& owner_;
  boost::asio::io_context& io_;
  boost::asio::ssl::context& tls_;
  // A stream cannot be used again once closed: a reconnect makes a new one in place.
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> stream_;
  boost::asio::steady_timer retry_;
  boost::asio::ip::tcp::resolver::results_type endpoints_;
  std::string host_;
  bool verify_ = false, stopped_ = false;
  std::vector<request_slot> slots_;  // ring: head_ is the oldest in flight
  std::size_t head_ = 0, in_flight_ = 0;
  std::vector<char> writing_, pending_;
  bool write_busy_ = false, open_ = false;
  std::array<char, 64 * 1024> in_{};
  std::size_t in_used_ = 0;
};

}  // namespace rxgate::load
