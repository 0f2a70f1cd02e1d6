// plan.toml through toml11: the [plan], [benefit], [dur], [pricing], [compound], [transition],
// [emergency], [[copay]], [[network]], [[group]], [daw], [refill_threshold_by_schedule],
// [accumulators] and [cob] settings. The only file of rules/ that sees toml11.
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
  // One of `options` (string literals, so the view outlives the file), else an error and `def`.
  std::string_view choice(const toml::value& table, const char* key, std::initializer_list<std::string_view> options,
                          std::string_view def) {
    const auto* v = get(table, key, false, table);
    if (!v) return def;
    std::string list;
    for (auto o : options) {
      if (v->is_string() && v->as_string().str == o) return o;
      list += (list.empty() ? "" : ", ") + std::string(o);
    }
    bad(*v, std::string(key) + " must be one of " + list);
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

// 524-FO is x(8) of printable ASCII. Without the key the id stands in, upper-cased, when it fits;
// a longer id is not cut (two plans could then share a wire ID): 524-FO is left out instead.
void read_wire_plan_id(const toml::value& pl, plan& p, toml_reader& tr) {
  constexpr std::size_t width = 8;
  if (const auto* v = tr.get(pl, "wire_plan_id", false, pl)) {
    const std::string_view id = tr.str(pl, "wire_plan_id", false, p.strings);
    const bool printable = std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c <= '~'; });
    if (id.empty() || id.size() > width || !printable)
      tr.bad(*v, "wire_plan_id must be 1 to 8 printable characters without blanks (524-FO Plan ID)");
    p.wire_plan_id = id;
    return;
  }
  if (p.id.empty() || p.id.size() > width) return;
  std::string upper(p.id);
  for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  p.wire_plan_id = p.strings.intern(upper);
}

void read_plan(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  const auto& pl = section(root, "plan", true, tr);
  only_known_keys(pl, {"id", "name", "version", "demo", "bin", "pcn", "groups", "effective_from", "effective_to",
                       "help_desk_phone", "wire_plan_id"}, "[plan]", tr);
  p.id = tr.str(pl, "id", true, p.strings);
  p.name = tr.str(pl, "name", false, p.strings);
  p.version = static_cast<std::uint32_t>(tr.integer(pl, "version", 1, 1, 1000000));
  p.demo = tr.boolean(pl, "demo", false);
  p.bin = tr.str(pl, "bin", true, p.strings);
  // A 6-digit BIN reaches the plan in D.0 and in F6 (left-justified in F6's 8-character 101-A1); an
  // 8-digit IIN only in F6, whose header is the only one wide enough to carry it.
  if (!p.bin.empty() && ((p.bin.size() != 6 && p.bin.size() != 8) ||
                         p.bin.find_first_not_of("0123456789") != std::string_view::npos))
    if (const auto* v = tr.get(pl, "bin", false, pl))
      tr.bad(*v, "bin must be a 6-digit BIN or an 8-digit IIN (101-A1)");
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
  read_wire_plan_id(pl, p, tr);
}

