// Private to sql/: the SQL text of the writer (store.cpp) and the column lists its rows follow
// (store_rows.h builds rows in exactly this column order, for unnest() and for COPY alike).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <vector>

#include "sql/connection.h"
#include "sql/pg_pipeline.h"

namespace rxgate::store::statements {

// The SQL type of a column the writer sends: the statements' casts ($n::bigint[]) and, in the
// pipeline method, the element type of the binary arrays (store_rows.h) come from these lists, so
// the two cannot disagree.
enum class column_type : std::uint8_t { int2, int4, int8, text, date, char1, jsonb, bytea };
// The SQL name of the type ("smallint", "\"char\"" ...).
const char* sql_type_name(column_type t) noexcept;

inline constexpr const char* claim_columns[] = {
    "id", "date_of_service", "source", "transaction_code", "transaction_index", "bin", "pcn",
    "provider_id_qualifier", "provider_id", "rx_number", "fill_number", "cardholder_id",
    "person_code", "group_id", "plan_id", "plan_version", "status", "authorization_number",
    "request_fingerprint", "product_qualifier", "product_id", "product_name", "therapeutic_class",
    "tier", "quantity", "days_supply", "prescriber_id", "patient_pay", "ingredient_cost_paid",
    "dispensing_fee_paid", "incentive_paid", "professional_fee_paid", "total_paid",
    "basis_of_reimbursement", "copay", "coinsurance", "deductible_applied",
    "product_selection_brand", "other_amounts", "accumulator_year", "out_of_pocket_applied",
    "benefit_applied", "accumulated_deductible", "remaining_deductible", "remaining_benefit",
    "over_benefit_maximum", "other_payer_recognized", "detail", "request", "response"};
inline constexpr std::size_t claim_column_count = std::size(claim_columns);
inline constexpr const char* reject_columns[] = {"claim_id", "date_of_service", "seq", "code", "field",
                                                 "occurrence", "provider_id"};
inline constexpr const char* dur_columns[] = {"claim_id", "date_of_service", "seq", "reason",
                                              "significance", "other_pharmacy", "previous_fill",
                                              "previous_quantity", "free_text"};

namespace column_types {
using enum column_type;
inline constexpr column_type claims[] = {
    int8, date, text, text, int2, text, text, text, text, text,
    int2, text, text, text, text, int4, char1, text, int8, text,
    text, text, text, int2, int8, int4, text, int8, int8, int8,
    int8, int8, int8, text, int8, int8, int8, int8, text, date,
    int8, int8, int8, int8, int8, int8, int8, jsonb, bytea, bytea};
inline constexpr column_type rejects[] = {int8, date, int2, text, text, int2, text};
inline constexpr column_type durs[] = {int8, date, int2, text, text, text, date, int8, text};
// rxgate_write_keys (migrations 0013, 0018, 0026): reversals 9, payments 19, duplicates 9, links 3 parallel
// arrays, in this order.
inline constexpr column_type write_keys[] = {
    int8, text, text, int2, date, text, text, text, int8,
    int8, text, text, int2, date, text, text, text, text, text,
    text, text, text, int8, int4, date, int8, int8, int8,
    int8, text, text, int2, date, text, text, text, int8,
    int8, int8, text};
static_assert(std::size(claims) == std::size(claim_columns));
static_assert(std::size(rejects) == std::size(reject_columns));
static_assert(std::size(durs) == std::size(dur_columns));
inline constexpr std::span<const column_type> reversals{write_keys, 9};
inline constexpr std::span<const column_type> payments{write_keys + 9, 19};
inline constexpr std::span<const column_type> duplicates{write_keys + 28, 9};
inline constexpr std::span<const column_type> links{write_keys + 37, 3};
}  // namespace column_types

inline constexpr std::size_t write_keys_argument_count = std::size(column_types::write_keys);

// Every prepared statement of the writer connection: reserve_ids (when the history reserved too
// few), lock_families, history, write_keys (the key statements and links; the COPY method), and
// insert_batch (the unnest and pipeline methods: write_keys' arguments, then the claims, rejects
// and DUR alerts columns as arrays, all in one statement) with insert_batch_or_fail (the same,
// failing when an entry lost its key, its keys inserted without ON CONFLICT: the pipeline
// method's insert-and-commit), each also in forms without the rejects' or the DUR alerts'
// INSERT (and their arrays), named by insert_batch_name.
std::vector<pg::prepared_statement> writer_statements();

// The name of the insert_batch form for a batch: failing or answering; with the rejects' arrays
// (after the claims') and their INSERT or without; the same for DUR alerts (after the rejects').
const char* insert_batch_name(bool fail_when_lost, bool with_rejects, bool with_durs) noexcept;
// The arguments of the full form (write_keys', the claims', the rejects', the DUR alerts') that a
// form without rejects or DUR alerts does not take: pg::pipeline::prepared_binary's `unsent`.
std::span<const pg::parameter_range> insert_batch_unsent(bool with_rejects, bool with_durs) noexcept;

// For sql/accumulator_imports.cpp: the writer's lock_families ($1 BINs, $2 cardholder IDs) and
// year_sums ($1 BIN, $2 cardholder ID, $3 person code, $4 first day of the plan year -> member_
// and family_ deductible, out_of_pocket, benefit), the very sums load_history hands the rules.
// An import takes the families' locks like a batch; the operator view reads what a claim reads.
std::vector<pg::prepared_statement> accumulator_statements();

}  // namespace rxgate::store::statements
