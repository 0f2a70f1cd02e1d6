// The gateway's routes: what each request is answered with. Claims go to the batcher, the
// status API and token checks to the API pool, plan reloads to the reload thread; every
// completion is posted back to the connection's io context.
#include "server/net/session.h"

#include "codec/decode.h"
#include "codec/json.h"
#include "codec/json_writer.h"

namespace rxgate::server {

void tls_session::handle(http::request<http::string_body>&& req) {
  const std::string_view target{req.target().data(), req.target().size()};
  const auto path = target.substr(0, target.find('?'));
  const auto method = req.method();
  if (status_api::is_status_route({req.method_string().data(), req.method_string().size()}, target))
    return status_request(push_slot("status_api"), std::move(req));
  if (path == "/ncpdp" || path == "/v1/claims") {
    auto s = push_slot(path == "/ncpdp" ? "/ncpdp" : "/v1/claims");
    if (method != http::verb::post) return finish(s, http::status::method_not_allowed, json_error_body("use POST"), "application/json");
    return submit_claim(s, std::move(req.body()), path == "/v1/claims");
  }
  if (path == "/healthz") {
    auto s = push_slot("/healthz");
    return finish(s, http::status::ok, "{\"status\":\"ok\"}\n", "application/json");
  }
  if (path == "/readyz") return readiness(push_slot("/readyz"));
  if (path == "/metrics") {
    // Claim counts by BIN/PCN and reject code are operator data ([metrics] access, config.h).
    auto s = push_slot("/metrics");
    beast::error_code ec;
    const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (g_.cfg.metrics == config::metrics_access::open ||
        (g_.cfg.metrics == config::metrics_access::loopback && !ec && peer.address().is_loopback()))
      return finish(s, http::status::ok, g_.stats.render(), "text/plain; version=0.0.4");
    std::string authorization;
    if (auto it = req.find(http::field::authorization); it != req.end()) authorization = std::string(it->value());
    auto executor = stream_.get_executor();
    // The token check blocks on PostgreSQL: on the API pool, like the status API.
    return net::post(g_.api_pool, [self = shared_from_this(), s, executor, api = g_.api.get(),
                                   authorization = std::move(authorization)]() mutable {
      auto refused = api->refuse_unless_operator(authorization);
      net::post(executor, [self = std::move(self), s, refused = std::move(refused)]() mutable {
        if (!refused) return self->finish(s, http::status::ok, self->g_.stats.render(), "text/plain; version=0.0.4");
        for (auto& [name, value] : refused->headers) s->res.set(name, value);
        self->finish(s, static_cast<http::status>(refused->status), std::move(refused->body), refused->content_type);
      });
    });
  }
  if (path == "/v1/admin/plans/reload") {
    auto s = push_slot("/v1/admin/plans/reload");
    if (method != http::verb::post) return finish(s, http::status::method_not_allowed, json_error_body("use POST"), "application/json");
    if (!admin_allowed(req)) return finish(s, http::status::forbidden, json_error_body("admin access denied"), "application/json");
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
  finish(s, http::status::not_found, json_error_body("no such route"), "application/json");
}



void tls_session::status_request(const std::shared_ptr<slot>& s, http::request<http::string_body>&& req) {
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
    if (!reply) reply = api_reply{404, "application/json", json_error_body("no such route"), {}};
    net::post(executor, [self = std::move(self), s, reply = std::move(*reply)]() mutable {
      s->api_route = reply.route;
      for (auto& [name, value] : reply.headers) s->res.set(name, value);
      self->finish(s, static_cast<http::status>(reply.status), std::move(reply.body), reply.content_type);
    });
  });
}

bool tls_session::admin_allowed(const http::request<http::string_body>& req) const {
  if (!g_.cfg.admin_token.empty()) {
    auto it = req.find(http::field::authorization);
    return it != req.end() && it->value() == "Bearer " + g_.cfg.admin_token;
  }
  beast::error_code ec;
  auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  return !ec && peer.address().is_loopback();
}

void tls_session::submit_claim(const std::shared_ptr<slot>& s, std::string body, bool json) {
  auto t = g_.transmissions.acquire();
  t->received = s->started;
  if (json) {
    t->source = "json";
    auto err = codec::from_json(body, t->request);
    if (err) {
      std::string answer;
      codec::json_writer(answer).begin_object().field("error", err.message)
          .field("offset", static_cast<std::int64_t>(err.offset)).end_object();
      answer += '\n';
      return finish(s, http::status::bad_request, std::move(answer), "application/json");
    }
  } else {
    t->request = std::move(body);
  }
  prepare(*t, scope_);
  if (t->identity_rejects) g_.stats.identity_rejects.inc({scope_.identity}, t->identity_rejects);

  // The completion holds the session until the claim is answered (see status_request); the
  // slot is found again by its tag, so `done` captures nothing and allocates nothing.
  s->tag = ++next_claim_tag_;
  s->json = json;
  t->owner = shared_from_this();
  t->owner_tag = s->tag;
  t->done = &tls_session::claim_done;
  switch (g_.claims->submit(t)) {
    case batcher::submit_result::queued:
      break;
    case batcher::submit_result::full:
    case batcher::submit_result::stopped:
      // Bounded queue: a fast 92 beats a growing backlog.
      t->owner.reset();
      g_.stats.host_rejects.inc({"92", "queue_full"}, std::max<std::uint8_t>(1, t->validation.claim_count));
      g_.stats.rejects.inc({"92"}, std::max<std::uint8_t>(1, t->validation.claim_count));
      build_host_reject(*t, "92");
      return claim_answered(s, *t, json);
  }
  // The claim budget: still queued after it (database stuck, backlog) -> 92; once the worker
  // took it, the store's statement timeout bounds the wait instead.
  s->claim = std::move(t);
  arm_claim_timer();
}

