#include "bench/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace rxgate::load {

namespace {
constexpr unsigned exact_bits = 8;                      // 0..255 exact
constexpr std::uint64_t exact = std::uint64_t{1} << exact_bits;
constexpr std::uint64_t per_octave = exact / 2;         // 128 buckets per power of two
constexpr unsigned top_bit = 44;
constexpr std::size_t bucket_count = exact + (top_bit - exact_bits + 1) * per_octave;
}  // namespace

latency_histogram::latency_histogram() : counts_(bucket_count, 0) {}

std::size_t latency_histogram::index_of(std::uint64_t v) noexcept {
  if (v >= max_trackable) v = max_trackable;
  if (v < exact) return static_cast<std::size_t>(v);
  const unsigned magnitude = 63u - static_cast<unsigned>(std::countl_zero(v));  // >= exact_bits
  const unsigned shift = magnitude - (exact_bits - 1);
  return static_cast<std::size_t>(exact + (magnitude - exact_bits) * per_octave + ((v >> shift) - per_octave));
}

std::uint64_t latency_histogram::lowest_in(std::size_t index) noexcept {
  if (index < exact) return index;
  const std::size_t k = index - exact;
  const unsigned magnitude = exact_bits + static_cast<unsigned>(k / per_octave);
  const std::uint64_t sub = per_octave + k % per_octave;
  return sub << (magnitude - (exact_bits - 1));
}

std::uint64_t latency_histogram::highest_in(std::size_t index) noexcept {
  if (index < exact) return index;
  const std::size_t k = index - exact;
  const unsigned magnitude = exact_bits + static_cast<unsigned>(k / per_octave);
  const std::uint64_t sub = per_octave + k % per_octave;
  return ((sub + 1) << (magnitude - (exact_bits - 1))) - 1;
}

void latency_histogram::record(std::uint64_t value) noexcept {
  value = std::min(value, max_trackable);  // keeps sum_ from overflowing as well
  ++counts_[index_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void latency_histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = sum_ = max_ = 0;
  min_ = ~std::uint64_t{0};
}

std::uint64_t latency_histogram::percentile(double percent) const noexcept {
  if (count_ == 0) return 0;
  percent = std::isnan(percent) ? 0.0 : std::clamp(percent, 0.0, 100.0);
  // Rank of the value asked for, 1-based: at least one value is always covered. Integer
  // arithmetic in parts per million: in floating point 99.9 / 100 * 1000 is a little above 999,
  // and its ceiling would be the rank after the one asked for.
  constexpr std::uint64_t million = 1'000'000;
  const auto ppm = static_cast<std::uint64_t>(std::llround(percent * 1e4));
  const std::uint64_t part = count_ % million * ppm;  // below 10^12: no overflow
  auto rank = count_ / million * ppm + part / million + (part % million ? 1 : 0);
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_in(i), max_);
  }
  return max_;
}

}  // namespace rxgate::load
