// One claim to send (claim_spec), its D.0 bytes (build_body) and the source that draws claims in
// the configured mix with the answer each must get (claim_source).
//
// claim_source is per io thread (not thread-safe) and allocates only at construction: claims and
// expectations are small values, and the pool of paid claims waiting for a follow-up is a fixed
// ring. Rx numbers are <5-digit run id><7-digit sequence>, interleaved across threads, so reruns
// on the same day do not collide with earlier claim keys and threads never share one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "bench/load/mix.h"
#include "bench/load/outcome.h"
#include "bench/load/scenario.h"

namespace rxgate::load {

struct claim_spec {
  claim_kind kind = claim_kind::paid;
  char transaction[2] = {'B', '1'};
  std::uint8_t count = 1;         // transactions
  bool with_override = false;     // 420-DK: the plan's refill-too-soon override
  bool omit_cardholder = false;
  bool unknown_cardholder = false;
  bool f6 = false;                // sent in F6 (single transaction only), else D.0
  std::uint32_t member = 0, pharmacy = 0;  // indexes into the plan's tables
  std::array<std::uint32_t, 4> product{};
  std::array<std::uint64_t, 4> rx{};
  std::array<std::int64_t, 4> quantity{};  // thousandths
  std::array<int, 4> days{};
};

// Writes the request of `c` (D.0, or F6 when c.f6) into `out`; returns its size, 0 when it did not fit.
std::size_t build_body(const scenario& s, const claim_spec& c, std::span<char> out) noexcept;

class claim_source {
 public:
  // `sc` must outlive the source; `mix` holds only kinds `sc` supports, at least one above 0.
  // Thread `index` of `threads` draws its own random sequence and its own Rx numbers.
  // `f6_percent` of new single-transaction claims go in F6 (F6 carries one transaction, so a
  // multi-transaction claim stays D.0); a follow-up keeps the version of the claim it follows.
  claim_source(const scenario& sc, const claim_mix& mix, unsigned run_id, unsigned index, unsigned threads,
               unsigned f6_percent = 0, std::size_t pool_capacity = std::size_t{1} << 14);

  // The next claim and the answer it must get. A follow-up kind with no paid claim to follow up
  // on becomes a paid claim. False when this run's Rx numbers are used up.
  bool next(claim_spec& c, expectation& e);

  // A single-transaction paid claim answered P with `authorization`: it may get a follow-up.
  // When the pool is full the oldest waiting claim is dropped.
  void paid(const claim_spec& c, std::string_view authorization) noexcept;
  std::size_t waiting() const noexcept { return pool_size_; }

 private:
  struct paid_claim {
    claim_spec spec;
    std::array<char, 20> authorization{};
    std::uint8_t authorization_length = 0;
  };

  claim_kind pick_kind() noexcept;
  std::uint64_t new_rx() noexcept;
  std::uint32_t pick(const std::vector<std::uint32_t>& from) noexcept;
  void single(claim_spec& c, std::uint32_t member, std::uint32_t product, std::uint32_t pharmacy) noexcept;
  void fill_multi(claim_spec& c) noexcept;
  void fill_new(claim_kind kind, claim_spec& c, expectation& e) noexcept;
  void fill_follow_up(claim_kind kind, const paid_claim& earlier, claim_spec& c, expectation& e) noexcept;

  struct splitmix {
    std::uint64_t s;
    std::uint64_t next() noexcept;
    std::uint32_t below(std::size_t n) noexcept { return static_cast<std::uint32_t>(next() % n); }
  };

  const scenario& sc_;
  std::array<std::uint32_t, kind_count> cumulative_{};  // the mix as cumulative weights
  std::uint32_t total_weight_ = 0;
  unsigned run_id_, index_, threads_, f6_percent_;
  splitmix rng_{0};
  std::uint64_t rx_sequence_ = 0;
  std::vector<paid_claim> pool_;  // FIFO ring
  std::size_t pool_head_ = 0, pool_size_ = 0;
};

}  // namespace rxgate::load
