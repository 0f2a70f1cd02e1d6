// Loading plan folders: plan.toml through toml11, the CSV tables through rules/csv.h. Every
// problem is collected (not just the first) so a plan administrator fixes a file in one pass.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <toml.hpp>

#include "rules/csv.h"
#include "rules/plan_model.h"

namespace rxgate::rules {

namespace fs = std::filesystem;

// ---- string_pool -------------------------------------------------------------------------------

std::string_view string_pool::intern(std::string_view s) {
  if (s.empty()) return {};
  if (used_ + s.size() > capacity_) {
    std::size_t size = std::max<std::size_t>(1 << 20, s.size());
    chunks_.push_back(std::make_unique<char[]>(size));
    capacity_ = size;
    used_ = 0;
  }
  char* p = chunks_.back().get() + used_;
  std::memcpy(p, s.data(), s.size());
  used_ += s.size();
  bytes_ += s.size();
  return {p, s.size()};
}

// ---- plan lookups ------------------------------------------------------------------------------

const product* plan::find_product(std::string_view ndc) const noexcept {
  auto r = product_index.find(ndc, [this](std::uint32_t i) { return products[i].ndc; });
  return r == string_index::npos ? nullptr : &products[r];
}
const pharmacy* plan::find_pharmacy(std::string_view npi) const noexcept {
  auto r = pharmacy_index.find(npi, [this](std::uint32_t i) { return pharmacies[i].npi; });
  return r == string_index::npos ? nullptr : &pharmacies[r];
}
const copay_rule* plan::copay_for_tier(int tier) const noexcept {
  for (const auto& c : copays)
    if (c.tier == tier) return &c;
  return nullptr;
}
const member* plan::first_person(std::string_view cardholder_id) const noexcept {
  auto r = cardholder_index.find(cardholder_id, [this](std::uint32_t i) { return members[i].cardholder_id; });
  return r == string_index::npos ? nullptr : &members[r];
}
const member* plan::find_member(std::string_view cardholder_id, std::string_view person_code) const noexcept {
  const member* m = first_person(cardholder_id);
  if (!m) return nullptr;
  const member* end = members.data() + members.size();
  for (; m != end && m->cardholder_id == cardholder_id; ++m)
    if (m->person_code == person_code) return m;
  return nullptr;
}
std::uint32_t plan::class_id(std::string_view cls) const noexcept {
  return class_index.find(cls, [this](std::uint32_t i) { return classes[i]; });
}
const interaction* plan::find_interaction(std::uint32_t a, std::uint32_t b) const noexcept {
  if (a == string_index::npos || b == string_index::npos || interaction_pairs.empty()) return nullptr;
  const std::uint64_t key = a < b ? (std::uint64_t{a} << 32 | b) : (std::uint64_t{b} << 32 | a);
  auto it = std::lower_bound(interaction_pairs.begin(), interaction_pairs.end(), std::pair{key, std::uint32_t{0}});
  return it != interaction_pairs.end() && it->first == key ? &interactions[it->second] : nullptr;
}
const duplicate_therapy* plan::find_duplicate(std::uint32_t cls) const noexcept {
  if (cls >= duplicate_by_class.size() || duplicate_by_class[cls] < 0) return nullptr;
  return &duplicates[static_cast<std::size_t>(duplicate_by_class[cls])];
}
const dose_limit* plan::find_dose_limit(std::string_view ndc) const noexcept {
  auto r = dose_index.find(ndc, [this](std::uint32_t i) { return dose_limits[i].ndc; });
  return r == string_index::npos ? nullptr : &dose_limits[r];
}

void plan::index_classes() {
  auto number = [this](std::string_view cls) {
    auto key_of = [this](std::uint32_t i) { return classes[i]; };
    auto found = class_index.find(cls, key_of);
    if (found != string_index::npos) return found;
    const auto next = static_cast<std::uint32_t>(classes.size());
    classes.push_back(cls);
    class_index.insert(cls, next, key_of);
    return next;
  };
  for (auto& d : products) d.class_id = number(d.therapeutic_class);
  for (std::uint32_t i = 0; i < interactions.size(); ++i) {
    auto a = number(interactions[i].class_a), b = number(interactions[i].class_b);
    interaction_pairs.emplace_back(a < b ? (std::uint64_t{a} << 32 | b) : (std::uint64_t{b} << 32 | a), i);
  }
  std::sort(interaction_pairs.begin(), interaction_pairs.end());
  for (const auto& d : duplicates) number(d.therapeutic_class);
  duplicate_by_class.assign(classes.size(), -1);
  for (std::size_t i = 0; i < duplicates.size(); ++i) {
    auto cls = number(duplicates[i].therapeutic_class);
    if (duplicate_by_class[cls] < 0) duplicate_by_class[cls] = static_cast<std::int32_t>(i);
  }
}

// ---- plan_set ----------------------------------------------------------------------------------

namespace {
std::string date_text(codec::date d) {
  if (!d.valid()) return "open";
  char buf[8];
  return std::string(codec::format_date(d, buf));
}
}  // namespace

plan_error::plan_error(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string all;
        for (const auto& p : problems) {
          if (!all.empty()) all += '\n';
          all += p;
        }
        return all.empty() ? std::string("plan error") : all;
      }()),
      problems_(std::move(problems)) {}

