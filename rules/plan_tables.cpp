// The CSV tables of a plan folder (formulary, members, pharmacies, dur, networks' MAC lists)
// through rules/csv.h. Columns
// are found by name; every bad cell is reported at its line and column.
#include <algorithm>
#include <map>
#include <set>

#include "rules/csv.h"
#include "rules/plan_load_support.h"
#include "rules/pricing.h"

namespace rxgate::rules::loading {

namespace fs = std::filesystem;

namespace {

// A CSV table with a header row; columns are found by name, so their order is free.
struct table {
  std::string file;  // as shown in messages: "<folder>/formulary.csv"
  // members.csv holds patient data (names, dates of birth, IDs): its messages name the line and
  // column, never a value, since a reload error reaches the log and the admin API's answer.
  bool patient_data = false;
  std::string text;
  std::vector<std::string> columns;      // known column names
  std::vector<int> position;             // column -> index in the record, -1 when absent
  std::vector<csv_field> record;
  std::unique_ptr<csv_reader> reader;

  // Opens, reads the header, checks required columns. False when the table cannot be used.
  bool open(const fs::path& path, std::string shown, std::vector<std::string> known,
            const std::vector<std::string>& required, reporter& rep, bool holds_patient_data = false) {
    file = std::move(shown);
    patient_data = holds_patient_data;
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
        // Without a header line the first member row is read as the header.
        rep.at(file, header[i].line, header[i].column,
               patient_data ? std::string("unknown column (a header of patient data is not shown)")
                            : "unknown column \"" + std::string(header[i].value) + "\"");
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

  // `, found "<value>"` for the message of a bad cell; nothing in a table of patient data.
  std::string found(std::string_view value) const {
    return t.patient_data ? std::string() : ", found \"" + std::string(value) + "\"";
  }

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
                 std::to_string(hi) + found(c.value));
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
                 " decimals" + found(c.value));
      return 0;
    }
    return v;
  }
  bool flag(std::string_view col, bool def) {
    auto c = t.cell(col);
    if (c.value.empty()) return def;
    bool v = false;
    if (!parse_bool(c.value, v)) {
      rep.at(t.file, c.line, c.column, std::string(col) + " must be Y or N" + found(c.value));
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
      rep.at(t.file, c.line, c.column, std::string(col) + " must be a date CCYYMMDD" + found(c.value));
      return {};
    }
    return *d;
  }
  int gender(std::string_view col) {
    auto c = t.cell(col);
    if (c.value.empty() || c.value == "0" || c.value == "U") return 0;
    if (c.value == "1" || c.value == "M") return 1;
    if (c.value == "2" || c.value == "F") return 2;
    rep.at(t.file, c.line, c.column, std::string(col) + " must be M, F, 1, 2 or empty" + found(c.value));
    return 0;
  }
  std::vector<std::string_view> list(std::string_view col) { return split_list(t.cell(col).value, pool); }
  csv_field at(std::string_view col) const { return t.cell(col); }
};

// The therapeutic classes of the formulary (load time).
std::set<std::string_view> formulary_classes(const plan& p) {
  std::set<std::string_view> out;
  for (const auto& d : p.products) out.insert(d.therapeutic_class);
  return out;
}

// All packages of one drug share its therapeutic class: a drug is one ingredient, strength, form
// and route. (adjudicate() relies on it to skip fills of another class without a lookup.)
void check_drug_keys(const plan& p, const std::vector<std::pair<std::size_t, csv_field>>& cells,
                     const std::string& file, reporter& rep) {
  std::map<std::string_view, const product*> first;
  for (const auto& [row, cell] : cells) {
    const product& d = p.products[row];
    auto [it, added] = first.emplace(d.drug_key, &d);
    if (added || it->second->therapeutic_class == d.therapeutic_class) continue;
    rep.at(file, cell.line, cell.column,
           "drug_key " + std::string(d.drug_key) + ": product " + std::string(d.ndc) + " is in class " +
               std::string(d.therapeutic_class) + " but " + std::string(it->second->ndc) +
               " of the same drug is in " + std::string(it->second->therapeutic_class));
  }
}

// Every step prerequisite names an NDC, a drug key or a therapeutic class of this formulary: a
// typo would otherwise make the step impossible to meet.
void check_step_prerequisites(const plan& p, const std::vector<csv_field>& cells, const std::string& file,
                              reporter& rep) {
  if (cells.empty()) return;
  const auto classes = formulary_classes(p);
  std::set<std::string_view> keys;
  for (const auto& d : p.products) keys.insert(d.drug_key);
  string_pool scratch;
  for (const auto& cell : cells)
    for (auto item : split_list(cell.value, scratch))
      if (!p.find_product(item) && !classes.count(item) && !keys.count(item))
        rep.at(file, cell.line, cell.column,
               "step prerequisite " + std::string(item) + " is no NDC, drug key or therapeutic class of the formulary");
}

