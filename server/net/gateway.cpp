// Beast HTTP/1.1 over TLS: accept, handshake, read (pipelined), route, answer in order.
// Session shape after Beast's advanced_server_flex example (boost 1.81): do_/on_ pairs on a
// strand per connection, a timeout before every operation, a bounded queue of responses.
#include "server/net/gateway.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "codec/decode.h"
#include "codec/json.h"
#include "rules/plan.h"
#include "server/pipeline/batcher.h"
#include "server/console/dashboard.h"
#include "server/core/log.h"
#include "server/status/status_api.h"
#include "sql/access.h"
#include "sql/reader.h"
#include "sql/store.h"

namespace rxgate::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

class session;

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// The peer certificate's names, as identities are matched against them.
struct peer_names {
  bool present = false;
  std::string subject;  // RFC 2253
  std::string common_name;
  std::vector<std::string> alt_names;
};

peer_names read_peer(SSL* ssl) {
  peer_names p;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return p;
  p.present = true;
  if (X509_NAME* name = X509_get_subject_name(cert)) {
    if (BIO* bio = BIO_new(BIO_s_mem())) {
      X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
      char* data = nullptr;
      const long n = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
      if (n > 0 && data) p.subject.assign(data, static_cast<std::size_t>(n));
      BIO_free(bio);
    }
    char cn[256];
    const int n = X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof cn);
    if (n > 0) p.common_name.assign(cn, static_cast<std::size_t>(n));
  }
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
      const ASN1_STRING* s = nullptr;
      if (gn->type == GEN_DNS) s = gn->d.dNSName;
      else if (gn->type == GEN_URI) s = gn->d.uniformResourceIdentifier;
      else if (gn->type == GEN_EMAIL) s = gn->d.rfc822Name;
      if (s)
        p.alt_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(names);
  }
  X509_free(cert);
  return p;
}

}  // namespace

struct gateway::impl {
  config cfg;
  gateway::options opts;
  metrics stats;
  // Before the io context: a session whose last handler dies with the context (shutdown after
  // the grace period) still unregisters itself here.
  std::atomic<bool> stopping{false};
  std::mutex sessions_mutex;
  std::unordered_map<session*, std::weak_ptr<session>> sessions;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::optional<net::signal_set> signals;
  net::steady_timer drain_timer{ioc};
  std::chrono::steady_clock::time_point drain_deadline{};

  std::atomic<std::shared_ptr<const rules::plan_set>> plans;
  std::mutex reload_mutex;
  std::vector<std::unique_ptr<store::claim_store>> stores;  // one writer connection per batch worker
  std::unique_ptr<batcher> claims;
  // The technician status API blocks on PostgreSQL: it runs on its own small pool.
  std::unique_ptr<status_api> api;
  net::thread_pool api_pool{2};
  // The operators' dashboard: a sampler thread over `stats`, SSE subscribers (server/dashboard.h).
  std::unique_ptr<dashboard> dash;
  std::vector<std::string> no_providers;

  impl(config c, gateway::options o);
  void setup_tls();
  void listen();
  void do_accept();
  void on_signal(const boost::system::error_code& ec, int signo);
  void begin_stop();
  void check_drained();
  bool reload(std::string& why);
  provider_scope scope_for(const peer_names& peer) const;
};

