// The gateway's connections: TLS handshake, HTTP/1.1 reads (pipelined), answers written in
// request order, timeouts before every operation, close.
#include "server/net/session.h"

#include <openssl/ssl.h>

#include <charconv>

#include "codec/json_writer.h"
#include "server/core/log.h"

namespace rxgate::server {

using namespace std::chrono_literals;

std::string json_error_body(std::string_view why) {
  std::string body;
  codec::json_writer(body).begin_object().field("error", why).end_object();
  body += '\n';
  return body;
}

tls_session::tls_session(tcp::socket&& socket, gateway::impl& g)
    : stream_(std::move(socket), g.tls), g_(g), claim_timer_(stream_.get_executor()),
      idle_timer_(stream_.get_executor()) {}

tls_session::~tls_session() {
  if (sse_id_) g_.dash->unsubscribe(sse_id_);
  g_.stats.connections_open.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard lock(g_.sessions_mutex);
  g_.sessions.erase(this);
}

void tls_session::run() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_handshake(); });
}

void tls_session::drain() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->streaming_) return self->end_stream();
    self->closing_ = true;
    if (!self->writing_ && self->reading_) beast::get_lowest_layer(self->stream_).cancel();
    else if (!self->reading_ && !self->writing_ && self->pending_.empty()) self->do_close();
  });
}

void tls_session::do_handshake() {
  beast::get_lowest_layer(stream_).expires_after(g_.cfg.handshake_timeout);
  stream_.async_handshake(ssl::stream_base::server,
                          beast::bind_front_handler(&tls_session::on_handshake, shared_from_this()));
}

void tls_session::on_handshake(beast::error_code ec) {
  if (ec) {
    g_.stats.tls_handshakes.inc({"failed"});
    log::debug("tls_handshake_failed").str("error", ec.message());
    return;  // the socket closes with the session
  }
  g_.stats.tls_handshakes.inc({SSL_session_reused(stream_.native_handle()) ? "resumed" : "full"});
  peer_ = read_peer(stream_.native_handle());
  scope_ = scope_for(g_.cfg.identities, peer_, g_.no_providers);
  if (g_.stopping.load()) closing_ = true;
  do_read();
}

void tls_session::do_read() {
  if (closing_ || reading_ || pending_.size() >= g_.cfg.max_pipelined) return;
  reading_ = true;
  parser_.emplace();
  parser_->body_limit(g_.cfg.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(g_.cfg.max_header_bytes));
  if (buffer_.size() == 0) {
    // Keep-alive wait for the first byte of the next request, on idle_timer_ from when the last
    // answer owed has been written (here, or in on_write).
    beast::get_lowest_layer(stream_).expires_never();
    idle_wait_ = true;
    if (pending_.empty() && !writing_) arm_idle_timer();
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&tls_session::on_first_bytes, shared_from_this()));
  } else {
    read_request();
  }
}

void tls_session::arm_idle_timer() {
  ++idle_waits_;
  idle_timer_.expires_after(g_.cfg.idle_timeout);
  idle_timer_.async_wait(beast::bind_front_handler(&tls_session::on_idle_timer, shared_from_this(), idle_waits_));
}

void tls_session::on_idle_timer(std::uint64_t wait, beast::error_code ec) {
  // Cancelled, or the bytes came first (a timer that expired just as they came may still run,
  // after the next wait has begun: it is not that wait's timer).
  if (ec || !idle_wait_ || wait != idle_waits_ || writing_ || !pending_.empty()) return;
  // The read ends with operation_aborted; on_read then closes with close_notify (do_close).
  beast::get_lowest_layer(stream_).cancel();
}

void tls_session::on_first_bytes(beast::error_code ec, std::size_t n) {
  idle_wait_ = false;
  idle_timer_.cancel();
  if (ec) return on_read(ec, 0);
  buffer_.commit(n);
  read_request();
}

void tls_session::read_request() {
  // A request that came whole with its first bytes (nearly every one) is parsed here: through
  // http::async_read it cost a composed operation and a posted completion (bench/RESULTS.md).
  beast::error_code ec;
  if (parse_buffered(ec)) return on_read(ec, 0);
  // From the first byte to the last, a request gets request_timeout: a client that dribbles
  // its headers (slowloris) is cut off here.
  beast::get_lowest_layer(stream_).expires_after(g_.cfg.request_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&tls_session::on_read, shared_from_this()));
}

