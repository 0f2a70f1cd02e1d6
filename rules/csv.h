// A small CSV reader for plan tables (RFC 4180: comma separated, optional double quotes with ""
// escapes, CRLF or LF). It tracks line and column of every field so that load errors point at
// the cell at fault. Lines starting with '#' before the header are comments. Load time only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace rxgate::rules {

struct csv_field {
  std::string_view value;  // into the reader's text, or into its scratch for unescaped quotes
  std::uint32_t line = 0, column = 0;  // 1-based
};

class csv_reader {
 public:
  // `name` is used in messages ("formulary.csv"); `text` must outlive the reader.
  csv_reader(std::string name, std::string_view text) : name_(std::move(name)), text_(text) {}

  // Reads the next record into `out`; false at the end of the text. A malformed quote is
  // reported through error() and the rest of that record is skipped.
  bool next(std::vector<csv_field>& out);
  const std::string& error() const noexcept { return error_; }
  std::uint32_t line() const noexcept { return line_; }
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;
  std::string error_;
  std::deque<std::string> scratch_;  // unescaped quoted values; a deque never moves them
};

}  // namespace rxgate::rules
