// The byte masks behind decode()'s framing: the SSE2 and the portable mask agree with a byte loop
// for every byte value at every position, and the scanner finds the same next byte as a plain
// loop at every start, for lengths around the 64-byte window edges (0, 1, 63, 64, 65 ... 4097, 5000).
#include "codec/plain_mask.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace rxgate::codec::detail {
namespace {

bool is_plain(unsigned char c) { return c >= 0x20 && c <= 0x7E; }

std::uint64_t mask_by_loop(const char* s) {
  std::uint64_t m = 0;
  for (int i = 0; i < 64; ++i)
    if (!is_plain(static_cast<unsigned char>(s[i]))) m |= std::uint64_t{1} << i;
  return m;
}

std::size_t next_by_loop(const std::string& s, std::size_t p) {
  while (p < s.size() && is_plain(static_cast<unsigned char>(s[p]))) ++p;
  return std::min(p, s.size());
}

TEST(PlainMask, EveryByteValueAtEveryPosition) {
  for (int value = 0; value < 256; ++value) {
    for (int at = 0; at < 64; ++at) {
      std::string block(64, 'A');
      block[static_cast<std::size_t>(at)] = static_cast<char>(value);
      const std::uint64_t want = mask_by_loop(block.data());
      EXPECT_EQ(want, is_plain(static_cast<unsigned char>(value)) ? 0u : std::uint64_t{1} << at) << value;
      EXPECT_EQ(not_plain_mask64(block.data()), want) << "value " << value << " at " << at;
      EXPECT_EQ(not_plain_mask64_portable(block.data()), want) << "value " << value << " at " << at;
    }
  }
}

TEST(PlainMask, BoundaryValuesSideBySide) {
  // 0x1F | 0x20 and 0x7E | 0x7F are the edges of "plain"; 0x80 and 0xFF the high-bit bytes.
  const unsigned char edges[] = {0x00, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x21, 0x7D, 0x7E, 0x7F, 0x80, 0xFF};
  std::string block;
  while (block.size() < 64) block += static_cast<char>(edges[block.size() % sizeof edges]);
  EXPECT_EQ(not_plain_mask64(block.data()), mask_by_loop(block.data()));
  EXPECT_EQ(not_plain_mask64_portable(block.data()), mask_by_loop(block.data()));
}

TEST(PlainMask, RandomBlocks) {
  std::mt19937_64 rng(20261203);
  for (int round = 0; round < 20000; ++round) {
    char block[64];
    // Mostly plain with a few of anything, as a claim is.
    for (char& c : block)
      c = static_cast<char>(rng() % 8 == 0 ? rng() % 256 : 0x20 + rng() % 0x5F);
    const std::uint64_t want = mask_by_loop(block);
    ASSERT_EQ(not_plain_mask64(block), want);
    ASSERT_EQ(not_plain_mask64_portable(block), want);
  }
}

TEST(PlainScanner, FindsTheNextByteFromEveryStart) {
  std::mt19937_64 rng(7);
  for (std::size_t size : {0, 1, 2, 63, 64, 65, 100, 127, 128, 129, 191, 192, 193, 600, 2047, 2048, 2049,
                           2111, 2112, 2113, 4095, 4096, 4097, 5000}) {
    for (int round = 0; round < (size > 1000 ? 12 : 40); ++round) {
      std::string s(size, 'x');
      const int density = round % 4 == 0 ? 0 : 1 + round % 9;  // some buffers all plain
      for (char& c : s)
        if (density != 0 && static_cast<int>(rng() % 64) < density) c = static_cast<char>(rng() % 2 ? 0x1C : 0x1E);
      // Forward walk, as framing does.
      not_plain_scanner forward(s.data(), s.size());
      for (std::size_t p = 0; p <= size; ++p) ASSERT_EQ(forward.next(p), next_by_loop(s, p)) << size << " at " << p;
      // Any order is correct too.
      not_plain_scanner jumping(s.data(), s.size());
      for (int k = 0; k < 50; ++k) {
        const std::size_t p = size == 0 ? 0 : rng() % (size + 1);
        ASSERT_EQ(jumping.next(p), next_by_loop(s, p)) << size << " at " << p;
      }
    }
  }
}

TEST(PlainScanner, LongFieldsAcrossWordsAndChunks) {
  // Separators only at 10, 200 (three windows later) and 2100, then none to the end.
  std::string s(3000, 'L');
  s[10] = s[200] = s[2100] = 0x1E;
  not_plain_scanner scan(s.data(), s.size());
  EXPECT_EQ(scan.next(0), 10u);
  EXPECT_EQ(scan.next(11), 200u);
  EXPECT_EQ(scan.next(201), 2100u);
  EXPECT_EQ(scan.next(2101), 3000u);
  EXPECT_EQ(scan.next(5), 10u);  // back into the first chunk
}

TEST(PlainScanner, TheEndCountsAsNotPlain) {
  // A 70-byte buffer with no separator: every start answers 70, across the window edge at 64.
  const std::string s(70, 'Z');
  not_plain_scanner scan(s.data(), s.size());
  EXPECT_EQ(scan.next(0), 70u);
  EXPECT_EQ(scan.next(63), 70u);
  EXPECT_EQ(scan.next(64), 70u);
  EXPECT_EQ(scan.next(69), 70u);
  EXPECT_EQ(scan.next(70), 70u);
  // A separator as the last byte, and as the first of the second window.
  std::string t(65, 'Z');
  t[64] = 0x1C;
  not_plain_scanner scan_t(t.data(), t.size());
  EXPECT_EQ(scan_t.next(0), 64u);
  EXPECT_EQ(scan_t.next(64), 64u);
  EXPECT_EQ(scan_t.next(65), 65u);
}

}  // namespace
}  // namespace rxgate::codec::detail
