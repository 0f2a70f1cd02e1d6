// Authorization numbers: node id + a clock-seeded counter.
#include "server/pipeline/authorization_numbers.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace rxgate::server {

std::uint8_t authorization_numbers::next(std::array<char, 20>& out) noexcept {
  using namespace std::chrono;
  const auto now_ms = static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  const std::uint64_t floor = now_ms << 10;
  std::uint64_t prev = last_.load(std::memory_order_relaxed);
  std::uint64_t value = 0;
  do {
    value = std::max(prev + 1, floor);
  } while (!last_.compare_exchange_weak(prev, value, std::memory_order_relaxed));
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%03u%016llu", static_cast<unsigned>(node_ % 1000),
                              static_cast<unsigned long long>(value % 10'000'000'000'000'000ULL));
  const auto len = static_cast<std::uint8_t>(std::min<int>(n, 20));
  std::copy_n(buf, len, out.begin());
  std::fill(out.begin() + len, out.end(), '\0');
  return len;
}

}  // namespace rxgate::server
