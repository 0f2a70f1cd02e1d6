// Accumulator operations (issue 13): amounts a member brings from a prior carrier
// (`rxgate accumulators import`) and an operator's audited read of a member's plan-year
// accumulators (`rxgate accumulators show`, GET /v1/members/{bin}/{cardholder}/accumulators).
//
// Contract:
// - The import file is CSV with a header row naming exactly the columns bin, cardholder_id,
//   person_code, plan_year_start, deductible, out_of_pocket, benefit (any order). Dates are
//   YYYY-MM-DD or YYYYMMDD; money is decimal dollars with at most two decimals ("125", "125.5",
//   "125.50"), read into integer cents digit by digit (no floating point); an empty amount is 0.
//   read_import_file() checks every row against the loaded plans (the BIN picks the plan, which
//   must keep [accumulators]; plan_year_start must be the first day of one of its plan years) and
//   reports problems as "FILE:LINE: message" naming the column, never a member's value.
// - import() writes all rows in one transaction or none: an UPSERT on (BIN, cardholder ID,
//   person code, plan year, source), so the same file imported twice leaves the same rows and a
//   changed amount replaces the one of the same source. It takes the writer's family locks first,
//   so a batch never sees a family's sums change between its history and its commit.
// - read_member_year() writes the audit row (claim_reads, with the member: migration 0014) and
//   reads the sums in one transaction: no audit row, no data. The sums are the writer's own
//   statement (store_statements.h: year_sums), i.e. what the member's next claim reads.
// - Every call blocks on PostgreSQL; no exception leaves this module; messages never hold
//   member data.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/numeric.h"
#include "rules/history.h"
#include "rules/plan.h"
#include "rules/plan_model.h"
#include "sql/access.h"

namespace rxgate::store {

// One member's amounts for one plan year (a row of an import file).
struct accumulator_import_row {
  std::uint32_t line = 0;  // in the file, for messages
  std::string bin, cardholder_id, person_code;
  codec::date plan_year_start;
  rules::accumulator_amounts amounts;  // cents
};

// Parses and checks an import file's text; `file` names it in messages. Returns false (and
// appends every problem, each "FILE:LINE: message") when anything is wrong.
bool read_import_file(std::string_view file, std::string_view text, const rules::plan_set& plans,
                      std::vector<accumulator_import_row>& rows, std::vector<std::string>& problems);

// YYYY-MM-DD or YYYYMMDD, a real calendar date (import files, --date, ?date=).
std::optional<codec::date> parse_day(std::string_view s);

// The plan whose accumulators a member of `bin` reads on `on`: the BIN's plan version in force
// that day (one that lists the member first, when the BIN has several plans), else the BIN's
// latest version. nullptr when no plan has that BIN.
const rules::plan* accumulator_plan(const rules::plan_set& plans, std::string_view bin,
                                    std::string_view cardholder_id, std::string_view person_code,
                                    codec::date on) noexcept;

// Persons of `cardholder_id` on `p` (a non-embedded family deductible counts them, as adjudicate does).
int family_size(const rules::plan& p, std::string_view cardholder_id) noexcept;

struct import_summary {
  std::size_t inserted = 0, replaced = 0, unchanged = 0;
};

// One imported row, as the operator view lists it.
struct imported_amount {
  std::string person_code, source, imported_at;  // imported_at: ISO 8601 UTC
  rules::accumulator_amounts amounts;
};

struct member_ref {
  std::string bin, cardholder_id, person_code;
};

// A member's plan year as the store sees it.
struct member_year {
  rules::accumulator_state sums;         // claims + imports (year_start set, family_size not)
  std::vector<imported_amount> imports;  // the family's imported rows of that year
};

class accumulator_store {
 public:
  virtual ~accumulator_store() = default;
  // All of `rows` under `source`, or nothing. `dry_run`: the same statements, rolled back (the
  // summary says what a real run would do).
  virtual error import(std::span<const accumulator_import_row> rows, std::string_view source, bool dry_run,
                       import_summary& out) = 0;
  // Audits `who` reading `member`'s plan year starting `year_start` (action "accumulators"),
  // then reads it; an audit that cannot be written fails the read.
  virtual error read_member_year(const reader_identity& who, const member_ref& member, codec::date year_start,
                                 member_year& out) = 0;
};

// Connects lazily (options.pool_size connections); never throws.
std::unique_ptr<accumulator_store> open_accumulator_store(const access_options& options);

}  // namespace rxgate::store
