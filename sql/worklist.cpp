// The reject worklist (sql/worklist.h, migration 0017) on a small pool of its own. Open/closed,
// the paying claim and the assignee are derived per reject when it is read; the queries and the
// indexes they use are listed in sql/README.md.
#include "sql/worklist.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>

#include "sql/connection.h"
#include "sql/pg.h"
#include "sql/reversal.h"

namespace rxgate::store {

bool is_worklist_close_reason(std::string_view reason) noexcept {
  return std::find(std::begin(worklist_close_reasons), std::end(worklist_close_reasons), reason) !=
         std::end(worklist_close_reasons);
}

namespace {

// 88 and the codes about the DUR/PPS segment's content (reason, professional service and result
// of service codes, level of effort, co-agent, code counter): what a pharmacist decides and sends.
constexpr std::string_view pharmacist_rejects[] = {
    "88", "6W", "6X", "7E", "8E", "9B", "9C", "9D", "9W", "E4", "E5", "E6", "H6", "J9", "P8", "PH",
    "208", "352", "353", "354", "355", "356", "357", "358", "488", "489", "518", "519", "592"};

}  // namespace

bool is_pharmacist_reject(std::string_view code) noexcept {
  return std::find(std::begin(pharmacist_rejects), std::end(pharmacist_rejects), code) != std::end(pharmacist_rejects);
}

namespace {

#define RXGATE_WL_TS(x) "coalesce(to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"

// One reject as the worklist shows it; `dur` is the parameter holding the pharmacist codes.
// - rj: its codes (claim_rejects PK);
// - pay: the later paid claim under the same pharmacy, Rx number and fill, the first unreversed
//   one, else the last reversed one (claims_rx, one probe per partition; its reversal, sql/reversal.h);
// - st, asg: the last close/reopen and the last assign (worklist_actions_claim).
std::string entry_select(std::string_view dur) {
  return std::string(
             "SELECT c.id AS claim_id, c.date_of_service AS dos, " RXGATE_WL_TS("c.received_at") ", c.provider_id, "
             "c.bin, c.pcn, c.rx_number, c.transaction_code, coalesce(c.product_id, ''), "
             "coalesce(c.product_name, ''), c.fill_number, rj.codes, rj.for_pharmacist, pay.id, "
             RXGATE_WL_TS("pay.received_at") ", " RXGATE_WL_TS("pay.reversed_at") ", coalesce(st.action, ''), "
             "coalesce(st.reason, ''), coalesce(st.actor, ''), " RXGATE_WL_TS("st.at") ", coalesce(st.note, ''), "
             "coalesce(asg.assignee, '') AS assignee, "
             "NOT ((pay.id IS NOT NULL AND pay.reversed_at IS NULL) OR st.action IS NOT DISTINCT FROM 'close') AS is_open "
             "FROM claims c "
             "CROSS JOIN LATERAL (SELECT coalesce(string_agg(r.code, ',' ORDER BY r.seq), '') AS codes, "
             "  coalesce(bool_or(r.code = ANY(") +
         std::string(dur) +
         "::text[])), false) AS for_pharmacist FROM claim_rejects r "
         "  WHERE r.claim_id = c.id AND r.date_of_service = c.date_of_service) rj "
         "LEFT JOIN LATERAL (SELECT p.id, p.received_at, prv.created_at AS reversed_at FROM claims p "
         "  LEFT JOIN LATERAL (" + detail::reversal_of("p") + ") prv ON true "
         "  WHERE p.provider_id = c.provider_id AND p.rx_number = c.rx_number AND p.fill_number = c.fill_number "
         "    AND p.status = 'P' AND p.id > c.id "
         "  ORDER BY prv.created_at IS NULL DESC, CASE WHEN prv.created_at IS NULL THEN p.id ELSE -p.id END "
         "  LIMIT 1) pay ON true "
         "LEFT JOIN LATERAL (SELECT a.action, a.reason, a.actor, a.at, a.note FROM worklist_actions a "
         "  WHERE a.claim_id = c.id AND a.action IN ('close', 'reopen') ORDER BY a.id DESC LIMIT 1) st ON true "
         "LEFT JOIN LATERAL (SELECT a.assignee FROM worklist_actions a "
         "  WHERE a.claim_id = c.id AND a.action = 'assign' ORDER BY a.id DESC LIMIT 1) asg ON true ";
}

// The filters of list and counts: $1 pharmacy, $2 from, $3 to, $4 BIN, $5 PCN, $6 reject code on
// the claim (claims_rejected_pharmacy); then on the derived values: $7 open, $8 assignee, $9 for
// a pharmacist. $10 the pharmacist codes. Absent filters are NULL (force_custom_plan folds them).
std::string filtered(std::string_view extra_claim_filter) {
  return "SELECT * FROM (" + entry_select("$10") +
         "WHERE c.provider_id = $1 AND c.status = 'R' "
         "  AND ($2::date IS NULL OR c.date_of_service >= $2::date) "
         "  AND ($3::date IS NULL OR c.date_of_service <= $3::date) "
         "  AND ($4::text IS NULL OR c.bin = $4) AND ($5::text IS NULL OR c.pcn = $5) "
         "  AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM claim_rejects r WHERE r.claim_id = c.id "
         "       AND r.date_of_service = c.date_of_service AND r.code = $6)) " +
         std::string(extra_claim_filter) +
         ") w WHERE ($7::boolean IS NULL OR w.is_open = $7) AND ($8::text IS NULL OR w.assignee = $8) "
         "  AND ($9::boolean IS NULL OR w.for_pharmacist = $9) ";
}

std::string list_sql() {
  return filtered("AND ($11::date IS NULL OR (c.date_of_service, c.id) < ($11::date, $12::bigint)) ") +
         "ORDER BY w.dos DESC, w.claim_id DESC LIMIT $13";
}

// Per code the rejects carrying it, and (GROUPING = 1) the rejects and those for a pharmacist.
std::string counts_sql() {
  return "SELECT GROUPING(x.code), coalesce(x.code, ''), count(DISTINCT f.claim_id), "
         "count(DISTINCT f.claim_id) FILTER (WHERE f.for_pharmacist) FROM (" +
         filtered("") +
         ") f LEFT JOIN LATERAL unnest(string_to_array(f.codes, ',')) AS x(code) ON true "
         "GROUP BY GROUPING SETS ((x.code), ()) ORDER BY 1 DESC, 3 DESC, 2";
}

// One reject by claim id. The id's date (migration 0022) is a constant in this connection's custom
// plans, so the plan reads that date's partition only; an id from before the migration has none
// and the condition folds to true (every partition, as before).
std::string entry_sql() {
  return entry_select("$2") +
         "WHERE c.id = $1 AND c.status = 'R' "
         "AND (c.date_of_service = rxgate_claim_id_date($1) OR rxgate_claim_id_date($1) IS NULL)";
}

constexpr const char* actions_sql =
    "SELECT id, action, coalesce(reason, ''), coalesce(assignee, ''), note, actor, " RXGATE_WL_TS("at")
    " FROM worklist_actions WHERE claim_id = $1 ORDER BY id";
// Actions on one reject run one at a time (its state is checked, then the action written).
constexpr const char* lock_sql = "SELECT pg_advisory_xact_lock(15, hashint8($1::bigint))";
constexpr const char* insert_sql =
    "INSERT INTO worklist_actions (claim_id, date_of_service, provider_id, action, reason, assignee, note, "
    "actor, token_id) VALUES ($1, $2::date, $3, $4, NULLIF($5, ''), $6, $7, $8, NULLIF($9::bigint, 0))";

std::string str(const pqxx::field& f) { return pg::text(f); }

using pg::split_commas;

worklist_entry entry_from(const pqxx::row& r) {
  worklist_entry e;
  e.claim_id = pg::int_or(r[0], 0);
  e.date_of_service = str(r[1]);
  e.received_at = str(r[2]);
  e.provider_id = str(r[3]);
  e.bin = str(r[4]);
  e.pcn = str(r[5]);
  e.rx_number = str(r[6]);
  e.transaction_code = str(r[7]);
  e.product_id = str(r[8]);
  e.product_name = str(r[9]);
  e.fill_number = static_cast<int>(pg::int_or(r[10], 0));
  e.reject_codes = split_commas(pg::text_view(r[11]));
  e.for_pharmacist = r[12].as<bool>();
  e.paid_by = pg::opt_int(r[13]);
  e.paid_at = str(r[14]);
  e.payment_reversed_at = str(r[15]);
  e.last_state_action = str(r[16]);
  e.close_reason = str(r[17]);
  e.state_actor = str(r[18]);
  e.state_at = str(r[19]);
  e.state_note = str(r[20]);
  e.assignee = str(r[21]);
  e.open = r[22].as<bool>();
  return e;
}

// A calendar date as YYYY-MM-DD: it reads back as itself (2026-13-01 and 2026-02-30 do not).
bool valid_calendar_date(std::string_view v) {
  const auto d = pg::parse_date(v);
  return d.valid() && pg::format_date(codec::date::from_days(d.days())) == v;
}
bool valid_date_text(const std::optional<std::string>& v) { return !v || valid_calendar_date(*v); }

std::vector<std::string> pharmacist_codes() {
  return {std::begin(pharmacist_rejects), std::end(pharmacist_rejects)};
}

pg::connection_settings worklist_settings(const store_options& o) {
  pg::connection_settings s;
  s.dsn = o.dsn;
  s.application_name = "rxgate-worklist";
  s.statement_timeout = o.statement_timeout;
  s.plan_cache_mode = "force_custom_plan";
  s.reconnect_min = s.reconnect_max = o.reconnect_min;
  s.statements = {{"worklist_list", list_sql()},       {"worklist_counts", counts_sql()},
                  {"worklist_entry", entry_sql()},     {"worklist_actions", actions_sql},
                  {"worklist_lock", lock_sql},         {"worklist_insert", insert_sql}};
  return s;
}

class pg_worklist final : public worklist_store {
 public:
  explicit pg_worklist(const store_options& o)
      : pool_(worklist_settings(o), std::max(1, o.read_pool_size), o.statement_timeout, "worklist"),
        dur_(pg::text_array(pharmacist_codes())) {}

