// The dashboard's API on a connection: its history as JSON, and its live event stream
// (Server-Sent Events) written frame by frame on the connection's io thread.
#include "server/net/session.h"

namespace rxgate::server {

// The dashboard's API: the token check blocks on PostgreSQL, so it runs on the API pool.
void tls_session::dashboard_request(const std::shared_ptr<slot>& s, http::request<http::string_body>&& req, bool stream) {
  if (req.method() != http::verb::get)
    return finish(s, http::status::method_not_allowed, json_error_body("use GET"), "application/json");
  std::string authorization;
  if (auto it = req.find(http::field::authorization); it != req.end()) authorization = std::string(it->value());
  // A strong reference while the token is checked: after a "Connection: close" request nothing
  // else is pending on the connection, and the answer must still be written.
  auto executor = stream_.get_executor();
  net::post(g_.api_pool, [self = shared_from_this(), s, executor, stream, authorization = std::move(authorization),
                          dash = g_.dash.get()]() mutable {
    auto reply = dash->authorize(authorization);
    if (reply.status == 200 && !stream) reply.body = dash->history_json();
    net::post(executor, [self = std::move(self), s, stream, reply = std::move(reply)]() mutable {
      for (auto& [name, value] : reply.headers) s->res.set(name, value);
      if (reply.status == 200 && stream) {
        s->stream = true;
        s->ready = true;
        self->closing_ = true;  // nothing is read after an event stream
        return self->do_write();
      }
      self->finish(s, static_cast<http::status>(reply.status), std::move(reply.body), reply.content_type);
    });
  });
}

// Server-Sent Events: the header, then the dashboard's frames as they come, each written on this
// connection's io context. A reader that falls a minute behind is cut off rather than buffered.
void tls_session::begin_stream() {
  if (g_.stopping.load()) return do_close();  // drain() ran before the stream began
  streaming_ = true;
  // Between two events nothing is pending on the connection: this reference keeps the session
  // alive until end_stream() lets go of it.
  stream_owner_ = shared_from_this();
  // The read started after the stream's request (pipelining) is of no use now, and a read left
  // pending would never end: the stream's slot stays owed, so its idle timer is never armed.
  if (reading_) beast::get_lowest_layer(stream_).cancel();
  g_.stats.http_requests.inc({"/v1/dashboard/stream", "200"});
  sse_out_.push_back(std::make_shared<const std::string>(
      "HTTP/1.1 200 OK\r\nServer: rxgate\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
      "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"));
  std::weak_ptr<tls_session> weak = shared_from_this();
  auto executor = stream_.get_executor();
  sse_id_ = g_.dash->subscribe([weak, executor](std::shared_ptr<const std::string> frame) {
    net::post(executor, [weak, frame = std::move(frame)]() mutable {
      if (auto self = weak.lock()) self->queue_event(std::move(frame));
    });
  });
  write_event();
}

void tls_session::queue_event(std::shared_ptr<const std::string> frame) {
  if (!streaming_) return;
  if (sse_out_.size() >= 60) return end_stream();
  sse_out_.push_back(std::move(frame));
  write_event();
}

void tls_session::write_event() {
  if (writing_ || sse_out_.empty() || closed_) return;
  writing_ = true;
  beast::get_lowest_layer(stream_).expires_after(g_.cfg.request_timeout);
  net::async_write(stream_, net::buffer(*sse_out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    self->sse_out_.pop_front();
    if (ec) {
      self->sse_out_.clear();
      self->end_stream();
      return self->do_close();
    }
    if (!self->streaming_ && self->sse_out_.empty()) return self->do_close();
    self->write_event();
  });
}

// Client gone, too slow, or the gateway stopping: stop subscribing, finish the frame being
// written, close (TLS close_notify: the client sees a clean end of the stream).
void tls_session::end_stream() {
  if (!streaming_) return;
  streaming_ = false;
  if (sse_id_) g_.dash->unsubscribe(sse_id_);
  sse_id_ = 0;
  auto self = std::move(stream_owner_);  // released when this returns, after the close began
  if (writing_) {
    while (sse_out_.size() > 1) sse_out_.pop_back();
  } else {
    sse_out_.clear();
    do_close();
  }
}

}  // namespace rxgate::server
