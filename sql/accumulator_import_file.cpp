// Reading an accumulator import file (accumulator_imports.h): CSV, checked row by row against the
// loaded plans. No database here; messages name the column at fault, never a member's value.
#include <array>
#include <map>
#include <string>
#include <tuple>

#include "rules/accumulators.h"
#include "rules/csv.h"
#include "sql/accumulator_imports.h"

namespace rxgate::store {

namespace {

enum column : std::size_t { bin, cardholder_id, person_code, plan_year_start, deductible, out_of_pocket, benefit };
constexpr std::array<std::string_view, 7> column_names = {"bin",        "cardholder_id", "person_code", "plan_year_start",
                                                          "deductible", "out_of_pocket", "benefit"};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Decimal dollars -> cents, digit by digit: "125", "125.5", "125.50"; empty is 0. At most ten
// digits of dollars, so the sum of a family's rows stays far inside int64.
bool parse_dollars(std::string_view s, std::int64_t& cents) {
  cents = 0;
  if (s.empty()) return true;
  const auto dot = s.find('.');
  const auto whole = s.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 10 || !all_digits(whole)) return false;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 2 || !all_digits(fraction))) return false;
  for (char c : whole) cents = cents * 10 + (c - '0');
  std::int64_t hundredths = 0;
  for (char c : fraction) hundredths = hundredths * 10 + (c - '0');
  if (fraction.size() == 1) hundredths *= 10;
  cents = cents * 100 + hundredths;
  return true;
}

}  // namespace

std::optional<codec::date> parse_day(std::string_view s) {
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    const std::string compact = std::string(s.substr(0, 4)) + std::string(s.substr(5, 2)) + std::string(s.substr(8, 2));
    return all_digits(compact) ? codec::parse_date(compact) : std::nullopt;
  }
  return s.size() == 8 && all_digits(s) ? codec::parse_date(s) : std::nullopt;
}

const rules::plan* accumulator_plan(const rules::plan_set& plans, std::string_view bin, std::string_view cardholder_id,
                                    std::string_view person_code, codec::date on) noexcept {
  const rules::plan* in_force = nullptr;
  const rules::plan* latest = nullptr;
  bool in_force_lists_member = false;
  for (const auto& p : plans.plans()) {
    if (p->bin != bin) continue;
    if (!latest || p->effective_from > latest->effective_from) latest = p.get();
    if (!p->in_force(on)) continue;
    const bool lists_member = p->find_member(cardholder_id, person_code) != nullptr;
    if (!in_force || (lists_member && !in_force_lists_member)) {
      in_force = p.get();
      in_force_lists_member = lists_member;
    }
  }
  return in_force ? in_force : latest;
}

int family_size(const rules::plan& p, std::string_view cardholder_id) noexcept {
  int persons = 0;
  const rules::member* end = p.members.data() + p.members.size();
  for (const rules::member* m = p.first_person(cardholder_id); m && m != end && m->cardholder_id == cardholder_id; ++m)
    ++persons;
  return persons;
}

