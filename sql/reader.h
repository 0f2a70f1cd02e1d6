// The read side of the claims store, for the technician status API and operators: claims by id,
// search with keyset pagination, pharmacy summaries, prior authorizations.
//
// A claim_reader owns its own small pool of connections (store_options::read_pool_size), so reads
// never wait behind the batch writer. It is thread-safe: each call borrows a connection for its
// duration (waiting at most statement_timeout for a free one). Results are plain values that own
// their strings. Like the writer, it never throws: every call returns a store::error. A claim read
// by id audits itself (claim_for_token), a search when asked to (search_filter::audit); the
// other reads leave their audit row to the API layer (sql/access.h, audit()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/access.h"
#include "sql/claim_detail.h"
#include "sql/store.h"

namespace rxgate::store {

struct reject_record {
  std::string code;
  std::string field;      // two-character NCPDP field id, empty when the code names none
  int occurrence = 0;     // 546-4F, 0 = none
};

struct dur_record {
  std::string reason, significance, other_pharmacy, free_text;
  std::string previous_fill;  // YYYY-MM-DD or empty
  std::optional<std::int64_t> previous_quantity;  // thousandths
};

// Another claim under the same claim key, or linked to this one (reversal, rebill, duplicate).
struct related_claim {
  std::int64_t id = 0;
  std::string transaction_code, received_at, date_of_service, authorization_number;
  char status = 'R';
  std::string relation;  // "this" | "reverses" | "reversed_by" | "rebills" | "rebilled_by" |
                         // "duplicate_of" | "duplicate_received" | "same_key"
  std::vector<std::string> reject_codes;
};

// One stored transaction. Dates are YYYY-MM-DD, timestamps ISO 8601 in UTC; money in cents,
// quantities in thousandths.
struct claim_record {
  std::int64_t id = 0;
  std::string date_of_service, received_at, source, transaction_code;
  std::string bin, pcn, provider_id_qualifier, provider_id, rx_number;
  int fill_number = 0;
  std::string cardholder_id, person_code, group_id;
  std::string plan_id;
  std::optional<int> plan_version;
  char status = 'R';
  std::string authorization_number;
  std::string product_qualifier, product_id, product_name, therapeutic_class;
  std::optional<int> tier;                  // as the plan had it when deciding; absent when none
  std::optional<std::int64_t> quantity;
  std::optional<int> days_supply;
  std::optional<std::int64_t> patient_pay, ingredient_cost_paid, dispensing_fee_paid, total_paid;
  std::string reversed_at;                  // empty when not reversed
  std::optional<std::int64_t> reversed_by;  // the claim that reversed it
  std::optional<std::int64_t> replaces_claim_id;  // for a reversal, rebill or duplicate
  std::string link_kind;                    // reversal | rebill | duplicate
  std::string detail_json;                  // migration 0001 `detail` as stored (JSON text)
  claim_detail detail;                      // the same, read (sql/claim_detail.h): DUR, PA, RTS,
                                            // limits ...; empty when the JSON is not an object
  std::vector<reject_record> rejects;       // in payer order
  std::vector<dur_record> dur;
  // Every claim under its claim key (DESIGN.md §3: retries, reversals, rebills, duplicates) plus
  // those claim_links ties to it, itself included ("this"), by id; at most 100.
  std::vector<related_claim> history;
  std::string request, response;            // raw bytes; filled only when asked for
};

// One row of a search result.
struct claim_summary {
  std::int64_t id = 0;
  std::string date_of_service, received_at, transaction_code, provider_id, rx_number;
  int fill_number = 0;
  char status = 'R';
  std::string product_id, product_name;
  std::vector<std::string> reject_codes;
  std::optional<std::int64_t> total_paid;
};

// The audit row a search writes in its own statement (search_filter::audit), outcome "ok":
// `detail` with the ids of the page appended, committed with synchronous_commit.
struct search_audit {
  reader_identity who;
  std::string detail;
  std::string_view synchronous_commit = "on";
};

struct search_filter {
  std::vector<std::string> allowed_pharmacies;  // the caller's scope; empty = every pharmacy
  std::optional<std::string> pharmacy, rx_number, status, reject_code, product_id;
  std::optional<std::string> from, to;  // date of service, YYYY-MM-DD, inclusive
  std::string cursor;                   // next_cursor of the previous page, or empty
  int limit = 50;                       // 1..500
  // Set: the search audits itself in the same statement (one round trip for both). A failed
  // statement wrote no row; an answer that could not be decoded leaves its "ok" row, and the
  // caller audits the failure after it, as claim_for_token.
  std::optional<search_audit> audit;
};

struct search_page {
  std::vector<claim_summary> claims;  // newest date of service first, then highest id
  std::string next_cursor;            // empty on the last page
};

struct pharmacy_summary {
  std::vector<std::pair<char, std::int64_t>> by_status;                 // status, count
  std::vector<std::pair<std::string, std::int64_t>> top_reject_codes;  // at most 10, most first
};

struct prior_authorization_record {
  std::int64_t id = 0;
  std::string number, bin, cardholder_id, person_code, product_id, therapeutic_class;
  std::string effective, expires;  // YYYY-MM-DD, inclusive
  std::int64_t max_quantity = 0;   // thousandths per fill, 0 = no limit
  std::string source, created_by, created_at;
  std::string revoked_at, revoked_by;  // empty when active
};

// A technician's read of one claim (GET /v1/claims/{id}) as one statement and one round trip
// (issue 15, part 4): the bearer token's check (as access_store::find_token), the claim with its
// rejects, DUR alerts, link and history (claim_record) and the read's audit row (as access_store::audit), whose
// outcome the statement decides with server/status/auth.h's scope (principal::may_see): an
// operator or admin sees every claim, a technician the pharmacies on its token, a reviewer none.
struct token_claim_read {
  token_digest token{};  // SHA-256 of the bearer token
  std::int64_t claim_id = 0;
  bool with_raw_bytes = false;
  std::string remote;                       // audited: where the read came from
  std::string_view synchronous_commit = "on";  // how the audit row commits (synchronous_commit_of)
};

struct token_claim_result {
  std::optional<token_identity> token;  // nullopt: unknown or revoked (nothing read or audited)
  // "ok" | "denied" (outside the token's scope) | "not_found", as audited; empty when nothing was
  // audited: no token, or an expired one (nothing read either).
  std::string outcome;
  claim_record claim;       // filled when outcome is "ok"; nothing of a denied claim is sent
  std::string provider_id;  // the claim's pharmacy when it exists (for the log line; not shown)
};

class claim_reader {
 public:
  virtual ~claim_reader() = default;

