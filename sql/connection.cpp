#include "sql/connection.h"

#include <sys/socket.h>

#include <algorithm>

#include "sql/pg.h"

namespace rxgate::store::pg {

using clock = std::chrono::steady_clock;

error connection::open(std::string_view what) noexcept {
  if (is_open()) return {};
  connection_.reset();
  on_demand_.clear();
  if (clock::now() < next_attempt_) {
    // Back-off: answer at once with what the last attempt found (unavailable or schema).
    try {
      return {last_error_, std::string(what) + ": not connected (" + last_message_ + "); next attempt pending"};
    } catch (...) {
      return {last_error_, {}};
    }
  }
  try {
    return connect(what);
  } catch (...) {
    bool lost = false;
    error e = translate_current_exception(what, lost);
    if (e.code == errc::internal) e.code = errc::unavailable;
    connection_.reset();
    start_backoff(true);
    last_error_ = e.code;
    try {
      last_message_ = e.message;
    } catch (...) {
    }
    return e;
  }
}

error connection::connect(std::string_view what) {
  const auto& s = *settings_;
  if (backoff_.count() < 0) backoff_ = s.reconnect_min;
  auto c = std::make_unique<pqxx::connection>(with_connection_defaults(s.dsn));
  if (s.synchronous_commit) c->set_variable("synchronous_commit", "on");
  c->set_variable("statement_timeout", std::to_string(s.statement_timeout.count()));
  c->set_variable("application_name", "'" + s.application_name + "'");
  if (!s.plan_cache_mode.empty()) c->set_variable("plan_cache_mode", s.plan_cache_mode);
  // Every statement of rxgate is a short probe or a batch's insert. PostgreSQL compiles a plan
  // whose estimated cost passes jit_above_cost, and a generic plan with correlated subqueries
  // over every partition estimates high on small tables: the compile then took 5.6 s for a claim
  // read that runs in 2 ms.
  c->set_variable("jit", "off");
  if (s.schema_version > 0) {
    pqxx::nontransaction q(*c);
    const auto r = q.exec("SELECT max(version) FROM rxgate_schema_migrations");
    const int version = r.empty() || r[0][0].is_null() ? 0 : r[0][0].as<int>();
    if (version != s.schema_version) {
      // A binary of another version: looking again soon will not help.
      next_attempt_ = clock::now() + s.reconnect_max;
      error e{errc::schema, std::string(what) + ": database schema version " + std::to_string(version) +
                                ", this binary needs " + std::to_string(s.schema_version) + "; run rxgate migrate"};
      last_error_ = e.code;
      last_message_ = e.message;
      return e;
    }
  }
  for (const auto& p : s.statements) c->prepare(p.name, p.sql);
  connection_ = std::move(c);
  backoff_ = s.reconnect_min;
  return {};
}

error connection::fail(std::string_view what) noexcept {
  bool lost = false;
  error e = translate_current_exception(what, lost);
  if (lost || !is_open()) {
    drop();
    if (e.code == errc::internal) e.code = errc::unavailable;
  } else if (e.code == errc::internal) {
    close();
  }
  return e;
}

void connection::start_backoff(bool grow) noexcept {
  if (backoff_.count() < 0) backoff_ = settings_->reconnect_min;
  next_attempt_ = clock::now() + backoff_;
  if (grow) backoff_ = std::min(backoff_ * 2, std::max(settings_->reconnect_max, settings_->reconnect_min));
}

void connection::drop() noexcept {
  close();
  start_backoff(false);
  last_error_ = errc::unavailable;
  try {
    last_message_ = "connection lost";
  } catch (...) {
  }
}

void connection::start_deadline() noexcept {
  if (settings_->deadline.count() <= 0 || !is_open()) return;
  try {
    if (!watchdog_) watchdog_ = std::make_unique<deadline_watchdog>();
  } catch (...) {
    return;  // out of memory: no deadline rather than no claims
  }
  watchdog_->arm(connection_->sock(), clock::now() + settings_->deadline);
}

bool connection::end_deadline() noexcept { return watchdog_ && watchdog_->disarm(); }

void connection::close() noexcept {
  end_deadline();
  on_demand_.clear();  // the server forgets them with the session
  if (!connection_) return;
  try {
    connection_->disconnect();
  } catch (...) {
  }
  connection_.reset();
}

std::string with_connection_defaults(const std::string& dsn) {
  // A dead peer: keepalive probes after 5 s idle, every 2 s, 3 lost = gone (about 11 s); data
  // unacknowledged for 10 s = gone; a connect that hangs gives up after 2 s (libpq's minimum).
  static const std::pair<const char*, const char*> defaults[] = {
      {"keepalives", "1"},          {"keepalives_idle", "5"}, {"keepalives_interval", "2"},
      {"keepalives_count", "3"},    {"tcp_user_timeout", "10000"}, {"connect_timeout", "2"}};
  const bool uri = dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
  std::string out = dsn;
  for (const auto& [key, value] : defaults) {
    const std::string k = key;
    // Set already (key=value or ?key=value / &key=value): the DSN wins.
    bool present = false;
    for (auto at = dsn.find(k); at != std::string::npos && !present; at = dsn.find(k, at + 1)) {
      const bool starts = at == 0 || dsn[at - 1] == ' ' || dsn[at - 1] == '?' || dsn[at - 1] == '&';
      auto after = dsn.find_first_not_of(' ', at + k.size());
      present = starts && after != std::string::npos && dsn[after] == '=';
    }
    if (present) continue;
    if (uri) {
      out += out.find('?') == std::string::npos ? '?' : '&';
    } else if (!out.empty()) {
      out += ' ';
    }
    out += k + "=" + value;
  }
  return out;
}

deadline_watchdog::~deadline_watchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void deadline_watchdog::arm(int socket, std::chrono::steady_clock::time_point deadline) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { watch(); });
    socket_ = socket;
    deadline_ = deadline;
    fired_ = false;
  } catch (...) {
    return;  // no thread: no deadline
  }
  changed_.notify_all();
}

