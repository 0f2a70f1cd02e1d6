// The member history of a batch: the statement's arguments and its rows by kind (F fills, A prior
// authorizations, K the claim under each key, Y plan-year sums, I reserved claim ids).
#include "sql/store_history.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <tuple>
#include <utility>

#include "sql/store_rows.h"

namespace rxgate::store::detail {

using rows::fill_number_of;
using rows::rows_builder;

namespace {

// A member is (BIN, cardholder ID, person code).
using member_key = std::tuple<std::string_view, std::string_view, std::string_view>;

// A member's plan year: (BIN, cardholder ID, person code, first day of the plan year).
using member_year = std::tuple<std::string_view, std::string_view, std::string_view, std::int32_t>;
using family_key = std::pair<std::string_view, std::string_view>;

member_key member_of_claim(const batch_entry& e) {
  const codec::claim& c = *e.claim;
  return {c.bin, c.cardholder_id, c.person_code};
}
member_year year_of_claim(const batch_entry& e) {
  const codec::claim& c = *e.claim;
  return {c.bin, c.cardholder_id, c.person_code, e.accumulator_year.days()};
}
family_key family_of_claim(const batch_entry& e) {
  const codec::claim& c = *e.claim;
  return {c.bin, c.cardholder_id};
}

// Numbers the entries in `order` by distinct key: sorts them by key(entry) and sets number[i] to
// the 1-based place of entry i's key among the distinct keys; first(i) is called for one entry of
// each key, in that order. Returns how many keys there are. std::sort allocates nothing.
template <class Key, class First>
std::size_t number_by_key(std::span<const batch_entry> entries, std::vector<std::uint32_t>& order,
                          std::vector<std::size_t>& number, Key key, First first) {
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t l, std::uint32_t r) { return key(entries[l]) < key(entries[r]); });
  std::size_t n = 0;
  for (std::size_t j = 0; j < order.size(); ++j) {
    if (j == 0 || key(entries[order[j - 1]]) < key(entries[order[j]])) {
      ++n;
      first(entries[order[j]]);
    }
    number[order[j]] = n;
  }
  return n;
}

}  // namespace

void history_arguments_for(std::span<const batch_entry> entries, int history_days, history_arguments& a) {
  for (auto* b : {&a.member_rows, &a.key_rows, &a.year_rows, &a.family_rows}) b->reset();
  a.member_of.assign(entries.size(), 0);
  a.year_of.assign(entries.size(), 0);
  a.family_of.assign(entries.size(), 0);
  codec::date earliest{};
  codec::date key_from{}, key_through{};
  int lookback = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const codec::claim& c = *entries[i].claim;
    rows_builder& k = a.key_rows;
    k.text(c.bin);
    k.text(c.pcn);
    k.text(c.provider_id_qualifier);
    k.text(c.provider_id);
    k.text(c.rx_number);
    k.integer(fill_number_of(c));
    k.date(c.date_of_service);
    k.end_row();
    const codec::date dos = c.date_of_service.valid() ? c.date_of_service : pg::today_utc();
    if (!earliest.valid() || dos < earliest) earliest = dos;
    if (!c.rx_number.empty()) {  // a K row's probe (sql_history), at the date k holds for it
      if (!key_from.valid() || dos < key_from) key_from = dos;
      if (!key_through.valid() || key_through < dos) key_through = dos;
    }
    lookback = std::max(lookback, entries[i].fill_lookback_days < 0 ? history_days : entries[i].fill_lookback_days);
  }
  a.order.clear();
  for (std::size_t i = 0; i < entries.size(); ++i) a.order.push_back(static_cast<std::uint32_t>(i));
  a.member_count = number_by_key(entries, a.order, a.member_of, member_of_claim, [&](const batch_entry& e) {
    const codec::claim& c = *e.claim;
    a.member_rows.text(c.bin);
    a.member_rows.text(c.cardholder_id);
    a.member_rows.text(c.person_code);
    a.member_rows.end_row();
  });
  // Member years and families: of the entries whose plan keeps accumulators.
  a.order.clear();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].accumulator_year.valid()) a.order.push_back(static_cast<std::uint32_t>(i));
  }
  a.year_count = number_by_key(entries, a.order, a.year_of, year_of_claim, [&](const batch_entry& e) {
    const codec::claim& c = *e.claim;
    a.year_rows.text(c.bin);
    a.year_rows.text(c.cardholder_id);
    a.year_rows.text(c.person_code);
    a.year_rows.date(e.accumulator_year);
    a.year_rows.end_row();
  });
  number_by_key(entries, a.order, a.family_of, family_of_claim, [&](const batch_entry& e) {
    const codec::claim& c = *e.claim;
    a.family_rows.text(c.bin);
    a.family_rows.text(c.cardholder_id);
    a.family_rows.end_row();
  });
  // A plan that looks back farther than history_days (a step therapy lookback of years) is read
  // as far as it looks.
  a.since = pg::format_date(pg::add_days(earliest, -std::max(history_days, lookback)));
  a.recent_since = pg::format_date(pg::add_days(earliest, -lookback));
  a.supply_date = pg::format_date(earliest);
  // No entry with a key: there is no probe, the range is never read.
  a.key_from = pg::format_date(key_from.valid() ? key_from : earliest);
  a.key_through = pg::format_date(key_through.valid() ? key_through : earliest);
  a.members = a.member_rows.finish();
  a.keys = a.key_rows.finish();
  a.years = a.year_rows.finish();
  a.families = a.family_rows.finish();
}

