// Private to sql/: libpqxx error translation and the value encodings the store and the reader
// share. Nothing outside sql/ includes this header (it pulls in libpqxx).
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/numeric.h"
#include "sql/store.h"

namespace rxgate::store::pg {

// Turns the exception in flight into a store::error; call only inside a catch block. Sets
// `connection_lost` when the connection cannot be used any more (drop it and reconnect).
error translate_current_exception(std::string_view what_failed, bool& connection_lost) noexcept;
// The same mapping for a server error given by its SQLSTATE and message (`prefix` names the
// caller and ends in ": "); may throw std::bad_alloc.
error error_for_sqlstate(const std::string& prefix, const std::string& state, std::string_view message,
                         bool& connection_lost);

// Claim text as PostgreSQL text: the database is UTF-8 and refuses NUL and invalid sequences,
// and syntax-rejected claims may carry any byte. Printable ASCII is kept, anything else becomes
// '?', so one bad field can never fail a whole batch.
void append_clean_text(std::string& out, std::string_view v);
std::string clean_text(std::string_view v);

// bytea in its escape text form: printable ASCII as is, a backslash doubled, any other byte as
// \ooo. D.0 is printable ASCII but for its separators, so this is about as long as the
// message, half of the hex form, and PostgreSQL parses it that much faster.
void append_bytea_escaped(std::string& out, std::string_view bytes);

// The bytes of a bytea column in its hex output format ("\x4142"); empty for anything else.
std::string unhex(std::string_view v);
// Bytes as PostgreSQL's hex input for decode($n, 'hex'): how a bytea goes in as a statement
// parameter (a token's digest, a dictionary). The writer's COPY rows use append_bytea_escaped.
std::string hex(std::string_view bytes);

// "YYYY-MM-DD"; an invalid date (year 0) becomes the current UTC date so that a claim whose date
// of service did not parse still lands in a partition.
std::string format_date(codec::date d);
codec::date today_utc() noexcept;
// `d` moved by `days` (negative: back); `d` must be valid.
codec::date add_days(codec::date d, int days) noexcept;
// Parses "YYYY-MM-DD" (as PostgreSQL prints a date); invalid input gives a default date.
codec::date parse_date(std::string_view v) noexcept;

// A PostgreSQL array literal of text values ({"a","b"}), each cleaned like append_clean_text.
std::string text_array(const std::vector<std::string>& values);

// Field access that keeps NULL apart.
inline std::string_view text_view(const pqxx::field& f) {
  return f.is_null() ? std::string_view{} : std::string_view{f.c_str(), f.size()};
}
std::optional<std::int64_t> opt_int(const pqxx::field& f);
// The field's text as a string; "" when NULL.
inline std::string text(const pqxx::field& f) { return std::string(text_view(f)); }
// "a,b,c" (a string_agg) as its parts; "" gives none.
std::vector<std::string> split_commas(std::string_view s);
std::int64_t int_or(const pqxx::field& f, std::int64_t fallback);

}  // namespace rxgate::store::pg
