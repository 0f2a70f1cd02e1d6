#include "plan_tools/plan_diff.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>
#include <map>
#include <utility>

#include "codec/json_writer.h"
#include "rules/plan_model.h"

namespace rxgate::rules {
namespace {

// A record as named values, in a fixed order, so that every table is compared the same way.
using row = std::vector<std::pair<const char*, std::string>>;
// Records of one table by key; std::map keeps the output in key order.
using table = std::map<std::string, row>;

std::string text(std::string_view v) { return std::string(v); }
std::string number(std::int64_t v) { return std::to_string(v); }
std::string flag(bool v) { return v ? "yes" : "no"; }
std::string fixed(std::int64_t units, int places) {
  std::string out;
  codec::append_json_decimal(out, units, places);
  return out;
}
std::string money(std::int64_t cents) { return fixed(cents, 2); }
std::string percent_bp(int bp) { return fixed(bp, 2) + "%"; }
std::string date(codec::date d) {
  if (!d.valid()) return "open";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}
template <class List>
std::string list(const List& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ",";
    if constexpr (std::is_same_v<std::decay_t<decltype(i)>, int>)
      out += std::to_string(i);
    else
      out += std::string(i);
  }
  return out;
}
std::string basis_name(pricing_basis b) {
  switch (b) {
    case pricing_basis::awp: return "awp";
    case pricing_basis::mac: return "mac";
    case pricing_basis::wac: return "wac";
    case pricing_basis::lowest: return "lowest";
  }
  return "?";
}
std::string gender_name(int g) { return g == 1 ? "male" : g == 2 ? "female" : "any"; }

// "2:90,4:85": the schedules that have a threshold of their own.
std::string schedule_thresholds(const plan& p) {
  std::string out;
  for (std::size_t s = 1; s < p.refill_threshold_by_schedule.size(); ++s)
    if (p.refill_threshold_by_schedule[s])
      out += (out.empty() ? "" : ",") + std::to_string(s) + ":" + std::to_string(p.refill_threshold_by_schedule[s]);
  return out;
}
// "0:brand,1:brand,2:penalty,...": the action of every 408-D8 code.
std::string daw_policy(const plan& p) {
  std::string out;
  for (std::size_t code = 0; code < p.daw.size(); ++code)
    out += (code ? "," : "") + std::to_string(code) + ":" + std::string(to_string(p.daw[code]));
  return out;
}

row settings_row(const plan& p) {
  return {{"name", text(p.name)},
          {"bin", text(p.bin)},
          {"pcn", text(p.pcn)},
          {"groups", list(p.groups)},
          {"effective_from", date(p.effective_from)},
          {"effective_to", date(p.effective_to)},
          {"demo", flag(p.demo)},
          {"help_desk_phone", text(p.help_desk_phone)},
          {"wire_plan_id", text(p.wire_plan_id)},
          {"refill_threshold_pct", number(p.refill_threshold_pct)},
          {"refill_override_scc", list(p.refill_override_scc)},
          {"max_days_supply_retail", number(p.max_days_supply_retail)},
          {"max_days_supply_mail", number(p.max_days_supply_mail)},
          {"step_lookback_days", number(p.step_lookback_days)},
          {"timely_filing_days", number(p.timely_filing_days)},
          {"dur_reject_severity", number(p.dur_reject_severity)},
          {"dur_override_results", list(p.dur_override_results)},
          {"specialty_pharmacy", text(p.specialty_pharmacy_npi)},
          {"specialty_reject_code", text(p.specialty_reject_code)},
          {"retail_days_supply_reject_code", text(p.retail_days_supply_reject_code)},
          {"pricing_basis", basis_name(p.basis)},
          {"awp_discount", percent_bp(p.awp_discount_bp)},
          {"wac_markup", percent_bp(p.wac_markup_bp)},
          {"dispensing_fee", money(p.dispensing_fee)},
          {"compound_fee", money(p.compound_fee)},
          {"refill_threshold_by_schedule", schedule_thresholds(p)},
          {"daw", daw_policy(p)},
          {"daw_penalty_cost_share", p.daw_penalty_share == penalty_share::brand ? "brand" : "generic"},
          {"compound_pay_approved_ingredients", flag(p.compound.pay_approved_ingredients)},
          {"compound_cost_cap", p.compound.cost_cap ? money(p.compound.cost_cap) : "none"},
          {"compound_pa_threshold", p.compound.pa_threshold ? money(p.compound.pa_threshold) : "none"},
          {"transition_window_days", number(p.fills.transition_window_days)},
          {"transition_days_supply", number(p.fills.transition_days_supply)},
          {"emergency_days_supply", number(p.fills.emergency_days_supply)},
          {"cob_method", text(to_string(p.cob.method))},
          {"cob_recognized_qualifiers", p.cob.recognized_qualifiers.empty() ? "all" : list(p.cob.recognized_qualifiers)},
          {"cob_recognized_payers", p.cob.last_payer_only ? "last" : "all"},
          {"cob_zero_payment", p.cob.reject_zero_payment ? "reject" : "pay"},
          {"cob_pay_as_primary_after", list(p.cob.pay_as_primary_codes)},
          {"cob_patient_responsibility", p.cob.coordinate_patient_responsibility ? "coordinate" : "informational"},
          {"cob_accumulators", p.cob.accumulate_as_primary ? "as_primary" : "member_paid"},
          {"cob_missing_amount_reject", text(p.cob.missing_amount_code)}};
}

// One copay rule as a plan administrator writes it: "flat 5.00", "30.00% min 40.00 max 120.00".
std::string copay_text(const copay_rule& c) {
  if (!c.coinsurance) return "flat " + money(c.flat);
  std::string out = percent_bp(c.rate_bp);
  if (c.minimum) out += " min " + money(c.minimum);
  if (c.maximum) out += " max " + money(c.maximum);
  return out;
}

// Copays by tier, in tier order: "1: flat 3.00; 2: flat 15.00".
std::string copays_text(std::vector<copay_rule> rules) {
  std::sort(rules.begin(), rules.end(), [](const copay_rule& a, const copay_rule& b) { return a.tier < b.tier; });
  std::string out;
  for (const auto& c : rules) out += (out.empty() ? "" : "; ") + number(c.tier) + ": " + copay_text(c);
  return out;
}

std::string bands_text(const std::vector<copay_band>& bands) {
  std::string out;
  for (const auto& b : bands) {
    if (!out.empty()) out += "; ";
    out += number(b.from_days) + "-" + number(b.to_days) + " x" + fixed(b.multiplier_pct, 2);
    if (!b.copays.empty()) out += " (" + copays_text(b.copays) + ")";
  }
  return out;
}

// A network's setting, or "plan" where it is the plan's: a change of [pricing] is reported once,
// as a setting, not again for every network that follows it.
template <class T>
std::string own(const T& value, const T& plan_value, std::string shown) {
  return value == plan_value ? std::string("plan") : shown;
}

table network_table(const plan& p) {
  table t;
  const pricing_terms plan_terms = p.plan_pricing();
  for (const auto& n : p.networks) {
    const pricing_terms& x = n.pricing;
    t[text(n.name)] = {{"channel", text(to_string(n.kind))},
                       {"max_days_supply", n.max_days_supply ? number(n.max_days_supply) : "channel default"},
                       {"pricing_basis", own(x.basis, plan_terms.basis, basis_name(x.basis))},
                       {"awp_discount", own(x.awp_discount_bp, plan_terms.awp_discount_bp, percent_bp(x.awp_discount_bp))},
                       {"wac_markup", own(x.wac_markup_bp, plan_terms.wac_markup_bp, percent_bp(x.wac_markup_bp))},
                       {"dispensing_fee", own(x.dispensing_fee, plan_terms.dispensing_fee, money(x.dispensing_fee))},
                       {"compound_fee", own(x.compound_fee, plan_terms.compound_fee, money(x.compound_fee))},
                       {"mac_list", text(n.mac_list)},
                       {"copays", copays_text(n.copays)},
                       {"copay_bands", bands_text(n.bands)}};
  }
  return t;
}

// The networks' MAC list prices, by network and NDC.
table network_mac_table(const plan& p) {
  table t;
  for (const auto& n : p.networks)
    for (std::size_t i = 0; i < n.mac_units.size() && i < p.products.size(); ++i)
      if (n.mac_units[i]) t[text(n.name) + " " + text(p.products[i].ndc)] = {{"mac_unit", fixed(n.mac_units[i], 5)}};
  return t;
}

table group_table(const plan& p) {
  table t;
  for (const auto& g : p.group_benefits)
    t[text(g.id)] = {{"max_days_supply_retail", g.max_days_supply_retail ? number(g.max_days_supply_retail) : "plan"},
                     {"max_days_supply_mail", g.max_days_supply_mail ? number(g.max_days_supply_mail) : "plan"},
                     {"copays", copays_text(g.copays)},
                     {"cob_method", g.cob ? text(to_string(*g.cob)) : "plan"}};
  return t;
}

table copay_table(const plan& p) {
  table t;
  for (const auto& c : p.copays)
    t["tier " + number(c.tier)] = {{"coinsurance", flag(c.coinsurance)},
                                   {"flat", money(c.flat)},
                                   {"rate", percent_bp(c.rate_bp)},
                                   {"minimum", money(c.minimum)},
                                   {"maximum", c.maximum ? money(c.maximum) : "none"}};
  return t;
}

table product_table(const plan& p) {
  table t;
  for (const auto& x : p.products)
    t[text(x.ndc)] = {{"name", text(x.name)},
                      {"drug_key", text(x.drug_key)},
                      {"therapeutic_class", text(x.therapeutic_class)},
                      {"tier", number(x.tier)},
                      {"covered", flag(x.covered)},
                      {"on_formulary", flag(x.on_formulary)},
                      {"pa_required", flag(x.pa_required)},
                      {"pa_type", text(x.pa_type)},
                      {"quantity_limit", x.quantity_limit ? fixed(x.quantity_limit, 3) : "none"},
                      {"quantity_limit_days", number(x.quantity_limit_days)},
                      {"max_days_supply", number(x.max_days_supply)},
                      {"min_age", number(x.min_age)},
                      {"max_age", number(x.max_age)},
                      {"gender", gender_name(x.gender)},
                      {"specialty", flag(x.specialty)},
                      {"compoundable", flag(x.compoundable)},
                      {"generic_ndc", text(x.generic_ndc)},
                      {"step_prerequisites", list(x.step_prerequisites)},
                      {"preferred", list(x.preferred)},
                      {"awp_unit", fixed(x.awp_unit, 5)},
                      {"wac_unit", fixed(x.wac_unit, 5)},
                      {"mac_unit", fixed(x.mac_unit, 5)},
                      {"multi_source", x.multi_source ? std::string(1, x.multi_source) : ""},
                      {"generic_equivalent", p.generic_of(x) ? text(p.generic_of(x)->ndc) : ""},
                      {"dea_schedule", number(x.dea_schedule)},
                      {"refill_threshold_pct", number(x.refill_threshold_pct)},
                      {"max_quantity_per_day", x.max_quantity_per_day ? fixed(x.max_quantity_per_day, 3) : "none"},
                      {"diagnosis_required", list(p.diagnosis_codes(x))}};
  return t;
}

table pharmacy_table(const plan& p) {
  table t;
  for (const auto& x : p.pharmacies)
    t[text(x.npi)] = {{"name", text(x.name)},
                      {"in_network", flag(x.in_network)},
                      {"specialty", flag(x.specialty)},
                      {"mail_order", flag(x.mail_order)},
                      {"network", text(p.networks.empty() ? x.network : p.networks[x.network_index].name)},
                      {"phone", text(x.phone)}};
  return t;
}

// Every member field is compared, but only its name is ever shown (see plan_diff.h).
table member_table(const plan& p) {
  table t;
  for (const auto& m : p.members) {
    std::string other;
    if (m.other_coverage_index >= 0) {
      const auto& o = p.other_coverages[static_cast<std::size_t>(m.other_coverage_index)];
      other = text(o.bin) + "/" + text(o.pcn) + "/" + text(o.group) + "/" + text(o.cardholder_id) + "/" +
              text(o.person_code);
    }
    t[text(m.cardholder_id) + "/" + text(m.person_code)] = {{"group", text(m.group)},
                                                           {"first_name", text(m.first_name)},
                                                           {"last_name", text(m.last_name)},
                                                           {"date_of_birth", date(m.date_of_birth)},
                                                           {"gender", number(m.gender)},
                                                           {"relationship", number(m.relationship)},
                                                           {"coverage_from", date(m.coverage_from)},
                                                           {"coverage_to", date(m.coverage_to)},
                                                           {"terminated_on", date(m.terminated_on)},
                                                           {"other_coverage", other},
                                                           {"allergy_classes", list(m.allergy_classes)}};
  }
  return t;
}

table interaction_table(const plan& p) {
  table t;
  for (const auto& x : p.interactions) {
    auto a = text(x.class_a), b = text(x.class_b);
    if (b < a) std::swap(a, b);
    t[a + " + " + b] = {{"severity", number(x.severity)}, {"text", text(x.text)}};
  }
  return t;
}

table duplicate_table(const plan& p) {
  table t;
  for (const auto& x : p.duplicates) t[text(x.therapeutic_class)] = {{"severity", number(x.severity)}};
  return t;
}

table dose_table(const plan& p) {
  table t;
  for (const auto& x : p.dose_limits)
    t[text(x.ndc)] = {{"max_daily", fixed(x.max_daily, 3)}, {"severity", number(x.severity)}};
  return t;
}

std::string plan_name(const plan& p) { return text(p.id) + " v" + number(p.version); }

class differ {
 public:
  explicit differ(plan_diff& out) : out_(out) {}

