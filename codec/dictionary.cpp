// Field dictionary lookups over the generated tables (codec/dictionary_tables.inc, made by
// codec/dictionary_gen.py from the D.0 digest and codec/f6_fields.csv): binary searches by
// (segment, field ID) and by field ID, checked sorted at compile time.
#include "codec/dictionary.h"

#include <algorithm>
#include <array>

namespace rxgate::codec {
namespace {

#include "codec/dictionary_tables.inc"

constexpr std::uint32_t sort_key(segment_id seg, field_id id) noexcept {
  return (static_cast<std::uint32_t>(seg) << 16) | id;
}

constexpr bool tables_sorted() noexcept {
  for (std::size_t i = 1; i < k_fields.size(); ++i)
    if (sort_key(k_fields[i - 1].segment, k_fields[i - 1].id) >= sort_key(k_fields[i].segment, k_fields[i].id))
      return false;
  for (std::size_t i = 1; i < k_by_id.size(); ++i)
    if (k_fields[k_by_id[i - 1]].id >= k_fields[k_by_id[i]].id) return false;
  return true;
}
static_assert(tables_sorted(), "binary search needs both tables sorted");

}  // namespace

const field_info* find_field(segment_id seg, field_id id) noexcept {
  const auto key = sort_key(seg, id);
  const auto* it = std::lower_bound(k_fields.begin(), k_fields.end(), key,
                                    [](const field_info& f, std::uint32_t k) { return sort_key(f.segment, f.id) < k; });
  if (it != k_fields.end() && it->segment == seg && it->id == id) return &*it;
  return find_field(id);
}

const field_info* find_field(field_id id) noexcept {
  const auto* it = std::lower_bound(k_by_id.begin(), k_by_id.end(), id,
                                    [](std::uint16_t i, field_id k) { return k_fields[i].id < k; });
  if (it != k_by_id.end() && k_fields[*it].id == id) return &k_fields[*it];
  return nullptr;
}

std::string_view segment_name(segment_id seg) noexcept {
  const auto n = static_cast<std::size_t>(seg);
  return n < k_segment_names.size() ? k_segment_names[n] : std::string_view{};
}

std::span<const field_info> all_fields() noexcept { return k_fields; }

std::string_view to_string(field_format f) noexcept {
  switch (f) {
    case field_format::alphanumeric: return "alphanumeric";
    case field_format::numeric: return "numeric";
    case field_format::money: return "money";
    case field_format::quantity: return "quantity";
    case field_format::rate: return "rate";
    case field_format::percent: return "percent";
    case field_format::date: return "date";
    case field_format::time: return "time";
  }
  return "unknown";
}

}  // namespace rxgate::codec
