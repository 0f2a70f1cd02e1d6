// plan.toml through toml11: the [plan], [benefit], [dur], [pricing] and [[copay]] settings. The
// only file of rules/ that sees toml11.
#include <algorithm>

#include <toml.hpp>

#include "rules/plan_load_support.h"

namespace rxgate::rules::loading {

namespace {

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

// Keys a table may hold; any other is reported at its line (a typo would otherwise silently
// leave the default in force).
void only_known_keys(const toml::value& table, std::initializer_list<std::string_view> known,
                     const std::string& where, toml_reader& tr) {
  if (!table.is_table()) return;
  std::vector<std::pair<std::size_t, std::string>> unknown;  // (line, message)
  std::vector<const toml::value*> values;
  for (const auto& [key, value] : table.as_table()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    unknown.emplace_back(value.location().line(), "unknown key \"" + key + "\" in " + where + " (known: " + list + ")");
    values.push_back(&value);
  }
  std::vector<std::size_t> order(unknown.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return unknown[x] < unknown[y]; });
  for (auto i : order) tr.bad(*values[i], unknown[i].second);
}

const toml::value& section(const toml::value& root, const char* name, bool required, toml_reader& tr) {
  static const toml::value empty_table = toml::table{};
  const auto* v = tr.get(root, name, required, root);
  if (!v) return empty_table;
  if (!v->is_table()) {
    tr.bad(*v, std::string("[") + name + "] must be a table");
    return empty_table;
  }
  return *v;
}

void read_plan(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  const auto& pl = section(root, "plan", true, tr);
  only_known_keys(pl, {"id", "name", "version", "demo", "bin", "pcn", "groups", "effective_from", "effective_to",
                       "help_desk_phone"}, "[plan]", tr);
  p.id = tr.str(pl, "id", true, p.strings);
  p.name = tr.str(pl, "name", false, p.strings);
  p.version = static_cast<std::uint32_t>(tr.integer(pl, "version", 1, 1, 1000000));
  p.demo = tr.boolean(pl, "demo", false);
  p.bin = tr.str(pl, "bin", true, p.strings);
  if (!p.bin.empty() && (p.bin.size() != 6 || p.bin.find_first_not_of("0123456789") != std::string_view::npos))
    if (const auto* v = tr.get(pl, "bin", false, pl)) tr.bad(*v, "bin must be 6 digits");
  p.pcn = tr.str(pl, "pcn", false, p.strings);
  out.groups_usable = false;
  if (const auto* g = tr.get(pl, "groups", true, pl)) {
    if (!g->is_array() || g->as_array().empty()) {
      tr.bad(*g, "groups must be a non-empty array of strings, such as [\"GROUP1\"]");
    } else {
      out.groups_usable = true;
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
}

void read_benefit(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& be = section(root, "benefit", false, tr);
  only_known_keys(be, {"refill_threshold_pct", "refill_override_scc", "max_days_supply_retail", "max_days_supply_mail",
                       "step_lookback_days", "timely_filing_days"}, "[benefit]", tr);
  p.refill_threshold_pct = static_cast<int>(tr.integer(be, "refill_threshold_pct", 80, 1, 100));
  if (const auto* s = tr.get(be, "refill_override_scc", false, be)) {
    if (!s->is_array()) tr.bad(*s, "refill_override_scc must be an array of 420-DK codes, such as [3, 4]");
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
}

void read_dur(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& du = section(root, "dur", false, tr);
  only_known_keys(du, {"reject_severity", "override_results"}, "[dur]", tr);
  p.dur_reject_severity = static_cast<int>(tr.integer(du, "reject_severity", 1, 0, 3));
  if (const auto* s = tr.get(du, "override_results", false, du)) {
    if (!s->is_array()) tr.bad(*s, "override_results must be an array of 441-E6 codes, such as [\"1A\", \"1B\"]");
    else
      for (const auto& e : s->as_array()) {
        if (!e.is_string() || e.as_string().str.size() != 2) tr.bad(e, "a result of service code has 2 characters");
        else p.dur_override_results.push_back(p.strings.intern(e.as_string().str));
      }
  } else {
    for (const char* r : {"1A", "1B", "1C", "1D", "1E", "1F", "1G", "1H", "1K", "3C", "3D", "3E"})
      p.dur_override_results.push_back(r);
  }
}

void read_pricing(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& pr = section(root, "pricing", true, tr);
  only_known_keys(pr, {"basis", "awp_discount_pct", "wac_markup_pct", "dispensing_fee", "compound_fee"}, "[pricing]", tr);
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
}

void read_copays(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  const auto* cs = tr.get(root, "copay", true, root);
  out.copays_usable = false;
  if (!cs) return;
  if (!cs->is_array()) {
    tr.bad(*cs, "copay must be an array of tables ([[copay]])");
    return;
  }
  out.copays_usable = true;
  for (const auto& c : cs->as_array()) {
    if (!c.is_table()) {
      tr.bad(c, "each copay must be a table ([[copay]] with tier = ...)");
      out.copays_usable = false;
      continue;
    }
    only_known_keys(c, {"tier", "flat", "coinsurance_pct", "min", "max"}, "[[copay]]", tr);
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

void read_settings(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  only_known_keys(root, {"plan", "benefit", "dur", "pricing", "copay"}, "plan.toml", tr);
  read_plan(root, p, tr, out);
  read_benefit(root, p, tr);
  read_dur(root, p, tr);
  read_pricing(root, p, tr);
  read_copays(root, p, tr, out);
}

}  // namespace

settings_outcome load_settings(const std::filesystem::path& file, const std::string& shown, plan& p, reporter& rep) {
  settings_outcome out;
  toml_reader tr{shown, rep};
  try {
    auto root = toml::parse(file);
    read_settings(root, p, tr, out);
  } catch (const toml::syntax_error& e) {
    auto loc = e.location();
    // toml11 puts a multi-line explanation in what(); keep its first line.
    std::string what = e.what();
    auto nl = what.find('\n');
    rep.at(shown, loc.line(), loc.column(), "TOML syntax error: " + what.substr(0, nl));
    return out;
  } catch (const std::exception& e) {
    std::string what = e.what();
    rep.at(shown, 1, 1, what.substr(0, what.find('\n')));
    return out;
  }
  out.parsed = true;
  return out;
}

}  // namespace rxgate::rules::loading
