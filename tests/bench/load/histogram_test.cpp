// The latency histogram whose figures rxgate load publishes: bucket arithmetic, percentiles at
// bucket edges and ranks, min/max/mean, merge, the empty histogram and the largest values.
#include "bench/load/histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace rxgate::load {
namespace {

using h = latency_histogram;

TEST(histogram_buckets, values_below_256_have_a_bucket_each) {
  for (std::uint64_t v = 0; v < 256; ++v) {
    EXPECT_EQ(h::index_of(v), v);
    EXPECT_EQ(h::lowest_in(v), v);
    EXPECT_EQ(h::highest_in(v), v);
  }
}

TEST(histogram_buckets, above_256_every_power_of_two_has_128_buckets) {
  EXPECT_EQ(h::index_of(256), 256u);
  EXPECT_EQ(h::lowest_in(256), 256u);
  EXPECT_EQ(h::highest_in(256), 257u);  // width 2 between 256 and 511
  EXPECT_EQ(h::index_of(257), 256u);
  EXPECT_EQ(h::index_of(258), 257u);
  EXPECT_EQ(h::index_of(511), 256u + 127u);
  EXPECT_EQ(h::index_of(512), 256u + 128u);
  EXPECT_EQ(h::highest_in(256 + 128), 515u);  // width 4 between 512 and 1023
}

TEST(histogram_buckets, are_contiguous_up_to_the_largest_trackable_value) {
  const auto last = h::index_of(h::max_trackable);
  for (std::size_t i = 0; i < last; ++i) {
    ASSERT_EQ(h::index_of(h::lowest_in(i)), i);
    ASSERT_EQ(h::index_of(h::highest_in(i)), i);
    ASSERT_EQ(h::lowest_in(i + 1), h::highest_in(i) + 1) << "bucket " << i;
  }
  EXPECT_EQ(h::lowest_in(last), h::max_trackable);
}

TEST(histogram_buckets, a_bucket_is_at_most_one_128th_of_its_values_wide) {
  for (std::uint64_t v = 256; v < h::max_trackable; v = v * 3 / 2 + 1) {
    const auto i = h::index_of(v);
    EXPECT_LE(h::highest_in(i) - h::lowest_in(i) + 1, h::lowest_in(i) / 128) << v;
  }
}

TEST(histogram, empty_reports_zero_everywhere) {
  h x;
  EXPECT_EQ(x.count(), 0u);
  EXPECT_EQ(x.min(), 0u);
  EXPECT_EQ(x.max(), 0u);
  EXPECT_EQ(x.mean(), 0.0);
  EXPECT_EQ(x.percentile(0), 0u);
  EXPECT_EQ(x.percentile(50), 0u);
  EXPECT_EQ(x.percentile(100), 0u);
}

TEST(histogram, min_max_and_mean_are_exact) {
  h x;
  for (std::uint64_t v : {1'000'000u, 3'000'000u, 2'000'001u}) x.record(v);
  EXPECT_EQ(x.count(), 3u);
  EXPECT_EQ(x.min(), 1'000'000u);
  EXPECT_EQ(x.max(), 3'000'000u);
  EXPECT_DOUBLE_EQ(x.mean(), 6'000'001.0 / 3);
}

TEST(histogram, percentiles_of_exact_values_are_the_values_of_their_rank) {
  h x;
  for (std::uint64_t v = 1; v <= 100; ++v) x.record(v);
  EXPECT_EQ(x.percentile(0), 1u);  // rank at least 1
  EXPECT_EQ(x.percentile(1), 1u);
  EXPECT_EQ(x.percentile(50), 50u);
  EXPECT_EQ(x.percentile(50.5), 51u);  // rank ceil(50.5) = 51
  EXPECT_EQ(x.percentile(90), 90u);
  EXPECT_EQ(x.percentile(99), 99u);
  EXPECT_EQ(x.percentile(100), 100u);
}

TEST(histogram, percentile_rank_is_exact_where_floating_point_is_not) {
  // 99.9 / 100 * 1000 is 999.0000000000001 in doubles: rounded up, the rank would be 1000 and
  // p99.9 would report the one slow answer.
  for (std::uint64_t n : {1000u, 3000u, 10'000u, 100'000u}) {
    h x;
    const std::uint64_t slow = n / 1000;  // exactly 0.1 % of the answers
    for (std::uint64_t i = 0; i < n - slow; ++i) x.record(100);
    for (std::uint64_t i = 0; i < slow; ++i) x.record(1'000'000);
    EXPECT_EQ(x.percentile(99.9), 100u) << n;
    EXPECT_EQ(x.percentile(99.91), 1'000'000u) << n;
  }
}

TEST(histogram, a_percentile_is_the_top_of_its_bucket_but_never_above_max) {
  h x;
  x.record(1000);  // bucket 1000..1003
  EXPECT_EQ(x.percentile(50), 1000u);
  x.record(1001);
  x.record(5000);
  EXPECT_EQ(x.percentile(50), 1003u);  // rank 2 lies in the bucket 1000..1003
  EXPECT_EQ(x.percentile(100), 5000u);
}

TEST(histogram, percent_outside_0_to_100_is_clamped) {
  h x;
  for (std::uint64_t v = 10; v <= 20; ++v) x.record(v);
  EXPECT_EQ(x.percentile(-5), x.percentile(0));
  EXPECT_EQ(x.percentile(150), 20u);
}

TEST(histogram, merge_equals_recording_everything_in_one) {
  h a, b, all;
  for (std::uint64_t v = 1; v < 5000; v += 7) a.record(v * 1000), all.record(v * 1000);
  for (std::uint64_t v = 3; v < 9000; v += 11) b.record(v * 900), all.record(v * 900);
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {0.0, 50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(a.percentile(p), all.percentile(p)) << p;
}

TEST(histogram, merge_with_an_empty_histogram_changes_nothing) {
  h a, empty;
  a.record(700);
  a.merge(empty);
  EXPECT_EQ(a.count(), 1u);
  EXPECT_EQ(a.min(), 700u);
  EXPECT_EQ(a.max(), 700u);
  h b;
  b.merge(a);  // into an empty one
  EXPECT_EQ(b.count(), 1u);
  EXPECT_EQ(b.min(), 700u);
  EXPECT_EQ(b.percentile(50), 700u);
}

TEST(histogram, the_largest_values_count_as_the_largest_trackable) {
  h x;
  x.record(h::max_trackable);
  x.record(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h::index_of(std::numeric_limits<std::uint64_t>::max()), h::index_of(h::max_trackable));
  EXPECT_EQ(x.count(), 2u);
  EXPECT_EQ(x.max(), h::max_trackable);
  EXPECT_EQ(x.percentile(100), h::max_trackable);
  EXPECT_DOUBLE_EQ(x.mean(), static_cast<double>(h::max_trackable));  // the sum did not overflow
}

TEST(histogram, reset_empties_it) {
  h x;
  x.record(42);
  x.reset();
  EXPECT_EQ(x.count(), 0u);
  EXPECT_EQ(x.max(), 0u);
  EXPECT_EQ(x.percentile(50), 0u);
  x.record(7);
  EXPECT_EQ(x.min(), 7u);
}

}  // namespace
}  // namespace rxgate::load
