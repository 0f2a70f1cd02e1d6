// A read-only hash index from string_view keys to dense entry numbers, built once at load time.
//
// Open addressing with linear probing over a power-of-two table of 32-bit slots, so a lookup is
// one hash, usually one or two cache lines and no allocation. The keys are views the caller
// keeps alive (the plan's string_pool).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace rxgate::rules {

inline std::uint64_t hash_bytes(std::string_view s, std::uint64_t h = 1469598103934665603ull) noexcept {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class string_index {
 public:
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  // Adds `key` as entry number keys().size(); returns false (and adds nothing) on a duplicate.
  bool insert(std::string_view key) {
    if ((keys_.size() + 1) * 2 > slots_.size()) grow();
    std::uint32_t entry = static_cast<std::uint32_t>(keys_.size());
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(hash_bytes(key)) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == npos) {
        slots_[i] = entry;
        keys_.push_back(key);
        return true;
      }
      if (keys_[slots_[i]] == key) return false;
    }
  }

  std::uint32_t find(std::string_view key) const noexcept {
    if (slots_.empty()) return npos;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(hash_bytes(key)) & mask;; i = (i + 1) & mask) {
      std::uint32_t e = slots_[i];
      if (e == npos) return npos;
      if (keys_[e] == key) return e;
    }
  }

  std::size_t size() const noexcept { return keys_.size(); }
  void reserve(std::size_t n) {
    keys_.reserve(n);
    std::size_t want = 16;
    while (want < n * 2 + 2) want *= 2;
    if (want > slots_.size()) rehash(want);
  }

 private:
  static std::uint64_t mix(std::uint64_t h) noexcept { return h ^ (h >> 29); }
  void grow() { rehash(slots_.empty() ? 16 : slots_.size() * 2); }
  void rehash(std::size_t n) {
    slots_.assign(n, npos);
    std::size_t mask = n - 1;
    for (std::uint32_t e = 0; e < keys_.size(); ++e) {
      std::size_t i = mix(hash_bytes(keys_[e])) & mask;
      while (slots_[i] != npos) i = (i + 1) & mask;
      slots_[i] = e;
    }
  }
  std::vector<std::string_view> keys_;
  std::vector<std::uint32_t> slots_;
};

}  // namespace rxgate::rules
