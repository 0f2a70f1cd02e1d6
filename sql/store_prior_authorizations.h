// Internal to sql/ (not a public header): the P1-P4 part of a batch (issue 15). The arguments of
// pa_lookup and pa_record (store_statements.cpp) for a batch, and pa_lookup's rows handed to
// each P entry's history. Batches without a P transaction never reach this code.
#pragma once

#include <pqxx/pqxx>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "sql/pg_pipeline.h"
#include "sql/store.h"

namespace rxgate::store::detail {

// The arguments of pa_lookup for the P transactions of `entries`; `which` gets their indexes in
// `entries` (empty: the batch holds none and nothing needs to run).
std::vector<std::string> pa_lookup_arguments(std::span<const batch_entry> entries, std::vector<std::size_t>& which);

// Each P entry's history.named_authorization and reserved_pa_number from pa_lookup's rows; the
// views point into `rows`, which must outlive the batch.
void spread_pa_lookup(const pqxx::result& rows, std::span<batch_entry> entries, const std::vector<std::size_t>& which);
void spread_pa_lookup(const pg::raw_rows& rows, std::span<batch_entry> entries, const std::vector<std::size_t>& which);

// The arguments of pa_record: the pending PAs the decisions file and the PAs they cancel. `any`
// says whether there is anything to record.
std::vector<std::string> pa_record_arguments(std::span<const batch_entry> entries, bool& any);

}  // namespace rxgate::store::detail
