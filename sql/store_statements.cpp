// The writer's SQL. Claim data only ever travels as bound parameters or COPY data.
#include "sql/store_statements.h"

#include <string>

#include "sql/claim_bytes.h"
#include "sql/reversal.h"

namespace rxgate::store::statements {
namespace {

// INSERT INTO t (c1, c2 ...) SELECT * FROM (SELECT unnest($k::type[]) AS c1, unnest($k+1::type[])
// AS c2 ...) AS x [WHERE x.c1 NOT IN (SELECT claim_id FROM lost)], parameters from $first on. The
// unnests sit in a select list, where they run in step as unnest($k, $k+1 ...) in FROM would (the
// shorter padded with NULLs; the writer's arrays are all as long), but one value at a time: in
// FROM, each of a table's columns (51 for claims) got its own function set-up, result type and
// tuplestore at every execution: 5 % of the backends' instructions per batch of one claim
// (bench/instructions: bench/RESULTS.md).
template <std::size_t N>
std::string unnest_insert(const char* table, const char* const (&columns)[N],
                          const column_type (&types)[N], std::size_t first, bool skip_lost) {
  std::string sql = "INSERT INTO ";
  sql += table;
  sql += " (";
  for (std::size_t i = 0; i < N; ++i) {
    if (i) sql += ", ";
    sql += columns[i];
  }
  sql += ") SELECT * FROM (SELECT ";
  for (std::size_t i = 0; i < N; ++i) {
    if (i) sql += ", ";
    sql += "unnest($" + std::to_string(first + i) + "::" + sql_type_name(types[i]) + "[]) AS ";
    sql += columns[i];
  }
  sql += ") AS x";
  if (skip_lost) {
    sql += " WHERE x.";
    sql += columns[0];
    sql += " NOT IN (SELECT claim_id FROM lost)";
  }
  return sql;
}

constexpr const char* sql_reserve_ids =
    "SELECT nextval('claim_id_seq') FROM generate_series(1, $1::integer)";

// The families (BIN + cardholder ID, $1/$2) of a batch whose plans keep accumulators, locked
// until the transaction ends. Sorted, in one statement: every worker on every node takes them in
// the same order, so two batches never wait on each other's families in a cycle. A separate
// statement before the history (not part of it) because under READ COMMITTED a statement reads
// the snapshot taken when it started: the history must start after the lock is granted to see
// what the batch that held it committed. A hash collision only serializes two families. One row
// a family, which nobody reads: a family twice in a batch takes its lock twice (a transaction's
// advisory locks stack), and neither a DISTINCT nor a count() is worth the aggregate the executor
// would start for it at every batch (bench/RESULTS.md). The subquery's ORDER BY keeps it from
// being flattened, so the locks are taken in its order.
constexpr const char* sql_lock_families = R"(
SELECT pg_advisory_xact_lock(h) FROM (
  SELECT hashtextextended(f.bin || '/' || f.cardholder_id, 0) AS h
    FROM unnest($1::text[], $2::text[]) AS f(bin, cardholder_id)
   ORDER BY h) s)";

// The sums of one (member, plan year) row `y` (bin, cardholder_id, person_code, year_start):
// member_* and family_* deductible, out-of-pocket and benefit, over the paid, unreversed claims of
// that year (active_paid_keys) and the amounts imported for it (accumulator_imports). A LATERAL
// subquery shared by the history statement and year_sums (the operator view), so that what an
// operator is shown is what the next claim reads. The family's key rows come from the member
// index alone (migration 0025: it carries the year and the applied amounts; the year is a filter
// inside the family's leaves).
#define RXGATE_YEAR_SUMS \
  "(\n" \
  "    SELECT coalesce(sum(t.d) FILTER (WHERE t.person_code = y.person_code), 0)::bigint AS member_deductible,\n" \
  "           coalesce(sum(t.o) FILTER (WHERE t.person_code = y.person_code), 0)::bigint AS member_out_of_pocket,\n" \
  "           coalesce(sum(t.b) FILTER (WHERE t.person_code = y.person_code), 0)::bigint AS member_benefit,\n" \
  "           coalesce(sum(t.d), 0)::bigint AS family_deductible,\n" \
  "           coalesce(sum(t.o), 0)::bigint AS family_out_of_pocket,\n" \
  "           coalesce(sum(t.b), 0)::bigint AS family_benefit\n" \
  "      FROM (SELECT fy.person_code, fy.deductible_applied AS d, fy.out_of_pocket_applied AS o,\n" \
  "                   fy.benefit_applied AS b\n" \
  "              FROM active_paid_keys fy\n" \
  "             WHERE fy.bin = y.bin AND fy.cardholder_id = y.cardholder_id\n" \
  "               AND fy.accumulator_year = y.year_start\n" \
  "            UNION ALL\n" \
  "            SELECT i.person_code, i.deductible, i.out_of_pocket, i.benefit\n" \
  "              FROM accumulator_imports i\n" \
  "             WHERE i.bin = y.bin AND i.cardholder_id = y.cardholder_id\n" \
  "               AND i.plan_year_start = y.year_start) t) s\n"

// History of a batch in one statement: F rows are the members' paid, not reversed fills from $17
// on, and from the oldest fill since $10 whose days supply reaches past $18 when there is one
// (store.h, "fills", says why the rules need no more; a member's fills before $17 are mostly
// used up, and reading them, sorting them and parsing them was a third of this statement at 10
// million claims). Both come from active_paid_keys (migration 0002), on the columns its member
// index carries since migration 0024, so index-only scans. A rows their approved, unrevoked prior authorizations
// (migration 0019: a pending or denied one never pays) still in force on or after $10, K rows the claim stored under each entry's key (the active paid one first, else the
// last reversed paid one, else the last rejected one) with what it applied to the accumulators
// while it is active (a paid claim is active while its key row names it; one without its key
// row is reversed when its reversal is linked, sql/reversal.h, migration 0027: a claim whose key
// row went otherwise, say with an archived month's keys, is neither and reads as active, as it
// did when the claims row held the reversal), Y rows the accumulators of each (member, plan year) in $12..$15: the sums
// over the member's and the family's paid, unreversed claims of that year and the amounts
// imported for it (migration 0011), I rows $16 claim ids for the insert that follows (one round
// trip less than reserving them there). Columns are shared, their meaning depends on the kind;
// the K and Y rows' amounts travel in one bigint array (p: a K claim's pricing, what its key row
// applied and its accumulator fields; a Y row's six sums), not in 18 columns of their own: every
// node of the plan carries every column of its rows, and executor start-up built a result type
// entry and a projection step for each of them at every execution (bench/RESULTS.md).
// Every table is read by a per-entry probe (LATERAL ... OFFSET 0, which the planner does not
// flatten into a join): the writer runs this statement on a cached generic plan, and one made
// while a table was small joined the batch to a sequential scan of that table, which then grew
// with it (bench/e2e on a fresh database: 8,000 down to 2,000 answers/s in 20 s). The K probe of
// active_paid_keys names the claim (claim_id = c.id, so the key's other columns add nothing) and
// only the leading columns of its primary key: on a nearly empty table the (bin, cardholder,
// person, date) index costs the same as the key, and a plan that took it read every key row of
// the BIN for each entry. An entry without an Rx (an eligibility check, a PA inquiry) has no
// claim key and gets no K row: the rules read the key only for B1/B2/B3, which carry an Rx or
// reject on the wire, and the one key every Rx-less claim of a pharmacy and day shares would
// have the probe walk all of them (the reader's history follows the same rule). $19..$20 bound the
// K entries' dates of service: the K probe's date is a per-entry value the generic plan cannot
// prune by before it runs, so without them every execution started an index scan on each of
// the claims partitions (18) and ran only the one of its month; with them, executor start-up
// keeps the partitions of the batch's months (one, as a rule). The K probe names the claims
// columns the K rows carry rather than c.*: every node of its join, sort and limit was as wide as
// the claims row (2.5 % of the backends' instructions per batch of one claim: bench/RESULTS.md).
constexpr const char* sql_history_head = R"(
WITH m AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS m(bin, cardholder_id, person_code, idx)
), k AS (
  SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::smallint[], $11::date[])
    WITH ORDINALITY AS k(bin, pcn, qualifier, provider_id, rx_number, fill_number, date_of_service, idx)
), y AS (
  SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::date[])
    WITH ORDINALITY AS y(bin, cardholder_id, person_code, year_start, idx)
)
SELECT 'F' AS kind, m.idx, f.claim_id AS id, f.provider_id AS t1, f.prescriber_id AS t2,
       f.rx_number AS t3, f.product_id AS t4, f.therapeutic_class AS t5, NULL::text AS t6,
       f.fill_number::bigint AS n1, f.quantity AS n2, f.days_supply::bigint AS n3,
       f.date_of_service AS d1, NULL::date AS d2, NULL::boolean AS b1, NULL::bigint[] AS p
  FROM m CROSS JOIN LATERAL (
    SELECT f.claim_id, f.provider_id, f.prescriber_id, f.rx_number, f.product_id, f.therapeutic_class,
           f.fill_number, f.quantity, f.days_supply, f.date_of_service
      FROM active_paid_keys f WHERE f.bin = m.bin AND f.cardholder_id = m.cardholder_id
       AND f.person_code = m.person_code AND f.date_of_service >= (
         SELECT least($17::date, min(o.date_of_service)) FROM active_paid_keys o
          WHERE o.bin = m.bin AND o.cardholder_id = m.cardholder_id AND o.person_code = m.person_code
            AND o.date_of_service >= $10::date AND o.date_of_service < $17::date
            AND o.date_of_service + o.days_supply > $18::date)
    OFFSET 0) f
