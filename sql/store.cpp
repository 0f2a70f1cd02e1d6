// The writer side of the claims store: one connection, one transaction per batch; the batch
// protocol of sql/store.h. The SQL is in store_statements.cpp, the rows sent in store_rows.cpp, the
// member history a batch loads in store_history.cpp.
//
// Round trips per batch: BEGIN; load_history is one statement (two when a plan keeps
// accumulators: the family locks first), which also reserves the claim ids insert() will use;
// insert with COPY is one statement for everything on the active paid key table and the links
// (rxgate_write_keys, migration 0013: reversals, payments, duplicate checks), skipped when the
// batch has none, then one COPY per table with rows (claims, rejects, DUR alerts); insert with
// unnest is one statement for all of it (insert_batch); COMMIT. Claim data only ever travels as
// bound parameters or COPY data.
#include <pqxx/pqxx>

#include <atomic>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "sql/claim_bytes.h"
#include "sql/claim_id.h"
#include "sql/connection.h"
#include "sql/migrations.h"
#include "sql/pg.h"
#include "sql/pg_pipeline.h"
#include "sql/store.h"
#include "sql/store_history.h"
#include "sql/store_prior_authorizations.h"
#include "sql/store_rows.h"
#include "sql/store_statements.h"

namespace rxgate::store {

int known_schema_version() noexcept {
  const auto all = detail::embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

namespace {

using rows::fill_number_of;
using rows::rows_builder;

using detail::history_arguments;
using detail::history_arguments_for;
using detail::history_load;
using detail::spread_history;

// ---- the active paid key table -------------------------------------------------------------

// B2 accepted, or B3 paid (reverse and rebill), against a known paid claim.
bool reverses(const batch_entry& e) {
  const auto& t = e.claim->transaction_code;
  return e.decision.replaces_claim_id != 0 &&
         ((t == "B2" && e.decision.status == 'A') || (t == "B3" && e.decision.status == 'P'));
}
bool pays(const batch_entry& e) {
  const auto& t = e.claim->transaction_code;
  return e.decision.status == 'P' && (t == "B1" || t == "B3");
}
bool duplicate(const batch_entry& e) { return e.decision.status == 'D' && e.decision.replaces_claim_id != 0; }

// ---- the store -----------------------------------------------------------------------------

// The rows of rxgate_write_keys (migrations 0013, 0018, 0026) for a batch: reversals (the key
// must still point at the claim reversed), payments (the key insert decides who pays, here and on
// every other node; a rebill pays only when its reversal won), duplicate answers (the original
// must still be the active paid claim), links.
struct write_keys_rows {
  explicit write_keys_rows(rows::rows_format format)
      : reversals(statements::column_types::reversals, format),
        payments(statements::column_types::payments, format),
        duplicates(statements::column_types::duplicates, format),
        links(statements::column_types::links, format) {}

  void add(std::span<const batch_entry> entries, const std::vector<std::int64_t>& ids) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const batch_entry& e = entries[i];
      if (reverses(e)) {
        rows::add_key_columns(reversals, e.decision.replaces_claim_id, *e.claim);
        reversals.integer(ids[i]);
        reversals.end_row();
      }
      if (pays(e)) rows::add_pay_row(payments, ids[i], *e.claim, e.decision);
      if (duplicate(e)) {
        rows::add_key_columns(duplicates, e.decision.replaces_claim_id, *e.claim);
        duplicates.integer(ids[i]);
        duplicates.end_row();
      }
      rows::add_link_row(links, ids[i], e);
    }
  }
  // Whether rxgate_write_keys has anything to do.
  bool any() const noexcept { return reversals.rows() || payments.rows() || duplicates.rows() || links.rows(); }
  void reset() {
    for (auto* b : {&reversals, &payments, &duplicates, &links}) b->reset();
  }

  rows_builder reversals, payments, duplicates, links;
};

// The pipeline method's insert_batch arguments in binary arrays, kept by the writer from batch
// to batch (pg_store::insert_arrays_for): each batch resets and fills them, so their buffers are
// the ones earlier batches grew and a batch allocates none of its own (building them afresh cost
// 11 % of the server's instructions at batches of one claim: bench/RESULTS.md).
struct insert_arrays {
  write_keys_rows keys{rows::rows_format::binary_arrays};
  rows::claim_rows rows{rows::rows_format::binary_arrays};
};

class pg_store;

class pg_batch final : public batch {
 public:
  // `work` for the copy and unnest methods; `raw` (work null) for the pipeline method.
  pg_batch(pg_store& store, std::unique_ptr<pqxx::work> work, PGconn* raw)
      : store_(store), work_(std::move(work)), raw_(raw) {}
  ~pg_batch() override;