  error list(const worklist_filter& f, worklist_page& out) override {
    if (f.limit < 1 || f.limit > 500) return {errc::invalid, "worklist: limit must be 1..500"};
    if (auto e = check(f)) return e;
    std::optional<std::string> cursor_date;
    std::int64_t cursor_id = 0;
    if (!f.cursor.empty()) {
      // "<date of service>.<id>" of the last row of the previous page.
      const auto dot = f.cursor.find('.');
      const std::string d = f.cursor.substr(0, dot);
      if (dot == std::string::npos || !valid_calendar_date(d) ||
          std::from_chars(f.cursor.data() + dot + 1, f.cursor.data() + f.cursor.size(), cursor_id).ec != std::errc{})
        return {errc::invalid, "worklist: malformed cursor"};
      cursor_date = d;
    }
    return pool_.run("worklist list", [&](pqxx::connection& c) -> error {
      pqxx::read_transaction t(c);
      const auto r = t.exec_prepared("worklist_list", f.pharmacy, opt(f.from), opt(f.to), opt(f.bin), opt(f.pcn),
                                     opt(f.reject_code), flag(f.open), opt(f.assignee), flag(f.for_pharmacist), dur_,
                                     opt(cursor_date), cursor_id, f.limit + 1);
      t.commit();
      worklist_page page;
      for (const auto& row : r) {
        if (page.entries.size() == static_cast<std::size_t>(f.limit)) {
          const auto& last = page.entries.back();
          page.next_cursor = last.date_of_service + "." + std::to_string(last.claim_id);
          break;
        }
        page.entries.push_back(entry_from(row));
      }
      out = std::move(page);
      return {};
    });
  }