// A pharmacy's network is one plan.toml declares (or the implicit retail/mail), and a pharmacy
// marked mail_order is not put in a network of another channel (the two would disagree).
void check_pharmacy_network(const pharmacy& ph, const csv_field& cell, const plan& p, const std::string& file,
                            reporter& rep) {
  if (ph.network.empty()) return;
  const network* n = p.find_network(ph.network);
  if (!n && ph.network != "retail" && ph.network != "mail") {
    std::string known = "retail, mail";
    for (const auto& x : p.networks)
      if (x.name != "retail" && x.name != "mail") known += ", " + std::string(x.name);
    rep.at(file, cell.line, cell.column,
           "network " + std::string(ph.network) + " is not declared in plan.toml (known: " + known + ")");
    return;
  }
  const channel kind = n ? n->kind : ph.network == "mail" ? channel::mail : channel::retail;
  if (ph.mail_order && kind != channel::mail)
    rep.at(file, cell.line, cell.column,
           "pharmacy " + std::string(ph.npi) + " is mail_order but network " + std::string(ph.network) +
               " has channel " + std::string(to_string(kind)));
}

// Each multi-source brand gets the generic it is compared with (DAW policy, brand penalty): its
// generic_ndc, else the cheapest covered generic (multi_source Y or O) of its drug key. Without a
// multi_source column a product with a generic_ndc is a multi-source brand.
void resolve_generics(plan& p, const std::vector<csv_field>& multi_source_cells, const std::string& file,
                      reporter& rep) {
  std::map<std::string_view, std::vector<std::size_t>> generics;  // drug key -> generic rows
  for (std::size_t i = 0; i < p.products.size(); ++i) {
    const product& g = p.products[i];
    if ((g.multi_source == 'Y' || g.multi_source == 'O') && g.covered && !g.drug_key.empty())
      generics[g.drug_key].push_back(i);
  }
  for (std::size_t i = 0; i < p.products.size(); ++i) {
    product& d = p.products[i];
    const csv_field& cell = multi_source_cells[i];
    if (d.multi_source != 0 && d.multi_source != 'M') {
      if (!d.generic_ndc.empty())
        rep.at(file, cell.line, cell.column,
               "product " + std::string(d.ndc) + " has a generic_ndc but multi_source " + std::string(1, d.multi_source) +
                   " (only a multi-source brand, M, has a generic equivalent)");
      continue;
    }
    if (d.multi_source == 0 && d.generic_ndc.empty()) continue;  // unknown: no brand rules
    if (!d.generic_ndc.empty()) {
      if (const product* g = p.find_product(d.generic_ndc)) d.generic_row = static_cast<std::int32_t>(g - p.products.data());
      continue;  // an unknown generic_ndc is reported with the other references
    }
    constexpr std::int64_t reference_quantity = 1000000;  // 1,000 units: compares unit prices after the basis
    std::int64_t best = 0;
    if (auto it = generics.find(d.drug_key); it != generics.end())
      for (auto row : it->second) {
        const auto priced = price_ingredient(p, p.products[row], reference_quantity);
        if (d.generic_row < 0 || priced.cost < best) {
          d.generic_row = static_cast<std::int32_t>(row);
          best = priced.cost;
        }
      }
    if (d.generic_row < 0)
      rep.at(file, cell.line, cell.column,
             "product " + std::string(d.ndc) + " is a multi-source brand (M) without a generic equivalent: give "
             "generic_ndc, or a covered product of the same drug_key with multi_source Y or O");
  }
}

// Each required diagnosis is a code or code prefix as 424-DO carries it: ICD-10 without the decimal
// point, at least the 3-character category. A dot or a short prefix would match nothing or too much.
void check_diagnosis_codes(const product& d, const std::vector<std::string_view>& codes, const csv_field& cell,
                           const std::string& file, reporter& rep) {
  for (auto code : codes) {
    const bool ok = code.size() >= 3 && code.size() <= 15 &&
                    code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string_view::npos;
    if (!ok)
      rep.at(file, cell.line, cell.column,
             "diagnosis code " + std::string(code) + " of product " + std::string(d.ndc) +
                 ": write it as 424-DO carries it, 3 to 15 capital letters or digits without the decimal point (E11, E119)");
  }
}

}  // namespace