namespace {

// One client connection.
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, gateway::impl& g) : stream_(std::move(socket), g.tls), g_(g) {}

  ~session() {
    if (sse_id_) g_.dash->unsubscribe(sse_id_);
    g_.stats.connections_open.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(g_.sessions_mutex);
    g_.sessions.erase(this);
  }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_handshake(); });
  }

  // Shutdown: stop reading, answer what is in flight, close.
  void drain() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->streaming_) return self->end_stream();
      self->closing_ = true;
      if (!self->writing_ && self->reading_) beast::get_lowest_layer(self->stream_).cancel();
      else if (!self->reading_ && !self->writing_ && self->pending_.empty()) self->do_close();
    });
  }

 private:
  struct slot {
    http::response<http::string_body> res;
    bool ready = false;
    std::string_view route;
    std::chrono::steady_clock::time_point started;
    std::unique_ptr<net::steady_timer> budget;
    bool stream = false;  // an event stream: the connection's last answer, it never completes
  };

  void do_handshake() {
    beast::get_lowest_layer(stream_).expires_after(g_.cfg.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&session::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      g_.stats.tls_handshakes.inc({"failed"});
      log::debug("tls_handshake_failed").str("error", ec.message());
      return;  // the socket closes with the session
    }
    g_.stats.tls_handshakes.inc({SSL_session_reused(stream_.native_handle()) ? "resumed" : "full"});
    peer_ = read_peer(stream_.native_handle());
    scope_ = g_.scope_for(peer_);
    if (g_.stopping.load()) closing_ = true;
    do_read();
  }

  void do_read() {
    if (closing_ || reading_ || pending_.size() >= g_.cfg.max_pipelined) return;
    reading_ = true;
    parser_.emplace();
    parser_->body_limit(g_.cfg.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(g_.cfg.max_header_bytes));
    if (buffer_.size() == 0) {
      // Keep-alive wait for the first byte of the next request.
      beast::get_lowest_layer(stream_).expires_after(g_.cfg.idle_timeout);
      stream_.async_read_some(buffer_.prepare(4096),
                              beast::bind_front_handler(&session::on_first_bytes, shared_from_this()));
    } else {
      read_request();
    }
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (ec) return on_read(ec, 0);
    buffer_.commit(n);
    read_request();
  }

  void read_request() {
    // From the first byte to the last, a request gets request_timeout: a client that dribbles
    // its headers (slowloris) is cut off here.
    beast::get_lowest_layer(stream_).expires_after(g_.cfg.request_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
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

  std::shared_ptr<slot> push_slot(std::string_view route) {
    auto s = std::make_shared<slot>();
    s->route = route;
    s->started = std::chrono::steady_clock::now();
    pending_.push_back(s);
    return s;
  }

  void finish(const std::shared_ptr<slot>& s, http::status status, std::string body, std::string_view content_type) {
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
    do_write();
  }

  void reply_error_and_close(http::status status, std::string_view why) {
    closing_ = true;
    auto s = push_slot("error");
    finish(s, status, "{\"error\":\"" + std::string(why) + "\"}\n", "application/json");
  }

  void handle(http::request<http::string_body>&& req) {
    const std::string_view target{req.target().data(), req.target().size()};
    const auto path = target.substr(0, target.find('?'));
    const auto method = req.method();
    if (status_api::is_status_route({req.method_string().data(), req.method_string().size()}, target))
      return status_request(push_slot("status_api"), std::move(req));
    if (path == "/ncpdp" || path == "/v1/claims") {
      auto s = push_slot(path == "/ncpdp" ? "/ncpdp" : "/v1/claims");
      if (method != http::verb::post) return finish(s, http::status::method_not_allowed, "{\"error\":\"use POST\"}\n", "application/json");
      return submit_claim(s, std::move(req.body()), path == "/v1/claims");
    }
    if (path == "/healthz") {
      auto s = push_slot("/healthz");
      return finish(s, http::status::ok, "{\"status\":\"ok\"}\n", "application/json");
    }
    if (path == "/readyz") return readiness(push_slot("/readyz"));
    if (path == "/metrics") {
      auto s = push_slot("/metrics");
      return finish(s, http::status::ok, g_.stats.render(), "text/plain; version=0.0.4");
    }
    if (path == "/v1/admin/plans/reload") {
      auto s = push_slot("/v1/admin/plans/reload");
      if (method != http::verb::post) return finish(s, http::status::method_not_allowed, "{\"error\":\"use POST\"}\n", "application/json");
      if (!admin_allowed(req)) return finish(s, http::status::forbidden, "{\"error\":\"admin access denied\"}\n", "application/json");
      return reload(s);
    }
    if (path == "/v1/dashboard/stream" || path == "/v1/dashboard/history")
      return dashboard_request(push_slot(path == "/v1/dashboard/stream" ? "/v1/dashboard/stream" : "/v1/dashboard/history"),
                               std::move(req), path == "/v1/dashboard/stream");
    if (const web_asset* asset = method == http::verb::get ? find_web_asset(path) : nullptr) {
      auto s = push_slot("web");
      for (auto& [name, value] : web_asset_headers(*asset)) s->res.set(name, value);
      return finish(s, http::status::ok, std::string(asset->body), asset->content_type);
    }
    auto s = push_slot("other");
    finish(s, http::status::not_found, "{\"error\":\"no such route\"}\n", "application/json");
  }

  // The dashboard's API: the token check blocks on PostgreSQL, so it runs on the API pool.
  void dashboard_request(const std::shared_ptr<slot>& s, http::request<http::string_body>&& req, bool stream) {
    if (req.method() != http::verb::get)
      return finish(s, http::status::method_not_allowed, "{\"error\":\"use GET\"}\n", "application/json");
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
  // connection's strand. A reader that falls a minute behind is cut off rather than buffered.
  void begin_stream() {
    if (g_.stopping.load()) return do_close();  // drain() ran before the stream began
    streaming_ = true;
    // Between two events nothing is pending on the connection: this reference keeps the session
    // alive until end_stream() lets go of it.
    stream_owner_ = shared_from_this();
    // The read started after the stream's request (pipelining) is of no use now, and a read left
    // pending would hold the connection open on its idle timer after the stream ends.
    if (reading_) beast::get_lowest_layer(stream_).cancel();
    g_.stats.http_requests.inc({"/v1/dashboard/stream", "200"});
    sse_out_.push_back(std::make_shared<const std::string>(
        "HTTP/1.1 200 OK\r\nServer: rxgate\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"));
    std::weak_ptr<session> weak = shared_from_this();
    auto executor = stream_.get_executor();
    sse_id_ = g_.dash->subscribe([weak, executor](std::shared_ptr<const std::string> frame) {
      net::post(executor, [weak, frame = std::move(frame)]() mutable {
        if (auto self = weak.lock()) self->queue_event(std::move(frame));
      });
    });
    write_event();
  }

  void queue_event(std::shared_ptr<const std::string> frame) {
    if (!streaming_) return;
    if (sse_out_.size() >= 60) return end_stream();
    sse_out_.push_back(std::move(frame));
    write_event();
  }

  void write_event() {
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
  void end_stream() {
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

  void status_request(const std::shared_ptr<slot>& s, http::request<http::string_body>&& req) {
    // Owned copies: the request object goes away when this returns.
    struct owned {
      std::string method, target, body, authorization, remote;
    };
    auto o = std::make_shared<owned>();
    o->method = std::string(req.method_string());
    o->target = std::string(req.target());
    o->body = std::move(req.body());
    if (auto it = req.find(http::field::authorization); it != req.end()) o->authorization = std::string(it->value());
    beast::error_code ec;
    auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) o->remote = peer.address().to_string();
    // Completions hold the session (not a weak reference): after a "Connection: close" request
    // nothing else keeps it alive, and the answer must still be written.
    auto executor = stream_.get_executor();
    net::post(g_.api_pool, [self = shared_from_this(), s, o, executor, api = g_.api.get()]() mutable {
      auto reply = api->handle({o->method, o->target, o->body, o->authorization, o->remote});
      if (!reply) reply = api_reply{404, "application/json", "{\"error\":\"no such route\"}\n", {}};
      net::post(executor, [self = std::move(self), s, reply = std::move(*reply)]() mutable {
        for (auto& [name, value] : reply.headers) s->res.set(name, value);
        self->finish(s, static_cast<http::status>(reply.status), std::move(reply.body), reply.content_type);
      });
    });
  }

  bool admin_allowed(const http::request<http::string_body>& req) const {
    if (!g_.cfg.admin_token.empty()) {
      auto it = req.find(http::field::authorization);
      return it != req.end() && it->value() == "Bearer " + g_.cfg.admin_token;
    }
    beast::error_code ec;
    auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    return !ec && peer.address().is_loopback();
  }

  void submit_claim(const std::shared_ptr<slot>& s, std::string body, bool json) {
    auto t = std::make_shared<transmission>();
    t->received = s->started;
    if (json) {
      t->source = "json";
      auto err = codec::from_json(body, t->request);
      if (err) {
        return finish(s, http::status::bad_request,
                      "{\"error\":\"" + json_escape(err.message) + "\",\"offset\":" + std::to_string(err.offset) + "}\n",
                      "application/json");
      }
    } else {
      t->request = std::move(body);
    }
    prepare(*t, scope_);
    if (t->identity_rejects) g_.stats.identity_rejects.inc({scope_.identity}, t->identity_rejects);

    std::weak_ptr<session> weak = shared_from_this();
    auto executor = stream_.get_executor();
    // The completion holds the session until the claim is answered (see status_request).
    t->done = [self = shared_from_this(), s, executor, json](std::shared_ptr<transmission> done) {
      net::post(executor, [self, s, done = std::move(done), json] { self->claim_answered(s, *done, json); });
    };
    switch (g_.claims->submit(t)) {
      case batcher::submit_result::queued:
        break;
      case batcher::submit_result::full:
      case batcher::submit_result::stopped:
        // Bounded queue: a fast 92 beats a growing backlog.
        g_.stats.host_rejects.inc({"92", "queue_full"}, std::max<std::uint8_t>(1, t->validation.claim_count));
        g_.stats.rejects.inc({"92"}, std::max<std::uint8_t>(1, t->validation.claim_count));
        build_host_reject(*t, "92");
        return claim_answered(s, *t, json);
    }
    // The claim budget: still queued after it (database stuck, backlog) -> 92 now; once the
    // worker took it, the store's statement timeout bounds the wait instead.
    s->budget = std::make_unique<net::steady_timer>(stream_.get_executor(), g_.cfg.claim_budget);
    s->budget->async_wait([weak, s, t, json](beast::error_code ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || !t->try_expire()) return;
      self->g_.stats.host_rejects.inc({"92", "budget"}, std::max<std::uint8_t>(1, t->validation.claim_count));
      self->g_.stats.rejects.inc({"92"}, std::max<std::uint8_t>(1, t->validation.claim_count));
      build_host_reject(*t, "92");
      self->claim_answered(s, *t, json);
    });
  }

  void claim_answered(const std::shared_ptr<slot>& s, transmission& t, bool json) {
    if (s->ready) return;
    if (s->budget) s->budget->cancel();
    if (!json) return finish(s, http::status::ok, std::move(t.response), "application/octet-stream");
    auto decoded = std::make_unique<codec::message>();
    std::string out;
    if (auto err = codec::decode(t.response, *decoded)) {
      return finish(s, http::status::ok, "{\"error\":\"internal: response not decodable\"}\n", "application/json");
    }
    codec::response_to_json(*decoded, out);
    out += '\n';
    finish(s, http::status::ok, std::move(out), "application/json");
  }

  void readiness(const std::shared_ptr<slot>& s) {
    const auto plans = g_.plans.load();
    auto t = std::make_shared<transmission>();
    t->probe = true;
    std::weak_ptr<session> weak = shared_from_this();
    auto executor = stream_.get_executor();
    const bool loaded = plans != nullptr;
    t->done = [self = shared_from_this(), s, executor, loaded](std::shared_ptr<transmission> done) {
      net::post(executor, [self, s, done, loaded] {
        if (s->ready) return;
        if (s->budget) s->budget->cancel();
        const bool ok = done->probe_ok && loaded;
        std::string body = std::string("{\"ready\":") + (ok ? "true" : "false") +
                           ",\"database\":" + (done->probe_ok ? "\"ok\"" : "\"unreachable\"") +
                           ",\"plans\":" + (loaded ? "\"loaded\"" : "\"missing\"") + "}\n";
        self->finish(s, ok ? http::status::ok : http::status::service_unavailable, std::move(body), "application/json");
      });
    };
    if (g_.claims->submit(t) != batcher::submit_result::queued)
      return finish(s, http::status::service_unavailable, "{\"ready\":false,\"database\":\"queue full\"}\n", "application/json");
    s->budget = std::make_unique<net::steady_timer>(stream_.get_executor(), g_.cfg.claim_budget);
    s->budget->async_wait([weak, s, t](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !t->try_expire()) return;
      self->finish(s, http::status::service_unavailable, "{\"ready\":false,\"database\":\"no answer within the claim budget\"}\n", "application/json");
    });
  }

  void reload(const std::shared_ptr<slot>& s) {
    auto executor = stream_.get_executor();
    // Loading plans may take seconds: off the io threads.
    std::thread([self = shared_from_this(), s, executor, &g = g_]() mutable {
      std::string why;
      const bool ok = g.reload(why);
      net::post(executor, [self = std::move(self), s, ok, why = std::move(why)] {
        {
          std::string body = ok ? "{\"reloaded\":true,\"plans\":\"" + json_escape(why) + "\"}\n"
                                : "{\"reloaded\":false,\"error\":\"" + json_escape(why) + "\"}\n";
          self->finish(s, ok ? http::status::ok : http::status::unprocessable_entity, std::move(body), "application/json");
        }
      });
    }).detach();
  }

  void do_write() {
    if (writing_ || pending_.empty() || !pending_.front()->ready) return;
    if (pending_.front()->stream) return streaming_ || closed_ ? void() : begin_stream();
    auto& res = pending_.front()->res;
    const bool last = closing_ && pending_.size() == 1 && !reading_;
    res.keep_alive(!last && !closing_);
    res.prepare_payload();
    writing_ = true;
    beast::get_lowest_layer(stream_).expires_after(g_.cfg.request_timeout);
    http::async_write(stream_, res, beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    pending_.pop_front();
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
    do_read();
  }

  void do_close() {
    if (closed_) return;
    closed_ = true;
    beast::get_lowest_layer(stream_).expires_after(2s);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->stream_).close();
    });
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  gateway::impl& g_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::shared_ptr<slot>> pending_;
  peer_names peer_;
  provider_scope scope_;
  bool reading_ = false, writing_ = false, closing_ = false, closed_ = false;
  bool streaming_ = false;
  std::uint64_t sse_id_ = 0;
  std::deque<std::shared_ptr<const std::string>> sse_out_;
  std::shared_ptr<session> stream_owner_;
};

}  // namespace