  error counts(const worklist_filter& f, worklist_counts& out) override {
    if (auto e = check(f)) return e;
    return pool_.run("worklist counts", [&](pqxx::connection& c) -> error {
      pqxx::read_transaction t(c);
      const auto r = t.exec_prepared("worklist_counts", f.pharmacy, opt(f.from), opt(f.to), opt(f.bin), opt(f.pcn),
                                     opt(f.reject_code), flag(f.open), opt(f.assignee), flag(f.for_pharmacist), dur_);
      t.commit();
      worklist_counts k;
      for (const auto& row : r) {
        if (pg::int_or(row[0], 0) == 1) {
          k.rejects = pg::int_or(row[2], 0);
          k.for_pharmacist = pg::int_or(row[3], 0);
        } else if (!pg::text_view(row[1]).empty()) {
          k.by_code.emplace_back(str(row[1]), pg::int_or(row[2], 0));
        }
      }
      out = std::move(k);
      return {};
    });
  }

  error entry(std::int64_t claim_id, worklist_entry& out, std::vector<worklist_action_record>& actions) override {
    return pool_.run("worklist entry", [&](pqxx::connection& c) -> error {
      pqxx::read_transaction t(c);
      const auto r = t.exec_prepared("worklist_entry", claim_id, dur_);
      if (r.empty()) return {errc::not_found, "worklist entry: no such reject"};
      out = entry_from(r[0]);
      actions.clear();
      for (const auto& a : t.exec_prepared("worklist_actions", claim_id)) {
        actions.push_back({pg::int_or(a[0], 0), str(a[1]), str(a[2]), str(a[3]), str(a[4]), str(a[5]), str(a[6])});
      }
      t.commit();
      return {};
    });
  }