void read_benefit(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  const auto& be = section(root, "benefit", false, tr);
  only_known_keys(be, {"refill_threshold_pct", "refill_override_scc", "max_days_supply_retail", "max_days_supply_mail",
                       "step_lookback_days", "timely_filing_days", "specialty_pharmacy", "specialty_reject_code",
                       "retail_days_supply_reject_code"}, "[benefit]", tr);
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
  p.specialty_pharmacy_npi = tr.str(be, "specialty_pharmacy", false, p.strings);
  if (const auto* v = tr.get(be, "specialty_pharmacy", false, be)) out.specialty_pharmacy_line = v->location().line();
  p.specialty_reject_code = tr.choice(be, "specialty_reject_code", {"G6", "4W"}, "G6");
  p.retail_days_supply_reject_code = tr.choice(be, "retail_days_supply_reject_code", {"7X", "G9"}, "7X");
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

// The pricing keys of [pricing] or of a [[network]]; keys left out keep `terms` as they are.
void read_pricing_terms(const toml::value& t, bool basis_required, pricing_terms& terms, plan& p, toml_reader& tr) {
  auto basis = tr.str(t, "basis", basis_required, p.strings);
  if (basis == "awp") terms.basis = pricing_basis::awp;
  else if (basis == "mac") terms.basis = pricing_basis::mac;
  else if (basis == "wac") terms.basis = pricing_basis::wac;
  else if (basis == "lowest") terms.basis = pricing_basis::lowest;
  else if (!basis.empty()) tr.bad(*tr.get(t, "basis", false, t), "basis must be awp, mac, wac or lowest");
  terms.awp_discount_bp = static_cast<int>(tr.amount(t, "awp_discount_pct", 2, terms.awp_discount_bp));
  terms.wac_markup_bp = static_cast<int>(tr.amount(t, "wac_markup_pct", 2, terms.wac_markup_bp));
  if (terms.awp_discount_bp > 10000) tr.bad(*tr.get(t, "awp_discount_pct", false, t), "awp_discount_pct is over 100");
  terms.dispensing_fee = tr.amount(t, "dispensing_fee", 2, terms.dispensing_fee);
  terms.compound_fee = tr.amount(t, "compound_fee", 2, terms.compound_fee);
}

// [refill_threshold_by_schedule]: DEA schedule ("2") -> refill-too-soon percent for the drugs of
// that schedule (formulary.csv dea_schedule).
void read_schedule_thresholds(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& th = section(root, "refill_threshold_by_schedule", false, tr);
  only_known_keys(th, {"1", "2", "3", "4", "5"}, "[refill_threshold_by_schedule] (DEA schedules)", tr);
  for (std::size_t schedule = 1; schedule < p.refill_threshold_by_schedule.size(); ++schedule) {
    const auto key = std::to_string(schedule);
    p.refill_threshold_by_schedule[schedule] = static_cast<std::uint8_t>(tr.integer(th, key.c_str(), 0, 1, 100));
  }
}

// [daw]: 408-D8 code ("0".."9") -> what the plan does with a multi-source brand, and whose cost
// share a brand penalty is added to.
void read_daw(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& dw = section(root, "daw", false, tr);
  only_known_keys(dw, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "penalty_cost_share"}, "[daw]", tr);
  constexpr daw_action actions[] = {daw_action::brand, daw_action::penalty, daw_action::generic_price,
                                    daw_action::generic_required, daw_action::prior_auth, daw_action::not_supported};
  for (std::size_t code = 0; code < p.daw.size(); ++code) {
    const auto key = std::to_string(code);
    const auto* v = tr.get(dw, key.c_str(), false, dw);
    if (!v) continue;
    const auto* found = v->is_string() ? std::find_if(std::begin(actions), std::end(actions), [&](daw_action a) {
      return to_string(a) == v->as_string().str;
    }) : std::end(actions);
    if (found == std::end(actions))
      tr.bad(*v, "DAW " + key + " must be one of brand, penalty, generic_price, generic_required, prior_auth, not_supported");
    else
      p.daw[code] = *found;
  }
  if (const auto* v = tr.get(dw, "penalty_cost_share", false, dw)) {
    if (v->is_string() && v->as_string().str == "generic") p.daw_penalty_share = penalty_share::generic;
    else if (v->is_string() && v->as_string().str == "brand") p.daw_penalty_share = penalty_share::brand;
    else tr.bad(*v, "penalty_cost_share must be \"generic\" or \"brand\"");
  }
}