plan_set::plan_set(std::vector<std::unique_ptr<plan>> plans) : plans_(std::move(plans)) {
  for (const auto& p : plans_) {
    for (auto g : p->groups) {
      auto it = std::find_if(routes_.begin(), routes_.end(), [&](const route_entry& r) {
        return r.bin == p->bin && r.pcn == p->pcn && r.group == g;
      });
      if (it == routes_.end()) {
        routes_.push_back({p->bin, p->pcn, g, {}});
        it = routes_.end() - 1;
      }
      it->versions.push_back(p.get());
    }
  }
  std::vector<std::string> problems;
  for (auto& r : routes_) {
    std::sort(r.versions.begin(), r.versions.end(),
              [](const plan* a, const plan* b) { return a->effective_from < b->effective_from; });
    for (std::size_t i = 1; i < r.versions.size(); ++i) {
      const plan* a = r.versions[i - 1];
      const plan* b = r.versions[i];
      if (!a->effective_to.valid() || a->effective_to >= b->effective_from)
        problems.push_back(std::string(b->folder) + "/plan.toml:1:1: BIN " + std::string(r.bin) +
                           " PCN " + std::string(r.pcn) + " group " + std::string(r.group) +
                           ": version " + std::to_string(b->version) + " (from " +
                           date_text(b->effective_from) + ") overlaps " + std::string(a->folder) +
                           " version " + std::to_string(a->version) + " (to " +
                           date_text(a->effective_to) + ")");
    }
  }
  if (!problems.empty()) throw plan_error(std::move(problems));
}

route_result plan_set::route(std::string_view bin, std::string_view pcn, std::string_view group,
                             codec::date dos) const noexcept {
  bool bin_seen = false, pcn_seen = false;
  for (const auto& r : routes_) {
    if (r.bin != bin) continue;
    bin_seen = true;
    if (r.pcn != pcn) continue;
    pcn_seen = true;
    if (r.group != group) continue;
    for (const plan* p : r.versions)
      if (p->in_force(dos)) return {route_status::ok, p};
    return {route_status::not_in_force, r.versions.empty() ? nullptr : r.versions.back()};
  }
  if (!bin_seen) return {route_status::unknown_bin, nullptr};
  if (!pcn_seen) return {route_status::unknown_pcn, nullptr};
  return {route_status::unknown_group, nullptr};
}

// ---- loading -----------------------------------------------------------------------------------

namespace {

// Collects problems with their position.
struct reporter {
  std::vector<std::string>& problems;
  std::size_t before = problems.size();
  void at(const std::string& file, std::uint32_t line, std::uint32_t column, const std::string& msg) {
    problems.push_back(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + msg);
  }
  bool failed() const { return problems.size() > before; }
};

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

// A CSV table with a header row; columns are found by name, so their order is free.
struct table {
  std::string file;  // as shown in messages: "<folder>/formulary.csv"
  std::string text;
  std::vector<std::string> columns;      // known column names
  std::vector<int> position;             // column -> index in the record, -1 when absent
  std::vector<csv_field> record;
  std::unique_ptr<csv_reader> reader;

  // Opens, reads the header, checks required columns. False when the table cannot be used.
  bool open(const fs::path& path, std::string shown, std::vector<std::string> known,
            const std::vector<std::string>& required, reporter& rep) {
    file = std::move(shown);
    columns = std::move(known);
    if (!read_file(path, text)) {
      rep.at(file, 1, 1, "cannot read the file");
      return false;
    }
    reader = std::make_unique<csv_reader>(file, text);
    std::vector<csv_field> header;
    do {
      if (!reader->next(header)) {
        rep.at(file, 1, 1, "empty table: the first line must name the columns");
        return false;
      }
    } while (!header.empty() && header[0].value.starts_with("#"));
    position.assign(columns.size(), -1);
    for (std::size_t i = 0; i < header.size(); ++i) {
      auto it = std::find(columns.begin(), columns.end(), header[i].value);
      if (it == columns.end()) {
        rep.at(file, header[i].line, header[i].column,
               "unknown column \"" + std::string(header[i].value) + "\"");
        continue;
      }
      auto idx = static_cast<std::size_t>(it - columns.begin());
      if (position[idx] >= 0)
        rep.at(file, header[i].line, header[i].column, "column \"" + *it + "\" appears twice");
      position[idx] = static_cast<int>(i);
    }
    bool ok = true;
    for (const auto& r : required) {
      auto idx = static_cast<std::size_t>(std::find(columns.begin(), columns.end(), r) - columns.begin());
      if (position[idx] < 0) {
        rep.at(file, header.empty() ? 1 : header[0].line, 1, "missing column \"" + r + "\"");
        ok = false;
      }
    }
    header_columns = header.size();
    return ok;
  }
  std::size_t header_columns = 0;

