// Claim ids that carry their date of service (migration 0022_claim_ids_carry_dates.sql).
//
// id = s * 100000 + d: s a value of claim_id_seq, d the date the claim is stored under as days
// after 1999-12-31 (1 .. 99999), 0 when that date lies outside the range. Ids grow with s, so they
// still grow with time. The database reads the date back with rxgate_claim_id_date(id), which
// also knows the ids from before the migration (they carry no date); tests/sql pin the two
// formulas to each other.
#pragma once

#include <cstdint>

#include "codec/claim.h"
#include "codec/numeric.h"

namespace rxgate::store {

// The date a claim's rows are stored (and partitioned) under: its date of service, or today (UTC)
// for a claim rejected before its date could be read.
codec::date stored_date(const codec::claim& c) noexcept;

// The id of the claim numbered `sequence_value` (from claim_id_seq) stored under `date`.
std::int64_t make_claim_id(std::int64_t sequence_value, codec::date date) noexcept;

// The date in an id made by make_claim_id; an invalid date (year 0) when it carries none. Only for
// ids this process made: an id from before migration 0022 would read as a wrong date.
codec::date date_in_claim_id(std::int64_t id) noexcept;

}  // namespace rxgate::store