  void rows(const std::string& plan, const char* table_name, const std::string& key, const row& a, const row& b,
            bool hidden) {
    plan_change c{plan, table_name, "changed", key, {}};
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (a[i].second == b[i].second) continue;
      if (hidden)
        c.fields.push_back({a[i].first, {}, {}, true});
      else
        c.fields.push_back({a[i].first, a[i].second, b[i].second, false});
    }
    if (!c.fields.empty()) out_.changes.push_back(std::move(c));
  }

  void tables(const std::string& plan, const char* table_name, const table& a, const table& b, bool hidden = false) {
    for (const auto& [key, r] : a) {
      auto it = b.find(key);
      if (it == b.end())
        out_.changes.push_back({plan, table_name, "removed", key, {}});
      else
        rows(plan, table_name, key, r, it->second, hidden);
    }
    for (const auto& [key, r] : b)
      if (!a.count(key)) out_.changes.push_back({plan, table_name, "added", key, {}});
  }

  void plans(const plan& a, const plan& b) {
    const std::string name = a.id == b.id && a.version == b.version ? plan_name(a) : plan_name(a) + " -> " + plan_name(b);
    rows(name, "setting", "plan.toml", settings_row(a), settings_row(b), false);
    tables(name, "copay", copay_table(a), copay_table(b));
    tables(name, "product", product_table(a), product_table(b));
    tables(name, "network", network_table(a), network_table(b));
    tables(name, "network_mac", network_mac_table(a), network_mac_table(b));
    tables(name, "group", group_table(a), group_table(b));
    tables(name, "pharmacy", pharmacy_table(a), pharmacy_table(b));
    tables(name, "member", member_table(a), member_table(b), true);
    tables(name, "interaction", interaction_table(a), interaction_table(b));
    tables(name, "duplicate_therapy", duplicate_table(a), duplicate_table(b));
    tables(name, "dose_limit", dose_table(a), dose_table(b));
  }

