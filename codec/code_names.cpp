#include "codec/code_names.h"

#include <algorithm>

#include "codec/dictionary.h"
#include "codec/numeric.h"

namespace rxgate::codec {
namespace {

std::string_view trim_trailing_blanks(std::string_view s) noexcept {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The rows of field `id` (an empty range when it has none).
std::span<const code_value> rows_of(field_id id) noexcept {
  const auto all = all_code_values();
  const auto first = std::partition_point(all.begin(), all.end(), [id](const code_value& r) { return r.field < id; });
  const auto last = std::partition_point(first, all.end(), [id](const code_value& r) { return r.field == id; });
  return {first, last};
}

bool numeric_field(field_id id) noexcept {
  const field_info* info = find_field(id);
  return info && info->format == field_format::numeric;
}

}  // namespace

std::string_view code_name(field_id id, std::string_view value) noexcept {
  value = trim_trailing_blanks(value);
  const auto rows = rows_of(id);
  const auto it = std::lower_bound(rows.begin(), rows.end(), value,
                                   [](const code_value& r, std::string_view v) { return r.code < v; });
  if (it != rows.end() && it->code == value) return it->name;
  // 9(n) fields: leading zeros are optional on the wire, so compare the numbers.
  if (rows.empty() || !numeric_field(id)) return {};
  const auto wanted = parse_unsigned(value);
  if (!wanted) return {};
  for (const code_value& r : rows)
    if (parse_unsigned(r.code) == wanted) return r.name;
  return {};
}

bool has_code_list(field_id id) noexcept { return !rows_of(id).empty(); }

std::string_view code_label(field_id id, std::string_view value) noexcept {
  if (!has_code_list(id)) return {};
  const std::string_view name = code_name(id, value);
  return name.empty() ? std::string_view("unknown") : name;
}

}  // namespace rxgate::codec