UNION ALL
SELECT 'A', m.idx, p.id, p.number, NULL, NULL, p.product_id, p.therapeutic_class, NULL,
       NULL, p.max_quantity, NULL, p.effective, p.expires, p.revoked_at IS NOT NULL, NULL
  FROM m CROSS JOIN LATERAL (
    SELECT * FROM prior_authorizations p WHERE p.bin = m.bin AND p.cardholder_id = m.cardholder_id
       AND p.person_code = m.person_code AND p.expires >= $10::date
       AND p.state = 'approved' AND p.revoked_at IS NULL OFFSET 0) p
UNION ALL
SELECT 'K', k.idx, c.id, c.status::text, c.authorization_number, c.basis_of_reimbursement, NULL,
       NULL, c.other_amounts, c.request_fingerprint, NULL, NULL, NULL, NULL,
)";
constexpr const char* sql_history_tail = R"(), c.amounts
  FROM k CROSS JOIN LATERAL (
    SELECT c.id, c.date_of_service, c.status, c.authorization_number, c.basis_of_reimbursement,
           c.other_amounts, c.request_fingerprint, a.claim_id IS NOT NULL AS active,
           ARRAY[c.patient_pay, c.ingredient_cost_paid, c.dispensing_fee_paid, c.incentive_paid,
                 c.professional_fee_paid, c.total_paid, c.copay, c.coinsurance, c.deductible_applied,
                 c.product_selection_brand, a.deductible_applied, a.out_of_pocket_applied,
                 a.benefit_applied, c.accumulated_deductible, c.remaining_deductible,
                 c.remaining_benefit, c.over_benefit_maximum, c.other_payer_recognized]::bigint[] AS amounts
      FROM claims c
      LEFT JOIN LATERAL (
        SELECT * FROM active_paid_keys a WHERE a.provider_id = k.provider_id AND a.rx_number = k.rx_number
           AND a.fill_number = k.fill_number AND a.date_of_service = k.date_of_service
           AND a.claim_id = c.id AND c.status = 'P' OFFSET 0) a ON true
     WHERE c.provider_id = k.provider_id AND c.rx_number = k.rx_number
       AND c.fill_number = k.fill_number AND c.date_of_service = k.date_of_service
       AND c.bin = k.bin AND c.pcn = k.pcn AND c.provider_id_qualifier = k.qualifier
       AND c.transaction_code <> 'B2' AND c.status IN ('P', 'R')
       AND c.date_of_service BETWEEN $19::date AND $20::date
     ORDER BY (a.claim_id IS NOT NULL) DESC, (c.status = 'P') DESC, c.id DESC
     LIMIT 1) c
 WHERE k.rx_number <> ''