namespace {

// Rows of the history statement by kind (sql_history in store_statements.cpp names the columns).
template <class Row>
rules::prior_fill fill_from(const Row& row) {
  rules::prior_fill f;
  f.claim_id = pg::int_or(row[2], 0);
  f.provider_id = pg::text_view(row[3]);
  f.prescriber_id = pg::text_view(row[4]);
  f.rx_number = pg::text_view(row[5]);
  f.product_id = pg::text_view(row[6]);
  f.therapeutic_class = pg::text_view(row[7]);
  f.fill_number = static_cast<int>(pg::int_or(row[9], 0));
  f.quantity = pg::int_or(row[10], 0);
  f.days_supply = static_cast<int>(pg::int_or(row[11], 0));
  f.fill_date = pg::parse_date(pg::text_view(row[12]));
  return f;
}

template <class Row>
rules::prior_authorization authorization_from(const Row& row) {
  rules::prior_authorization a;
  a.number = pg::text_view(row[3]);
  a.product_id = pg::text_view(row[6]);
  a.therapeutic_class = pg::text_view(row[7]);
  a.max_quantity = pg::int_or(row[10], 0);
  a.effective = pg::parse_date(pg::text_view(row[12]));
  a.expires = pg::parse_date(pg::text_view(row[13]));
  a.revoked = pg::text_view(row[14]) == "t";
  return a;
}

// The amounts column (p) of K and Y rows: a bigint array as PostgreSQL prints it ({1,NULL,-3}),
// read into `out` in order; NULL elements, elements past `out` and elements that are not an
// integer stay empty. The statement builds the array itself, so it is one-dimensional, unquoted
// and without blanks.
template <std::size_t N>
void parse_amounts(std::string_view text, std::array<std::optional<std::int64_t>, N>& out) {
  out = {};
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return;
  text = text.substr(1, text.size() - 2);
  for (std::size_t i = 0; i < N && !text.empty(); ++i) {
    const std::size_t comma = text.find(',');
    const std::string_view element = text.substr(0, comma);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(element.data(), element.data() + element.size(), value);
    if (ec == std::errc{} && end == element.data() + element.size()) out[i] = value;
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
}

template <class Row>
rules::key_match key_match_from(const Row& row) {
  rules::key_match km;
  km.claim_id = pg::int_or(row[2], 0);
  const auto status = pg::text_view(row[3]);
  km.status = status.empty() ? 'P' : status[0];
  km.authorization_number = pg::text_view(row[4]);
  km.request_fingerprint = static_cast<std::uint64_t>(pg::int_or(row[9], 0));
  km.reversed = pg::text_view(row[14]) == "t";
  // The claim's amounts in sql_history's order: its pricing (0-9), what its key row applied to
  // the accumulators (10-12: NULL unless it is the active paid claim), its accumulator fields
  // (13-17).
  std::array<std::optional<std::int64_t>, 18> v;
  parse_amounts(pg::text_view(row[15]), v);
  if (v[5]) {  // total_paid: the claim was priced
    codec::pricing p;
    p.patient_pay = v[0].value_or(0);
    p.ingredient_cost_paid = v[1].value_or(0);
    p.dispensing_fee_paid = v[2].value_or(0);
    p.incentive_paid = v[3].value_or(0);
    p.professional_fee_paid = v[4].value_or(0);
    p.total_paid = *v[5];
    p.copay = v[6];
    p.coinsurance = v[7];
    p.deductible_applied = v[8];
    p.product_selection_brand = v[9];
    p.basis_of_reimbursement = pg::text_view(row[5]);
    p.accumulated_deductible = v[13];
    p.remaining_deductible = v[14];
    p.remaining_benefit = v[15];
    p.over_benefit_maximum = v[16];
    p.other_payer_recognized = v[17];
    rows::parse_other_amounts(pg::text_view(row[8]), p);
    km.price = p;
  }
  km.applied = {v[10].value_or(0), v[11].value_or(0), v[12].value_or(0)};
  return km;
}

// A Y row: the member's and the family's sums for one plan year.
template <class Row>
rules::accumulator_state accumulators_from(const Row& row) {
  std::array<std::optional<std::int64_t>, 6> v;
  parse_amounts(pg::text_view(row[15]), v);
  rules::accumulator_state s;
  s.member = {v[0].value_or(0), v[1].value_or(0), v[2].value_or(0)};
  s.family = {v[3].value_or(0), v[4].value_or(0), v[5].value_or(0)};
  return s;
}

template <class Rows>
void spread_rows(const Rows& rows, history_load& load, std::span<batch_entry> entries,
                    const history_arguments& a, std::deque<std::int64_t>& ids) {
  // Rows come ordered by kind, then index: ranges per member (F, A) and one row per key (K).
  std::vector<std::pair<std::size_t, std::size_t>> fill_range(a.member_count + 1, {0, 0});
  std::vector<std::pair<std::size_t, std::size_t>> auth_range(a.member_count + 1, {0, 0});
  std::size_t fills = 0, auths = 0;
  for (const auto& row : rows) {
    const auto kind = pg::text_view(row[0]);
    if (kind == "F") ++fills;
    if (kind == "A") ++auths;
  }
  load.fills.reserve(fills);
  load.authorizations.reserve(auths);
  for (auto& e : entries) e.history = {};
  std::vector<rules::accumulator_state> years(a.year_count + 1);  // by member year (1-based)
  for (const auto& row : rows) {
    const auto kind = pg::text_view(row[0]);
    const auto idx = static_cast<std::size_t>(pg::int_or(row[1], 0));
    if (kind == "F" && idx < fill_range.size()) {
      auto& r = fill_range[idx];
      if (r.second == 0) r.first = load.fills.size();
      ++r.second;
      load.fills.push_back(fill_from(row));
    } else if (kind == "A" && idx < auth_range.size()) {
      auto& r = auth_range[idx];
      if (r.second == 0) r.first = load.authorizations.size();
      ++r.second;
      load.authorizations.push_back(authorization_from(row));
    } else if (kind == "K" && idx >= 1 && idx <= entries.size()) {
      entries[idx - 1].history.same_key = key_match_from(row);
    } else if (kind == "Y" && idx >= 1 && idx <= a.year_count) {
      years[idx] = accumulators_from(row);
    } else if (kind == "I") {
      ids.push_back(pg::int_or(row[2], 0));
    }
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto [fill_first, fill_count] = fill_range[a.member_of[i]];
    const auto [auth_first, auth_count] = auth_range[a.member_of[i]];
    entries[i].history.fills = std::span<const rules::prior_fill>(load.fills).subspan(fill_first, fill_count);
    entries[i].history.authorizations =
        std::span<const rules::prior_authorization>(load.authorizations).subspan(auth_first, auth_count);
    if (a.year_of[i] != 0) {
      entries[i].history.accumulators = years[a.year_of[i]];
      entries[i].history.accumulators.year_start = entries[i].accumulator_year;
    }
  }
}

}  // namespace

void spread_history(const pqxx::result& rows, history_load& load, std::span<batch_entry> entries,
                    const history_arguments& a, std::deque<std::int64_t>& ids) {
  spread_rows(rows, load, entries, a, ids);
}

void spread_history(const pg::raw_rows& rows, history_load& load, std::span<batch_entry> entries,
                    const history_arguments& a, std::deque<std::int64_t>& ids) {
  spread_rows(rows, load, entries, a, ids);
}

}  // namespace rxgate::store::detail
