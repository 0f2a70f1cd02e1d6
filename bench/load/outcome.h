// The answer a claim must get (its expectation) and the check of a decoded response against it.
// Expectations are plain values, built with the claim (claim_source) and kept with the request
// until its answer arrives; checking an answer allocates nothing. A mismatch is described by kind,
// status and codes only, never by a field value of the claim (no patient data in reports).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/load/mix.h"

namespace rxgate::codec {
struct response;
}

namespace rxgate::load {

struct expectation {
  char status = 'P';                           // every transaction's 112-AN
  std::uint8_t transactions = 1;
  std::array<std::array<char, 2>, 2> codes{};  // one of these reject codes must be present
  std::uint8_t code_count = 0;
  std::array<char, 20> authorization{};        // a retransmit must get the original's
  std::uint8_t authorization_length = 0;
  bool f6 = false;  // sent in F6: answered in F6, a refill-too-soon with its next fill date (BT)

  std::string_view authorization_view() const noexcept { return {authorization.data(), authorization_length}; }
};

// Status R with reject code `a` (or `b`, when given) among the codes; codes are two characters.
expectation expect_reject(std::string_view a, std::string_view b = {}) noexcept;
// Status D carrying `authorization` (the first 20 characters count).
expectation expect_duplicate_of(std::string_view authorization) noexcept;

// True when `r` answers as `e` predicts: in the version the claim was sent in, as many
// transactions, each with the status, one of the reject codes when codes are expected, an
// authorization number on P and D, the original one when `e` names it; in F6 a 79 carries its
// next available fill date.
bool answer_matches(const expectation& e, const codec::response& r) noexcept;

// "paid: expected 1x P, got header A 1x R 81": what a report shows of a mismatch.
std::string describe_mismatch(claim_kind kind, const expectation& e, const codec::response& r);

}  // namespace rxgate::load
