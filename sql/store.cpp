// The writer side of the claims store: one connection, one transaction per batch.
//
// Round trips per batch: load_history is one statement; insert is one statement to reserve claim
// ids, at most three on the active paid key table (reversals, payments, duplicates), then one
// per table written (claims, rejects, DUR alerts, links). Claim data only ever travels as bound
// parameters or COPY data.
#include <pqxx/pqxx>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "sql/claim_detail.h"
#include "sql/migrations.h"
#include "sql/pg.h"
#include "sql/store.h"

namespace rxgate::store {

int known_schema_version() noexcept {
  const auto all = detail::embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

namespace {

using clock = std::chrono::steady_clock;

// ---- statements --------------------------------------------------------------------------

constexpr const char* claim_columns[] = {
    "id", "date_of_service", "source", "transaction_code", "transaction_index", "bin", "pcn",
    "provider_id_qualifier", "provider_id", "rx_number", "fill_number", "cardholder_id",
    "person_code", "group_id", "plan_id", "plan_version", "status", "authorization_number",
    "request_fingerprint", "product_qualifier", "product_id", "product_name", "therapeutic_class",
    "tier", "quantity", "days_supply", "prescriber_id", "patient_pay", "ingredient_cost_paid",
    "dispensing_fee_paid", "incentive_paid", "professional_fee_paid", "total_paid",
    "basis_of_reimbursement", "copay", "coinsurance", "deductible_applied",
    "product_selection_brand", "other_amounts", "detail", "request", "response"};
constexpr std::size_t claim_column_count = std::size(claim_columns);
constexpr const char* claim_column_types[claim_column_count] = {
    "bigint", "date", "text", "text", "smallint", "text", "text", "text", "text", "text",
    "smallint", "text", "text", "text", "text", "integer", "\"char\"", "text", "bigint", "text",
    "text", "text", "text", "smallint", "bigint", "integer", "text", "bigint", "bigint", "bigint",
    "bigint", "bigint", "bigint", "text", "bigint", "bigint", "bigint", "bigint", "text", "jsonb",
    "bytea", "bytea"};

constexpr const char* reject_columns[] = {"claim_id", "date_of_service", "seq", "code", "field",
                                          "occurrence"};
constexpr const char* reject_column_types[] = {"bigint", "date", "smallint", "text", "text",
                                               "smallint"};
constexpr const char* dur_columns[] = {"claim_id", "date_of_service", "seq", "reason",
                                       "significance", "other_pharmacy", "previous_fill",
                                       "previous_quantity", "free_text"};
constexpr const char* dur_column_types[] = {"bigint", "date", "smallint", "text", "text",
                                            "text", "date", "bigint", "text"};

// INSERT INTO t (c1, c2 ...) SELECT * FROM unnest($1::type[], $2::type[] ...)
template <std::size_t N>
std::string unnest_insert(const char* table, const char* const (&columns)[N],
                          const char* const (&types)[N]) {
  std::string sql = "INSERT INTO ";
  sql += table;
  sql += " (";
  for (std::size_t i = 0; i < N; ++i) {
    if (i) sql += ", ";
    sql += columns[i];
  }
  sql += ") SELECT * FROM unnest(";
  for (std::size_t i = 0; i < N; ++i) {
    if (i) sql += ", ";
    sql += "$" + std::to_string(i + 1) + "::" + types[i] + "[]";
  }
  sql += ")";
  return sql;
}

constexpr const char* sql_reserve_ids =
    "SELECT nextval('claim_id_seq') FROM generate_series(1, $1::integer)";

// History of a batch in one statement: F rows are the members' paid, not reversed fills since
// $10 (active_paid_keys, migration 0002), A rows their prior authorizations still in force on or after $10, K rows the claim
// stored under each entry's key (the active paid one first, else the last reversed paid one,
// else the last rejected one). Columns are shared, their meaning depends on the kind.
constexpr const char* sql_history = R"(
WITH m AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS m(bin, cardholder_id, person_code, idx)
), k AS (
  SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::smallint[], $11::date[])
    WITH ORDINALITY AS k(bin, pcn, qualifier, provider_id, rx_number, fill_number, date_of_service, idx)
)
SELECT 'F' AS kind, m.idx, f.claim_id AS id, f.provider_id AS t1, f.prescriber_id AS t2,
       f.rx_number AS t3, f.product_id AS t4, f.therapeutic_class AS t5, NULL::text AS t6,
       f.fill_number::bigint AS n1, f.quantity AS n2, f.days_supply::bigint AS n3,
       f.date_of_service AS d1, NULL::date AS d2, NULL::boolean AS b1,
       NULL::bigint AS p1, NULL::bigint AS p2, NULL::bigint AS p3, NULL::bigint AS p4,
       NULL::bigint AS p5, NULL::bigint AS p6, NULL::bigint AS p7, NULL::bigint AS p8,
       NULL::bigint AS p9, NULL::bigint AS p10
  FROM m JOIN active_paid_keys f ON f.bin = m.bin AND f.cardholder_id = m.cardholder_id
   AND f.person_code = m.person_code AND f.date_of_service >= $10::date
UNION ALL
SELECT 'A', m.idx, p.id, p.number, NULL, NULL, p.product_id, p.therapeutic_class, NULL,
       NULL, p.max_quantity, NULL, p.effective, p.expires, p.revoked_at IS NOT NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM m JOIN prior_authorizations p ON p.bin = m.bin AND p.cardholder_id = m.cardholder_id
   AND p.person_code = m.person_code AND p.expires >= $10::date
UNION ALL
SELECT 'K', k.idx, c.id, c.status::text, c.authorization_number, c.basis_of_reimbursement, NULL,
       NULL, c.other_amounts, c.request_fingerprint, NULL, NULL, NULL, NULL,
       c.reversed_at IS NOT NULL, c.patient_pay, c.ingredient_cost_paid, c.dispensing_fee_paid,
       c.incentive_paid, c.professional_fee_paid, c.total_paid, c.copay, c.coinsurance,
       c.deductible_applied, c.product_selection_brand
  FROM k CROSS JOIN LATERAL (
    SELECT * FROM claims c
     WHERE c.provider_id = k.provider_id AND c.rx_number = k.rx_number
       AND c.fill_number = k.fill_number AND c.date_of_service = k.date_of_service
       AND c.bin = k.bin AND c.pcn = k.pcn AND c.provider_id_qualifier = k.qualifier
       AND c.transaction_code <> 'B2' AND c.status IN ('P', 'R')
     ORDER BY (c.status = 'P' AND c.reversed_at IS NULL) DESC, (c.status = 'P') DESC, c.id DESC
     LIMIT 1) c
ORDER BY 1, 2, 13 DESC, 3 DESC)";

