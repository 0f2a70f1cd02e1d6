#include "sql/pg.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>

namespace rxgate::store::pg {

error error_for_sqlstate(const std::string& prefix, const std::string& state, std::string_view message,
                         bool& connection_lost) {
  if (state == "57014") return {errc::timeout, prefix + "statement timeout"};
  if (state == "40001" || state == "40P01" || state == "23505") {
    return {errc::conflict, prefix + "conflict (sqlstate " + state + ")"};
  }
  if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
    // connection exception class, admin shutdown, crash shutdown, cannot connect now
    connection_lost = true;
    return {errc::unavailable, prefix + "PostgreSQL unavailable (sqlstate " + state + ")"};
  }
  if (state == "42P01" || state == "42703" || state == "42883") {
    return {errc::schema, prefix + "schema mismatch (sqlstate " + state + "); run rxgate migrate"};
  }
  if (state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0) {
    // Data and constraint errors quote the offending value or row ("Failing row contains
    // ..."), which may be patient data: keep the code only.
    return {errc::internal, prefix + "sqlstate " + state + " (data or constraint error)"};
  }
  // Other messages name objects, not values; keep the first line (DETAIL lines may quote rows).
  const std::string_view first = message.substr(0, std::min<std::size_t>(message.find('\n'), 240));
  return {errc::internal, prefix + "sqlstate " + state + ": " + std::string(first)};
}

error translate_current_exception(std::string_view what_failed, bool& connection_lost) noexcept {
  connection_lost = false;
  error e;
  try {
    std::string prefix{what_failed};
    prefix += ": ";
    try {
      throw;
    } catch (const pqxx::broken_connection& x) {
      connection_lost = true;
      // libpq's reason ("connection to server at ... failed: Connection refused") tells an
      // operator what is wrong; it names hosts and users, never a password or claim data.
      std::string reason = x.what();
      while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
      e = {errc::unavailable, prefix + "connection to PostgreSQL lost" + (reason.empty() ? "" : ": " + reason)};
    } catch (const pqxx::in_doubt_error&) {
      // The commit may or may not have happened; the connection is gone either way. Nothing was
      // answered as paid, and a retransmit finds the stored claim if it did commit.
      connection_lost = true;
      e = {errc::unavailable, prefix + "commit outcome unknown (connection lost during COMMIT)"};
    } catch (const pqxx::sql_error& x) {
      e = error_for_sqlstate(prefix, x.sqlstate(), x.what(), connection_lost);
    } catch (const pqxx::usage_error& x) {
      e = {errc::internal, prefix + "libpqxx usage error: " + x.what()};
    } catch (const pqxx::failure& x) {
      // libpqxx reports most lost connections it notices outside a query this way.
      connection_lost = true;
      e = {errc::unavailable, prefix + x.what()};
    } catch (const std::bad_alloc&) {
      e = {errc::internal, prefix + "out of memory"};
    } catch (const std::exception& x) {
      e = {errc::internal, prefix + x.what()};
    } catch (...) {
      e = {errc::internal, prefix + "unknown exception"};
    }
  } catch (...) {
    e.code = errc::internal;  // building the message failed (out of memory)
  }
  // libpqxx drops the message's trailing newline inconsistently; keep log lines single.
  while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == ' ')) {
    e.message.pop_back();
  }
  return e;
}

void append_clean_text(std::string& out, std::string_view v) {
  // Grown once and written by index: a push_back per byte checked the capacity at every byte,
  // and this runs for every text column of every claim the writer sends (bench/RESULTS.md).
  const std::size_t at = out.size();
  out.resize(at + v.size());
  char* to = out.data() + at;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    to[i] = c >= 0x20 && c < 0x7F ? v[i] : '?';
  }
}

std::string unhex(std::string_view v) {
  if (v.size() < 2 || v[0] != '\\' || v[1] != 'x') return {};
  std::string out;
  out.reserve((v.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < v.size(); i += 2) {
    unsigned byte = 0;
    std::from_chars(v.data() + i, v.data() + i + 2, byte, 16);
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string clean_text(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  append_clean_text(out, v);
  return out;
}

void append_bytea_escaped(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + bytes.size() + bytes.size() / 8);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7F) {
      out.push_back(ch);
    } else {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + (c >> 6)));
      out.push_back(static_cast<char>('0' + ((c >> 3) & 7)));
      out.push_back(static_cast<char>('0' + (c & 7)));
    }
  }
}

codec::date today_utc() noexcept {
  const auto now = std::chrono::system_clock::now();
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(now)};
  return {static_cast<std::int16_t>(static_cast<int>(ymd.year())),
          static_cast<std::uint8_t>(static_cast<unsigned>(ymd.month())),
          static_cast<std::uint8_t>(static_cast<unsigned>(ymd.day()))};
}

codec::date add_days(codec::date d, int days) noexcept {
  const std::chrono::year_month_day from{std::chrono::year{d.year}, std::chrono::month{d.month},
                                         std::chrono::day{d.day}};
  const std::chrono::year_month_day to{std::chrono::sys_days{from} + std::chrono::days{days}};
  return {static_cast<std::int16_t>(static_cast<int>(to.year())),
          static_cast<std::uint8_t>(static_cast<unsigned>(to.month())),
          static_cast<std::uint8_t>(static_cast<unsigned>(to.day()))};
}

std::string format_date(codec::date d) {
  if (!d.valid()) d = today_utc();
  if (d.year > 0 && d.year <= 9999) {
    // The writer formats a dozen dates a batch: snprintf was 5 % of the server's instructions at
    // small batches (bench/RESULTS.md), codec's digits are a few dozen.
    char digits[8];
    codec::format_date(d, digits);
    return {digits[0], digits[1], digits[2], digits[3], '-', digits[4], digits[5], '-', digits[6], digits[7]};
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year),
                static_cast<unsigned>(d.month), static_cast<unsigned>(d.day));
  return buf;
}

codec::date parse_date(std::string_view v) noexcept {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return {};
  int y = 0, m = 0, d = 0;
  if (std::from_chars(v.data(), v.data() + 4, y).ec != std::errc{} ||
      std::from_chars(v.data() + 5, v.data() + 7, m).ec != std::errc{} ||
      std::from_chars(v.data() + 8, v.data() + 10, d).ec != std::errc{}) {
    return {};
  }
  return {static_cast<std::int16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    for (char ch : clean_text(values[i])) {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      out.push_back(ch);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::optional<std::int64_t> opt_int(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  std::int64_t v = 0;
  const char* s = f.c_str();
  if (std::from_chars(s, s + f.size(), v).ec != std::errc{}) return std::nullopt;
  return v;
}

std::int64_t int_or(const pqxx::field& f, std::int64_t fallback) {
  return opt_int(f).value_or(fallback);
}

}  // namespace rxgate::store::pg
