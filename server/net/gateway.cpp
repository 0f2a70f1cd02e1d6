// The gateway: builds every part at start-up (plans, TLS, writer connections, batcher, status
// API, dashboard, listener), accepts connections and runs the io threads. Connections are in
// session.h, routes in routes.cpp, shutdown and reload in lifecycle.cpp.
#include "server/net/gateway.h"

#include <cerrno>
#include <thread>

#include "server/core/log.h"
#include "server/net/descriptor_limit.h"
#include "server/net/gateway_impl.h"
#include "server/net/session.h"
#include "server/net/tls_identity.h"
#include "sql/access.h"
#include "sql/reader.h"

namespace rxgate::server {

gateway::impl::impl(config c, gateway::options o) : cfg(std::move(c)), opts(o) {
  log::init(cfg.log_level);
  for (unsigned i = 1; i < cfg.io_threads; ++i) {
    more_io.push_back(std::make_unique<net::io_context>(1));
    more_io_work.push_back(net::make_work_guard(*more_io.back()));
  }
  open_files_limit = fit_descriptor_limit(cfg);
  std::string why;
  try {
    plans.store(rules::load_plans(cfg.plans_dir));
  } catch (const std::exception& e) {
    throw config_error("plans.dir: " + cfg.plans_dir.string() + ": plans failed to load:\n" + e.what());
  }
  configure_server_tls(tls, cfg);

  store::store_options so;
  so.dsn = cfg.dsn;
  so.statement_timeout = cfg.statement_timeout;
  so.reconnect_min = cfg.reconnect_min;
  so.reconnect_max = cfg.reconnect_max;
  so.write_deadline = cfg.write_deadline;
  std::vector<store::claim_store*> writers;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, cfg.batch_workers); ++i) {
    stores.push_back(store::open_store(so));
    writers.push_back(stores.back().get());
  }
  claims = std::make_unique<batcher>(batcher_options{cfg.max_batch, cfg.max_queue, cfg.node_id, cfg.helper_depth},
                                     std::move(writers), [this] { return plans.load(); }, stats);
  // The status API's stores: as many connections each as the API has threads.
  so.read_pool_size = static_cast<int>(cfg.status_threads);
  store::access_options ao;
  ao.dsn = cfg.dsn;
  ao.statement_timeout = cfg.statement_timeout;
  ao.pool_size = static_cast<int>(cfg.status_threads);
  ao.audit = cfg.durable_read_audit ? store::access_options::audit_commit::durable
                                    : store::access_options::audit_commit::async;
  auto access = std::shared_ptr<store::access_store>(store::open_access_store(ao));
  api = std::make_unique<status_api>(std::shared_ptr<store::claim_reader>(store::open_reader(so)), access,
                                     [this] { return plans.load(); }, status_api_options{},
                                     std::shared_ptr<store::accumulator_store>(store::open_accumulator_store(ao)),
                                     std::shared_ptr<store::worklist_store>(store::open_worklist(so)),
                                     std::shared_ptr<store::pa_review_store>(store::open_pa_reviews(so)));
  dash = std::make_unique<dashboard>(stats, access);
  stats.queue_depth = [this] { return claims->depth(); };
  stats.plans_loaded = [this] { return plans.load() != nullptr; };
  listen();
  if (opts.handle_signals) {
    signals.emplace(ioc, SIGTERM, SIGINT, SIGHUP);
    signals->async_wait(net::bind_executor(control, [this](const boost::system::error_code& ec, int signo) { on_signal(ec, signo); }));
  }
}

namespace {

// The password of a DSN, URI (postgresql://user:password@host/db) or keyword form
// (password=secret, password='se cret'); empty without one.
std::string dsn_password(std::string_view dsn) {
  if (const auto scheme = dsn.find("://"); scheme != std::string_view::npos) {
    const auto rest = dsn.substr(scheme + 3);
    const auto at = rest.substr(0, rest.find('/')).rfind('@');
    if (at == std::string_view::npos) return {};
    const auto userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    return colon == std::string_view::npos ? std::string() : std::string(userinfo.substr(colon + 1));
  }
  for (auto at = dsn.find("password"); at != std::string_view::npos; at = dsn.find("password", at + 1)) {
    auto v = dsn.substr(at + 8);
    v.remove_prefix(std::min(v.size(), v.find_first_not_of(' ')));
    if (v.empty() || v.front() != '=') continue;
    v.remove_prefix(1);
    v.remove_prefix(std::min(v.size(), v.find_first_not_of(' ')));
    if (!v.empty() && v.front() == '\'') return std::string(v.substr(1, v.find('\'', 1) - 1));
    return std::string(v.substr(0, v.find(' ')));
  }
  return {};
}

}  // namespace