UNION ALL
SELECT 'Y', y.idx, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       ARRAY[s.member_deductible, s.member_out_of_pocket, s.member_benefit,
             s.family_deductible, s.family_out_of_pocket, s.family_benefit]
  FROM y CROSS JOIN LATERAL )" RXGATE_YEAR_SUMS R"(
UNION ALL
SELECT 'I', g, nextval('claim_id_seq'), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL
  FROM generate_series(1, $16::integer) AS g
ORDER BY 1, 2, 13 DESC, 3 DESC)";

// The history statement: its K rows' reversed flag is a paid claim whose key row is gone and
// whose reversal is linked (sql/reversal.h, as the readers find it). The reversing claim has the
// reversed claim's date of service, so $19..$20 bound it too: said outright, they let executor
// start-up keep one claims partition for that probe as for the K probe itself. Without them its
// date was the outer row's, known only per row, and every execution set up a scan of each of the
// 18 partitions, which it then seldom ran (4 % of the backends' instructions per batch of one
// claim, bench/instructions: bench/RESULTS.md).
std::string sql_history() {
  return std::string(sql_history_head) + "c.status = 'P' AND NOT c.active AND EXISTS (" +
         detail::reversal_of("c", "rc.date_of_service BETWEEN $19::date AND $20::date") + sql_history_tail;
}

