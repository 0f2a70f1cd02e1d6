// The logic of the JSON claim fuzz target (POST /v1/claims takes public JSON): shared by the
// libFuzzer entry point fuzz_json_claim.cpp and the corpus replay test, like targets.h.
//
// Properties: from_json never reports an offset past its input; what it accepts is framed D.0
// that decode() reads without a view outside the bytes, and validate() and the answer builder
// handle it (fuzz_decode_one's checks); a decoded request written back as JSON reads back to the
// same JSON (codec/json.h: to_json(decode(from_json(j))) == j for any j that to_json wrote; the
// wire itself may differ, since the JSON trims the trailing blanks of fields).
#pragma once

#include <string>
#include <string_view>

#include "codec/json.h"
#include "tests/codec/fuzz/targets.h"

namespace rxgate::fuzz {

inline int fuzz_json_claim_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static std::string* wire = new std::string;  // reused by every input, never freed
  static std::string* json = new std::string;
  static std::string* again = new std::string;
  static std::string* json_again = new std::string;
  const auto err = codec::from_json(input, *wire);
  if (err) {
    require(err.offset <= size, "json error offset past the input");
    return 0;
  }
  // Whatever from_json framed goes through the decode target's checks.
  fuzz_decode_one(reinterpret_cast<const std::uint8_t*>(wire->data()), wire->size());
  auto& b = buffers();
  codec::message& m = b.request_or_response;
  if (codec::decode(*wire, m)) return 0;
  check_views(m, *wire);
  json->clear();
  codec::to_json(m, *json);
  const auto back = codec::from_json(*json, *again);
  require(!back, "to_json output is refused by from_json");
  codec::message& m2 = b.second;
  require(!codec::decode(*again, m2), "from_json(to_json(m)) does not decode");
  json_again->clear();
  codec::to_json(m2, *json_again);
  require(*json_again == *json, "to_json(decode(from_json(j))) differs from j");
  return 0;
}

}  // namespace rxgate::fuzz