gateway::impl::impl(config c, gateway::options o) : cfg(std::move(c)), opts(o) {
  log::init(cfg.log_level);
  std::string why;
  try {
    plans.store(rules::load_plans(cfg.plans_dir));
  } catch (const std::exception& e) {
    throw config_error("plans.dir: " + cfg.plans_dir.string() + ": plans failed to load:\n" + e.what());
  }
  setup_tls();

  store::store_options so;
  so.dsn = cfg.dsn;
  so.statement_timeout = cfg.statement_timeout;
  so.reconnect_min = cfg.reconnect_min;
  so.reconnect_max = cfg.reconnect_max;
  std::vector<store::claim_store*> writers;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, cfg.batch_workers); ++i) {
    stores.push_back(store::open_store(so));
    writers.push_back(stores.back().get());
  }
  claims = std::make_unique<batcher>(batcher_options{cfg.max_batch, cfg.max_queue, cfg.node_id}, std::move(writers),
                                     [this] { return plans.load(); }, stats);
  store::access_options ao;
  ao.dsn = cfg.dsn;
  ao.statement_timeout = cfg.statement_timeout;
  auto access = std::shared_ptr<store::access_store>(store::open_access_store(ao));
  api = std::make_unique<status_api>(std::shared_ptr<store::claim_reader>(store::open_reader(so)), access,
                                     [this] { return plans.load(); });
  dash = std::make_unique<dashboard>(stats, access);
  stats.queue_depth = [this] { return claims->depth(); };
  stats.plans_loaded = [this] { return plans.load() != nullptr; };
  listen();
  if (opts.handle_signals) {
    signals.emplace(ioc, SIGTERM, SIGINT, SIGHUP);
    signals->async_wait([this](const boost::system::error_code& ec, int signo) { on_signal(ec, signo); });
  }
}

