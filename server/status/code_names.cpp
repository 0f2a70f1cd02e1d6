#include "server/status/code_names.h"

namespace rxgate::server::status {

std::string_view status_name(char status) noexcept {
  switch (status) {
    case 'P': return "Paid";
    case 'D': return "Duplicate of Paid";
    case 'C': return "Captured";
    case 'Q': return "Duplicate of Capture";
    case 'R': return "Rejected";
    case 'A': return "Approved";
    case 'S': return "Duplicate of Approved";
    case 'F': return "PA Deferred";
    case 'B': return "Benefit";
  }
  return "Unknown";
}

std::string_view significance_name(std::string_view significance) noexcept {
  if (significance == "1") return "major";
  if (significance == "2") return "moderate";
  if (significance == "3") return "minor";
  if (significance == "9") return "undetermined";
  return "not specified";
}

std::string_view other_pharmacy_name(std::string_view indicator) noexcept {
  if (indicator == "1") return "your pharmacy";
  if (indicator == "2") return "another pharmacy in the same chain";
  if (indicator == "3") return "another pharmacy";
  return "not specified";
}

// ncpdp-d0.md §9; an empty 408-D8 means 0.
std::string_view daw_name(std::string_view daw) noexcept {
  if (daw.empty() || daw == "0") return "no product selection indicated";
  switch (daw[0]) {
    case '1': return "substitution not allowed by prescriber";
    case '2': return "substitution allowed, patient requested product";
    case '3': return "substitution allowed, pharmacist selected product";
    case '4': return "substitution allowed, generic not in stock";
    case '5': return "substitution allowed, brand dispensed as generic";
    case '6': return "override";
    case '7': return "substitution not allowed, brand mandated by law";
    case '8': return "substitution allowed, generic not available in marketplace";
    case '9': return "substitution allowed by prescriber but plan requests brand";
  }
  return "not a DAW code";
}

std::string_view pa_type_name(std::string_view pa_type) noexcept {
  if (pa_type.empty()) return "not specified";
  switch (pa_type[0]) {
    case '0': return "Not Specified";
    case '1': return "Prior Authorization";
    case '2': return "Medical Certification";
    case '3': return "EPSDT";
    case '4': return "Exemption from Copay and/or Coinsurance";
    case '5': return "Exemption from Rx (count limits)";
    case '6': return "Family Planning";
    case '7': return "TANF";
    case '8': return "Payer-Defined Exemption";
    case '9': return "Emergency Preparedness";
  }
  return "unknown";
}

}  // namespace rxgate::server::status
