// One transmission through the rules, as the gateway's batch worker answers it.
#include "rules/transmission.h"

#include <algorithm>

namespace rxgate::rules {

namespace {

// 16 KiB: four transactions of the largest response rxgate composes.
constexpr std::size_t response_buffer_size = 4096 * codec::max_transactions;

void respond_header(const codec::message& request, const codec::validation& v, codec::response& r) noexcept {
  codec::echo_header(request, r);
  r.header_status = v.transmission_rejected ? 'R' : 'A';
  r.transaction_count = std::max<std::uint8_t>(1, v.claim_count);
}

// E1 answers carry the member's coverage at transmission level (ncpdp-d0.md §6.2).
void respond_eligibility(const codec::claim& c, const decision& d, codec::response& r) noexcept {
  if (!c.is_eligibility() || d.status != 'A') return;
  r.group_id = c.group_id;
  r.cardholder_id = c.cardholder_id;
  r.plan_id = d.plan_id;
  r.patient_first_name = c.patient_first_name;
  r.patient_last_name = c.patient_last_name;
  r.patient_date_of_birth = c.date_of_birth;
}

}  // namespace

bool decided_by_rules(const codec::validation& v, const codec::claim& c) noexcept {
  return !v.transmission_rejected && c.rejects.empty();
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
      d.clear();
      d.status = 'R';
      d.rejects = c.rejects.empty() ? v.transmission_rejects : c.rejects;
    } else {
      member_history h = history.for_transaction(i, c);
      // Paid B1s earlier in this transmission, newest first, ahead of the stored fills.
      for (std::uint8_t k = i; k-- > 0;) {
        const codec::claim& o = v.claims[k];
        if (!decided_by_rules(v, o) || out.decisions[k].status != 'P' || o.transaction_code != "B1") continue;
        if (o.bin != c.bin || o.cardholder_id != c.cardholder_id) continue;
        out.fills[i].push_back(fill_of(o, out.decisions[k]));
      }
      if (!out.fills[i].empty()) {
        out.fills[i].insert(out.fills[i].end(), h.fills.begin(), h.fills.end());
        h.fills = out.fills[i];
      }
      adjudicate(c, plans, h, today, d);
      // 503-F3 goes on what the payer commits to: a payment and an accepted reversal.
      const bool accepted_reversal = d.status == 'A' && c.is_reversal();
      if ((d.status == 'P' || accepted_reversal) && d.authorization_length == 0)
        d.authorization_length = numbers.next(d.authorization_number);
    }
    to_response(d, c, r.transactions[i]);
    respond_eligibility(c, d, r);
  }
}

std::string response_bytes(transmission_decision& out, const codec::message& request, const codec::validation& v) {
  std::string buf(response_buffer_size, '\0');
  if (auto n = codec::build_response(out.response, buf)) {
    buf.resize(*n);
    return buf;
  }
  // Host reject 99 for every transaction, as the gateway answers what it cannot build.
  auto& r = out.response;
  r = {};
  respond_header(request, v, r);
  r.header_status = 'A';
  for (std::uint8_t i = 0; i < r.transaction_count; ++i) {
    auto& t = r.transactions[i];
    t.status = 'R';
    t.rejects.push("99");
    if (i < v.claim_count) {
      t.rx_qualifier = v.claims[i].rx_qualifier;
      t.rx_number = v.claims[i].rx_number;
    }
  }
  buf.assign(response_buffer_size, '\0');
  auto n = codec::build_response(r, buf);
  buf.resize(n ? *n : 0);
  return buf;
}

}  // namespace rxgate::rules
