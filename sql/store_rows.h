// Private to sql/: the rows the writer sends, built column by column for unnest() arrays or row
// by row for COPY, in the column order of sql/store_statements.h. Values are cleaned as the
// store's text columns want them (pg.h); nothing here talks to PostgreSQL but copy_into().
#pragma once

#include <pqxx/pqxx>

#include <array>
#include <charconv>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sql/claim_bytes.h"
#include "sql/pg.h"
#include "sql/store.h"
#include "sql/store_statements.h"

namespace rxgate::store::rows {

// How a rows_builder holds its rows: COPY text rows, or one unnest() array per column, either
// as array literals (text parameters, the unnest method) or in PostgreSQL's binary array format
// (binary parameters, the pipeline method: the server neither parses literals nor decodes
// escaped bytea, and the writer escapes nothing).
enum class rows_format : std::uint8_t { copy, text_arrays, binary_arrays };

// Collects rows column by column (for unnest) or row by row (for COPY); values are text as
// PostgreSQL reads it, or binary as it receives it, NULL kept apart. Text is cleaned
// (pg::append_clean_text) in every format. A value the column's type cannot hold (a smallint
// over 32767) throws std::out_of_range: the batch fails, as PostgreSQL would have failed it on a
// literal.
class rows_builder {
 public:
  using column_type = statements::column_type;

  // COPY rows or array literals of `columns` columns.
  rows_builder(std::size_t columns, bool for_copy)
      : columns_(columns), format_(for_copy ? rows_format::copy : rows_format::text_arrays) {
    if (!for_copy) take_arrays(0);
  }
  // Columns of these types, in `format` (the types are needed for binary arrays only). The
  // builder keeps a view of `types`, which must outlive it (statements::column_types does).
  rows_builder(std::span<const column_type> types, rows_format format);

  // Empties the builder for another batch's rows. Every array keeps the storage it grew to, so a
  // builder that is kept from batch to batch (the pipeline method's, sql/store.cpp) allocates only
  // when a batch outgrows the ones before it.
  void reset();

  void text(std::string_view v) {
    begin_value();
    switch (format_) {
      case rows_format::copy: pg::append_clean_text(cell(), v); break;
      case rows_format::text_arrays: append_array_element(v, true); break;
      case rows_format::binary_arrays: binary_text(v, true); break;
    }
  }
  // Text that is already clean (numbers, dates, generated JSON, bytea hex).
  void raw(std::string_view v) {
    begin_value();
    switch (format_) {
      case rows_format::copy: cell().append(v); break;
      case rows_format::text_arrays: append_array_element(v, false); break;
      case rows_format::binary_arrays: binary_text(v, false); break;
    }
  }
  void integer(std::int64_t v) {
    if (format_ == rows_format::binary_arrays) {
      begin_value();
      binary_integer(v);
      return;
    }
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    raw({buf, static_cast<std::size_t>(r.ptr - buf)});
  }
  void integer(std::optional<std::int64_t> v) {
    if (v) {
      integer(*v);
    } else {
      null();
    }
  }
  // An invalid date is stored as today's (UTC), as pg::format_date writes it.
  void date(codec::date d) {
    if (format_ == rows_format::binary_arrays) {
      begin_value();
      binary_date(d);
      return;
    }
    raw(pg::format_date(d));
  }
  void bytea(std::string_view bytes) {
    if (format_ == rows_format::binary_arrays) {
      begin_value();
      binary_bytes(bytes);
      return;
    }
    scratch_.clear();
    pg::append_bytea_escaped(scratch_, bytes);
    raw(scratch_);
  }
  void null() {
    begin_value();
    switch (format_) {
      case rows_format::copy: nulls_.back() = true; break;
      case rows_format::text_arrays: {
        std::string& a = arrays_[column_ - 1];
        if (rows_ > 0) a.push_back(',');
        a += "NULL";
        break;
      }
      case rows_format::binary_arrays: binary_null(); break;
    }
  }
  void end_row() {
    column_ = 0;
    ++rows_;
  }

  std::size_t rows() const noexcept { return rows_; }
  rows_format format() const noexcept { return format_; }

  // unnest: one array per column, a literal or (binary_arrays) the bytes of a binary parameter.
  std::vector<std::string> arrays() &&;
  // unnest: the same arrays, left in the builder and valid until reset(), which must come before
  // any more values.
  std::span<const std::string> finish();

