#include "rules/reject_catalog.h"

#include <algorithm>
#include <iterator>

namespace rxgate::rules {
namespace {

// One row per code of reject-codes.csv, sorted by code; generated, see the header.
constexpr reject_info reject_table[] = {
#include "rules/reject_catalog_data.inc"
};

template <typename T, std::size_t N, typename Key>
constexpr bool sorted_unique(const T (&rows)[N], Key key) {
  for (std::size_t i = 1; i < N; ++i) {
    if (!(key(rows[i - 1]) < key(rows[i]))) return false;
  }
  return true;
}

static_assert(sorted_unique(reject_table, [](const reject_info& r) { return r.code; }),
              "reject_catalog_data.inc must be sorted by code with no duplicates");

struct code_name {
  std::string_view code;
  std::string_view name;
};

// 439-E4 Reason for Service Code (dur-codes.csv), sorted by code.
constexpr code_name dur_reasons[] = {
    {"AD", "Additional Drug Needed"},
    {"AN", "Prescription Authentication"},
    {"AR", "Adverse Drug Reaction"},
    {"AT", "Additive Toxicity"},
    {"CD", "Chronic Disease Management"},
    {"CH", "Call Help Desk"},
    {"CS", "Patient Complaint/Symptom"},
    {"DA", "Drug-Allergy"},
    {"DC", "Drug-Disease (Inferred)"},
    {"DD", "Drug-Drug Interaction"},
    {"DF", "Drug-Food Interaction"},
    {"DI", "Drug Incompatibility"},
    {"DL", "Drug-Lab Conflict"},
    {"DM", "Apparent Drug Misuse"},
    {"DR", "Dose Range Conflict"},
    {"DS", "Tobacco Use"},
    {"ED", "Patient Education/Instruction"},
    {"ER", "Overuse"},
    {"EX", "Excessive Quantity"},
    {"HC", "High Cumulative Dose"},
    {"HD", "High Dose"},
    {"IC", "Iatrogenic Condition"},
    {"ID", "Ingredient Duplication"},
    {"LD", "Low Dose"},
    {"LK", "Lock in Recipient"},
    {"LR", "Underuse"},
    {"MC", "Drug-Disease (Reported)"},
    {"MN", "Insufficient Duration"},
    {"MP", "Poly-Pharmacy Detected"},
    {"MR", "Poly-Prescriber Detected"},
    {"MS", "Missing Information/Clarification"},
    {"MX", "Excessive Duration"},
    {"NA", "Drug Not Available"},
    {"NC", "Non-Covered Drug Purchase"},
    {"ND", "New Disease/Diagnosis"},
    {"NF", "Non-Formulary Drug"},
    {"NN", "Unnecessary Drug"},
    {"NP", "New Patient Processing"},
    {"NR", "Lactation/Nursing Interaction"},
    {"NS", "Insufficient Quantity"},
    {"OH", "Alcohol Conflict"},
    {"PA", "Drug-Age"},
    {"PC", "Patient Question/Concern"},
    {"PG", "Drug-Pregnancy"},
    {"PH", "Preventive Health Care"},
    {"PN", "Prescriber Consultation"},
    {"PP", "Plan Protocol"},
    {"PR", "Prior Adverse Reaction"},
    {"PS", "Product Selection Opportunity"},
    {"RE", "Suspected Environmental Risk"},
    {"RF", "Health Provider Referral"},
    {"SC", "Suboptimal Compliance"},
    {"SD", "Suboptimal Drug/Indication"},
    {"SE", "Side Effect"},
    {"SF", "Suboptimal Dosage Form"},
    {"SR", "Suboptimal Regimen"},
    {"SX", "Drug-Gender"},
    {"TD", "Therapeutic"},
    {"TN", "Laboratory Test Needed"},
    {"TP", "Payer/Processor Question"},
    {"UD", "Duplicate Drug"},
};

// 440-E5 Professional Service Code, sorted. "ZZ" is left out: the code list names it for SCRIPT
// only, it is not a 440-E5 value. M0, P0 and R0 end in the digit zero.
constexpr code_name dur_professional_services[] = {
    {"00", "No Intervention"},
    {"AS", "Patient Assessment"},
    {"CC", "Coordination of Care"},
    {"DE", "Dosing Evaluation/Determination"},
    {"DP", "Dosage Evaluated"},
    {"FE", "Formulary Enforcement"},
    {"GP", "Generic Product Selection"},
    {"M0", "Prescriber Consulted"},
    {"MA", "Medication Administration"},
    {"MB", "Overriding Benefit"},
    {"MP", "Patient Will Be Monitored"},
    {"MR", "Medication Review"},
    {"P0", "Patient Consulted"},
    {"PA", "Previous Patient Tolerance"},
    {"PE", "Patient Education/Instruction"},
    {"PH", "Patient Medication History"},
    {"PM", "Patient Monitoring"},
    {"PT", "Perform Laboratory Test"},
    {"R0", "Pharmacist Consulted Other Source"},
    {"RT", "Recommend Laboratory Test"},
    {"SC", "Self-Care Consultation"},
    {"SW", "Literature Search/Review"},
    {"TC", "Payer/Processor Consulted"},
    {"TH", "Therapeutic Product Interchange"},
};

// 441-E6 Result of Service Code, sorted.
constexpr code_name dur_results[] = {
    {"00", "Not Specified"},
    {"1A", "Dispensed As Is, False Positive"},
    {"1B", "Dispensed Prescription As Is"},
    {"1C", "Dispensed, with Different Dose"},
    {"1D", "Dispensed, with Different Directions"},
    {"1E", "Dispensed, with Different Drug"},
    {"1F", "Dispensed, with Different Quantity"},
    {"1G", "Dispensed, with Prescriber Approval"},
    {"1H", "Brand-to-Generic Change"},
    {"1J", "Rx-to-OTC Change"},
    {"1K", "Dispensed with Different Dosage Form"},
    {"2A", "Prescription Not Dispensed"},
    {"2B", "Not Dispensed, Directions Clarified"},
    {"3A", "Recommendation Accepted"},
    {"3B", "Recommendation Not Accepted"},
    {"3C", "Discontinued Drug"},
    {"3D", "Regimen Changed"},
    {"3E", "Therapy Changed"},
    {"3F", "Therapy Changed - Cost Increase Acknowledged"},
    {"3G", "Drug Therapy Unchanged"},
    {"3H", "Follow-Up/Report"},
    {"3J", "Patient Referral"},
    {"3K", "Instructions Understood"},
    {"3M", "Compliance Aid Provided"},
    {"3N", "Medication Administered"},
    {"4A", "Prescribed with Acknowledgements"},
    {"4B", "Dispensed, Palliative Care"},
    {"4C", "Dispensed, Hospice"},
    {"4D", "Dispensed, Cancer Treatment"},
    {"4E", "Dispensed, Chronic Pain"},
    {"4F", "Dispensed, Exempt Per Prescriber"},
    {"4G", "Dispensed, Surgery/Trauma"},
    {"4H", "Dispensed, Hospital Admission/Discharge"},
    {"4J", "Dispensed, Patient Is Not Opioid Naive"},
};

constexpr auto by_code = [](const code_name& r) { return r.code; };
static_assert(sorted_unique(dur_reasons, by_code));
static_assert(sorted_unique(dur_professional_services, by_code));
static_assert(sorted_unique(dur_results, by_code));

template <std::size_t N>
std::string_view name_of(const code_name (&rows)[N], std::string_view code) noexcept {
  const auto it = std::lower_bound(std::begin(rows), std::end(rows), code,
                                   [](const code_name& r, std::string_view c) { return r.code < c; });
  return it != std::end(rows) && it->code == code ? it->name : std::string_view{};
}

std::string_view trim_trailing_blanks(std::string_view s) noexcept {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

const reject_info* find_reject(std::string_view code) noexcept {
  code = trim_trailing_blanks(code);
  const auto it = std::lower_bound(std::begin(reject_table), std::end(reject_table), code,
                                   [](const reject_info& r, std::string_view c) { return r.code < c; });
  return it != std::end(reject_table) && it->code == code ? &*it : nullptr;
}

std::span<const reject_info> all_rejects() noexcept { return reject_table; }

std::string_view dur_reason_name(std::string_view e4) noexcept {
  return name_of(dur_reasons, trim_trailing_blanks(e4));
}
std::string_view dur_professional_name(std::string_view e5) noexcept {
  return name_of(dur_professional_services, trim_trailing_blanks(e5));
}
std::string_view dur_result_name(std::string_view e6) noexcept {
  return name_of(dur_results, trim_trailing_blanks(e6));
}

std::string_view scc_name(int scc) noexcept {
  switch (scc) {
    case 1: return "No Override";
    case 2: return "Other Override";
    case 3: return "Vacation Supply";
    case 4: return "Lost Prescription";
    case 5: return "Therapy Change";
    case 6: return "Starter Dose";
    case 7: return "Medically Necessary";
    case 8: return "Process Compound For Approved Ingredients";
    case 9: return "Encounters";
    case 10: return "Meets Plan Limitations";
    case 11: return "Certification On File";
    case 12: return "DME Replacement Indicator";
    case 13: return "Payer-Recognized Emergency/Disaster Assistance Request";
    case 14: return "Long Term Care Leave Of Absence";
    case 15: return "Long Term Care Replacement Medication";
    case 16: return "Long Term Care Emergency Box/Automated Dispensing Machine";
    case 17: return "Long Term Care Emergency Supply Remainder";
    case 18: return "Long Term Care Patient Admit/Readmit Indicator";
    case 19: return "Split Billing";
    case 20: return "340B";
    case 47:
    case 48: return "Shortened Days Supply";
    case 57: return "Discharge Medication";
    case 58: return "Nominal Price";
    case 59: return "Federal Supply Schedule";
    case 99: return "Other";
    default: break;
  }
  if (scc >= 21 && scc <= 36) return "Long Term Care Short-Cycle Dispensing";
  if ((scc >= 42 && scc <= 46) || scc == 49 || (scc >= 52 && scc <= 56)) {
    return "Prescriber/Pharmacy Validation Attestation";
  }
  return {};
}

}  // namespace rxgate::rules
