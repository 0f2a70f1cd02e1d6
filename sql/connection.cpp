#include "sql/connection.h"

#include <algorithm>

#include "sql/pg.h"

namespace rxgate::store::pg {

using clock = std::chrono::steady_clock;

error connection::open(std::string_view what) noexcept {
  if (is_open()) return {};
  connection_.reset();
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
  auto c = std::make_unique<pqxx::connection>(s.dsn);
  if (s.synchronous_commit) c->set_variable("synchronous_commit", "on");
  c->set_variable("statement_timeout", std::to_string(s.statement_timeout.count()));
  c->set_variable("application_name", "'" + s.application_name + "'");
  if (!s.plan_cache_mode.empty()) c->set_variable("plan_cache_mode", s.plan_cache_mode);
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

void connection::close() noexcept {
  if (!connection_) return;
  try {
    connection_->disconnect();
  } catch (...) {
  }
  connection_.reset();
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

void connection_pool::release(connection* c) noexcept {
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].get() == c) busy_[i] = false;
    }
  }
  free_.notify_one();
}

}  // namespace rxgate::store::pg
