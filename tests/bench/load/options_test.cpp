// load::check_options: a run that could measure nothing is refused before it starts.
#include <gtest/gtest.h>

#include <string>

#include "bench/load/load.h"

namespace rxgate::load {
namespace {

options with(long long duration_ms, long long warmup_ms, std::uint64_t count = 0) {
  options o;
  o.duration = std::chrono::milliseconds(duration_ms);
  o.warmup = std::chrono::milliseconds(warmup_ms);
  o.count = count;
  return o;
}

TEST(LoadOptions, AWarmupMustEndBeforeTheDuration) {
  std::string why;
  EXPECT_TRUE(check_options(with(20'000, 19'999), why));  // just under: one millisecond measured
  EXPECT_FALSE(check_options(with(2'500, 2'500), why));
  EXPECT_NE(why.find("--warmup (2.5 s)"), std::string::npos) << why;
  EXPECT_FALSE(check_options(with(20'000, 20'000), why));  // at: nothing measured
  EXPECT_NE(why.find("--warmup (20 s) must be shorter than --duration (20 s)"), std::string::npos) << why;
  EXPECT_FALSE(check_options(with(20'000, 30'000), why));  // over
  EXPECT_TRUE(check_options(with(20'000, 0), why));
}

TEST(LoadOptions, ACountAloneNeedsNoDurationAndAnyWarmupGoes) {
  std::string why;
  EXPECT_TRUE(check_options(with(0, 5'000, 100), why));
  EXPECT_FALSE(check_options(with(0, 0, 0), why));
  EXPECT_EQ(why, "give --duration or --count");
}

}  // namespace
}  // namespace rxgate::load
