// The writer's binary arrays (sql/store_rows.h, rows_format::binary_arrays), byte for byte and
// without a database: the header PostgreSQL's array_recv reads, each type's element at the edges
// of its range, NULLs, text cleaning. tests/sql/store_test.cpp sends the same arrays to a real
// server (the pipeline method) and reads every column back.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sql/store_rows.h"

namespace rxgate::store::rows {
namespace {

using statements::column_type;

std::string be32(std::int64_t v) {
  std::string s(4, '\0');
  const auto u = static_cast<std::uint32_t>(v);
  for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(u >> (24 - 8 * i));
  return s;
}
std::string be16(std::int64_t v) {
  const auto u = static_cast<std::uint16_t>(v);
  return {static_cast<char>(u >> 8), static_cast<char>(u & 0xFF)};
}
std::string be64(std::int64_t v) {
  std::string s(8, '\0');
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(u >> (56 - 8 * i));
  return s;
}
// A one-dimensional array header: dimensions 1, null flag, element type OID, length, lower bound 1.
std::string header(bool nulls, std::uint32_t oid, std::int64_t n) {
  return be32(1) + be32(nulls ? 1 : 0) + be32(oid) + be32(n) + be32(1);
}
codec::date day(int y, int m, int d) {
  return {static_cast<std::int16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

std::vector<std::string> one_column(column_type t, const auto& add) {
  const column_type types[] = {t};
  rows_builder b(types, rows_format::binary_arrays);
  add(b);
  return std::move(b).arrays();
}

TEST(BinaryArrays, SmallintsAtTheirEdgesAndJustOver) {
  const auto a = one_column(column_type::int2, [](rows_builder& b) {
    for (std::int64_t v : {-32768, -1, 0, 99, 32767}) {
      b.integer(v);
      b.end_row();
    }
  });
  ASSERT_EQ(a.size(), 1u);
  std::string want = header(false, 21, 5);
  for (std::int64_t v : {-32768, -1, 0, 99, 32767}) want += be32(2) + be16(v);
  EXPECT_EQ(a[0], want);
  const column_type types[] = {column_type::int2};
  rows_builder over(types, rows_format::binary_arrays);
  EXPECT_THROW(over.integer(std::int64_t{32768}), std::out_of_range);
  rows_builder under(types, rows_format::binary_arrays);
  EXPECT_THROW(under.integer(std::int64_t{-32769}), std::out_of_range);
}

TEST(BinaryArrays, IntegersAtTheirEdgesAndJustOver) {
  const auto a = one_column(column_type::int4, [](rows_builder& b) {
    b.integer(std::int64_t{-2147483648LL});
    b.end_row();
    b.integer(std::int64_t{2147483647});
    b.end_row();
  });
  EXPECT_EQ(a[0], header(false, 23, 2) + be32(4) + be32(-2147483648LL) + be32(4) + be32(2147483647));
  const column_type types[] = {column_type::int4};
  rows_builder over(types, rows_format::binary_arrays);
  EXPECT_THROW(over.integer(std::int64_t{2147483648LL}), std::out_of_range);
  rows_builder under(types, rows_format::binary_arrays);
  EXPECT_THROW(under.integer(std::int64_t{-2147483649LL}), std::out_of_range);
}

TEST(BinaryArrays, BigintsKeepEveryBit) {
  const std::int64_t values[] = {INT64_MIN, -1, 9007199254740993LL, INT64_MAX};
  const auto a = one_column(column_type::int8, [&](rows_builder& b) {
    for (auto v : values) {
      b.integer(v);
      b.end_row();
    }
  });
  std::string want = header(false, 20, 4);
  for (auto v : values) want += be32(8) + be64(v);
  EXPECT_EQ(a[0], want);
}

TEST(BinaryArrays, DatesCountDaysFrom2000) {
  const auto a = one_column(column_type::date, [](rows_builder& b) {
    for (const auto d : {day(1999, 12, 31), day(2000, 1, 1), day(2000, 1, 2), day(2026, 12, 4)}) {
      b.date(d);
      b.end_row();
    }
  });
  EXPECT_EQ(a[0], header(false, 1082, 4) + be32(4) + be32(-1) + be32(4) + be32(0) + be32(4) + be32(1) + be32(4) +
                      be32(9834));
}

TEST(BinaryArrays, AnInvalidDateIsToday) {
  const auto before = pg::today_utc();
  const auto a = one_column(column_type::date, [](rows_builder& b) {
    b.date(codec::date{});
    b.end_row();
  });
  const auto after = pg::today_utc();  // the run may straddle midnight (UTC)
  const auto of = [](codec::date d) { return header(false, 1082, 1) + be32(4) + be32(d.days() - 10957); };
  EXPECT_TRUE(a[0] == of(before) || a[0] == of(after));
}

// The text form the history's date parameters and the text arrays use: ISO, four-digit years
// zero-padded, a year past four digits written whole, an invalid date as today's.
TEST(TextDates, IsoWithFourDigitYearsAndTheEdgesOfEachField) {
  EXPECT_EQ(pg::format_date(day(2026, 12, 7)), "2026-12-07");
  EXPECT_EQ(pg::format_date(day(1800, 1, 1)), "1800-01-01");
  EXPECT_EQ(pg::format_date(day(9999, 12, 31)), "9999-12-31");
  EXPECT_EQ(pg::format_date(day(999, 10, 10)), "0999-10-10");
  EXPECT_EQ(pg::format_date(day(1, 2, 3)), "0001-02-03");
  EXPECT_EQ(pg::format_date(day(10000, 1, 1)), "10000-01-01");
  const auto before = pg::format_date(pg::today_utc());
  const auto invalid = pg::format_date(codec::date{});
  const auto after = pg::format_date(pg::today_utc());
  EXPECT_TRUE(invalid == before || invalid == after);
  EXPECT_EQ(pg::parse_date(pg::format_date(day(2024, 2, 29))), day(2024, 2, 29));
}

TEST(BinaryArrays, TheNullFlagIsPerColumn) {
  const column_type types[] = {column_type::int8, column_type::text};
  rows_builder b(types, rows_format::binary_arrays);
  b.integer(std::int64_t{7});
  b.null();
  b.end_row();
  const auto a = std::move(b).arrays();
  EXPECT_EQ(a[0], header(false, 20, 1) + be32(8) + be64(7));
  EXPECT_EQ(a[1], header(true, 25, 1) + be32(-1));
}

TEST(BinaryArrays, CharIsItsFirstByteCleaned) {
  const auto a = one_column(column_type::char1, [](rows_builder& b) {
    for (const char* v : {"\x1f", "\x20", "\x7e", "\x7f", "PX"}) {
      b.text(v);
      b.end_row();
    }
  });
  EXPECT_EQ(a[0], header(false, 18, 5) + be32(1) + "?" + be32(1) + " " + be32(1) + "~" + be32(1) + "?" + be32(1) + "P");
}

TEST(BinaryArrays, NullsAreFlaggedInTheHeader) {
  const auto a = one_column(column_type::text, [](rows_builder& b) {
    b.text("A");
    b.end_row();
    b.null();
    b.end_row();
  });
  EXPECT_EQ(a[0], header(true, 25, 2) + be32(1) + "A" + be32(-1));
  const auto b = one_column(column_type::text, [](rows_builder& r) {
    r.text("A");
    r.end_row();
  });
  EXPECT_EQ(b[0], header(false, 25, 1) + be32(1) + "A");
}

TEST(BinaryArrays, TextIsCleanedAndSentAsIs) {
  const auto a = one_column(column_type::text, [](rows_builder& b) {
    b.text(std::string("a\"b\\c,NULL{}", 12));
    b.end_row();
    b.text(std::string("M\0\xff\x1f\x20\x7e\x7f", 7));
    b.end_row();
    b.raw("duplicate");
    b.end_row();
  });
  EXPECT_EQ(a[0], header(false, 25, 3) + be32(12) + "a\"b\\c,NULL{}" + be32(7) + "M??? ~?" + be32(9) + "duplicate");
}

TEST(BinaryArrays, CharJsonbAndByteaInTheirWireForms) {
  const column_type types[] = {column_type::char1, column_type::jsonb, column_type::bytea};
  rows_builder b(types, rows_format::binary_arrays);
  b.text("P");
  b.raw("{\"a\":1}");
  b.bytea(std::string("\\x\0\x1c\xff", 5));
  b.end_row();
  b.text("");
  b.raw("{}");
  b.bytea("");
  b.end_row();
  const auto a = std::move(b).arrays();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0], header(false, 18, 2) + be32(1) + "P" + be32(1) + std::string(1, '\0'));
  EXPECT_EQ(a[1], header(false, 3802, 2) + be32(8) + "\x01{\"a\":1}" + be32(3) + "\x01{}");
  EXPECT_EQ(a[2], header(false, 17, 2) + be32(5) + std::string("\\x\0\x1c\xff", 5) + be32(0));
}

TEST(BinaryArrays, NoRowsIsAnEmptyArrayOfTheColumnsType) {
  const column_type types[] = {column_type::int8, column_type::text};
  const auto a = rows_builder(types, rows_format::binary_arrays).arrays();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0], be32(0) + be32(0) + be32(20));
  EXPECT_EQ(a[1], be32(0) + be32(0) + be32(25));
}