  error load_history(std::span<batch_entry> entries) override;
  error load_prior_authorizations(std::span<batch_entry> entries) override;
  error record_prior_authorizations(std::span<const batch_entry> entries) override;
  error insert(std::span<batch_entry> entries) override;
  error insert_and_commit(std::span<batch_entry> entries, bool& committed) override;
  error commit() override;

 private:
  // Call only inside a catch block.
  error fail(std::string_view what);
  // Runs prepared statement `name` in the batch's transaction; its rows stay in `load` (a new
  // loads_ entry) until the batch ends. Throws what libpqxx throws (callers catch).
  error run_kept(const char* name, const std::vector<std::string>& arguments, std::string_view what,
                 history_load*& load);
  // Ends the batch after error `e`: rolled back, the connection dropped when `untrusted`.
  error end_failed(error e, bool untrusted) noexcept;
  // Claim ids for the next `n` entries, reserved by load_history or now.
  error take_ids(std::size_t n, std::vector<std::int64_t>& ids);
  // insert() and insert_and_commit() (with `committed` non-null).
  error insert_entries(std::span<batch_entry> entries, bool* committed);
  // The pipeline method: the exchange's error ends the batch.
  error exchange(pg::pipeline& p, std::string_view what, std::vector<pg::raw_result>& results);
  // Queues BEGIN unless this batch's transaction has begun (from then on a failure rolls back).
  void begin_in(pg::pipeline& p) {
    if (begun_) return;
    p.command("BEGIN");
    begun_ = true;
  }
  // ROLLBACK outside pipeline mode; false when it failed (drop the connection).
  bool rollback_raw() noexcept;
  error insert_pipelined(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                         std::vector<bool>& write, bool* committed);
  void insert_in_one_statement(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                               std::vector<bool>& write);
  void insert_with_copy(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                        std::vector<bool>& write);

  pg_store& store_;
  std::unique_ptr<pqxx::work> work_;
  PGconn* raw_ = nullptr;
  bool begun_ = false;  // pipeline: BEGIN has been sent
  std::deque<history_load> loads_;
  std::deque<std::int64_t> reserved_ids_;  // reserved by load_history, not yet used by insert
  bool failed_ = false;
  bool done_ = false;
};

pg::connection_settings writer_settings(const store_options& o) {
  pg::connection_settings s;
  s.dsn = o.dsn;
  s.application_name = "rxgate-writer";
  s.statement_timeout = o.statement_timeout;
  // The writer's statements take arrays, so a custom plan knows no more than a generic one, and
  // re-planning them against every partition on each batch was most of the fixed cost of a
  // small batch (bench/RESULTS.md, ## store).
  s.plan_cache_mode = "force_generic_plan";
  s.synchronous_commit = true;
  s.schema_version = known_schema_version();
  s.reconnect_min = o.reconnect_min;
  s.reconnect_max = o.reconnect_max;
  s.deadline = o.write_deadline;
  s.statements = statements::writer_statements();
  return s;
}

class pg_store final : public claim_store {
 public:
  explicit pg_store(store_options options)
      : options_(std::move(options)), settings_(writer_settings(options_)), connection_(settings_) {}
  ~pg_store() override = default;

