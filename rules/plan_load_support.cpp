// Value parsers and the reporter shared by the plan loaders.
#include "rules/plan_load_support.h"

#include <fstream>
#include <sstream>

namespace rxgate::rules::loading {

namespace fs = std::filesystem;

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

// Decimal text with up to `scale` decimals -> integer in units of 10^-scale.
bool parse_decimal(std::string_view s, int scale, std::int64_t& out) {
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  std::int64_t whole = 0, frac = 0;
  int frac_digits = 0;
  bool dot = false, any = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    any = true;
    if (!dot) {
      if (whole > 100000000000LL) return false;
      whole = whole * 10 + (c - '0');
    } else {
      if (++frac_digits > scale) return false;
      frac = frac * 10 + (c - '0');
    }
  }
  if (!any) return false;
  for (int i = frac_digits; i < scale; ++i) frac *= 10;
  std::int64_t mul = 1;
  for (int i = 0; i < scale; ++i) mul *= 10;
  out = whole * mul + frac;
  if (neg) out = -out;
  return true;
}

bool parse_int(std::string_view s, int& out) {
  std::int64_t v = 0;
  if (!parse_decimal(s, 0, v) || v > 1000000000 || v < -1000000000) return false;
  out = static_cast<int>(v);
  return true;
}

bool parse_bool(std::string_view s, bool& out) {
  if (s == "Y" || s == "y" || s == "true" || s == "1" || s == "yes") return out = true, true;
  if (s == "N" || s == "n" || s == "false" || s == "0" || s == "no" || s.empty()) return out = false, true;
  return false;
}

std::vector<std::string_view> split_list(std::string_view s, string_pool& pool) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    auto semi = s.find(';');
    auto item = s.substr(0, semi);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(pool.intern(item));
    if (semi == std::string_view::npos) break;
    s.remove_prefix(semi + 1);
  }
  return out;
}

std::string date_text(codec::date d) {
  if (!d.valid()) return "open";
  char buf[8];
  return std::string(codec::format_date(d, buf));
}

}  // namespace rxgate::rules::loading
