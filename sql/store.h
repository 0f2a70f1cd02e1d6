// The claims store: every claim and its outcome in PostgreSQL, exactly once, in group commits.
//
// Only sql/ sees libpqxx; it is linked PRIVATE and its exceptions stop here. Every fallible call
// returns a store::error (code ok on success) and never throws on the claim path.
//
// The batcher (server/) drives one batch per transaction:
//   auto b = store.begin();                 // error when PostgreSQL is down (server answers 92/99)
//   b->load_history(entries);               // one query for every member and claim key in the batch
//   ...rules::adjudicate each entry in order...
//   b->insert(entries);                     // claims + rejects + DUR rows; sets claim_id or conflict
//   ...entries with conflict (another node won the key) are re-adjudicated after
//      b->load_history(those entries) and inserted again...
//   b->commit();                            // durable (synchronous_commit on) before any answer
// A batch that is destroyed without commit() rolls back: nothing of it is left behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "rules/decision.h"
#include "rules/history.h"

namespace rxgate::store {

enum class errc : std::uint8_t {
  ok = 0,
  unavailable,   // cannot connect / connection lost: answer 92, retry later
  timeout,       // statement timeout: answer 95/99
  conflict,      // serialization or unique conflict that the caller must resolve
  schema,        // schema missing or newer than this binary knows
  invalid,       // bad argument (caller bug or bad input to the read API)
  not_found,     // the read API found no such claim / prior authorization
  internal,      // anything else: answer 99
};

struct error {
  errc code = errc::ok;
  std::string message;  // never holds patient data
  explicit operator bool() const noexcept { return code != errc::ok; }
  static error ok() { return {}; }
};

// One transaction of the batch.
struct batch_entry {
  // set by the caller
  const codec::claim* claim = nullptr;
  std::string_view request_bytes;   // the whole transmission as received
  std::string_view response_bytes;  // the whole response sent for it (set before insert)
  rules::decision decision;         // set before insert
  std::string_view source;          // where it came from: "ncpdp", "json", "test"
  // set by load_history (views into the batch's buffers, valid until the batch ends)
  rules::member_history history;
  // set by insert
  std::int64_t claim_id = 0;
  bool conflict = false;  // a paid claim under this key was committed elsewhere meanwhile
};

class batch {
 public:
  virtual ~batch() = default;
  virtual error load_history(std::span<batch_entry> entries) = 0;
  virtual error insert(std::span<batch_entry> entries) = 0;
  virtual error commit() = 0;
};

// How insert() writes the rows of a batch. Both are one round trip per table and durable at
// commit; bench/sql/store_bench.cpp measures them (bench/RESULTS.md "## store").
enum class insert_method : std::uint8_t {
  unnest,  // one prepared INSERT ... SELECT FROM unnest($1::text[], ...) per table
  copy,    // COPY ... FROM STDIN through pqxx::stream_to
};

struct store_options {
  std::string dsn;
  std::chrono::milliseconds statement_timeout{2000};
  std::chrono::milliseconds reconnect_min{100}, reconnect_max{5000};
  int read_pool_size = 2;
  // Member history handed to the rules: paid, not reversed fills with a date of service no
  // older than this many days before the earliest date of service in the batch.
  int history_days = 400;
  insert_method method = insert_method::copy;
};

class claim_store {
 public:
  virtual ~claim_store() = default;
  // Start a batch on the writer connection (reconnecting with backoff when needed).
  virtual error begin(std::unique_ptr<batch>& out) = 0;
  // True when the last use of the writer connection succeeded.
  virtual bool healthy() const noexcept = 0;
};

// Connects lazily; never throws.
std::unique_ptr<claim_store> open_store(const store_options& options);

// Apply the missing migrations in sql/migrations (embedded in the binary at build time), each in
// its own transaction, and record their versions in rxgate_schema_migrations. Concurrent runs
// serialize on an advisory lock. Fails with errc::schema when the database is newer than this
// binary. Also creates the claim partitions for the past 13 and next 3 months. Start-up only:
// may block. `report` gets one line per step.
error migrate(const std::string& dsn, std::string& report);

// Highest migration version this binary knows; the store refuses a database at another version.
int known_schema_version() noexcept;

}  // namespace rxgate::store
