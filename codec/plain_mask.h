// Where the bytes that are not printable ASCII lie (internal to rxgate_codec, used by decode()).
//
// Framing spends its time finding the next separator. Stepping from field to field with a word
// scan makes every field wait for the previous field's load and arithmetic; a 64-bit mask of a
// 64-byte window turns the step into a shift and a count of trailing zeros, so the masks of the
// next window are computed while fields of this one are still being stored.
//
// A byte is plain when it lies in 0x20..0x7E. Everything else (the separators 0x1C-0x1E, other
// control bytes, DEL, bytes >= 0x80) sets its bit.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rxgate::codec::detail {

// Bit i set when s[i] is not plain, for the 64 bytes at `s` (all of which must be readable).
// Standard C++ only, eight bytes at a time; exact for every byte.
inline std::uint64_t not_plain_mask64_portable(const char* s) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  constexpr std::uint64_t highs = 0x8080808080808080ull;
  std::uint64_t mask = 0;
  for (int w = 0; w < 8; ++w) {
    std::uint64_t x;
    std::memcpy(&x, s + 8 * w, 8);
    if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
    // With the high bit cleared no byte can carry into its neighbour: t + 0x60 stays below 0x100
    // and sets the high bit exactly when t >= 0x20; t + 1 sets it exactly when t == 0x7F.
    const std::uint64_t t = x & ~highs;
    const std::uint64_t below_space = ~(t + ones * 0x60) & highs;
    const std::uint64_t del = (t + ones) & highs;
    const std::uint64_t flagged = (below_space | del | x) & highs;
    // One bit per byte: gather the eight high bits into the low byte.
    const std::uint64_t bits = ((flagged >> 7) * 0x0102040810204080ull) >> 56;
    mask |= bits << (8 * w);
  }
  return mask;
}

inline std::uint64_t not_plain_mask64(const char* s) noexcept {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7F);
  std::uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 16 * i));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" flags them with the control bytes.
    const __m128i hit = _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hit))) << (16 * i);
  }
  return mask;
#else
  return not_plain_mask64_portable(s);
#endif
}

// Walks one buffer forwards, answering "where is the next byte that is not plain".
class not_plain_scanner {
 public:
  not_plain_scanner(const char* data, std::size_t size) noexcept : data_(data), size_(size) {}

  // Index of the first byte at or after `p` that is not plain, or size() when there is none.
  // Calls are cheapest when `p` only grows; any order is correct.
  std::size_t next(std::size_t p) noexcept {
    const std::size_t rel = p - window_;
    if (rel < 64) [[likely]]
      if (const std::uint64_t m = mask_ >> rel) return p + static_cast<std::size_t>(std::countr_zero(m));
    return next_in_later_window(p);
  }

 private:
  // Out of line: once per 64 bytes at most, and keeping it out of next() keeps the framing loop's
  // registers free.
  [[gnu::noinline]] std::size_t next_in_later_window(std::size_t p) noexcept {
    for (;;) {
      const std::size_t rel = p - window_;
      if (rel < 64) {
        if (const std::uint64_t m = mask_ >> rel) return p + static_cast<std::size_t>(std::countr_zero(m));
        p = window_ + 64;
      }
      if (p >= size_) return size_;
      load(p);
    }
  }

  void load(std::size_t p) noexcept {
    window_ = p;
    const std::size_t left = size_ - p;
    if (left >= 64) {
      mask_ = not_plain_mask64(data_ + p);
      return;
    }
    // The window runs past the end: the byte at size() counts as not plain, so next() stops there.
    if (size_ >= 64) {
      const std::size_t back = 64 - left;
      mask_ = (not_plain_mask64(data_ + size_ - 64) >> back) | (std::uint64_t{1} << left);
      return;
    }
    char tail[64];
    std::memcpy(tail, data_ + p, left);
    std::memset(tail + left, 0, sizeof tail - left);
    mask_ = not_plain_mask64(tail);
  }

  const char* data_;
  std::size_t size_;
  std::size_t window_ = static_cast<std::size_t>(-1) / 2;  // nothing loaded: next() loads first
  std::uint64_t mask_ = 0;
};

}  // namespace rxgate::codec::detail
