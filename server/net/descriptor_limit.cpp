// RLIMIT_NOFILE at start-up: fit server.max_connections and the database pools, or refuse.
#include "server/net/descriptor_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace rxgate::server {
namespace {

// The status API's database pools, status.threads connections each (server/net/gateway.cpp): claims
// by id, searches, summaries and PAs (sql/reader.h), tokens and audit, accumulators, worklist, PA
// reviews.
constexpr std::uint64_t status_api_pools = 7;
// Database connections besides the writers and those pools: the dashboard's token checks and the
// partition check.
constexpr std::uint64_t other_database_connections = 4;
// Everything that is not a connection: listener, epoll, eventfds, timers, signals, stdio, TLS
// and plan files read during a reload.
constexpr std::uint64_t reserve = 64;

}  // namespace

std::uint64_t descriptors_needed(const config& c) noexcept {
  return static_cast<std::uint64_t>(c.max_connections) + static_cast<std::uint64_t>(c.batch_workers) +
         status_api_pools * static_cast<std::uint64_t>(c.status_threads) + other_database_connections + reserve;
}

std::uint64_t soft_limit_for(std::uint64_t need, std::uint64_t soft, std::uint64_t hard) noexcept {
  if (soft >= need) return soft;
  if (hard < need) return 0;
  return need;
}

std::uint64_t fit_descriptor_limit(const config& c) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;  // nothing known: nothing to fit
  const std::uint64_t need = descriptors_needed(c);
  const std::uint64_t hard = lim.rlim_max == RLIM_INFINITY ? UINT64_MAX : lim.rlim_max;
  const std::uint64_t soft = lim.rlim_cur == RLIM_INFINITY ? UINT64_MAX : lim.rlim_cur;
  const std::uint64_t want = soft_limit_for(need, soft, hard);
  if (want == 0) {
    throw config_error("server.max_connections: " + std::to_string(c.max_connections) + " connections need " +
                       std::to_string(need) + " file descriptors with the database pools, but the hard limit "
                       "(ulimit -Hn, LimitNOFILE= in a systemd unit) is " + std::to_string(hard) +
                       ": raise the limit or lower max_connections");
  }
  if (want == soft) return soft;
  lim.rlim_cur = want;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
    throw config_error("server.max_connections: cannot raise the open files limit from " + std::to_string(soft) +
                       " to " + std::to_string(want) + ": " + std::strerror(errno));
  }
  return want;
}

}  // namespace rxgate::server