 private:
  plan_diff& out_;
};

// Pairs plans across the two sides (see plan_diff.h for the order of preference).
std::vector<std::pair<const plan*, const plan*>> pair_plans(const plan_set& before, const plan_set& after) {
  std::vector<std::pair<const plan*, const plan*>> pairs;
  const auto& a = before.plans();
  const auto& b = after.plans();
  if (a.size() == 1 && b.size() == 1) return {{a[0].get(), b[0].get()}};
  std::vector<bool> used_b(b.size(), false);
  std::vector<const plan*> left;
  for (const auto& p : a) {
    bool found = false;
    for (std::size_t j = 0; j < b.size() && !found; ++j)
      if (!used_b[j] && b[j]->id == p->id && b[j]->version == p->version) {
        pairs.emplace_back(p.get(), b[j].get());
        used_b[j] = found = true;
      }
    if (!found) left.push_back(p.get());
  }
  auto count_id = [](const auto& plans, std::string_view id) {
    return std::count_if(plans.begin(), plans.end(), [&](const auto& x) { return x->id == id; });
  };
  for (const plan* p : left) {
    std::size_t match = b.size();
    if (count_id(a, p->id) == 1 && count_id(b, p->id) == 1)
      for (std::size_t j = 0; j < b.size(); ++j)
        if (!used_b[j] && b[j]->id == p->id) match = j;
    if (match < b.size()) {
      pairs.emplace_back(p, b[match].get());
      used_b[match] = true;
    } else {
      pairs.emplace_back(p, nullptr);
    }
  }
  for (std::size_t j = 0; j < b.size(); ++j)
    if (!used_b[j]) pairs.emplace_back(nullptr, b[j].get());
  return pairs;
}