  // COPY: stream every row as a tuple of N C strings (nullptr = NULL).
  template <std::size_t N>
  void copy_into(pqxx::stream_to& stream) const {
    std::array<const char*, N> row{};
    for (std::size_t r = 0; r < rows_; ++r) {
      for (std::size_t c = 0; c < N; ++c) {
        const std::size_t i = r * N + c;
        row[c] = nulls_[i] ? nullptr : cells_[i].c_str();
      }
      stream << row;
    }
  }

 private:
  void begin_value() {
    if (column_ >= columns_) throw std::logic_error("rows_builder: too many values in a row");
    if (finished_) throw std::logic_error("rows_builder: a value after finish() without reset()");
    if (format_ == rows_format::copy) {
      cells_.emplace_back();
      nulls_.push_back(false);
    }
    ++column_;
  }
  std::string& cell() { return cells_.back(); }
  // Array literal element: always quoted, so blanks, commas and the word NULL stay data.
  void append_array_element(std::string_view v, bool clean) {
    std::string& a = arrays_[column_ - 1];
    if (rows_ > 0) a.push_back(',');
    a.push_back('"');
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (clean && (c < 0x20 || c >= 0x7F)) {
        a.push_back('?');
      } else {
        if (ch == '"' || ch == '\\') a.push_back('\\');
        a.push_back(ch);
      }
    }
    a.push_back('"');
  }
  // One array buffer per column, each starting with `reserved` zero bytes.
  void take_arrays(std::size_t reserved) { arrays_.assign(columns_, std::string(reserved, '\0')); }
  // Binary array elements (store_rows.cpp): a 4-byte length, then the value as the type's
  // receive function reads it.
  void binary_text(std::string_view v, bool clean);
  void binary_integer(std::int64_t v);
  void binary_date(codec::date d);
  void binary_bytes(std::string_view bytes);
  void binary_null();

  std::size_t columns_;
  rows_format format_;
  std::size_t column_ = 0;
  std::size_t rows_ = 0;
  bool finished_ = false;  // finish() has written the arrays' headers or braces
  std::vector<std::string> arrays_;
  std::span<const column_type> types_;  // binary_arrays
  std::vector<bool> has_null_;          // binary_arrays, per column
  std::vector<std::string> cells_;
  std::deque<bool> nulls_;  // not vector<bool>: copy_into reads it by index only, either works
  std::string scratch_;
};

// The fill number of a claim key (absent = 0).
inline int fill_number_of(const codec::claim& c) { return c.fill_number.value_or(0); }

// Adds the claim key of `c` in active_paid_keys' column order (claim_id, provider_id,
// rx_number, fill_number, date_of_service, bin, pcn, qualifier) to the current row (the caller
// ends it).
void add_key_columns(rows_builder& b, std::int64_t claim_id, const codec::claim& c);
// A row of the pay statement: the key, then the member and what the history needs, then the plan
// year and what the claim applied to its accumulators.
void add_pay_row(rows_builder& b, std::int64_t claim_id, const codec::claim& c, const rules::decision& d);

// claims.other_amounts: "qualifier:cents,..." (the pricing's other amounts paid).
std::string format_other_amounts(const codec::pricing& p);
// Back into `p` (views into `s`); malformed items are skipped.
void parse_other_amounts(std::string_view s, codec::pricing& p);

// The claim_links row of a reversal, rebill or duplicate answer stored as claim `claim_id`;
// nothing for other entries.
void add_link_row(rows_builder& b, std::int64_t claim_id, const batch_entry& e);

// The rows one insert() writes with COPY or unnest: claims, claim_rejects, claim_dur_alerts
// (the links go with the key statements, rxgate_write_keys).
class claim_rows {
 public:
  // The raw request and response are stored as `packer` packs them (sql/claim_bytes.h), or as
  // they are without one.
  explicit claim_rows(rows_format format, packer* packer = nullptr);
  // The rows of `e`, stored as claim `id` (make_claim_id: the rows take the date it carries).
  void add(const batch_entry& e, std::int64_t id);
  // Empties the rows for another batch's, keeping their storage (rows_builder::reset); the raw
  // bytes from now on as `packer` packs them.
  void reset(packer* packer);

  rows_builder claims, rejects, durs;

 private:
  void add_claim(const batch_entry& e, std::int64_t id, codec::date dos);

  std::string detail_;  // claims.detail, one buffer for the whole batch
  packer* packer_ = nullptr;
};

}  // namespace rxgate::store::rows
