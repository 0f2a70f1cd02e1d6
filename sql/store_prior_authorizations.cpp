// The P1-P4 part of a batch (store_prior_authorizations.h).
#include "sql/store_prior_authorizations.h"

#include "sql/store_rows.h"

namespace rxgate::store::detail {

using rows::fill_number_of;
using rows::rows_builder;

namespace {
bool any_prior_authorization(std::span<const batch_entry> entries) noexcept {
  for (const auto& e : entries)
    if (e.claim->is_prior_authorization()) return true;
  return false;
}
}  // namespace

std::vector<std::string> pa_lookup_arguments(std::span<const batch_entry> entries, std::vector<std::size_t>& which) {
  which.clear();
  if (!any_prior_authorization(entries)) return {};  // a batch of claims builds nothing
  rows_builder b(10, false);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const codec::claim& c = *entries[i].claim;
    if (!c.is_prior_authorization()) continue;
    which.push_back(i);
    b.text(c.bin);
    b.text(c.cardholder_id);
    b.text(c.pa_number_assigned);
    b.text(c.pcn);
    b.text(c.provider_id_qualifier);
    b.text(c.provider_id);
    b.text(c.rx_number);
    b.integer(fill_number_of(c));
    b.date(c.date_of_service);
    b.raw(c.is_pa_request() ? "t" : "f");
    b.end_row();
  }
  if (which.empty()) return {};
  return std::move(b).arrays();
}

namespace {

rules::pa_review_state state_of(std::string_view s) noexcept {
  if (s == "approved") return rules::pa_review_state::approved;
  if (s == "denied") return rules::pa_review_state::denied;
  return rules::pa_review_state::pending;
}

template <class Rows>
void spread_rows(const Rows& rows, std::span<batch_entry> entries, const std::vector<std::size_t>& which) {
  for (const auto& row : rows) {
    const auto idx = static_cast<std::size_t>(pg::int_or(row[0], 0));
    if (idx < 1 || idx > which.size()) continue;
    auto& h = entries[which[idx - 1]].history;
    h.reserved_pa_number = pg::text_view(row[10]);
    if (row[1].is_null()) continue;
    rules::prior_authorization_on_file pa;
    pa.id = pg::int_or(row[1], 0);
    pa.number = pg::text_view(row[2]);
    pa.state = state_of(pg::text_view(row[3]));
    pa.revoked = pg::text_view(row[4]) == "t";
    pa.requested_on = pg::parse_date(pg::text_view(row[5]));
    pa.reviewed_on = pg::parse_date(pg::text_view(row[6]));
    pa.effective = pg::parse_date(pg::text_view(row[7]));
    pa.expires = pg::parse_date(pg::text_view(row[8]));
    pa.max_quantity = pg::int_or(row[9], 0);
    h.named_authorization = pa;
  }
}

}  // namespace

void spread_pa_lookup(const pqxx::result& rows, std::span<batch_entry> entries, const std::vector<std::size_t>& which) {
  spread_rows(rows, entries, which);
}
void spread_pa_lookup(const pg::raw_rows& rows, std::span<batch_entry> entries, const std::vector<std::size_t>& which) {
  spread_rows(rows, entries, which);
}

std::vector<std::string> pa_record_arguments(std::span<const batch_entry> entries, bool& any) {
  any = false;
  if (!any_prior_authorization(entries)) return {};
  rows_builder filed(17, false);
  rows_builder cancelled(2, false);
  for (const auto& e : entries) {
    const auto& answer = e.decision.pa_answer;
    if (!answer || answer->change == rules::pa_change::none) continue;
    const codec::claim& c = *e.claim;
    if (answer->change == rules::pa_change::cancel) {
      cancelled.integer(answer->record_id);
      cancelled.text(std::string(c.transaction_code) + " " + std::string(c.provider_id));
      cancelled.end_row();
      continue;
    }
    filed.text(answer->number_view());
    filed.text(c.bin);
    filed.text(c.cardholder_id);
    filed.text(c.person_code);
    filed.text(c.product_id);
    filed.text(e.decision.therapeutic_class);
    filed.date(c.pa_period_begin.value_or(c.date_of_service));
    filed.date(c.pa_period_end.value_or(c.date_of_service));
    filed.text(c.pa_request_type);
    filed.text(c.pa_basis);
    filed.text(c.transaction_code);
    filed.text(c.pcn);
    filed.text(c.provider_id_qualifier);
    filed.text(c.provider_id);
    filed.text(c.rx_number);
    filed.integer(fill_number_of(c));
    filed.date(c.date_of_service);
    filed.end_row();
  }
  any = filed.rows() || cancelled.rows();
  std::vector<std::string> arguments;
  for (auto* b : {&filed, &cancelled})
    for (auto& a : std::move(*b).arrays()) arguments.push_back(std::move(a));
  return arguments;
}

}  // namespace rxgate::store::detail
