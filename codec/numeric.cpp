#include "codec/numeric.h"

#include <array>

namespace rxgate::codec {

namespace {

// Overpunch symbols for the last digit: index = digit.
constexpr std::string_view positive_punch = "{ABCDEFGHI";
constexpr std::string_view negative_punch = "}JKLMNOPQR";

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Up to 18 digits fit an int64 without overflow.
constexpr std::size_t max_digits = 18;

}  // namespace

std::optional<std::int64_t> parse_overpunch(std::string_view v) noexcept {
  if (v.empty() || v.size() > max_digits) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 1 < v.size(); ++i) {
    if (!is_digit(v[i])) return std::nullopt;
    n = n * 10 + (v[i] - '0');
  }
  const char last = v.back();
  if (is_digit(last)) return n * 10 + (last - '0');  // lenient: a plain digit is positive
  if (auto p = positive_punch.find(last); p != std::string_view::npos)
    return n * 10 + static_cast<std::int64_t>(p);
  if (auto p = negative_punch.find(last); p != std::string_view::npos)
    return -(n * 10 + static_cast<std::int64_t>(p));
  return std::nullopt;
}

std::optional<std::int64_t> parse_unsigned(std::string_view v) noexcept {
  std::size_t i = 0;
  while (i < v.size() && v[i] == ' ') ++i;  // one sender right-justifies with blanks
  if (i == v.size() || v.size() - i > max_digits) return std::nullopt;
  std::int64_t n = 0;
  for (; i < v.size(); ++i) {
    if (!is_digit(v[i])) return std::nullopt;
    n = n * 10 + (v[i] - '0');
  }
  return n;
}

std::string_view format_unsigned(std::uint64_t value, std::span<char> out,
                                 std::size_t min_digits) noexcept {
  std::array<char, 20> tmp{};
  std::size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n < min_digits && n < tmp.size()) tmp[n++] = '0';
  if (n > out.size()) return {};
  for (std::size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return {out.data(), n};
}

std::string_view format_overpunch(std::int64_t value, std::span<char> out,
                                  std::size_t min_digits) noexcept {
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  auto digits = format_unsigned(magnitude, out, min_digits);
  if (digits.empty()) return {};
  const auto last = static_cast<std::size_t>(out[digits.size() - 1] - '0');
  out[digits.size() - 1] = negative ? negative_punch[last] : positive_punch[last];
  return digits;
}

namespace {

constexpr bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
constexpr int days_in_month(int y, int m) noexcept {
  constexpr std::array<int, 12> d{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : d[static_cast<std::size_t>(m - 1)];
}

}  // namespace

// Civil-from-days and days-from-civil (proleptic Gregorian), after the well-known algorithms
// that avoid loops and tables.
std::int32_t date::days() const noexcept {
  int y = year;
  const int m = month;
  const int d = day;
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

date date::from_days(std::int32_t z) noexcept {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = yoe + era * 400;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp + (mp < 10 ? 3 : -9);
  return date{static_cast<std::int16_t>(y + (m <= 2)), static_cast<std::uint8_t>(m),
              static_cast<std::uint8_t>(d)};
}

std::optional<date> parse_date(std::string_view v) noexcept {
  if (v.size() != 8) return std::nullopt;
  for (char c : v)
    if (!is_digit(c)) return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n) {
    int r = 0;
    for (std::size_t i = at; i < at + n; ++i) r = r * 10 + (v[i] - '0');
    return r;
  };
  const int y = num(0, 4), m = num(4, 2), d = num(6, 2);
  if (y < 1800 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return std::nullopt;
  return date{static_cast<std::int16_t>(y), static_cast<std::uint8_t>(m),
              static_cast<std::uint8_t>(d)};
}

std::string_view format_date(date d, std::span<char, 8> out) noexcept {
  auto put = [&](std::size_t at, int value, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      out[at + n - 1 - i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, d.year, 4);
  put(4, d.month, 2);
  put(6, d.day, 2);
  return {out.data(), 8};
}

int age_in_years(date birth, date on) noexcept {
  int age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

}  // namespace rxgate::codec
