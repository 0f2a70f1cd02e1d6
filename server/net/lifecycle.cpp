// The gateway's lifecycle: signals, graceful drain on stop, plan reloads.
#include <csignal>

#include "server/core/log.h"
#include "server/net/gateway_impl.h"
#include "server/net/session.h"

namespace rxgate::server {

using namespace std::chrono_literals;

void gateway::impl::on_signal(const boost::system::error_code& ec, int signo) {
  if (ec) return;
  if (signo == SIGHUP) {
    reload_in_background([](bool, std::string) {});  // reload() logs the outcome
    signals->async_wait(net::bind_executor(control, [this](const boost::system::error_code& e, int s) { on_signal(e, s); }));
    return;
  }
  log::info("shutdown").str("signal", signo == SIGTERM ? "SIGTERM" : "SIGINT");
  begin_stop();
}

void gateway::impl::begin_stop() {
  if (stopping.exchange(true)) return;
  net::dispatch(control, [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_timer.cancel();
    partition_timer.cancel();
    std::vector<std::shared_ptr<tls_session>> live;
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
    more_io_work.clear();  // the other io threads return once their last connection is gone
    if (!idle) {
      ioc.stop();
      for (auto& context : more_io) context->stop();
    }
    return;
  }
  drain_timer.expires_after(20ms);
  drain_timer.async_wait(net::bind_executor(control, [this](beast::error_code ec) {
    if (!ec) check_drained();
  }));
}

// Monthly claim partitions exist for the next 3 months after every check; checking every 6 hours
// keeps a gateway that runs for months out of the default partition (a claim there still commits,
// but every later check must move it and every query scans it).
void gateway::impl::schedule_partition_check(std::chrono::steady_clock::duration after) {
  if (cfg.dsn.empty()) return;
  partition_timer.expires_after(after);
  partition_timer.async_wait(net::bind_executor(control, [this](beast::error_code ec) {
    if (ec || stopping) return;
    net::post(maintenance_pool, [this] {
      store::partition_check found;
      const store::error e = store::ensure_partitions(cfg.dsn, found);
      if (e) {
        log::warn("partition_check_failed").str("error", e.message);
      } else if (found.rows_in_default > 0) {
        log::warn("claims_in_default_partition")
            .num("rows", found.rows_in_default)
            .num("partitions_created", found.created);
      } else {
        log::info("partitions_checked").num("partitions_created", found.created);
      }
      // A failed check is tried again sooner: the database may just have been restarting.
      const std::chrono::steady_clock::duration next = e ? std::chrono::steady_clock::duration(5min) : 6h;
      net::post(control, [this, next] {
        if (!stopping) schedule_partition_check(next);
      });
    });
  }));
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

}  // namespace rxgate::server
