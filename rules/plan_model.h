// The plan snapshot model: what load_plans() builds and adjudicate() reads.
//
// A `plan` is one version of one plan folder (config/plans/<folder>/): its plan.toml settings and
// its CSV tables, indexed for O(1) lookups by string_view. Every string in a plan lives in the
// plan's own string_pool, so string_views handed out (product names, alternatives, phone
// numbers) stay valid for as long as the plan_set that holds the plan lives. A plan_set is
// immutable once built: adjudicate() only reads it, from any number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/numeric.h"
#include "rules/decision.h"
#include "rules/plan.h"
#include "rules/huge_pages.h"
#include "rules/string_index.h"

namespace rxgate::rules {

// Stable storage for the strings of a snapshot: chunks never move, so views stay valid.
class string_pool {
 public:
  std::string_view intern(std::string_view s);
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t used_ = 0, capacity_ = 0, bytes_ = 0;
};

// Money is integer cents; unit prices are in 1/100000 dollar (5 decimals, as drug files carry
// them); quantities are thousandths; rates are basis points (1/100 percent).
struct copay_rule {
  int tier = 0;
  bool coinsurance = false;
  std::int64_t flat = 0;                  // cents, when !coinsurance
  int rate_bp = 0;                        // coinsurance rate, basis points
  std::int64_t minimum = 0, maximum = 0;  // cents; maximum 0 = no cap
};

enum class pricing_basis : std::uint8_t { awp, mac, wac, lowest };

// How ingredient cost and fees are paid: the plan's [pricing], or a network's own terms.
struct pricing_terms {
  pricing_basis basis = pricing_basis::lowest;
  int awp_discount_bp = 0;  // AWP minus this
  int wac_markup_bp = 0;    // WAC plus this
  std::int64_t dispensing_fee = 0, compound_fee = 0;  // cents
};

// The channel a network dispenses through: it picks the plan's (or group's) default days-supply
// maximum, and specialty networks may dispense specialty drugs.
enum class channel : std::uint8_t { retail, mail, specialty };
std::string_view to_string(channel c) noexcept;

// Copays of a days-supply band of a network: claims of from_days..to_days days pay the tier's
// copay scaled by multiplier_pct (flat amount, coinsurance minimum and maximum; the rate stays),
// or the band's own copay for the tiers it lists.
struct copay_band {
  int from_days = 1, to_days = 1;
  int multiplier_pct = 100;          // 100 = the tier's copay as it is
  std::vector<copay_rule> copays;    // explicit copays by tier (override the multiplier)
  const copay_rule* copay_for_tier(int tier) const noexcept;
};

// A pharmacy network ([[network]] in plan.toml). Settings it leaves out are the plan's (or the
// member's group's); networks "retail" and "mail" exist even when the plan declares none, and are
// then the plan's own settings (pharmacies.csv mail_order picks one of them).
struct network {
  std::string_view name;
  channel kind = channel::retail;
  bool declared = false;         // false: an implicit retail/mail network
  int max_days_supply = 0;       // 0: the channel's maximum of the group, else of the plan
  pricing_terms pricing;         // resolved: the network's keys over the plan's [pricing]
  std::string_view mac_list;     // file of the plan folder with this network's MAC prices, if any
  std::vector<std::int64_t> mac_units;  // by product row (1/100000 dollar, 0 = no MAC); empty: formulary mac_unit
  std::vector<copay_rule> copays;       // tier copays that replace the group's/plan's at this network
  std::vector<copay_band> bands;        // sorted, contiguous from day 1; empty = no banding
  const copay_band* band_for(int days) const noexcept;
};

// A group's own benefit ([[group]] in plan.toml): copays and channel maxima that replace the
// plan's for members of the group. 0 / empty = the plan's.
// How a secondary (or tertiary) claim is paid after the other payers ([cob] method).
enum class cob_method : std::uint8_t {
  standard,         // up to this plan's own payment, within the allowed amount less others' payments
  non_duplication,  // only what this plan's own payment exceeds the others' payments by
  carve_out,        // this plan's cost share applied to the balance the others left
};
std::string_view to_string(cob_method m) noexcept;  // the name written in plan.toml

struct group_benefit {
  std::string_view id;
  std::vector<copay_rule> copays;
  int max_days_supply_retail = 0, max_days_supply_mail = 0;
  std::optional<cob_method> cob;  // [[group]] cob_method; empty: [cob] method
};

// What a claim of a member of group g at a pharmacy of network n gets, resolved at load so that
// adjudicate() reads one cell: the network's setting over the group's over the plan's.
struct benefit_cell {
  const network* net = nullptr;
  int max_days_supply = 0;
  std::array<copay_rule, 10> copay{};  // by tier; tier 0 in a slot = no copay for that tier
};
// What the plan does with a claim for a multi-source brand (a brand with a generic equivalent)
// by its 408-D8 DAW code ([daw] in plan.toml); `not_supported` applies to every product.
enum class daw_action : std::uint8_t {
  brand,             // pay the brand at its own tier (the default for every code)
  penalty,           // pay the brand; the patient also pays the brand-generic difference (134-UK)
  generic_price,     // pay the brand as if it were its generic (ingredient cost and cost share)
  generic_required,  // reject: UU on DAW 0, AJ on any other code
  prior_auth,        // pay the brand only under a PA for the drug (75 without one)
  not_supported,     // reject 8K: the plan does not accept this DAW code
};
// The name written in plan.toml ("generic_required"); the inverse of parse in plan_settings.cpp.
std::string_view to_string(daw_action a) noexcept;
// Whose cost share a brand penalty is added to ([daw] penalty_cost_share).
enum class penalty_share : std::uint8_t { generic, brand };

// [accumulators]: money counted over a plan year, per member and per family (the persons of one
// cardholder ID). Amounts in cents; 0 = the plan has no such limit. config/plans/README.md
// documents each key and the policy choices (shared/notes/benefit-policies.md).
enum class family_rule : std::uint8_t {
  embedded,      // a member's own amount ends their phase; the family amount ends everyone's
  non_embedded,  // with two or more persons only the family amount counts
};
enum class amount_report : std::uint8_t { member, family, smaller };  // whose figure 512-FC/513-FD carry
struct accumulator_rules {
  bool enabled = false;            // plan.toml has an [accumulators] table
  int year_start_month = 1;        // the plan year starts on day 1 of this month
  bool year_by_processing_date = false;  // plan year of the processing date, not the date of service
  std::int64_t deductible = 0, family_deductible = 0;
  family_rule family_deductible_rule = family_rule::embedded;
  std::int64_t out_of_pocket_max = 0, family_out_of_pocket_max = 0;
  std::int64_t benefit_max = 0;    // what the plan pays for a member in a year
  std::uint32_t exempt_tiers = 0;  // bit t: tier t skips the deductible
  bool exempt_copay_after_out_of_pocket = false;  // exempt tiers keep their copay past the OOP max
  bool out_of_pocket_cuts_deductible_first = false;  // default: the copay/coinsurance is cut first
  amount_report accumulated_report = amount_report::member;  // 512-FC
  amount_report remaining_report = amount_report::smaller;   // 513-FD
  bool report_before_claim = false;   // 512-FC/513-FD as before this claim (default: after)
  bool remaining_benefit_is_out_of_pocket_room = false;  // 514-FE
  bool brand_penalty_counts_to_out_of_pocket = true;
  bool over_benefit_counts_to_out_of_pocket = false;
  bool reject_over_benefit_max = false;  // default: pay what is left, the rest in 520-FK
};

// [cob]: coordination of benefits (config/plans/README.md, shared/notes/benefit-policies.md).
struct cob_rules {
  cob_method method = cob_method::standard;
  // 342-HC qualifiers whose 431-DV count as the other payers' payment (566-J5); empty = every one.
  std::vector<std::string_view> recognized_qualifiers;
  bool last_payer_only = false;          // count only the last other payer's amounts
  bool reject_zero_payment = false;      // a secondary that would pay 0.00 rejects (622)
  // 472-6E codes of an other payer that let a C8 = 3 claim pay as primary (default: the other
  // payer does not cover the product or the patient); any other code: 41.
  std::vector<std::string_view> pay_as_primary_codes{"70", "MR", "65", "67", "68", "69"};
  bool coordinate_patient_responsibility = false;  // pay at most the other payer's 352-NQ
  bool accumulate_as_primary = false;    // default: the accumulators move by what the member paid
  std::string_view missing_amount_code = "DV";  // C8 = 2 without 431-DV: DV or 8W
  bool recognizes(std::string_view qualifier) const noexcept {
    if (recognized_qualifiers.empty()) return true;
    for (auto q : recognized_qualifiers)
      if (q == qualifier) return true;
    return false;
  }
  bool pays_as_primary_after(std::string_view reject_code) const noexcept {
    for (auto c : pay_as_primary_codes)
      if (c == reject_code) return true;
    return false;
  }
};

struct product {
  // The NDC kept inside the record, next to its view, so that an index hit reads no other cache
  // line; `ndc` points here once the table is final (records never move after loading).
  std::array<char, 16> ndc_inline{};
  std::string_view ndc, name, therapeutic_class;
  // The drug (ingredient + strength + dosage form + route) this NDC is a package of; NDCs that
  // share it are one drug for refill-too-soon, accumulated limits, PA, step therapy and DUR.
  // formulary.csv column drug_key; the NDC itself when empty.
  std::string_view drug_key;
  std::uint32_t class_id = 0;  // index into plan::classes
  std::uint32_t drug_id = 0;   // index into plan::drug_keys
  int tier = 0;
  bool covered = true;       // false: plan/benefit exclusion (70)
  bool on_formulary = true;  // false: not on formulary (MR)
  bool pa_required = false;
  std::string_view pa_type;  // 461-EU value the PA is issued under ("1" PA, "2" medical cert ...)
  std::int64_t quantity_limit = 0;  // thousandths per quantity_limit_days; 0 = none
  int quantity_limit_days = 0;
  int max_days_supply = 0;          // 0 = plan limits only
  int min_age = 0, max_age = 0;     // years, inclusive; 0 = none
  int gender = 0;                   // 0 any, 1 male only, 2 female only
  bool specialty = false;           // must be dispensed by a specialty pharmacy
  bool compoundable = false;        // may be an ingredient of a compound
  // Covered only for some diagnoses (formulary.csv diagnosis_required): the codes are kept beside
  // the table, plan::diagnosis_codes(), so that the record stays four cache lines.
  bool diagnosis_required = false;
  std::string_view generic_ndc;     // a brand's generic equivalent, if any
  // formulary.csv multi_source (Medi-Span style): 'M' multi-source brand, 'N' single-source brand,
  // 'O' originator sold as a generic, 'Y' generic; 0 when the column is empty.
  char multi_source = 0;
  std::uint8_t dea_schedule = 0;          // 1-5 (formulary.csv dea_schedule); 0 = not controlled
  std::uint8_t refill_threshold_pct = 0;  // this drug's refill-too-soon threshold; 0 = schedule's or plan's
  // The generic a multi-source brand is compared with (row in plan::products), -1 when the product
  // is no brand with a generic: DAW policy and brand penalties apply only when it is set.
  std::int32_t generic_row = -1;
  std::int64_t max_quantity_per_day = 0;  // thousandths per day of supply; 0 = none
  std::vector<std::string_view> step_prerequisites;  // NDCs, drug keys or therapeutic classes
  std::vector<std::string_view> step_prerequisite_drugs;  // the same, NDCs replaced by their drug key
  std::vector<std::string_view> preferred;           // preferred alternative NDCs
  std::int64_t awp_unit = 0, wac_unit = 0, mac_unit = 0;  // 1/100000 dollar per unit; 0 = none
};

struct other_coverage {
  std::string_view bin, pcn, group, cardholder_id, person_code, help_desk_phone;
};

struct member {
  // cardholder_id, person_code and group kept inside the record (see product::ndc_inline).
  std::array<char, 40> key_inline{};
  std::string_view cardholder_id, person_code, group, first_name, last_name;
  codec::date date_of_birth;
  int gender = 0;        // 305-C5
  int relationship = 1;  // 306-C6
  std::uint16_t group_index = 0;  // index of `group` in plan::groups (benefit cells)
  codec::date coverage_from, coverage_to;  // inclusive; coverage_to invalid = open ended
  codec::date terminated_on;               // valid: coverage ended early (69 rather than 68)
  int other_coverage_index = -1;           // into plan::other_coverages
  std::vector<std::string_view> allergy_classes;
};

struct pharmacy {
  std::string_view npi, name, phone;
  std::string_view network;        // pharmacies.csv network; empty: retail, or mail when mail_order
  bool in_network = true;
  bool specialty = false;          // may dispense specialty drugs (flag, or a specialty network)
  bool mail_order = false;
  std::uint16_t network_index = 0; // into plan::networks (resolved at load)
};

struct interaction {
  std::string_view class_a, class_b;
  int severity = 2;  // 528-FS: 1 major, 2 moderate, 3 minor
  std::string_view text;
};
struct duplicate_therapy {
  std::string_view therapeutic_class;
  int severity = 2;
};
struct dose_limit {
  std::string_view ndc;
  std::int64_t max_daily = 0;  // thousandths of a unit per day
  int severity = 2;
};

// Compounds (plan.toml [compound]). Amounts in cents; 0 = no such limit.
struct compound_policy {
  bool pay_approved_ingredients = false;  // 420-DK 8 pays the covered ingredients instead of rejecting
  std::int64_t cost_cap = 0;              // ingredient cost above it rejects 78
  std::int64_t pa_threshold = 0;          // ingredient cost above it needs a PA (75)
};

// Transition and emergency fills (plan.toml [transition], [emergency]).
struct fill_policy {
  int transition_window_days = 0;      // the first N days of a member's coverage; 0 = no transition benefit
  int transition_days_supply = 30;     // the most days supply a transition fill pays
  int emergency_days_supply = 0;       // the most days supply of an emergency fill of a PA drug; 0 = none
};

// A refill-too-soon threshold and where it comes from (the status API shows both).
struct refill_threshold {
  int pct = 80;
  threshold_source source = threshold_source::plan;
};

// One version of one plan.
struct plan {
  // identity and routing
  std::string_view id, name, folder;
  std::uint32_t version = 0;
  bool demo = false;
  std::string_view bin, pcn;
  std::vector<std::string_view> groups;
  codec::date effective_from, effective_to;  // inclusive; effective_to invalid = open ended
  std::string_view help_desk_phone;
  // 524-FO Plan ID sent on the wire (x(8)): [plan] wire_plan_id, by default the id upper-cased
  // when it fits 8 characters, else empty (524-FO is then not sent rather than cut).
  std::string_view wire_plan_id;
  // Telecommunication versions accepted, by processing date ([ncpdp]; inclusive): D.0 through
  // d0_until, F6 from f6_from. The defaults are the federal dates (45 CFR 162.1102): D.0 alone
  // through 2027-08-14, F6 beside it from 2027-08-15, F6 alone from 2028-04-14.
  codec::date d0_until{2028, 4, 13};
  codec::date f6_from{2027, 8, 15};
  // True when a claim sent in `wire_version` (102-A2 "D0" or "F6") is taken when processed `today`.
  bool accepts_version(std::string_view wire_version, codec::date today) const noexcept {
    if (wire_version == "F6") return today >= f6_from;
    if (wire_version == "D0") return today <= d0_until;
    return false;
  }

