// Authorization numbers (503-F3) for what the payer commits to: payments, accepted reversals.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "rules/transmission.h"

namespace rxgate::server {

// Unique, time-ordered authorization numbers (503-F3): 3-digit node id + a 16-digit counter that
// starts from the clock in milliseconds * 1024, so it never repeats across restarts of the node
// unless more than 1024 numbers a millisecond were issued for longer than the restart took.
// Thread-safe (one atomic).
class authorization_numbers final : public rules::authorization_source {
 public:
  explicit authorization_numbers(std::uint16_t node_id) noexcept : node_(node_id) {}
  // Writes the next number into `out`; returns its length (19).
  std::uint8_t next(std::array<char, 20>& out) noexcept override;

 private:
  std::uint16_t node_;
  std::atomic<std::uint64_t> last_{0};
};

}  // namespace rxgate::server
