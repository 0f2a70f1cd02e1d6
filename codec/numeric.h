// Numbers, money and dates of D.0 fields (ncpdp-d0.md §8). Integers only: money in cents,
// quantities in thousandths, rates in ten-thousandths. Lenient on input (zero padded or
// truncated, a plain last digit read as positive), strict on output (always overpunched).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rxgate::codec {

// Signed overpunch s9(n)v99 etc.: returns the integer in units of the implied decimals
// ("754C" -> 7543, "123M" -> -1234, "I" -> 9, "5}" -> -50). nullopt on anything else
// (empty, inner non-digit, more than 18 digits).
std::optional<std::int64_t> parse_overpunch(std::string_view v) noexcept;

// Unsigned numeric 9(n) and 9(n)v999 ("0000030000" -> 30000, "30000" -> 30000). Leading blanks
// are tolerated (one sender right-justifies with spaces); empty or non-digits -> nullopt.
std::optional<std::int64_t> parse_unsigned(std::string_view v) noexcept;

// Writes `value` as overpunch with at least `min_digits` digits (zero padded), no more than
// out.size() characters. Returns the used part, or an empty view when it does not fit.
std::string_view format_overpunch(std::int64_t value, std::span<char> out,
                                  std::size_t min_digits = 1) noexcept;

// Writes an unsigned number with at least `min_digits` digits. Empty view when it does not fit.
std::string_view format_unsigned(std::uint64_t value, std::span<char> out,
                                 std::size_t min_digits = 1) noexcept;

// A calendar date. days() counts from 1970-01-01 so that differences are day counts.
struct date {
  std::int16_t year = 0;
  std::uint8_t month = 0;
  std::uint8_t day = 0;

  bool valid() const noexcept { return year != 0; }
  std::int32_t days() const noexcept;
  static date from_days(std::int32_t days) noexcept;
  friend auto operator<=>(const date&, const date&) = default;
};

// CCYYMMDD -> date; nullopt for anything that is not a real calendar date (00000000, 99999999,
// 20230231 ...).
std::optional<date> parse_date(std::string_view v) noexcept;
// Writes CCYYMMDD into out (8 bytes); returns it.
std::string_view format_date(date d, std::span<char, 8> out) noexcept;

// Whole years between birth and on (for age limits).
int age_in_years(date birth, date on) noexcept;

}  // namespace rxgate::codec