void gateway::impl::setup_tls() {
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  // TLS 1.2: forward-secret AEAD suites only; TLS 1.3 suites are all modern.
  SSL_CTX_set_cipher_list(ctx,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  // Resumption: a server-side session cache for TLS 1.2 and tickets (OpenSSL's default) for 1.3.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  static const unsigned char sid_context[] = "rxgate";
  SSL_CTX_set_session_id_context(ctx, sid_context, sizeof sid_context - 1);

  beast::error_code ec;
  tls.use_certificate_chain_file(cfg.tls_cert.string(), ec);
  if (ec) throw config_error("tls.cert: " + cfg.tls_cert.string() + ": " + ec.message());
  tls.use_private_key_file(cfg.tls_key.string(), ssl::context::pem, ec);
  if (ec) throw config_error("tls.key: " + cfg.tls_key.string() + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx) != 1) throw config_error("tls.key: does not match tls.cert");
  if (cfg.client_certificates != client_auth::off) {
    tls.load_verify_file(cfg.tls_ca.string(), ec);
    if (ec) throw config_error("tls.ca: " + cfg.tls_ca.string() + ": " + ec.message());
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(cfg.tls_ca.string().c_str()))
      SSL_CTX_set_client_CA_list(ctx, names);
    auto mode = ssl::verify_peer;
    if (cfg.client_certificates == client_auth::required) mode |= ssl::verify_fail_if_no_peer_cert;
    tls.set_verify_mode(mode);
  } else {
    tls.set_verify_mode(ssl::verify_none);
  }
}