  bool next(reporter& rep) {
    for (;;) {
      if (!reader->next(record)) return false;
      if (!reader->error().empty()) {
        csv_field f = record.empty() ? csv_field{} : record.back();
        rep.at(file, f.line ? f.line : reader->line(), f.column ? f.column : 1, reader->error());
        continue;
      }
      if (record.size() != header_columns) {
        rep.at(file, record.front().line, 1,
               "expected " + std::to_string(header_columns) + " fields, found " +
                   std::to_string(record.size()));
        continue;
      }
      return true;
    }
  }
  // The cell of column `name` in the current record (empty when the column is absent).
  csv_field cell(std::string_view name) const {
    auto idx = static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) - columns.begin());
    if (idx >= columns.size() || position[idx] < 0) return {{}, record.empty() ? 0 : record[0].line, 1};
    return record[static_cast<std::size_t>(position[idx])];
  }
};

// Moves short strings of a final table row into the row itself (one cache line per lookup).
template <std::size_t N>
void inline_views(std::array<char, N>& store, std::initializer_list<std::string_view*> views) {
  std::size_t need = 0;
  for (auto* v : views) need += v->size();
  if (need > N) return;  // too long: keep the pool views
  std::size_t at = 0;
  for (auto* v : views) {
    std::copy(v->begin(), v->end(), store.begin() + static_cast<std::ptrdiff_t>(at));
    *v = std::string_view(store.data() + at, v->size());
    at += v->size();
  }
}

// Typed cell readers that report a bad value at its line and column.
struct cells {
  table& t;
  reporter& rep;
  string_pool& pool;

  std::string_view str(std::string_view col, bool required = false) {
    auto c = t.cell(col);
    if (required && c.value.empty()) {
      rep.at(t.file, c.line, c.column, std::string(col) + " is required");
      return {};
    }
    return pool.intern(c.value);
  }
  int integer(std::string_view col, int def, int lo, int hi) {
    auto c = t.cell(col);
    if (c.value.empty()) return def;
    int v = 0;
    if (!parse_int(c.value, v) || v < lo || v > hi) {
      rep.at(t.file, c.line, c.column,
             std::string(col) + " must be a whole number from " + std::to_string(lo) + " to " +
                 std::to_string(hi) + ", found \"" + std::string(c.value) + "\"");
      return def;
    }
    return v;
  }
  std::int64_t decimal(std::string_view col, int scale) {
    auto c = t.cell(col);
    if (c.value.empty()) return 0;
    std::int64_t v = 0;
    if (!parse_decimal(c.value, scale, v) || v < 0) {
      rep.at(t.file, c.line, c.column,
             std::string(col) + " must be a non-negative number with at most " + std::to_string(scale) +
                 " decimals, found \"" + std::string(c.value) + "\"");
      return 0;
    }
    return v;
  }
  bool flag(std::string_view col, bool def) {
    auto c = t.cell(col);
    if (c.value.empty()) return def;
    bool v = false;
    if (!parse_bool(c.value, v)) {
      rep.at(t.file, c.line, c.column, std::string(col) + " must be Y or N, found \"" + std::string(c.value) + "\"");
      return def;
    }
    return v;
  }
  codec::date date(std::string_view col, bool required = false) {
    auto c = t.cell(col);
    if (c.value.empty()) {
      if (required) rep.at(t.file, c.line, c.column, std::string(col) + " is required (CCYYMMDD)");
      return {};
    }
    auto d = codec::parse_date(c.value);
    if (!d) {
      rep.at(t.file, c.line, c.column, std::string(col) + " must be a date CCYYMMDD, found \"" + std::string(c.value) + "\"");
      return {};
    }
    return *d;
  }
  int gender(std::string_view col) {
    auto c = t.cell(col);
    if (c.value.empty() || c.value == "0" || c.value == "U") return 0;
    if (c.value == "1" || c.value == "M") return 1;
    if (c.value == "2" || c.value == "F") return 2;
    rep.at(t.file, c.line, c.column, std::string(col) + " must be M, F, 1, 2 or empty, found \"" + std::string(c.value) + "\"");
    return 0;
  }
  std::vector<std::string_view> list(std::string_view col) { return split_list(t.cell(col).value, pool); }
  csv_field at(std::string_view col) const { return t.cell(col); }
};