void tls_session::claim_done(std::shared_ptr<transmission> t) {
  auto self = std::static_pointer_cast<tls_session>(std::move(t->owner));
  auto executor = self->stream_.get_executor();
  net::post(executor, [self = std::move(self), t = std::move(t)] { self->claim_returned(*t); });
}

void tls_session::claim_returned(transmission& t) {
  for (const auto& s : pending_)
    if (s->tag == t.owner_tag && s->claim) return claim_answered(s, t, s->json);
  // Not pending any more: the connection failed and dropped its answers.
}

void tls_session::arm_claim_timer() {
  if (claim_timer_armed_) return;
  // Slots are in arrival order and every claim has the same budget: the first claim still
  // queued has the earliest deadline.
  for (const auto& s : pending_) {
    if (!s->claim || s->claim->status.load() != transmission::state::queued) continue;
    claim_timer_armed_ = true;
    claim_timer_.expires_at(s->started + g_.cfg.claim_budget);
    claim_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock()) {
        self->claim_timer_armed_ = false;
        if (!ec) self->on_claim_timer();
      }
    });
    return;
  }
}

void tls_session::on_claim_timer() {
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const auto s = pending_[i];
    if (!s->claim || s->started + g_.cfg.claim_budget > now) continue;
    auto& t = *s->claim;
    if (!t.try_expire()) continue;  // a worker has it: its answer comes through claim_done
    g_.stats.host_rejects.inc({"92", "budget"}, std::max<std::uint8_t>(1, t.validation.claim_count));
    g_.stats.rejects.inc({"92"}, std::max<std::uint8_t>(1, t.validation.claim_count));
    build_host_reject(t, "92");
    claim_answered(s, t, s->json);
  }
  arm_claim_timer();
}

void tls_session::claim_answered(const std::shared_ptr<slot>& s, transmission& t, bool json) {
  if (s->ready) return;
  if (s->budget) s->budget->cancel();
  const auto keep = std::move(s->claim);  // `t` may be it: alive until this returns
  if (t.batch_ended != std::chrono::steady_clock::time_point{})
    g_.stats.wait_answer.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t.batch_ended).count());
  if (!json) return finish(s, http::status::ok, std::move(t.response), "application/octet-stream");
  auto decoded = std::make_unique<codec::message>();
  std::string out;
  if (auto err = codec::decode(t.response, *decoded)) {
    return finish(s, http::status::ok, json_error_body("internal: response not decodable"), "application/json");
  }
  codec::response_to_json(*decoded, out);
  out += '\n';
  finish(s, http::status::ok, std::move(out), "application/json");
}

void tls_session::readiness(const std::shared_ptr<slot>& s) {
  const auto plans = g_.plans.load();
  auto t = std::make_shared<transmission>();
  t->probe = true;
  std::weak_ptr<tls_session> weak = shared_from_this();
  auto executor = stream_.get_executor();
  const bool loaded = plans != nullptr;
  t->done = [self = shared_from_this(), s, executor, loaded](std::shared_ptr<transmission> done) {
    net::post(executor, [self, s, done, loaded] {
      if (s->ready) return;
      if (s->budget) s->budget->cancel();
      const bool ok = done->probe_ok && loaded;
      // Not ready: `reason` says why, for the operator (libpq's reason, the password masked).
      std::string body;
      codec::json_writer w(body);
      w.begin_object().field("ready", ok).field("database", done->probe_ok ? "ok" : "unreachable");
      w.field("plans", loaded ? "loaded" : "missing");
      if (!done->probe_ok) w.field("reason", self->g_.database_reason(done->probe_error));
      else if (!loaded) w.field("reason", "no plans loaded");
      w.end_object();
      body += '\n';
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

void tls_session::reload(const std::shared_ptr<slot>& s) {
  auto executor = stream_.get_executor();
  g_.reload_in_background([self = shared_from_this(), s, executor](bool ok, std::string why) mutable {
    net::post(executor, [self = std::move(self), s, ok, why = std::move(why)] {
      std::string body;
      codec::json_writer(body).begin_object().field("reloaded", ok).field(ok ? "plans" : "error", why).end_object();
      body += '\n';
      self->finish(s, ok ? http::status::ok : http::status::unprocessable_entity, std::move(body), "application/json");
    });
  });
}

}  // namespace rxgate::server
