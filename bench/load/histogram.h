// A latency histogram with a fixed relative error (HdrHistogram's log-linear layout).
//
// Values (nanoseconds, or any unsigned unit) below 256 are counted exactly; above that every power
// of two is split into 128 equal buckets, so a reported percentile is within 1/128 (0.8 %) of the
// true value. Values up to 2^44 (about 4.9 hours in ns) are tracked; larger ones are recorded as
// 2^44 (in the counts, the sum, min and max alike).
// record() never allocates (the counts are allocated once, about 40 KiB, at construction) and is
// not thread-safe: give each thread its own histogram and merge() them at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rxgate::load {

class latency_histogram {
 public:
  latency_histogram();

  void record(std::uint64_t value) noexcept;
  void merge(const latency_histogram& other) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The value at or below which `percent` (0..100, read to 4 decimals) of the recorded values fall:
  // the value of rank ceil(percent/100 * count), at least 1, reported as the highest value of its
  // bucket but never above max(). 0 when empty.
  std::uint64_t percentile(double percent) const noexcept;

  // Bucket arithmetic, public for tests.
  static std::size_t index_of(std::uint64_t value) noexcept;
  static std::uint64_t lowest_in(std::size_t index) noexcept;
  static std::uint64_t highest_in(std::size_t index) noexcept;
  static constexpr std::uint64_t max_trackable = std::uint64_t{1} << 44;

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0, sum_ = 0, min_ = ~std::uint64_t{0}, max_ = 0;
};

}  // namespace rxgate::load