// ---- plan.toml ---------------------------------------------------------------------------------

struct toml_reader {
  const std::string& file;
  reporter& rep;

  void bad(const toml::value& v, const std::string& msg) {
    auto loc = v.location();
    rep.at(file, loc.line(), loc.column(), msg);
  }
  const toml::value* get(const toml::value& table, const char* key, bool required, const toml::value& ctx) {
    if (!table.is_table()) return nullptr;
    const auto& t = table.as_table();
    auto it = t.find(key);
    if (it == t.end()) {
      if (required) bad(ctx, std::string("missing key \"") + key + "\"");
      return nullptr;
    }
    return &it->second;
  }
  std::string_view str(const toml::value& table, const char* key, bool required, string_pool& pool) {
    const auto* v = get(table, key, required, table);
    if (!v) return {};
    if (!v->is_string()) {
      bad(*v, std::string(key) + " must be a string (quote IDs so leading zeros survive)");
      return {};
    }
    return pool.intern(v->as_string().str);
  }
  std::int64_t integer(const toml::value& table, const char* key, std::int64_t def, std::int64_t lo, std::int64_t hi) {
    const auto* v = get(table, key, false, table);
    if (!v) return def;
    if (!v->is_integer() || v->as_integer() < lo || v->as_integer() > hi) {
      bad(*v, std::string(key) + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
      return def;
    }
    return v->as_integer();
  }
  bool boolean(const toml::value& table, const char* key, bool def) {
    const auto* v = get(table, key, false, table);
    if (!v) return def;
    if (!v->is_boolean()) {
      bad(*v, std::string(key) + " must be true or false");
      return def;
    }
    return v->as_boolean();
  }
  // Money or a rate: "12.50" (string, exact), 12.5 (float), 12 (integer). Result in 10^-scale.
  std::int64_t amount(const toml::value& table, const char* key, int scale, std::int64_t def) {
    const auto* v = get(table, key, false, table);
    if (!v) return def;
    std::int64_t out = 0;
    std::int64_t mul = 1;
    for (int i = 0; i < scale; ++i) mul *= 10;
    if (v->is_string() && parse_decimal(v->as_string().str, scale, out) && out >= 0) return out;
    if (v->is_integer() && v->as_integer() >= 0) return v->as_integer() * mul;
    if (v->is_floating() && v->as_floating() >= 0) {
      double d = v->as_floating() * static_cast<double>(mul);
      return static_cast<std::int64_t>(d + 0.5);
    }
    bad(*v, std::string(key) + " must be a non-negative amount such as \"12.50\" (at most " +
                std::to_string(scale) + " decimals)");
    return def;
  }
  codec::date date(const toml::value& table, const char* key, bool required) {
    const auto* v = get(table, key, required, table);
    if (!v) return {};
    if (v->is_local_date()) {
      const auto& d = v->as_local_date();
      codec::date out{static_cast<std::int16_t>(d.year), static_cast<std::uint8_t>(d.month + 1),
                      static_cast<std::uint8_t>(d.day)};
      return out;
    }
    if (v->is_string()) {
      if (v->as_string().str.empty() && !required) return {};
      if (auto d = codec::parse_date(v->as_string().str)) return *d;
    }
    bad(*v, std::string(key) + " must be a date (2025-01-01 or \"20250101\")");
    return {};
  }
};

void load_settings(const toml::value& root, plan& p, toml_reader& tr) {
  const toml::value empty_table = toml::table{};
  auto section = [&](const char* name, bool required) -> const toml::value& {
    const auto* v = tr.get(root, name, required, root);
    if (!v) return empty_table;
    if (!v->is_table()) {
      tr.bad(*v, std::string("[") + name + "] must be a table");
      return empty_table;
    }
    return *v;
  };
  const auto& pl = section("plan", true);
  p.id = tr.str(pl, "id", true, p.strings);
  p.name = tr.str(pl, "name", false, p.strings);
  p.version = static_cast<std::uint32_t>(tr.integer(pl, "version", 1, 1, 1000000));
  p.demo = tr.boolean(pl, "demo", false);
  p.bin = tr.str(pl, "bin", true, p.strings);
  if (!p.bin.empty() && (p.bin.size() != 6 || p.bin.find_first_not_of("0123456789") != std::string_view::npos))
    if (const auto* v = tr.get(pl, "bin", false, pl)) tr.bad(*v, "bin must be 6 digits");
  p.pcn = tr.str(pl, "pcn", false, p.strings);
  if (const auto* g = tr.get(pl, "groups", true, pl)) {
    if (!g->is_array() || g->as_array().empty()) {
      tr.bad(*g, "groups must be a non-empty array of strings");
    } else {
      for (const auto& e : g->as_array()) {
        if (!e.is_string()) tr.bad(e, "each group must be a string");
        else p.groups.push_back(p.strings.intern(e.as_string().str));
      }
    }
  }
  p.effective_from = tr.date(pl, "effective_from", true);
  p.effective_to = tr.date(pl, "effective_to", false);
  if (p.effective_to.valid() && p.effective_from.valid() && p.effective_to < p.effective_from)
    tr.bad(*tr.get(pl, "effective_to", false, pl), "effective_to is before effective_from");
  p.help_desk_phone = tr.str(pl, "help_desk_phone", false, p.strings);
  if (p.help_desk_phone.size() > 18)
    tr.bad(*tr.get(pl, "help_desk_phone", false, pl), "help_desk_phone has more than 18 characters (550-8F)");

  const auto& be = section("benefit", false);
  p.refill_threshold_pct = static_cast<int>(tr.integer(be, "refill_threshold_pct", 80, 1, 100));
  if (const auto* s = tr.get(be, "refill_override_scc", false, be)) {
    if (!s->is_array()) tr.bad(*s, "refill_override_scc must be an array of 420-DK codes");
    else
      for (const auto& e : s->as_array()) {
        if (!e.is_integer() || e.as_integer() < 1 || e.as_integer() > 99) tr.bad(e, "an SCC is a number from 1 to 99");
        else p.refill_override_scc.push_back(static_cast<int>(e.as_integer()));
      }
  }
  p.max_days_supply_retail = static_cast<int>(tr.integer(be, "max_days_supply_retail", 34, 1, 999));
  p.max_days_supply_mail = static_cast<int>(tr.integer(be, "max_days_supply_mail", 90, 1, 999));
  p.step_lookback_days = static_cast<int>(tr.integer(be, "step_lookback_days", 180, 1, 3650));
  p.timely_filing_days = static_cast<int>(tr.integer(be, "timely_filing_days", 90, 1, 3650));

  const auto& du = section("dur", false);
  p.dur_reject_severity = static_cast<int>(tr.integer(du, "reject_severity", 1, 0, 3));
  if (const auto* s = tr.get(du, "override_results", false, du)) {
    if (!s->is_array()) tr.bad(*s, "override_results must be an array of 441-E6 codes");
    else
      for (const auto& e : s->as_array()) {
        if (!e.is_string() || e.as_string().str.size() != 2) tr.bad(e, "a result of service code has 2 characters");
        else p.dur_override_results.push_back(p.strings.intern(e.as_string().str));
      }
  } else {
    for (const char* r : {"1A", "1B", "1C", "1D", "1E", "1F", "1G", "1H", "1K", "3C", "3D", "3E"})
      p.dur_override_results.push_back(r);
  }

  const auto& pr = section("pricing", true);
  auto basis = tr.str(pr, "basis", true, p.strings);
  if (basis == "awp") p.basis = pricing_basis::awp;
  else if (basis == "mac") p.basis = pricing_basis::mac;
  else if (basis == "wac") p.basis = pricing_basis::wac;
  else if (basis == "lowest") p.basis = pricing_basis::lowest;
  else if (!basis.empty()) tr.bad(*tr.get(pr, "basis", false, pr), "basis must be awp, mac, wac or lowest");
  p.awp_discount_bp = static_cast<int>(tr.amount(pr, "awp_discount_pct", 2, 0));
  p.wac_markup_bp = static_cast<int>(tr.amount(pr, "wac_markup_pct", 2, 0));
  if (p.awp_discount_bp > 10000) tr.bad(*tr.get(pr, "awp_discount_pct", false, pr), "awp_discount_pct is over 100");
  p.dispensing_fee = tr.amount(pr, "dispensing_fee", 2, 0);
  p.compound_fee = tr.amount(pr, "compound_fee", 2, 0);

  if (const auto* cs = tr.get(root, "copay", true, root)) {
    if (!cs->is_array()) {
      tr.bad(*cs, "copay must be an array of tables ([[copay]])");
    } else {
      for (const auto& c : cs->as_array()) {
        copay_rule r;
        r.tier = static_cast<int>(tr.integer(c, "tier", 0, 1, 9));
        if (!tr.get(c, "tier", true, c)) continue;
        bool has_flat = tr.get(c, "flat", false, c) != nullptr;
        bool has_rate = tr.get(c, "coinsurance_pct", false, c) != nullptr;
        if (has_flat == has_rate) tr.bad(c, "a copay has either flat or coinsurance_pct");
        r.coinsurance = has_rate;
        r.flat = tr.amount(c, "flat", 2, 0);
        r.rate_bp = static_cast<int>(tr.amount(c, "coinsurance_pct", 2, 0));
        if (r.rate_bp > 10000) tr.bad(c, "coinsurance_pct is over 100");
        r.minimum = tr.amount(c, "min", 2, 0);
        r.maximum = tr.amount(c, "max", 2, 0);
        if (r.maximum && r.maximum < r.minimum) tr.bad(c, "copay max is below min");
        if (p.copay_for_tier(r.tier)) tr.bad(c, "tier " + std::to_string(r.tier) + " has two copays");
        p.copays.push_back(r);
      }
    }
  }
}

// ---- tables ------------------------------------------------------------------------------------

void load_formulary(const fs::path& folder, const std::string& shown, plan& p, reporter& rep) {
  table t;
  if (!t.open(folder / "formulary.csv", shown + "/formulary.csv",
              {"ndc", "name", "therapeutic_class", "tier", "covered", "on_formulary", "pa_required",
               "pa_type", "quantity_limit", "quantity_limit_days", "max_days_supply", "min_age",
               "max_age", "gender", "specialty", "compoundable", "generic_ndc", "step_prerequisites",
               "preferred_alternatives", "awp_unit", "wac_unit", "mac_unit"},
              {"ndc", "name", "therapeutic_class", "tier"}, rep))
    return;
  cells c{t, rep, p.strings};
  std::vector<std::pair<std::size_t, csv_field>> refs;  // product -> generic/alternative cells to check
  while (t.next(rep)) {
    product d;
    auto ndc = c.at("ndc");
    d.ndc = c.str("ndc", true);
    if (!d.ndc.empty() && (d.ndc.size() != 11 || d.ndc.find_first_not_of("0123456789") != std::string_view::npos))
      rep.at(t.file, ndc.line, ndc.column, "ndc must be 11 digits, found \"" + std::string(ndc.value) + "\"");
    d.name = c.str("name", true);
    d.therapeutic_class = c.str("therapeutic_class", true);
    d.tier = c.integer("tier", 0, 0, 9);
    d.covered = c.flag("covered", true);
    d.on_formulary = c.flag("on_formulary", d.tier != 0);
    d.pa_required = c.flag("pa_required", false);
    d.pa_type = c.str("pa_type");
    if (d.pa_required && d.pa_type.empty()) d.pa_type = "1";
    d.quantity_limit = c.decimal("quantity_limit", 3);
    d.quantity_limit_days = c.integer("quantity_limit_days", 0, 0, 366);
    if (d.quantity_limit && !d.quantity_limit_days) {
      auto q = c.at("quantity_limit");
      rep.at(t.file, q.line, q.column, "quantity_limit needs quantity_limit_days");
    }
    d.max_days_supply = c.integer("max_days_supply", 0, 0, 999);
    d.min_age = c.integer("min_age", 0, 0, 150);
    d.max_age = c.integer("max_age", 0, 0, 150);
    d.gender = c.gender("gender");
    d.specialty = c.flag("specialty", false);
    d.compoundable = c.flag("compoundable", false);
    d.generic_ndc = c.str("generic_ndc");
    d.step_prerequisites = c.list("step_prerequisites");
    d.preferred = c.list("preferred_alternatives");
    d.awp_unit = c.decimal("awp_unit", 5);
    d.wac_unit = c.decimal("wac_unit", 5);
    d.mac_unit = c.decimal("mac_unit", 5);
    if (d.covered && !d.awp_unit && !d.wac_unit && !d.mac_unit)
      rep.at(t.file, ndc.line, 1, "product " + std::string(d.ndc) + " is covered but has no unit price");
    if (d.tier != 0 && !p.copay_for_tier(d.tier)) {
      auto tc = c.at("tier");
      rep.at(t.file, tc.line, tc.column, "tier " + std::to_string(d.tier) + " has no [[copay]] in plan.toml");
    }
    if (!d.ndc.empty() && !p.product_index.insert(d.ndc, static_cast<std::uint32_t>(p.products.size()),
                                                  [&p](std::uint32_t i) { return p.products[i].ndc; })) {
      rep.at(t.file, ndc.line, ndc.column, "duplicate ndc " + std::string(d.ndc));
      continue;
    }
    if (d.ndc.empty()) continue;
    if (!d.generic_ndc.empty()) refs.emplace_back(p.products.size(), c.at("generic_ndc"));
    if (!d.preferred.empty()) refs.emplace_back(p.products.size(), c.at("preferred_alternatives"));
    p.products.push_back(std::move(d));
  }
  for (auto& d : p.products) inline_views(d.ndc_inline, {&d.ndc});
  // References must name products of this formulary.
  for (auto& [idx, cell] : refs) {
    for (auto ndc : split_list(cell.value, p.strings))
      if (!p.find_product(ndc))
        rep.at(t.file, cell.line, cell.column, "unknown product " + std::string(ndc) + " referenced");
  }
}

void load_members(const fs::path& folder, const std::string& shown, plan& p, reporter& rep) {
  table t;
  if (!t.open(folder / "members.csv", shown + "/members.csv",
              {"cardholder_id", "person_code", "first_name", "last_name", "date_of_birth", "gender",
               "relationship", "group_id", "coverage_from", "coverage_to", "terminated_on",
               "other_bin", "other_pcn", "other_group", "other_cardholder_id", "other_person_code",
               "other_help_desk_phone", "allergy_classes"},
              {"cardholder_id", "person_code", "date_of_birth", "group_id", "coverage_from"}, rep))
    return;
  cells c{t, rep, p.strings};
  std::vector<std::uint32_t> lines;
  while (t.next(rep)) {
    member m;
    m.cardholder_id = c.str("cardholder_id", true);
    m.person_code = c.str("person_code", true);
    m.first_name = c.str("first_name");
    m.last_name = c.str("last_name");
    m.date_of_birth = c.date("date_of_birth", true);
    m.gender = c.gender("gender");
    m.relationship = c.integer("relationship", 1, 0, 4);
    m.group = c.str("group_id", true);
    if (!m.group.empty() && std::find(p.groups.begin(), p.groups.end(), m.group) == p.groups.end()) {
      auto g = c.at("group_id");
      rep.at(t.file, g.line, g.column, "group " + std::string(m.group) + " is not one of the plan's groups");
    }
    m.coverage_from = c.date("coverage_from", true);
    m.coverage_to = c.date("coverage_to");
    m.terminated_on = c.date("terminated_on");
    auto obin = c.str("other_bin");
    if (!obin.empty()) {
      other_coverage o{obin, c.str("other_pcn"), c.str("other_group"), c.str("other_cardholder_id"),
                       c.str("other_person_code"), c.str("other_help_desk_phone")};
      m.other_coverage_index = static_cast<int>(p.other_coverages.size());
      p.other_coverages.push_back(o);
    }
    m.allergy_classes = c.list("allergy_classes");
    lines.push_back(c.at("cardholder_id").line);
    p.members.push_back(std::move(m));
  }
  // Sort so that the persons of one cardholder are adjacent, then index the first of each.
  std::vector<std::uint32_t> order(p.members.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto& x = p.members[a];
    const auto& y = p.members[b];
    return x.cardholder_id != y.cardholder_id ? x.cardholder_id < y.cardholder_id : x.person_code < y.person_code;
  });
  std::vector<member, huge_page_allocator<member>> sorted;
  sorted.reserve(p.members.size());
  for (auto i : order) sorted.push_back(std::move(p.members[i]));
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i].cardholder_id == sorted[i - 1].cardholder_id && sorted[i].person_code == sorted[i - 1].person_code)
      rep.at(t.file, lines[order[i]], 1,
             "duplicate member (cardholder_id, person_code); first at line " + std::to_string(lines[order[i - 1]]));
  p.members = std::move(sorted);
  for (auto& m : p.members) inline_views(m.key_inline, {&m.cardholder_id, &m.person_code, &m.group});
  p.cardholder_index.reserve(p.members.size());
  for (std::uint32_t i = 0; i < p.members.size(); ++i)
    if (p.cardholder_index.insert(p.members[i].cardholder_id, i, [&p](std::uint32_t r) { return p.members[r].cardholder_id; }))
      p.cardholder_first.push_back(i);
}

