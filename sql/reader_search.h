// Internal to sql/ (not a public header): the statements of the reader's searches
// (claim_reader::search in reader.h). A search's statement names only the filters the search has:
// one statement per shape (its kind and which filters are present), which the reader prepares on
// a search connection the first time that connection meets the shape and plans once there
// (generic plans; reader.cpp, search_reader_settings). Every statement takes the same sixteen
// parameters: $1 the scope, $2 the pharmacy, $3 Rx, $4 status, $5 reject code, $6 product, $7 and
// $8 the dates, $9 and $10 the cursor, $11 the page's rows plus one, $12..$16 the audit row.
#pragma once

#include <cstdint>
#include <string>

#include "sql/reader.h"

namespace rxgate::store {

// The pharmacies a search runs with. A scope of one pharmacy with no pharmacy asked for is searched
// as that pharmacy: "= ANY($1)" in a generic plan, which cannot know the array's length, sorted
// every claim of the scope with parallel workers (25-36 ms for a pharmacy's latest at 10 million
// claims, against 1-2 ms walking its index in order).
struct searched_pharmacies {
  bool scoped = false;                 // $1 is the filter's allowed_pharmacies; false: $1 is empty
  const std::string* pharmacy = nullptr;  // $2; nullptr: none (NULL). Points into the filter.
};
searched_pharmacies pharmacies_of(const search_filter& f) noexcept;

enum class status_filter : std::uint8_t { none, rejected, other };

// Which filters a search has, besides its kind.
struct search_shape {
  search_kind kind = search_kind::claims;
  bool scope = false, pharmacy = false, rx = false;
  status_filter status = status_filter::none;  // R is spelled in the statement (partial indexes)
  bool product = false, from = false, to = false, cursor = false;
};
search_shape shape_of(const search_filter& f) noexcept;

// The statement's name: "search_", its kind, "_", a letter per filter ("search_c_pxf": a
// pharmacy's rejected claims from a date).
std::string statement_name(const search_shape& s);

// The statement of a shape: the page's rows (claim_summary's columns) and, when $12 is not NULL,
// the search's audit row with the page's ids, in one statement.
std::string audited_search_select(const search_shape& s);

}  // namespace rxgate::store