  // benefit
  std::vector<copay_rule> copays;  // by tier
  int refill_threshold_pct = 80;
  std::vector<int> refill_override_scc;  // 420-DK values that lift refill-too-soon
  int max_days_supply_retail = 34, max_days_supply_mail = 90;
  int step_lookback_days = 180;
  int timely_filing_days = 90;
  int dur_reject_severity = 1;  // alerts of this significance or higher (1 = major) reject 88
  std::vector<std::string_view> dur_override_results;  // 441-E6 values that override an 88
  // Reject codes a payer chooses: a specialty drug outside the specialty network (G6 or 4W), and
  // a retail claim over the retail maximum (7X, or G9 "not in the 90-day retail network").
  std::string_view specialty_reject_code = "G6";
  std::string_view retail_days_supply_reject_code = "7X";
  std::string_view specialty_pharmacy_npi;       // [benefit] specialty_pharmacy as written
  std::int32_t specialty_pharmacy_index = -1;    // where G6/4W send the patient; -1 = none
  // Refill-too-soon threshold by DEA schedule (index 1-5); 0 = the plan's refill_threshold_pct.
  std::array<std::uint8_t, 6> refill_threshold_by_schedule{};
  // Product selection: the action for each 408-D8 value (index 0-9).
  std::array<daw_action, 10> daw{};
  penalty_share daw_penalty_share = penalty_share::generic;
  compound_policy compound;
  fill_policy fills;
  // How many days before a claim's date of service the rules read every fill: the farthest of
  // step_lookback_days, the transition window and the products' quantity_limit_days (set by
  // resolve_fill_lookback(); -1 until then: every fill the store keeps). Older fills matter only
  // while their days supply lasts (refill too soon and therapeutic duplication never look at a
  // fill whose supply ran out before the date of service, as every refill threshold is <= 100 %).
  int fill_lookback_days = -1;