  error begin(std::unique_ptr<batch>& out) override {
    out.reset();
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || batch_open_) {
      return {errc::invalid, "begin: a batch is already open on the writer connection"};
    }
    if (error e = open("begin")) return e;
    connection_.start_deadline();  // ended in batch_closed(), however the batch ends
    refresh_dictionaries();
    try {
      // The pipeline method sends BEGIN with the batch's first statements, not on its own.
      auto work = raw_ ? nullptr : std::make_unique<pqxx::work>(connection_.get(), "rxgate_batch");
      batch_open_ = true;
      out = std::make_unique<pg_batch>(*this, std::move(work), raw_);
      return {};
    } catch (...) {
      mark(false);
      const bool expired = connection_.end_deadline();
      error e = connection_.fail("begin");
      if (expired) connection_.drop();
      return e;
    }
  }

  bool healthy() const noexcept override { return healthy_.load(std::memory_order_relaxed); }

  error connect() override {
    std::lock_guard lock(mutex_);
    return open("connect");
  }

  const store_options& options() const noexcept { return options_; }
  // Packs the raw request and response of the rows of the open batch (sql/claim_bytes.h).
  packer& claim_packer() noexcept { return *packer_; }
  // The history statement's arguments for `entries`, in the kept ones (detail::history_arguments),
  // valid until the next call; one batch at a time uses them.
  const history_arguments& kept_history_arguments(std::span<const batch_entry> entries) {
    history_arguments_for(entries, options_.history_days, history_arguments_);
    return history_arguments_;
  }
  // The pipeline method's insert arguments for `entries` (claim ids `ids`) in the kept arrays,
  // valid until the next call; one batch at a time uses them.
  insert_arrays& insert_arrays_for(std::span<const batch_entry> entries, const std::vector<std::int64_t>& ids) {
    insert_arrays_.keys.reset();
    insert_arrays_.keys.add(entries, ids);
    insert_arrays_.rows.reset(packer_.get());
    for (std::size_t i = 0; i < entries.size(); ++i) insert_arrays_.rows.add(entries[i], ids[i]);
    return insert_arrays_;
  }

  // Called by a batch when it ends, however it ends.
  void batch_closed(bool connection_lost) noexcept {
    std::lock_guard lock(mutex_);
    batch_open_ = false;
    // Past the deadline the socket is shut down: whatever the batch saw, the connection is gone.
    const bool expired = connection_.end_deadline();
    if (connection_lost || expired) connection_.drop();
  }
  void mark(bool ok) noexcept { healthy_.store(ok, std::memory_order_relaxed); }

 private:
  // Healthy turns true only with a fresh connection; a batch that works on an old one says so.
  error open(std::string_view what) {
    const bool was_open = connection_.is_open();
    if (!was_open) raw_ = nullptr;
    error e = connection_.open(what);
    if (!e && !raw_ && options_.method == insert_method::pipeline) e = open_raw(what);
    if (e) {
      mark(false);
    } else if (!was_open) {
      mark(true);
    }
    return e;
  }

  // A dictionary `rxgate dictionaries train` stored is used from the first batch after the
  // minute's look: one short statement a minute between batches, never inside one. A failed look
  // keeps the dictionaries in use (the batch that follows finds out whether the connection is
  // gone) and looks again at the next batch.
  void refresh_dictionaries() noexcept {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_dictionary_look_) return;
    try {
      pqxx::nontransaction t(connection_.get(), "rxgate_dictionaries");
      const auto newest = t.exec_prepared1("claim_dictionaries_newest")[0].as<std::int64_t>();
      if (newest != 0 && !packer_->dictionaries().has(static_cast<std::uint32_t>(newest)))
        packer_ = std::make_unique<packer>(load_dictionaries(t));
      next_dictionary_look_ = now + options_.dictionary_look_interval;
    } catch (...) {
    }
  }

  // The pipeline method sends prepared statements by name through the raw connection, so they
  // must exist on the server before the first batch (libpqxx prepares on first use).
  error open_raw(std::string_view what) {
    try {
      for (const auto& statement : settings_.statements) connection_.get().prepare_now(statement.name);
      raw_ = pg::raw_connection(connection_.get());
      return {};
    } catch (...) {
      raw_ = nullptr;
      return connection_.fail(what);
    }
  }

  store_options options_;
  pg::connection_settings settings_;
  std::mutex mutex_;
  pg::connection connection_;
  PGconn* raw_ = nullptr;  // the pipeline method: connection_'s PGconn while it is open
  bool batch_open_ = false;
  std::atomic<bool> healthy_{false};
  insert_arrays insert_arrays_;            // used only while a batch is open (one at a time)
  history_arguments history_arguments_;    // the same
  std::unique_ptr<packer> packer_ = std::make_unique<packer>(std::make_shared<dictionary_set>());
  std::chrono::steady_clock::time_point next_dictionary_look_{};
};

