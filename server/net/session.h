// One client connection of the gateway (internal to server/net).
//
// Shape after Beast's advanced_server_flex example (boost 1.81): do_/on_ pairs, a timeout before
// every operation, a bounded queue of responses. Requests may be
// pipelined (up to server.max_pipelined read ahead); every request gets a `slot` in `pending_`
// and answers are written in request order, whichever finishes first.
//
// Lifetime: owned by shared_ptr; every pending operation and every completion (batcher, status
// API pool, reload) holds one, so an answer is written even after "Connection: close". The
// gateway's impl (`g_`) outlives every session: sessions unregister from it in the destructor.
// All members except run() and drain() run on the connection's io thread: the connection's
// executor is its io context's own, and that context has exactly one thread (gateway_impl.h), so
// its handlers never run at once and no strand is needed. Other threads reach it by posting.
//
// The member functions live in three files along their seams: session.cpp (TLS and HTTP I/O),
// routes.cpp (what each route answers), sse.cpp (the dashboard's event stream).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/net/gateway_impl.h"
#include "server/net/tls_identity.h"
#include "server/pipeline/batcher.h"

namespace rxgate::server {

class tls_session : public std::enable_shared_from_this<tls_session> {
 public:
  tls_session(tcp::socket&& socket, gateway::impl& g);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  // Starts the TLS handshake, then serves requests until the connection ends.
  void run();
  // Shutdown: stop reading, answer what is in flight, close. Thread-safe.
  void drain();

 private:
  struct slot {
    http::response<http::string_body> res;
    bool ready = false;
    std::string_view route;
    std::string_view api_route;  // a status API request: the route pattern it matched (api_reply::route)
    std::chrono::steady_clock::time_point started;
    std::unique_ptr<net::steady_timer> budget;  // readiness probes only; claims share claim_timer_
    bool stream = false;  // an event stream: the connection's last answer, it never completes
    // A claim: its transmission until answered (the claim timer may expire it), the number
    // its answer comes back with, and whether it came as JSON.
    std::shared_ptr<transmission> claim;
    std::uint64_t tag = 0;
    bool json = false;
  };

  // session.cpp: TLS handshake, HTTP read (pipelined), ordered writes, close.
  void do_handshake();
  void on_handshake(beast::error_code ec);
  void do_read();
  void on_first_bytes(beast::error_code ec, std::size_t n);
  // The keep-alive wait has its own timer, armed once nothing is owed (no answer pending or being
  // written): when it ends, the read is cancelled and the connection closed with a TLS
  // close_notify (Beast's stream timeout would close the socket without one).
  void arm_idle_timer();
  void on_idle_timer(std::uint64_t wait, beast::error_code ec);
  void read_request();
  // Parses what buffer_ holds into parser_: true when that ends the request, or fails it (`ec`);
  // false when more bytes are needed.
  bool parse_buffered(beast::error_code& ec);
  void on_read(beast::error_code ec, std::size_t);
  std::shared_ptr<slot> push_slot(std::string_view route);
  void finish(const std::shared_ptr<slot>& s, http::status status, std::string body, std::string_view content_type);
  // `{"error":why}` as JSON, then close the connection.
  void reply_error_and_close(http::status status, std::string_view why);
  void do_write();
  static void serialize_answer(const http::response<http::string_body>& res, std::string& out);
  void on_write(beast::error_code ec, std::size_t);
  void do_close();

  // routes.cpp: one request to one answer.
  void handle(http::request<http::string_body>&& req);
  void status_request(const std::shared_ptr<slot>& s, http::request<http::string_body>&& req);
  bool admin_allowed(const http::request<http::string_body>& req) const;
  void submit_claim(const std::shared_ptr<slot>& s, std::string body, bool json);
  void claim_answered(const std::shared_ptr<slot>& s, transmission& t, bool json);
  // The transmission's `done` (worker thread): posts the answer to the connection's io context.
  static void claim_done(std::shared_ptr<transmission> t);
  void claim_returned(transmission& t);
  // One timer per connection for the claim budget: it waits for the earliest deadline of a
  // claim still queued and answers 92 to every queued claim past its budget.
  void arm_claim_timer();
  void on_claim_timer();
  void readiness(const std::shared_ptr<slot>& s);
  void reload(const std::shared_ptr<slot>& s);

  // sse.cpp: the dashboard's history and event stream.
  void dashboard_request(const std::shared_ptr<slot>& s, http::request<http::string_body>&& req, bool stream);
  void begin_stream();
  void queue_event(std::shared_ptr<const std::string> frame);
  void write_event();
  void end_stream();

  beast::ssl_stream<beast::tcp_stream> stream_;
  gateway::impl& g_;
  beast::flat_buffer buffer_;
  // The answer being written, head and body (serialize_answer); its storage is kept for the next
  // answer unless a large one grew it past max_kept_answer_bytes.
  std::string out_;
  static constexpr std::size_t max_kept_answer_bytes = 64 * 1024;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::shared_ptr<slot>> pending_;
  peer_names peer_;
  provider_scope scope_;
  bool reading_ = false, writing_ = false, closing_ = false, closed_ = false;
  bool streaming_ = false;
  std::uint64_t sse_id_ = 0;
  std::deque<std::shared_ptr<const std::string>> sse_out_;
  std::shared_ptr<tls_session> stream_owner_;
  net::steady_timer claim_timer_;
  bool claim_timer_armed_ = false;
  net::steady_timer idle_timer_;
  bool idle_wait_ = false;  // a read waits for the first byte of the next request
  std::uint64_t idle_waits_ = 0;  // which wait: a timer that fired as its wait ended is stale
  std::uint64_t next_claim_tag_ = 0;
};

}  // namespace rxgate::server
