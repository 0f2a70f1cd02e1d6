#include "bench/load/mix.h"

namespace rxgate::load {
namespace {

constexpr std::array<std::string_view, kind_count> kind_names = {
    "paid",       "multi",       "retransmit",       "refill-too-soon", "reversal", "rebill",
    "e1",         "unknown-member", "terminated",    "not-covered",     "not-on-formulary",
    "prior-auth", "plan-limit",  "dur",              "network",         "syntax"};

bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string known_kinds() {
  std::string list;
  for (auto n : kind_names) (list += ' ') += n;
  return list;
}

// One "kind=weight" or "kind weight" entry (already trimmed, not empty).
bool parse_entry(std::string_view item, claim_mix& m, std::string& why) {
  const auto sep = item.find_first_of("= \t");
  if (sep == std::string_view::npos) {
    why = "mix entry '" + std::string(item) + "' needs kind=weight";
    return false;
  }
  const auto name = item.substr(0, sep);
  auto value = item.substr(sep + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t' || value.front() == '=')) value.remove_prefix(1);
  const auto kind = kind_from_string(name);
  if (!kind) {
    why = "unknown claim kind '" + std::string(name) + "' (kinds:" + known_kinds() + ")";
    return false;
  }
  unsigned weight = 0;
  bool digits_only = !value.empty() && value.size() <= 6;
  for (char c : value) {
    digits_only = digits_only && c >= '0' && c <= '9';
    if (digits_only) weight = weight * 10 + static_cast<unsigned>(c - '0');
  }
  if (!digits_only) {
    why = "bad weight '" + std::string(value) + "' for " + std::string(name) + " (a whole number, 0 to 999999)";
    return false;
  }
  m[static_cast<std::size_t>(*kind)] = weight;
  return true;
}

}  // namespace

std::string_view to_string(claim_kind k) noexcept { return kind_names[static_cast<std::size_t>(k)]; }

std::optional<claim_kind> kind_from_string(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kind_count; ++i)
    if (kind_names[i] == name) return static_cast<claim_kind>(i);
  return std::nullopt;
}

bool is_follow_up(claim_kind k) noexcept {
  return k == claim_kind::retransmit || k == claim_kind::refill_too_soon || k == claim_kind::reversal ||
         k == claim_kind::rebill;
}

claim_mix default_mix() noexcept {
  //   paid multi retx 79 B2 B3 E1 52 69 70 MR 75 76 88 40 07
  return {55, 5, 6, 3, 4, 3, 4, 2, 2, 2, 2, 3, 3, 2, 2, 2};
}

bool parse_mix(std::string_view spec, claim_mix& out, std::string& why) {
  claim_mix m{};
  std::size_t pos = 0;
  while (pos < spec.size()) {
    auto end = spec.find_first_of(",\n", pos);
    if (end == std::string_view::npos) end = spec.size();
    auto item = spec.substr(pos, end - pos);
    pos = end + 1;
    if (auto hash = item.find('#'); hash != std::string_view::npos) item = item.substr(0, hash);
    item = trim(item);
    if (!item.empty() && !parse_entry(item, m, why)) return false;
  }
  bool any = false;
  for (auto w : m) any = any || w > 0;
  if (!any) {
    why = "the mix has no kind with a weight above 0";
    return false;
  }
  out = m;
  return true;
}

}  // namespace rxgate::load