void gateway::impl::listen() {
  beast::error_code ec;
  auto address = net::ip::make_address(cfg.listen_host, ec);
  if (ec) throw config_error("server.listen: not an IP address: " + cfg.listen_host);
  tcp::endpoint ep{address, cfg.listen_port};
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw config_error("server.listen: cannot listen on " + cfg.listen_host + ":" + std::to_string(cfg.listen_port) +
                       ": " + ec.message());
}

void gateway::impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open()) return;
      log::warn("accept_failed").str("error", ec.message());
      return do_accept();
    }
    if (static_cast<std::size_t>(stats.connections_open.load()) >= cfg.max_connections) {
      stats.connections_refused.fetch_add(1, std::memory_order_relaxed);
      beast::error_code ignored;
      socket.close(ignored);
      return do_accept();
    }
    socket.set_option(tcp::no_delay(true), ec);
    stats.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    stats.connections_open.fetch_add(1, std::memory_order_relaxed);
    auto s = std::make_shared<session>(std::move(socket), *this);
    {
      std::lock_guard lock(sessions_mutex);
      sessions.emplace(s.get(), s);
    }
    s->run();
    do_accept();
  });
}

void gateway::impl::on_signal(const boost::system::error_code& ec, int signo) {
  if (ec) return;
  if (signo == SIGHUP) {
    std::thread([this] {
      std::string why;
      reload(why);
    }).detach();
    signals->async_wait([this](const boost::system::error_code& e, int s) { on_signal(e, s); });
    return;
  }
  log::info("shutdown").str("signal", signo == SIGTERM ? "SIGTERM" : "SIGINT");
  begin_stop();
}

