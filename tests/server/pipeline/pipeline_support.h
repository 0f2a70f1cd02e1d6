// Shared by the pipeline tests: transmissions built by hand (no codec round trip) for the queue's
// ordering rules, D.0 claims for the demo plan for the batcher against PostgreSQL, and a way to
// wait for a transmission's answer.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
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
  // The order in which answers arrived (indices as above).
  std::vector<std::size_t> arrival() const;

 private:
  struct decoded {
    std::string bytes;
    char status = '?';
    std::string authorization, rejects;
  };
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<decoded> answers_;
  std::vector<std::size_t> order_;
};

}  // namespace rxgate::test
