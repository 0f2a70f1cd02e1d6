// A read-only hash index from string keys to table rows, built once at load time.
//
// Open addressing with linear probing over a power-of-two table of {hash tag, row} slots. The
// keys themselves are not stored: the caller's accessor reads a row's key (from the table the
// rows live in), so a hit costs the slot, the row and its key bytes, and a miss with a different
// tag never touches the table. No allocation on lookup.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "rules/huge_pages.h"

namespace rxgate::rules {

// Word-at-a-time hash for short identifiers (NDCs, cardholder IDs, class names).
inline std::uint64_t hash_bytes(std::string_view s, std::uint64_t h = 0x243F6A8885A308D3ull) noexcept {
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  // The last 1..7 bytes without a variable-length copy: two overlapping 4-byte loads, or the
  // first, middle and last byte.
  std::uint64_t w = 0;
  if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    w = (std::uint64_t{a} << 32) | b;
  } else if (n > 0) {
    w = (std::uint64_t{static_cast<unsigned char>(p[0])} << 16) |
        (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) | static_cast<unsigned char>(p[n - 1]);
  }
  h = (h ^ w ^ (static_cast<std::uint64_t>(s.size()) << 56)) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 32);
}

class string_index {
 public:
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  void reserve(std::size_t n) {
    std::size_t want = 16;
    while (want < n * 2 + 2) want *= 2;
    if (want > slots_.size() && size_ == 0) rehash(want);
  }

  // Adds `row` under `key`; returns false (adding nothing) when the key is already there.
  // `key_of(row)` must return the key of any row added so far.
  template <class KeyOf>
  bool insert(std::string_view key, std::uint32_t row, KeyOf key_of) {
    if ((size_ + 1) * 2 > slots_.size()) grow(key_of);
    const auto h = hash_bytes(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i].row == npos) {
        slots_[i] = {tag, row};
        ++size_;
        return true;
      }
      if (slots_[i].tag == tag && key_of(slots_[i].row) == key) return false;
    }
  }

  template <class KeyOf>
  std::uint32_t find(std::string_view key, KeyOf key_of) const noexcept {
    if (slots_.empty()) return npos;
    const auto h = hash_bytes(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const slot s = slots_[i];
      if (s.row == npos) return npos;
      if (s.tag == tag && key_of(s.row) == key) return s.row;
    }
  }

  std::size_t size() const noexcept { return size_; }

  // Memory hints for a caller that knows its next keys: fetch the key's first slot, or (once
  // that is cached) the row its tag points at, without verifying the key. Never change results.
  void prefetch_slot(std::string_view key) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash_bytes(key) & (slots_.size() - 1)]);
  }
  std::uint32_t probable_row(std::string_view key) const noexcept {
    if (slots_.empty()) return npos;
    const auto h = hash_bytes(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask, n = 0; n < 4; i = (i + 1) & mask, ++n) {
      if (slots_[i].row == npos) return npos;
      if (slots_[i].tag == tag) return slots_[i].row;
    }
    return npos;
  }

 private:
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t row = npos;
  };
  template <class KeyOf>
  void grow(KeyOf key_of) {
    std::vector<slot, huge_page_allocator<slot>> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const slot& s : old) {
      if (s.row == npos) continue;
      const auto h = hash_bytes(key_of(s.row));
      std::size_t i = h & mask;
      while (slots_[i].row != npos) i = (i + 1) & mask;
      slots_[i] = s;
    }
    (void)key_of;
  }
  void rehash(std::size_t n) {
    // Only called before the first insert (reserve), so there is nothing to move.
    slots_.assign(n, slot{});
  }
  std::vector<slot, huge_page_allocator<slot>> slots_;
  std::size_t size_ = 0;
};

}  // namespace rxgate::rules