void read_pricing(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& pr = section(root, "pricing", true, tr);
  only_known_keys(pr, {"basis", "awp_discount_pct", "wac_markup_pct", "dispensing_fee", "compound_fee"}, "[pricing]", tr);
  pricing_terms terms;
  read_pricing_terms(pr, true, terms, p, tr);
  p.basis = terms.basis;
  p.awp_discount_bp = terms.awp_discount_bp;
  p.wac_markup_bp = terms.wac_markup_bp;
  p.dispensing_fee = terms.dispensing_fee;
  p.compound_fee = terms.compound_fee;
}

void read_compound(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& co = section(root, "compound", false, tr);
  only_known_keys(co, {"pay_approved_ingredients", "cost_cap", "pa_threshold"}, "[compound]", tr);
  p.compound.pay_approved_ingredients = tr.boolean(co, "pay_approved_ingredients", false);
  p.compound.cost_cap = tr.amount(co, "cost_cap", 2, 0);
  p.compound.pa_threshold = tr.amount(co, "pa_threshold", 2, 0);
  // A PA threshold at or above the cap could never be reached: every such compound rejects 78 first.
  if (p.compound.cost_cap && p.compound.pa_threshold >= p.compound.cost_cap)
    tr.bad(*tr.get(co, "pa_threshold", false, co), "pa_threshold must be below cost_cap (a compound over the cap rejects 78 whatever its PA)");
}

void read_fill_policy(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& tn = section(root, "transition", false, tr);
  only_known_keys(tn, {"window_days", "days_supply"}, "[transition]", tr);
  p.fills.transition_window_days = static_cast<int>(tr.integer(tn, "window_days", 0, 0, 365));
  p.fills.transition_days_supply = static_cast<int>(tr.integer(tn, "days_supply", 30, 1, 999));
  const auto& em = section(root, "emergency", false, tr);
  only_known_keys(em, {"days_supply"}, "[emergency]", tr);
  p.fills.emergency_days_supply = static_cast<int>(tr.integer(em, "days_supply", 0, 0, 999));
}

// A list of copay rules by tier: [[copay]], or the `copay` of a network, band or group (`where`
// names it in messages). False when the list itself is unusable (not an array of tables).
bool read_copay_list(const toml::value& v, const std::string& where, std::vector<copay_rule>& rules, toml_reader& tr) {
  if (!v.is_array()) {
    tr.bad(v, "copay must be an array of tables (" + where + " with tier = ...)");
    return false;
  }
  bool usable = true;
  for (const auto& c : v.as_array()) {
    if (!c.is_table()) {
      tr.bad(c, "each copay must be a table ([[copay]] with tier = ...)");
      usable = false;
      continue;
    }
    only_known_keys(c, {"tier", "flat", "coinsurance_pct", "min", "max"}, where, tr);
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
    if (std::any_of(rules.begin(), rules.end(), [&](const copay_rule& x) { return x.tier == r.tier; }))
      tr.bad(c, "tier " + std::to_string(r.tier) + " has two copays in " + where);
    rules.push_back(r);
  }
  return usable;
}

void read_copays(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  const auto* cs = tr.get(root, "copay", true, root);
  out.copays_usable = cs && read_copay_list(*cs, "[[copay]]", p.copays, tr);
}

// The array of tables `key` of `root` ([[network]], [[group]], [[network.copay_band]]); empty
// when absent, one error when it is not an array of tables.
std::vector<const toml::value*> tables_of(const toml::value& root, const char* key, const std::string& shown,
                                          toml_reader& tr) {
  std::vector<const toml::value*> out;
  const auto* v = tr.get(root, key, false, root);
  if (!v) return out;
  if (!v->is_array()) {
    tr.bad(*v, std::string(key) + " must be an array of tables (" + shown + ")");
    return out;
  }
  for (const auto& t : v->as_array()) {
    if (t.is_table()) out.push_back(&t);
    else tr.bad(t, std::string("each ") + key + " must be a table (" + shown + ")");
  }
  return out;
}