  error act(const worklist_action& a, worklist_entry& out) override {
    if (a.action != "close" && a.action != "reopen" && a.action != "assign" && a.action != "note")
      return {errc::invalid, "worklist: action is close, reopen, assign or note"};
    if (a.action == "close" && !is_worklist_close_reason(a.reason))
      return {errc::invalid, "worklist: close needs a reason from the list"};
    if (a.action != "close" && !a.reason.empty()) return {errc::invalid, "worklist: only close takes a reason"};
    if ((a.action == "note" || a.reason == "other") && a.note.empty())
      return {errc::invalid, "worklist: a note is required"};
    return pool_.run("worklist act", [&](pqxx::connection& c) -> error {
      pqxx::work t(c);
      t.exec_prepared("worklist_lock", a.claim_id);
      auto r = t.exec_prepared("worklist_entry", a.claim_id, dur_);
      if (r.empty()) return {errc::not_found, "worklist act: no such reject"};
      const auto before = entry_from(r[0]);
      if (before.provider_id != a.pharmacy) return {errc::not_found, "worklist act: no such reject"};
      if (a.action == "close" && !before.open) return {errc::conflict, "the reject is already closed"};
      if (a.action == "reopen") {
        if (before.open) return {errc::conflict, "the reject is open"};
        if (before.paid_by && before.payment_reversed_at.empty())
          return {errc::conflict, "a later claim paid this Rx and fill; reverse that claim to reopen the reject"};
      }
      const char* assignee = a.action == "assign" ? a.assignee.c_str() : nullptr;
      std::string clean_assignee = assignee ? pg::clean_text(a.assignee) : std::string{};
      t.exec_prepared("worklist_insert", a.claim_id, before.date_of_service, before.provider_id, a.action, a.reason,
                      assignee ? clean_assignee.c_str() : nullptr, pg::clean_text(a.note), pg::clean_text(a.actor),
                      a.token_id);
      r = t.exec_prepared("worklist_entry", a.claim_id, dur_);
      t.commit();
      out = entry_from(r[0]);
      return {};
    });
  }

 private:
  static const char* opt(const std::optional<std::string>& o) { return o ? o->c_str() : nullptr; }
  static const char* flag(std::optional<bool> b) { return b ? (*b ? "true" : "false") : nullptr; }
  static error check(const worklist_filter& f) {
    if (f.pharmacy.empty()) return {errc::invalid, "worklist: a pharmacy is required"};
    if (!valid_date_text(f.from) || !valid_date_text(f.to)) return {errc::invalid, "worklist: dates are YYYY-MM-DD"};
    return {};
  }

  pg::connection_pool pool_;
  std::string dur_;
};

}  // namespace

std::unique_ptr<worklist_store> open_worklist(const store_options& options) {
  try {
    return std::make_unique<pg_worklist>(options);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace rxgate::store
