// Private to sql/: libpq pipeline mode on the writer's connection, so a batch's statements travel
// together (sql/README.md, round trips of a batch). libpqxx 6.4 has no pipeline mode: it still
// opens the connection, sets the session and prepares the statements; while the writer uses the
// raw PGconn it makes no libpqxx call on that connection (libpqxx would neither know the
// transaction nor reconnect under it), and a lost connection is dropped, never reused.
//
// Contract:
// - Only prepared statements carry parameters (claim data); command() is for fixed text without
//   parameters (BEGIN, COMMIT, SAVEPOINT ...).
// - exchange() sends everything queued with one Sync and reads one result per statement, in
//   order. The first statement error is the exchange's error (mapped like libpqxx's errors in
//   pg.h); the statements after it are skipped by the server (a transaction it was in is
//   aborted). `failed_at` names the statement that failed (its queue index).
// - A connection that breaks is reported as lost (errc::unavailable); when a COMMIT was queued
//   in that exchange its outcome is unknown, and the message says so.
#pragma once

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sql/store.h"

namespace rxgate::store::pg {

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using raw_result = std::unique_ptr<PGresult, result_deleter>;

// A field of a libpq result, read like pqxx::field (NULL kept apart; text format).
struct raw_field {
  const PGresult* result;
  int row, column;
  bool is_null() const noexcept { return PQgetisnull(result, row, column) != 0; }
  const char* c_str() const noexcept { return PQgetvalue(result, row, column); }
  std::size_t size() const noexcept { return static_cast<std::size_t>(PQgetlength(result, row, column)); }
};
struct raw_row {
  const PGresult* result;
  int row;
  raw_field operator[](int column) const noexcept { return {result, row, column}; }
};
inline int row_count(const PGresult* r) noexcept { return r ? PQntuples(r) : 0; }
// The rows of a result as a range (a null result has none).
struct raw_rows {
  const PGresult* result;
  struct iterator {
    const PGresult* result;
    int row;
    raw_row operator*() const noexcept { return {result, row}; }
    iterator& operator++() noexcept {
      ++row;
      return *this;
    }
    bool operator!=(const iterator& other) const noexcept { return row != other.row; }
  };
  iterator begin() const noexcept { return {result, 0}; }
  iterator end() const noexcept { return {result, row_count(result)}; }
  bool empty() const noexcept { return row_count(result) == 0; }
};

inline std::string_view text_view(const raw_field& f) {
  return f.is_null() ? std::string_view{} : std::string_view{f.c_str(), f.size()};
}
std::optional<std::int64_t> opt_int(const raw_field& f);
std::int64_t int_or(const raw_field& f, std::int64_t fallback);

// The PGconn libpqxx holds for `c` (libpqxx 6.4 hands it out only to large objects, through a
// transaction: one is opened and rolled back to reach it). Valid until `c` disconnects.
PGconn* raw_connection(pqxx::connection& c);

// Parameters [first, first + count) of a statement's list.
struct parameter_range {
  std::size_t first = 0;
  std::size_t count = 0;
};

class pipeline {
 public:
  explicit pipeline(PGconn* connection) noexcept : connection_(connection) {}

  // Queue a prepared statement with text parameters (sent into libpq's buffer at once: the
  // strings need not outlive the call).
  void prepared(const char* name, const std::vector<std::string>& parameters);
  void prepared(const char* name, std::initializer_list<const std::string*> parameters);
  // The same with every parameter in binary format (rows::rows_format::binary_arrays): the
  // strings hold the bytes PostgreSQL's receive functions read, NULs included. The parameters are
  // the groups' strings in order; the ones in `unsent` (ranges of that list, in order, not
  // overlapping) are left out, the ones after them numbered down.
  void prepared_binary(const char* name, std::span<const std::span<const std::string>> groups,
                       std::span<const parameter_range> unsent = {});
  // Queue fixed SQL without parameters; `commits` marks a COMMIT (a lost connection after it
  // leaves the outcome unknown).
  void command(const char* sql, bool commits = false);

  // Sends the queue with one Sync and reads every result into `results` (one per statement;
  // null for a skipped one). The queue is empty afterwards. `lost`: the connection is gone.
  error exchange(std::string_view what, std::vector<raw_result>& results, bool& lost);
  // The queue index of the statement that failed in the last exchange, -1 if none did, and its
  // SQLSTATE.
  int failed_at() const noexcept { return failed_at_; }
  const std::string& failed_state() const noexcept { return failed_state_; }

 private:
  bool enter() noexcept;
  void send(const char* name, const char* sql, int count, const char* const* values,
            const int* lengths = nullptr, const int* formats = nullptr);

  PGconn* connection_;
  int queued_ = 0;
  bool send_failed_ = false;
  bool commits_ = false;
  int failed_at_ = -1;
  std::string failed_state_;
};

}  // namespace rxgate::store::pg