pg_batch::~pg_batch() {
  bool lost = failed_;
  if (!done_ && work_) {
    try {
      work_->abort();
    } catch (...) {
      lost = true;
    }
  } else if (!done_ && begun_ && !rollback_raw()) {
    lost = true;
  }
  try {
    work_.reset();
  } catch (...) {
    lost = true;
  }
  store_.batch_closed(lost);
}

error pg_batch::fail(std::string_view what) {
  bool lost = false;
  error e = pg::translate_current_exception(what, lost);
  // The connection is dropped and reopened when the error says it is gone or cannot be trusted.
  const bool untrusted = lost || e.code == errc::internal;
  return end_failed(std::move(e), untrusted);
}

error pg_batch::end_failed(error e, bool untrusted) noexcept {
  // After any error the transaction is aborted: nothing of the batch will commit.
  failed_ = untrusted;
  if (work_) {
    try {
      work_->abort();
    } catch (...) {
      failed_ = true;
    }
  } else if (!untrusted && begun_ && !rollback_raw()) {
    failed_ = true;
  }
  done_ = true;
  store_.mark(false);
  return e;
}

error pg_batch::load_history(std::span<batch_entry> entries) {
  if (done_) return {errc::invalid, "load_history: the batch has ended"};
  if (entries.empty()) return {};
  try {
    for (const auto& e : entries) {
      if (!e.claim) return {errc::invalid, "load_history: entry without a claim"};
    }
    const history_arguments& a = store_.kept_history_arguments(entries);
    const auto& m = a.members;
    const auto& k = a.keys;
    const auto& y = a.years;
    if (!work_) {
      // BEGIN, the family locks and the history in one round trip.
      pg::pipeline p(raw_);
      begin_in(p);
      if (a.year_count > 0) p.prepared("lock_families", {&a.families[0], &a.families[1]});
      const std::string count = std::to_string(entries.size());
      p.prepared("history", {&m[0], &m[1], &m[2], &k[0], &k[1], &k[2], &k[3], &k[4], &k[5], &a.since, &k[6], &y[0],
                             &y[1], &y[2], &y[3], &count, &a.recent_since, &a.supply_date, &a.key_from,
                             &a.key_through});
      std::vector<pg::raw_result> results;
      if (error e = exchange(p, "load_history", results)) return e;
      history_load& load = loads_.emplace_back();
      load.raw = std::move(results.back());
      spread_history(pg::raw_rows{load.raw.get()}, load, entries, a, reserved_ids_);
      return {};
    }
    if (a.year_count > 0) work_->exec_prepared("lock_families", a.families[0], a.families[1]);
    history_load& load = loads_.emplace_back();
    load.rows = work_->exec_prepared("history", m[0], m[1], m[2], k[0], k[1], k[2], k[3], k[4], k[5], a.since, k[6],
                                     y[0], y[1], y[2], y[3], static_cast<int>(entries.size()), a.recent_since,
                                     a.supply_date, a.key_from, a.key_through);
    spread_history(load.rows, load, entries, a, reserved_ids_);
    return {};
  } catch (...) {
    return fail("load_history");
  }
}

