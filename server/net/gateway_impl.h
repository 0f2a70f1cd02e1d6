// The gateway's state, shared by its parts (internal to server/net): the listener and lifecycle
// (gateway.cpp, lifecycle.cpp), the sessions (session.h) and TLS identity (tls_identity.h).
//
// Member order is destruction order reversed, and it matters: the sessions registry outlives the
// io context (a session whose last handler dies with the context still unregisters itself), and
// the maintenance and reload pools are destroyed first, so no job outlives the state it touches.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/plan.h"
#include "server/console/dashboard.h"
#include "server/net/gateway.h"
#include "server/pipeline/batcher.h"
#include "server/status/status_api.h"
#include "sql/store.h"

namespace rxgate::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

class tls_session;

// `{"error":"<why>"}` and a newline: the body of every JSON error answer.
std::string json_error_body(std::string_view why);

struct gateway::impl {
  config cfg;
  gateway::options opts;
  std::uint64_t open_files_limit = 0;  // RLIMIT_NOFILE after start-up fitted it (descriptor_limit.h)
  metrics stats;
  // Before the io context: a session whose last handler dies with the context (shutdown after
  // the grace period) still unregisters itself here.
  std::atomic<bool> stopping{false};
  std::mutex sessions_mutex;
  std::unordered_map<tls_session*, std::weak_ptr<tls_session>> sessions;
  // One io context per io thread, each run by that thread alone (concurrency hint 1): a thread
  // waits in its own epoll and runs its own handlers. One context shared by every thread woke a
  // sibling through Asio's scheduler mutex and condition variable for nearly every event (90 % of
  // the server's futex calls, 5 context switches an answer: bench/RESULTS.md). `ioc` is the first;
  // it also holds the acceptor and the gateway's timers. Connections go to the contexts in turn.
  net::io_context ioc{1};
  std::vector<std::unique_ptr<net::io_context>> more_io;  // io_threads - 1 of them
  // Keeps each of `more_io` running while it has no connection; released when the drain ends.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> more_io_work;
  std::size_t next_io = 0;  // the context of the next accepted connection (control strand)
  ssl::context tls{ssl::context::tls_server};
  // The acceptor and the gateway's own timers are touched from io threads (the accept chain, the
  // timers' handlers) and from stop(): all of it runs on this strand, so close() never races an
  // async_accept or an async_wait being started on another thread.
  net::strand<net::io_context::executor_type> control{net::make_strand(ioc)};
  tcp::acceptor acceptor{ioc};
  std::optional<net::signal_set> signals;
  net::steady_timer drain_timer{ioc};
  // Out of file descriptors (EMFILE/ENFILE) an accept fails at once for as long as it lasts: the
  // accept loop waits on this timer before it tries again, and logs the failures at most once per
  // interval with their count (control strand only).
  net::steady_timer accept_timer{ioc};
  bool accept_failing = false;
  std::uint64_t accept_failures_unlogged = 0;
  std::chrono::steady_clock::time_point accept_logged{};
  // Claim partitions ahead of the calendar (lifecycle.cpp): checked at start and every few hours.
  net::steady_timer partition_timer{ioc};
  std::chrono::steady_clock::time_point drain_deadline{};

  std::atomic<std::shared_ptr<const rules::plan_set>> plans;
  std::mutex reload_mutex;
  std::vector<std::unique_ptr<store::claim_store>> stores;  // one writer connection per batch worker
  std::unique_ptr<batcher> claims;
  // Claim transmissions reused across requests; idle ones stay under this many (~32 kB each),
  // about the claims a busy gateway has in flight at once. More in flight are made and freed.
  transmission_pool transmissions{512};
  // The technician status API blocks on PostgreSQL: it runs on its own pool ([status] threads).
  std::unique_ptr<status_api> api;
  net::thread_pool api_pool{cfg.status_threads};
  // The operators' dashboard: a sampler thread over `stats`, SSE subscribers (server/console).
  std::unique_ptr<dashboard> dash;
  std::vector<std::string> no_providers;
  // Plan reloads (SIGHUP, POST /v1/admin/plans/reload) take seconds, so they run off the io
  // threads, one at a time, on this thread the gateway owns: run() joins it, and being the last
  // member it is stopped and joined before anything a reload touches is destroyed.
  net::thread_pool reload_pool{1};
  // Blocking maintenance (the partition check): its own thread, so it never waits behind a reload.
  net::thread_pool maintenance_pool{1};

  impl(config c, gateway::options o);
  void listen();
  void do_accept();
  void on_accept_failure(const beast::error_code& ec);
  // A readiness probe through the batcher at start: one log line, database_ready or
  // database_unreachable with the reason, before any claim comes (a wrong address shows at once).
  void check_database_at_start();
  // "database unreachable: <the store's reason>", the password of database.dsn masked, one line.
  std::string database_reason(std::string_view store_message) const;
  // lifecycle.cpp
  void on_signal(const boost::system::error_code& ec, int signo);
  void begin_stop();
  void check_drained();
  bool reload(std::string& why);
  void schedule_partition_check(std::chrono::steady_clock::duration after);
  // Runs reload() on reload_pool, then `then(ok, why)` on that thread.
  template <class Then>
  void reload_in_background(Then then) {
    net::post(reload_pool, [this, then = std::move(then)]() mutable {
      std::string why;
      const bool ok = reload(why);
      then(ok, std::move(why));
    });
  }
};

}  // namespace rxgate::server
