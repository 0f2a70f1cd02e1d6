// Overpunch, unsigned numbers and dates (ncpdp-d0.md §8): every worked example of §8.1 both ways,
// lenient input, strict output, and the inputs that must be refused.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "codec/numeric.h"

using namespace rxgate::codec;

namespace {

std::string overpunch(std::int64_t v, std::size_t min_digits = 1) {
  std::array<char, 24> buf{};
  return std::string(format_overpunch(v, buf, min_digits));
}

std::string unsigned_text(std::uint64_t v, std::size_t min_digits = 1) {
  std::array<char, 24> buf{};
  return std::string(format_unsigned(v, buf, min_digits));
}

struct worked_example {
  std::string_view wire;
  std::int64_t value;  // in units of the implied decimals
};

// ncpdp-d0.md §8.1, in the order of the table.
constexpr worked_example spec_examples[] = {
    {"100{", 1000},      {"754C", 7543},    {"40{", 400},       {"I", 9},
    {"0000601I", 6019},  {"10177E", 101775}, {"0000000{", 0},   {"123M", -1234},
    {"5}", -50},         {"1000}", -10000},  {"8250{", 82500},
};

}  // namespace

TEST(Overpunch, SpecExamplesParse) {
  for (const auto& e : spec_examples) EXPECT_EQ(parse_overpunch(e.wire), e.value) << e.wire;
}

TEST(Overpunch, SpecExamplesFormatToTheSameWire) {
  // The wire width of the example is the padding asked for: "0000601I" is 6019 in 8 digits.
  for (const auto& e : spec_examples) EXPECT_EQ(overpunch(e.value, e.wire.size()), e.wire) << e.wire;
  // Minimal form where the example is minimal.
  EXPECT_EQ(overpunch(1000), "100{");
  EXPECT_EQ(overpunch(7543), "754C");
  EXPECT_EQ(overpunch(9), "I");
  EXPECT_EQ(overpunch(6019), "601I");
  EXPECT_EQ(overpunch(-50), "5}");
  EXPECT_EQ(overpunch(-1234), "123M");
}

TEST(Overpunch, EveryLastDigitBothSigns) {
  constexpr std::string_view positive = "{ABCDEFGHI", negative = "}JKLMNOPQR";
  for (int d = 0; d <= 9; ++d) {
    const auto p = positive[static_cast<std::size_t>(d)];
    const auto n = negative[static_cast<std::size_t>(d)];
    EXPECT_EQ(parse_overpunch(std::string("12") + p), 120 + d);
    EXPECT_EQ(parse_overpunch(std::string("12") + n), -(120 + d));
    EXPECT_EQ(overpunch(120 + d), std::string("12") + p);
    EXPECT_EQ(overpunch(-(120 + d)), std::string("12") + n);
  }
}

TEST(Overpunch, LenientInput) {
  EXPECT_EQ(parse_overpunch("7543"), 7543);        // plain last digit reads as positive
  EXPECT_EQ(parse_overpunch("0007543"), 7543);     // zero padded
  EXPECT_EQ(parse_overpunch("00000000"), 0);
  EXPECT_EQ(parse_overpunch("{"), 0);              // truncated to one character
  EXPECT_EQ(parse_overpunch("J"), -1);
  EXPECT_EQ(parse_overpunch("}"), 0);              // negative zero is zero
  EXPECT_EQ(parse_overpunch("0000}"), 0);
  EXPECT_EQ(parse_overpunch("123456789012345678"), 123456789012345678);  // 18 digits fit
  EXPECT_EQ(parse_overpunch("12345678901234567R"), -123456789012345679);
}

TEST(Overpunch, Rejects) {
  using namespace std::string_view_literals;
  for (std::string_view bad : {""sv, "1A2"sv, "--"sv, "1234567890123456789"sv, "+5"sv, "-5"sv, " 5"sv,
                               "5 "sv, "A{"sv, "a"sv, "1.5"sv, "12}3"sv, "1\0"sv})
    EXPECT_EQ(parse_overpunch(bad), std::nullopt) << "'" << bad << "'";
}

TEST(Overpunch, StrictOutput) {
  EXPECT_EQ(overpunch(0), "{");                 // zero is never "0" or "}"
  EXPECT_EQ(overpunch(0, 8), "0000000{");
  EXPECT_EQ(overpunch(5, 4), "000E");
  EXPECT_EQ(overpunch(-5, 4), "000N");
  EXPECT_EQ(overpunch(123456, 3), "12345F");    // padding never cuts digits
  EXPECT_EQ(overpunch(-1), "J");
  // Negative zero does not exist in an int64; what parses from "}" is written as "{".
  EXPECT_EQ(overpunch(*parse_overpunch("}")), "{");
  // The most negative value is rendered without overflow (19 digits, too many to parse back).
  EXPECT_EQ(overpunch(std::numeric_limits<std::int64_t>::min()), "922337203685477580Q");
  EXPECT_EQ(overpunch(std::numeric_limits<std::int64_t>::max()), "922337203685477580G");
}

TEST(Overpunch, OutputThatDoesNotFitIsEmpty) {
  std::array<char, 5> five{};
  EXPECT_EQ(format_overpunch(12345, five), "1234E");
  EXPECT_EQ(format_overpunch(-12345, five), "1234N");
  EXPECT_EQ(format_overpunch(123456, five), "");
  EXPECT_EQ(format_overpunch(1, five, 6), "");
  std::array<char, 0> none{};
  EXPECT_EQ(format_overpunch(0, none), "");
}