// Key columns of active_paid_keys as unnest() arguments $2..$8 (claim id is $1).
#define RXGATE_KEYS                                                                          \
  "unnest($1::bigint[], $2::text[], $3::text[], $4::smallint[], $5::date[], $6::text[], " \
  "$7::text[], $8::text[]) AS u(claim_id, provider_id, rx_number, fill_number, "         \
  "date_of_service, bin, pcn, qualifier)"
#define RXGATE_KEY_MATCH                                                                   \
  "a.provider_id = u.provider_id AND a.rx_number = u.rx_number AND a.fill_number = "      \
  "u.fill_number AND a.date_of_service = u.date_of_service AND a.bin = u.bin AND a.pcn = " \
  "u.pcn AND a.provider_id_qualifier = u.qualifier"

// Reversal: the key must still point at the claim being reversed ($1, with its key in $2..$8);
// the reversed claim records when and by which claim ($9); with its key row it leaves the
// member's history.
// Returns the claims actually reversed.
constexpr const char* sql_reverse =
    "WITH u AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::smallint[], "
    "$5::date[], $6::text[], $7::text[], $8::text[], $9::bigint[]) AS u(claim_id, provider_id, "
    "rx_number, fill_number, date_of_service, bin, pcn, qualifier, reversed_by)), "
    "d AS (DELETE FROM active_paid_keys a USING u WHERE " RXGATE_KEY_MATCH
    " AND a.claim_id = u.claim_id RETURNING a.claim_id, a.date_of_service, u.reversed_by), "
    "r AS (UPDATE claims c SET reversed_at = now(), reversed_by = d.reversed_by FROM d "
    "WHERE c.id = d.claim_id AND c.date_of_service = d.date_of_service "
    "RETURNING c.id) "
    "SELECT claim_id FROM d";

// Payment: inserting the key is what makes one paid claim per key true across nodes. A key
// that is taken (or taken by an uncommitted transaction that then commits) inserts nothing.
// The row also carries what the member's history needs (migration 0002).
constexpr const char* sql_pay =
    "INSERT INTO active_paid_keys (claim_id, provider_id, rx_number, fill_number, "
    "date_of_service, bin, pcn, provider_id_qualifier, cardholder_id, person_code, "
    "prescriber_id, product_id, therapeutic_class, quantity, days_supply) "
    "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::smallint[], $5::date[], "
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "
    "$13::text[], $14::bigint[], $15::integer[]) "
    "ON CONFLICT DO NOTHING RETURNING claim_id";

// Duplicate answers: the original must still be the active paid claim; FOR SHARE keeps a
// concurrent reversal from slipping in before this batch commits.
constexpr const char* sql_check_duplicates =
    "SELECT a.claim_id FROM active_paid_keys a, " RXGATE_KEYS " WHERE " RXGATE_KEY_MATCH
    " AND a.claim_id = u.claim_id FOR SHARE OF a";

