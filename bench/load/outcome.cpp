#include "bench/load/outcome.h"

#include <algorithm>
#include <cstring>

#include "codec/response.h"

namespace rxgate::load {

expectation expect_reject(std::string_view a, std::string_view b) noexcept {
  expectation e;
  e.status = 'R';
  e.codes[0] = {a[0], a[1]};
  e.code_count = 1;
  if (b.size() >= 2) e.codes[1] = {b[0], b[1]}, e.code_count = 2;
  return e;
}

expectation expect_duplicate_of(std::string_view authorization) noexcept {
  expectation e;
  e.status = 'D';
  const auto n = std::min(authorization.size(), e.authorization.size());
  std::memcpy(e.authorization.data(), authorization.data(), n);
  e.authorization_length = static_cast<std::uint8_t>(n);
  return e;
}

bool answer_matches(const expectation& e, const codec::response& r) noexcept {
  if (r.version != (e.f6 ? "F6" : "D0")) return false;
  if (r.transaction_count != e.transactions) return false;
  for (std::size_t i = 0; i < r.transaction_count; ++i) {
    const auto& t = r.transactions[i];
    if (t.status != e.status) return false;
    if (e.code_count) {
      bool found = false;
      for (std::size_t k = 0; k < e.code_count; ++k) found = found || t.rejects.contains({e.codes[k].data(), 2});
      if (!found) return false;
    }
    if ((e.status == 'P' || e.status == 'D') && t.authorization_number.empty()) return false;
    if (e.authorization_length && t.authorization_number != e.authorization_view()) return false;
    if (e.f6 && t.rejects.contains("79") && !t.next_available_fill_date) return false;
  }
  return true;
}

std::string describe_mismatch(claim_kind kind, const expectation& e, const codec::response& r) {
  std::string what(to_string(kind));
  what += ": expected ";
  what += e.f6 ? "F6 " : "D0 ";
  what += std::to_string(e.transactions) + "x " + e.status;
  for (std::size_t k = 0; k < e.code_count; ++k) what += (k ? "|" : " ") + std::string(e.codes[k].data(), 2);
  if (e.authorization_length) what += " (original authorization)";
  what += ", got " + std::string(r.version) + " header " + std::string(1, r.header_status) + " " + std::to_string(r.transaction_count) + "x";
  for (std::size_t i = 0; i < r.transaction_count; ++i) {
    const auto& t = r.transactions[i];
    what += " " + std::string(1, t.status);
    bool first = true;
    for (const auto& rej : t.rejects) {
      what += (first ? " " : ",") + std::string(rej.code_view());
      first = false;
    }
    if (e.authorization_length && t.status == 'D') what += " (other authorization)";
  }
  return what;
}

}  // namespace rxgate::load
