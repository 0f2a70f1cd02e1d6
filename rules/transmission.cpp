// One transmission through the rules, as the gateway's batch worker answers it.
#include "rules/transmission.h"

#include <algorithm>

#include "rules/accumulators.h"

namespace rxgate::rules {

namespace {
// Four transactions of the largest response rxgate composes.
constexpr std::size_t response_buffer_size = 4096 * codec::max_transactions;
}  // namespace

bool decided_by_rules(const codec::validation& v, const codec::claim& c) noexcept {
  return !v.transmission_rejected && c.rejects.empty();
}

void decide_unusable(const codec::validation& v, const codec::claim& c, decision& out) noexcept {
  out.clear();
  out.status = 'R';
  out.rejects = c.rejects.empty() ? v.transmission_rejects : c.rejects;
}

bool is_history_for(const codec::claim& earlier, const decision& d, const codec::claim& later) noexcept {
  return d.status == 'P' && earlier.transaction_code == "B1" && earlier.bin == later.bin &&
         earlier.cardholder_id == later.cardholder_id && earlier.person_code == later.person_code;
}

prior_fill fill_of(const codec::claim& c, const decision& d, std::int64_t claim_id) noexcept {
  prior_fill f;
  f.claim_id = claim_id;
  f.provider_id = c.provider_id;
  f.prescriber_id = c.prescriber_id;
  f.rx_number = c.rx_number;
  f.fill_number = c.fill_number.value_or(0);
  f.product_id = c.product_id;
  f.therapeutic_class = d.therapeutic_class;
  f.fill_date = c.date_of_service;
  f.quantity = c.quantity.value_or(0);
  f.days_supply = c.days_supply.value_or(0);
  return f;
}

void decide_transaction(const codec::claim& c, const plan_set& plans, const member_history& history,
                        codec::date today, authorization_source& numbers, decision& out) noexcept {
  adjudicate(c, plans, history, today, out);
  // 503-F3 goes on what the payer commits to: a payment and an accepted reversal.
  const bool accepted_reversal = out.status == 'A' && c.is_reversal();
  if ((out.status == 'P' || accepted_reversal) && out.authorization_length == 0)
    out.authorization_length = numbers.next(out.authorization_number);
}

void respond_header(const codec::message& request, const codec::validation& v, codec::response& r) noexcept {
  codec::echo_header(request, r);
  r.header_status = v.transmission_rejected ? 'R' : 'A';
  r.transaction_count = std::max<std::uint8_t>(1, v.claim_count);
}

void respond_transaction(const codec::claim& c, const decision& d, std::size_t index, codec::response& r) noexcept {
  to_response(d, c, r.transactions[index]);
  // E1 answers carry the member's coverage at transmission level (ncpdp-d0.md §6.2).
  if (!c.is_eligibility() || d.status != 'A') return;
  r.group_id = c.group_id;
  r.cardholder_id = c.cardholder_id;
  r.plan_id = d.wire_plan_id;
  r.patient_first_name = c.patient_first_name;
  r.patient_last_name = c.patient_last_name;
  r.patient_date_of_birth = c.date_of_birth;
}

void respond_host_reject(const codec::message& request, const codec::validation& v, std::string_view code,
                         codec::response& r) noexcept {
  respond_header(request, v, r);
  r.header_status = 'A';
  for (std::uint8_t i = 0; i < r.transaction_count; ++i) {
    auto& t = r.transactions[i];
    t.status = 'R';
    t.rejects.push(code);
    if (i < v.claim_count) {
      t.rx_qualifier = v.claims[i].rx_qualifier;
      t.rx_number = v.claims[i].rx_number;
    }
  }
}

bool write_response(const codec::response& r, std::string& out) {
  std::array<char, response_buffer_size> buf;
  auto n = codec::build_response(r, buf);
  if (!n) return false;
  out.assign(buf.data(), *n);
  return true;
}

void decide_transmission(const codec::message& request, const codec::validation& v, const plan_set& plans,
                         const history_source& history, codec::date today, authorization_source& numbers,
                         transmission_decision& out) {
  auto& r = out.response;
  r = {};
  respond_header(request, v, r);
  for (std::uint8_t i = 0; i < v.claim_count; ++i) {
    const codec::claim& c = v.claims[i];
    decision& d = out.decisions[i];
    out.fills[i].clear();
    if (!decided_by_rules(v, c)) {
      decide_unusable(v, c, d);
    } else {
      member_history h = history.for_transaction(i, c);
      // Paid B1s earlier in this transmission, newest first, ahead of the stored fills.
      for (std::uint8_t k = i; k-- > 0;)
        if (is_history_for(v.claims[k], out.decisions[k], c)) out.fills[i].push_back(fill_of(v.claims[k], out.decisions[k]));
      if (!out.fills[i].empty()) {
        out.fills[i].insert(out.fills[i].end(), h.fills.begin(), h.fills.end());
        h.fills = out.fills[i];
      }
      // What earlier transactions of the member's family applied to the plan year's accumulators.
      // (A source that loaded none counts from zero in the claim's plan year.)
      if (!h.accumulators.year_start.valid()) h.accumulators.year_start = accumulator_year(c, plans, today);
      // A rebill is priced without the claim it replaces, and so are later transactions.
      release_replaced(c, h, true, c, h.accumulators);
      for (std::uint8_t k = 0; k < i; ++k) {
        add_earlier(v.claims[k], out.decisions[k], c, h.accumulators);
        if (v.claims[k].transaction_code == "B3" && h.accumulators.year_start.valid() &&
            out.decisions[k].accumulator_year == h.accumulators.year_start)
          release_replaced(v.claims[k], history.for_transaction(k, v.claims[k]), out.decisions[k].status == 'P', c,
                           h.accumulators);
      }
      decide_transaction(c, plans, h, today, numbers, d);
    }
    respond_transaction(c, d, i, r);
  }
}

std::string response_bytes(transmission_decision& out, const codec::message& request, const codec::validation& v) {
  std::string bytes;
  if (write_response(out.response, bytes)) return bytes;
  // As the gateway answers a response it cannot build.
  out.response = {};
  respond_host_reject(request, v, "99", out.response);
  if (!write_response(out.response, bytes)) bytes.clear();
  return bytes;
}

}  // namespace rxgate::rules