// [[network.copay_band]]: days-supply bands, checked to run from day 1 without overlap or gap
// (whether they reach the network's maximum is checked once pharmacies and groups are resolved).
void read_bands(const toml::value& nt, network& n, settings_outcome::network_source& src, toml_reader& tr) {
  std::vector<std::pair<copay_band, const toml::value*>> bands;
  for (const auto* b : tables_of(nt, "copay_band", "[[network.copay_band]]", tr)) {
    only_known_keys(*b, {"from_days", "to_days", "multiplier", "copay"}, "[[network.copay_band]]", tr);
    copay_band band;
    band.from_days = static_cast<int>(tr.integer(*b, "from_days", 0, 1, 999));
    band.to_days = static_cast<int>(tr.integer(*b, "to_days", 0, 1, 999));
    if (!tr.get(*b, "from_days", true, *b) || !tr.get(*b, "to_days", true, *b)) continue;
    if (band.to_days < band.from_days) {
      tr.bad(*b, "copay band to_days " + std::to_string(band.to_days) + " is before from_days " +
                     std::to_string(band.from_days));
      continue;
    }
    band.multiplier_pct = static_cast<int>(tr.amount(*b, "multiplier", 2, 100));
    if (band.multiplier_pct == 0 || band.multiplier_pct > 10000)
      tr.bad(*tr.get(*b, "multiplier", false, *b), "multiplier must be above 0 and at most 100");
    if (const auto* c = tr.get(*b, "copay", false, *b)) read_copay_list(*c, "copay of [[network.copay_band]]", band.copays, tr);
    bands.emplace_back(std::move(band), b);
  }
  std::stable_sort(bands.begin(), bands.end(),
                   [](const auto& x, const auto& y) { return x.first.from_days < y.first.from_days; });
  int next = 1;  // the first day the bands so far leave uncovered
  for (auto& [band, at] : bands) {
    if (band.from_days > next)
      tr.bad(*at, "copay bands leave " +
                      (band.from_days - 1 == next ? "day " + std::to_string(next)
                                                  : "days " + std::to_string(next) + "-" + std::to_string(band.from_days - 1)) +
                      " of network " + std::string(n.name) + " without a band");
    else if (band.from_days < next)
      tr.bad(*at, "copay band " + std::to_string(band.from_days) + "-" + std::to_string(band.to_days) +
                      " overlaps the band before it (network " + std::string(n.name) + ")");
    next = std::max(next, band.to_days + 1);
    src.last_band_line = at->location().line();
    n.bands.push_back(std::move(band));
  }
}

void read_networks(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  for (const auto* t : tables_of(root, "network", "[[network]]", tr)) {
    only_known_keys(*t, {"name", "channel", "max_days_supply", "basis", "awp_discount_pct", "wac_markup_pct",
                         "dispensing_fee", "compound_fee", "mac_list", "copay", "copay_band"}, "[[network]]", tr);
    network n;
    n.declared = true;
    n.name = tr.str(*t, "name", true, p.strings);
    auto kind = tr.choice(*t, "channel", {"retail", "mail", "specialty"}, "retail");
    if (!tr.get(*t, "channel", true, *t)) continue;
    n.kind = kind == "mail" ? channel::mail : kind == "specialty" ? channel::specialty : channel::retail;
    if (!n.name.empty() && p.find_network(n.name)) tr.bad(*t, "network " + std::string(n.name) + " is declared twice");
    if ((n.name == "retail" || n.name == "mail") && to_string(n.kind) != n.name)
      tr.bad(*t, "network " + std::string(n.name) + " must have channel \"" + std::string(n.name) +
                     "\" (pharmacies without a network column fall back to it)");
    n.max_days_supply = static_cast<int>(tr.integer(*t, "max_days_supply", 0, 1, 999));
    n.pricing = p.plan_pricing();
    read_pricing_terms(*t, false, n.pricing, p, tr);
    n.mac_list = tr.str(*t, "mac_list", false, p.strings);
    settings_outcome::network_source src;
    src.line = t->location().line();
    if (const auto* m = tr.get(*t, "mac_list", false, *t)) src.mac_list_line = m->location().line();
    if (const auto* c = tr.get(*t, "copay", false, *t)) read_copay_list(*c, "copay of [[network]]", n.copays, tr);
    read_bands(*t, n, src, tr);
    if (n.name.empty()) continue;
    p.networks.push_back(std::move(n));
    out.networks.push_back(src);
  }
}