// The key statements of insert() in one round trip: reversals, payments, duplicate checks and
// links, in that order, server-side (migration 0013: rxgate_write_keys says why and what each
// step guarantees). Returns the claim ids that lost their key. The argument groups follow
// rows::add_key_columns (+ the reversing claim's id), rows::add_pay_row, rows::add_key_columns
// (+ the duplicate answer's id) and rows::add_link_row. `fail_when_taken` (migration 0026): a
// payment whose key another transaction holds fails the statement (unique_violation) instead of
// being answered as lost, and the keys go in without speculative insertion.
std::string write_keys_call(std::size_t first, bool fail_when_taken = false) {
  std::string sql = "SELECT claim_id FROM rxgate_write_keys(";
  for (std::size_t i = 0; i < write_keys_argument_count; ++i) {
    if (i) sql += ", ";
    sql += "$" + std::to_string(first + i) + "::" + sql_type_name(column_types::write_keys[i]) + "[]";
  }
  if (fail_when_taken) sql += ", fail_when_taken => true";
  sql += ") AS claim_id";
  return sql;
}

// One (member, plan year)'s sums, as the history statement's Y rows compute them.
constexpr const char* sql_year_sums =
    "SELECT s.* FROM (SELECT $1::text AS bin, $2::text AS cardholder_id, $3::text AS person_code, "
    "$4::date AS year_start) y CROSS JOIN LATERAL " RXGATE_YEAR_SUMS;