TEST(Overpunch, RoundTripsOverARange) {
  for (std::int64_t v = -20000; v <= 20000; v += 7) {
    EXPECT_EQ(parse_overpunch(overpunch(v)), v);
    EXPECT_EQ(parse_overpunch(overpunch(v, 10)), v);
  }
}

TEST(Unsigned, Parse) {
  EXPECT_EQ(parse_unsigned("0000030000"), 30000);
  EXPECT_EQ(parse_unsigned("30000"), 30000);
  EXPECT_EQ(parse_unsigned("0"), 0);
  EXPECT_EQ(parse_unsigned("   42"), 42);     // right-justified with blanks
  EXPECT_EQ(parse_unsigned("  123456789012345678"), 123456789012345678);  // blanks do not count
  for (std::string_view bad : {"", "   ", "4 2", "42 ", "-1", "+1", "1A", "1234567890123456789", "{"})
    EXPECT_EQ(parse_unsigned(bad), std::nullopt) << "'" << bad << "'";
}

TEST(Unsigned, Format) {
  EXPECT_EQ(unsigned_text(0), "0");
  EXPECT_EQ(unsigned_text(7, 3), "007");
  EXPECT_EQ(unsigned_text(1234, 2), "1234");
  EXPECT_EQ(unsigned_text(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
  std::array<char, 3> three{};
  EXPECT_EQ(format_unsigned(999, three), "999");
  EXPECT_EQ(format_unsigned(1000, three), "");
  EXPECT_EQ(format_unsigned(1, three, 4), "");
}

TEST(Dates, ValidAndInvalid) {
  EXPECT_EQ(parse_date("20240115"), (date{2024, 1, 15}));
  EXPECT_EQ(parse_date("19340102"), (date{1934, 1, 2}));
  EXPECT_EQ(parse_date("20231231"), (date{2023, 12, 31}));
  for (std::string_view bad : {"00000000", "99999999", "20230231", "20230229", "19000229", "20231301",
                               "20230100", "20230132", "20230431", "2023011", "202301150", "2023-1-1",
                               "17991231", "30000101", "", "        "})
    EXPECT_EQ(parse_date(bad), std::nullopt) << "'" << bad << "'";
}

TEST(Dates, LeapYears) {
  EXPECT_TRUE(parse_date("20240229"));   // divisible by 4
  EXPECT_TRUE(parse_date("20000229"));   // divisible by 400
  EXPECT_FALSE(parse_date("21000229"));  // divisible by 100, not 400
  EXPECT_FALSE(parse_date("20230229"));
  EXPECT_EQ((date{2024, 3, 1}).days() - (date{2024, 2, 28}).days(), 2);
  EXPECT_EQ((date{2023, 3, 1}).days() - (date{2023, 2, 28}).days(), 1);
  EXPECT_EQ((date{2025, 1, 1}).days() - (date{2024, 1, 1}).days(), 366);
  EXPECT_EQ((date{2101, 1, 1}).days() - (date{2100, 1, 1}).days(), 365);
}

TEST(Dates, DaysFromTheEpoch) {
  EXPECT_EQ((date{1970, 1, 1}).days(), 0);
  EXPECT_EQ((date{1969, 12, 31}).days(), -1);
  EXPECT_EQ((date{2000, 3, 1}).days(), 11017);
  EXPECT_EQ((date{2024, 1, 15}).days(), 19737);
  EXPECT_EQ(date::from_days(0), (date{1970, 1, 1}));
  EXPECT_EQ(date::from_days(19737), (date{2024, 1, 15}));
}

TEST(Dates, DaysRoundTripFrom1800To2999) {
  const std::int32_t first = (date{1800, 1, 1}).days();
  const std::int32_t last = (date{2999, 12, 31}).days();
  date previous = date::from_days(first - 1);
  for (std::int32_t d = first; d <= last; ++d) {
    const date x = date::from_days(d);
    ASSERT_EQ(x.days(), d);
    ASSERT_LT(previous, x);
    // Every calendar day written and read back through the wire form.
    std::array<char, 8> buf{};
    ASSERT_EQ(parse_date(format_date(x, buf)), x) << d;
    previous = x;
  }
}

TEST(Dates, Format) {
  std::array<char, 8> buf{};
  EXPECT_EQ(format_date(date{2024, 1, 5}, buf), "20240105");
  EXPECT_EQ(format_date(date{1800, 12, 31}, buf), "18001231");
}

TEST(Dates, AgeInYears) {
  EXPECT_EQ(age_in_years(date{1990, 6, 15}, date{2024, 6, 14}), 33);
  EXPECT_EQ(age_in_years(date{1990, 6, 15}, date{2024, 6, 15}), 34);
  EXPECT_EQ(age_in_years(date{1990, 6, 15}, date{2024, 5, 31}), 33);
  EXPECT_EQ(age_in_years(date{2000, 2, 29}, date{2024, 2, 28}), 23);
  EXPECT_EQ(age_in_years(date{2000, 2, 29}, date{2024, 2, 29}), 24);
  EXPECT_EQ(age_in_years(date{2000, 2, 29}, date{2023, 3, 1}), 23);
  EXPECT_EQ(age_in_years(date{2024, 1, 15}, date{2024, 1, 15}), 0);
}
