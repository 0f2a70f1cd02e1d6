// Internal to sql/ (not a public header): the member history a batch loads before the rules
// decide it. history_arguments_for() turns a batch into the arguments of the history statement
// (sql_history in store_statements.cpp); spread_history() hands each entry its member's fills,
// authorizations, plan-year sums and the claim stored under its key, from either result type
// (libpqxx for the copy and unnest methods, raw libpq for the pipeline method).
#pragma once

#include <pqxx/pqxx>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sql/pg.h"
#include "sql/pg_pipeline.h"
#include "sql/store.h"
#include "sql/store_rows.h"

namespace rxgate::store::detail {

// The arguments of the history statement for a batch. The writer keeps one from batch to batch
// and history_arguments_for refills it: its arrays and vectors keep the storage they grew to (the
// members, years and families were told apart with std::map and std::set, a node allocated for
// each, every batch).
struct history_arguments {
  std::span<const std::string> members;  // $1..$3: bin, cardholder_id, person_code
  std::span<const std::string> keys;     // $4..$9, $11: the claim key of each entry
  std::string since;                     // $10: the oldest date of service read
  std::string recent_since;              // $17: from here on every fill is read
  std::string supply_date;               // $18: before recent_since, fills whose supply reaches
                                         // past this date (the earliest date of service)
  std::string key_from, key_through;     // $19..$20: the earliest and latest date of service of
                                         // the entries with a claim key (K rows)
  std::span<const std::string> years;    // $12..$15: bin, cardholder_id, person_code, year_start
  std::span<const std::string> families; // lock_families $1..$2: bin, cardholder_id
  std::vector<std::size_t> member_of;    // per entry: its member's index (1-based, as WITH
                                         // ORDINALITY counts)
  std::vector<std::size_t> year_of;      // per entry: its member year's index (1-based), 0 = none
  std::size_t member_count = 0;
  std::size_t year_count = 0;

  history_arguments() = default;
  // The spans point into this object's own builders: a copy would point into the original's.
  history_arguments(const history_arguments&) = delete;
  history_arguments& operator=(const history_arguments&) = delete;

  // Where the spans above point (text array literals), and the entries' order while they are
  // told apart.
  rows::rows_builder member_rows{3, false}, key_rows{7, false}, year_rows{4, false}, family_rows{2, false};
  std::vector<std::uint32_t> order;
  std::vector<std::size_t> family_of;
};

// Fills `a` with the arguments of the history statement for `entries`, looking back
// `history_days` from the earliest date of service for fills whose supply reaches it, and the
// entries' largest fill_lookback_days (or history_days, for -1) for every fill; whichever is
// farther bounds both. Members, member years and families are numbered in the order of their
// keys, not of the entries.
void history_arguments_for(std::span<const batch_entry> entries, int history_days, history_arguments& a);

// One load_history's results: the spans handed to the rules point into these, so they live
// until the batch ends (std::deque keeps their addresses when more loads follow).
struct history_load {
  pqxx::result rows;    // the copy and unnest methods
  pg::raw_result raw;   // the pipeline method
  std::vector<rules::prior_fill> fills;
  std::vector<rules::prior_authorization> authorizations;
};

// Hands each entry its member's fills and authorizations, its key's stored claim and its plan
// year's sums; appends the claim ids reserved by the statement (I rows) to `ids`. The spans
// handed out point into `load`, which must outlive the batch.
void spread_history(const pqxx::result& rows, history_load& load, std::span<batch_entry> entries,
                    const history_arguments& a, std::deque<std::int64_t>& ids);
void spread_history(const pg::raw_rows& rows, history_load& load, std::span<batch_entry> entries,
                    const history_arguments& a, std::deque<std::int64_t>& ids);

}  // namespace rxgate::store::detail
