// What a status API request carries in its target: the query string, ids in the path, dates.
// Everything here is pure and allocation-light; values are copied out of the target, so nothing
// returned points into the request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rxgate::server::status {

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte; a malformed escape
// is kept as it is.
std::string percent_decode(std::string_view s);

struct query_params {
  std::vector<std::pair<std::string, std::string>> items;  // decoded, in the order sent

  // The first value of `name` (possibly empty), or nullopt when absent.
  std::optional<std::string> get(std::string_view name) const;
  // The first value of `name` when it is present and not empty.
  std::optional<std::string> value(std::string_view name) const;
};

// `q` is the part after '?', without it.
query_params parse_query(std::string_view q);

// A positive decimal id of at most 18 digits, nothing else.
bool parse_id(std::string_view s, std::int64_t& out);

// YYYY-MM-DD with a month 01..12 and a day 01..31 (the store checks the calendar).
bool valid_date(std::string_view s);

// Today's date in UTC as YYYY-MM-DD.
std::string today_utc();

}  // namespace rxgate::server::status