  // On error nothing may be shown. A failed statement wrote nothing; an answer that committed its
  // row and then could not be decoded (errc::internal) leaves its "ok" row, and the caller audits
  // the failure after it ("error"), so the log reads ok then error for a read that showed nothing.
  virtual error claim_for_token(const token_claim_read& in, token_claim_result& out) = 0;
  // Opens the reader's connections and makes each by-id connection's plans of the 14 months up to
  // today's (UTC) and each search connection's first plans, so that no technician's read pays
  // for them. Blocks for a few milliseconds per connection (a connect timeout
  // when the database is unreachable; it then stops, and reads connect as they come): call it
  // once at start, off the request path.
  virtual void warm() noexcept = 0;
  virtual error search(const search_filter& filter, search_page& out) = 0;
  // Counts over the dates of service [from, to] (YYYY-MM-DD, inclusive).
  virtual error summary(const std::string& pharmacy, const std::string& from,
                        const std::string& to, pharmacy_summary& out) = 0;

  // `in` needs number, bin, cardholder_id, effective, expires, source and a product or a class;
  // id and created_at are set on success. A number already on file for the BIN is errc::conflict.
  virtual error create_prior_authorization(prior_authorization_record& in) = 0;
  virtual error list_prior_authorizations(const std::string& bin, const std::string& cardholder_id,
                                          const std::string& person_code, bool include_revoked,
                                          std::vector<prior_authorization_record>& out) = 0;
  // errc::not_found when no active prior authorization has that id.
  virtual error revoke_prior_authorization(std::int64_t id, const std::string& actor) = 0;
};

// Connects lazily; never throws.
std::unique_ptr<claim_reader> open_reader(const store_options& options);

// Which of the reader's search statements answers a filter (its plan differs by kind):
// claims (no reject code), claims_with_reject (a reject code with an Rx, status or product),
// rejects (a reject code at one pharmacy, given or the whole scope, with at most dates besides:
// read from the rejects first).
enum class search_kind { claims, claims_with_reject, rejects };
search_kind kind_of(const search_filter& f) noexcept;

namespace detail {
// The text of the reader's search statement for a filter's shape (its kind and which filters it
// has), as the reader prepares it and plans it once (generic plans): for the plan tests
// (tests/sql/plan_shape_test.cpp), which explain it with real parameters.
std::string search_statement(const search_filter& f);

// Which partitions a by-id statement of the reader (GET /v1/claims/{id}) reads: those of one
// month (the month of the id's date, migration 0022), named in the statement so that its generic
// plan holds them alone, or, year 0, every partition, for ids from before that migration, which
// carry no date. A month's statement answers such an id with `undated` true, nothing read and
// nothing audited, and the reader then asks the other.
struct claim_month {
  int year = 0;   // 0: every partition
  int month = 0;  // 1..12
};
// Its text as the reader prepares it, for the plan tests.
std::string token_claim_statement(claim_month m);
}  // namespace detail

}  // namespace rxgate::store