error pg_batch::run_kept(const char* name, const std::vector<std::string>& arguments, std::string_view what,
                         history_load*& load) {
  if (!work_) {
    pg::pipeline p(raw_);
    begin_in(p);
    p.prepared(name, arguments);
    std::vector<pg::raw_result> results;
    if (error e = exchange(p, what, results)) return e;
    load = &loads_.emplace_back();
    load->raw = std::move(results.back());
    return {};
  }
  load = &loads_.emplace_back();
  load->rows = work_->exec_prepared(name, pqxx::prepare::make_dynamic_params(arguments));
  return {};
}

error pg_batch::load_prior_authorizations(std::span<batch_entry> entries) {
  if (done_) return {errc::invalid, "load_prior_authorizations: the batch has ended"};
  try {
    std::vector<std::size_t> which;
    const auto arguments = detail::pa_lookup_arguments(entries, which);
    if (which.empty()) return {};
    history_load* load = nullptr;
    if (error e = run_kept("pa_lookup", arguments, "load_prior_authorizations", load)) return e;
    if (work_) detail::spread_pa_lookup(load->rows, entries, which);
    else detail::spread_pa_lookup(pg::raw_rows{load->raw.get()}, entries, which);
    return {};
  } catch (...) {
    return fail("load_prior_authorizations");
  }
}

error pg_batch::record_prior_authorizations(std::span<const batch_entry> entries) {
  if (done_) return {errc::invalid, "record_prior_authorizations: the batch has ended"};
  try {
    bool any = false;
    const auto arguments = detail::pa_record_arguments(entries, any);
    if (!any) return {};
    history_load* load = nullptr;
    return run_kept("pa_record", arguments, "record_prior_authorizations", load);
  } catch (...) {
    return fail("record_prior_authorizations");
  }
}

error pg_batch::exchange(pg::pipeline& p, std::string_view what, std::vector<pg::raw_result>& results) {
  bool lost = false;
  error e = p.exchange(what, results, lost);
  if (e) return end_failed(std::move(e), lost || e.code == errc::internal);
  return {};
}

bool pg_batch::rollback_raw() noexcept {
  if (PQpipelineStatus(raw_) != PQ_PIPELINE_OFF) return false;
  const pg::raw_result r(PQexec(raw_, "ROLLBACK"));
  return r && PQresultStatus(r.get()) == PGRES_COMMAND_OK;
}

error pg_batch::insert(std::span<batch_entry> entries) { return insert_entries(entries, nullptr); }

error pg_batch::insert_and_commit(std::span<batch_entry> entries, bool& committed) {
  committed = false;
  if (work_) return batch::insert_and_commit(entries, committed);
  return insert_entries(entries, &committed);
}

error pg_batch::insert_entries(std::span<batch_entry> entries, bool* committed) {
  if (done_) return {errc::invalid, "insert: the batch has ended"};
  if (entries.empty()) {
    if (!committed) return {};
    error e = commit();
    *committed = !e;
    return e;
  }
  for (const auto& e : entries) {
    if (!e.claim) return {errc::invalid, "insert: entry without a claim"};
  }
  try {
    const std::size_t n = entries.size();
    std::vector<std::int64_t> ids;
    if (error e = take_ids(n, ids)) return e;
    if (ids.size() != n) return end_failed({errc::internal, "insert: reserve ids: too few ids"}, false);
    // Sequence values become ids that carry each claim's stored date (sql/claim_id.h): a read by
    // id then goes to the claim's partition only.
    for (std::size_t i = 0; i < n; ++i) ids[i] = make_claim_id(ids[i], stored_date(*entries[i].claim));
    for (auto& e : entries) {
      e.claim_id = 0;
      e.conflict = false;
    }
    std::vector<bool> write(n, true);
    if (!work_) {
      if (error e = insert_pipelined(entries, ids, write, committed)) return e;
    } else if (store_.options().method == insert_method::copy) {
      insert_with_copy(entries, ids, write);
    } else {
      insert_in_one_statement(entries, ids, write);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (write[i]) {
        entries[i].claim_id = ids[i];
      } else {
        entries[i].conflict = true;
      }
    }
    store_.mark(true);
    return {};
  } catch (...) {
    return fail("insert");
  }
}

