// fingerprint(): the hash that tells a retransmit (same significant fields) from a different claim
// under the same claim key (DESIGN.md §3).
#include "rules/adjudicate.h"
#include "rules/string_index.h"

namespace rxgate::rules {

namespace {
struct hasher {
  std::uint64_t h = 0x6A09E667F3BCC908ull;
  void s(std::string_view v) noexcept { h = hash_bytes(v, h); }
  void n(std::int64_t v) noexcept {
    h = (h ^ static_cast<std::uint64_t>(v)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
  }
  void o(const std::optional<std::int64_t>& v) noexcept { n(v ? *v : -1); }
  void o(const std::optional<int>& v) noexcept { n(v ? *v : -1); }
};
}  // namespace

std::uint64_t fingerprint(const codec::claim& c) noexcept {
  hasher h;
  // A rebill is not a retransmit of the claim it replaces, even with the same fields; B1 (and
  // B2, P1..) fingerprints stay what they were when the code was not hashed.
  if (c.transaction_code == "B3") h.s("B3");
  h.s(c.bin);
  h.s(c.pcn);
  h.s(c.provider_id_qualifier);
  h.s(c.provider_id);
  h.n(c.date_of_service.days());
  h.s(c.cardholder_id);
  h.s(c.person_code);
  h.s(c.group_id);
  h.s(c.rx_number);
  h.o(c.fill_number);
  h.s(c.product_qualifier);
  h.s(c.product_id);
  h.o(c.quantity);
  h.o(c.days_supply);
  h.o(c.compound_code);
  h.s(c.daw);
  h.s(c.other_coverage_code);
  h.s(c.pa_type);
  h.s(c.pa_number);
  for (std::size_t i = 0; i < c.scc_count && i < c.scc.size(); ++i) h.n(c.scc[i]);
  h.o(c.ingredient_cost);
  h.o(c.dispensing_fee);
  h.o(c.usual_customary);
  h.o(c.gross_amount_due);
  h.o(c.patient_paid);
  for (std::size_t i = 0; i < c.dur_pps_count && i < c.dur_pps.size(); ++i) {
    h.s(c.dur_pps[i].reason);
    h.s(c.dur_pps[i].professional);
    h.s(c.dur_pps[i].result);
  }
  for (std::size_t i = 0; i < c.ingredient_count && i < c.ingredients.size(); ++i) {
    h.s(c.ingredients[i].product_id);
    h.n(c.ingredients[i].quantity);
    h.o(c.ingredients[i].cost);
  }
  for (std::size_t i = 0; i < c.other_payer_count && i < c.other_payers.size(); ++i) {
    const auto& p = c.other_payers[i];
    h.s(p.id);
    h.n(p.amount_paid);
    // Rejects and the patient's responsibility change what COB pays; hashed only when sent so
    // that the fingerprints of claims stored without them stay what they were.
    for (auto code : c.reject_codes(p)) h.s(code);
    for (const auto& r : c.patient_responsibility(p)) {
      h.s(r.qualifier);
      h.n(r.amount);
    }
  }
  return h.h;
}

}  // namespace rxgate::rules
