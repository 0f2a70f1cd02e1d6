// Private to sql/: the one way sql/ holds PostgreSQL connections. The writer (store.cpp) keeps one
// pg::connection, the reader and the status API's access store borrow from a pg::connection_pool.
// Nothing outside sql/ includes this header (it pulls in libpqxx).
//
// Contract:
// - A connection opens lazily: open() connects, sets the session variables of its settings,
//   checks the schema version when asked to, and prepares every statement of the settings.
// - prepare_on_demand() prepares a statement the first time a connection is asked for it; at most
//   settings.max_on_demand_statements stay prepared (the least recently asked for is deallocated
//   first), and a new connection (after a reconnect) starts with none.
// - After a failed connect or a lost connection, open() answers at once with the last error until
//   the back-off has passed; the back-off doubles from reconnect_min to reconnect_max per failed
//   connect and starts again at reconnect_min once connected. A database at another schema
//   version is tried again after reconnect_max.
// - fail() (inside a catch block) turns the exception in flight into a store::error: a lost
//   connection is dropped (back-off) and its internal errors become errc::unavailable; a
//   connection that failed in an unexpected way (errc::internal) is closed and reopened at the
//   next use without back-off.
// - Every connection asks libpq for TCP keepalives, a TCP user timeout and a connect timeout
//   (with_connection_defaults; a value the DSN sets wins), so a peer that vanished (a network
//   black hole) is noticed by the kernel rather than waited for forever.
// - A deadline (settings.deadline > 0, the writer's): start_deadline() arms a watchdog; when it
//   passes before end_deadline(), the watchdog shuts the socket down, so the call blocked on it
//   returns (a lost connection) and the connection is abandoned. It never sends a cancel request:
//   a cancel could reach a COMMIT waiting for a synchronous standby, which then commits locally
//   without it; an abandoned connection leaves the outcome to the server (unknown to the caller).
// - A connection is used by one thread at a time (the writer's mutex, or the pool's borrowing);
//   the pool itself is thread-safe. Settings outlive the connections made from them.
#pragma once

#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "sql/store.h"

namespace rxgate::store::pg {

struct prepared_statement {
  std::string name, sql;
};

struct connection_settings {
  std::string dsn;
  std::string application_name;  // shows in pg_stat_activity
  std::chrono::milliseconds statement_timeout{2000};
  std::string plan_cache_mode;    // empty: the server's default
  bool synchronous_commit = false;  // true: set on for this session (the writer's durability)
  int schema_version = 0;           // > 0: refuse a database at another version (errc::schema)
  std::chrono::milliseconds reconnect_min{0}, reconnect_max{0};
  std::chrono::milliseconds deadline{0};  // > 0: start_deadline() arms the watchdog
  std::vector<prepared_statement> statements;
  std::size_t max_on_demand_statements = 16;  // prepare_on_demand's bound per connection (at least 1)
};

// `dsn` with libpq's keepalives, tcp_user_timeout and connect_timeout added unless it sets them.
std::string with_connection_defaults(const std::string& dsn);

// Shuts a socket down when a deadline passes before it is disarmed (one thread, idle unless armed).
class deadline_watchdog {
 public:
  deadline_watchdog() = default;
  deadline_watchdog(const deadline_watchdog&) = delete;
  deadline_watchdog& operator=(const deadline_watchdog&) = delete;
  ~deadline_watchdog();
  void arm(int socket, std::chrono::steady_clock::time_point deadline) noexcept;
  // True when the deadline passed and the socket was shut down.
  bool disarm() noexcept;

 private:
  void watch();
  std::mutex mutex_;
  std::condition_variable changed_;
  int socket_ = -1;
  std::chrono::steady_clock::time_point deadline_{};
  bool fired_ = false;
  bool stop_ = false;
  std::thread thread_;
};

class connection {
 public:
  explicit connection(const connection_settings& settings) noexcept : settings_(&settings) {}
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { close(); }

  // Opens the connection unless it is open; `what` names the caller in the error.
  error open(std::string_view what) noexcept;
  bool is_open() const noexcept { return connection_ && connection_->is_open(); }
  // The open connection; only after open() succeeded.
  pqxx::connection& get() noexcept { return *connection_; }

