// Claim kinds and the --mix / --mix-file parser: what it accepts, and that bad input is refused
// with a message that names the problem (and leaves the mix alone).
#include "bench/load/mix.h"

#include <gtest/gtest.h>

#include <string>

namespace rxgate::load {
namespace {

unsigned weight(const claim_mix& m, claim_kind k) { return m[static_cast<std::size_t>(k)]; }

TEST(claim_kinds, names_round_trip) {
  for (std::size_t i = 0; i < kind_count; ++i) {
    const auto k = static_cast<claim_kind>(i);
    ASSERT_EQ(kind_from_string(to_string(k)), k) << to_string(k);
  }
  EXPECT_EQ(to_string(claim_kind::refill_too_soon), "refill-too-soon");
  EXPECT_EQ(to_string(claim_kind::eligibility_check), "e1");
  EXPECT_FALSE(kind_from_string("Paid"));
  EXPECT_FALSE(kind_from_string(""));
}

TEST(claim_kinds, follow_ups_are_the_four_that_answer_an_earlier_paid_claim) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kind_count; ++i) n += is_follow_up(static_cast<claim_kind>(i));
  EXPECT_EQ(n, 4u);
  EXPECT_TRUE(is_follow_up(claim_kind::retransmit));
  EXPECT_TRUE(is_follow_up(claim_kind::refill_too_soon));
  EXPECT_TRUE(is_follow_up(claim_kind::reversal));
  EXPECT_TRUE(is_follow_up(claim_kind::rebill));
}

TEST(claim_mix, default_mix_sends_every_kind_and_mostly_paid_claims) {
  const auto m = default_mix();
  unsigned total = 0;
  for (auto w : m) {
    EXPECT_GT(w, 0u);
    total += w;
  }
  EXPECT_EQ(total, 100u);
  EXPECT_EQ(weight(m, claim_kind::paid), 55u);
}

TEST(parse_mix, comma_list) {
  claim_mix m{};
  std::string why;
  ASSERT_TRUE(parse_mix("paid=60,retransmit=5,syntax=0", m, why)) << why;
  EXPECT_EQ(weight(m, claim_kind::paid), 60u);
  EXPECT_EQ(weight(m, claim_kind::retransmit), 5u);
  unsigned total = 0;
  for (auto w : m) total += w;
  EXPECT_EQ(total, 65u);  // kinds not named weigh 0
}

TEST(parse_mix, file_layout_with_comments_blanks_and_crlf) {
  claim_mix m{};
  std::string why;
  const char* file =
      "# the nightly mix\r\n"
      "paid 50\r\n"
      "\n"
      "  multi\t= 7   # four transactions\n"
      "refill-too-soon=3\n";
  ASSERT_TRUE(parse_mix(file, m, why)) << why;
  EXPECT_EQ(weight(m, claim_kind::paid), 50u);
  EXPECT_EQ(weight(m, claim_kind::multi), 7u);
  EXPECT_EQ(weight(m, claim_kind::refill_too_soon), 3u);
}

TEST(parse_mix, a_kind_named_twice_keeps_its_last_weight) {
  claim_mix m{};
  std::string why;
  ASSERT_TRUE(parse_mix("paid=1,paid=9", m, why));
  EXPECT_EQ(weight(m, claim_kind::paid), 9u);
}

// Parses `spec` into a mix that must stay untouched; returns the message.
std::string refused(std::string_view spec) {
  claim_mix m = default_mix();
  std::string why;
  EXPECT_FALSE(parse_mix(spec, m, why)) << spec;
  EXPECT_EQ(m, default_mix()) << spec;
  return why;
}

TEST(parse_mix, unknown_kind_is_named_with_the_list_of_kinds) {
  const auto why = refused("paid=1,bogus=2");
  EXPECT_NE(why.find("unknown claim kind 'bogus'"), std::string::npos) << why;
  for (std::size_t i = 0; i < kind_count; ++i)
    EXPECT_NE(why.find(to_string(static_cast<claim_kind>(i))), std::string::npos) << why;
}

TEST(parse_mix, an_entry_without_weight_says_kind_equals_weight) {
  EXPECT_EQ(refused("paid"), "mix entry 'paid' needs kind=weight");
}

TEST(parse_mix, bad_weights_are_named_with_their_kind) {
  EXPECT_EQ(refused("paid=abc"), "bad weight 'abc' for paid (a whole number, 0 to 999999)");
  EXPECT_EQ(refused("paid="), "bad weight '' for paid (a whole number, 0 to 999999)");
  EXPECT_EQ(refused("paid=-3"), "bad weight '-3' for paid (a whole number, 0 to 999999)");
  EXPECT_EQ(refused("paid=1.5"), "bad weight '1.5' for paid (a whole number, 0 to 999999)");
  EXPECT_EQ(refused("paid=1234567"), "bad weight '1234567' for paid (a whole number, 0 to 999999)");
}

TEST(parse_mix, a_mix_that_sends_nothing_is_refused) {
  EXPECT_EQ(refused(""), "the mix has no kind with a weight above 0");
  EXPECT_EQ(refused("# only a comment\n"), "the mix has no kind with a weight above 0");
  EXPECT_EQ(refused("paid=0,dur=0"), "the mix has no kind with a weight above 0");
}

TEST(parse_mix, the_largest_weight_is_accepted) {
  claim_mix m{};
  std::string why;
  ASSERT_TRUE(parse_mix("paid=999999", m, why)) << why;
  EXPECT_EQ(weight(m, claim_kind::paid), 999999u);
}

}  // namespace
}  // namespace rxgate::load