void load_pharmacies(const fs::path& folder, const std::string& shown, plan& p, reporter& rep) {
  table t;
  if (!t.open(folder / "pharmacies.csv", shown + "/pharmacies.csv",
              {"npi", "name", "in_network", "specialty", "mail_order"}, {"npi", "in_network"}, rep))
    return;
  cells c{t, rep, p.strings};
  while (t.next(rep)) {
    pharmacy ph;
    auto npi = c.at("npi");
    ph.npi = c.str("npi", true);
    if (!ph.npi.empty() && (ph.npi.size() != 10 || ph.npi.find_first_not_of("0123456789") != std::string_view::npos))
      rep.at(t.file, npi.line, npi.column, "npi must be 10 digits");
    ph.name = c.str("name");
    ph.in_network = c.flag("in_network", true);
    ph.specialty = c.flag("specialty", false);
    ph.mail_order = c.flag("mail_order", false);
    if (ph.npi.empty()) continue;
    if (!p.pharmacy_index.insert(ph.npi, static_cast<std::uint32_t>(p.pharmacies.size()),
                                 [&p](std::uint32_t i) { return p.pharmacies[i].npi; })) {
      rep.at(t.file, npi.line, npi.column, "duplicate npi " + std::string(ph.npi));
      continue;
    }
    p.pharmacies.push_back(ph);
  }
}