bool tls_session::parse_buffered(beast::error_code& ec) {
  parser_->eager(true);  // the body too, as http::async_read parses
  while (buffer_.size() > 0) {
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec || parser_->is_done()) return true;
    if (used == 0) return false;
  }
  return false;
}

void tls_session::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec == http::error::body_limit) return reply_error_and_close(http::status::payload_too_large, "body too large");
  if (ec == http::error::header_limit) return reply_error_and_close(http::status::request_header_fields_too_large, "headers too large");
  if (ec) {
    const bool protocol = ec.category() == http::make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
                          ec != http::error::partial_message;
    if (protocol) return reply_error_and_close(http::status::bad_request, "malformed HTTP request");
    // EOF, timeout, reset, cancel (shutdown): answer what is in flight, then close.
    closing_ = true;
    if (pending_.empty() && !writing_) do_close();
    return;
  }
  auto req = parser_->release();
  if (!req.keep_alive()) closing_ = true;
  handle(std::move(req));
  do_read();
}

std::shared_ptr<tls_session::slot> tls_session::push_slot(std::string_view route) {
  auto s = std::make_shared<slot>();
  s->route = route;
  s->started = std::chrono::steady_clock::now();
  pending_.push_back(s);
  return s;
}

void tls_session::finish(const std::shared_ptr<slot>& s, http::status status, std::string body, std::string_view content_type) {
  s->res.version(11);
  s->res.result(status);
  s->res.set(http::field::server, "rxgate");
  s->res.set(http::field::content_type, content_type);
  s->res.body() = std::move(body);
  s->ready = true;
  g_.stats.http_requests.inc({s->route, std::to_string(static_cast<unsigned>(status))});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s->started).count();
  if (s->route == "/ncpdp") g_.stats.request_ncpdp.observe(seconds);
  else if (s->route == "/v1/claims") g_.stats.request_json.observe(seconds);
  else if (s->route == "status_api") g_.stats.observe_status_request(s->api_route, seconds);
  do_write();
}

void tls_session::reply_error_and_close(http::status status, std::string_view why) {
  closing_ = true;
  auto s = push_slot("error");
  finish(s, status, json_error_body(why), "application/json");
}

void tls_session::do_write() {
  if (writing_ || pending_.empty() || !pending_.front()->ready) return;
  if (pending_.front()->stream) return streaming_ || closed_ ? void() : begin_stream();
  auto& res = pending_.front()->res;
  const bool last = closing_ && pending_.size() == 1 && !reading_;
  res.keep_alive(!last && !closing_);
  res.prepare_payload();
  writing_ = true;
  serialize_answer(res, out_);
  beast::get_lowest_layer(stream_).expires_after(g_.cfg.request_timeout);
  net::async_write(stream_, net::buffer(out_), beast::bind_front_handler(&tls_session::on_write, shared_from_this()));
}

// The answer's head and body in one buffer, written with one TLS record for most answers. Beast's
// serializer wrote the same bytes through four layers of composed operations (serializer,
// flat_stream, write_some, write) that cost the server more instructions than the bytes
// (bench/RESULTS.md).
void tls_session::serialize_answer(const http::response<http::string_body>& res, std::string& out) {
  out.clear();
  out += "HTTP/1.1 ";
  char code[8];
  const auto r = std::to_chars(code, code + sizeof code, res.result_int());
  out.append(code, r.ptr);
  out += ' ';
  out += res.reason();
  out += "\r\n";
  for (const auto& f : res) {
    out += f.name_string();
    out += ": ";
    out += f.value();
    out += "\r\n";
  }
  out += "\r\n";
  out += res.body();
}

void tls_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  pending_.pop_front();
  if (out_.capacity() > max_kept_answer_bytes) std::string().swap(out_);  // a dashboard asset or /metrics
  if (ec) {
    closing_ = true;
    pending_.clear();
    if (reading_) beast::get_lowest_layer(stream_).cancel();
    return;
  }
  if (!pending_.empty()) return do_write();
  if (closing_) {
    if (reading_) beast::get_lowest_layer(stream_).cancel();  // shutdown while a read waits
    else do_close();
    return;
  }
  if (idle_wait_) arm_idle_timer();  // the last answer owed is written: idle from now
  do_read();
}

void tls_session::do_close() {
  if (closed_) return;
  closed_ = true;
  beast::get_lowest_layer(stream_).expires_after(2s);
  stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
    beast::error_code ignored;
    beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(self->stream_).close();
  });
}

}  // namespace rxgate::server