constexpr const char* sql_insert_links =
    "INSERT INTO claim_links (claim_id, replaces_claim_id, kind) SELECT * FROM "
    "unnest($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING";

constexpr const char* sql_schema_version = "SELECT max(version) FROM rxgate_schema_migrations";

// ---- value builders ----------------------------------------------------------------------

// Collects rows column by column (for unnest) or row by row (for COPY); values are text as
// PostgreSQL reads it, NULL kept apart.
class rows_builder {
 public:
  rows_builder(std::size_t columns, bool for_copy) : columns_(columns), copy_(for_copy) {
    if (!copy_) arrays_.assign(columns, std::string{});
  }

  void text(std::string_view v) {
    begin_value();
    if (copy_) {
      pg::append_clean_text(cell(), v);
    } else {
      append_array_element(v, true);
    }
  }
  // Text that is already clean (numbers, dates, generated JSON, bytea hex).
  void raw(std::string_view v) {
    begin_value();
    if (copy_) {
      cell().append(v);
    } else {
      append_array_element(v, false);
    }
  }
  void integer(std::int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    raw({buf, static_cast<std::size_t>(r.ptr - buf)});
  }
  void integer(std::optional<std::int64_t> v) {
    if (v) {
      integer(*v);
    } else {
      null();
    }
  }
  void date(codec::date d) { raw(pg::format_date(d)); }
  void bytea(std::string_view bytes) {
    scratch_.clear();
    pg::append_bytea_escaped(scratch_, bytes);
    raw(scratch_);
  }
  void null() {
    begin_value();
    if (copy_) {
      nulls_.back() = true;
    } else {
      std::string& a = arrays_[column_ - 1];
      if (rows_ > 0) a.push_back(',');
      a += "NULL";
    }
  }
  void end_row() {
    column_ = 0;
    ++rows_;
  }

  std::size_t rows() const noexcept { return rows_; }

  // unnest: the array literals, one per column.
  std::vector<std::string> arrays() && {
    for (auto& a : arrays_) {
      a.insert(a.begin(), '{');
      a.push_back('}');
    }
    return std::move(arrays_);
  }

  // COPY: stream every row as a tuple of N C strings (nullptr = NULL).
  template <std::size_t N>
  void copy_into(pqxx::stream_to& stream) const {
    std::array<const char*, N> row{};
    for (std::size_t r = 0; r < rows_; ++r) {
      for (std::size_t c = 0; c < N; ++c) {
        const std::size_t i = r * N + c;
        row[c] = nulls_[i] ? nullptr : cells_[i].c_str();
      }
      stream << row;
    }
  }

 private:
  void begin_value() {
    if (copy_) {
      cells_.emplace_back();
      nulls_.push_back(false);
    } else if (column_ >= columns_) {
      throw std::logic_error("rows_builder: too many values in a row");
    }
    ++column_;
  }
  std::string& cell() { return cells_.back(); }
  // Array literal element: always quoted, so blanks, commas and the word NULL stay data.
  void append_array_element(std::string_view v, bool clean) {
    std::string& a = arrays_[column_ - 1];
    if (rows_ > 0) a.push_back(',');
    a.push_back('"');
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (clean && (c < 0x20 || c >= 0x7F)) {
        a.push_back('?');
      } else {
        if (ch == '"' || ch == '\\') a.push_back('\\');
        a.push_back(ch);
      }
    }
    a.push_back('"');
  }

  std::size_t columns_;
  bool copy_;
  std::size_t column_ = 0;
  std::size_t rows_ = 0;
  std::vector<std::string> arrays_;
  std::vector<std::string> cells_;
  std::deque<bool> nulls_;  // not vector<bool>: copy_into reads it by index only, either works
  std::string scratch_;
};

// ---- claim data helpers ------------------------------------------------------------------

std::string field_name(codec::field_id id) {
  if (id == 0) return {};
  const auto chars = codec::field_chars(id);
  return pg::clean_text({chars.data(), 2});
}

std::string format_other_amounts(const codec::pricing& p) {
  std::string s;
  for (std::size_t i = 0; i < p.other_amount_count && i < p.other_amounts.size(); ++i) {
    if (i) s.push_back(',');
    pg::append_clean_text(s, p.other_amounts[i].qualifier);
    s.push_back(':');
    s += std::to_string(p.other_amounts[i].amount);
  }
  return s;
}

void parse_other_amounts(std::string_view s, codec::pricing& p) {
  p.other_amount_count = 0;
  while (!s.empty() && p.other_amount_count < p.other_amounts.size()) {
    const auto comma = s.find(',');
    const std::string_view item = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) continue;
    std::int64_t amount = 0;
    const auto digits = item.substr(colon + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), amount).ec != std::errc{}) {
      continue;
    }
    p.other_amounts[p.other_amount_count++] = {item.substr(0, colon), amount};
  }
}