void gateway::impl::begin_stop() {
  if (stopping.exchange(true)) return;
  net::dispatch(ioc, [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
    std::vector<std::shared_ptr<session>> live;
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& [p, w] : sessions)
        if (auto s = w.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->drain();
    drain_deadline = std::chrono::steady_clock::now() + cfg.shutdown_grace;
    check_drained();
  });
}

// Shutdown only: wait for connections to finish their in-flight claims (they hold the io
// context busy) and then let run() return.
void gateway::impl::check_drained() {
  const bool idle = stats.connections_open.load() == 0 && claims->depth() == 0;
  if (idle || std::chrono::steady_clock::now() >= drain_deadline) {
    if (!idle) log::warn("shutdown_grace_expired").num("connections", stats.connections_open.load());
    if (signals) {
      beast::error_code ignored;
      signals->cancel(ignored);
    }
    if (!idle) ioc.stop();
    return;
  }
  drain_timer.expires_after(20ms);
  drain_timer.async_wait([this](beast::error_code ec) {
    if (!ec) check_drained();
  });
}

bool gateway::impl::reload(std::string& why) {
  std::lock_guard lock(reload_mutex);
  try {
    auto fresh = rules::load_plans(cfg.plans_dir);
    why = rules::describe(*fresh);
    plans.store(std::move(fresh));
    stats.plan_reloads.inc({"ok"});
    log::info("plans_reloaded").str("plans", why);
    return true;
  } catch (const std::exception& e) {
    why = e.what();
    stats.plan_reloads.inc({"failed"});
    log::error("plans_reload_failed").str("error", why);
    return false;
  }
}