error pg_batch::take_ids(std::size_t n, std::vector<std::int64_t>& ids) {
  ids.reserve(n);
  while (ids.size() < n && !reserved_ids_.empty()) {
    ids.push_back(reserved_ids_.front());
    reserved_ids_.pop_front();
  }
  if (ids.size() >= n) return {};
  const std::string missing = std::to_string(n - ids.size());
  if (work_) {
    for (const auto& row : work_->exec_prepared("reserve_ids", missing)) ids.push_back(row[0].as<std::int64_t>());
    return {};
  }
  pg::pipeline p(raw_);
  begin_in(p);
  p.prepared("reserve_ids", {&missing});
  std::vector<pg::raw_result> results;
  if (error e = exchange(p, "insert: reserve ids", results)) return e;
  for (const auto row : pg::raw_rows{results.back().get()}) ids.push_back(pg::int_or(row[0], 0));
  return {};
}

// rxgate_write_keys' arguments as array literals (the unnest and COPY methods).
std::vector<std::string> write_keys_arguments(std::span<const batch_entry> entries,
                                              const std::vector<std::int64_t>& ids, bool& any) {
  write_keys_rows rows(rows::rows_format::text_arrays);
  rows.add(entries, ids);
  any = rows.any();
  std::vector<std::string> arguments;
  arguments.reserve(statements::write_keys_argument_count);
  for (auto* b : {&rows.reversals, &rows.payments, &rows.duplicates, &rows.links}) {
    for (auto& a : std::move(*b).arrays()) arguments.push_back(std::move(a));
  }
  return arguments;
}

// The entries whose claim id came back (they lost their key) are not written.
template <class Rows>
void drop_lost(const Rows& lost_ids, const std::vector<std::int64_t>& ids, std::vector<bool>& write) {
  if (lost_ids.empty()) return;
  std::unordered_set<std::int64_t> lost;
  for (const auto& row : lost_ids) lost.insert(pg::int_or(row[0], 0));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (lost.count(ids[i])) write[i] = false;
  }
}

template <std::size_t N>
void copy_rows(pqxx::work& work, const char* table, const char* const (&columns)[N], const rows_builder& rows) {
  if (!rows.rows()) return;
  pqxx::stream_to s(work, table, std::vector<std::string>(std::begin(columns), std::end(columns)));
  rows.copy_into<N>(s);
  s.complete();
}

// unnest: the key statements and every row in one statement (insert_batch), one round trip.
// The rows of every entry are sent; those of an entry that lost its key are dropped server-side.
// The arguments of insert_batch: write_keys' arguments, then the rows of every entry.
std::vector<std::string> insert_batch_arguments(std::span<const batch_entry> entries,
                                                const std::vector<std::int64_t>& ids, packer& packer) {
  bool any_keys = false;
  std::vector<std::string> arguments = write_keys_arguments(entries, ids, any_keys);
  arguments.reserve(arguments.size() + std::size(statements::column_types::claims) +
                    std::size(statements::column_types::rejects) + std::size(statements::column_types::durs));
  rows::claim_rows r(rows::rows_format::text_arrays, &packer);
  for (std::size_t i = 0; i < entries.size(); ++i) r.add(entries[i], ids[i]);
  for (auto* b : {&r.claims, &r.rejects, &r.durs}) {
    for (auto& a : std::move(*b).arrays()) arguments.push_back(std::move(a));
  }
  return arguments;
}

void pg_batch::insert_in_one_statement(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                                       std::vector<bool>& write) {
  const std::vector<std::string> arguments = insert_batch_arguments(entries, ids, store_.claim_packer());
  drop_lost(work_->exec_prepared("insert_batch", pqxx::prepare::make_dynamic_params(arguments)), ids, write);
}