std::string gateway::impl::database_reason(std::string_view store_message) const {
  std::string reason = "database unreachable: ";
  // libpq's messages run over lines ("...failed: Connection refused\n\tIs the server running").
  bool blank = false;
  for (const char ch : store_message) {
    const bool space = ch == '\n' || ch == '\t' || ch == '\r' || ch == ' ';
    if (space && !blank) reason += ' ';
    if (!space) reason += ch;
    blank = space;
  }
  while (!reason.empty() && reason.back() == ' ') reason.pop_back();
  // libpq does not quote passwords, but a message must never carry one whatever produced it.
  const std::string password = dsn_password(cfg.dsn);
  if (password.size() >= 2) {
    for (auto at = reason.find(password); at != std::string::npos; at = reason.find(password, at + 3))
      reason.replace(at, password.size(), "***");
  }
  return reason;
}

void gateway::impl::check_database_at_start() {
  auto t = std::make_shared<transmission>();
  t->probe = true;
  t->done = [this](std::shared_ptr<transmission> done) {
    if (done->probe_ok) {
      log::info("database_ready");
    } else {
      log::error("database_unreachable").str("reason", database_reason(done->probe_error));
    }
  };
  if (claims->submit(t) != batcher::submit_result::queued) log::warn("database_check_not_queued");
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
  const std::size_t io = next_io++ % (more_io.size() + 1);
  auto& context = io == 0 ? ioc : *more_io[io - 1];
  acceptor.async_accept(context.get_executor(), net::bind_executor(control, [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;  // the socket of an accept completed at shutdown closes with it
    if (ec) {
      if (!acceptor.is_open()) return;
      return on_accept_failure(ec);
    }
    if (accept_failing) {
      accept_failing = false;
      log::info("accept_resumed").num("failures_since_last_line", static_cast<std::int64_t>(accept_failures_unlogged));
      accept_failures_unlogged = 0;
      accept_logged = {};
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
    auto s = std::make_shared<tls_session>(std::move(socket), *this);
    {
      std::lock_guard lock(sessions_mutex);
      sessions.emplace(s.get(), s);
    }
    s->run();
    do_accept();
  }));
}

// The pending connection stays in the listen backlog, so while descriptors (or kernel memory) run
// short every accept fails at once: trying again at once spun a core and wrote a log line per
// failure (525,000 lines in 9 s). Wait a little instead, and log once per interval with a count.
void gateway::impl::on_accept_failure(const beast::error_code& ec) {
  constexpr auto backoff = std::chrono::milliseconds(100);
  constexpr auto log_interval = std::chrono::seconds(10);
  stats.accept_failures.fetch_add(1, std::memory_order_relaxed);
  ++accept_failures_unlogged;
  accept_failing = true;
  const auto now = std::chrono::steady_clock::now();
  if (accept_logged == std::chrono::steady_clock::time_point{} || now - accept_logged >= log_interval) {
    log::warn("accept_failed")
        .str("error", ec.message())
        .num("failures", static_cast<std::int64_t>(accept_failures_unlogged))
        .num("open_connections", stats.connections_open.load())
        .num("retry_ms", static_cast<std::int64_t>(backoff.count()));
    accept_failures_unlogged = 0;
    accept_logged = now;
  }
  const bool out_of_resources = ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
                                ec == net::error::no_memory || ec.value() == ENFILE;
  if (!out_of_resources) return do_accept();  // e.g. a connection reset before it was accepted
  accept_timer.expires_after(backoff);
  accept_timer.async_wait(net::bind_executor(control, [this](const beast::error_code& e) {
    if (!e && !stopping) do_accept();
  }));
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
      .num("open_files_limit", static_cast<std::int64_t>(std::min<std::uint64_t>(g.open_files_limit, INT64_MAX)))
      .str("plans", rules::describe(*g.plans.load()));
  std::vector<std::thread> threads;
  g.dash->start();
  g.check_database_at_start();
  // Before the first technician's read: the status API's threads are idle until requests come.
  net::post(g.api_pool, [&g] { g.api->warm(); });
  g.schedule_partition_check(std::chrono::steady_clock::duration::zero());
  for (auto& context : g.more_io) threads.emplace_back([&context] { context->run(); });
  g.ioc.run();
  for (auto& t : threads) t.join();
  g.dash->stop();
  g.claims->stop();
  g.api_pool.join();
  g.reload_pool.join();
  g.maintenance_pool.join();
  log::info("stopped").num("connections_accepted", static_cast<std::int64_t>(g.stats.connections_accepted.load()));
  log::flush();
}

void gateway::stop() { impl_->begin_stop(); }

bool gateway::reload_plans(std::string& why) { return impl_->reload(why); }

const metrics& gateway::stats() const noexcept { return impl_->stats; }

}  // namespace rxgate::server