  // The exception in flight as an error (call only inside a catch block), with the connection
  // dropped or closed as the contract says.
  error fail(std::string_view what) noexcept;
  // The connection is gone or cannot be trusted: close it; the next open() waits for the back-off.
  void drop() noexcept;
  // Close without back-off (the next open() reconnects at once).
  void close() noexcept;

  // The deadline of settings.deadline from now on the open connection (nothing without one);
  // end_deadline() disarms it and says whether it passed (the connection is then unusable:
  // drop() it). close() ends it first, so the watchdog never touches a closed descriptor.
  void start_deadline() noexcept;
  bool end_deadline() noexcept;

  // Runs body -> error or void on the open connection, never throws. The body takes the
  // pqxx::connection&, or this connection& when it prepares on demand.
  template <class Body>
  error run(std::string_view what, Body&& body) noexcept {
    if (error e = open(what)) return e;
    try {
      if constexpr (std::is_invocable_v<Body&, connection&>) {
        return as_error(body, *this);
      } else {
        return as_error(body, *connection_);
      }
    } catch (...) {
      return fail(what);
    }
  }

  // Prepares `name` as make_sql() on the open connection unless this connection has it already
  // (make_sql runs only then), deallocating the least recently asked for beyond the settings'
  // bound. libpqxx sends the statement with its first execution. Throws as libpqxx does: call it
  // inside run().
  template <class MakeSql>
  void prepare_on_demand(const std::string& name, MakeSql&& make_sql) {
    const auto known = std::find(on_demand_.begin(), on_demand_.end(), name);
    if (known != on_demand_.end()) {
      std::rotate(known, known + 1, on_demand_.end());  // the most recently asked for goes last
      return;
    }
    if (on_demand_.size() >= std::max<std::size_t>(1, settings_->max_on_demand_statements)) {
      connection_->unprepare(on_demand_.front());
      on_demand_.erase(on_demand_.begin());
    }
    connection_->prepare(name, make_sql());
    on_demand_.push_back(name);
  }

 private:
  error connect(std::string_view what);
  template <class Body, class Arg>
  static error as_error(Body& body, Arg& arg) {
    if constexpr (std::is_void_v<std::invoke_result_t<Body&, Arg&>>) {
      body(arg);
      return {};
    } else {
      return body(arg);
    }
  }
  // No attempt before now + the current back-off; `grow` doubles it for the next time.
  void start_backoff(bool grow) noexcept;

  const connection_settings* settings_;
  std::unique_ptr<pqxx::connection> connection_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{-1};  // -1: not started (reconnect_min)
  errc last_error_ = errc::unavailable;
  std::string last_message_ = "connection lost";
  std::unique_ptr<deadline_watchdog> watchdog_;  // made at the first start_deadline()
  std::vector<std::string> on_demand_;  // prepare_on_demand's, least recently asked for first
};

// `size` connections (at least one) opened as needed; each run() borrows one for its duration,
// waiting at most `acquire_timeout` for a free one (errc::timeout: "<what>: no free <label>
// connection").
class connection_pool {
 public:
  connection_pool(connection_settings settings, int size, std::chrono::milliseconds acquire_timeout,
                  std::string label);

  template <class Body>
  error run(std::string_view what, Body&& body) noexcept {
    connection* c = nullptr;
    if (error e = acquire(what, c)) return e;
    error result = c->run(what, body);
    release(c);
    return result;
  }

  // Runs body on every connection of the pool in turn (each borrowed while it runs, opened when
  // closed), as run() does; stops at the first error and returns it.
  template <class Body>
  error for_each(std::string_view what, Body&& body) noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      connection* c = nullptr;
      if (error e = acquire_slot(what, i, c)) return e;
      error result = c->run(what, body);
      release(c);
      if (result) return result;
    }
    return {};
  }

 private:
  error acquire(std::string_view what, connection*& out) noexcept;
  // Waits (acquire_timeout at most) for the connection at `index` to be free.
  error acquire_slot(std::string_view what, std::size_t index, connection*& out) noexcept;
  void release(connection* c) noexcept;

  connection_settings settings_;
  std::chrono::milliseconds acquire_timeout_;
  std::string label_;
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<connection>> slots_;
  std::vector<bool> busy_;
};

}  // namespace rxgate::store::pg