int fill_number_of(const codec::claim& c) { return c.fill_number.value_or(0); }

// A member is (BIN, cardholder ID, person code).
using member_key = std::tuple<std::string_view, std::string_view, std::string_view>;

// Adds the claim key of `c` to a key-table builder in active_paid_keys' column order
// (claim_id, provider_id, rx_number, fill_number, date_of_service, bin, pcn, qualifier).
void add_key_row(rows_builder& b, std::int64_t claim_id, const codec::claim& c) {
  b.integer(claim_id);
  b.text(c.provider_id);
  b.text(c.rx_number);
  b.integer(fill_number_of(c));
  b.date(c.date_of_service);
  b.text(c.bin);
  b.text(c.pcn);
  b.text(c.provider_id_qualifier);
  b.end_row();
}

// A row of the pay statement: the key, then the member and what the history needs.
void add_pay_row(rows_builder& b, std::int64_t claim_id, const codec::claim& c,
                 const rules::decision& d) {
  b.integer(claim_id);
  b.text(c.provider_id);
  b.text(c.rx_number);
  b.integer(fill_number_of(c));
  b.date(c.date_of_service);
  b.text(c.bin);
  b.text(c.pcn);
  b.text(c.provider_id_qualifier);
  b.text(c.cardholder_id);
  b.text(c.person_code);
  b.text(c.prescriber_id);
  b.text(c.product_id);
  b.text(d.therapeutic_class);
  b.integer(c.quantity.value_or(0));
  b.integer(c.days_supply.value_or(0));
  b.end_row();
}

// ---- the store -----------------------------------------------------------------------------

class pg_store;

class pg_batch final : public batch {
 public:
  pg_batch(pg_store& store, std::unique_ptr<pqxx::work> work) : store_(store), work_(std::move(work)) {}
  ~pg_batch() override;

  error load_history(std::span<batch_entry> entries) override;
  error insert(std::span<batch_entry> entries) override;
  error commit() override;

 private:
  error fail(std::string_view what);
  error insert_rows(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                    const std::vector<bool>& write);

  // One load_history's results: the spans handed to the rules point into these, so they live
  // until the batch ends (std::deque keeps their addresses when more loads follow).
  struct history_load {
    pqxx::result rows;
    std::vector<rules::prior_fill> fills;
    std::vector<rules::prior_authorization> authorizations;
  };

  pg_store& store_;
  std::unique_ptr<pqxx::work> work_;
  std::deque<history_load> loads_;
  bool failed_ = false;
  bool done_ = false;
};

class pg_store final : public claim_store {
 public:
  explicit pg_store(store_options options) : options_(std::move(options)) {}
  ~pg_store() override = default;