bool deadline_watchdog::disarm() noexcept {
  std::lock_guard lock(mutex_);
  socket_ = -1;
  const bool fired = fired_;
  fired_ = false;
  return fired;
}

void deadline_watchdog::watch() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (socket_ < 0) {
      changed_.wait(lock);
      continue;
    }
    if (clock::now() < deadline_) {
      changed_.wait_until(lock, deadline_);
      continue;
    }
    // Under the lock: the owner disarms before it closes the descriptor, so this is still its
    // socket. Shutdown wakes the blocked call; the descriptor stays the owner's to close.
    ::shutdown(socket_, SHUT_RDWR);
    socket_ = -1;
    fired_ = true;
  }
}

connection_pool::connection_pool(connection_settings settings, int size, std::chrono::milliseconds acquire_timeout,
                                 std::string label)
    : settings_(std::move(settings)), acquire_timeout_(acquire_timeout), label_(std::move(label)) {
  const int n = std::max(1, size);
  for (int i = 0; i < n; ++i) slots_.push_back(std::make_unique<connection>(settings_));
  busy_.assign(slots_.size(), false);
}

error connection_pool::acquire(std::string_view what, connection*& out) noexcept {
  try {
    std::unique_lock lock(mutex_);
    std::size_t index = 0;
    const bool got = free_.wait_for(lock, acquire_timeout_, [&] {
      for (index = 0; index < busy_.size(); ++index) {
        if (!busy_[index]) return true;
      }
      return false;
    });
    if (!got) return {errc::timeout, std::string(what) + ": no free " + label_ + " connection"};
    busy_[index] = true;
    out = slots_[index].get();
    return {};
  } catch (...) {
    return {errc::internal, std::string(what) + ": pool lock failed"};
  }
}

error connection_pool::acquire_slot(std::string_view what, std::size_t index, connection*& out) noexcept {
  try {
    std::unique_lock lock(mutex_);
    if (!free_.wait_for(lock, acquire_timeout_, [&] { return !busy_[index]; }))
      return {errc::timeout, std::string(what) + ": " + label_ + " connection busy"};
    busy_[index] = true;
    out = slots_[index].get();
    return {};
  } catch (...) {
    return {errc::internal, std::string(what) + ": pool lock failed"};
  }
}

void connection_pool::release(connection* c) noexcept {
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].get() == c) busy_[i] = false;
    }
  }
  free_.notify_all();  // for_each waits for one slot in particular
}

}  // namespace rxgate::store::pg
