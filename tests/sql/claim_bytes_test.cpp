// The stored form of a claim's raw request and response (sql/claim_bytes.h), without a database:
// what is packed, what is kept as it is, and what an unpacker says about a value it cannot read.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sql/claim_bytes.h"
#include "tests/support/d0_transmissions.h"

namespace rxgate::test {
namespace {

using store::bytes_kind;
using store::dictionary_set;
using store::packer;
using store::unpacker;

const std::string magic("\x28\xb5\x2f\xfd", 4);

using test_support::d0_shaped_transmissions;

std::shared_ptr<dictionary_set> trained(std::uint32_t request_id, std::uint32_t response_id = 0) {
  auto set = std::make_shared<dictionary_set>();
  std::string d;
  EXPECT_FALSE(store::train_dictionary(d0_shaped_transmissions(2000, request_id), request_id, 16384, d));
  EXPECT_FALSE(set->add(request_id, bytes_kind::request, d));
  if (response_id != 0) {
    EXPECT_FALSE(store::train_dictionary(d0_shaped_transmissions(2000, response_id), response_id, 16384, d));
    EXPECT_FALSE(set->add(response_id, bytes_kind::response, d));
  }
  return set;
}

TEST(ClaimBytes, WithoutADictionaryAValueIsStoredAsItIs) {
  packer p(std::make_shared<dictionary_set>());
  const std::string claim = d0_shaped_transmissions(1, 7)[0];
  const auto stored = p.pack(bytes_kind::request, claim);
  EXPECT_EQ(stored, claim);
  EXPECT_EQ(stored.data(), claim.data()) << "no copy when nothing is packed";
  EXPECT_EQ(unpacker::dictionary_of(stored), -1);
  unpacker u;
  std::string raw;
  std::uint32_t missing = 99;
  ASSERT_FALSE(u.unpack(stored, raw, missing));
  EXPECT_EQ(raw, claim);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(p.pack(bytes_kind::response, ""), "");
}

TEST(ClaimBytes, ClaimsOfThePlanPackSmallWithItsDictionaryAndComeBackByteForByte) {
  const auto set = trained(40001, 40002);
  EXPECT_EQ(set->newest(bytes_kind::request), 40001u);
  EXPECT_EQ(set->newest(bytes_kind::response), 40002u);
  packer p(set);
  unpacker u;
  u.use(set);
  std::size_t raw_bytes = 0, stored_bytes = 0;
  for (const auto& claim : d0_shaped_transmissions(200, 99)) {  // not the claims it was trained on
    const std::string stored(p.pack(bytes_kind::request, claim));
    EXPECT_EQ(stored.substr(0, 4), magic);
    EXPECT_EQ(unpacker::dictionary_of(stored), 40001);
    std::string raw;
    std::uint32_t missing = 0;
    ASSERT_FALSE(u.unpack(stored, raw, missing));
    EXPECT_EQ(raw, claim);
    raw_bytes += claim.size();
    stored_bytes += stored.size();
  }
  EXPECT_LT(stored_bytes * 2, raw_bytes) << "packed " << raw_bytes << " to " << stored_bytes;
  // The response dictionary packs responses; a request is never packed with it.
  EXPECT_EQ(unpacker::dictionary_of(p.pack(bytes_kind::response, d0_shaped_transmissions(1, 5)[0])), 40002);
}

TEST(ClaimBytes, AValueTheDictionaryDoesNotShrinkIsKeptAsItIs) {
  packer p(trained(40011));
  std::string noise(300, '\0');
  std::mt19937 random(3);
  for (auto& c : noise) c = static_cast<char>('!' + random() % 90);
  EXPECT_EQ(p.pack(bytes_kind::request, noise), noise);
  EXPECT_EQ(p.pack(bytes_kind::request, "x"), "x");
}

// A garbled transmission is stored as received, and it can be anything: one that begins like a
// frame is put in a frame of its own, so that no stored value is read as what it is not.
TEST(ClaimBytes, AValueThatBeginsLikeAFrameIsFramedWithAndWithoutDictionaries) {
  const std::string garbled = magic + std::string("\x00\x01 not a frame at all", 21);
  for (auto set : {std::make_shared<dictionary_set>(), trained(40021)}) {
    packer p(set);
    const std::string stored(p.pack(bytes_kind::request, garbled));
    ASSERT_NE(stored, garbled);
    EXPECT_EQ(stored.substr(0, 4), magic);
    unpacker u;
    u.use(set);
    std::string raw;
    std::uint32_t missing = 0;
    ASSERT_FALSE(u.unpack(stored, raw, missing));
    EXPECT_EQ(raw, garbled);
  }
  // The magic alone, and one byte short of it.
  packer bare(std::make_shared<dictionary_set>());
  EXPECT_NE(bare.pack(bytes_kind::response, magic), magic);
  EXPECT_EQ(bare.pack(bytes_kind::response, magic.substr(0, 3)), magic.substr(0, 3));
}

TEST(ClaimBytes, AFrameOfADictionaryNotLoadedNamesItAndAnUnreadableFrameIsAnError) {
  const std::string stored(packer(trained(40031)).pack(bytes_kind::request, d0_shaped_transmissions(1, 11)[0]));
  unpacker u;
  std::string raw = "left over";
  std::uint32_t missing = 0;
  auto e = u.unpack(stored, raw, missing);
  EXPECT_EQ(e.code, store::errc::not_found);
  EXPECT_EQ(missing, 40031u);
  EXPECT_TRUE(raw.empty());
  u.use(trained(40032));  // another dictionary does not do
  EXPECT_EQ(u.unpack(stored, raw, missing).code, store::errc::not_found);

  u.use(trained(40031));
  ASSERT_FALSE(u.unpack(stored, raw, missing));
  std::string broken = stored;
  broken[broken.size() / 2] = static_cast<char>(broken[broken.size() / 2] ^ 0x55);
  broken.resize(broken.size() - 3);
  EXPECT_EQ(u.unpack(broken, raw, missing).code, store::errc::internal);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(u.unpack(magic + "\x20", raw, missing).code, store::errc::internal);
}

TEST(ClaimBytes, ADictionaryIsTakenOnlyUnderItsOwnIdInThePrivateRange) {
  std::string d;
  ASSERT_FALSE(store::train_dictionary(d0_shaped_transmissions(2000, 1), 32768, 16384, d));
  dictionary_set set;
  EXPECT_EQ(set.add(32769, bytes_kind::request, d).code, store::errc::invalid);
  EXPECT_EQ(set.add(32768, bytes_kind::request, "not a dictionary").code, store::errc::invalid);
  EXPECT_FALSE(set.add(32768, bytes_kind::request, d));
  EXPECT_TRUE(set.has(32768));
  EXPECT_FALSE(set.has(32769));
  EXPECT_EQ(store::train_dictionary(d0_shaped_transmissions(2000, 1), 32767, 16384, d).code, store::errc::invalid);
  // Too few values to learn from.
  EXPECT_EQ(store::train_dictionary(d0_shaped_transmissions(99, 1), 32770, 16384, d).code, store::errc::invalid);
  EXPECT_FALSE(store::train_dictionary(d0_shaped_transmissions(100, 1), 32770, 16384, d));
  // The newest of a kind is the highest id, whatever the order they come in.
  dictionary_set two;
  std::string older;
  ASSERT_FALSE(store::train_dictionary(d0_shaped_transmissions(2000, 2), 32771, 16384, older));
  EXPECT_FALSE(two.add(32771, bytes_kind::response, older));
  EXPECT_FALSE(two.add(32770, bytes_kind::response, d));
  EXPECT_EQ(two.newest(bytes_kind::response), 32771u);
  EXPECT_EQ(two.newest(bytes_kind::request), 0u);
}

}  // namespace
}  // namespace rxgate::test
