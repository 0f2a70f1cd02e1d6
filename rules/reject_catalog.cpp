#include "rules/reject_catalog.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>

#include "codec/code_names.h"

namespace rxgate::rules {
namespace {

// One row per code of reject-codes.csv, sorted by code; generated, see the header.
constexpr reject_info reject_table[] = {
#include "rules/reject_catalog_data.inc"
};

template <typename T, std::size_t N, typename Key>
constexpr bool sorted_unique(const T (&rows)[N], Key key) {
  for (std::size_t i = 1; i < N; ++i) {
    if (!(key(rows[i - 1]) < key(rows[i]))) return false;
  }
  return true;
}

static_assert(sorted_unique(reject_table, [](const reject_info& r) { return r.code; }),
              "reject_catalog_data.inc must be sorted by code with no duplicates");

std::string_view trim_trailing_blanks(std::string_view s) noexcept {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

const reject_info* find_reject(std::string_view code) noexcept {
  code = trim_trailing_blanks(code);
  const auto it = std::lower_bound(std::begin(reject_table), std::end(reject_table), code,
                                   [](const reject_info& r, std::string_view c) { return r.code < c; });
  return it != std::end(reject_table) && it->code == code ? &*it : nullptr;
}

std::span<const reject_info> all_rejects() noexcept { return reject_table; }

// The DUR/PPS and SCC lists are code lists of D.0 fields: one table, in codec/code_values.csv.
std::string_view dur_reason_name(std::string_view e4) noexcept { return codec::code_name(codec::make_field_id("E4"), e4); }
std::string_view dur_professional_name(std::string_view e5) noexcept {
  return codec::code_name(codec::make_field_id("E5"), e5);
}
std::string_view dur_result_name(std::string_view e6) noexcept { return codec::code_name(codec::make_field_id("E6"), e6); }

std::string_view scc_name(int scc) noexcept {
  std::array<char, 12> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), scc);
  if (ec != std::errc{} || scc <= 0) return {};
  return codec::code_name(codec::make_field_id("DK"), std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
}

}  // namespace rxgate::rules
