// The gateway: TLS listener, HTTP/1.1 sessions, routes, plans and the batcher, wired together.
//
// Routes: POST /ncpdp (D.0 in, D.0 out), POST /v1/claims (JSON in, JSON out), GET /healthz,
// GET /readyz (database reachable through the batcher, plans loaded), GET /metrics (Prometheus
// text), POST /v1/admin/plans/reload. Each connection runs on its own strand; requests may be
// pipelined (up to server.max_pipelined read ahead) and are answered in order.
//
// Construction does everything that can fail (plans, TLS files, bind) and throws on failure.
// run() serves on the calling thread plus io_threads-1 others until stop() (or SIGTERM/SIGINT
// when signals are handled) has drained: the acceptor closes, idle connections close, in-flight
// claims are committed and answered, then run() returns. SIGHUP and the admin route reload the
// plans on a thread the gateway owns (joined by run() and by the destructor).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "server/core/config.h"
#include "server/core/metrics.h"

namespace rxgate::server {

class gateway {
 public:
  struct options {
    bool handle_signals = true;  // tests that run a gateway in-process turn this off
  };

  gateway(config cfg, options opts);
  explicit gateway(config cfg) : gateway(std::move(cfg), options{}) {}
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  // The bound port (useful with listen port 0).
  std::uint16_t port() const noexcept;
  // Serve until stopped and drained (blocking).
  void run();
  // Begin a graceful stop; thread-safe, idempotent.
  void stop();
  // Reload the plans now (blocking). On failure the old plans keep serving and `why` says why.
  bool reload_plans(std::string& why);

  const metrics& stats() const noexcept;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace rxgate::server