void load_dur(const fs::path& folder, const std::string& shown, plan& p, reporter& rep) {
  if (!fs::exists(folder / "dur.csv")) return;  // a plan may run without DUR knowledge
  table t;
  if (!t.open(folder / "dur.csv", shown + "/dur.csv",
              {"kind", "subject", "other", "severity", "max_daily_dose", "text"}, {"kind", "subject"}, rep))
    return;
  cells c{t, rep, p.strings};
  while (t.next(rep)) {
    auto kind = c.at("kind");
    int severity = c.integer("severity", 2, 1, 3);
    if (kind.value == "interaction") {
      interaction i{c.str("subject", true), c.str("other", true), severity, c.str("text")};
      p.interactions.push_back(i);
    } else if (kind.value == "duplicate_therapy") {
      p.duplicates.push_back({c.str("subject", true), severity});
    } else if (kind.value == "max_daily_dose") {
      dose_limit d{c.str("subject", true), c.decimal("max_daily_dose", 3), severity};
      auto s = c.at("subject");
      if (!d.max_daily) {
        auto m = c.at("max_daily_dose");
        rep.at(t.file, m.line, m.column, "max_daily_dose is required for kind max_daily_dose");
      } else if (!d.ndc.empty() && !p.find_product(d.ndc)) {
        rep.at(t.file, s.line, s.column, "unknown product " + std::string(d.ndc));
      } else if (!d.ndc.empty()) {
        if (!p.dose_index.insert(d.ndc, static_cast<std::uint32_t>(p.dose_limits.size()),
                                 [&p](std::uint32_t i) { return p.dose_limits[i].ndc; }))
          rep.at(t.file, s.line, s.column, "second max_daily_dose for " + std::string(d.ndc));
        else p.dose_limits.push_back(d);
      }
    } else {
      rep.at(t.file, kind.line, kind.column,
             "kind must be interaction, duplicate_therapy or max_daily_dose, found \"" + std::string(kind.value) + "\"");
    }
  }
}

}  // namespace