// A COB method by its plan.toml name, `def` when absent; anything else is an error at its line.
cob_method read_cob_method(const toml::value& t, const char* key, cob_method def, toml_reader& tr) {
  const auto name = tr.choice(t, key, {"standard", "non_duplication", "carve_out"}, to_string(def));
  return name == "carve_out" ? cob_method::carve_out
         : name == "non_duplication" ? cob_method::non_duplication
                                     : cob_method::standard;
}

void read_groups(const toml::value& root, plan& p, toml_reader& tr, const settings_outcome& out) {
  for (const auto* t : tables_of(root, "group", "[[group]]", tr)) {
    only_known_keys(*t, {"id", "max_days_supply_retail", "max_days_supply_mail", "copay", "cob_method"}, "[[group]]", tr);
    group_benefit g;
    g.id = tr.str(*t, "id", true, p.strings);
    if (g.id.empty()) continue;
    if (out.groups_usable && std::find(p.groups.begin(), p.groups.end(), g.id) == p.groups.end())
      tr.bad(*tr.get(*t, "id", false, *t), "group " + std::string(g.id) + " is not one of the plan's groups");
    if (p.find_group_benefit(g.id)) tr.bad(*t, "group " + std::string(g.id) + " has two [[group]] tables");
    g.max_days_supply_retail = static_cast<int>(tr.integer(*t, "max_days_supply_retail", 0, 1, 999));
    g.max_days_supply_mail = static_cast<int>(tr.integer(*t, "max_days_supply_mail", 0, 1, 999));
    if (const auto* c = tr.get(*t, "copay", false, *t)) read_copay_list(*c, "copay of [[group]]", g.copays, tr);
    if (tr.get(*t, "cob_method", false, *t)) g.cob = read_cob_method(*t, "cob_method", cob_method::standard, tr);
    p.group_benefits.push_back(std::move(g));
  }
}

// One of `options` (index), or `def` when the key is absent; anything else is an error at its line.
int choice(const toml::value& table, const char* key, std::initializer_list<std::string_view> options, int def,
           toml_reader& tr) {
  const auto* v = tr.get(table, key, false, table);
  if (!v) return def;
  int i = 0;
  if (v->is_string())
    for (auto o : options) {
      if (v->as_string().str == o) return i;
      ++i;
    }
  std::string list;
  for (auto o : options) list += (list.empty() ? "\"" : ", \"") + std::string(o) + "\"";
  tr.bad(*v, std::string(key) + " must be one of " + list);
  return def;
}

