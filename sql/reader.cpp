// The read side: a small pool of connections apart from the writer's.
#include "sql/reader.h"

#include <pqxx/pqxx>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <memory>
#include <mutex>

#include "sql/claim_bytes.h"
#include "sql/claim_id.h"
#include "sql/connection.h"
#include "sql/pg.h"
#include "sql/reader_search.h"
#include "sql/reversal.h"

namespace rxgate::store {
namespace {

// A month's statement reads every date below as rxgate_claim_id_date($2), inside the month's
// literal range. The claim's history shares its date: the claims under its key, whose key contains
// the date, and those linked to it, which are claims of the same key (a reversal, rebill or
// duplicate answer names the claim its key holds).
using detail::claim_month;

// `x`.date_of_service is the id's date, in the month `m`: the literal range prunes the other
// months' partitions when the generic plan is made, so it plans one month's partitions (3-6 ms at
// 10 million claims, where a plan over every partition took 15-40 ms idle and 140-240 ms under
// load) and needs no pruning when it starts.
std::string on_id_date(std::string_view x, claim_month m) {
  char range[96];
  const int next_year = m.month == 12 ? m.year + 1 : m.year, next_month = m.month == 12 ? 1 : m.month + 1;
  std::snprintf(range, sizeof range, " >= DATE '%04d-%02d-01' AND ", m.year, m.month);
  std::string s(x);
  s.append(".date_of_service = rxgate_claim_id_date($2) AND ").append(x).append(".date_of_service").append(range);
  std::snprintf(range, sizeof range, ".date_of_service < DATE '%04d-%02d-01'", next_year, next_month);
  return s.append(x).append(range);
}

// Gates on claim_links probes, from what can have a link (rows::add_link_row and rules'
// adjudicate: a rejected claim replaces nothing and nothing replaces it). Each is a condition on
// the outer row only, so in a subquery it is a one-time filter that skips the index probe: a
// rejected claim, what a technician reads most, reads no link index at all.
std::string may_replace(std::string_view x) {
  std::string s("(");
  s.append(x).append(".status = 'D' OR (").append(x).append(".transaction_code IN ('B2', 'B3') AND ");
  return s.append(x).append(".status <> 'R'))");
}
std::string may_be_replaced(std::string_view x) {
  std::string s("(");
  return s.append(x).append(".status <> 'R')");
}

// The columns of one claim read, `c` being its claims row and `l` its link, `raw` the parameter
// that says whether to send the raw bytes; $2 is the claim id.
std::string claim_columns(std::string_view raw, claim_month m) {
  const bool of_month = m.year != 0;
  // The date condition of table alias x, whose date the outer row `outer` shares.
  auto date = [&](std::string_view x, std::string_view outer) {
    return of_month ? on_id_date(x, m) : std::string(x) + ".date_of_service = " + std::string(outer) + ".date_of_service";
  };
  return std::string(
    "c.id, c.date_of_service, to_char(c.received_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), c.source, c.transaction_code, c.bin, c.pcn, "
    "c.provider_id_qualifier, c.provider_id, c.rx_number, c.fill_number, c.cardholder_id, "
    "c.person_code, c.group_id, c.plan_id, c.plan_version, c.status::text, "
    "c.authorization_number, c.product_qualifier, c.product_id, c.product_name, "
    "c.therapeutic_class, c.tier, c.quantity, c.days_supply, c.patient_pay, c.ingredient_cost_paid, "
    "c.dispensing_fee_paid, c.total_paid, to_char(rv.created_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), rv.claim_id, l.replaces_claim_id, l.kind, "
    "c.detail::text, CASE WHEN ") + std::string(raw) + " THEN c.request END, CASE WHEN " + std::string(raw) +
    " THEN c.response END, "
    // The rejects and DUR alerts ride along as JSON arrays: one statement, one round trip. Only
    // a rejected claim has rejects (rules' adjudicate).
    "(SELECT json_agg(json_build_array(r.code, r.field, r.occurrence) ORDER BY r.seq) FROM claim_rejects r "
    "  WHERE r.claim_id = c.id AND " + date("r", "c") + " AND c.status = 'R')::text, "
    "(SELECT json_agg(json_build_array(d.reason, d.significance, d.other_pharmacy, d.free_text, "
    "    d.previous_fill::text, d.previous_quantity) ORDER BY d.seq) FROM claim_dur_alerts d "
    "  WHERE d.claim_id = c.id AND " + date("d", "c") + ")::text, "
    // Its history: every claim under its claim key (the key's partition only) plus what
    // claim_links ties to it, each with the link kinds both ways and its reject codes.
    "(SELECT json_agg(json_build_array(h.id, h.transaction_code, h.status::text, "
    "    to_char(h.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "    h.date_of_service::text, coalesce(h.authorization_number, ''), "
    "    coalesce((SELECT x.kind FROM claim_links x WHERE x.claim_id = h.id AND x.replaces_claim_id = c.id "
    "      AND " + may_replace("h") + " AND " + may_be_replaced("c") + "), ''), "
    "    coalesce((SELECT x.kind FROM claim_links x WHERE x.claim_id = c.id AND x.replaces_claim_id = h.id "
    "      AND " + may_replace("c") + " AND " + may_be_replaced("h") + "), ''), "
    "    coalesce((SELECT json_agg(r.code ORDER BY r.seq) FROM claim_rejects r "
    "      WHERE r.claim_id = h.id AND " + date("r", "h") + " AND h.status = 'R'), '[]'::json)) "
    "    ORDER BY h.id) "
    "  FROM (SELECT * FROM claims h WHERE h.id IN ("
    // A claim without an Rx (an eligibility check, E1, or a claim rejected before its Rx could be
    // read) has no prescription to share: the gate skips the key's probe, which would otherwise
    // list every such claim of the pharmacy that day (up to 199 E1s under one key at 14 million
    // claims, 37 ms per read).
    "      SELECT c.id "
    "      UNION SELECT k.id FROM claims k WHERE k.provider_id = c.provider_id AND k.rx_number = c.rx_number "
    "        AND k.fill_number = c.fill_number AND " + date("k", "c") + " AND k.bin = c.bin AND c.rx_number <> '' "
    "      UNION SELECT x.claim_id FROM claim_links x WHERE x.replaces_claim_id = c.id AND " + may_be_replaced("c") +
    "      UNION SELECT x.replaces_claim_id FROM claim_links x WHERE x.claim_id = c.id AND " + may_replace("c") + ") " +
    (of_month ? "      AND " + on_id_date("h", m) + " " : std::string()) +
    "    ORDER BY h.id LIMIT 100) h)::text ";
}
// The claim, its own link and its reversal: lateral subqueries that PostgreSQL cannot flatten into
// joins (LIMIT; a claim replaces one claim at most), so that the gates skip the probes.
std::string claim_from(claim_month m) {
  return "FROM claims c LEFT JOIN LATERAL (SELECT l.replaces_claim_id, l.kind FROM claim_links l "
         "  WHERE l.claim_id = c.id AND " + may_replace("c") + " LIMIT 1) l ON true "
         "LEFT JOIN LATERAL (" + detail::reversal_of("c", m.year != 0 ? on_id_date("rc", m) : std::string()) +
         ") rv ON true WHERE c.id = $2 " +
         (m.year != 0 ? "AND " + on_id_date("c", m) + " " : std::string());
}
// GET /v1/claims/{id} in one statement (reader.h token_claim_read): $1 token digest (hex), $2
// claim id, $3 raw bytes wanted, $4 remote, $5 synchronous_commit of the audit row. The token as
// sql/access.h's token_select_sql reads it; no claim is read for an unknown, revoked or expired
// token, and no row is audited for one. The scope is server/status/auth.h's principal::may_see.
// The audit row is written by rxgate_audit_claim_read (migration 0023: the read's plan must not
// depend on claim_reads, which autovacuum touches every minute), in this statement's own implicit
// transaction; the outer query always reads `a` when the token is known. Only a claim the token may
// see leaves the database; of any other, only its pharmacy (for the log line).
// A month's statement answers an id that carries no date (rxgate_claim_id_date: one from before
// migration 0022, whose digits read as some date) with `undated` true and audits nothing; the
// caller then asks the one of every partition.
std::string token_claim_select(claim_month m) {
  const bool of_month = m.year != 0;
  return "WITH tok AS MATERIALIZED (SELECT x.*, set_config('synchronous_commit', $5::text, true) AS commit_mode "
         "  FROM (" + token_select_sql("$1") + ") x), "
         "c AS MATERIALIZED (SELECT " +
         claim_columns("$3::boolean", m) + claim_from(m) +
         "  AND EXISTS (SELECT 1 FROM tok WHERE NOT tok.expired)), "
         "a AS (SELECT rxgate_audit_claim_read('token:' || tok.id || ':' || tok.name, $2::bigint, "
         "    coalesce('pharmacy=' || c.provider_id, ''), $4::text, tok.id, CASE WHEN c.id IS NULL THEN 'not_found' "
         "      WHEN tok.role IN ('operator', 'admin') "
         "        OR (tok.role = 'technician' AND c.provider_id = ANY(tok.pharmacies)) THEN 'ok' "
         "      ELSE 'denied' END) AS outcome "
         "  FROM tok LEFT JOIN c ON true WHERE NOT tok.expired " +
         (of_month ? "AND rxgate_claim_id_date($2) IS NOT NULL" : "") + ") " +
         "SELECT tok.id, tok.name, tok.role, array_to_string(tok.pharmacies, ','), tok.expired, o.outcome, "
         "  (SELECT c.provider_id FROM c), " +
         (of_month ? "rxgate_claim_id_date($2) IS NULL" : "false") + " AS undated, c.* "
         "FROM tok LEFT JOIN (SELECT a.outcome FROM a) o ON true LEFT JOIN c ON o.outcome = 'ok'";
}

constexpr const char* summary_status =
    "SELECT status::text, count(*) FROM claims WHERE provider_id = $1 "
    "AND date_of_service BETWEEN $2 AND $3 GROUP BY status ORDER BY 2 DESC, 1";
constexpr const char* summary_rejects =
    "SELECT r.code, count(*) FROM claims c JOIN claim_rejects r ON r.claim_id = c.id "
    "AND r.date_of_service = c.date_of_service WHERE c.provider_id = $1 "
    "AND c.date_of_service BETWEEN $2 AND $3 GROUP BY r.code ORDER BY 2 DESC, 1 LIMIT 10";

constexpr const char* pa_columns =
    "id, number, bin, cardholder_id, person_code, product_id, therapeutic_class, effective, "
    "expires, max_quantity, source, created_by, to_char(created_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), coalesce(to_char(revoked_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), ''), coalesce(revoked_by, '')";

std::string pa_insert() {
  return std::string("INSERT INTO prior_authorizations (number, bin, cardholder_id, person_code, "
                     "product_id, therapeutic_class, effective, expires, max_quantity, source, "
                     "created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ") +
         pa_columns;
}
std::string pa_list() {
  return std::string("SELECT ") + pa_columns +
         " FROM prior_authorizations WHERE bin = $1 AND cardholder_id = $2 AND person_code = $3 "
         "AND ($4 OR revoked_at IS NULL) ORDER BY effective DESC, id DESC";
}
constexpr const char* pa_revoke =
    "UPDATE prior_authorizations SET revoked_at = now(), revoked_by = $2 "
    "WHERE id = $1 AND revoked_at IS NULL RETURNING id";

std::string str(const pqxx::field& f) { return pg::text(f); }

// One column into a member of its type: text (NULL -> ""), an integer (NULL -> 0), an optional
// integer (NULL -> nullopt).
void read_column(const pqxx::field& f, std::string& out) { out = str(f); }
void read_column(const pqxx::field& f, std::int64_t& out) { out = pg::int_or(f, 0); }
void read_column(const pqxx::field& f, int& out) { out = static_cast<int>(pg::int_or(f, 0)); }
void read_column(const pqxx::field& f, std::optional<std::int64_t>& out) { out = pg::opt_int(f); }
void read_column(const pqxx::field& f, std::optional<int>& out) {
  const auto v = pg::opt_int(f);
  out = v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

// Consecutive columns from `first` into `out...`, in the order of the SELECT list.
template <class... Out>
void read_columns(const pqxx::row& r, pqxx::row::size_type first, Out&... out) {
  auto column = first;
  (read_column(r[column++], out), ...);
}

// How claim `h` of a claim's history relates to it, from the link kinds both ways.
std::string relation_of(std::int64_t id, std::int64_t claim, std::string_view replaces_it, std::string_view it_replaces) {
  if (id == claim) return "this";
  if (replaces_it == "reversal") return "reversed_by";
  if (replaces_it == "rebill") return "rebilled_by";
  if (replaces_it == "duplicate") return "duplicate_received";
  if (it_replaces == "reversal") return "reverses";
  if (it_replaces == "rebill") return "rebills";
  if (it_replaces == "duplicate") return "duplicate_of";
  return "same_key";
}

// The rejects, DUR alerts and history of claim_columns: JSON arrays of arrays in column order, or
// empty (SQL NULL) when there are none. False when the database sent something else.
bool read_lists(std::string_view rejects, std::string_view dur, std::string_view history, claim_record& k) {
  namespace dom = simdjson::dom;
  thread_local dom::parser parser;
  auto rows = [&](std::string_view json, std::size_t columns, auto&& take) {
    if (json.empty()) return true;
    dom::array list;
    if (parser.parse(json.data(), json.size()).get(list) != simdjson::SUCCESS) return false;
    for (dom::element e : list) {
      dom::array a;
      if (e.get_array().get(a) != simdjson::SUCCESS) return false;
      std::array<dom::element, 9> cells;
      std::size_t n = 0;
      for (dom::element x : a) {
        if (n == cells.size()) return false;
        cells[n++] = x;
      }
      if (n != columns) return false;
      take(cells);
    }
    return true;
  };
  auto text = [](dom::element e) {  // JSON null -> ""
    std::string_view v;
    return e.get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  auto number = [](dom::element e) -> std::optional<std::int64_t> {
    std::int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
  };
  auto codes = [&](dom::element e) {
    std::vector<std::string> out;
    dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return out;
    for (dom::element x : a) out.push_back(text(x));
    return out;
  };
  using cells = const std::array<dom::element, 9>&;
  return rows(rejects, 3, [&](cells a) {
           k.rejects.push_back({text(a[0]), text(a[1]), static_cast<int>(number(a[2]).value_or(0))});
         }) &&
         rows(dur, 6, [&](cells a) {
           k.dur.push_back({text(a[0]), text(a[1]), text(a[2]), text(a[3]), text(a[4]), number(a[5])});
         }) &&
         rows(history, 9, [&](cells a) {
           related_claim h;
           h.id = number(a[0]).value_or(0);
           h.transaction_code = text(a[1]);
           const std::string status = text(a[2]);
           h.status = status.empty() ? '?' : status[0];
           h.received_at = text(a[3]);
           h.date_of_service = text(a[4]);
           h.authorization_number = text(a[5]);
           h.relation = relation_of(h.id, k.id, text(a[6]), text(a[7]));
           h.reject_codes = codes(a[8]);
           k.history.push_back(std::move(h));
         });
}

bool valid_date_text(const std::string& v) { return pg::parse_date(v).valid(); }

prior_authorization_record pa_from(const pqxx::row& r) {
  prior_authorization_record p;
  read_columns(r, 0, p.id, p.number, p.bin, p.cardholder_id, p.person_code, p.product_id, p.therapeutic_class,
               p.effective, p.expires, p.max_quantity, p.source, p.created_by, p.created_at, p.revoked_at,
               p.revoked_by);
  return p;
}

// A reader connection: `plan_cache_mode` says how its statements are planned.
pg::connection_settings read_connection(const store_options& o, std::string application_name,
                                        std::string plan_cache_mode, std::vector<pg::prepared_statement> statements) {
  pg::connection_settings s;
  s.dsn = o.dsn;
  s.application_name = std::move(application_name);
  s.statement_timeout = o.statement_timeout;
  s.plan_cache_mode = std::move(plan_cache_mode);
  s.reconnect_min = s.reconnect_max = o.reconnect_min;
  s.statements = std::move(statements);
  return s;
}

pg::connection_settings reader_settings(const store_options& o) {
  return read_connection(o, "rxgate-reader", "force_custom_plan",
                         {{"summary_status", summary_status},
                          {"summary_rejects", summary_rejects},
                          {"pa_insert", pa_insert()},
                          {"pa_list", pa_list()},
                          {"pa_revoke", pa_revoke}});
}

// The months pg_reader::warm() plans on each by-id connection, today's and the 13 before it.
constexpr int warm_months = 14;

// Claims by id on connections of their own with generic plans: a custom plan of the by-id
// statement costs 2-4 ms of planning over every partition under load, more than the read itself
// (measured at 10 million claims). Each month has its own statement (token_claim_YYYY_MM, prepared
// on a connection the first time it reads that month; on_id_date), whose generic plan holds that
// month's partitions only: it is made in 3-6 ms, and again after an ANALYZE of one of them
// invalidates it, where one plan over every partition took 140-240 ms under load (bench/RESULTS.md,
// "reads by id on custom plans"). Ids from before migration 0022 carry no date:
// token_claim_every_partition reads them.
pg::connection_settings claim_reader_settings(const store_options& o) {
  auto s = read_connection(o, "rxgate-reader-claims", "force_generic_plan",
                           {{"token_claim_every_partition", token_claim_select(claim_month{})},
                            {"claim_dictionaries", sql_claim_dictionaries}});
  // A year and a half of months per connection: a technician reads the recent ones.
  s.max_on_demand_statements = 18;
  static_assert(warm_months <= 18);
  return s;
}

// Searches on connections of their own with generic plans: each shape of search is its own
// statement (search_select), prepared on a connection the first time it meets that shape; its
// plan is made then (and again after an ANALYZE of a partition), not at every search. A
// technician's searches come in a handful of shapes; 32 kept per connection.
pg::connection_settings search_reader_settings(const store_options& o) {
  auto s = read_connection(o, "rxgate-reader-search", "force_generic_plan", {});
  s.max_on_demand_statements = 32;
  return s;
}

// The search statement of filter `f`'s shape on connection `c`, prepared there the first time;
// its name.
std::string shape_statement(pg::connection& c, const search_filter& f) {
  const search_shape shape = shape_of(f);
  std::string name = statement_name(shape);
  c.prepare_on_demand(name, [&] { return audited_search_select(shape); });
  return name;
}

// The month an id carries (year 0: none).
claim_month month_of_id(std::int64_t id) noexcept {
  const codec::date d = date_in_claim_id(id);
  return d.valid() ? claim_month{d.year, d.month} : claim_month{};
}
// The by-id statement of month `m` on connection `c`, prepared there the first time; its name.
std::string month_statement(pg::connection& c, claim_month m) {
  char name[32];
  std::snprintf(name, sizeof name, "token_claim_%04d_%02d", m.year, m.month);
  c.prepare_on_demand(name, [&] { return token_claim_select(m); });
  return name;
}

// The columns of claim_columns, from `first` on, into `out`.
error read_claim(const pqxx::row& row, pqxx::row::size_type first, bool with_raw_bytes, claim_record& out,
                 std::string_view what) {
  claim_record k;
  read_columns(row, first, k.id, k.date_of_service, k.received_at, k.source, k.transaction_code, k.bin, k.pcn,
               k.provider_id_qualifier, k.provider_id, k.rx_number, k.fill_number, k.cardholder_id, k.person_code,
               k.group_id, k.plan_id, k.plan_version);
  const auto status = pg::text_view(row[first + 16]);
  k.status = status.empty() ? 'R' : status[0];
  read_columns(row, first + 17, k.authorization_number, k.product_qualifier, k.product_id, k.product_name,
               k.therapeutic_class, k.tier, k.quantity, k.days_supply, k.patient_pay, k.ingredient_cost_paid,
               k.dispensing_fee_paid, k.total_paid, k.reversed_at, k.reversed_by, k.replaces_claim_id, k.link_kind,
               k.detail_json);
  read_claim_detail(k.detail_json, k.detail);
  if (with_raw_bytes) {
    // As stored: claim_for_token unpacks them (sql/claim_bytes.h).
    k.request = pg::unhex(pg::text_view(row[first + 34]));
    k.response = pg::unhex(pg::text_view(row[first + 35]));
  }
  if (!read_lists(pg::text_view(row[first + 36]), pg::text_view(row[first + 37]), pg::text_view(row[first + 38]), k))
    return {errc::internal, std::string(what) + ": unreadable reject, DUR or history list"};
  out = std::move(k);
  return {};
}

// token_claim_select's own columns before the claim's, and the one that says the id has no date.
constexpr pqxx::row::size_type token_claim_first_column = 8;
constexpr pqxx::row::size_type token_claim_undated_column = 7;


class pg_reader final : public claim_reader {
 public:
  explicit pg_reader(const store_options& options)
      : pool_(reader_settings(options), options.read_pool_size, options.statement_timeout, "read"),
        claims_pool_(claim_reader_settings(options), options.read_pool_size, options.statement_timeout, "read by id"),
        search_pool_(search_reader_settings(options), options.read_pool_size, options.statement_timeout, "search") {}

  error claim_for_token(const token_claim_read& in, token_claim_result& out) override {
    out = {};
    return claims_pool_.run("claim_for_token", [&](pg::connection& c) -> error {
      const claim_month month = month_of_id(in.claim_id);
      std::string statement = "token_claim_every_partition";
      if (month.year != 0) statement = month_statement(c, month);
      pqxx::nontransaction t(c.get());
      const auto token = digest_hex(in.token);
      const auto remote = pg::clean_text(in.remote);
      const std::string commit_mode(in.synchronous_commit);
      auto r = t.exec_prepared(statement, token, in.claim_id, in.with_raw_bytes, remote, commit_mode);
      if (r.empty()) return {};
      if (r[0][token_claim_undated_column].as<bool>()) {  // an id from before migration 0022
        r = t.exec_prepared("token_claim_every_partition", token, in.claim_id, in.with_raw_bytes, remote, commit_mode);
        if (r.empty()) return {};
      }
      const auto row = r[0];
      token_identity who;
      who.id = pg::int_or(row[0], 0);
      who.name = str(row[1]);
      const auto role = parse_role(pg::text_view(row[2]));
      if (!role) return {errc::internal, "claim_for_token: unknown role"};  // the CHECK constraint forbids it
      who.role = *role;
      who.pharmacies = pg::split_commas(str(row[3]));
      who.expired = row[4].as<bool>();
      out.token = std::move(who);
      out.outcome = str(row[5]);
      out.provider_id = str(row[6]);
      if (out.outcome != "ok") return {};
      if (auto e = read_claim(row, token_claim_first_column, in.with_raw_bytes, out.claim, "claim_for_token")) return e;
      return in.with_raw_bytes ? unpack_raw_bytes(t, out.claim) : error{};
    });
  }
  void warm() noexcept override {
    // The months claims are filed for (timely filing reaches back about a year: the partitions made
    // ahead start 13 months back, sql/migrate.cpp), oldest first, on every by-id connection: each
    // prepared, then executed once with a token that cannot exist (a digest of zeros), which makes
    // its generic plan and reads and audits nothing. 14 months of 18 kept.
    const codec::date today = pg::today_utc();
    claims_pool_.for_each("warm", [&](pg::connection& c) {
      for (int back = warm_months - 1; back >= 0; --back) {
        int year = today.year, month_number = today.month - back;
        while (month_number < 1) month_number += 12, --year;
        const claim_month month{year, month_number};
        const codec::date first{static_cast<std::int16_t>(year), static_cast<std::uint8_t>(month_number), 1};
        const std::string statement = month_statement(c, month);
        pqxx::nontransaction t(c.get());
        t.exec_prepared(statement, std::string(64, '0'), make_claim_id(1, first), false, std::string("warm"),
                        std::string("off"));
      }
    });
    // The shapes of search a technician and an operator send most (the console's, bench/status-api's),
    // each run once on every search connection for a pharmacy that cannot exist, unaudited: its
    // statement is prepared and its generic plan made here (the first also loads the catalog
    // entries of every partition and index, 60-160 ms under load at 10 million claims), not at a
    // technician's first search.
    std::vector<search_filter> shapes;
    for (const bool scoped : {false, true}) {
      search_filter f;
      f.limit = 1;
      if (scoped) {
        f.allowed_pharmacies = {"-", "--"};
        shapes.push_back(f);  // a technician's own pharmacies (one alone is searched as a pharmacy)
      }
      f.pharmacy = "-";
      shapes.push_back(f);  // a pharmacy's latest
      auto rx = f;
      rx.rx_number = "-";
      shapes.push_back(rx);  // a prescription
      auto rejected = f;
      rejected.status = "R";
      rejected.from = "2000-01-01";
      shapes.push_back(rejected);  // a pharmacy's rejects since a date
      auto code = f;
      code.reject_code = "-";
      shapes.push_back(code);  // a reject code at a pharmacy
    }
    search_pool_.for_each("warm", [&](pg::connection& c) -> error {
      search_page page;
      for (const auto& f : shapes)
        if (error e = run_search(c, f, std::nullopt, 0, page)) return e;
      return {};
    });
    // Summaries and PAs plan each call; the first plan of a new backend loads the catalog
    // entries of every partition, which one summary of a day pays for here.
    pool_.for_each("warm", [&](pqxx::connection& c) -> error {
      pqxx::read_transaction t(c);
      t.exec_prepared("summary_status", std::string("-"), std::string("2000-01-01"), std::string("2000-01-01"));
      return {};
    });
  }
  error search(const search_filter& f, search_page& out) override {
    if (f.limit < 1 || f.limit > 500) return {errc::invalid, "search: limit must be 1..500"};
    for (const auto* d : {&f.from, &f.to}) {
      if (*d && !valid_date_text(**d)) return {errc::invalid, "search: dates are YYYY-MM-DD"};
    }
    if (f.status && f.status->size() != 1) return {errc::invalid, "search: status is one letter"};
    std::optional<std::string> cursor_date;
    std::int64_t cursor_id = 0;
    if (!f.cursor.empty()) {
      // The cursor is "<date of service>.<id>" of the last row of the previous page.
      const auto dot = f.cursor.find('.');
      const std::string d = f.cursor.substr(0, dot);
      if (dot == std::string::npos || !valid_date_text(d) ||
          std::from_chars(f.cursor.data() + dot + 1, f.cursor.data() + f.cursor.size(), cursor_id).ec != std::errc{}) {
        return {errc::invalid, "search: malformed cursor"};
      }
      cursor_date = d;
    }
    return search_pool_.run("search", [&](pg::connection& c) { return run_search(c, f, cursor_date, cursor_id, out); });
  }

  error summary(const std::string& pharmacy, const std::string& from, const std::string& to,
                pharmacy_summary& out) override {
    if (!valid_date_text(from) || !valid_date_text(to)) {
      return {errc::invalid, "summary: dates are YYYY-MM-DD"};
    }
    return pool_.run("summary", [&](pqxx::connection& c) -> error {
      pqxx::read_transaction t(c);
      pharmacy_summary s;
      for (const auto& row : t.exec_prepared("summary_status", pharmacy, from, to)) {
        const auto status = pg::text_view(row[0]);
        s.by_status.emplace_back(status.empty() ? '?' : status[0], pg::int_or(row[1], 0));
      }
      for (const auto& row : t.exec_prepared("summary_rejects", pharmacy, from, to)) {
        s.top_reject_codes.emplace_back(str(row[0]), pg::int_or(row[1], 0));
      }
      t.commit();
      out = std::move(s);
      return {};
    });
  }

  error create_prior_authorization(prior_authorization_record& in) override {
    if (in.number.empty() || in.bin.empty() || in.cardholder_id.empty() || in.source.empty() ||
        (in.product_id.empty() && in.therapeutic_class.empty()) || !valid_date_text(in.effective) ||
        !valid_date_text(in.expires) || in.expires < in.effective || in.max_quantity < 0) {
      return {errc::invalid, "create_prior_authorization: number, bin, cardholder, source, a product "
                             "or class, and effective <= expires (YYYY-MM-DD) are required"};
    }
    return pool_.run("create_prior_authorization", [&](pqxx::connection& c) -> error {
      pqxx::work t(c);
      const auto r = t.exec_prepared("pa_insert", pg::clean_text(in.number), pg::clean_text(in.bin),
                                     pg::clean_text(in.cardholder_id), pg::clean_text(in.person_code),
                                     pg::clean_text(in.product_id), pg::clean_text(in.therapeutic_class),
                                     in.effective, in.expires, in.max_quantity,
                                     pg::clean_text(in.source), pg::clean_text(in.created_by));
      t.commit();
      in = pa_from(r[0]);
      return {};
    });
  }

  error list_prior_authorizations(const std::string& bin, const std::string& cardholder_id,
                                  const std::string& person_code, bool include_revoked,
                                  std::vector<prior_authorization_record>& out) override {
    return pool_.run("list_prior_authorizations", [&](pqxx::connection& c) -> error {
      pqxx::read_transaction t(c);
      std::vector<prior_authorization_record> v;
      for (const auto& row : t.exec_prepared("pa_list", bin, cardholder_id, person_code, include_revoked)) {
        v.push_back(pa_from(row));
      }
      t.commit();
      out = std::move(v);
      return {};
    });
  }

  error revoke_prior_authorization(std::int64_t id, const std::string& actor) override {
    return pool_.run("revoke_prior_authorization", [&](pqxx::connection& c) -> error {
      pqxx::work t(c);
      const auto r = t.exec_prepared("pa_revoke", id, pg::clean_text(actor));
      t.commit();
      if (r.empty()) return {errc::not_found, "revoke_prior_authorization: no active prior authorization with that id"};
      return {};
    });
  }

  // A search on connection `c`, its filter checked (search()).
  static error run_search(pg::connection& c, const search_filter& f, const std::optional<std::string>& cursor_date,
                          std::int64_t cursor_id, search_page& out) {
    auto opt = [](const std::optional<std::string>& o) -> const char* { return o ? o->c_str() : nullptr; };
    const std::string statement = shape_statement(c, f);
    const searched_pharmacies p = pharmacies_of(f);
    pqxx::nontransaction t(c.get());
    const auto r = t.exec_prepared(statement, p.scoped ? pg::text_array(f.allowed_pharmacies) : std::string("{}"),
                                   p.pharmacy ? p.pharmacy->c_str() : nullptr,
                                   opt(f.rx_number), opt(f.status), opt(f.reject_code),
                                   opt(f.product_id), opt(f.from), opt(f.to), opt(cursor_date),
                                   cursor_id, f.limit + 1, f.audit ? f.audit->who.actor.c_str() : nullptr,
                                   f.audit ? pg::clean_text(f.audit->detail) : std::string(),
                                   f.audit ? pg::clean_text(f.audit->who.remote) : std::string(),
                                   f.audit ? f.audit->who.token_id : 0,
                                   std::string(f.audit ? f.audit->synchronous_commit : "on"));
    search_page page;
    for (const auto& row : r) {
      if (page.claims.size() == static_cast<std::size_t>(f.limit)) {
        const auto& last = page.claims.back();
        page.next_cursor = last.date_of_service + "." + std::to_string(last.id);
        break;
      }
      claim_summary s;
      read_columns(row, 0, s.id, s.date_of_service, s.received_at, s.transaction_code, s.provider_id, s.rx_number,
                   s.fill_number);
      const auto status = pg::text_view(row[7]);
      s.status = status.empty() ? 'R' : status[0];
      read_columns(row, 8, s.product_id, s.product_name, s.total_paid);
      std::string_view codes = pg::text_view(row[11]);
      while (!codes.empty()) {
        const auto comma = codes.find(',');
        s.reject_codes.emplace_back(codes.substr(0, comma));
        codes = comma == std::string_view::npos ? std::string_view{} : codes.substr(comma + 1);
      }
      page.claims.push_back(std::move(s));
    }
    out = std::move(page);
    return {};
  }

 private:
  // The stored request and response as they were sent: a frame names its dictionary, loaded
  // (all of them, on this connection) the first time a value names one this reader lacks.
  error unpack_raw_bytes(pqxx::transaction_base& t, claim_record& k) {
    thread_local unpacker u;
    {
      std::lock_guard lock(dictionaries_mutex_);
      u.use(dictionaries_);
    }
    std::string raw;
    for (std::string* value : {&k.request, &k.response}) {
      std::uint32_t missing = 0;
      error e = u.unpack(*value, raw, missing);
      if (e && missing != 0) {
        auto fresh = load_dictionaries(t);
        {
          std::lock_guard lock(dictionaries_mutex_);
          dictionaries_ = fresh;
        }
        u.use(std::move(fresh));
        e = u.unpack(*value, raw, missing);
      }
      if (e) return {errc::internal, "claim_for_token: " + e.message};
      value->swap(raw);
    }
    return {};
  }

  std::mutex dictionaries_mutex_;
  std::shared_ptr<const dictionary_set> dictionaries_ = std::make_shared<dictionary_set>();
  pg::connection_pool pool_;          // summaries, PAs: custom plans (reader_settings)
  pg::connection_pool claims_pool_;   // claims by id: generic plans (claim_reader_settings)
  pg::connection_pool search_pool_;   // searches: a generic plan per shape (search_reader_settings)
};

}  // namespace

std::unique_ptr<claim_reader> open_reader(const store_options& options) {
  try {
    return std::make_unique<pg_reader>(options);
  } catch (...) {
    return nullptr;
  }
}

namespace detail {
std::string token_claim_statement(claim_month m) { return token_claim_select(m); }
}  // namespace detail

}  // namespace rxgate::store
