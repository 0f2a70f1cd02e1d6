// The reader's search statements, one per shape of search (sql/reader_search.h). One statement
// for every shape ("$n IS NULL OR ...", custom plans) planned each search over every partition of
// claims and claim_rejects: 2.5-4.3 ms of planning a search at 10 million claims, as much as its
// execution (bench/RESULTS.md, "searches on generic plans"). A shape's statement is planned once
// per connection.
#include "sql/reader_search.h"

#include <utility>

namespace rxgate::store {
namespace {

// The columns of a search's rows (claim_summary), from claims `c`.
constexpr const char* search_columns =
    "SELECT c.id, c.date_of_service, to_char(c.received_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), c.transaction_code, c.provider_id, c.rx_number, "
    "c.fill_number, c.status::text, c.product_id, c.product_name, c.total_paid, "
    "(SELECT string_agg(r.code, ',' ORDER BY r.seq) FROM claim_rejects r "
    "  WHERE r.claim_id = c.id AND r.date_of_service = c.date_of_service) ";

}  // namespace

searched_pharmacies pharmacies_of(const search_filter& f) noexcept {
  if (f.allowed_pharmacies.size() == 1 && !f.pharmacy) return {false, &f.allowed_pharmacies.front()};
  return {!f.allowed_pharmacies.empty(), f.pharmacy ? &*f.pharmacy : nullptr};
}

search_shape shape_of(const search_filter& f) noexcept {
  const searched_pharmacies p = pharmacies_of(f);
  search_shape s;
  s.kind = kind_of(f);
  s.scope = p.scoped;
  s.pharmacy = p.pharmacy != nullptr;
  s.rx = f.rx_number.has_value();
  s.status = !f.status ? status_filter::none : *f.status == "R" ? status_filter::rejected : status_filter::other;
  s.product = f.product_id.has_value();
  s.from = f.from.has_value();
  s.to = f.to.has_value();
  s.cursor = !f.cursor.empty();
  return s;
}

std::string statement_name(const search_shape& s) {
  std::string name = "search_";
  name += s.kind == search_kind::claims ? 'c' : s.kind == search_kind::claims_with_reject ? 'w' : 'r';
  name += '_';
  const std::pair<bool, char> letters[] = {{s.scope, 'a'},
                                           {s.pharmacy, 'p'},
                                           {s.rx, 'n'},
                                           {s.status == status_filter::other, 's'},
                                           {s.status == status_filter::rejected, 'x'},
                                           {s.product, 'd'},
                                           {s.from, 'f'},
                                           {s.to, 't'},
                                           {s.cursor, 'k'}};
  for (const auto& [present, letter] : letters)
    if (present) name += letter;
  return name;
}
namespace {

// A shape's statement without its audit row. A present filter is a conjunct on its column, which
// the plan can use; an absent one is "$n IS NULL" (a one-time check of the parameter, which also
// gives it its type). Status R is spelled as a constant as well, so that the plan may use the
// partial indexes of rejected claims (claims_rejected_*), which a generic plan could not with
// "status = $4". Dates prune partitions when the plan starts.
// - claims: no reject code; walks claims by the index its filters pick.
// - claims_with_reject: a reject code with an Rx, status or product: the claims those filters
//   find, each probed for the code. Only rejected claims carry rejects, and a reject carries its
//   claim's pharmacy.
// - rejects: a reject code at one pharmacy with no filter that needs the claim's own columns
//   (the technician's "this code at my pharmacy"): the rejects come newest first from claim_rejects_pharmacy_code
//   (migration 0020, index only), the page is cut there, and only its claims are read. Walking
//   the pharmacy's rejected claims instead read one heap page per rejected claim until the page
//   filled: 200-370 pages for a common code at 10 million claims, 15-30 ms of reads under load.
//   DISTINCT: a claim rejected twice with the same code (two fields) is one row. The claims are
//   a LATERAL subquery with LIMIT 1 so that PostgreSQL cannot flatten it into a hash join over
//   every partition (its choice on small tables): each row of the page probes its claim by
//   (id, date), which prunes to one partition at run time.
std::string search_select(const search_shape& s) {
  const bool rejects = s.kind == search_kind::rejects;
  const std::string t = rejects ? "r." : "c.";  // the table the filters apply to
  const std::string date = t + "date_of_service", id = rejects ? "r.claim_id" : "c.id";
  std::string where;
  auto add = [&](bool present, const std::string& on, const char* absent) {
    where += where.empty() ? "WHERE " : " AND ";
    where += present ? on : absent;
  };
  add(s.scope, t + "provider_id = ANY($1::text[])", "cardinality($1::text[]) = 0");
  add(s.pharmacy, t + "provider_id = $2::text", "$2::text IS NULL");
  add(s.rx && !rejects, "c.rx_number = $3::text", "$3::text IS NULL");
  add(s.status != status_filter::none && !rejects,
      s.status == status_filter::rejected ? "$4::text = 'R' AND c.status = 'R'" : "c.status = $4::text::\"char\"",
      "$4::text IS NULL");
  if (rejects) add(true, "r.code = $5::text", "");
  else if (s.kind == search_kind::claims_with_reject)
    add(true, "c.status = 'R' AND EXISTS (SELECT 1 FROM claim_rejects r WHERE r.claim_id = c.id "
              "AND r.date_of_service = c.date_of_service AND r.provider_id = c.provider_id AND r.code = $5::text)", "");
  else add(false, "", "$5::text IS NULL");
  add(s.product && !rejects, "c.product_id = $6::text", "$6::text IS NULL");
  add(s.from, date + " >= $7::date", "$7::date IS NULL");
  add(s.to, date + " <= $8::date", "$8::date IS NULL");
  add(s.cursor, "(" + date + ", " + id + ") < ($9::date, $10::bigint)", "$9::date IS NULL AND $10::bigint IS NOT NULL");
  if (rejects) {
    return std::string(search_columns) +
           "FROM (SELECT DISTINCT r.date_of_service, r.claim_id FROM claim_rejects r " + where +
           "  ORDER BY r.date_of_service DESC, r.claim_id DESC LIMIT $11) k "
           "CROSS JOIN LATERAL (SELECT * FROM claims c1 WHERE c1.id = k.claim_id "
           "  AND c1.date_of_service = k.date_of_service LIMIT 1) c "
           "ORDER BY k.date_of_service DESC, k.claim_id DESC";
  }
  return std::string(search_columns) + "FROM claims c " + where + " ORDER BY c.date_of_service DESC, c.id DESC LIMIT $11";
}
}  // namespace

// A search and its audit row (search_filter::audit) in one statement: $12 actor (NULL: no row),
// $13 detail, to which the ids of the page are added, $14 remote, $15 token id, $16 the row's
// synchronous_commit. The page is the first $11 - 1 rows (the last one only says another page
// follows).
std::string audited_search_select(const search_shape& shape) {
  return "WITH s AS MATERIALIZED (" + search_select(shape) +
         "), a AS (INSERT INTO claim_reads (actor, action, claim_id, detail, remote, token_id, outcome) "
         "  SELECT $12::text, 'search', NULL, $13::text || coalesce((SELECT string_agg(x.id::text, ',' "
         "      ORDER BY x.date_of_service DESC, x.id DESC) FROM (SELECT s.id, s.date_of_service FROM s "
         "      ORDER BY s.date_of_service DESC, s.id DESC LIMIT $11 - 1) x), ''), "
         "    $14::text, NULLIF($15::bigint, 0), 'ok' "
         "  FROM (SELECT set_config('synchronous_commit', $16::text, true)) AS commit_mode "
         "  WHERE $12::text IS NOT NULL) "
         "SELECT * FROM s ORDER BY s.date_of_service DESC, s.id DESC";
}

search_kind kind_of(const search_filter& f) noexcept {
  if (!f.reject_code) return search_kind::claims;
  if (f.rx_number || f.status || f.product_id) return search_kind::claims_with_reject;
  // Rejects first needs one pharmacy: its index gives one pharmacy's rejects in date order. Over
  // every pharmacy (an operator) or several it would read every matching reject to sort them,
  // where walking the rejected claims newest first stops after the page.
  if (f.pharmacy || f.allowed_pharmacies.size() == 1) return search_kind::rejects;
  return search_kind::claims_with_reject;
}

namespace detail {
std::string search_statement(const search_filter& f) { return audited_search_select(shape_of(f)); }
}  // namespace detail

}  // namespace rxgate::store
