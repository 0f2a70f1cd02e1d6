// The claims store: every claim and its outcome in PostgreSQL, exactly once, in group commits.
//
// Only sql/ sees libpqxx; it is linked PRIVATE and its exceptions stop here. Every fallible call
// returns a store::error (code ok on success) and never throws.
//
// The batcher (server/) drives one batch per transaction, on the single writer connection:
//   std::unique_ptr<batch> b;
//   store->begin(b);                        // errc::unavailable while PostgreSQL is down or the
//                                           // reconnect back-off runs (answer 92/99 at once)
//   b->load_history(entries);               // ONE query for every member and claim key
//   ...rules::adjudicate each entry in order (entry.history in, entry.decision out),
//      build each response into entry.response_bytes...
//   b->insert(entries);                     // sets claim_id, or conflict = true
//   while (some entries have conflict) {    // lost their key to another transaction
//     b->load_history(those);               // now shows the winner in history.same_key
//     ...adjudicate them again (duplicate D or 83; a B2 becomes S), rebuild their responses...
//     b->insert(those);
//   }
//   b->commit();                            // durable (synchronous_commit on) before any answer
// Any error ends the batch: it is rolled back whole and the caller answers every entry 92/99
// (nothing of it is stored, so a retransmit is adjudicated afresh). A batch destroyed without
// commit() rolls back too. Only one batch is open at a time (begin() says errc::invalid).
//
// Exactly once (DESIGN.md §3). Claim key = (BIN, PCN, provider ID qualifier + ID, Rx number,
// fill number (absent = 0), date of service). insert() enforces the decisions with the
// active_paid_keys table (migration 0001): a paid B1/B3 (status P) inserts its key with
// ON CONFLICT DO NOTHING, so of two nodes racing on one key exactly one pays and the other waits
// for it to commit and gets conflict; an accepted B2 (A) or paid B3 deletes the key of
// decision.replaces_claim_id (conflict when that claim is no longer the active one); a duplicate
// answer (D) must still find replaces_claim_id active (conflict otherwise). An entry with
// conflict is not written at all; re-adjudicate it as above. Everything else (rejects, S, E1) is
// written as decided.
//
// History (what load_history puts in entry.history; views valid until the batch ends):
// - fills: the member's paid, not reversed claims, most recent first, from a start date: the
//   batch's earliest date of service less the entries' largest fill_lookback_days (every fill
//   the rules read whatever its supply), moved back to the oldest fill of the history_days
//   before that date whose days supply reaches past it (fill date + days supply > that date),
//   if there is one. A fill left out ran out before every entry's date of service, and so did
//   every older fill: refill too soon (thresholds <= 100 % of the supply) and therapeutic
//   duplication decide as they would on the whole history. An entry with fill_lookback_days -1
//   gets all history_days. Member = (BIN, cardholder ID, person code). Entries of one member
//   share one span.
// - authorizations: the member's prior authorizations not expired before that date, revoked
//   ones included (flagged).
// - same_key: the claim under the entry's claim key: the active paid one, else the last reversed
//   paid one (reversed = true), else the last rejected one; with the authorization number,
//   fingerprint and pricing to replay a duplicate.
// - accumulators (entries with a valid accumulator_year only): year_start = that year; member
//   and family = the sums of what the member's and the family's (BIN + cardholder ID) paid, not
//   reversed claims of that plan year applied, plus the amounts imported for it
//   (accumulator_imports). same_key.applied is what the key's claim applied while it is active.
// Accumulators are counted from the ledger, never kept as counters: insert() stores
// decision.accumulated and decision.accumulator_year with the paid claim's key row (a reversal
// deletes it) and on the claim. Before it reads, load_history takes a transaction-scoped
// advisory lock per family of those entries (sorted, one statement), so batches touching one
// family run one after the other on every node: a family's sums cannot change under a batch
// between its load_history and its commit. Entries without a year cost no extra statement.
// Claims inside one batch do not see each other through load_history (the batcher folds them in
// itself, or relies on the conflict path above).
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
  rules::decision decision;         // set before insert; decision.request_fingerprint and
                                    // replaces_claim_id are stored and drive the key table
  std::string_view source;          // where it came from: "ncpdp", "json", "test"
  codec::date accumulator_year;     // the plan year whose accumulators the claim reads
                                    // (rules::accumulator_year); invalid = its plan keeps none
  int fill_lookback_days = -1;      // days before its date of service whose fills the rules
                                    // all read (rules::fill_lookback_days); older ones only
                                    // while their supply lasts; -1 = all of history_days
  // set by load_history (views into the batch's buffers, valid until the batch ends)
  rules::member_history history;
  // set by insert
  std::int64_t claim_id = 0;
  bool conflict = false;  // the key changed under this decision: not written, re-adjudicate
};

