// Test helpers of the F6 tests: decode an input kept alive on the heap, and compare a segment's
// fields with their expected values.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "codec/decode.h"
#include "codec/view.h"

namespace rxgate::testing {

// Keeps its own copy of the input on the heap: the message's views point into it and survive a move.
struct decoded {
  std::unique_ptr<std::string> input;
  std::unique_ptr<codec::message> m = std::make_unique<codec::message>();
  codec::decode_error e;
};
inline decoded decode_all(std::string_view in) {
  decoded d;
  d.input = std::make_unique<std::string>(in);
  d.e = codec::decode(*d.input, *d.m);
  return d;
}

// The segment is there and each field has the value (trailing blanks trimmed).
inline void expect_fields(const codec::segment_view& seg,
                          std::initializer_list<std::pair<codec::field_id, std::string_view>> fields) {
  ASSERT_TRUE(seg);
  for (const auto& [id, value] : fields) {
    const auto c = codec::field_chars(id);
    EXPECT_EQ(seg.get_or_empty(id), value) << c[0] << c[1];
  }
}

}  // namespace rxgate::testing