  error begin(std::unique_ptr<batch>& out) override {
    out.reset();
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || batch_open_) {
      return {errc::invalid, "begin: a batch is already open on the writer connection"};
    }
    if (error e = ensure_connected()) return e;
    try {
      auto work = std::make_unique<pqxx::work>(*connection_, "rxgate_batch");
      batch_open_ = true;
      out = std::make_unique<pg_batch>(*this, std::move(work));
      return {};
    } catch (...) {
      return failed("begin");
    }
  }

  bool healthy() const noexcept override { return healthy_.load(std::memory_order_relaxed); }

  error connect() override {
    std::lock_guard lock(mutex_);
    return ensure_connected();
  }

  const store_options& options() const noexcept { return options_; }

  // Called by a batch when it ends, however it ends.
  void batch_closed(bool connection_lost) noexcept {
    std::lock_guard lock(mutex_);
    batch_open_ = false;
    if (connection_lost) drop_connection();
  }
  void mark(bool ok) noexcept { healthy_.store(ok, std::memory_order_relaxed); }

 private:
  error failed(std::string_view what) noexcept {
    bool lost = false;
    error e = pg::translate_current_exception(what, lost);
    if (lost || !connection_ || !connection_->is_open()) drop_connection();
    healthy_.store(false, std::memory_order_relaxed);
    return e;
  }

  void drop_connection() noexcept {
    if (!connection_) return;
    try {
      connection_->disconnect();
    } catch (...) {
    }
    connection_.reset();
    // Reconnect no sooner than the current back-off allows.
    next_attempt_ = clock::now() + backoff_;
    last_connect_error_ = errc::unavailable;
    try {
      last_connect_message_ = "connection lost";
    } catch (...) {
    }
  }

  error ensure_connected() {
    if (connection_ && connection_->is_open()) return {};
    connection_.reset();
    const auto now = clock::now();
    if (now < next_attempt_) {
      // Back-off: answer at once with what the last attempt found (unavailable or schema).
      return {last_connect_error_, "no writer connection (" + last_connect_message_ +
                                       "); next attempt pending"};
    }
    try {
      auto c = std::make_unique<pqxx::connection>(options_.dsn);
      c->set_variable("synchronous_commit", "on");
      c->set_variable("statement_timeout", std::to_string(options_.statement_timeout.count()));
      c->set_variable("application_name", "'rxgate-writer'");
      // The writer's statements take arrays, so a custom plan knows no more than a generic
      // one, and re-planning them against every partition on each batch was most of the
      // fixed cost of a small batch (bench/RESULTS.md, ## store).
      c->set_variable("plan_cache_mode", "force_generic_plan");
      {
        pqxx::nontransaction q(*c);
        const auto r = q.exec(sql_schema_version);
        const int version = r.empty() || r[0][0].is_null() ? 0 : r[0][0].as<int>();
        if (version != known_schema_version()) {
          healthy_.store(false, std::memory_order_relaxed);
          next_attempt_ = now + options_.reconnect_max;
          error e{errc::schema, "database schema version " + std::to_string(version) +
                                    ", this binary needs " +
                                    std::to_string(known_schema_version()) + "; run rxgate migrate"};
          last_connect_error_ = e.code;
          last_connect_message_ = e.message;
          return e;
        }
      }
      prepare_all(*c);
      connection_ = std::move(c);
      backoff_ = options_.reconnect_min;
      healthy_.store(true, std::memory_order_relaxed);
      return {};
    } catch (...) {
      bool lost = false;
      error e = pg::translate_current_exception("connect", lost);
      if (e.code == errc::internal) e.code = errc::unavailable;
      healthy_.store(false, std::memory_order_relaxed);
      next_attempt_ = now + backoff_;
      backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
      last_connect_error_ = e.code;
      last_connect_message_ = e.message;
      return e;
    }
  }

  static void prepare_all(pqxx::connection& c) {
    c.prepare("reserve_ids", sql_reserve_ids);
    c.prepare("history", sql_history);
    c.prepare("reverse", sql_reverse);
    c.prepare("pay", sql_pay);
    c.prepare("check_duplicates", sql_check_duplicates);
    c.prepare("insert_links", sql_insert_links);
    c.prepare("insert_claims", unnest_insert("claims", claim_columns, claim_column_types));
    c.prepare("insert_rejects", unnest_insert("claim_rejects", reject_columns, reject_column_types));
    c.prepare("insert_dur", unnest_insert("claim_dur_alerts", dur_columns, dur_column_types));
  }

  store_options options_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> connection_;
  bool batch_open_ = false;
  std::atomic<bool> healthy_{false};
  clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{options_.reconnect_min};
  errc last_connect_error_ = errc::unavailable;
  std::string last_connect_message_ = "connection lost";
};