// insert() of the unnest method in one statement: the key statements first, then the claims,
// and the rejects and DUR alerts of every entry that did not lose its key. Returns the ids that
// lost; `fail_when_lost`: fails instead, so that a COMMIT sent in the same pipeline is skipped
// (store.cpp, insert_pipelined): a payment whose key is taken raises unique_violation (23505)
// inside rxgate_write_keys, any other lost entry division by zero (22012) here. The main query
// reads `lost` to its end before the INSERTs run (data-modifying CTEs that nothing reads run
// after the main query), so the function has run before any row is inserted either way. The
// failing form's INSERTs do not filter by `lost`: whenever it holds a row the statement fails
// and inserts nothing, and the filter was a hashed subplan built at every execution (3 % of the
// backends' instructions per batch of one claim, bench/RESULTS.md). A form without rejects or
// without DUR alerts leaves their INSERT out, and their arrays follow the claims' in the order
// the form names them: executor start-up sets up every INSERT of a statement, with its table
// and one set-returning function a column, whether its arrays hold rows or not (most batches
// hold neither).
std::string insert_batch(bool fail_when_lost, bool with_rejects, bool with_durs) {
  constexpr std::size_t claims_from = write_keys_argument_count + 1;
  const std::size_t rejects_from = claims_from + claim_column_count;
  const std::size_t dur_from = rejects_from + (with_rejects ? std::size(reject_columns) : 0);
  const bool skip_lost = !fail_when_lost;
  std::string sql = "WITH lost AS MATERIALIZED (" + write_keys_call(1, fail_when_lost) + "), c AS (" +
                    unnest_insert("claims", claim_columns, column_types::claims, claims_from, skip_lost);
  if (with_rejects)
    sql += "), r AS (" + unnest_insert("claim_rejects", reject_columns, column_types::rejects, rejects_from, skip_lost);
  if (with_durs)
    sql += "), d AS (" + unnest_insert("claim_dur_alerts", dur_columns, column_types::durs, dur_from, skip_lost);
  sql += fail_when_lost ? ") SELECT claim_id / 0 FROM lost" : ") SELECT claim_id FROM lost";
  return sql;
}

// P1-P4 (issue 15), for batches that hold one: per P entry $1..$10 (bin, cardholder ID, 498-PY,
// then the claim key, then whether it is a request), the PA it is about: a request's unrevoked
// PA filed under its claim key, or the PA a P2/P3 names for its member (BIN + cardholder ID),
// whatever its state; and for a request without one a fresh number from the sequence the
// operator API draws from. Each branch probes its own index (request key, (bin, number)).
constexpr const char* sql_pa_lookup = R"(
WITH e AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::smallint[], $9::date[], $10::boolean[])
    WITH ORDINALITY AS e(bin, cardholder_id, number, pcn, qualifier, provider_id, rx_number, fill_number,
                         date_of_service, request, idx)
)
SELECT e.idx, p.id, p.number, p.state, p.revoked_at IS NOT NULL,
       (p.created_at AT TIME ZONE 'UTC')::date, (p.reviewed_at AT TIME ZONE 'UTC')::date,
       p.effective, p.expires, p.max_quantity,
       CASE WHEN e.request AND p.id IS NULL THEN nextval('prior_authorization_number_seq') END
  FROM e LEFT JOIN LATERAL (
    (SELECT * FROM prior_authorizations p
      WHERE e.request AND p.request_provider_id = e.provider_id AND p.request_rx_number = e.rx_number
        AND p.request_fill_number = e.fill_number AND p.request_date_of_service = e.date_of_service
        AND p.bin = e.bin AND p.request_pcn = e.pcn AND p.request_provider_id_qualifier = e.qualifier
        AND p.revoked_at IS NULL)
    UNION ALL
    (SELECT * FROM prior_authorizations p
      WHERE NOT e.request AND p.bin = e.bin AND p.number = e.number AND p.cardholder_id = e.cardholder_id)
    LIMIT 1) p ON true
 ORDER BY e.idx)";