TEST(BinaryArrays, AValueOfTheWrongKindOrOneTooManyIsRefused) {
  const column_type types[] = {column_type::int8};
  rows_builder text_into_number(types, rows_format::binary_arrays);
  EXPECT_THROW(text_into_number.text("1"), std::logic_error);
  rows_builder date_into_number(types, rows_format::binary_arrays);
  EXPECT_THROW(date_into_number.date(day(2026, 1, 1)), std::logic_error);
  rows_builder too_many(types, rows_format::binary_arrays);
  too_many.integer(std::int64_t{1});
  EXPECT_THROW(too_many.integer(std::int64_t{2}), std::logic_error);
}

TEST(BinaryArrays, EveryColumnListHasItsSqlType) {
  // The casts of the statements come from the same lists (store_statements.cpp).
  EXPECT_STREQ(statements::sql_type_name(column_type::int2), "smallint");
  EXPECT_STREQ(statements::sql_type_name(column_type::int4), "integer");
  EXPECT_STREQ(statements::sql_type_name(column_type::int8), "bigint");
  EXPECT_STREQ(statements::sql_type_name(column_type::char1), "\"char\"");
  EXPECT_STREQ(statements::sql_type_name(column_type::jsonb), "jsonb");
  EXPECT_EQ(statements::write_keys_argument_count, 40u);
}