pg_batch::~pg_batch() {
  bool lost = failed_;
  if (!done_) {
    try {
      work_->abort();
    } catch (...) {
      lost = true;
    }
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
  // After any error the transaction is aborted: nothing of the batch will commit. The
  // connection is dropped and reopened when the error says it is gone or cannot be trusted.
  failed_ = lost || e.code == errc::internal;
  try {
    work_->abort();
  } catch (...) {
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
    // Members, deduplicated; member index (1-based, as WITH ORDINALITY counts) per entry.
    std::map<member_key, std::size_t> members;
    std::vector<std::size_t> member_of(entries.size());
    rows_builder m(3, false);
    rows_builder k(7, false);
    codec::date earliest{};
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const codec::claim& c = *entries[i].claim;
      auto [it, added] = members.try_emplace(member_key{c.bin, c.cardholder_id, c.person_code},
                                             members.size() + 1);
      if (added) {
        m.text(c.bin);
        m.text(c.cardholder_id);
        m.text(c.person_code);
        m.end_row();
      }
      member_of[i] = it->second;
      k.text(c.bin);
      k.text(c.pcn);
      k.text(c.provider_id_qualifier);
      k.text(c.provider_id);
      k.text(c.rx_number);
      k.integer(fill_number_of(c));
      k.date(c.date_of_service);
      k.end_row();
      const codec::date dos = c.date_of_service.valid() ? c.date_of_service : pg::today_utc();
      if (!earliest.valid() || dos < earliest) earliest = dos;
    }
    const codec::date since = pg::add_days(earliest, -store_.options().history_days);
    auto ma = std::move(m).arrays();
    auto ka = std::move(k).arrays();

    history_load& load = loads_.emplace_back();
    load.rows = work_->exec_prepared("history", ma[0], ma[1], ma[2], ka[0], ka[1], ka[2], ka[3],
                                     ka[4], ka[5], pg::format_date(since), ka[6]);

    // Rows come ordered by kind, then index: ranges per member (F, A) and one row per key (K).
    std::vector<std::pair<std::size_t, std::size_t>> fill_range(members.size() + 1, {0, 0});
    std::vector<std::pair<std::size_t, std::size_t>> auth_range(members.size() + 1, {0, 0});
    std::size_t fills = 0, auths = 0;
    for (const auto& row : load.rows) {
      const auto kind = pg::text_view(row[0]);
      if (kind == "F") ++fills;
      if (kind == "A") ++auths;
    }
    load.fills.reserve(fills);
    load.authorizations.reserve(auths);
    for (auto& e : entries) e.history = {};
    for (const auto& row : load.rows) {
      const auto kind = pg::text_view(row[0]);
      const auto idx = static_cast<std::size_t>(pg::int_or(row[1], 0));
      if (kind == "F" && idx < fill_range.size()) {
        rules::prior_fill f;
        f.claim_id = pg::int_or(row[2], 0);
        f.provider_id = pg::text_view(row[3]);
        f.prescriber_id = pg::text_view(row[4]);
        f.rx_number = pg::text_view(row[5]);
        f.product_id = pg::text_view(row[6]);
        f.therapeutic_class = pg::text_view(row[7]);
        f.fill_number = static_cast<int>(pg::int_or(row[9], 0));
        f.quantity = pg::int_or(row[10], 0);
        f.days_supply = static_cast<int>(pg::int_or(row[11], 0));
        f.fill_date = pg::parse_date(pg::text_view(row[12]));
        auto& r = fill_range[idx];
        if (r.second == 0) r.first = load.fills.size();
        ++r.second;
        load.fills.push_back(f);
      } else if (kind == "A" && idx < auth_range.size()) {
        rules::prior_authorization a;
        a.number = pg::text_view(row[3]);
        a.product_id = pg::text_view(row[6]);
        a.therapeutic_class = pg::text_view(row[7]);
        a.max_quantity = pg::int_or(row[10], 0);
        a.effective = pg::parse_date(pg::text_view(row[12]));
        a.expires = pg::parse_date(pg::text_view(row[13]));
        a.revoked = pg::text_view(row[14]) == "t";
        auto& r = auth_range[idx];
        if (r.second == 0) r.first = load.authorizations.size();
        ++r.second;
        load.authorizations.push_back(a);
      } else if (kind == "K" && idx >= 1 && idx <= entries.size()) {
        rules::key_match km;
        km.claim_id = pg::int_or(row[2], 0);
        const auto status = pg::text_view(row[3]);
        km.status = status.empty() ? 'P' : status[0];
        km.authorization_number = pg::text_view(row[4]);
        km.request_fingerprint = static_cast<std::uint64_t>(pg::int_or(row[9], 0));
        km.reversed = pg::text_view(row[14]) == "t";
        if (!row[20].is_null()) {  // total_paid: the claim was priced
          codec::pricing p;
          p.patient_pay = pg::int_or(row[15], 0);
          p.ingredient_cost_paid = pg::int_or(row[16], 0);
          p.dispensing_fee_paid = pg::int_or(row[17], 0);
          p.incentive_paid = pg::int_or(row[18], 0);
          p.professional_fee_paid = pg::int_or(row[19], 0);
          p.total_paid = pg::int_or(row[20], 0);
          p.copay = pg::opt_int(row[21]);
          p.coinsurance = pg::opt_int(row[22]);
          p.deductible_applied = pg::opt_int(row[23]);
          p.product_selection_brand = pg::opt_int(row[24]);
          p.basis_of_reimbursement = pg::text_view(row[5]);
          parse_other_amounts(pg::text_view(row[8]), p);
          km.price = p;
        }
        entries[idx - 1].history.same_key = km;
      }
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto [fill_first, fill_count] = fill_range[member_of[i]];
      const auto [auth_first, auth_count] = auth_range[member_of[i]];
      entries[i].history.fills = std::span<const rules::prior_fill>(load.fills).subspan(fill_first, fill_count);
      entries[i].history.authorizations =
          std::span<const rules::prior_authorization>(load.authorizations).subspan(auth_first, auth_count);
    }
    return {};
  } catch (...) {
    return fail("load_history");
  }
}

