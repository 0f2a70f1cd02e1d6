// Names of the NCPDP code values the status API shows beside the codes themselves (112-AN
// transaction status, 528-FS significance, 529-FT other pharmacy indicator, 461-EU PA type, 408-D8
// DAW / product selection).
// Pure lookups; the views returned have static storage.
#pragma once

#include <string_view>

namespace rxgate::server::status {

std::string_view status_name(char status) noexcept;                        // 'P' -> "Paid"
std::string_view significance_name(std::string_view significance) noexcept;  // "1" -> "major"
std::string_view other_pharmacy_name(std::string_view indicator) noexcept;   // "1" -> "your pharmacy"
std::string_view pa_type_name(std::string_view pa_type) noexcept;            // "1" -> "Prior Authorization"
std::string_view daw_name(std::string_view daw) noexcept;  // "2" -> "substitution allowed, patient requested product"

}  // namespace rxgate::server::status