void read_accumulators(const toml::value& root, plan& p, toml_reader& tr) {
  const auto* present = tr.get(root, "accumulators", false, root);
  if (!present) return;
  const auto& ac = section(root, "accumulators", false, tr);
  only_known_keys(ac, {"plan_year_start_month", "plan_year_by", "deductible", "family_deductible",
                       "family_deductible_rule", "out_of_pocket_max", "family_out_of_pocket_max", "benefit_max",
                       "deductible_exempt_tiers", "exempt_copay_after_out_of_pocket_max", "out_of_pocket_cut",
                       "report_accumulated_deductible", "report_remaining_deductible", "report_deductible_as_of",
                       "report_remaining_benefit", "brand_penalty_counts_to_out_of_pocket",
                       "over_benefit_counts_to_out_of_pocket", "after_benefit_max"},
                  "[accumulators]", tr);
  auto& a = p.accumulators;
  a.enabled = true;
  a.year_start_month = static_cast<int>(tr.integer(ac, "plan_year_start_month", 1, 1, 12));
  a.year_by_processing_date = choice(ac, "plan_year_by", {"date_of_service", "processing_date"}, 0, tr) == 1;
  a.deductible = tr.amount(ac, "deductible", 2, 0);
  a.family_deductible = tr.amount(ac, "family_deductible", 2, 0);
  a.family_deductible_rule =
      static_cast<family_rule>(choice(ac, "family_deductible_rule", {"embedded", "non_embedded"}, 0, tr));
  a.out_of_pocket_max = tr.amount(ac, "out_of_pocket_max", 2, 0);
  a.family_out_of_pocket_max = tr.amount(ac, "family_out_of_pocket_max", 2, 0);
  a.benefit_max = tr.amount(ac, "benefit_max", 2, 0);
  if (const auto* t = tr.get(ac, "deductible_exempt_tiers", false, ac)) {
    if (!t->is_array()) tr.bad(*t, "deductible_exempt_tiers must be an array of tiers, such as [1]");
    else
      for (const auto& e : t->as_array()) {
        if (!e.is_integer() || e.as_integer() < 1 || e.as_integer() > 9) tr.bad(e, "a tier is a number from 1 to 9");
        else a.exempt_tiers |= 1u << e.as_integer();
      }
  }
  a.exempt_copay_after_out_of_pocket = tr.boolean(ac, "exempt_copay_after_out_of_pocket_max", false);
  a.out_of_pocket_cuts_deductible_first =
      choice(ac, "out_of_pocket_cut", {"cost_share_first", "deductible_first"}, 0, tr) == 1;
  a.accumulated_report =
      static_cast<amount_report>(choice(ac, "report_accumulated_deductible", {"member", "family"}, 0, tr));
  a.remaining_report =
      static_cast<amount_report>(choice(ac, "report_remaining_deductible", {"member", "family", "smaller"}, 2, tr));
  a.report_before_claim = choice(ac, "report_deductible_as_of", {"after_claim", "before_claim"}, 0, tr) == 1;
  a.remaining_benefit_is_out_of_pocket_room =
      choice(ac, "report_remaining_benefit", {"benefit_max", "out_of_pocket_room"}, 0, tr) == 1;
  a.brand_penalty_counts_to_out_of_pocket = tr.boolean(ac, "brand_penalty_counts_to_out_of_pocket", true);
  a.over_benefit_counts_to_out_of_pocket = tr.boolean(ac, "over_benefit_counts_to_out_of_pocket", false);
  a.reject_over_benefit_max = choice(ac, "after_benefit_max", {"pay_remaining", "reject"}, 0, tr) == 1;
  // Limits that cannot all hold: a family amount below a member's, a deductible that the
  // out-of-pocket maximum would end before it is met.
  auto at = [&](const char* key) { return tr.get(ac, key, false, ac); };
  if (a.family_deductible && a.deductible > a.family_deductible)
    tr.bad(*at("family_deductible"), "family_deductible is below deductible");
  if (a.family_out_of_pocket_max && a.out_of_pocket_max > a.family_out_of_pocket_max)
    tr.bad(*at("family_out_of_pocket_max"), "family_out_of_pocket_max is below out_of_pocket_max");
  if (a.out_of_pocket_max && a.deductible > a.out_of_pocket_max)
    tr.bad(*at("deductible"), "deductible is above out_of_pocket_max (the deductible counts toward it)");
  if (a.family_deductible_rule == family_rule::non_embedded && !a.family_deductible)
    tr.bad(*at("family_deductible_rule"), "a non_embedded family deductible needs family_deductible");
}

