// Shared by the pipeline tests: transmissions built by hand (no codec round trip) for the queue's
// ordering rules, D.0 claims for the demo plan for the batcher against PostgreSQL, and a way to
// wait for a transmission's answer.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/response.h"
#include "server/pipeline/transmission.h"

namespace rxgate::test {

// One transaction for take(): claim key (bin, pcn, provider, rx, fill 0, date) and member.
struct keyed_claim {
  std::string_view rx;
  std::string_view cardholder = "M1";
  std::string_view code = "B1";
  std::string_view bin = "610999";
};
// A queued transmission carrying `claims` (views into string literals); no request bytes.
std::shared_ptr<server::transmission> keyed(std::vector<keyed_claim> claims);

// D.0 claims for the demo plan (config/plans/demo), date of service today (UTC), pharmacy
// 1111111112. `member` is a demo cardholder ID (DEMO1001, ...), person code 001.
std::string b1(std::string_view member, std::string_view rx, std::string_view ndc);
std::string b2(std::string_view member, std::string_view rx, std::string_view ndc);
// A fresh Rx number, unique in this process.
std::string next_rx();

// A D.0 claim for any plan, member and date: what b1()/b2() fill in for the demo plan.
struct claim_spec {
  std::string_view code = "B1";
  std::string_view bin = "610999", pcn = "RXGDEMO", group = "DEMO01";
  std::string_view cardholder, person_code = "001", relationship = "1";
  std::string_view date_of_birth, gender, first_name, last_name;
  std::string_view rx, ndc;
  std::int64_t quantity = 30000;  // thousandths
  int days_supply = 30;
  std::int64_t ingredient_cost = 300;    // cents (409-D9)
  std::int64_t usual_customary = 1475;  // cents (426-DQ)
  std::int64_t gross_amount_due = 475;  // cents (430-DU)
  codec::date date_of_service;  // invalid = today (UTC)
};
std::string claim_d0(const claim_spec& spec);
codec::date today_utc();

// The accumulator and money fields of a paid answer (AM23), cents.
struct answered_amounts {
  std::int64_t patient_pay = 0, total_paid = 0;
  std::optional<std::int64_t> deductible_applied, accumulated_deductible, remaining_deductible,
      remaining_benefit, coinsurance, copay;
};

// A prepared transmission of `d0` whose answer arrives in an `answers` slot.
class answers {
 public:
  // Prepares `d0` and sets its `done` to record the answer as slot number `slot()`.
  std::shared_ptr<server::transmission> make(std::string d0);
  // Blocks until `n` answers have arrived (the test's own timeout bounds it).
  void wait_for(std::size_t n);
  // 112-AN of transaction 0 of answer `i` (in the order make() was called), '?' if undecodable.
  char status(std::size_t i) const;
  std::string authorization(std::size_t i) const;
  std::string rejects(std::size_t i) const;
  // AM26 498-PY of transaction 0 of answer `i` (P1-P4), empty without one.
  std::string pa_number(std::size_t i) const;
  // AM23 of transaction 0 of answer `i` (zeros when it carried none).
  answered_amounts amounts(std::size_t i) const;
  // The order in which answers arrived (indices as above).
  std::vector<std::size_t> arrival() const;

 private:
  struct decoded {
    std::string bytes;
    char status = '?';
    std::string authorization, rejects, pa_number;
    answered_amounts amounts;
  };
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<decoded> answers_;
  std::vector<std::size_t> order_;
};

}  // namespace rxgate::test