class batch {
 public:
  virtual ~batch() = default;
  virtual error load_history(std::span<batch_entry> entries) = 0;
  // P1-P4 (issue 15). Both are no-ops (no statement) for a batch without a P transaction.
  // load_prior_authorizations(), after load_history: each P entry's history.named_authorization
  // (P2/P3: the PA its 498-PY names for its member, BIN + cardholder ID, whatever its state;
  // P1/P4: the unrevoked PA filed under its claim key, so a retransmit answers that one) and, for
  // a P1/P4 without one, a fresh 11-digit number from prior_authorization_number_seq in
  // history.reserved_pa_number (a number drawn but not used is skipped, as sequences do).
  virtual error load_prior_authorizations(std::span<batch_entry> entries) {
    (void)entries;
    return {};
  }
  // record_prior_authorizations(), after the decisions and before insert: files the pending PAs
  // the decisions request and revokes the PAs they cancel (decision.pa_answer), in the batch's
  // transaction, so they commit with the claims that asked for them or not at all. A second
  // live PA under one request key (unique index, migration 0019) fails the batch.
  virtual error record_prior_authorizations(std::span<const batch_entry> entries) {
    (void)entries;
    return {};
  }
  virtual error insert(std::span<batch_entry> entries) = 0;
  virtual error commit() = 0;
  // insert(), then commit() unless an entry lost its key; `committed` says whether it committed.
  // The pipeline method sends both in one round trip. With a conflict nothing of this insert is
  // written and the batch stays open: settle the conflicts as after insert(), then commit(). A
  // lost connection after the COMMIT went out is errc::unavailable (outcome unknown).
  virtual error insert_and_commit(std::span<batch_entry> entries, bool& committed) {
    committed = false;
    if (error e = insert(entries)) return e;
    for (const auto& e : entries) {
      if (e.conflict) return {};
    }
    if (error e = commit()) return e;
    committed = true;
    return {};
  }
};

// How insert() writes the rows of a batch. Both are durable at commit; bench/sql/store_bench.cpp
// measures them (bench/RESULTS.md "## store", "### lean store (issue 14)").
enum class insert_method : std::uint8_t {
  pipeline,  // libpq pipeline mode on the raw connection: BEGIN, the family locks and the history
             // in one round trip, the unnest statement and COMMIT in another (insert_and_commit)
  unnest,  // the key statements and every table's rows in one prepared statement (unnest arrays):
           // one round trip
  copy,    // the key statements, then COPY ... FROM STDIN per table (pqxx::stream_to): less
           // PostgreSQL CPU per row, two round trips per table
};

struct store_options {
  std::string dsn;
  std::chrono::milliseconds statement_timeout{2000};
  std::chrono::milliseconds reconnect_min{100}, reconnect_max{5000};
  // Longest a batch may hold the writer connection, begin to commit; past it the connection is
  // abandoned (its socket shut down, no cancel request) and the batch fails errc::unavailable,
  // its outcome unknown when it was committing. 0: no deadline. (A frozen server never fires
  // statement_timeout: it is enforced by the server.)
  std::chrono::milliseconds write_deadline{0};
  int read_pool_size = 2;
  // Member history handed to the rules: paid, not reversed fills with a date of service no
  // older than this many days before the earliest date of service in the batch.
  int history_days = 400;
  insert_method method = insert_method::pipeline;
  // How often the writer looks for a new zstd dictionary (sql/claim_dictionaries.h), between
  // batches; 0: before every batch.
  std::chrono::milliseconds dictionary_look_interval{60000};
};

class claim_store {
 public:
  virtual ~claim_store() = default;
  // Start a batch on the writer connection (reconnecting with backoff when needed).
  virtual error begin(std::unique_ptr<batch>& out) = 0;
  // True when the last use of the writer connection succeeded.
  virtual bool healthy() const noexcept = 0;
  // Opens the writer connection now and checks the schema version (start-up, /readyz); begin()
  // does the same lazily. Same errors as begin(); ok when already connected.
  virtual error connect() = 0;
};

// Connects lazily; never throws.
std::unique_ptr<claim_store> open_store(const store_options& options);

// Apply the missing migrations in sql/migrations (embedded in the binary at build time), each in
// its own transaction, and record their versions in rxgate_schema_migrations. Concurrent runs
// serialize on an advisory lock. Fails with errc::schema when the database is newer than this
// binary. Also creates the claim partitions for the past 13 and next 3 months. Start-up only:
// may block. `report` gets one line per step.
error migrate(const std::string& dsn, std::string& report);

// What ensure_partitions() found and did.
struct partition_check {
  std::int64_t created = 0;           // monthly partitions created (0 when all existed)
  std::int64_t rows_in_default = 0;   // claims in claims_default: dated outside every partition
};

// Creates the claim partitions for the past 13 and the next 3 months that do not exist yet
// (rxgate_ensure_claim_partitions, idempotent; a partition that exists is not touched and takes no
// lock) and counts the claims that landed in the default partition. The gateway runs it at start
// and every few hours, so a gateway that runs for months never writes into the default partition.
// Blocking (seconds at most); call off the claim path. Never throws.
error ensure_partitions(const std::string& dsn, partition_check& out) noexcept;

// Highest migration version this binary knows; the store refuses a database at another version.
int known_schema_version() noexcept;

}  // namespace rxgate::store