// The pipeline method: insert_batch in one round trip (BEGIN first when the batch has not
// begun). With `committed`: SAVEPOINT, insert_batch_or_fail and COMMIT in one round trip;
// insert_batch_or_fail fails when an entry lost its key (unique_violation, 23505, for a payment
// whose key another transaction took; division by zero, 22012, for a reversal or a duplicate
// answer whose original is no longer the key's claim), so the COMMIT is skipped and nothing is
// committed; then one more round trip goes back to the savepoint and runs insert_batch, which
// answers the entries that lost, as insert() does, and the batch stays open for the caller to
// settle them. Either state from anything else fails insert_batch too and ends the batch.
error pg_batch::insert_pipelined(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                                 std::vector<bool>& write, bool* committed) {
  // The arguments are built in the writer's kept arrays (insert_arrays). The rejects' and the DUR
  // alerts' arrays stay home when they hold no rows, and so do their INSERTs (the form
  // insert_batch_name gives).
  insert_arrays& a = store_.insert_arrays_for(entries, ids);
  const bool rejects = a.rows.rejects.rows() > 0;
  const bool durs = a.rows.durs.rows() > 0;
  const auto unsent = statements::insert_batch_unsent(rejects, durs);
  const std::span<const std::string> arguments[] = {
      a.keys.reversals.finish(), a.keys.payments.finish(), a.keys.duplicates.finish(), a.keys.links.finish(),
      a.rows.claims.finish(),    a.rows.rejects.finish(),  a.rows.durs.finish()};
  std::vector<pg::raw_result> results;
  pg::pipeline p(raw_);
  const int insert_at = begun_ ? 1 : 2;  // insert_batch_or_fail's place in the exchange
  begin_in(p);
  if (committed) {
    p.command("SAVEPOINT rxgate_insert");
    p.prepared_binary(statements::insert_batch_name(true, rejects, durs), arguments, unsent);
    p.command("COMMIT", true);
    bool lost = false;
    error e = p.exchange("insert", results, lost);
    if (!e) {
      done_ = true;
      *committed = true;
      return {};
    }
    const bool key_lost = p.failed_state() == "22012" || p.failed_state() == "23505";
    if (lost || p.failed_at() != insert_at || !key_lost) {
      return end_failed(std::move(e), lost || e.code == errc::internal);
    }
    p.command("ROLLBACK TO SAVEPOINT rxgate_insert");
  }
  p.prepared_binary(statements::insert_batch_name(false, rejects, durs), arguments, unsent);
  if (error e = exchange(p, "insert", results)) return e;
  drop_lost(pg::raw_rows{results.back().get()}, ids, write);
  return {};
}

// COPY: the key statements (write_keys, when the batch has any), then one COPY per table with
// rows, each two round trips (COPY cannot be pipelined with the statements before it).
void pg_batch::insert_with_copy(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                                std::vector<bool>& write) {
  bool any_keys = false;
  const std::vector<std::string> arguments = write_keys_arguments(entries, ids, any_keys);
  if (any_keys) {
    drop_lost(work_->exec_prepared("write_keys", pqxx::prepare::make_dynamic_params(arguments)), ids, write);
  }
  rows::claim_rows r(rows::rows_format::copy, &store_.claim_packer());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (write[i]) r.add(entries[i], ids[i]);
  }
  copy_rows(*work_, "claims", statements::claim_columns, r.claims);
  copy_rows(*work_, "claim_rejects", statements::reject_columns, r.rejects);
  copy_rows(*work_, "claim_dur_alerts", statements::dur_columns, r.durs);
}

error pg_batch::commit() {
  if (done_) return {errc::invalid, "commit: the batch has ended"};
  try {
    if (!work_) {
      // A batch that sent nothing yet (a readiness probe) still makes its round trip.
      pg::pipeline p(raw_);
      begin_in(p);
      p.command("COMMIT", true);
      std::vector<pg::raw_result> results;
      if (error e = exchange(p, "commit", results)) return e;
      done_ = true;
      store_.mark(true);
      return {};
    }
    work_->commit();
    done_ = true;
    store_.mark(true);
    return {};
  } catch (...) {
    return fail("commit");
  }
}

}  // namespace

std::unique_ptr<claim_store> open_store(const store_options& options) {
  try {
    return std::make_unique<pg_store>(options);
  } catch (...) {
    return nullptr;  // out of memory at start-up
  }
}

}  // namespace rxgate::store