  // pricing
  pricing_basis basis = pricing_basis::lowest;
  int awp_discount_bp = 0;  // AWP minus this
  int wac_markup_bp = 0;    // WAC plus this
  std::int64_t dispensing_fee = 0, compound_fee = 0;  // cents

  // networks and group benefits (resolve_benefits() fills networks' pricing and the cells)
  std::vector<network> networks;
  std::vector<group_benefit> group_benefits;
  std::vector<benefit_cell> benefits;  // [group_index * networks.size() + network_index]
  accumulator_rules accumulators;
  cob_rules cob;

  // tables
  std::vector<product, huge_page_allocator<product>> products;
  std::vector<member, huge_page_allocator<member>> members;  // sorted by (cardholder_id, person_code)
  std::vector<pharmacy> pharmacies;
  std::vector<other_coverage> other_coverages;
  std::vector<interaction> interactions;
  std::vector<duplicate_therapy> duplicates;
  std::vector<dose_limit> dose_limits;

  // indexes (built once, after the tables are final)
  string_index product_index, pharmacy_index, dose_index;  // -> row of products/pharmacies/dose_limits
  string_index cardholder_index;                 // -> first row of the cardholder in `members`
  std::vector<std::uint32_t> cardholder_first;   // first row of each distinct cardholder
  // DUR lookups by therapeutic class number rather than by string.
  std::vector<std::string_view> classes;
  string_index class_index;                                   // -> index into classes
  std::vector<std::pair<std::uint64_t, std::uint32_t>> interaction_pairs;  // (low id, high id) -> interactions row, sorted
  std::vector<std::int32_t> duplicate_by_class;               // class -> duplicates row or -1
  // Diagnosis-required coverage: (product row, ICD-10 codes or prefixes), sorted by row.
  std::vector<std::pair<std::uint32_t, std::vector<std::string_view>>> diagnosis_lists;
  // Drug identity: distinct drug keys, numbered. groups_drugs is false when every drug key is
  // its own NDC (no drug_key column): comparing NDCs is then the whole answer.
  std::vector<std::string_view> drug_keys;
  string_index drug_key_index;  // -> index into drug_keys
  bool groups_drugs = false;

