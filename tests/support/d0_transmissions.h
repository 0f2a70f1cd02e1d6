// Test and bench support: transmissions shaped like D.0 claims of one plan, for what learns from or
// packs claim bytes (zstd dictionaries) without a database or the load generator. A fixed header and
// segment layout with values that vary as a pharmacy's claims do (cardholder, Rx number, product,
// quantity, prices). Not valid claims of any plan: only their shape is real. Header-only; the same
// seed gives the same transmissions.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rxgate::test_support {

inline std::vector<std::string> d0_shaped_transmissions(int count, std::uint32_t seed) {
  std::mt19937 random(seed);
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + random() % 10));
    return s;
  };
  const char* products[] = {"00071015523", "00093505698", "00378395177", "00591555110", "68180051309"};
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string s = "610014D0B1PCNDEMO  1011" + digits(10) + "     20261120          ";
    s += "\x1e\x1c" "AM04\x1c" "C2" + digits(9) + "\x1c" "CCJANE\x1c" "CDDOE\x1c" "C1GRP" + digits(3);
    s += "\x1d\x1e\x1c" "AM07\x1c" "EM1\x1c" "D2" + digits(12) + "\x1c" "E103\x1c" "D7" + products[random() % 5];
    s += "\x1c" "E7" + digits(4) + "000\x1c" "D30\x1c" "D530\x1c" "D61\x1c" "D80\x1c" "DE20261120\x1c" "DJ1";
    s += "\x1e\x1c" "AM11\x1c" "D9" + digits(4) + "{\x1c" "DC250{\x1c" "DQ" + digits(4) + "{\x1c" "DU" + digits(4) + "{";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rxgate::test_support