bool read_import_file(std::string_view file, std::string_view text, const rules::plan_set& plans,
                      std::vector<accumulator_import_row>& rows, std::vector<std::string>& problems) {
  const std::size_t problems_before = problems.size();
  auto problem = [&](std::uint32_t line, const std::string& message) {
    problems.push_back(std::string(file) + ":" + std::to_string(line) + ": " + message);
  };
  rules::csv_reader csv{std::string(file), text};
  std::vector<rules::csv_field> fields;

  // The header: every column exactly once, nothing else.
  std::array<std::size_t, column_names.size()> index_of;
  index_of.fill(SIZE_MAX);
  bool more = csv.next(fields);
  while (more && !fields.empty() && fields[0].value.starts_with('#')) more = csv.next(fields);  // comments
  if (!more) {
    problem(1, "empty file: expected a header row naming the columns bin, cardholder_id, person_code, "
               "plan_year_start, deductible, out_of_pocket, benefit");
    return false;
  }
  const std::uint32_t header_line = fields.empty() ? 1 : fields[0].line;
  const std::size_t width = fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto name = trimmed(fields[i].value);
    std::size_t c = 0;
    while (c < column_names.size() && column_names[c] != name) ++c;
    if (c == column_names.size()) problem(header_line, "unknown column " + std::to_string(i + 1) + " in the header");
    else if (index_of[c] != SIZE_MAX) problem(header_line, "column " + std::string(name) + " appears twice");
    else index_of[c] = i;
  }
  for (std::size_t c = 0; c < column_names.size(); ++c)
    if (index_of[c] == SIZE_MAX) problem(header_line, "missing column " + std::string(column_names[c]));
  if (problems.size() > problems_before) return false;

  using member_year_key = std::tuple<std::string, std::string, std::string, std::int32_t>;
  std::map<member_year_key, std::uint32_t> seen;  // -> first line
  while (csv.next(fields)) {
    if (!csv.error().empty()) {
      problem(csv.line(), "malformed CSV (" + csv.error() + ")");
      continue;
    }
    bool blank = true;
    for (const auto& f : fields) blank = blank && trimmed(f.value).empty();
    if (blank) continue;
    const std::uint32_t line = fields[0].line;
    if (fields.size() != width) {
      problem(line, "expected " + std::to_string(width) + " fields, found " + std::to_string(fields.size()));
      continue;
    }
    auto cell = [&](column c) { return trimmed(fields[index_of[c]].value); };
    accumulator_import_row row;
    row.line = line;
    bool ok = true;
    auto bad = [&](const std::string& message) {
      problem(line, message);
      ok = false;
    };
    row.bin = cell(bin);
    row.cardholder_id = cell(cardholder_id);
    row.person_code = cell(person_code);
    if (row.bin.size() != 6 || !all_digits(row.bin)) bad("bin: expected 6 digits");
    if (row.cardholder_id.empty() || row.cardholder_id.size() > 20) bad("cardholder_id: expected 1 to 20 characters");
    if (row.person_code.size() > 3) bad("person_code: expected at most 3 characters");
    const auto year = parse_day(cell(plan_year_start));
    if (!year) bad("plan_year_start: expected a date as YYYY-MM-DD or YYYYMMDD");
    else row.plan_year_start = *year;
    const std::pair<column, std::int64_t*> money[] = {{deductible, &row.amounts.deductible},
                                                      {out_of_pocket, &row.amounts.out_of_pocket},
                                                      {benefit, &row.amounts.benefit}};
    for (auto [c, out] : money) {
      const auto value = cell(c);
      if (value.starts_with('-')) bad(std::string(column_names[c]) + ": negative amount");
      else if (!parse_dollars(value, *out))
        bad(std::string(column_names[c]) + ": expected dollars with at most 2 decimals (e.g. 125.50)");
    }
    if (!ok) continue;

    const rules::plan* p = accumulator_plan(plans, row.bin, row.cardholder_id, row.person_code, row.plan_year_start);
    if (!p) {
      bad("bin: no loaded plan has this BIN");
    } else if (!p->accumulators.enabled) {
      bad("bin: plan " + std::string(p->id) + " keeps no accumulators (no [accumulators] in its plan.toml)");
    } else if (rules::plan_year_start(p->accumulators, row.plan_year_start) != row.plan_year_start) {
      bad("plan_year_start: not the first day of a plan year of plan " + std::string(p->id) +
          " (its plan years start on day 1 of month " + std::to_string(p->accumulators.year_start_month) + ")");
    }
    if (!ok) continue;
    const auto [first, fresh] =
        seen.try_emplace(member_year_key{row.bin, row.cardholder_id, row.person_code, row.plan_year_start.days()}, line);
    if (!fresh) {
      bad("duplicate of line " + std::to_string(first->second) +
          " (same bin, cardholder_id, person_code and plan_year_start)");
      continue;
    }
    rows.push_back(std::move(row));
  }
  return problems.size() == problems_before;
}

}  // namespace rxgate::store
