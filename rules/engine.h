// The engine behind adjudicate(): one object per claim holding the claim, the plan, the member
// history and the decision being written, with one member function per rule. Internal to rules/
// (adjudicate.cpp runs the claim-level steps, history_rules.cpp the rules that read the member's
// history: PA, step therapy, limits, refill-too-soon, DUR). Everything is noexcept and
// allocation free.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "rules/decision.h"
#include "rules/history.h"
#include "rules/plan_model.h"
#include "rules/text_builder.h"

namespace rxgate::rules::detail {

using namespace codec::literals;

inline constexpr std::string_view significance_text(int s) noexcept {
  switch (s) {
    case 1: return "1";
    case 2: return "2";
    case 3: return "3";
    default: return "9";
  }
}

inline bool has_scc(const codec::claim& c, int code) noexcept {
  for (std::size_t i = 0; i < c.scc_count && i < c.scc.size(); ++i)
    if (c.scc[i] == code) return true;
  return false;
}

// 461-EU 9 with the ECL's fixed emergency-preparedness override numbers (ncpdp-d0.md §9).
inline bool emergency_override(const codec::claim& c, std::string_view specific) noexcept {
  if (c.pa_type != "9" && c.pa_type != "09") return false;
  return c.pa_number == specific || c.pa_number == "91100000005";
}

inline bool contains(const std::vector<std::string_view>& list, std::string_view v) noexcept {
  return std::find(list.begin(), list.end(), v) != list.end();
}

class engine {
 public:
  engine(const codec::claim& c, const plan_set& plans, const member_history& h, codec::date today,
         decision& d) noexcept
      : c_(c), plans_(plans), h_(h), today_(today), d_(d) {
    fill_drug_cache_.fill(unresolved);
  }

  void run() noexcept;

 private:
  void reject(std::string_view code, codec::field_id field = 0, std::uint8_t occurrence = 0) noexcept {
    d_.rejects.push(code, field, occurrence);
  }
  void text(const text_builder& t) noexcept { d_.add_text(t.view()); }
  // The date whose plan year the accumulators count in.
  codec::date accumulator_date() const noexcept {
    return p_->accumulators.year_by_processing_date ? today_ : c_.date_of_service;
  }
  bool route() noexcept;
  bool decide_by_key() noexcept;
  bool eligibility() noexcept;
  void pharmacy_checks() noexcept;
  void other_coverage_checks() noexcept;
  void bill_primary_first(const other_coverage& o) noexcept;
  void cob_checks(int other_coverage_code) noexcept;
  void product_checks(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  void product_selection(const product& d) noexcept;
  void single_product() noexcept;
  void compound() noexcept;
  void prior_auth_checks(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  bool submitted_pa(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  void pa_on_file(const product& d, std::int64_t qty, std::uint8_t occurrence) noexcept;
  bool pa_covers(const prior_authorization& a, const product& d) const noexcept;
  bool pa_active(const prior_authorization& a, std::int64_t qty) const noexcept;
  bool pa_dated(const prior_authorization& a) const noexcept;
  void step_therapy(const product& d, std::uint8_t occurrence) noexcept;
  // P1-P4 (pa_transactions.cpp): request, cancel, inquire.
  void prior_authorization_transaction() noexcept;
  void pa_request() noexcept;
  void pa_cancel(const prior_authorization_on_file& pa) noexcept;
  void pa_answer_state(const prior_authorization_on_file& pa) noexcept;
  pa_transaction_answer& pa_answer_for(std::string_view number) noexcept;
  void diagnosis_checks(const product& d) noexcept;
  // Transition and emergency fills (plan.toml [transition], [emergency]): a reject they lift.
  struct checkpoint {
    std::uint8_t rejects, texts, preferred;
  };
  checkpoint mark() const noexcept { return {d_.rejects.count, d_.text_count, d_.preferred_count}; }
  void lift(const checkpoint& before, std::string_view code, const product& d) noexcept;
  bool transition_open(const product& d) noexcept;
  bool emergency_signalled() const noexcept;
  void approve(std::string_view message) noexcept;
  void compound_cost(std::int64_t submitted, std::int64_t first_quantity) noexcept;
  void limits(const product& d) noexcept;
  void compound_limits(std::uint8_t ingredients) noexcept;
  // Ingredient i of the compound when the plan pays it (found, not left out under 420-DK 8).
  const product* paid_ingredient(std::uint8_t i) const noexcept {
    return dropped_ingredients_ & (1u << i) ? nullptr : p_->find_product(c_.ingredients[i].product_id);
  }
  bool days_supply_limit(int product_max, limit_detail& detail) noexcept;
  void limit_hit(const limit_detail& detail) noexcept;
  bool quantity_limit(const product& d, std::int64_t qty, codec::field_id field, std::uint8_t occurrence,
                      limit_detail& detail) noexcept;
  bool quantity_per_day_limit(const product& d, limit_detail& detail) noexcept;
  void refill_too_soon(const product& d) noexcept;
  // Drug identity (DESIGN.md 7b): NDCs sharing a drug key are one drug.
  bool same_drug(const prior_fill& f, const product& d) noexcept;
  std::uint32_t fill_drug(const prior_fill& f) noexcept;
  bool pa_names_drug(const prior_authorization& a, const product& d) const noexcept;
  void dur(const product& d) noexcept;
  void add_alert(std::string_view reason, int severity, const prior_fill* other, std::string_view free_text) noexcept;
  void add_preferred(const product& d) noexcept;
  void specialty_network() noexcept;
  // Networks (DESIGN.md §5): the pricing terms, MAC price and copay of this claim's pharmacy
  // network and member group, resolved at plan load (benefit_cell).
  pricing_terms pricing_terms_in_force() const noexcept { return cell_ ? cell_->net->pricing : p_->plan_pricing(); }
  std::int64_t mac_unit(const product& d) const noexcept;
  const copay_rule* copay_rule_in_force(int tier, copay_rule& scratch) const noexcept;
  void add_alternative(std::string_view ndc, const product* alt) noexcept;
  void price() noexcept;
  bool counts(const prior_fill& f) const noexcept {
    // The claim a B3 reverses is not history for its own rebill.
    return !(h_.same_key && f.claim_id == h_.same_key->claim_id && d_.replaces_claim_id == f.claim_id);
  }

  const codec::claim& c_;
  const plan_set& plans_;
  const member_history& h_;
  codec::date today_;
  decision& d_;
  const plan* p_ = nullptr;
  const member* m_ = nullptr;
  const pharmacy* ph_ = nullptr;
  const benefit_cell* cell_ = nullptr;  // the member's group at the pharmacy's network
  const product* product_ = nullptr;
  int compound_tier_ = 0;
  // Product selection: the generic a multi-source brand is priced against under the DAW policy
  // (penalty or generic_price), null when the brand is paid as itself.
  const product* generic_ = nullptr;
  daw_action selection_ = daw_action::brand;
  // Drug ids of the first fills of the history, resolved on first use (a plan lookup each).
  static constexpr std::uint32_t unresolved = string_index::npos - 1;
  std::array<std::uint32_t, 16> fill_drug_cache_;
  std::int64_t compound_cost_ = 0;
  std::uint32_t dropped_ingredients_ = 0;  // bit i: ingredient i not paid (420-DK 8)
  std::string_view compound_basis_;
  // Coordination of benefits: the claim is paid after other payers (priced under [cob]), and on
  // the other payer's patient responsibility whatever the plan says (308-C8 = 8).
  bool coordinated_ = false;
  bool by_responsibility_ = false;
};

}  // namespace rxgate::rules::detail