// The writer keeps its builders from batch to batch and resets them (sql/store.cpp,
// insert_arrays; sql/store_history.h, history_arguments): a reset builder must give the bytes of
// a new one, whatever it held, and keep its storage.
constexpr column_type text_and_bigint[] = {column_type::text, column_type::int8};

void add_rows(rows_builder& b, int rows, std::size_t text_size, bool null_first = false) {
  for (int r = 0; r < rows; ++r) {
    if (null_first && r == 0) {
      b.null();
    } else {
      b.text(std::string(text_size, static_cast<char>('a' + r % 26)));
    }
    b.integer(std::int64_t{r});
    b.end_row();
  }
}
std::vector<std::string> batch_in(rows_builder& kept, int rows, std::size_t text_size, bool null_first = false) {
  kept.reset();
  add_rows(kept, rows, text_size, null_first);
  const auto arrays = kept.finish();
  return {arrays.begin(), arrays.end()};
}
std::vector<std::string> fresh_batch(rows_format format, int rows, std::size_t text_size, bool null_first = false) {
  rows_builder b(text_and_bigint, format);
  add_rows(b, rows, text_size, null_first);
  return std::move(b).arrays();
}

TEST(KeptArrays, AResetBuilderGivesTheBytesOfANewOneAndKeepsItsStorage) {
  for (const rows_format format : {rows_format::binary_arrays, rows_format::text_arrays}) {
    SCOPED_TRACE(format == rows_format::binary_arrays ? "binary" : "text");
    rows_builder kept(text_and_bigint, format);
    EXPECT_EQ(batch_in(kept, 40, 300, true), fresh_batch(format, 40, 300, true));
    const char* grown = kept.finish()[0].data();
    const std::size_t capacity = kept.finish()[0].capacity();
    // A smaller batch without NULLs: same bytes as a new builder's (the null flag cleared), in
    // the storage the first column grew to before.
    EXPECT_EQ(batch_in(kept, 3, 10), fresh_batch(format, 3, 10));
    EXPECT_EQ(kept.finish()[0].data(), grown);
    EXPECT_EQ(kept.finish()[0].capacity(), capacity);
    // finish() twice gives the same arrays (the headers or braces written once).
    EXPECT_EQ(std::vector<std::string>(kept.finish().begin(), kept.finish().end()), fresh_batch(format, 3, 10));
    // No rows after a batch with rows: the empty array's form, not what the buffer held; and
    // rows again after it: the reserved header is back.
    EXPECT_EQ(batch_in(kept, 0, 0), fresh_batch(format, 0, 0));
    EXPECT_EQ(batch_in(kept, 2, 5), fresh_batch(format, 2, 5));
    // A value after finish() without a reset() is refused: it would land after the header.
    EXPECT_THROW(kept.text("x"), std::logic_error);
    // A batch that failed half-way through a row leaves nothing behind.
    kept.reset();
    kept.text("x");
    kept.integer(std::int64_t{1});
    EXPECT_THROW(kept.integer(std::int64_t{2}), std::logic_error);
    EXPECT_EQ(batch_in(kept, 2, 5), fresh_batch(format, 2, 5));
  }
  // COPY rows are not arrays.
  rows_builder copy(2, true);
  EXPECT_THROW(copy.finish(), std::logic_error);
}

}  // namespace
}  // namespace rxgate::store::rows
