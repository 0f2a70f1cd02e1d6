// The claim id formula (sql/claim_id.h, migration 0022): the date it carries at the ends of the
// five digits and just past them, ids that still grow with the sequence, and the date read back.
// tests/sql/store_test.cpp checks the database's rxgate_claim_id and rxgate_claim_id_date agree.
#include <gtest/gtest.h>

#include "sql/claim_id.h"

namespace rxgate::store {
namespace {

codec::date day(int y, int m, int d) {
  return {static_cast<std::int16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

TEST(ClaimId, CarriesDaysAfter1999InItsLastFiveDigits) {
  EXPECT_EQ(make_claim_id(7, day(1999, 12, 31)), 700000);  // just under: no date
  EXPECT_EQ(make_claim_id(7, day(2000, 1, 1)), 700001);    // the first day it carries
  EXPECT_EQ(make_claim_id(7, day(2000, 1, 2)), 700002);
  EXPECT_EQ(make_claim_id(7, day(2026, 12, 4)), 709835);
  EXPECT_EQ(make_claim_id(7, day(2273, 10, 13)), 799998);
  EXPECT_EQ(make_claim_id(7, day(2273, 10, 14)), 799999);  // the last day it carries
  EXPECT_EQ(make_claim_id(7, day(2273, 10, 15)), 700000);  // just over: no date
  EXPECT_EQ(make_claim_id(7, day(1900, 1, 1)), 700000);
  EXPECT_EQ(make_claim_id(7, codec::date{}), 700000);      // invalid: no date
}

TEST(ClaimId, GrowsWithTheSequenceWhateverTheDate) {
  EXPECT_LT(make_claim_id(7, day(2273, 10, 14)), make_claim_id(8, day(2000, 1, 1)));
  EXPECT_LT(make_claim_id(7, day(2026, 12, 4)), make_claim_id(8, day(1999, 12, 31)));
  // Ids stay within JSON's exact integers (2^53) for 90 billion claims.
  EXPECT_LT(make_claim_id(90'000'000'000, day(2273, 10, 14)), std::int64_t{1} << 53);
}

TEST(ClaimId, GivesBackTheDateItWasMadeWith) {
  for (const auto d : {day(2000, 1, 1), day(2024, 2, 29), day(2026, 12, 4), day(2273, 10, 14)}) {
    EXPECT_EQ(date_in_claim_id(make_claim_id(123456789, d)), d);
  }
  EXPECT_FALSE(date_in_claim_id(make_claim_id(3, day(1999, 12, 31))).valid());
  EXPECT_FALSE(date_in_claim_id(make_claim_id(3, day(2273, 10, 15))).valid());
  EXPECT_FALSE(date_in_claim_id(0).valid());
}

}  // namespace
}  // namespace rxgate::store