  string_pool strings;

  const product* find_product(std::string_view ndc) const noexcept;
  // The generic a multi-source brand is compared with; nullptr for any other product.
  const product* generic_of(const product& d) const noexcept {
    return d.generic_row < 0 ? nullptr : &products[static_cast<std::size_t>(d.generic_row)];
  }
  // The refill-too-soon threshold in force for `d`: its own, else its DEA schedule's, else the plan's.
  refill_threshold threshold_for(const product& d) const noexcept;
  const pharmacy* find_pharmacy(std::string_view npi) const noexcept;
  const copay_rule* copay_for_tier(int tier) const noexcept;
  // First person of `cardholder_id` (members of one cardholder are adjacent), or nullptr.
  const member* first_person(std::string_view cardholder_id) const noexcept;
  const member* find_member(std::string_view cardholder_id, std::string_view person_code) const noexcept;
  std::uint32_t class_id(std::string_view cls) const noexcept;  // string_index::npos when unknown
  const interaction* find_interaction(std::uint32_t a, std::uint32_t b) const noexcept;
  const duplicate_therapy* find_duplicate(std::uint32_t cls) const noexcept;
  // Builds the class numbering and the DUR indexes (after the tables are final).
  void index_classes();
  // Drug id of an NDC of the formulary, or of a drug key; string_index::npos when neither.
  std::uint32_t drug_id(std::string_view ndc_or_key) const noexcept;
  // The drug key of an NDC of the formulary; the NDC itself when it is not in the formulary.
  std::string_view drug_key_of(std::string_view ndc) const noexcept;
  // Numbers the drug keys and resolves step prerequisites to drug keys (after the tables are final).
  void index_drugs();
  // Sets fill_lookback_days from the settings and the formulary (after the tables are final).
  void resolve_fill_lookback() noexcept;
  const dose_limit* find_dose_limit(std::string_view ndc) const noexcept;
  // The plan's own pricing terms ([pricing]).
  pricing_terms plan_pricing() const noexcept {
    return {basis, awp_discount_bp, wac_markup_bp, dispensing_fee, compound_fee};
  }
  const network* find_network(std::string_view name) const noexcept;
  const group_benefit* find_group_benefit(std::string_view id) const noexcept;
  // The benefit of a member of `m`'s group at pharmacy `ph`; nullptr before resolve_benefits().
  const benefit_cell* benefit(const member& m, const pharmacy& ph) const noexcept {
    const std::size_t i = std::size_t{m.group_index} * networks.size() + ph.network_index;
    return i < benefits.size() ? &benefits[i] : nullptr;
  }
  const pharmacy* specialty_pharmacy() const noexcept {
    return specialty_pharmacy_index < 0 ? nullptr : &pharmacies[static_cast<std::size_t>(specialty_pharmacy_index)];
  }
  // Adds the implicit retail/mail networks, resolves pharmacies' networks and members' groups
  // and builds the benefit cells (after the tables are final). Problems of meaning (a network no
  // pharmacy can name, ...) are the loader's to report; this only resolves.
  void resolve_benefits();
  // The diagnoses (ICD-10 codes or prefixes) `d` of this plan is covered for; empty when any.
  std::span<const std::string_view> diagnosis_codes(const product& d) const noexcept;
  bool in_force(codec::date dos) const noexcept {
    return dos >= effective_from && (!effective_to.valid() || dos <= effective_to);
  }
};

// Outcome of routing a claim to a plan.
enum class route_status : std::uint8_t { ok, unknown_bin, unknown_pcn, unknown_group, not_in_force };
struct route_result {
  route_status status = route_status::unknown_bin;
  const plan* found = nullptr;
};

class plan_set {
 public:
  // Takes ownership; builds the routing table. Throws plan_error on overlapping versions.
  explicit plan_set(std::vector<std::unique_ptr<plan>> plans);

  route_result route(std::string_view bin, std::string_view pcn, std::string_view group,
                     codec::date dos) const noexcept;
  const std::vector<std::unique_ptr<plan>>& plans() const noexcept { return plans_; }

 private:
  struct route_entry {
    std::string_view bin, pcn, group;
    std::vector<const plan*> versions;  // sorted by effective_from
  };
  std::vector<std::unique_ptr<plan>> plans_;
  std::vector<route_entry> routes_;  // few entries: a linear scan beats hashing here
};

// Load one plan folder (plan.toml + CSV tables). Problems are appended as
// "file:line:column: message"; returns nullptr when there was any.
std::unique_ptr<plan> load_plan_folder(const std::filesystem::path& folder,
                                       std::vector<std::string>& problems);

}  // namespace rxgate::rules