void load_formulary(const fs::path& folder, const std::string& shown, plan& p, const settings_outcome& settings,
                    reporter& rep) {
  table t;
  if (!t.open(folder / "formulary.csv", shown + "/formulary.csv",
              {"ndc", "name", "therapeutic_class", "drug_key", "tier", "covered", "on_formulary", "pa_required",
               "pa_type", "quantity_limit", "quantity_limit_days", "max_days_supply", "min_age",
               "max_age", "gender", "specialty", "compoundable", "generic_ndc", "step_prerequisites",
               "preferred_alternatives", "awp_unit", "wac_unit", "mac_unit", "multi_source", "dea_schedule",
               "refill_threshold_pct", "max_quantity_per_day", "diagnosis_required"},
              {"ndc", "name", "therapeutic_class", "tier"}, rep))
    return;
  cells c{t, rep, p.strings};
  std::vector<std::pair<std::size_t, csv_field>> refs;  // product -> generic/alternative cells to check
  std::vector<csv_field> steps;                         // step_prerequisites cells
  std::vector<std::pair<std::size_t, csv_field>> keys;  // product -> drug_key cell
  std::vector<csv_field> multi_source_cells;            // by product
  while (t.next(rep)) {
    product d;
    auto ndc = c.at("ndc");
    d.ndc = c.str("ndc", true);
    if (!d.ndc.empty() && (d.ndc.size() != 11 || d.ndc.find_first_not_of("0123456789") != std::string_view::npos))
      rep.at(t.file, ndc.line, ndc.column, "ndc must be 11 digits, found \"" + std::string(ndc.value) + "\"");
    d.name = c.str("name", true);
    d.therapeutic_class = c.str("therapeutic_class", true);
    d.drug_key = c.str("drug_key");  // empty: the NDC (plan::index_drugs)
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
    const auto ms = c.at("multi_source");
    if (ms.value == "M" || ms.value == "N" || ms.value == "O" || ms.value == "Y") d.multi_source = ms.value[0];
    else if (!ms.value.empty())
      rep.at(t.file, ms.line, ms.column, "multi_source must be M, N, O, Y or empty, found \"" + std::string(ms.value) + "\"");
    d.dea_schedule = static_cast<std::uint8_t>(c.integer("dea_schedule", 0, 0, 5));
    d.refill_threshold_pct = static_cast<std::uint8_t>(c.integer("refill_threshold_pct", 0, 1, 100));
    d.max_quantity_per_day = c.decimal("max_quantity_per_day", 3);
    d.step_prerequisites = c.list("step_prerequisites");
    d.preferred = c.list("preferred_alternatives");
    auto diagnoses = c.list("diagnosis_required");
    check_diagnosis_codes(d, diagnoses, c.at("diagnosis_required"), t.file, rep);
    d.diagnosis_required = !diagnoses.empty();
    d.awp_unit = c.decimal("awp_unit", 5);
    d.wac_unit = c.decimal("wac_unit", 5);
    d.mac_unit = c.decimal("mac_unit", 5);
    if (d.covered && !d.awp_unit && !d.wac_unit && !d.mac_unit)
      rep.at(t.file, ndc.line, 1, "product " + std::string(d.ndc) + " is covered but has no unit price");
    if (d.tier != 0 && settings.copays_usable && !p.copay_for_tier(d.tier)) {
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
    if (!d.step_prerequisites.empty()) steps.push_back(c.at("step_prerequisites"));
    if (!d.drug_key.empty()) keys.emplace_back(p.products.size(), c.at("drug_key"));
    multi_source_cells.push_back(ms);
    if (d.diagnosis_required)  // rows only grow: the list stays sorted by row
      p.diagnosis_lists.emplace_back(static_cast<std::uint32_t>(p.products.size()), std::move(diagnoses));
    p.products.push_back(std::move(d));
  }
  for (auto& d : p.products) inline_views(d.ndc_inline, {&d.ndc});
  // References must name products of this formulary.
  for (auto& [idx, cell] : refs) {
    for (auto ndc : split_list(cell.value, p.strings))
      if (!p.find_product(ndc))
        rep.at(t.file, cell.line, cell.column, "unknown product " + std::string(ndc) + " referenced");
  }
  check_drug_keys(p, keys, t.file, rep);
  check_step_prerequisites(p, steps, t.file, rep);
  resolve_generics(p, multi_source_cells, t.file, rep);
}

void load_members(const fs::path& folder, const std::string& shown, plan& p, const settings_outcome& settings,
                  reporter& rep) {
  table t;
  if (!t.open(folder / "members.csv", shown + "/members.csv",
              {"cardholder_id", "person_code", "first_name", "last_name", "date_of_birth", "gender",
               "relationship", "group_id", "coverage_from", "coverage_to", "terminated_on",
               "other_bin", "other_pcn", "other_group", "other_cardholder_id", "other_person_code",
               "other_help_desk_phone", "allergy_classes"},
              {"cardholder_id", "person_code", "date_of_birth", "group_id", "coverage_from"}, rep, true))
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
    if (!m.group.empty() && settings.groups_usable &&
        std::find(p.groups.begin(), p.groups.end(), m.group) == p.groups.end()) {
      auto g = c.at("group_id");
      rep.at(t.file, g.line, g.column, "group_id is not one of the plan's groups ([plan] groups)");
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
              {"npi", "name", "in_network", "specialty", "mail_order", "network", "phone"}, {"npi", "in_network"}, rep))
    return;
  cells c{t, rep, p.strings};
  while (t.next(rep)) {
    pharmacy ph;
    auto npi = c.at("npi");
    ph.npi = c.str("npi", true);
    if (!ph.npi.empty() && (ph.npi.size() != 10 || ph.npi.find_first_not_of("0123456789") != std::string_view::npos))
      rep.at(t.file, npi.line, npi.column, "npi must be 10 digits");
    ph.name = c.str("name");
    ph.phone = c.str("phone");
    ph.in_network = c.flag("in_network", true);
    ph.specialty = c.flag("specialty", false);
    ph.mail_order = c.flag("mail_order", false);
    ph.network = c.str("network");
    check_pharmacy_network(ph, c.at("network"), p, t.file, rep);
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
  // A class the formulary does not know would make the rule silently never fire.
  const auto classes = formulary_classes(p);
  auto known_class = [&](const char* col) {
    auto f = c.at(col);
    if (!f.value.empty() && !classes.count(f.value))
      rep.at(t.file, f.line, f.column,
             "therapeutic class " + std::string(f.value) + " is not the class of any product of the formulary");
  };
  while (t.next(rep)) {
    auto kind = c.at("kind");
    int severity = c.integer("severity", 2, 1, 3);
    if (kind.value == "interaction") {
      interaction i{c.str("subject", true), c.str("other", true), severity, c.str("text")};
      known_class("subject");
      known_class("other");
      p.interactions.push_back(i);
    } else if (kind.value == "duplicate_therapy") {
      known_class("subject");
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

void load_mac_lists(const fs::path& folder, const std::string& shown, plan& p, const settings_outcome& settings,
                    reporter& rep) {
  for (std::size_t i = 0; i < p.networks.size() && i < settings.networks.size(); ++i) {
    network& n = p.networks[i];
    if (n.mac_list.empty()) continue;
    const std::string toml_file = shown + "/plan.toml";
    const auto line = settings.networks[i].mac_list_line;
    const fs::path name(std::string(n.mac_list));
    if (name.has_parent_path() || name.filename() != name || name == "." || name == "..") {
      rep.at(toml_file, line, 1, "mac_list must name a file of the plan folder, found \"" + std::string(n.mac_list) + "\"");
      continue;
    }
    if (!fs::exists(folder / name)) {
      rep.at(toml_file, line, 1, "mac_list " + std::string(n.mac_list) + " of network " + std::string(n.name) +
                                     " is not in the plan folder");
      continue;
    }
    table t;
    if (!t.open(folder / name, shown + "/" + std::string(n.mac_list), {"ndc", "mac_unit"}, {"ndc", "mac_unit"}, rep))
      continue;
    cells c{t, rep, p.strings};
    n.mac_units.assign(p.products.size(), 0);
    std::vector<std::uint32_t> first_line(p.products.size(), 0);
    while (t.next(rep)) {
      auto ndc = c.at("ndc");
      const product* d = p.find_product(ndc.value);
      const std::int64_t unit = c.decimal("mac_unit", 5);
      if (!d) {
        rep.at(t.file, ndc.line, ndc.column, "unknown product " + std::string(ndc.value) + " (not in formulary.csv)");
        continue;
      }
      const auto row = static_cast<std::size_t>(d - p.products.data());
      if (first_line[row]) {
        rep.at(t.file, ndc.line, ndc.column,
               "second price for " + std::string(ndc.value) + "; first at line " + std::to_string(first_line[row]));
        continue;
      }
      first_line[row] = ndc.line;
      n.mac_units[row] = unit;
    }
  }
}

}  // namespace rxgate::rules::loading
