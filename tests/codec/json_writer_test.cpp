// The one JSON writer: escaping policy, commas at every nesting, exact decimals for money and
// quantities, and that a reused buffer does not allocate.
#include "codec/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace rxgate::codec {
namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string decimal(std::int64_t units, int places) {
  std::string out;
  append_json_decimal(out, units, places);
  return out;
}

TEST(json_string, plain_ascii_is_copied) { EXPECT_EQ(quoted("RXGATE 610999"), "\"RXGATE 610999\""); }

TEST(json_string, quote_and_backslash_take_a_backslash) { EXPECT_EQ(quoted("a\"b\\c"), R"("a\"b\\c")"); }

TEST(json_string, newline_return_and_tab_have_short_escapes) { EXPECT_EQ(quoted("a\nb\rc\td"), R"("a\nb\rc\td")"); }

TEST(json_string, other_control_bytes_and_high_bytes_are_unicode_escapes) {
  EXPECT_EQ(quoted(std::string_view("\x00\x1c\x1d\x1e\x1f", 5)), R"("\u0000\u001c\u001d\u001e\u001f")");
  EXPECT_EQ(quoted("\x7f\x80\xe9\xff"), R"("\u007f\u0080\u00e9\u00ff")");
  // The byte just below the escaped range and the first printable one are copied.
  EXPECT_EQ(quoted("\x20\x7e"), "\" ~\"");
}

TEST(json_string, empty_string) { EXPECT_EQ(quoted(""), "\"\""); }

TEST(json_decimal, money_drops_trailing_zeros) {
  EXPECT_EQ(decimal(1234, 2), "12.34");
  EXPECT_EQ(decimal(3050, 2), "30.5");
  EXPECT_EQ(decimal(3000, 2), "30");
  EXPECT_EQ(decimal(0, 2), "0");
  EXPECT_EQ(decimal(1, 2), "0.01");
  EXPECT_EQ(decimal(10, 2), "0.1");
  EXPECT_EQ(decimal(99, 2), "0.99");
  EXPECT_EQ(decimal(100, 2), "1");
  EXPECT_EQ(decimal(101, 2), "1.01");
}

TEST(json_decimal, negative_amounts) {
  EXPECT_EQ(decimal(-5, 2), "-0.05");
  EXPECT_EQ(decimal(-1234, 2), "-12.34");
  EXPECT_EQ(decimal(-100, 2), "-1");
}

TEST(json_decimal, quantities_in_thousandths) {
  EXPECT_EQ(decimal(30000, 3), "30");
  EXPECT_EQ(decimal(30500, 3), "30.5");
  EXPECT_EQ(decimal(1, 3), "0.001");
  EXPECT_EQ(decimal(10010, 3), "10.01");
}

TEST(json_decimal, whole_numbers_and_extremes) {
  EXPECT_EQ(decimal(42, 0), "42");
  EXPECT_EQ(decimal(std::numeric_limits<std::int64_t>::max(), 2), "92233720368547758.07");
  EXPECT_EQ(decimal(std::numeric_limits<std::int64_t>::min(), 2), "-92233720368547758.08");
}

TEST(json_writer, commas_at_every_depth) {
  std::string out;
  json_writer w(out);
  w.begin_object()
      .field("a", 1)
      .key("list")
      .begin_array()
      .value("x")
      .begin_object()
      .field("b", true)
      .field("c", "d")
      .end_object()
      .begin_array()
      .end_array()
      .null()
      .end_array()
      .key("empty")
      .begin_object()
      .end_object()
      .field("z", false)
      .end_object();
  EXPECT_EQ(out, R"({"a":1,"list":["x",{"b":true,"c":"d"},[],null],"empty":{},"z":false})");
}

TEST(json_writer, shorthands) {
  std::string out;
  json_writer w(out);
  w.begin_object()
      .field_or_null("absent", "")
      .field_or_null("present", "v")
      .field_if("skipped", "")
      .field_if("kept", "k")
      .money_or_null("paid", std::int64_t{43975})
      .money_or_null("unknown", std::nullopt)
      .key("qty")
      .decimal(30000, 3)
      .key("inner")
      .raw(R"({"x":1})")
      .end_object();
  EXPECT_EQ(out, R"({"absent":null,"present":"v","kept":"k","paid":439.75,"unknown":null,"qty":30,"inner":{"x":1}})");
}

TEST(json_writer, appends_to_what_the_buffer_holds) {
  std::string out = "data: ";
  json_writer(out).begin_array().value(std::int64_t{-7}).end_array();
  EXPECT_EQ(out, "data: [-7]");
}

TEST(json_writer, a_fresh_writer_on_a_reused_buffer_starts_clean) {
  std::string out;
  json_writer(out).begin_object().field("a", 1).end_object();
  out.clear();
  json_writer(out).begin_object().field("b", 2).end_object();
  EXPECT_EQ(out, R"({"b":2})");
}

TEST(json_writer, commas_are_right_at_the_deepest_tracked_level) {
  // 64 levels are tracked; each level holds a number, then the next level, then a second number.
  std::string out, expected;
  json_writer w(out);
  for (int i = 0; i < 64; ++i) {
    w.begin_array().value(i);
    expected += "[" + std::to_string(i) + ",";
  }
  for (int i = 63; i >= 0; --i) {
    w.value(-i).end_array();
    expected += (i == 63 ? "" : ",") + std::to_string(-i) + "]";
  }
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace rxgate::codec