// What the P transactions of a batch decided, in the batch's transaction: the pending PAs the
// requests file ($1..$17 per request) and the PAs the cancels revoke ($18 id, $19 by whom).
constexpr const char* sql_pa_record = R"(
WITH filed AS (
  INSERT INTO prior_authorizations (number, bin, cardholder_id, person_code, product_id, therapeutic_class,
                                    effective, expires, source, created_by, state, request_type, request_basis,
                                    requested_effective, requested_expires, request_transaction_code, request_pcn,
                                    request_provider_id_qualifier, request_provider_id, request_rx_number,
                                    request_fill_number, request_date_of_service)
  SELECT x.number, x.bin, x.cardholder_id, x.person_code, x.product_id, x.therapeutic_class, x.begins, x.ends,
         'p-transaction', x.transaction_code || ' ' || x.provider_id, 'pending', x.request_type, x.basis, x.begins,
         x.ends, x.transaction_code, x.pcn, x.qualifier, x.provider_id, x.rx_number, x.fill_number, x.date_of_service
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::date[],
                $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
                $16::smallint[], $17::date[])
      AS x(number, bin, cardholder_id, person_code, product_id, therapeutic_class, begins, ends, request_type,
           basis, transaction_code, pcn, qualifier, provider_id, rx_number, fill_number, date_of_service)
  RETURNING id
), cancelled AS (
  UPDATE prior_authorizations p SET revoked_at = now(), revoked_by = x.actor
    FROM unnest($18::bigint[], $19::text[]) AS x(id, actor)
   WHERE p.id = x.id AND p.revoked_at IS NULL
  RETURNING p.id
)
SELECT (SELECT count(*) FROM filed), (SELECT count(*) FROM cancelled))";

}  // namespace

const char* sql_type_name(column_type t) noexcept {
  switch (t) {
    case column_type::int2: return "smallint";
    case column_type::int4: return "integer";
    case column_type::int8: return "bigint";
    case column_type::text: return "text";
    case column_type::date: return "date";
    case column_type::char1: return "\"char\"";
    case column_type::jsonb: return "jsonb";
    case column_type::bytea: return "bytea";
  }
  return "text";
}

const char* insert_batch_name(bool fail_when_lost, bool with_rejects, bool with_durs) noexcept {
  if (with_rejects && with_durs) return fail_when_lost ? "insert_batch_or_fail" : "insert_batch";
  if (with_rejects) return fail_when_lost ? "insert_batch_rejects_or_fail" : "insert_batch_rejects";
  if (with_durs) return fail_when_lost ? "insert_batch_durs_or_fail" : "insert_batch_durs";
  return fail_when_lost ? "insert_batch_claims_or_fail" : "insert_batch_claims";
}

std::span<const pg::parameter_range> insert_batch_unsent(bool with_rejects, bool with_durs) noexcept {
  constexpr std::size_t rejects_at = write_keys_argument_count + claim_column_count;
  constexpr pg::parameter_range rejects{rejects_at, std::size(reject_columns)};
  constexpr pg::parameter_range durs{rejects_at + std::size(reject_columns), std::size(dur_columns)};
  static constexpr pg::parameter_range neither[] = {rejects, durs};
  static constexpr pg::parameter_range no_rejects[] = {rejects};
  static constexpr pg::parameter_range no_durs[] = {durs};
  if (with_rejects && with_durs) return {};
  if (with_rejects) return no_durs;
  if (with_durs) return no_rejects;
  return neither;
}

std::vector<pg::prepared_statement> writer_statements() {
  return {
      {"reserve_ids", sql_reserve_ids},
      {"lock_families", sql_lock_families},
      {"history", sql_history()},
      {"write_keys", write_keys_call(1)},
      {"insert_batch", insert_batch(false, true, true)},
      {"insert_batch_or_fail", insert_batch(true, true, true)},
      {"insert_batch_claims", insert_batch(false, false, false)},
      {"insert_batch_claims_or_fail", insert_batch(true, false, false)},
      {"insert_batch_rejects", insert_batch(false, true, false)},
      {"insert_batch_rejects_or_fail", insert_batch(true, true, false)},
      {"insert_batch_durs", insert_batch(false, false, true)},
      {"insert_batch_durs_or_fail", insert_batch(true, false, true)},
      {"pa_lookup", sql_pa_lookup},
      {"pa_record", sql_pa_record},
      {"claim_dictionaries", sql_claim_dictionaries},
      {"claim_dictionaries_newest", sql_claim_dictionaries_newest},
  };
}

std::vector<pg::prepared_statement> accumulator_statements() {
  return {{"lock_families", sql_lock_families}, {"year_sums", sql_year_sums}};
}

}  // namespace rxgate::store::statements
