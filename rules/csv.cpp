#include "rules/csv.h"

namespace rxgate::rules {

bool csv_reader::next(std::vector<csv_field>& out) {
  out.clear();
  scratch_.clear();
  error_.clear();
  // Skip blank lines (and a trailing newline at the end of the file).
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;

  for (;;) {
    csv_field f;
    f.line = line_;
    f.column = static_cast<std::uint32_t>(pos_ - line_start_ + 1);
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      std::string value;
      bool closed = false;
      while (pos_ < text_.size()) {
        char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            value.push_back('"');
            ++pos_;
            continue;
          }
          closed = true;
          break;
        }
        if (c == '\n') {
          ++line_;
          line_start_ = pos_;
        }
        value.push_back(c);
      }
      if (!closed) {
        error_ = "unterminated quoted field";
        out.push_back(f);
        return true;
      }
      if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
        error_ = "unexpected character after a closing quote";
        f.column = static_cast<std::uint32_t>(pos_ - line_start_ + 1);
        out.push_back(f);
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        return true;
      }
      scratch_.push_back(std::move(value));
      f.value = scratch_.back();
    } else {
      std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r')
        ++pos_;
      f.value = text_.substr(start, pos_ - start);
    }
    out.push_back(f);
    if (pos_ >= text_.size()) break;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') {
      ++pos_;
      ++line_;
      line_start_ = pos_;
    }
    break;
  }
  return true;
}

}  // namespace rxgate::rules