error pg_batch::insert(std::span<batch_entry> entries) {
  if (done_) return {errc::invalid, "insert: the batch has ended"};
  if (entries.empty()) return {};
  for (const auto& e : entries) {
    if (!e.claim) return {errc::invalid, "insert: entry without a claim"};
  }
  try {
    const std::size_t n = entries.size();
    std::vector<std::int64_t> ids;
    ids.reserve(n);
    for (const auto& row : work_->exec_prepared("reserve_ids", static_cast<int>(n))) {
      ids.push_back(row[0].as<std::int64_t>());
    }
    if (ids.size() != n) return fail("insert: reserve ids");
    for (auto& e : entries) {
      e.claim_id = 0;
      e.conflict = false;
    }
    std::vector<bool> write(n, true);

    // Which entries touch the active paid key table.
    const auto reverses = [](const batch_entry& e) {
      // B2 accepted, or B3 paid (reverse and rebill), against a known paid claim.
      const auto& t = e.claim->transaction_code;
      return e.decision.replaces_claim_id != 0 &&
             ((t == "B2" && e.decision.status == 'A') || (t == "B3" && e.decision.status == 'P'));
    };
    const auto pays = [](const batch_entry& e) {
      const auto& t = e.claim->transaction_code;
      return e.decision.status == 'P' && (t == "B1" || t == "B3");
    };
    const auto duplicate = [](const batch_entry& e) {
      return e.decision.status == 'D' && e.decision.replaces_claim_id != 0;
    };

    // 1. Reversals first, so that a B3 frees its key before it pays it again.
    {
      rows_builder keys(8, false);
      rows_builder by(1, false);
      std::vector<std::size_t> which;
      for (std::size_t i = 0; i < n; ++i) {
        if (!reverses(entries[i])) continue;
        add_key_row(keys, entries[i].decision.replaces_claim_id, *entries[i].claim);
        by.integer(ids[i]);
        by.end_row();
        which.push_back(i);
      }
      if (!which.empty()) {
        auto k = std::move(keys).arrays();
        auto b = std::move(by).arrays();
        const auto r = work_->exec_prepared("reverse", k[0], k[1], k[2], k[3], k[4], k[5], k[6],
                                            k[7], b[0]);
        std::unordered_map<std::int64_t, bool> reversed;
        for (const auto& row : r) reversed[row[0].as<std::int64_t>()] = true;
        for (std::size_t i : which) {
          if (!reversed.count(entries[i].decision.replaces_claim_id)) write[i] = false;
        }
      }
    }
    // 2. Payments: the key insert decides who pays, here and on every other node.
    {
      rows_builder keys(15, false);
      std::vector<std::size_t> which;
      for (std::size_t i = 0; i < n; ++i) {
        if (!write[i] || !pays(entries[i])) continue;
        add_pay_row(keys, ids[i], *entries[i].claim, entries[i].decision);
        which.push_back(i);
      }
      if (!which.empty()) {
        const auto r = work_->exec_prepared("pay", pqxx::prepare::make_dynamic_params(std::move(keys).arrays()));
        std::unordered_map<std::int64_t, bool> paid;
        for (const auto& row : r) paid[row[0].as<std::int64_t>()] = true;
        for (std::size_t i : which) {
          if (!paid.count(ids[i])) write[i] = false;
        }
      }
    }
    // 3. Duplicates: the original must still be the active paid claim.
    {
      rows_builder keys(8, false);
      std::vector<std::size_t> which;
      for (std::size_t i = 0; i < n; ++i) {
        if (!write[i] || !duplicate(entries[i])) continue;
        add_key_row(keys, entries[i].decision.replaces_claim_id, *entries[i].claim);
        which.push_back(i);
      }
      if (!which.empty()) {
        auto k = std::move(keys).arrays();
        const auto r = work_->exec_prepared("check_duplicates", k[0], k[1], k[2], k[3], k[4],
                                            k[5], k[6], k[7]);
        std::unordered_map<std::int64_t, bool> active;
        for (const auto& row : r) active[row[0].as<std::int64_t>()] = true;
        for (std::size_t i : which) {
          if (!active.count(entries[i].decision.replaces_claim_id)) write[i] = false;
        }
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (write[i]) {
        entries[i].claim_id = ids[i];
      } else {
        entries[i].conflict = true;
      }
    }
    if (error e = insert_rows(entries, ids, write)) return e;
    store_.mark(true);
    return {};
  } catch (...) {
    return fail("insert");
  }
}

error pg_batch::insert_rows(std::span<batch_entry> entries, const std::vector<std::int64_t>& ids,
                            const std::vector<bool>& write) {
  const bool copy = store_.options().method == insert_method::copy;
  rows_builder claims(claim_column_count, copy);
  rows_builder rejects(std::size(reject_columns), copy);
  rows_builder durs(std::size(dur_columns), copy);
  rows_builder links(3, false);
  std::string detail;  // one buffer for every claim of the batch
  detail.reserve(1024);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!write[i]) continue;
    const batch_entry& e = entries[i];
    const codec::claim& c = *e.claim;
    const rules::decision& d = e.decision;
    const codec::date dos = c.date_of_service.valid() ? c.date_of_service : pg::today_utc();
    claims.integer(ids[i]);
    claims.date(dos);
    claims.text(e.source.empty() ? std::string_view{"unknown"} : e.source);
    claims.text(c.transaction_code);
    claims.integer(c.index);
    claims.text(c.bin);
    claims.text(c.pcn);
    claims.text(c.provider_id_qualifier);
    claims.text(c.provider_id);
    claims.text(c.rx_number);
    claims.integer(fill_number_of(c));
    claims.text(c.cardholder_id);
    claims.text(c.person_code);
    claims.text(c.group_id);
    if (d.plan_id.empty()) claims.null(); else claims.text(d.plan_id);
    if (d.plan_id.empty()) claims.null(); else claims.integer(d.plan_version);
    const char status = d.status ? d.status : 'R';
    claims.text({&status, 1});
    if (d.authorization_length) claims.text(d.authorization()); else claims.null();
    claims.integer(static_cast<std::int64_t>(d.request_fingerprint));
    if (c.product_qualifier.empty()) claims.null(); else claims.text(c.product_qualifier);
    if (c.product_id.empty()) claims.null(); else claims.text(c.product_id);
    if (d.product_name.empty()) claims.null(); else claims.text(d.product_name);
    if (d.therapeutic_class.empty()) claims.null(); else claims.text(d.therapeutic_class);
    if (d.tier) claims.integer(d.tier); else claims.null();
    claims.integer(c.quantity);
    if (c.days_supply) claims.integer(*c.days_supply); else claims.null();
    if (c.prescriber_id.empty()) claims.null(); else claims.text(c.prescriber_id);
    if (d.price) {
      const auto& p = *d.price;
      claims.integer(p.patient_pay);
      claims.integer(p.ingredient_cost_paid);
      claims.integer(p.dispensing_fee_paid);
      claims.integer(p.incentive_paid);
      claims.integer(p.professional_fee_paid);
      claims.integer(p.total_paid);
      claims.text(p.basis_of_reimbursement);
      claims.integer(p.copay);
      claims.integer(p.coinsurance);
      claims.integer(p.deductible_applied);
      claims.integer(p.product_selection_brand);
      claims.text(format_other_amounts(p));
    } else {
      for (int k = 0; k < 12; ++k) claims.null();
    }
    detail.clear();
    write_claim_detail(detail, c, d);
    claims.raw(detail);
    claims.bytea(e.request_bytes);
    claims.bytea(e.response_bytes);
    claims.end_row();

    std::int64_t seq = 0;
    for (const auto& r : d.rejects) {
      rejects.integer(ids[i]);
      rejects.date(dos);
      rejects.integer(++seq);
      rejects.text(r.code_view());
      rejects.text(field_name(r.field));
      rejects.integer(r.occurrence);
      rejects.end_row();
    }
    for (std::size_t k = 0; k < d.dur_count && k < d.dur.size(); ++k) {
      const auto& a = d.dur[k];
      durs.integer(ids[i]);
      durs.date(dos);
      durs.integer(static_cast<std::int64_t>(k + 1));
      durs.text(a.reason);
      durs.text(a.significance);
      durs.text(a.other_pharmacy);
      if (a.previous_fill && a.previous_fill->valid()) durs.date(*a.previous_fill); else durs.null();
      durs.integer(a.previous_quantity);
      durs.text(a.free_text);
      durs.end_row();
    }
    if (d.replaces_claim_id) {
      const auto& t = c.transaction_code;
      const char* kind = d.status == 'D' ? "duplicate"
                         : t == "B3"     ? "rebill"
                         : t == "B2"     ? "reversal"
                                         : nullptr;
      if (kind && (d.status == 'D' || d.status == 'A' || d.status == 'P' || d.status == 'S')) {
        links.integer(ids[i]);
        links.integer(d.replaces_claim_id);
        links.raw(kind);
        links.end_row();
      }
    }
  }
  if (claims.rows() == 0) return {};
  if (copy) {
    {
      pqxx::stream_to s(*work_, "claims", std::vector<std::string>(std::begin(claim_columns), std::end(claim_columns)));
      claims.copy_into<claim_column_count>(s);
      s.complete();
    }
    if (rejects.rows()) {
      pqxx::stream_to s(*work_, "claim_rejects", std::vector<std::string>(std::begin(reject_columns), std::end(reject_columns)));
      rejects.copy_into<std::size(reject_columns)>(s);
      s.complete();
    }
    if (durs.rows()) {
      pqxx::stream_to s(*work_, "claim_dur_alerts", std::vector<std::string>(std::begin(dur_columns), std::end(dur_columns)));
      durs.copy_into<std::size(dur_columns)>(s);
      s.complete();
    }
  } else {
    work_->exec_prepared("insert_claims", pqxx::prepare::make_dynamic_params(std::move(claims).arrays()));
    if (rejects.rows()) {
      work_->exec_prepared("insert_rejects", pqxx::prepare::make_dynamic_params(std::move(rejects).arrays()));
    }
    if (durs.rows()) {
      work_->exec_prepared("insert_dur", pqxx::prepare::make_dynamic_params(std::move(durs).arrays()));
    }
  }
  if (links.rows()) {
    auto l = std::move(links).arrays();
    work_->exec_prepared("insert_links", l[0], l[1], l[2]);
  }
  return {};
}

error pg_batch::commit() {
  if (done_) return {errc::invalid, "commit: the batch has ended"};
  try {
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