std::unique_ptr<plan> load_plan_folder(const fs::path& folder, std::vector<std::string>& problems) {
  reporter rep{problems};
  auto p = std::make_unique<plan>();
  std::string shown = folder.filename().string();
  p->folder = p->strings.intern(shown);
  const std::string toml_file = shown + "/plan.toml";
  toml_reader tr{toml_file, rep};
  try {
    auto root = toml::parse(folder / "plan.toml");
    load_settings(root, *p, tr);
  } catch (const toml::syntax_error& e) {
    auto loc = e.location();
    // toml11 puts a multi-line explanation in what(); keep its first line.
    std::string what = e.what();
    auto nl = what.find('\n');
    rep.at(toml_file, loc.line(), loc.column(), "TOML syntax error: " + what.substr(0, nl));
    return nullptr;
  } catch (const std::exception& e) {
    std::string what = e.what();
    rep.at(toml_file, 1, 1, what.substr(0, what.find('\n')));
    return nullptr;
  }
  load_formulary(folder, shown, *p, rep);
  load_members(folder, shown, *p, rep);
  load_pharmacies(folder, shown, *p, rep);
  load_dur(folder, shown, *p, rep);
  if (rep.failed()) return nullptr;
  p->index_classes();
  return p;
}

std::shared_ptr<const plan_set> load_plans(const fs::path& dir) {
  std::vector<std::string> problems;
  std::vector<std::unique_ptr<plan>> plans;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw plan_error({dir.string() + ":1:1: not a folder of plans"});
  std::vector<fs::path> folders;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && fs::exists(e.path() / "plan.toml")) folders.push_back(e.path());
  std::sort(folders.begin(), folders.end());
  if (folders.empty()) throw plan_error({dir.string() + ":1:1: no plan folder (a folder with plan.toml) found"});
  for (const auto& f : folders)
    if (auto p = load_plan_folder(f, problems)) plans.push_back(std::move(p));
  if (!problems.empty()) throw plan_error(std::move(problems));
  return std::make_shared<const plan_set>(std::move(plans));
}

std::string describe(const plan_set& plans) {
  std::string out;
  for (const auto& p : plans.plans()) {
    out += std::string(p->id) + " v" + std::to_string(p->version) + " (" + std::string(p->folder) + ")";
    if (p->demo) out += " [synthetic demo]";
    out += ": BIN " + std::string(p->bin) + " PCN " + std::string(p->pcn) + " groups";
    for (auto g : p->groups) out += " " + std::string(g);
    out += ", " + date_text(p->effective_from) + ".." + date_text(p->effective_to);
    out += ", " + std::to_string(p->products.size()) + " products, " + std::to_string(p->members.size()) +
           " members, " + std::to_string(p->pharmacies.size()) + " pharmacies, " +
           std::to_string(p->interactions.size() + p->duplicates.size() + p->dose_limits.size()) +
           " DUR rules\n";
  }
  return out;
}

}  // namespace rxgate::rules