provider_scope gateway::impl::scope_for(const peer_names& peer) const {
  provider_scope scope;
  if (!peer.present || cfg.identities.empty()) {
    scope.identity = peer.present ? "unmapped" : "none";
    return scope;  // unrestricted
  }
  for (const auto& id : cfg.identities) {
    bool match = false;
    if (!id.subject.empty()) match = id.subject == peer.subject || id.subject == peer.common_name;
    if (!match && !id.san.empty())
      match = std::find(peer.alt_names.begin(), peer.alt_names.end(), id.san) != peer.alt_names.end();
    if (match) {
      scope.identity = id.name;
      scope.providers = &id.providers;
      return scope;
    }
  }
  // A verified certificate that names no configured pharmacy may bill for nobody.
  scope.identity = "unknown";
  scope.providers = &no_providers;
  return scope;
}

gateway::gateway(config cfg, options opts) : impl_(std::make_unique<impl>(std::move(cfg), opts)) {}

gateway::~gateway() {
  if (impl_) {
    impl_->claims->stop();
  }
}

std::uint16_t gateway::port() const noexcept {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void gateway::run() {
  auto& g = *impl_;
  g.do_accept();
  log::info("listening")
      .str("host", g.cfg.listen_host)
      .num("port", static_cast<std::int64_t>(port()))
      .num("io_threads", static_cast<std::int64_t>(g.cfg.io_threads))
      .str("plans", rules::describe(*g.plans.load()));
  std::vector<std::thread> threads;
  g.dash->start();
  for (unsigned i = 1; i < g.cfg.io_threads; ++i) threads.emplace_back([&g] { g.ioc.run(); });
  g.ioc.run();
  for (auto& t : threads) t.join();
  g.dash->stop();
  g.claims->stop();
  g.api_pool.join();
  log::info("stopped").num("connections_accepted", static_cast<std::int64_t>(g.stats.connections_accepted.load()));
  log::flush();
}

void gateway::stop() { impl_->begin_stop(); }

bool gateway::reload_plans(std::string& why) { return impl_->reload(why); }

const metrics& gateway::stats() const noexcept { return impl_->stats; }

}  // namespace rxgate::server
