// Composes one free-text message (504-F4 / 526-FQ lines) into a fixed buffer: no allocation, so it
// may run on the claim path. Text past 200 characters is dropped.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "codec/numeric.h"

namespace rxgate::rules {

class text_builder {
 public:
  text_builder& add(std::string_view s) noexcept {
    for (char ch : s)
      if (size_ < buf_.size()) buf_[size_++] = ch;
    return *this;
  }
  text_builder& number(std::int64_t v) noexcept {
    char tmp[24];
    int n = 0;
    bool neg = v < 0;
    std::uint64_t u = neg ? static_cast<std::uint64_t>(-v) : static_cast<std::uint64_t>(v);
    do {
      tmp[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u && n < 24);
    if (neg) add("-");
    while (n) add({&tmp[--n], 1});
    return *this;
  }
  // Thousandths as a plain decimal ("30", "2.5").
  text_builder& quantity(std::int64_t q) noexcept {
    number(q / 1000);
    std::int64_t frac = q % 1000;
    if (frac) {
      char d[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                   static_cast<char>('0' + frac % 10)};
      std::size_t n = 4;
      while (d[n - 1] == '0') --n;
      add({d, n});
    }
    return *this;
  }
  // Cents as dollars ("612.50").
  text_builder& money(std::int64_t cents) noexcept {
    if (cents < 0) add("-"), cents = -cents;
    number(cents / 100);
    const char d[3] = {'.', static_cast<char>('0' + cents % 100 / 10), static_cast<char>('0' + cents % 10)};
    return add({d, 3});
  }
  text_builder& date(codec::date d) noexcept {
    char buf[8];
    return add(codec::format_date(d, buf));
  }
  std::string_view view() const noexcept { return {buf_.data(), size_}; }

 private:
  std::array<char, 200> buf_{};
  std::size_t size_ = 0;
};

}  // namespace rxgate::rules