// A list of short codes (`what` names one in messages) of `size_lo`..`size_hi` characters.
void read_codes(const toml::value& t, const char* key, std::size_t size_lo, std::size_t size_hi, const char* what,
                std::vector<std::string_view>& out, plan& p, toml_reader& tr) {
  const auto* v = tr.get(t, key, false, t);
  if (!v) return;
  out.clear();
  if (!v->is_array()) {
    tr.bad(*v, std::string(key) + " must be an array of " + what + "s, such as [\"07\"]");
    return;
  }
  for (const auto& e : v->as_array()) {
    if (!e.is_string() || e.as_string().str.size() < size_lo || e.as_string().str.size() > size_hi)
      tr.bad(e, std::string("a ") + what + " is a string of " + std::to_string(size_lo) +
                    (size_lo == size_hi ? "" : "-" + std::to_string(size_hi)) + " characters");
    else
      out.push_back(p.strings.intern(e.as_string().str));
  }
}

// [cob]: how a secondary or tertiary claim (308-C8 2, 3, 4, 8 with the COB segment) is paid.
void read_cob(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& cb = section(root, "cob", false, tr);
  only_known_keys(cb, {"method", "recognized_qualifiers", "recognized_payers", "zero_payment",
                       "pay_as_primary_after", "patient_responsibility", "accumulators", "missing_amount_reject"},
                  "[cob]", tr);
  auto& c = p.cob;
  c.method = read_cob_method(cb, "method", cob_method::standard, tr);
  read_codes(cb, "recognized_qualifiers", 2, 2, "342-HC qualifier", c.recognized_qualifiers, p, tr);
  c.last_payer_only = choice(cb, "recognized_payers", {"all", "last"}, 0, tr) == 1;
  c.reject_zero_payment = choice(cb, "zero_payment", {"pay", "reject"}, 0, tr) == 1;
  read_codes(cb, "pay_as_primary_after", 1, 3, "reject code", c.pay_as_primary_codes, p, tr);
  c.coordinate_patient_responsibility = choice(cb, "patient_responsibility", {"informational", "coordinate"}, 0, tr) == 1;
  c.accumulate_as_primary = choice(cb, "accumulators", {"member_paid", "as_primary"}, 0, tr) == 1;
  c.missing_amount_code = tr.choice(cb, "missing_amount_reject", {"DV", "8W"}, "DV");
}

void read_versions(const toml::value& root, plan& p, toml_reader& tr) {
  const auto& ve = section(root, "ncpdp", false, tr);
  only_known_keys(ve, {"d0_until", "f6_from"}, "[ncpdp]", tr);
  if (const auto d = tr.date(ve, "d0_until", false); d.valid()) p.d0_until = d;
  if (const auto d = tr.date(ve, "f6_from", false); d.valid()) p.f6_from = d;
  // A day on which neither version is accepted would reject every claim of the plan 1R.
  if (p.d0_until.days() + 1 < p.f6_from.days()) {
    const auto* at = tr.get(ve, "f6_from", false, ve);
    if (!at) at = tr.get(ve, "d0_until", false, ve);
    if (at) tr.bad(*at, "f6_from is more than a day after d0_until: between them the plan would accept no version");
  }
}

void read_settings(const toml::value& root, plan& p, toml_reader& tr, settings_outcome& out) {
  only_known_keys(root, {"plan", "benefit", "dur", "pricing", "compound", "transition", "emergency", "copay", "network",
                         "group", "daw", "refill_threshold_by_schedule", "accumulators", "cob", "ncpdp"}, "plan.toml", tr);
  read_plan(root, p, tr, out);
  read_versions(root, p, tr);
  read_benefit(root, p, tr, out);
  read_schedule_thresholds(root, p, tr);
  read_daw(root, p, tr);
  read_dur(root, p, tr);
  read_pricing(root, p, tr);
  read_compound(root, p, tr);
  read_fill_policy(root, p, tr);
  read_copays(root, p, tr, out);
  read_networks(root, p, tr, out);
  read_groups(root, p, tr, out);
  read_accumulators(root, p, tr);
  read_cob(root, p, tr);
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