struct tally {
  int added = 0, removed = 0, changed = 0;
};

std::map<std::string, tally> summarize(const plan_diff& d) {
  std::map<std::string, tally> out;
  for (const auto& c : d.changes) {
    auto& t = out[c.table];
    (c.change == "added" ? t.added : c.change == "removed" ? t.removed : t.changed)++;
  }
  return out;
}

}  // namespace

plan_diff diff_plans(const plan_set& before, const plan_set& after) {
  plan_diff d;
  differ diff(d);
  for (const auto& [a, b] : pair_plans(before, after)) {
    if (a && b)
      diff.plans(*a, *b);
    else if (a)
      d.changes.push_back({plan_name(*a), "plan", "removed", text(a->folder), {}});
    else
      d.changes.push_back({plan_name(*b), "plan", "added", text(b->folder), {}});
  }
  return d;
}

std::string diff_text(const plan_diff& d) {
  if (d.empty()) return "no changes\n";
  std::string out, plan, table;
  for (const auto& c : d.changes) {
    if (c.plan != plan) {
      out += "plan " + c.plan + "\n";
      plan = c.plan;
      table.clear();
    }
    if (c.table != table) {
      out += "  " + c.table + "\n";
      table = c.table;
    }
    const char mark = c.change == "added" ? '+' : c.change == "removed" ? '-' : '~';
    out += std::string("    ") + mark + " " + c.key;
    if (!c.fields.empty()) {
      out += ":";
      for (const auto& f : c.fields)
        out += f.hidden ? " " + f.field : " " + f.field + " " + (f.before.empty() ? "\"\"" : f.before) + " -> " +
                                              (f.after.empty() ? "\"\"" : f.after);
    }
    out += "\n";
  }
  out += "summary:";
  for (const auto& [name, t] : summarize(d))
    out += " " + name + " +" + number(t.added) + " -" + number(t.removed) + " ~" + number(t.changed) + ";";
  out.back() = '\n';
  return out;
}

std::string diff_json(const plan_diff& d) {
  std::string out;
  codec::json_writer w(out);
  w.begin_object().key("changes").begin_array();
  for (const auto& c : d.changes) {
    w.begin_object().field("plan", c.plan).field("table", c.table).field("change", c.change).field("key", c.key);
    if (!c.fields.empty()) {
      w.key("fields").begin_array();
      for (const auto& f : c.fields) {
        w.begin_object().field("field", f.field);
        if (f.hidden)
          w.key("before").null().key("after").null();
        else
          w.field("before", f.before).field("after", f.after);
        w.end_object();
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_array().key("summary").begin_object();
  for (const auto& [name, t] : summarize(d))
    w.key(name).begin_object().field("added", t.added).field("removed", t.removed).field("changed", t.changed).end_object();
  w.end_object().end_object();
  out.push_back('\n');
  return out;
}

}  // namespace rxgate::rules
